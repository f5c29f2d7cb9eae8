/**
 * Names and tags: ECR repository names and the image tags Docker accepts.
 */

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
