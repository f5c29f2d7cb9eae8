/**
 * The program: composes the network, the load balancer, each service's image and Fargate service,
 * from settings that `config.ts` has already validated. Returns what the stack exports.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { architectureTraits } from "../infra/architecture";
import { createDelivery } from "../infra/azuredevops/delivery";
import { AdditionalTarget, FargateService, logGroupNameFor, SidecarArgs } from "../infra/fargate-service";
import { LoadBalancer } from "../infra/load-balancer";
import { MonitorApiKey } from "../infra/monitor-api-key";
import { DiagnosticsBucket, MONITOR_CONTAINER, MONITOR_PORT, MonitorListener, monitorSidecar } from "../infra/monitor";
import { repositoryName } from "../infra/naming";
import { Network } from "../infra/network";
import { estimateMonthlyCost, MonthlyCost } from "../infra/pricing";
import { ServiceImage } from "../infra/service-image";
import { imageSourceHash } from "../infra/source-hash";
import { StackConfig } from "./config";
import { projectRoot } from "./paths";
import { PROJECT } from "./settings";


export interface StackOutputs {
    readonly url: pulumi.Output<string>;
    readonly architecture: string;
    readonly images: Record<string, pulumi.Output<string>>;
    readonly clusterName: pulumi.Output<string>;
    readonly serviceNames: Record<string, pulumi.Output<string>>;
    readonly taskSize: { readonly cpu: number; readonly memory: number };
    /** Tasks per service at deployment (autoscaling's minimum when it is on). */
    readonly desiredCount: number;
    readonly estimatedMonthlyCostUsd: MonthlyCost;
    /** Present when a service runs dotnet-monitor. */
    readonly monitor?: {
        readonly bucket: pulumi.Output<string>;
        /** Bearer token for the monitors' API; a secret. */
        readonly token: pulumi.Output<string>;
        /** When the token expires (ISO 8601 UTC); rotate the key before then. */
        readonly tokenExpiresAt: pulumi.Output<string>;
        /** Service -> URL of its monitor's API, for services reachable through a listener. */
        readonly endpoints: Record<string, pulumi.Output<string>>;
    };
}

