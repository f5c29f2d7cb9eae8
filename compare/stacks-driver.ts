/**
 * The two stacks, driven through the Pulumi Automation API (`@pulumi/pulumi/automation`, the installed CLI).
 *
 * Contract read in pulumi/pulumi sdk/nodejs/automation (master 1b5949891b, the newest the mirror holds; the
 * installed 3.270.0 build, node_modules/@pulumi/pulumi/automation/*.js, checked to match):
 * - cmd.ts PulumiCommand.get runs `pulumi version` (or `<root>/bin/pulumi version`) and refuses a CLI older than
 *   minimumVersion; every command gets `--non-interactive` appended.
 * - localWorkspace.ts selectStack is `pulumi stack select --stack <name>`, createStack `pulumi stack init <name>`;
 *   errors.ts turns "no stack named ... found" on stderr into StackNotFoundError. listTags parses
 *   `stack tag ls --json`, stackOutputs parses `stack output --json` and `--show-secrets`, removeStack is
 *   `stack rm --yes <name>`.
 * - stack.ts up is `pulumi up --yes --skip-preview ... --exec-kind auto.local --event-log <file|tcp://>`, then
 *   reads outputs and `stack history --json`; destroy likewise; a `signal` makes it send SIGINT to the CLI.
 *   With a CLI newer than 3.205.0 the events come over gRPC (pulumirpc.Events/StreamEvents), else from a file.
 */
import { EngineEvent, LocalWorkspace, OutputMap, PulumiCommand, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as path from "path";
import { CommandRunner, runCommand } from "../bench/stack-outputs";
import { Driver } from "./flow";
import { emptyRepositories, EcrApi, repositoriesOf } from "./ecr";
import { HealthCheck, stackHealthChecks } from "./health";
import { EventSummary, Log } from "./progress";
import { RUN_TAG, StateStore } from "./state";

export interface StacksDriverOptions {
    readonly stacks: readonly string[];
    /** The project's folder (Pulumi.yaml). */
    readonly workDir: string;
    readonly state: StateStore;
    readonly log: Log;
    /** The Pulumi CLI (tests pass a stand-in); default: `pulumi` on PATH, version-checked. */
    readonly pulumiCommand?: PulumiCommand;
    readonly ecr: EcrApi;
    /** Runs the benchmark (bench/run.ts main) with these arguments and a command runner that answers `pulumi stack output`. */
    readonly runBench: (argv: string[], runCommand: CommandRunner) => Promise<string | undefined>;
    readonly benchArgs: readonly string[];
    /** Each service's paths, for the user's services' health checks: name -> path patterns. */
    readonly userPaths: Readonly<Record<string, readonly string[]>>;
    /** How often a stack's progress line is printed while Pulumi works. */
    readonly progressEveryMs: number;
    /** Where each stack's CLI output goes (one file per stack and operation). */
    readonly logDir: string;
}

/** Values as `pulumi stack output --json` prints them: secrets masked. */
function masked(outputs: OutputMap): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
}

export class StacksDriver implements Driver {
    readonly mode = "stacks" as const;
    private workspace?: LocalWorkspace;
    private readonly handles = new Map<string, Stack>();
    private readonly outputs = new Map<string, OutputMap>();

    constructor(private readonly o: StacksDriverOptions) {}

    private async ws(): Promise<LocalWorkspace> {
        try {
            this.workspace ??= await LocalWorkspace.create({ workDir: this.o.workDir, ...(this.o.pulumiCommand ? { pulumiCommand: this.o.pulumiCommand } : {}) });
        } catch (e) {
            // PulumiCommand.get runs `pulumi version`; execa reports a missing program as ENOENT.
            if (/ENOENT/.test(String((e as Error).message))) {
                throw new Error("the Pulumi CLI (`pulumi`) is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/), or run npm run compare -- --local", { cause: e });
            }
            throw e;
        }
        return this.workspace;
    }

