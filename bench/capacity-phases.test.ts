import * as assert from "assert";
import { stringify } from "yaml";
import { ArtilleryMetrics, ArtilleryReport, artilleryScript, Phase, runArtillery } from "./artillery";
import { DEFAULT_PRICES } from "../model/pricing";
import {
    assignPeriods,
    bisectionRates,
    mergePeriods,
    measurePhase,
    phaseWindows,
    rampDownRates,
    rampRates,
    topRate,
    searchCapacityInPhases,
} from "./capacity-phases";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { judgeStep } from "./capacity";
import { readResults } from "./results";
import { main } from "./run";
import { runCapacityInPhases, Target } from "./runner";
import { startStub } from "./stub-server";

/** 10 s windows aligned to the clock, as artillery-2.0.34 lib/core/ssms.ts normalizeTs cuts them. */
const windowOf = (ms: number) => ms - (ms % 10_000);

/** A response-time summary with every field lib/core/ssms.ts writes. */
function rt(count: number, p99: number, mean = p99 / 4) {
    return { min: 1, max: p99 + 5, count, mean, p50: mean, median: mean, p75: mean, p90: p99 / 2, p95: p99 / 2, p99, p999: p99 + 1 };
}

/** One period as Artillery's `--output` holds it (histograms are set to the summaries when the file is written). */
function period(start: number | string, first: number, last: number, created: number, p99: number, extra: Record<string, number> = {}): ArtilleryMetrics {
    const summary = rt(created, p99);
    return {
        period: start,
        firstMetricAt: first,
        lastMetricAt: last,
        counters: { "vusers.created": created, "http.requests": created, "http.responses": created, "http.codes.200": created, ...extra },
        rates: { "http.request_rate": created / 10 },
        summaries: { "http.response_time": summary },
        ...{ histograms: { "http.response_time": summary } },
    } as ArtilleryMetrics;
}

/**
 * Artillery's output for a run of `phases` against a server that holds up to `capacity` a second (p99 12 ms)
 * and queues past it (p99 1500 ms), sent by a client that can send at most `clientMax` a second. Every second
 * of load adds its arrivals to the period it falls in; the run starts `t0` ms after the epoch.
 */
function simulate(phases: readonly Phase[], o: { capacity: number; clientMax?: number; t0?: number; periodAsString?: boolean }): ArtilleryReport {
    const t0 = o.t0 ?? 1_700_000_004_300;
    const buckets = new Map<number, { first: number; last: number; created: number; p99: number }>();
    let s = 0;
    for (const p of phases) {
        for (let i = 0; i < p.duration; i++, s++) {
            const at = t0 + s * 1000;
            const sent = Math.min(p.arrivalRate, o.clientMax ?? Infinity);
            const b = buckets.get(windowOf(at)) ?? { first: at, last: at, created: 0, p99: 0 };
            b.last = at + 999;
            b.created += sent;
            b.p99 = Math.max(b.p99, sent <= o.capacity ? 12 : 1500);
            buckets.set(windowOf(at), b);
        }
    }
    const intermediate = [...buckets.entries()].map(([start, b]) => period(o.periodAsString ? String(start) : start, b.first, b.last, b.created, b.p99));
    const total = intermediate.reduce((n, m) => n + (m.counters["vusers.created"] ?? 0), 0);
    return { aggregate: period(t0, t0, t0 + s * 1000, total, 1500), intermediate };
}

/** A runner of phases against the simulated server, recording each run's phases. */
function simulated(capacity: number, clientMax?: number) {
    const runs: Phase[][] = [];
    const runPhases = async (phases: readonly Phase[]) => {
        runs.push([...phases]);
        return simulate(phases, { capacity, clientMax, t0: 1_700_000_000_000 + runs.length * 3_700_000 + 2_300 });
    };
    return { runs, runPhases };
}

