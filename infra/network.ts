/**
 * The stack's network: a VPC over two availability zones with public subnets (load balancer, NAT)
 * and private subnets (tasks, no public IPs), built with awsx's Vpc.
 */
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError } from "../model/validation";

/** The NAT layouts the network offers: one gateway (cheaper) or one per availability zone (survives a zone outage). */
export const NAT_STRATEGIES = ["single", "onePerAz"] as const;

export interface NetworkArgs {
    /** IPv4 CIDR block of the VPC. Default: "10.0.0.0/16". */
    readonly cidrBlock?: string;
    /** "single": one NAT gateway for both zones; "onePerAz": one per zone, survives a zone outage. Default: "single". */
    readonly natStrategy?: "single" | "onePerAz";
}

/** Availability zones the network spans: the minimum an ALB accepts. */
export const AVAILABILITY_ZONES = 2;

export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    /** How many NAT gateways (each with a public IPv4 address) the network pays for. */
    public readonly natGatewayCount: number;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        const natStrategy = args.natStrategy ?? "single";
        if (!(NAT_STRATEGIES as readonly string[]).includes(natStrategy)) {
            throw new ArgumentError("Network", "natStrategy", natStrategy, `expected ${NAT_STRATEGIES.join(" or ")}`);
        }
        super("dotnet-fargate:network:Network", name, {}, opts);

        const vpc = new awsx.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: args.cidrBlock ?? "10.0.0.0/16",
                numberOfAvailabilityZones: AVAILABILITY_ZONES,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
                subnetSpecs: [
                    { type: awsx.ec2.SubnetType.Public, name: "public" },
                    { type: awsx.ec2.SubnetType.Private, name: "private" },
                ],
                natGateways: {
                    strategy: natStrategy === "single" ? awsx.ec2.NatGatewayStrategy.Single : awsx.ec2.NatGatewayStrategy.OnePerAz,
                },
            },
            { parent: this },
        );

        this.vpcId = vpc.vpcId;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.natGatewayCount = natStrategy === "single" ? 1 : AVAILABILITY_ZONES;
        this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
    }
}
