/**
 * The report's "Task size" section: after a run at a larger task, whether every service's measured memory fits the
 * smallest Fargate task (0.25 vCPU / 512 MiB) with headroom (model/task-sizes.ts MEMORY_HEADROOM), what that task
 * costs per month on each architecture, and the command that measures it. Capacity per task is not linear in vCPU
 * (a quarter vCPU gives the runtime one processor, and its thread pool and GC are sized from it), so the offer is
 * a measurement to make, never a predicted capacity. compare's closing lines say the same from the same function.
 */
import { ARCHITECTURES, Architecture } from "../model/architecture";
import { DEFAULT_PRICES, HOURS_PER_MONTH, isOwnPriceTable, PriceTable, TaskSize, taskHourUsd } from "../model/pricing";
import { describeTaskSize, fitsWithHeadroom, MEMORY_HEADROOM, sameTaskSize, SMALLEST_TASK_SIZE, taskSizeFlag } from "../model/task-sizes";
import type { ReportContext, ReportSection } from "./report-model";
import { TargetRun } from "./results";

/** One service's highest memory reading in one run. */
export interface MemoryPeak {
    readonly run: string;
    readonly service: string;
    readonly peakMiB: number;
}

export type TaskSizeOffer =
    | {
          readonly offered: true;
          readonly size: TaskSize;
          /** The largest peak of all services and runs: the one the headroom was judged on. */
          readonly largest: MemoryPeak;
          /** USD per task-month at the smallest size, and at the size each architecture ran at, per architecture. */
          readonly monthly: readonly { readonly architecture: Architecture; readonly smallestUsd: number; readonly ranUsd?: number; readonly ran?: TaskSize }[];
          readonly command: string;
          /** Priced at a stack's own `prices` rather than list price. */
          readonly ownPrices: boolean;
      }
    | { readonly offered: false; readonly why: string };

/** The command that measures the smallest size with the same benchmark flags: compare's, which deploys (or starts) at a size. */
export function smallestSizeCommand(local: boolean, benchFlags: readonly string[]): string {
    return ["npm run compare --", ...(local ? ["--local"] : []), ...benchFlags, "--task-size", taskSizeFlag(SMALLEST_TASK_SIZE)].join(" ");
}

/** The benchmark flags of a results file's command, less those that name the targets or the files (compare sets them). */
export function benchFlagsOf(command: string): string[] {
    return withoutTargetFlags(command.replace(/^npm run bench --\s*/, "").split(/\s+/).filter(Boolean));
}

/** Benchmark flags as given, less those that name the targets or the files. */
export function withoutTargetFlags(argv: readonly string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        if (["--stacks", "--out", "--task-size"].includes(argv[i])) {
            i++;
        } else if (!["--local", "--no-build"].includes(argv[i]) && !/^--(stacks|out|task-size)=/.test(argv[i])) {
            out.push(argv[i]);
        }
    }
    return out;
}

/**
 * Whether to offer the smallest size after these runs: undefined when every run already ran at it (nothing to
 * offer), else the offer or why not (a service's memory not measured, or above the headroom).
 */
