import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { costPerMillionRequests, taskHourUsd } from "../model/pricing";
import { ArtilleryMetrics, flowFigures, summaryFromArtillery } from "./artillery";
import { judgeStep } from "./capacity";
import { isProcessAlive, REPO_ROOT, startServices, waitForHealthy } from "./local";
import { judgeMachine, parseCpuLine, parseLoadavg, probeMachine } from "./machine-noise";
import { readResults } from "./results";
import { LOCAL_TASK_SIZE } from "./local-run";
import { parseCli } from "./options";
import { main } from "./run";
import { loadCapacityTargets, loadUserFlow, pathFlow, USER_CAPACITY_DEFAULTS } from "./scenarios";
import { publishUserService, readServiceFile, stackServices } from "./user-services";
import { capacityScript, ScriptRunner } from "./runner";
import { standInArtillery } from "./stand-in-artillery";
import { startStub } from "./stub-server";
import { Phase } from "./artillery";

const NOTES = path.join(REPO_ROOT, "test", "fixtures", "notes");
const NOTES_FLOW = path.join(NOTES, "notes-flow.yml");
const NOTES_SERVICE = { name: "notes", project: "test/fixtures/notes/Notes.Api", paths: ["/notes", "/notes/*"], healthCheckPath: "/healthz" };

/** An aggregate of Artillery's `--output` for `flows` flows of `perFlow` requests each, all answered 200. */
function aggregate(created: number, completed: number, perFlow: number): ArtilleryMetrics {
    const rt = (count: number, p99: number) => ({ min: 1, max: p99 + 1, count, mean: p99 / 2, median: p99 / 2, p95: p99, p99 });
    return {
        counters: {
            "vusers.created": created,
            "vusers.completed": completed,
            "vusers.failed": created - completed,
            "http.requests": created * perFlow,
            "http.responses": created * perFlow,
            "http.codes.200": created * perFlow,
        },
        rates: {},
        summaries: { "http.response_time": rt(created * perFlow, 40), "vusers.session_length": rt(completed, 150) },
    };
}

