/**
 * The report as data, built once from the results and rendered as Markdown and as HTML (bench/report.ts):
 * a title and sections, each a heading and blocks (paragraphs, sub-headings, tables, charts). One function
 * per section; each reads the shared context and returns its section, or null when it has nothing to show.
 */
import * as path from "path";
import { DEFAULT_PRICES, isOwnPriceTable, percentDifference, PriceTable } from "../model/pricing";
import { taskSizeFlag } from "../model/task-sizes";
import {
    collectRuns,
    Comparison,
    Endpoint,
    endpoints,
    f1,
    int,
    natBound,
    rateText,
    LoadedResults,
    pct,
    pickComparison,
    pricePerformance,
    PricePerformance,
    ReportRun,
    clientBoundAdvice,
    runSetting,
    statusText,
    stepOutcome,
    TASKS_SOURCE_TEXT,
    usd,
    verdictPrefix,
    verdictSentences,
} from "./report-figures";
import { CapacityResult, ScenarioResult } from "./results";
import { FIXED_SCENARIOS, PROFILING_SCENARIOS } from "./scenarios";
import { lineChart, MarkerKind, Series, SERIES_COLOURS } from "./svg";
import { LOAD_MARGIN, STEAL_BUSY_PERCENT } from "./machine-noise";
import { processorsSection } from "./report-processors";
import { taskSizeSection } from "./report-task-size";

/** One piece of a section. */
export type Block =
    | { readonly kind: "h3" | "p"; readonly text: string; /** A verdict sentence: the HTML marks it so it can be found. */ readonly verdict?: boolean }
    | { readonly kind: "table"; readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] }
    | { readonly kind: "chart"; readonly svg: string; readonly caption: string };

export interface ReportSection {
    /** The section's heading. */
    readonly heading: string;
    readonly blocks: readonly Block[];
}

export interface ReportModel {
    readonly title: string;
    readonly sections: readonly ReportSection[];
}

/** What every section reads, worked out once. */
export interface ReportContext {
    readonly loaded: readonly LoadedResults[];
    readonly runs: readonly ReportRun[];
    readonly comparison: Comparison | null;
    readonly pp: readonly PricePerformance[];
    readonly architectures: readonly string[];
    readonly endpoints: readonly Endpoint[];
    /** The prices the cost figures use. */
    readonly prices: PriceTable;
}

/** The sections in the order the report shows them: the answer first, the evidence after. */
const SECTIONS: readonly ((c: ReportContext) => ReportSection | null)[] = [
    verdictSection,
    measuredSection,
    processorsSection,
    seedSideBySideSection,
    otherSideBySideSection,
    perEndpointSection,
    utilisationSection,
    capacitySection,
    pricePerformanceSection,
    taskSizeSection,
];

/** Builds the whole report once; both renderers take this. */
export function buildReport(loaded: readonly LoadedResults[], prices: PriceTable = DEFAULT_PRICES): ReportModel {
    const runs = collectRuns(loaded);
    const architectures = [...new Set(runs.map((r) => r.run.architecture))];
    const context: ReportContext = {
        loaded,
        runs,
        comparison: pickComparison(runs),
        pp: pricePerformance(runs, prices),
        architectures,
        endpoints: endpoints(runs),
        prices,
    };
    const labels = runs.map((r) => r.label);
    return {
        title: architectures.length > 1 ? `ARM64 vs AMD64 benchmark: ${labels.join(" vs ")}` : `Benchmark: ${labels.join(", ")}`,
        sections: SECTIONS.map((section) => section(context)).filter((s): s is ReportSection => s !== null),
    };
}

const p = (text: string): Block => ({ kind: "p", text });
const verdictP = (text: string): Block => ({ kind: "p", text, verdict: true });

/** What to run for a capacity figure: ours by scenario, a user's service by its flow or a path. */
const HOW_TO_MEASURE =
    "For your own service run a capacity search on its flow (--capacity-flow your-flow.yml) or on a GET of one of its paths (--capacity-path /path); for ours, --scenarios capacity,capacity-prime.";

