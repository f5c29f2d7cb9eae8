/**
 * Builds the report, Markdown and a self-contained HTML page, from one or more results files.
 * Every figure comes from the results; prices come from infra/pricing.ts, the module the stacks use.
 */
import * as path from "path";
import { Architecture } from "../infra/architecture";
import { costPerMillionRequests, DEFAULT_PRICES, percentDifference, PriceTable, taskHourUsd } from "../infra/pricing";
import { BenchResults, CapacityResult, ScenarioResult, TargetRun, TasksSource, writeFileAtomic } from "./results";
import { FIXED_SCENARIOS } from "./scenarios";
import { escapeXml, lineChart, Series, SERIES_COLOURS } from "./svg";

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
}

/** How the report names a capacity search's end. */
function capacityKind(c: CapacityResult): string {
    switch (c.stoppedBecause) {
        case "bisected":
        case "failed step":
            return "measured";
        case "reached maxRate":
            return `bound: held the upper bound ${c.maxRate}/s`;
        case "client-bound":
            return `client-bound at ${f1(c.clientBoundAtRps)}/s (the load generator's limit, not the server's: add --count on Fargate)`;
        case "below minRate":
            return "no rate held";
    }
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
                costPerMillionUsd: perTask === null ? null : costPerMillionRequests(hour, perTask),
            };
        }),
    );
}

/** How the report names where a run's tasks per service came from. */
const TASKS_SOURCE_TEXT: Readonly<Record<TasksSource, string>> = {
    flag: "--tasks",
    desiredCount: "stack output desiredCount",
    default: "default: no --tasks, no desiredCount output",
    local: "one local process per service",
};

const f1 = (n: number | null | undefined): string => (n === null || n === undefined ? "-" : n.toFixed(1));
const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const usd = (n: number | null, digits = 4): string => (n === null ? "-" : `$${n.toFixed(digits)}`);
const pct = (n: number): string => `${n > 0 ? "+" : ""}${n.toFixed(1)}%`;

function statusText(counts: Readonly<Record<string, number>>): string {
    const entries = Object.entries(counts);
    return entries.length === 0 ? "-" : entries.map(([k, v]) => `${k}: ${int(v)}`).join(", ");
}

