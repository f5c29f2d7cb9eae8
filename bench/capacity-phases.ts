/**
 * The capacity search as phases of a few Artillery runs instead of one run per step, for `--engine fargate`,
 * where starting the workers takes about a minute per run. The ramp (after a warm-up phase) is one run whose
 * phases are the ramp's rates; each bisection round is one more run whose phases are evenly spaced candidates
 * between the highest rate held and the lowest that failed. Every phase is judged from Artillery's 10 s
 * reporting periods that lie wholly inside it.
 *
 * Contracts read from artilleryio/artillery at tag artillery-2.0.34 (bench/node_modules/artillery 2.0.34):
 * - packages/artillery/lib/cmds/run.ts (`artillery run`) and lib/platform/aws-ecs/legacy/run-cluster.ts
 *   (`artillery run-fargate`) write every `stats` event into `--output` as `intermediate[]`; on Fargate
 *   lib/platform/aws-ecs/legacy/sqs-reporter.ts first merges the workers' metrics of one period
 *   (SSMS.mergeBuckets), whose `period` is then the string key, not a number.
 * - lib/core/ssms.ts: a period is the 10 s wall-clock window starting at `period` (normalizeTs), with
 *   `firstMetricAt` / `lastMetricAt` the times of its first and last metric; counters are recorded when they
 *   happen (`vusers.created` at the arrival, `http.response_time` when the response ends).
 * - lib/core/phases.ts: the phases run back to back; an arrival-rate phase's first arrival comes one
 *   interval (1 / arrivalRate s) after it starts.
 * The output carries no phase start times, so the run's start is taken as the earliest `firstMetricAt`, and
 * each phase's window is narrowed by `slackS` on both sides (that estimate, workers starting a little apart,
 * responses that end after their phase) before a period must fit inside it.
 */
import { ArtilleryMetrics, ArtilleryReport, ArtillerySummary, Phase, summaryFromArtillery } from "./artillery";
import { isSteady, judgeStep, sentRate, roundRate, SearchEnd, SearchLimits, SearchOutcome, SearchPlan, SearchStep, StepMeasurement, WarmupChunk } from "./capacity";

/** Artillery's reporting period, seconds. */
export const PERIOD_S = 10;
/** Seconds taken off each end of a phase's window before periods are matched to it. */
export const DEFAULT_SLACK_S = 2;
/** A step this long always holds one whole period inside its narrowed window (it needs 20 s + 2 x slack). */
export const MIN_PHASE_STEP_S = 30;
/** A warm-up this long always holds two whole periods (for the steadiness check). */
export const PHASED_WARMUP_S = 40;
/** Bisection candidates per run: four split the gap into fifths, so a ramp's 2x gap is within 5% after two runs. */
export const DEFAULT_CANDIDATES = 4;

export class PhaseError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PhaseError";
    }
}

/** Where each phase starts and ends, seconds from the run's start. */
export function phaseWindows(phases: readonly Phase[]): { startS: number; endS: number }[] {
    let at = 0;
    return phases.map((p) => {
        const w = { startS: at, endS: at + p.duration };
        at += p.duration;
        return w;
    });
}

const periodStart = (m: ArtilleryMetrics): number => Number(m.period);

/**
 * The intermediate periods that lie wholly inside each phase's window, narrowed by `slackS` at both ends;
 * periods straddling a boundary (or the run's partial first and last periods) belong to no phase.
 */
export function assignPeriods(report: ArtilleryReport, phases: readonly Phase[], slackS = DEFAULT_SLACK_S): ArtilleryMetrics[][] {
    const byPhase: ArtilleryMetrics[][] = phases.map(() => []);
    const firsts = report.intermediate.map((m) => m.firstMetricAt).filter((t): t is number => typeof t === "number" && Number.isFinite(t) && t > 0);
    if (firsts.length === 0) {
        return byPhase;
    }
    const t0 = Math.min(...firsts);
    const windows = phaseWindows(phases);
    for (const m of report.intermediate) {
        const start = periodStart(m);
        if (!Number.isFinite(start)) {
            continue;
        }
        const end = start + PERIOD_S * 1000;
        const i = windows.findIndex((w) => start >= t0 + (w.startS + slackS) * 1000 && end <= t0 + (w.endS - slackS) * 1000);
        if (i >= 0) {
            byPhase[i].push(m);
        }
    }
    return byPhase;
}

