/**
 * `npm run bench -- --stacks arm64,amd64` or `npm run bench -- --local --scale 0.05`.
 * Runs the scenarios, saves the results under bench/results/, and writes the report beside them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { Architecture } from "../infra/architecture";
import { notMeasured, readContainerInsights } from "./cloudwatch";
import { cloudWatchNatReader, NatReader } from "./nat-gateway";
import { buildServices, dotnetCommand, LOCAL_SERVICES, ProcSampler, REPO_ROOT, RunningService, startServices, stopProcess } from "./local";
import { LocalCommand, localRouter, parseServiceFlags, projectDir, publishUserService, readServiceFile, stackServices, userServiceCommand } from "./user-services";
import { ServiceSpec } from "../stacks/services";
import { probeMachine } from "./machine-noise";
import { awsProcessors, localProcessors, ProcessorReading, StackTasks } from "./processors";
import { artilleryBin, runArtillery } from "./artillery";
import { MIN_PHASE_STEP_S } from "./capacity-phases";
import { CpuCap, createCpuCap, NoCpuCap } from "./cpu-cap";
import { checkAwsCredentials, fargateRunner, LoadGeneratorPlacement } from "./fargate";
import { writeReports } from "./report";
import { BenchResults, currentMachine, RESULTS_DIR, RESULTS_FORMAT, TasksSource, writeResults } from "./results";
import { preflight, runBenchmark, ScriptRunner, Target } from "./runner";
import {
    ALL_SCENARIOS,
    CapacityTarget,
    loadUserFlow,
    pathFlow,
    USER_CAPACITY_DEFAULTS,
    loadUserScenario,
    CapacityOverrides,
    DEFAULT_SCENARIOS,
    isCapacityScenario,
    loadCapacityTargets,
    loadFixedScenario,
    SCENARIO_GROUPS,
    selectScenarios,
} from "./scenarios";
import { LocalPostgres, startLocalPostgres, Store, STORES } from "./postgres";
import { CommandRunner, readStackOutputs, runCommand } from "./stack-outputs";

/** Scaled capacity steps are never shorter than this: one Artillery period, enough requests for a p99. */
export const MIN_STEP_S = 10;

export const USAGE = `Usage: npm run bench -- (--stacks arm64,amd64 | --local) [options]

Targets (exactly one):
  --stacks <a,b>             Pulumi stacks to benchmark; each stack's \`url\` output is read with
                             \`pulumi stack output --json --stack <name>\`
  --local                    build the services (Release), start them on 127.0.0.1, benchmark, stop them

Options:
  --scale <f>                multiply every duration by f (default 1 = the seed's durations; 0.05 for a quick run)
  --scenarios <list>         comma-separated, from ${ALL_SCENARIOS.join(",")}
                             or the group ${Object.entries(SCENARIO_GROUPS).map(([g, ids]) => `${g} (${ids.join(",")})`).join(", ")}
                             (default: ${DEFAULT_SCENARIOS.join(",")}; the profiling scenarios need the
                             Profiling API: in --local it is started, on a stack \`profiling\` must be in
                             \`dotnet-fargate:services\`; after memory-leak, DELETE /memory-leak resets it)
  --scenario <file.yml>      your own Artillery file (one phase, any flows), run on every target after the
                             --scenarios tests; repeat for several; alone, only the files run
  --store <memory|postgres>  --local: the BookStore's store (default memory, as the seed); postgres starts a
                             throw-away PostgreSQL (services/scripts/postgres.sh) on the services' core. On a
                             stack the store is the stack's (dotnet-fargate:database); the report names it
  --service '<json>'         --local: your own service, the object of its dotnet-fargate:services entry
                             (name, project, paths, ...); published, started and routed like ours; repeatable
  --service-file <x.json>    --local: your services written once: one such object, or a list of them.
                             Without --service and --service-file, --local takes your services from
                             Pulumi.<this machine's architecture>.yaml (dotnet-fargate:services), as deployed
  --capacity-flow <file.yml> capacity search on your own Artillery file: each arrival runs its flow (one or
                             more requests); rates in flows/s, judged on each request's p99; repeatable
  --capacity-path <path>     capacity search on a GET of this path (the default flow when you have no file);
                             repeatable. With --capacity-flow/--capacity-path and no --scenarios, only yours run.
                             Their defaults: start ${USER_CAPACITY_DEFAULTS.startRate}/s, p99 target ${USER_CAPACITY_DEFAULTS.p99TargetMs} ms, errors <= ${USER_CAPACITY_DEFAULTS.maxErrorRate * 100}%
  --capacity-start <rps>     capacity search: first arrival rate (default: each bench/scenarios/capacity*.yml);
                             these capacity flags apply to every capacity scenario selected
  --capacity-max <rps>       capacity search: upper bound (the ramp doubles the rate up to it, then bisects)
  --capacity-step-duration <s>  seconds per step, as given (the file's default is scaled by --scale, never below ${MIN_STEP_S} s;
                             with --engine fargate at least ${MIN_PHASE_STEP_S} s: the steps are phases of one run)
  --p99-target <ms>          capacity search: a step holds while its p99 is at most this
  --max-error-rate <f>       capacity search: a step holds while its failed fraction is at most this (e.g. 0.01)
  --tasks <n>                tasks behind each service during the run; capacity per task = measured / n
                             (default: each stack's \`desiredCount\` output, or 1 for a stack without it)
  --engine <local|fargate>   where Artillery runs: here (default), or \`artillery run-fargate\` in the
                             stack's region (needs --stacks, --count and AWS credentials)
  --count <n>                --engine fargate: Artillery workers (Fargate tasks) per run
  --repeat <n>               run each capacity search n times (default 1; n >= 3 shows min/median/max)
  --no-pin                   --local: do not pin the services to one core and Artillery to another
  --no-cap                   --local: do not cap the services at the task's CPU (512 units = half a core,
                             a cgroup of their own; applied where the kernel and permissions allow)
  --timeout <ms>             per-request timeout (default 10000)
  --out <file>               results file (default bench/results/<time>-<targets>.json); the report is written beside it
  --no-build                 --local: skip \`dotnet build\` (use the last Release build)
  --help                     this text
`;

