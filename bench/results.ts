/**
 * The results file: everything a run measured, enough to rebuild the report later without the targets.
 * Written atomically (temp file + rename); read back with a check that names what is wrong.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Architecture, isArchitecture } from "../model/architecture";
import { mergePrices, PriceTable, TaskSize } from "../model/pricing";
import { Summary } from "./stats";
import { MachineNoise } from "./machine-noise";
import type { ProcessorReading } from "./processors";

/** Bumped when the shape changes incompatibly. */
export const RESULTS_FORMAT = "dotnet-fargate-bench/2";

/** bench/results/ in the repository (git-ignored). */
export const RESULTS_DIR = path.resolve(__dirname, "../../bench/results");

/** The machine the load generator ran on (and, in --local mode, the services too). */
export interface MachineInfo {
    readonly hostname: string;
    readonly platform: string;
    readonly arch: string;
    readonly cores: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
}

export function currentMachine(): MachineInfo {
    const cpus = os.cpus();
    return {
        hostname: os.hostname(),
        platform: os.platform(),
        arch: os.arch(),
        cores: cpus.length,
        cpuModel: cpus[0]?.model.trim() ?? "unknown",
        memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
        node: process.version,
    };
}

/** One fixed-rate test's figures on one target. */
export interface ScenarioResult {
    readonly id: string;
    readonly name: string;
    readonly url: string;
    readonly durationS: number;
    readonly arrivalRate: number;
    readonly startedAt: string;
    readonly endedAt: string;
    readonly summary: Summary;
    /** Latency quantiles of the responses, from Artillery's `http.response_time` summary: p 0 = min, 100 = max. */
    readonly quantilesMs: readonly Quantile[];
    /** Artillery's reporting periods (10 s each, aligned to the clock), in order. */
    readonly perPeriod: readonly PeriodFigures[];
    /** The load generator's (Artillery's) CPU over the test, percent of one core; null when not measured. */
    readonly clientCpuPercent: number | null;
    /** Whether the load generator sent less than the test's rate (its figures then describe the client). */
    readonly clientBound: boolean;
    /** The scenario's `after` requests (e.g. DELETE /memory-leak) and their answers; absent when it has none. */
    readonly after?: readonly AfterRequestResult[];
}

export interface Quantile {
    /** Percent of responses at or below `ms`. */
    readonly p: number;
    readonly ms: number;
}

/** One of Artillery's reporting periods. */
export interface PeriodFigures {
    /** Seconds from the test's first metric to the period's first metric. */
    readonly startS: number;
    readonly requests: number;
    readonly responses: number;
    /** p99 of the period's responses, ms; null without any. */
    readonly p99: number | null;
}

/** One request made after a test's load, and what came back. */
export interface AfterRequestResult {
    readonly method: string;
    readonly url: string;
    readonly at: string;
    readonly status?: number;
    readonly error?: string;
    /** The start of the body (e.g. the memory the DELETE released). */
    readonly body: string;
}

/**
 * Where a run's tasks per service came from: `--tasks`, the stack's `desiredCount` output, the default 1
 * (neither given: a stack deployed before that output existed), or one local process per service.
 */
export type TasksSource = "flag" | "desiredCount" | "default" | "local";

export const TASKS_SOURCES: readonly TasksSource[] = ["flag", "desiredCount", "default", "local"];

/** One step of a capacity search. */
export interface CapacityStep {
    readonly rate: number;
    readonly summary: Summary;
    /** Whether the step met the p99 target and the error limit. */
    readonly held: boolean;
    /** Why it was not held, e.g. "p99 312.4 ms > 200 ms" or "client-bound: sent 310.2/s of 400/s". */
    readonly reason?: string;
    /** The load generator, not the server, limited this step. */
    readonly clientBound?: boolean;
    /** The load generator's CPU during the step, percent of one core. */
    readonly clientCpuPercent?: number | null;
    /** --local: this machine's load and CPU steal during the step, and whether it was busy (bench/machine-noise.ts). */
    readonly machine?: MachineNoise;
}

