/**
 * The program: composes the network, the load balancer, each service's image and Fargate service,
 * from settings that `config.ts` has already validated. Returns what the stack exports.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createDelivery } from "../infra/azuredevops/delivery";
import { connectionStringFor, Database } from "../infra/database";
import { FargateService, SecretEnvironment } from "../infra/fargate-service";
import { LoadBalancer } from "../infra/load-balancer";
import { MONITOR_AUDIENCE } from "../infra/monitor-jwt";
import { Network } from "../infra/network";
import { estimateMonthlyCost, MonthlyCost, PriceTable } from "../model/pricing";
import { StackConfig } from "./config";
import { ServiceSecret, ServiceSpec } from "../model/services";
import { attachMonitor, createMonitorShared } from "./monitoring";
import { stackImage } from "./image-build";
import { taskInfoImage } from "./task-info";
import type { Architecture } from "../model/architecture";
import type { StackOutputValues } from "../model/stack-outputs";
import { ServiceImage } from "../infra/service-image";
import { DATABASE_SERVICE, PROJECT } from "./settings";
import { targetGroupName } from "../model/naming";

export interface StackOutputs {
    readonly url: pulumi.Output<string>;
    readonly architecture: Architecture;
    readonly images: Record<string, pulumi.Output<string>>;
    readonly clusterName: pulumi.Output<string>;
    readonly serviceNames: Record<string, pulumi.Output<string>>;
    /** Service -> its CloudWatch log group; each task's `task-info` stream there names its processor (bench/processors.ts). */
    readonly logGroupNames: Record<string, pulumi.Output<string>>;
    readonly taskSize: { readonly cpu: number; readonly memory: number };
    /** Tasks per service at deployment (autoscaling's minimum when it is on). */
    readonly desiredCount: number;
    readonly estimatedMonthlyCostUsd: MonthlyCost;
    /** The prices estimatedMonthlyCostUsd uses (list prices with the `prices` config over them), for the benchmark's cost figures. */
    readonly prices: PriceTable;
    /** Present when a service runs dotnet-monitor. */
    readonly monitor?: {
        readonly bucket: pulumi.Output<string>;
        /**
         * The KMS key that signs API tokens, and the claims a token needs: what `npm run monitor:token` reads.
         * No token and no private key: a preview that can read every output still cannot call a monitor.
         */
        readonly tokenKeyArn: pulumi.Output<string>;
        readonly tokenKeyId: pulumi.Output<string>;
        readonly issuer: string;
        readonly subject: string;
        readonly audience: string;
        /** Service -> URL of its monitor's API, for services reachable through a listener. */
        readonly endpoints: Record<string, pulumi.Output<string>>;
    };
    /** Present when the BookStore runs on RDS for PostgreSQL (`database.enabled`). */
    readonly database?: {
        readonly engine: "postgres";
        readonly engineVersion: string;
        readonly instanceClass: string;
        readonly address: pulumi.Output<string>;
        readonly port: pulumi.Output<number>;
        /** The Secrets Manager secret holding the master user's credentials (RDS rotates it). */
        readonly secretArn: pulumi.Output<string>;
    };
    /** Where the benchmark's `--engine fargate` runs Artillery's workers: region, private subnets, an egress-only security group. */
    readonly loadGenerator: {
        readonly region: pulumi.Input<string>;
        readonly subnetIds: pulumi.Output<string[]>;
        readonly securityGroupId: pulumi.Output<string>;
    };
}

/** Compile-time only: the outputs, once resolved, are what model/stack-outputs.ts promises the benchmark and compare. */
type Resolves<T extends StackOutputValues> = T;
export type ResolvedOutputs = Resolves<pulumi.Unwrap<StackOutputs>>;