export class UsageError extends Error {
    constructor(message: string) {
        super(`${message}\n\n${USAGE}`);
        this.name = "UsageError";
    }
}

export interface CliOptions {
    readonly stacks?: readonly string[];
    readonly local: boolean;
    readonly scale: number;
    readonly scenarios: readonly string[];
    /** --scenario: a user's own Artillery files, run after the built-in tests named by --scenarios. */
    readonly scenarioFiles: readonly string[];
    /** --service: a user's services for --local, each a JSON object as in dotnet-fargate:services. */
    readonly services: readonly string[];
    /** --service-file: a JSON file of the user's services (one object or a list), for --local. */
    readonly serviceFile?: string;
    /** --capacity-flow: the user's Artillery files, each a capacity search in flows/s. */
    readonly capacityFlows: readonly string[];
    /** --capacity-path: paths whose GET is a capacity search of its own (the default flow). */
    readonly capacityPaths: readonly string[];
    /** --store: the BookStore's store in --local runs. */
    readonly store: Store;
    readonly capacity: CapacityOverrides;
    /** --tasks; undefined when not given (each stack's desiredCount output, else 1). */
    readonly tasks?: number;
    readonly timeoutMs: number;
    readonly engine: "local" | "fargate";
    readonly count?: number;
    readonly repeat: number;
    readonly pin: boolean;
    /** --local: cap the services at the task's CPU with a cgroup (off with --no-cap). */
    readonly cap: boolean;
    readonly out?: string;
    readonly build: boolean;
    readonly help: boolean;
}

function num(name: string, value: string | undefined, check: (n: number) => boolean, what: string): number | undefined {
    if (value === undefined) {
        return undefined;
    }
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || !check(n)) {
        throw new UsageError(`--${name} must be ${what}, got ${JSON.stringify(value)}`);
    }
    return n;
}

const FLAGS = {
    stacks: { type: "string" },
    local: { type: "boolean", default: false },
    scale: { type: "string" },
    scenarios: { type: "string" },
    scenario: { type: "string", multiple: true },
    service: { type: "string", multiple: true },
    "service-file": { type: "string" },
    "capacity-flow": { type: "string", multiple: true },
    "capacity-path": { type: "string", multiple: true },
    store: { type: "string" },
    "capacity-start": { type: "string" },
    "capacity-max": { type: "string" },
    "capacity-step-duration": { type: "string" },
    "p99-target": { type: "string" },
    "max-error-rate": { type: "string" },
    tasks: { type: "string" },
    engine: { type: "string" },
    count: { type: "string" },
    repeat: { type: "string" },
    "no-pin": { type: "boolean", default: false },
    "no-cap": { type: "boolean", default: false },
    timeout: { type: "string" },
    out: { type: "string" },
    "no-build": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
} as const;