export function verdictSection({ pp, comparison, architectures }: ReportContext): ReportSection {
    if (pp.length === 0) {
        return { heading: "Verdict", blocks: [verdictP(`No capacity was measured, so there is no price-performance verdict. ${HOW_TO_MEASURE}`)] };
    }
    return { heading: "Verdict", blocks: [...verdictBlocks(pp, comparison, architectures), capacityHeadline(pp, comparison, architectures)] };
}

/** What the verdict compares, then one paragraph per capacity target. */
function verdictBlocks(pp: readonly PricePerformance[], comparison: Comparison | null, architectures: readonly string[]): Block[] {
    return [p(verdictPrefix(comparison, pp)), ...verdictSentences(pp, comparison, architectures).map(verdictP)];
}

/** Per architecture and endpoint: capacity per task at the p99 target, what kind of figure it is, cost per million, the ratio. */
function capacityHeadline(pp: readonly PricePerformance[], comparison: Comparison | null, architectures: readonly string[]): Block {
    // Every cell says something: the ratio, or why there is none.
    const ratio = (x: PricePerformance): string => {
        if (!comparison) {
            return `none: only ${architectures.join(", ")} was measured`;
        }
        const { candidate, baseline } = comparison;
        if (x.label === baseline.label) {
            return `the baseline (${candidate.label} is compared with it)`;
        }
        if (x.label !== candidate.label) {
            return `not compared (the verdict compares ${candidate.label} with ${baseline.label})`;
        }
        const b = pp.find((y) => y.label === baseline.label && y.endpoint === x.endpoint);
        if (!b) {
            return `none: ${baseline.label} did not run this search`;
        }
        if (x.perTaskRps === null || b.perTaskRps === null) {
            return `none: no rate held on ${x.perTaskRps === null ? x.label : baseline.label}`;
        }
        const cost = x.costPerMillionUsd !== null && b.costPerMillionUsd !== null ? `, cost ${(x.costPerMillionUsd / b.costPerMillionUsd).toFixed(2)}x` : "";
        return `capacity ${(x.perTaskRps / b.perTaskRps).toFixed(2)}x${cost} ${baseline.label}`;
    };
    const spreadText = (x: PricePerformance): string => {
        if (!x.spread) {
            return "one run (no noise measured)";
        }
        const { min, median, max, n } = x.spread;
        return n === 2 ? `min ${f1(min)}, max ${f1(max)} (2 runs)` : `${f1(min)} / ${f1(median)} / ${f1(max)} (${n} runs)`;
    };
    return {
        kind: "table",
        head: ["run", "architecture", "endpoint", "capacity per task at the p99 target", "figure", "spread per task (min / median / max)", "cost per million requests", "cost per million flows", "ratio"],
        rows: pp.map((x) => [
            x.label,
            x.architecture,
            x.endpoint,
            x.perTaskRps === null ? "none" : `${x.atLeast ? ">= " : ""}${rateText(x, x.perTaskRps, x.flow?.perTaskRequestsPerS ?? null)}`,
            x.kind + (x.busySteps && x.busySteps.busy > 0 ? `; ${x.busySteps.busy} of ${x.busySteps.of} steps on a busy machine` : ""),
            spreadText(x),
            x.costPerMillionUsd === null ? "none: no rate held" : `${x.atLeast ? "<= " : ""}${usd(x.costPerMillionUsd)}`,
            x.flow === undefined ? "- (not a flow)" : x.flow.costPerMillionFlowsUsd === null ? "none: no rate held" : `${x.atLeast ? "<= " : ""}${usd(x.flow.costPerMillionFlowsUsd)}`,
            ratio(x),
        ]),
    };
}