/**
 * Why a capacity search stopped: "bisected" (held and failed rates within the tolerance: a measured
 * capacity), "reached maxRate" (at least maxRate), "client-bound" (the load generator's limit: the server's
 * capacity is above what it could send), "below minRate" (even the lowest rate failed), or "failed step"
 * (results written before the search bisected).
 */
export type CapacityEnd = "bisected" | "reached maxRate" | "client-bound" | "below minRate" | "failed step";

/** How long the target was warmed before the first measured step. */
export interface Warmup {
    readonly seconds: number;
    readonly rate: number;
    /** Whether the last two chunks agreed (false: it stopped at the chunk limit, still changing). */
    readonly steady: boolean;
    readonly chunks: readonly { readonly achievedRps: number; readonly meanMs: number | null }[];
}

export interface CapacityResult {
    readonly name: string;
    readonly url: string;
    readonly p99TargetMs: number;
    readonly maxErrorRate: number;
    readonly stepDurationS: number;
    readonly maxRate: number;
    /** Steps are bisected until (failed - held) / held is at most this. */
    readonly tolerance?: number;
    readonly steps: readonly CapacityStep[];
    /** Highest arrival rate held; null when even the first step failed. */
    readonly highestRateHeld: number | null;
    readonly stoppedBecause: CapacityEnd;
    /** With "client-bound": the rate the load generator did send at that step. */
    readonly clientBoundAtRps?: number;
    readonly warmup?: Warmup;
    /**
     * Present when the steps ran as phases of a few Artillery runs (--engine fargate) rather than one run
     * each: how many runs, and the seconds taken off each end of a phase before whole 10 s periods were matched to it.
     */
    readonly phased?: { readonly runs: number; readonly slackS: number };
    /**
     * A user's flow (--capacity-flow, --capacity-path): rates are flows per second. `requestsPerFlow` is the
     * requests a flow sent at the highest rate held (the capacity in requests/s is that times highestRateHeld).
     */
    readonly flow?: { readonly file?: string; readonly requestsAsWritten: number; readonly requestsPerFlow: number | null };
    /** With --repeat N > 1: each repetition's highest rate held (this entry's figures are the median one's; the lower middle one's for an even N). */
    readonly repeats?: readonly { readonly highestRateHeld: number | null; readonly stoppedBecause: CapacityEnd }[];
}

/** One utilisation reading: the service's CPU and memory at a moment. */
export interface UtilisationPoint {
    /** Seconds since the run on this target started. */
    readonly t: number;
    /** CPU used, percent of the reserved CPU (ECS) or of one core (local). */
    readonly cpuPercent: number | null;
    /** Memory used, MiB. */
    readonly memoryMiB: number | null;
}

export interface ServiceUtilisation {
    readonly service: string;
    /** "container-insights", "procfs", or the reason it was not measured. */
    readonly source: string;
    readonly measured: boolean;
    readonly note?: string;
    readonly points: readonly UtilisationPoint[];
}

/** Everything measured against one target (one stack, or the local build). */
export interface TargetRun {
    /** "arm64", "amd64", or "local-<arch>". */
    readonly label: string;
    readonly mode: "stack" | "local";
    readonly architecture: Architecture;
    /** Base URL(s): one ALB URL, or per-service local URLs. */
    readonly urls: Readonly<Record<string, string>>;
    readonly taskSize: TaskSize;
    /** Tasks behind each service during the run (capacity is divided by this for per-task cost). */
    readonly tasksPerService: number;
    /** Where tasksPerService came from; absent in results written before it was recorded. */
    readonly tasksSource?: TasksSource;
    /** The processor(s) that served the requests, in one line: the models of `processors`, with how many tasks ran on each. */
    readonly serverCpuModel: string;
    /** Per task, the processor model it read from /proc/cpuinfo; absent in results written before it was recorded. */
    readonly processors?: ProcessorReading;
    /** The BookStore's store: "memory", or "postgres (...)" saying where; absent in results written before it was recorded. */
    readonly store?: string;
    /** Local runs: the CPU the services had ("capped at 512 CPU units (...)" or "uncapped (why)"); absent for stacks and older results. */
    readonly localCpu?: string;
    readonly estimatedMonthlyCostUsd?: Readonly<Record<string, number>>;
    /**
     * The prices the stack's cost figures use (its `prices` config over list prices), which the report prices its runs
     * at; absent for local runs and for stacks and results from before it was exported: list prices then.
     */
    readonly prices?: PriceTable;
    readonly startedAt: string;
    readonly endedAt: string;
    readonly scenarios: readonly ScenarioResult[];
    readonly capacity: readonly CapacityResult[];
    readonly utilisation: readonly ServiceUtilisation[];
}

