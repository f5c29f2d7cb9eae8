/**
 * The figures the report is made of, apart from how it is laid out: the runs and their labels, which two are
 * compared, the price-performance rows and the verdict, and the number formats every section uses. Prices
 * come from infra/pricing.ts, the module the stacks use.
 */
import * as path from "path";
import { Architecture } from "../infra/architecture";
import { costPerMillionRequests, DEFAULT_PRICES, percentDifference, PriceTable, taskHourUsd } from "../infra/pricing";
import { BenchResults, CapacityResult, ScenarioResult, TargetRun, TasksSource } from "./results";
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
    /** With --repeat >= 3: min / median / max of each repetition's capacity per task. */
    readonly spread?: { readonly min: number; readonly median: number; readonly max: number; readonly n: number };
    readonly costPerMillionUsd: number | null;
    /**
     * A user's flow: rates above are flows/s; `requestsPerFlow` turns them into requests/s (cost per million
     * requests uses that), and the cost per million flows is the same task-hour over the flows.
     */
    readonly flow?: { readonly requestsPerFlow: number | null; readonly perTaskRequestsPerS: number | null; readonly costPerMillionFlowsUsd: number | null };
    /** Steps of this search taken on a busy machine (--local), of all its steps. */
    readonly busySteps?: { readonly busy: number; readonly of: number };
}

/** How the report names a capacity search's end. */
export function capacityKind(c: CapacityResult): string {
    switch (c.stoppedBecause) {
        case "bisected":
        case "failed step":
            return "measured";
        case "reached maxRate":
            return `bound: held the upper bound ${c.maxRate}/s`;
        case "client-bound":
            return natBound(c)
                ? `client-bound at ${f1(c.clientBoundAtRps)}${c.flow ? " flows" : ""}/s (the NAT gateway between the Fargate workers and the load balancer ran out, not the server)`
                : `client-bound at ${f1(c.clientBoundAtRps)}${c.flow ? " flows" : ""}/s (the load generator's limit, not the server's: add --count on Fargate)`;
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
    const values = (c.repeats ?? []).map((r) => r.highestRateHeld).filter((v): v is number => v !== null).map((v) => v / tasks).sort((a, b) => a - b);
    if (values.length < 3) {
        return undefined;
    }
    return { min: values[0], median: values[Math.floor((values.length - 1) / 2)], max: values[values.length - 1], n: values.length };
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

/** Cost per task-hour, capacity and cost per million requests, per run and capacity target. */
export function pricePerformance(runs: readonly ReportRun[], prices: PriceTable = DEFAULT_PRICES): PricePerformance[] {
    return runs.flatMap((r) =>
        r.run.capacity.map((c: CapacityResult) => {
            const hour = taskHourUsd(r.run.architecture, r.run.taskSize, prices);
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
                kind: capacityKind(c),
                spread: spread(c, r.run.tasksPerService),
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

/** ", $0.0123 per million flows" for a flow, else nothing. */
function flowCost(p: PricePerformance): string {
    return p.flow && p.flow.costPerMillionFlowsUsd !== null ? ` (${usd(p.flow.costPerMillionFlowsUsd)} per million flows)` : "";
}

/** A note when some of a search's steps ran on a busy machine. */
function busyNote(p: PricePerformance): string {
    return p.busySteps && p.busySteps.busy > 0 ? ` (${p.label}: ${p.busySteps.busy} of ${p.busySteps.of} steps on a busy machine, see Capacity)` : "";
}

/** The verdict sentence(s): per endpoint, how the candidate's cost per million compares to the baseline's. */
export function verdict(pp: readonly PricePerformance[], comparison: Comparison | null): string {
    if (!comparison) {
        const each = pp.map(
            (p) =>
                `${p.endpoint}: ${p.capacityRps === null ? "no step held" : `${p.atLeast ? "at least " : ""}${p.flow ? rateText(p, p.capacityRps, p.flow.requestsPerFlow !== null ? p.capacityRps * p.flow.requestsPerFlow : null) : `${p.capacityRps}/s`} held`}` +
                (p.costPerMillionUsd === null ? "" : `, ${p.atLeast ? "at most " : ""}${usd(p.costPerMillionUsd)} per million requests${flowCost(p)} on ${p.architecture}`) +
                busyNote(p) +
                ".",
        );
        return `Verdict: one run (${pp[0]?.label ?? "-"}), so no comparison. ${each.join(" ")}`;
    }
    const { candidate, baseline } = comparison;
    const sentences: string[] = [];
    for (const endpoint of [...new Set(pp.map((p) => p.endpoint))]) {
        const c = pp.find((p) => p.label === candidate.label && p.endpoint === endpoint);
        const b = pp.find((p) => p.label === baseline.label && p.endpoint === endpoint);
        if (!c || !b || c.costPerMillionUsd === null || b.costPerMillionUsd === null) {
            sentences.push(`${endpoint}: no capacity held on ${!c || c.costPerMillionUsd === null ? candidate.label : baseline.label}, so no comparison.`);
            continue;
        }
        const diff = percentDifference(c.costPerMillionUsd, b.costPerMillionUsd);
        const bounded = c.atLeast || b.atLeast ? " (at least one side reached the search's upper bound, so this is a bound, not a measurement)" : "";
        const word = Math.abs(diff) < 0.05 ? "the same cost as" : diff < 0 ? `${Math.abs(diff).toFixed(1)}% cheaper than` : `${diff.toFixed(1)}% dearer than`;
        sentences.push(
            `${endpoint}: ${candidate.label} costs ${usd(c.costPerMillionUsd)} per million requests${flowCost(c)} at ${rateText(c, c.perTaskRps, c.flow?.perTaskRequestsPerS ?? null)} per task, ` +
                `${word} ${baseline.label} at ${usd(b.costPerMillionUsd)}${flowCost(b)} (${rateText(b, b.perTaskRps, b.flow?.perTaskRequestsPerS ?? null)} per task)${bounded}${busyNote(c)}${busyNote(b)}.`,
        );
    }
    const prefix = comparison.acrossArchitectures ? "Verdict (arm64 against amd64): " : `Verdict (${candidate.label} against ${baseline.label}, same architecture): `;
    return prefix + sentences.join(" ");
}
