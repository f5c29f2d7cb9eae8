/**
 * A user's own service in the benchmark. On stacks the load balancer already routes its paths, so only its
 * scenario files are needed (`--scenario file.yml`). For `--local`, `--service '<object>'` takes the same
 * object as an entry of `dotnet-fargate:services` (checked by model/services.ts, as `pulumi up` checks it):
 * the benchmark publishes the project in Release, starts it on 127.0.0.1 like ours, and routes its paths to it.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SERVICE_CATALOG } from "../model/catalog";
import { parseServices, ServiceSpec } from "../model/services";
import { LocalError, REPO_ROOT, runToCompletion } from "./local";

export class ServiceFlagError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ServiceFlagError";
    }
}

/**
 * The `--service` values as service specs: each a JSON object as in `dotnet-fargate:services`, checked by the
 * program's own parser (paths relative to the repository, as `pulumi up` takes them). Built-in names are
 * refused: `--local` starts ours when a scenario needs them.
 */
export function parseServiceFlags(values: readonly string[], root = REPO_ROOT): ServiceSpec[] {
    const objects = values.map((v) => {
        let o: unknown;
        try {
            o = JSON.parse(v);
        } catch (e) {
            throw new ServiceFlagError(`--service must be a JSON object as in dotnet-fargate:services, e.g. '{"name": "echo", "project": "../echo/Echo.Api", "paths": ["/echo/*"]}'; got ${v} (${(e as Error).message})`);
        }
        if (typeof o !== "object" || o === null || Array.isArray(o)) {
            throw new ServiceFlagError(`--service must be one JSON object (a service of dotnet-fargate:services), got ${v}`);
        }
        return o;
    });
    try {
        // With the built-ins in the list, so a user path that overlaps ours is refused as `pulumi up` would refuse it.
        return parseServices([...Object.keys(SERVICE_CATALOG), ...objects], root).filter((s) => !s.builtIn);
    } catch (e) {
        throw new ServiceFlagError(`--service: ${(e as Error).message}`);
    }
}

/**
 * `--service-file x.json`: the user's services written once, each an object as in `dotnet-fargate:services`
 * (one object, or a list of them), checked by the program's parser like `--service`. Relative `project`,
 * `context` and `dockerfile` paths are taken from the repository root, as `pulumi up` takes them.
 */
export function readServiceFile(file: string, root = REPO_ROOT): ServiceSpec[] {
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new ServiceFlagError(`--service-file ${file}: expected a JSON object (or a list of them) as in dotnet-fargate:services (${(e as Error).message})`);
    }
    const list = Array.isArray(doc) ? doc : [doc];
    if (list.length === 0 || list.some((o) => typeof o !== "object" || o === null || Array.isArray(o))) {
        throw new ServiceFlagError(`--service-file ${file}: expected a JSON object (or a non-empty list of them) as in dotnet-fargate:services, got ${JSON.stringify(doc).slice(0, 200)}`);
    }
    try {
        return parseServiceFlags(list.map((o) => JSON.stringify(o)), root);
    } catch (e) {
        throw new ServiceFlagError((e as Error).message.replace(/^--service: /, `--service-file ${file}: `));
    }
}

/**
 * The user's services of a stack, from its stack file `Pulumi.<stack>.yaml` (`dotnet-fargate:services`, the
 * list the program deploys), parsed by the program's own parser; [] when the file or the key is absent (the
 * stack then runs only ours).
 */
export function stackServices(stack: string, root = REPO_ROOT): ServiceSpec[] {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        return [];
    }
    const config = (parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
    let value = config["dotnet-fargate:services"];
    if (value === undefined) {
        return [];
    }
    // `pulumi config set` may store a structured value as a JSON string.
    if (typeof value === "string") {
        try {
            value = JSON.parse(value);
        } catch {
            // left as is: the parser says what it expected
        }
    }
    try {
        return parseServices(value, root).filter((s) => !s.builtIn);
    } catch (e) {
        throw new ServiceFlagError(`${path.basename(file)}: ${(e as Error).message}`);
    }
}

/** Whether a load balancer path pattern (`*` any characters, `?` one) matches a request path (its query left out). */
export function pathMatches(pattern: string, urlPath: string): boolean {
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    return re.test(urlPath.split("?")[0]);
}

/**
 * Which local process serves a path, as the listener rules route it: a built-in service's project name
 * (BookStore.Api, ...) or a user service's name; undefined when none does.
 */
export function localRouter(users: readonly ServiceSpec[]): (urlPath: string) => string | undefined {
    const routes = [
        ...Object.values(SERVICE_CATALOG).map((d) => ({ name: d.project, patterns: d.pathPatterns })),
        ...users.map((u) => ({ name: u.name, patterns: u.pathPatterns })),
    ];
    return (urlPath) => routes.find((r) => r.patterns.some((p) => pathMatches(p, urlPath)))?.name;
}

/** The project's folder on disk. */
export function projectDir(spec: ServiceSpec, root = REPO_ROOT): string {
    return path.resolve(root, spec.context, spec.project);
}

/**
 * `dotnet publish <project> -c Release -o <outDir>`, with its bin/ and obj/ under `<outDir>.build`
 * (`--artifacts-path`), so nothing is written into the user's project; then the published entry assembly:
 * the one named by its `*.runtimeconfig.json` (the project's name unless it sets AssemblyName).
 */
export async function publishUserService(spec: ServiceSpec, outDir: string, root = REPO_ROOT): Promise<string> {
    const dir = projectDir(spec, root);
    await runToCompletion("dotnet", ["publish", dir, "-c", "Release", "-o", outDir, "--artifacts-path", `${outDir}.build`, "--nologo"], root);
    const config = fs.readdirSync(outDir).find((f) => f.endsWith(".runtimeconfig.json"));
    const dll = config ? path.join(outDir, config.replace(/\.runtimeconfig\.json$/, ".dll")) : undefined;
    if (!dll || !fs.existsSync(dll)) {
        throw new LocalError(`${spec.name}: \`dotnet publish ${dir}\` left no runnable assembly (no *.runtimeconfig.json) in ${outDir}`);
    }
    return dll;
}

/** How --local starts a service: the command, and for a user's service its environment and health check. */
export interface LocalCommand {
    readonly command: string;
    readonly args: string[];
    readonly env?: Readonly<Record<string, string>>;
    readonly healthCheckPath?: string;
    /** Fail as soon as the health path answers anything but 200 for a while (a user's service; see local.ts waitForHealthy). */
    readonly strictHealth?: boolean;
}

/** The command that runs a published user service on 127.0.0.1:<port>, with its config's environment. */
export function userServiceCommand(spec: ServiceSpec, dll: string, port: number): LocalCommand {
    return { command: "dotnet", args: [dll, "--urls", `http://127.0.0.1:${port}`], env: spec.environment, healthCheckPath: spec.healthCheckPath, strictHealth: true };
}