export function smallestSizeOffer(runs: readonly TargetRun[], benchFlags: readonly string[], prices: PriceTable = DEFAULT_PRICES): TaskSizeOffer | undefined {
    if (runs.length === 0 || runs.every((r) => sameTaskSize(r.taskSize, SMALLEST_TASK_SIZE))) {
        return undefined;
    }
    const peaks: MemoryPeak[] = [];
    for (const r of runs) {
        if (r.utilisation.length === 0) {
            return { offered: false, why: `the memory of ${r.label}'s services was not measured, so whether they fit ${describeTaskSize(SMALLEST_TASK_SIZE)} is not known` };
        }
        for (const u of r.utilisation) {
            const mem = u.points.map((x) => x.memoryMiB).filter((v): v is number => v !== null);
            if (!u.measured || mem.length === 0) {
                const reason = u.measured ? "no memory reading" : (u.note ?? u.source).replace(/^not measured: /, "");
                return { offered: false, why: `the memory of ${u.service} on ${r.label} was not measured (${reason}), so whether it fits ${describeTaskSize(SMALLEST_TASK_SIZE)} is not known` };
            }
            peaks.push({ run: r.label, service: u.service, peakMiB: Math.max(...mem) });
        }
    }
    const largest = peaks.reduce((a, b) => (b.peakMiB > a.peakMiB ? b : a));
    if (!fitsWithHeadroom(largest.peakMiB, SMALLEST_TASK_SIZE)) {
        const limit = SMALLEST_TASK_SIZE.memory * MEMORY_HEADROOM;
        return {
            offered: false,
            why: `${largest.service} on ${largest.run} peaked at ${largest.peakMiB.toFixed(0)} MiB, more than the ${limit} MiB (${MEMORY_HEADROOM * 100}% of ${SMALLEST_TASK_SIZE.memory} MiB) the smallest task leaves with headroom`,
        };
    }
    const monthly = ARCHITECTURES.map((architecture) => {
        const run = runs.find((r) => r.architecture === architecture);
        const table = run?.prices ?? prices;
        return {
            architecture,
            smallestUsd: taskHourUsd(architecture, SMALLEST_TASK_SIZE, table) * HOURS_PER_MONTH,
            ...(run ? { ran: run.taskSize, ranUsd: taskHourUsd(architecture, run.taskSize, table) * HOURS_PER_MONTH } : {}),
        };
    });
    const ownPrices = runs.some((r) => isOwnPriceTable(r.prices));
    return { offered: true, size: SMALLEST_TASK_SIZE, largest, monthly, command: smallestSizeCommand(runs.every((r) => r.mode === "local"), benchFlags), ownPrices };
}

/** The offer (or why none) in sentences, for the report and compare's closing lines. */
export function offerSentences(offer: TaskSizeOffer): string[] {
    if (!offer.offered) {
        return [`The smallest Fargate task, ${describeTaskSize(SMALLEST_TASK_SIZE)}, is not offered: ${offer.why}.`];
    }
    const costs = offer.monthly
        .map((m) => `${m.architecture} $${m.smallestUsd.toFixed(2)} per task-month${m.ran && m.ranUsd !== undefined ? ` (against $${m.ranUsd.toFixed(2)} at ${taskSizeFlag(m.ran)}, as run)` : ""}`)
        .join(", ");
    return [
        `Every service fits the smallest Fargate task, ${describeTaskSize(offer.size)}: the highest memory measured was ${offer.largest.peakMiB.toFixed(0)} MiB ` +
            `(${offer.largest.service} on ${offer.largest.run}), within the ${offer.size.memory * MEMORY_HEADROOM} MiB (${MEMORY_HEADROOM * 100}%) it leaves with headroom. ` +
            `That task costs ${costs}, at ${offer.ownPrices ? "the stacks' own prices (their `prices` config over Fargate list price)" : "Fargate list price (model/pricing.ts)"}.`,
        `A quarter vCPU does not hold a quarter of a vCPU's load (the runtime sees one processor and sizes its thread pool and GC from it), so its capacity and cost per million requests are for measuring, not for predicting: ${offer.command}`,
    ];
}

/** Where the memory figures come from, per kind of run present. */
function memorySource(runs: readonly TargetRun[]): string {
    const kinds = new Set(runs.map((r) => r.mode));
    return [
        ...(kinds.has("local") ? ["local: each service process's resident memory (RSS, /proc)"] : []),
        ...(kinds.has("stack") ? ["stacks: Container Insights MemoryUtilized, the task's containers together, each minute's average"] : []),
    ].join("; ");
}

export function taskSizeSection({ runs, loaded, prices }: ReportContext): ReportSection | null {
    const targetRuns = runs.map((r) => r.run);
    const flags = benchFlagsOf(loaded[0]?.results.command ?? "");
    const offer = smallestSizeOffer(targetRuns, flags, prices);
    if (!offer) {
        return null;
    }
    return {
        heading: "Task size",
        blocks: [
            ...offerSentences(offer).map((text) => ({ kind: "p" as const, text })),
            { kind: "p", text: `Memory as measured (${memorySource(targetRuns)}); a service fits when its highest reading is at most ${MEMORY_HEADROOM * 100}% of the task's memory.` },
        ],
    };
}

