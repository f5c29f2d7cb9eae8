/**
 * Runs the scenarios against one or more targets and collects the figures. Targets are interleaved per
 * scenario (books on arm64, books on amd64, categories on arm64, ...) so slow drift in the network or
 * the load generator's machine touches both sides alike.
 */
import { ArtilleryMetrics, ArtilleryRun, artilleryScript, Phase, runArtillery, runSummary } from "./artillery";
import { isSteady, judgeStep, roundRate, searchCapacity, SearchOutcome, SearchPlan, sentRate, StepMeasurement, WarmupChunk } from "./capacity";
import { MachineNoise, MachineProbe } from "./machine-noise";
import { ProcessorReading, summariseProcessors } from "./processors";
import { DEFAULT_SLACK_S, PHASED_WARMUP_S, searchCapacityInPhases, topRate } from "./capacity-phases";
import { sendRequest } from "./http-once";
import { AfterRequestResult, CapacityResult, CapacityStep, PeriodFigures, Quantile, ScenarioResult, ServiceUtilisation, TargetRun, Warmup } from "./results";
import { CapacityTarget, FixedScenario, isProfilingPath, PROFILING_SCENARIOS } from "./scenarios";
import { Summary } from "./stats";

/** Something to benchmark: one stack's ALB, or the local services. It describes itself as the results do. */
export interface Target
    extends Pick<TargetRun, "label" | "mode" | "architecture" | "urls" | "taskSize" | "tasksPerService" | "tasksSource" | "serverCpuModel" | "store" | "localCpu" | "estimatedMonthlyCostUsd" | "prices"> {
    /** The base URL that serves a path (one ALB URL for every path, or the local service's port). */
    readonly baseUrlFor: (urlPath: string) => string;
    /** Runs this target's Artillery scripts (the Fargate engine in the stack's region); default: the run's. */
    readonly runScript?: ScriptRunner;
    /**
     * Run each capacity search as phases of a few Artillery runs, judged per reporting period (the Fargate
     * engine, whose runs take a minute to start), instead of one run per step.
     */
    readonly capacityInPhases?: boolean;
    /**
     * Load generators that share every rate (the Fargate engine's workers): each capacity step's rate is a
     * multiple of it, so that each sends a whole share (bench/fargate.ts). Default 1.
     */
    readonly rateStep?: number;
    /** Judges the load generator's path to the target over a phase's window (the NAT gateway's metrics with --engine fargate). */
    readonly pathCheck?: (start: Date, end: Date) => Promise<{ readonly clientBound: boolean; readonly reason?: string } | undefined>;
    /** --local: starts recording this machine's load and CPU steal for one step; its end() says what they were. */
    readonly probeMachine?: () => MachineProbe | undefined;
    /** Called before the first request; starts utilisation sampling if the target can. */
    readonly beginUtilisation?: () => void;
    /** Called after the last response: the utilisation over [start, end]. */
    readonly endUtilisation?: (start: Date, end: Date) => Promise<ServiceUtilisation[]>;
    /** The processor each task ran on, read when the run ends (bench/processors.ts). */
    readonly readProcessors?: () => Promise<ProcessorReading>;
}

export interface RunOptions {
    readonly scenarios: readonly FixedScenario[];
    readonly capacity: readonly CapacityTarget[];
    readonly timeoutMs?: number;
    /** Receives progress lines (scenario, elapsed/remaining, rate, p99). */
    readonly log?: (line: string) => void;
    /** Runs one Artillery script (default: `artillery run` here); the Fargate engine and the tests replace it. */
    readonly runScript?: ScriptRunner;
    /** Capacity searches per target and scenario (--repeat, default 1). */
    readonly repeat?: number;
    /** Seconds per warm-up chunk (default WARMUP_CHUNK_S). */
    readonly warmupChunkS?: number;
    /** Most warm-up chunks before the first step (default WARMUP_MAX_CHUNKS; tests lower it). */
    readonly warmupMaxChunks?: number;
    /**
     * Registers work to do if the process is interrupted (Ctrl-C) while a test with `after` requests runs,
     * so they are still sent; returns the function that unregisters it.
     */
    readonly registerCleanup?: (cleanup: () => Promise<void>) => () => void;
}

