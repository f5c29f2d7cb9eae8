/**
 * `npm run compare`: the whole comparison in one command. Money first (the estimate and a confirmation), then
 * the flow (compare/flow.ts) on the stacks or, with --local, on this machine; the report says what it cost.
 */
import type { PulumiCommand } from "@pulumi/pulumi/automation";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { REPO_ROOT } from "../bench/local";
import { main as benchMain, planTests } from "../bench/run";
import { localArchitecture } from "../bench/local-run";
import { MainDeps } from "../bench/options";
import { checkAwsCredentials, CredentialsError } from "../bench/fargate";
import { readUserPaths } from "./user-paths";
import { benchSeconds, CostEstimate, Durations, experimentCost, formatCost, STACK_DEPLOY_S, STACK_DESTROY_S, stackCost, StackCost, teardownWarnings } from "./cost";
import { awsEcr, EcrApi } from "./ecr";
import { Driver, runFlow } from "./flow";
import { LocalDriver } from "./local-driver";
import { COMPARE_STACKS, CompareOptions, CompareUsageError, parseCompare, USAGE } from "./options";
import { currentMachine, readResults } from "../bench/results";
import { offerSentences, smallestSizeOffer, withoutTargetFlags } from "../bench/report-task-size";
import { TaskSize } from "../model/pricing";
import { describeTaskSize, sameTaskSize, taskSizeFlag } from "../model/task-sizes";
import { key } from "../stacks/settings";
import { formatDuration, Log, Phases } from "./progress";
import { addNoteToReports } from "./report-note";
import { DEFAULT_STATE_FILE, newRunState, readRunState, RunState, StateStore } from "./state";
import { StacksDriver } from "./stacks-driver";

export interface CompareDeps {
    readonly log?: Log;
    readonly stateFile?: string;
    /** The Pulumi CLI for the Automation API (tests: a stand-in); default `pulumi` on PATH. */
    readonly pulumiCommand?: PulumiCommand;
    readonly ecr?: EcrApi;
    /** Asks the question on the terminal; resolves true for yes. */
    readonly confirm?: (question: string) => Promise<boolean>;
    readonly isTTY?: boolean;
    readonly env?: NodeJS.ProcessEnv;
    readonly home?: string;
    readonly signal?: AbortSignal;
    /** The benchmark's test hooks (stand-ins for the services or Artillery). */
    readonly benchDeps?: MainDeps;
    readonly progressEveryMs?: number;
    readonly healthIntervalMs?: number;
    readonly logDir?: string;
    /** The project folder the stacks are deployed from (tests: a copy); default the repository's root. */
    readonly workDir?: string;
}

/** Where the AWS SDK's default chain would find credentials; refuses, before anything starts, when nowhere. */
function awsCredentials(deps: CompareDeps): string {
    try {
        return checkAwsCredentials(deps.env ?? process.env, deps.home ?? os.homedir());
    } catch (e) {
        if (e instanceof CredentialsError) {
            throw new Error(
                `npm run compare deploys two stacks to AWS and found no AWS credentials, so nothing was started. ` +
                    `${e.message.replace(/^--engine fargate needs AWS credentials and none were found: /, "Set them: ")} Without an AWS account: npm run compare -- --local.`,
                { cause: e },
            );
        }
        throw e;
    }
}

