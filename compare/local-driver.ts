/**
 * --local: the same sequence with this machine standing in for the stacks. Deploy is the benchmark's own local
 * start (bench/run.ts startLocal: build, publish a user's services, cap and pin them, start them on 127.0.0.1),
 * the benchmark runs on that target as started, and destroy is bench's stopLocal (stop the processes, remove the
 * CPU groups, the published files and a throw-away PostgreSQL). The processes are recorded in the run state, so
 * a run killed outright has them stopped by the next one.
 */
import * as fs from "fs";
import { isProcessAlive } from "../bench/local";
import { CliOptions, MainDeps, parseCli } from "../bench/options";
import { corePinning, LocalState, startLocal, stopLocal } from "../bench/local-run";
import { planTests } from "../bench/run";
import { currentMachine } from "../bench/results";
import { Target } from "../bench/runner";
import { Driver } from "./flow";
import { HealthCheck } from "./health";
import { Log } from "./progress";
import { RunState, StateStore } from "./state";

export interface LocalDriverOptions {
    readonly state: StateStore;
    readonly log: Log;
    readonly benchArgs: readonly string[];
    /** bench/run.ts main, called with the started target. */
    readonly runBench: (argv: string[], deps: MainDeps) => Promise<string | undefined>;
    /** The benchmark's test hooks (a stand-in for the services or for Artillery), passed through. */
    readonly benchDeps?: MainDeps;
}

/** A process's command line as /proc has it ("" when it is gone): with the pid, what identifies a process we started. */
export function cmdlineOf(pid: number | undefined): string {
    try {
        return pid === undefined ? "" : fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
    } catch {
        return "";
    }
}

/** Stops processes an earlier, killed run left running; a pid now used by another program is left alone. */
export function stopLeftoverProcesses(processes: RunState["processes"], log: Log): void {
    for (const p of processes) {
        if (!isProcessAlive(p.pid)) {
            continue;
        }
        const cmdline = cmdlineOf(p.pid);
        if (cmdline !== "" && cmdline === p.cmdline) {
            process.kill(p.pid, "SIGTERM");
            log(`   stopped ${p.name} (pid ${p.pid}), left running by the interrupted run`);
        } else {
            log(`   pid ${p.pid} is no longer ${p.name} (${cmdline.slice(0, 80)}): left alone`);
        }
    }
}

export class LocalDriver implements Driver {
    readonly mode = "local" as const;
    private readonly local: LocalState = { running: [], cpuCaps: new Map() };
    private target?: Target;
    private readonly options: CliOptions;

    constructor(private readonly o: LocalDriverOptions) {
        this.options = parseCli(["--local", ...o.benchArgs]);
    }

    async prepare(): Promise<void> {
        stopLeftoverProcesses(this.o.state.state.processes, this.o.log);
        this.o.state.setProcesses([]);
        this.o.log(`   this machine: ${currentMachine().cpuModel}, ${currentMachine().cores} cores`);
    }

    async deploy(): Promise<void> {
        const machine = currentMachine();
        const pinning = this.options.pin ? corePinning(machine.cores) : undefined;
        const { paths } = planTests(this.options);
        const deps: MainDeps = { ...this.o.benchDeps, log: this.o.log };
        try {
            this.target = await startLocal(this.options, paths, this.local, { deps, log: this.o.log, pinning, cpuModel: machine.cpuModel });
        } finally {
            this.o.state.setProcesses(this.local.running.map((r) => ({ name: r.name, pid: r.child.pid ?? -1, cmdline: cmdlineOf(r.child.pid) })));
        }
    }

    async healthChecks(): Promise<HealthCheck[]> {
        return this.local.running.map((r) => ({ label: `local/${r.name}`, url: `${r.baseUrl}/healthz`, accept: (s: number) => s === 200, expects: "200" }));
    }

    async bench(): Promise<string> {
        if (!this.target) {
            throw new Error("the services were not started");
        }
        // --no-build: the deploy phase built them.
        const argv = ["--local", ...this.o.benchArgs.filter((a) => a !== "--no-build"), "--no-build"];
        const file = await this.o.runBench(argv, { ...this.o.benchDeps, log: this.o.log, targets: [this.target] });
        if (!file) {
            throw new Error("the benchmark wrote no results");
        }
        return file;
    }

    async teardown(): Promise<string[]> {
        if (this.local.running.length === 0) {
            // --cleanup, or a failure before this run started anything: what an earlier run recorded.
            stopLeftoverProcesses(this.o.state.state.processes, this.o.log);
        }
        await stopLocal(this.local, this.o.log);
        const alive = this.local.running.filter((r) => r.child.pid !== undefined && isProcessAlive(r.child.pid));
        this.o.state.setProcesses(alive.map((r) => ({ name: r.name, pid: r.child.pid as number, cmdline: cmdlineOf(r.child.pid) })));
        return alive.map((r) => `${r.name} still running as pid ${r.child.pid}: kill ${r.child.pid}`);
    }

    kept(): string[] {
        return []; // --keep is refused with --local (compare/options.ts): the services stop with the run.
    }
}
