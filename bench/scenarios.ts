/**
 * Reads the Artillery-compatible YAML scenarios in bench/scenarios/, the single source of truth for what
 * the benchmark sends: each fixed test is one phase (duration, arrivalRate) and one GET per virtual user.
 */
import { roundRate } from "./capacity";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SERVICE_CATALOG } from "../model/catalog";

/** bench/scenarios/ in the repository, found from bin/bench/ (compiled) or bench/ (sources). */
export const SCENARIO_DIR = path.resolve(__dirname, "../../bench/scenarios");

/** The seed's four tests, in the order the seed ran them. */
export const FIXED_SCENARIOS = ["books", "categories", "orders", "prime"] as const;

/** The capacity searches (not in the seed): BookStore's GET /api/books and Prime's GET /prime. */
export const CAPACITY_SCENARIOS = ["capacity", "capacity-prime"] as const;

/**
 * The Profiling API's three diagnosis scenarios, fixed-rate like the seed's tests but not part of the
 * default set: they exist to make a service misbehave for dotnet-monitor, not to compare architectures.
 */
export const PROFILING_SCENARIOS = ["high-cpu", "memory-leak", "blocking-threads"] as const;

/** What runs when --scenarios is not given: the seed's four tests, then the capacity searches. */
export const DEFAULT_SCENARIOS: readonly string[] = [...FIXED_SCENARIOS, ...CAPACITY_SCENARIOS];

/** Every scenario --scenarios accepts by id. */
export const ALL_SCENARIOS: readonly string[] = [...FIXED_SCENARIOS, ...CAPACITY_SCENARIOS, ...PROFILING_SCENARIOS];

/** Names --scenarios accepts for several scenarios at once. */
export const SCENARIO_GROUPS: Readonly<Record<string, readonly string[]>> = { profiling: PROFILING_SCENARIOS };

export function isCapacityScenario(id: string): boolean {
    return (CAPACITY_SCENARIOS as readonly string[]).includes(id);
}

/**
 * The scenario ids a --scenarios value names, in the order given, groups expanded, each once;
 * the default set when the value is undefined. Throws a RangeError naming an unknown entry.
 */
export function selectScenarios(list: string | undefined): string[] {
    if (list === undefined) {
        return [...DEFAULT_SCENARIOS];
    }
    const chosen: string[] = [];
    for (const entry of list.split(",").map((s) => s.trim()).filter(Boolean)) {
        const ids = SCENARIO_GROUPS[entry] ?? (ALL_SCENARIOS.includes(entry) ? [entry] : undefined);
        if (ids === undefined) {
            throw new RangeError(
                `unknown scenario "${entry}"; expected some of ${ALL_SCENARIOS.join(",")} or a group (${Object.keys(SCENARIO_GROUPS).join(", ")})`,
            );
        }
        for (const id of ids) {
            if (!chosen.includes(id)) {
                chosen.push(id);
            }
        }
    }
    if (chosen.length === 0) {
        throw new RangeError("no scenario named");
    }
    return chosen;
}

/** Whether the load balancer sends this path to the Profiling API (its listener rule's patterns, from model/catalog.ts). */
export function isProfilingPath(urlPath: string): boolean {
    const p = urlPath.split("?")[0];
    return SERVICE_CATALOG.profiling.pathPatterns.some((pattern) =>
        pattern.endsWith("*") ? p.startsWith(pattern.slice(0, -1)) : p === pattern,
    );
}

/** A request made once, after a test's load, on every target (Artillery's top-level `after` flow). */
export interface AfterRequest {
    readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
    readonly url: string;
}

/** One fixed-rate test: a constant arrival rate for a duration, one GET per arrival. */
export interface FixedScenario {
    /** File name without .yml, e.g. "books". */
    readonly id: string;
    /** Human name, e.g. "GET /api/books". */
    readonly name: string;
    /** The request path, e.g. "/api/books". */
    readonly url: string;
    /** Seconds, after --scale. */
    readonly duration: number;
    /** Arrivals per second. */
    readonly arrivalRate: number;
    /** Requests to make once when the test is over (e.g. DELETE /memory-leak); empty for most tests. */
    readonly after: readonly AfterRequest[];
    /**
     * A user's scenario file (`--scenario`), run as written: its flows, variables and other settings, with
     * the target, the (scaled) phase and the timeout set by the benchmark. Absent for the built-in tests,
     * which are one GET per virtual user.
     */
    readonly script?: Readonly<Record<string, unknown>>;
    /** The file a user's scenario came from. */
    readonly file?: string;
}

