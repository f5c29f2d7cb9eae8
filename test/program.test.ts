/**
 * The whole program, once per stack file, with that file's config: the graph it declares.
 *
 * Mocks cannot prove what AWS accepts, provider defaults, URNs, parentage or resource options such as
 * dependsOn and ignoreChanges (the mock monitor does not receive them in a form worth asserting), nor
 * what awsx's Vpc builds inside itself (a remote component: only its inputs are visible here).
 */
import * as assert from "assert";
import { ARCHITECTURES } from "../model/architecture";
import { DEFAULT_PRICES } from "../model/pricing";
import * as fs from "fs";
import * as path from "path";
import { projectRoot, servicesDir } from "../model/paths";
import { MOCK_ACCOUNT_ID, MOCK_REGION, RecordingMocks } from "../tools/offline";
import { allStrings, countByType, EXPECTED, isSecret, json, ofType, one, plainStrings, RecordedResource, runProgram, unwrap } from "./harness";

const sorted = <U>(items: U[]): U[] => [...items].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

const T = {
    vpc: "awsx:ec2:Vpc",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    alb: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    rule: "aws:lb/listenerRule:ListenerRule",
    tg: "aws:lb/targetGroup:TargetGroup",
    cluster: "aws:ecs/cluster:Cluster",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    repo: "aws:ecr/repository:Repository",
    lifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    image: "docker-build:index:Image",
    scalingTarget: "aws:appautoscaling/target:Target",
    scalingPolicy: "aws:appautoscaling/policy:Policy",
};

