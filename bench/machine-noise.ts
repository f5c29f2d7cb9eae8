/**
 * --local: how busy this machine was while a step ran, so a figure taken on a busy machine is marked as such
 * rather than compared as if it were clean. Read from Linux's /proc (proc(5)):
 * - /proc/loadavg: the 1-minute load average (threads running or waiting for a CPU, or in uninterruptible
 *   sleep, averaged over about a minute) at the step's start and end.
 * - /proc/stat, the first `cpu` line: time spent per state in USER_HZ ticks, the 8th value being `steal`
 *   (time the hypervisor ran something else while this machine's virtual CPUs wanted to run).
 *
 * A step is busy when, during it,
 * - CPU steal was at least STEAL_BUSY_PERCENT of the machine's CPU time: the host took a twentieth of the CPUs
 *   the benchmark thought it had, which shows in the latency of whatever was waiting; or
 * - the 1-minute load average at its end was above the number of cores plus LOAD_MARGIN: the benchmark's own
 *   processes keep at most about one thread per core runnable (Artillery's busy-waiting timer on one core, the
 *   capped services on the other), so a load that high means other work competed for the cores over the last
 *   minute and some thread, ours or theirs, waited for a CPU.
 * Both are recorded whatever the verdict, so two runs can be compared on them.
 */
import * as fs from "fs";
import * as os from "os";

/** Steal at or above this percent of the machine's CPU time during a step makes it busy. */
export const STEAL_BUSY_PERCENT = 5;
/** A 1-minute load above cores + this at a step's end makes it busy. */
export const LOAD_MARGIN = 0.5;

/** What a step saw of the machine. */
export interface MachineNoise {
    /** 1-minute load average at the step's start and end. */
    readonly load1Start: number;
    readonly load1: number;
    /** CPU steal during the step, percent of the machine's CPU time (0 when the kernel reports none). */
    readonly stealPercent: number;
    readonly cores: number;
    readonly busy: boolean;
    /** Why it was busy, with the figures and the thresholds. */
    readonly why?: string;
}

export interface MachineProbe {
    end(): MachineNoise;
}

/** The 1-minute load average from /proc/loadavg's text. */
export function parseLoadavg(text: string): number {
    const load1 = Number(text.trim().split(/\s+/)[0]);
    if (!Number.isFinite(load1)) {
        throw new RangeError(`/proc/loadavg: expected a load average first, got ${JSON.stringify(text.slice(0, 40))}`);
    }
    return load1;
}

/** Total and steal ticks from /proc/stat's aggregate `cpu` line (user nice system idle iowait irq softirq steal ...). */
export function parseCpuLine(text: string): { total: number; steal: number } {
    const line = text.split("\n").find((l) => l.startsWith("cpu "));
    const values = line?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    if (values.length < 4 || values.some((v) => !Number.isFinite(v))) {
        throw new RangeError(`/proc/stat: expected an aggregate "cpu" line, got ${JSON.stringify(line ?? text.slice(0, 60))}`);
    }
    // guest and guest_nice (9th, 10th) are already counted in user and nice.
    const counted = values.slice(0, 8);
    return { total: counted.reduce((a, b) => a + b, 0), steal: values[7] ?? 0 };
}

/** Judges a step from its readings. */
export function judgeMachine(start: { load1: number; cpu: { total: number; steal: number } }, end: { load1: number; cpu: { total: number; steal: number } }, cores: number): MachineNoise {
    const ticks = end.cpu.total - start.cpu.total;
    const stealPercent = ticks > 0 ? Math.round(((end.cpu.steal - start.cpu.steal) / ticks) * 1000) / 10 : 0;
    const reasons: string[] = [];
    if (stealPercent >= STEAL_BUSY_PERCENT) {
        reasons.push(`CPU steal ${stealPercent.toFixed(1)}% >= ${STEAL_BUSY_PERCENT}%`);
    }
    if (end.load1 > cores + LOAD_MARGIN) {
        reasons.push(`1-minute load ${end.load1.toFixed(2)} > ${cores} cores + ${LOAD_MARGIN}`);
    }
    return {
        load1Start: start.load1,
        load1: end.load1,
        stealPercent,
        cores,
        busy: reasons.length > 0,
        ...(reasons.length > 0 ? { why: reasons.join("; ") } : {}),
    };
}

/** Starts a probe on this machine's /proc; undefined where /proc cannot be read (not Linux). */
export function probeMachine(read: (file: string) => string = (f) => fs.readFileSync(f, "utf8"), cores = os.cpus().length): MachineProbe | undefined {
    const sample = () => ({ load1: parseLoadavg(read("/proc/loadavg")), cpu: parseCpuLine(read("/proc/stat")) });
    let start: ReturnType<typeof sample>;
    try {
        start = sample();
    } catch {
        return undefined;
    }
    return { end: () => judgeMachine(start, sample(), cores) };
}