    /** Selects each stack, or creates it when there is none; a stack this run did not create is marked the user's. */
    async prepare(): Promise<void> {
        const ws = await this.ws();
        for (const name of this.o.stacks) {
            const record = this.o.state.state.stacks[name];
            try {
                this.handles.set(name, await Stack.select(name, ws));
                if (record?.created) {
                    await this.checkOurs(name);
                    this.o.log(`   ${name}: selected (created by this run ${this.o.state.state.runId}, resumed)`);
                } else {
                    this.o.state.setStack(name, { created: false, status: "created" });
                    this.o.log(`   ${name}: selected your existing stack: it is deployed with this program and never destroyed by this run`);
                }
            } catch (e) {
                if (!(e instanceof StackNotFoundError)) {
                    throw e;
                }
                // Recorded before `stack init`, so an interruption between the two still leaves it known as ours.
                this.o.state.setStack(name, { created: true, status: "creating" });
                this.handles.set(name, await Stack.create(name, ws));
                await ws.setTag(name, RUN_TAG, this.o.state.state.runId).catch((t: Error) =>
                    this.o.log(`   ${name}: could not tag the stack (${t.message.split("\n")[0]}); the run-state file ${this.o.state.file} records it`),
                );
                this.o.state.setStack(name, { created: true, status: "created" });
                this.o.log(`   ${name}: created (stack tag ${RUN_TAG}=${this.o.state.state.runId})`);
            }
        }
    }

    /** Refuses a stack whose tag names another run: the run-state file is then not this stack's story. */
    private async checkOurs(name: string): Promise<void> {
        const tags = await (await this.ws()).listTags(name).catch(() => ({}) as Record<string, string>);
        const tag = tags[RUN_TAG];
        if (tag !== undefined && tag !== this.o.state.state.runId) {
            throw new Error(
                `stack ${name} carries ${RUN_TAG}=${tag}, not this run's ${this.o.state.state.runId}: it was not created by the run recorded in ${this.o.state.file}; ` +
                    `refusing to touch it. Check it with \`pulumi stack --stack ${name}\`, then remove the state file if it is stale`,
            );
        }
    }

    async deploy(signal: AbortSignal): Promise<void> {
        const settled = await Promise.allSettled(this.o.stacks.map((name) => this.up(name, signal)));
        const failed = settled.flatMap((s, i) => (s.status === "rejected" ? [`${this.o.stacks[i]}: ${(s.reason as Error).message.split("\n").slice(0, 3).join(" ")}`] : []));
        if (failed.length > 0) {
            throw new Error(`pulumi up failed on ${failed.join("; ")}`);
        }
    }

    private async up(name: string, signal: AbortSignal): Promise<void> {
        const stack = this.handle(name);
        const record = this.o.state.state.stacks[name];
        this.o.state.setStack(name, { created: record?.created ?? false, status: "deploying" });
        const result = await this.withEvents(name, "up", (onEvent, onOutput) => stack.up({ onEvent, onOutput, signal, color: "never" }));
        this.outputs.set(name, result.outputs);
        this.o.state.setStack(name, { created: record?.created ?? false, status: "deployed" });
    }

    /** Runs one operation with its events summarised and its CLI output in a log file named on failure. */
    private async withEvents<T>(name: string, op: string, body: (onEvent: (e: EngineEvent) => void, onOutput: (s: string) => void) => Promise<T>): Promise<T> {
        fs.mkdirSync(this.o.logDir, { recursive: true });
        const file = path.join(this.o.logDir, `${name}-${op}.log`);
        fs.writeFileSync(file, "");
        const summary = new EventSummary(name, this.o.log, this.o.progressEveryMs);
        const timer = setInterval(() => summary.tick(), this.o.progressEveryMs);
        try {
            const result = await body(summary.onEvent, (s) => fs.appendFileSync(file, s));
            this.o.log(`${summary.line()}: ${op} finished`);
            return result;
        } catch (e) {
            this.o.log(`${summary.line()}: ${op} failed; the CLI's output is in ${file}`);
            throw e;
        } finally {
            clearInterval(timer);
        }
    }

