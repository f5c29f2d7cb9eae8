/**
 * `--local`: this machine's architecture and core pinning, and the services built, started, capped and stopped
 * on 127.0.0.1 for a run.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Architecture } from "../model/architecture";
import { DEFAULT_TASK_SIZE, gcHeapHardLimitBytes, taskSizeFlag } from "../model/task-sizes";
import { TaskSize } from "../model/pricing";
import { notMeasured } from "./cloudwatch";
import { buildServices, dotnetCommand, LOCAL_SERVICES, ProcSampler, REPO_ROOT, RunningService, startServices, stopProcess } from "./local";
import { LocalCommand, localRouter, parseServiceFlags, projectDir, publishUserService, readServiceFile, stackServices, userServiceCommand } from "./user-services";
import { ServiceSpec } from "../model/services";
import { probeMachine } from "./machine-noise";
import { localProcessors } from "./processors";
import { CpuCap, createCpuCap } from "./cpu-cap";
import { Target } from "./runner";
import { LocalPostgres, startLocalPostgres } from "./postgres";
import { CliOptions, MainDeps, UsageError } from "./options";

/** Stops whatever main() has started; the CLI calls these on SIGINT/SIGTERM before exiting. */
export const cleanups = new Set<() => Promise<void>>();

/** This machine's architecture in the project's terms. */
export function localArchitecture(arch = os.arch()): Architecture {
    if (arch === "x64") {
        return "amd64";
    }
    if (arch === "arm64") {
        return "arm64";
    }
    throw new UsageError(`--local: this machine's architecture ${arch} is neither x64 nor arm64`);
}

/**
 * Local runs: the services on the last core, Artillery on the first, so neither takes the other's CPU
 * (a Fargate task is alone on its vCPUs). Undefined when there is one core or no `taskset`.
 */
export function corePinning(cores: number, hasTaskset = fs.existsSync("/usr/bin/taskset")): {
    serviceCore: number;
    artilleryCore: number;
    service: string[];
    artillery: string[];
} | undefined {
    if (cores < 2 || !hasTaskset) {
        return undefined;
    }
    const serviceCore = cores - 1;
    return { serviceCore, artilleryCore: 0, service: ["taskset", "-c", String(serviceCore)], artillery: ["taskset", "-c", "0"] };
}

/** A service command run under a prefix of its own (its CPU cgroup, then taskset); no prefix leaves it as it is. */
function prefixed(
    command: (name: string, port: number) => LocalCommand,
    prefixFor: (name: string) => readonly string[],
): (name: string, port: number) => LocalCommand {
    return (name, port) => {
        const c = command(name, port);
        const prefix = prefixFor(name);
        return prefix.length === 0 ? c : { ...c, command: prefix[0], args: [...prefix.slice(1), c.command, ...c.args] };
    };
}

/** What --local has started, for main() to stop whatever happens. */
export interface LocalState {
    running: RunningService[];
    sampler?: ProcSampler;
    /** Where the user services were published (removed at the end). */
    publishDir?: string;
    /** The BookStore's throw-away PostgreSQL with --store postgres (removed at the end). */
    postgres?: LocalPostgres;
    /** Each service's CPU cgroup, by service name (removed at the end, once they have stopped). */
    cpuCaps: Map<string, CpuCap>;
}

/**
 * --local: works out which services the paths need (ours by the load balancer's patterns, the user's by
 * their --service paths), builds ours and publishes the user's, starts them on 127.0.0.1 (pinned), and
 * returns the target that routes each path to its service.
 */
