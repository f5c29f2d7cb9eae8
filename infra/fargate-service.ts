/**
 * One .NET service on ECS Fargate behind the shared load balancer: task definition, roles, log group,
 * security group, target group, listener rule, the ECS service, and optional autoscaling.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PORT, HEALTH_CHECK_PATH, STOP_TIMEOUT_SECONDS } from "../model/catalog";
import { ecsTasksTrustPolicy, policyDocument, PolicyStatement } from "./iam";
import { ipTargetGroup, targetGroupNameProblem } from "./load-balancer";
import { ArgumentError } from "../model/validation";
import { AUTONAME_LIMITS, autonameWithin } from "../model/naming";

/** The non-root user the .NET images run as (`APP_UID` of the official images). */
export const APP_UID = "1654";

/** The CloudWatch log group of a service's task; sidecars log to it under their own stream prefix. */
export const logGroupNameFor = (service: string): string => `/ecs/${service}`;

/**
 * The container that logs, once at the task's start, the processor the task was placed on (services/TaskInfo), so
 * the benchmark can say which processor each result came from (bench/processors.ts reads its log stream,
 * `task-info/task-info/<task id>`). Not essential: it exits after logging, and the task carries on.
 */
export const TASK_INFO_CONTAINER = "task-info";

/** A container definition as ECS takes it (only the fields this project sets are typed). */
export interface ContainerDefinition {
    readonly name: string;
    readonly image: string;
    readonly essential: boolean;
    readonly [field: string]: unknown;
}

export interface AutoscalingArgs {
    /** Fewest tasks. Required. */
    readonly minCount: number;
    /** Most tasks. Required. */
    readonly maxCount: number;
    /** Average CPU utilisation the service is scaled to hold, in percent. Required. */
    readonly targetCpuPercent: number;
}

/** What autoscaling accepts, as config (stacks/settings.ts) and as this component's argument alike. */
export const AUTOSCALING_LIMITS = {
    minCount: { min: 1, max: 100 },
    maxCount: { min: 1, max: 100 },
    targetCpuPercent: { min: 10, max: 90 },
} as const;

/**
 * The first thing wrong with these autoscaling values (field, value, what is allowed), or undefined: the one
 * check behind both the config error and the component's argument error.
 */
export function autoscalingProblem(values: Record<keyof AutoscalingArgs, unknown>): { field: keyof AutoscalingArgs; value: unknown; allowed: string } | undefined {
    const fields: (keyof AutoscalingArgs)[] = ["minCount", "maxCount", "targetCpuPercent"];
    for (const field of fields) {
        const value = values[field];
        const { min, max } = AUTOSCALING_LIMITS[field];
        if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
            return { field, value, allowed: `expected a whole number from ${min} to ${max}` };
        }
        if (field === "maxCount" && value < (values.minCount as number)) {
            return { field, value, allowed: `expected at least autoscaling.minCount (${String(values.minCount)})` };
        }
    }
    return undefined;
}

/** Another container port the load balancer reaches (a sidecar's API behind its own listener). */
export interface AdditionalTarget {
    readonly containerName: string;
    readonly containerPort: number;
    /** Target group (ip targets) already attached to a listener. */
    readonly targetGroupArn: pulumi.Input<string>;
}

/** What a sidecar (such as dotnet-monitor) adds to the task. */
export interface SidecarArgs {
    /** Extra container definitions, resolved. */
    readonly containers: pulumi.Input<ContainerDefinition[]>;
    /** Extra environment variables for the application container. */
    readonly appEnvironment?: Record<string, string>;
    /** Extra writable mounts for the application container: volume name -> container path. */
    readonly appMounts?: Record<string, string>;
    /** Extra task volumes (Fargate ephemeral storage), by name. */
    readonly volumes?: readonly string[];
    /** Statements added to the execution role (e.g. reading a secret the sidecar gets). */
    readonly executionStatements?: pulumi.Input<PolicyStatement[]>;
    /** Statements added to the task role (e.g. writing artifacts to a bucket). */
    readonly taskStatements?: pulumi.Input<PolicyStatement[]>;
}

