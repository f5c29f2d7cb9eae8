/**
 * The stack's settings: every config key, its default, and its validation, as pure functions.
 * `stacks/config.ts` feeds these from `pulumi.Config`; tests feed them directly.
 */
import { Architecture, ARCHITECTURES, architectureTraits, ArchitectureTraits, DATABASE_SIZES, DatabaseSize, isArchitecture } from "../model/architecture";
import { DATABASE_ENGINE_VERSIONS } from "../infra/database";
import { DEFAULT_SERVICES, ServiceName } from "../model/catalog";
import { CollectionRuleSettings } from "../infra/monitor";
import { SIGNER_ARN, SIGNER_ARN_EXPECTED } from "../infra/monitor-api-key";
import { DEFAULT_TASK_SIZE, validateTaskSize } from "../model/task-sizes";
import { autoscalingProblem } from "../infra/fargate-service";
import { CERTIFICATE_ARN_EXPECTED, isCertificateArn } from "../infra/load-balancer";
import { isPinnedTag } from "../model/naming";
import { NAT_STRATEGIES } from "../infra/network";
import { mergePrices, PriceTable } from "../model/pricing";
import { ConfigError } from "../model/validation";
import { projectRoot } from "../model/paths";
import { parseServices, ServiceSpec } from "../model/services";

export const PROJECT = "dotnet-fargate";

/**
 * Every config key the program reads, and how: `string` keys as text, `json` keys parsed (numbers, lists,
 * objects), `retired` keys only for their presence (they are refused). stacks/config.ts reads exactly these and
 * test/settings.test.ts holds Pulumi.yaml to exactly these, so a key cannot be added in one place only.
 */
export const CONFIG_KEYS = {
    architecture: "string",
    services: "json",
    taskCpu: "json",
    taskMemory: "json",
    desiredCount: "json",
    autoscaling: "json",
    natStrategy: "string",
    vpcCidr: "string",
    logRetentionDays: "json",
    imageRetentionCount: "json",
    certificateArn: "string",
    prices: "json",
    monitor: "json",
    database: "json",
    azureDevOps: "json",
    azureDevOpsAwsAccessKeyId: "retired",
    azureDevOpsAwsSecretAccessKey: "retired",
} as const satisfies Record<string, "string" | "json" | "retired">;

/** Full config key as a user types it in `pulumi config set`. */
export const key = (name: string): string => `${PROJECT}:${name}`;

export type NatStrategy = (typeof NAT_STRATEGIES)[number];

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export interface AutoscalingSettings {
    readonly enabled: boolean;
    readonly minCount: number;
    readonly maxCount: number;
    readonly targetCpuPercent: number;
}

export interface MonitorSettings {
    /** Deployed services that get a dotnet-monitor sidecar. */
    readonly services: readonly ServiceName[];
    /** Tag of mcr.microsoft.com/dotnet/monitor. */
    readonly imageTag: string;
    /** CIDR blocks that may reach the monitors' API through the load balancer; empty: no listener. */
    readonly allowedCidrs: readonly string[];
    /** Days the artifacts bucket keeps traces and dumps. */
    readonly artifactRetentionDays: number;
    /** IAM role or user ARNs allowed kms:Sign on the stack's token signing key: who may mint API tokens. */
    readonly tokenSigners: readonly string[];
    readonly rules: CollectionRuleSettings;
}

/** The BookStore's PostgreSQL on RDS; `enabled: false` keeps the in-memory store. */
export interface DatabaseSettings {
    readonly enabled: boolean;
    /** Instance size; the stack's architecture turns it into a class (model/architecture.ts). */
    readonly size: DatabaseSize;
    /** PostgreSQL major version. */
    readonly engineVersion: string;
    readonly allocatedStorageGb: number;
    readonly backupRetentionDays: number;
    readonly deletionProtection: boolean;
    readonly skipFinalSnapshot: boolean;
}