export async function startLocal(
    options: CliOptions,
    paths: readonly string[],
    state: LocalState,
    o: { deps: MainDeps; log: (line: string) => void; pinning: ReturnType<typeof corePinning>; cpuModel: string },
): Promise<Target> {
    const architecture = localArchitecture();
    const users = localUserServices(options, architecture, o.log);
    const route = localRouter(users);
    for (const p of paths) {
        if (route(p) === undefined) {
            throw new UsageError(
                `--local: no service serves ${p}; for your own service add it to dotnet-fargate:services in Pulumi.${architecture}.yaml, or pass --service-file with its object, ` +
                    `or --service with it, e.g. --service '{"name": "echo", "project": "../echo/Echo.Api", "paths": ["/echo/*"]}'`,
            );
        }
    }
    const wanted = new Set(paths.map((p) => route(p) as string));
    const ours = LOCAL_SERVICES.filter((n) => wanted.has(n));
    const theirs = users.filter((u) => wanted.has(u.name));
    if (ours.length > 0 && options.build && !o.deps.localCommand) {
        await buildServices(ours, o.log);
    }
    const dlls = new Map<string, string>();
    if (theirs.length > 0) {
        const publishDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-publish-"));
        state.publishDir = publishDir;
        // Removed on an interrupt too (stopLocal removes it after a run that got that far).
        cleanups.add(async () => fs.rmSync(publishDir, { recursive: true, force: true }));
        for (const u of theirs) {
            o.log(`publishing ${u.name}: dotnet publish ${path.relative(REPO_ROOT, projectDir(u)) || "."} -c Release`);
            dlls.set(u.name, await (o.deps.publishUserService ?? publishUserService)(u, path.join(state.publishDir, u.name)));
        }
    }
    cleanups.add(async () => {
        await Promise.all(state.running.map((r) => stopProcess(r.child)));
        state.cpuCaps.forEach((cap) => cap.remove()); // once their processes are gone
    });
    const store = await localStore(options, ours, state, o);
    const ourCommand = o.deps.localCommand ?? dotnetCommand();
    const command = (name: string, port: number): LocalCommand => {
        const user = theirs.find((u) => u.name === name);
        if (user) {
            return userServiceCommand(user, dlls.get(name) as string, port);
        }
        // On PostgreSQL the BookStore is benchmarked once /ready says its schema and data are in place.
        return name === "BookStore.Api" && state.postgres
            ? { ...ourCommand(name, port), env: state.postgres.env, healthCheckPath: "/ready" }
            : ourCommand(name, port);
    };
    if (o.pinning) {
        o.log(`pinning: the services to core ${o.pinning.serviceCore}, Artillery to core ${o.pinning.artilleryCore} (taskset; --no-pin to turn off)`);
    }
    const needed = [...ours, ...theirs.map((u) => u.name)];
    const size = localTaskSize(options);
    const localCpu = [capLocalServices(needed, size, options, state, o), ...(options.cap ? [heapLimitText(size)] : [])].join("; ");
    const prefixFor = (name: string) => [...(state.cpuCaps.get(name)?.prefix ?? []), ...(o.pinning?.service ?? [])];
    const limited = options.cap ? withHeapLimit(command, size) : command;
    if (options.cap) {
        o.log(`memory: the services are ${heapLimitText(size)} (--no-cap to turn off)`);
    }
    await startServices(needed, prefixed(limited, prefixFor), { log: o.log, onStart: (r) => state.running.push(r) });
    const byName = new Map(state.running.map((r) => [r.name, r.baseUrl]));
    const pids = state.running.map((r) => ({ name: r.name, pid: r.child.pid ?? -1 }));
    return {
        label: `local-${architecture}`,
        mode: "local",
        architecture,
        baseUrlFor: (p) => byName.get(route(p) ?? "") ?? "http://127.0.0.1:1",
        urls: Object.fromEntries(byName),
        // No Fargate task here: the cost figures use the size it stands for (--task-size, else the stacks' default), marked as such in the report.
        taskSize: size,
        tasksPerService: 1,
        tasksSource: "local",
        serverCpuModel: o.cpuModel,
        readProcessors: async () => localProcessors(),
        store,
        localCpu,
        probeMachine: () => probeMachine(),
        beginUtilisation: () => {
            state.sampler = new ProcSampler(pids);
            state.sampler.begin();
        },
        endUtilisation: async () => state.sampler?.end() ?? notMeasured(needed, "not measured"),
    };
}

/**
 * --local: the user's services from --service and --service-file, else from this architecture's stack file
 * (Pulumi.<arch>.yaml's dotnet-fargate:services), each checked by the program's parser.
 */
function localUserServices(options: CliOptions, architecture: Architecture, log: (line: string) => void): ServiceSpec[] {
    try {
        const given = [...parseServiceFlags(options.services), ...(options.serviceFile ? readServiceFile(path.resolve(options.serviceFile)) : [])];
        const names = given.map((s) => s.name);
        const twice = names.find((n, i) => names.indexOf(n) !== i);
        if (twice !== undefined) {
            throw new UsageError(`--service / --service-file: the service "${twice}" is given twice`);
        }
        if (given.length > 0 || options.services.length > 0 || options.serviceFile) {
            return given;
        }
        const fromStack = stackServices(architecture);
        if (fromStack.length > 0) {
            log(`your services from Pulumi.${architecture}.yaml (dotnet-fargate:services): ${fromStack.map((s) => `${s.name} (${s.pathPatterns.join(", ")})`).join("; ")}`);
        }
        return fromStack;
    } catch (e) {
        throw e instanceof UsageError ? e : new UsageError((e as Error).message);
    }
}

/** What a local run stands for without --task-size: the stacks' default task. Its CPU is the services' cap; both price the local figures. */
export const LOCAL_TASK_SIZE = DEFAULT_TASK_SIZE;

