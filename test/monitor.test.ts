/**
 * dotnet-monitor sidecars on both stacks, on and off. Mocks cannot show that the Fargate volume at /diag
 * is writable by the non-root user, nor that dotnet-monitor accepts the configuration, nor that KMS accepts the key
 * policy. The key's public half reaches the sidecar as a JWK derived from KMS GetPublicKey (offline, the offline
 * KMS's key); tokens minted for it by the token command verify below with node:crypto and, with dotnet-monitor's own
 * validation parameters and the real Microsoft.IdentityModel library, in services/tests (MonitorApiKeyTests, fed by
 * test/fixtures/monitor-key.ts). Contract: dotnet/dotnet-monitor v10.0.3, documentation/api-key-format.md and
 * src/Tools/dotnet-monitor/Auth/ApiKey.
 */
import * as assert from "assert";
import { ARCHITECTURES } from "../model/architecture";
import { MONITOR_API_KEY_ISSUER, MONITOR_KEY_DEPLOYER_ACTIONS } from "../infra/monitor-api-key";
import { monitorJwkFromSpki } from "../infra/monitor-jwt";
import { collectionRules } from "../infra/monitor";
import { offlineKmsSigningKey } from "../tools/offline";
import { mintMonitorToken } from "../tools/monitor-token";
import { allStrings, countByType, json, ofType, one, plainStrings, RecordedResource, runProgram } from "./harness";
import { StandInKms, verifyMonitorToken } from "./monitor-token-helpers";

const withProfiling = { services: ["bookstore", "prime", "profiling"] };
const signers = ["arn:aws:iam::123456789012:role/monitor-operators", "arn:aws:iam::123456789012:user/alice"];

/** The JWK the program derives from the offline KMS's public key for this key ARN. */
const jwkFor = (keyArn: string) => monitorJwkFromSpki(offlineKmsSigningKey(keyArn).publicKey.export({ format: "der", type: "spki" }).toString("base64"));

