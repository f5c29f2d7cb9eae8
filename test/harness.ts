/**
 * Runs the whole program offline for a stack file, with optional config on top, and helps read the
 * recorded graph. Every test of the program goes through here.
 */
import { evaluate, Evaluation, InvokeHandler, isSecretValue, RecordedResource, stackFileConfig } from "../tools/offline";
import { PROJECT } from "../stacks/settings";

export type { RecordedResource } from "../tools/offline";

/**
 * What each stack must get from its architecture, written out as AWS and BuildKit spell it (not read from
 * model/architecture.ts), so a wrong entry there fails the tests instead of moving them along.
 */
export const EXPECTED = {
    arm64: { platform: "linux/arm64", cpuArchitecture: "ARM64", smallDatabase: "db.t4g.small" },
    amd64: { platform: "linux/amd64", cpuArchitecture: "X86_64", smallDatabase: "db.t3.small" },
} as const;
export { stackFileConfig } from "../tools/offline";

export interface RunOptions {
    /** Config over the stack file's, keys without the project prefix; `undefined` removes a key. */
    readonly config?: Record<string, unknown>;
    /** Secret config, keys without the project prefix, values as strings. */
    readonly secretConfig?: Record<string, string>;
    /** Environment variables set for the run only. */
    readonly env?: Record<string, string | undefined>;
    /** Extra invoke handlers. */
    readonly invokes?: readonly InvokeHandler[];
    /** Evaluate as `pulumi preview` does (setMocks' preview flag): isDryRun() is true. Default: false. */
    readonly preview?: boolean;
}

export async function runProgram(stack: string, options: RunOptions = {}): Promise<Evaluation> {
    const { config, secretKeys } = stackFileConfig(stack);
    for (const [k, v] of Object.entries(options.config ?? {})) {
        if (v === undefined) {
            delete config[`${PROJECT}:${k}`];
        } else {
            config[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
        }
    }
    for (const [k, v] of Object.entries(options.secretConfig ?? {})) {
        config[`${PROJECT}:${k}`] = v;
        secretKeys.push(`${PROJECT}:${k}`);
    }
    const saved: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(options.env ?? {})) {
        saved[k] = process.env[k];
        if (v === undefined) {
            delete process.env[k];
        } else {
            process.env[k] = v;
        }
    }
    try {
        return await evaluate(stack, { config, secretKeys, invokes: options.invokes, preview: options.preview });
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) {
                delete process.env[k];
            } else {
                process.env[k] = v;
            }
        }
    }
}

/** Resources of one type token. */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

/** The one resource with this type and logical name; fails when there is none or several. */
export function one(resources: readonly RecordedResource[], type: string, name: string): RecordedResource {
    const found = resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${type} named ${name}, found ${found.length}: ${ofType(resources, type).map((r) => r.name).join(", ")}`);
    }
    return found[0];
}

/** Number of resources per type token. */
export function countByType(resources: readonly RecordedResource[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of resources) {
        counts[r.type] = (counts[r.type] ?? 0) + 1;
    }
    return counts;
}

/** True when a recorded input value is a secret (the engine's secret wrapper). */
export const isSecret = isSecretValue;

/** The value inside a secret wrapper, or the value itself. */
export function unwrap<T = unknown>(value: unknown): T {
    return (isSecret(value) ? (value as { value: unknown }).value : value) as T;
}

/** Parses a JSON-string input (policies, container definitions), unwrapping a secret first. */
export function json<T = any>(value: unknown): T { // eslint-disable-line @typescript-eslint/no-explicit-any
    const text = unwrap(value);
    if (typeof text !== "string") {
        throw new Error(`expected a JSON string, got ${JSON.stringify(text)}`);
    }
    return JSON.parse(text) as T;
}

/** Every string in a value, looking inside secrets only when `intoSecrets` is true. */
function strings(value: unknown, intoSecrets: boolean, out: string[]): string[] {
    if (isSecret(value)) {
        return intoSecrets ? strings(value.value, intoSecrets, out) : out;
    }
    if (typeof value === "string") {
        out.push(value);
    } else if (typeof value === "object" && value !== null) {
        Object.values(value).forEach((v) => strings(v, intoSecrets, out));
    }
    return out;
}

/** Every string found anywhere in a value, secrets unwrapped, for "never appears" checks. */
export const allStrings = (value: unknown): string[] => strings(value, true, []);

/** Every string outside a secret wrapper: what would be stored and shown in plain text. */
export const plainStrings = (value: unknown): string[] => strings(value, false, []);
