/**
 * Artillery is the load engine: this module writes the script Artillery runs, runs it (`artillery run`
 * here, `artillery run-fargate` on AWS), and turns its `--output` JSON into our figures.
 *
 * Contracts read from artilleryio/artillery at tag artillery-2.0.34 (the version bench/package.json pins):
 * - packages/artillery/lib/cmds/run.ts: `--output` writes `{ aggregate, intermediate: [...] }`, each a
 *   period's metrics with `counters`, `rates`, `summaries` (and `histograms`, set to the same summaries).
 * - packages/artillery/lib/core/ssms.ts: a period is `{ period, firstMetricAt, lastMetricAt, counters,
 *   rates, summaries }`; a summary is `{ min, max, count, mean, p50, median, p75, p90, p95, p99, p999 }`;
 *   periods are 10 s windows aligned to the wall clock (normalizeTs).
 * - packages/artillery/lib/core/engine_http.ts: `config.http.timeout` is the request timeout in seconds;
 *   counters `http.requests`, `http.responses`, `http.codes.<status>`, `http.downloaded_bytes`,
 *   `errors.<code>`, `vusers.created`; summary `http.response_time`.
 * - packages/artillery/lib/core/runner.ts: per virtual user (one run of a flow) counters `vusers.created`,
 *   `vusers.completed`, `vusers.failed`, and the summary `vusers.session_length` (ms, the whole flow).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { FlowFigures, LatencySummary, Summary } from "./stats";

/** The pinned version (bench/package.json). */
export const ARTILLERY_VERSION = "2.0.34";

/** bench/ in the repository: the bench package with its own package.json and lock. */
export const BENCH_PACKAGE_DIR = path.resolve(__dirname, "../../bench");

export class ArtilleryError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ArtilleryError";
    }
}

/** The artillery binary of the bench package; a clear error naming the install command when it is missing. */
export function artilleryBin(dir = BENCH_PACKAGE_DIR): string {
    const bin = path.join(dir, "node_modules", ".bin", "artillery");
    if (!fs.existsSync(bin)) {
        throw new ArtilleryError(
            `Artillery ${ARTILLERY_VERSION} is not installed in ${path.relative(process.cwd(), dir) || "."}/node_modules: ` +
                "run `PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix bench --no-audit --no-fund` " +
                "(without the variable, Artillery's Playwright engine tries to download a browser and the install fails)",
        );
    }
    return bin;
}

/** One Artillery phase: a constant arrival rate (new virtual users per second) for a duration. */
export interface Phase {
    readonly name: string;
    /** Seconds. */
    readonly duration: number;
    readonly arrivalRate: number;
}

/** The script for GETs of one path: one request per virtual user, as the seed's tests. */
export function artilleryScript(target: string, urlPath: string, phases: readonly Phase[], timeoutMs: number): Record<string, unknown> {
    if (phases.length === 0) {
        throw new RangeError("an Artillery script needs at least one phase");
    }
    for (const p of phases) {
        if (!(p.duration > 0) || !(p.arrivalRate > 0)) {
            throw new RangeError(`phase "${p.name}": duration and arrivalRate must be greater than 0, got ${p.duration} and ${p.arrivalRate}`);
        }
    }
    return {
        config: {
            target,
            phases: phases.map((p) => ({ name: p.name, duration: p.duration, arrivalRate: p.arrivalRate })),
            http: { timeout: timeoutMs / 1000 },
        },
        scenarios: [{ name: `GET ${urlPath}`, flow: [{ get: { url: urlPath } }] }],
    };
}

/** One period (or the aggregate) of Artillery's `--output` JSON. */
export interface ArtilleryMetrics {
    readonly period?: number | string;
    readonly firstMetricAt?: number;
    readonly lastMetricAt?: number;
    readonly counters: Readonly<Record<string, number>>;
    readonly rates: Readonly<Record<string, number>>;
    readonly summaries: Readonly<Record<string, ArtillerySummary>>;
}

export interface ArtillerySummary {
    readonly min: number;
    readonly max: number;
    readonly count: number;
    readonly mean: number;
    readonly median: number;
    readonly p95: number;
    readonly p99: number;
    readonly p999?: number;
}

