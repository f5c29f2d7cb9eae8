/**
 * dotnet-monitor as a sidecar: its container definition, its collection rules, the bucket its
 * artifacts go to, and the optional load balancer listener that lets allowed CIDRs reach its API.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { APP_UID, ContainerDefinition, SidecarArgs } from "./fargate-service";
import { policyDocument } from "./iam";
import { ipTargetGroup, targetGroupNameProblem } from "./load-balancer";
import { isPinnedTag } from "../model/naming";
import { ArgumentError } from "../model/validation";

export const MONITOR_IMAGE_REPOSITORY = "mcr.microsoft.com/dotnet/monitor";
export const MONITOR_CONTAINER = "dotnet-monitor";
/** Port of dotnet-monitor's HTTP API. Its metrics port (52325) is bound to localhost only. */
export const MONITOR_PORT = 52323;
export const MONITOR_METRICS_URL = "http://localhost:52325";
/** Volume both containers mount: the diagnostic socket and the dumps the runtime writes for the monitor. */
export const DIAG_VOLUME = "diag";
export const DIAG_PATH = "/diag";
export const DIAGNOSTIC_SOCKET = `${DIAG_PATH}/dotnet-monitor.sock`;
/** The init container that writes the task's certificate for the monitor's HTTPS listener, and where it writes it. */
export const MONITOR_TLS_CONTAINER = "dotnet-monitor-tls";
export const MONITOR_TLS_DIR = `${DIAG_PATH}/tls`;
/** The project of that init container's image, inside services/ (built with services/Dockerfile). */
export const MONITOR_TLS_PROJECT = "MonitorTls/MonitorTls.csproj";
/** Name of the S3 egress provider in the monitor's configuration. */
export const EGRESS_NAME = "artifacts";

export interface RuleSettings {
    readonly enabled: boolean;
    /** CPU percent, GC heap MB, or thread-pool queue length. */
    readonly threshold: number;
}

export interface CollectionRuleSettings {
    /** Sustained CPU above `threshold` percent for a minute: a 30 s CPU trace. */
    readonly highCpu: RuleSettings;
    /** GC heap above `threshold` MB for a minute: a gcdump. */
    readonly largeGcHeap: RuleSettings;
    /** Thread-pool queue longer than `threshold` for a minute: a dump with the threads' stacks. */
    readonly threadPoolStarvation: RuleSettings;
    /** Times each rule may act per hour. */
    readonly actionsPerHour: number;
}

/**
 * The collection rules as dotnet-monitor configuration keys (`CollectionRules__<rule>__...`), each
 * rule egressing to the S3 provider and limited to `actionsPerHour`.
 */
export function collectionRules(settings: CollectionRuleSettings): Record<string, string> {
    const keys: Record<string, string> = {};
    const add = (rule: string, trigger: string, threshold: number, action: Record<string, string>) => {
        const p = `CollectionRules__${rule}`;
        keys[`${p}__Trigger__Type`] = trigger;
        keys[`${p}__Trigger__Settings__GreaterThan`] = String(threshold);
        keys[`${p}__Trigger__Settings__SlidingWindowDuration`] = "00:01:00";
        for (const [k, v] of Object.entries(action)) {
            keys[`${p}__Actions__0__${k}`] = v;
        }
        keys[`${p}__Actions__0__Settings__Egress`] = EGRESS_NAME;
        keys[`${p}__Limits__ActionCount`] = String(settings.actionsPerHour);
        keys[`${p}__Limits__ActionCountSlidingWindowDuration`] = "01:00:00";
    };
    if (settings.highCpu.enabled) {
        add("HighCpu", "CPUUsage", settings.highCpu.threshold, { Type: "CollectTrace", Settings__Profile: "Cpu", Settings__Duration: "00:00:30" });
    }
    if (settings.largeGcHeap.enabled) {
        add("LargeGcHeap", "GCHeapSize", settings.largeGcHeap.threshold, { Type: "CollectGCDump" });
    }
    if (settings.threadPoolStarvation.enabled) {
        add("ThreadPoolStarvation", "ThreadpoolQueueLength", settings.threadPoolStarvation.threshold, { Type: "CollectDump", Settings__Type: "Mini" });
    }
    return keys;
}

