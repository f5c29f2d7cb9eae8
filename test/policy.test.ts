// The policy pack (policy/policies.ts) against the program's own offline evaluation of both stacks, in the
// shapes a user can configure (the defaults; every service with monitors behind an HTTPS listener and the BookStore
// on RDS; a user's
// own service; Azure DevOps on): every policy passes. Then against broken resources, each derived from a real
// one by changing one field: each policy fires, with its message.
// What this cannot prove: that the Pulumi engine hands policies these same props (it hands the resource's
// inputs: pulumi/pulumi-policy sdk/nodejs/policy/policy.ts, ResourceValidationArgs.props), nor the CLI's
// wiring of `--policy-pack` (the pull-request pipeline runs it).
import * as assert from "assert";
import { ARCHITECTURES } from "../model/architecture";
import { POLICIES, ResourceArgs, violations } from "../policy/policies";
import { isSecret, RecordedResource, runProgram } from "./harness";

const certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
const SHAPES: Record<string, Record<string, unknown>> = {
    defaults: {},
    "every service, monitors behind HTTPS, the BookStore on RDS": {
        services: ["bookstore", "prime", "profiling"], certificateArn, monitor: { enabled: true, allowedCidrs: ["203.0.113.0/24"] }, database: { enabled: true },
    },
    "a user's own service": { services: ["bookstore", { name: "echo", project: "test/fixtures/echo/Echo.Api", paths: ["/echo/*"], environment: { GREETING: "hi" } }] },
    "a user's own service with secrets and its own database": {
        services: ["bookstore", {
            name: "echo", project: "test/fixtures/echo/Echo.Api", paths: ["/echo/*"], database: true,
            secrets: { Api__Key: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api", Mail__Password: "/prod/mail/password" },
        }],
        database: { enabled: true },
    },
};

/** Plain props, as the engine hands them: secret wrappers unwrapped. */
function plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === "object") {
        const o = value as Record<string, unknown>;
        if (isSecret(o)) return plain(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)]));
    }
    return value;
}
const asArgs = (r: RecordedResource): ResourceArgs => ({ type: r.type, name: r.name, props: plain(r.inputs) as Record<string, unknown> });

for (const stack of ARCHITECTURES) {
    for (const [shape, config] of Object.entries(SHAPES)) {
        it(`the ${stack} stack (${shape}) passes every policy`, async () => {
            const { resources } = await runProgram(stack, { config });
            const found = resources.flatMap((r) => violations(asArgs(r)).map((v) => `${r.name}: ${v}`));
            assert.deepStrictEqual(found, []);
        });
    }
}