/** One capacity target: arrival rates ramped, then bisected, to the knee where p99 or errors pass a limit. */
export interface CapacityTarget {
    readonly name: string;
    readonly url: string;
    readonly startRate: number;
    /** Upper bound: the search never asks for more. */
    readonly maxRate: number;
    /** Seconds per step: the file's, after --scale, or --capacity-step-duration as given. */
    readonly stepDuration: number;
    readonly p99TargetMs: number;
    /** Highest fraction of failed requests a step may have and still be held, e.g. 0.01. */
    readonly maxErrorRate: number;
    /**
     * A user's flow (--capacity-flow, --capacity-path): rates are flows (Artillery arrivals, each running the
     * whole flow) per second and each step is judged by the flows it started. Absent for ours (one GET each).
     */
    readonly flow?: UserFlow;
}

/** What a user's capacity search runs per arrival. */
export interface UserFlow {
    /** The user's Artillery file, run as written (flows, variables, processors...) with our target, phases and timeout; absent: one GET of the target's url. */
    readonly script?: Readonly<Record<string, unknown>>;
    /** The file it came from; absent for the default flow (--capacity-path). */
    readonly file?: string;
    /** Requests in the first scenario's flow as written (loops and conditions aside; the steps measure the real figure). */
    readonly requests: number;
}

/**
 * The user's search settings when the command line gives none: the BookStore's (bench/scenarios/capacity.yml:
 * p99 200 ms, 1% errors, 30 s steps, up to 25,600/s; a test keeps them equal), starting at 5 flows/s since a
 * flow may be several requests. --capacity-start, --capacity-max, --capacity-step-duration, --p99-target
 * and --max-error-rate override them.
 */
export const USER_CAPACITY_DEFAULTS = { startRate: 5, maxRate: 25_600, stepDuration: 30, p99TargetMs: 200, maxErrorRate: 0.01 } as const;

/** Requests in a flow as written: each get/post/put/patch/delete/head step, and those inside `loop` steps once. */
function countRequests(flow: unknown): number {
    if (!Array.isArray(flow)) {
        return 0;
    }
    return flow.reduce((n: number, step: unknown) => {
        if (typeof step !== "object" || step === null) {
            return n;
        }
        const loop = (step as { loop?: unknown }).loop;
        return n + ([...METHODS, "head"].some((m) => m in step) ? 1 : 0) + (Array.isArray(loop) ? countRequests(loop) : 0);
    }, 0);
}

/**
 * A user's capacity search on their own Artillery file (`--capacity-flow file.yml`): its scenarios run as
 * written, one flow per arrival; `config.phases` is replaced by the search's steps (so it may be absent). Its
 * name is the file's name without .yml and "flow"; its url the first request's path (the preflight's GET and,
 * with --local, the service that serves it).
 */
export function loadUserFlow(file: string, scale: number, overrides: CapacityOverrides = {}): CapacityTarget {
    const doc = readYaml(file);
    const url = firstRequestUrl(file, doc);
    const scenarios = doc.scenarios as { flow?: unknown }[];
    const id = path.basename(file).replace(/\.ya?ml$/, "");
    return userTarget(`${id} flow`, url, { script: doc, file, requests: countRequests(scenarios[0]?.flow) }, scale, overrides);
}

/** The default flow when the user gives no file (`--capacity-path /path`): one GET of the path per arrival. */
export function pathFlow(urlPath: string, scale: number, overrides: CapacityOverrides = {}): CapacityTarget {
    if (!urlPath.startsWith("/")) {
        throw new RangeError(`--capacity-path must be a path starting with /, got ${JSON.stringify(urlPath)}`);
    }
    return userTarget(`GET ${urlPath}`, urlPath, { requests: 1 }, scale, overrides);
}

function userTarget(name: string, url: string, flow: UserFlow, scale: number, overrides: CapacityOverrides): CapacityTarget {
    const d = USER_CAPACITY_DEFAULTS;
    const t: CapacityTarget = {
        name: `${name} capacity`,
        url,
        startRate: overrides.startRate ?? d.startRate,
        maxRate: overrides.maxRate ?? d.maxRate,
        stepDuration: overrides.stepDuration ?? scaleDuration(d.stepDuration, scale),
        p99TargetMs: overrides.p99TargetMs ?? d.p99TargetMs,
        maxErrorRate: overrides.maxErrorRate ?? d.maxErrorRate,
        flow,
    };
    if (t.maxRate < t.startRate) {
        throw new RangeError(`${t.name}: --capacity-max (${t.maxRate}) must be >= the start rate (${t.startRate})`);
    }
    return t;
}

export class ScenarioError extends Error {
    constructor(file: string, message: string) {
        super(`Scenario ${file}: ${message}`);
        this.name = "ScenarioError";
    }
}

