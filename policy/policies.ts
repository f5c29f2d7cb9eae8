/**
 * The security posture the README promises, as Pulumi policies: checked on every preview
 * (`pulumi preview --policy-pack policy`), so it holds for every service a user adds and every later change.
 * Pure: each policy reads one resource's type and inputs. index.ts wraps them in a PolicyPack (@pulumi/policy);
 * policy.test.ts runs them against the program's own offline evaluation and against broken resources.
 * Contract: pulumi/pulumi-policy (sdk/nodejs/policy/policy.ts): a resource policy gets {type, props, urn, name}
 * and calls reportViolation(message); props are the resource's inputs, JSON strings left as they are.
 */

/** What a resource policy sees of a resource (the part of @pulumi/policy's ResourceValidationArgs used here). */
export interface ResourceArgs {
    readonly type: string;
    readonly props: Record<string, unknown>;
    readonly name: string;
}

export interface Policy {
    readonly name: string;
    readonly description: string;
    readonly validate: (args: ResourceArgs, report: (message: string) => void) => void;
}

type Container = {
    name: string;
    image?: string;
    user?: string;
    essential?: boolean;
    readonlyRootFilesystem?: boolean;
    linuxParameters?: { capabilities?: { drop?: string[] } };
    environment?: { name: string; value: string }[];
};

/** The containers of a task definition; undefined while the definitions are still unknown (a preview). */
function containers(args: ResourceArgs): Container[] | undefined {
    if (args.type !== "aws:ecs/taskDefinition:TaskDefinition" || typeof args.props.containerDefinitions !== "string") {
        return undefined;
    }
    try {
        return JSON.parse(args.props.containerDefinitions) as Container[];
    } catch {
        return undefined;
    }
}

const perContainer = (check: (c: Container, report: (m: string) => void) => void) => (args: ResourceArgs, report: (m: string) => void) => {
    for (const c of containers(args) ?? []) {
        check(c, report);
    }
};

const WORLD = new Set(["0.0.0.0/0", "::/0"]);
/** dotnet-monitor's API listeners on the load balancer: 52323, then one port up per monitored service. */
const MONITOR_PORTS = { first: 52323, last: 52422 } as const;
const isMonitorPort = (port: unknown) => typeof port === "number" && port >= MONITOR_PORTS.first && port <= MONITOR_PORTS.last;
/** One security group rule to or from a CIDR, however it was written. */
interface CidrRule {
    readonly direction: "ingress" | "egress";
    readonly cidr: string;
    readonly protocol: unknown;
    readonly fromPort: unknown;
    readonly toPort: unknown;
    /** Where it was written: the resource's name, and for an inline rule its place in the list. */
    readonly where: string;
}

/**
 * The CIDR rules a resource declares, in the three shapes pulumi-aws takes (@pulumi/aws 7.48.0): a
 * `vpc.SecurityGroupIngressRule`/`EgressRule` (one `cidrIpv4` or `cidrIpv6`, `ipProtocol`), an
 * `ec2.SecurityGroupRule` (`type` ingress or egress, `cidrBlocks`/`ipv6CidrBlocks`, `protocol`;
 * ec2/securityGroupRule.d.ts), and a `ec2.SecurityGroup`'s inline `ingress`/`egress` lists (the same fields;
 * types/input.d.ts, ec2.SecurityGroupIngress and SecurityGroupEgress). A rule from a security group has no CIDR and
 * is not listed.
 */
function cidrRules(args: ResourceArgs): CidrRule[] {
    const p = args.props;
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
    const listed = (direction: CidrRule["direction"], rule: Record<string, unknown>, where: string): CidrRule[] =>
        [...strings(rule.cidrBlocks), ...strings(rule.ipv6CidrBlocks)].map((cidr) => ({ direction, cidr, protocol: rule.protocol, fromPort: rule.fromPort, toPort: rule.toPort, where }));
    switch (args.type) {
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
            const cidr = (p.cidrIpv4 ?? p.cidrIpv6) as string | undefined;
            const direction = args.type.includes("Ingress") ? "ingress" : "egress";
            return cidr === undefined ? [] : [{ direction, cidr, protocol: p.ipProtocol, fromPort: p.fromPort, toPort: p.toPort, where: args.name }];
        }
        case "aws:ec2/securityGroupRule:SecurityGroupRule":
            return p.type === "ingress" || p.type === "egress" ? listed(p.type, p, args.name) : [];
        case "aws:ec2/securityGroup:SecurityGroup":
            return (["ingress", "egress"] as const).flatMap((direction) =>
                (Array.isArray(p[direction]) ? (p[direction] as Record<string, unknown>[]) : []).flatMap((rule, i) => listed(direction, rule ?? {}, `${args.name} (${direction}[${i}])`)),
            );
        default:
            return [];
    }
}

