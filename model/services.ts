/**
 * The `services` config key: built-in services by name (services/services.json), and a user's own ASP.NET Core
 * projects described in place, e.g. {name: echo, project: ../echo/Echo.Api, paths: ["/echo*"]}. Resolves each to
 * what the program builds and routes. Reads the file system only to check that a project is where it is said to be.
 */
import * as fs from "fs";
import * as path from "path";
import { CONTAINER_PORT, HEALTH_CHECK_PATH, projectFile, SERVICE_CATALOG, SERVICE_DOCKERFILE, SERVICE_NAMES, SHUTDOWN_ENVIRONMENT } from "./catalog";
import { ConfigError } from "./validation";
import { servicesDir } from "./paths";
import { PATH_PATTERN_CHARACTERS, PATH_PATTERN_MAX_LENGTH, patternsOverlap } from "./path-patterns";
import { credentialShape, parseSecretReference, SecretReference } from "./service-secrets";
import { TargetFramework, targetFramework } from "./target-framework";

/** A service as the program builds and deploys it. */
export interface ServiceSpec {
    readonly name: string;
    /** True for the repository's own services. */
    readonly builtIn: boolean;
    /** Build context folder, as given to BuildKit (relative to the Pulumi project folder, or absolute). */
    readonly context: string;
    /** The project's folder inside the context. */
    readonly project: string;
    /** The project file inside the context (the Dockerfile's PROJECT build argument). */
    readonly projectFile: string;
    /** Dockerfile path (relative to the Pulumi project folder, or absolute). */
    readonly dockerfile: string;
    /**
     * The Dockerfile when a dotnet-monitor sidecar watches the service (the registry's `monitoredDockerfile`; a user's
     * own Dockerfile stays theirs): a Native AOT process gives dotnet-monitor traces without managed frames, ends with a
     * segmentation fault when a gcdump is asked of it and fails a dump request (.NET 10.0.12; services/README.md,
     * "Native AOT and dotnet-monitor"), so the Native AOT services are built ReadyToRun when watched.
     */
    readonly monitoredDockerfile: string;
    readonly pathPatterns: readonly string[];
    readonly priority: number;
    readonly port: number;
    readonly healthCheckPath: string;
    readonly environment: Readonly<Record<string, string>>;
    /** Environment variables the task takes from Secrets Manager or Parameter Store at start, by reference. */
    readonly secrets: readonly ServiceSecret[];
    /** Present when the service gets its own PostgreSQL on RDS (`services[i].database`). */
    readonly database?: ServiceDatabase;
    /** The framework it is built for and the runtime image that runs it. */
    readonly framework: TargetFramework;
    readonly monitorByDefault: boolean;
}

export interface ServiceSecret {
    /** The environment variable's name in the container. */
    readonly name: string;
    readonly reference: SecretReference;
}

/** What a user's service gets from its database: where (a connection string) and the password (a secret). */
export interface ServiceDatabase {
    /** Environment variable of the connection string, without the password: `ConnectionStrings__<name>`. */
    readonly connectionStringVariable: string;
    /** Environment variable of the password, an ECS secret: Npgsql reads PGPASSWORD when the connection string has none. */
    readonly passwordVariable: string;
}

/**
 * Npgsql falls back to the PGPASSWORD environment variable when the connection string has no password
 * (npgsql/npgsql v10.0.3, src/Npgsql/PostgresEnvironment.cs and Internal/NpgsqlConnector.Auth.cs), so an
 * unchanged EF Core or Npgsql app connects with the connection string alone.
 */
export const DATABASE_PASSWORD_VARIABLE = "PGPASSWORD";

