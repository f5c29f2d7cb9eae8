/**
 * The figures the report is made of, apart from how it is laid out: the runs and their labels, which two are
 * compared, the price-performance rows and the verdict, and the number formats every section uses. Prices
 * come from model/pricing.ts, the module the stacks use.
 */
import * as path from "path";
import { Architecture } from "../model/architecture";
import { costPerMillionRequests, DEFAULT_PRICES, percentDifference, PriceTable, taskHourUsd } from "../model/pricing";
import { BenchResults, CapacityResult, CapacityStep, ScenarioResult, TargetRun, TasksSource } from "./results";
import { SERIES_COLOURS } from "./svg";

export interface LoadedResults {
    readonly file: string;
    readonly results: BenchResults;
}

/** A run as the report shows it: a unique label, its colour, and the results it came from. */
export interface ReportRun {
    readonly label: string;
    readonly colour: string;
    readonly run: TargetRun;
    readonly source: LoadedResults;
}

/** Which two runs are compared, and whether it is an architecture comparison. */
export interface Comparison {
    readonly candidate: ReportRun;
    readonly baseline: ReportRun;
    /** True when candidate is arm64 and baseline amd64. */
    readonly acrossArchitectures: boolean;
}

/** One row of the price-performance verdict. */
export interface PricePerformance {
    readonly label: string;
    readonly architecture: Architecture;
    readonly endpoint: string;
    readonly taskCpu: number;
    readonly taskMemory: number;
    readonly taskHourUsd: number;
    /** Highest arrival rate held by the whole service (all its tasks); null if none was held. */
    readonly capacityRps: number | null;
    /** capacityRps / tasksPerService. */
    readonly perTaskRps: number | null;
    /** True when the search did not find the knee (upper bound reached, or client-bound): the capacity is at least this. */
    readonly atLeast: boolean;
    /** "measured" (bisected to the knee), "bound" (reached the search's upper bound), or "client-bound at X/s". */
    readonly kind: string;
    /**
     * With --repeat >= 2: each repetition's capacity per task (`values`, ascending) and their min / median / max:
     * the run-to-run noise the verdict weighs the difference against.
     */
    readonly spread?: { readonly min: number; readonly median: number; readonly max: number; readonly n: number; readonly values: readonly number[] };
    /** The search's resolution: it bisects until held and failed rates are within this fraction. */
    readonly tolerance: number;
    /** Where the run was measured: its mode and where the load generator ran (the hints the report gives depend on both). */
    readonly setting: RunSetting;
    /** The processor model(s) the run's tasks read from /proc/cpuinfo (bench/processors.ts), when recorded; the verdict names them. */
    readonly processors?: readonly string[];
    readonly costPerMillionUsd: number | null;
    /**
     * A user's flow: rates above are flows/s; `requestsPerFlow` turns them into requests/s (cost per million
     * requests uses that), and the cost per million flows is the same task-hour over the flows.
     */
    readonly flow?: { readonly requestsPerFlow: number | null; readonly perTaskRequestsPerS: number | null; readonly costPerMillionFlowsUsd: number | null };
    /** Steps of this search taken on a busy machine (--local), of all its steps. */
    readonly busySteps?: { readonly busy: number; readonly of: number };
}

/** Where a run was measured: on this machine or on a stack, and where Artillery ran (bench --engine). */
export interface RunSetting {
    readonly mode: TargetRun["mode"];
    readonly engine: "local" | "fargate";
}

/**
 * The engine of a run: recorded in the results since the report conditions its hints on it; in older results a phased
 * search or the command line says --engine fargate. Local runs always use the local engine.
 */
export function runSetting(r: Pick<ReportRun, "run" | "source">): RunSetting {
    if (r.run.mode === "local") {
        return { mode: "local", engine: "local" };
    }
    const recorded = r.source.results.engine;
    const fargate = recorded ? recorded === "fargate" : r.run.capacity.some((c) => c.phased) || /--engine[= ]fargate/.test(r.source.results.command);
    return { mode: r.run.mode, engine: fargate ? "fargate" : "local" };
}

/** What to do about a client-bound search, for where it ran; nothing to advise on this machine. */
export function clientBoundAdvice(setting: RunSetting): string {
    if (setting.mode === "local") {
        return "";
    }
    return setting.engine === "fargate" ? "raise --count (more Artillery workers)" : "run the load from Fargate (--engine fargate --count <workers>)";
}