export interface ArtilleryReport {
    readonly aggregate: ArtilleryMetrics;
    readonly intermediate: readonly ArtilleryMetrics[];
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkMetrics(where: string, m: unknown): ArtilleryMetrics {
    if (!isObject(m)) {
        throw new ArtilleryError(`Artillery output: ${where} is not an object`);
    }
    for (const key of ["counters", "summaries"]) {
        if (!isObject(m[key])) {
            throw new ArtilleryError(`Artillery output: ${where}.${key} is missing (is this an \`artillery run --output\` file?)`);
        }
    }
    return { ...(m as unknown as ArtilleryMetrics), rates: isObject(m.rates) ? (m.rates as Record<string, number>) : {} };
}

/** Parses and checks an `--output` file's text. */
export function parseArtilleryReport(text: string, file = "the output"): ArtilleryReport {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new ArtilleryError(`Artillery output ${file} is not JSON (${(e as Error).message})`);
    }
    if (!isObject(doc) || !Array.isArray(doc.intermediate)) {
        throw new ArtilleryError(`Artillery output ${file}: expected { aggregate, intermediate: [...] }`);
    }
    return {
        aggregate: checkMetrics("aggregate", doc.aggregate),
        intermediate: doc.intermediate.map((m, i) => checkMetrics(`intermediate[${i}]`, m)),
    };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function latency(s: ArtillerySummary | undefined): LatencySummary | null {
    if (!s || !(s.count > 0)) {
        return null;
    }
    return { min: s.min, mean: round2(s.mean), median: s.median, p95: s.p95, p99: s.p99, max: s.max };
}

/**
 * Our summary of one period (or the aggregate) over a window of durationS seconds. Failed = requests that
 * ended in an error (`errors.*`) plus responses with a status >= 400, as the results always counted them.
 */
export function summaryFromArtillery(m: ArtilleryMetrics, durationS: number, o: { flows?: boolean } = {}): Summary {
    const c = m.counters;
    const statusCounts: Record<string, number> = {};
    const errors: Record<string, number> = {};
    let failedStatus = 0;
    for (const [key, value] of Object.entries(c)) {
        const code = /^http\.codes\.(\d{3})$/.exec(key);
        if (code) {
            statusCounts[code[1]] = value;
            failedStatus += Number(code[1]) >= 400 ? value : 0;
        } else if (key.startsWith("errors.")) {
            errors[key.slice("errors.".length)] = value;
        }
    }
    const requests = c["http.requests"] ?? 0;
    const responses = c["http.responses"] ?? 0;
    const failed = failedStatus + Object.values(errors).reduce((a, b) => a + b, 0);
    // A virtual user that never got to send its request (it failed first) is still an arrival that failed.
    const arrivals = Math.max(requests, c["vusers.created"] ?? 0);
    return {
        requests: arrivals,
        responses,
        statusCounts,
        errors,
        failed,
        errorRate: arrivals === 0 ? 0 : failed / arrivals,
        bytes: c["http.downloaded_bytes"] ?? 0,
        latency: latency(m.summaries["http.response_time"]),
        durationS,
        offeredRps: round2(arrivals / durationS),
        achievedRps: round2(responses / durationS),
        ...(o.flows ? { flows: flowFigures(m, durationS) } : {}),
    };
}

/** A window's flows: Artillery's virtual users, each one run of the scenario's flow. */
export function flowFigures(m: ArtilleryMetrics, durationS: number): FlowFigures {
    const c = m.counters;
    const created = c["vusers.created"] ?? 0;
    const completed = c["vusers.completed"] ?? 0;
    return {
        created,
        completed,
        failed: c["vusers.failed"] ?? 0,
        offeredPerS: round2(created / durationS),
        completedPerS: round2(completed / durationS),
        requestsPerFlow: created === 0 ? null : round2((c["http.requests"] ?? 0) / created),
        latency: latency(m.summaries["vusers.session_length"]),
    };
}

/** What a local Artillery run produced: the parsed report and how busy Artillery itself was. */
export interface ArtilleryRun {
    readonly report: ArtilleryReport;
    /** Artillery's own CPU while its phases ran, percent of one core (null when /proc or the phase lines were not there). */
    readonly clientCpuPercent: number | null;
    readonly wallS: number;
    /**
     * Seconds from the first "Phase started" to the last "Phase completed": how long Artillery took to create
     * the arrivals. A phase ends when all of them exist, so a generator that cannot keep up stretches it (a
     * "10 s" phase at 12,800/s took 109 s on one core here); null when the lines were not seen.
     */
    readonly sendingS: number | null;
}

/** utime + stime of a process, in clock ticks, or null. */
export function cpuTicks(pid: number | undefined): number | null {
    if (pid === undefined) {
        return null;
    }
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(fields[11]) + Number(fields[12]);
    } catch {
        return null;
    }
}

/**
 * The seconds a run's rates are taken over: the phases' nominal length, or how long Artillery really took to
 * create the arrivals when that was more than 5% longer (it fell behind: a phase ends only once every arrival
 * exists, so dividing by the nominal length would report rates it never sent).
 */
