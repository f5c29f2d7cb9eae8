/**
 * What a comparison costs, before and after. A stack's hourly cost is the program's own
 * `estimatedMonthlyCostUsd` (stacks/program.ts with model/pricing.ts, the stack file's config and its `prices`
 * overrides), evaluated offline as `npm run synth` does, divided by the hours of a month: nothing is priced here
 * twice. The load workers of `--engine fargate` are priced with the same table's Fargate prices.
 */
import { Architecture } from "../model/architecture";
import { HOURS_PER_MONTH, mergePrices, MonthlyCost, PriceTable, TaskSize, taskHourUsd } from "../model/pricing";
import { evaluate, stackFileConfig } from "../tools/offline";
import { key, PROJECT } from "../stacks/settings";
import type { CapacityTarget, FixedScenario } from "../bench/scenarios";
import { WARMUP_CHUNK_S, WARMUP_MAX_CHUNKS } from "../bench/runner";
import { DEFAULT_CANDIDATES, MIN_PHASE_STEP_S, PHASED_WARMUP_S } from "../bench/capacity-phases";

/** Bisection runs of a phased search: four candidates a run bring the ramp's 2x gap within 5% in two (bench/README.md). */
const PHASED_BISECTION_RUNS = 2;

/**
 * One `artillery run-fargate` worker: Artillery's default task, 4 vCPU / 8 GB on x86-64, as bench/README.md records it
 * (bench/fargate.ts passes neither --cpu nor --memory, so the default applies).
 */
export const ARTILLERY_WORKER: TaskSize = { cpu: 4096, memory: 8192 };
export const ARTILLERY_WORKER_ARCHITECTURE: Architecture = "amd64";

export interface StackCost {
    readonly stack: string;
    readonly architecture: Architecture;
    readonly monthly: MonthlyCost;
    /** The stack's fixed cost for one hour: monthly total / 730. */
    readonly hourUsd: number;
    readonly prices: PriceTable;
}

/** The stack's cost as its program computes it, from its stack file (`Pulumi.<stack>.yaml`). */
export async function stackCost(stack: string, overrides: Readonly<Record<string, string>> = {}): Promise<StackCost> {
    const file = stackFileConfig(stack);
    const config = { ...file.config, ...overrides };
    const { outputs } = await evaluate(stack, { config, secretKeys: file.secretKeys });
    const monthly = outputs.estimatedMonthlyCostUsd as MonthlyCost;
    const prices = config[key("prices")] === undefined ? mergePrices(undefined) : mergePrices(JSON.parse(config[key("prices")]), "prices");
    return { stack, architecture: outputs.architecture as Architecture, monthly, hourUsd: monthly.total / HOURS_PER_MONTH, prices };
}

/** How long each part of a run takes, in seconds. */
export interface Durations {
    readonly deployS: number;
    readonly benchS: number;
    readonly destroyS: number;
}

/** Expected times of a real run: a first deployment builds and pushes the images and waits for steady ECS services; destroy waits for the NAT gateway. */
export const STACK_DEPLOY_S = 25 * 60;
export const STACK_DESTROY_S = 15 * 60;
/** Each `artillery run-fargate` run spends about a minute starting its workers (bench/README.md). */
export const FARGATE_WORKER_START_S = 60;

/**
 * Seconds the benchmark takes on `targets` targets, one after the other: the fixed-rate tests as scaled, and per
 * capacity search, `repeat` times: locally its warm-up (at most WARMUP_MAX_CHUNKS chunks) and its steps (doubling
 * from start to max, then about five bisections to 5%), one Artillery run each. With the Fargate engine a search is
 * phased (bench/capacity-phases.ts): a warm-up and the ramp in one run, then two bisection runs of
 * DEFAULT_CANDIDATES phases, each phase at least MIN_PHASE_STEP_S; each of those three runs, and each fixed test,
 * adds its workers' start.
 */
