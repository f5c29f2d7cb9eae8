/**
 * The public Application Load Balancer in front of every service of a stack, with its own security
 * group. Services attach listener rules to `listenerArn`; nothing else is reachable from outside.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEREGISTRATION_DELAY_SECONDS } from "../model/catalog";
import { ArgumentError } from "../model/validation";
import { AUTONAME_LIMITS, AUTONAME_SUFFIX, autonameWithin } from "../model/naming";

/** An ACM certificate ARN, the one form the load balancer's HTTPS listeners take. */
export const isCertificateArn = (value: unknown): value is string =>
    typeof value === "string" && /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(value);
export const CERTIFICATE_ARN_EXPECTED = "expected an ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id>";

export interface LoadBalancerArgs {
    /** The VPC the load balancer and its security group live in. Required. */
    readonly vpcId: pulumi.Input<string>;
    /** Public subnets, one per availability zone (at least two). Required. */
    readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** ACM certificate ARN. When set, HTTPS on 443 serves and HTTP on 80 only redirects. Default: none (HTTP only). */
    readonly certificateArn?: string;
    /** CIDR blocks allowed to reach the listeners. Default: ["0.0.0.0/0"]. */
    readonly ingressCidrs?: readonly string[];
}

/** TLS policy for the HTTPS listener: TLS 1.3 and 1.2 only. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** What the load balancer answers for a path no service owns. */
const NOT_FOUND = {
    type: "fixed-response",
    fixedResponse: {
        statusCode: "404",
        contentType: "application/json",
        messageBody: JSON.stringify({ type: "about:blank", title: "Not Found", status: 404 }),
    },
};

export class LoadBalancer extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;
    public readonly dnsName: pulumi.Output<string>;
    /** `http://` or `https://` plus the load balancer's DNS name. */
    public readonly url: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    /** The listener that serves traffic (443 with a certificate, else 80); services add rules to it. */
    public readonly listenerArn: pulumi.Output<string>;
    public readonly https: boolean;

    constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.certificateArn !== undefined && !isCertificateArn(args.certificateArn)) {
            throw new ArgumentError("LoadBalancer", "certificateArn", args.certificateArn, CERTIFICATE_ARN_EXPECTED);
        }
        const ingressCidrs = args.ingressCidrs ?? ["0.0.0.0/0"];
        if (ingressCidrs.length === 0) {
            throw new ArgumentError("LoadBalancer", "ingressCidrs", ingressCidrs, "expected at least one CIDR block");
        }
        super("dotnet-fargate:loadbalancer:LoadBalancer", name, {}, opts);
        this.https = args.certificateArn !== undefined;

        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: "Load balancer: HTTP(S) in from the allowed CIDRs, out only to the services",
                revokeRulesOnDelete: true,
                tags: { Name: `${name}-sg` },
            },
            { parent: this },
        );
        const ports = this.https ? [80, 443] : [80];
        for (const port of ports) {
            ingressCidrs.forEach((cidr, i) => {
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-in-${port}-${i}`,
                    { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr, description: `HTTP${port === 443 ? "S" : ""} from ${cidr}` },
                    { parent: this },
                );
            });
        }

        const alb = new aws.lb.LoadBalancer(
            autonameWithin(`${name}-alb`, AUTONAME_LIMITS["aws:lb/loadBalancer:LoadBalancer"]),
            {
                loadBalancerType: "application",
                internal: false,
                subnets: args.publicSubnetIds,
                securityGroups: [securityGroup.id],
                dropInvalidHeaderFields: true,
                idleTimeout: 60,
                tags: { Name: `${name}-alb` },
            },
            { parent: this },
        );

        let listener: aws.lb.Listener;
        if (this.https) {
            listener = new aws.lb.Listener(
                `${name}-https`,
                { loadBalancerArn: alb.arn, port: 443, protocol: "HTTPS", sslPolicy: TLS_POLICY, certificateArn: args.certificateArn, defaultActions: [NOT_FOUND] },
                { parent: this },
            );
            new aws.lb.Listener(
                `${name}-http`,
                {
                    loadBalancerArn: alb.arn,
                    port: 80,
                    protocol: "HTTP",
                    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                },
                { parent: this },
            );
        } else {
            listener = new aws.lb.Listener(
                `${name}-http`,
                { loadBalancerArn: alb.arn, port: 80, protocol: "HTTP", defaultActions: [NOT_FOUND] },
                { parent: this },
            );
        }

        this.arn = alb.arn;
        this.dnsName = alb.dnsName;
        this.url = pulumi.interpolate`${this.https ? "https" : "http"}://${alb.dnsName}`;
        this.securityGroupId = securityGroup.id;
        this.listenerArn = listener.arn;
        this.registerOutputs({ arn: this.arn, dnsName: this.dnsName, url: this.url, securityGroupId: this.securityGroupId, listenerArn: this.listenerArn });
    }
}

export interface IpTargetGroupArgs {
    readonly vpcId: pulumi.Input<string>;
    /** Container port the targets listen on. */
    readonly port: number;
    /** Health check path and the HTTP codes that mean healthy. */
    readonly healthCheckPath: string;
    readonly healthyCodes: string;
    /** Port the health check goes to. Default: the targets' own port ("traffic-port"). */
    readonly healthCheckPort?: number;
    /** Seconds between health checks. */
    readonly healthCheckInterval: number;
    /**
     * Protocol from the load balancer to the targets. HTTPS encrypts the leg inside the VPC; the load balancer does
     * not validate the targets' certificates (AWS ELB User Guide, load-balancer-target-groups.html, "Routing
     * configuration"), so a per-task self-signed one serves. Health checks stay HTTP. Default: HTTP.
     */
    readonly protocol?: "HTTP" | "HTTPS";
}

/** Why `name` cannot be a target group's Pulumi name, or undefined when it can. */
export function targetGroupNameProblem(name: string): string | undefined {
    const limit = AUTONAME_LIMITS["aws:lb/targetGroup:TargetGroup"];
    return name.length === 0 || name.length + AUTONAME_SUFFIX > limit
        ? `expected 1 to ${limit - AUTONAME_SUFFIX} characters: the provider adds ${AUTONAME_SUFFIX} to name the target group, which may have ${limit}`
        : undefined;
}

/**
 * A target group of task IPs (awsvpc). No fixed name: autonaming lets a replacement exist beside the
 * old one, so `name` must leave the provider room for its suffix (model/naming.ts targetGroupName makes one; the
 * components that call this check it with targetGroupNameProblem before they register anything).
 * The deregistration delay is part of how a task stops (see DEREGISTRATION_DELAY_SECONDS).
 */
export function ipTargetGroup(name: string, args: IpTargetGroupArgs, opts: pulumi.CustomResourceOptions): aws.lb.TargetGroup {
    return new aws.lb.TargetGroup(
        name,
        {
            vpcId: args.vpcId,
            targetType: "ip",
            protocol: args.protocol ?? "HTTP",
            port: args.port,
            deregistrationDelay: DEREGISTRATION_DELAY_SECONDS,
            healthCheck: {
                path: args.healthCheckPath,
                port: args.healthCheckPort === undefined ? "traffic-port" : String(args.healthCheckPort),
                matcher: args.healthyCodes,
                protocol: "HTTP",
                interval: args.healthCheckInterval,
                timeout: 5,
                healthyThreshold: 2,
                unhealthyThreshold: 3,
            },
        },
        opts,
    );
}
