/**
 * The contract between the program and the tools that read a deployed stack (`pulumi stack output --json`):
 * the benchmark and `npm run compare` read these names and shapes, and the program's outputs, resolved, must
 * be assignable to them (a compile-time check in stacks/program.ts). Fields the tools do not read are left out.
 */
import type { Architecture } from "./architecture";
import type { MonthlyCost, PriceTable, TaskSize } from "./pricing";

/** Where Artillery's Fargate workers may run: the stack's region, private subnets, a security group the ALB admits. */
export interface LoadGeneratorPlacement {
    readonly region: string;
    readonly subnetIds: readonly string[];
    readonly securityGroupId: string;
}

/** The BookStore's RDS database, when `database.enabled`. */
export interface DatabaseOutput {
    readonly engine: "postgres";
    readonly engineVersion: string;
    readonly instanceClass: string;
}

export interface StackOutputValues {
    /** The load balancer's base URL. */
    readonly url: string;
    readonly architecture: Architecture;
    readonly clusterName: string;
    /** Service key -> its ECS service name. */
    readonly serviceNames: Readonly<Record<string, string>>;
    /** Service key -> its CloudWatch log group, where each task's `task-info` stream names its processor. */
    readonly logGroupNames: Readonly<Record<string, string>>;
    readonly taskSize: TaskSize;
    /** Tasks per service at deployment (autoscaling's minimum when it is on). */
    readonly desiredCount: number;
    readonly estimatedMonthlyCostUsd: MonthlyCost;
    /** The prices the stack's cost figures use: list prices with the stack's `prices` config over them. */
    readonly prices: PriceTable;
    readonly database?: DatabaseOutput;
    readonly loadGenerator: LoadGeneratorPlacement;
}