/**
 * Several periods as one: counters summed; each summary's count summed, min and max over all, mean weighted
 * by count, and each quantile the highest of the periods' (an upper bound of the pooled quantile: in every
 * period at most 1% of responses exceed its p99, so at most 1% of them all exceed the highest p99).
 */
export function mergePeriods(periods: readonly ArtilleryMetrics[]): ArtilleryMetrics {
    const counters: Record<string, number> = {};
    const groups: Record<string, ArtillerySummary[]> = {};
    for (const p of periods) {
        for (const [k, v] of Object.entries(p.counters)) {
            counters[k] = (counters[k] ?? 0) + v;
        }
        for (const [k, s] of Object.entries(p.summaries)) {
            if (s && s.count > 0) {
                (groups[k] ??= []).push(s);
            }
        }
    }
    const summaries: Record<string, ArtillerySummary> = {};
    for (const [k, list] of Object.entries(groups)) {
        const count = list.reduce((n, s) => n + s.count, 0);
        const highest = (get: (s: ArtillerySummary) => number) => Math.max(...list.map(get));
        const p999 = list.filter((s) => typeof s.p999 === "number").map((s) => s.p999 as number);
        summaries[k] = {
            count,
            min: Math.min(...list.map((s) => s.min)),
            max: highest((s) => s.max),
            mean: list.reduce((n, s) => n + s.mean * s.count, 0) / count,
            median: highest((s) => s.median),
            p95: highest((s) => s.p95),
            p99: highest((s) => s.p99),
            ...(p999.length === list.length ? { p999: Math.max(...p999) } : {}),
        };
    }
    return { counters, rates: {}, summaries };
}

/** What one phase measured, from its whole periods; null when none fell inside it. */
export interface PhaseMeasurement extends StepMeasurement {
    /** How many whole periods the figures come from. */
    readonly periods: number;
}

export function measurePhase(periods: readonly ArtilleryMetrics[], o: { flows?: boolean } = {}): PhaseMeasurement | null {
    if (periods.length === 0) {
        return null;
    }
    // The workers' CPU is not in the output (Artillery warns on its console when a worker's CPU is high).
    return { summary: summaryFromArtillery(mergePeriods(periods), periods.length * PERIOD_S, o), clientCpuPercent: null, periods: periods.length };
}

/**
 * The highest rate the search may ask for: maxRate, or the multiple of the plan's rateStep just below it (at
 * least one step), so that every phase of a run divides among the same workers.
 */
export function topRate(plan: SearchPlan): number {
    const step = plan.rateStep ?? 1;
    return Math.max(step, Math.floor(plan.maxRate / step) * step);
}

/** The ramp's rates: startRate times `factor` until maxRate (topRate), which is the last; multiples of rateStep. */
export function rampRates(plan: SearchPlan): number[] {
    const factor = plan.factor ?? 2;
    const step = plan.rateStep ?? 1;
    const top = topRate(plan);
    const rates: number[] = [];
    for (let rate = Math.min(top, roundRate(plan.startRate, step)); ; rate = Math.min(top, roundRate(rate * factor, step))) {
        rates.push(rate);
        if (rate >= top) {
            return rates;
        }
    }
}

/** Below a start rate that already failed: startRate / factor, / factor^2 ... down to minRate, highest first. */
export function rampDownRates(plan: SearchPlan): number[] {
    const factor = plan.factor ?? 2;
    const step = plan.rateStep ?? 1;
    const minRate = Math.max(1, plan.minRate ?? plan.startRate / 16);
    const rates: number[] = [];
    for (let rate = roundRate(plan.startRate / factor, step); rate >= minRate && !rates.includes(rate) && rate < plan.startRate; rate = roundRate(rate / factor, step)) {
        rates.push(rate);
    }
    return rates;
}