/** What was run, where: the files, the machine, each run's target, and the caveats that apply. */
export function measuredSection({ loaded, runs, architectures }: ReportContext): ReportSection {
    const blocks: Block[] = [
        {
            kind: "table",
            head: ["results file", "command", "scale", "started", "load generator"],
            rows: loaded.map((l) => {
                const m = l.results.machine;
                return [path.basename(l.file), l.results.command, String(l.results.scale), l.results.startedAt, `${m.hostname}: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}`];
            }),
        },
        {
            kind: "table",
            head: ["run", "mode", "architecture", "server CPU model", "BookStore store", "task size", "tasks per service", "stack's monthly estimate", "URLs"],
            rows: runs.map((r) => [
                r.label,
                r.run.mode,
                r.run.architecture,
                r.run.serverCpuModel,
                r.run.store ?? "not recorded",
                `${r.run.taskSize.cpu} CPU units / ${r.run.taskSize.memory} MiB${r.run.mode === "local" ? " (assumed for cost; not a Fargate task)" : ""}`,
                `${r.run.tasksPerService}${r.run.tasksSource ? ` (${TASKS_SOURCE_TEXT[r.run.tasksSource]})` : ""}`,
                r.run.estimatedMonthlyCostUsd && typeof r.run.estimatedMonthlyCostUsd.total === "number" ? `$${r.run.estimatedMonthlyCostUsd.total.toFixed(2)} (stack output)` : "-",
                Object.entries(r.run.urls).map(([k, v]) => `${k} ${v}`).join(", "),
            ]),
        },
    ];
    if (architectures.length === 1) {
        // A local run cannot add the other architecture; the comparison needs the stacks.
        const how = runs.every((r) => r.run.mode === "local")
            ? "A comparison needs both architectures, which only the stacks give (`npm run compare`, with an AWS account)."
            : "To compare, benchmark both stacks in one run (`npm run compare`, or `npm run bench -- --stacks arm64,amd64`) or rebuild the report from an " +
              "arm64 and an amd64 results file (`npm run bench:report -- arm64.json amd64.json`).";
        blocks.push(p(`Only one architecture was measured (${architectures[0]}), so this report makes no ARM64-vs-AMD64 comparison. ${how}`));
    }
    if (runs.some((r) => r.run.mode === "local")) {
        const m = loaded[0].results.machine;
        blocks.push(
            p(
                `Local runs: the load generator and the services shared one machine (${m.cores} cores, ${m.cpuModel}); ` +
                    "they compete for CPU, so the figures say how this build behaves here, not how a Fargate task would." +
                    runs
                        .filter((r) => r.run.mode === "local" && r.run.localCpu)
                        .map((r) => ` The services of ${r.run.label} were ${r.run.localCpu}.`)
                        .join(""),
            ),
        );
    }
    if (loaded.some((l) => l.results.scale !== 1)) {
        blocks.push(p("Durations were scaled (see `scale` above): arrival rates are the scenario files' (the seed's, for its tests), test lengths are shorter, so tails are less stable than in full runs."));
    }
    return { heading: "What was measured", blocks };
}

const isSeed = (e: Endpoint) => (FIXED_SCENARIOS as readonly string[]).includes(e.id);

/** The seed's table: mean / p95 / p99 per test and run, and the candidate's difference from the baseline. */
function sideBySide({ runs, comparison }: ReportContext, list: readonly Endpoint[], withFailed: boolean): Block {
    const head = ["test", "duration", "rate", "requests", ...(withFailed ? ["failed"] : []), ...runs.map((r) => `${r.label} mean / p95 / p99 ms`)];
    if (comparison) {
        head.push(`${comparison.candidate.label} vs ${comparison.baseline.label}, mean / p99`);
    }
    const perRun = (e: Endpoint, get: (s: ScenarioResult) => string) => e.byRun.map((s) => (s ? get(s) : "-"));
    const rows = list.map((e) => {
        const first = e.byRun.find((s) => s !== undefined) as ScenarioResult;
        const row = [
            e.name,
            `${first.durationS} s`,
            `${first.arrivalRate}/s`,
            perRun(e, (s) => int(s.summary.requests)).join(" / "),
            ...(withFailed ? [perRun(e, (s) => int(s.summary.failed)).join(" / ")] : []),
            ...perRun(e, (s) => (s.summary.latency ? `${f1(s.summary.latency.mean)} / ${f1(s.summary.latency.p95)} / ${f1(s.summary.latency.p99)}` : "-")),
        ];
        if (comparison) {
            const c = comparison.candidate.run.scenarios.find((s) => s.id === e.id)?.summary.latency;
            const b = comparison.baseline.run.scenarios.find((s) => s.id === e.id)?.summary.latency;
            row.push(c && b && b.mean > 0 && b.p99 > 0 ? `${pct(percentDifference(c.mean, b.mean))} / ${pct(percentDifference(c.p99, b.p99))}` : "-");
        }
        return row;
    });
    return { kind: "table", head, rows };
}

