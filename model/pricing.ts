/**
 * Prices and the cost arithmetic the stacks and the benchmark share. Pure functions, no Pulumi.
 *
 * Default prices are AWS on-demand list prices for Linux in us-east-1 and eu-west-1 (2025-2026).
 * They change: every figure can be overridden by the stack's `prices` config.
 */
import { isDeepStrictEqual } from "util";
import { Architecture, ARCHITECTURES, DATABASE_SIZES, DatabaseSize } from "./architecture";
import { ConfigError } from "./validation";

/** Hours in an average month (365 * 24 / 12), as AWS's calculator uses. */
export const HOURS_PER_MONTH = 730;

export interface FargatePrice {
    /** USD per vCPU-hour. */
    readonly vcpuHour: number;
    /** USD per GB-hour of task memory. */
    readonly gbHour: number;
}

export interface PriceTable {
    /** Fargate compute, per architecture. */
    readonly fargate: Readonly<Record<Architecture, FargatePrice>>;
    /** USD per NAT gateway-hour. */
    readonly natGatewayHour: number;
    /** USD per GB processed by a NAT gateway. */
    readonly natGatewayGb: number;
    /** USD per Application Load Balancer-hour (LCUs not included). */
    readonly albHour: number;
    /** USD per public IPv4 address-hour. */
    readonly publicIpv4Hour: number;
    /** USD per GB ingested by CloudWatch Logs. */
    readonly logsGb: number;
    /** RDS for PostgreSQL, Single-AZ, USD per instance-hour, per architecture and `database.size`. */
    readonly database: Readonly<Record<Architecture, Readonly<Record<DatabaseSize, number>>>>;
    /** USD per GB-month of RDS gp3 storage (backups up to the allocated size are free). */
    readonly databaseStorageGbMonth: number;
}

export const DEFAULT_PRICES: PriceTable = {
    fargate: {
        amd64: { vcpuHour: 0.04048, gbHour: 0.004445 },
        arm64: { vcpuHour: 0.03238, gbHour: 0.00356 },
    },
    natGatewayHour: 0.045,
    natGatewayGb: 0.045,
    albHour: 0.0225,
    publicIpv4Hour: 0.005,
    logsGb: 0.5,
    // us-east-1 list prices, 2026: t4g 0.016/0.032/0.065, t3 0.018/0.036/0.072, m7g.large 0.168; m7i.large is
    // our estimate (db.m6i.large's 0.178 plus EC2's m6i -> m7i step of about 5%): override it if you use it.
    database: {
        arm64: { micro: 0.016, small: 0.032, medium: 0.065, large: 0.168 },
        amd64: { micro: 0.018, small: 0.036, medium: 0.072, large: 0.187 },
    },
    databaseStorageGbMonth: 0.115,
};

/** A Fargate task size: CPU units (1024 = 1 vCPU) and memory in MiB, as the task definition takes them. */
export interface TaskSize {
    readonly cpu: number;
    readonly memory: number;
}

/** USD for one task of this size running one hour on this architecture. */
export function taskHourUsd(architecture: Architecture, size: TaskSize, prices: PriceTable = DEFAULT_PRICES): number {
    const price = prices.fargate[architecture];
    return (size.cpu / 1024) * price.vcpuHour + (size.memory / 1024) * price.gbHour;
}

/**
 * USD to serve one million requests with one task that sustains `requestsPerSecond`.
 * The capacity a benchmark measured, turned into money: the lower, the better.
 */
export function costPerMillionRequests(taskHourUsdValue: number, requestsPerSecond: number): number {
    if (!(requestsPerSecond > 0)) {
        throw new RangeError(`requestsPerSecond must be greater than 0, got ${requestsPerSecond}`);
    }
    return (taskHourUsdValue / (requestsPerSecond * 3600)) * 1_000_000;
}

/** What a stack runs, in the terms that cost money. */
export interface CostInputs {
    readonly architecture: Architecture;
    /** Each service's task size and how many tasks run. */
    readonly services: readonly (TaskSize & { readonly count: number })[];
    readonly natGateways: number;
    readonly loadBalancers: number;
    /** Public IPv4 addresses the stack holds (one per NAT gateway, one per ALB subnet). */
    readonly publicIpv4Addresses: number;
    /** The stack's databases, when it has any: `count` instances (default 1) of one size and storage. */
    readonly database?: { readonly size: DatabaseSize; readonly storageGb: number; readonly count?: number };
}

/** Monthly USD per line item, rounded to cents; `total` is the sum of the rounded parts. */
export interface MonthlyCost {
    readonly fargateVcpu: number;
    readonly fargateMemory: number;
    readonly loadBalancer: number;
    readonly natGateway: number;
    readonly publicIpv4: number;
    /** The databases' instance hours and storage; 0 without one. */
    readonly database: number;
    readonly total: number;
}

/** Rounds to cents, half up, ignoring binary noise (0.0225 * 730 is 16.425, not 16.42499...). */
const cents = (usd: number): number => Math.round(Number((usd * 100).toFixed(6))) / 100;

/**
 * The fixed monthly cost of a stack at list price: compute, load balancer, NAT gateways, public IPv4 and the database.
 * Usage-priced items (LCUs, NAT data, log ingestion) depend on traffic and are left out.
 */
