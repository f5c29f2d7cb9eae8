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
    /**
     * For a user's flow (one or more requests per virtual user): the flows themselves. Absent for the built-in
     * tests, where a flow is one request and the figures above say it all.
     */
    readonly flows?: FlowFigures;
}

/** A window's flows (Artillery's virtual users: each runs the whole flow once). */
export interface FlowFigures {
    /** Flows started (`vusers.created`). */
    readonly created: number;
    /** Flows that ran to their end (`vusers.completed`). */
    readonly completed: number;
    /** Flows stopped by an error (`vusers.failed`). */
    readonly failed: number;
    /** Flows started per second over the window: the rate the search judges against the arrival rate asked for. */
    readonly offeredPerS: number;
    /** Flows completed per second. */
    readonly completedPerS: number;
    /** Requests sent per flow started (`http.requests` / `vusers.created`); null when none started. */
    readonly requestsPerFlow: number | null;
    /** How long a whole flow took, ms (`vusers.session_length`); null when none completed. */
    readonly latency: LatencySummary | null;
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
