/**
 * Prices and the cost arithmetic the stacks and the benchmark share. Pure functions, no Pulumi.
 *
 * Default prices are AWS on-demand list prices for Linux in us-east-1 and eu-west-1 (2025-2026).
 * They change: every figure can be overridden by the stack's `prices` config.
 */
import { Architecture, ARCHITECTURES } from "./architecture";
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
}

/** Monthly USD per line item, rounded to cents; `total` is the sum of the rounded parts. */
export interface MonthlyCost {
    readonly fargateVcpu: number;
    readonly fargateMemory: number;
    readonly loadBalancer: number;
    readonly natGateway: number;
    readonly publicIpv4: number;
    readonly total: number;
}

/** Rounds to cents, half up, ignoring binary noise (0.0225 * 730 is 16.425, not 16.42499...). */
const cents = (usd: number): number => Math.round(Number((usd * 100).toFixed(6))) / 100;

/**
 * The fixed monthly cost of a stack at list price: compute, load balancer, NAT gateways and public IPv4.
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
export function mergePrices(overrides: unknown, key = "prices"): PriceTable {
    if (overrides === undefined || overrides === null) {
        return DEFAULT_PRICES;
    }
    if (typeof overrides !== "object" || Array.isArray(overrides)) {
        throw new ConfigError(key, overrides, "expected an object such as {\"natGatewayHour\": 0.048}");
    }
    const input = overrides as Record<string, unknown>;
    const scalarKeys = ["natGatewayHour", "natGatewayGb", "albHour", "publicIpv4Hour", "logsGb"] as const;
    const allowed = ["fargate", ...scalarKeys];
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
        const fargate = input.fargate;
        if (typeof fargate !== "object" || fargate === null || Array.isArray(fargate)) {
            throw new ConfigError(`${key}.fargate`, fargate, "expected an object keyed by architecture (arm64, amd64)");
        }
        const merged: Record<Architecture, FargatePrice> = { ...DEFAULT_PRICES.fargate };
        for (const [arch, value] of Object.entries(fargate as Record<string, unknown>)) {
            if (!(ARCHITECTURES as readonly string[]).includes(arch)) {
                throw new ConfigError(`${key}.fargate.${arch}`, value, `expected one of ${ARCHITECTURES.join(", ")}`);
            }
            if (typeof value !== "object" || value === null || Array.isArray(value)) {
                throw new ConfigError(`${key}.fargate.${arch}`, value, "expected {\"vcpuHour\": number, \"gbHour\": number}");
            }
            const entry = value as Record<string, unknown>;
            for (const field of Object.keys(entry)) {
                if (field !== "vcpuHour" && field !== "gbHour") {
                    throw new ConfigError(`${key}.fargate.${arch}.${field}`, entry[field], "expected vcpuHour or gbHour");
                }
            }
            const base = DEFAULT_PRICES.fargate[arch as Architecture];
            merged[arch as Architecture] = {
                vcpuHour: "vcpuHour" in entry ? priceNumber(`${key}.fargate.${arch}.vcpuHour`, entry.vcpuHour) : base.vcpuHour,
                gbHour: "gbHour" in entry ? priceNumber(`${key}.fargate.${arch}.gbHour`, entry.gbHour) : base.gbHour,
            };
        }
        result.fargate = merged;
    }
    return result;
}

function priceNumber(key: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        throw new ConfigError(key, value, "expected a price in USD, a number >= 0");
    }
    return value;
}