function readYaml(file: string): Record<string, unknown> {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new ScenarioError(file, `cannot be read (${(e as Error).message})`);
    }
    const doc: unknown = parse(text);
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
        throw new ScenarioError(file, "expected a YAML mapping with `config` and `scenarios`");
    }
    return doc as Record<string, unknown>;
}

function positive(file: string, key: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
        throw new ScenarioError(file, `${key} must be a number greater than 0, got ${JSON.stringify(value)}`);
    }
    return value;
}

/**
 * A rate: whole arrivals per second. Artillery 2.0.34 divides a phase's arrivalRate among its workers and asserts
 * the parts add up (packages/artillery/lib/dist.ts `distribute`), which fails for any fraction.
 */
function wholePositive(file: string, key: string, value: unknown): number {
    const n = positive(file, key, value);
    if (!Number.isInteger(n)) {
        throw new ScenarioError(file, `${key} must be a whole number of arrivals per second (Artillery divides it among its workers in whole arrivals), got ${n}`);
    }
    return n;
}

/** Scales a duration in seconds, never below one second. */
export function scaleDuration(seconds: number, scale: number): number {
    if (!(scale > 0)) {
        throw new RangeError(`--scale must be greater than 0, got ${scale}`);
    }
    return Math.max(1, Math.round(seconds * scale));
}

