/**
 * `npm run synth -- --stack <name> [--config key=value ...] [--json] [--out <file>]`: what a stack would create, evaluated offline with the
 * same mocks as the tests. No cloud credentials, no Pulumi CLI. Computed values (ARNs, IDs, digests)
 * are stand-ins; inputs and the cost estimate are the program's own.
 */
import * as fs from "fs";
import { PAT_ENV } from "../stacks/azuredevops-config";
import { evaluate, Evaluation, isSecretValue, OFFLINE_SECRET, RecordedResource, stackFileConfig, stackNames } from "./offline";
import { PROJECT } from "../stacks/settings";

export interface SynthOptions {
    readonly stack: string;
    readonly json: boolean;
    /** Write to this file instead of standard output (so npm's banner never mixes with the JSON). */
    readonly out?: string;
    /** Config over the stack file's, as `pulumi config set` takes it: key (project prefix optional) -> text. */
    readonly config?: Readonly<Record<string, string>>;
}

/** Widest line the text form prints; longer summaries continue on the next line. */
export const TEXT_WIDTH = 160;

export function parseArgs(argv: readonly string[]): SynthOptions {
    let stack: string | undefined;
    let json = false;
    let out: string | undefined;
    const config: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--json") {
            json = true;
        } else if (arg === "--stack" || arg === "-s") {
            stack = argv[++i];
            if (stack === undefined) {
                throw new UsageError(`${arg} needs a stack name`);
            }
        } else if (arg.startsWith("--stack=")) {
            stack = arg.slice("--stack=".length);
        } else if (arg === "--out") {
            out = argv[++i];
            if (out === undefined || out === "") {
                throw new UsageError(`${arg} needs a file name`);
            }
        } else if (arg === "--config" || arg === "-c") {
            const pair = configPair(argv[++i] ?? "");
            if (pair === undefined) {
                throw new UsageError(`${arg} needs key=value, such as database='{"enabled":true}'`);
            }
            config[pair[0]] = pair[1];
        } else {
            throw new UsageError(`unknown argument "${arg}"`);
        }
    }
    if (!stack) {
        throw new UsageError("--stack is required");
    }
    return { stack, json, ...(out === undefined ? {} : { out }), ...(Object.keys(config).length > 0 ? { config } : {}) };
}

/** A `--config key=value` argument as `pulumi config set` takes it: the key with the project prefix added when it has none. */
export function configPair(text: string): [key: string, value: string] | undefined {
    const eq = text.indexOf("=");
    if (eq < 1) {
        return undefined;
    }
    const name = text.slice(0, eq);
    return [name.includes(":") ? name : `${PROJECT}:${name}`, text.slice(eq + 1)];
}

export class UsageError extends Error {
    constructor(problem: string) {
        super(`${problem}. Usage: npm run synth -- --stack <${stackNames().join("|")}> [--config key=value ...] [--json] [--out <file>]`);
        this.name = "UsageError";
    }
}

