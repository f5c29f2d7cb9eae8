/**
 * The figures the results and report share (Summary), and the few statistics the tools still compute
 * themselves; the per-request figures come from Artillery (bench/artillery.ts).
 */

/** The seed-style figures for one endpoint on one target. */
export interface Summary {
    /** Requests sent. */
    readonly requests: number;
    /** Requests that got a complete response (any status). */
    readonly responses: number;
    /** Responses by HTTP status, e.g. {"200": 9000}. */
    readonly statusCounts: Readonly<Record<string, number>>;
    /** Requests that got no complete response, by error code. */
    readonly errors: Readonly<Record<string, number>>;
    /** Requests with an error or a status >= 400. */
    readonly failed: number;
    /** failed / requests (0 when nothing was sent). */
    readonly errorRate: number;
    /** Response body bytes, summed. */
    readonly bytes: number;
    /** Latency of the complete responses, ms; null when there were none. */
    readonly latency: LatencySummary | null;
    /** Length of the window the requests were sent in, seconds. */
    readonly durationS: number;
    /** Requests sent per second over the window. */
    readonly offeredRps: number;
    /** Complete responses per second over the window. */
    readonly achievedRps: number;
}

export interface LatencySummary {
    readonly min: number;
    readonly mean: number;
    readonly median: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
}

/**
 * The p-th percentile (0 < p <= 100) of values sorted ascending, by the nearest-rank method:
 * the smallest value such that at least p% of the values are <= it. Always one of the values.
 */
export function percentileSorted(sorted: readonly number[], p: number): number {
    if (sorted.length === 0) {
        throw new RangeError("percentile of no values");
    }
    if (!(p > 0 && p <= 100)) {
        throw new RangeError(`percentile must be in (0, 100], got ${p}`);
    }
    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The p-th percentile of unsorted values (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
    return percentileSorted([...values].sort((a, b) => a - b), p);
}

/** Mean of values, or null when there are none. */
export function mean(values: readonly number[]): number | null {
    if (values.length === 0) {
        return null;
    }
    return values.reduce((a, b) => a + b, 0) / values.length;
}