/** The GET url of the only flow step of the only scenario (the seed's shape). */
function flowUrl(file: string, doc: Record<string, unknown>): string {
    const scenarios = doc.scenarios;
    if (!Array.isArray(scenarios) || scenarios.length === 0) {
        throw new ScenarioError(file, "expected `scenarios` with one scenario");
    }
    const flow = (scenarios[0] as { flow?: unknown }).flow;
    const step = Array.isArray(flow) ? (flow[0] as { get?: { url?: unknown } } | undefined) : undefined;
    const url = step?.get?.url;
    if (typeof url !== "string" || !url.startsWith("/")) {
        throw new ScenarioError(file, "expected the scenario's flow to start with `- get: { url: \"/path\" }`");
    }
    return url;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** The file's top-level `after: { flow: [ { delete: { url } } ] }`, if any: method and url only. */
function afterFlow(file: string, doc: Record<string, unknown>): AfterRequest[] {
    if (doc.after === undefined) {
        return [];
    }
    const flow = (doc.after as { flow?: unknown } | null)?.flow;
    if (!Array.isArray(flow)) {
        throw new ScenarioError(file, "expected `after.flow` to be a list of requests");
    }
    return flow.map((step: unknown, i: number) => {
        const keys = typeof step === "object" && step !== null ? Object.keys(step) : [];
        const method = keys.length === 1 ? METHODS.find((m) => m === keys[0]) : undefined;
        const url = method ? (step as Record<string, { url?: unknown } | undefined>)[method]?.url : undefined;
        if (!method || typeof url !== "string" || !url.startsWith("/")) {
            throw new ScenarioError(file, `after.flow[${i}] must be one request, e.g. \`- delete: { url: "/path" }\``);
        }
        return { method: method.toUpperCase() as AfterRequest["method"], url };
    });
}

/** Loads one fixed-rate scenario by id (the seed's four, or a profiling one), scaling its duration. */
export function loadFixedScenario(id: string, scale = 1, dir = SCENARIO_DIR): FixedScenario {
    const file = path.join(dir, `${id}.yml`);
    return fixedScenario(file, id, readYaml(file), scale, flowUrl);
}

/**
 * Loads a user's own Artillery file (`--scenario path/to/file.yml`): one phase (`duration`, `arrivalRate`)
 * and any flows; its id is the file name without `.yml`, its path the first request's url (it names the test
 * and, in --local, picks the service that serves it).
 */
export function loadUserScenario(file: string, scale = 1): FixedScenario {
    const doc = readYaml(file);
    const id = path.basename(file).replace(/\.ya?ml$/, "");
    return { ...fixedScenario(file, id, doc, scale, firstRequestUrl), script: doc, file };
}

/** The url of the first request of the first scenario's flow, whatever its method. */
function firstRequestUrl(file: string, doc: Record<string, unknown>): string {
    const scenarios = doc.scenarios;
    const flow = Array.isArray(scenarios) ? (scenarios[0] as { flow?: unknown } | undefined)?.flow : undefined;
    const step = Array.isArray(flow) ? (flow.find((s) => typeof s === "object" && s !== null && METHODS.some((m) => m in s)) as Record<string, { url?: unknown }> | undefined) : undefined;
    const method = step ? METHODS.find((m) => m in step) : undefined;
    const url = method && step ? step[method]?.url : undefined;
    if (typeof url !== "string" || !url.startsWith("/")) {
        throw new ScenarioError(file, "expected `scenarios[0].flow` to hold a request with a path, e.g. `- get: { url: \"/path\" }`");
    }
    return url;
}

function fixedScenario(
    file: string,
    id: string,
    doc: Record<string, unknown>,
    scale: number,
    urlOf: (file: string, doc: Record<string, unknown>) => string,
): FixedScenario {
    const config = doc.config as { phases?: unknown } | undefined;
    const phases = config?.phases;
    if (!Array.isArray(phases) || phases.length !== 1) {
        throw new ScenarioError(file, "expected `config.phases` with exactly one phase");
    }
    const phase = phases[0] as { duration?: unknown; arrivalRate?: unknown; name?: unknown };
    const url = urlOf(file, doc);
    return {
        id,
        name: typeof phase.name === "string" ? phase.name : `GET ${url}`,
        url,
        duration: scaleDuration(positive(file, "config.phases[0].duration", phase.duration), scale),
        arrivalRate: wholePositive(file, "config.phases[0].arrivalRate", phase.arrivalRate),
        after: afterFlow(file, doc),
    };
}

/** Overrides for the capacity targets, from the command line. */
export interface CapacityOverrides {
    readonly startRate?: number;
    readonly maxRate?: number;
    readonly stepDuration?: number;
    readonly p99TargetMs?: number;
    readonly maxErrorRate?: number;
}

/**
 * Loads the capacity targets of the given files (ids, default every capacity scenario), scales each file's
 * step duration, then applies the overrides to every target.
 */
export function loadCapacityTargets(
    scale = 1,
    overrides: CapacityOverrides = {},
    dir = SCENARIO_DIR,
    ids: readonly string[] = CAPACITY_SCENARIOS,
): CapacityTarget[] {
    return ids.flatMap((id) => loadCapacityFile(path.join(dir, `${id}.yml`), scale, overrides));
}

function loadCapacityFile(file: string, scale: number, overrides: CapacityOverrides): CapacityTarget[] {
    const doc = readYaml(file);
    const list = doc.capacity;
    if (!Array.isArray(list) || list.length === 0) {
        throw new ScenarioError(file, "expected `capacity` with at least one target");
    }
    return list.map((raw: unknown, i: number) => {
        const fromFile = raw as Record<string, unknown>;
        // The file's step duration is scaled like every other duration; one given on the command line is taken as is.
        const fileStep = positive(file, `capacity[${i}].stepDuration`, fromFile.stepDuration);
        const t: Record<string, unknown> = { ...fromFile, stepDuration: scaleDuration(fileStep, scale), ...stripUndefined(overrides) };
        const key = (k: string) => `capacity[${i}].${k}`;
        if (typeof t.url !== "string" || !t.url.startsWith("/")) {
            throw new ScenarioError(file, `${key("url")} must be a path starting with /`);
        }
        const maxErrorRate = t.maxErrorRate;
        if (typeof maxErrorRate !== "number" || !(maxErrorRate >= 0 && maxErrorRate < 1)) {
            throw new ScenarioError(file, `${key("maxErrorRate")} must be a fraction in [0, 1), got ${JSON.stringify(maxErrorRate)}`);
        }
        const target: CapacityTarget = {
            name: typeof t.name === "string" ? t.name : `GET ${t.url} capacity`,
            url: t.url,
            startRate: positive(file, key("startRate"), t.startRate),
            maxRate: positive(file, key("maxRate"), t.maxRate),
            stepDuration: positive(file, key("stepDuration"), t.stepDuration),
            p99TargetMs: positive(file, key("p99TargetMs"), t.p99TargetMs),
            maxErrorRate,
        };
        if (target.maxRate < target.startRate) {
            throw new ScenarioError(file, `${key("maxRate")} (${target.maxRate}) must be >= startRate (${target.startRate})`);
        }
        return target;
    });
}

function stripUndefined(o: CapacityOverrides): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(o)) {
        if (v !== undefined) {
            out[k] = v as number;
        }
    }
    return out;
}

/** The ramp's arrival rates: startRate doubled until maxRate (the last one), as the search ramps before it bisects. */
export function capacitySteps(target: Pick<CapacityTarget, "startRate" | "maxRate">): number[] {
    const rates: number[] = [];
    for (let rate = roundRate(target.startRate); ; rate = Math.min(target.maxRate, roundRate(rate * 2))) {
        rates.push(rate);
        if (rate >= target.maxRate) {
            return rates;
        }
    }
}