export function createStack(config: StackConfig): StackOutputs {
    const { settings, stack } = config;
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

    const monitor = settings.monitor.services.length > 0
        // The partition is the caller's (arn:<partition>:...), so the key policy names the right root principal.
        ? createMonitorShared(prefix, stack, settings, { accountId: identity.accountId, partition: identity.arn.apply((arn) => arn.split(":")[1]) })
        : undefined;
    const database = settings.database.enabled ? createDatabase(prefix, settings, network) : undefined;

    // With pipelines, every role the stack creates carries their boundary: the deploy role may create no other.
    const delivery = config.azureDevOps !== undefined ? createDelivery(prefix, config.azureDevOps) : undefined;
    const permissionsBoundary = delivery?.roles.permissionsBoundaryArn;

    const taskInfo = taskInfoImage(prefix, stack, settings);
    const shared: Shared = { stack, prefix, settings, network, loadBalancer, cluster, identity, region, monitor, database, permissionsBoundary, taskInfo };
    const { images, serviceNames, logGroupNames, monitorEndpoints } = deployServices(settings.serviceSpecs, shared);

    const loadGenerator = loadGeneratorPlacement(prefix, network, region.region);

    const desiredCount = settings.autoscaling.enabled ? settings.autoscaling.minCount : settings.desiredCount;
    const estimatedMonthlyCostUsd = monthlyCost(settings, desiredCount, network.natGatewayCount, database !== undefined);

    return {
        url: loadBalancer.url,
        architecture: settings.architecture,
        images,
        clusterName: cluster.name,
        serviceNames,
        logGroupNames,
        taskSize: { cpu: settings.taskCpu, memory: settings.taskMemory },
        desiredCount,
        estimatedMonthlyCostUsd,
        prices: settings.prices,
        loadGenerator,
        // Left out, not undefined, when no monitor runs: the engine warns about every undefined top-level output.
        ...(monitor && {
            monitor: {
                bucket: monitor.bucket.bucketName,
                tokenKeyArn: monitor.signingKey.keyArn,
                tokenKeyId: monitor.signingKey.keyId,
                issuer: monitor.signingKey.issuer,
                subject: monitor.signingKey.subject,
                audience: MONITOR_AUDIENCE,
                endpoints: monitorEndpoints,
            },
        }),
        ...(database && {
            database: {
                engine: "postgres" as const,
                engineVersion: database.engineVersion,
                instanceClass: database.instanceClass,
                address: database.address,
                port: database.port,
                secretArn: database.secretArn,
            },
        }),
    };
}

/** The stack's fixed monthly cost at list prices (or the stack's `prices`), for the `estimatedMonthlyCostUsd` output. */
function monthlyCost(settings: StackConfig["settings"], desiredCount: number, natGateways: number, bookStoreDatabase: boolean): MonthlyCost {
    // The BookStore's instance and each user's service's own, all sized by the `database` key.
    const databaseCount = (bookStoreDatabase ? 1 : 0) + settings.serviceSpecs.filter((spec) => spec.database).length;
    return estimateMonthlyCost(
        {
            architecture: settings.architecture,
            services: settings.services.map(() => ({ cpu: settings.taskCpu, memory: settings.taskMemory, count: desiredCount })),
            natGateways,
            loadBalancers: 1,
            // One address per NAT gateway, one per load balancer subnet.
            publicIpv4Addresses: natGateways + 2,
            database: databaseCount > 0 ? { size: settings.database.size, storageGb: settings.database.allocatedStorageGb, count: databaseCount } : undefined,
        },
        settings.prices,
    );
}

/**
 * An RDS instance sized by the `database` key, its class picked by the stack's architecture: the BookStore's
 * (`${prefix}-bookstore`, its database and user the defaults), or a user's service's own, named after it.
 */
function createDatabase(prefix: string, settings: StackConfig["settings"], network: Network, service: string = DATABASE_SERVICE): Database {
    const { database } = settings;
    const own = service === DATABASE_SERVICE ? {} : { databaseName: service.replace(/-/g, "_"), username: `${service.replace(/-/g, "_")}_admin` };
    return new Database(`${prefix}-${service}`, {
        ...own,
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        instanceClass: settings.traits.databaseClasses[database.size],
        engineVersion: database.engineVersion,
        allocatedStorageGb: database.allocatedStorageGb,
        backupRetentionDays: database.backupRetentionDays,
        deletionProtection: database.deletionProtection,
        skipFinalSnapshot: database.skipFinalSnapshot,
    });
}

/** What the BookStore's container gets to use the database: its store, where it is, and the password as a secret. */
function databaseAccess(database: Database) {
    return {
        environment: { BookStore__Store: "postgres", ConnectionStrings__BookStore: database.connectionString() },
        secrets: [{ name: "BookStore__DatabasePassword", secretArn: database.secretArn, jsonKey: "password" }],
    };
}

/**
 * What a user's service gets from its own database: the connection string (no password) in its environment,
 * the password as an ECS secret from the secret RDS manages, under the name Npgsql reads by itself.
 */
function ownDatabaseAccess(spec: ServiceSpec, database: Database) {
    const variables = spec.database as NonNullable<ServiceSpec["database"]>;
    return {
        environment: { [variables.connectionStringVariable]: connectionStringFor(database) },
        secrets: [{ name: variables.passwordVariable, secretArn: database.secretArn, jsonKey: "password" }],
    };
}

/**
 * The service's own secrets as the task takes them: Secrets Manager by ARN (with its JSON key and version),
 * Parameter Store by ARN, a parameter given by name turned into its ARN in the stack's account and Region.
 */