/** The seed's four tests only, side by side. */
export function seedSideBySideSection(c: ReportContext): ReportSection {
    const seed = c.endpoints.filter(isSeed);
    return { heading: "Side by side (the seed's table)", blocks: [seed.length > 0 ? sideBySide(c, seed, false) : p("None of the seed's four tests was run.")] };
}

/** Any other fixed-rate test (the user's files, the profiling scenarios), with its failures; null when there is none. */
export function otherSideBySideSection(c: ReportContext): ReportSection | null {
    const others = c.endpoints.filter((e) => !isSeed(e));
    if (others.length === 0) {
        return null;
    }
    // Name only the kinds of test this run has.
    const profiling = others.filter((e) => (PROFILING_SCENARIOS as readonly string[]).includes(e.id));
    const kinds = [
        ...(profiling.length < others.length ? ["your own scenario files (`--scenario`)"] : []),
        ...(profiling.length > 0
            ? ["the Profiling API's diagnosis scenarios (`--scenarios profiling`), which make a service misbehave on purpose for dotnet-monitor, so their latencies describe that load, not the service's speed"]
            : []),
    ];
    return {
        heading: "Side by side: other fixed-rate tests (not in the seed)",
        blocks: [
            p(`Tests outside the seed's four: ${kinds.join("; and ")}. Requests and failed are per run, in the order of the columns.`),
            sideBySide(c, others, true),
        ],
    };
}

/** Every endpoint: its figures per run, the answers to its `after` requests, its latency distribution and p99 per period. */
export function perEndpointSection({ runs, endpoints: eps }: ReportContext): ReportSection {
    return { heading: "Per endpoint", blocks: eps.flatMap((e) => [{ kind: "h3", text: e.name } as Block, endpointTable(runs, e), ...afterAnswers(runs, e), ...endpointCharts(runs, e)]) };
}

function endpointTable(runs: readonly ReportRun[], e: Endpoint): Block {
    const metric = (name: string, get: (s: ScenarioResult) => string) => [name, ...e.byRun.map((s) => (s ? get(s) : "-"))];
    return {
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
    };
}

function afterAnswers(runs: readonly ReportRun[], e: Endpoint): Block[] {
    return e.byRun.flatMap((s, i) => {
        if (!s?.after || s.after.length === 0) {
            return [];
        }
        const answers = s.after.map((a) => `${a.method} ${a.url}: ${a.error ?? a.status ?? "no answer"}${a.body.trim() ? ` ${a.body.trim().slice(0, 120)}` : ""}`);
        return [p(`After the test on ${runs[i].label}: ${answers.join("; ")}.`)];
    });
}