export interface FargateServiceArgs {
    readonly clusterArn: pulumi.Input<string>;
    readonly clusterName: pulumi.Input<string>;
    readonly vpcId: pulumi.Input<string>;
    /** Private subnets the tasks run in; tasks never get a public IP. Required. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The load balancer's security group: the only source allowed to reach the tasks. Required. */
    readonly loadBalancerSecurityGroupId: pulumi.Input<string>;
    /** Listener the service's routing rule is added to. Required. */
    readonly listenerArn: pulumi.Input<string>;
    /** Path patterns routed to this service (1 to 5). Required. */
    readonly pathPatterns: readonly string[];
    /** Listener rule priority, unique per listener (1 to 50000). Required. */
    readonly priority: number;
    /** Image reference by digest (`repo@sha256:...`). Required. */
    readonly imageRef: pulumi.Input<string>;
    /** ARN of the ECR repository the image is pulled from. Required. */
    readonly repositoryArn: pulumi.Input<string>;
    /** Task CPU units (a Fargate value). Required. */
    readonly cpu: number;
    /** Task memory in MiB (a Fargate value for `cpu`). Required. */
    readonly memory: number;
    /** ECS `runtimePlatform.cpuArchitecture`. Required. */
    readonly cpuArchitecture: "ARM64" | "X86_64";
    /** Tasks to run. Default: 1. */
    readonly desiredCount?: number;
    /** Days the log group keeps logs. Required. */
    readonly logRetentionDays: number;
    /** Target-tracking autoscaling on CPU. Default: none (a fixed count). */
    readonly autoscaling?: AutoscalingArgs;
    /** AWS account the roles trust tasks of. Required. */
    readonly accountId: pulumi.Input<string>;
    /** Region for the awslogs driver. Required. */
    readonly region: pulumi.Input<string>;
    /** A sidecar to run beside the application. Default: none. */
    readonly sidecar?: SidecarArgs;
    /** Further ports the load balancer may reach, each with its target group. Default: none. */
    readonly additionalTargets?: readonly AdditionalTarget[];
    /** The port the application listens on in its container. Default: 8080. */
    readonly containerPort?: number;
    /** The target group's Pulumi name, short enough for its AWS name (model/naming.ts targetGroupName). */
    readonly targetGroupName: string;
    /** The path the load balancer health-checks (liveness). Default: /healthz. */
    readonly healthCheckPath?: string;
    /** Plain environment values for the application (never secrets). Default: none. */
    readonly environment?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Environment values the task reads from Secrets Manager at start; the execution role may read exactly these. Default: none. */
    readonly secrets?: readonly SecretEnvironment[];
    /** ARN of the IAM policy both roles carry as their permissions boundary. Default: none. */
    readonly permissionsBoundary?: pulumi.Input<string>;
    /** The TaskInfo image (by digest) and its repository: adds the `task-info` container. Default: none. */
    readonly taskInfo?: { readonly imageRef: pulumi.Input<string>; readonly repositoryArn: pulumi.Input<string> };
}

/**
 * One environment variable the task takes at start: from a Secrets Manager secret (a JSON key and version of it
 * when given), or from a Systems Manager parameter.
 */
export type SecretEnvironment = SecretsManagerEnvironment | ParameterEnvironment;

export interface SecretsManagerEnvironment {
    readonly name: string;
    /** The secret's ARN, full or partial (`partialArn`). */
    readonly secretArn: pulumi.Input<string>;
    /** True when `secretArn` lacks the 6-character suffix Secrets Manager adds: the role is granted `<arn>-??????`. Default: false. */
    readonly partialArn?: boolean;
    readonly jsonKey?: string;
    readonly versionStage?: string;
    readonly versionId?: string;
    /** The customer-managed KMS key the secret is encrypted with; the role may decrypt with it. Default: AWS's key, nothing granted. */
    readonly kmsKeyArn?: string;
}

