/**
 * Components refuse bad arguments in their constructors, before any child resource, with the argument,
 * the value and what is allowed. No engine is needed: validation runs before the component registers.
 */
import * as assert from "assert";
import { FargateService, FargateServiceArgs } from "../infra/fargate-service";
import { LoadBalancer } from "../infra/load-balancer";
import { DiagnosticsBucket, MonitorListener, monitorSidecar } from "../infra/monitor";
import { MonitorSigningKey } from "../infra/monitor-api-key";
import { Network } from "../infra/network";
import { ServiceImage, ServiceImageArgs } from "../infra/service-image";

const service: FargateServiceArgs = {
    clusterArn: "arn",
    clusterName: "cluster",
    vpcId: "vpc",
    subnetIds: ["a", "b"],
    loadBalancerSecurityGroupId: "sg",
    listenerArn: "listener",
    pathPatterns: ["/api/*"],
    priority: 100,
    imageRef: "repo@sha256:0",
    repositoryArn: "arn:repo",
    cpu: 512,
    memory: 1024,
    cpuArchitecture: "ARM64",
    logRetentionDays: 14,
    accountId: "123456789012",
    region: "eu-west-1",
    targetGroupName: "arm64-bookstore",
};

const listener = {
    loadBalancerArn: "a",
    loadBalancerSecurityGroupId: "s",
    vpcId: "v",
    port: 52323,
    allowedCidrs: ["203.0.113.0/24"],
    dnsName: "d",
    certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666",
    applicationPort: 8080,
    applicationHealthCheckPath: "/healthz",
    targetGroupName: "arm64-profiling-monitor",
};
const image: ServiceImageArgs = { repositoryName: "dotnet-fargate-arm64/bookstore", context: "services", dockerfile: "services/BookStore.Api/Dockerfile", platform: "linux/arm64", tag: "src-0123456789ab" };

