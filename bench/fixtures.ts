/**
 * Fixed results with known answers, for the report tests and the Chromium screenshot test.
 * Built from made-up latencies, shaped as Artillery reports them, through the same code the runner uses.
 */
import { Architecture } from "../model/architecture";
import { BenchResults, CapacityStep, RESULTS_FORMAT, ScenarioResult, TargetRun } from "./results";
import { ArtilleryMetrics, summaryFromArtillery } from "./artillery";
import { periods, quantiles } from "./runner";
import { mean, percentile } from "./stats";

/** Artillery's summary of these latencies (a response-time or session-length histogram as `--output` holds it). */
export function latencySummary(latencies: readonly number[]): ArtilleryMetrics["summaries"][string] {
    const q = (p: number) => percentile(latencies, p);
    return {
        min: q(0.0001),
        max: q(100),
        count: latencies.length,
        mean: mean(latencies) ?? 0,
        median: q(50),
        p75: q(75),
        p90: q(90),
        p95: q(95),
        p99: q(99),
        p999: q(99.9),
    } as ArtilleryMetrics["summaries"][string];
}

/** What Artillery would report for these latencies, all answered 200 with `bytes` each. */
export function artilleryMetrics(latencies: readonly number[], bytes: number, firstMetricAt = 0): ArtilleryMetrics {
    const n = latencies.length;
    return {
        firstMetricAt,
        counters: { "vusers.created": n, "http.requests": n, "http.responses": n, "http.codes.200": n, "http.downloaded_bytes": n * bytes },
        rates: {},
        summaries: { "http.response_time": latencySummary(latencies) },
    };
}

export function fixtureScenario(id: string, url: string, durationS: number, rate: number, latencies: readonly number[], bytes: number): ScenarioResult {
    const aggregate = artilleryMetrics(latencies, bytes);
    // Ten-second periods, as Artillery's.
    const perPeriod = Math.max(1, Math.round((latencies.length * 10) / durationS));
    const chunks = Array.from({ length: Math.ceil(latencies.length / perPeriod) }, (_, i) =>
        artilleryMetrics(latencies.slice(i * perPeriod, (i + 1) * perPeriod), bytes, i * 10_000),
    );
    return {
        id,
        name: `GET ${url}`,
        url,
        durationS,
        arrivalRate: rate,
        startedAt: "2026-01-01T00:00:00.000Z",
        endedAt: "2026-01-01T00:03:00.000Z",
        summary: summaryFromArtillery(aggregate, durationS),
        quantilesMs: quantiles(aggregate),
        perPeriod: periods(chunks),
        clientCpuPercent: 20,
        clientBound: false,
    };
}

/** How a fixture step fails other than on latency: timeouts, the admission limiter's 503s, or a load generator that fell behind. */
export type FixtureFailure = "errors" | "admission" | "client-bound";

/**
 * A capacity search whose steps are held while their p99 stays <= 200 ms, unless `failures` fails a step another
 * way: 10 of its 100 requests time out or get 503 (error rate 10%), or only 80% of its arrivals were sent.
 */
function fixtureSteps(rates: readonly number[], p99s: readonly number[], failures: readonly (FixtureFailure | undefined)[] = []): CapacityStep[] {
    return rates.map((rate, i) => {
        const lat = Array.from({ length: 100 }, (_, k) => (k < 98 ? 10 : p99s[i]));
        const metrics = artilleryMetrics(lat, 10);
        const failure = failures[i];
        if (failure === "errors") {
            Object.assign(metrics.counters, { "errors.ETIMEDOUT": 10, "http.requests": 110, "vusers.created": 110 });
        } else if (failure === "admission") {
            Object.assign(metrics.counters, { "http.codes.200": 90, "http.codes.503": 10 });
        }
        const summary = summaryFromArtillery(metrics, 1);
        if (failure === "errors" || failure === "admission") {
            return { rate, summary, held: false, clientBound: false, reason: `error rate ${(summary.errorRate * 100).toFixed(2)}% > 1.00%` };
        }
        if (failure === "client-bound") {
            return { rate, summary, held: false, clientBound: true, reason: `client-bound: sent ${(rate * 0.8).toFixed(1)}/s of ${rate}/s` };
        }
        const held = p99s[i] <= 200;
        return { rate, summary, held, reason: held ? undefined : `p99 ${p99s[i].toFixed(1)} ms > 200 ms` };
    });
}