/** Endpoints in first-seen order, with each run's result for it (or undefined). */
function endpoints(runs: readonly ReportRun[]): { id: string; name: string; byRun: (ScenarioResult | undefined)[] }[] {
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

/** The report as data both renderers share: sections of headings, paragraphs, tables and charts. */
type Block =
    | { kind: "h2" | "h3" | "p"; text: string }
    | { kind: "table"; head: string[]; rows: string[][] }
    | { kind: "chart"; svg: string; caption: string };

function buildBlocks(loaded: readonly LoadedResults[], prices: PriceTable): { title: string; blocks: Block[] } {
    const runs = collectRuns(loaded);
    const comparison = pickComparison(runs);
    const blocks: Block[] = [];
    const archs = [...new Set(runs.map((r) => r.run.architecture))];
    const title =
        archs.length > 1 ? `ARM64 vs AMD64 benchmark: ${runs.map((r) => r.label).join(" vs ")}` : `Benchmark: ${runs.map((r) => r.label).join(", ")}`;

    // --- The answer first, the evidence after.
    const pp = pricePerformance(runs, prices);
    blocks.push({ kind: "h2", text: "Verdict" });
    blocks.push({
        kind: "p",
        text: pp.length === 0 ? "No capacity was measured (the capacity scenario was not run), so there is no price-performance verdict." : verdict(pp, comparison),
    });
    if (pp.length > 0) {
        blocks.push(capacityHeadline(pp, comparison));
    }

    // --- What was run, where.
    blocks.push({ kind: "h2", text: "What was measured" });
    blocks.push({
        kind: "table",
        head: ["results file", "command", "scale", "started", "load generator"],
        rows: loaded.map((l) => [
            path.basename(l.file),
            l.results.command,
            String(l.results.scale),
            l.results.startedAt,
            `${l.results.machine.hostname}: ${l.results.machine.cores} cores, ${l.results.machine.cpuModel}, ${l.results.machine.memoryGiB} GiB, node ${l.results.machine.node}`,
        ]),
    });
    blocks.push({
        kind: "table",
        head: ["run", "mode", "architecture", "server CPU model", "task size", "tasks per service", "stack's monthly estimate", "URLs"],
        rows: runs.map((r) => [
            r.label,
            r.run.mode,
            r.run.architecture,
            r.run.serverCpuModel,
            `${r.run.taskSize.cpu} CPU units / ${r.run.taskSize.memory} MiB${r.run.mode === "local" ? " (assumed for cost; not a Fargate task)" : ""}`,
            `${r.run.tasksPerService}${r.run.tasksSource ? ` (${TASKS_SOURCE_TEXT[r.run.tasksSource]})` : ""}`,
            r.run.estimatedMonthlyCostUsd && typeof r.run.estimatedMonthlyCostUsd.total === "number"
                ? `$${r.run.estimatedMonthlyCostUsd.total.toFixed(2)} (stack output)`
                : "-",
            Object.entries(r.run.urls).map(([k, v]) => `${k} ${v}`).join(", "),
        ]),
    });
    if (archs.length === 1) {
        blocks.push({
            kind: "p",
            text:
                `Only one architecture was measured (${archs[0]}), so this report makes no ARM64-vs-AMD64 comparison. ` +
                "To compare, benchmark both stacks in one run (`npm run bench -- --stacks arm64,amd64`) or rebuild the report from an " +
                "arm64 and an amd64 results file (`npm run bench:report -- arm64.json amd64.json`).",
        });
    }
    if (runs.some((r) => r.run.mode === "local")) {
        const m = loaded[0].results.machine;
        blocks.push({
            kind: "p",
            text:
                `Local runs: the load generator and the services shared one machine (${m.cores} cores, ${m.cpuModel}); ` +
                "they compete for CPU, so the figures say how this build behaves here, not how a Fargate task would.",
        });
    }
    if (loaded.some((l) => l.results.scale !== 1)) {
        blocks.push({
            kind: "p",
            text: "Durations were scaled (see `scale` above): arrival rates are the scenario files' (the seed's, for its tests), test lengths are shorter, so tails are less stable than in full runs.",
        });
    }

    // --- Seed-style side-by-side: the seed's four tests only; any other fixed-rate test (the profiling
    // scenarios) gets a table of its own, with its failures, since those are part of what it shows.
    const eps = endpoints(runs);
    const isSeed = (id: string) => (FIXED_SCENARIOS as readonly string[]).includes(id);
    const sideBySide = (list: typeof eps, withFailed: boolean): Block => {
        const head = ["test", "duration", "rate", "requests", ...(withFailed ? ["failed"] : []), ...runs.map((r) => `${r.label} mean / p95 / p99 ms`)];
        if (comparison) {
            head.push(`${comparison.candidate.label} vs ${comparison.baseline.label}, mean / p99`);
        }
        return {
            kind: "table",
            head,
            rows: list.map((e) => {
                const first = e.byRun.find((s) => s !== undefined) as ScenarioResult;
                const row = [
                    e.name,
                    `${first.durationS} s`,
                    `${first.arrivalRate}/s`,
                    e.byRun.map((s) => (s ? int(s.summary.requests) : "-")).join(" / "),
                    ...(withFailed ? [e.byRun.map((s) => (s ? int(s.summary.failed) : "-")).join(" / ")] : []),
                    ...e.byRun.map((s) => (s?.summary.latency ? `${f1(s.summary.latency.mean)} / ${f1(s.summary.latency.p95)} / ${f1(s.summary.latency.p99)}` : "-")),
                ];
                if (comparison) {
                    const c = comparison.candidate.run.scenarios.find((s) => s.id === e.id)?.summary.latency;
                    const b = comparison.baseline.run.scenarios.find((s) => s.id === e.id)?.summary.latency;
                    row.push(c && b && b.mean > 0 && b.p99 > 0 ? `${pct(percentDifference(c.mean, b.mean))} / ${pct(percentDifference(c.p99, b.p99))}` : "-");
                }
                return row;
            }),
        };
    };
    const seedEps = eps.filter((e) => isSeed(e.id));
    const otherEps = eps.filter((e) => !isSeed(e.id));
    blocks.push({ kind: "h2", text: "Side by side (the seed's table)" });
    blocks.push(seedEps.length > 0 ? sideBySide(seedEps, false) : { kind: "p", text: "None of the seed's four tests was run." });
    if (otherEps.length > 0) {
        blocks.push({ kind: "h2", text: "Side by side: other fixed-rate tests (not in the seed)" });
        blocks.push({
            kind: "p",
            text:
                "Tests outside the seed's four, such as the Profiling API's diagnosis scenarios (`--scenarios profiling`): they make a service " +
                "misbehave on purpose for dotnet-monitor, so their latencies describe that load, not the service's speed. Requests and failed " +
                "are per run, in the order of the columns.",
        });
        blocks.push(sideBySide(otherEps, true));
    }

    // --- Per endpoint detail and distribution.
    blocks.push({ kind: "h2", text: "Per endpoint" });
    for (const e of eps) {
        blocks.push({ kind: "h3", text: e.name });
        const metric = (name: string, get: (s: ScenarioResult) => string) => [name, ...e.byRun.map((s) => (s ? get(s) : "-"))];
        blocks.push({
            kind: "table",
            head: ["", ...runs.map((r) => r.label)],
            rows: [
                metric("requests", (s) => int(s.summary.requests)),
                metric("responses by status", (s) => statusText(s.summary.statusCounts)),
                metric("errors", (s) => (s.summary.failed === 0 ? "0" : `${int(s.summary.failed)} (${statusText(s.summary.errors)})`)),
                metric("bytes", (s) => int(s.summary.bytes)),
                metric("bytes per response", (s) => (s.summary.responses ? int(s.summary.bytes / s.summary.responses) : "-")),
                metric("min ms", (s) => f1(s.summary.latency?.min)),
                metric("mean ms", (s) => f1(s.summary.latency?.mean)),
                metric("median ms", (s) => f1(s.summary.latency?.median)),
                metric("p95 ms", (s) => f1(s.summary.latency?.p95)),
                metric("p99 ms", (s) => f1(s.summary.latency?.p99)),
                metric("max ms", (s) => f1(s.summary.latency?.max)),
                metric("offered rate /s", (s) => f1(s.summary.offeredRps)),
                metric("achieved rate /s", (s) => f1(s.summary.achievedRps)),
                metric("load generator (Artillery) CPU, % of one core", (s) => f1(s.clientCpuPercent)),
                metric("client-bound", (s) => (s.clientBound ? "yes: Artillery sent fewer than the rate asked" : "no")),
            ],
        });
        e.byRun.forEach((s, i) => {
            if (s?.after && s.after.length > 0) {
                const answers = s.after.map((a) => `${a.method} ${a.url}: ${a.error ?? a.status ?? "no answer"}${a.body.trim() ? ` ${a.body.trim().slice(0, 120)}` : ""}`);
                blocks.push({ kind: "p", text: `After the test on ${runs[i].label}: ${answers.join("; ")}.` });
            }
        });
        // Artillery's quantiles (min, p50 ... p99.9, max), x axis cut at the largest p99.9 so one timeout does not flatten the curves.
        const withData = e.byRun.map((s, i) => ({ s, r: runs[i] })).filter((x) => x.s && x.s.quantilesMs.length > 0);
        const p999 = (q: readonly { p: number; ms: number }[]) => q.find((x) => x.p === 99.9)?.ms ?? q[q.length - 1].ms;
        const cut = Math.max(...withData.map((x) => p999(x.s?.quantilesMs ?? [{ p: 100, ms: 0 }])), 0);
        const series: Series[] = withData.map(({ s, r }) => ({
            name: r.label,
            colour: r.colour,
            points: (s?.quantilesMs ?? []).filter((q) => q.ms <= cut).map((q) => [q.ms, q.p] as [number, number]),
        }));
        blocks.push({
            kind: "chart",
            caption: `Latency distribution of ${e.name} (share of responses at or below each latency, at Artillery's quantiles: min, p50, p75, p90, p95, p99, p99.9; x axis cut at the highest p99.9, ${f1(cut)} ms).`,
            svg: lineChart({
                id: `cdf-${e.id}`,
                title: `${e.name}: latency distribution`,
                xLabel: "latency (ms)",
                yLabel: "% of responses",
                series,
                xFromZero: false,
            }),
        });
        blocks.push({
            kind: "chart",
            caption: `p99 latency in each of Artillery's 10 s reporting periods of ${e.name}.`,
            svg: lineChart({
                id: `p99-${e.id}`,
                title: `${e.name}: p99 per period`,
                xLabel: "seconds into the test",
                yLabel: "p99 (ms)",
                series: e.byRun
                    .map((s, i) => ({ s, r: runs[i] }))
                    .filter((x) => x.s)
                    .map(({ s, r }) => ({
                        name: r.label,
                        colour: r.colour,
                        points: (s?.perPeriod ?? []).filter((b) => b.p99 !== null).map((b) => [b.startS, b.p99 as number] as [number, number]),
                    })),
            }),
        });
    }

    // --- Utilisation.
    blocks.push({ kind: "h2", text: "CPU and memory during the test" });
    const utilRows: string[][] = [];
    for (const r of runs) {
        for (const u of r.run.utilisation) {
            const cpu = u.points.map((p) => p.cpuPercent).filter((v): v is number => v !== null);
            const mem = u.points.map((p) => p.memoryMiB).filter((v): v is number => v !== null);
            const stats = (v: number[]) => (v.length ? `${f1(Math.min(...v))} / ${f1(v.reduce((a, b) => a + b, 0) / v.length)} / ${f1(Math.max(...v))}` : "-");
            utilRows.push([r.label, u.service, u.measured ? u.source : "not measured", stats(cpu), stats(mem), u.note ?? ""]);
        }
    }
    if (utilRows.length === 0) {
        blocks.push({ kind: "p", text: "Not measured: no utilisation was recorded in these results." });
    } else {
        blocks.push({ kind: "table", head: ["run", "service", "source", "CPU % min / mean / max", "memory MiB min / mean / max", "note"], rows: utilRows });
    }
    for (const kind of ["cpu", "memory"] as const) {
        const series: Series[] = runs.flatMap((r, ri) =>
            r.run.utilisation
                .filter((u) => u.measured)
                .map((u, ui) => ({
                    name: `${r.label} ${u.service}`,
                    colour: SERIES_COLOURS[(ri * 3 + ui) % SERIES_COLOURS.length],
                    points: u.points
                        .map((p) => [p.t, kind === "cpu" ? p.cpuPercent : p.memoryMiB] as const)
                        .filter((p): p is readonly [number, number] => p[1] !== null),
                })),
        );
        if (series.some((s) => s.points.length > 0)) {
            blocks.push({
                kind: "chart",
                caption: kind === "cpu" ? "CPU over the run (local: percent of one core; ECS: percent of the task's reserved CPU)." : "Memory over the run (MiB).",
                svg: lineChart({
                    id: `util-${kind}`,
                    title: kind === "cpu" ? "CPU utilisation" : "Memory",
                    xLabel: "seconds into the run",
                    yLabel: kind === "cpu" ? "CPU %" : "MiB",
                    series,
                }),
            });
        }
    }

    // --- Capacity.
    blocks.push({ kind: "h2", text: "Capacity" });
    const capNames = [...new Set(runs.flatMap((r) => r.run.capacity.map((c) => c.name)))];
    if (capNames.length === 0) {
        blocks.push({ kind: "p", text: "The capacity scenario was not run, so no capacity was measured." });
    }
    for (const name of capNames) {
        blocks.push({ kind: "h3", text: name });
        const rows: string[][] = [];
        const series: Series[] = [];
        let target = 0;
        for (const r of runs) {
            const c = r.run.capacity.find((x) => x.name === name);
            if (!c) {
                continue;
            }
            target = c.p99TargetMs;
            for (const s of c.steps) {
                rows.push([
                    r.label,
                    `${s.rate}/s`,
                    f1(s.summary.achievedRps),
                    f1(s.summary.latency?.p99),
                    `${(s.summary.errorRate * 100).toFixed(2)}%`,
                    s.held ? "held" : `not held: ${s.reason ?? ""}`,
                    s.clientCpuPercent === undefined || s.clientCpuPercent === null ? "-" : f1(s.clientCpuPercent),
                ]);
            }
            series.push({
                name: r.label,
                colour: r.colour,
                points: c.steps.filter((s) => s.summary.latency).map((s) => [s.rate, s.summary.latency?.p99 ?? 0] as [number, number]),
            });
            blocks.push({
                kind: "p",
                text:
                    `${r.label}: highest rate held ${c.highestRateHeld === null ? "none (the first step failed)" : `${c.highestRateHeld}/s`}` +
                    (c.stoppedBecause === "reached maxRate" ? ` (the search reached its upper bound ${c.maxRate}/s: capacity is at least this)` : "") +
                    (c.stoppedBecause === "client-bound"
                        ? ` (client-bound at ${f1(c.clientBoundAtRps)}/s: the load generator could not send more, so the server's capacity is above this and unmeasured; on AWS, raise --count)`
                        : "") +
                    (c.stoppedBecause === "bisected" ? ` (measured: the next rate tried failed, within ${((c.tolerance ?? 0.05) * 100).toFixed(0)}%)` : "") +
                    `; steps of ${c.stepDurationS} s, p99 target ${c.p99TargetMs} ms, max error rate ${(c.maxErrorRate * 100).toFixed(1)}%` +
                    (c.warmup
                        ? `; warmed at ${c.warmup.rate}/s for ${c.warmup.seconds} s first (${c.warmup.steady ? "steady" : "still changing when the warm-up limit was reached"})`
                        : "") +
                    (c.phased
                        ? `; the steps ran as phases of ${c.phased.runs} Artillery run(s), each phase judged from the whole 10 s periods inside it (${c.phased.slackS} s off each end)`
                        : "") +
                    ".",
            });
        }
        blocks.push({ kind: "table", head: ["run", "arrival rate", "achieved /s", "p99 ms", "errors", "verdict", "load generator CPU %"], rows });
        const shortest = Math.min(...runs.flatMap((r) => r.run.capacity.filter((x) => x.name === name).map((x) => x.stepDurationS)));
        if (shortest < 10) {
            blocks.push({
                kind: "p",
                text:
                    `Steps of ${shortest} s are short: a queue that grows slowly past capacity has little time to show in p99, ` +
                    "so short steps overstate capacity. Use the full durations (no --scale) for figures to act on.",
            });
        }
        blocks.push({
            kind: "chart",
            caption: `p99 latency at each arrival rate; dashed: the p99 target.`,
            svg: lineChart({
                id: `capacity-${name.replace(/[^a-z0-9]+/gi, "-")}`,
                title: `${name}: p99 by arrival rate`,
                xLabel: "arrival rate (requests/s)",
                yLabel: "p99 (ms)",
                series,
                hLines: [{ y: target, label: `target ${target} ms` }],
            }),
        });
    }

    // --- Price-performance verdict.
    blocks.push({ kind: "h2", text: "Price-performance verdict" });
    if (pp.length === 0) {
        blocks.push({ kind: "p", text: "No capacity was measured, so there is no cost per million requests: run the capacity scenario." });
    } else {
        blocks.push({
            kind: "table",
            head: ["run", "architecture", "endpoint", "task", "cost per task-hour", "capacity held", "per task", "cost per million requests"],
            rows: pp.map((p) => [
                p.label,
                p.architecture,
                p.endpoint,
                `${p.taskCpu}/${p.taskMemory}`,
                usd(p.taskHourUsd, 5),
                p.capacityRps === null ? "none" : `${p.atLeast ? ">= " : ""}${p.capacityRps}/s`,
                p.perTaskRps === null ? "-" : `${p.atLeast ? ">= " : ""}${f1(p.perTaskRps)}/s`,
                p.costPerMillionUsd === null ? "-" : `${p.atLeast ? "<= " : ""}${usd(p.costPerMillionUsd)}`,
            ]),
        });
        blocks.push({
            kind: "p",
            text:
                "Cost per task-hour is Fargate on-demand list price (infra/pricing.ts) for the task size; cost per million requests is " +
                "that price divided by the requests one task serves in an hour at the capacity held. Load balancer, NAT and data charges are not included.",
        });
        if (runs.some((r) => r.run.mode === "local")) {
            blocks.push({
                kind: "p",
                text: "For local runs the capacity is this machine's, priced as if a Fargate task of the default size had it: an illustration of the method, not a Fargate figure.",
            });
        }
        blocks.push({ kind: "p", text: verdict(pp, comparison) });
    }
    return { title, blocks };
}

/** Per architecture and endpoint: capacity per task at the p99 target, what kind of figure it is, cost per million, the ratio. */
function capacityHeadline(pp: readonly PricePerformance[], comparison: Comparison | null): Block {
    const ratio = (p: PricePerformance): string => {
        if (!comparison || p.label !== comparison.candidate.label) {
            return "";
        }
        const b = pp.find((x) => x.label === comparison.baseline.label && x.endpoint === p.endpoint);
        return b?.perTaskRps && p.perTaskRps ? `${(p.perTaskRps / b.perTaskRps).toFixed(2)}x ${comparison.baseline.label}` : "";
    };
    return {
        kind: "table",
        head: ["run", "architecture", "endpoint", "capacity per task at the p99 target", "figure", "spread (min / median / max)", "cost per million requests", "ratio"],
        rows: pp.map((p) => [
            p.label,
            p.architecture,
            p.endpoint,
            p.perTaskRps === null ? "none" : `${p.atLeast ? ">= " : ""}${f1(p.perTaskRps)}/s`,
            p.kind,
            p.spread ? `${f1(p.spread.min)} / ${f1(p.spread.median)} / ${f1(p.spread.max)} (${p.spread.n} runs)` : "one run",
            p.costPerMillionUsd === null ? "-" : `${p.atLeast ? "<= " : ""}${usd(p.costPerMillionUsd)}`,
            ratio(p),
        ]),
    };
}

/** The verdict sentence(s): per endpoint, how the candidate's cost per million compares to the baseline's. */
export function verdict(pp: readonly PricePerformance[], comparison: Comparison | null): string {
    if (!comparison) {
        const each = pp.map(
            (p) =>
                `${p.endpoint}: ${p.capacityRps === null ? "no step held" : `${p.atLeast ? "at least " : ""}${p.capacityRps}/s held`}` +
                (p.costPerMillionUsd === null ? "" : `, ${p.atLeast ? "at most " : ""}${usd(p.costPerMillionUsd)} per million requests on ${p.architecture}`) +
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
            `${endpoint}: ${candidate.label} costs ${usd(c.costPerMillionUsd)} per million requests at ${f1(c.perTaskRps)}/s per task, ` +
                `${word} ${baseline.label} at ${usd(b.costPerMillionUsd)} (${f1(b.perTaskRps)}/s per task)${bounded}.`,
        );
    }
    const prefix = comparison.acrossArchitectures ? "Verdict (arm64 against amd64): " : `Verdict (${candidate.label} against ${baseline.label}, same architecture): `;
    return prefix + sentences.join(" ");
}

/** Markdown escaping for table cells. */
function mdCell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function renderMarkdown(loaded: readonly LoadedResults[], prices: PriceTable = DEFAULT_PRICES): string {
    const { title, blocks } = buildBlocks(loaded, prices);
    const out: string[] = [`# ${title}`, "", "Charts are in the HTML report beside this file.", ""];
    for (const b of blocks) {
        switch (b.kind) {
            case "h2":
                out.push(`## ${b.text}`, "");
                break;
            case "h3":
                out.push(`### ${b.text}`, "");
                break;
            case "p":
                out.push(b.text, "");
                break;
            case "table":
                out.push(`| ${b.head.map(mdCell).join(" | ")} |`, `|${b.head.map(() => "---").join("|")}|`);
                for (const row of b.rows) {
                    out.push(`| ${row.map(mdCell).join(" | ")} |`);
                }
                out.push("");
                break;
            case "chart":
                out.push(`_Chart in the HTML report: ${b.caption}_`, "");
                break;
        }
    }
    return out.join("\n");
}

/** Inline code spans in paragraphs (`x`) become <code>; everything else is escaped. */
function htmlText(text: string): string {
    return escapeXml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

export function renderHtml(loaded: readonly LoadedResults[], prices: PriceTable = DEFAULT_PRICES): string {
    const { title, blocks } = buildBlocks(loaded, prices);
    const body: string[] = [];
    for (const b of blocks) {
        switch (b.kind) {
            case "h2":
            case "h3":
                body.push(`<${b.kind}>${htmlText(b.text)}</${b.kind}>`);
                break;
            case "p":
                body.push(`<p>${htmlText(b.text)}</p>`);
                break;
            case "table":
                body.push(
                    `<table><thead><tr>${b.head.map((h) => `<th>${htmlText(h)}</th>`).join("")}</tr></thead><tbody>` +
                        b.rows.map((r) => `<tr>${r.map((c) => `<td>${htmlText(c)}</td>`).join("")}</tr>`).join("") +
                        `</tbody></table>`,
                );
                break;
            case "chart":
                body.push(`<figure>${b.svg}<figcaption>${htmlText(b.caption)}</figcaption></figure>`);
                break;
        }
    }
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; max-width: 1340px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
figure { display: inline-block; vertical-align: top; margin: 8px 16px 20px 0; max-width: 640px; }
figcaption { font-size: 12px; color: #555; }
code { background: #f3f3f3; padding: 0 3px; }
</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
${body.join("\n")}
</body>
</html>
`;
}

/** Writes `<base>.md` and `<base>.html` atomically; returns their paths. */
export function writeReports(loaded: readonly LoadedResults[], base: string, prices: PriceTable = DEFAULT_PRICES): { markdown: string; html: string } {
    // Render both before writing either, so a rendering error leaves no report behind.
    const markdown = renderMarkdown(loaded, prices);
    const html = renderHtml(loaded, prices);
    const md = `${base}.md`;
    const page = `${base}.html`;
    writeFileAtomic(md, markdown);
    writeFileAtomic(page, html);
    return { markdown: md, html: page };
}