function endpointCharts(runs: readonly ReportRun[], e: Endpoint): Block[] {
    // Artillery's quantiles (min, p50 ... p99.9, max), x axis cut at the largest p99.9 so one timeout does not flatten the curves.
    const withRun = e.byRun.map((s, i) => ({ s, r: runs[i] })).filter((x): x is { s: ScenarioResult; r: ReportRun } => x.s !== undefined);
    const withData = withRun.filter((x) => x.s.quantilesMs.length > 0);
    const p999 = (q: readonly { p: number; ms: number }[]) => q.find((x) => x.p === 99.9)?.ms ?? q[q.length - 1].ms;
    const cut = Math.max(...withData.map((x) => p999(x.s.quantilesMs)), 0);
    const distribution: Series[] = withData.map(({ s, r }) => ({
        name: r.label,
        colour: r.colour,
        points: s.quantilesMs.filter((q) => q.ms <= cut).map((q) => [q.ms, q.p] as [number, number]),
    }));
    const perPeriod: Series[] = withRun.map(({ s, r }) => ({
        name: r.label,
        colour: r.colour,
        points: s.perPeriod.filter((b) => b.p99 !== null).map((b) => [b.startS, b.p99 as number] as [number, number]),
    }));
    // A chart without a point would be an empty frame: a sentence says why instead.
    const none = (what: string) => p(`No ${what} of ${e.name} was recorded (no response was measured), so there is no chart of it.`);
    return [
        distribution.every((x) => x.points.length === 0) ? none("latency distribution") : {
            kind: "chart",
            caption: `Latency distribution of ${e.name} (share of responses at or below each latency, at Artillery's quantiles: min, p50, p75, p90, p95, p99, p99.9; x axis cut at the highest p99.9, ${f1(cut)} ms).`,
            svg: lineChart({ id: `cdf-${e.id}`, title: `${e.name}: latency distribution`, xLabel: "latency (ms)", yLabel: "% of responses", series: distribution, xFromZero: false }),
        },
        perPeriod.every((x) => x.points.length === 0) ? none("p99 per period") : {
            kind: "chart",
            caption: `p99 latency in each of Artillery's 10 s reporting periods of ${e.name}.`,
            svg: lineChart({ id: `p99-${e.id}`, title: `${e.name}: p99 per period`, xLabel: "seconds into the test", yLabel: "p99 (ms)", series: perPeriod }),
        },
    ];
}

/** What the CPU percentages are of, for the kinds of run present. */
function cpuUnits(runs: readonly ReportRun[]): string {
    const local = runs.some((r) => r.run.mode === "local");
    const stack = runs.some((r) => r.run.mode === "stack");
    return [...(local ? [`${stack ? "local: " : ""}percent of one core`] : []), ...(stack ? [`${local ? "ECS: " : ""}percent of the task's reserved CPU`] : [])].join("; ");
}

/** CPU and memory per service: min / mean / max, and charts over the run. */
export function utilisationSection({ runs }: ReportContext): ReportSection {
    const stats = (v: number[]) => (v.length ? `${f1(Math.min(...v))} / ${f1(v.reduce((a, b) => a + b, 0) / v.length)} / ${f1(Math.max(...v))}` : "-");
    const rows = runs.flatMap((r) =>
        r.run.utilisation.map((u) => {
            const cpu = u.points.map((x) => x.cpuPercent).filter((v): v is number => v !== null);
            const mem = u.points.map((x) => x.memoryMiB).filter((v): v is number => v !== null);
            return [r.label, u.service, u.measured ? u.source : "not measured", stats(cpu), stats(mem), u.note ?? ""];
        }),
    );
    const blocks: Block[] = [
        rows.length === 0
            ? p("Not measured: no utilisation was recorded in these results.")
            : { kind: "table", head: ["run", "service", "source", "CPU % min / mean / max", "memory MiB min / mean / max", "note"], rows },
    ];
    for (const kind of ["cpu", "memory"] as const) {
        const series: Series[] = runs.flatMap((r, ri) =>
            r.run.utilisation
                .filter((u) => u.measured)
                .map((u, ui) => ({
                    name: `${r.label} ${u.service}`,
                    colour: SERIES_COLOURS[(ri * 3 + ui) % SERIES_COLOURS.length],
                    points: u.points.map((x) => [x.t, kind === "cpu" ? x.cpuPercent : x.memoryMiB] as const).filter((x): x is readonly [number, number] => x[1] !== null),
                })),
        );
        if (series.some((s) => s.points.length > 0)) {
            blocks.push({
                kind: "chart",
                caption: kind === "cpu" ? `CPU over the run (${cpuUnits(runs)}).` : "Memory over the run (MiB).",
                svg: lineChart({ id: `util-${kind}`, title: kind === "cpu" ? "CPU utilisation" : "Memory", xLabel: "seconds into the run", yLabel: kind === "cpu" ? "CPU %" : "MiB", series }),
            });
        }
    }
    return { heading: "CPU and memory during the test", blocks };
}

