/**
 * Which processor each task ran on. Fargate places tasks of one architecture on several processor generations,
 * so a verdict from one task can be an accident of placement: the results record, per task, the model the task
 * itself read from /proc/cpuinfo. Every service's task has a `task-info` container (services/TaskInfo) that logs
 * one line, `task-info {"processors":N,"cpuinfo":"<first processor's block>"}`, to the service's log group; this
 * module names the processor from that block (or from this machine's /proc/cpuinfo on a local run) and reads the
 * lines of a stack's running tasks. The AWS SDK is loaded only when credentials are present.
 */
import * as fs from "fs";
import { hasAwsCredentials, NO_AWS_CREDENTIALS } from "./cloudwatch";

/** The container, and its stream prefix, that logs the line (infra/fargate-service.ts TASK_INFO_CONTAINER). */
export const TASK_INFO_STREAM_PREFIX = "task-info";
const MARKER = "task-info ";

/** One task and the processor it ran on. */
export interface TaskProcessor {
    /** The service's key (bookstore, prime, ... or a user's service). */
    readonly service: string;
    /** The ECS task id, or "local" for this machine. */
    readonly task: string;
    /** The processor's name, e.g. "AWS Graviton3 (Arm Neoverse-V1)" or "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz". */
    readonly model: string;
    /** Processors the task's /proc/cpuinfo lists (the host's view, not the task's CPU share). */
    readonly processors?: number;
}

/** The processors a run's tasks were placed on, or why they are not known. */
export interface ProcessorReading {
    readonly tasks: readonly TaskProcessor[];
    /** Set when some or all tasks could not be read: what was missing. */
    readonly note?: string;
}

/**
 * Arm's part numbers as the Linux kernel names them (torvalds/linux arch/arm64/include/asm/cputype.h: ARM_CPU_IMP_ARM
 * 0x41, ARM_CPU_PART_NEOVERSE_N1 0xD0C, _V1 0xD40, _N2 0xD49, _V2 0xD4F, _V3 0xD84; read in the stable-tree patches
 * that add them, not at one tag), and the core each Graviton generation is built on (aws/aws-graviton-getting-started
 * perfrunbook/debug_hw_perf.md at 301ba9c, its table of instance families: Graviton2 Neoverse N1, Graviton3 and 3E
 * Neoverse V1, Graviton4 Neoverse V2, Graviton5 Neoverse V3).
 */
const ARM_PARTS: Readonly<Record<string, string>> = {
    "0xd0c": "AWS Graviton2 (Arm Neoverse-N1)",
    "0xd40": "AWS Graviton3 (Arm Neoverse-V1)",
    "0xd4f": "AWS Graviton4 (Arm Neoverse-V2)",
    "0xd49": "Arm Neoverse-N2",
    "0xd84": "AWS Graviton5 (Arm Neoverse-V3)",
};

/**
 * The processor's name from a /proc/cpuinfo text (the whole file, or one processor's block): x86's "model name";
 * on arm64, which has none, the implementer and part codes (torvalds/linux arch/arm64/kernel/cpuinfo.c, c_show).
 */
export function processorModel(cpuinfo: string): string {
    const fields = new Map<string, string>();
    for (const line of cpuinfo.split("\n")) {
        const colon = line.indexOf(":");
        if (colon > 0) {
            const key = line.slice(0, colon).trim().toLowerCase();
            if (!fields.has(key)) {
                fields.set(key, line.slice(colon + 1).trim());
            }
        }
    }
    const name = fields.get("model name");
    if (name) {
        return name.replace(/\s+/g, " ");
    }
    const implementer = fields.get("cpu implementer")?.toLowerCase();
    const part = fields.get("cpu part")?.toLowerCase();
    if (implementer && part) {
        const known = implementer === "0x41" ? ARM_PARTS[part] : undefined;
        return known ?? `Arm-architecture CPU (implementer ${implementer}, part ${part})`;
    }
    return "unknown (no model name or CPU part in /proc/cpuinfo)";
}

/** The task-info line's processor, or undefined if the line is not one (other output in the same stream). */
export function parseTaskInfoLine(line: string): { model: string; processors: number } | undefined {
    const at = line.indexOf(MARKER);
    if (at < 0) {
        return undefined;
    }
    try {
        const o = JSON.parse(line.slice(at + MARKER.length)) as { processors?: unknown; cpuinfo?: unknown };
        if (typeof o.cpuinfo !== "string" || typeof o.processors !== "number") {
            return undefined;
        }
        return { model: processorModel(o.cpuinfo), processors: o.processors };
    } catch {
        return undefined;
    }
}