type Flags = ReturnType<typeof parseArgs<{ args: string[]; options: typeof FLAGS; strict: true; allowPositionals: false }>>["values"];

/** Parses and checks the command line. */
export function parseCli(argv: readonly string[]): CliOptions {
    let v: Flags;
    try {
        v = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }).values;
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    if (v.help) {
        return { local: false, scale: 1, scenarios: [], scenarioFiles: [], services: [], capacityFlows: [], capacityPaths: [], store: "memory", capacity: {}, timeoutMs: 10_000, engine: "local", repeat: 1, pin: true, cap: true, build: true, help: true };
    }
    const stacks = v.stacks?.split(",").map((s) => s.trim()).filter(Boolean);
    if ((stacks === undefined || stacks.length === 0) === !v.local) {
        throw new UsageError("Give exactly one of --stacks <names> or --local");
    }
    if (stacks && new Set(stacks).size !== stacks.length) {
        throw new UsageError(`--stacks names a stack twice: ${stacks.join(",")}`);
    }
    let scenarios: string[];
    try {
        // With the user's own files or paths and no --scenarios, only theirs run.
        const own = v.scenario || v["capacity-flow"] || v["capacity-path"];
        scenarios = own && v.scenarios === undefined ? [] : selectScenarios(v.scenarios);
    } catch (e) {
        throw new UsageError(`--scenarios: ${(e as Error).message}`);
    }
    if (v["service-file"] !== undefined && !v.local) {
        throw new UsageError("--service-file is for --local; a stack's services are those of its Pulumi.<stack>.yaml (dotnet-fargate:services), which it deployed");
    }
    for (const p of v["capacity-path"] ?? []) {
        if (!p.startsWith("/")) {
            throw new UsageError(`--capacity-path must be a path starting with /, got ${JSON.stringify(p)}`);
        }
    }
    if (v.service && !v.local) {
        throw new UsageError("--service is for --local; on a stack the load balancer routes your service's paths (deploy it with dotnet-fargate:services)");
    }
    const positive = (n: number) => n > 0;
    const { engine, count, stepDuration } = engineOf(v, stacks);
    return {
        engine,
        count,
        repeat: num("repeat", v.repeat, (n) => Number.isInteger(n) && n >= 1, "a whole number >= 1") ?? 1,
        pin: !v["no-pin"],
        cap: !v["no-cap"],
        stacks,
        local: Boolean(v.local),
        scale: num("scale", v.scale, positive, "a number greater than 0") ?? 1,
        scenarios,
        scenarioFiles: v.scenario ?? [],
        services: v.service ?? [],
        serviceFile: v["service-file"],
        capacityFlows: v["capacity-flow"] ?? [],
        capacityPaths: v["capacity-path"] ?? [],
        store: storeOf(v),
        capacity: {
            startRate: num("capacity-start", v["capacity-start"], positive, "a rate greater than 0"),
            maxRate: num("capacity-max", v["capacity-max"], positive, "a rate greater than 0"),
            stepDuration,
            p99TargetMs: num("p99-target", v["p99-target"], positive, "milliseconds greater than 0"),
            maxErrorRate: num("max-error-rate", v["max-error-rate"], (n) => n >= 0 && n < 1, "a fraction in [0, 1)"),
        },
        tasks: num("tasks", v.tasks, (n) => Number.isInteger(n) && n >= 1, "an integer >= 1"),
        timeoutMs: num("timeout", v.timeout, positive, "milliseconds greater than 0") ?? 10_000,
        out: v.out,
        build: !v["no-build"],
        help: false,
    };
}

/** --engine with what it needs: Fargate wants stacks, a worker count and steps long enough to be phases. */
function engineOf(v: Flags, stacks: readonly string[] | undefined) {
    const engine = v.engine ?? "local";
    if (engine !== "local" && engine !== "fargate") {
        throw new UsageError(`--engine must be local or fargate, got ${JSON.stringify(engine)}`);
    }
    const count = num("count", v.count, (n) => Number.isInteger(n) && n >= 1, "a whole number >= 1");
    if (engine === "fargate" && (!stacks || count === undefined)) {
        throw new UsageError("--engine fargate needs --stacks (the targets and their region) and --count <workers>");
    }
    if (engine === "local" && count !== undefined) {
        throw new UsageError("--count is for --engine fargate (Artillery workers on Fargate); the local engine is one process");
    }
    const stepDuration = num("capacity-step-duration", v["capacity-step-duration"], (n) => n > 0, "seconds greater than 0");
    if (engine === "fargate" && stepDuration !== undefined && stepDuration < MIN_PHASE_STEP_S) {
        throw new UsageError(
            `--capacity-step-duration with --engine fargate must be at least ${MIN_PHASE_STEP_S} s (each step is a phase judged from the whole 10 s periods inside it), got ${stepDuration}`,
        );
    }
    return { engine: engine as CliOptions["engine"], count, stepDuration };
}