/** Runs one Artillery script and returns its report and the load generator's CPU. */
export type ScriptRunner = (script: Record<string, unknown>) => Promise<ArtilleryRun>;

const defaultRunner: ScriptRunner = (script) => runArtillery({ script });

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


/**
 * One GET to every path the run will use, on every target, before any load: a clear error naming the
 * URL when one does not answer at all, or when a stack answers 404 on a Profiling API path (the stack
 * does not deploy that service). Any other 4xx/5xx answer but 405 (served, by another method) is reported
 * but does not stop the run.
 */
export async function preflight(targets: readonly Target[], paths: readonly string[], timeoutMs = 10_000): Promise<string[]> {
    const warnings: string[] = [];
    for (const target of targets) {
        for (const p of [...new Set(paths)]) {
            const url = new URL(p, target.baseUrlFor(p));
            const sample = await sendRequest("GET", url, timeoutMs);
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
            // 405: the path is served, by another method than GET (a user's flow that starts with a POST).
            if (sample.status >= 400 && sample.status !== 405) {
                warnings.push(`${target.label}: GET ${url.toString()} answered ${sample.status} before the test`);
            }
        }
    }
    return warnings;
}

/** Quantiles of Artillery's `http.response_time` summary, min and max as p 0 and 100. */
export function quantiles(m: ArtilleryMetrics): Quantile[] {
    const r = m.summaries["http.response_time"];
    if (!r || !(r.count > 0)) {
        return [];
    }
    const points: [number, number | undefined][] = [[0, r.min], [50, r.median], [75, (r as { p75?: number }).p75], [90, (r as { p90?: number }).p90], [95, r.p95], [99, r.p99], [99.9, r.p999], [100, r.max]];
    return points.filter((x): x is [number, number] => typeof x[1] === "number").map(([p, ms]) => ({ p, ms }));
}

/** Artillery's periods as figures relative to the first one. */
export function periods(list: readonly ArtilleryMetrics[]): PeriodFigures[] {
    const first = list.find((m) => m.firstMetricAt !== undefined)?.firstMetricAt ?? 0;
    return list.map((m) => ({
        startS: Math.round(((m.firstMetricAt ?? first) - first) / 100) / 10,
        requests: m.counters["http.requests"] ?? 0,
        responses: m.counters["http.responses"] ?? 0,
        p99: m.summaries["http.response_time"]?.count ? m.summaries["http.response_time"].p99 : null,
    }));
}

/**
 * The script of a fixed-rate test: the built-in tests' one GET per virtual user, or a user's file as written
 * with the target, the (scaled) phase and the request timeout the benchmark sets.
 */
export function scenarioScript(baseUrl: string, scenario: FixedScenario, phase: Phase, timeoutMs: number): Record<string, unknown> {
    return userScript(baseUrl, scenario.url, scenario.script, [phase], timeoutMs);
}

/** A capacity search's script for some phases: one GET of the url per arrival, or the user's flow as written. */
export function capacityScript(baseUrl: string, cap: CapacityTarget, phases: readonly Phase[], timeoutMs: number): Record<string, unknown> {
    return userScript(baseUrl, cap.url, cap.flow?.script, phases, timeoutMs);
}

/** A user's document with the target, phases and request timeout the benchmark sets (everything else as written); without one, a GET of urlPath. */
function userScript(baseUrl: string, urlPath: string, own: Readonly<Record<string, unknown>> | undefined, phases: readonly Phase[], timeoutMs: number): Record<string, unknown> {
    const generated = artilleryScript(baseUrl, urlPath, phases, timeoutMs);
    if (!own) {
        return generated;
    }
    const ownConfig = (own.config ?? {}) as Record<string, unknown>;
    const config = generated.config as Record<string, unknown>;
    return {
        ...own,
        config: { ...ownConfig, target: config.target, phases: config.phases, http: { ...(ownConfig.http as Record<string, unknown> | undefined), ...(config.http as Record<string, unknown>) } },
    };
}