/** Replaces secret values with a marker, so synth output never shows one. */
export function redact(value: unknown): unknown {
    if (typeof value === "object" && value !== null) {
        if (isSecretValue(value)) {
            return "[secret]";
        }
        if (Array.isArray(value)) {
            return value.map(redact);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
    }
    return value;
}

/** Inputs as JSON-friendly data: JSON strings (policies, container definitions) parsed, secrets redacted. */
function readableInputs(inputs: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(redact(inputs) as Record<string, unknown>)) {
        if (typeof v === "string" && /^[[{]/.test(v)) {
            try {
                out[k] = JSON.parse(v);
                continue;
            } catch {
                // not JSON after all; keep the string
            }
        }
        out[k] = v;
    }
    return out;
}

/** `key=value` pairs of a resource's scalar inputs, nested ones dotted, joined by spaces. */
export function summarize(inputs: Record<string, unknown>, limit = 8): string {
    return summaryPairs(inputs, limit).join(" ");
}

/** Pairs laid out in lines of at most `width` columns after `indent` (a longer single pair stands alone). */
export function wrapPairs(pairs: readonly string[], indent: string, width = TEXT_WIDTH): string[] {
    const lines: string[] = [];
    let line = "";
    for (const pair of pairs) {
        if (line !== "" && indent.length + line.length + 1 + pair.length > width) {
            lines.push(indent + line);
            line = "";
        }
        line = line === "" ? pair : `${line} ${pair}`;
    }
    if (line !== "") {
        lines.push(indent + line);
    }
    return lines;
}

function summaryPairs(inputs: Record<string, unknown>, limit: number): string[] {
    const pairs: string[] = [];
    const walk = (value: unknown, prefix: string, depth: number) => {
        if (pairs.length >= limit) {
            return;
        }
        if (value === null || value === undefined) {
            return;
        }
        if (typeof value !== "object") {
            const text = String(value);
            pairs.push(`${prefix}=${text.length > 60 ? `${text.slice(0, 57)}...` : text}`);
        } else if (Array.isArray(value)) {
            if (value.every((v) => typeof v !== "object")) {
                const text = value.join(",");
                pairs.push(`${prefix}=[${text.length > 60 ? `${text.slice(0, 57)}...` : text}]`);
            } else {
                pairs.push(`${prefix}=[${value.length} item${value.length === 1 ? "" : "s"}]`);
            }
        } else if (depth < 2) {
            for (const [k, v] of Object.entries(value)) {
                walk(v, prefix ? `${prefix}.${k}` : k, depth + 1);
            }
        }
    };
    for (const [k, v] of Object.entries(readableInputs(inputs))) {
        if (k !== "tags") {
            walk(v, k, 0);
        }
    }
    return pairs;
}

export function renderText(stack: string, evaluation: Evaluation): string {
    const lines: string[] = [`Stack ${stack}: ${evaluation.resources.length} resources (offline evaluation; IDs, ARNs and digests are stand-ins)`, ""];
    const resources = [...evaluation.resources].sort((a, b) => (a.type === b.type ? (a.name < b.name ? -1 : 1) : a.type < b.type ? -1 : 1));
    const width = Math.max(...resources.map((r) => r.type.length));
    for (const r of resources) {
        lines.push(`${r.type.padEnd(width)}  ${r.name}`);
        lines.push(...wrapPairs(summaryPairs(r.inputs, 8), "      "));
    }
    const outputs = redact(evaluation.outputs) as Record<string, unknown>;
    const cost = outputs.estimatedMonthlyCostUsd as Record<string, number> | undefined;
    lines.push("", "Outputs:");
    for (const [k, v] of Object.entries(outputs)) {
        if (k === "estimatedMonthlyCostUsd" || v === undefined) {
            continue;
        }
        if (typeof v === "object" && v !== null && !Array.isArray(v)) {
            // One line per entry, digests shortened as `docker images` does (--json has them whole).
            const shown = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value)).replace(/sha256:([0-9a-f]{12})[0-9a-f]{52}/g, "sha256:$1...");
            lines.push(`  ${k}:`, ...Object.entries(v).map(([name, value]) => `    ${name}: ${shown(value)}`));
        } else {
            lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
        }
    }
    if (cost) {
        lines.push("", "Estimated monthly cost (USD, list prices, traffic-priced items excluded):");
        for (const [k, v] of Object.entries(cost)) {
            lines.push(`  ${k.padEnd(14)} ${v.toFixed(2).padStart(9)}`);
        }
    }
    return lines.join("\n");
}

export function renderJson(stack: string, evaluation: Evaluation): string {
    const resources = evaluation.resources.map((r: RecordedResource) => ({ type: r.type, name: r.name, inputs: readableInputs(r.inputs) }));
    return JSON.stringify({ stack, resources, outputs: redact(evaluation.outputs) }, null, 2);
}

/**
 * Evaluates the stack offline with the stack file's config and `overrides` on top. Offline nothing reaches Azure
 * DevOps, so a stack with `azureDevOps.enabled` evaluates without the real token: a placeholder stands in for the run.
 */
export async function evaluateStack(stack: string, overrides: Readonly<Record<string, string>> = {}): Promise<Evaluation> {
    const { config: fileConfig, secretKeys } = stackFileConfig(stack);
    const config = { ...fileConfig, ...overrides };
    const hadToken = process.env[PAT_ENV] !== undefined;
    if (!hadToken) {
        process.env[PAT_ENV] = OFFLINE_SECRET;
    }
    try {
        return await evaluate(stack, { config, secretKeys });
    } finally {
        if (!hadToken) {
            delete process.env[PAT_ENV];
        }
    }
}

/** Evaluates the stack and returns its text or JSON. */
export async function main(argv: readonly string[]): Promise<string> {
    const options = parseArgs(argv);
    const evaluation = await evaluateStack(options.stack, options.config);
    const text = options.json ? renderJson(options.stack, evaluation) : renderText(options.stack, evaluation);
    if (options.out !== undefined) {
        fs.writeFileSync(options.out, `${text}\n`);
        return `synth: wrote ${options.out}`;
    }
    return text;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (text) => console.log(text),
        (err: Error) => {
            console.error(`synth: ${err.message}`);
            process.exit(1);
        },
    );
}
