/**
 * A user's own services and their load balancer paths, from the stack files' `dotnet-fargate:services` (objects
 * with name and paths; ours are plain names, whose paths are in services/services.json).
 */
import { stackFileConfig } from "../tools/offline";
import { key } from "../stacks/settings";

export function readUserPaths(stacks: readonly string[]): Record<string, readonly string[]> {
    const paths: Record<string, readonly string[]> = {};
    for (const stack of stacks) {
        const raw = stackFileConfig(stack).config[key("services")];
        const list: unknown = raw === undefined ? [] : JSON.parse(raw);
        for (const entry of Array.isArray(list) ? list : []) {
            if (typeof entry === "object" && entry !== null && typeof entry.name === "string" && Array.isArray(entry.paths)) {
                paths[entry.name] = entry.paths.filter((p: unknown): p is string => typeof p === "string");
            }
        }
    }
    return paths;
}
