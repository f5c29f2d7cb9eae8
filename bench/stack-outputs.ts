/**
 * Reads a stack's outputs with `pulumi stack output --json --stack <name>`. The command runner is
 * injectable so tests can fake the CLI; every failure becomes a StackError that says what to do.
 */
import { execFile } from "child_process";
import { ARCHITECTURES, isArchitecture } from "../model/architecture";
import { mergePrices, TaskSize } from "../model/pricing";
import { LoadGeneratorPlacement, StackOutputValues } from "../model/stack-outputs";
import { DEFAULT_TASK_SIZE } from "../model/task-sizes";

/**
 * One stack's outputs as the benchmark reads them: the contract's (model/stack-outputs.ts), those added after the
 * first deployments optional (an older stack lacks them), the cost kept as read (a results file stores it as such),
 * plus the stack's name and its BookStore store in words ("memory", or "postgres (RDS <class>, PostgreSQL <v>)").
 */
export type StackOutputs = Pick<StackOutputValues, "url" | "architecture" | "taskSize" | "serviceNames"> &
    Partial<Pick<StackOutputValues, "clusterName" | "logGroupNames" | "desiredCount" | "loadGenerator" | "prices">> & {
        readonly stack: string;
        readonly estimatedMonthlyCostUsd?: Readonly<Record<string, number>>;
        readonly store: string;
    };

/** Result of running a command: exit code, output, or the spawn error (ENOENT when it is not installed). */
export interface CommandResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly spawnError?: NodeJS.ErrnoException;
}

export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

export class StackError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackError";
    }
}

/** Runs a command without a shell, collecting its output. */
export const runCommand: CommandRunner = (command, args) =>
    new Promise((resolve) => {
        execFile(command, [...args], { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
            const e = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
            if (e && typeof e.code === "string") {
                resolve({ code: null, stdout: String(stdout), stderr: String(stderr), spawnError: e });
                return;
            }
            resolve({ code: e ? ((e.code as number | undefined) ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
        });
    });

/** Reads and checks one stack's outputs. */
export async function readStackOutputs(stack: string, run: CommandRunner = runCommand): Promise<StackOutputs> {
    const result = await run("pulumi", ["stack", "output", "--json", "--stack", stack]);
    if (result.spawnError) {
        if (result.spawnError.code === "ENOENT") {
            throw new StackError(
                "The Pulumi CLI (`pulumi`) is not installed or not on PATH; it is needed to read the stacks' `url` outputs. " +
                    "Install it, or run `npm run bench -- --local` to benchmark a local build.",
            );
        }
        throw new StackError(`Could not run \`pulumi stack output\` for stack "${stack}": ${result.spawnError.message}`);
    }
    if (result.code !== 0) {
        const detail = result.stderr.trim().split("\n").filter(Boolean).pop() ?? `exit code ${result.code}`;
        if (/no stack named|not found|does not exist/i.test(result.stderr)) {
            throw new StackError(
                `Unknown stack "${stack}": ${detail}. The stacks of this project are ${ARCHITECTURES.join(", ")} (see \`pulumi stack ls\`).`,
            );
        }
        throw new StackError(`\`pulumi stack output --json --stack ${stack}\` failed: ${detail}`);
    }
    let outputs: unknown;
    try {
        outputs = JSON.parse(result.stdout);
    } catch {
        throw new StackError(`\`pulumi stack output --json --stack ${stack}\` did not print JSON: ${result.stdout.slice(0, 200)}`);
    }
    return parseStackOutputs(stack, outputs);
}

/** Checks the outputs JSON of one stack. */
export function parseStackOutputs(stack: string, outputs: unknown): StackOutputs {
    if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs)) {
        throw new StackError(`Stack "${stack}" has no outputs; has it been deployed (\`pulumi up --stack ${stack}\`)?`);
    }
    // The contract's names (model/stack-outputs.ts): a renamed output fails to compile here.
    const o = outputs as { readonly [K in keyof StackOutputValues]?: unknown };
    if (typeof o.url !== "string" || o.url === "") {
        throw new StackError(
            `Stack "${stack}" has no \`url\` output; has it been deployed (\`pulumi up --stack ${stack}\`)? Outputs present: ${
                Object.keys(o).join(", ") || "none"
            }.`,
        );
    }
    let url: URL;
    try {
        url = new URL(o.url);
    } catch {
        throw new StackError(`Stack "${stack}" output \`url\` is not a URL: ${JSON.stringify(o.url)}`);
    }
    const architecture = o.architecture ?? stack;
    if (!isArchitecture(architecture)) {
        throw new StackError(
            `Stack "${stack}" output \`architecture\` is ${JSON.stringify(o.architecture)}; expected one of ${ARCHITECTURES.join(", ")}.`,
        );
    }
    const ts = o.taskSize as { cpu?: unknown; memory?: unknown } | undefined;
    const taskSize: TaskSize =
        ts && typeof ts.cpu === "number" && typeof ts.memory === "number" ? { cpu: ts.cpu, memory: ts.memory } : DEFAULT_TASK_SIZE;
    const serviceNames = stringRecord(o.serviceNames);
    const logGroupNames = o.logGroupNames === undefined ? undefined : stringRecord(o.logGroupNames);
    const desiredCount = o.desiredCount;
    if (desiredCount !== undefined && !(typeof desiredCount === "number" && Number.isInteger(desiredCount) && desiredCount >= 1)) {
        throw new StackError(
            `Stack "${stack}" output \`desiredCount\` is ${JSON.stringify(desiredCount)}; expected a whole number >= 1 (tasks per service), ` +
                "as the stacks' program exports it.",
        );
    }
    const loadGenerator = parseLoadGenerator(stack, o.loadGenerator);
    let prices;
    try {
        prices = o.prices === undefined ? undefined : mergePrices(o.prices, "prices");
    } catch (e) {
        throw new StackError(`Stack "${stack}" output \`prices\` is not a price table as the stacks' program exports it: ${(e as Error).message}`);
    }
    return {
        stack,
        store: storeOf(stack, o.database),
        ...(loadGenerator ? { loadGenerator } : {}),
        url: url.toString().replace(/\/$/, ""),
        architecture,
        taskSize,
        clusterName: typeof o.clusterName === "string" ? o.clusterName : undefined,
        serviceNames,
        ...(logGroupNames ? { logGroupNames } : {}),
        desiredCount,
        estimatedMonthlyCostUsd:
            typeof o.estimatedMonthlyCostUsd === "object" && o.estimatedMonthlyCostUsd !== null
                ? (o.estimatedMonthlyCostUsd as Record<string, number>)
                : undefined,
        ...(prices ? { prices } : {}),
    };
}

/** The string values of an object output (service key -> name); anything else is left out. */
function stringRecord(v: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    if (typeof v === "object" && v !== null) {
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
            if (typeof x === "string") {
                out[k] = x;
            }
        }
    }
    return out;
}