export interface ParameterEnvironment {
    readonly name: string;
    /** The parameter's ARN. */
    readonly parameterArn: pulumi.Input<string>;
    readonly kmsKeyArn?: string;
}

/**
 * ECS's `valueFrom` for a secret: the ARN alone, or `<arn>:<json-key>:<version-stage>:<version-id>` with the parts
 * not given left empty (no stage: the version-id, else the current version). Contract: ECS "Pass Secrets Manager
 * secrets through Amazon ECS environment variables" (in "Pass sensitive data to an Amazon ECS container").
 */
export const secretValueFrom = (secretArn: string, jsonKey?: string, versionId?: string, versionStage?: string): string =>
    jsonKey || versionId || versionStage ? `${secretArn}:${jsonKey ?? ""}:${versionStage ?? ""}:${versionId ?? ""}` : secretArn;

/**
 * The execution role's statements for the app's secrets: GetSecretValue on exactly the secrets (a partial ARN
 * with `-??????` for its random suffix, as Secrets Manager's IAM guidance has it), GetParameters on exactly the
 * parameters, and Decrypt only with the customer-managed keys named.
 */
export function secretStatements(secrets: readonly SecretEnvironment[]): pulumi.Output<PolicyStatement[]> {
    const secretArns = secrets.flatMap((x) => ("secretArn" in x ? [pulumi.output(x.secretArn).apply((arn) => (x.partialArn ? `${arn}-??????` : arn))] : []));
    const parameterArns = secrets.flatMap((x) => ("parameterArn" in x ? [pulumi.output(x.parameterArn)] : []));
    const keys = [...new Set(secrets.flatMap((x) => (x.kmsKeyArn ? [x.kmsKeyArn] : [])))];
    return pulumi.all([pulumi.all(secretArns), pulumi.all(parameterArns)]).apply(([s, p]) => [
        ...(s.length > 0 ? [{ Sid: "ReadAppSecrets", Effect: "Allow" as const, Action: "secretsmanager:GetSecretValue", Resource: [...new Set(s)] }] : []),
        ...(p.length > 0 ? [{ Sid: "ReadAppParameters", Effect: "Allow" as const, Action: "ssm:GetParameters", Resource: [...new Set(p)] }] : []),
        ...(keys.length > 0 ? [{ Sid: "DecryptAppSecrets", Effect: "Allow" as const, Action: "kms:Decrypt", Resource: keys }] : []),
    ]);
}