export function createStack(config: StackConfig): StackOutputs {
    const { settings, stack } = config;
    const traits = architectureTraits(settings.architecture);
    const prefix = `${PROJECT}-${stack}`;

    const identity = aws.getCallerIdentityOutput({});
    const region = aws.getRegionOutput({});

    const network = new Network(prefix, { cidrBlock: settings.vpcCidr, natStrategy: settings.natStrategy });
    const loadBalancer = new LoadBalancer(prefix, {
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        certificateArn: settings.certificateArn,
    });
    const cluster = new aws.ecs.Cluster(`${prefix}-cluster`, {
        name: `${prefix}`,
        settings: [{ name: "containerInsights", value: "enabled" }],
    });

    const monitor = settings.monitor.services.length > 0 ? createMonitorShared(prefix, settings.monitor.artifactRetentionDays, settings.monitor.tokenLifetimeDays) : undefined;
    const monitorEndpoints: Record<string, pulumi.Output<string>> = {};

    const images: Record<string, pulumi.Output<string>> = {};
    const serviceNames: Record<string, pulumi.Output<string>> = {};
    for (const spec of settings.serviceSpecs) {
        const serviceName = spec.name;
        const name = `${prefix}-${serviceName}`;
        const image = new ServiceImage(name, {
            repositoryName: repositoryName(PROJECT, stack, serviceName),
            // Paths relative to the project folder (Pulumi's working directory) where given so, so state is the
            // same on every machine. One Dockerfile builds every project unless the service names its own.
            context: spec.context,
            dockerfile: spec.dockerfile,
            buildArgs: { PROJECT: spec.projectFile },
            platform: traits.platform,
            // Only what this image is built from: editing a test or another service redeploys nothing.
            tag: `src-${imageSourceHash(path.resolve(projectRoot(), spec.context), spec.project, path.resolve(projectRoot(), spec.dockerfile))}`,
            imageRetentionCount: settings.imageRetentionCount,
        });
        let sidecar: SidecarArgs | undefined;
        const additionalTargets: AdditionalTarget[] = [];
        let listener: MonitorListener | undefined;
        if (monitor && settings.monitor.services.includes(serviceName)) {
            const exposeApi = settings.monitor.allowedCidrs.length > 0;
            if (exposeApi) {
                listener = new MonitorListener(`${name}-monitor`, {
                    loadBalancerArn: loadBalancer.arn,
                    loadBalancerSecurityGroupId: loadBalancer.securityGroupId,
                    vpcId: network.vpcId,
                    dnsName: loadBalancer.dnsName,
                    port: MONITOR_PORT + settings.monitor.services.indexOf(serviceName),
                    allowedCidrs: settings.monitor.allowedCidrs,
                    // Settings refuse allowedCidrs without a certificate.
                    certificateArn: settings.certificateArn as string,
                    applicationPort: spec.port,
                    applicationHealthCheckPath: spec.healthCheckPath,
                });
                additionalTargets.push({ containerName: MONITOR_CONTAINER, containerPort: MONITOR_PORT, targetGroupArn: listener.targetGroupArn });
                monitorEndpoints[serviceName] = listener.url;
            }
            sidecar = monitorSidecar({
                imageTag: settings.monitor.imageTag,
                publicKeySecretArn: monitor.secret.arn,
                publicKeyVersionId: monitor.secretVersion.versionId,
                subject: monitor.apiKey.subject,
                issuer: monitor.apiKey.issuer,
                bucketName: monitor.bucket.bucketName,
                bucketArn: monitor.bucket.bucketArn,
                region: region.region,
                logGroupName: logGroupNameFor(name),
                rules: settings.monitor.rules,
                exposeApi,
            });
        }
        const service = new FargateService(name, {
            clusterArn: cluster.arn,
            clusterName: cluster.name,
            vpcId: network.vpcId,
            subnetIds: network.privateSubnetIds,
            loadBalancerSecurityGroupId: loadBalancer.securityGroupId,
            listenerArn: loadBalancer.listenerArn,
            pathPatterns: spec.pathPatterns,
            priority: spec.priority,
            containerPort: spec.port,
            healthCheckPath: spec.healthCheckPath,
            environment: spec.environment,
            imageRef: image.imageRef,
            repositoryArn: image.repositoryArn,
            cpu: settings.taskCpu,
            memory: settings.taskMemory,
            cpuArchitecture: traits.cpuArchitecture,
            desiredCount: settings.desiredCount,
            logRetentionDays: settings.logRetentionDays,
            autoscaling: settings.autoscaling.enabled ? settings.autoscaling : undefined,
            accountId: identity.accountId,
            region: region.region,
            sidecar,
            additionalTargets,
        }, { dependsOn: listener ? [listener] : [] });
        images[serviceName] = image.imageRef;
        serviceNames[serviceName] = service.serviceName;
    }

    if (config.azureDevOps !== undefined) {
        createDelivery(prefix, config.azureDevOps);
    }

    const desiredCount = settings.autoscaling.enabled ? settings.autoscaling.minCount : settings.desiredCount;
    const estimatedMonthlyCostUsd = estimateMonthlyCost(
        {
            architecture: settings.architecture,
            services: settings.services.map(() => ({ cpu: settings.taskCpu, memory: settings.taskMemory, count: desiredCount })),
            natGateways: network.natGatewayCount,
            loadBalancers: 1,
            // One address per NAT gateway, one per load balancer subnet.
            publicIpv4Addresses: network.natGatewayCount + 2,
        },
        settings.prices,
    );

    return {
        url: loadBalancer.url,
        architecture: settings.architecture,
        images,
        clusterName: cluster.name,
        serviceNames,
        taskSize: { cpu: settings.taskCpu, memory: settings.taskMemory },
        desiredCount,
        estimatedMonthlyCostUsd,
        // Left out, not undefined, when no monitor runs: the engine warns about every undefined top-level output.
        ...(monitor && {
            monitor: { bucket: monitor.bucket.bucketName, token: pulumi.secret(monitor.apiKey.token), tokenExpiresAt: monitor.apiKey.expiresAt, endpoints: monitorEndpoints },
        }),
    };
}

/** What every monitored service of a stack shares: the artifacts bucket and the API key. */
function createMonitorShared(prefix: string, retentionDays: number, tokenLifetimeDays: number) {
    const bucket = new DiagnosticsBucket(`${prefix}-diagnostics`, { retentionDays });
    const apiKey = new MonitorApiKey(`${prefix}-monitor-key`, { subject: `${prefix}-monitor`, lifetimeDays: tokenLifetimeDays });
    const secret = new aws.secretsmanager.Secret(`${prefix}-monitor-key`, {
        namePrefix: `${prefix}/dotnet-monitor-public-key-`,
        description: "dotnet-monitor's MonitorApiKey public key (base64url JWK); the token is a secret stack output",
        recoveryWindowInDays: 7,
    });
    const secretVersion = new aws.secretsmanager.SecretVersion(`${prefix}-monitor-key`, { secretId: secret.id, secretString: pulumi.secret(apiKey.publicKey) });
    return { bucket, apiKey, secret, secretVersion };
}