const KEY = "dotnet-fargate:services";
/** Names a user's service cannot take: the built-in services', and the monitor's TLS image (its ECR repository). */
// The program's own images share the services' repository names (<project>-<stack>/<name>).
const RESERVED_NAMES: readonly string[] = [...SERVICE_NAMES, "monitor-tls", "task-info"];
const FIELDS = ["name", "project", "paths", "port", "healthCheckPath", "environment", "secrets", "database", "dockerfile", "context"];
/** The longest health check path a target group takes (Elastic Load Balancing API reference, CreateTargetGroup's HealthCheckPath). */
const HEALTH_CHECK_PATH_MAX_LENGTH = 1024;
/**
 * Variables that would move Kestrel off `port` (ASP.NET Core reads URLS, HTTP_PORTS and HTTPS_PORTS from its
 * configuration, which takes every environment variable, and ASPNETCORE_/DOTNET_-prefixed ones as host settings;
 * Kestrel__Endpoints__ overrides them all): the task sets ASPNETCORE_HTTP_PORTS from `port`, and the load
 * balancer and health check reach that port only.
 */
const PORT_VARIABLE = /^(?:ASPNETCORE_|DOTNET_)?(?:URLS|HTTP_PORTS|HTTPS_PORTS|Kestrel__Endpoints(?:__.*)?)$/i;
/** Variables the task sets for the application itself: the diagnostic port a dotnet-monitor sidecar connects to. */
const TASK_VARIABLE = /^DOTNET_DiagnosticPorts$/i;
/** Wildcards (`*`, `?`) one listener rule may hold across its path patterns (ALB user guide, listener rule conditions). */
const RULE_WILDCARDS_MAX = 5;
const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Ports the dotnet-monitor sidecar takes in the task. */
const RESERVED_PORTS = [52323, 52325];
/** Listener rule priorities of the user's services start here, above every built-in one. */
const USER_PRIORITY_BASE = 1000;

/** Parses the list; `root` is the Pulumi project folder, which relative paths are taken from. */
export function parseServices(value: unknown, root: string): ServiceSpec[] {
    if (!Array.isArray(value) || value.length === 0) {
        throw new ConfigError(KEY, value, `expected a non-empty list of built-in names (${SERVICE_NAMES.join(", ")}) or service objects {${FIELDS.join(", ")}}`);
    }
    const specs = value.map((entry, i) => (typeof entry === "string" ? builtIn(entry, value) : userService(entry, i, root)));
    const names = new Set<string>();
    for (const spec of specs) {
        if (names.has(spec.name)) {
            throw new ConfigError(KEY, value, `expected distinct names; "${spec.name}" is listed twice`);
        }
        names.add(spec.name);
    }
    checkNoOverlap(specs);
    return specs;
}

function builtIn(name: string, list: unknown): ServiceSpec {
    const definition = SERVICE_CATALOG[name];
    if (definition === undefined) {
        throw new ConfigError(KEY, list, `expected built-in names from ${SERVICE_NAMES.join(", ")} or service objects; "${name}" is neither`);
    }
    return {
        name,
        builtIn: true,
        context: "services",
        project: definition.project,
        projectFile: projectFile(definition.project),
        dockerfile: path.posix.join("services", definition.dockerfile),
        monitoredDockerfile: path.posix.join("services", definition.monitoredDockerfile),
        pathPatterns: definition.pathPatterns,
        priority: definition.priority,
        port: CONTAINER_PORT,
        healthCheckPath: HEALTH_CHECK_PATH,
        // Its drain and shutdown timeout, set with the task's stop timeout and the target group's deregistration delay.
        environment: { ...SHUTDOWN_ENVIRONMENT },
        secrets: [],
        // A built-in service is this repository's, wherever the config was read from (the bench reads stack files elsewhere).
        framework: targetFramework(KEY, path.join(servicesDir(), projectFile(definition.project)), servicesDir()),
        monitorByDefault: definition.monitorByDefault,
    };
}