export function sendingSeconds(nominalS: number, run: Pick<ArtilleryRun, "sendingS">): number {
    return run.sendingS !== null && run.sendingS > nominalS * 1.05 ? run.sendingS : nominalS;
}

/** A run's figures, its rates taken over sendingSeconds(nominalS, run). */
export function runSummary(run: ArtilleryRun, nominalS: number, o: { flows?: boolean } = {}): Summary {
    return summaryFromArtillery(run.report.aggregate, sendingSeconds(nominalS, run), o);
}

/** Clock ticks per second on Linux (USER_HZ); 100 on every architecture Node runs on there. */
export const TICKS_PER_S = 100;

export interface RunArtilleryOptions {
    readonly script: Record<string, unknown>;
    readonly bin?: string;
    /** Where the script and the output go (a fresh temp dir by default, removed afterwards). */
    readonly workDir?: string;
    /** Lines of Artillery's own console output, for the progress display. */
    readonly onOutput?: (line: string) => void;
    /** A command that runs Artillery, e.g. ["taskset", "-c", "0"] to pin it to a core (it execs, so the pid stays). */
    readonly prefix?: readonly string[];
    /** Lets the caller stop the run (Ctrl-C). */
    readonly onSpawn?: (child: ChildProcess) => void;
}

/** Runs `artillery run --output <file> <script>` and returns its report and its own CPU use. */
export async function runArtillery(options: RunArtilleryOptions): Promise<ArtilleryRun> {
    const bin = options.bin ?? artilleryBin();
    const dir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "bench-artillery-"));
    const scriptFile = path.join(dir, "script.yml");
    const outFile = path.join(dir, "out.json");
    fs.writeFileSync(scriptFile, stringify(options.script));
    const started = Date.now();
    try {
        const argv = [...(options.prefix ?? []), bin, "run", "--output", outFile, scriptFile];
        const child = spawn(argv[0], argv.slice(1), {
            stdio: ["ignore", "pipe", "pipe"],
            // No telemetry from a benchmark (packages/artillery/lib/telemetry.ts reads ARTILLERY_DISABLE_TELEMETRY).
            env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: "true" },
        });
        options.onSpawn?.(child);
        // An interrupted benchmark (Ctrl-C) must not leave Artillery sending load, nor its folder behind (the
        // `finally` below does not run when the process exits).
        const killChild = () => {
            child.kill("SIGKILL");
            if (!options.workDir) {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        };
        process.once("exit", killChild);
        child.once("exit", () => process.removeListener("exit", killChild));
        // Artillery's own CPU while it sends: from its first "Phase started" line to its last "Phase completed"
        // (packages/artillery/lib/console-reporter.ts, tag artillery-2.0.34), leaving out its start-up.
        let phaseStart: { ticks: number; at: number } | undefined;
        let phaseEnd: { ticks: number; at: number } | undefined;
        const mark = (): { ticks: number; at: number } | undefined => {
            const ticks = cpuTicks(child.pid);
            return ticks === null ? undefined : { ticks, at: Date.now() };
        };
        let tail = "";
        const collect = (chunk: Buffer) => {
            const text = chunk.toString();
            tail = (tail + text).slice(-4000);
            for (const line of text.split("\n")) {
                if (line.includes("Phase started") && !phaseStart) {
                    phaseStart = mark();
                } else if (line.includes("Phase completed")) {
                    phaseEnd = mark();
                }
                if (line.trim()) {
                    options.onOutput?.(line);
                }
            }
        };
        child.stdout?.on("data", collect);
        child.stderr?.on("data", collect);
        const code = await new Promise<number | null>((resolve, reject) => {
            child.on("error", reject);
            child.on("exit", (c) => resolve(c));
        });
        const wallS = (Date.now() - started) / 1000;
        if (code !== 0 || !fs.existsSync(outFile)) {
            throw new ArtilleryError(`artillery run exited with ${code}; its last output:\n${tail}`);
        }
        const report = parseArtilleryReport(fs.readFileSync(outFile, "utf8"), outFile);
        // The phases' window, once: its length and Artillery's CPU ticks in it.
        const phases = phaseStart && phaseEnd && phaseEnd.at > phaseStart.at
            ? { s: (phaseEnd.at - phaseStart.at) / 1000, ticks: phaseEnd.ticks - phaseStart.ticks }
            : null;
        return {
            report,
            wallS,
            clientCpuPercent: phases && round2((phases.ticks / TICKS_PER_S / phases.s) * 100),
            sendingS: phases && round2(phases.s),
        };
    } finally {
        if (!options.workDir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
}
