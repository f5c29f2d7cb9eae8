/**
 * --local: caps the services at the stacks' task CPU, as Fargate does, with a CPU cgroup of their own: cgroup v2
 * `cpu.max` or, on a cgroup v1 hierarchy, `cpu.cfs_quota_us` / `cpu.cfs_period_us` (the same CFS bandwidth
 * control under another name; Linux Documentation/scheduler/sched-bwc.rst). 1024 CPU units are one vCPU, so the
 * default 512 is 50 ms of CPU in every 100 ms period. The services start inside the group (a shell writes its
 * own pid into `cgroup.procs`, then execs the service), so the .NET runtime sees the quota from its first
 * instruction (it sizes Environment.ProcessorCount and the thread pool from it).
 */
import * as fs from "fs";
import * as path from "path";

/** CFS period used for every cap, microseconds (the kernel's default). */
export const CFS_PERIOD_US = 100_000;

export interface CpuCap {
    /** How the cap was applied, for the log and the report, e.g. "512 CPU units (cgroup v1 cpu.cfs_quota_us 50000 per 100000 us)". */
    readonly description: string;
    /** The command prefix that runs a program inside the group. */
    readonly prefix: readonly string[];
    /** Removes the group (once the processes in it have exited). */
    remove(): void;
}

/** Why no cap could be applied, for the log and the report. */
export interface NoCpuCap {
    readonly why: string;
}

/** The CFS quota for `units` CPU units (1024 a vCPU) per CFS_PERIOD_US; refuses what Fargate would not take. */
export function quotaFor(units: number): number {
    if (!Number.isInteger(units) || units < 128 || units > 16_384) {
        throw new Error(`a CPU cap must be a whole number of CPU units from 128 to 16384 (1024 = one vCPU), got ${units}`);
    }
    return Math.round((units / 1024) * CFS_PERIOD_US);
}

/** Where the group would go and how to set it: v2 when the unified hierarchy has the cpu controller, else v1's cpu hierarchy. */
interface Hierarchy {
    readonly version: 1 | 2;
    /** The directory of this process's own group in that hierarchy. */
    readonly own: string;
}

/** This process's groups from /proc/self/cgroup ("0::/path" for v2, "N:cpu,cpuacct:/path" for v1's cpu controller). */
export function findHierarchy(root = "/sys/fs/cgroup", procSelfCgroup = "/proc/self/cgroup"): Hierarchy | NoCpuCap {
    let lines: string[];
    try {
        lines = fs.readFileSync(procSelfCgroup, "utf8").split("\n").filter((l) => l.trim() !== "");
    } catch {
        return { why: `${procSelfCgroup} is not readable (not Linux?)` };
    }
    const entries = lines.map((l) => {
        const [, controllers, ...rest] = l.split(":");
        return { controllers: controllers.split(","), path: rest.join(":") };
    });
    const unified = entries.find((e) => e.controllers.length === 1 && e.controllers[0] === "");
    const v2Controllers = path.join(root, "cgroup.controllers");
    if (unified && fs.existsSync(v2Controllers) && fs.readFileSync(v2Controllers, "utf8").split(/\s+/).includes("cpu")) {
        return { version: 2, own: path.join(root, unified.path) };
    }
    const v1 = entries.find((e) => e.controllers.includes("cpu"));
    if (v1) {
        for (const mount of ["cpu", "cpu,cpuacct", "cpuacct,cpu"]) {
            const dir = path.join(root, mount);
            if (fs.existsSync(path.join(dir, "cpu.cfs_quota_us"))) {
                return { version: 1, own: path.join(dir, v1.path) };
            }
        }
    }
    return { why: `no CPU controller under ${root} (neither cgroup v2 with "cpu" in cgroup.controllers nor a v1 cpu hierarchy)` };
}

/**
 * Creates a group capped at `units` CPU units below this process's own group. Returns why not when the
 * kernel or the permissions do not allow it (not root, a read-only cgroupfs, v2 without the cpu controller
 * delegated): the benchmark then runs uncapped and says so.
 */
export function createCpuCap(units: number, name: string, root = "/sys/fs/cgroup", procSelfCgroup = "/proc/self/cgroup"): CpuCap | NoCpuCap {
    const quota = quotaFor(units);
    const hierarchy = findHierarchy(root, procSelfCgroup);
    if ("why" in hierarchy) {
        return hierarchy;
    }
    const dir = path.join(hierarchy.own, name);
    try {
        fs.mkdirSync(dir);
    } catch (e) {
        return { why: `cannot create the CPU cgroup ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
    try {
        if (hierarchy.version === 2) {
            // A v2 group has cpu.max only when its parent hands the cpu controller down (cgroup.subtree_control).
            if (!fs.existsSync(path.join(dir, "cpu.max"))) {
                fs.writeFileSync(path.join(hierarchy.own, "cgroup.subtree_control"), "+cpu");
            }
            fs.writeFileSync(path.join(dir, "cpu.max"), `${quota} ${CFS_PERIOD_US}`);
        } else {
            fs.writeFileSync(path.join(dir, "cpu.cfs_period_us"), String(CFS_PERIOD_US));
            fs.writeFileSync(path.join(dir, "cpu.cfs_quota_us"), String(quota));
        }
    } catch (e) {
        fs.rmdirSync(dir);
        return { why: `cannot set the CPU quota of ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
    const setting = hierarchy.version === 2 ? `cgroup v2 cpu.max ${quota} ${CFS_PERIOD_US}` : `cgroup v1 cpu.cfs_quota_us ${quota} per ${CFS_PERIOD_US} us`;
    return {
        description: `${units} CPU units (${setting})`,
        // "$0" is the group's directory; the shell joins the group, then becomes the service.
        prefix: ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir],
        remove: () => {
            try {
                fs.rmdirSync(dir);
            } catch {
                // still busy or already gone: a stale empty group is harmless and has a unique name
            }
        },
    };
}
