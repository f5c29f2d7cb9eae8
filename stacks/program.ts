/**
 * The program: composes the network, the load balancer, each service's image and Fargate service,
 * from settings that `config.ts` has already validated. Returns what the stack exports.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { architectureTraits } from "../infra/architecture";
import { AzureDevOpsPipelines } from "../infra/azuredevops/pipelines";
import { SERVICE_CATALOG } from "../infra/catalog";
import { AdditionalTarget, FargateService, logGroupNameFor, SidecarArgs } from "../infra/fargate-service";
import { LoadBalancer } from "../infra/load-balancer";
import { MonitorApiKey } from "../infra/monitor-api-key";
import { DiagnosticsBucket, MONITOR_CONTAINER, MONITOR_PORT, MonitorListener, monitorSidecar } from "../infra/monitor";
import { repositoryName } from "../infra/naming";
import { Network } from "../infra/network";
import { estimateMonthlyCost, MonthlyCost } from "../infra/pricing";
import { ServiceImage } from "../infra/service-image";
import { sourceHash } from "../infra/source-hash";
import { StackConfig } from "./config";
import { servicesDir } from "./paths";
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
        /** Service -> URL of its monitor's API, for services reachable through a listener. */
        readonly endpoints: Record<string, pulumi.Output<string>>;
    };
    /** Where the benchmark's `--engine fargate` runs Artillery's workers: region, private subnets, an egress-only security group. */
    readonly loadGenerator: {
        readonly region: pulumi.Input<string>;
        readonly subnetIds: pulumi.Output<string[]>;
        readonly securityGroupId: pulumi.Output<string>;
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

    const monitor = settings.monitor.services.length > 0 ? createMonitorShared(prefix, settings.monitor.artifactRetentionDays) : undefined;
    const monitorEndpoints: Record<string, pulumi.Output<string>> = {};

    // Relative to the project folder (Pulumi's working directory), so state is the same on every machine.
    const context = "services";
    const tag = `src-${sourceHash(servicesDir())}`;
    const images: Record<string, pulumi.Output<string>> = {};
    const serviceNames: Record<string, pulumi.Output<string>> = {};
    for (const serviceName of settings.services) {
        const definition = SERVICE_CATALOG[serviceName];
        const name = `${prefix}-${serviceName}`;
        const image = new ServiceImage(name, {
            repositoryName: repositoryName(PROJECT, stack, serviceName),
            context,
            dockerfile: path.posix.join(context, definition.project, "Dockerfile"),
            platform: traits.platform,
            tag,
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
                    certificateArn: settings.certificateArn,
                });
                additionalTargets.push({ containerName: MONITOR_CONTAINER, containerPort: MONITOR_PORT, targetGroupArn: listener.targetGroupArn });
                monitorEndpoints[serviceName] = listener.url;
            }
            sidecar = monitorSidecar({
                imageTag: settings.monitor.imageTag,
                publicKeySecretArn: monitor.secret.arn,
                subject: monitor.apiKey.subject,
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
            pathPatterns: definition.pathPatterns,
            priority: definition.priority,
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
        new AzureDevOpsPipelines(prefix, config.azureDevOps);
    }

    const loadGenerator = loadGeneratorPlacement(prefix, network, region.region);

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
        monitor: monitor && { bucket: monitor.bucket.bucketName, token: pulumi.secret(monitor.apiKey.token), endpoints: monitorEndpoints },
        loadGenerator,
    };
}

/**
 * Where `npm run bench -- --engine fargate` may run Artillery's workers (`artillery run-fargate
 * --subnet-ids --security-group-ids --no-assign-public-ip`): the private subnets, and a group with no
 * ingress whose egress is HTTP(S) only. The load balancer is internet-facing, so the workers reach it
 * through the NAT gateway (HTTP 80 or HTTPS 443), as they reach the AWS APIs and Artillery's image (443).
 */
function loadGeneratorPlacement(prefix: string, network: Network, region: pulumi.Input<string>) {
    const securityGroup = new aws.ec2.SecurityGroup(`${prefix}-loadgen-sg`, {
        vpcId: network.vpcId,
        description: "Benchmark load generators (Artillery on Fargate): no ingress, HTTP(S) out through NAT",
        revokeRulesOnDelete: true,
        tags: { Name: `${prefix}-loadgen-sg` },
    });
    for (const port of [80, 443]) {
        new aws.vpc.SecurityGroupEgressRule(`${prefix}-loadgen-out-${port}`, {
            securityGroupId: securityGroup.id,
            cidrIpv4: "0.0.0.0/0",
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            description: port === 80 ? "HTTP to the load balancer through NAT" : "HTTPS to the load balancer, AWS APIs and Artillery's image",
        });
    }
    return { region, subnetIds: network.privateSubnetIds, securityGroupId: securityGroup.id };
}

/** What every monitored service of a stack shares: the artifacts bucket and the API key. */
function createMonitorShared(prefix: string, retentionDays: number) {
    const bucket = new DiagnosticsBucket(`${prefix}-diagnostics`, { retentionDays });
    const apiKey = new MonitorApiKey(`${prefix}-monitor-key`, { subject: `${prefix}-monitor` });
    const secret = new aws.secretsmanager.Secret(`${prefix}-monitor-key`, {
        namePrefix: `${prefix}/dotnet-monitor-public-key-`,
        description: "dotnet-monitor's MonitorApiKey public key (base64url JWK); the token is a secret stack output",
        recoveryWindowInDays: 7,
    });
    new aws.secretsmanager.SecretVersion(`${prefix}-monitor-key`, { secretId: secret.id, secretString: pulumi.secret(apiKey.publicKey) });
    return { bucket, apiKey, secret };
}