export function estimateMonthlyCost(inputs: CostInputs, prices: PriceTable = DEFAULT_PRICES): MonthlyCost {
    const price = prices.fargate[inputs.architecture];
    let vcpuHours = 0;
    let gbHours = 0;
    for (const service of inputs.services) {
        vcpuHours += (service.cpu / 1024) * service.count * HOURS_PER_MONTH;
        gbHours += (service.memory / 1024) * service.count * HOURS_PER_MONTH;
    }
    const parts = {
        fargateVcpu: cents(vcpuHours * price.vcpuHour),
        fargateMemory: cents(gbHours * price.gbHour),
        loadBalancer: cents(inputs.loadBalancers * prices.albHour * HOURS_PER_MONTH),
        natGateway: cents(inputs.natGateways * prices.natGatewayHour * HOURS_PER_MONTH),
        publicIpv4: cents(inputs.publicIpv4Addresses * prices.publicIpv4Hour * HOURS_PER_MONTH),
        database: inputs.database === undefined
            ? 0
            : cents((inputs.database.count ?? 1) * (prices.database[inputs.architecture][inputs.database.size] * HOURS_PER_MONTH + inputs.database.storageGb * prices.databaseStorageGbMonth)),
    };
    const total = cents(Object.values(parts).reduce((sum, v) => sum + v, 0));
    return { ...parts, total };
}

/** Percent by which `candidate` differs from `baseline` (negative: cheaper, or less). */
export function percentDifference(candidate: number, baseline: number): number {
    if (baseline === 0) {
        throw new RangeError("baseline must not be 0");
    }
    return ((candidate - baseline) / baseline) * 100;
}

/**
 * Merges a partial price table (the `prices` config) over the defaults, refusing unknown keys and
 * anything that is not a non-negative number. `key` names the config key in errors.
 */
/** Whether a price table differs from list prices (a stack's `prices` config changed something). */
export function isOwnPriceTable(prices: PriceTable | undefined): boolean {
    return prices !== undefined && !isDeepStrictEqual(prices, DEFAULT_PRICES);
}

export function mergePrices(overrides: unknown, key = "prices"): PriceTable {
    if (overrides === undefined || overrides === null) {
        return DEFAULT_PRICES;
    }
    if (typeof overrides !== "object" || Array.isArray(overrides)) {
        throw new ConfigError(key, overrides, "expected an object such as {\"natGatewayHour\": 0.048}");
    }
    const input = overrides as Record<string, unknown>;
    const scalarKeys = ["natGatewayHour", "natGatewayGb", "albHour", "publicIpv4Hour", "logsGb", "databaseStorageGbMonth"] as const;
    const allowed = ["fargate", "database", ...scalarKeys];
    const result: { -readonly [K in keyof PriceTable]: PriceTable[K] } = { ...DEFAULT_PRICES };
    for (const [name, value] of Object.entries(input)) {
        if (!allowed.includes(name)) {
            throw new ConfigError(`${key}.${name}`, value, `expected one of ${allowed.join(", ")}`);
        }
    }
    for (const name of scalarKeys) {
        if (name in input) {
            result[name] = priceNumber(`${key}.${name}`, input[name]);
        }
    }
    if ("fargate" in input) {
        result.fargate = mergePerArchitecture(`${key}.fargate`, input.fargate, DEFAULT_PRICES.fargate, ["vcpuHour", "gbHour"]);
    }
    if ("database" in input) {
        result.database = mergePerArchitecture(`${key}.database`, input.database, DEFAULT_PRICES.database, DATABASE_SIZES);
    }
    return result;
}

/** Merges `{arm64: {field: price}, amd64: {...}}` over `base`, refusing unknown architectures and fields. */
function mergePerArchitecture<F extends string>(
    key: string,
    value: unknown,
    base: Readonly<Record<Architecture, Readonly<Record<F, number>>>>,
    fields: readonly F[],
): Record<Architecture, Record<F, number>> {
    const shape = `{${fields.map((f) => `"${f}": number`).join(", ")}}`;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new ConfigError(key, value, "expected an object keyed by architecture (arm64, amd64)");
    }
    const merged = { arm64: { ...base.arm64 }, amd64: { ...base.amd64 } } as Record<Architecture, Record<F, number>>;
    for (const [arch, entry] of Object.entries(value as Record<string, unknown>)) {
        if (!(ARCHITECTURES as readonly string[]).includes(arch)) {
            throw new ConfigError(`${key}.${arch}`, entry, `expected one of ${ARCHITECTURES.join(", ")}`);
        }
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            throw new ConfigError(`${key}.${arch}`, entry, `expected ${shape}`);
        }
        for (const [field, price] of Object.entries(entry as Record<string, unknown>)) {
            if (!(fields as readonly string[]).includes(field)) {
                throw new ConfigError(`${key}.${arch}.${field}`, price, `expected one of ${fields.join(", ")}`);
            }
            merged[arch as Architecture][field as F] = priceNumber(`${key}.${arch}.${field}`, price);
        }
    }
    return merged;
}

function priceNumber(key: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        throw new ConfigError(key, value, "expected a price in USD, a number >= 0");
    }
    return value;
}
