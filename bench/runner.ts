/**
 * Runs the scenarios against one or more targets and collects the figures. Targets are interleaved per
 * scenario (books on arm64, books on amd64, categories on arm64, ...) so slow drift in the network or
 * the load generator's machine touches both sides alike.
 */
import { Progress, runPhase, sendOne, sendRequest } from "./loadgen";
import { AfterRequestResult, CapacityResult, CapacityStep, ScenarioResult, ServiceUtilisation, TargetRun } from "./results";
import { capacitySteps, CapacityTarget, FixedScenario, isProfilingPath, PROFILING_SCENARIOS } from "./scenarios";
import { histogram, percentile, perSecond, Sample, summarise, Summary } from "./stats";

/** Something to benchmark: one stack's ALB, or the local services. It describes itself as the results do. */
export interface Target
    extends Pick<TargetRun, "label" | "mode" | "architecture" | "urls" | "taskSize" | "tasksPerService" | "tasksSource" | "serverCpuModel" | "estimatedMonthlyCostUsd"> {
    /** The base URL that serves a path (one ALB URL for every path, or the local service's port). */
    readonly baseUrlFor: (urlPath: string) => string;
    /** Called before the first request; starts utilisation sampling if the target can. */
    readonly beginUtilisation?: () => void;
    /** Called after the last response: the utilisation over [start, end]. */
    readonly endUtilisation?: (start: Date, end: Date) => Promise<ServiceUtilisation[]>;
}

export interface RunOptions {
    readonly scenarios: readonly FixedScenario[];
    readonly capacity: readonly CapacityTarget[];
    readonly timeoutMs?: number;
    /** Receives progress lines (scenario, elapsed/remaining, rate, p99). */
    readonly log?: (line: string) => void;
    /** Receives the live progress of the phase that is running. */
    readonly onProgress?: (what: string, p: Progress) => void;
    /**
     * Registers work to do if the process is interrupted (Ctrl-C) while a test with `after` requests runs,
     * so they are still sent; returns the function that unregisters it.
     */
    readonly registerCleanup?: (cleanup: () => Promise<void>) => () => void;
}

export class UnreachableError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UnreachableError";
    }
}

/** A stack answered 404 on a Profiling API path: the stack does not deploy that service. */
export class ProfilingNotDeployedError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ProfilingNotDeployedError";
    }
}

/** Number of histogram bins in the results (the report may re-bin from latenciesMs). */
const HISTOGRAM_BINS = 40;

/**
 * One GET to every path the run will use, on every target, before any load: a clear error naming the
 * URL when one does not answer at all, or when a stack answers 404 on a Profiling API path (the stack
 * does not deploy that service). Any other 4xx/5xx answer is reported but does not stop the run.
 */
export async function preflight(targets: readonly Target[], paths: readonly string[], timeoutMs = 10_000): Promise<string[]> {
    const warnings: string[] = [];
    for (const target of targets) {
        for (const p of [...new Set(paths)]) {
            const url = new URL(p, target.baseUrlFor(p));
            const sample = await sendOne(url, 0, timeoutMs);
            if (sample.error !== undefined || sample.status === undefined) {
                throw new UnreachableError(
                    `${target.label}: ${url.toString()} is unreachable (${sample.error ?? "no response"}); ` +
                        "check the URL, that the stack is deployed and healthy, and that this machine can reach it.",
                );
            }
            if (sample.status === 404 && target.mode === "stack" && isProfilingPath(p)) {
                throw new ProfilingNotDeployedError(
                    `${target.label}: GET ${url.toString()} answered 404: stack "${target.label}" does not deploy the Profiling API, ` +
                        `which the profiling scenarios (${PROFILING_SCENARIOS.join(", ")}) need. Add \`profiling\` to \`dotnet-fargate:services\` ` +
                        `(e.g. \`pulumi config set --path 'dotnet-fargate:services[2]' profiling --stack ${target.label}\`, ` +
                        `then \`pulumi up --stack ${target.label}\`), or leave those scenarios out of --scenarios.`,
                );
            }
            if (sample.status >= 400) {
                warnings.push(`${target.label}: GET ${url.toString()} answered ${sample.status} before the test`);
            }
        }
    }
    return warnings;
}

/** Whether a capacity step held: p99 within target and error rate within limit (and some responses). */
export function judgeStep(summary: Summary, target: Pick<CapacityTarget, "p99TargetMs" | "maxErrorRate">): { held: boolean; reason?: string } {
    if (summary.errorRate > target.maxErrorRate) {
        return {
            held: false,
            reason: `error rate ${(summary.errorRate * 100).toFixed(2)}% > ${(target.maxErrorRate * 100).toFixed(2)}%`,
        };
    }
    if (summary.latency === null) {
        return { held: false, reason: "no successful responses" };
    }
    if (summary.latency.p99 > target.p99TargetMs) {
        return { held: false, reason: `p99 ${summary.latency.p99.toFixed(1)} ms > ${target.p99TargetMs} ms` };
    }
    return { held: true };
}

