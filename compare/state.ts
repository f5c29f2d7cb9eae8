/**
 * The run-state file: which stacks (or local processes) a compare run created, so that an interrupted run is
 * resumed or cleaned up by the next one and nothing the run did not create is ever destroyed. One file per
 * checkout, `.compare/state.json` (gitignored), written whole and atomically at every change.
 */
import * as fs from "fs";
import * as path from "path";
import { randomBytes } from "crypto";
import { writeFileAtomic } from "../bench/results";
import { REPO_ROOT } from "../bench/local";
import { TaskSize } from "../model/pricing";

export const STATE_FORMAT = "dotnet-fargate-compare/1";

/** The stack tag a run sets on every stack it creates; its value is the run's id. */
export const RUN_TAG = "dotnet-fargate:compare-run";

export type StackStatus = "creating" | "created" | "deploying" | "deployed" | "destroying" | "destroyed";

export interface StackRecord {
    /** True when this run made the stack (`pulumi stack init`): only then may it destroy it. */
    readonly created: boolean;
    readonly status: StackStatus;
    /**
     * A stack this run created: the stack file every operation on it reads (`--config-file`), a copy of the user's
     * in a scratch project (compare/config-file.ts), kept until the stack is removed so --cleanup reads it too.
     */
    readonly configFile?: string;
}

export interface RunState {
    readonly format: typeof STATE_FORMAT;
    readonly runId: string;
    readonly startedAt: string;
    readonly mode: "stacks" | "local";
    /** --task-size: the size the stacks this run creates are deployed at; absent, their stack files' size. */
    readonly taskSize?: TaskSize;
    readonly stacks: Readonly<Record<string, StackRecord>>;
    /** --local: the services' processes, so a run killed outright has them stopped by the next. */
    readonly processes: readonly { readonly name: string; readonly pid: number; readonly cmdline: string }[];
}

export const DEFAULT_STATE_FILE = path.join(REPO_ROOT, ".compare", "state.json");

export function newRunState(mode: RunState["mode"], now = new Date(), taskSize?: TaskSize): RunState {
    return {
        format: STATE_FORMAT,
        runId: `${now.toISOString().replace(/[:.]/g, "-")}-${randomBytes(3).toString("hex")}`,
        startedAt: now.toISOString(),
        mode,
        ...(taskSize ? { taskSize } : {}),
        stacks: {},
        processes: [],
    };
}

/** The state left by an earlier run, or undefined when there is none. A file this version cannot read is refused by name. */
export function readRunState(file = DEFAULT_STATE_FILE): RunState | undefined {
    if (!fs.existsSync(file)) {
        return undefined;
    }
    let data: Partial<RunState>;
    try {
        data = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<RunState>;
    } catch (e) {
        throw new Error(`${file} is not valid JSON (${(e as Error).message}); read it, remove what it lists by hand, then delete it`, { cause: e });
    }
    if (data.format !== STATE_FORMAT || typeof data.runId !== "string" || typeof data.stacks !== "object" || data.stacks === null) {
        throw new Error(`${file} is not a compare run-state file of format ${STATE_FORMAT}; read it, remove what it lists by hand, then delete it`);
    }
    return { processes: [], ...data } as RunState;
}

/** Holds the state in memory and on disk; every change is written before the step it records is taken. */
export class StateStore {
    private current: RunState;

    constructor(
        initial: RunState,
        readonly file = DEFAULT_STATE_FILE,
    ) {
        this.current = initial;
        this.save();
    }

    get state(): RunState {
        return this.current;
    }

    /** Records a stack's change; what the change does not name (its config file) is kept. */
    setStack(stack: string, record: StackRecord): void {
        this.current = { ...this.current, stacks: { ...this.current.stacks, [stack]: { ...this.current.stacks[stack], ...record } } };
        this.save();
    }

    setProcesses(processes: RunState["processes"]): void {
        this.current = { ...this.current, processes };
        this.save();
    }

    /** Removes the file: nothing of this run is left. */
    finish(): void {
        fs.rmSync(this.file, { force: true });
    }

    private save(): void {
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        writeFileAtomic(this.file, `${JSON.stringify(this.current, null, 2)}\n`);
    }
}