    private handle(name: string): Stack {
        const stack = this.handles.get(name);
        if (!stack) {
            throw new Error(`stack ${name} was not selected`);
        }
        return stack;
    }

    async healthChecks(): Promise<HealthCheck[]> {
        const checks: HealthCheck[] = [];
        for (const name of this.o.stacks) {
            const out = await this.outputsOf(name);
            const url = out.url?.value;
            if (typeof url !== "string") {
                throw new Error(`stack ${name} has no \`url\` output`);
            }
            checks.push(...stackHealthChecks(name, url, Object.keys((out.serviceNames?.value as Record<string, string> | undefined) ?? {}), this.o.userPaths));
        }
        return checks;
    }

    private async outputsOf(name: string): Promise<OutputMap> {
        const known = this.outputs.get(name);
        if (known) {
            return known;
        }
        const read = await this.handle(name).outputs();
        this.outputs.set(name, read);
        return read;
    }

    async bench(): Promise<string> {
        const stackOutput: CommandRunner = async (command, args) => {
            const i = args.indexOf("--stack");
            if (command === "pulumi" && args[0] === "stack" && args[1] === "output" && i > 0 && this.o.stacks.includes(args[i + 1])) {
                return { code: 0, stdout: JSON.stringify(masked(await this.outputsOf(args[i + 1]))), stderr: "" };
            }
            return runCommand(command, args);
        };
        const file = await this.o.runBench(["--stacks", this.o.stacks.join(","), ...this.o.benchArgs], stackOutput);
        if (!file) {
            throw new Error("the benchmark wrote no results");
        }
        return file;
    }

    async teardown(): Promise<string[]> {
        const ours = this.o.stacks.filter((n) => this.o.state.state.stacks[n]?.created && this.o.state.state.stacks[n]?.status !== "destroyed");
        for (const name of this.o.stacks.filter((n) => this.o.state.state.stacks[n] && !this.o.state.state.stacks[n].created)) {
            this.o.log(`   ${name}: yours, left deployed (this run did not create it)`);
        }
        const settled = await Promise.allSettled(ours.map((name) => this.destroy(name)));
        return settled.flatMap((s, i) => (s.status === "rejected" ? [`${leftover(ours[i])} (destroy failed: ${(s.reason as Error).message.split("\n")[0]})`] : s.value));
    }

    private async destroy(name: string): Promise<string[]> {
        const ws = await this.ws();
        let stack = this.handles.get(name);
        if (!stack) {
            try {
                stack = await Stack.select(name, ws);
            } catch (e) {
                if (e instanceof StackNotFoundError) {
                    this.o.state.setStack(name, { created: true, status: "destroyed" });
                    return [];
                }
                throw e;
            }
            this.handles.set(name, stack);
        }
        await this.checkOurs(name);
        this.o.state.setStack(name, { created: true, status: "destroying" });
        const images = (await stack.outputs().catch(() => ({}) as OutputMap)).images?.value;
        const problems = await emptyRepositories(repositoriesOf(images), this.o.ecr, this.o.log);
        if (problems.length > 0) {
            return [`${leftover(name)} (its ECR repositories could not be emptied: ${problems.join("; ")})`];
        }
        await this.withEvents(name, "destroy", (onEvent, onOutput) => stack.destroy({ onEvent, onOutput, color: "never" }));
        // --preserve-config: without it `stack rm` deletes Pulumi.<stack>.yaml, the stack file this repository keeps
        // (pulumi/pulumi pkg/cmd/pulumi/stack/stack_remove.go).
        await ws.removeStack(name, { preserveConfig: true });
        this.o.state.setStack(name, { created: true, status: "destroyed" });
        return [];
    }

    kept(): string[] {
        return this.o.stacks.filter((n) => this.o.state.state.stacks[n]?.created && this.o.state.state.stacks[n]?.status !== "destroyed").map(leftover);
    }
}

/** A stack left behind and how to remove it. */
export function leftover(name: string): string {
    return `stack ${name}, created by this run and still deployed: remove it with \`npm run compare -- --cleanup\` (empties its ECR repositories, then pulumi destroy and stack rm)`;
}