export function benchSeconds(
    plan: { readonly scenarios: readonly Pick<FixedScenario, "duration">[]; readonly capacity: readonly CapacityTarget[] },
    o: { readonly targets: number; readonly repeat: number; readonly fargate: boolean },
): number {
    const start = o.fargate ? FARGATE_WORKER_START_S : 0;
    const fixed = plan.scenarios.reduce((s, sc) => s + sc.duration + start, 0);
    const capacity = plan.capacity.reduce((s, c) => {
        const ramp = Math.ceil(Math.log2(Math.max(1, c.maxRate / c.startRate))) + 1;
        if (o.fargate) {
            const phase = Math.max(c.stepDuration, MIN_PHASE_STEP_S);
            return s + o.repeat * (PHASED_WARMUP_S + (ramp + PHASED_BISECTION_RUNS * DEFAULT_CANDIDATES) * phase + (1 + PHASED_BISECTION_RUNS) * start);
        }
        return s + o.repeat * (WARMUP_CHUNK_S * WARMUP_MAX_CHUNKS + (ramp + 5) * c.stepDuration);
    }, 0);
    return o.targets * (fixed + capacity);
}

export interface CostLine {
    readonly what: string;
    readonly hours: number;
    readonly usd: number;
}

export interface CostEstimate {
    readonly lines: readonly CostLine[];
    readonly totalUsd: number;
}

/**
 * The cost of a run: each stack for the whole run (both live from the start of the parallel deployment to the end
 * of their destruction), and with workers, `count` Fargate workers while the benchmark runs.
 */
export function experimentCost(stacks: readonly StackCost[], d: Durations, workers?: { readonly count: number }): CostEstimate {
    const stackHours = (d.deployS + d.benchS + d.destroyS) / 3600;
    const lines: CostLine[] = stacks.map((s) => ({
        what: `stack ${s.stack} (${s.architecture}): $${s.monthly.total.toFixed(2)}/month fixed${s.monthly.database > 0 ? `, database $${s.monthly.database.toFixed(2)} of it` : ""}`,
        hours: stackHours,
        usd: s.hourUsd * stackHours,
    }));
    if (workers && stacks.length > 0) {
        const hourUsd = taskHourUsd(ARTILLERY_WORKER_ARCHITECTURE, ARTILLERY_WORKER, stacks[0].prices);
        const hours = d.benchS / 3600;
        lines.push({ what: `${workers.count} Artillery worker(s), ${ARTILLERY_WORKER.cpu / 1024} vCPU / ${ARTILLERY_WORKER.memory / 1024} GB ${ARTILLERY_WORKER_ARCHITECTURE}`, hours, usd: workers.count * hourUsd * hours });
    }
    return { lines, totalUsd: lines.reduce((s, l) => s + l.usd, 0) };
}

export function formatCost(c: CostEstimate): string[] {
    return [
        ...c.lines.map((l) => `  ${l.what}: ${l.hours.toFixed(2)} h, $${l.usd.toFixed(2)}`),
        `  total: $${c.totalUsd.toFixed(2)} (list prices from model/pricing.ts; traffic-priced items (LCUs, NAT data, logs) not included)`,
    ];
}

/**
 * What would stop this run's tear-down, said before it starts: a stack file that turns the database on keeps RDS's
 * deletion protection unless it sets `database.deletionProtection` to false (stacks/settings.ts DEFAULTS), and
 * `pulumi destroy` then fails on the instance; without `skipFinalSnapshot` a final snapshot outlives the stack.
 */
export function teardownWarnings(stacks: readonly string[], read: (stack: string) => { config: Record<string, string> } = stackFileConfig): string[] {
    const warnings: string[] = [];
    for (const stack of stacks) {
        const raw = read(stack).config[key("database")];
        const db = raw === undefined ? undefined : (JSON.parse(raw) as { enabled?: boolean; deletionProtection?: boolean; skipFinalSnapshot?: boolean });
        if (!db?.enabled) {
            continue;
        }
        if (db.deletionProtection !== false) {
            warnings.push(
                `stack ${stack}: the database keeps deletion protection, so the run cannot destroy the stack it creates; for a throw-away comparison set ` +
                    `\`pulumi config set --path 'dotnet-fargate:database.deletionProtection' false --stack ${stack}\` first`,
            );
        }
        if (db.skipFinalSnapshot !== true) {
            warnings.push(`stack ${stack}: destroying the database first takes the snapshot ${PROJECT}-${stack}-bookstore-final (infra/database.ts, named after the stack's prefix), which stays (and costs storage) after the run`);
        }
    }
    return warnings;
}
