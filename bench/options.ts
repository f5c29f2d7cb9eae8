/**
 * What a benchmark run is given: the command line (`npm run bench -- ...`), parsed and checked into CliOptions,
 * and the hooks a caller (compare, the tests) may pass in place of the real engines.
 */
import { parseArgs } from "util";
import { NatReader } from "./nat-gateway";
import { LocalCommand } from "./user-services";
import { ServiceSpec } from "../model/services";
import { ProcessorReading, StackTasks } from "./processors";
import { MIN_PHASE_STEP_S } from "./capacity-phases";
import { CpuCap, NoCpuCap } from "./cpu-cap";
import { ScriptRunner, Target } from "./runner";
import { ALL_SCENARIOS, USER_CAPACITY_DEFAULTS, CapacityOverrides, DEFAULT_SCENARIOS, SCENARIO_GROUPS, selectScenarios } from "./scenarios";
import { Store, STORES } from "./postgres";
import { CommandRunner } from "./stack-outputs";
import { TaskSize } from "../model/pricing";
import { DEFAULT_TASK_SIZE, readTaskSize } from "../model/task-sizes";

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
                             a cgroup of their own; applied where the kernel and permissions allow) nor give
                             them the task's GC heap limit
  --task-size <cpu/MiB>      --local: the Fargate task the services stand for (default ${DEFAULT_TASK_SIZE.cpu}/${DEFAULT_TASK_SIZE.memory}, the stacks'
                             default; e.g. 256/512): their CPU cap, their GC heap limit and the cost figures.
                             A stack's size is its config (npm run compare -- --task-size deploys one)
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
    /** --task-size, for --local: the Fargate task the services stand for; undefined when not given (DEFAULT_TASK_SIZE). */
    readonly taskSize?: TaskSize;
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
    "task-size": { type: "string" },
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
        taskSize: taskSizeOf(v),
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

/** --task-size: local runs only; a stack runs at the size its config deployed, which its outputs say. */
function taskSizeOf(v: Flags): TaskSize | undefined {
    if (v["task-size"] === undefined) {
        return undefined;
    }
    if (!v.local) {
        throw new UsageError(
            "--task-size is for --local; a stack runs at the size it was deployed with (dotnet-fargate:taskCpu/taskMemory, read from its outputs); npm run compare -- --task-size deploys both stacks at a size",
        );
    }
    const size = readTaskSize(v["task-size"]);
    if ("why" in size) {
        throw new UsageError(`--task-size: ${size.why}`);
    }
    return size;
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