/** tcp, by name or number (pulumi-aws passes either on to the EC2 API). */
const isTcp = (protocol: unknown) => protocol === "tcp" || protocol === "6" || protocol === 6;
/** A container environment name that says it holds a secret (the last `__` segment, so `..ApiKey__Subject` is fine). */
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|CREDENTIALS?|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY)$/i;
/** A `Password=` (or `Pwd=`) keyword in an ADO.NET-style connection string. */
const CONNECTION_STRING_PASSWORD = /(^|;)\s*(password|pwd)\s*=/i;
/** An Npgsql (PostgreSQL) connection string: it names a `Host=`. */
const NPGSQL_HOST = /(^|;)\s*host\s*=/i;
/** Npgsql's `SSL Mode` (or `SslMode`) keyword set to VerifyFull: npgsql/npgsql v10.0.3 NpgsqlConnectionStringBuilder.cs. */
const NPGSQL_VERIFY_FULL = /(^|;)\s*ssl\s?mode\s*=\s*verifyfull\s*(;|$)/i;

export const POLICIES: readonly Policy[] = [
    {
        name: "tasks-without-public-ip",
        description: "ECS services run their tasks without public IP addresses.",
        validate: (args, report) => {
            if (args.type === "aws:ecs/service:Service") {
                const network = args.props.networkConfiguration as { assignPublicIp?: boolean } | undefined;
                if (network?.assignPublicIp === true) {
                    report(`${args.name}: tasks must not get a public IP (networkConfiguration.assignPublicIp is true).`);
                }
            }
        },
    },
    {
        name: "containers-non-root",
        description: "Every container runs as a non-root user.",
        validate: perContainer((c, report) => {
            // "user" is "uid", "uid:gid" or "name[:group]" (RegisterTaskDefinition's ContainerDefinition.user): uid 0 or root, alone or with a group.
            if (c.user === undefined || c.user === "" || /^(0|root)(:|$)/.test(c.user)) {
                report(`container ${c.name}: runs as root (user is ${JSON.stringify(c.user ?? null)}); set a non-root user such as 1654.`);
            }
        }),
    },
    {
        name: "containers-read-only-root",
        description: "Every container has a read-only root filesystem.",
        validate: perContainer((c, report) => {
            if (c.readonlyRootFilesystem !== true) {
                report(`container ${c.name}: the root filesystem must be read-only (readonlyRootFilesystem: true).`);
            }
        }),
    },
    {
        name: "containers-drop-all-capabilities",
        description: "Every container drops all Linux capabilities.",
        validate: perContainer((c, report) => {
            if (!(c.linuxParameters?.capabilities?.drop ?? []).includes("ALL")) {
                report(`container ${c.name}: must drop all Linux capabilities (linuxParameters.capabilities.drop: ["ALL"]).`);
            }
        }),
    },
    {
        name: "images-by-digest-from-own-repository",
        description: "Essential containers run an image by digest from one of this project's ECR repositories.",
        validate: perContainer((c, report) => {
            const ownEcr = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/dotnet-fargate-[a-z0-9-]+\/[a-z0-9._-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}$/;
            if (c.essential !== false && (c.image === undefined || !ownEcr.test(c.image))) {
                report(`container ${c.name}: image ${JSON.stringify(c.image ?? null)} is not referenced by digest from this project's ECR repository.`);
            }
        }),
    },
    {
        name: "repositories-immutable-and-scanned",
        description: "ECR repositories keep tags immutable and scan images on push.",
        validate: (args, report) => {
            if (args.type === "aws:ecr/repository:Repository") {
                const mutability = args.props.imageTagMutability;
                const scan = (args.props.imageScanningConfiguration as { scanOnPush?: boolean } | undefined)?.scanOnPush;
                if (mutability !== "IMMUTABLE" && mutability !== "IMMUTABLE_WITH_EXCLUSION") {
                    report(`${args.name}: image tags must be immutable (imageTagMutability is ${JSON.stringify(mutability ?? null)}).`);
                }
                // The one mutable tag is the build cache's (infra/service-image.ts CACHE_TAG): a wider filter would
                // let an image tag be pushed over.
                const filters = (args.props.imageTagMutabilityExclusionFilters as { filter?: string }[] | undefined) ?? [];
                const wide = filters.map((f) => f.filter).filter((f) => f !== "buildcache*");
                if (mutability === "IMMUTABLE_WITH_EXCLUSION" && wide.length > 0) {
                    report(`${args.name}: only the build cache's tags (buildcache*) may be mutable; the exclusion filters also name ${JSON.stringify(wide)}.`);
                }
                if (scan !== true) {
                    report(`${args.name}: images must be scanned on push (imageScanningConfiguration.scanOnPush).`);
                }
            }
        },
    },
    {
        name: "ingress-only-from-the-load-balancer",
        description: "Tasks accept traffic only from a security group (the load balancer's); only the load balancer's listeners take CIDRs, and only 80 and 443 are open to the world.",
        validate: (args, report) => {
            for (const rule of cidrRules(args).filter((r) => r.direction === "ingress")) {
                const port = rule.fromPort;
                const listener = port === 80 || port === 443 || isMonitorPort(port);
                if (!listener || rule.toPort !== port || !isTcp(rule.protocol)) {
                    report(`${rule.where}: ingress from ${rule.cidr} to port ${String(port)}${rule.toPort !== port ? `-${String(rule.toPort)}` : ""} (${String(rule.protocol)}); tasks take traffic only from the load balancer's security group.`);
                } else if (WORLD.has(rule.cidr) && port !== 80 && port !== 443) {
                    report(`${rule.where}: port ${String(port)} is open to ${rule.cidr}; only 80 and 443 may be.`);
                }
            }
        },
    },
    {
        name: "monitor-never-public",
        description: "The dotnet-monitor API is never reachable from the whole internet.",
        validate: (args, report) => {
            for (const rule of cidrRules(args).filter((r) => r.direction === "ingress" && WORLD.has(r.cidr))) {
                // A range that takes in a monitor port opens it too.
                const from = typeof rule.fromPort === "number" ? rule.fromPort : NaN;
                const to = typeof rule.toPort === "number" ? rule.toPort : NaN;
                const everything = rule.protocol === "-1" || rule.protocol === "all";
                const last = Number.isNaN(to) ? from : Math.max(from, to);
                if (everything || (from <= MONITOR_PORTS.last && last >= MONITOR_PORTS.first)) {
                    report(`${rule.where}: the monitor API (port ${String(everything ? "any" : from)}${!everything && to !== from ? `-${String(to)}` : ""}) is open to ${rule.cidr}.`);
                }
            }
        },
    },
    {
        name: "egress-only-where-needed",
        description: "Security groups let out only web traffic (tcp 443, or 80 for the benchmark's load generators to reach an HTTP listener) to CIDRs; anything else only to a referenced security group.",
        validate: (args, report) => {
            for (const rule of cidrRules(args).filter((r) => r.direction === "egress")) {
                const web = isTcp(rule.protocol) && rule.fromPort === rule.toPort && (rule.fromPort === 443 || rule.fromPort === 80);
                if (!web) {
                    report(`${rule.where}: egress to ${rule.cidr} on ${String(rule.protocol)} ${String(rule.fromPort)}-${String(rule.toPort)}; only tcp 443 (or 80) goes to CIDRs.`);
                }
            }
        },
    },
    {
        name: "log-retention",
        description: "Every log group has a retention period.",
        validate: (args, report) => {
            if (args.type === "aws:cloudwatch/logGroup:LogGroup" && !(typeof args.props.retentionInDays === "number" && args.props.retentionInDays > 0)) {
                report(`${args.name}: set retentionInDays; logs must not be kept forever.`);
            }
        },
    },
    {
        name: "no-plain-secrets-in-task-definitions",
        description: "No container gets a secret as a plain environment value; secrets come through `secrets`.",
        validate: perContainer((c, report) => {
            for (const e of c.environment ?? []) {
                if (SECRET_NAME.test(e.name.split("__").pop() ?? e.name)) {
                    report(`container ${c.name}: environment variable ${e.name} looks like a secret; pass it through secrets (Secrets Manager) instead.`);
                } else if (typeof e.value === "string" && CONNECTION_STRING_PASSWORD.test(e.value)) {
                    report(`container ${c.name}: environment variable ${e.name} holds a connection string with a password; pass the password through secrets instead.`);
                }
            }
        }),
    },
    {
        name: "database-connections-verify-the-server",
        description: "A container's PostgreSQL connection string verifies the server's certificate and name (SSL Mode=VerifyFull); Require encrypts but trusts any server.",
        validate: perContainer((c, report) => {
            for (const e of c.environment ?? []) {
                if (typeof e.value === "string" && NPGSQL_HOST.test(e.value) && !NPGSQL_VERIFY_FULL.test(e.value)) {
                    report(`container ${c.name}: environment variable ${e.name} is a PostgreSQL connection string without SSL Mode=VerifyFull; verify the server against the RDS certificate authorities.`);
                }
            }
        }),
    },
    {
        name: "databases-private-encrypted-managed-password",
        description: "RDS instances are not publicly accessible, encrypt their storage, and keep their master password in Secrets Manager (managed by RDS), never in the program.",
        validate: (args, report) => {
            if (args.type !== "aws:rds/instance:Instance") {
                return;
            }
            if (args.props.publiclyAccessible === true) {
                report(`${args.name}: the database must not be publicly accessible.`);
            }
            if (args.props.storageEncrypted !== true) {
                report(`${args.name}: the database's storage must be encrypted.`);
            }
            if (args.props.manageMasterUserPassword !== true || args.props.password !== undefined) {
                report(`${args.name}: let RDS manage the master password (manageMasterUserPassword), with no password in the program.`);
            }
        },
    },
];

/** Runs every policy on one resource: the violations, each as "<policy>: <message>". */
export function violations(args: ResourceArgs): string[] {
    const found: string[] = [];
    for (const policy of POLICIES) {
        policy.validate(args, (message) => found.push(`${policy.name}: ${message}`));
    }
    return found;
}