export interface FixtureRunOptions {
    readonly label: string;
    readonly architecture: Architecture;
    readonly mode?: "stack" | "local";
    /** Latency multiplier for the endpoints. */
    readonly slowdown: number;
    readonly capacityRates: readonly number[];
    readonly capacityP99s: readonly number[];
    /** Steps that fail other than on latency, by index. */
    readonly capacityFailures?: readonly (FixtureFailure | undefined)[];
    /** --repeat: each repetition's highest rate held (the steps are the median one's, the lower middle one's for an even count). */
    readonly repeats?: readonly (number | null)[];
    readonly utilisation?: boolean;
}

/** One run: books latencies are slowdown x (1..100) ms; prime is slowdown x (301..400) ms. */
export function fixtureRun(o: FixtureRunOptions): TargetRun {
    const books = Array.from({ length: 100 }, (_, i) => (i + 1) * o.slowdown);
    const prime = Array.from({ length: 100 }, (_, i) => (301 + i) * o.slowdown);
    const steps = fixtureSteps(o.capacityRates, o.capacityP99s, o.capacityFailures);
    const firstFail = steps.findIndex((s) => !s.held);
    // Steps may be given in the order a bisection tries them: the capacity is the highest rate held.
    const held = steps.filter((s) => s.held).map((s) => s.rate);
    return {
        label: o.label,
        mode: o.mode ?? "stack",
        architecture: o.architecture,
        urls: { alb: `http://${o.label}.example.invalid` },
        taskSize: { cpu: 512, memory: 1024 },
        tasksPerService: 1,
        serverCpuModel: "unknown",
        startedAt: "2026-01-01T00:00:00.000Z",
        endedAt: "2026-01-01T00:10:00.000Z",
        scenarios: [fixtureScenario("books", "/api/books", 180, 50, books, 5000), fixtureScenario("prime", "/prime", 240, 3, prime, 6)],
        capacity: [
            {
                name: "GET /api/books capacity",
                url: "/api/books",
                p99TargetMs: 200,
                maxErrorRate: 0.01,
                stepDurationS: 30,
                maxRate: 400,
                steps,
                highestRateHeld: held.length === 0 ? null : Math.max(...held),
                stoppedBecause: firstFail === -1 ? "reached maxRate" : "failed step",
                ...(o.repeats ? { repeats: o.repeats.map((h) => ({ highestRateHeld: h, stoppedBecause: "bisected" as const })) } : {}),
            },
        ],
        utilisation: o.utilisation
            ? [
                  {
                      service: "BookStore.Api",
                      source: "procfs",
                      measured: true,
                      points: Array.from({ length: 20 }, (_, t) => ({ t, cpuPercent: 10 + t * 2 * o.slowdown, memoryMiB: 100 + t })),
                  },
              ]
            : [{ service: "bookstore", source: "none", measured: false, note: "not measured: no AWS credentials in the environment", points: [] }],
    };
}

export function fixtureResults(runs: readonly TargetRun[], scale = 1): BenchResults {
    return {
        format: RESULTS_FORMAT,
        command: "npm run bench -- --stacks arm64,amd64",
        scale,
        startedAt: "2026-01-01T00:00:00.000Z",
        endedAt: "2026-01-01T00:10:00.000Z",
        machine: { hostname: "bench-host", platform: "linux", arch: "x64", cores: 2, cpuModel: "Test CPU @ 2.0GHz", memoryGiB: 24, node: "v20.0.0" },
        runs,
    };
}

/** arm64 twice as fast as amd64, holding 100/s against amd64's 80/s. */
export function armVsAmd(utilisation = false): BenchResults {
    return fixtureResults([
        fixtureRun({ label: "arm64", architecture: "arm64", slowdown: 1, capacityRates: [50, 100, 150], capacityP99s: [20, 150, 900], utilisation }),
        fixtureRun({ label: "amd64", architecture: "amd64", slowdown: 2, capacityRates: [40, 80, 120], capacityP99s: [40, 180, 1500], utilisation }),
    ]);
}

/**
 * arm64's capacity search in the order a bisection tries it: 50 held, 100 failed on latency, 75 held, 87 failed on
 * admission 503s, 81 held (the report must draw it in rate order, each failure with its reason).
 */
export function bisectedArm64(extra: Partial<FixtureRunOptions> = {}): TargetRun {
    return fixtureRun({
        label: "arm64",
        architecture: "arm64",
        slowdown: 1,
        capacityRates: [50, 100, 75, 87, 81],
        capacityP99s: [20, 900, 60, 10, 90],
        capacityFailures: [undefined, undefined, undefined, "admission", undefined],
        ...extra,
    });
}