/** The capacity search's outcome from its steps (in the order run): highest rate held before the first failure. */
export function capacityOutcome(steps: readonly Pick<CapacityStep, "rate" | "held">[]): {
    highestRateHeld: number | null;
    stoppedBecause: "failed step" | "reached maxRate";
} {
    let highest: number | null = null;
    for (const step of steps) {
        if (!step.held) {
            return { highestRateHeld: highest, stoppedBecause: "failed step" };
        }
        highest = step.rate;
    }
    return { highestRateHeld: highest, stoppedBecause: "reached maxRate" };
}

function scenarioResult(s: FixedScenario, samples: readonly Sample[], startedAt: Date, endedAt: Date): ScenarioResult {
    const summary = summarise(samples, s.duration);
    const ok = samples
        .filter((x) => x.error === undefined && x.status !== undefined && x.latencyMs !== undefined)
        .map((x) => Math.round((x.latencyMs as number) * 100) / 100)
        .sort((a, b) => a - b);
    return {
        id: s.id,
        name: s.name,
        url: s.url,
        durationS: s.duration,
        arrivalRate: s.arrivalRate,
        startedAt: startedAt.toISOString(),
        endedAt: endedAt.toISOString(),
        summary,
        histogram: histogram(ok, HISTOGRAM_BINS),
        latenciesMs: ok,
        perSecond: perSecond(samples, s.duration),
        sendLagMs: sendLag(samples),
    };
}

/** p99 and max of how late requests were sent (absent when no sample recorded it). */
export function sendLag(samples: readonly Sample[]): { p99: number; max: number } | undefined {
    const lags = samples.map((x) => x.lagMs).filter((v): v is number => v !== undefined);
    if (lags.length === 0) {
        return undefined;
    }
    const round = (v: number) => Math.round(v * 100) / 100;
    return { p99: round(percentile(lags, 99)), max: round(lags.reduce((a, b) => Math.max(a, b), 0)) };
}

function fmt(n: number | null | undefined, digits = 1): string {
    return n === null || n === undefined ? "-" : n.toFixed(digits);
}

/**
 * Sends a test's `after` requests to one target, once per task behind the service (through a load
 * balancer each goes to whichever task it picks; round robin spreads them over the tasks). Never throws:
 * a request that fails is logged as a warning and recorded.
 */
export async function runAfterRequests(
    target: Target,
    scenario: FixedScenario,
    timeoutMs: number,
    log: (line: string) => void,
): Promise<AfterRequestResult[]> {
    const results: AfterRequestResult[] = [];
    for (const request of scenario.after) {
        for (let i = 0; i < Math.max(1, target.tasksPerService); i++) {
            const url = new URL(request.url, target.baseUrlFor(request.url));
            const at = new Date().toISOString();
            const answer = await sendRequest(request.method, url, timeoutMs);
            results.push({ method: request.method, url: request.url, at, ...answer });
            const what = `after ${scenario.name} on ${target.label}: ${request.method} ${url.toString()}`;
            if (answer.error !== undefined || answer.status === undefined || answer.status >= 400) {
                log(`warning: ${what} failed (${answer.error ?? answer.status}); the service may not be as it was: send it again yourself`);
            } else {
                log(`${what} answered ${answer.status} ${answer.body.trim().slice(0, 200)}`);
            }
        }
    }
    return results;
}