/** How the report names a capacity search's end. */
export function capacityKind(c: CapacityResult, setting: RunSetting): string {
    switch (c.stoppedBecause) {
        case "bisected":
        case "failed step":
            return "measured";
        case "reached maxRate":
            return `bound: held the upper bound ${c.maxRate}/s`;
        case "client-bound":
            return natBound(c)
                ? `client-bound at ${f1(c.clientBoundAtRps)}${c.flow ? " flows" : ""}/s (the NAT gateway between the Fargate workers and the load balancer ran out, not the server)`
                : `client-bound at ${f1(c.clientBoundAtRps)}${c.flow ? " flows" : ""}/s (the load generator's limit, not the server's${clientBoundAdvice(setting) ? `: ${clientBoundAdvice(setting)}` : ""})`;
        case "below minRate":
            return "no rate held";
    }
}

/** Whether the step that ended a client-bound search was limited by the NAT gateway (bench/nat-gateway.ts). */
export function natBound(c: CapacityResult): boolean {
    const last = c.steps[c.steps.length - 1];
    return c.stoppedBecause === "client-bound" && /NAT gateway/.test(last?.reason ?? "");
}

function spread(c: CapacityResult, tasks: number): PricePerformance["spread"] {
    // A repetition that held nothing counts as 0: it is part of the noise, not a missing figure.
    const values = (c.repeats ?? []).map((r) => (r.highestRateHeld ?? 0) / tasks).sort((a, b) => a - b);
    if (values.length < 2) {
        return undefined;
    }
    return { min: values[0], median: values[Math.floor((values.length - 1) / 2)], max: values[values.length - 1], n: values.length, values };
}

/** Flattens the runs of every file, giving each a unique label (file name added on a clash). */
export function collectRuns(loaded: readonly LoadedResults[]): ReportRun[] {
    const all = loaded.flatMap((source) => source.results.runs.map((run) => ({ run, source })));
    const counts = new Map<string, number>();
    for (const { run } of all) {
        counts.set(run.label, (counts.get(run.label) ?? 0) + 1);
    }
    return all.map(({ run, source }, i) => ({
        label: (counts.get(run.label) ?? 0) > 1 ? `${run.label} (${path.basename(source.file, ".json")})` : run.label,
        colour: SERIES_COLOURS[i % SERIES_COLOURS.length],
        run,
        source,
    }));
}

/** arm64 against amd64 when both are present; otherwise the second run against the first, if any. */
export function pickComparison(runs: readonly ReportRun[]): Comparison | null {
    const arm = runs.find((r) => r.run.architecture === "arm64");
    const amd = runs.find((r) => r.run.architecture === "amd64");
    if (arm && amd) {
        return { candidate: arm, baseline: amd, acrossArchitectures: true };
    }
    if (runs.length >= 2) {
        return { candidate: runs[1], baseline: runs[0], acrossArchitectures: false };
    }
    return null;
}

/**
 * Cost per task-hour, capacity and cost per million requests, per run and capacity target: at the run's stack's own
 * prices when it recorded them, else at `prices`.
 */
export function pricePerformance(runs: readonly ReportRun[], prices: PriceTable = DEFAULT_PRICES): PricePerformance[] {
    return runs.flatMap((r) =>
        r.run.capacity.map((c: CapacityResult): PricePerformance => {
            const hour = taskHourUsd(r.run.architecture, r.run.taskSize, r.run.prices ?? prices);
            const perTask = c.highestRateHeld === null ? null : c.highestRateHeld / r.run.tasksPerService;
            // A flow's capacity in requests: flows/s times the requests each flow sent at the rate held.
            const rpf = c.flow ? c.flow.requestsPerFlow : 1;
            const perTaskRequests = perTask === null || rpf === null ? null : perTask * rpf;
            const busy = c.steps.filter((s) => s.machine?.busy).length;
            return {
                label: r.label,
                architecture: r.run.architecture,
                endpoint: c.name,
                taskCpu: r.run.taskSize.cpu,
                taskMemory: r.run.taskSize.memory,
                taskHourUsd: hour,
                capacityRps: c.highestRateHeld,
                perTaskRps: perTask,
                atLeast: c.stoppedBecause === "reached maxRate" || c.stoppedBecause === "client-bound",
                kind: capacityKind(c, runSetting(r)),
                spread: spread(c, r.run.tasksPerService),
                tolerance: c.tolerance ?? 0.05,
                setting: runSetting(r),
                ...(r.run.processors && r.run.processors.tasks.length > 0 ? { processors: [...new Set(r.run.processors.tasks.map((t) => t.model))] } : {}),
                costPerMillionUsd: perTaskRequests === null || perTaskRequests <= 0 ? null : costPerMillionRequests(hour, perTaskRequests),
                ...(c.flow
                    ? { flow: { requestsPerFlow: rpf, perTaskRequestsPerS: perTaskRequests, costPerMillionFlowsUsd: perTask === null ? null : costPerMillionRequests(hour, perTask) } }
                    : {}),
                ...(c.steps.some((s) => s.machine) ? { busySteps: { busy, of: c.steps.length } } : {}),
            };
        }),
    );
}