/** A fixed-rate test's result from its Artillery run. */
export function scenarioResult(s: FixedScenario, run: ArtilleryRun, startedAt: Date, endedAt: Date): ScenarioResult {
    const summary = runSummary(run, s.duration);
    return {
        id: s.id,
        name: s.name,
        url: s.url,
        durationS: s.duration,
        arrivalRate: s.arrivalRate,
        startedAt: startedAt.toISOString(),
        endedAt: endedAt.toISOString(),
        summary,
        quantilesMs: quantiles(run.report.aggregate),
        perPeriod: periods(run.report.intermediate),
        clientCpuPercent: run.clientCpuPercent,
        // The rate is of arrivals: a user's flow may send several requests each, so its arrivals are its flows.
        clientBound: (s.script ? sentRate(runSummary(run, s.duration, { flows: true })) : summary.offeredRps) < 0.95 * s.arrivalRate,
    };
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
    const runScript = options.runScript ?? defaultRunner;
    const started = new Map<string, Date>();
    const scenarioResults = new Map<string, ScenarioResult[]>(targets.map((t) => [t.label, []]));
    const capacityResults = new Map<string, CapacityResult[]>(targets.map((t) => [t.label, []]));
    logPlan(targets, options, log);
    for (const target of targets) {
        started.set(target.label, new Date());
        target.beginUtilisation?.();
    }

    let index = 0;
    for (const scenario of options.scenarios) {
        for (const target of targets) {
            const what = `[${++index}/${options.scenarios.length * targets.length}] ${scenario.name} on ${target.label}`;
            scenarioResults.get(target.label)?.push(await runFixed(target, scenario, { what, timeoutMs, log, runScript, registerCleanup: options.registerCleanup }));
        }
    }

    for (const cap of options.capacity) {
        for (const target of targets) {
            capacityResults.get(target.label)?.push(
                await repeatCapacity(target, cap, {
                    timeoutMs,
                    log,
                    runScript: target.runScript ?? runScript,
                    repeat: options.repeat ?? 1,
                    warmupChunkS: options.warmupChunkS,
                    warmupMaxChunks: options.warmupMaxChunks,
                    inPhases: target.capacityInPhases,
                }),
            );
        }
    }

    const runs: TargetRun[] = [];
    for (const target of targets) {
        const start = started.get(target.label) ?? new Date();
        const end = new Date();
        const utilisation = target.endUtilisation ? await target.endUtilisation(start, end) : [];
        const processors = target.readProcessors ? await target.readProcessors() : undefined;
        runs.push({
            label: target.label,
            mode: target.mode,
            architecture: target.architecture,
            urls: target.urls,
            taskSize: target.taskSize,
            tasksPerService: target.tasksPerService,
            tasksSource: target.tasksSource,
            serverCpuModel: processors ? summariseProcessors(processors) : target.serverCpuModel,
            ...(processors === undefined ? {} : { processors }),
            ...(target.store === undefined ? {} : { store: target.store }),
            ...(target.localCpu === undefined ? {} : { localCpu: target.localCpu }),
            estimatedMonthlyCostUsd: target.estimatedMonthlyCostUsd,
            ...(target.prices === undefined ? {} : { prices: target.prices }),
            startedAt: start.toISOString(),
            endedAt: end.toISOString(),
            scenarios: scenarioResults.get(target.label) ?? [],
            capacity: capacityResults.get(target.label) ?? [],
            utilisation,
        });
    }
    return runs;
}