export interface StackSettings {
    readonly architecture: Architecture;
    /** What the architecture decides (platform, cpuArchitecture, database classes), resolved once here for every consumer. */
    readonly traits: ArchitectureTraits;
    /** The deployed services' names, in config order. */
    readonly services: readonly ServiceName[];
    /** Each deployed service as the program builds, routes and runs it (built-in or the user's own). */
    readonly serviceSpecs: readonly ServiceSpec[];
    readonly taskCpu: number;
    readonly taskMemory: number;
    readonly desiredCount: number;
    readonly autoscaling: AutoscalingSettings;
    readonly natStrategy: NatStrategy;
    readonly vpcCidr: string;
    readonly logRetentionDays: number;
    readonly imageRetentionCount: number;
    readonly certificateArn?: string;
    readonly prices: PriceTable;
    readonly monitor: MonitorSettings;
    readonly database: DatabaseSettings;
}

/** Values as read from config: strings for string keys, parsed JSON for the others, undefined when unset. */
export type RawSettings = Readonly<Record<string, unknown>>;

/** Defaults, also declared in Pulumi.yaml (a test keeps the two equal). */
export const DEFAULTS = {
    services: [...DEFAULT_SERVICES] as ServiceName[],
    taskCpu: DEFAULT_TASK_SIZE.cpu,
    taskMemory: DEFAULT_TASK_SIZE.memory,
    desiredCount: 1,
    autoscaling: { enabled: false, minCount: 1, maxCount: 4, targetCpuPercent: 60 },
    natStrategy: "single" as NatStrategy,
    vpcCidr: "10.0.0.0/16",
    logRetentionDays: 14,
    imageRetentionCount: 20,
    monitor: {
        imageTag: "10.0.3",
        allowedCidrs: [] as string[],
        artifactRetentionDays: 7,
        tokenSigners: [] as string[],
        rules: {
            highCpu: { enabled: true, threshold: 80 },
            largeGcHeap: { enabled: true, threshold: 512 },
            threadPoolStarvation: { enabled: true, threshold: 100 },
            actionsPerHour: 1,
        },
    },
    database: {
        enabled: false,
        size: "small" as DatabaseSize,
        engineVersion: "17",
        allocatedStorageGb: 20,
        backupRetentionDays: 7,
        deletionProtection: true,
        skipFinalSnapshot: false,
    },
};

/** Validates every key and applies defaults. Throws a ConfigError at the first bad value. */
/**
 * `region` is the stack's `aws:region` when known: an ACM certificate serves a load balancer of its own region only
 * (AWS Certificate Manager User Guide, "Supported Regions"), so one from another region is refused here rather than
 * when the listener is created.
 */