export class FargateService extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    public readonly taskDefinitionArn: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly targetGroupArn: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    public readonly taskRoleArn: pulumi.Output<string>;

    constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(args);
        super("dotnet-fargate:service:FargateService", name, {}, opts);
        const desiredCount = args.desiredCount ?? 1;
        const port = args.containerPort ?? CONTAINER_PORT;

        const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { name: logGroupNameFor(name), retentionInDays: args.logRetentionDays }, { parent: this });
        const { executionRole, taskRole } = this.roles(name, args, logGroup);
        const { securityGroup, loadBalancerRules } = this.network(name, args, port);
        const { targetGroup, rule } = this.routing(name, args, port);
        const { volumes, containerDefinitions } = appContainerDefinitions(name, args, port, logGroup.name);

        const taskDefinition = new aws.ecs.TaskDefinition(
            `${name}-task`,
            {
                family: name,
                cpu: String(args.cpu),
                memory: String(args.memory),
                networkMode: "awsvpc",
                requiresCompatibilities: ["FARGATE"],
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: args.cpuArchitecture },
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                volumes: volumes.map((v) => ({ name: v })),
                containerDefinitions,
            },
            { parent: this },
        );

        const service = new aws.ecs.Service(
            `${name}-service`,
            {
                name,
                cluster: args.clusterArn,
                taskDefinition: taskDefinition.arn,
                launchType: "FARGATE",
                platformVersion: "LATEST",
                desiredCount,
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                waitForSteadyState: true,
                healthCheckGracePeriodSeconds: 60,
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                networkConfiguration: { subnets: args.subnetIds, securityGroups: [securityGroup.id], assignPublicIp: false },
                loadBalancers: [
                    { targetGroupArn: targetGroup.arn, containerName: name, containerPort: port },
                    ...(args.additionalTargets ?? []).map((t) => ({ targetGroupArn: t.targetGroupArn, containerName: t.containerName, containerPort: t.containerPort })),
                ],
            },
            // The target group must be attached to the load balancer (by the rule) before ECS registers tasks in it.
            // With autoscaling, the scaler owns the count after creation.
            { parent: this, dependsOn: [rule, ...loadBalancerRules], ignoreChanges: args.autoscaling ? ["desiredCount"] : [] },
        );

        if (args.autoscaling) {
            this.autoscale(name, args.clusterName, service, args.autoscaling);
        }

        this.serviceName = service.name;
        this.taskDefinitionArn = taskDefinition.arn;
        this.securityGroupId = securityGroup.id;
        this.targetGroupArn = targetGroup.arn;
        this.logGroupName = logGroup.name;
        this.taskRoleArn = taskRole.arn;
        this.registerOutputs({
            serviceName: this.serviceName,
            taskDefinitionArn: this.taskDefinitionArn,
            securityGroupId: this.securityGroupId,
            targetGroupArn: this.targetGroupArn,
            logGroupName: this.logGroupName,
        });
    }

    /** The execution role (pull the image, write the logs, read the sidecar's secrets) apart from the task role. */
    private roles(name: string, args: FargateServiceArgs, logGroup: aws.cloudwatch.LogGroup) {
        const executionRole = new aws.iam.Role(
            autonameWithin(`${name}-execution`, AUTONAME_LIMITS["aws:iam/role:Role"]),
            { assumeRolePolicy: ecsTasksTrustPolicy(args.accountId), description: `Pulls ${name}'s image and writes its logs`, permissionsBoundary: args.permissionsBoundary },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-execution`,
            {
                role: executionRole.id,
                policy: pulumi
                    .all([args.repositoryArn, logGroup.arn, args.sidecar?.executionStatements ?? [], secretStatements(args.secrets ?? []), args.taskInfo?.repositoryArn])
                    .apply(([repositoryArn, logGroupArn, extra, appSecrets, taskInfoRepositoryArn]) =>
                        JSON.stringify(
                            policyDocument(
                                { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                                {
                                    Sid: "PullImage",
                                    Effect: "Allow",
                                    Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                                    Resource: taskInfoRepositoryArn ? [repositoryArn, taskInfoRepositoryArn] : repositoryArn,
                                },
                                { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
                                ...appSecrets,
                                ...extra,
                            ),
                        ),
                    ),
            },
            { parent: this },
        );

        const taskRole = new aws.iam.Role(
            autonameWithin(`${name}-task`, AUTONAME_LIMITS["aws:iam/role:Role"]),
            { assumeRolePolicy: ecsTasksTrustPolicy(args.accountId), description: `Identity of ${name}'s running code`, permissionsBoundary: args.permissionsBoundary },
            { parent: this },
        );
        if (args.sidecar?.taskStatements !== undefined) {
            new aws.iam.RolePolicy(
                `${name}-task`,
                { role: taskRole.id, policy: pulumi.output(args.sidecar.taskStatements).apply((s) => JSON.stringify(policyDocument(...s))) },
                { parent: this },
            );
        }

        return { executionRole, taskRole };
    }

    /** The tasks' security group: in from the load balancer only (each target port), out only HTTPS. */
    private network(name: string, args: FargateServiceArgs, port: number) {
        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            { vpcId: args.vpcId, description: `${name} tasks: ${port} from the load balancer only`, revokeRulesOnDelete: true, tags: { Name: `${name}-sg` } },
            { parent: this },
        );
        // The load balancer may reach the tasks on a port: an ingress rule on the tasks' group and the
        // matching egress rule on the load balancer's. `suffix` keeps each pair's names apart.
        const allowFromLoadBalancer = (port: number, suffix: string, what: string): pulumi.Resource => {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-from-alb${suffix}`,
                { securityGroupId: securityGroup.id, referencedSecurityGroupId: args.loadBalancerSecurityGroupId, ipProtocol: "tcp", fromPort: port, toPort: port, description: `${what} from the load balancer` },
                { parent: this },
            );
            return new aws.vpc.SecurityGroupEgressRule(
                `${name}-alb-to-tasks${suffix}`,
                { securityGroupId: args.loadBalancerSecurityGroupId, referencedSecurityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, description: `To ${name} ${what}` },
                { parent: this },
            );
        };
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-https-out`,
            { securityGroupId: securityGroup.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "HTTPS to AWS APIs (ECR, CloudWatch Logs) through NAT" },
            { parent: this },
        );
        const loadBalancerRules = [
            allowFromLoadBalancer(port, "", "tasks"),
            ...(args.additionalTargets ?? []).map((t) => allowFromLoadBalancer(t.containerPort, `-${t.containerPort}`, t.containerName)),
        ];

        return { securityGroup, loadBalancerRules };
    }

    /** The target group (health-checked at the service's liveness path) and the listener rule routing its paths. */
    private routing(name: string, args: FargateServiceArgs, port: number) {
        const targetGroup = ipTargetGroup(
            args.targetGroupName,
            { vpcId: args.vpcId, port: port, healthCheckPath: args.healthCheckPath ?? HEALTH_CHECK_PATH, healthyCodes: "200", healthCheckInterval: 15 },
            { parent: this },
        );
        const rule = new aws.lb.ListenerRule(
            `${name}-rule`,
            {
                listenerArn: args.listenerArn,
                priority: args.priority,
                conditions: [{ pathPattern: { values: [...args.pathPatterns] } }],
                actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
            },
            { parent: this },
        );

        return { targetGroup, rule };
    }

    /** Target tracking on average CPU; the scaler owns the desired count once created. */
    private autoscale(name: string, clusterName: pulumi.Input<string>, service: aws.ecs.Service, autoscaling: AutoscalingArgs): void {
        const target = new aws.appautoscaling.Target(
            `${name}-scaling`,
            {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: pulumi.interpolate`service/${clusterName}/${service.name}`,
                minCapacity: autoscaling.minCount,
                maxCapacity: autoscaling.maxCount,
            },
            { parent: this },
        );
        new aws.appautoscaling.Policy(
            `${name}-cpu`,
            {
                policyType: "TargetTrackingScaling",
                serviceNamespace: target.serviceNamespace,
                scalableDimension: target.scalableDimension,
                resourceId: target.resourceId,
                targetTrackingScalingPolicyConfiguration: {
                    predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
                    targetValue: autoscaling.targetCpuPercent,
                    scaleInCooldown: 120,
                    scaleOutCooldown: 60,
                },
            },
            { parent: this },
        );
    }
}

