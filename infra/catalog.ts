/**
 * The services this project can deploy: where their code and Dockerfile live and which paths of the
 * shared load balancer they own. Data only; the stack picks from it with the `services` config key.
 */

export const SERVICE_NAMES = ["bookstore", "prime", "profiling"] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceDefinition {
    readonly name: ServiceName;
    /** The .NET project folder under `services/`. */
    readonly project: string;
    /** Path patterns the load balancer routes to this service (at most five per listener rule). */
    readonly pathPatterns: readonly string[];
    /** Listener rule priority; unique across services. */
    readonly priority: number;
    /** Whether a dotnet-monitor sidecar is attached when the stack does not say otherwise. */
    readonly monitorByDefault: boolean;
}

export const SERVICE_CATALOG: Readonly<Record<ServiceName, ServiceDefinition>> = {
    bookstore: { name: "bookstore", project: "BookStore.Api", pathPatterns: ["/api/*"], priority: 100, monitorByDefault: false },
    prime: { name: "prime", project: "Prime.Api", pathPatterns: ["/prime", "/prime/*"], priority: 200, monitorByDefault: false },
    profiling: {
        name: "profiling",
        project: "Profiling.Api",
        pathPatterns: ["/blocking-threads*", "/high-cpu*", "/memory-leak*"],
        priority: 300,
        monitorByDefault: true,
    },
};

/** The port every service's Kestrel listens on inside its container. */
export const CONTAINER_PORT = 8080;

/** The path every service answers 200 on when healthy. */
export const HEALTH_CHECK_PATH = "/healthz";

/**
 * Seconds ECS waits after SIGTERM before SIGKILL. The services' own shutdown timeout (20 s by default)
 * is shorter, so in-flight requests finish before the container is killed.
 */
export const STOP_TIMEOUT_SECONDS = 30;