/** Exit codes: 0 done, 1 failed or refused (or left something it created deployed, not by --keep), 2 usage, 130 interrupted. */
export async function compare(argv: readonly string[], deps: CompareDeps = {}): Promise<number> {
    const log = deps.log ?? ((l: string) => console.log(l));
    const options = parseCompare(argv);
    if (options.help) {
        log(USAGE);
        return 0;
    }
    const stateFile = deps.stateFile ?? DEFAULT_STATE_FILE;
    const previous = readRunState(stateFile);
    const mode: RunState["mode"] = options.cleanup && previous ? previous.mode : options.local ? "local" : "stacks";
    if (mode === "stacks") {
        log(`AWS credentials: from ${awsCredentials(deps)}`);
    }
    if (options.cleanup) {
        return cleanup(previous, options, deps, log, stateFile);
    }
    if (previous && previous.mode !== mode) {
        throw new Error(`an earlier ${previous.mode} run (${previous.runId}) left ${stateFile}; run npm run compare -- --cleanup first`);
    }
    refuseOtherSize(previous, options, stateFile);
    const stacks: StackCost[] = [];
    for (const stack of COMPARE_STACKS) {
        stacks.push(await stackCost(stack, sizeOverrides(options.taskSize))); // one at a time: the offline evaluation sets Pulumi's global mocks
    }
    const estimate = experimentCost(stacks, expectedDurations(options), options.bench.engine === "fargate" ? { count: options.bench.count ?? 1 } : undefined);
    if (options.local) {
        log(`--local costs nothing in AWS; the same comparison on both stacks would cost about $${estimate.totalUsd.toFixed(2)}:`);
        formatCost(estimate).forEach((l) => log(l));
    } else {
        const size = options.taskSize ? ` at task size ${describeTaskSize(options.taskSize)}` : "";
        log(`This run deploys ${COMPARE_STACKS.join(" and ")} to AWS${size}. Expected cost (${describe(expectedDurations(options))}):`);
        formatCost(estimate).forEach((l) => log(l));
        teardownWarnings(COMPARE_STACKS).forEach((w) => log(`warning: ${w}`));
        if (!(await confirmed(options, deps, estimate))) {
            log("Nothing was started.");
            return 1;
        }
    }
    if (previous) {
        log(`Resuming run ${previous.runId} (started ${previous.startedAt}; interrupted, failed to tear down, or kept): ${describeState(previous)}`);
    }
    const store = new StateStore(previous ?? newRunState(mode, new Date(), options.local ? undefined : options.taskSize), stateFile);
    const driver = makeDriver(options, store, deps, log);
    const phases = new Phases(log);
    const result = await runFlow(driver, { keep: options.keep, log, signal: deps.signal ?? new AbortController().signal, healthTimeoutMs: options.healthTimeoutMs, healthIntervalMs: deps.healthIntervalMs ?? 5000, phases });
    const spent = (...names: string[]) => phases.spent(...names) / 1000;
    const actual = options.local ? estimate : experimentCost(stacks, { deployS: spent("prepare", "deploy"), benchS: spent("health", "benchmark"), destroyS: spent("destroy") }, options.bench.engine === "fargate" ? { count: options.bench.count ?? 1 } : undefined);
    if (result.results) {
        const machine = currentMachine();
        const written = addNoteToReports(result.results, { local: options.local, machine: `${options.local ? localArchitecture() : os.arch()}, ${machine.cpuModel}`, phases: phases.done, cost: actual, kept: options.keep });
        log(`results: ${result.results}`);
        written.forEach((w) => log(`report: ${w}`));
        const offer = smallestSizeOffer(readResults(result.results).runs, withoutTargetFlags(options.benchArgs));
        if (offer?.offered) {
            offerSentences(offer).forEach((l) => log(l));
        }
    }
    log(`time: ${phases.done.map((p) => `${p.name} ${formatDuration(p.endedAt - p.startedAt)}`).join(", ")}`);
    if (!options.local) {
        log(`cost of this run: $${actual.totalUsd.toFixed(2)} at list price`);
    }
    return finish(result, store, log);
}

function finish(result: Awaited<ReturnType<typeof runFlow>>, store: StateStore, log: Log): number {
    if (result.left.length > 0) {
        log("Left behind:");
        result.left.forEach((l) => log(`  - ${l}`));
        log(`The run state is in ${store.file}; npm run compare -- --cleanup removes what it lists.`);
    } else {
        store.finish();
    }
    if (result.interrupted) {
        log("Interrupted.");
        return 130;
    }
    if (result.error) {
        log(`compare failed: ${result.error.message}`);
        return 1;
    }
    // Whatever else went well, stacks that could not be removed keep costing money: a script or CI job must see it.
    if (result.left.length > 0 && !result.kept) {
        log(`compare failed: ${result.left.length === 1 ? "one thing" : `${result.left.length} things`} this run created could not be removed (listed above)`);
        return 1;
    }
    return 0;
}

function makeDriver(options: CompareOptions, store: StateStore, deps: CompareDeps, log: Log): Driver {
    if (options.local) {
        return new LocalDriver({ state: store, log, benchArgs: options.benchArgs, runBench: (argv, d) => benchMain(argv, d), benchDeps: deps.benchDeps });
    }
    return new StacksDriver({
        stacks: COMPARE_STACKS,
        workDir: deps.workDir ?? REPO_ROOT,
        state: store,
        log,
        pulumiCommand: deps.pulumiCommand,
        ecr: deps.ecr ?? awsEcr(),
        runBench: (argv, runCommand) => benchMain(argv, { ...deps.benchDeps, log, runCommand }),
        benchArgs: options.benchArgs,
        userPaths: readUserPaths(COMPARE_STACKS),
        progressEveryMs: deps.progressEveryMs ?? (deps.isTTY ?? process.stdout.isTTY ? 10_000 : 30_000),
        logDir: deps.logDir ?? path.join(path.dirname(deps.stateFile ?? DEFAULT_STATE_FILE), "logs"),
        ...(options.taskSize ? { taskSize: options.taskSize } : {}),
        scratchDir: path.join(path.dirname(deps.stateFile ?? DEFAULT_STATE_FILE), "stacks"),
    });
}

