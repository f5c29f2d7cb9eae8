/**
 * The services' Dockerfiles, read as BuildKit reads them (stages of instructions), have the properties the program
 * relies on: build stages on the builder's platform, a restore whose inputs are only project and build files (so a
 * code edit keeps the restore layer), a publish that does not restore again, a pinned chiseled runtime, the non-root
 * user, the published entry point, and a VOLUME for every path the task mounts writable (Fargate makes a volume
 * writable for a non-root user only then). No Docker engine runs here: the projects stage's own command is run on a
 * real staged context, and services/scripts/verify-cross-arch.sh runs every build stage for both architectures.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DATABASE_ROOT_CERTIFICATE } from "../infra/database";
import { projectFile, SERVICE_CATALOG, SERVICE_DOCKERFILE, SERVICE_NAMES } from "../model/catalog";
import { stageImageContext } from "../infra/image-context";
import { json, ofType, runProgram } from "./harness";
import { projectRoot } from "../model/paths";

interface Instruction { readonly op: string; readonly args: string }
interface Stage { readonly from: string; readonly name: string; readonly platform?: string; readonly body: Instruction[] }

/** A Dockerfile's stages: comments and blank lines dropped, continuation lines joined, instructions split at the first space. */
function parseDockerfile(text: string): Stage[] {
    const lines = text.replace(/\\\n/g, "").split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
    const stages: Stage[] = [];
    for (const line of lines) {
        const [op, ...rest] = line.split(/\s+/);
        const args = rest.join(" ");
        if (op.toUpperCase() === "FROM") {
            const m = /^(?:--platform=(\S+)\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
            assert.ok(m, `FROM ${args}`);
            stages.push({ platform: m[1], from: m[2], name: m[3] ?? String(stages.length), body: [] });
        } else {
            stages.at(-1)?.body.push({ op: op.toUpperCase(), args });
        }
    }
    return stages;
}

const servicesFile = (name: string) => path.join(projectRoot(), "services", name);
const read = (name: string) => fs.readFileSync(servicesFile(name), "utf8");

/** The default of the global `ARG RUNTIME_TAG=...` (before the first FROM, so FROM lines can use it). */
function runtimeTagDefault(text: string): string {
    const match = /^ARG RUNTIME_TAG=(\S+)$/m.exec(text.slice(0, text.search(/^FROM /m)));
    assert.ok(match, "ARG RUNTIME_TAG=<tag> before the first FROM");
    return match[1];
}

/** A `dotnet <verb>` RUN line's options that decide what is restored: the target and the MSBuild properties. */
function restoreInputs(run: string): string[] {
    return run.split(/\s+/).filter((w, i, words) => w.startsWith("-p:") || words[i - 1] === "-a").sort();
}

/** Every file under `dir`, relative, slash-separated. */
function filesUnder(dir: string): string[] {
    return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
        .sort();
}

/**
 * The files the restore sees: the projects stage's own RUN line run (with sh, as BuildKit does) on a copy of the
 * BookStore's staged context, the one a deploy builds its image from.
 */
function restoreLayerFiles(stage: Stage): { context: string[]; kept: string[] } {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfile-projects-"));
    try {
        const staged = stageImageContext({
            sourceContext: path.join(projectRoot(), "services"), project: "BookStore.Api", dockerfile: servicesFile(SERVICE_DOCKERFILE),
            carried: { "rds-global-bundle.pem": servicesFile("certs/rds-global-bundle.pem") }, stageDir: path.join(tmp, "context"), buildArgs: {}, platform: "",
        });
        const context = filesUnder(staged.contextDir);
        assert.deepStrictEqual(stage.body.filter((i) => i.op === "COPY").map((i) => i.args), [". ."], "the projects stage starts from the whole context");
        for (const run of stage.body.filter((i) => i.op === "RUN")) {
            execFileSync("sh", ["-c", run.args], { cwd: staged.contextDir, stdio: "pipe" });
        }
        return { context, kept: filesUnder(staged.contextDir) };
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

for (const [dockerfileName, runtimeImage, publishMode] of [
    [SERVICE_DOCKERFILE, "mcr.microsoft.com/dotnet/aspnet", "-p:PublishReadyToRun=true"],
    ["Dockerfile.aot", "mcr.microsoft.com/dotnet/runtime-deps", "-p:PublishAot=true"],
] as const) {
    describe(`services/${dockerfileName}`, () => {
        const stages = parseDockerfile(read(dockerfileName));
        const final = stages.at(-1)!;
        const build = stages.find((s) => s.body.some((i) => i.op === "RUN" && i.args.startsWith("dotnet publish ")))!;
        const runs = build.body.filter((i) => i.op === "RUN").map((i) => i.args);
        const restoreAt = build.body.findIndex((i) => i.op === "RUN" && i.args.startsWith("dotnet restore "));
        const publishAt = build.body.findIndex((i) => i.op === "RUN" && i.args.startsWith("dotnet publish "));

        it("builds on the builder's platform and cross-compiles for TARGETARCH", () => {
            assert.deepStrictEqual(stages.slice(0, -1).map((s) => s.platform), stages.slice(0, -1).map(() => "$BUILDPLATFORM"));
            assert.ok(build.body.some((i) => i.op === "ARG" && i.args === "TARGETARCH"));
            assert.ok(runs.some((r) => r.startsWith("dotnet publish ") && / -a \$TARGETARCH /.test(r) && r.includes(publishMode)), `publishes ${publishMode} for $TARGETARCH`);
        });

        it("restores from the project and build files alone, in a layer before the sources, and publishes without restoring", () => {
            assert.ok(restoreAt >= 0 && publishAt > restoreAt, "a restore, then the publish");
            const before = build.body.slice(0, restoreAt).filter((i) => i.op === "COPY").map((i) => i.args);
            const projects = before.map((a) => /^--from=(\S+) \/src \.$/.exec(a)?.[1]);
            assert.ok(projects.length === 1 && projects[0], `the restore sees one copy, from another stage: ${before.join("; ")}`);
            const sourcesAt = build.body.findIndex((i) => i.op === "COPY" && i.args === ". .");
            assert.ok(sourcesAt > restoreAt && sourcesAt < publishAt, "the sources arrive between the restore and the publish");
            assert.ok(/ --no-restore( |$)/.test(build.body[publishAt].args), "publish --no-restore");
            // --no-restore needs the assets of the same target and publish mode (ReadyToRun fetches crossgen2, AOT the ILCompiler).
            assert.deepStrictEqual(restoreInputs(build.body[restoreAt].args), restoreInputs(build.body[publishAt].args));

            const { context, kept } = restoreLayerFiles(stages.find((s) => s.name === projects[0])!);
            const buildFile = /(^|\/)([^/]+\.csproj|global\.json|Directory\.(Build|Packages)\.(props|targets)|nuget\.config)$/i;
            assert.deepStrictEqual(kept, context.filter((f) => buildFile.test(f)), "every project and build file, nothing else");
            assert.ok(kept.includes("BookStore.Api/BookStore.Api.csproj") && kept.includes("Shared/Shared.csproj"), "the project and the one it references");
            assert.ok(context.includes("BookStore.Api/Program.cs") && !kept.includes("BookStore.Api/Program.cs"), "code is not a restore input");
        });

        it("runs the published service as the app user from a pinned chiseled runtime", () => {
            assert.strictEqual(final.from, `${runtimeImage}:$RUNTIME_TAG`);
            assert.match(runtimeTagDefault(read(dockerfileName)), /^10\.0\.\d+-noble-chiseled$/, "a chiseled runtime with a version tag");
            assert.ok(final.body.some((i) => i.op === "USER" && i.args === "$APP_UID"), "USER $APP_UID (the base image's non-root user)");
            const entry = final.body.filter((i) => i.op === "ENTRYPOINT");
            assert.strictEqual(entry.length, 1);
            const [exe] = JSON.parse(entry[0].args) as string[];  // exec form: no shell in a chiseled image
            const workdir = final.body.find((i) => i.op === "WORKDIR")?.args;
            assert.ok(final.body.some((i) => i.op === "COPY" && i.args === `--from=${build.name} /app .`) && workdir === "/app", "the publish output is /app");
            // The build stage makes the apphost that name (verify-cross-arch.sh runs it and checks the ELF file it leaves).
            assert.ok(runs.at(-1)!.includes(` ${exe} `) || runs.at(-1)!.endsWith(` ${exe}`), `the build stage's last step makes ${exe}`);
        });
    });
}

describe("service Dockerfiles", () => {
    let writablePaths: Set<string>;

    before(async () => {
        const { resources } = await runProgram("arm64", { config: { services: [...SERVICE_NAMES], monitor: { enabled: true } } });
        writablePaths = new Set<string>();
        for (const taskDef of ofType(resources, "aws:ecs/taskDefinition:TaskDefinition")) {
            const [app] = json(taskDef.inputs.containerDefinitions);
            for (const mount of app.mountPoints as { containerPath: string; readOnly: boolean }[]) {
                if (!mount.readOnly) {
                    writablePaths.add(mount.containerPath);
                }
            }
        }
    });

    it("declares every writable mount of the task a VOLUME the app user owns, and carries the RDS bundle where connections read it", () => {
        for (const name of [SERVICE_DOCKERFILE, "Dockerfile.aot"]) {
            const final = parseDockerfile(read(name)).at(-1)!;
            const volume = final.body.find((i) => i.op === "VOLUME");
            assert.ok(volume, `${name}: a VOLUME line`);
            const declared = JSON.parse(volume.args) as string[];
            assert.deepStrictEqual([...writablePaths].filter((p) => !declared.includes(p)), [], `${name}: every writable mount is a declared VOLUME`);
            assert.ok(final.body.some((i) => i.op === "COPY" && i.args === "--from=build --chown=1654:1654 /diag /diag"), `${name}: /diag belongs to the app user`);
            assert.ok(final.body.some((i) => i.op === "COPY" && i.args.endsWith(` ${DATABASE_ROOT_CERTIFICATE}`)), `${name}: the CA bundle at the connection string's Root Certificate`);
        }
    });

    it("gives JIT'd code the plain tier-up wait, and both images the same runtime settings otherwise", () => {
        // Tier-up after the runtime's plain 100 ms wait, not ten times that on a one-CPU task, and not at once (which
        // re-compiles start-up's own methods); bench/services/run.sh measures both. A Native AOT binary has no JIT.
        const env = (name: string) => parseDockerfile(read(name)).at(-1)!.body.filter((i) => i.op === "ENV").map((i) => i.args);
        assert.ok(env(SERVICE_DOCKERFILE).includes("DOTNET_TC_DelaySingleProcMultiplier=1"));
        assert.ok(!env(SERVICE_DOCKERFILE).some((e) => e.startsWith("DOTNET_TC_CallCountingDelayMs")));
        assert.deepStrictEqual(env("Dockerfile.aot"), env(SERVICE_DOCKERFILE).filter((e) => !e.startsWith("DOTNET_TC_")));
        assert.ok(env("Dockerfile.aot").includes("DOTNET_hostBuilder__reloadConfigOnChange=false"), "no file watchers on a read-only root");
        assert.strictEqual(runtimeTagDefault(read("Dockerfile.aot")), runtimeTagDefault(read(SERVICE_DOCKERFILE)), "the same patch release");
    });

    it("two Dockerfiles for all, chosen in the registry, and each image names its project with the PROJECT build argument", async () => {
        for (const service of SERVICE_NAMES) {
            assert.ok(!fs.existsSync(path.join(projectRoot(), "services", SERVICE_CATALOG[service].project, "Dockerfile")), service);
            assert.ok(["Dockerfile", "Dockerfile.aot"].includes(SERVICE_CATALOG[service].dockerfile), service);
        }
        assert.strictEqual(SERVICE_CATALOG.prime.dockerfile, "Dockerfile.aot");
        assert.strictEqual(SERVICE_CATALOG.bookstore.dockerfile, "Dockerfile.aot");
        const { resources } = await runProgram("amd64", { config: { services: [...SERVICE_NAMES] } });
        // Each image's staged context carries its service's Dockerfile (stacks/image-build.ts).
        const images = ofType(resources, "docker-build:index:Image").filter((i) => !i.name.endsWith("-task-info-image")).map((i) => [fs.readFileSync(path.join(projectRoot(), i.inputs.dockerfile.location), "utf8"), i.inputs.buildArgs.PROJECT]);
        const dockerfile = (name: string) => fs.readFileSync(path.join(projectRoot(), "services", name), "utf8");
        assert.deepStrictEqual(images.sort(), SERVICE_NAMES.map((s) => [dockerfile(SERVICE_CATALOG[s].dockerfile), projectFile(SERVICE_CATALOG[s].project)]).sort());
        for (const [, project] of images) {
            assert.ok(fs.existsSync(path.join(projectRoot(), "services", project)), `${project} exists`);
        }
    });

    it("builds a Native AOT service ReadyToRun when a monitor watches it, and only that one", async () => {
        // A Native AOT process gives dotnet-monitor no gcdump and no dump (services/README.md), so the monitor's
        // collection rules need the ReadyToRun build; the unmonitored service keeps its Native AOT image.
        const { resources } = await runProgram("amd64", { config: { services: ["bookstore", "prime"], monitor: { enabled: ["bookstore"] } } });
        const built = Object.fromEntries(ofType(resources, "docker-build:index:Image")
            .map((i) => [i.inputs.buildArgs.PROJECT, fs.readFileSync(path.join(projectRoot(), i.inputs.dockerfile.location), "utf8")]));
        const dockerfile = (name: string) => fs.readFileSync(path.join(projectRoot(), "services", name), "utf8");
        assert.strictEqual(built[projectFile("BookStore.Api")], dockerfile("Dockerfile"));
        assert.strictEqual(built[projectFile("Prime.Api")], dockerfile("Dockerfile.aot"));
    });

    it("checks the mounts the program really declares", () => {
        assert.deepStrictEqual([...writablePaths].sort(), ["/diag", "/tmp"]);
    });

    it("keeps build output and tests out of the build context", () => {
        const ignore = fs.readFileSync(path.join(projectRoot(), "services", ".dockerignore"), "utf8").split("\n").map((l) => l.trim());
        for (const entry of ["**/bin/", "**/obj/", "tests/"]) {
            assert.ok(ignore.includes(entry), entry);
        }
    });
});