/**
 * Up to `maxCandidates` whole rates (multiples of `step`) evenly spaced strictly between `held` and `failed`,
 * ascending: as few as bring the gap within `tolerance` of `held` in this run, else `maxCandidates`. Empty when
 * the gap is already within tolerance or no such rate lies between.
 */
export function bisectionRates(held: number, failed: number, tolerance = 0.05, maxCandidates = DEFAULT_CANDIDATES, step = 1): number[] {
    const gap = (failed - held) / held;
    if (!(gap > tolerance)) {
        return [];
    }
    const k = Math.min(maxCandidates, Math.ceil(gap / tolerance - 1e-9) - 1);
    const rates: number[] = [];
    for (let i = 1; i <= k; i++) {
        const rate = roundRate(held + ((failed - held) * i) / (k + 1), step);
        if (rate > held && rate < failed && !rates.includes(rate)) {
            rates.push(rate);
        }
    }
    return rates;
}

/** One Artillery run of the given phases: its report (the runner writes the script from the phases). */
export type PhaseRunner = (phases: readonly Phase[]) => Promise<ArtilleryReport>;

export interface PhasedOptions {
    readonly runPhases: PhaseRunner;
    /** Seconds per step (phase); at least MIN_PHASE_STEP_S. */
    readonly stepDuration: number;
    /** The warm-up phase before the ramp (rate and seconds); none when absent. */
    readonly warmup?: { readonly rate: number; readonly seconds: number };
    readonly slackS?: number;
    readonly maxCandidates?: number;
    /** Receives one line per judged phase and per run. */
    readonly log?: (line: string) => void;
    /**
     * Judges the path between the load generator and the server over a phase's window (the NAT gateway on
     * Fargate, bench/nat-gateway.ts): a client-bound answer makes the phase client-bound whatever its figures.
     */
    /** A user's flow: judge each phase by the flows it started (Summary.flows), not its requests. */
    readonly flows?: boolean;
    readonly pathCheck?: (start: Date, end: Date) => Promise<{ readonly clientBound: boolean; readonly reason?: string } | undefined>;
}

export interface PhasedOutcome extends SearchOutcome<PhaseMeasurement> {
    /** Artillery runs the search took. */
    readonly runs: number;
    /** The warm-up phase's whole periods as chunks, and whether the last two agree. */
    readonly warmup?: { readonly seconds: number; readonly rate: number; readonly steady: boolean; readonly chunks: readonly WarmupChunk[] };
}

const stepPhase = (rate: number, seconds: number): Phase => ({ name: `step ${rate}/s`, duration: seconds, arrivalRate: rate });

/** Runs the search in phases; see the module comment. */
/** The path check over the wall-clock window of a phase's periods (Artillery's firstMetricAt / lastMetricAt, ms). */
async function checkPath(check: NonNullable<PhasedOptions["pathCheck"]>, periods: readonly ArtilleryMetrics[]) {
    const starts = periods.map((m) => m.firstMetricAt).filter((t): t is number => typeof t === "number");
    const ends = periods.map((m) => m.lastMetricAt ?? m.firstMetricAt).filter((t): t is number => typeof t === "number");
    return starts.length === 0 ? undefined : check(new Date(Math.min(...starts)), new Date(Math.max(...ends)));
}

