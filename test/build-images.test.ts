/**
 * `npm run build:images`: the pull request's proof that the images build, now that previews build none. It must
 * build what a deploy would build (the program's own docker-build inputs) and nothing a deploy reads: no push, no
 * registry cache. A stand-in `docker` records what it is asked; a real BuildKit is not on this machine.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildCommands, main, parseArgs } from "../tools/build-images";
import { projectRoot } from "../model/paths";
import { ofType, runProgram } from "./harness";

describe("npm run build:images", () => {
    let dir: string;
    let docker: string;
    let log: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "build-images-"));
        log = path.join(dir, "calls");
        docker = path.join(dir, "docker");
        // Records each call's working directory and arguments; fails when asked to build the profiling service.
        fs.writeFileSync(docker, `#!/bin/sh\necho "$PWD|$*" >> "${log}"\ncase "$*" in *profiling*) exit 3 ;; esac\n`, { mode: 0o755 });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    beforeEach(() => fs.rmSync(log, { force: true }));

    for (const stack of ["arm64", "amd64"]) {
        it(`builds every image of ${stack} as the deploy would, for its platform, without pushing or touching the cache`, async () => {
            const { resources } = await runProgram(stack);
            const images = ofType(resources, "docker-build:index:Image");
            const commands = await buildCommands(parseArgs(["--stack", stack]));
            // The services' images and the TaskInfo image every task runs beside them.
            assert.deepStrictEqual(commands.map((c) => c.service).sort(), ["bookstore", "prime", "task-info"]);
            for (const command of commands) {
                const image = images.find((i) => i.name === `dotnet-fargate-${stack}-${command.service}-image`);
                assert.ok(image);
                assert.deepStrictEqual(command.args, [
                    "buildx", "build", "--platform", image.inputs.platforms[0], "--file", image.inputs.dockerfile.location,
                    "--build-arg", "FRAMEWORK=net10.0", "--build-arg", `PROJECT=${image.inputs.buildArgs.PROJECT}`, "--build-arg", "RUNTIME_TAG=10.0.12-noble-chiseled",
                    "--progress", "plain", image.inputs.context.location,
                ]);
                assert.strictEqual(image.inputs.platforms[0], `linux/${stack}`);
                assert.ok(!command.args.some((a) => /push|cache|output|registry|^-o$|--load/.test(a)), command.args.join(" "));
            }
        });
    }

    it("runs docker from the project folder, one image after another, and says what it built", async () => {
        const said = await main(["--stack", "arm64"], docker);
        assert.strictEqual(said, "build:images: 3 images built for arm64; nothing pushed, no cache written");
        const calls = fs.readFileSync(log, "utf8").trim().split("\n");
        assert.strictEqual(calls.length, 3);
        assert.ok(calls.every((c) => c.startsWith(`${projectRoot()}|buildx build --platform linux/arm64 `)), calls.join("\n"));
    });

    it("stops at the first image that fails, naming it and the stack", async () => {
        await assert.rejects(main(["--stack", "amd64", "--config", 'services=["profiling","bookstore"]'], docker), {
            message: "the image of profiling did not build for amd64 (exit code 3)",
        });
        const calls = fs.readFileSync(log, "utf8").trim().split("\n");
        assert.match(calls[calls.length - 1], /\/profiling$/, "nothing built after the failure");
        assert.ok(!calls.some((c) => /\/bookstore$/.test(c)), calls.join("\n"));
    });

    it("builds only the services named, and refuses one the stack does not build", async () => {
        assert.deepStrictEqual((await buildCommands(parseArgs(["--stack", "arm64", "--service", "prime"]))).map((c) => c.service), ["prime"]);
        await assert.rejects(buildCommands(parseArgs(["--stack", "arm64", "--service", "echo"])), /^UsageError: --service echo: the stack arm64 builds task-info, bookstore, prime\. Usage: /);
        assert.throws(() => parseArgs([]), /^UsageError: --stack is required\. Usage: npm run build:images -- --stack <amd64\|arm64>/);
        assert.throws(() => parseArgs(["--stack", "arm64", "--push"]), /unknown argument "--push"/);
    });
});
