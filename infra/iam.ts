/**
 * IAM policy documents as plain objects, so tests can read them without parsing strings back.
 */
import * as pulumi from "@pulumi/pulumi";

export interface PolicyStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: Record<string, string | string[]>;
    readonly Action: string | string[];
    readonly Resource?: string | string[];
    readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: PolicyStatement[];
}

export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * Trust policy for ECS tasks of one account: only `ecs-tasks.amazonaws.com`, and only on behalf of
 * that account (guards against the confused-deputy problem).
 */
export function ecsTasksTrustPolicy(accountId: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.output(accountId).apply((account) =>
        JSON.stringify(
            policyDocument({
                Effect: "Allow",
                Principal: { Service: "ecs-tasks.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": account } },
            }),
        ),
    );
}
