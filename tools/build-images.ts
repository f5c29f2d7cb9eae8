/**
 * `npm run build:images -- --stack <name> [--service <name> ...] [--config key=value ...] [--dry-run]`: builds each
 * of the stack's images for the stack's platform with `docker buildx build`, exactly as a deploy would (the same
 * staged context, Dockerfile, build arguments and platform, taken from the program evaluated offline), but pushes
 * nothing and neither reads nor writes the registry's build cache: no credentials needed. The pull-request pipeline
 * runs it so a pull request proves both platforms' images build while its `pulumi preview` builds none.
 */
import { spawnSync } from "child_process";
import { stackNames } from "./offline";
import { projectRoot } from "../model/paths";
import { PROJECT } from "../stacks/settings";
import { configPair, evaluateStack } from "./synth";

export interface BuildImagesOptions {
    readonly stack: string;
    /** Only these services (default: every service of the stack). */
    readonly services: readonly string[];
    readonly config: Readonly<Record<string, string>>;
    /** Print the commands instead of running them. */
    readonly dryRun: boolean;
}

/** One `docker` command line: the service it builds and its arguments. */
export interface BuildCommand {
    readonly service: string;
    readonly args: readonly string[];
}

export function parseArgs(argv: readonly string[]): BuildImagesOptions {
    let stack: string | undefined;
    const services: string[] = [];
    const config: Record<string, string> = {};
    let dryRun = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v === "") {
                throw new UsageError(`${arg} needs a value`);
            }
            return v;
        };
        if (arg === "--stack" || arg === "-s") {
            stack = value();
        } else if (arg === "--service") {
            services.push(...value().split(","));
        } else if (arg === "--config" || arg === "-c") {
            const pair = configPair(value());
            if (pair === undefined) {
                throw new UsageError(`${arg} needs key=value, such as services='["bookstore"]'`);
            }
            config[pair[0]] = pair[1];
        } else if (arg === "--dry-run") {
            dryRun = true;
        } else {
            throw new UsageError(`unknown argument "${arg}"`);
        }
    }
    if (!stack) {
        throw new UsageError("--stack is required");
    }
    return { stack, services, config, dryRun };
}

export class UsageError extends Error {
    constructor(problem: string) {
        super(`${problem}. Usage: npm run build:images -- --stack <${stackNames().join("|")}> [--service <name> ...] [--config key=value ...] [--dry-run]`);
        this.name = "UsageError";
    }
}

/** The build commands for the stack's images, from the program's own docker-build inputs. */
export async function buildCommands(options: BuildImagesOptions): Promise<BuildCommand[]> {
    const evaluation = await evaluateStack(options.stack, options.config);
    const prefix = `${PROJECT}-${options.stack}-`;
    const images = evaluation.resources
        .filter((r) => r.type === "docker-build:index:Image")
        .map((r) => ({ service: r.name.slice(prefix.length, -"-image".length), inputs: r.inputs }));
    const unknown = options.services.filter((s) => !images.some((i) => i.service === s));
    if (unknown.length > 0) {
        throw new UsageError(`--service ${unknown.join(",")}: the stack ${options.stack} builds ${images.map((i) => i.service).join(", ")}`);
    }
    return images
        .filter((i) => options.services.length === 0 || options.services.includes(i.service))
        .map(({ service, inputs }) => ({
            service,
            args: [
                "buildx", "build",
                "--platform", (inputs.platforms as string[]).join(","),
                "--file", inputs.dockerfile.location as string,
                ...Object.entries(inputs.buildArgs as Record<string, string>).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
                "--progress", "plain",
                inputs.context.location as string,
            ],
        }));
}

/** Runs the builds one after another; stops at the first that fails, naming it. Returns what it did. */
export async function main(argv: readonly string[], docker = process.env.DOCKER ?? "docker"): Promise<string> {
    const options = parseArgs(argv);
    const commands = await buildCommands(options);
    const shown = commands.map((c) => `${docker} ${c.args.join(" ")}`);
    if (options.dryRun) {
        return shown.join("\n");
    }
    for (const [i, command] of commands.entries()) {
        console.log(`build:images: ${command.service} (${i + 1} of ${commands.length}): ${shown[i]}`);
        const result = spawnSync(docker, command.args, { stdio: "inherit", cwd: projectRoot() });
        if (result.error || result.status !== 0) {
            const why = result.error ? result.error.message : `exit code ${result.status ?? result.signal}`;
            throw new Error(`the image of ${command.service} did not build for ${options.stack} (${why})`);
        }
    }
    return `build:images: ${commands.length} image${commands.length === 1 ? "" : "s"} built for ${options.stack}; nothing pushed, no cache written`;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (text) => console.log(text),
        (err: Error) => {
            console.error(`build:images: ${err.message}`);
            process.exit(1);
        },
    );
}