/** One line saying how much load is coming: the fixed tests' seconds and a rough bound on the searches'. */
function logPlan(targets: readonly Target[], options: RunOptions, log: (line: string) => void): void {
    const fixedS = options.scenarios.reduce((sum, s) => sum + s.duration, 0) * targets.length;
    // Geometric ramp to maxRate, then about five bisections, plus the warm-up: a rough upper figure.
    const capacityS =
        options.capacity.reduce((sum, c) => sum + (Math.ceil(Math.log2(c.maxRate / c.startRate)) + 6) * c.stepDuration + WARMUP_MAX_CHUNKS * WARMUP_CHUNK_S, 0) *
        targets.length *
        (options.repeat ?? 1);
    log(
        `plan: ${options.scenarios.length} scenario(s) x ${targets.length} target(s), ${fixedS} s of fixed-rate load` +
            (options.capacity.length ? `, then the capacity search (at most ${capacityS} s)` : ""),
    );
}

/**
 * One fixed-rate test on one target. A test with `after` requests (DELETE /memory-leak) gets them whatever
 * happens: after its load, if the load fails, and if the run is interrupted while it runs.
 */
async function runFixed(
    target: Target,
    scenario: FixedScenario,
    o: { what: string; timeoutMs: number; log: (line: string) => void; runScript: ScriptRunner; registerCleanup?: RunOptions["registerCleanup"] },
): Promise<ScenarioResult> {
    o.log(`${o.what}: ${scenario.arrivalRate}/s for ${scenario.duration} s`);
    const begin = new Date();
    let after: Promise<AfterRequestResult[]> | undefined;
    const runAfter = () => (after ??= runAfterRequests(target, scenario, o.timeoutMs, o.log));
    const unregister = scenario.after.length > 0 ? o.registerCleanup?.(async () => void (await runAfter())) : undefined;
    let result: ScenarioResult;
    try {
        const phase: Phase = { name: scenario.name, duration: scenario.duration, arrivalRate: scenario.arrivalRate };
        const run = await (target.runScript ?? o.runScript)(scenarioScript(target.baseUrlFor(scenario.url), scenario, phase, o.timeoutMs));
        result = scenarioResult(scenario, run, begin, new Date());
        const l = result.summary.latency;
        o.log(
            `${o.what}: ${result.summary.requests} requests, ${result.summary.failed} failed, ` +
                `${fmt(result.summary.achievedRps)}/s${result.clientBound ? " (client-bound: fewer sent than asked)" : ""}, mean ${fmt(l?.mean)} / p95 ${fmt(l?.p95)} / p99 ${fmt(l?.p99)} ms`,
        );
    } finally {
        if (scenario.after.length > 0) {
            await runAfter();
        }
        unregister?.();
    }
    return scenario.after.length > 0 ? { ...result, after: await runAfter() } : result;
}

/** A step's figures and, locally, how busy the machine was while it ran. */
interface LocalStepMeasurement extends StepMeasurement {
    readonly machine?: MachineNoise;
}

/** Seconds per warm-up chunk, and at most this many chunks before the first measured step. */
export const WARMUP_CHUNK_S = 10;
export const WARMUP_MAX_CHUNKS = 6;

export interface CapacityRunOptions {
    readonly timeoutMs: number;
    readonly log: (line: string) => void;
    readonly runScript: ScriptRunner;
    readonly repeat: number;
    /** Seconds per warm-up chunk (default WARMUP_CHUNK_S). */
    readonly warmupChunkS?: number;
    /** Most warm-up chunks (default WARMUP_MAX_CHUNKS). */
    readonly warmupMaxChunks?: number;
    /** Run the search as phases of a few runs (runCapacityInPhases) rather than one run per step. */
    readonly inPhases?: boolean;
}

/**
 * Loads the target at twice the capacity search's start rate (capped at maxRate), in chunks of
 * WARMUP_CHUNK_S seconds until two chunks in a row agree on throughput and mean latency (a fresh .NET
 * process runs slower until the JIT and the thread pool have settled), at most WARMUP_MAX_CHUNKS.
 */