export interface MonitorSidecarArgs {
    /** Tag of mcr.microsoft.com/dotnet/monitor (a multi-architecture image). */
    readonly imageTag: string;
    /** The name of the application's container in the same task: the monitor starts after it. */
    readonly appContainerName: string;
    /**
     * The API key's public key (base64url JWK, infra/monitor-api-key.ts). Not a secret (api-key-format.md: the
     * public key "does not need to be kept secret"), so a plain environment value: the task definition carries it,
     * and a new key (rotation) is a new revision that ECS rolls the tasks onto.
     */
    readonly publicKey: pulumi.Input<string>;
    /** The API key's subject. */
    readonly subject: pulumi.Input<string>;
    /** The issuer the tokens carry (`iss`); dotnet-monitor refuses any other. */
    readonly issuer: pulumi.Input<string>;
    readonly bucketName: pulumi.Input<string>;
    readonly bucketArn: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly logGroupName: pulumi.Input<string>;
    readonly rules: CollectionRuleSettings;
    /** Whether the API port is mapped (only when a listener reaches it). */
    readonly exposeApi: boolean;
    /**
     * Serve the API over HTTPS with a certificate made in the task at its start by this image (services/MonitorTls),
     * run as an init container before the monitor. Default: none (HTTP, for a monitor no listener reaches).
     */
    readonly tls?: MonitorTlsArgs;
}

export interface MonitorTlsArgs {
    /** The MonitorTls image, by digest. */
    readonly imageRef: pulumi.Input<string>;
    /** Its ECR repository, which the task's execution role may then pull from. */
    readonly repositoryArn: pulumi.Input<string>;
}

/**
 * Why a per-task certificate and an init container: the leg from the load balancer to the monitor must be TLS
 * (dotnet-monitor v10.0.3 src/Tools/dotnet-monitor/AddressListenResults.cs flags an http URL with authentication on
 * as insecure), and no private key may sit in state, a stack file or a secret a preview can read. The key is made in
 * the task, on its /diag volume, and dies with it; the load balancer accepts a self-signed certificate. An init
 * container from our own image, rather than code in the application, works for a user's service as for ours: it
 * needs nothing from the application's image but the /diag volume the monitor already needs.
 */
function tlsInitContainer(image: string, appContainerName: string, logGroup: string, region: string): ContainerDefinition {
    return {
        name: MONITOR_TLS_CONTAINER,
        image,
        essential: false,
        user: APP_UID,
        readonlyRootFilesystem: true,
        command: [MONITOR_TLS_DIR],
        // A console tool with nothing to diagnose: no diagnostic IPC socket in a read-only /tmp.
        environment: [{ name: "DOTNET_EnableDiagnostics", value: "0" }],
        mountPoints: [{ sourceVolume: DIAG_VOLUME, containerPath: DIAG_PATH, readOnly: false }],
        // After the application, whose image defines /diag (see the monitor's dependsOn below).
        dependsOn: [{ containerName: appContainerName, condition: "START" }],
        linuxParameters: { capabilities: { drop: ["ALL"] } },
        logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": logGroup, "awslogs-region": region, "awslogs-stream-prefix": "monitor-tls", mode: "non-blocking", "max-buffer-size": "4m" },
        },
    };
}

/** dotnet-monitor's settings (without their DOTNETMONITOR_ prefix) for one sidecar. */
function monitorSettings(args: MonitorSidecarArgs, v: { publicKey: string; subject: string; issuer: string; bucket: string }): Record<string, string> {
    const { publicKey, subject, issuer, bucket } = v;
    return {
        DiagnosticPort__ConnectionMode: "Listen",
        DiagnosticPort__EndpointName: DIAGNOSTIC_SOCKET,
        Storage__DefaultSharedPath: DIAG_PATH,
        Authentication__MonitorApiKey__Subject: subject,
        Authentication__MonitorApiKey__PublicKey: publicKey,
        // Unset, dotnet-monitor expects its own generatekey issuer (MonitorApiKeyPostConfigure.cs, v10.0.3).
        Authentication__MonitorApiKey__Issuer: issuer,
        // No regionName: dotnet-monitor reads it only together with static keys (S3Storage.cs, v10.0.3,
        // CreateAsync); with the task role's credentials the AWS SDK takes the region from AWS_REGION (set beside these).
        [`Egress__S3Storage__${EGRESS_NAME}__bucketName`]: bucket,
        ...collectionRules(args.rules),
        // The certificate the init container wrote: dotnet-monitor loads the Kestrel section and calls UseHttps()
        // without a certificate for an https URL (HostBuilderHelper.cs, AddressListenResults.cs, v10.0.3), so
        // Kestrel takes Certificates:Default (PEM certificate and key files).
        ...(args.tls && {
            Kestrel__Certificates__Default__Path: `${MONITOR_TLS_DIR}/monitor.crt`,
            Kestrel__Certificates__Default__KeyPath: `${MONITOR_TLS_DIR}/monitor.key`,
        }),
    };
}

