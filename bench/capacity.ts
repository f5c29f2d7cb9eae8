/**
 * The capacity search, independent of how a step is run: ramp the arrival rate geometrically until a step
 * fails, then bisect between the last rate held and the first that failed until they are within `tolerance`
 * of each other. A step whose load generator could not send its rate is "client-bound": it says nothing
 * about the server, so the search stops there and says so instead of calling it the server's capacity.
 */
import { Summary } from "./stats";

/** What one step measured. */
export interface StepMeasurement {
    readonly summary: Summary;
    /** The load generator's own CPU during the step, percent of one core (null when not measured); shown, not judged (see judgeStep). */
    readonly clientCpuPercent: number | null;
}

export interface StepVerdict {
    readonly held: boolean;
    readonly reason?: string;
    /** The load generator, not the server, limited the step. */
    readonly clientBound: boolean;
}

export interface SearchLimits {
    readonly p99TargetMs: number;
    readonly maxErrorRate: number;
    /** A step is client-bound when fewer than this fraction of its arrivals were sent (default 0.95). */
    readonly minSentFraction?: number;
}

/**
 * Judges one step at `rate`. Client-bound first: when the generator sent less than it was asked to (the
 * arrivals Artillery created fall short of rate x duration), the step is not the server's verdict. Otherwise
 * it holds while the failed fraction and p99 are within their limits.
 *
 * The generator's CPU is recorded but judges nothing: Artillery schedules arrivals with nanotimer, which
 * busy-waits on setImmediate for the last 25 ms before every tick (artilleryio/arrivals 2.1.2 lib/index.js,
 * nanotimer 0.3.14 lib/nanotimer.js), so its CPU reads about rate x 25 ms per second whatever the work:
 * 3, 6, 11, 22, 43, 83 and 98% of a core at 1, 2, 4 ... 64 arrivals/s here, and 100% at 50/s against a
 * server answering with a p99 of 4 ms. The spin yields to I/O every turn, so it neither delays responses nor
 * stops arrivals; a generator that really runs out of CPU falls behind its arrivals, which the rule above sees.
 */
export function judgeStep(rate: number, m: StepMeasurement, limits: SearchLimits): StepVerdict {
    const s = m.summary;
    // A user's flow is judged in flows (arrivals) started; the built-in tests send one request per arrival.
    const sent = s.flows ? s.flows.offeredPerS : s.offeredRps;
    if (sent / rate < (limits.minSentFraction ?? 0.95)) {
        return { held: false, clientBound: true, reason: `client-bound: sent ${sent.toFixed(1)}${s.flows ? " flows" : ""}/s of ${rate}/s` };
    }
    if (s.errorRate > limits.maxErrorRate) {
        return {
            held: false,
            clientBound: false,
            reason: `error rate ${(s.errorRate * 100).toFixed(2)}% > ${(limits.maxErrorRate * 100).toFixed(2)}%`,
        };
    }
    if (s.latency === null) {
        return { held: false, clientBound: false, reason: "no responses" };
    }
    if (s.latency.p99 > limits.p99TargetMs) {
        return { held: false, clientBound: false, reason: `p99 ${s.latency.p99.toFixed(1)} ms > ${limits.p99TargetMs} ms` };
    }
    return { held: true, clientBound: false };
}

/** The arrivals a step sent per second: flows for a user's flow, requests for the built-in tests (one per arrival). */
export function sentRate(s: Summary): number {
    return s.flows ? s.flows.offeredPerS : s.offeredRps;
}

export interface SearchPlan {
    readonly startRate: number;
    /** Upper bound: the search never asks for more. */
    readonly maxRate: number;
    /** Ramp factor between steps until the first failure (default 2). */
    readonly factor?: number;
    /** Bisect until (failed - held) / held <= tolerance (default 0.05). */
    readonly tolerance?: number;
    /** Lowest rate worth trying when even the start rate fails (default startRate / 16, at least 1). */
    readonly minRate?: number;
    /**
     * Every rate asked for is a multiple of this (default 1): the number of load generators that share each rate,
     * each sending a whole share (`--engine fargate --count`, bench/fargate.ts). Only the phased search takes it.
     */
    readonly rateStep?: number;
}

export type SearchEnd = "bisected" | "reached maxRate" | "client-bound" | "below minRate";

export interface SearchStep<M> {
    readonly rate: number;
    readonly measurement: M;
    readonly verdict: StepVerdict;
}