/** --cleanup: removes what the recorded run created, nothing else. */
async function cleanup(previous: RunState | undefined, options: CompareOptions, deps: CompareDeps, log: Log, stateFile: string): Promise<number> {
    if (!previous) {
        log(`Nothing to clean up: no run state in ${stateFile}.`);
        return 0;
    }
    log(`Cleaning up run ${previous.runId} (started ${previous.startedAt}): ${describeState(previous)}`);
    const store = new StateStore(previous, stateFile);
    const driver = makeDriver({ ...options, local: previous.mode === "local" }, store, deps, log);
    const left = await new Phases(log).run("destroy", "what the recorded run created", () => driver.teardown()).catch((e: Error) => [`tear-down failed: ${e.message}`]);
    return finish({ left, interrupted: false, phases: new Phases(log) }, store, log);
}

/** The stack config a task size stands for, as the offline evaluation takes it (the cost estimate). */
function sizeOverrides(size: TaskSize | undefined): Record<string, string> {
    return size ? { [key("taskCpu")]: String(size.cpu), [key("taskMemory")]: String(size.memory) } : {};
}

/** A resumed stacks run keeps the size its stacks were created at: another --task-size would re-size them half way. */
function refuseOtherSize(previous: RunState | undefined, options: CompareOptions, stateFile: string): void {
    if (!previous || previous.mode !== "stacks" || options.local) {
        return;
    }
    const was = previous.taskSize && taskSizeFlag(previous.taskSize);
    if (!sameTaskSize(previous.taskSize, options.taskSize) && Object.values(previous.stacks).some((r) => r.created && r.status !== "destroyed")) {
        throw new CompareUsageError(
            `the run ${previous.runId} recorded in ${stateFile} created its stacks ${was ? `at --task-size ${was}` : "without --task-size"}; ` +
                `resume it with ${was ? `--task-size ${was}` : "no --task-size"}, or remove its stacks first with npm run compare -- --cleanup`,
        );
    }
}

function describeState(s: RunState): string {
    const stacks = Object.entries(s.stacks).map(([n, r]) => `${n} ${r.created ? "created by it" : "yours"} (${r.status})`);
    const procs = s.processes.map((p) => `${p.name} pid ${p.pid}`);
    return [...stacks, ...procs].join(", ") || "nothing created yet";
}

/** How long the run is expected to take: the stacks' deploy and destroy, and the benchmark as its flags plan it (repetitions included). */
export function expectedDurations(options: CompareOptions): Durations {
    const plan = planTests(options.bench);
    const benchS = benchSeconds(plan, { targets: COMPARE_STACKS.length, repeat: options.bench.repeat, fargate: options.bench.engine === "fargate" });
    return { deployS: STACK_DEPLOY_S, benchS, destroyS: STACK_DESTROY_S };
}

function describe(d: Durations): string {
    return `deploy about ${formatDuration(d.deployS * 1000)}, benchmark about ${formatDuration(d.benchS * 1000)}, destroy about ${formatDuration(d.destroyS * 1000)}`;
}

/** --yes, or a yes on the terminal; with no terminal and no --yes, a refusal that says what to do. */
async function confirmed(options: CompareOptions, deps: CompareDeps, estimate: CostEstimate): Promise<boolean> {
    if (options.yes) {
        return true;
    }
    const tty = deps.isTTY ?? Boolean(process.stdin.isTTY);
    if (!tty) {
        throw new Error(`no terminal to confirm the cost on ($${estimate.totalUsd.toFixed(2)} expected): re-run with --yes to accept it`);
    }
    return (deps.confirm ?? askOnTerminal)(`Deploy and spend about $${estimate.totalUsd.toFixed(2)}? [y/N] `);
}

function askOnTerminal(question: string): Promise<boolean> {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    return new Promise((resolve) => {
        // In the prompt the terminal is raw: Ctrl-C reaches readline, not the process; it means no.
        rl.on("SIGINT", () => (rl.close(), resolve(false)));
        rl.question(question, (a) => (rl.close(), resolve(/^y(es)?$/i.test(a.trim()))));
    });
}

export type { StackCost };

/**
 * Ctrl-C: the first interrupt aborts the run, which then tears down what it created; a second one leaves at once,
 * printing what the run state still lists and the command that removes it.
 */
export function onInterrupt(controller: AbortController, stateFile = DEFAULT_STATE_FILE): void {
    process.on("SIGINT", () => {
        if (controller.signal.aborted) {
            const state = readRunState(stateFile);
            console.error(`\ncompare: second interrupt: leaving now. ${state ? `Left: ${describeState(state)}; npm run compare -- --cleanup removes it.` : "Nothing was left."}`);
            process.exit(130);
        }
        console.error("\ncompare: interrupted: tearing down what this run created (interrupt again to leave now and print what is left)");
        controller.abort();
    });
}

if (require.main === module) {
    const controller = new AbortController();
    onInterrupt(controller);
    compare(process.argv.slice(2), { signal: controller.signal }).then(
        (code) => process.exit(code),
        (e: Error) => {
            console.error(`compare: ${e.message}`);
            process.exit(e.name === "UsageError" ? 2 : 1);
        },
    );
}
