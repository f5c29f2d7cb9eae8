/**
 * The comparison's sequence, the same for the stacks and for --local: prepare (select or create), deploy (or
 * start), wait until healthy, benchmark, then tear down what this run created unless --keep. A failure or an
 * interruption at any phase goes straight to the tear-down; what cannot be removed is printed with the command
 * that removes it.
 */
import { HealthCheck, waitHealthy } from "./health";
import { Log, Phases } from "./progress";
import { RunState } from "./state";

/** What the flow drives: the two stacks through the Automation API, or the services on this machine. */
export interface Driver {
    readonly mode: RunState["mode"];
    /** Selects or creates the targets, recording in the run state those it creates. */
    prepare(signal: AbortSignal): Promise<void>;
    /** Deploys (starts) every target, in parallel where they are independent; settles only when all have settled. */
    deploy(signal: AbortSignal): Promise<void>;
    healthChecks(): Promise<HealthCheck[]>;
    /** Runs the benchmark and writes its results and report; returns the results file. */
    bench(signal: AbortSignal): Promise<string>;
    /** Removes what this run created, and only that; returns what is left, each with the command that removes it. */
    teardown(): Promise<string[]>;
    /** What is left when the run keeps its targets (--keep), each with the command that removes it. */
    kept(): string[];
}

export interface FlowOptions {
    readonly keep: boolean;
    readonly log: Log;
    readonly signal: AbortSignal;
    readonly healthTimeoutMs: number;
    readonly healthIntervalMs: number;
    readonly phases?: Phases;
}

export interface FlowResult {
    /** The results file, when the benchmark finished. */
    readonly results?: string;
    readonly error?: Error;
    readonly interrupted: boolean;
    /** What the run leaves behind (kept on purpose or not removable), with the commands. */
    readonly left: readonly string[];
    /** `left` was kept on purpose (--keep), not left by a failure. */
    readonly kept?: boolean;
    readonly phases: Phases;
}

export class Interrupted extends Error {
    constructor() {
        super("interrupted");
        this.name = "Interrupted";
    }
}

/** Settles with `work`, or rejects with Interrupted as soon as the signal fires (the work is left to its own end). */
function orInterrupt<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) {
        return Promise.reject(new Interrupted());
    }
    return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(new Interrupted());
        signal.addEventListener("abort", onAbort, { once: true });
        work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
}

export async function runFlow(driver: Driver, o: FlowOptions): Promise<FlowResult> {
    const phases = o.phases ?? new Phases(o.log);
    let results: string | undefined;
    let error: Error | undefined;
    const checkSignal = () => {
        if (o.signal.aborted) {
            throw new Interrupted();
        }
    };
    try {
        checkSignal();
        await phases.run("prepare", driver.mode === "local" ? "this machine's services" : "select or create the stacks", () => driver.prepare(o.signal));
        checkSignal();
        await phases.run("deploy", driver.mode === "local" ? "build and start the services on 127.0.0.1" : "pulumi up on every stack, in parallel", () => driver.deploy(o.signal));
        checkSignal();
        await phases.run("health", "GET each service until it answers", async () =>
            waitHealthy(await driver.healthChecks(), { timeoutMs: o.healthTimeoutMs, intervalMs: o.healthIntervalMs, log: o.log, signal: o.signal }),
        );
        checkSignal();
        results = await phases.run("benchmark", "the benchmark (bench/run.ts) on every target", () => orInterrupt(driver.bench(o.signal), o.signal));
    } catch (e) {
        error = o.signal.aborted ? new Interrupted() : (e as Error);
    }
    let left: string[];
    if (o.keep) {
        left = driver.kept();
    } else {
        left = await phases
            .run("destroy", driver.mode === "local" ? "stop the services and remove what they used" : "empty this run's ECR repositories, pulumi destroy and stack rm the stacks this run created", () =>
                driver.teardown(),
            )
            .catch((e: Error) => [`tear-down failed: ${e.message}`]);
    }
    return { results, error, interrupted: error instanceof Interrupted, left, kept: o.keep, phases };
}
