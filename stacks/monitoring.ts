/**
 * The dotnet-monitor wiring of a stack, out of the program's main flow: what every monitored service shares
 * (the artifacts bucket, the API key and its secret), and what one monitored service adds to its task (the
 * sidecar and, when allowed CIDRs are configured, an HTTPS listener on the shared load balancer).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AdditionalTarget, logGroupNameFor, SidecarArgs } from "../infra/fargate-service";
import { LoadBalancer } from "../infra/load-balancer";
import { MonitorApiKey } from "../infra/monitor-api-key";
import { DiagnosticsBucket, MONITOR_CONTAINER, MONITOR_PORT, MonitorListener, monitorSidecar } from "../infra/monitor";
import { ServiceSpec } from "./services";
import { MonitorSettings, StackSettings } from "./settings";

export type MonitorShared = ReturnType<typeof createMonitorShared>;

/** What every monitored service of a stack shares: the artifacts bucket and the API key. */
export function createMonitorShared(prefix: string, settings: MonitorSettings) {
    const bucket = new DiagnosticsBucket(`${prefix}-diagnostics`, { retentionDays: settings.artifactRetentionDays });
    const apiKey = new MonitorApiKey(`${prefix}-monitor-key`, { subject: `${prefix}-monitor`, lifetimeDays: settings.tokenLifetimeDays });
    const secret = new aws.secretsmanager.Secret(`${prefix}-monitor-key`, {
        namePrefix: `${prefix}/dotnet-monitor-public-key-`,
        description: "dotnet-monitor's MonitorApiKey public key (base64url JWK); the token is a secret stack output",
        recoveryWindowInDays: 7,
    });
    const secretVersion = new aws.secretsmanager.SecretVersion(`${prefix}-monitor-key`, { secretId: secret.id, secretString: pulumi.secret(apiKey.publicKey) });
    return { bucket, apiKey, secret, secretVersion };
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
        publicKeySecretArn: shared.secret.arn,
        publicKeyVersionId: shared.secretVersion.versionId,
        subject: shared.apiKey.subject,
        issuer: shared.apiKey.issuer,
        bucketName: shared.bucket.bucketName,
        bucketArn: shared.bucket.bucketArn,
        region: ctx.region,
        logGroupName: logGroupNameFor(name),
        rules: settings.monitor.rules,
        exposeApi,
    });
    return { sidecar, additionalTargets, listener, endpoint: listener?.url };
}
