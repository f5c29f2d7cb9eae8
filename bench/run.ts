/**
 * `npm run bench -- --stacks arm64,amd64` or `npm run bench -- --local --scale 0.05`.
 * Runs the scenarios, saves the results under bench/results/, and writes the report beside them.
 */
import * as path from "path";
import { artilleryBin, runArtillery } from "./artillery";
import { MIN_PHASE_STEP_S } from "./capacity-phases";
import { checkAwsCredentials } from "./fargate";
import { writeReports } from "./report";
import { BenchResults, currentMachine, RESULTS_DIR, RESULTS_FORMAT, writeResults } from "./results";
import { preflight, runBenchmark, ScriptRunner } from "./runner";
import { CapacityTarget, loadUserFlow, pathFlow, loadUserScenario, isCapacityScenario, loadCapacityTargets, loadFixedScenario } from "./scenarios";
import { CliOptions, MainDeps, MIN_STEP_S, parseCli, UsageError, USAGE } from "./options";
import { cleanups, corePinning, LocalState, startLocal, stopLocal } from "./local-run";
import { stackTargets } from "./stack-targets";

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