export interface BenchResults {
    readonly format: typeof RESULTS_FORMAT;
    readonly command: string;
    /** Where Artillery ran (bench --engine); absent in results written before it was recorded. */
    readonly engine?: "local" | "fargate";
    readonly scale: number;
    readonly startedAt: string;
    readonly endedAt: string;
    /** The machine the load generator ran on. */
    readonly machine: MachineInfo;
    readonly runs: readonly TargetRun[];
}

export class ResultsError extends Error {
    constructor(file: string, message: string) {
        super(`Results file ${file}: ${message}`);
        this.name = "ResultsError";
    }
}

/** Writes `content` to `file` via a temp file in the same directory and a rename: all or nothing. */
export function writeFileAtomic(file: string, content: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
    try {
        fs.writeFileSync(temp, content);
        fs.renameSync(temp, file);
    } catch (e) {
        fs.rmSync(temp, { force: true });
        throw e;
    }
}

export function writeResults(file: string, results: BenchResults): void {
    writeFileAtomic(file, JSON.stringify(results, null, 1) + "\n");
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNum(v: unknown): v is number {
    return typeof v === "number" && Number.isFinite(v);
}

function checkSummary(file: string, where: string, s: unknown): void {
    if (!isObject(s)) {
        throw new ResultsError(file, `${where}.summary is missing`);
    }
    for (const k of ["requests", "responses", "failed", "errorRate", "bytes", "durationS", "achievedRps", "offeredRps"]) {
        if (!isNum(s[k])) {
            throw new ResultsError(file, `${where}.summary.${k} must be a number, got ${JSON.stringify(s[k])}`);
        }
    }
    if (!isObject(s.statusCounts) || !isObject(s.errors)) {
        throw new ResultsError(file, `${where}.summary.statusCounts and .errors must be objects`);
    }
    if (s.latency !== null) {
        if (!isObject(s.latency)) {
            throw new ResultsError(file, `${where}.summary.latency must be an object or null`);
        }
        for (const k of ["min", "mean", "median", "p95", "p99", "max"]) {
            if (!isNum(s.latency[k])) {
                throw new ResultsError(file, `${where}.summary.latency.${k} must be a number`);
            }
        }
    }
}

/** Checks the parsed JSON is a complete results file; throws a ResultsError naming the first problem. */
export function validateResults(file: string, data: unknown): BenchResults {
    if (!isObject(data)) {
        throw new ResultsError(file, "expected a JSON object");
    }
    if (data.format !== RESULTS_FORMAT) {
        throw new ResultsError(file, `format is ${JSON.stringify(data.format)}, expected "${RESULTS_FORMAT}"`);
    }
    if (!isObject(data.machine) || !isNum(data.machine.cores)) {
        throw new ResultsError(file, "machine is missing or has no cores");
    }
    if (data.engine !== undefined && data.engine !== "local" && data.engine !== "fargate") {
        throw new ResultsError(file, `engine is ${JSON.stringify(data.engine)}, expected "local" or "fargate"`);
    }
    if (!isNum(data.scale)) {
        throw new ResultsError(file, "scale must be a number");
    }
    if (!Array.isArray(data.runs) || data.runs.length === 0) {
        throw new ResultsError(file, "runs must be a non-empty array");
    }
    data.runs.forEach((run: unknown, i: number) => {
        const where = `runs[${i}]`;
        if (!isObject(run)) {
            throw new ResultsError(file, `${where} must be an object`);
        }
        if (typeof run.label !== "string" || (run.mode !== "stack" && run.mode !== "local")) {
            throw new ResultsError(file, `${where} needs a label and a mode of "stack" or "local"`);
        }
        if (!isArchitecture(run.architecture)) {
            throw new ResultsError(file, `${where}.architecture is ${JSON.stringify(run.architecture)}, expected arm64 or amd64`);
        }
        if (!isObject(run.taskSize) || !isNum(run.taskSize.cpu) || !isNum(run.taskSize.memory)) {
            throw new ResultsError(file, `${where}.taskSize must be {cpu, memory}`);
        }
        if (!isNum(run.tasksPerService) || run.tasksPerService < 1) {
            throw new ResultsError(file, `${where}.tasksPerService must be a number >= 1`);
        }
        if (run.tasksSource !== undefined && !TASKS_SOURCES.includes(run.tasksSource as TasksSource)) {
            throw new ResultsError(file, `${where}.tasksSource is ${JSON.stringify(run.tasksSource)}, expected one of ${TASKS_SOURCES.join(", ")}`);
        }
        if (
            run.processors !== undefined &&
            !(isObject(run.processors) && Array.isArray(run.processors.tasks) &&
                run.processors.tasks.every((t) => isObject(t) && typeof t.service === "string" && typeof t.task === "string" && typeof t.model === "string"))
        ) {
            throw new ResultsError(file, `${where}.processors must be {tasks: [{service, task, model}], note?}`);
        }
        if (run.prices !== undefined) {
            try {
                mergePrices(run.prices, `${where}.prices`);
            } catch (e) {
                throw new ResultsError(file, `${where}.prices is not a price table: ${(e as Error).message}`);
            }
        }
        if (!Array.isArray(run.scenarios) || !Array.isArray(run.capacity) || !Array.isArray(run.utilisation)) {
            throw new ResultsError(file, `${where} needs scenarios, capacity and utilisation arrays`);
        }
        run.scenarios.forEach((sc: unknown, j: number) => {
            const w = `${where}.scenarios[${j}]`;
            if (!isObject(sc) || typeof sc.id !== "string" || typeof sc.name !== "string") {
                throw new ResultsError(file, `${w} needs an id and a name`);
            }
            checkSummary(file, w, sc.summary);
            if (!Array.isArray(sc.quantilesMs) || !Array.isArray(sc.perPeriod)) {
                throw new ResultsError(file, `${w} needs quantilesMs and perPeriod`);
            }
            if (sc.after !== undefined && (!Array.isArray(sc.after) || !sc.after.every((a) => isObject(a) && typeof a.method === "string" && typeof a.url === "string"))) {
                throw new ResultsError(file, `${w}.after must be a list of {method, url, ...}`);
            }
        });
        run.capacity.forEach((c: unknown, j: number) => {
            const w = `${where}.capacity[${j}]`;
            if (!isObject(c) || !Array.isArray(c.steps) || !(c.highestRateHeld === null || isNum(c.highestRateHeld))) {
                throw new ResultsError(file, `${w} needs steps and highestRateHeld (number or null)`);
            }
            c.steps.forEach((s: unknown, k: number) => {
                if (!isObject(s) || !isNum(s.rate) || typeof s.held !== "boolean") {
                    throw new ResultsError(file, `${w}.steps[${k}] needs rate and held`);
                }
                checkSummary(file, `${w}.steps[${k}]`, s.summary);
            });
        });
    });
    return data as unknown as BenchResults;
}

/** Reads and checks a results file. */
export function readResults(file: string): BenchResults {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new ResultsError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (e) {
        throw new ResultsError(file, `is not valid JSON (${(e as Error).message})`);
    }
    return validateResults(file, data);
}