describe("each policy fires on a resource broken in its one way", () => {
    let resources: RecordedResource[];
    before(async () => {
        ({ resources } = await runProgram("arm64", { config: SHAPES["every service, monitors behind HTTPS, the BookStore on RDS"] }));
    });
    const find = (type: string, pick: (r: ResourceArgs) => boolean = () => true) => {
        const found = resources.map(asArgs).find((r) => r.type === type && pick(r));
        assert.ok(found, type);
        return structuredClone(found);
    };
    const task = () => find("aws:ecs/taskDefinition:TaskDefinition", (r) => r.name.endsWith("-profiling-task"));
    const withApp = (mutate: (app: Record<string, unknown>) => void): ResourceArgs => {
        const t = task();
        const defs = JSON.parse(t.props.containerDefinitions as string);
        mutate(defs[0]);
        return { ...t, props: { ...t.props, containerDefinitions: JSON.stringify(defs) } };
    };

    /** A security group of the program's with inline rules added. */
    const inline = (rules: Record<string, unknown>): ResourceArgs => {
        const g = find("aws:ec2/securityGroup:SecurityGroup");
        return { ...g, props: { ...g.props, ...rules } };
    };
    /** A rule written as an ec2.SecurityGroupRule. */
    const ruleOf = (props: Record<string, unknown>): ResourceArgs => ({ type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "extra-rule", props: { securityGroupId: "sg-0123", ...props } });

    const cases: [string, () => ResourceArgs, RegExp][] = [
        ["tasks-without-public-ip", () => { const s = find("aws:ecs/service:Service"); (s.props.networkConfiguration as Record<string, unknown>).assignPublicIp = true; return s; }, /must not get a public IP/],
        ["containers-non-root", () => withApp((a) => { a.user = "0"; }), /runs as root/],
        ["containers-non-root", () => withApp((a) => { a.user = "root:root"; }), /runs as root/],
        ["containers-non-root", () => withApp((a) => { a.user = "root:1654"; }), /runs as root/],
        ["containers-read-only-root", () => withApp((a) => { a.readonlyRootFilesystem = false; }), /must be read-only/],
        ["containers-drop-all-capabilities", () => withApp((a) => { a.linuxParameters = { capabilities: { drop: ["NET_RAW"] } }; }), /must drop all Linux capabilities/],
        ["images-by-digest-from-own-repository", () => withApp((a) => { a.image = "docker.io/library/nginx:latest"; }), /is not referenced by digest/],
        ["repositories-immutable-and-scanned", () => { const r = find("aws:ecr/repository:Repository"); r.props.imageTagMutability = "MUTABLE"; return r; }, /image tags must be immutable/],
        ["repositories-immutable-and-scanned", () => { const r = find("aws:ecr/repository:Repository"); r.props.imageTagMutabilityExclusionFilters = [{ filter: "*", filterType: "WILDCARD" }]; return r; }, /only the build cache's tags \(buildcache\*\) may be mutable; the exclusion filters also name \["\*"\]/],
        ["ingress-only-from-the-load-balancer", () => { const r = find("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", (x) => x.props.fromPort === 8080); delete r.props.referencedSecurityGroupId; r.props.cidrIpv4 = "10.0.0.0/8"; return r; }, /tasks take traffic only from the load balancer/],
        ["monitor-never-public", () => { const r = find("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", (x) => x.props.fromPort === 52323 && x.props.cidrIpv4 !== undefined); r.props.cidrIpv4 = "0.0.0.0/0"; return r; }, /monitor API \(port 52323\) is open to 0\.0\.0\.0\/0/],
        ["egress-only-where-needed", () => { const r = find("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", (x) => x.props.cidrIpv4 !== undefined); r.props.fromPort = 0; r.props.toPort = 65535; return r; }, /only tcp 443 \(or 80\) goes to CIDRs/],
        // The same rules written the two other ways pulumi-aws takes them: inline on the group, and as an ec2.SecurityGroupRule.
        ["ingress-only-from-the-load-balancer", () => inline({ ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] }), /-sg \(ingress\[0\]\): ingress from 0\.0\.0\.0\/0 to port 22 \(tcp\); tasks take traffic only/],
        ["ingress-only-from-the-load-balancer", () => ruleOf({ type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }), /ingress from ::\/0 to port 0 \(-1\)/],
        ["ingress-only-from-the-load-balancer", () => { const r = find("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", (x) => x.props.fromPort === 443 && x.props.cidrIpv4 !== undefined); r.props.toPort = 8443; return r; }, /to port 443-8443 \(tcp\)/],
        ["monitor-never-public", () => ruleOf({ type: "ingress", protocol: "tcp", fromPort: 52323, toPort: 52323, cidrBlocks: ["0.0.0.0/0"] }), /monitor API \(port 52323\) is open to 0\.0\.0\.0\/0/],
        ["monitor-never-public", () => { const r = find("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", (x) => x.props.fromPort === 443 && x.props.cidrIpv4 !== undefined); r.props.fromPort = 50000; r.props.toPort = 60000; return r; }, /monitor API \(port 50000-60000\) is open to 0\.0\.0\.0\/0/],
        ["monitor-never-public", () => inline({ ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }), /monitor API \(port any\) is open/],
        ["egress-only-where-needed", () => inline({ egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }), /\(egress\[0\]\): egress to 0\.0\.0\.0\/0 on -1 0-0; only tcp 443/],
        ["egress-only-where-needed", () => ruleOf({ type: "egress", protocol: "udp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/16"] }), /egress to 10\.0\.0\.0\/16 on udp 443-443/],
        ["log-retention", () => { const r = find("aws:cloudwatch/logGroup:LogGroup"); delete r.props.retentionInDays; return r; }, /logs must not be kept forever/],
        ["no-plain-secrets-in-task-definitions", () => withApp((a) => { (a.environment as unknown[]).push({ name: "ConnectionStrings__Password", value: "hunter2" }); }), /looks like a secret/],
        ["no-plain-secrets-in-task-definitions", () => withApp((a) => { (a.environment as unknown[]).push({ name: "ConnectionStrings__BookStore", value: "Host=db;Database=bookstore;Username=u; Password=hunter2" }); }), /connection string with a password/],
        ["database-connections-verify-the-server", () => withApp((a) => { (a.environment as unknown[]).push({ name: "ConnectionStrings__BookStore", value: "Host=db;Port=5432;Database=bookstore;Username=u;SSL Mode=Require" }); }), /ConnectionStrings__BookStore is a PostgreSQL connection string without SSL Mode=VerifyFull/],
        ["database-connections-verify-the-server", () => withApp((a) => { (a.environment as unknown[]).push({ name: "ConnectionStrings__BookStore", value: "Host=db;Database=bookstore;SSL Mode=VerifyCA;Root Certificate=/etc/ssl/certs/rds/rds-global-bundle.pem" }); }), /without SSL Mode=VerifyFull/],
        ["database-connections-verify-the-server", () => withApp((a) => { (a.environment as unknown[]).push({ name: "ConnectionStrings__BookStore", value: "Host=db;Database=bookstore" }); }), /without SSL Mode=VerifyFull/],
        ["databases-private-encrypted-managed-password", () => { const r = find("aws:rds/instance:Instance"); r.props.publiclyAccessible = true; return r; }, /must not be publicly accessible/],
        ["databases-private-encrypted-managed-password", () => { const r = find("aws:rds/instance:Instance"); r.props.storageEncrypted = false; return r; }, /storage must be encrypted/],
        ["databases-private-encrypted-managed-password", () => { const r = find("aws:rds/instance:Instance"); delete r.props.manageMasterUserPassword; r.props.password = "hunter2"; return r; }, /let RDS manage the master password/],
    ];
    it("takes the rules a load balancer needs in every shape, and any rule from a security group", () => {
        const fine = [
            inline({ ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }, { protocol: "-1", fromPort: 0, toPort: 0, securityGroups: ["sg-0123"] }], egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }, { protocol: "-1", fromPort: 0, toPort: 0, self: true }] }),
            ruleOf({ type: "ingress", protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] }),
            ruleOf({ type: "ingress", protocol: "6", fromPort: 52323, toPort: 52323, cidrBlocks: ["203.0.113.0/24"] }),
            ruleOf({ type: "egress", protocol: "-1", fromPort: 0, toPort: 0, sourceSecurityGroupId: "sg-0456" }),
        ];
        assert.deepStrictEqual(fine.flatMap((r) => violations(r)), []);
    });
    it("covers every policy", () => {
        assert.deepStrictEqual([...new Set(cases.map(([name]) => name))].sort(), POLICIES.map((p) => p.name).sort());
    });
    for (const [policy, broken, message] of cases) {
        it(policy, () => {
            const found = violations(broken());
            assert.ok(found.some((v) => v.startsWith(`${policy}: `) && message.test(v)), JSON.stringify(found));
        });
    }
});