/** How the report names where a run's tasks per service came from. */
export const TASKS_SOURCE_TEXT: Readonly<Record<TasksSource, string>> = {
    flag: "--tasks",
    desiredCount: "stack output desiredCount",
    default: "default: no --tasks, no desiredCount output",
    local: "one local process per service",
};

export const f1 = (n: number | null | undefined): string => (n === null || n === undefined ? "-" : n.toFixed(1));
export const int = (n: number): string => Math.round(n).toLocaleString("en-US");
export const usd = (n: number | null, digits = 4): string => (n === null ? "-" : `$${n.toFixed(digits)}`);
export const pct = (n: number): string => `${n > 0 ? "+" : ""}${n.toFixed(1)}%`;

export function statusText(counts: Readonly<Record<string, number>>): string {
    const entries = Object.entries(counts);
    return entries.length === 0 ? "-" : entries.map(([k, v]) => `${k}: ${int(v)}`).join(", ");
}

/** A fixed-rate test across the runs: each run's result for it, or undefined. */
export interface Endpoint {
    readonly id: string;
    readonly name: string;
    readonly byRun: readonly (ScenarioResult | undefined)[];
}

/** Endpoints in first-seen order, with each run's result for it (or undefined). */
export function endpoints(runs: readonly ReportRun[]): Endpoint[] {
    const ids: { id: string; name: string }[] = [];
    for (const r of runs) {
        for (const s of r.run.scenarios) {
            if (!ids.some((e) => e.id === s.id)) {
                ids.push({ id: s.id, name: s.name });
            }
        }
    }
    return ids.map((e) => ({ ...e, byRun: runs.map((r) => r.run.scenarios.find((s) => s.id === e.id)) }));
}


/** A rate as the report writes it: "78.0/s", or for a flow "12.0 flows/s (36.0 requests/s)". */
export function rateText(p: Pick<PricePerformance, "flow">, rate: number | null, requestsPerS: number | null): string {
    if (!p.flow) {
        return `${f1(rate)}/s`;
    }
    return `${f1(rate)} flows/s (${requestsPerS === null ? "requests unknown" : `${f1(requestsPerS)} requests/s`})`;
}

/** Why a capacity step was not held, in the words the charts' legend uses. */
export type StepOutcome = "held" | "latency" | "errors" | "admission 503s" | "client-bound" | "no responses";

export const STEP_OUTCOMES: readonly StepOutcome[] = ["held", "latency", "errors", "admission 503s", "client-bound", "no responses"];

/**
 * A step's outcome from its verdict (bench/capacity.ts judgeStep, or the NAT check): failed errors are "admission
 * 503s" when most of them are 503s, which is what the services' concurrency limiter answers when it is full
 * (services/README.md), else "errors".
 */
export function stepOutcome(s: CapacityStep): StepOutcome {
    if (s.held) {
        return "held";
    }
    const reason = s.reason ?? "";
    if (s.clientBound || reason.startsWith("client-bound")) {
        return "client-bound";
    }
    if (reason.startsWith("error rate")) {
        const served503 = s.summary.statusCounts["503"] ?? 0;
        return s.summary.failed > 0 && served503 * 2 >= s.summary.failed ? "admission 503s" : "errors";
    }
    if (reason === "no responses" || s.summary.latency === null) {
        return "no responses";
    }
    return "latency";
}

/** ", $0.0123 per million flows" for a flow, else nothing. */
function flowCost(p: PricePerformance): string {
    return p.flow && p.flow.costPerMillionFlowsUsd !== null ? ` (${usd(p.flow.costPerMillionFlowsUsd)} per million flows)` : "";
}

/** A note when some of a search's steps ran on a busy machine. */
function busyNote(p: PricePerformance): string {
    return p.busySteps && p.busySteps.busy > 0 ? ` (${p.label}: ${p.busySteps.busy} of ${p.busySteps.of} steps on a busy machine, see Capacity)` : "";
}