/** Every capacity search: per run how it ended, every step, and p99 by arrival rate against the target. */
export function capacitySection({ runs }: ReportContext): ReportSection {
    const names = [...new Set(runs.flatMap((r) => r.run.capacity.map((c) => c.name)))];
    if (names.length === 0) {
        return { heading: "Capacity", blocks: [p(`No capacity search was run. ${HOW_TO_MEASURE}`)] };
    }
    return { heading: "Capacity", blocks: names.flatMap((name) => capacityTarget(runs, name)) };
}

/** How each step outcome is drawn on the capacity charts, and named in their legend and tables. */
const STEP_MARKERS: readonly MarkerKind[] = [
    { kind: "held", shape: "dot", label: "held" },
    { kind: "latency", shape: "cross", label: "failed: p99 latency" },
    { kind: "errors", shape: "triangle", label: "failed: errors" },
    { kind: "admission 503s", shape: "square", label: "failed: admission 503s" },
    { kind: "client-bound", shape: "diamond", label: "failed: client-bound" },
];

function capacityTarget(runs: readonly ReportRun[], name: string): Block[] {
    const found = runs.flatMap((r) => r.run.capacity.filter((c) => c.name === name).map((c) => ({ r, c })));
    // The search bisects, so it tries rates out of order; the tables and the chart read in rate order, the column "tried" keeps the search's order.
    const byRate = (c: CapacityResult) => c.steps.map((s, i) => ({ s, tried: i + 1 })).sort((x, y) => x.s.rate - y.s.rate || x.tried - y.tried);
    const rows = found.flatMap(({ r, c }) =>
        byRate(c).map(({ s, tried }) => [
            r.label,
            `${s.rate}${c.flow ? " flows" : ""}/s`,
            String(tried),
            f1(s.summary.achievedRps),
            f1(s.summary.latency?.p99),
            s.summary.flows ? `${f1(s.summary.flows.offeredPerS)} / ${s.summary.flows.requestsPerFlow ?? "-"} / ${f1(s.summary.flows.latency?.p99)}` : "-",
            `${(s.summary.errorRate * 100).toFixed(2)}%${s.summary.failed > 0 ? ` (${statusText(s.summary.statusCounts)})` : ""}`,
            s.held ? "held" : `failed: ${stepOutcome(s)} (${s.reason ?? "no reason recorded"})`,
            s.clientCpuPercent === undefined || s.clientCpuPercent === null ? "-" : f1(s.clientCpuPercent),
            s.machine ? `load ${s.machine.load1.toFixed(2)}, steal ${s.machine.stealPercent.toFixed(1)}%${s.machine.busy ? `: BUSY (${s.machine.why})` : ""}` : "-",
        ]),
    );
    const blocks: Block[] = [{ kind: "h3", text: name }, ...found.map(({ r, c }) => p(capacityOutcome(r, c)))];
    if (rows.length === 0) {
        // A search that recorded no step (interrupted before its first) has nothing to tabulate or draw.
        blocks.push(p(`No step of this search was recorded, so there is no table or chart of it.`));
        return blocks;
    }
    blocks.push({
        kind: "table",
        head: ["run", "arrival rate", "tried", "responses /s", "request p99 ms", "flows/s sent / requests per flow / flow p99 ms", "errors", "outcome", "load generator CPU %", "machine during the step"],
        rows,
    });
    if (found.some(({ c }) => c.steps.some((s) => s.machine))) {
        blocks.push(
            p(
                `Machine: the 1-minute load average at the step's end and the CPU steal during it (/proc/loadavg, /proc/stat). BUSY: steal >= ${STEAL_BUSY_PERCENT}% ` +
                    `or load above the cores + ${LOAD_MARGIN} (the benchmark alone keeps about one thread per core runnable), so other work competed for the CPUs; ` +
                    "compare such steps, and runs with many of them, with care.",
            ),
        );
    }
    const shortest = Math.min(...found.map(({ c }) => c.stepDurationS));
    if (shortest < 10) {
        const scaled = found.some(({ r }) => r.source.results.scale < 1);
        blocks.push(
            p(
                `Steps of ${shortest} s are short: a queue that grows slowly past capacity has little time to show in p99, ` +
                    `so short steps overstate capacity. ${scaled ? "Use the full durations (no --scale)" : "Use longer steps (--capacity-step-duration)"} for figures to act on.`,
            ),
        );
    }
    const target = found[found.length - 1].c.p99TargetMs;
    const drawn = found.map(({ r, c }) => ({ r, c, steps: byRate(c).filter(({ s }) => s.summary.latency) }));
    const series: Series[] = drawn.map(({ r, c, steps }) => ({
        name: r.label,
        colour: r.colour,
        points: steps.map(({ s }) => [s.rate, s.summary.latency?.p99 ?? 0] as [number, number]),
        marks: steps.map(({ s }) => stepOutcome(s)),
        markTitles: steps.map(({ s }) => `${r.label} at ${s.rate}${c.flow ? " flows" : ""}/s: ${s.held ? "held" : `failed: ${s.reason ?? stepOutcome(s)}`}`),
    }));
    const undrawn = found.flatMap(({ r, c }) => c.steps.filter((s) => !s.summary.latency).map((s) => `${r.label} at ${s.rate}/s (${s.reason ?? "no responses"})`));
    if (series.every((x) => x.points.length === 0)) {
        blocks.push(p(`No step had a response to measure p99 on, so there is no chart: ${undrawn.join(", ")}.`));
        return blocks;
    }
    blocks.push({
        kind: "chart",
        caption:
            "p99 latency at each arrival rate, in rate order; the marker says whether the step held or why it failed (see the outcome column above); dashed: the p99 target." +
            (undrawn.length > 0 ? ` Not drawn, without a response to measure: ${undrawn.join(", ")}.` : ""),
        svg: lineChart({
            id: `capacity-${name.replace(/[^a-z0-9]+/gi, "-")}`,
            title: `${name}: p99 by arrival rate`,
            xLabel: found.some(({ c }) => c.flow) ? "arrival rate (flows/s)" : "arrival rate (requests/s)",
            yLabel: "p99 (ms)",
            series,
            markers: STEP_MARKERS,
            hLines: [{ y: target, label: `target ${target} ms` }],
        }),
    });
    return blocks;
}

