/**
 * An open-model load generator: arrivals come on a fixed schedule (arrivalRate per second, evenly spaced),
 * whatever the server does, like Artillery's phases with one GET per virtual user. A slow server does not
 * slow the arrivals down (that would be a closed loop and hide the queueing the test is meant to show).
 * Each arrival opens its own connection (no keep-alive), as each Artillery virtual user does.
 */
import * as http from "http";
import * as https from "https";
import { performance } from "perf_hooks";
import { isFailure, percentile, Sample } from "./stats";

export interface PhaseOptions {
    /** Base URL, e.g. http://127.0.0.1:5001 or the ALB's URL. */
    readonly baseUrl: string;
    /** Path of the GET, e.g. /api/books. */
    readonly path: string;
    /** Seconds to keep arriving. */
    readonly durationS: number;
    /** Arrivals per second. */
    readonly arrivalRate: number;
    /** Per-request timeout, ms (default 10000, Artillery's default). */
    readonly timeoutMs?: number;
    /** Called about once a second while the phase runs. */
    readonly onProgress?: (p: Progress) => void;
}

/** What the progress line shows. */
export interface Progress {
    readonly elapsedS: number;
    readonly remainingS: number;
    /** Responses per second over the last (up to) 5 seconds. */
    readonly currentRps: number;
    /** p99 of the complete responses over the last (up to) 5 seconds, ms; null before any. */
    readonly recentP99: number | null;
    readonly sent: number;
    readonly failed: number;
    /** Requests still waiting for a response. */
    readonly inFlight: number;
}

/** Sends one GET and records it as a sample; never rejects. */
export function sendOne(url: URL, startMs: number, timeoutMs: number, lagMs?: number): Promise<Sample> {
    return new Promise((resolve) => {
        const t0 = performance.now();
        const client = url.protocol === "https:" ? https : http;
        let settled = false;
        let bytes = 0;
        const done = (sample: Sample) => {
            if (!settled) {
                settled = true;
                resolve(lagMs === undefined ? sample : { ...sample, lagMs });
            }
        };
        const req = client.request(
            url,
            { method: "GET", agent: false, headers: { "user-agent": "dotnet-fargate-bench", connection: "close" } },
            (res) => {
                res.on("data", (chunk: Buffer) => {
                    bytes += chunk.length;
                });
                res.on("end", () =>
                    done({ startMs, latencyMs: performance.now() - t0, status: res.statusCode, bytes }),
                );
                res.on("error", (e: NodeJS.ErrnoException) => done({ startMs, bytes, error: e.code ?? "ERESPONSE" }));
            },
        );
        req.setTimeout(timeoutMs, () => {
            req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }));
        });
        req.on("error", (e: NodeJS.ErrnoException) => done({ startMs, bytes, error: e.code ?? "EREQUEST" }));
        req.end();
    });
}

/**
 * Runs one phase: arrival i is sent at i / arrivalRate seconds after the start, for durationS seconds,
 * then waits for the responses still in flight (each bounded by the timeout). Returns every sample.
 */
export async function runPhase(options: PhaseOptions): Promise<Sample[]> {
    const { durationS, arrivalRate } = options;
    if (!(durationS > 0) || !(arrivalRate > 0)) {
        throw new RangeError(`durationS and arrivalRate must be greater than 0, got ${durationS} and ${arrivalRate}`);
    }
    const url = new URL(options.path, options.baseUrl);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const total = Math.round(durationS * arrivalRate);
    const intervalMs = 1000 / arrivalRate;
    const samples: Sample[] = [];
    const pending = new Set<Promise<void>>();
    const start = performance.now();
    let next = 0;

    const report = () => {
        if (!options.onProgress) {
            return;
        }
        const now = performance.now() - start;
        const windowMs = Math.min(5000, Math.max(1000, now));
        const recent = samples.filter((s) => s.latencyMs !== undefined && s.startMs + s.latencyMs >= now - windowMs);
        const ok = recent.map((s) => s.latencyMs as number);
        options.onProgress({
            elapsedS: now / 1000,
            remainingS: Math.max(0, durationS - now / 1000),
            currentRps: recent.length / (windowMs / 1000),
            recentP99: ok.length === 0 ? null : percentile(ok, 99),
            sent: next,
            failed: samples.filter(isFailure).length,
            inFlight: pending.size,
        });
    };
    const ticker = options.onProgress ? setInterval(report, 1000) : undefined;

    try {
        await new Promise<void>((resolve) => {
            const tick = () => {
                const now = performance.now() - start;
                // Send every arrival that is due (catching up if the timer fired late).
                while (next < total && next * intervalMs <= now) {
                    const startMs = next * intervalMs;
                    next++;
                    const p = sendOne(url, startMs, timeoutMs, Math.max(0, now - startMs)).then((s) => {
                        samples.push(s);
                        pending.delete(p);
                    });
                    pending.add(p);
                }
                if (next >= total) {
                    resolve();
                    return;
                }
                const wait = Math.max(0, next * intervalMs - (performance.now() - start));
                setTimeout(tick, Math.min(wait, 50));
            };
            tick();
        });
        while (pending.size > 0) {
            await Promise.all([...pending]);
        }
    } finally {
        if (ticker) {
            clearInterval(ticker);
        }
    }
    report();
    return samples.sort((a, b) => a.startMs - b.startMs);
}

/** The answer to one request made outside the load (a test's `after` requests): status and the start of the body. */
export interface OneOffAnswer {
    readonly status?: number;
    /** At most the first 500 characters of the body. */
    readonly body: string;
    readonly error?: string;
}

/** Sends one request with no body and collects its answer; never rejects. */
export function sendRequest(method: string, url: URL, timeoutMs: number): Promise<OneOffAnswer> {
    return new Promise((resolve) => {
        const client = url.protocol === "https:" ? https : http;
        let body = "";
        let settled = false;
        const done = (answer: OneOffAnswer) => {
            if (!settled) {
                settled = true;
                resolve(answer);
            }
        };
        const req = client.request(url, { method, agent: false, headers: { "user-agent": "dotnet-fargate-bench", connection: "close" } }, (res) => {
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
                body = (body + chunk).slice(0, 500);
            });
            res.on("end", () => done({ status: res.statusCode, body }));
            res.on("error", (e: NodeJS.ErrnoException) => done({ body, error: e.code ?? "ERESPONSE" }));
        });
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
        req.on("error", (e: NodeJS.ErrnoException) => done({ body, error: e.code ?? "EREQUEST" }));
        req.end();
    });
}