/** The optional `database` output (the BookStore on RDS): { engine, engineVersion, instanceClass, ... }. */
function storeOf(stack: string, v: unknown): string {
    if (v === undefined || v === null) {
        return "memory";
    }
    const o = v as { engine?: unknown; engineVersion?: unknown; instanceClass?: unknown };
    if (o.engine !== "postgres" || typeof o.instanceClass !== "string" || typeof o.engineVersion !== "string") {
        throw new StackError(`Stack "${stack}" output \`database\` is ${JSON.stringify(v)}; expected { engine: "postgres", engineVersion, instanceClass, ... } as the stacks' program exports it.`);
    }
    return `postgres (RDS ${o.instanceClass}, PostgreSQL ${o.engineVersion})`;
}

/** The optional `loadGenerator` output: { region, subnetIds: [...], securityGroupId }. */
function parseLoadGenerator(stack: string, v: unknown): LoadGeneratorPlacement | undefined {
    if (v === undefined) {
        return undefined;
    }
    const o = v as { region?: unknown; subnetIds?: unknown; securityGroupId?: unknown } | null;
    if (
        !o ||
        typeof o.region !== "string" ||
        !Array.isArray(o.subnetIds) ||
        o.subnetIds.length === 0 ||
        !o.subnetIds.every((x) => typeof x === "string" && x.startsWith("subnet-")) ||
        typeof o.securityGroupId !== "string" ||
        !o.securityGroupId.startsWith("sg-")
    ) {
        throw new StackError(
            `Stack "${stack}" output \`loadGenerator\` is ${JSON.stringify(v)}; expected { region, subnetIds: ["subnet-..."], securityGroupId: "sg-..." }.`,
        );
    }
    return { region: o.region, subnetIds: o.subnetIds as string[], securityGroupId: o.securityGroupId };
}
