/**
 * Names and tags: ECR repository names, the image tags Docker accepts, and Pulumi names the AWS provider can make an
 * AWS name of.
 */
import { createHash } from "crypto";

/** ECR repository name for a service in a stack: `<project>-<stack>/<service>`, lower case. */
export function repositoryName(project: string, stack: string, service: string): string {
    return `${project}-${stack}/${service}`.toLowerCase();
}

/** A tag that pins an image: a valid tag other than "latest". */
export const isPinnedTag = (tag: unknown): tag is string => isImageTag(tag) && tag !== "latest";

/** A Docker image tag: up to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'. */
export function isImageTag(tag: unknown): tag is string {
    return typeof tag === "string" && /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag);
}

/**
 * Characters the AWS provider adds to a resource's Pulumi name to make the AWS resource's name: "-" and 7 random
 * ones. When the result would pass the type's limit it refuses the resource at preview ("name ... plus 7 random
 * chars is longer than maximum length ..."): pulumi/pulumi sdk/go/common/resource/resource_id.go at v3.259.0
 * (NewUniqueName), which pulumi-terraform-bridge calls for every AutoName field.
 */
export const AUTONAME_SUFFIX = 8;

/**
 * The limits the program's names come near, by resource type: target groups 32 (pulumi/pulumi-aws
 * provider/aliases.go, aws_lb_target_group `AutoName("name", 32, "-")`), load balancers 32 (Elastic Load Balancing's
 * own limit on a load balancer's name), IAM roles 64 (provider/resources.go, aws_iam_role `AutoName("name", 64, "-")`).
 */
export const AUTONAME_LIMITS = {
    "aws:lb/targetGroup:TargetGroup": 32,
    "aws:lb/loadBalancer:LoadBalancer": 32,
    "aws:iam/role:Role": 64,
} as const;

/**
 * `name` itself when the provider can make a name within `limit` from it; else as much of its start as fits with a
 * hash of the whole after it, so that two long names that share a start stay apart. A name that fits never changes,
 * so resources deployed under it keep their identity.
 */
export function autonameWithin(name: string, limit: number): string {
    const max = limit - AUTONAME_SUFFIX;
    if (name.length <= max) {
        return name;
    }
    const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
    return `${name.slice(0, max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/**
 * The Pulumi name of a service's target group, or of its monitor's: the stack and the service, without the project
 * (every resource is tagged with it). With the project, as the other resources are named, no built-in service's
 * would fit: `dotnet-fargate-arm64-bookstore-tg` is 33 characters, and the AWS name may have 32 in all.
 */
export function targetGroupName(stack: string, service: string, monitor = false): string {
    return autonameWithin(`${stack}-${service}${monitor ? "-monitor" : ""}`, AUTONAME_LIMITS["aws:lb/targetGroup:TargetGroup"]);
}
