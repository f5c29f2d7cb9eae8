/**
 * The dotnet-monitor wiring of a stack, out of the program's main flow: what every monitored service shares
 * (the artifacts bucket, the KMS key that signs API tokens), and what one monitored service adds to its task (the
 * sidecar and, when allowed CIDRs are configured, an HTTPS listener on the shared load balancer).
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { architectureTraits } from "../infra/architecture";
import { AdditionalTarget, logGroupNameFor, SidecarArgs } from "../infra/fargate-service";
import { LoadBalancer } from "../infra/load-balancer";
import { MonitorSigningKey } from "../infra/monitor-api-key";
import { DiagnosticsBucket, MONITOR_CONTAINER, MONITOR_PORT, MONITOR_TLS_PROJECT, MonitorListener, monitorSidecar } from "../infra/monitor";
import { repositoryName } from "../infra/naming";
import { ServiceImage } from "../infra/service-image";
import { imageSourceHash } from "../infra/source-hash";
import { projectRoot } from "./paths";
import { ServiceSpec } from "./services";
import { PROJECT, StackSettings } from "./settings";

/** Where the MonitorTls image is built from: the services' context and Dockerfile (paths as for the built-in services). */
const TLS_IMAGE_SOURCE = { context: "services", dockerfile: path.posix.join("services", "Dockerfile") } as const;

export type MonitorShared = ReturnType<typeof createMonitorShared>;

/**
 * What every monitored service of a stack shares: the artifacts bucket, the token signing key (one per stack;
 * only `monitor.tokenSigners` may sign with it), and, when a listener exposes the API, the MonitorTls image whose
 * init container makes each task's certificate for the HTTPS leg from the load balancer.
 */
export function createMonitorShared(prefix: string, stack: string, settings: StackSettings, account: { accountId: pulumi.Input<string>; partition: pulumi.Input<string> }) {
    const bucket = new DiagnosticsBucket(`${prefix}-diagnostics`, { retentionDays: settings.monitor.artifactRetentionDays });
    const signingKey = new MonitorSigningKey(`${prefix}-monitor-key`, {
        subject: `${prefix}-monitor`,
        signerArns: settings.monitor.tokenSigners,
        accountId: account.accountId,
        partition: account.partition,
    });
    const tlsImage = settings.monitor.allowedCidrs.length > 0
        ? new ServiceImage(`${prefix}-monitor-tls`, {
            repositoryName: repositoryName(PROJECT, stack, "monitor-tls"),
            context: TLS_IMAGE_SOURCE.context,
            dockerfile: TLS_IMAGE_SOURCE.dockerfile,
            buildArgs: { PROJECT: MONITOR_TLS_PROJECT },
            platform: architectureTraits(settings.architecture).platform,
            // As the services' tags: only what the image is built from (stacks/program.ts deployService).
            tag: `src-${imageSourceHash(path.resolve(projectRoot(), TLS_IMAGE_SOURCE.context), path.posix.dirname(MONITOR_TLS_PROJECT), path.resolve(projectRoot(), TLS_IMAGE_SOURCE.dockerfile))}`,
            imageRetentionCount: settings.imageRetentionCount,
        })
        : undefined;
    return { bucket, signingKey, tlsImage };
}

export interface MonitorContext {
    readonly settings: StackSettings;
    readonly loadBalancer: LoadBalancer;
    readonly vpcId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
}

/** The sidecar of one monitored service, and its listener (with its API's URL) when the API is exposed. */
export function attachMonitor(name: string, spec: ServiceSpec, shared: MonitorShared, ctx: MonitorContext) {
    const { settings, loadBalancer } = ctx;
    const exposeApi = settings.monitor.allowedCidrs.length > 0;
    const additionalTargets: AdditionalTarget[] = [];
    let listener: MonitorListener | undefined;
    if (exposeApi) {
        listener = new MonitorListener(`${name}-monitor`, {
            loadBalancerArn: loadBalancer.arn,
            loadBalancerSecurityGroupId: loadBalancer.securityGroupId,
            vpcId: ctx.vpcId,
            dnsName: loadBalancer.dnsName,
            port: MONITOR_PORT + settings.monitor.services.indexOf(spec.name),
            allowedCidrs: settings.monitor.allowedCidrs,
            // Settings refuse allowedCidrs without a certificate.
            certificateArn: settings.certificateArn as string,
            applicationPort: spec.port,
            applicationHealthCheckPath: spec.healthCheckPath,
        });
        additionalTargets.push({ containerName: MONITOR_CONTAINER, containerPort: MONITOR_PORT, targetGroupArn: listener.targetGroupArn });
    }
    const sidecar: SidecarArgs = monitorSidecar({
        imageTag: settings.monitor.imageTag,
        // The application's container is named after the service (infra/fargate-service.ts appContainerDefinitions).
        appContainerName: name,
        publicKey: shared.signingKey.publicKey,
        subject: shared.signingKey.subject,
        issuer: shared.signingKey.issuer,
        bucketName: shared.bucket.bucketName,
        bucketArn: shared.bucket.bucketArn,
        region: ctx.region,
        logGroupName: logGroupNameFor(name),
        rules: settings.monitor.rules,
        exposeApi,
        tls: shared.tlsImage && { imageRef: shared.tlsImage.imageRef, repositoryArn: shared.tlsImage.repositoryArn },
    });
    return { sidecar, additionalTargets, listener, endpoint: listener?.url };
}
