/**
 * The `services` config key: built-in services by name (services/services.json), and a user's own ASP.NET Core
 * projects described in place, e.g. {name: echo, project: ../echo/Echo.Api, paths: ["/echo*"]}. Resolves each to
 * what the program builds and routes. Reads the file system only to check that a project is where it is said to be.
 */
import * as fs from "fs";
import * as path from "path";
import { CONTAINER_PORT, HEALTH_CHECK_PATH, projectFile, SERVICE_CATALOG, SERVICE_DOCKERFILE, SERVICE_NAMES } from "../infra/catalog";
import { ConfigError } from "../infra/validation";

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
    readonly pathPatterns: readonly string[];
    readonly priority: number;
    readonly port: number;
    readonly healthCheckPath: string;
    readonly environment: Readonly<Record<string, string>>;
    readonly monitorByDefault: boolean;
}

const KEY = "dotnet-fargate:services";
const FIELDS = ["name", "project", "paths", "port", "healthCheckPath", "environment", "dockerfile", "context"];
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
        pathPatterns: definition.pathPatterns,
        priority: definition.priority,
        port: CONTAINER_PORT,
        healthCheckPath: HEALTH_CHECK_PATH,
        environment: {},
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
    if (typeof e.name !== "string" || !/^[a-z][a-z0-9-]{0,30}$/.test(e.name) || SERVICE_NAMES.includes(e.name)) {
        throw new ConfigError(at("name"), e.name, `expected 1 to 31 lower-case letters, digits and '-', starting with a letter, not a built-in name (${SERVICE_NAMES.join(", ")})`);
    }
    const projectDir = projectFolder(at("project"), e.project, root);
    const context = e.context === undefined ? path.dirname(projectDir) : folder(at("context"), e.context, root);
    const relativeProject = path.relative(resolve(root, context), resolve(root, projectDir));
    if (relativeProject.startsWith("..") || path.isAbsolute(relativeProject) || relativeProject === "") {
        throw new ConfigError(at("context"), e.context, `expected a folder that holds the project ${String(e.project)}`);
    }
    const dockerfile = e.dockerfile === undefined ? path.posix.join("services", SERVICE_DOCKERFILE) : file(at("dockerfile"), e.dockerfile, root);
    const csproj = fs.readdirSync(resolve(root, projectDir)).find((f) => f.endsWith(".csproj")) as string;
    return {
        name: e.name,
        builtIn: false,
        context,
        project: relativeProject,
        projectFile: path.posix.join(relativeProject.split(path.sep).join("/"), csproj),
        dockerfile,
        pathPatterns: pathPatterns(at("paths"), e.paths),
        priority: USER_PRIORITY_BASE + 10 * index,
        port: port(at("port"), e.port ?? CONTAINER_PORT),
        healthCheckPath: healthCheckPath(at("healthCheckPath"), e.healthCheckPath ?? HEALTH_CHECK_PATH),
        environment: environment(at("environment"), e.environment ?? {}),
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
    if (!Array.isArray(value) || value.length < 1 || value.length > 5 || !value.every((p) => typeof p === "string" && /^\/[A-Za-z0-9_\-.$/~"'@:+*?&]*$/.test(p) && p.length <= 128)) {
        throw new ConfigError(key, value, "expected 1 to 5 load balancer path patterns, each starting with / (* and ? as wildcards)");
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
    if (typeof value !== "string" || !/^\/[\x21-\x7e]*$/.test(value)) {
        throw new ConfigError(key, value, "expected a path starting with /, without spaces");
    }
    return value;
}

function environment(key: string, value: unknown): Record<string, string> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new ConfigError(key, value, "expected an object of NAME: value strings");
    }
    for (const [name, v] of Object.entries(value)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || typeof v !== "string") {
            throw new ConfigError(`${key}.${name}`, v, "expected a string value under a name of letters, digits and '_'");
        }
        if (/PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY/i.test(name)) {
            throw new ConfigError(`${key}.${name}`, "(hidden)", "expected no secret: a task's environment is plain text in the task definition");
        }
    }
    return value as Record<string, string>;
}

/** A path that each pattern matches, or could: `*` and `?` stand for a few sample characters. */
function samples(pattern: string): string[] {
    return [pattern.replace(/[*?]/g, ""), pattern.replace(/\*/g, "x").replace(/\?/g, "x"), pattern.replace(/\*/g, "/x").replace(/\?/g, "x")];
}

const matcher = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);

/** Refuses two services whose path patterns can match the same request (the load balancer would pick by priority). */
function checkNoOverlap(specs: readonly ServiceSpec[]): void {
    for (const [i, a] of specs.entries()) {
        for (const b of specs.slice(i + 1)) {
            for (const pa of a.pathPatterns) {
                for (const pb of b.pathPatterns) {
                    if (samples(pa).some((s) => matcher(pb).test(s)) || samples(pb).some((s) => matcher(pa).test(s))) {
                        const user = a.builtIn ? b : a;
                        throw new ConfigError(`${KEY}: ${user.name}.paths`, user.pathPatterns, `expected paths no other service serves; "${pa}" (${a.name}) and "${pb}" (${b.name}) overlap`);
                    }
                }
            }
        }
    }
}