describe("capacity of a user's own service: its flow, its settings written once, its health, the machine's noise", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-usercap-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("--capacity-flow runs the user's flow as written (captures, headers, several requests), with our target, phases and timeout", () => {
        const cap = loadUserFlow(NOTES_FLOW, 0.1, { startRate: 3 });
        assert.deepStrictEqual(
            [cap.name, cap.url, cap.startRate, cap.maxRate, cap.stepDuration, cap.p99TargetMs, cap.maxErrorRate, cap.flow?.requests, cap.flow?.file],
            ["notes-flow flow capacity", "/notes/keys", 3, 25_600, 3, 200, 0.01, 4, NOTES_FLOW],
        );
        const script = capacityScript("http://127.0.0.1:9", cap, [{ name: "step 3/s", duration: 3, arrivalRate: 3 }], 4000) as { config: Record<string, unknown>; scenarios: unknown };
        assert.deepStrictEqual(script.config, { target: "http://127.0.0.1:9", phases: [{ name: "step 3/s", duration: 3, arrivalRate: 3 }], http: { timeout: 4 } });
        assert.deepStrictEqual(script.scenarios, (parse(fs.readFileSync(NOTES_FLOW, "utf8")) as { scenarios: unknown }).scenarios);
        // No file: a GET of the path per flow.
        const get = pathFlow("/notes/stats", 1);
        assert.deepStrictEqual([get.name, get.flow, get.stepDuration], ["GET /notes/stats capacity", { requests: 1 }, 30]);
        assert.deepStrictEqual(capacityScript("http://h", get, [{ name: "s", duration: 1, arrivalRate: 1 }], 1000).scenarios, [{ name: "GET /notes/stats", flow: [{ get: { url: "/notes/stats" } }] }]);
        assert.throws(() => pathFlow("notes", 1), /--capacity-path must be a path starting with \/, got "notes"/);
        // The defaults are today's BookStore search's (bench/scenarios/capacity.yml).
        const books = loadCapacityTargets(1, {}, undefined, ["capacity"])[0];
        assert.deepStrictEqual(
            [USER_CAPACITY_DEFAULTS.p99TargetMs, USER_CAPACITY_DEFAULTS.maxErrorRate, USER_CAPACITY_DEFAULTS.stepDuration, USER_CAPACITY_DEFAULTS.maxRate],
            [books.p99TargetMs, books.maxErrorRate, books.stepDuration, books.maxRate],
        );
    });

    it("judges a flow step by the flows it started, and records flows/s, requests per flow and the flow's latency", () => {
        const s = summaryFromArtillery(aggregate(100, 98, 4), 10, { flows: true });
        assert.deepStrictEqual(s.flows, {
            created: 100,
            completed: 98,
            failed: 2,
            offeredPerS: 10,
            completedPerS: 9.8,
            requestsPerFlow: 4,
            latency: { min: 1, mean: 75, median: 75, p95: 150, p99: 150, max: 151 },
        });
        assert.deepStrictEqual([s.offeredRps, s.latency?.p99], [40, 40]);
        assert.strictEqual(judgeStep(10, { summary: s, clientCpuPercent: null }, { p99TargetMs: 200, maxErrorRate: 0.01 }).held, true);
        // 40 requests/s would pass a request count; 9 flows/s of 10 asked is client-bound.
        const short = summaryFromArtillery(aggregate(90, 90, 4), 10, { flows: true });
        assert.deepStrictEqual(judgeStep(10, { summary: short, clientCpuPercent: null }, { p99TargetMs: 200, maxErrorRate: 0.01 }), {
            held: false,
            clientBound: true,
            reason: "client-bound: sent 9.0 flows/s of 10/s",
        });
        assert.deepStrictEqual(flowFigures({ counters: {}, rates: {}, summaries: {} }, 5), { created: 0, completed: 0, failed: 0, offeredPerS: 0, completedPerS: 0, requestsPerFlow: null, latency: null });
    });

    it("one description of a service: --service-file (one object or a list) and the stack file's dotnet-fargate:services, through the program's parser", () => {
        const file = path.join(dir, "notes.json");
        fs.writeFileSync(file, JSON.stringify(NOTES_SERVICE));
        const [notes] = readServiceFile(file);
        assert.deepStrictEqual([notes.name, notes.project, notes.pathPatterns, notes.healthCheckPath], ["notes", "Notes.Api", ["/notes", "/notes/*"], "/healthz"]);
        fs.writeFileSync(file, JSON.stringify([NOTES_SERVICE, { ...NOTES_SERVICE, name: "notes2", paths: ["/api/notes"] }]));
        assert.throws(() => readServiceFile(file), /^ServiceFlagError: --service-file .*notes\.json: Config "dotnet-fargate:services\[\d+\]\.paths" is \["\/api\/notes"\]; expected paths no other service serves; "\/api\/\*" \(bookstore\) and "\/api\/notes" \(notes2\) both match some request path\.$/);
        fs.writeFileSync(file, "[]");
        assert.throws(() => readServiceFile(file), /--service-file .*notes\.json: expected a JSON object \(or a non-empty list of them\) as in dotnet-fargate:services, got \[\]/);
        // A stack file as `pulumi config set --path` writes it: built-ins by name, the user's service as an object.
        fs.mkdirSync(path.join(dir, "test/fixtures/notes"), { recursive: true });
        fs.cpSync(path.join(NOTES, "Notes.Api"), path.join(dir, "test/fixtures/notes/Notes.Api"), { recursive: true });
        fs.writeFileSync(path.join(dir, "Pulumi.amd64.yaml"), `config:\n  dotnet-fargate:architecture: amd64\n  dotnet-fargate:services:\n    - bookstore\n    - ${JSON.stringify(NOTES_SERVICE)}\n`);
        assert.deepStrictEqual(stackServices("amd64", dir).map((s) => [s.name, s.pathPatterns]), [["notes", ["/notes", "/notes/*"]]]);
        assert.deepStrictEqual(stackServices("arm64", dir), [], "no stack file: no user services");
        fs.writeFileSync(path.join(dir, "Pulumi.amd64.yaml"), "config:\n  dotnet-fargate:services:\n    - { name: notes, project: nowhere, paths: [/notes] }\n");
        assert.throws(() => stackServices("amd64", dir), /^ServiceFlagError: Pulumi\.amd64\.yaml: Config "dotnet-fargate:services\[0\]\.project"/);
        // The command line: --service keeps working; --service-file and the capacity flags are new, and backward compatible.
        const o = parseCli(["--local", "--service-file", "x.json", "--capacity-flow", "f.yml", "--capacity-path", "/notes/stats"]);
        assert.deepStrictEqual([o.serviceFile, o.capacityFlows, o.capacityPaths, o.scenarios], ["x.json", ["f.yml"], ["/notes/stats"], []]);
        assert.deepStrictEqual(parseCli(["--local"]).capacityFlows, []);
        assert.throws(() => parseCli(["--stacks", "arm64", "--service-file", "x.json"]), /--service-file is for --local/);
        assert.throws(() => parseCli(["--local", "--capacity-path", "notes"]), /--capacity-path must be a path starting with \/, got "notes"/);
    });

    it("--local fails fast when a user's health path does not answer 200 in Production, and says why that commonly happens", async () => {
        const statuses: number[] = [];
        const server = http.createServer((req, res) => {
            statuses.push(req.url === "/missing" ? 404 : 503);
            res.writeHead(req.url === "/missing" ? 404 : 503).end();
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
        try {
            const began = Date.now();
            await assert.rejects(waitForHealthy(`${base}/missing`, 60_000, () => true, true), {
                message:
                    `GET ${base}/missing answered 404 with ASPNETCORE_ENVIRONMENT=Production; the benchmark, like the load balancer's health check on ECS, needs 200 there. ` +
                    "Common causes: the health checks are mapped only in Development (inside `if (app.Environment.IsDevelopment())`), so Production answers 404; " +
                    "or the health check reads a database whose schema nobody creates (migrations applied by hand, or `EnsureCreated()` / `Migrate()` called only in Development), so it answers 503. " +
                    "Fix the service, or point healthCheckPath at a path that answers 200 in Production.",
            });
            assert.ok(Date.now() - began < 2000, "a 404 fails at once");
            const again = Date.now();
            // Any other answer gets a grace (STRICT_HEALTH_GRACE_MS, 10 s, by default; 1 s here) to turn into a 200.
            await assert.rejects(waitForHealthy(`${base}/healthz`, 60_000, () => true, true, 1000), /answered 503 with ASPNETCORE_ENVIRONMENT=Production/);
            const took = Date.now() - again;
            assert.ok(took >= 1000 && took < 4000, `a 503 gets the grace to turn healthy, took ${took}`);
            // The same through startServices, as --local starts a user's service (ASPNETCORE_ENVIRONMENT=Production in its environment).
            const script = "require('http').createServer((q,s)=>s.writeHead(process.env.ASPNETCORE_ENVIRONMENT==='Production'?404:200).end()).listen(Number(process.argv[1]),'127.0.0.1')";
            await assert.rejects(
                startServices(["notes"], (_n, port) => ({ command: process.execPath, args: ["-e", script, String(port)], healthCheckPath: "/healthz", strictHealth: true })),
                /^LocalError: notes did not start: GET http:\/\/127\.0\.0\.1:\d+\/healthz answered 404 with ASPNETCORE_ENVIRONMENT=Production/,
            );
        } finally {
            server.close();
        }
    });

    it("records the machine's load and CPU steal per step, and marks a step taken on a busy machine", () => {
        assert.strictEqual(parseLoadavg("2.50 1.00 0.50 3/400 123\n"), 2.5);
        assert.deepStrictEqual(parseCpuLine("cpu  100 0 50 800 10 0 0 40 5 0\ncpu0 1 2 3 4\n"), { total: 1000, steal: 40 });
        assert.throws(() => parseCpuLine("intr 1 2"), /\/proc\/stat: expected an aggregate "cpu" line/);
        const at = (load1: number, total: number, steal: number) => ({ load1, cpu: { total, steal } });
        assert.deepStrictEqual(judgeMachine(at(0.4, 1000, 10), at(1.2, 2000, 30), 2), { load1Start: 0.4, load1: 1.2, stealPercent: 2, cores: 2, busy: false });
        assert.deepStrictEqual(judgeMachine(at(0.4, 1000, 10), at(2.6, 2000, 70), 2), {
            load1Start: 0.4,
            load1: 2.6,
            stealPercent: 6,
            cores: 2,
            busy: true,
            why: "CPU steal 6.0% >= 5%; 1-minute load 2.60 > 2 cores + 0.5",
        });
        const files: Record<string, string[]> = { "/proc/loadavg": ["0.10 0 0 1/1 1", "3.00 0 0 1/1 1"], "/proc/stat": ["cpu 10 0 0 90 0 0 0 0", "cpu 20 0 0 180 0 0 0 0"] };
        const probe = probeMachine((f) => files[f].shift() as string, 2);
        assert.deepStrictEqual(probe?.end(), { load1Start: 0.1, load1: 3, stealPercent: 0, cores: 2, busy: true, why: "1-minute load 3.00 > 2 cores + 0.5" });
        assert.strictEqual(probeMachine(() => { throw new Error("ENOENT"); }), undefined);
    });

    it("--stacks: the user's flow on both architectures, the headline and verdict compare them in flows/s, requests/s and cost per million of each", async () => {
        const stub = await startStub(); // answers the preflight; the load is simulated
        try {
            // arm64 holds up to 40 four-request flows a second, amd64 up to 30 (p99 50 ms, else 500 ms).
            const capacity: Record<string, number> = { arm64: 40, amd64: 30 };
            const outputs = (arch: string) => ({ url: `${stub.url}/${arch}`, architecture: arch, taskSize: { cpu: 1024, memory: 2048 } });
            const out = path.join(dir, "stacks.json");
            const scripts: { config: { target: string; phases: Phase[] }; scenarios: unknown }[] = [];
            await main(["--stacks", "arm64,amd64", "--capacity-flow", NOTES_FLOW, "--capacity-start", "5", "--capacity-step-duration", "10", "--out", out], {
                runCommand: async (_c, args) => ({ code: 0, stdout: JSON.stringify(outputs(args[args.indexOf("--stack") + 1])), stderr: "" }),
                log: () => undefined,
                runScript: async (script) => {
                    const s = script as (typeof scripts)[number];
                    scripts.push(s);
                    const { duration, arrivalRate } = s.config.phases[0];
                    const m = aggregate(duration * arrivalRate, duration * arrivalRate, 4);
                    const p99 = arrivalRate <= capacity[s.config.target.split("/").pop() as string] ? 50 : 500;
                    const rt = { ...m.summaries["http.response_time"], p99 };
                    return { report: { aggregate: { ...m, summaries: { ...m.summaries, "http.response_time": rt } }, intermediate: [] }, clientCpuPercent: null, wallS: duration, sendingS: null };
                },
            });
            assert.ok(scripts.every((x) => JSON.stringify(x.scenarios) === JSON.stringify((parse(fs.readFileSync(NOTES_FLOW, "utf8")) as { scenarios: unknown }).scenarios)), "every step runs the user's flow");
            const runs = readResults(out).runs;
            assert.deepStrictEqual(runs.map((r) => [r.label, r.capacity[0].highestRateHeld, r.capacity[0].stoppedBecause, r.capacity[0].flow?.requestsPerFlow]), [["arm64", 40, "bisected", 4], ["amd64", 30, "bisected", 4]]);
            const price = (arch: "arm64" | "amd64", perS: number) => `$${costPerMillionRequests(taskHourUsd(arch, { cpu: 1024, memory: 2048 }), perS).toFixed(4)}`;
            const md = fs.readFileSync(path.join(dir, "stacks.md"), "utf8");
            const cost = (Number(price("arm64", 160).slice(1)) / Number(price("amd64", 120).slice(1))).toFixed(2);
            assert.ok(
                md.includes(`| arm64 | arm64 | notes-flow flow capacity | 40.0 flows/s (160.0 requests/s) | measured | one run (no noise measured) | ${price("arm64", 160)} | ${price("arm64", 40)} | capacity 1.33x, cost ${cost}x amd64 |`),
                md,
            );
            assert.ok(
                md.includes(`| amd64 | amd64 | notes-flow flow capacity | 30.0 flows/s (120.0 requests/s) | measured | one run (no noise measured) | ${price("amd64", 120)} | ${price("amd64", 30)} | the baseline (arm64 is compared with it) |`),
                md,
            );
            assert.ok(
                md.includes(
                    `notes-flow flow capacity: arm64 is ${(100 * (1 - Number(cost))).toFixed(1)}% cheaper per million requests than amd64 (${price("arm64", 160)} (${price("arm64", 40)} per million flows) against ` +
                        `${price("amd64", 120)} (${price("amd64", 30)} per million flows)), holding 40.0 flows/s (160.0 requests/s) per task against 30.0 flows/s (120.0 requests/s) (capacity ratio 1.33x, cost ratio ${cost}x)`,
                ),
                md,
            );
        } finally {
            await stub.close();
        }
    });

    it("--local on the Notes project (API keys, EF Core on SQLite): a measured knee and the cost figures, with its flow file and with only a path", async function () {
        // One `dotnet publish` (a minute at most on a busy machine) shared by two runs of the service: its flow
        // file searched with real Artillery (4 s steps from 4 flows/s up to 8, one 1 s warm-up chunk), then only
        // a path, through the stand-in Artillery (that run is about the path's plumbing, not the knee).
        this.timeout(600_000);
        const project = path.join(NOTES, "Notes.Api");
        const before = fs.readdirSync(project).sort();
        const serviceFile = path.join(dir, "notes.service.json");
        // The service's own rate limiter (20 requests/s, a token bucket of 8) refuses with 429 past 5 four-request
        // flows a second, so the knee is there or below whatever else this shared machine runs; the search still has
        // to find it. The search's first two steps are far either side of it: 4 flows/s (16 requests/s) holds, and
        // 8 (32/s) is refused ~12 requests a second more than the bucket refills, far more than its 8 tokens and
        // what a slow machine's longer flows let it refill. (At 30/s, 8 flows/s was 8 requests short in all, as
        // many as the bucket holds, so whether it failed was down to how the requests bunched.) The steps between
        // may go either way.
        fs.writeFileSync(serviceFile, JSON.stringify({ ...NOTES_SERVICE, environment: { Notes__RateLimitPerSecond: "20" } }));
        const published = new Map<string, Promise<string>>();
        const deps = (lines: string[], o: { warmupMaxChunks: number; runScript?: ScriptRunner }) => ({
            log: (l: string) => lines.push(l),
            warmupChunkS: 1,
            ...o,
            publishUserService: (spec: Parameters<typeof publishUserService>[0]) => {
                lines.push(`publishing ${spec.name}`);
                if (!published.has(spec.name)) {
                    published.set(spec.name, publishUserService(spec, path.join(dir, "published", spec.name)));
                }
                return published.get(spec.name) as Promise<string>;
            },
        });
        const common = ["--local", "--capacity-step-duration", "4", "--p99-target", "1000"];

        const flowLines: string[] = [];
        const withFlow = path.join(dir, "flow.json");
        await main([...common, "--service-file", serviceFile, "--capacity-flow", NOTES_FLOW, "--capacity-start", "4", "--capacity-max", "8", "--out", withFlow], deps(flowLines, { warmupMaxChunks: 1 }));
        const knee = expectCapacity(withFlow, flowLines, 4);
        assert.strictEqual(knee.stoppedBecause, "bisected", `a knee, not a bound:\n${flowLines.join("\n")}`);
        const steps = JSON.stringify(knee.steps.map((s) => [s.rate, s.held, s.reason]));
        assert.ok(knee.highestRateHeld !== null && knee.highestRateHeld >= 1 && knee.highestRateHeld <= 7, steps);
        assert.ok(knee.steps.some((s) => !s.held && !s.clientBound && s.rate > (knee.highestRateHeld as number)), `a rate above it failed on the server's side: ${steps}`);
        assert.deepStrictEqual(readResults(withFlow).runs[0].utilisation.map((u) => [u.service, u.source]), [["notes", "procfs"]], "the user's service sampled as ours are");

        // Only a path, the service as a --service JSON (as before, without the rate limiter), and a fixed-rate file of the user's as well.
        const pathLines: string[] = [];
        const withPath = path.join(dir, "path.json");
        const stats = path.join(NOTES, "notes-stats.yml");
        const pathArgs = ["--service", JSON.stringify(NOTES_SERVICE), "--capacity-path", "/notes/stats", "--capacity-start", "4", "--capacity-max", "8", "--scenario", stats, "--out", withPath];
        await main([...common, ...pathArgs], deps(pathLines, { warmupMaxChunks: 2, runScript: standInArtillery }));
        const bound = expectCapacity(withPath, pathLines, 1);
        assert.deepStrictEqual([bound.stoppedBecause, bound.highestRateHeld, bound.steps.map((s) => [s.rate, s.held])], ["reached maxRate", 8, [[4, true], [8, true]]], pathLines.join("\n"));
        assert.ok(published.size === 1 && pathLines.includes("publishing notes") && flowLines.includes("publishing notes"), "both runs publish through the hook, which publishes once");
        assert.ok(!pathLines.some((l) => l.startsWith("building ")), "ours are not built when nothing needs them");
        assert.deepStrictEqual(fs.readdirSync(project).sort(), before, "no bin/, obj/ or database written into the user's project");
        const run = readResults(withPath).runs[0];
        const fixed = run.scenarios[0];
        assert.deepStrictEqual([fixed.id, fixed.url, fixed.summary.requests, fixed.summary.failed, fixed.summary.statusCounts], ["notes-stats", "/notes/stats", 20, 0, { "200": 20 }]);
        const md = fs.readFileSync(path.join(dir, "path.md"), "utf8");
        assert.ok(/\| GET \/notes\/stats \| 4 s \| 5\/s \| 20 \| 0 \| \d+\.\d \/ \d+\.\d \/ \d+\.\d \|/.test(md), md);
    });
});

/**
 * A --local run's capacity search on the Notes service as its results and report give it: requests per flow, the
 * machine recorded at every step, the service started once and stopped, and the cost per million requests and
 * per million flows (computed from model/pricing.ts) in the Markdown headline, price table, verdict and the HTML.
 */
function expectCapacity(file: string, lines: readonly string[], perFlow: number) {
    const cap = readResults(file).runs[0].capacity[0];
    const held = cap.highestRateHeld as number;
    assert.strictEqual(cap.flow?.requestsPerFlow, perFlow);
    assert.ok(cap.steps.every((s) => s.machine && typeof s.machine.load1 === "number" && typeof s.machine.busy === "boolean"), "every local step records the machine");
    const pids = lines.map((l) => /^started notes on http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)/.exec(l)).filter((m) => m !== null).map((m) => Number(m[1]));
    assert.ok(pids.length === 1 && !isProcessAlive(pids[0]), "the service was started once and stopped");
    const hour = taskHourUsd("amd64", LOCAL_TASK_SIZE);
    const perMillionRequests = costPerMillionRequests(hour, held * perFlow).toFixed(4);
    const perMillionFlows = costPerMillionRequests(hour, held).toFixed(4);
    const md = fs.readFileSync(file.replace(/\.json$/, ".md"), "utf8");
    const rate = `${held.toFixed(1)} flows/s (${(held * perFlow).toFixed(1)} requests/s)`;
    const measured = cap.stoppedBecause === "bisected";
    // A bound is a floor on capacity and a ceiling on cost.
    const [atLeast, atMost] = measured ? ["", ""] : [">= ", "<= "];
    assert.ok(md.includes(`| local-amd64 | amd64 | ${cap.name} | ${atLeast}${rate} | ${measured ? "measured" : "bound"}`), md);
    assert.ok(md.includes(`| ${atMost}$${perMillionRequests} | ${atMost}$${perMillionFlows} |`), md);
    const verdict = measured
        ? `${rate} per task, $${perMillionRequests} per million requests ($${perMillionFlows} per million flows)`
        : `at least ${rate} per task, at most $${perMillionRequests} per million requests ($${perMillionFlows} per million flows)`;
    assert.ok(md.includes(`${cap.name} on local-amd64 (this machine, amd64; cost as if a Fargate task of ${LOCAL_TASK_SIZE.cpu}/${LOCAL_TASK_SIZE.memory}): ${verdict}`), md);
    assert.ok(fs.readFileSync(file.replace(/\.json$/, ".html"), "utf8").includes(`$${perMillionFlows}`));
    return cap;
}