/** --store: local runs only; a stack's BookStore runs on what the stack deployed. */
function storeOf(v: Flags): Store {
    const store = v.store ?? "memory";
    if (!(STORES as readonly string[]).includes(store)) {
        throw new UsageError(`--store must be ${STORES.join(" or ")}, got ${JSON.stringify(store)}`);
    }
    if (v.store !== undefined && !v.local) {
        throw new UsageError("--store is for --local; a stack's BookStore runs on the store the stack deployed (dotnet-fargate:database), which the report names");
    }
    return store as Store;
}

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

/** The Fargate engine for one stack: its region and placement come from the stack's `loadGenerator` output. */
function fargateFor(stack: string, placement: LoadGeneratorPlacement | undefined, count: number, log: (line: string) => void, test?: ScriptRunner): ScriptRunner {
    if (!placement) {
        throw new UsageError(
            `--engine fargate: stack "${stack}" has no \`loadGenerator\` output (region, private subnets, a security group the load balancer admits); ` +
                `run \`pulumi up --stack ${stack}\` with this version of the program`,
        );
    }
    log(`stack ${stack}: Artillery on ${count} Fargate worker(s) in ${placement.region}, subnets ${placement.subnetIds.join(",")}, security group ${placement.securityGroupId}`);
    return test ?? fargateRunner({ count, region: placement.region, placement }, { log });
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

/** Stops whatever main() has started; the CLI calls these on SIGINT/SIGTERM before exiting. */
const cleanups = new Set<() => Promise<void>>();

export interface MainDeps {
    readonly runCommand?: CommandRunner;
    readonly log?: (line: string) => void;
    /** Test hook: replaces the .NET services with another command per service. */
    readonly localCommand?: (name: string, port: number) => LocalCommand;
    readonly quiet?: boolean;
    /** Test hook: seconds per warm-up chunk (default 10). */
    readonly warmupChunkS?: number;
    /** Test hook: most warm-up chunks (default 6). */
    readonly warmupMaxChunks?: number;
    /** Test hook: runs the Artillery scripts instead of the engine. */
    readonly runScript?: ScriptRunner;
    /** Test hook: makes (or declines) the services' CPU cgroup. */
    readonly createCpuCap?: (units: number, name: string) => CpuCap | NoCpuCap;
    /** Targets the caller has deployed or started (`npm run compare`): benchmarked as they are, neither read nor started here. */
    readonly targets?: readonly Target[];
    /** Test hook: publishes a user's service (default `dotnet publish`, user-services.ts publishUserService); returns its entry assembly. */
    readonly publishUserService?: (spec: ServiceSpec, outDir: string) => Promise<string>;
    /** Test hook: reads the NAT gateway's figures for a window (--engine fargate), instead of CloudWatch. */
    readonly natReader?: (region: string, natGatewayIds: readonly string[] | undefined, log: (line: string) => void) => NatReader;
    /** Reads the processor of each task of a stack (default: ECS and CloudWatch Logs). */
    readonly processorReader?: (stack: StackTasks, region: string | undefined) => Promise<ProcessorReading>;
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
        state.publishDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-publish-"));
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
    const localCpu = capLocalServices(needed, options, state, o);
    const prefixFor = (name: string) => [...(state.cpuCaps.get(name)?.prefix ?? []), ...(o.pinning?.service ?? [])];
    await startServices(needed, prefixed(command, prefixFor), { log: o.log, onStart: (r) => state.running.push(r) });
    const byName = new Map(state.running.map((r) => [r.name, r.baseUrl]));
    const pids = state.running.map((r) => ({ name: r.name, pid: r.child.pid ?? -1 }));
    return {
        label: `local-${architecture}`,
        mode: "local",
        architecture,
        baseUrlFor: (p) => byName.get(route(p) ?? "") ?? "http://127.0.0.1:1",
        urls: Object.fromEntries(byName),
        // No Fargate task here: the cost figures use the stacks' default task size, marked as such in the report.
        taskSize: LOCAL_TASK_SIZE,
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

/**
 * What a local run stands for: the stacks' default task (stacks/settings.ts DEFAULTS.taskCpu / taskMemory; a
 * test keeps them equal). Its CPU is the services' cap; both price the local figures.
 */
export const LOCAL_TASK_SIZE = { cpu: 512, memory: 1024 } as const;

/**
 * --local: a CPU cgroup per service that holds it to a task's CPU (LOCAL_TASK_SIZE.cpu units), as each service is
 * its own task on Fargate, unless --no-cap or the kernel does not allow it; returns what the services had, for
 * the log and the report.
 */
function capLocalServices(
    services: readonly string[],
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
        const cap = (o.deps.createCpuCap ?? createCpuCap)(LOCAL_TASK_SIZE.cpu, `dotnet-fargate-bench-${process.pid}-${service}`);
        if ("why" in cap) {
            state.cpuCaps.forEach((made) => made.remove());
            state.cpuCaps.clear();
            o.log(`CPU: the services are not capped at the task's ${LOCAL_TASK_SIZE.cpu} CPU units: ${cap.why}`);
            return `uncapped (${cap.why}), ${core}`;
        }
        state.cpuCaps.set(service, cap);
        description = cap.description;
    }
    o.log(`CPU: each service is capped at ${description}, as its own default task (--no-cap to turn off)`);
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

/** Runs the benchmark; returns the results file written. Throws on any error before writing anything. */
export async function main(argv: readonly string[], deps: MainDeps = {}): Promise<string | undefined> {
    const log = deps.log ?? ((line: string) => console.log(line));
    const options = parseCli(argv);
    if (options.help) {
        log(USAGE);
        return undefined;
    }
    const { scenarios, capacity, paths } = planTests(options);
    const machine = currentMachine();
    const pinning = options.local && options.pin ? corePinning(machine.cores) : undefined;
    const runScript: ScriptRunner = deps.runScript ?? ((script) => runArtillery({ script, prefix: pinning?.artillery }));
    if (!deps.runScript) {
        artilleryBin();
    }
    if (options.engine === "fargate") {
        log(`AWS credentials for run-fargate: from ${checkAwsCredentials()}`);
    }
    const startedAt = new Date();
    const local: LocalState = { running: [], cpuCaps: new Map() };
    try {
        const targets = deps.targets
            ? [...deps.targets]
            : options.stacks
            ? await stackTargets(options, options.stacks, deps, log)
            : [await startLocal(options, paths, local, { deps, log, pinning, cpuModel: machine.cpuModel })];
        log(`load generator: ${machine.hostname}, ${machine.cores} cores, ${machine.cpuModel}, node ${machine.node}`);
        for (const warning of await preflight(targets, paths, options.timeoutMs)) {
            log(`warning: ${warning}`);
        }
        const runs = await runBenchmark(targets, {
            scenarios,
            capacity,
            timeoutMs: options.timeoutMs,
            log,
            runScript,
            repeat: options.repeat,
            warmupChunkS: deps.warmupChunkS,
            warmupMaxChunks: deps.warmupMaxChunks,
            registerCleanup: (cleanup) => {
                cleanups.add(cleanup);
                return () => cleanups.delete(cleanup);
            },
        });
        return writeRun(options, { format: RESULTS_FORMAT, command: `npm run bench -- ${argv.join(" ")}`.trim(), engine: options.engine, scale: options.scale, startedAt: startedAt.toISOString(), endedAt: new Date().toISOString(), machine, runs }, log);
    } finally {
        cleanups.clear();
        await stopLocal(local, log);
    }
}

/** The fixed-rate tests and capacity searches the options select, and every path they request. */
export function planTests(options: CliOptions) {
    const scenarios = [
        ...options.scenarios.filter((s) => !isCapacityScenario(s)).map((id) => loadFixedScenario(id, options.scale)),
        ...options.scenarioFiles.map((f) => loadUserScenario(path.resolve(f), options.scale)),
    ];
    const ids = scenarios.map((s) => s.id);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) {
        throw new UsageError(`two scenarios have the id "${twice}" (a --scenario file is known by its name without .yml): rename the file`);
    }
    // A step given on the command line is taken as is; the files' scaled steps are never shorter than MIN_STEP_S
    // (MIN_PHASE_STEP_S on Fargate, where a step is a phase judged from the whole 10 s periods inside it).
    const minStep = options.engine === "fargate" ? MIN_PHASE_STEP_S : MIN_STEP_S;
    let users: CapacityTarget[];
    try {
        users = [
            ...options.capacityFlows.map((f) => loadUserFlow(path.resolve(f), options.scale, options.capacity)),
            ...options.capacityPaths.map((p) => pathFlow(p, options.scale, options.capacity)),
        ];
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    const capacity = [...loadCapacityTargets(options.scale, options.capacity, undefined, options.scenarios.filter(isCapacityScenario)), ...users].map((c) =>
        options.capacity.stepDuration === undefined ? { ...c, stepDuration: Math.max(minStep, c.stepDuration) } : c,
    );
    const names = capacity.map((c) => c.name);
    const same = names.find((n, i) => names.indexOf(n) !== i);
    if (same !== undefined) {
        throw new UsageError(`two capacity searches are named "${same}": give each --capacity-flow file a name of its own, and each --capacity-path once`);
    }
    return { scenarios, capacity, paths: [...scenarios.map((s) => s.url), ...capacity.map((c) => c.url)] };
}

/** One target per stack, from its outputs: URL, size, tasks per service (--tasks, else desiredCount, else 1), store. */
async function stackTargets(options: CliOptions, stacks: readonly string[], deps: MainDeps, log: (line: string) => void): Promise<Target[]> {
    const targets: Target[] = [];
    for (const stack of stacks) {
        const out = await readStackOutputs(stack, deps.runCommand ?? runCommand);
        // --tasks wins; then the stack's own figure; stacks deployed before it was exported get 1.
        const tasks: { n: number; source: TasksSource; why: string } =
            options.tasks !== undefined
                ? { n: options.tasks, source: "flag", why: "--tasks" }
                : out.desiredCount !== undefined
                  ? { n: out.desiredCount, source: "desiredCount", why: "the stack's desiredCount output" }
                  : { n: 1, source: "default", why: "default: no --tasks and no desiredCount output" };
        log(
            `stack ${stack}: ${out.url} (${out.architecture}, task ${out.taskSize.cpu} CPU units / ${out.taskSize.memory} MiB, ` +
                `${tasks.n} task(s) per service from ${tasks.why}; BookStore store ${out.store})`,
        );
        targets.push({
            label: stack,
            mode: "stack",
            architecture: out.architecture,
            baseUrlFor: () => out.url,
            urls: { alb: out.url },
            taskSize: out.taskSize,
            tasksPerService: tasks.n,
            tasksSource: tasks.source,
            // Replaced when the run ends by what each task read from /proc/cpuinfo (bench/processors.ts).
            serverCpuModel: "not read yet",
            readProcessors: () => (deps.processorReader ?? awsProcessors)(out, out.loadGenerator?.region),
            store: out.store,
            runScript: options.engine === "fargate" ? fargateFor(stack, out.loadGenerator, options.count ?? 1, log, deps.runScript) : undefined,
            capacityInPhases: options.engine === "fargate",
            // The workers reach the load balancer through the VPC's NAT gateway: its port allocation errors make a phase client-bound.
            pathCheck: options.engine === "fargate" && out.loadGenerator ? (deps.natReader ?? cloudWatchNatReader)(out.loadGenerator.region, undefined, log) : undefined,
            estimatedMonthlyCostUsd: out.estimatedMonthlyCostUsd,
            endUtilisation: (start, end) => readContainerInsights(out.clusterName, out.serviceNames, start, end),
        });
    }
    return targets;
}

/** Writes the results file (all or nothing) and both reports beside it; returns the results file. */
function writeRun(options: CliOptions, results: BenchResults, log: (line: string) => void): string {
    const stamp = results.startedAt.replace(/[:.]/g, "-");
    const file = path.resolve(options.out ?? path.join(RESULTS_DIR, `${stamp}-${results.runs.map((r) => r.label).join("-")}.json`));
    writeResults(file, results);
    log(`results: ${file}`);
    const written = writeReports([{ file, results }], file.replace(/\.json$/, ""));
    log(`report: ${written.markdown}\nreport: ${written.html}`);
    return file;
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

if (require.main === module) {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            console.error(`\nbench: ${signal}: stopping; no results are written for an interrupted run`);
            Promise.all([...cleanups].map((c) => c())).finally(() => process.exit(130));
        });
    }
    main(process.argv.slice(2)).then(
        () => process.exit(0),
        (e: Error) => {
            console.error(`bench: ${e.message}`);
            process.exit(e.name === "UsageError" ? 2 : 1);
        },
    );
}
