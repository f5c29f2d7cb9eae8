/**
 * dotnet-monitor sidecars on both stacks, on and off. Mocks cannot show that the Fargate volume at /diag
 * is writable by the non-root user, nor that dotnet-monitor accepts the configuration; the key and token
 * are checked cryptographically below, and against dotnet-monitor's own validation parameters with the real
 * Microsoft.IdentityModel library in services/tests (MonitorApiKeyTests), which reads the token, the issuer,
 * the subject and the public key from this program's offline evaluation (test/fixtures/monitor-key.ts).
 * Contract: dotnet/dotnet-monitor v10.0.3, documentation/api-key-format.md and src/Tools/dotnet-monitor/Auth/ApiKey.
 */
import * as assert from "assert";
import { createPublicKey, verify } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ARCHITECTURES } from "../infra/architecture";
import { generateMonitorApiKey, MONITOR_API_KEY_ISSUER, MONITOR_API_KEY_TYPE } from "../infra/monitor-api-key";
import { collectionRules } from "../infra/monitor";
import { allStrings, countByType, isSecret, json, ofType, one, RecordedResource, runProgram, unwrap } from "./harness";

const withProfiling = { services: ["bookstore", "prime", "profiling"] };

/** Checks an ES384 JWT against a dotnet-monitor public key (base64url JWK) and returns its payload. */
function verifyToken(token: string, publicKey: string): Record<string, string | number> {
    const jwk = JSON.parse(Buffer.from(publicKey, "base64url").toString());
    const key = createPublicKey({ key: { kty: jwk.Kty, crv: jwk.Crv, x: jwk.X, y: jwk.Y }, format: "jwk" });
    const [header, payload, signature] = token.split(".");
    assert.deepStrictEqual(JSON.parse(Buffer.from(header, "base64url").toString()), { alg: "ES384", typ: "JWT" });
    assert.ok(verify("sha384", Buffer.from(`${header}.${payload}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url")), "signature");
    return JSON.parse(Buffer.from(payload, "base64url").toString());
}

describe("the dotnet-monitor API key", () => {
    it("signs a token that the public key verifies, with the four claims dotnet-monitor requires (aud, exp, iss, sub)", () => {
        const now = 1_800_000_000;
        const { publicKey, token, expiresAt } = generateMonitorApiKey("dotnet-fargate-arm64-monitor", "dotnet-fargate", 90, now);
        assert.deepStrictEqual(verifyToken(token, publicKey), {
            aud: "https://github.com/dotnet/dotnet-monitor",
            exp: now + 90 * 86400,
            iat: now,
            iss: "dotnet-fargate",
            sub: "dotnet-fargate-arm64-monitor",
        });
        assert.strictEqual(expiresAt, new Date((now + 90 * 86400) * 1000).toISOString());
        const jwk = JSON.parse(Buffer.from(publicKey, "base64url").toString());
        assert.strictEqual(jwk.Kty, "EC");
        assert.strictEqual(jwk.Crv, "P-384");
        assert.strictEqual(jwk.HasPrivateKey, false);
        assert.ok(!("d" in jwk) && !("D" in jwk), "no private key material");
    });
    it("makes a new key pair each time", () => {
        const a = generateMonitorApiKey("s", "i", 1);
        const b = generateMonitorApiKey("s", "i", 1);
        assert.notStrictEqual(a.publicKey, b.publicKey);
        assert.throws(() => verifyToken(a.token, b.publicKey), /signature/);
    });
});

describe("the dotnet-monitor API key resource", () => {
    it("ships a provider that runs on its own, as the engine's dynamic provider host runs it", async () => {
        const { resources } = await runProgram("arm64", { config: withProfiling });
        const key = ofType(resources, MONITOR_API_KEY_TYPE)[0];
        const serialized: string = key.inputs.__provider;
        assert.ok(serialized.length < 10_000, `the serialized provider should be small, is ${serialized.length} characters`);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "monitor-key-provider-"));
        try {
            const file = path.join(dir, "provider.js");
            fs.writeFileSync(file, serialized);
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const provider = (require(file) as { handler: () => { create: (inputs: object) => Promise<{ id: string; outs: Record<string, string> }>; diff: (id: string, olds: object, news: object) => Promise<{ replaces: string[] }> } }).handler();
            assert.deepStrictEqual([key.inputs.issuer, key.inputs.lifetimeDays], [MONITOR_API_KEY_ISSUER, 90]);
            const created = await provider.create({ subject: key.inputs.subject, issuer: key.inputs.issuer, lifetimeDays: key.inputs.lifetimeDays });
            assert.strictEqual(created.id, "dotnet-fargate-arm64-monitor");
            const claims = verifyToken(created.outs.token, created.outs.publicKey);
            assert.strictEqual(claims.sub, "dotnet-fargate-arm64-monitor");
            assert.ok(Math.abs((claims.exp as number) - (Date.now() / 1000 + 90 * 86400)) < 120, "expires 90 days from now");
            const diff = await provider.diff("id", { subject: "a", issuer: "i", lifetimeDays: 90 }, { subject: "b", issuer: "i", lifetimeDays: 90 });
            assert.deepStrictEqual(diff.replaces, ["subject"], "a new subject means a new key pair");
            const lifetime = await provider.diff("id", { subject: "a", issuer: "i", lifetimeDays: 90 }, { subject: "a", issuer: "i", lifetimeDays: 30 });
            assert.deepStrictEqual(lifetime.replaces, ["lifetimeDays"], "a new lifetime means a new token");
            const legacy = await provider.diff("id", { subject: "a", issuer: "i" }, { subject: "a", issuer: "i", lifetimeDays: 90 });
            assert.deepStrictEqual(legacy.replaces, ["lifetimeDays"], "a key made before tokens expired is replaced once");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("collection rules", () => {
    it("renders each rule with its trigger, action, S3 egress and hourly limit", () => {
        const keys = collectionRules({
            highCpu: { enabled: true, threshold: 75 },
            largeGcHeap: { enabled: false, threshold: 512 },
            threadPoolStarvation: { enabled: true, threshold: 50 },
            actionsPerHour: 2,
        });
        assert.deepStrictEqual(keys, {
            CollectionRules__HighCpu__Trigger__Type: "CPUUsage",
            CollectionRules__HighCpu__Trigger__Settings__GreaterThan: "75",
            CollectionRules__HighCpu__Trigger__Settings__SlidingWindowDuration: "00:01:00",
            CollectionRules__HighCpu__Actions__0__Type: "CollectTrace",
            CollectionRules__HighCpu__Actions__0__Settings__Profile: "Cpu",
            CollectionRules__HighCpu__Actions__0__Settings__Duration: "00:00:30",
            CollectionRules__HighCpu__Actions__0__Settings__Egress: "artifacts",
            CollectionRules__HighCpu__Limits__ActionCount: "2",
            CollectionRules__HighCpu__Limits__ActionCountSlidingWindowDuration: "01:00:00",
            CollectionRules__ThreadPoolStarvation__Trigger__Type: "ThreadpoolQueueLength",
            CollectionRules__ThreadPoolStarvation__Trigger__Settings__GreaterThan: "50",
            CollectionRules__ThreadPoolStarvation__Trigger__Settings__SlidingWindowDuration: "00:01:00",
            CollectionRules__ThreadPoolStarvation__Actions__0__Type: "CollectDump",
            CollectionRules__ThreadPoolStarvation__Actions__0__Settings__Type: "Mini",
            CollectionRules__ThreadPoolStarvation__Actions__0__Settings__Egress: "artifacts",
            CollectionRules__ThreadPoolStarvation__Limits__ActionCount: "2",
            CollectionRules__ThreadPoolStarvation__Limits__ActionCountSlidingWindowDuration: "01:00:00",
        });
    });
});

for (const stack of ARCHITECTURES) {
    const prefix = `dotnet-fargate-${stack}`;
    const name = `${prefix}-profiling`;

    describe(`monitor on the ${stack} stack`, () => {
        let resources: RecordedResource[];
        let outputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        let containers: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any

        before(async () => {
            ({ resources, outputs } = await runProgram(stack, { config: withProfiling }));
            containers = json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", `${name}-task`).inputs.containerDefinitions);
        });

        it("runs a monitor beside the profiling service only", () => {
            assert.deepStrictEqual(containers.map((c) => c.name), [name, "dotnet-monitor"]);
            for (const other of ["bookstore", "prime"]) {
                const defs = json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", `${prefix}-${other}-task`).inputs.containerDefinitions);
                assert.strictEqual(defs.length, 1, other);
                assert.ok(!defs[0].environment.some((e: { name: string }) => e.name === "DOTNET_DiagnosticPorts"), other);
            }
            const counts = countByType(resources);
            assert.strictEqual(counts[MONITOR_API_KEY_TYPE], 1);
            assert.strictEqual(counts["aws:s3/bucket:Bucket"], 1);
            assert.strictEqual(counts["aws:secretsmanager/secret:Secret"], 1);
            assert.strictEqual(counts["dotnet-fargate:monitor:MonitorListener"], undefined, "no listener unless allowedCidrs is set");
        });

        it("shares the diagnostic socket volume, without suspending the app at start", () => {
            const [app, monitor] = containers;
            assert.ok(app.environment.some((e: { name: string; value: string }) => e.name === "DOTNET_DiagnosticPorts" && e.value === "/diag/dotnet-monitor.sock,nosuspend"));
            assert.deepStrictEqual(app.mountPoints, [
                { sourceVolume: "tmp", containerPath: "/tmp", readOnly: false },
                { sourceVolume: "diag", containerPath: "/diag", readOnly: false },
            ]);
            assert.deepStrictEqual(monitor.mountPoints, [{ sourceVolume: "diag", containerPath: "/diag", readOnly: false }]);
            const env = Object.fromEntries(monitor.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
            assert.strictEqual(env.DOTNETMONITOR_DiagnosticPort__ConnectionMode, "Listen");
            assert.strictEqual(env.DOTNETMONITOR_DiagnosticPort__EndpointName, "/diag/dotnet-monitor.sock");
            assert.strictEqual(env.DOTNETMONITOR_Storage__DefaultSharedPath, "/diag");
            assert.strictEqual(env.TMPDIR, "/diag", "the monitor's temporary files go to the one volume it can write");
            assert.deepStrictEqual(one(resources, "aws:ecs/taskDefinition:TaskDefinition", `${name}-task`).inputs.volumes, [{ name: "tmp" }, { name: "diag" }]);
        });

        it("runs both containers as the same non-root user on read-only roots; the monitor is not essential", () => {
            const [app, monitor] = containers;
            for (const c of [app, monitor]) {
                assert.strictEqual(c.user, "1654", c.name);
                assert.strictEqual(c.readonlyRootFilesystem, true, c.name);
                assert.deepStrictEqual(c.linuxParameters, { capabilities: { drop: ["ALL"] } });
            }
            assert.strictEqual(app.essential, true);
            assert.strictEqual(monitor.essential, false);
            assert.strictEqual(monitor.image, "mcr.microsoft.com/dotnet/monitor:10.0.3");
            assert.deepStrictEqual(monitor.command, ["collect", "--urls", "http://+:52323", "--metricUrls", "http://localhost:52325"]);
            assert.deepStrictEqual(monitor.portMappings, [], "nothing is mapped without a listener");
            assert.strictEqual(monitor.logConfiguration.options["awslogs-group"], `/ecs/${name}`);
            assert.strictEqual(monitor.logConfiguration.options["awslogs-stream-prefix"], "monitor");
        });

        it("always authenticates: the public key from Secrets Manager, never --no-auth", () => {
            const monitor = containers[1];
            const secret = one(resources, "aws:secretsmanager/secret:Secret", `${prefix}-monitor-key`);
            const secretArn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${secret.inputs.namePrefix}AbCdEf`;
            const version = one(resources, "aws:secretsmanager/secretVersion:SecretVersion", `${prefix}-monitor-key`);
            // The version the key is in: a rotated key is a new task definition revision, so ECS rolls the tasks.
            assert.strictEqual(monitor.secrets.length, 1);
            assert.strictEqual(monitor.secrets[0].name, "DOTNETMONITOR_Authentication__MonitorApiKey__PublicKey");
            assert.match(monitor.secrets[0].valueFrom, new RegExp(`^${secretArn.replace(/[/.]/g, "\\$&")}:::[0-9a-f-]{36}$`));
            assert.ok(!monitor.environment.some((e: { name: string }) => e.name.includes("PublicKey")), "the public key is not a plain environment value");
            const env = Object.fromEntries(monitor.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
            assert.strictEqual(env.DOTNETMONITOR_Authentication__MonitorApiKey__Subject, `${prefix}-monitor`);
            // The sidecar's Issuer is the token's iss: unset, dotnet-monitor would expect its generatekey issuer and refuse it.
            assert.strictEqual(env.DOTNETMONITOR_Authentication__MonitorApiKey__Issuer, MONITOR_API_KEY_ISSUER);
            for (const r of resources) {
                assert.ok(!allStrings(r.inputs).some((s) => s.includes("--no-auth")), `${r.name} mentions --no-auth`);
            }
            assert.ok(isSecret(version.inputs.secretString));
            const token = outputs.monitor.token as string;
            const payload = verifyToken(token, unwrap<string>(version.inputs.secretString));
            assert.strictEqual(payload.sub, `${prefix}-monitor`);
            assert.strictEqual(payload.iss, env.DOTNETMONITOR_Authentication__MonitorApiKey__Issuer);
            assert.strictEqual(outputs.monitor.tokenExpiresAt, new Date((payload.exp as number) * 1000).toISOString());
            const policy = json(one(resources, "aws:iam/rolePolicy:RolePolicy", `${name}-execution`).inputs.policy);
            assert.deepStrictEqual(policy.Statement.at(-1), { Sid: "ReadMonitorKey", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn });
        });

        it("lets the task role write artifacts to the stack's bucket, nothing else", () => {
            const policy = json(one(resources, "aws:iam/rolePolicy:RolePolicy", `${name}-task`).inputs.policy);
            assert.deepStrictEqual(policy.Statement, [
                { Sid: "WriteArtifacts", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `arn:aws:s3:::${prefix}-diagnostics-bucket/*` },
            ]);
            const env = Object.fromEntries(containers[1].environment.map((e: { name: string; value: string }) => [e.name, e.value]));
            assert.strictEqual(env.DOTNETMONITOR_Egress__S3Storage__artifacts__bucketName, `${prefix}-diagnostics-bucket`);
            // dotnet-monitor reads regionName only with static keys (S3Storage.cs CreateAsync, v10.0.3); with the task
            // role the AWS SDK's region chain reads AWS_REGION.
            assert.strictEqual(env.DOTNETMONITOR_Egress__S3Storage__artifacts__regionName, undefined);
            assert.strictEqual(env.AWS_REGION, "eu-west-1");
            assert.strictEqual(env.DOTNETMONITOR_CollectionRules__HighCpu__Trigger__Type, "CPUUsage");
            assert.strictEqual(env.DOTNETMONITOR_CollectionRules__LargeGcHeap__Actions__0__Type, "CollectGCDump");
            assert.strictEqual(env.DOTNETMONITOR_CollectionRules__ThreadPoolStarvation__Actions__0__Type, "CollectDump");
        });

        it("keeps artifacts in a private, encrypted, TLS-only bucket that expires them", () => {
            const bucket = `${prefix}-diagnostics-bucket-id`;
            const pab = one(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${prefix}-diagnostics-public-access`).inputs;
            assert.deepStrictEqual(pab, { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
            const sse = one(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${prefix}-diagnostics-encryption`).inputs;
            assert.strictEqual(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
            const lifecycle = one(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${prefix}-diagnostics-lifecycle`).inputs;
            assert.strictEqual(lifecycle.rules[0].expiration.days, 7);
            assert.strictEqual(lifecycle.rules[0].status, "Enabled");
            const policy = json(one(resources, "aws:s3/bucketPolicy:BucketPolicy", `${prefix}-diagnostics-tls-only`).inputs.policy);
            assert.deepStrictEqual(policy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.strictEqual(policy.Statement[0].Effect, "Deny");
            assert.strictEqual(one(resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", `${prefix}-diagnostics-ownership`).inputs.rule.objectOwnership, "BucketOwnerEnforced");
        });

        it("exports the token as a secret and the bucket", () => {
            assert.strictEqual(outputs.monitor.bucket, `${prefix}-diagnostics-bucket`);
            assert.deepStrictEqual(outputs.monitor.endpoints, {});
        });
    });
}

describe("monitor options", () => {
    it("opens a listener on 52323 to the allowed CIDRs only, HTTPS with a certificate", async () => {
        const certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
        const { resources, outputs } = await runProgram("arm64", { config: { ...withProfiling, certificateArn, monitor: { allowedCidrs: ["203.0.113.0/24", "198.51.100.7/32"] } } });
        const name = "dotnet-fargate-arm64-profiling";
        const listener = one(resources, "aws:lb/listener:Listener", `${name}-monitor-listener`);
        assert.deepStrictEqual([listener.inputs.port, listener.inputs.protocol, listener.inputs.certificateArn], [52323, "HTTPS", certificateArn]);
        const albSg = "dotnet-fargate-arm64-sg-id";
        const monitorIngress = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.fromPort === 52323);
        assert.deepStrictEqual(
            monitorIngress.map((r) => [r.inputs.securityGroupId, r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId]).sort(),
            [[albSg, "198.51.100.7/32"], [albSg, "203.0.113.0/24"], [`${name}-sg-id`, albSg]].sort(),
        );
        const egress = ofType(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.inputs.fromPort === 52323);
        assert.deepStrictEqual(egress.map((r) => [r.inputs.securityGroupId, r.inputs.referencedSecurityGroupId]), [[albSg, `${name}-sg-id`]]);
        assert.ok(!ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").some((r) => r.inputs.fromPort === 52325), "the metrics port is never opened");
        // The monitor's target group is attached to the service, and ECS replaces a task any of its target groups
        // calls unhealthy: so it health-checks the application (8080, /healthz), never the non-essential monitor.
        const tg = one(resources, "aws:lb/targetGroup:TargetGroup", `${name}-monitor-tg`);
        assert.deepStrictEqual(
            [tg.inputs.port, tg.inputs.targetType, tg.inputs.healthCheck.port, tg.inputs.healthCheck.path, tg.inputs.healthCheck.matcher],
            [52323, "ip", "8080", "/healthz", "200"],
        );
        for (const group of ofType(resources, "aws:lb/targetGroup:TargetGroup")) {
            assert.notStrictEqual(group.inputs.healthCheck.port, "52323", `${group.name} must not health-check the monitor`);
            assert.ok(!(group.inputs.healthCheck.port === "traffic-port" && group.inputs.port === 52323), `${group.name} must not health-check the monitor`);
        }
        const service = one(resources, "aws:ecs/service:Service", `${name}-service`);
        assert.deepStrictEqual(service.inputs.loadBalancers.map((l: { containerName: string; containerPort: number }) => [l.containerName, l.containerPort]), [[name, 8080], ["dotnet-monitor", 52323]]);
        const monitor = json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", `${name}-task`).inputs.containerDefinitions)[1];
        assert.deepStrictEqual(monitor.portMappings, [{ name: "monitor", containerPort: 52323, protocol: "tcp" }]);
        assert.deepStrictEqual(outputs.monitor, { ...(outputs.monitor as object), endpoints: { profiling: "https://dotnet-fargate-arm64-alb-1234567890.eu-west-1.elb.amazonaws.com:52323" } });
    });

    it("creates nothing for the monitor when it is switched off", async () => {
        const { resources, outputs } = await runProgram("amd64", { config: { ...withProfiling, monitor: { enabled: false } } });
        const counts = countByType(resources);
        assert.strictEqual(counts[MONITOR_API_KEY_TYPE], undefined);
        assert.strictEqual(counts["aws:s3/bucket:Bucket"], undefined);
        assert.strictEqual(counts["aws:secretsmanager/secret:Secret"], undefined);
        assert.strictEqual(json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", "dotnet-fargate-amd64-profiling-task").inputs.containerDefinitions).length, 1);
        assert.strictEqual(outputs.monitor, undefined);
    });

    it("monitors any service it is asked to, with the pinned tag given", async () => {
        const { resources } = await runProgram("amd64", { config: { monitor: { enabled: ["bookstore"], imageTag: "10.0.4" } } });
        const defs = json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", "dotnet-fargate-amd64-bookstore-task").inputs.containerDefinitions);
        assert.deepStrictEqual(defs.map((c: { image: string }) => c.image.split("@")[0].split(":")[0]), ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/dotnet-fargate-amd64/bookstore", "mcr.microsoft.com/dotnet/monitor"]);
        assert.strictEqual(defs[1].image, "mcr.microsoft.com/dotnet/monitor:10.0.4");
        assert.strictEqual(json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", "dotnet-fargate-amd64-prime-task").inputs.containerDefinitions).length, 1);
    });

    it("refuses a listener without TLS: the bearer token never travels in clear", async () => {
        await assert.rejects(runProgram("arm64", { config: { ...withProfiling, monitor: { allowedCidrs: ["203.0.113.0/24"] } } }), {
            message: 'Config "dotnet-fargate:monitor.allowedCidrs" is ["203.0.113.0/24"]; needs dotnet-fargate:certificateArn: the monitor API is reached with a bearer token, which must never cross the internet in clear; set certificateArn (an ACM certificate for the load balancer) or leave allowedCidrs empty.',
        });
    });

    it("names the key's secret version in the task definition, so a new key rolls the tasks onto it", async () => {
        const valueFrom = async () => {
            const { resources } = await runProgram("arm64", { config: withProfiling });
            return json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", "dotnet-fargate-arm64-profiling-task").inputs.containerDefinitions)[1].secrets[0].valueFrom;
        };
        // Each offline run makes a new key pair (the real generator), as a replaced key resource would.
        const [first, second] = [await valueFrom(), await valueFrom()];
        assert.notStrictEqual(first, second);
        assert.strictEqual(first.split(":::")[0], second.split(":::")[0], "same secret, new version");
    });

    it("gives the token the lifetime the stack asks for, and refuses one over 400 days", async () => {
        const { resources } = await runProgram("arm64", { config: { ...withProfiling, monitor: { tokenLifetimeDays: 30 } } });
        assert.strictEqual(ofType(resources, MONITOR_API_KEY_TYPE)[0].inputs.lifetimeDays, 30);
        await assert.rejects(runProgram("arm64", { config: { ...withProfiling, monitor: { tokenLifetimeDays: 401 } } }), {
            message: 'Config "dotnet-fargate:monitor.tokenLifetimeDays" is 401; expected a whole number from 1 to 400.',
        });
    });

    it("refuses to open the API to the internet", async () => {
        await assert.rejects(runProgram("arm64", { config: { ...withProfiling, monitor: { allowedCidrs: ["0.0.0.0/0"] } } }), {
            message: 'Config "dotnet-fargate:monitor.allowedCidrs" is ["0.0.0.0/0"]; expected a list of IPv4 CIDR blocks such as 203.0.113.0/24; the API is never open to the whole internet.',
        });
    });
});