/** One sentence on how a run's search ended and how it was run; advice only where it applies to where the run was measured. */
function capacityOutcome(r: ReportRun, c: CapacityResult): string {
    const advice = clientBoundAdvice(runSetting(r));
    return (
        `${r.label}: highest rate held ${c.highestRateHeld === null ? "none (the first step failed)" : `${c.highestRateHeld}${c.flow ? " flows" : ""}/s`}` +
        (c.flow
            ? ` (${c.flow.file ? `the flow of ${path.basename(c.flow.file)}, ${c.flow.requestsAsWritten} request(s) as written` : "a GET per flow"}` +
              `${c.flow.requestsPerFlow === null ? "" : `, ${c.flow.requestsPerFlow} sent per flow at that rate`}; p99 judged per request)`
            : "") +
        (c.stoppedBecause === "reached maxRate" ? ` (the search reached its upper bound ${c.maxRate}/s: capacity is at least this)` : "") +
        (c.stoppedBecause === "client-bound"
            ? natBound(c)
                ? ` (client-bound at ${f1(c.clientBoundAtRps)}/s: the NAT gateway between the Fargate workers and the load balancer could not take more connections, so the server's capacity is above this and unmeasured)`
                : ` (client-bound at ${f1(c.clientBoundAtRps)}/s: the load generator${r.run.mode === "local" ? ", sharing this machine with the services," : ""} could not send more, so the server's capacity is above this and unmeasured${advice ? `; ${advice}` : ""})`
            : "") +
        (c.steps.some((s) => s.machine?.busy) ? `; ${c.steps.filter((s) => s.machine?.busy).length} of ${c.steps.length} steps ran on a busy machine` : "") +
        (c.stoppedBecause === "bisected" ? ` (measured: the next rate tried failed, within ${((c.tolerance ?? 0.05) * 100).toFixed(0)}%)` : "") +
        (c.repeats && c.repeats.length > 1 ? `; ${c.repeats.length} repetitions held ${c.repeats.map((x) => (x.highestRateHeld === null ? "none" : `${x.highestRateHeld}/s`)).join(", ")} (the steps shown are the ${c.repeats.length % 2 ? "median" : "lower of the two middle"} one's)` : "") +
        `; steps of ${c.stepDurationS} s, p99 target ${c.p99TargetMs} ms, max error rate ${(c.maxErrorRate * 100).toFixed(1)}%` +
        (c.warmup ? `; warmed at ${c.warmup.rate}/s for ${c.warmup.seconds} s first (${c.warmup.steady ? "steady" : "still changing when the warm-up limit was reached"})` : "") +
        (c.phased
            ? `; the steps ran as phases of ${c.phased.runs} Artillery run(s), each phase judged from the whole 10 s periods inside it (${c.phased.slackS} s off each end)`
            : "") +
        "."
    );
}