/** " (tasks on Graviton2)" when the results name the processors the run's tasks ran on. */
function processorNote(p: PricePerformance): string {
    return p.processors && p.processors.length > 0 ? ` (tasks on ${p.processors.join(", ")})` : "";
}

/** How a difference between two runs stands against the run-to-run noise measured in the same run. */
export type Noise = "beyond" | "within" | "unmeasured" | "bound";

/**
 * The rule the verdict uses (bench/README.md states it): a difference is larger than the noise when each side was
 * measured at least twice, every repetition of one side is above every repetition of the other (the ranges do not
 * overlap), and the medians differ by more than the search's resolution (it stops bisecting within `tolerance`).
 * A side that only bounds its capacity (upper bound reached, client-bound) can be judged only when it is the higher.
 */
export function judgeNoise(a: readonly number[], b: readonly number[], tolerance: number, bounded: { readonly a: boolean; readonly b: boolean }): Noise {
    if (a.length < 2 || b.length < 2) {
        return "unmeasured";
    }
    // A higher side that is only "at least" makes the difference larger still; a lower one could be anything above.
    const [hi, lo, loBound] = median(a) >= median(b) ? [a, b, bounded.b] : [b, a, bounded.a];
    if (loBound) {
        return "bound";
    }
    const apart = Math.min(...hi) > Math.max(...lo) && median(hi) > median(lo) * (1 + tolerance);
    return apart ? "beyond" : "within";
}

