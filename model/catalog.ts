/**
 * The services this project can deploy, read from the one registry every tool shares (services/services.json):
 * where their code lives and which paths of the shared load balancer they own. The stack picks from it with
 * the `services` config key.
 */
import * as fs from "fs";
import * as path from "path";

export interface ServiceDefinition {
    readonly name: string;
    /** The .NET project folder under `services/`. */
    readonly project: string;
    /** Path patterns the load balancer routes to this service (at most five per listener rule). */
    readonly pathPatterns: readonly string[];
    /** Listener rule priority; unique across services. */
    readonly priority: number;
    /** Whether a dotnet-monitor sidecar is attached when the stack does not say otherwise. */
    readonly monitorByDefault: boolean;
    /** Whether the default `services` list holds it. */
    readonly deployByDefault: boolean;
    /** A GET that answers 200 once the service is up. */
    readonly smokePath: string;
    /** The Dockerfile under `services/` that builds it: SERVICE_DOCKERFILE unless the registry names another. */
    readonly dockerfile: string;
    /** The one that builds it when a dotnet-monitor sidecar watches it: `dockerfile` unless the registry names another. */
    readonly monitoredDockerfile: string;
}

/** The Dockerfile a service is built from unless the registry names another, relative to the build context (services/). */
export const SERVICE_DOCKERFILE = "Dockerfile";

/** The registry file, relative to the repository root. */
export const REGISTRY_FILE = "services/services.json";

/** The registry file, found by walking up from here: the program runs from its sources (`pulumi up`) or from bin/. */
function registryPath(): string {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, REGISTRY_FILE);
        if (fs.existsSync(candidate)) {
            return candidate;
        }
        if (path.dirname(dir) === dir) {
            throw new Error(`${REGISTRY_FILE} was not found above ${__dirname}`);
        }
    }
}

/** Reads and checks the registry; throws naming the file and the entry for anything malformed. */
export function loadRegistry(file: string = registryPath()): ServiceDefinition[] {
    const entries = (JSON.parse(fs.readFileSync(file, "utf8")) as { services: Record<string, unknown>[] }).services;
    const seen = { names: new Set<string>(), priorities: new Set<number>() };
    return entries.map((e, i) => {
        const where = `${REGISTRY_FILE}: services[${i}]`;
        const ok =
            typeof e.name === "string" && /^[a-z][a-z0-9-]{0,30}$/.test(e.name) && !seen.names.has(e.name)
            && typeof e.project === "string" && /^[A-Za-z0-9._-]+$/.test(e.project)
            && Array.isArray(e.paths) && e.paths.length >= 1 && e.paths.length <= 5 && e.paths.every((p) => typeof p === "string" && p.startsWith("/"))
            && Number.isInteger(e.priority) && !seen.priorities.has(e.priority as number)
            && typeof e.monitorByDefault === "boolean" && typeof e.deployByDefault === "boolean"
            && typeof e.smokePath === "string" && e.smokePath.startsWith("/")
            && [e.dockerfile, e.monitoredDockerfile].every((d) => d === undefined || (typeof d === "string" && /^Dockerfile(\.[a-z0-9-]+)?$/.test(d)));
        if (!ok) {
            throw new Error(`${where} is ${JSON.stringify(e)}; expected {name (unique, lower-case), project, paths (1-5, each starting with /), priority (unique), monitorByDefault, deployByDefault, smokePath, dockerfile and monitoredDockerfile (optional: Dockerfile or Dockerfile.<variant>)}`);
        }
        seen.names.add(e.name as string);
        seen.priorities.add(e.priority as number);
        return {
            name: e.name as string,
            project: e.project as string,
            pathPatterns: e.paths as string[],
            priority: e.priority as number,
            monitorByDefault: e.monitorByDefault as boolean,
            deployByDefault: e.deployByDefault as boolean,
            smokePath: e.smokePath as string,
            dockerfile: (e.dockerfile as string | undefined) ?? SERVICE_DOCKERFILE,
            monitoredDockerfile: (e.monitoredDockerfile as string | undefined) ?? (e.dockerfile as string | undefined) ?? SERVICE_DOCKERFILE,
        };
    });
}

const REGISTRY = loadRegistry();

export const SERVICE_NAMES: readonly string[] = REGISTRY.map((s) => s.name);

export type ServiceName = string;

export const SERVICE_CATALOG: Readonly<Record<ServiceName, ServiceDefinition>> = Object.fromEntries(REGISTRY.map((s) => [s.name, s]));

/** The services deployed when the stack does not list any. */
export const DEFAULT_SERVICES: readonly string[] = REGISTRY.filter((s) => s.deployByDefault).map((s) => s.name);

/** The project file of a project folder, relative to the build context: `Prime.Api` -> `Prime.Api/Prime.Api.csproj`. */
export const projectFile = (project: string): string => `${project}/${project.split("/").pop()}.csproj`;

/** The port every service's Kestrel listens on inside its container. */
export const CONTAINER_PORT = 8080;

/** The path every service answers 200 on when healthy. */
export const HEALTH_CHECK_PATH = "/healthz";

/*
 * How a task stops, set together so that the load balancer stops sending before the process stops answering
 * (AWS ECS Developer Guide, "Amazon ECS task lifecycle": a service's task is deregistered from its target group
 * in DEACTIVATING, before STOPPING sends SIGTERM):
 *   1. the target drains: no new requests; up to DEREGISTRATION_DELAY_SECONDS for the in-flight ones (the
 *      BookStore's data requests end within their 15 s budget: 5 s to connect, 10 s on the database);
 *   2. SIGTERM: for SHUTDOWN_DRAIN_SECONDS the service still answers, each answer with Connection: close, for load
 *      balancer nodes and kept-alive connections that have not caught up with the deregistration;
 *   3. the server stops listening; in-flight requests get the rest of SHUTDOWN_TIMEOUT_SECONDS;
 *   4. STOP_TIMEOUT_SECONDS after SIGTERM, ECS kills the container: later than step 3 ends.
 */

/** Seconds a deregistering target drains before ECS stops the task. */
export const DEREGISTRATION_DELAY_SECONDS = 20;

/** Seconds a built-in service keeps answering after SIGTERM before it stops listening (its ShutdownDrainSeconds). */
export const SHUTDOWN_DRAIN_SECONDS = 5;

/** Seconds a built-in service's host may take to stop after SIGTERM, the drain included (its ShutdownTimeoutSeconds). */
export const SHUTDOWN_TIMEOUT_SECONDS = 20;

/** Seconds ECS waits after SIGTERM before SIGKILL: longer than the services' own shutdown timeout. */
export const STOP_TIMEOUT_SECONDS = 30;

/** What tells a built-in service's host the timeline above (services/Shared/ServiceDefaults.cs reads it). */
export const SHUTDOWN_ENVIRONMENT: Readonly<Record<string, string>> = {
    ShutdownDrainSeconds: String(SHUTDOWN_DRAIN_SECONDS),
    ShutdownTimeoutSeconds: String(SHUTDOWN_TIMEOUT_SECONDS),
};
