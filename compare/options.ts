/**
 * `npm run compare -- [--local] [--yes] [--keep] [--cleanup] [benchmark flags]`: compare's own flags; every
 * other flag is the benchmark's (bench/run.ts), checked by its parser before anything starts.
 */
import { CliOptions, parseCli } from "../bench/options";
import { TaskSize } from "../model/pricing";
import { readTaskSize, taskSizeFlag } from "../model/task-sizes";

export const COMPARE_STACKS = ["arm64", "amd64"] as const;

/**
 * Capacity searches per target unless --repeat says otherwise: two, so the verdict can weigh the arm64/amd64
 * difference against the run-to-run noise measured in the same run (bench/report-figures.ts judgeNoise).
 */
export const COMPARE_REPEAT = 2;

export const USAGE = `Usage: npm run compare -- [--local] [--task-size <cpu/MiB>] [--yes] [--keep] [--cleanup] [benchmark flags]

Deploys both stacks (${COMPARE_STACKS.join(", ")}) in parallel through the Pulumi Automation API, waits until every
service answers, runs the benchmark, writes the report, and destroys the stacks this run created.

  --local              the same sequence on this machine: the services started on 127.0.0.1 in place of the
                       stacks (no AWS account, no Pulumi CLI); measures one architecture, this machine's
  --task-size <cpu/MiB>  the Fargate task size to compare at, as the task definition takes it (CPU units/memory
                       MiB, e.g. 256/512 or 512/1024; Fargate's table decides). The stacks this run creates are
                       deployed from a copy of Pulumi.<stack>.yaml with it (your stack files are not written);
                       a stack of yours at another size is refused. With --local: the services' CPU cap and GC
                       heap limit. The cost estimate and the report's cost figures follow it
  --yes                do not ask before spending money (needed when there is no terminal to ask on)
  --keep               keep the stacks after the run (not with --local); \`--cleanup\` removes them later
  --cleanup            remove what an earlier, interrupted or --keep run created, then stop
  --health-timeout <s> seconds each service may take to answer after deployment (default 600; --local 60)
  --help               this text

Benchmark flags (see npm run bench -- --help), e.g. --scale 0.1, --scenarios books,capacity, --repeat 3,
--engine fargate --count 4; --stacks is set by compare. compare runs each capacity search ${COMPARE_REPEAT} times
(--repeat ${COMPARE_REPEAT}) unless --repeat is given, so the report can tell a difference from run-to-run noise.
`;

export class CompareUsageError extends Error {
    constructor(message: string) {
        super(`${message}\n\n${USAGE}`);
        this.name = "UsageError";
    }
}

export interface CompareOptions {
    readonly local: boolean;
    readonly yes: boolean;
    readonly keep: boolean;
    readonly cleanup: boolean;
    readonly help: boolean;
    readonly healthTimeoutMs: number;
    /** --task-size; undefined when not given (the stack files' size, or the default for --local). */
    readonly taskSize?: TaskSize;
    /** The benchmark's flags, as given. */
    readonly benchArgs: readonly string[];
    /** The benchmark's flags as its parser reads them for this run's targets. */
    readonly bench: CliOptions;
}

export function parseCompare(argv: readonly string[]): CompareOptions {
    const own = { local: false, yes: false, keep: false, cleanup: false, help: false };
    let healthTimeoutS: number | undefined;
    let taskSize: TaskSize | undefined;
    const benchArgs: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--local" || a === "--yes" || a === "--keep" || a === "--cleanup" || a === "--help") {
            own[a.slice(2) as keyof typeof own] = true;
        } else if (a === "--health-timeout") {
            healthTimeoutS = Number(argv[++i]);
            if (!(healthTimeoutS > 0)) {
                throw new CompareUsageError(`--health-timeout must be seconds greater than 0, got ${JSON.stringify(argv[i])}`);
            }
        } else if (a === "--task-size" || a.startsWith("--task-size=")) {
            const text = a === "--task-size" ? argv[++i] : a.slice("--task-size=".length);
            const size = readTaskSize(text ?? "");
            if ("why" in size) {
                throw new CompareUsageError(`--task-size: ${size.why}`);
            }
            taskSize = size;
        } else if (a === "--stacks" || a.startsWith("--stacks=")) {
            throw new CompareUsageError(`--stacks is set by compare (${COMPARE_STACKS.join(",")}); to benchmark other stacks use npm run bench`);
        } else {
            benchArgs.push(a);
        }
    }
    if (!benchArgs.some((a) => a === "--repeat" || a.startsWith("--repeat="))) {
        benchArgs.push("--repeat", String(COMPARE_REPEAT));
    }
    if (taskSize && own.cleanup) {
        throw new CompareUsageError("--task-size is not for --cleanup: the clean-up reads the stack files the recorded run deployed from");
    }
    if (taskSize && own.local) {
        // bench's own flag: the local services stand for a task of that size.
        benchArgs.push("--task-size", taskSizeFlag(taskSize));
    }
    if (own.keep && own.local) {
        throw new CompareUsageError("--keep is for the stacks; --local stops its services when the run ends");
    }
    let bench: CliOptions;
    try {
        bench = parseCli(own.local ? ["--local", ...benchArgs] : ["--stacks", COMPARE_STACKS.join(","), ...benchArgs]);
    } catch (e) {
        throw new CompareUsageError(`benchmark flags: ${(e as Error).message.split("\n")[0]}`);
    }
    return { ...own, healthTimeoutMs: (healthTimeoutS ?? (own.local ? 60 : 600)) * 1000, ...(taskSize ? { taskSize } : {}), benchArgs, bench };
}
