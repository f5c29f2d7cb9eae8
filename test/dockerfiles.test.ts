/**
 * The services' Dockerfile agrees with what the program asks of their containers: cross-compiled for
 * the target architecture, a pinned chiseled runtime, the non-root user, and a VOLUME for every path the
 * task mounts writable (Fargate makes a volume writable for a non-root user only then). No Docker engine
 * runs here; services/scripts/verify-cross-arch.sh runs these files' publish lines for both architectures.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DATABASE_ROOT_CERTIFICATE } from "../infra/database";
import { projectFile, SERVICE_CATALOG, SERVICE_DOCKERFILE, SERVICE_NAMES } from "../model/catalog";
import { json, ofType, runProgram } from "./harness";
import { projectRoot } from "../model/paths";

function stages(dockerfile: string): string[][] {
    const lines = dockerfile.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
    const result: string[][] = [];
    for (const line of lines) {
        if (/^FROM\s/i.test(line)) {
            result.push([]);
        }
        result.at(-1)?.push(line);
    }
    return result;
}

/** The default of the global `ARG RUNTIME_TAG=...` (before the first FROM, so FROM lines can use it). */
function runtimeTagDefault(file: string): string {
    const text = fs.readFileSync(file, "utf8");
    const match = /^ARG RUNTIME_TAG=(\S+)$/m.exec(text.slice(0, text.search(/^FROM /m)));
    assert.ok(match, `${file} declares ARG RUNTIME_TAG=<tag> before its first FROM`);
    return match[1];
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

    it("one Dockerfile builds every service: cross-compiled ReadyToRun, non-root, the task's writable mounts declared", () => {
        const file = path.join(projectRoot(), "services", SERVICE_DOCKERFILE);
        const [build, final, ...rest] = stages(fs.readFileSync(file, "utf8"));
        assert.strictEqual(rest.length, 0, "two stages");
        assert.match(build[0], /^FROM --platform=\$BUILDPLATFORM mcr\.microsoft\.com\/dotnet\/sdk:10\.0 AS build$/);
        assert.ok(build.includes("ARG TARGETARCH") && build.includes("ARG PROJECT") && build.includes("ARG FRAMEWORK=net10.0"));
        assert.ok(build.includes('RUN dotnet restore "$PROJECT" -a $TARGETARCH -p:PublishReadyToRun=true'));
        assert.ok(build.includes('RUN dotnet publish "$PROJECT" -f $FRAMEWORK -c Release -a $TARGETARCH -p:PublishReadyToRun=true --no-restore -o /app'));
        assert.ok(build.some((l) => l.startsWith("RUN mv ") && l.includes("/app/service")), "the apphost becomes /app/service");
        // The runtime's tag is the program's RUNTIME_TAG for the project's framework, by default a chiseled 10.0 patch.
        assert.strictEqual(final[0], "FROM mcr.microsoft.com/dotnet/aspnet:$RUNTIME_TAG AS final");
        assert.match(runtimeTagDefault(file), /^10\.0\.\d+-noble-chiseled$/, "a chiseled runtime with a version tag");
        assert.ok(final.includes("USER $APP_UID"));
        assert.deepStrictEqual(final.at(-1), 'ENTRYPOINT ["/app/service"]');
        const volume = final.find((l) => l.startsWith("VOLUME "));
        assert.ok(volume, "a VOLUME line");
        const declared = JSON.parse(volume.slice("VOLUME ".length)) as string[];
        assert.deepStrictEqual([...writablePaths].filter((p) => !declared.includes(p)), [], "every writable mount is a declared VOLUME");
        assert.ok(final.includes("COPY --from=build --chown=1654:1654 /diag /diag"), "/diag belongs to the app user");
        // The CA bundle the staged context carries (stacks/image-build.ts CARRIED_FILES) where database connections read it.
        assert.ok(final.includes(`COPY .dotnet-fargate/rds-global-bundle.pem ${DATABASE_ROOT_CERTIFICATE}`), "where the connection string's Root Certificate is");
        // Tier-up after the runtime's plain 100 ms wait, not ten times that on a one-CPU task, and not at once (which
        // re-compiles start-up's own methods); bench/services/run.sh measures both and runs the services with this ENV.
        assert.ok(final.includes("ENV DOTNET_TC_DelaySingleProcMultiplier=1"));
        assert.ok(!final.some((l) => l.startsWith("ENV DOTNET_TC_CallCountingDelayMs")));
        assert.ok(final.includes("ENV DOTNET_hostBuilder__reloadConfigOnChange=false"), "no file watchers on a read-only root");
    });

    it("the same stages built Native AOT: the cross toolchain in the build stage, runtime-deps to run on", () => {
        const file = path.join(projectRoot(), "services", "Dockerfile.aot");
        const [build, final, ...rest] = stages(fs.readFileSync(file, "utf8"));
        assert.strictEqual(rest.length, 0, "two stages");
        assert.match(build[0], /^FROM --platform=\$BUILDPLATFORM mcr\.microsoft\.com\/dotnet\/sdk:10\.0-noble-aot AS build$/, "the SDK image with clang, on the builder's platform");
        assert.ok(["ARG TARGETARCH", "ARG BUILDARCH", "ARG PROJECT", "ARG FRAMEWORK=net10.0"].every((a) => build.includes(a)));
        const runs = build.filter((l) => l.startsWith("RUN "));
        // The toolchain for another architecture (dotnet/dotnet-docker samples/releasesapi/Dockerfile.ubuntu-cross-x64-arm64):
        // only when TARGETARCH differs from BUILDARCH, and both ways round.
        assert.match(runs[0], /^RUN if \[ "\$TARGETARCH" != "\$BUILDARCH" \]; then/);
        assert.ok(runs[0].includes("arm64) triple=aarch64-linux-gnu; mirror=http://ports.ubuntu.com/ubuntu-ports/"));
        assert.ok(runs[0].includes("amd64) triple=x86-64-linux-gnu; mirror=http://archive.ubuntu.com/ubuntu/"));
        assert.ok(runs[0].includes('dpkg --add-architecture "$TARGETARCH"') && runs[0].includes('"gcc-$triple" "zlib1g-dev:$TARGETARCH"'));
        assert.deepStrictEqual(runs.slice(1, 3), [
            'RUN dotnet restore "$PROJECT" -a $TARGETARCH -p:PublishAot=true',
            'RUN dotnet publish "$PROJECT" -f $FRAMEWORK -c Release -a $TARGETARCH -p:PublishAot=true --no-restore -o /app',
        ]);
        assert.ok(runs[3].startsWith("RUN mv ") && runs[3].includes("/app/service") && runs[3].includes("rm -f /app/*.dbg"), "the binary alone becomes /app/service");
        assert.strictEqual(final[0], "FROM mcr.microsoft.com/dotnet/runtime-deps:$RUNTIME_TAG AS final", "no .NET runtime");
        const generic = stages(fs.readFileSync(path.join(projectRoot(), "services", SERVICE_DOCKERFILE), "utf8"))[1];
        // The tiering setting is for JIT'd code; a Native AOT binary has none.
        const jitOnly = (l: string) => l.startsWith("ENV DOTNET_TC_");
        assert.deepStrictEqual(final.slice(1), generic.slice(1).filter((l) => !jitOnly(l)), "the same final stage as services/Dockerfile after its FROM");
        const genericFile = path.join(projectRoot(), "services", SERVICE_DOCKERFILE);
        assert.strictEqual(runtimeTagDefault(file), runtimeTagDefault(genericFile), "the same patch release as the ASP.NET Core image");
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