/** This machine's processor, for a local run: every service shares it. */
export function localProcessors(read: () => string = () => fs.readFileSync("/proc/cpuinfo", "utf8")): ProcessorReading {
    try {
        const text = read();
        const processors = text.split("\n").filter((l) => /^processor\s*:/.test(l)).length;
        return { tasks: [{ service: "all", task: "local", model: processorModel(text), processors }] };
    } catch (e) {
        return { tasks: [], note: `this machine's /proc/cpuinfo could not be read (${(e as Error).message})` };
    }
}

/** What reading a stack's tasks needs from AWS: injectable, so the logic is tested without it. */
export interface TaskLogReader {
    /** Ids of the service's running tasks. */
    runningTasks(clusterName: string, serviceName: string): Promise<string[]>;
    /** The lines of one log stream, oldest first, or [] if it does not exist (yet). */
    streamLines(logGroupName: string, streamName: string): Promise<string[]>;
}

export interface StackTasks {
    readonly clusterName?: string;
    /** Service key -> ECS service name. */
    readonly serviceNames: Readonly<Record<string, string>>;
    /** Service key -> log group name (the stacks' `logGroupNames` output). */
    readonly logGroupNames?: Readonly<Record<string, string>>;
}

/** The log stream the awslogs driver writes a task's container to: prefix/container/task id (ECS awslogs docs). */
export const taskInfoStream = (taskId: string): string => `${TASK_INFO_STREAM_PREFIX}/${TASK_INFO_STREAM_PREFIX}/${taskId}`;

/** Reads, per service, each running task's task-info line; never throws (the load figures stand on their own). */
export async function readStackProcessors(stack: StackTasks, reader: TaskLogReader): Promise<ProcessorReading> {
    if (!stack.clusterName || !stack.logGroupNames || Object.keys(stack.serviceNames).length === 0) {
        return { tasks: [], note: "the stack exports no clusterName, serviceNames or logGroupNames (deployed before this version: run pulumi up)" };
    }
    const tasks: TaskProcessor[] = [];
    const missing: string[] = [];
    for (const [key, serviceName] of Object.entries(stack.serviceNames)) {
        const group = stack.logGroupNames[key];
        if (!group) {
            missing.push(`${key}: no log group in the outputs`);
            continue;
        }
        try {
            for (const task of await reader.runningTasks(stack.clusterName, serviceName)) {
                const line = (await reader.streamLines(group, taskInfoStream(task))).map(parseTaskInfoLine).find((x) => x !== undefined);
                if (line) {
                    tasks.push({ service: key, task, ...line });
                } else {
                    missing.push(`${key} task ${task}: no task-info line in ${group} ${taskInfoStream(task)}`);
                }
            }
        } catch (e) {
            missing.push(`${key}: ${(e as Error).message}`);
        }
    }
    return missing.length > 0 ? { tasks, note: `not read: ${missing.join("; ")}` } : { tasks };
}

/** The ECS and CloudWatch Logs reader, or a reading that says why there is none. */
export async function awsProcessors(stack: StackTasks, region: string | undefined): Promise<ProcessorReading> {
    if (!hasAwsCredentials()) {
        return { tasks: [], note: `not read: ${NO_AWS_CREDENTIALS}` };
    }
    const ecsSdk = await import("@aws-sdk/client-ecs");
    const logsSdk = await import("@aws-sdk/client-cloudwatch-logs");
    const ecs = new ecsSdk.ECSClient(region ? { region } : {});
    const logs = new logsSdk.CloudWatchLogsClient(region ? { region } : {});
    return readStackProcessors(stack, {
        async runningTasks(cluster, serviceName) {
            const out = await ecs.send(new ecsSdk.ListTasksCommand({ cluster, serviceName, desiredStatus: "RUNNING" }));
            return (out.taskArns ?? []).map((arn) => arn.slice(arn.lastIndexOf("/") + 1));
        },
        async streamLines(logGroupName, logStreamName) {
            try {
                const out = await logs.send(new logsSdk.GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: true, limit: 20 }));
                return (out.events ?? []).map((e) => e.message ?? "");
            } catch (e) {
                if ((e as Error).name === "ResourceNotFoundException") {
                    return [];
                }
                throw e;
            }
        },
    });
}

/** One line for the run's summary: each model and how many tasks ran on it. */
export function summariseProcessors(reading: ProcessorReading): string {
    if (reading.tasks.length === 0) {
        return `unknown (${reading.note ?? "no task read"})`;
    }
    const counts = new Map<string, number>();
    for (const t of reading.tasks) {
        counts.set(t.model, (counts.get(t.model) ?? 0) + 1);
    }
    const parts = [...counts].map(([model, n]) => (reading.tasks.length === 1 && reading.tasks[0].task === "local" ? model : `${model} x${n}`));
    return parts.join(", ") + (reading.note ? " (some tasks not read)" : "");
}
