/**
 * Physical names for resources whose AWS names are limited in length or characters.
 */

/** AWS load balancer and target group names: at most 32 characters, letters, digits and hyphens. */
export function shortName(base: string, suffix: string, limit = 32): string {
    const clean = (s: string) => s.replace(/[^A-Za-z0-9-]/g, "-");
    const tail = `-${clean(suffix)}`;
    const head = clean(base).slice(0, Math.max(1, limit - tail.length)).replace(/-+$/, "");
    return `${head}${tail}`;
}

/** ECR repository name for a service in a stack: `<project>-<stack>/<service>`, lower case. */
export function repositoryName(project: string, stack: string, service: string): string {
    return `${project}-${stack}/${service}`.toLowerCase();
}