/** Everything the monitor adds to a service's task. */
export function monitorSidecar(args: MonitorSidecarArgs): SidecarArgs {
    if (!isPinnedTag(args.imageTag)) {
        throw new ArgumentError("monitorSidecar", "imageTag", args.imageTag, "expected a pinned image tag such as 10.0.3");
    }
    if (args.exposeApi && args.tls === undefined) {
        throw new ArgumentError("monitorSidecar", "tls", args.tls, "expected the MonitorTls image when the API is exposed: the load balancer reaches the monitor over HTTPS only");
    }
    const containers = pulumi
        .all([args.publicKey, args.subject, args.issuer, args.bucketName, args.region, args.logGroupName, args.tls?.imageRef])
        .apply(([publicKey, subject, issuer, bucket, region, logGroup, tlsImage]): ContainerDefinition[] => {
            const settings = monitorSettings(args, { publicKey, subject, issuer, bucket });
            const scheme = args.tls ? "https" : "http";
            return [
                ...(tlsImage !== undefined ? [tlsInitContainer(tlsImage, args.appContainerName, logGroup, region)] : []),
                {
                    name: MONITOR_CONTAINER,
                    image: `${MONITOR_IMAGE_REPOSITORY}:${args.imageTag}`,
                    // Not essential: if the monitor stops, the application keeps serving.
                    essential: false,
                    user: APP_UID,
                    readonlyRootFilesystem: true,
                    command: ["collect", "--urls", `${scheme}://+:${MONITOR_PORT}`, "--metricUrls", MONITOR_METRICS_URL],
                    portMappings: args.exposeApi ? [{ name: "monitor", containerPort: MONITOR_PORT, protocol: "tcp" }] : [],
                    environment: [
                        ...Object.entries(settings)
                            .sort(([a], [b]) => (a < b ? -1 : 1))
                            .map(([name, value]) => ({ name: `DOTNETMONITOR_${name}`, value })),
                        // The monitor's image declares no writable /tmp; its temporary files go to the shared
                        // volume, which the application's image makes writable for the shared user.
                        { name: "TMPDIR", value: DIAG_PATH },
                        // The S3 egress's region, set here rather than left to the platform's defaults.
                        { name: "AWS_REGION", value: region },
                    ],
                    // The application's image defines /diag: its `VOLUME /diag` (owned by 1654) is what Fargate copies
                    // into the task volume, and only for a container that declares that VOLUME at the mount's path (AWS
                    // ECS Developer Guide, bind-mounts.html, "Considerations when using bind mounts"); the monitor's image
                    // declares none. Starting the monitor after the application has started orders the two on the volume.
                    // START, not HEALTHY: the application's container has no container health check (the chiseled images
                    // have no shell or curl; the load balancer checks /healthz).
                    dependsOn: [
                        { containerName: args.appContainerName, condition: "START" },
                        // Only once the certificate is written (the init container exited 0).
                        ...(args.tls ? [{ containerName: MONITOR_TLS_CONTAINER, condition: "SUCCESS" }] : []),
                    ],
                    mountPoints: [{ sourceVolume: DIAG_VOLUME, containerPath: DIAG_PATH, readOnly: false }],
                    linuxParameters: { capabilities: { drop: ["ALL"] } },
                    logConfiguration: {
                        logDriver: "awslogs",
                        options: { "awslogs-group": logGroup, "awslogs-region": region, "awslogs-stream-prefix": "monitor", mode: "non-blocking", "max-buffer-size": "4m" },
                    },
                },
            ];
        });
    return {
        containers,
        // nosuspend: the application starts at once and connects to the monitor when it can.
        appEnvironment: { DOTNET_DiagnosticPorts: `${DIAGNOSTIC_SOCKET},nosuspend` },
        appMounts: { [DIAG_VOLUME]: DIAG_PATH },
        volumes: [DIAG_VOLUME],
        executionStatements: args.tls
            ? pulumi.output(args.tls.repositoryArn).apply((arn) => [
                { Sid: "PullMonitorTls", Effect: "Allow" as const, Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: arn },
            ])
            : undefined,
        // dotnet-monitor's S3 egress has no key prefix setting: artifacts land at the bucket's top level.
        taskStatements: pulumi.output(args.bucketArn).apply((arn) => [
            { Sid: "WriteArtifacts", Effect: "Allow" as const, Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `${arn}/*` },
        ]),
    };
}

export interface DiagnosticsBucketArgs {
    /** Days before an artifact is deleted. Required. */
    readonly retentionDays: number;
}

