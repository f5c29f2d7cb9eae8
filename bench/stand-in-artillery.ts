/**
 * Artillery's place in the tests whose subject is our own flow around it (which targets, in what order, the
 * requests before and after a test, results and report), not Artillery: every arrival of the script's phases
 * sends its flow's GETs to the script's target over HTTP, at once rather than paced (so a stub server sees each
 * request, in order), and the run answers with the counters and summaries Artillery's `--output` holds.
 * Real Artillery keeps its own tests: runner.test.ts (fixed rate, refused connections, a phase it cannot create
 * in time, a capacity search, `--local`), capacity-phases.test.ts (periods) and user-capacity.test.ts (Notes).
 */
import * as http from "http";
import { ArtilleryMetrics, ArtilleryRun } from "./artillery";
import { latencySummary } from "./fixtures";
import { ScriptRunner } from "./runner";

interface Script {
    readonly config: { readonly target: string; readonly phases: readonly { duration: number; arrivalRate: number }[] };
    readonly scenarios: readonly { readonly flow: readonly Record<string, unknown>[] }[];
}

/** The GETs one arrival sends; anything else is refused, as this stand-in would not do what Artillery does with it. */
function flowPaths(script: Script): string[] {
    return script.scenarios[0].flow.map((step) => {
        const get = step.get as { url?: unknown } | undefined;
        if (Object.keys(step).length !== 1 || typeof get?.url !== "string") {
            throw new Error(`stand-in Artillery sends only GETs of fixed URLs, got ${JSON.stringify(step)}`);
        }
        return get.url;
    });
}

type Outcome = { status: number; bytes: number; ms: number } | { error: string };

function get(url: string): Promise<Outcome> {
    const began = process.hrtime.bigint();
    return new Promise((resolve) => {
        http.get(url, (res) => {
            let bytes = 0;
            res.on("data", (chunk: Buffer) => (bytes += chunk.length));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, ms: Number(process.hrtime.bigint() - began) / 1e6 }));
        }).on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    });
}

/** Counters and summaries as Artillery names them (the artillery 2.0.34 npm package: dist/lib/core/runner.js, engine_http.js). */
function metrics(outcomes: readonly Outcome[][], firstMetricAt: number): ArtilleryMetrics {
    const counters: Record<string, number> = { "vusers.created": outcomes.length, "vusers.completed": 0, "vusers.failed": 0, "http.requests": 0, "http.responses": 0, "http.downloaded_bytes": 0 };
    const add = (key: string, n = 1) => (counters[key] = (counters[key] ?? 0) + n);
    const latencies: number[] = [];
    for (const flow of outcomes) {
        for (const o of flow) {
            add("http.requests");
            if ("error" in o) {
                add(`errors.${o.error}`);
                continue;
            }
            add("http.responses");
            add(`http.codes.${o.status}`);
            add("http.downloaded_bytes", o.bytes);
            latencies.push(o.ms);
        }
        add(flow.some((o) => "error" in o) ? "vusers.failed" : "vusers.completed");
    }
    return { firstMetricAt, counters, rates: {}, summaries: latencies.length > 0 ? { "http.response_time": latencySummary(latencies) } : {} };
}

export const standInArtillery: ScriptRunner = async (doc): Promise<ArtilleryRun> => {
    const script = doc as unknown as Script;
    const paths = flowPaths(script);
    const arrivals = script.config.phases.reduce((n, p) => n + p.duration * p.arrivalRate, 0);
    const began = Date.now();
    const outcomes: Outcome[][] = [];
    for (let i = 0; i < arrivals; i++) {
        const flow: Outcome[] = [];
        for (const p of paths) {
            const o = await get(`${script.config.target.replace(/\/$/, "")}${p}`);
            flow.push(o);
            if ("error" in o) {
                break;
            }
        }
        outcomes.push(flow);
    }
    const aggregate = metrics(outcomes, began);
    return { report: { aggregate, intermediate: [aggregate] }, clientCpuPercent: null, wallS: (Date.now() - began) / 1000, sendingS: null };
};
