/**
 * The CPU and memory combinations Fargate accepts for a Linux task, as a table, and a check against it.
 * Source: the ECS developer guide's task size table (CPU units, memory MiB).
 */
import type { TaskSize } from "./pricing";
import { ConfigError } from "./validation";

interface MemoryRange {
    readonly min: number;
    readonly max: number;
    readonly step: number;
    /** Values allowed besides the range (the smallest size has a 512 MiB option). */
    readonly extra?: readonly number[];
}

/** CPU units -> the memory (MiB) Fargate allows with it. */
const SIZES: ReadonlyMap<number, MemoryRange> = new Map<number, MemoryRange>([
    [256, { min: 1024, max: 2048, step: 1024, extra: [512] }],
    [512, { min: 1024, max: 4096, step: 1024 }],
    [1024, { min: 2048, max: 8192, step: 1024 }],
    [2048, { min: 4096, max: 16384, step: 1024 }],
    [4096, { min: 8192, max: 30720, step: 1024 }],
    [8192, { min: 16384, max: 61440, step: 4096 }],
    [16384, { min: 32768, max: 122880, step: 8192 }],
]);

/** The task size a stack gets when its file sets none (`taskCpu`, `taskMemory`), and the size a local run is priced as. */
export const DEFAULT_TASK_SIZE: TaskSize = { cpu: 512, memory: 1024 };

/** The CPU values Fargate accepts, in CPU units. */
export const FARGATE_CPU_UNITS: readonly number[] = [...SIZES.keys()];

/** Every memory value (MiB) Fargate accepts with `cpu`, ascending; empty for an unknown CPU value. */
export function allowedMemory(cpu: number): number[] {
    const range = SIZES.get(cpu);
    if (!range) {
        return [];
    }
    const values = [...(range.extra ?? [])];
    for (let m = range.min; m <= range.max; m += range.step) {
        values.push(m);
    }
    return values;
}

/** What Fargate would refuse in the pair, and what it accepts instead; undefined when it takes it. */
function taskSizeProblem(cpu: unknown, memory: unknown, withCpu: (cpu: number) => string): { readonly which: "cpu" | "memory"; readonly allowed: string } | undefined {
    if (typeof cpu !== "number" || !FARGATE_CPU_UNITS.includes(cpu)) {
        return { which: "cpu", allowed: `expected one of ${FARGATE_CPU_UNITS.join(", ")} (CPU units, 1024 = 1 vCPU)` };
    }
    if (typeof memory !== "number" || !allowedMemory(cpu).includes(memory)) {
        const range = SIZES.get(cpu)!;
        const listed = range.extra ? `${range.extra.join(", ")}, ` : "";
        return { which: "memory", allowed: `${withCpu(cpu)}, Fargate accepts ${listed}${range.min} to ${range.max} MiB in steps of ${range.step}` };
    }
    return undefined;
}

/**
 * Throws a ConfigError naming `cpuKey` or `memoryKey` unless Fargate accepts the pair.
 */
export function validateTaskSize(cpu: unknown, memory: unknown, cpuKey: string, memoryKey: string): void {
    const problem = taskSizeProblem(cpu, memory, (c) => `with ${cpuKey} ${c}`);
    if (problem) {
        throw new ConfigError(problem.which === "cpu" ? cpuKey : memoryKey, problem.which === "cpu" ? cpu : memory, problem.allowed);
    }
}

/**
 * Reads a task size written as the task definition takes it, "<CPU units>/<memory MiB>" (e.g. "256/512"), checked
 * against the table above; returns why not, in words a command-line error can quote after the flag's name.
 */
export function readTaskSize(text: string): TaskSize | { readonly why: string } {
    const m = /^(\d+)\/(\d+)$/.exec(text.trim());
    if (!m) {
        return { why: `expected <CPU units>/<memory MiB> as Fargate takes them, e.g. 256/512 (0.25 vCPU, 512 MiB) or 512/1024, got ${JSON.stringify(text)}` };
    }
    const size = { cpu: Number(m[1]), memory: Number(m[2]) };
    const problem = taskSizeProblem(size.cpu, size.memory, (c) => `with ${c} CPU units`);
    if (problem) {
        return { why: problem.which === "cpu" ? `CPU ${size.cpu} in ${JSON.stringify(text)}: ${problem.allowed}` : `memory ${size.memory} in ${JSON.stringify(text)}: ${problem.allowed}` };
    }
    return size;
}

/** A task size as --task-size takes it: "256/512". */
export function taskSizeFlag(size: TaskSize): string {
    return `${size.cpu}/${size.memory}`;
}

/** A task size as the flag takes it and people say it: "256/512 (0.25 vCPU / 512 MiB)". */
export function describeTaskSize(size: TaskSize): string {
    return `${taskSizeFlag(size)} (${size.cpu / 1024} vCPU / ${size.memory} MiB)`;
}

/** True when both name the same size; two absent sizes (the stack files' own) are the same too. */
export function sameTaskSize(a: TaskSize | undefined, b: TaskSize | undefined): boolean {
    return a?.cpu === b?.cpu && a?.memory === b?.memory;
}

/** The smallest task Fargate runs. */
export const SMALLEST_TASK_SIZE: TaskSize = { cpu: 256, memory: 512 };

/**
 * How much of a task's memory a service may use at its measured peak for that task to be offered: half. A benchmark
 * sees a bounded load for minutes, not a day's peaks or a slow leak; under a memory limit the .NET GC's default hard
 * heap limit is 75% of it (dotnet/designs accepted/2019/support-for-memory-limits.md at 3cca817, "GC Heap Hard Limit"), and the rest is native memory,
 * the runtime's own and the task's sidecars. Half keeps a peak twice the measured one inside the task.
 */
export const MEMORY_HEADROOM = 0.5;

/** True when a measured peak (MiB) fits `size` with the headroom above. */
export function fitsWithHeadroom(peakMiB: number, size: TaskSize): boolean {
    return peakMiB <= size.memory * MEMORY_HEADROOM;
}

/**
 * The .NET GC heap hard limit the runtime derives when its memory limit is the task's: max(20 MiB, 75%) of it
 * (dotnet/designs accepted/2019/support-for-memory-limits.md at 3cca817, "GC Heap Hard Limit"), in bytes. A local run gives it to the services
 * (DOTNET_GCHeapHardLimit) in place of a cgroup memory limit.
 */
export function gcHeapHardLimitBytes(size: TaskSize): number {
    return Math.max(20 * 1024 * 1024, Math.floor(size.memory * 0.75) * 1024 * 1024);
}