function secretEnvironment(secrets: readonly ServiceSecret[], identity: Shared["identity"], region: Shared["region"]): SecretEnvironment[] {
    return secrets.map(({ name, reference: r }): SecretEnvironment => {
        if (r.kind === "secretsmanager") {
            return { name, secretArn: r.arn, partialArn: r.partial, jsonKey: r.jsonKey, versionStage: r.versionStage, versionId: r.versionId, kmsKeyArn: r.kmsKeyArn };
        }
        const parameterArn = r.arn ?? pulumi.all([identity, region]).apply(([id, reg]) =>
            // A parameter's ARN holds its name without the leading '/': arn:<partition>:ssm:<region>:<account>:parameter/<path>/<name>.
            `arn:${id.arn.split(":")[1]}:ssm:${reg.region}:${id.accountId}:parameter/${(r.name as string).replace(/^\//, "")}`);
        return { name, parameterArn, kmsKeyArn: r.kmsKeyArn };
    });
}

/** What every service of the stack is deployed into. */
interface Shared {
    readonly stack: string;
    readonly prefix: string;
    readonly settings: StackConfig["settings"];
    readonly network: Network;
    readonly loadBalancer: LoadBalancer;
    readonly cluster: aws.ecs.Cluster;
    readonly identity: pulumi.Output<aws.GetCallerIdentityResult>;
    readonly region: pulumi.Output<aws.GetRegionResult>;
    readonly monitor: ReturnType<typeof createMonitorShared> | undefined;
    readonly database: Database | undefined;
    /** The permissions boundary of every role, when the pipelines' deploy role creates them. */
    readonly permissionsBoundary: pulumi.Output<string> | undefined;
    readonly taskInfo: ServiceImage;
}

/** Every service of the stack, and what the outputs say of each, by service name. */
function deployServices(specs: readonly ServiceSpec[], shared: Shared) {
    const images: Record<string, pulumi.Output<string>> = {};
    const serviceNames: Record<string, pulumi.Output<string>> = {};
    const logGroupNames: Record<string, pulumi.Output<string>> = {};
    const monitorEndpoints: Record<string, pulumi.Output<string>> = {};
    for (const spec of specs) {
        const deployed = deployService(spec, shared);
        images[spec.name] = deployed.image.imageRef;
        serviceNames[spec.name] = deployed.service.serviceName;
        logGroupNames[spec.name] = deployed.service.logGroupName;
        if (deployed.monitorEndpoint) {
            monitorEndpoints[spec.name] = deployed.monitorEndpoint;
        }
    }
    return { images, serviceNames, logGroupNames, monitorEndpoints };
}

/** One service: its image (for the stack's platform), its monitor when it has one, and its Fargate service. */
function deployService(spec: ServiceSpec, shared: Shared) {
    const { stack, prefix, settings, network, loadBalancer, cluster, identity, region, monitor, database, permissionsBoundary, taskInfo } = shared;
    const ownDatabase = spec.database ? createDatabase(prefix, settings, network, spec.name) : undefined;
    const store = database && spec.name === DATABASE_SERVICE ? databaseAccess(database) : ownDatabase && ownDatabaseAccess(spec, ownDatabase);
    const name = `${prefix}-${spec.name}`;
    const monitored = settings.monitor.services.includes(spec.name);
    // Built the way dotnet-monitor can collect every artifact from when a monitor watches it (model/services.ts).
    const image = stackImage(name, stack, monitored ? { ...spec, dockerfile: spec.monitoredDockerfile } : spec, settings);
    const monitoring = monitor && monitored
        ? attachMonitor(name, spec, monitor, { stack, settings, loadBalancer, vpcId: network.vpcId, region: region.region })
        : undefined;
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
        targetGroupName: targetGroupName(stack, spec.name),
        healthCheckPath: spec.healthCheckPath,
        environment: { ...spec.environment, ...store?.environment },
        secrets: [...secretEnvironment(spec.secrets, identity, region), ...(store?.secrets ?? [])],
        imageRef: image.imageRef,
        repositoryArn: image.repositoryArn,
        cpu: settings.taskCpu,
        memory: settings.taskMemory,
        cpuArchitecture: settings.traits.cpuArchitecture,
        desiredCount: settings.desiredCount,
        logRetentionDays: settings.logRetentionDays,
        autoscaling: settings.autoscaling.enabled ? settings.autoscaling : undefined,
        accountId: identity.accountId,
        region: region.region,
        sidecar: monitoring?.sidecar,
        additionalTargets: monitoring?.additionalTargets ?? [],
        permissionsBoundary,
        taskInfo: { imageRef: taskInfo.imageRef, repositoryArn: taskInfo.repositoryArn },
    }, { dependsOn: monitoring?.listener ? [monitoring.listener] : [] });
    const usedDatabase = ownDatabase ?? (store ? database : undefined);
    usedDatabase?.allowFrom(spec.name, service.securityGroupId);
    return { image, service, monitorEndpoint: monitoring?.endpoint };
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