function userService(entry: unknown, index: number, root: string): ServiceSpec {
    const at = (field: string) => `${KEY}[${index}].${field}`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
        throw new ConfigError(`${KEY}[${index}]`, entry, `expected a built-in name or an object with ${FIELDS.join(", ")}`);
    }
    const e = entry as Record<string, unknown>;
    for (const field of Object.keys(e)) {
        if (!FIELDS.includes(field)) {
            throw new ConfigError(at(field), e[field], `expected one of ${FIELDS.join(", ")}`);
        }
    }
    // It names the ECR repository, the RDS instance and the load balancer's target group, none of which take a '-' at the end or two in a row;
    // a name too long for a resource's limit is cut with a hash there (model/naming.ts autonameWithin).
    if (typeof e.name !== "string" || e.name.length > 31 || !/^[a-z](?:-?[a-z0-9])*$/.test(e.name) || RESERVED_NAMES.includes(e.name)) {
        throw new ConfigError(at("name"), e.name, `expected 1 to 31 lower-case letters and digits, starting with a letter, with single '-' between them (none at the end), not a built-in name (${RESERVED_NAMES.join(", ")})`);
    }
    const projectDir = projectFolder(at("project"), e.project, root);
    const context = e.context === undefined ? path.dirname(projectDir) : folder(at("context"), e.context, root);
    const relativeProject = path.relative(resolve(root, context), resolve(root, projectDir));
    if (relativeProject.startsWith("..") || path.isAbsolute(relativeProject) || relativeProject === "") {
        throw new ConfigError(at("context"), e.context, `expected a folder above the project ${String(e.project)} that holds it (the build context the Dockerfile copies the project from)`);
    }
    const dockerfile = e.dockerfile === undefined ? path.posix.join("services", SERVICE_DOCKERFILE) : file(at("dockerfile"), e.dockerfile, root);
    const csproj = fs.readdirSync(resolve(root, projectDir)).find((f) => f.endsWith(".csproj")) as string;
    const framework = targetFramework(at("project"), path.join(resolve(root, projectDir), csproj), resolve(root, context));
    const database = serviceDatabase(at("database"), e.database);
    const env = environment(at("environment"), e.environment ?? {});
    const secrets = serviceSecrets(at("secrets"), e.secrets ?? {});
    checkVariablesDistinct(at, env, secrets, database);
    return {
        name: e.name,
        builtIn: false,
        context,
        project: relativeProject,
        projectFile: path.posix.join(relativeProject.split(path.sep).join("/"), csproj),
        dockerfile,
        monitoredDockerfile: dockerfile,
        pathPatterns: pathPatterns(at("paths"), e.paths),
        priority: USER_PRIORITY_BASE + 10 * index,
        port: port(at("port"), e.port ?? CONTAINER_PORT),
        healthCheckPath: healthCheckPath(at("healthCheckPath"), e.healthCheckPath ?? HEALTH_CHECK_PATH),
        environment: env,
        secrets,
        ...(database && { database }),
        framework,
        monitorByDefault: false,
    };
}

const resolve = (root: string, p: string) => path.resolve(root, p);

function folder(key: string, value: unknown, root: string): string {
    if (typeof value !== "string" || value === "" || !fs.existsSync(resolve(root, value)) || !fs.statSync(resolve(root, value)).isDirectory()) {
        throw new ConfigError(key, value, "expected an existing folder (relative to the Pulumi project, or absolute)");
    }
    return value;
}

function projectFolder(key: string, value: unknown, root: string): string {
    const dir = folder(key, value, root);
    const projects = fs.readdirSync(resolve(root, dir)).filter((f) => f.endsWith(".csproj"));
    if (projects.length !== 1) {
        throw new ConfigError(key, value, `expected the folder of one ASP.NET Core project (one .csproj); it holds ${projects.length}`);
    }
    return dir;
}

function file(key: string, value: unknown, root: string): string {
    if (typeof value !== "string" || !fs.existsSync(resolve(root, value)) || !fs.statSync(resolve(root, value)).isFile()) {
        throw new ConfigError(key, value, "expected an existing file (relative to the Pulumi project, or absolute)");
    }
    return value;
}