for (const stack of ARCHITECTURES) {
    describe(`stack ${stack} (Pulumi.${stack}.yaml)`, () => {
        const traits = EXPECTED[stack];
        const prefix = `dotnet-fargate-${stack}`;
        let resources: RecordedResource[];
        let outputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

        before(async () => {
            ({ resources, outputs } = await runProgram(stack));
        });

        it("declares exactly the expected resources", () => {
            assert.deepStrictEqual(countByType(resources), {
                "pulumi:pulumi:Stack": 1,
                "dotnet-fargate:network:Network": 1,
                "dotnet-fargate:loadbalancer:LoadBalancer": 1,
                // The two services' images and the TaskInfo image their tasks share.
                "dotnet-fargate:image:ServiceImage": 3,
                "dotnet-fargate:service:FargateService": 2,
                [T.vpc]: 1,
                [T.cluster]: 1,
                [T.sg]: 4,
                [T.ingress]: 3,
                [T.egress]: 6,
                [T.alb]: 1,
                [T.listener]: 1,
                [T.rule]: 2,
                [T.tg]: 2,
                [T.repo]: 3,
                [T.lifecycle]: 3,
                [T.image]: 3,
                [T.logGroup]: 2,
                [T.role]: 4,
                [T.rolePolicy]: 2,
                [T.taskDef]: 2,
                [T.service]: 2,
            });
        });

        it("tags the services' images apart, so one service's change redeploys that service only", () => {
            const tags = ["bookstore", "prime"].map((service) => one(resources, T.image, `${prefix}-${service}-image`).inputs.tags[0].split(":").pop());
            assert.notStrictEqual(tags[0], tags[1]);
        });

        it("builds each image for the stack's platform only, pushed under a unique immutable tag", () => {
            for (const service of ["bookstore", "prime"]) {
                const image = one(resources, T.image, `${prefix}-${service}-image`);
                assert.deepStrictEqual(image.inputs.platforms, [traits.platform]);
                assert.strictEqual(image.inputs.push, true);
                // Never built on preview, so preview and deploy send docker-build the same inputs (see image-build.ts).
                assert.strictEqual(image.inputs.buildOnPreview, false);
                // Its own staged context (infra/image-context.test.ts shows what it holds and that the tag follows it).
                assert.strictEqual(image.inputs.context.location, `.build/images/${stack}/${service}`);
                const project = service === "bookstore" ? "BookStore.Api" : "Prime.Api";
                // Both are built Native AOT (services/services.json names their Dockerfile); neither has a monitor here.
                const dockerfile = "Dockerfile.aot";
                assert.strictEqual(image.inputs.dockerfile.location, `.build/images/${stack}/${service}/.dotnet-fargate/Dockerfile`);
                assert.strictEqual(
                    fs.readFileSync(path.join(projectRoot(), image.inputs.dockerfile.location), "utf8"),
                    fs.readFileSync(path.join(servicesDir(), dockerfile), "utf8"),
                );
                assert.deepStrictEqual(image.inputs.buildArgs, { PROJECT: `${project}/${project}.csproj`, FRAMEWORK: "net10.0", RUNTIME_TAG: "10.0.12-noble-chiseled" });
                const repoUrl = `${MOCK_ACCOUNT_ID}.dkr.ecr.${MOCK_REGION}.amazonaws.com/dotnet-fargate-${stack}/${service}`;
                assert.strictEqual(image.inputs.tags.length, 1);
                assert.match(image.inputs.tags[0], new RegExp(`^${repoUrl.replace(/\./g, "\\.")}:src-[0-9a-f]{12}$`));
                assert.deepStrictEqual(image.inputs.cacheFrom, [{ registry: { ref: `${repoUrl}:buildcache` } }]);
                assert.deepStrictEqual(image.inputs.cacheTo, [{ registry: { ref: `${repoUrl}:buildcache`, mode: "max", imageManifest: true, ociMediaTypes: true } }]);
                assert.ok(isSecret(image.inputs.registries), "registry credentials must stay secret");
                const [registry] = unwrap<{ address: string; username: string; password: string }[]>(image.inputs.registries);
                assert.strictEqual(registry.address, repoUrl);
                assert.strictEqual(registry.username, "AWS");
                assert.strictEqual(registry.password, "offline-registry-password");
            }
        });

        it("keeps images in immutable, scanned, encrypted repositories that expire old images", () => {
            for (const service of ["bookstore", "prime"]) {
                const repo = one(resources, T.repo, `${prefix}-${service}-repo`);
                assert.strictEqual(repo.inputs.name, `dotnet-fargate-${stack}/${service}`);
                assert.strictEqual(repo.inputs.imageTagMutability, "IMMUTABLE_WITH_EXCLUSION");
                assert.deepStrictEqual(repo.inputs.imageTagMutabilityExclusionFilters, [{ filter: "buildcache*", filterType: "WILDCARD" }]);
                assert.deepStrictEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
                assert.deepStrictEqual(repo.inputs.encryptionConfigurations, [{ encryptionType: "AES256" }]);
                assert.strictEqual(repo.inputs.forceDelete, false);
                const policy = json(one(resources, T.lifecycle, `${prefix}-${service}-lifecycle`).inputs.policy);
                assert.deepStrictEqual(
                    policy.rules.map((r: any) => [r.rulePriority, r.selection.tagStatus, r.selection.countType, r.selection.countNumber, r.action.type]), // eslint-disable-line @typescript-eslint/no-explicit-any
                    [
                        [1, "untagged", "sinceImagePushed", 1, "expire"],
                        [2, "any", "imageCountMoreThan", 20, "expire"],
                    ],
                );
            }
        });

        it("runs each task on the stack's CPU architecture, by image digest, non-root with a read-only root", () => {
            for (const service of ["bookstore", "prime"]) {
                const name = `${prefix}-${service}`;
                const taskDef = one(resources, T.taskDef, `${name}-task`);
                assert.deepStrictEqual(taskDef.inputs.runtimePlatform, { operatingSystemFamily: "LINUX", cpuArchitecture: traits.cpuArchitecture });
                assert.strictEqual(taskDef.inputs.cpu, "512");
                assert.strictEqual(taskDef.inputs.memory, "1024");
                assert.strictEqual(taskDef.inputs.networkMode, "awsvpc");
                assert.deepStrictEqual(taskDef.inputs.requiresCompatibilities, ["FARGATE"]);
                assert.deepStrictEqual(taskDef.inputs.volumes, [{ name: "tmp" }]);
                assert.strictEqual(taskDef.inputs.executionRoleArn, `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}-execution`);
                assert.strictEqual(taskDef.inputs.taskRoleArn, `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}-task`);

                const containers = json(taskDef.inputs.containerDefinitions);
                assert.strictEqual(containers.length, 2);
                const [app, taskInfo] = containers;
                assert.strictEqual(app.name, name);
                assert.strictEqual(app.image, outputs.images[service]);
                assert.match(app.image, new RegExp(`/dotnet-fargate-${stack}/${service}:src-[0-9a-f]{12}@sha256:[0-9a-f]{64}$`), "by digest, as docker-build writes ref: <repository>:<tag>@<digest>");
                assert.strictEqual(app.essential, true);
                assert.strictEqual(app.user, "1654");
                assert.strictEqual(app.readonlyRootFilesystem, true);
                assert.deepStrictEqual(app.mountPoints, [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
                assert.deepStrictEqual(app.portMappings, [{ name: "http", containerPort: 8080, protocol: "tcp" }]);
                assert.deepStrictEqual(app.environment, [
                    { name: "ShutdownDrainSeconds", value: "5" },
                    { name: "ShutdownTimeoutSeconds", value: "20" },
                    { name: "ASPNETCORE_HTTP_PORTS", value: "8080" },
                ]);
                assert.deepStrictEqual(app.linuxParameters, { capabilities: { drop: ["ALL"] } });
                assert.strictEqual(app.stopTimeout, 30);
                assert.deepStrictEqual(app.logConfiguration, {
                    logDriver: "awslogs",
                    options: { "awslogs-group": `/ecs/${name}`, "awslogs-region": MOCK_REGION, "awslogs-stream-prefix": name, mode: "non-blocking", "max-buffer-size": "4m" },
                });
                assert.strictEqual(one(resources, T.logGroup, `${name}-logs`).inputs.retentionInDays, 14);
                // Logs the task's processor once, where the benchmark looks for it: task-info/task-info/<task id> in the
                // service's log group (the awslogs driver names a stream prefix/container/task id).
                const { image: taskInfoImage, ...taskInfoRest } = taskInfo;
                assert.match(taskInfoImage, new RegExp(`/dotnet-fargate-${stack}/task-info:src-[0-9a-f]{12}@sha256:[0-9a-f]{64}$`));
                assert.deepStrictEqual(taskInfoRest, {
                    name: "task-info",
                    essential: false,
                    user: "1654",
                    readonlyRootFilesystem: true,
                    linuxParameters: { capabilities: { drop: ["ALL"] } },
                    logConfiguration: {
                        logDriver: "awslogs",
                        options: { "awslogs-group": `/ecs/${name}`, "awslogs-region": MOCK_REGION, "awslogs-stream-prefix": "task-info", mode: "non-blocking", "max-buffer-size": "4m" },
                    },
                });
                assert.strictEqual(outputs.logGroupNames[service], `/ecs/${name}`);
            }
        });

        it("builds the TaskInfo image once for the stack, Native AOT for its platform, and every task runs it", () => {
            const image = one(resources, T.image, `${prefix}-task-info-image`);
            assert.deepStrictEqual(image.inputs.platforms, [traits.platform]);
            assert.strictEqual(image.inputs.context.location, `.build/images/${stack}/task-info`);
            assert.strictEqual(
                fs.readFileSync(path.join(projectRoot(), image.inputs.dockerfile.location), "utf8"),
                fs.readFileSync(path.join(servicesDir(), "Dockerfile.aot"), "utf8"),
            );
            assert.strictEqual(image.inputs.buildArgs.PROJECT, "TaskInfo/TaskInfo.csproj");
            const images = new Set(ofType(resources, T.taskDef).map((t) => json(t.inputs.containerDefinitions).find((c: { name: string }) => c.name === "task-info").image));
            assert.strictEqual(images.size, 1, "one TaskInfo image for every service");
        });

        it("sets how a task stops in one timeline: the target drains, then the service drains and stops, all before ECS kills it", () => {
            // The order of the phases is ECS's (a service's task is deregistered from its target groups before
            // SIGTERM: AWS ECS Developer Guide, "Amazon ECS task lifecycle"); the values are ours. What the mocks
            // cannot show is that ECS and the load balancer keep to that order; services/tests/ShutdownTests shows
            // the service's part (answers with Connection: close while draining, no reset).
            for (const service of ["bookstore", "prime"]) {
                const name = `${prefix}-${service}`;
                const [app] = json(one(resources, T.taskDef, `${name}-task`).inputs.containerDefinitions);
                const env = Object.fromEntries(app.environment.map((e: { name: string; value: string }) => [e.name, Number(e.value)]));
                const tg = one(resources, T.tg, `${stack}-${service}`);
                assert.deepStrictEqual(
                    [tg.inputs.deregistrationDelay, env.ShutdownDrainSeconds, env.ShutdownTimeoutSeconds, app.stopTimeout],
                    [20, 5, 20, 30],
                );
                // The drain is part of the host's shutdown timeout, which ends before ECS's SIGKILL (Fargate allows 120 s).
                assert.ok(env.ShutdownDrainSeconds < env.ShutdownTimeoutSeconds && env.ShutdownTimeoutSeconds < app.stopTimeout && app.stopTimeout <= 120);
                // The BookStore's data requests end within their 15 s budget (5 s to connect, 10 s on the database,
                // services/BookStore.Api/Store/StoreRegistration.cs): inside the target's draining.
                assert.ok(tg.inputs.deregistrationDelay > 15);
            }
        });

        it("gives each task an execution role and a separate task role, each with only what it needs", () => {
            for (const service of ["bookstore", "prime"]) {
                const name = `${prefix}-${service}`;
                for (const role of [`${name}-execution`, `${name}-task`]) {
                    assert.deepStrictEqual(json(one(resources, T.role, role).inputs.assumeRolePolicy), {
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } } }],
                    });
                }
                const policy = one(resources, T.rolePolicy, `${name}-execution`);
                assert.strictEqual(policy.inputs.role, `${name}-execution-id`);
                assert.deepStrictEqual(json(policy.inputs.policy).Statement, [
                    { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                    {
                        Sid: "PullImage",
                        Effect: "Allow",
                        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                        Resource: [
                            `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:repository/dotnet-fargate-${stack}/${service}`,
                            `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:repository/dotnet-fargate-${stack}/task-info`,
                        ],
                    },
                    { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:log-group:/ecs/${name}:*` },
                ]);
                assert.ok(!resources.some((r) => r.type === T.rolePolicy && r.inputs.role === `${name}-task-id`), "the task role has no permissions");
            }
            assert.strictEqual(ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0, "no managed policies attached");
        });

        it("lets the world reach only the load balancer, and the tasks only from the load balancer", () => {
            const albSg = `${prefix}-sg-id`;
            for (const sg of ofType(resources, T.sg)) {
                assert.strictEqual(sg.inputs.ingress, undefined, `${sg.name} has inline ingress rules`);
                assert.strictEqual(sg.inputs.egress, undefined, `${sg.name} has inline egress rules`);
                assert.match(sg.inputs.vpcId, /^vpc-[0-9a-f]{8}$/);
            }
            const rule = (r: RecordedResource) => [r.inputs.securityGroupId, r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol, r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId];
            assert.deepStrictEqual(sorted(ofType(resources, T.ingress).map(rule)), sorted([
                [albSg, 80, 80, "tcp", "0.0.0.0/0"],
                [`${prefix}-bookstore-sg-id`, 8080, 8080, "tcp", albSg],
                [`${prefix}-prime-sg-id`, 8080, 8080, "tcp", albSg],
            ]));
            assert.deepStrictEqual(sorted(ofType(resources, T.egress).map(rule)), sorted([
                [albSg, 8080, 8080, "tcp", `${prefix}-bookstore-sg-id`],
                [albSg, 8080, 8080, "tcp", `${prefix}-prime-sg-id`],
                [`${prefix}-bookstore-sg-id`, 443, 443, "tcp", "0.0.0.0/0"],
                [`${prefix}-prime-sg-id`, 443, 443, "tcp", "0.0.0.0/0"],
                [`${prefix}-loadgen-sg-id`, 80, 80, "tcp", "0.0.0.0/0"],
                [`${prefix}-loadgen-sg-id`, 443, 443, "tcp", "0.0.0.0/0"],
            ]));
        });

        it("runs tasks in private subnets without public IPs, rolling back failed deployments", () => {
            for (const service of ["bookstore", "prime"]) {
                const name = `${prefix}-${service}`;
                const svc = one(resources, T.service, `${name}-service`);
                assert.deepStrictEqual(svc.inputs.networkConfiguration, { subnets: ["subnet-private-a", "subnet-private-b"], securityGroups: [`${name}-sg-id`], assignPublicIp: false });
                assert.deepStrictEqual(svc.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
                assert.strictEqual(svc.inputs.waitForSteadyState, true);
                assert.strictEqual(svc.inputs.launchType, "FARGATE");
                assert.strictEqual(svc.inputs.desiredCount, 1);
                assert.strictEqual(svc.inputs.healthCheckGracePeriodSeconds, 60);
                assert.strictEqual(svc.inputs.deploymentMinimumHealthyPercent, 100);
                assert.strictEqual(svc.inputs.cluster, `arn:aws:ecs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:cluster/${prefix}`);
                assert.strictEqual(svc.inputs.taskDefinition, `arn:aws:ecs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:task-definition/${name}:1`);
                assert.deepStrictEqual(svc.inputs.loadBalancers, [{ targetGroupArn: `arn:aws:elasticloadbalancing:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:targetgroup/${stack}-${service}/0123456789abcdef`, containerName: name, containerPort: 8080 }]);
            }
            assert.strictEqual(ofType(resources, T.scalingTarget).length, 0, "no autoscaling by default");
        });

        it("puts a public load balancer in the public subnets, routing each service's paths", () => {
            const alb = one(resources, T.alb, `${prefix}-alb`);
            assert.strictEqual(alb.inputs.internal, false);
            assert.strictEqual(alb.inputs.loadBalancerType, "application");
            assert.strictEqual(alb.inputs.dropInvalidHeaderFields, true);
            assert.deepStrictEqual(alb.inputs.subnets, ["subnet-public-a", "subnet-public-b"]);
            assert.deepStrictEqual(alb.inputs.securityGroups, [`${prefix}-sg-id`]);

            const listener = one(resources, T.listener, `${prefix}-http`);
            assert.strictEqual(listener.inputs.port, 80);
            assert.strictEqual(listener.inputs.protocol, "HTTP");
            assert.strictEqual(listener.inputs.defaultActions[0].fixedResponse.statusCode, "404");

            const routes = ofType(resources, T.rule).map((r) => [r.inputs.priority, r.inputs.conditions[0].pathPattern.values, r.inputs.actions[0].targetGroupArn.split("/")[1]]);
            assert.deepStrictEqual(sorted(routes), sorted([
                [100, ["/api/*"], `${stack}-bookstore`],
                [200, ["/prime", "/prime/*"], `${stack}-prime`],
            ]));
            for (const tg of ofType(resources, T.tg)) {
                assert.strictEqual(tg.inputs.targetType, "ip");
                assert.strictEqual(tg.inputs.port, 8080);
                assert.strictEqual(tg.inputs.deregistrationDelay, 20);
                assert.strictEqual(tg.inputs.healthCheck.path, "/healthz");
                assert.strictEqual(tg.inputs.healthCheck.matcher, "200");
            }
        });

        it("builds a two-zone VPC with one NAT gateway and a cluster with Container Insights", () => {
            const vpc = one(resources, T.vpc, `${prefix}-vpc`);
            assert.strictEqual(vpc.inputs.numberOfAvailabilityZones, 2);
            assert.strictEqual(vpc.inputs.cidrBlock, "10.0.0.0/16");
            assert.deepStrictEqual(vpc.inputs.natGateways, { strategy: "Single" });
            assert.deepStrictEqual(vpc.inputs.subnetSpecs.map((s: { type: string }) => s.type), ["Public", "Private"]);
            assert.deepStrictEqual(one(resources, T.cluster, `${prefix}-cluster`).inputs.settings, [{ name: "containerInsights", value: "enabled" }]);
        });

        it("exports the URL, the architecture, the images and the cost at the architecture's price", () => {
            assert.strictEqual(outputs.url, `http://${prefix}-alb-1234567890.${MOCK_REGION}.elb.amazonaws.com`);
            assert.strictEqual(outputs.architecture, stack);
            assert.deepStrictEqual(Object.keys(outputs.images).sort(), ["bookstore", "prime"]);
            assert.deepStrictEqual(outputs.serviceNames, { bookstore: `${prefix}-bookstore`, prime: `${prefix}-prime` });
            assert.strictEqual(outputs.clusterName, prefix);
            assert.deepStrictEqual(outputs.taskSize, { cpu: 512, memory: 1024 });
            assert.strictEqual(outputs.desiredCount, 1);
            // What `npm run bench -- --engine fargate` passes to `artillery run-fargate`: private subnets, an egress-only group.
            assert.deepStrictEqual(outputs.loadGenerator, {
                region: MOCK_REGION,
                subnetIds: ["subnet-private-a", "subnet-private-b"],
                securityGroupId: `${prefix}-loadgen-sg-id`,
            });
            const cost = outputs.estimatedMonthlyCostUsd;
            // Two services of one 0.5 vCPU / 1 GB task each, 730 h at the list prices, worked out by hand:
            // arm64 $0.03238/vCPU-h and $0.00356/GB-h, amd64 $0.04048 and $0.004445.
            const fargate = { arm64: { vcpu: 23.64, memory: 5.2 }, amd64: { vcpu: 29.55, memory: 6.49 } }[stack];
            assert.strictEqual(cost.fargateVcpu, fargate.vcpu);
            assert.strictEqual(cost.fargateMemory, fargate.memory);
            assert.strictEqual(cost.natGateway, 32.85);
            assert.strictEqual(cost.loadBalancer, 16.43);
            assert.strictEqual(cost.publicIpv4, 10.95);
            assert.strictEqual(cost.total, Math.round((cost.fargateVcpu + cost.fargateMemory + 32.85 + 16.43 + 10.95) * 100) / 100);
        });
    });
}

describe("the stacks compared", () => {
    it("differ in exactly the architecture-dependent values", async () => {
        const [arm, amd] = await Promise.all([runProgram("arm64")]).then(async ([a]) => [a, await runProgram("amd64")]);
        const image = (r: RecordedResource[]) => one(r, T.image, r.find((x) => x.type === T.image)!.name).inputs.platforms[0];
        assert.strictEqual(image(arm.resources), "linux/arm64");
        assert.strictEqual(image(amd.resources), "linux/amd64");
        const cpuArch = (r: RecordedResource[]) => ofType(r, T.taskDef).map((t) => t.inputs.runtimePlatform.cpuArchitecture);
        assert.deepStrictEqual(cpuArch(arm.resources), ["ARM64", "ARM64"]);
        assert.deepStrictEqual(cpuArch(amd.resources), ["X86_64", "X86_64"]);
        const armCost = arm.outputs.estimatedMonthlyCostUsd as Record<string, number>;
        const amdCost = amd.outputs.estimatedMonthlyCostUsd as Record<string, number>;
        assert.ok(armCost.fargateVcpu < amdCost.fargateVcpu && armCost.fargateMemory < amdCost.fargateMemory);
        assert.strictEqual(armCost.natGateway, amdCost.natGateway);
        assert.deepStrictEqual(countByType(arm.resources), countByType(amd.resources));
    });
});

describe("program options", () => {
    it("serves HTTPS with a certificate and turns port 80 into a redirect", async () => {
        const certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
        const { resources, outputs } = await runProgram("arm64", { config: { certificateArn } });
        const https = one(resources, T.listener, "dotnet-fargate-arm64-https");
        assert.strictEqual(https.inputs.port, 443);
        assert.strictEqual(https.inputs.protocol, "HTTPS");
        assert.strictEqual(https.inputs.certificateArn, certificateArn);
        assert.strictEqual(https.inputs.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
        const http = one(resources, T.listener, "dotnet-fargate-arm64-http");
        assert.deepStrictEqual(http.inputs.defaultActions, [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
        for (const rule of ofType(resources, T.rule)) {
            assert.strictEqual(rule.inputs.listenerArn, "arn:aws:lb:eu-west-1:123456789012:dotnet-fargate-arm64-https");
        }
        const albIngress = ofType(resources, T.ingress).filter((r) => r.inputs.securityGroupId === "dotnet-fargate-arm64-sg-id").map((r) => r.inputs.fromPort);
        assert.deepStrictEqual(albIngress.sort(), [443, 80]);
        assert.match(outputs.url as string, /^https:\/\//);
    });

    it("deploys the profiling service on request, routing its three endpoints", async () => {
        const { resources, outputs } = await runProgram("amd64", { config: { services: ["bookstore", "prime", "profiling"] } });
        assert.strictEqual(ofType(resources, T.service).length, 3);
        const rule = one(resources, T.rule, "dotnet-fargate-amd64-profiling-rule");
        assert.strictEqual(rule.inputs.priority, 300);
        assert.deepStrictEqual(rule.inputs.conditions[0].pathPattern.values, ["/blocking-threads*", "/high-cpu*", "/memory-leak*"]);
        assert.ok((outputs.images as Record<string, string>).profiling);
    });

    it("scales on CPU when autoscaling is enabled", async () => {
        const { resources } = await runProgram("arm64", { config: { autoscaling: { enabled: true, minCount: 2, maxCount: 6, targetCpuPercent: 55 }, desiredCount: 2 } });
        const targets = ofType(resources, T.scalingTarget);
        assert.strictEqual(targets.length, 2);
        const target = one(resources, T.scalingTarget, "dotnet-fargate-arm64-prime-scaling");
        assert.deepStrictEqual([target.inputs.minCapacity, target.inputs.maxCapacity, target.inputs.resourceId], [2, 6, "service/dotnet-fargate-arm64/dotnet-fargate-arm64-prime"]);
        const policy = one(resources, T.scalingPolicy, "dotnet-fargate-arm64-prime-cpu");
        assert.strictEqual(policy.inputs.targetTrackingScalingPolicyConfiguration.targetValue, 55);
        assert.strictEqual(policy.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType, "ECSServiceAverageCPUUtilization");
    });

    it("sizes tasks, log retention and NAT gateways from config, and prices them", async () => {
        const { resources, outputs } = await runProgram("amd64", {
            config: { taskCpu: 1024, taskMemory: 2048, desiredCount: 3, logRetentionDays: 30, natStrategy: "onePerAz", prices: { natGatewayHour: 0.05 } },
        });
        for (const t of ofType(resources, T.taskDef)) {
            assert.deepStrictEqual([t.inputs.cpu, t.inputs.memory], ["1024", "2048"]);
        }
        for (const s of ofType(resources, T.service)) {
            assert.strictEqual(s.inputs.desiredCount, 3);
        }
        for (const g of ofType(resources, T.logGroup)) {
            assert.strictEqual(g.inputs.retentionInDays, 30);
        }
        assert.deepStrictEqual(one(resources, T.vpc, "dotnet-fargate-amd64-vpc").inputs.natGateways, { strategy: "OnePerAz" });
        const cost = outputs.estimatedMonthlyCostUsd as Record<string, number>;
        // 2 services x 3 tasks x 1 vCPU x 730 h x 0.04048; 2 NAT gateways x 730 h x 0.05; 4 public IPv4.
        assert.strictEqual(cost.fargateVcpu, 177.3);
        assert.strictEqual(cost.natGateway, 73);
        assert.strictEqual(cost.publicIpv4, 14.6);
        assert.strictEqual(outputs.desiredCount, 3);
        // The table the estimate used, for the benchmark to price its runs alike: list prices, the override over them.
        assert.deepStrictEqual(outputs.prices, { ...DEFAULT_PRICES, natGatewayHour: 0.05 });
    });

    it("stops before declaring any resource when config is wrong, naming the key", async () => {
        await assert.rejects(runProgram("arm64", { config: { architecture: "riscv64" } }), {
            name: "ConfigError",
            message: 'Config "dotnet-fargate:architecture" is "riscv64"; expected one of arm64, amd64.',
        });
        await assert.rejects(runProgram("arm64", { config: { taskMemory: 3000 } }), {
            message: 'Config "dotnet-fargate:taskMemory" is 3000; with dotnet-fargate:taskCpu 512, Fargate accepts 1024 to 4096 MiB in steps of 1024.',
        });
        // A bare word where JSON is wanted reaches the key's own check, which says what the key takes.
        await assert.rejects(runProgram("amd64", { config: { taskCpu: "lots" } }), {
            message: 'Config "dotnet-fargate:taskCpu" is "lots"; expected one of 256, 512, 1024, 2048, 4096, 8192, 16384 (CPU units, 1024 = 1 vCPU).',
        });
        await assert.rejects(runProgram("amd64", { config: { desiredCount: "two" } }), {
            message: 'Config "dotnet-fargate:desiredCount" is "two"; expected a whole number from 1 to 100.',
        });
        await assert.rejects(runProgram("amd64", { config: { desiredCount: "[2" } }), {
            message: 'Config "dotnet-fargate:desiredCount" is "[2"; expected a JSON value (a number, a list or an object).',
        });
        // The stack's aws:region (eu-west-1 in its file) reaches the certificate's check.
        await assert.rejects(runProgram("amd64", { config: { certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc" } }), {
            message: /^Config "dotnet-fargate:certificateArn" is "arn:aws:acm:us-east-1:123456789012:certificate\/abc"; expected a certificate in the stack's region, eu-west-1/,
        });
    });

    it("refuses an invoke the mocks do not know", () => {
        const mocks = new RecordingMocks();
        assert.throws(() => mocks.call({ token: "aws:ec2/getAmi:getAmi", inputs: { owners: ["amazon"] }, provider: "" }), {
            message: 'Offline evaluation has no answer for invoke "aws:ec2/getAmi:getAmi" with {"owners":["amazon"]}',
        });
    });

    it("keeps secrets out of plain inputs", async () => {
        const { resources } = await runProgram("arm64");
        const leaks = resources.filter((r) => plainStrings(r.inputs).some((s) => s.includes("offline-registry-password")));
        assert.deepStrictEqual(leaks.map((r) => r.name), []);
        assert.ok(allStrings(ofType(resources, T.image)[0].inputs).includes("offline-registry-password"), "the check above looks where the password is");
    });
});

describe("an unchanged tree previews no change to any image", () => {
    // pulumi/docker-build v0.0.22 provider/internal/image.go Diff compares every input with state (cacheTo,
    // buildOnPreview and tags among them) and the context hash. So a preview must send exactly what the deploy
    // sent: then, on an unchanged tree, docker-build plans nothing and task definitions keep their image digest.
    // (That the provider's Diff agrees is shown only by a real `pulumi preview --expect-no-changes`.)
    it("sends docker-build the same inputs on preview as on deploy, and never builds on preview", async () => {
        const inputs = async (preview: boolean) => ofType((await runProgram("arm64", { preview })).resources, "docker-build:index:Image")
            .map((r) => ({ name: r.name, inputs: JSON.stringify(r.inputs) }));
        const [previewed, deployed] = [await inputs(true), await inputs(false)];
        assert.strictEqual(previewed.length, 3);
        assert.deepStrictEqual(previewed, deployed);
        assert.ok(previewed.every((i) => JSON.parse(i.inputs).buildOnPreview === false));
    });
});