export async function warmUp(target: Target, cap: CapacityTarget, o: CapacityRunOptions): Promise<Warmup> {
    const chunkS = o.warmupChunkS ?? WARMUP_CHUNK_S;
    const rate = Math.min(cap.maxRate, cap.startRate * 2);
    const chunks: WarmupChunk[] = [];
    const maxChunks = o.warmupMaxChunks ?? WARMUP_MAX_CHUNKS;
    while (chunks.length < maxChunks && !isSteady(chunks)) {
        const run = await o.runScript(capacityScript(target.baseUrlFor(cap.url), cap, [{ name: "warm-up", duration: chunkS, arrivalRate: rate }], o.timeoutMs));
        const s = runSummary(run, chunkS);
        chunks.push({ achievedRps: s.achievedRps, meanMs: s.latency?.mean ?? null });
    }
    const warmup = { seconds: chunks.length * chunkS, rate, steady: isSteady(chunks), chunks };
    o.log(
        `${cap.name} on ${target.label}: warmed at ${rate}/s for ${warmup.seconds} s` +
            (warmup.steady ? " (steady)" : ` (still changing after ${maxChunks} chunks)`) +
            `; mean ms per chunk ${chunks.map((c) => fmt(c.meanMs)).join(", ")}`,
    );
    return warmup;
}

/** Warms the target, then finds its capacity: geometric ramp, then bisection to within 5%. */
export async function runCapacity(target: Target, cap: CapacityTarget, o: CapacityRunOptions): Promise<CapacityResult> {
    if (o.inPhases) {
        return runCapacityInPhases(target, cap, o);
    }
    const warmup = await warmUp(target, cap, o);
    const unit = cap.flow ? " flows" : "";
    const outcome = await searchCapacity<LocalStepMeasurement>({ startRate: cap.startRate, maxRate: cap.maxRate }, cap, async (rate) => {
        const what = `${cap.name} on ${target.label} at ${rate}${unit}/s`;
        const probe = target.probeMachine?.();
        const run = await o.runScript(capacityScript(target.baseUrlFor(cap.url), cap, [{ name: `step ${rate}/s`, duration: cap.stepDuration, arrivalRate: rate }], o.timeoutMs));
        const machine = probe?.end();
        const summary = runSummary(run, cap.stepDuration, { flows: Boolean(cap.flow) });
        const verdict = judgeStep(rate, { summary, clientCpuPercent: run.clientCpuPercent }, cap);
        o.log(
            `${what}: ${verdict.held ? "held" : `not held (${verdict.reason})`}; sent ${fmt(sentRate(summary))}${unit}/s` +
                (summary.flows ? ` (${fmt(summary.offeredRps)} requests/s, flow p99 ${fmt(summary.flows.latency?.p99)} ms)` : "") +
                `, p99 ${fmt(summary.latency?.p99)} ms, load generator CPU ${fmt(run.clientCpuPercent, 0)}%` +
                (machine ? `, machine load ${machine.load1.toFixed(2)}, steal ${machine.stealPercent.toFixed(1)}%${machine.busy ? ` (busy: ${machine.why})` : ""}` : ""),
        );
        return { summary, clientCpuPercent: run.clientCpuPercent, ...(machine ? { machine } : {}) };
    });
    return capacityResult(cap, outcome, warmup);
}