/** The stack's bucket for diagnostic artifacts: private, encrypted, TLS only, expiring. */
export class DiagnosticsBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;

    constructor(name: string, args: DiagnosticsBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        if (!Number.isInteger(args.retentionDays) || args.retentionDays < 1) {
            throw new ArgumentError("DiagnosticsBucket", "retentionDays", args.retentionDays, "expected a whole number of days, at least 1");
        }
        super("dotnet-fargate:monitor:DiagnosticsBucket", name, {}, opts);
        const bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: false }, { parent: this });
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            { parent: this },
        );
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, { parent: this });
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
            { parent: this },
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: bucket.id,
                rules: [
                    { id: "expire-artifacts", status: "Enabled", filter: {}, expiration: { days: args.retentionDays }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
                ],
            },
            { parent: this },
        );
        new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            {
                bucket: bucket.id,
                policy: bucket.arn.apply((arn) =>
                    JSON.stringify(
                        policyDocument({
                            Sid: "DenyInsecureTransport",
                            Effect: "Deny",
                            Principal: { AWS: "*" },
                            Action: "s3:*",
                            Resource: [arn, `${arn}/*`],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        }),
                    ),
                ),
            },
            { parent: this, dependsOn: [publicAccess] },
        );
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
    }
}

export interface MonitorListenerArgs {
    readonly loadBalancerArn: pulumi.Input<string>;
    readonly loadBalancerSecurityGroupId: pulumi.Input<string>;
    readonly vpcId: pulumi.Input<string>;
    /** Listener port on the load balancer (52323 for the first monitored service, then 52324, ...). */
    readonly port: number;
    /** The only CIDR blocks allowed in. Required, at least one. */
    readonly allowedCidrs: readonly string[];
    /** The listener's ACM certificate: the API speaks HTTPS only, since the bearer token must never travel in clear. Required. */
    readonly certificateArn: string;
    /** The load balancer's DNS name, for the endpoint URL. Required. */
    readonly dnsName: pulumi.Input<string>;
    /** The application's port in the same task: the target group health-checks it. Required. */
    readonly applicationPort: number;
    /** The application's health check path. Required. */
    readonly applicationHealthCheckPath: string;
    /** The target group's Pulumi name, short enough for its AWS name (model/naming.ts targetGroupName). Required. */
    readonly targetGroupName: string;
}

/** A listener on the shared load balancer that forwards to one service's monitor, for allowed CIDRs only. */
export class MonitorListener extends pulumi.ComponentResource {
    public readonly targetGroupArn: pulumi.Output<string>;
    public readonly listenerArn: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: MonitorListenerArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.allowedCidrs.length === 0) {
            throw new ArgumentError("MonitorListener", "allowedCidrs", args.allowedCidrs, "expected at least one CIDR block");
        }
        // dotnet-monitor's api-key-format.md (v10.0.3): the key "should be treated as a secret and always transmitted over TLS".
        if (typeof args.certificateArn !== "string" || args.certificateArn === "") {
            throw new ArgumentError("MonitorListener", "certificateArn", args.certificateArn, "expected an ACM certificate ARN: the monitor API is served over HTTPS only");
        }
        const targetGroupProblem = targetGroupNameProblem(args.targetGroupName);
        if (targetGroupProblem) {
            throw new ArgumentError("MonitorListener", "targetGroupName", args.targetGroupName, targetGroupProblem);
        }
        super("dotnet-fargate:monitor:MonitorListener", name, {}, opts);
        // The target group health-checks the application, not the monitor: ECS replaces a task when any of
        // its target groups reports it unhealthy, and the monitor is not essential. A stopped or hung monitor
        // then costs only its own API (the listener answers 502), never the application's task or deployment.
        const targetGroup = ipTargetGroup(
            args.targetGroupName,
            {
                vpcId: args.vpcId,
                port: MONITOR_PORT,
                healthCheckPort: args.applicationPort,
                healthCheckPath: args.applicationHealthCheckPath,
                healthyCodes: "200",
                healthCheckInterval: 30,
                // TLS to the monitor too (its certificate is made in the task: see tlsInitContainer).
                protocol: "HTTPS",
            },
            { parent: this },
        );
        const listener = new aws.lb.Listener(
            `${name}-listener`,
            {
                loadBalancerArn: args.loadBalancerArn,
                port: args.port,
                protocol: "HTTPS",
                sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                certificateArn: args.certificateArn,
                defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
            },
            { parent: this },
        );
        args.allowedCidrs.forEach((cidr, i) => {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-in-${i}`,
                { securityGroupId: args.loadBalancerSecurityGroupId, ipProtocol: "tcp", fromPort: args.port, toPort: args.port, cidrIpv4: cidr, description: `dotnet-monitor API from ${cidr}` },
                { parent: this },
            );
        });
        this.targetGroupArn = targetGroup.arn;
        this.listenerArn = listener.arn;
        this.url = pulumi.interpolate`https://${args.dnsName}:${args.port}`;
        this.registerOutputs({ targetGroupArn: this.targetGroupArn, listenerArn: this.listenerArn, url: this.url });
    }
}