function pathPatterns(key: string, value: unknown): string[] {
    if (!Array.isArray(value) || value.length < 1 || value.length > 5 || !value.every((p) => typeof p === "string" && PATH_PATTERN_CHARACTERS.test(p) && p.length <= PATH_PATTERN_MAX_LENGTH)) {
        throw new ConfigError(key, value, `expected 1 to 5 load balancer path patterns, each starting with / and at most ${PATH_PATTERN_MAX_LENGTH} characters of A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & (* and ? as wildcards)`);
    }
    // The service's patterns are one listener rule's condition, and a rule takes at most five wildcards in all.
    const wildcards = (value as string[]).join("").replace(/[^*?]/g, "").length;
    if (wildcards > RULE_WILDCARDS_MAX) {
        throw new ConfigError(key, value, `expected at most ${RULE_WILDCARDS_MAX} wildcards (* and ?) across the service's paths, the most one load balancer rule takes; these have ${wildcards}`);
    }
    return value as string[];
}

function port(key: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535 || RESERVED_PORTS.includes(value)) {
        throw new ConfigError(key, value, `expected a port from 1 to 65535 other than ${RESERVED_PORTS.join(" and ")} (dotnet-monitor's)`);
    }
    return value;
}

function healthCheckPath(key: string, value: unknown): string {
    if (typeof value !== "string" || !/^\/[\x21-\x7e]*$/.test(value) || value.length > HEALTH_CHECK_PATH_MAX_LENGTH) {
        throw new ConfigError(key, value, `expected a path starting with /, without spaces, at most ${HEALTH_CHECK_PATH_MAX_LENGTH} characters (the load balancer's limit)`);
    }
    return value;
}

function environment(key: string, value: unknown): Record<string, string> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new ConfigError(key, value, "expected an object of NAME: value strings");
    }
    const out: Record<string, string> = {};
    for (const [name, given] of Object.entries(value)) {
        variableName(`${key}.${name}`, name, given);
        // `pulumi config set --path` stores 100 and true as a number and a boolean: their text is the value meant.
        const v = typeof given === "number" || typeof given === "boolean" ? String(given) : given;
        if (typeof v !== "string") {
            throw new ConfigError(`${key}.${name}`, v, "expected a string value under a name of letters, digits and '_'");
        }
        // As the policy pack's no-plain-secrets-in-task-definitions judges a name (policy/policies.ts SECRET_NAME), and wider.
        if (/PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY/i.test(name)) {
            throw new ConfigError(`${key}.${name}`, "(hidden)", `expected no secret: a task's environment is plain text in the task definition; reference it in ${secretsKey(key)} instead`);
        }
        const shape = credentialShape(v);
        if (shape) {
            throw new ConfigError(`${key}.${name}`, "(hidden)", `expected no credential, and this looks like ${shape}: a task's environment is plain text in the task definition; reference it in ${secretsKey(key)} instead`);
        }
        // The policy pack's database-connections-verify-the-server refuses it at preview; said here, naming the key.
        if (/(^|;)\s*host\s*=/i.test(v) && !/(^|;)\s*ssl\s?mode\s*=\s*verifyfull\s*(;|$)/i.test(v)) {
            throw new ConfigError(`${key}.${name}`, v, "expected a PostgreSQL connection string with SSL Mode=VerifyFull: one that does not verify the server's certificate and name trusts any server");
        }
        out[name] = v;
    }
    return out;
}

/** `...services[i].environment` -> `services[i].secrets`, as a user writes it. */
const secretsKey = (environmentKey: string) => environmentKey.replace(/^dotnet-fargate:/, "").replace(/\.environment$/, ".secrets");