function median(v: readonly number[]): number {
    const sorted = [...v].sort((x, y) => x - y);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Each repetition's capacity per task, or the one figure when the search ran once. */
function perTaskValues(p: PricePerformance): number[] {
    return p.spread ? [...p.spread.values] : p.perTaskRps === null ? [] : [p.perTaskRps];
}

/**
 * Each repetition's requests per dollar (requests per second a task serves over its price per hour): the inverse of
 * the cost per million, so judging it judges the cost, and a capacity that is "at least" stays "at least".
 */
function perDollarValues(p: PricePerformance): number[] {
    const rpf = p.flow ? p.flow.requestsPerFlow : 1;
    return rpf === null ? [] : perTaskValues(p).map((v) => (v * rpf) / p.taskHourUsd);
}

/** "arm64 90.0-110.0/s per task over 2 repetitions", or "arm64 one repetition" */
function rangeText(p: PricePerformance): string {
    return p.spread ? `${p.label} ${f1(p.spread.min)}-${f1(p.spread.max)}${p.flow ? " flows" : ""}/s per task over ${p.spread.n} repetitions` : `${p.label} one repetition`;
}

/** The noise clause of a comparison's sentence, for capacity and cost judged alike. */
function noiseClause(c: PricePerformance, b: PricePerformance): string {
    const tolerance = Math.max(c.tolerance, b.tolerance);
    const bounded = { a: c.atLeast, b: b.atLeast };
    const capacity = judgeNoise(perTaskValues(c), perTaskValues(b), tolerance, bounded);
    const cost = judgeNoise(perDollarValues(c), perDollarValues(b), tolerance, bounded);
    const ranges = `${rangeText(c)}, ${rangeText(b)}`;
    if (capacity === "unmeasured" || cost === "unmeasured") {
        return `run-to-run noise was not measured (${ranges}; --repeat 2 or more measures it), so whether the difference is larger than the noise is unknown`;
    }
    if (capacity === "bound" || cost === "bound") {
        return `the lower side is a bound, not a measurement, so the difference cannot be weighed against the noise (${ranges})`;
    }
    if (capacity === cost) {
        return capacity === "beyond"
            ? `the difference is larger than the run-to-run noise measured in this run (${ranges})`
            : `the difference is within the run-to-run noise measured in this run (${ranges}), so on this evidence the two are alike`;
    }
    return capacity === "beyond"
        ? `the capacity difference is larger than the run-to-run noise (${ranges}) but, after the price difference, the cost difference is not`
        : `the capacity difference is within the run-to-run noise (${ranges}) but the cost difference is larger than it: the price difference decides`;
}

/** Why a side has no figure: nothing held, or requests per flow unknown. */
function noFigure(p: PricePerformance | undefined, label: string): string {
    if (!p) {
        return `${label} did not run this search`;
    }
    return p.capacityRps === null ? `no rate held on ${label}` : `the requests per flow on ${label} are unknown`;
}

/** One run's figures, as said when there is nothing to compare them with. */
function alone(p: PricePerformance): string {
    const held =
        p.capacityRps === null
            ? "no step held, so no capacity or cost"
            : `${p.atLeast ? "at least " : ""}${rateText(p, p.perTaskRps, p.flow?.perTaskRequestsPerS ?? null)} per task` +
              (p.costPerMillionUsd === null ? "" : `, ${p.atLeast ? "at most " : ""}${usd(p.costPerMillionUsd)} per million requests${flowCost(p)}`);
    const noise = p.spread
        ? `run-to-run noise ${f1(p.spread.min)}-${f1(p.spread.max)}/s per task over ${p.spread.n} repetitions`
        : "run-to-run noise not measured (one repetition; --repeat 2 or more measures it)";
    return `${held}${processorNote(p)}${busyNote(p)}; ${noise}`;
}

/**
 * The verdict: one sentence per capacity target (each built-in endpoint and each user flow or path): capacity per task
 * and cost per million requests on each side, the ratios, and whether the difference is larger than the run-to-run
 * noise measured in the same run. Never empty: a target without a figure says why.
 */
export function verdictSentences(pp: readonly PricePerformance[], comparison: Comparison | null, architectures: readonly string[]): string[] {
    const targets = [...new Set(pp.map((p) => p.endpoint))];
    if (!comparison) {
        return targets.map((endpoint) => {
            const p = pp.find((x) => x.endpoint === endpoint) as PricePerformance;
            const where = p.setting.mode === "local" ? `on ${p.label} (this machine, ${p.architecture}; cost as if a Fargate task of ${p.taskCpu}/${p.taskMemory})` : `on ${p.label} (${p.architecture})`;
            return `${endpoint} ${where}: ${alone(p)}; no cross-architecture ratio, as only ${architectures.join(", ")} was measured.`;
        });
    }
    const { candidate, baseline } = comparison;
    return targets.map((endpoint) => {
        const c = pp.find((p) => p.label === candidate.label && p.endpoint === endpoint);
        const b = pp.find((p) => p.label === baseline.label && p.endpoint === endpoint);
        if (!c || !b || c.costPerMillionUsd === null || b.costPerMillionUsd === null || c.perTaskRps === null || b.perTaskRps === null) {
            const missing = !c || c.costPerMillionUsd === null ? noFigure(c, candidate.label) : noFigure(b, baseline.label);
            const other = [c, b].find((x) => x && x.costPerMillionUsd !== null);
            return `${endpoint}: ${missing}, so no ${candidate.label}/${baseline.label} ratio` + (other ? `; ${other.label} held ${alone(other)}` : "") + ".";
        }
        const diff = percentDifference(c.costPerMillionUsd, b.costPerMillionUsd);
        const word = Math.abs(diff) < 0.05 ? "costs the same per million requests as" : diff < 0 ? `is ${Math.abs(diff).toFixed(1)}% cheaper per million requests than` : `is ${diff.toFixed(1)}% dearer per million requests than`;
        const bounds = [c, b].filter((x) => x.atLeast).map((x) => x.label);
        const bounded = bounds.length > 0 ? ` (${bounds.join(" and ")}: a bound, not a measurement, as the search stopped before the knee: capacity is at least this)` : "";
        return (
            `${endpoint}: ${candidate.label} ${word} ${baseline.label} (${c.atLeast ? "<= " : ""}${usd(c.costPerMillionUsd)}${flowCost(c)} against ${b.atLeast ? "<= " : ""}${usd(b.costPerMillionUsd)}${flowCost(b)}), ` +
            `holding ${c.atLeast ? ">= " : ""}${rateText(c, c.perTaskRps, c.flow?.perTaskRequestsPerS ?? null)} per task${processorNote(c)} against ${b.atLeast ? ">= " : ""}${rateText(b, b.perTaskRps, b.flow?.perTaskRequestsPerS ?? null)}${processorNote(b)} ` +
            `(capacity ratio ${(c.perTaskRps / b.perTaskRps).toFixed(2)}x, cost ratio ${(c.costPerMillionUsd / b.costPerMillionUsd).toFixed(2)}x)${bounded}; ${noiseClause(c, b)}${busyNote(c)}${busyNote(b)}.`
        );
    });
}

/** The heading line of the verdict: what is compared with what. */
export function verdictPrefix(comparison: Comparison | null, pp: readonly PricePerformance[]): string {
    if (!comparison) {
        return `Verdict: one run (${pp[0]?.label ?? "-"}), so no comparison.`;
    }
    return comparison.acrossArchitectures ? "Verdict (arm64 against amd64):" : `Verdict (${comparison.candidate.label} against ${comparison.baseline.label}, same architecture):`;
}