/** Does an IAM action pattern (with * and ?) match this action? */
const matchesAction = (pattern: string, action: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i").test(action);

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
            assert.deepStrictEqual(containers.map((c) => c.name), [name, "dotnet-monitor", "task-info"]);
            for (const other of ["bookstore", "prime"]) {
                const defs = json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", `${prefix}-${other}-task`).inputs.containerDefinitions);
                assert.deepStrictEqual(defs.map((c: { name: string }) => c.name), [`${prefix}-${other}`, "task-info"], other);
                assert.ok(!defs[0].environment.some((e: { name: string }) => e.name === "DOTNET_DiagnosticPorts"), other);
            }
            const counts = countByType(resources);
            assert.strictEqual(counts["aws:kms/key:Key"], 1, "one signing key per stack");
            assert.strictEqual(counts["aws:s3/bucket:Bucket"], 1);
            assert.strictEqual(counts["aws:secretsmanager/secret:Secret"], undefined, "the public key needs no secret");
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

        it("starts the monitor after the application, whose image's VOLUME /diag defines the shared volume", () => {
            const [app, monitor] = containers;
            // AWS ECS Developer Guide, bind-mounts.html: Fargate copies a path's contents (and so its owner) into the
            // volume from the image that declares it a VOLUME; services/Dockerfile declares /diag, owned by 1654.
            assert.deepStrictEqual(monitor.dependsOn, [{ containerName: app.name, condition: "START" }]);
            assert.strictEqual(app.dependsOn, undefined, "the application waits for nothing");
            assert.strictEqual(app.healthCheck, undefined, "no container health check, so START (HEALTHY would never be reached)");
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

        it("always authenticates with the stack's KMS key: its public JWK in the task definition, never --no-auth", async () => {
            const monitor = containers[1];
            const key = one(resources, "aws:kms/key:Key", `${prefix}-monitor-key-kms`);
            const keyArn = `arn:aws:kms:eu-west-1:123456789012:key/${outputs.monitor.tokenKeyId}`;
            assert.strictEqual(outputs.monitor.tokenKeyArn, keyArn);
            assert.deepStrictEqual(
                [key.inputs.customerMasterKeySpec, key.inputs.keyUsage, key.inputs.deletionWindowInDays, key.inputs.enableKeyRotation],
                ["ECC_NIST_P384", "SIGN_VERIFY", 7, undefined],
            );
            // The tag the pipelines' roles are scoped by (infra/azuredevops/aws-roles.ts monitorKeyStatements).
            assert.deepStrictEqual(key.inputs.tags, { "dotnet-fargate-stack": stack });
            const env = Object.fromEntries(monitor.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
            // The JWK of the key's public half, as KMS GetPublicKey gives it: not a secret (api-key-format.md), and a
            // new key (rotation) changes it, so the task definition changes and ECS rolls the tasks.
            assert.strictEqual(env.DOTNETMONITOR_Authentication__MonitorApiKey__PublicKey, jwkFor(keyArn));
            assert.strictEqual(monitor.secrets, undefined, "nothing secret reaches the monitor");
            assert.strictEqual(env.DOTNETMONITOR_Authentication__MonitorApiKey__Subject, `${prefix}-monitor`);
            // The sidecar's Issuer is the token's iss: unset, dotnet-monitor would expect its generatekey issuer and refuse it.
            assert.strictEqual(env.DOTNETMONITOR_Authentication__MonitorApiKey__Issuer, MONITOR_API_KEY_ISSUER);
            for (const r of resources) {
                assert.ok(!allStrings(r.inputs).some((s) => s.includes("--no-auth")), `${r.name} mentions --no-auth`);
            }
            // A token the command mints with this key (the stand-in signs as KMS would) is one this monitor accepts.
            const minted = await mintMonitorToken(new StandInKms(), { keyId: outputs.monitor.tokenKeyArn, issuer: outputs.monitor.issuer, subject: outputs.monitor.subject, minutes: 60 });
            const { payload } = verifyMonitorToken(minted.token, env.DOTNETMONITOR_Authentication__MonitorApiKey__PublicKey);
            assert.strictEqual(payload.sub, env.DOTNETMONITOR_Authentication__MonitorApiKey__Subject);
            assert.strictEqual(payload.iss, env.DOTNETMONITOR_Authentication__MonitorApiKey__Issuer);
            const policy = json(one(resources, "aws:iam/rolePolicy:RolePolicy", `${name}-execution`).inputs.policy);
            assert.ok(!policy.Statement.some((st: { Action: string | string[] }) => [st.Action].flat().some((a) => a.startsWith("secretsmanager:") || a.startsWith("kms:"))), "the execution role reads no key");
        });

        it("lets the account administer the key through IAM, and nobody sign unless the stack names them", () => {
            const policy = json(one(resources, "aws:kms/key:Key", `${prefix}-monitor-key-kms`).inputs.policy);
            assert.deepStrictEqual(policy.Statement.map((st: { Sid: string }) => st.Sid), ["AccountAdministersThroughIam"]);
            const admin = policy.Statement[0];
            assert.deepStrictEqual(admin.Principal, { AWS: "arn:aws:iam::123456789012:root" });
            // KMS honours IAM policies only for what the key policy grants the account, so no IAM policy can hand these
            // out on this key (kms:CreateGrant could lend kms:Sign through a grant).
            for (const action of ["kms:Sign", "kms:Verify", "kms:CreateGrant", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]) {
                assert.ok(![admin.Action].flat().some((p: string) => matchesAction(p, action)), `the account's statement allows ${action}`);
            }
            for (const action of MONITOR_KEY_DEPLOYER_ACTIONS.filter((a) => a !== "kms:CreateKey")) {
                assert.ok([admin.Action].flat().some((p: string) => matchesAction(p, action)), `the deployer's ${action} is allowed through IAM`);
            }
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

        it("exports what the token command needs and no token, key or secret", () => {
            assert.deepStrictEqual(outputs.monitor, {
                bucket: `${prefix}-diagnostics-bucket`,
                tokenKeyArn: `arn:aws:kms:eu-west-1:123456789012:key/${outputs.monitor.tokenKeyId}`,
                tokenKeyId: outputs.monitor.tokenKeyId,
                issuer: "dotnet-fargate",
                subject: `${prefix}-monitor`,
                audience: "https://github.com/dotnet/dotnet-monitor",
                endpoints: {},
            });
            assert.match(outputs.monitor.tokenKeyId, /^[0-9a-f-]{36}$/);
            assert.deepStrictEqual(allStrings(outputs), plainStrings(outputs), "no output is a secret");
            assert.ok(!allStrings(outputs).some((v) => /^eyJ/.test(v)), "no JWT in the outputs");
            for (const r of resources) {
                assert.ok(!allStrings(r.inputs).some((v) => /^eyJ[\w-]+\.eyJ/.test(v) || v.includes("PRIVATE KEY")), `${r.name} holds a token or a private key`);
            }
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
        const tg = one(resources, "aws:lb/targetGroup:TargetGroup", "arm64-profiling-monitor");
        assert.deepStrictEqual(
            [tg.inputs.port, tg.inputs.targetType, tg.inputs.healthCheck.port, tg.inputs.healthCheck.path, tg.inputs.healthCheck.matcher],
            [52323, "ip", "8080", "/healthz", "200"],
        );
        // TLS from the load balancer to the monitor as well; the health check of the application stays HTTP.
        assert.deepStrictEqual([tg.inputs.protocol, tg.inputs.healthCheck.protocol], ["HTTPS", "HTTP"]);
        for (const group of ofType(resources, "aws:lb/targetGroup:TargetGroup")) {
            assert.notStrictEqual(group.inputs.healthCheck.port, "52323", `${group.name} must not health-check the monitor`);
            assert.ok(!(group.inputs.healthCheck.port === "traffic-port" && group.inputs.port === 52323), `${group.name} must not health-check the monitor`);
        }
        const service = one(resources, "aws:ecs/service:Service", `${name}-service`);
        assert.deepStrictEqual(service.inputs.loadBalancers.map((l: { containerName: string; containerPort: number }) => [l.containerName, l.containerPort]), [[name, 8080], ["dotnet-monitor", 52323]]);
        const containers = json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", `${name}-task`).inputs.containerDefinitions);
        const monitor = containers.find((c: { name: string }) => c.name === "dotnet-monitor");
        assert.deepStrictEqual(monitor.portMappings, [{ name: "monitor", containerPort: 52323, protocol: "tcp" }]);
        assert.deepStrictEqual(outputs.monitor, { ...(outputs.monitor as object), endpoints: { profiling: "https://dotnet-fargate-arm64-alb-1234567890.eu-west-1.elb.amazonaws.com:52323" } });
    });

    it("serves the exposed API over HTTPS with a certificate each task makes at its start, never one in state", async () => {
        const certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
        for (const stack of ARCHITECTURES) {
            const { resources } = await runProgram(stack, { config: { ...withProfiling, certificateArn, monitor: { allowedCidrs: ["203.0.113.0/24"] } } });
            const name = `dotnet-fargate-${stack}-profiling`;
            const containers = json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", `${name}-task`).inputs.containerDefinitions);
            assert.deepStrictEqual(containers.map((c: { name: string }) => c.name), [name, "dotnet-monitor-tls", "dotnet-monitor", "task-info"]);
            const [app, tls, monitor] = containers;
            // One MonitorTls image per stack, built like the services for the stack's platform.
            const image = one(resources, "docker-build:index:Image", `dotnet-fargate-${stack}-monitor-tls-image`);
            assert.deepStrictEqual([image.inputs.buildArgs, image.inputs.platforms], [{ PROJECT: "MonitorTls/MonitorTls.csproj", FRAMEWORK: "net10.0", RUNTIME_TAG: "10.0.12-noble-chiseled" }, [stack === "arm64" ? "linux/arm64" : "linux/amd64"]]);
            assert.strictEqual(image.inputs.context.location, `.build/images/${stack}/monitor-tls`, "its own staged context (stacks/image-build.ts)");
            assert.match(tls.image, new RegExp(`^123456789012\\.dkr\\.ecr\\.eu-west-1\\.amazonaws\\.com/dotnet-fargate-${stack}/monitor-tls:src-[0-9a-f]{12}@sha256:[0-9a-f]{64}$`));
            assert.deepStrictEqual(tls, {
                name: "dotnet-monitor-tls",
                image: tls.image,
                essential: false,
                user: "1654",
                readonlyRootFilesystem: true,
                command: ["/diag/tls"],
                environment: [{ name: "DOTNET_EnableDiagnostics", value: "0" }],
                mountPoints: [{ sourceVolume: "diag", containerPath: "/diag", readOnly: false }],
                dependsOn: [{ containerName: app.name, condition: "START" }],
                linuxParameters: { capabilities: { drop: ["ALL"] } },
                logConfiguration: {
                    logDriver: "awslogs",
                    options: { "awslogs-group": `/ecs/${name}`, "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "monitor-tls", mode: "non-blocking", "max-buffer-size": "4m" },
                },
            });
            // The monitor starts once the certificate is written, listens with https, and Kestrel takes that certificate.
            assert.deepStrictEqual(monitor.dependsOn, [{ containerName: app.name, condition: "START" }, { containerName: "dotnet-monitor-tls", condition: "SUCCESS" }]);
            assert.deepStrictEqual(monitor.command, ["collect", "--urls", "https://+:52323", "--metricUrls", "http://localhost:52325"]);
            const env = Object.fromEntries(monitor.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
            assert.strictEqual(env.DOTNETMONITOR_Kestrel__Certificates__Default__Path, "/diag/tls/monitor.crt");
            assert.strictEqual(env.DOTNETMONITOR_Kestrel__Certificates__Default__KeyPath, "/diag/tls/monitor.key");
            const policy = json(one(resources, "aws:iam/rolePolicy:RolePolicy", `${name}-execution`).inputs.policy);
            assert.deepStrictEqual(policy.Statement.at(-1), {
                Sid: "PullMonitorTls",
                Effect: "Allow",
                Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                Resource: `arn:aws:ecr:eu-west-1:123456789012:repository/dotnet-fargate-${stack}/monitor-tls`,
            });
            for (const r of resources) {
                assert.ok(!allStrings(r.inputs).some((v) => v.includes("PRIVATE KEY") || v.includes("BEGIN CERTIFICATE")), `${r.name} holds key or certificate material`);
            }
        }
    });

    it("builds no MonitorTls image and keeps http inside the task when no listener exposes the API", async () => {
        const { resources } = await runProgram("arm64", { config: withProfiling });
        assert.deepStrictEqual(ofType(resources, "dotnet-fargate:image:ServiceImage").map((r) => r.name).filter((n) => n.includes("monitor")), []);
        const monitor = json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", "dotnet-fargate-arm64-profiling-task").inputs.containerDefinitions)[1];
        assert.ok(!monitor.environment.some((e: { name: string }) => e.name.startsWith("DOTNETMONITOR_Kestrel")));
    });

    it("creates nothing for the monitor when it is switched off", async () => {
        const { resources, outputs } = await runProgram("amd64", { config: { ...withProfiling, monitor: { enabled: false } } });
        const counts = countByType(resources);
        assert.strictEqual(counts["aws:kms/key:Key"], undefined);
        assert.strictEqual(counts["aws:s3/bucket:Bucket"], undefined);
        assert.strictEqual(counts["aws:secretsmanager/secret:Secret"], undefined);
        assert.deepStrictEqual(json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", "dotnet-fargate-amd64-profiling-task").inputs.containerDefinitions).map((c: { name: string }) => c.name), ["dotnet-fargate-amd64-profiling", "task-info"]);
        assert.strictEqual(outputs.monitor, undefined);
    });

    it("monitors any service it is asked to, with the pinned tag given", async () => {
        const { resources } = await runProgram("amd64", { config: { monitor: { enabled: ["bookstore"], imageTag: "10.0.4" } } });
        const defs = json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", "dotnet-fargate-amd64-bookstore-task").inputs.containerDefinitions);
        assert.deepStrictEqual(defs.map((c: { image: string }) => c.image.split("@")[0].split(":")[0]), ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/dotnet-fargate-amd64/bookstore", "mcr.microsoft.com/dotnet/monitor", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dotnet-fargate-amd64/task-info"]);
        assert.strictEqual(defs[1].image, "mcr.microsoft.com/dotnet/monitor:10.0.4");
        assert.deepStrictEqual(json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", "dotnet-fargate-amd64-prime-task").inputs.containerDefinitions).map((c: { name: string }) => c.name), ["dotnet-fargate-amd64-prime", "task-info"]);
    });

    it("refuses a listener without TLS: the bearer token never travels in clear", async () => {
        await assert.rejects(runProgram("arm64", { config: { ...withProfiling, monitor: { allowedCidrs: ["203.0.113.0/24"] } } }), {
            message: 'Config "dotnet-fargate:monitor.allowedCidrs" is ["203.0.113.0/24"]; needs dotnet-fargate:certificateArn: the monitor API is reached with a bearer token, which must never cross the internet in clear; set certificateArn (an ACM certificate for the load balancer) or leave allowedCidrs empty.',
        });
    });

    it("puts the key's JWK in the task definition, so a new key (rotation) is a new revision", async () => {
        const { resources, outputs } = await runProgram("arm64", { config: withProfiling });
        const monitor = json(one(resources, "aws:ecs/taskDefinition:TaskDefinition", "dotnet-fargate-arm64-profiling-task").inputs.containerDefinitions)[1];
        const publicKey = monitor.environment.find((e: { name: string }) => e.name === "DOTNETMONITOR_Authentication__MonitorApiKey__PublicKey").value;
        const keyArn = (outputs.monitor as { tokenKeyArn: string }).tokenKeyArn;
        assert.strictEqual(publicKey, jwkFor(keyArn));
        // A replaced key has a new ID and key material: another JWK, refusing the old key's tokens.
        const rotated = jwkFor("arn:aws:kms:eu-west-1:123456789012:key/ffffffff-1111-2222-3333-444455556666");
        assert.notStrictEqual(rotated, publicKey);
        const old = await mintMonitorToken(new StandInKms(), { keyId: keyArn, issuer: "dotnet-fargate", subject: "dotnet-fargate-arm64-monitor", minutes: 5 });
        assert.throws(() => verifyMonitorToken(old.token, rotated), /signature/);
    });

    it("lets exactly the principals in monitor.tokenSigners sign, with ES384 on raw messages only", async () => {
        const { resources } = await runProgram("arm64", { config: { ...withProfiling, monitor: { tokenSigners: signers } } });
        const policy = json(one(resources, "aws:kms/key:Key", "dotnet-fargate-arm64-monitor-key-kms").inputs.policy);
        assert.deepStrictEqual(policy.Statement[1], {
            Sid: "NamedSignersMintMonitorTokens",
            Effect: "Allow",
            Principal: { AWS: signers },
            Action: "kms:Sign",
            Resource: "*",
            Condition: { StringEquals: { "kms:SigningAlgorithm": "ECDSA_SHA_384", "kms:MessageType": "RAW" } },
        });
        assert.strictEqual(policy.Statement.length, 2);
    });

    it("refuses a signer the key policy cannot name, and the retired token lifetime", async () => {
        await assert.rejects(runProgram("arm64", { config: { ...withProfiling, monitor: { tokenSigners: ["arn:aws:sts::123456789012:assumed-role/ops/alice"] } } }), {
            message: 'Config "dotnet-fargate:monitor.tokenSigners" is ["arn:aws:sts::123456789012:assumed-role/ops/alice"]; expected IAM role or user ARNs such as arn:aws:iam::123456789012:role/monitor-operators, each once.',
        });
        await assert.rejects(runProgram("arm64", { config: { ...withProfiling, monitor: { tokenSigners: [signers[0], signers[0]] } } }), {
            message: `Config "dotnet-fargate:monitor.tokenSigners" is ["${signers[0]}","${signers[0]}"]; expected IAM role or user ARNs such as arn:aws:iam::123456789012:role/monitor-operators, each once.`,
        });
        await assert.rejects(runProgram("arm64", { config: { ...withProfiling, monitor: { tokenLifetimeDays: 90 } } }), {
            message: 'Config "dotnet-fargate:monitor.tokenLifetimeDays" is 90; retired: the stack holds no token any more; mint a short-lived one with `npm run monitor:token -- --stack <stack> --minutes <n>`, and remove this key.',
        });
    });

    it("refuses to open the API to the internet", async () => {
        await assert.rejects(runProgram("arm64", { config: { ...withProfiling, monitor: { allowedCidrs: ["0.0.0.0/0"] } } }), {
            message: 'Config "dotnet-fargate:monitor.allowedCidrs" is ["0.0.0.0/0"]; expected a list of IPv4 CIDR blocks such as 203.0.113.0/24; the API is never open to the whole internet.',
        });
    });
});
