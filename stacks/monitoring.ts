/**
 * The dotnet-monitor wiring of a stack, out of the program's main flow: what every monitored service shares
 * (the artifacts bucket, the KMS key that signs API tokens), and what one monitored service adds to its task (the
 * sidecar and, when allowed CIDRs are configured, an HTTPS listener on the shared load balancer).
 */
import * as pulumi from "@pulumi/pulumi";
import { AdditionalTarget, logGroupNameFor, SidecarArgs } from "../infra/fargate-service";
import { LoadBalancer } from "../infra/load-balancer";
import { MonitorSigningKey } from "../infra/monitor-api-key";
import { DiagnosticsBucket, MONITOR_CONTAINER, MONITOR_PORT, MONITOR_TLS_PROJECT, MonitorListener, monitorSidecar } from "../infra/monitor";
import * as path from "path";
import { ImageSource, stackImage } from "./image-build";
import { servicesDir } from "../model/paths";
import { targetFramework } from "../model/target-framework";
import { ServiceSpec } from "../model/services";
import { StackSettings } from "./settings";
import { targetGroupName } from "../model/naming";

/** Where the MonitorTls image is built from: a project in services/, with the services' Dockerfile. */
const tlsImageSource = (): ImageSource => ({
    name: "monitor-tls",
    context: "services",
    project: MONITOR_TLS_PROJECT.split("/")[0],
    projectFile: MONITOR_TLS_PROJECT,
    dockerfile: "services/Dockerfile",
    framework: targetFramework("MonitorTls", path.join(servicesDir(), MONITOR_TLS_PROJECT), servicesDir()),
});

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
        stack,
    });
    // Built as the services are: its own staged context, tagged by what docker-build would rebuild for.
    const tlsImage = settings.monitor.allowedCidrs.length > 0 ? stackImage(`${prefix}-monitor-tls`, stack, tlsImageSource(), settings) : undefined;
    return { bucket, signingKey, tlsImage };
}

export interface MonitorContext {
    readonly stack: string;
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
            targetGroupName: targetGroupName(ctx.stack, spec.name, true),
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