/** Runs every scenario, then every capacity search, against every target. */
export async function runBenchmark(targets: readonly Target[], options: RunOptions): Promise<TargetRun[]> {
    const log = options.log ?? (() => undefined);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const started = new Map<string, Date>();
    const scenarioResults = new Map<string, ScenarioResult[]>(targets.map((t) => [t.label, []]));
    const capacityResults = new Map<string, CapacityResult[]>(targets.map((t) => [t.label, []]));
    const totalScenarios = options.scenarios.length * targets.length;
    let index = 0;

    const fixedS = options.scenarios.reduce((sum, s) => sum + s.duration, 0) * targets.length;
    const capacityS = options.capacity.reduce((sum, c) => sum + capacitySteps(c).length * c.stepDuration, 0) * targets.length;
    log(
        `plan: ${options.scenarios.length} scenario(s) x ${targets.length} target(s), ${fixedS} s of fixed-rate load` +
            (options.capacity.length ? `, then the capacity search (at most ${capacityS} s)` : ""),
    );
    for (const target of targets) {
        started.set(target.label, new Date());
        target.beginUtilisation?.();
    }

    for (const scenario of options.scenarios) {
        for (const target of targets) {
            index++;
            const what = `[${index}/${totalScenarios}] ${scenario.name} on ${target.label}`;
            log(`${what}: ${scenario.arrivalRate}/s for ${scenario.duration} s`);
            const begin = new Date();
            // A test with `after` requests (DELETE /memory-leak) gets them whatever happens: after its load,
            // if the load fails, and if the run is interrupted while it runs.
            let after: Promise<AfterRequestResult[]> | undefined;
            const runAfter = () => (after ??= runAfterRequests(target, scenario, timeoutMs, log));
            const unregister = scenario.after.length > 0 ? options.registerCleanup?.(async () => void (await runAfter())) : undefined;
            let result: ScenarioResult;
            try {
                const samples = await runPhase({
                    baseUrl: target.baseUrlFor(scenario.url),
                    path: scenario.url,
                    durationS: scenario.duration,
                    arrivalRate: scenario.arrivalRate,
                    timeoutMs,
                    onProgress: options.onProgress ? (p) => options.onProgress?.(what, p) : undefined,
                });
                result = scenarioResult(scenario, samples, begin, new Date());
                const l = result.summary.latency;
                log(
                    `${what}: ${result.summary.requests} requests, ${result.summary.failed} failed, ` +
                        `${fmt(result.summary.achievedRps)}/s, mean ${fmt(l?.mean)} / p95 ${fmt(l?.p95)} / p99 ${fmt(l?.p99)} ms`,
                );
            } finally {
                if (scenario.after.length > 0) {
                    await runAfter();
                }
                unregister?.();
            }
            scenarioResults.get(target.label)?.push(scenario.after.length > 0 ? { ...result, after: await runAfter() } : result);
        }
    }

    for (const cap of options.capacity) {
        for (const target of targets) {
            capacityResults.get(target.label)?.push(await runCapacity(target, cap, timeoutMs, log, options.onProgress));
        }
    }

    const runs: TargetRun[] = [];
    for (const target of targets) {
        const start = started.get(target.label) ?? new Date();
        const end = new Date();
        const utilisation = target.endUtilisation ? await target.endUtilisation(start, end) : [];
        runs.push({
            label: target.label,
            mode: target.mode,
            architecture: target.architecture,
            urls: target.urls,
            taskSize: target.taskSize,
            tasksPerService: target.tasksPerService,
            tasksSource: target.tasksSource,
            serverCpuModel: target.serverCpuModel,
            estimatedMonthlyCostUsd: target.estimatedMonthlyCostUsd,
            startedAt: start.toISOString(),
            endedAt: end.toISOString(),
            scenarios: scenarioResults.get(target.label) ?? [],
            capacity: capacityResults.get(target.label) ?? [],
            utilisation,
        });
    }
    return runs;
}

/** Steps the arrival rate up until a step fails or maxRate has been held. */
export async function runCapacity(
    target: Target,
    cap: CapacityTarget,
    timeoutMs: number,
    log: (line: string) => void,
    onProgress?: (what: string, p: Progress) => void,
): Promise<CapacityResult> {
    const steps: CapacityStep[] = [];
    for (const rate of capacitySteps(cap)) {
        const what = `${cap.name} on ${target.label} at ${rate}/s`;
        log(`${what}: ${cap.stepDuration} s (p99 target ${cap.p99TargetMs} ms, max errors ${(cap.maxErrorRate * 100).toFixed(1)}%)`);
        const samples = await runPhase({
            baseUrl: target.baseUrlFor(cap.url),
            path: cap.url,
            durationS: cap.stepDuration,
            arrivalRate: rate,
            timeoutMs,
            onProgress: onProgress ? (p) => onProgress(what, p) : undefined,
        });
        const summary = summarise(samples, cap.stepDuration);
        const verdict = judgeStep(summary, cap);
        steps.push({ rate, summary, ...verdict });
        log(`${what}: ${verdict.held ? "held" : `not held (${verdict.reason})`}; p99 ${fmt(summary.latency?.p99)} ms`);
        if (!verdict.held) {
            break;
        }
    }
    const outcome = capacityOutcome(steps);
    return {
        name: cap.name,
        url: cap.url,
        p99TargetMs: cap.p99TargetMs,
        maxErrorRate: cap.maxErrorRate,
        stepDurationS: cap.stepDuration,
        maxRate: cap.maxRate,
        steps,
        ...outcome,
    };
}
