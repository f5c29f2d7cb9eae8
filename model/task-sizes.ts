/**
 * The CPU and memory combinations Fargate accepts for a Linux task, as a table, and a check against it.
 * Source: the ECS developer guide's task size table (CPU units, memory MiB).
 */
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
export const DEFAULT_TASK_SIZE: { readonly cpu: number; readonly memory: number } = { cpu: 512, memory: 1024 };

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

/**
 * Throws a ConfigError naming `cpuKey` or `memoryKey` unless Fargate accepts the pair.
 */
export function validateTaskSize(cpu: unknown, memory: unknown, cpuKey: string, memoryKey: string): void {
    if (typeof cpu !== "number" || !FARGATE_CPU_UNITS.includes(cpu)) {
        throw new ConfigError(cpuKey, cpu, `expected one of ${FARGATE_CPU_UNITS.join(", ")} (CPU units, 1024 = 1 vCPU)`);
    }
    const memories = allowedMemory(cpu);
    if (typeof memory !== "number" || !memories.includes(memory)) {
        const range = SIZES.get(cpu)!;
        const listed = range.extra ? `${range.extra.join(", ")}, ` : "";
        throw new ConfigError(
            memoryKey,
            memory,
            `with ${cpuKey} ${cpu}, Fargate accepts ${listed}${range.min} to ${range.max} MiB in steps of ${range.step}`,
        );
    }
}