export async function searchCapacityInPhases(plan: SearchPlan, limits: SearchLimits, o: PhasedOptions): Promise<PhasedOutcome> {
    const tolerance = plan.tolerance ?? 0.05;
    const slackS = o.slackS ?? DEFAULT_SLACK_S;
    if (!(o.stepDuration >= 2 * PERIOD_S + 2 * slackS)) {
        throw new RangeError(`phased capacity search: a step must last at least ${2 * PERIOD_S + 2 * slackS} s to hold one whole ${PERIOD_S} s period, got ${o.stepDuration}`);
    }
    const step = plan.rateStep ?? 1;
    if (o.warmup && o.warmup.rate % step !== 0) {
        throw new RangeError(`phased capacity search: the warm-up's rate ${o.warmup.rate}/s is not a multiple of the rate step ${step} (the load generators that share it)`);
    }
    const steps: SearchStep<PhaseMeasurement>[] = [];
    let runs = 0;
    let held: number | null = null;
    let failed: number | null = null;
    let warmup: PhasedOutcome["warmup"];

    /** Runs `rates` as phases after `prefix`; judges them in order until `stop` says so. */
    const run = async (rates: readonly number[], stopAt: "failure" | "hold", prefix: Phase[] = []): Promise<SearchStep<PhaseMeasurement> | "client-bound" | undefined> => {
        const phases = [...prefix, ...rates.map((r) => stepPhase(r, o.stepDuration))];
        runs++;
        o.log?.(`run ${runs}: ${phases.map((p) => `${p.name} (${p.duration} s)`).join(", ")}`);
        const byPhase = assignPeriods(await o.runPhases(phases), phases, slackS);
        if (prefix.length > 0 && o.warmup) {
            const chunks = byPhase[0].map((m) => {
                const s = summaryFromArtillery(m, PERIOD_S);
                return { achievedRps: s.achievedRps, meanMs: s.latency?.mean ?? null };
            });
            warmup = { seconds: o.warmup.seconds, rate: o.warmup.rate, steady: isSteady(chunks), chunks };
        }
        for (const [j, rate] of rates.entries()) {
            const measurement = measurePhase(byPhase[prefix.length + j], { flows: o.flows });
            if (!measurement) {
                throw new PhaseError(`no whole ${PERIOD_S} s reporting period of Artillery's output fell inside the phase at ${rate}/s (run ${runs}); cannot judge it`);
            }
            const path = o.pathCheck ? await checkPath(o.pathCheck, byPhase[prefix.length + j]) : undefined;
            const verdict = path?.clientBound ? { held: false, clientBound: true, reason: path.reason } : judgeStep(rate, measurement, limits);
            const step = { rate, measurement, verdict };
            steps.push(step);
            o.log?.(`phase ${rate}/s: ${verdict.held ? "held" : `not held (${verdict.reason})`} over ${measurement.periods} period(s)`);
            if (verdict.clientBound) {
                return "client-bound";
            }
            if (verdict.held) {
                held = Math.max(held ?? 0, rate);
            } else {
                failed = Math.min(failed ?? Infinity, rate);
            }
            if ((stopAt === "failure" && !verdict.held) || (stopAt === "hold" && verdict.held)) {
                return step;
            }
        }
        return undefined;
    };
    const end = (stoppedBecause: SearchEnd): PhasedOutcome => ({
        steps,
        highestRateHeld: held,
        lowestRateFailed: failed,
        stoppedBecause,
        runs,
        ...(warmup ? { warmup } : {}),
        ...(stoppedBecause === "client-bound" ? { clientBoundAtRps: sentRate(steps[steps.length - 1].measurement.summary) } : {}),
    });

    const warmPhase: Phase[] = o.warmup ? [{ name: "warm-up", duration: o.warmup.seconds, arrivalRate: o.warmup.rate }] : [];
    if ((await run(rampRates(plan), "failure", warmPhase)) === "client-bound") {
        return end("client-bound");
    }
    if (failed === null) {
        return end("reached maxRate");
    }
    if (held === null) {
        const lower = rampDownRates(plan);
        if (lower.length === 0 || (await run(lower, "hold")) === "client-bound") {
            return end(lower.length === 0 ? "below minRate" : "client-bound");
        }
        if (held === null) {
            return end("below minRate");
        }
    }
    const bisect = (h: number, f: number) => bisectionRates(h, f, tolerance, o.maxCandidates, plan.rateStep);
    for (let rates = bisect(held, failed); rates.length > 0; rates = bisect(held, failed)) {
        if ((await run(rates, "failure")) === "client-bound") {
            return end("client-bound");
        }
    }
    return end("bisected");
}