const limits = { p99TargetMs: 200, maxErrorRate: 0.01 };
const phase = (name: string, duration: number, arrivalRate: number): Phase => ({ name, duration, arrivalRate });

describe("capacity search in phases (--engine fargate)", () => {
    it("assigns each whole period to the phase it lies in, and drops those straddling a boundary", () => {
        // Run starts 4 s past a 10 s boundary: A is [4, 34) s of the clock, B [34, 64); narrowed by 2 s: [6, 32), [36, 62).
        const base = 1_000_000_000_000;
        const t0 = base + 4_000;
        const phases = [phase("A", 30, 5), phase("B", 30, 20)];
        for (const asString of [false, true]) {
            const at = (s: number) => (asString ? String(base + s * 1000) : base + s * 1000);
            const report: ArtilleryReport = {
                aggregate: period(at(0), t0, t0 + 60_000, 0, 0),
                intermediate: [
                    period(at(0), t0, base + 9_900, 30, 10), // 0-10: holds the start
                    period(at(10), base + 10_100, base + 19_900, 50, 11), // 10-20: A
                    period(at(20), base + 20_100, base + 29_900, 50, 12), // 20-30: A
                    period(at(30), base + 30_100, base + 39_900, 140, 300), // 30-40: straddles A|B
                    period(at(40), base + 40_100, base + 49_900, 200, 400), // 40-50: B
                    period(at(50), base + 50_100, base + 59_900, 200, 500), // 50-60: B
                    period(at(60), base + 60_100, base + 63_900, 80, 600), // 60-70: holds the end
                ],
            };
            const byPhase = assignPeriods(report, phases);
            assert.deepStrictEqual(
                byPhase.map((list) => list.map((m) => Number(m.period) - base)),
                [
                    [10_000, 20_000],
                    [40_000, 50_000],
                ],
                `period as ${asString ? "string (run-fargate)" : "number (run)"}`,
            );
            // With 5 s of slack the windows are [9, 29) and [39, 59) of the clock: the 20-30 and 50-60 periods no longer fit.
            assert.deepStrictEqual(assignPeriods(report, phases, 5).map((l) => l.map((m) => Number(m.period) - base)), [[10_000], [40_000]]);
        }
        assert.deepStrictEqual(phaseWindows(phases), [
            { startS: 0, endS: 30 },
            { startS: 30, endS: 60 },
        ]);
    });

    it("measures a phase from its periods (counters summed, quantiles the highest) and judges it", () => {
        const base = 1_000_000_000_000;
        const a = period(base, base, base + 9_999, 50, 120, { "http.codes.503": 1, "errors.ETIMEDOUT": 1 });
        const b = period(base + 10_000, base + 10_000, base + 19_999, 48, 250);
        const merged = mergePeriods([a, b]);
        assert.deepStrictEqual(merged.counters, {
            "vusers.created": 98,
            "http.requests": 98,
            "http.responses": 98,
            "http.codes.200": 98,
            "http.codes.503": 1,
            "errors.ETIMEDOUT": 1,
        });
        const r = merged.summaries["http.response_time"];
        assert.deepStrictEqual([r.count, r.min, r.max, r.p99, r.p95, r.p999], [98, 1, 255, 250, 125, 251]);
        assert.strictEqual(r.mean, (50 * 30 + 48 * 62.5) / 98);
        const m = measurePhase([a, b]);
        assert.ok(m);
        assert.deepStrictEqual([m.periods, m.summary.durationS, m.summary.offeredRps, m.summary.failed, m.clientCpuPercent], [2, 20, 4.9, 2, null]);
        assert.deepStrictEqual(judgeStep(5, m, limits), { held: false, clientBound: false, reason: "error rate 2.04% > 1.00%" });
        assert.deepStrictEqual(judgeStep(5, m, { ...limits, maxErrorRate: 0.05 }), { held: false, clientBound: false, reason: "p99 250.0 ms > 200 ms" });
        assert.deepStrictEqual(judgeStep(5, m, { p99TargetMs: 300, maxErrorRate: 0.05 }), { held: true, clientBound: false });
        assert.deepStrictEqual(judgeStep(6, m, limits), { held: false, clientBound: true, reason: "client-bound: sent 4.9/s of 6/s" });
        assert.strictEqual(measurePhase([]), null);
    });

    it("plans the ramp, the ramp down and the bisection candidates", () => {
        assert.deepStrictEqual(rampRates({ startRate: 25, maxRate: 25_600 }), [25, 50, 100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600]);
        assert.deepStrictEqual(rampRates({ startRate: 5, maxRate: 30 }), [5, 10, 20, 30]);
        assert.deepStrictEqual(rampDownRates({ startRate: 20, maxRate: 100 }), [10, 5, 3, 2]);
        assert.deepStrictEqual(bisectionRates(400, 800), [480, 560, 640, 720]);
        assert.deepStrictEqual(bisectionRates(480, 560), [500, 520, 540]);
        assert.deepStrictEqual(bisectionRates(500, 520), []);
        assert.deepStrictEqual(bisectionRates(7, 8), []);
        assert.deepStrictEqual(bisectionRates(3, 5), [4]);
    });

    it("asks only multiples of the rate step when workers share each rate, never above maxRate", async () => {
        const plan = { startRate: 25, maxRate: 2_998, rateStep: 4 };
        assert.strictEqual(topRate(plan), 2_996);
        assert.deepStrictEqual(rampRates(plan), [24, 48, 96, 192, 384, 768, 1536, 2996]);
        assert.deepStrictEqual(rampDownRates({ startRate: 20, maxRate: 100, rateStep: 4 }), [12, 8, 4]);
        assert.deepStrictEqual(bisectionRates(400, 800, 0.05, 4, 4), [480, 560, 640, 720]);
        assert.deepStrictEqual(bisectionRates(8, 12, 0.05, 4, 4), []);
        assert.deepStrictEqual(rampRates({ startRate: 10, maxRate: 10, rateStep: 4 }), [8]);
        for (const capacity of [50, 333, 1234]) {
            const sim = simulated(capacity);
            const out = await searchCapacityInPhases({ ...plan, maxRate: 100_000 }, limits, { stepDuration: 30, runPhases: sim.runPhases, warmup: { rate: 48, seconds: 40 } });
            const asked = sim.runs.flat().map((p) => p.arrivalRate);
            assert.ok(asked.every((r) => r % 4 === 0), `capacity ${capacity}: asked ${asked.join(", ")}`);
            assert.strictEqual(out.stoppedBecause, "bisected");
            assert.ok((out.highestRateHeld ?? 0) <= capacity && (out.lowestRateFailed ?? 0) > capacity, `capacity ${capacity}: ${out.highestRateHeld}-${out.lowestRateFailed}`);
        }
        await assert.rejects(
            searchCapacityInPhases(plan, limits, { stepDuration: 30, runPhases: simulated(50).runPhases, warmup: { rate: 50, seconds: 40 } }),
            /the warm-up's rate 50\/s is not a multiple of the rate step 4/,
        );
    });

    it("finds a simulated server's known capacity within 5%, in at most three runs", async () => {
        for (const capacity of [7, 50, 333, 1234, 4000]) {
            const sim = simulated(capacity);
            const out = await searchCapacityInPhases({ startRate: 5, maxRate: 100_000 }, limits, { stepDuration: 30, runPhases: sim.runPhases });
            const held = out.highestRateHeld ?? 0;
            const failed = out.lowestRateFailed ?? 0;
            assert.strictEqual(out.stoppedBecause, "bisected");
            assert.ok(held <= capacity && failed > capacity, `capacity ${capacity}: held ${held}, failed ${failed}`);
            assert.ok(capacity < 20 ? failed - held === 1 : (failed - held) / held <= 0.05, `capacity ${capacity}: held ${held}, failed ${failed}`);
            assert.ok(out.runs <= 3 && sim.runs.length === out.runs, `capacity ${capacity}: ${out.runs} runs`);
        }
    });

    it("runs the ramp as one run and judges its phases in order, then bisects in two more runs (50/s)", async () => {
        const sim = simulated(50);
        const out = await searchCapacityInPhases({ startRate: 5, maxRate: 80 }, limits, { stepDuration: 30, runPhases: sim.runPhases, warmup: { rate: 10, seconds: 40 } });
        assert.deepStrictEqual(
            sim.runs.map((r) => r.map((p) => [p.name, p.duration, p.arrivalRate])),
            [
                [
                    ["warm-up", 40, 10],
                    ["step 5/s", 30, 5],
                    ["step 10/s", 30, 10],
                    ["step 20/s", 30, 20],
                    ["step 40/s", 30, 40],
                    ["step 80/s", 30, 80],
                ],
                [
                    ["step 48/s", 30, 48],
                    ["step 56/s", 30, 56],
                    ["step 64/s", 30, 64],
                    ["step 72/s", 30, 72],
                ],
                [
                    ["step 50/s", 30, 50],
                    ["step 52/s", 30, 52],
                    ["step 54/s", 30, 54],
                ],
            ],
        );
        // Judging stops at each run's first failure: 64, 72 and 54 ran but say nothing the search needs.
        assert.deepStrictEqual(
            out.steps.map((s) => [s.rate, s.verdict.held]),
            [
                [5, true],
                [10, true],
                [20, true],
                [40, true],
                [80, false],
                [48, true],
                [56, false],
                [50, true],
                [52, false],
            ],
        );
        assert.deepStrictEqual([out.highestRateHeld, out.lowestRateFailed, out.runs], [50, 52, 3]);
        assert.ok(out.steps.every((s) => s.measurement.periods >= 2), "a 30 s phase holds at least two whole periods here");
        assert.ok(out.warmup && out.warmup.chunks.length >= 2 && out.warmup.steady);
        assert.strictEqual(out.steps[0].measurement.summary.offeredRps, 5);
    });

    it("flags a client-bound phase as such and stops there, never calling it the server's capacity", async () => {
        const sim = simulated(10_000, 300);
        const out = await searchCapacityInPhases({ startRate: 100, maxRate: 5000 }, limits, { stepDuration: 30, runPhases: sim.runPhases });
        assert.strictEqual(out.stoppedBecause, "client-bound");
        assert.deepStrictEqual([out.clientBoundAtRps, out.highestRateHeld, out.runs], [300, 200, 1]);
        const last = out.steps[out.steps.length - 1];
        assert.deepStrictEqual([last.rate, last.verdict], [400, { held: false, clientBound: true, reason: "client-bound: sent 300.0/s of 400/s" }]);
    });

    it("ramps down in a second run when the start rate fails, holds maxRate as a bound, refuses short steps and missing periods", async () => {
        const low = simulated(3);
        const down = await searchCapacityInPhases({ startRate: 20, maxRate: 100 }, limits, { stepDuration: 30, runPhases: low.runPhases });
        assert.deepStrictEqual(low.runs.map((r) => r.map((p) => p.arrivalRate)), [[20, 40, 80, 100], [10, 5, 3, 2], [4]]);
        assert.deepStrictEqual([down.stoppedBecause, down.highestRateHeld, down.lowestRateFailed], ["bisected", 3, 4]);
        const fast = simulated(1e9);
        const bound = await searchCapacityInPhases({ startRate: 25, maxRate: 400 }, limits, { stepDuration: 30, runPhases: fast.runPhases });
        assert.deepStrictEqual([bound.stoppedBecause, bound.highestRateHeld, bound.runs], ["reached maxRate", 400, 1]);
        await assert.rejects(
            searchCapacityInPhases({ startRate: 5, maxRate: 10 }, limits, { stepDuration: 20, runPhases: fast.runPhases }),
            /a step must last at least 24 s to hold one whole 10 s period, got 20/,
        );
        await assert.rejects(
            searchCapacityInPhases({ startRate: 5, maxRate: 10 }, limits, { stepDuration: 30, runPhases: async (phases) => ({ ...simulate(phases, { capacity: 50 }), intermediate: [] }) }),
            /no whole 10 s reporting period of Artillery's output fell inside the phase at 5\/s \(run 1\); cannot judge it/,
        );
    });

    it("the runner hands Artillery one script per run with every phase, and records the search as phased", async () => {
        const scripts: Record<string, unknown>[] = [];
        const target = { label: "arm64", mode: "stack", architecture: "arm64", baseUrlFor: () => "http://alb.example.invalid", urls: {}, taskSize: { cpu: 512, memory: 1024 }, tasksPerService: 1, serverCpuModel: "unknown" } as Target;
        const result = await runCapacityInPhases(
            target,
            { name: "cap", url: "/api/books", startRate: 5, maxRate: 10, stepDuration: 30, p99TargetMs: 200, maxErrorRate: 0.01 },
            {
                timeoutMs: 5000,
                log: () => undefined,
                repeat: 1,
                runScript: async (script) => {
                    scripts.push(script);
                    const phases = (script as { config: { phases: Phase[] } }).config.phases;
                    return { report: simulate(phases, { capacity: 7 }), clientCpuPercent: null, wallS: 0, sendingS: null };
                },
            },
        );
        assert.strictEqual(
            stringify(scripts[0]),
            [
                "config:",
                "  target: http://alb.example.invalid",
                "  phases:",
                "    - name: warm-up",
                "      duration: 40",
                "      arrivalRate: 10",
                "    - name: step 5/s",
                "      duration: 30",
                "      arrivalRate: 5",
                "    - name: step 10/s",
                "      duration: 30",
                "      arrivalRate: 10",
                "  http:",
                "    timeout: 5",
                "scenarios:",
                "  - name: GET /api/books",
                "    flow:",
                "      - get:",
                "          url: /api/books",
                "",
            ].join("\n"),
        );
        assert.deepStrictEqual((scripts[1] as { config: { phases: Phase[] } }).config.phases.map((p) => p.arrivalRate), [6, 7, 8, 9]);
        assert.deepStrictEqual(
            [result.highestRateHeld, result.stoppedBecause, result.phased, result.steps.map((s) => [s.rate, s.held])],
            [7, "bisected", { runs: 2, slackS: 2 }, [[5, true], [10, false], [6, true], [7, true], [8, false]]],
        );
        assert.deepStrictEqual([result.warmup?.rate, result.warmup?.seconds, result.warmup?.steady], [10, 40, true]);
    });

    it("real Artillery: every whole period of a two-phase run lands in its phase with that phase's arrivals", async function () {
        // 25 s of light load (5/s for 3 s, then 15/s for 22 s) against the stub on 127.0.0.1: what `artillery run`
        // writes into --output. The first phase is shorter than a period, so the period it falls in straddles the
        // boundary; the second, 22 - 2 x 1 = 20 s of window, always holds one whole 10 s period.
        this.timeout(120_000);
        const stub = await startStub();
        try {
            const phases = [phase("a", 3, 5), phase("b", 22, 15)];
            const run = await runArtillery({ script: artilleryScript(stub.url, "/api/books", phases, 5000) });
            const byPhase = assignPeriods(run.report, phases, 1);
            const periods = JSON.stringify(run.report.intermediate.map((m) => [m.period, m.firstMetricAt, m.counters["vusers.created"]]));
            const created = (m: ArtilleryMetrics) => m.counters["vusers.created"] ?? 0;
            assert.strictEqual(run.report.intermediate.reduce((n, m) => n + created(m), 0), 3 * 5 + 22 * 15, `every arrival is in a period: ${periods}`);
            assert.deepStrictEqual(byPhase[0], [], `no whole period in a 3 s phase: ${periods}`);
            assert.ok(byPhase[1].length >= 1, periods);
            for (const m of byPhase[1]) {
                assert.ok(Math.abs(created(m) - 15 * 10) <= 1, `phase b: ${created(m)} arrivals in a whole period; ${periods}`);
            }
            assert.ok(byPhase[1].length < run.report.intermediate.length, `the period holding both phases' arrivals is left out: ${periods}`);
            const m = measurePhase(byPhase[1]);
            assert.ok(m && judgeStep(15, m, limits).held, JSON.stringify(m));
        } finally {
            await stub.close();
        }
    });

    it("--engine fargate: each capacity search runs as phases (the ramp in one run), recorded and reported as such", async () => {
        const stub = await startStub();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-phases-"));
        const saved = process.env.AWS_PROFILE;
        try {
            process.env.AWS_PROFILE = "bench-test";
            const scripts: { config: { target: string; phases: Phase[] } }[] = [];
            const prices = { ...DEFAULT_PRICES, natGatewayHour: 0.05 };
            const outputs = { url: stub.url, architecture: "arm64", loadGenerator: { region: "eu-west-1", subnetIds: ["subnet-0a"], securityGroupId: "sg-0lg" }, prices };
            const out = path.join(dir, "fargate.json");
            const argv = ["--stacks", "arm64", "--engine", "fargate", "--count", "2", "--scenarios", "capacity", "--capacity-start", "25", "--capacity-max", "800", "--out", out];
            await main(argv, {
                runCommand: async () => ({ code: 0, stdout: JSON.stringify(outputs), stderr: "" }),
                log: () => undefined,
                // The NAT gateway's figures are nat-gateway.test.ts's concern; here CloudWatch has nothing to say.
                natReader: () => async () => undefined,
                runScript: async (script) => {
                    const s = script as (typeof scripts)[number];
                    scripts.push(s);
                    return { report: simulate(s.config.phases, { capacity: 300 }), clientCpuPercent: null, wallS: 0, sendingS: null };
                },
            });
            // The file's 30 s steps (scale 1); the ramp from 25 to 800 after a 40 s warm-up at 50/s, then two bisection runs: 292/s held,
            // 306/s failed, within 5% of the server's 300/s. Every rate is a multiple of the two workers that share it (25 becomes 26).
            assert.deepStrictEqual(
                scripts.map((s) => s.config.phases.map((p) => `${p.arrivalRate}/${p.duration}`)),
                [
                    ["50/40", "26/30", "52/30", "104/30", "208/30", "416/30", "800/30"],
                    ["250/30", "292/30", "332/30", "374/30"],
                    ["306/30", "318/30"],
                ],
            );
            assert.ok(scripts.every((s) => s.config.target === stub.url));
            const cap = readResults(out).runs[0].capacity[0];
            assert.deepStrictEqual([cap.highestRateHeld, cap.stoppedBecause, cap.phased, cap.stepDurationS], [292, "bisected", { runs: 3, slackS: 2 }, 30]);
            // The engine is recorded: the report's hints depend on where the load came from.
            assert.strictEqual(readResults(out).engine, "fargate");
            // So are the prices the stack's cost figures use, which the report prices the run at.
            assert.deepStrictEqual(readResults(out).runs[0].prices, prices);
            const md = fs.readFileSync(path.join(dir, "fargate.md"), "utf8");
            assert.ok(md.includes("the steps ran as phases of 3 Artillery run(s), each phase judged from the whole 10 s periods inside it (2 s off each end)"), md);
            await assert.rejects(main([...argv, "--capacity-step-duration", "20"]), /--capacity-step-duration with --engine fargate must be at least 30 s/);
        } finally {
            if (saved === undefined) {
                delete process.env.AWS_PROFILE;
            } else {
                process.env.AWS_PROFILE = saved;
            }
            await stub.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