export function parseSettings(raw: RawSettings, root: string = projectRoot(), region?: string): StackSettings {
    const architecture = raw.architecture;
    if (!isArchitecture(architecture)) {
        throw new ConfigError(key("architecture"), architecture, `expected one of ${ARCHITECTURES.join(", ")}`);
    }

    const serviceSpecs = parseServices(raw.services ?? DEFAULTS.services, root);
    const services = serviceSpecs.map((spec) => spec.name);
    const taskCpu = raw.taskCpu ?? DEFAULTS.taskCpu;
    const taskMemory = raw.taskMemory ?? DEFAULTS.taskMemory;
    validateTaskSize(taskCpu, taskMemory, key("taskCpu"), key("taskMemory"));

    const desiredCount = integer("desiredCount", raw.desiredCount ?? DEFAULTS.desiredCount, 1, 100);
    const autoscaling = parseAutoscaling(raw.autoscaling, desiredCount);

    const natStrategy = raw.natStrategy ?? DEFAULTS.natStrategy;
    if (!(NAT_STRATEGIES as readonly unknown[]).includes(natStrategy)) {
        throw new ConfigError(key("natStrategy"), natStrategy, `expected ${NAT_STRATEGIES.join(" or ")}`);
    }

    const vpcCidr = raw.vpcCidr ?? DEFAULTS.vpcCidr;
    if (typeof vpcCidr !== "string" || !isPrivateCidr(vpcCidr)) {
        throw new ConfigError(key("vpcCidr"), vpcCidr, "expected a private IPv4 CIDR block from /16 to /24, such as 10.0.0.0/16");
    }

    const logRetentionDays = raw.logRetentionDays ?? DEFAULTS.logRetentionDays;
    if (typeof logRetentionDays !== "number" || !(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
        throw new ConfigError(key("logRetentionDays"), logRetentionDays, `expected one of ${LOG_RETENTION_DAYS.join(", ")}`);
    }

    const imageRetentionCount = integer("imageRetentionCount", raw.imageRetentionCount ?? DEFAULTS.imageRetentionCount, 2, 1000);

    // Empty is unset: Pulumi.yaml's default, since the CLI requires a value of every project key that has no default.
    const certificateArn = raw.certificateArn === "" ? undefined : raw.certificateArn;
    if (certificateArn !== undefined && !isCertificateArn(certificateArn)) {
        throw new ConfigError(key("certificateArn"), certificateArn, CERTIFICATE_ARN_EXPECTED);
    }
    const certificateRegion = typeof certificateArn === "string" ? certificateArn.split(":")[3] : undefined;
    if (region !== undefined && certificateRegion !== undefined && certificateRegion !== region) {
        throw new ConfigError(
            key("certificateArn"),
            certificateArn,
            `expected a certificate in the stack's region, ${region}: a load balancer can use an ACM certificate of its own region only (this one is in ${certificateRegion})`,
        );
    }

    const monitor = parseMonitor(raw.monitor, serviceSpecs, certificateArn as string | undefined);

    return {
        architecture,
        traits: architectureTraits(architecture),
        services,
        serviceSpecs,
        taskCpu: taskCpu as number,
        taskMemory: taskMemory as number,
        desiredCount,
        autoscaling,
        natStrategy: natStrategy as NatStrategy,
        vpcCidr,
        logRetentionDays,
        imageRetentionCount,
        certificateArn: certificateArn as string | undefined,
        prices: mergePrices(raw.prices, key("prices")),
        monitor,
        database: parseDatabase(raw.database, services),
    };
}

/** The service a database is for: the one whose store can use it. */
export const DATABASE_SERVICE = "bookstore";

function parseDatabase(value: unknown, deployed: readonly string[]): DatabaseSettings {
    const d = DEFAULTS.database;
    const input = object("database", value ?? {}, Object.keys(d));
    const enabled = boolean("database.enabled", input.enabled ?? d.enabled);
    const size = input.size ?? d.size;
    if (!(DATABASE_SIZES as readonly unknown[]).includes(size)) {
        throw new ConfigError(key("database.size"), size, `expected one of ${DATABASE_SIZES.join(", ")}`);
    }
    // `pulumi config set --path 'database.engineVersion' 16` stores a number: the version meant is its text.
    const givenVersion = input.engineVersion ?? d.engineVersion;
    const engineVersion = typeof givenVersion === "number" && Number.isInteger(givenVersion) ? String(givenVersion) : givenVersion;
    if (!(DATABASE_ENGINE_VERSIONS as readonly unknown[]).includes(engineVersion)) {
        throw new ConfigError(key("database.engineVersion"), engineVersion, `expected a PostgreSQL major version, one of ${DATABASE_ENGINE_VERSIONS.map((v) => `"${v}"`).join(", ")}`);
    }
    if (enabled && !deployed.includes(DATABASE_SERVICE)) {
        throw new ConfigError(key("database.enabled"), enabled, `the database is the ${DATABASE_SERVICE} service's store, and ${key("services")} does not deploy ${DATABASE_SERVICE}`);
    }
    return {
        enabled,
        size: size as DatabaseSize,
        engineVersion: engineVersion as string,
        allocatedStorageGb: integer("database.allocatedStorageGb", input.allocatedStorageGb ?? d.allocatedStorageGb, 20, 65536),
        backupRetentionDays: integer("database.backupRetentionDays", input.backupRetentionDays ?? d.backupRetentionDays, 1, 35),
        deletionProtection: boolean("database.deletionProtection", input.deletionProtection ?? d.deletionProtection),
        skipFinalSnapshot: boolean("database.skipFinalSnapshot", input.skipFinalSnapshot ?? d.skipFinalSnapshot),
    };
}

function parseMonitor(value: unknown, specs: readonly ServiceSpec[], certificateArn: string | undefined): MonitorSettings {
    const deployed = specs.map((spec) => spec.name);
    const d = DEFAULTS.monitor;
    const retired = (value as { tokenLifetimeDays?: unknown } | undefined)?.tokenLifetimeDays;
    if (retired !== undefined) {
        throw new ConfigError(
            key("monitor.tokenLifetimeDays"),
            retired,
            "retired: the stack holds no token any more; mint a short-lived one with `npm run monitor:token -- --stack <stack> --minutes <n>`, and remove this key",
        );
    }
    const input = object("monitor", value ?? {}, ["enabled", "imageTag", "allowedCidrs", "artifactRetentionDays", "tokenSigners", "rules"]);

    const enabled = input.enabled;
    let services: ServiceName[];
    if (enabled === undefined) {
        // The resolved specs say it, for a user's service as for a built-in one.
        services = specs.filter((spec) => spec.monitorByDefault).map((spec) => spec.name);
    } else if (enabled === true || enabled === false) {
        services = enabled ? [...deployed] : [];
    } else if (Array.isArray(enabled) && enabled.every((s) => typeof s === "string" && (deployed as readonly string[]).includes(s)) && new Set(enabled).size === enabled.length) {
        services = enabled as ServiceName[];
    } else {
        throw new ConfigError(key("monitor.enabled"), enabled, `expected true, false or a list of deployed services (${deployed.join(", ")})`);
    }

    const imageTag = input.imageTag ?? d.imageTag;
    if (!isPinnedTag(imageTag)) {
        throw new ConfigError(key("monitor.imageTag"), imageTag, "expected a pinned tag of mcr.microsoft.com/dotnet/monitor such as 10.0.3");
    }

    const allowedCidrs = input.allowedCidrs ?? d.allowedCidrs;
    if (!Array.isArray(allowedCidrs) || !allowedCidrs.every((c) => typeof c === "string" && isIpv4Cidr(c) && !c.endsWith("/0"))) {
        throw new ConfigError(key("monitor.allowedCidrs"), allowedCidrs, "expected a list of IPv4 CIDR blocks such as 203.0.113.0/24; the API is never open to the whole internet");
    }

    if (allowedCidrs.length > 0 && certificateArn === undefined) {
        // dotnet-monitor's api-key-format.md: the bearer token must "always [be] transmitted over TLS".
        throw new ConfigError(
            key("monitor.allowedCidrs"),
            allowedCidrs,
            `needs ${key("certificateArn")}: the monitor API is reached with a bearer token, which must never cross the internet in clear; set certificateArn (an ACM certificate for the load balancer) or leave allowedCidrs empty`,
        );
    }

    const artifactRetentionDays = integer("monitor.artifactRetentionDays", input.artifactRetentionDays ?? d.artifactRetentionDays, 1, 3650);
    const tokenSigners = input.tokenSigners ?? d.tokenSigners;
    if (!Array.isArray(tokenSigners) || !tokenSigners.every((arn) => typeof arn === "string" && SIGNER_ARN.test(arn)) || new Set(tokenSigners).size !== tokenSigners.length) {
        throw new ConfigError(key("monitor.tokenSigners"), tokenSigners, `${SIGNER_ARN_EXPECTED}, each once`);
    }

    const rulesInput = object("monitor.rules", input.rules ?? {}, ["highCpu", "largeGcHeap", "threadPoolStarvation", "actionsPerHour"]);
    const rule = (name: "highCpu" | "largeGcHeap" | "threadPoolStarvation", max: number) => {
        const r = object(`monitor.rules.${name}`, rulesInput[name] ?? {}, ["enabled", "threshold"]);
        const ruleEnabled = boolean(`monitor.rules.${name}.enabled`, r.enabled ?? d.rules[name].enabled);
        return { enabled: ruleEnabled, threshold: integer(`monitor.rules.${name}.threshold`, r.threshold ?? d.rules[name].threshold, 1, max) };
    };
    return {
        services,
        imageTag,
        allowedCidrs: allowedCidrs as string[],
        artifactRetentionDays,
        tokenSigners: tokenSigners as string[],
        rules: {
            highCpu: rule("highCpu", 100),
            largeGcHeap: rule("largeGcHeap", 1_048_576),
            threadPoolStarvation: rule("threadPoolStarvation", 1_000_000),
            actionsPerHour: integer("monitor.rules.actionsPerHour", rulesInput.actionsPerHour ?? d.rules.actionsPerHour, 1, 60),
        },
    };
}

function object(name: string, value: unknown, fields: readonly string[]): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new ConfigError(key(name), value, `expected an object with ${fields.join(", ")}`);
    }
    for (const [field, v] of Object.entries(value)) {
        if (!fields.includes(field)) {
            throw new ConfigError(key(`${name}.${field}`), v, `expected one of ${fields.join(", ")}`);
        }
    }
    return value as Record<string, unknown>;
}