describe("component arguments", () => {
    const cases: [string, () => unknown, string][] = [
        ["a service without paths", () => new FargateService("s", { ...service, pathPatterns: [] }), 'FargateService: argument "pathPatterns" is []; expected 1 to 5 patterns, each starting with /.'],
        ["a relative path", () => new FargateService("s", { ...service, pathPatterns: ["api/*"] }), 'FargateService: argument "pathPatterns" is ["api/*"]; expected 1 to 5 patterns, each starting with /.'],
        ["a rule priority of 0", () => new FargateService("s", { ...service, priority: 0 }), 'FargateService: argument "priority" is 0; expected a whole number from 1 to 50000.'],
        // pulumi-aws names a target group within 32 characters, after the Pulumi name and "-" and 7 random ones.
        [
            "a target group name the provider cannot make an AWS name of",
            () => new FargateService("s", { ...service, targetGroupName: "dotnet-fargate-arm64-bookstore-tg" }),
            'FargateService: argument "targetGroupName" is "dotnet-fargate-arm64-bookstore-tg"; expected 1 to 24 characters: the provider adds 8 to name the target group, which may have 32.',
        ],
        [
            "a monitor's target group name the provider cannot make an AWS name of",
            () => new MonitorListener("m", { ...listener, targetGroupName: "arm64-profiling-monitor-tg" }),
            'MonitorListener: argument "targetGroupName" is "arm64-profiling-monitor-tg"; expected 1 to 24 characters: the provider adds 8 to name the target group, which may have 32.',
        ],
        ["a negative task count", () => new FargateService("s", { ...service, desiredCount: -1 }), 'FargateService: argument "desiredCount" is -1; expected a whole number of at least 0.'],
        ["autoscaling upside down", () => new FargateService("s", { ...service, autoscaling: { minCount: 3, maxCount: 2, targetCpuPercent: 50 } }), 'FargateService: argument "autoscaling.maxCount" is 2; expected at least autoscaling.minCount (3).'],
        // The same limits as the autoscaling config (stacks/settings.ts refuses 95 with the same words).
        ["a CPU target of 0", () => new FargateService("s", { ...service, autoscaling: { minCount: 1, maxCount: 2, targetCpuPercent: 0 } }), 'FargateService: argument "autoscaling.targetCpuPercent" is 0; expected a whole number from 10 to 90.'],
        ["a fractional minimum", () => new FargateService("s", { ...service, autoscaling: { minCount: 1.5, maxCount: 2, targetCpuPercent: 50 } }), 'FargateService: argument "autoscaling.minCount" is 1.5; expected a whole number from 1 to 100.'],
        ["one variable as a secret and a plain value", () => new FargateService("s", { ...service, environment: { A: "x" }, secrets: [{ name: "A", parameterArn: "arn:aws:ssm:eu-west-1:123456789012:parameter/a" }] }), 'FargateService: argument "secrets" is ["A"]; expected each variable once, in secrets or environment; "A" is given twice.'],
        ["the tag latest", () => new ServiceImage("i", { ...image, tag: "latest" }), 'ServiceImage: argument "tag" is "latest"; expected a unique tag (not "latest", not starting with "buildcache").'],
        ["the cache tag as image tag", () => new ServiceImage("i", { ...image, tag: "buildcache-1" }), 'ServiceImage: argument "tag" is "buildcache-1"; expected a unique tag (not "latest", not starting with "buildcache").'],
        ["an upper-case repository", () => new ServiceImage("i", { ...image, repositoryName: "Dotnet/App" }), 'ServiceImage: argument "repositoryName" is "Dotnet/App"; expected lower-case letters, digits, \'.\', \'_\', \'-\' and \'/\' separators.'],
        ["keeping one image", () => new ServiceImage("i", { ...image, imageRetentionCount: 1 }), 'ServiceImage: argument "imageRetentionCount" is 1; expected a whole number of at least 2.'],
        ["a NAT strategy awsx lacks", () => new Network("n", { natStrategy: "none" as "single" }), 'Network: argument "natStrategy" is "none"; expected single or onePerAz.'],
        ["a load balancer nobody may reach", () => new LoadBalancer("l", { vpcId: "v", publicSubnetIds: [], ingressCidrs: [] }), 'LoadBalancer: argument "ingressCidrs" is []; expected at least one CIDR block.'],
        ["a certificate that is not an ARN", () => new LoadBalancer("l", { vpcId: "v", publicSubnetIds: [], certificateArn: "cert" }), 'LoadBalancer: argument "certificateArn" is "cert"; expected an ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id>.'],
        ["a bucket that keeps nothing", () => new DiagnosticsBucket("b", { retentionDays: 0 }), 'DiagnosticsBucket: argument "retentionDays" is 0; expected a whole number of days, at least 1.'],
        ["a monitor listener for nobody", () => new MonitorListener("m", { ...listener, allowedCidrs: [] }), 'MonitorListener: argument "allowedCidrs" is []; expected at least one CIDR block.'],
        ["a monitor listener without TLS", () => new MonitorListener("m", { ...listener, certificateArn: "" }), 'MonitorListener: argument "certificateArn" is ""; expected an ACM certificate ARN: the monitor API is served over HTTPS only.'],
        ["a signing key with an empty issuer", () => new MonitorSigningKey("k", { subject: "m", issuer: " ", accountId: "123456789012", stack: "arm64" }), 'MonitorSigningKey: argument "issuer" is " "; expected a non-empty string (dotnet-monitor refuses an empty iss).'],
        ["a signing key subject with spaces", () => new MonitorSigningKey("k", { subject: "my monitor", accountId: "123456789012", stack: "arm64" }), 'MonitorSigningKey: argument "subject" is "my monitor"; expected 1 to 128 letters, digits, \'.\', \'_\' or \'-\'.'],
        [
            "a signer that is an assumed-role session, which a key policy cannot name",
            () => new MonitorSigningKey("k", { subject: "m", accountId: "123456789012", stack: "arm64", signerArns: ["arn:aws:sts::123456789012:assumed-role/ops/alice"] }),
            'MonitorSigningKey: argument "signerArns" is ["arn:aws:sts::123456789012:assumed-role/ops/alice"]; expected IAM role or user ARNs such as arn:aws:iam::123456789012:role/monitor-operators.',
        ],
    ];
    for (const [title, make, message] of cases) {
        it(`refuses ${title}`, () => assert.throws(make, { message }));
    }

    // A sidecar that is valid but for the one argument each test changes.
    const sidecar = (over: Partial<Parameters<typeof monitorSidecar>[0]>) => () =>
        monitorSidecar({
            imageTag: "10.0.3",
            appContainerName: "app",
            publicKey: "e30",
            subject: "s",
            issuer: "i",
            bucketName: "b",
            bucketArn: "arn:aws:s3:::b",
            region: "eu-west-1",
            logGroupName: "/ecs/p",
            rules: { highCpu: { enabled: true, threshold: 80 }, largeGcHeap: { enabled: true, threshold: 512 }, threadPoolStarvation: { enabled: true, threshold: 100 }, actionsPerHour: 1 },
            exposeApi: false,
            ...over,
        });

    it("refuses an exposed monitor API without TLS to the task", () => {
        assert.throws(sidecar({ exposeApi: true }), {
            message: 'monitorSidecar: argument "tls" is nothing; expected the MonitorTls image when the API is exposed: the load balancer reaches the monitor over HTTPS only.',
        });
    });

    it("refuses an unpinnable monitor image tag", () => {
        assert.throws(sidecar({ imageTag: "10.0.3 latest" }), { message: 'monitorSidecar: argument "imageTag" is "10.0.3 latest"; expected a pinned image tag such as 10.0.3.' });
    });
});