/** Cost per task-hour, capacity held and cost per million requests per run and endpoint, then the verdict. */
export function pricePerformanceSection({ runs, pp }: ReportContext): ReportSection {
    const heading = "Price-performance";
    if (pp.length === 0) {
        return { heading, blocks: [p(`No capacity was measured, so there is no cost per million requests. ${HOW_TO_MEASURE}`)] };
    }
    const blocks: Block[] = [
        {
            kind: "table",
            head: ["run", "architecture", "endpoint", "task", "cost per task-hour", "capacity held", "per task", "cost per million requests", "cost per million flows"],
            rows: pp.map((x) => [
                x.label,
                x.architecture,
                x.endpoint,
                `${x.taskCpu}/${x.taskMemory}`,
                usd(x.taskHourUsd, 5),
                x.capacityRps === null ? "none" : `${x.atLeast ? ">= " : ""}${x.capacityRps}${x.flow ? " flows" : ""}/s`,
                x.perTaskRps === null ? "none" : `${x.atLeast ? ">= " : ""}${rateText(x, x.perTaskRps, x.flow?.perTaskRequestsPerS ?? null)}`,
                x.costPerMillionUsd === null ? "none: no rate held" : `${x.atLeast ? "<= " : ""}${usd(x.costPerMillionUsd)}`,
                x.flow === undefined ? "- (not a flow)" : x.flow.costPerMillionFlowsUsd === null ? "none: no rate held" : `${x.atLeast ? "<= " : ""}${usd(x.flow.costPerMillionFlowsUsd)}`,
            ]),
        },
        p(
            `Cost per task-hour is ${runs.some((r) => isOwnPriceTable(r.run.prices)) ? "the stack's own price, its `prices` config over Fargate on-demand list price (model/pricing.ts)," : "Fargate on-demand list price (model/pricing.ts)"} for the task size; cost per million requests is ` +
                "that price divided by the requests one task serves in an hour at the capacity held (for a flow: the flows held times the requests each sent; " +
                "cost per million flows divides by the flows). " +
                // Only a stack has a load balancer and a NAT gateway; a local run is told what a stack would add.
                (runs.some((r) => r.run.mode === "stack") ? "The stack's load balancer, NAT gateway and data charges are not included." : "A stack's load balancer, NAT gateway and data charges would come on top."),
        ),
    ];
    if (runs.some((r) => r.run.mode === "local")) {
        const sizes = [...new Set(runs.filter((r) => r.run.mode === "local").map((r) => taskSizeFlag(r.run.taskSize)))];
        blocks.push(p(`For local runs the capacity is this machine's, priced as if a Fargate task of the size the run stood for (${sizes.join(", ")}) had it: an illustration of the method, not a Fargate figure.`));
    }
    blocks.push(p("The verdict at the top of the report states, per capacity target, the ratios of these figures and whether they differ by more than the run-to-run noise."));
    return { heading, blocks };
}
