/**
 * Statistics over raw per-request samples. Pure functions: every figure the runner prints and the
 * report shows is computed here, from the samples, so the same numbers come out wherever they are read.
 */

/** One request as the load generator saw it. */
export interface Sample {
    /** When the request was sent, in ms since the scenario started. */
    readonly startMs: number;
    /** From sending the request to the last byte of the response body, in ms (absent when it failed). */
    readonly latencyMs?: number;
    /** HTTP status, absent when no response arrived. */
    readonly status?: number;
    /** Response body bytes received. */
    readonly bytes: number;
    /** Error code (ECONNREFUSED, ETIMEDOUT, ...) when no complete response arrived. */
    readonly error?: string;
    /** How late the load generator sent it, ms after its scheduled time (a busy generator shows here). */
    readonly lagMs?: number;
}

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

/** min, mean, median, p95, p99 and max of the values, or null when there are none. */
export function summariseLatency(values: readonly number[]): LatencySummary | null {
    if (values.length === 0) {
        return null;
    }
    const sorted = [...values].sort((a, b) => a - b);
    let sum = 0;
    for (const v of sorted) {
        sum += v;
    }
    return {
        min: sorted[0],
        mean: sum / sorted.length,
        median: percentileSorted(sorted, 50),
        p95: percentileSorted(sorted, 95),
        p99: percentileSorted(sorted, 99),
        max: sorted[sorted.length - 1],
    };
}

/** Whether a sample counts against the error rate: no response, or a 4xx/5xx status. */
export function isFailure(sample: Sample): boolean {
    return sample.error !== undefined || sample.status === undefined || sample.status >= 400;
}

/**
 * Summarises the samples of one endpoint. `durationS` is the window the requests were scheduled in
 * (the phase's duration); rates are per second over that window.
 */
export function summarise(samples: readonly Sample[], durationS: number): Summary {
    if (!(durationS > 0)) {
        throw new RangeError(`durationS must be greater than 0, got ${durationS}`);
    }
    const statusCounts: Record<string, number> = {};
    const errors: Record<string, number> = {};
    const latencies: number[] = [];
    let bytes = 0;
    let failed = 0;
    let responses = 0;
    for (const s of samples) {
        bytes += s.bytes;
        if (isFailure(s)) {
            failed++;
        }
        if (s.error !== undefined || s.status === undefined) {
            const code = s.error ?? "NO_RESPONSE";
            errors[code] = (errors[code] ?? 0) + 1;
            continue;
        }
        responses++;
        statusCounts[String(s.status)] = (statusCounts[String(s.status)] ?? 0) + 1;
        if (s.latencyMs !== undefined) {
            latencies.push(s.latencyMs);
        }
    }
    return {
        requests: samples.length,
        responses,
        statusCounts,
        errors,
        failed,
        errorRate: samples.length === 0 ? 0 : failed / samples.length,
        bytes,
        latency: summariseLatency(latencies),
        durationS,
        offeredRps: samples.length / durationS,
        achievedRps: responses / durationS,
    };
}

/** A latency histogram: `counts[i]` values fell in [edges[i], edges[i+1]); the last bin includes its top edge. */
export interface Histogram {
    readonly edges: readonly number[];
    readonly counts: readonly number[];
}

/**
 * Bins values into `bins` equal-width bins from `min` to `max` (defaults: the values' own range).
 * Values outside [min, max] are clamped into the first or last bin.
 */
export function histogram(values: readonly number[], bins: number, min?: number, max?: number): Histogram {
    if (!Number.isInteger(bins) || bins < 1) {
        throw new RangeError(`bins must be a positive integer, got ${bins}`);
    }
    if (values.length === 0 && (min === undefined || max === undefined)) {
        return { edges: [], counts: [] };
    }
    const lo = min ?? values.reduce((a, b) => Math.min(a, b), Infinity);
    let hi = max ?? values.reduce((a, b) => Math.max(a, b), -Infinity);
    if (hi <= lo) {
        hi = lo + 1;
    }
    const width = (hi - lo) / bins;
    const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
    const counts = new Array<number>(bins).fill(0);
    for (const v of values) {
        const index = Math.floor((v - lo) / width);
        counts[Math.min(bins - 1, Math.max(0, index))]++;
    }
    return { edges, counts };
}

/** One second of a scenario: what was sent, what came back, and how slow it was. */
export interface SecondBucket {
    /** Seconds since the scenario started (bucket [second, second + 1)). */
    readonly second: number;
    readonly sent: number;
    readonly responses: number;
    readonly failed: number;
    /** p99 latency of the complete responses (any status) to requests sent in that second; null when none. */
    readonly p99: number | null;
}

/** Groups samples by the second they were sent in, for the time series and the progress line. */
export function perSecond(samples: readonly Sample[], durationS: number): SecondBucket[] {
    const seconds = Math.max(1, Math.ceil(durationS));
    const groups: Sample[][] = Array.from({ length: seconds }, () => []);
    for (const s of samples) {
        const index = Math.min(seconds - 1, Math.max(0, Math.floor(s.startMs / 1000)));
        groups[index].push(s);
    }
    return groups.map((group, second) => {
        const latencies = group
            .filter((s) => s.error === undefined && s.status !== undefined && s.latencyMs !== undefined)
            .map((s) => s.latencyMs as number);
        return {
            second,
            sent: group.length,
            responses: group.filter((s) => s.status !== undefined && s.error === undefined).length,
            failed: group.filter(isFailure).length,
            p99: latencies.length === 0 ? null : percentile(latencies, 99),
        };
    });
}

/** Mean of values, or null when there are none. */
export function mean(values: readonly number[]): number | null {
    if (values.length === 0) {
        return null;
    }
    return values.reduce((a, b) => a + b, 0) / values.length;
}