/** A variable's name: letters, digits and '_', and never one that moves Kestrel off the service's port. */
function variableName(key: string, name: string, value: unknown): void {
    if (!ENVIRONMENT_NAME.test(name)) {
        throw new ConfigError(key, value, "expected a string value under a name of letters, digits and '_'");
    }
    if (PORT_VARIABLE.test(name)) {
        throw new ConfigError(key, value, "expected no variable that sets Kestrel's URLs or ports: the service's port key decides the port (the task sets ASPNETCORE_HTTP_PORTS from it)");
    }
    if (TASK_VARIABLE.test(name)) {
        throw new ConfigError(key, value, "expected no DOTNET_DiagnosticPorts: the task sets it for the dotnet-monitor sidecar when one watches the service");
    }
}

function serviceSecrets(key: string, value: unknown): ServiceSecret[] {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new ConfigError(key, value, "expected an object of NAME: reference (a Secrets Manager secret ARN, an SSM parameter ARN or name, or {secret|parameter, jsonKey, versionStage, versionId, kmsKey})");
    }
    return Object.entries(value).map(([name, reference]) => {
        variableName(`${key}.${name}`, name, reference);
        return { name, reference: parseSecretReference(`${key}.${name}`, reference) };
    });
}

function serviceDatabase(key: string, value: unknown): ServiceDatabase | undefined {
    const allowed = 'expected true (its own PostgreSQL on RDS, sized by the database key; the connection string in ConnectionStrings__Default), {"connectionString": "<Name>"} for ConnectionStrings__<Name>, or false';
    if (value === undefined || value === false) {
        return undefined;
    }
    if (value === true) {
        return { connectionStringVariable: "ConnectionStrings__Default", passwordVariable: DATABASE_PASSWORD_VARIABLE };
    }
    const o = value as Record<string, unknown>;
    if (typeof value !== "object" || value === null || Array.isArray(value) || Object.keys(o).some((k) => k !== "connectionString")
        || typeof o.connectionString !== "string" || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(o.connectionString)) {
        throw new ConfigError(key, value, allowed);
    }
    return { connectionStringVariable: `ConnectionStrings__${o.connectionString}`, passwordVariable: DATABASE_PASSWORD_VARIABLE };
}

/** One value per variable: the environment, the secrets and the database's pair never name the same one. */
function checkVariablesDistinct(at: (field: string) => string, env: Record<string, string>, secrets: readonly ServiceSecret[], database: ServiceDatabase | undefined): void {
    const fromDatabase = database ? [database.connectionStringVariable, database.passwordVariable] : [];
    for (const { name } of secrets) {
        if (name in env) {
            throw new ConfigError(at(`secrets.${name}`), name, "expected a variable not also set in environment");
        }
        if (fromDatabase.includes(name)) {
            throw new ConfigError(at(`secrets.${name}`), name, `expected a variable other than the database's (${fromDatabase.join(", ")})`);
        }
    }
    for (const name of Object.keys(env).filter((n) => fromDatabase.includes(n))) {
        throw new ConfigError(at(`environment.${name}`), name, `expected a variable other than the database's (${fromDatabase.join(", ")})`);
    }
}

/**
 * Refuses two services whose path patterns can match the same request: the load balancer would send it to the
 * one with the lower rule priority, silently. Names the later entry's paths (a user's, never a built-in one's).
 */
function checkNoOverlap(specs: readonly ServiceSpec[]): void {
    for (const [i, a] of specs.entries()) {
        for (const [j, b] of specs.entries()) {
            if (j <= i) {
                continue;
            }
            for (const pa of a.pathPatterns) {
                for (const pb of b.pathPatterns) {
                    if (patternsOverlap(pa, pb)) {
                        const [index, user] = b.builtIn ? [i, a] : [j, b];
                        throw new ConfigError(`${KEY}[${index}].paths`, user.pathPatterns, `expected paths no other service serves; "${pa}" (${a.name}) and "${pb}" (${b.name}) both match some request path`);
                    }
                }
            }
        }
    }
}