/** The results' record of a search. */
function capacityResult(cap: CapacityTarget, outcome: SearchOutcome<LocalStepMeasurement>, warmup: Warmup | undefined, extra: Partial<CapacityResult> = {}): CapacityResult {
    const steps: CapacityStep[] = outcome.steps.map((s) => ({
        rate: s.rate,
        summary: s.measurement.summary as Summary,
        held: s.verdict.held,
        ...(s.verdict.reason ? { reason: s.verdict.reason } : {}),
        clientBound: s.verdict.clientBound,
        clientCpuPercent: s.measurement.clientCpuPercent,
        ...(s.measurement.machine ? { machine: s.measurement.machine } : {}),
    }));
    // A flow's requests per flow, as sent at the highest rate held (else the last step): the requests/s of the capacity.
    const heldStep = steps.find((s) => s.rate === outcome.highestRateHeld && s.held) ?? steps[steps.length - 1];
    const flow = cap.flow
        ? { flow: { ...(cap.flow.file ? { file: cap.flow.file } : {}), requestsAsWritten: cap.flow.requests, requestsPerFlow: heldStep?.summary.flows?.requestsPerFlow ?? null } }
        : {};
    return {
        name: cap.name,
        url: cap.url,
        p99TargetMs: cap.p99TargetMs,
        maxErrorRate: cap.maxErrorRate,
        stepDurationS: cap.stepDuration,
        maxRate: cap.maxRate,
        tolerance: 0.05,
        steps,
        highestRateHeld: outcome.highestRateHeld,
        stoppedBecause: outcome.stoppedBecause,
        ...(outcome.clientBoundAtRps !== undefined ? { clientBoundAtRps: outcome.clientBoundAtRps } : {}),
        ...(warmup ? { warmup } : {}),
        ...flow,
        ...extra,
    };
}

/**
 * The search as phases: a warm-up phase (PHASED_WARMUP_S at twice the start rate) and the ramp in one
 * Artillery run, then one run per bisection round (bench/capacity-phases.ts), each phase judged from the
 * reporting periods wholly inside it. For `--engine fargate`, where every run starts its workers anew.
 */
export async function runCapacityInPhases(target: Target, cap: CapacityTarget, o: CapacityRunOptions): Promise<CapacityResult> {
    const base = target.baseUrlFor(cap.url);
    const what = `${cap.name} on ${target.label}`;
    const plan: SearchPlan = { startRate: cap.startRate, maxRate: cap.maxRate, rateStep: target.rateStep };
    const outcome = await searchCapacityInPhases(plan, cap, {
        stepDuration: cap.stepDuration,
        warmup: { rate: Math.min(topRate(plan), roundRate(cap.startRate * 2, target.rateStep)), seconds: PHASED_WARMUP_S },
        runPhases: async (phases) => (await o.runScript(capacityScript(base, cap, phases, o.timeoutMs))).report,
        flows: Boolean(cap.flow),
        log: (line) => o.log(`${what}: ${line}`),
        pathCheck: target.pathCheck,
    });
    o.log(`${what}: ${outcome.stoppedBecause}, highest rate held ${outcome.highestRateHeld ?? "none"} in ${outcome.runs} Artillery run(s)`);
    return capacityResult(cap, outcome, outcome.warmup, { phased: { runs: outcome.runs, slackS: DEFAULT_SLACK_S } });
}

/**
 * Runs the search `repeat` times; the result is the median repetition's, with every repetition's figure. With an
 * even number it is the lower of the two middle ones (of two, the capacity both held): a headline must be one
 * repetition's, steps and all, and the lower claims no capacity that a repetition did not hold.
 */
export async function repeatCapacity(target: Target, cap: CapacityTarget, o: CapacityRunOptions): Promise<CapacityResult> {
    const results: CapacityResult[] = [];
    for (let i = 0; i < o.repeat; i++) {
        if (o.repeat > 1) {
            o.log(`${cap.name} on ${target.label}: repetition ${i + 1} of ${o.repeat}`);
        }
        results.push(await runCapacity(target, cap, o));
    }
    if (results.length === 1) {
        return results[0];
    }
    const sorted = [...results].sort((a, b) => (a.highestRateHeld ?? -1) - (b.highestRateHeld ?? -1));
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    return { ...median, repeats: results.map((r) => ({ highestRateHeld: r.highestRateHeld, stoppedBecause: r.stoppedBecause })) };
}
