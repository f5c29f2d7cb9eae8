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
 *   reads outputs and `stack history --json` (with `--show-secrets` unless showSecrets is false); destroy likewise;
 *   a `signal` makes it send SIGINT to the CLI (not given: see up).
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
import { removeScratchProject, stackFileRegion, stackFileTaskSize, writeScratchProject } from "./config-file";
import { repositoryName } from "../model/naming";
import { TaskSize } from "../model/pricing";
import { describeTaskSize, sameTaskSize, taskSizeFlag } from "../model/task-sizes";
import { key, PROJECT } from "../stacks/settings";

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
    /** --task-size: the size the stacks this run creates are deployed at (their stack file's copy says it); absent, the stack files' size. */
    readonly taskSize?: TaskSize;
    /** Where the scratch projects of the stacks this run creates go (compare/config-file.ts). */
    readonly scratchDir: string;
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

    /**
     * Selects each stack, or creates it when there is none; a stack this run did not create is marked the user's.
     * With --task-size, a user's stack whose file says another size is refused before anything is created.
     */
    async prepare(): Promise<void> {
        const ws = await this.ws();
        const found = new Map<string, Stack>();
        for (const name of this.o.stacks) {
            try {
                found.set(name, await Stack.select(name, ws));
            } catch (e) {
                if (!(e instanceof StackNotFoundError)) {
                    throw e;
                }
            }
        }
        this.refuseResizing([...found.keys()].filter((n) => !this.o.state.state.stacks[n]?.created));
        for (const name of this.o.stacks) {
            const stack = found.get(name);
            if (stack) {
                await this.selected(name, stack);
            } else {
                await this.create(name, ws);
            }
        }
    }

    /**
     * --task-size never re-sizes a stack the run did not create: deploying it from a copy would leave its stack file
     * saying one size while it runs another, and the next plain `pulumi up` would silently size it back.
     */
    private refuseResizing(yours: readonly string[]): void {
        const size = this.o.taskSize;
        if (!size) {
            return;
        }
        const files = new Map(yours.map((n) => [n, stackFileTaskSize(this.o.workDir, n)]));
        const differs = yours.filter((n) => !sameTaskSize(files.get(n), size));
        if (differs.length > 0) {
            const [n] = differs;
            const f = files.get(n)!;
            throw new Error(
                `${differs.map((d) => `stack ${d}`).join(" and ")} already exist${differs.length > 1 ? "" : "s"} and this run did not create ${differs.length > 1 ? "them" : "it"}: ` +
                    `--task-size ${taskSizeFlag(size)} does not re-size your stacks (Pulumi.${n}.yaml says ${taskSizeFlag(f)}), so nothing was deployed. ` +
                    `To run yours at that size, set it in its file (pulumi config set ${key("taskCpu")} ${size.cpu} --stack ${n}; pulumi config set ${key("taskMemory")} ${size.memory} --stack ${n}) ` +
                    "and run npm run compare without --task-size; or leave --task-size out to deploy it as its file says",
            );
        }
    }

    private async selected(name: string, stack: Stack): Promise<void> {
        this.handles.set(name, stack);
        if (this.o.state.state.stacks[name]?.created) {
            await this.checkOurs(name);
            this.configFileOf(name); // a resumed run: its scratch project again, if the interruption lost it
            this.o.log(`   ${name}: selected (created by this run ${this.o.state.state.runId}, resumed)`);
        } else {
            this.o.state.setStack(name, { created: false, status: "created" });
            this.o.log(`   ${name}: selected your existing stack: it is deployed with this program and its own stack file, and never destroyed by this run`);
        }
    }

    /** `stack init` in the stack's scratch project, so the salt a passphrase backend sets goes into the copy, not Pulumi.<stack>.yaml. */
    private async create(name: string, ws: LocalWorkspace): Promise<void> {
        const scratch = writeScratchProject(this.o.workDir, name, this.o.scratchDir, this.o.taskSize);
        // Recorded before `stack init`, so an interruption between the two still leaves it known as ours.
        this.o.state.setStack(name, { created: true, status: "creating", configFile: scratch.configFile });
        await Stack.create(name, await LocalWorkspace.create({ workDir: scratch.dir, pulumiCommand: ws.pulumiCommand }));
        this.handles.set(name, await Stack.select(name, ws));
        await ws.setTag(name, RUN_TAG, this.o.state.state.runId).catch((t: Error) =>
            this.o.log(`   ${name}: could not tag the stack (${t.message.split("\n")[0]}); the run-state file ${this.o.state.file} records it`),
        );
        this.o.state.setStack(name, { created: true, status: "created" });
        const size = this.o.taskSize ? `, task size ${describeTaskSize(this.o.taskSize)}` : "";
        this.o.log(`   ${name}: created (stack tag ${RUN_TAG}=${this.o.state.state.runId}), deployed from ${path.relative(process.cwd(), scratch.configFile)}${size}`);
    }

    /**
     * The stack file a created stack's operations read: the recorded copy; re-made from the user's file when it is gone
     * (a passphrase backend's salt set at `stack init` is then lost with it, and `up` writes a new one into the copy).
     * Undefined for the user's stacks, which read their own file.
     */
    private configFileOf(name: string): string | undefined {
        const record = this.o.state.state.stacks[name];
        if (!record?.created) {
            return undefined;
        }
        if (record.configFile && fs.existsSync(record.configFile)) {
            return record.configFile;
        }
        const scratch = writeScratchProject(this.o.workDir, name, this.o.scratchDir, this.o.state.state.taskSize);
        this.o.log(`   ${name}: its stack file copy ${record.configFile ?? "(none recorded)"} is gone; made again from Pulumi.${name}.yaml`);
        this.o.state.setStack(name, { ...record, configFile: scratch.configFile });
        return scratch.configFile;
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

    async deploy(): Promise<void> {
        const settled = await Promise.allSettled(this.o.stacks.map((name) => this.up(name)));
        const failed = settled.flatMap((s, i) => (s.status === "rejected" ? [`${this.o.stacks[i]}: ${(s.reason as Error).message.split("\n").slice(0, 3).join(" ")}`] : []));
        if (failed.length > 0) {
            throw new Error(`pulumi up failed on ${failed.join("; ")}`);
        }
    }

    private async up(name: string): Promise<void> {
        const stack = this.handle(name);
        const record = this.o.state.state.stacks[name];
        this.o.state.setStack(name, { created: record?.created ?? false, status: "deploying" });
        const configFile = this.configFileOf(name);
        // No `signal`: on Ctrl-C the terminal interrupts the CLI itself, which then cancels cleanly; the Automation API
        // would send it a second SIGINT, which makes the CLI stop at once and may leave resources it does not record
        // (pulumi/pulumi v3.259.0 pkg/backend/cancellation_scope.go; automation/cmd.js kills with SIGINT on abort).
        // showSecrets false: see destroy.
        const result = await this.withEvents(name, "up", (onEvent, onOutput) => stack.up({ onEvent, onOutput, color: "never", showSecrets: false, ...(configFile ? { configFile } : {}) }));
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
        return settled.flatMap((s, i) => (s.status === "rejected" ? [`${this.leftoverOf(ours[i])} (destroy failed: ${(s.reason as Error).message.split("\n")[0]})`] : s.value));
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
        const configFile = this.configFileOf(name);
        // The repositories under the stack's prefix, found in ECR itself: an up that failed half way has pushed images
        // but exported no outputs, and TaskInfo's and the monitor's TLS helper's repositories are in no output.
        const images = (await stack.outputs().catch(() => ({}) as OutputMap)).images?.value;
        const region = stackFileRegion(configFile ?? path.join(this.o.workDir, `Pulumi.${name}.yaml`));
        let repos = repositoriesOf(images);
        try {
            const listed = region ? await this.o.ecr.listRepositories(region, repositoryName(PROJECT, name, "")) : [];
            repos = [...new Map([...repos, ...listed].map((r) => [`${r.region}/${r.name}`, r])).values()];
        } catch (e) {
            return [`${this.leftoverOf(name)} (its ECR repositories could not be listed: ${(e as Error).message})`];
        }
        if (!region) {
            this.o.log(`   ${name}: no aws:region in its stack file or the environment: only the repositories its outputs name are emptied`);
        }
        const problems = await emptyRepositories(repos, this.o.ecr, this.o.log);
        if (problems.length > 0) {
            return [`${this.leftoverOf(name)} (its ECR repositories could not be emptied: ${problems.join("; ")})`];
        }
        // showSecrets false: after the operation the Automation API reads `stack history`, with --show-secrets unless
        // told otherwise, and the CLI then loads and may save Pulumi.<stack>.yaml where it runs, the user's own file
        // (pulumi/pulumi v3.259.0 pkg/cmd/pulumi/stack/stack_history.go; @pulumi/pulumi automation/stack.js history()).
        await this.withEvents(name, "destroy", (onEvent, onOutput) => stack.destroy({ onEvent, onOutput, color: "never", showSecrets: false, ...(configFile ? { configFile } : {}) }));
        // --preserve-config: without it `stack rm` deletes Pulumi.<stack>.yaml, the stack file this repository keeps
        // (pulumi/pulumi pkg/cmd/pulumi/stack/stack_remove.go).
        await ws.removeStack(name, { preserveConfig: true });
        this.o.state.setStack(name, { created: true, status: "destroyed" });
        if (configFile) {
            removeScratchProject(configFile);
        }
        return [];
    }

    /** A stack this run created and left, with the stack file copy its operations read. */
    private leftoverOf(name: string): string {
        return leftover(name, this.o.state.state.stacks[name]?.configFile);
    }

    kept(): string[] {
        return this.o.stacks
            .filter((n) => this.o.state.state.stacks[n]?.created && this.o.state.state.stacks[n]?.status !== "destroyed")
            .map((n) => this.leftoverOf(n));
    }
}

/** A stack left behind and how to remove it. */
export function leftover(name: string, configFile?: string): string {
    const config = configFile
        ? `; its config is the copy ${configFile}: give any pulumi command on it \`--config-file\` with that file (Pulumi.${name}.yaml may say another size)`
        : "";
    return `stack ${name}, created by this run and still deployed: remove it with \`npm run compare -- --cleanup\` (empties its ECR repositories, then pulumi destroy and stack rm)${config}`;
}
