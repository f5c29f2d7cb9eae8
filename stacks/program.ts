/**
 * The program: composes the network, the load balancer, each service's image and Fargate service,
 * from settings that `config.ts` has already validated. Returns what the stack exports.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { architectureTraits } from "../infra/architecture";
import { SERVICE_CATALOG, ServiceName } from "../infra/catalog";
import { FargateService } from "../infra/fargate-service";
import { LoadBalancer } from "../infra/load-balancer";
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
    readonly estimatedMonthlyCostUsd: MonthlyCost;
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
        settings: [{ name: "containerInsights", value: "enhanced" }],
    });

    // Relative to the project folder (Pulumi's working directory), so state is the same on every machine.
    const context = "services";
    const tag = `src-${sourceHash(servicesDir())}`;
    const images: Record<string, pulumi.Output<string>> = {};
    const serviceNames: Record<string, pulumi.Output<string>> = {};
    for (const serviceName of settings.services) {
        const definition = SERVICE_CATALOG[serviceName as ServiceName];
        const name = `${prefix}-${serviceName}`;
        const image = new ServiceImage(name, {
            repositoryName: repositoryName(PROJECT, stack, serviceName),
            context,
            dockerfile: path.posix.join(context, definition.project, "Dockerfile"),
            platform: traits.platform,
            tag,
            imageRetentionCount: settings.imageRetentionCount,
        });
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
        });
        images[serviceName] = image.imageRef;
        serviceNames[serviceName] = service.serviceName;
    }

    // <azure-devops>
    if (config.azureDevOps !== undefined) {
        // Inline require: this region is the only part of the file the Azure DevOps module may change.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { AzureDevOpsPipelines } = require("../infra/azuredevops/pipelines") as typeof import("../infra/azuredevops/pipelines");
        new AzureDevOpsPipelines(prefix, config.azureDevOps);
    }
    // </azure-devops>

    const estimatedMonthlyCostUsd = estimateMonthlyCost(
        {
            architecture: settings.architecture,
            services: settings.services.map(() => ({ cpu: settings.taskCpu, memory: settings.taskMemory, count: settings.autoscaling.enabled ? settings.autoscaling.minCount : settings.desiredCount })),
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
        estimatedMonthlyCostUsd,
    };
}