/** The application's container definition (non-root, read-only root, no capabilities), then the sidecars'. */
function appContainerDefinitions(name: string, args: FargateServiceArgs, port: number, logGroupName: pulumi.Output<string>) {
    const appMounts = { tmp: "/tmp", ...(args.sidecar?.appMounts ?? {}) };
    const volumes = ["tmp", ...(args.sidecar?.volumes ?? [])];
    const secrets = (args.secrets ?? []).map((x) =>
        "secretArn" in x
            ? pulumi.output(x.secretArn).apply((arn) => ({ name: x.name, valueFrom: secretValueFrom(arn, x.jsonKey, x.versionId, x.versionStage) }))
            : pulumi.output(x.parameterArn).apply((arn) => ({ name: x.name, valueFrom: arn })));
    const containerDefinitions = pulumi
        .all([args.imageRef, logGroupName, args.region, args.sidecar?.containers ?? [], pulumi.output(args.environment ?? {}), pulumi.all(secrets), args.taskInfo?.imageRef])
        .apply(([image, group, region, sidecars, environment, appSecrets, taskInfoImage]) => {
            const app: ContainerDefinition = {
                name,
                image,
                essential: true,
                user: APP_UID,
                readonlyRootFilesystem: true,
                portMappings: [{ name: "http", containerPort: port, protocol: "tcp" }],
                environment: Object.entries({ ...environment, ASPNETCORE_HTTP_PORTS: String(port), ...(args.sidecar?.appEnvironment ?? {}) }).map(([n, value]) => ({ name: n, value })),
                ...(appSecrets.length > 0 && { secrets: appSecrets }),
                mountPoints: Object.entries(appMounts).map(([sourceVolume, containerPath]) => ({ sourceVolume, containerPath, readOnly: false })),
                linuxParameters: { capabilities: { drop: ["ALL"] } },
                stopTimeout: STOP_TIMEOUT_SECONDS,
                logConfiguration: {
                    logDriver: "awslogs",
                    options: { "awslogs-group": group, "awslogs-region": region, "awslogs-stream-prefix": name, mode: "non-blocking", "max-buffer-size": "4m" },
                },
            };
            const taskInfo = taskInfoImage === undefined ? [] : [taskInfoContainer(taskInfoImage, group, region)];
            return JSON.stringify([app, ...sidecars, ...taskInfo]);
        });

    return { volumes, containerDefinitions };
}