export interface SearchOutcome<M> {
    readonly steps: readonly SearchStep<M>[];
    /** Highest rate held; null when none was. */
    readonly highestRateHeld: number | null;
    /** Lowest rate that failed on the server's side; null when none did. */
    readonly lowestRateFailed: number | null;
    readonly stoppedBecause: SearchEnd;
    /** For a client-bound end: the rate the load generator did send at that step. */
    readonly clientBoundAtRps?: number;
}

/**
 * Rates are whole arrivals per second, at least 1: Artillery 2.0.34 splits a phase's arrivalRate among its
 * workers and asserts the parts add up (packages/artillery/lib/dist.ts), which fails for 13.5. So below
 * 20/s the search's resolution is 1/s rather than 5%. When `step` load generators share every rate (Fargate
 * workers, bench/fargate.ts), each one's share must be whole too: the rate is the nearest multiple of `step`.
 */
export function roundRate(rate: number, step = 1): number {
    if (!(rate > 0)) {
        throw new RangeError(`a rate must be greater than 0, got ${rate}`);
    }
    if (!Number.isInteger(step) || step < 1) {
        throw new RangeError(`a rate step must be a whole number >= 1, got ${step}`);
    }
    return step * Math.max(1, Math.round(rate / step));
}

/** Runs the search; `runStep` runs one step at a rate and measures it. */
export async function searchCapacity<M extends StepMeasurement>(
    plan: SearchPlan,
    limits: SearchLimits,
    runStep: (rate: number) => Promise<M>,
): Promise<SearchOutcome<M>> {
    const factor = plan.factor ?? 2;
    const tolerance = plan.tolerance ?? 0.05;
    const minRate = Math.max(1, plan.minRate ?? plan.startRate / 16);
    if (!(factor > 1) || !(tolerance > 0) || !(plan.startRate > 0) || plan.maxRate < plan.startRate) {
        throw new RangeError(`capacity search: need factor > 1, tolerance > 0, 0 < startRate <= maxRate; got ${JSON.stringify(plan)}`);
    }
    const steps: SearchStep<M>[] = [];
    let held: number | null = null;
    let failed: number | null = null;
    const step = async (rate: number): Promise<StepVerdict> => {
        const measurement = await runStep(rate);
        const verdict = judgeStep(rate, measurement, limits);
        steps.push({ rate, measurement, verdict });
        return verdict;
    };
    const end = (stoppedBecause: SearchEnd): SearchOutcome<M> => {
        const last = steps[steps.length - 1];
        return {
            steps,
            highestRateHeld: held,
            lowestRateFailed: failed,
            stoppedBecause,
            ...(stoppedBecause === "client-bound" ? { clientBoundAtRps: sentRate(last.measurement.summary) } : {}),
        };
    };

    // Ramp: up by `factor` while steps hold; down by `factor` while even the start rate fails.
    let rate = roundRate(plan.startRate);
    for (;;) {
        const v = await step(rate);
        if (v.clientBound) {
            return end("client-bound");
        }
        if (v.held) {
            held = rate;
            if (failed !== null) {
                break;
            }
            if (rate >= plan.maxRate) {
                return end("reached maxRate");
            }
            rate = Math.min(plan.maxRate, roundRate(rate * factor));
        } else {
            failed = rate;
            if (held !== null) {
                break;
            }
            const lower = roundRate(rate / factor);
            if (lower < minRate || lower === rate) {
                return end("below minRate");
            }
            rate = lower;
        }
    }
    // Bisect between the highest held and the lowest failed.
    while (held !== null && failed !== null && (failed - held) / held > tolerance) {
        const mid = roundRate((held + failed) / 2);
        if (mid <= held || mid >= failed) {
            break;
        }
        const v = await step(mid);
        if (v.clientBound) {
            return end("client-bound");
        }
        if (v.held) {
            held = mid;
        } else {
            failed = mid;
        }
    }
    return end("bisected");
}

/** One warm-up chunk: its throughput and mean latency. */
export interface WarmupChunk {
    readonly achievedRps: number;
    readonly meanMs: number | null;
}

/**
 * Whether the last two warm-up chunks agree: throughput within `tolerance` of each other and mean latency
 * within `tolerance` too (a fresh .NET process is slower until the JIT and the thread pool have settled).
 */
export function isSteady(chunks: readonly WarmupChunk[], tolerance = 0.1): boolean {
    if (chunks.length < 2) {
        return false;
    }
    const [a, b] = chunks.slice(-2);
    const close = (x: number, y: number) => Math.abs(x - y) <= tolerance * Math.max(x, y);
    return close(a.achievedRps, b.achievedRps) && a.meanMs !== null && b.meanMs !== null && (close(a.meanMs, b.meanMs) || Math.abs(a.meanMs - b.meanMs) < 1);
}