/** The task a local run stands for: --task-size, else LOCAL_TASK_SIZE. */
export function localTaskSize(options: Pick<CliOptions, "taskSize">): TaskSize {
    return options.taskSize ?? LOCAL_TASK_SIZE;
}

const heapLimitText = (size: TaskSize) =>
    `given a GC heap hard limit of ${gcHeapHardLimitBytes(size) / (1024 * 1024)} MiB each (DOTNET_GCHeapHardLimit: what .NET derives from a ${size.memory} MiB memory limit; no kernel memory limit)`;

/**
 * The services' GC heap limited as the runtime would limit it under the task's memory limit. A cgroup memory limit
 * is not set here: the kernel would kill the process (as Fargate stops the task) rather than measure it. A
 * service's own DOTNET_GCHeapHardLimit (its `environment`) wins, as it would in its container.
 */
function withHeapLimit(command: (name: string, port: number) => LocalCommand, size: TaskSize): (name: string, port: number) => LocalCommand {
    // Hexadecimal digits without "0x": CoreCLR reads either form, but a Native AOT process reads digits alone and
    // ignores a prefixed value without a word (dotnet/runtime src/coreclr/nativeaot/Runtime/RhConfig.cpp at 0d7c9e42,
    // ReadConfigValue; seen here on 10.0.12: 0x200000 started the BookStore, 200000 stopped it for want of heap).
    const limit = gcHeapHardLimitBytes(size).toString(16);
    return (name, port) => {
        const c = command(name, port);
        return { ...c, env: { DOTNET_GCHeapHardLimit: limit, ...c.env } };
    };
}

/**
 * --local: a CPU cgroup per service that holds it to a task's CPU (the size's CPU units), as each service is
 * its own task on Fargate, unless --no-cap or the kernel does not allow it; returns what the services had, for
 * the log and the report.
 */
function capLocalServices(
    services: readonly string[],
    size: TaskSize,
    options: CliOptions,
    state: LocalState,
    o: { log: (line: string) => void; deps: MainDeps; pinning: ReturnType<typeof corePinning> },
): string {
    const core = o.pinning ? `on core ${o.pinning.serviceCore} (taskset)` : "on any core (not pinned)";
    if (!options.cap) {
        o.log("CPU: the services are not capped (--no-cap)");
        return `uncapped (--no-cap), ${core}`;
    }
    let description = "";
    for (const service of services) {
        const cap = (o.deps.createCpuCap ?? createCpuCap)(size.cpu, `dotnet-fargate-bench-${process.pid}-${service}`);
        if ("why" in cap) {
            state.cpuCaps.forEach((made) => made.remove());
            state.cpuCaps.clear();
            o.log(`CPU: the services are not capped at the task's ${size.cpu} CPU units: ${cap.why}`);
            return `uncapped (${cap.why}), ${core}`;
        }
        state.cpuCaps.set(service, cap);
        description = cap.description;
    }
    o.log(`CPU: each service is capped at ${description}, as its own ${options.taskSize ? "" : "default "}${taskSizeFlag(size)} task (--no-cap to turn off)`);
    return `capped at ${description} each, ${core}`;
}

/** --store postgres: starts the BookStore's server (on the services' core) and says what the report will call it. */
async function localStore(
    options: CliOptions,
    ours: readonly string[],
    state: LocalState,
    o: { log: (line: string) => void; pinning: ReturnType<typeof corePinning> },
): Promise<string> {
    if (options.store === "memory") {
        return "memory";
    }
    if (!ours.includes("BookStore.Api")) {
        throw new UsageError("--store postgres: none of the chosen scenarios calls the BookStore (/api/...)");
    }
    state.postgres = await startLocalPostgres(o.pinning?.service ?? []);
    cleanups.add(async () => void (await state.postgres?.stop()));
    o.log(`BookStore store: a throw-away PostgreSQL ${state.postgres.version}${o.pinning ? `, on core ${o.pinning.serviceCore} with the services` : ""}`);
    return `postgres (local PostgreSQL ${state.postgres.version}, TLS${o.pinning ? ", on the services' core" : ""})`;
}

/** Stops what --local started (the services, their sampler, the BookStore's PostgreSQL) and removes what it published. */
export async function stopLocal(local: LocalState, log: (line: string) => void): Promise<void> {
    local.sampler?.end();
    await Promise.all(local.running.map((r) => stopProcess(r.child)));
    if (local.running.length > 0) {
        log(`stopped ${local.running.map((r) => r.name).join(", ")}`);
    }
    if (local.publishDir) {
        fs.rmSync(local.publishDir, { recursive: true, force: true });
    }
    if (local.postgres) {
        await local.postgres.stop();
        log("stopped the BookStore's PostgreSQL");
    }
    local.cpuCaps.forEach((cap) => cap.remove());
}