/** The `task-info` container: runs once at start, as the non-root user, on a read-only root, without capabilities. */
function taskInfoContainer(image: string, logGroup: string, region: string): ContainerDefinition {
    return {
        name: TASK_INFO_CONTAINER,
        image,
        essential: false,
        user: APP_UID,
        readonlyRootFilesystem: true,
        linuxParameters: { capabilities: { drop: ["ALL"] } },
        logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": logGroup, "awslogs-region": region, "awslogs-stream-prefix": TASK_INFO_CONTAINER, mode: "non-blocking", "max-buffer-size": "4m" },
        },
    };
}

function validate(args: FargateServiceArgs): void {
    const fail = (argument: string, value: unknown, allowed: string) => {
        throw new ArgumentError("FargateService", argument, value, allowed);
    };
    if (args.pathPatterns.length < 1 || args.pathPatterns.length > 5 || args.pathPatterns.some((p) => !p.startsWith("/"))) {
        fail("pathPatterns", args.pathPatterns, "expected 1 to 5 patterns, each starting with /");
    }
    if (!Number.isInteger(args.priority) || args.priority < 1 || args.priority > 50000) {
        fail("priority", args.priority, "expected a whole number from 1 to 50000");
    }
    const targetGroup = targetGroupNameProblem(args.targetGroupName);
    if (targetGroup) {
        fail("targetGroupName", args.targetGroupName, targetGroup);
    }
    const port = args.containerPort ?? CONTAINER_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        fail("containerPort", port, "expected a whole number from 1 to 65535");
    }
    if (args.healthCheckPath !== undefined && !/^\/[\x21-\x7e]*$/.test(args.healthCheckPath)) {
        fail("healthCheckPath", args.healthCheckPath, "expected a path starting with /, without spaces");
    }
    const secretNames = (args.secrets ?? []).map((x) => x.name);
    const repeated = secretNames.find((n, i) => secretNames.indexOf(n) !== i || n in (args.environment ?? {}));
    if (repeated !== undefined) {
        fail("secrets", secretNames, `expected each variable once, in secrets or environment; "${repeated}" is given twice`);
    }
    const desired = args.desiredCount ?? 1;
    if (!Number.isInteger(desired) || desired < 0) {
        fail("desiredCount", desired, "expected a whole number of at least 0");
    }
    const problem = args.autoscaling && autoscalingProblem(args.autoscaling);
    if (problem) {
        fail(`autoscaling.${problem.field}`, problem.value, problem.allowed);
    }
}