/** True for an IPv4 CIDR block written with its network address, e.g. 203.0.113.0/24. */
export function isIpv4Cidr(cidr: string): boolean {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!match) {
        return false;
    }
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255) || prefix > 32) {
        return false;
    }
    const address = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return (address & mask) >>> 0 === address;
}


function parseAutoscaling(value: unknown, desiredCount: number): AutoscalingSettings {
    const d = DEFAULTS.autoscaling;
    const input = object("autoscaling", value ?? {}, Object.keys(d));
    const enabled = boolean("autoscaling.enabled", input.enabled ?? d.enabled);
    const values = { minCount: input.minCount ?? d.minCount, maxCount: input.maxCount ?? d.maxCount, targetCpuPercent: input.targetCpuPercent ?? d.targetCpuPercent };
    // The limits live with the component that scales (infra/fargate-service.ts); config gets the same check.
    const problem = autoscalingProblem(values);
    if (problem) {
        throw new ConfigError(key(`autoscaling.${problem.field}`), problem.value, problem.allowed);
    }
    const { minCount, maxCount, targetCpuPercent } = values as Record<keyof typeof values, number>;
    if (enabled && (desiredCount < minCount || desiredCount > maxCount)) {
        throw new ConfigError(key("desiredCount"), desiredCount, `expected a count from autoscaling.minCount (${minCount}) to autoscaling.maxCount (${maxCount})`);
    }
    return { enabled, minCount, maxCount, targetCpuPercent };
}

function boolean(name: string, value: unknown): boolean {
    if (typeof value !== "boolean") {
        throw new ConfigError(key(name), value, "expected true or false");
    }
    return value;
}

function integer(name: string, value: unknown, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new ConfigError(key(name), value, `expected a whole number from ${min} to ${max}`);
    }
    return value;
}

/** True for 10/8, 172.16/12 and 192.168/16 blocks of size /16 to /24 written with their network address. */
export function isPrivateCidr(cidr: string): boolean {
    if (!isIpv4Cidr(cidr)) {
        return false;
    }
    const prefix = Number(cidr.split("/")[1]);
    if (prefix < 16 || prefix > 24) {
        return false;
    }
    const [a, b] = cidr.split("/")[0].split(".").map(Number);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}
