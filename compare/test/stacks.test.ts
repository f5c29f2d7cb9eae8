/**
 * `npm run compare` on the stacks, end to end through the real Automation API (@pulumi/pulumi/automation) with a
 * stand-in for the `pulumi` CLI (fake-pulumi.ts) that records every command and fails where told. Artillery is
 * replaced by canned figures and ECR by a recorder. What this cannot prove: what the real CLI prints beyond what
 * the Automation API parses, and AWS itself.
 */
import * as assert from "assert";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { startStub, Stub } from "../../bench/stub-server";
import { compare, CompareDeps } from "../main";
import { readRunState, RUN_TAG } from "../state";
import { stackCost } from "../cost";
import { cannedArtillery, Harness } from "./harness";

const BENCH = ["--scale", "0.01", "--scenarios", "books"];

describe("npm run compare (stacks, stand-in pulumi CLI)", function () {
    this.timeout(120_000);
    let h: Harness;
    let stub: Stub;
    let saved: NodeJS.ProcessEnv;

    beforeEach(async () => {
        h = new Harness();
        stub = await startStub();
        h.program(`${stub.url}/`);
        saved = { ...process.env };
        Object.assign(process.env, h.env());
    });
    afterEach(async () => {
        process.env = saved;
        await stub.close();
        h.remove();
    });

    async function run(extra: string[] = [], deps: Partial<CompareDeps> = {}): Promise<{ code: number; lines: string[] }> {
        const lines: string[] = [];
        const code = await compare(["--yes", ...BENCH, "--out", path.join(h.dir, "results.json"), ...extra], {
            log: (l) => lines.push(l),
            stateFile: h.stateFile,
            pulumiCommand: await PulumiCommand.get({ root: h.dir }),
            ecr: h.ecr(),
            env: { AWS_ACCESS_KEY_ID: "test" },
            benchDeps: { runScript: cannedArtillery, quiet: true, warmupChunkS: 1 },
            healthIntervalMs: 100,
            logDir: path.join(h.dir, "logs"),
            workDir: h.projectDir,
            ...deps,
        });
        return { code, lines };
    }

    it("creates both stacks, deploys them in parallel, benchmarks, empties their repositories, destroys and removes them", async () => {
        const before = h.userFiles();
        const { code, lines } = await run();
        assert.strictEqual(code, 0, lines.join("\n"));
        const cmds = h.commands();
        // PulumiCommand.get asked the version once; both stacks looked for (not found) before either is created; then
        // each: init (in its scratch project), select (in the project), tag; then the ups.
        assert.deepStrictEqual(cmds.slice(0, 9), ["version", "stack select arm64", "stack select amd64", "stack init arm64", "stack select arm64", "stack tag set arm64", "stack init amd64", "stack select amd64", "stack tag set amd64"]);
        assertDeployedFromCopies(before);
        const ups = h.calls().filter((c) => c.args[0] === "up");
        assert.strictEqual(ups.length, 2);
        assert.ok(ups[0].start < ups[1].end && ups[1].start < ups[0].end, "the two ups overlap in time");
        const destroys = h.calls().filter((c) => c.args[0] === "destroy");
        assert.strictEqual(destroys.length, 2);
        assert.deepStrictEqual(cmds.filter((c) => c.startsWith("stack rm")).sort(), ["stack rm amd64", "stack rm arm64"]);
        // Each repository emptied before its stack's destroy began.
        const firstDestroy = Math.min(...destroys.map((d) => d.start));
        // The images output's, and those found under each stack's prefix in its region (TaskInfo's is in no output).
        assert.deepStrictEqual(h.ecrCalls.filter((c) => c.op === "find").map((c) => c.repo).sort(), ["eu-west-1 dotnet-fargate-amd64/", "eu-west-1 dotnet-fargate-arm64/"]);
        assert.deepStrictEqual(
            h.ecrCalls.filter((c) => c.op === "delete").map((c) => c.repo).sort(),
            ["bookstore-amd64", "bookstore-arm64", "dotnet-fargate-amd64/task-info", "dotnet-fargate-arm64/task-info", "prime-amd64", "prime-arm64"],
        );
        assert.ok(h.ecrCalls.filter((c) => c.repo.includes("arm64")).every((c) => c.at <= Math.max(...destroys.map((d) => d.start))));
        assert.ok(firstDestroy > Math.max(...ups.map((u) => u.end)));
        assert.ok(!h.stackExists("arm64") && !h.stackExists("amd64"));
        assert.strictEqual(readRunState(h.stateFile), undefined, "nothing left: the run state is removed");
        // Progress: each phase with its duration, Pulumi's events summarised per stack.
        for (const phase of ["prepare", "deploy", "health", "benchmark", "destroy"]) {
            assert.ok(lines.some((l) => new RegExp(`^== ${phase}: done in \\d+s$`).test(l)), `${phase}: ${lines.join("\n")}`);
        }
        assert.ok(lines.some((l) => /^ {3}arm64: 3\/3 resources done, 0 failed, \d+s: up finished$/.test(l)), lines.join("\n"));
        const md = fs.readFileSync(path.join(h.dir, "results.md"), "utf8");
        assert.match(md, /## What this run cost\n\n\$\d+\.\d\d at list price for the time the run took \(stack arm64 \(arm64\): \$89\.07\/month fixed: /);
        assert.match(fs.readFileSync(path.join(h.dir, "results.html"), "utf8"), /<h2>What this run cost<\/h2>/);
    });

    /** Where a created stack's copy of its stack file lives: the scratch project beside the run state. */
    const scratchFile = (stack: string) => path.join(path.dirname(h.stateFile), "stacks", stack, `Pulumi.${stack}.yaml`);

    /**
     * Every `stack init` ran in its stack's scratch project, every up and destroy of a created stack read that copy
     * (--config-file), the user's files are byte for byte as before, and the copies are gone with their stacks.
     */
    function assertDeployedFromCopies(before: Record<string, string>, created: readonly string[] = ["arm64", "amd64"]): void {
        for (const c of h.calls().filter((x) => x.args[0] === "stack" && x.args[1] === "init")) {
            assert.strictEqual(c.cwd, path.dirname(scratchFile(c.args[2])), JSON.stringify(c));
        }
        for (const c of h.calls().filter((x) => (x.args[0] === "up" || x.args[0] === "destroy") && created.includes(x.args[x.args.indexOf("--stack") + 1]))) {
            const stack = c.args[c.args.indexOf("--stack") + 1];
            assert.strictEqual(c.args[c.args.indexOf("--config-file") + 1], scratchFile(stack), JSON.stringify(c.args));
        }
        assert.deepStrictEqual(h.userFiles(), before);
        for (const stack of created) {
            assert.ok(!fs.existsSync(path.dirname(scratchFile(stack))), `${stack}'s scratch project is removed with the stack`);
        }
    }

    it("--task-size 256/512: the stacks it creates run at that size from copies of their files, and the costs follow", async () => {
        const before = h.userFiles();
        const { code, lines } = await run(["--task-size", "256/512"]);
        assert.strictEqual(code, 0, lines.join("\n"));
        assertDeployedFromCopies(before);
        // The stand-in's outputs follow the file it was given, as the program's do: the size ran is the size asked.
        const results = JSON.parse(fs.readFileSync(path.join(h.dir, "results.json"), "utf8")) as { runs: { taskSize: unknown }[] };
        assert.deepStrictEqual(results.runs.map((r) => r.taskSize), [{ cpu: 256, memory: 512 }, { cpu: 256, memory: 512 }]);
        // The estimate and what the run cost are the program's own figures at that size, not the file's 512/1024.
        const small = await stackCost("arm64", { "dotnet-fargate:taskCpu": "256", "dotnet-fargate:taskMemory": "512" });
        const usual = await stackCost("arm64");
        assert.ok(small.monthly.total < usual.monthly.total);
        assert.ok(lines.some((l) => l.startsWith("This run deploys arm64 and amd64 to AWS at task size 256/512 (0.25 vCPU / 512 MiB)")), lines.join("\n"));
        assert.ok(lines.some((l) => l.startsWith(`  stack arm64 (arm64): $${small.monthly.total.toFixed(2)}/month fixed: `)), lines.join("\n"));
        assert.match(fs.readFileSync(path.join(h.dir, "results.md"), "utf8"), new RegExp(`stack arm64 \\(arm64\\): \\$${small.monthly.total.toFixed(2)}/month fixed: `));
        assert.match(fs.readFileSync(path.join(h.dir, "results.md"), "utf8"), /\| 256 CPU units \/ 512 MiB \|/);
    });

    it("--task-size: an interrupted run and its --cleanup destroy from the same copy; the user's files never change", async () => {
        const before = h.userFiles();
        process.env.FAKE_PULUMI_FAIL = "destroy:arm64";
        process.env.FAKE_PULUMI_UP_MS = "3000";
        const controller = new AbortController();
        const interrupt = setInterval(() => h.calls().some((c) => c.args[0] === "up") && controller.abort(), 50);
        const first = await run(["--task-size", "256/512"], { signal: controller.signal }).finally(() => clearInterval(interrupt));
        assert.strictEqual(first.code, 130, first.lines.join("\n"));
        assert.deepStrictEqual(readRunState(h.stateFile)?.taskSize, { cpu: 256, memory: 512 });
        assert.strictEqual(readRunState(h.stateFile)?.stacks.arm64.configFile, scratchFile("arm64"));
        assert.match(fs.readFileSync(scratchFile("arm64"), "utf8"), /dotnet-fargate:taskCpu: 256\n {2}dotnet-fargate:taskMemory: 512\n/);
        assert.deepStrictEqual(h.userFiles(), before);
        delete process.env.FAKE_PULUMI_FAIL;
        const second = await run(["--cleanup"]);
        assert.strictEqual(second.code, 0, second.lines.join("\n"));
        const destroys = h.calls().filter((c) => c.args[0] === "destroy" && c.args.includes("arm64"));
        assert.strictEqual(destroys.length, 2, "the failed destroy, then the clean-up's");
        assertDeployedFromCopies(before);
        assert.strictEqual(readRunState(h.stateFile), undefined);
    });

    it("--task-size refuses a stack of the user's at another size before creating anything; one already at that size is deployed as it is", async () => {
        h.existingStack("amd64");
        const before = h.userFiles();
        const refused = await run(["--task-size", "256/512"]);
        assert.strictEqual(refused.code, 1);
        assert.ok(
            refused.lines.some((l) => l.startsWith("compare failed: stack amd64 already exists and this run did not create it: --task-size 256/512 does not re-size your stacks (Pulumi.amd64.yaml says 512/1024), so nothing was deployed.")),
            refused.lines.join("\n"),
        );
        assert.deepStrictEqual(h.commands().filter((c) => /^(stack init|up|destroy)/.test(c)), []);
        assert.deepStrictEqual(h.userFiles(), before);

        // The same stack, its file now saying 256/512: nothing is re-sized, so it is deployed from its own file.
        const file = path.join(h.projectDir, "Pulumi.amd64.yaml");
        fs.writeFileSync(file, before["Pulumi.amd64.yaml"].replace("encryptionsalt:", "  dotnet-fargate:taskCpu: 256\n  dotnet-fargate:taskMemory: 512\nencryptionsalt:"));
        const sized = h.userFiles();
        const ok = await run(["--task-size", "256/512"]);
        assert.strictEqual(ok.code, 0, ok.lines.join("\n"));
        const up = h.calls().find((c) => c.args[0] === "up" && c.args.includes("amd64"));
        assert.ok(up && !up.args.includes("--config-file") && up.cwd === h.projectDir, JSON.stringify(up));
        assert.deepStrictEqual(h.userFiles(), sized);
    });

    it("refuses to resume a run with another task size than it created its stacks at, before any pulumi command", async () => {
        fs.mkdirSync(path.dirname(h.stateFile), { recursive: true });
        fs.writeFileSync(h.stateFile, JSON.stringify({ format: "dotnet-fargate-compare/1", runId: "earlier-run", startedAt: "2026-12-01T00:00:00Z", mode: "stacks", taskSize: { cpu: 256, memory: 512 }, stacks: { arm64: { created: true, status: "deployed" } }, processes: [] }));
        await assert.rejects(run([]), /^UsageError: the run earlier-run recorded in .* created its stacks at --task-size 256\/512; resume it with --task-size 256\/512, or remove its stacks first with npm run compare -- --cleanup/);
        await assert.rejects(run(["--task-size", "512/2048"]), /created its stacks at --task-size 256\/512/);
        assert.deepStrictEqual(h.commands().filter((c) => c !== "version"), [], "only run()'s own PulumiCommand.get");
    });

    it("leaves a stack the user already had: deployed, never destroyed, its repositories untouched", async () => {
        h.existingStack("amd64");
        const { code, lines } = await run();
        assert.strictEqual(code, 0, lines.join("\n"));
        const cmds = h.commands();
        assert.ok(!cmds.includes("stack init amd64") && !cmds.includes("stack tag set amd64"));
        assert.ok(cmds.includes("up amd64"));
        assert.ok(!cmds.includes("destroy amd64") && !cmds.includes("stack rm amd64"), cmds.join("\n"));
        assert.ok(cmds.includes("destroy arm64") && cmds.includes("stack rm arm64"));
        assert.ok(h.ecrCalls.length > 0 && !h.ecrCalls.some((c) => c.repo.includes("amd64")), JSON.stringify(h.ecrCalls));
        assert.ok(h.stackExists("amd64"));
        assert.ok(lines.includes("   amd64: yours, left deployed (this run did not create it)"));
    });

    for (const [phase, setup] of [
        ["prepare", () => (process.env.FAKE_PULUMI_FAIL = "init:amd64")],
        ["deploy", () => (process.env.FAKE_PULUMI_FAIL = "up:amd64")],
        ["health", () => h.program(`${stub.url}/`, { amd64: "http://127.0.0.1:1/" })],
        ["benchmark", () => undefined],
    ] as const) {
        it(`a failure in ${phase} tears down the stacks the run created, and only those`, async () => {
            setup();
            const deps: Partial<CompareDeps> =
                phase === "benchmark"
                    ? { benchDeps: { runScript: async () => Promise.reject(new Error("stand-in Artillery failure")), quiet: true } }
                    : {};
            const { code, lines } = await run(phase === "health" ? ["--health-timeout", "1"] : [], deps);
            assert.strictEqual(code, 1, lines.join("\n"));
            assert.ok(lines.some((l) => l.startsWith(`== ${phase}: failed after`)), lines.join("\n"));
            const created = phase === "prepare" ? ["arm64"] : ["arm64", "amd64"];
            assert.deepStrictEqual(h.commands().filter((c) => c.startsWith("stack rm")).sort(), created.map((s) => `stack rm ${s}`).sort());
            // Every created stack's repositories emptied before its destroy, a failed up's too (it exported no outputs).
            const emptied = h.ecrCalls.filter((c) => c.op === "delete").map((c) => c.repo);
            assert.ok(created.every((s) => emptied.includes(`dotnet-fargate-${s}/task-info`)), emptied.join(", "));
            assert.ok(!h.stackExists("arm64") && !h.stackExists("amd64"));
            assert.strictEqual(readRunState(h.stateFile), undefined);
        });
    }

    it("a failed destroy prints what is left and the command; --cleanup removes it later and nothing else", async () => {
        h.existingStack("amd64");
        process.env.FAKE_PULUMI_FAIL = "destroy:arm64";
        const first = await run();
        // A stack left deployed costs money: the run fails, so that a script or a CI job sees it.
        assert.strictEqual(first.code, 1);
        assert.ok(first.lines.includes("compare failed: one thing this run created could not be removed (listed above)"), first.lines.join("\n"));
        assert.ok(first.lines.includes("Left behind:"), first.lines.join("\n"));
        assert.ok(first.lines.some((l) => l.includes("stack arm64, created by this run and still deployed: remove it with `npm run compare -- --cleanup`")));
        assert.strictEqual(readRunState(h.stateFile)?.stacks.arm64.status, "destroying");
        delete process.env.FAKE_PULUMI_FAIL;
        const before = h.calls().length;
        const second = await run(["--cleanup"]);
        assert.strictEqual(second.code, 0, second.lines.join("\n"));
        const cleanup = h.commands().slice(before);
        assert.ok(cleanup.includes("destroy arm64") && cleanup.includes("stack rm arm64"));
        assert.ok(!cleanup.some((c) => c.endsWith("amd64")), cleanup.join("\n"));
        assert.ok(h.stackExists("amd64") && !h.stackExists("arm64"));
        assert.strictEqual(readRunState(h.stateFile), undefined);
    });

    it("--keep leaves the stacks it created and says how to remove them; --cleanup then removes them", async () => {
        const kept = await run(["--keep"]);
        assert.strictEqual(kept.code, 0, kept.lines.join("\n"));
        assert.ok(!h.commands().some((c) => c.startsWith("destroy") || c.startsWith("stack rm")));
        assert.deepStrictEqual(kept.lines.filter((l) => l.startsWith("  - ")), [
            ...["arm64", "amd64"].map(
                (n) =>
                    `  - stack ${n}, created by this run and still deployed: remove it with \`npm run compare -- --cleanup\` (empties its ECR repositories, then pulumi destroy and stack rm); ` +
                    `its config is the copy ${scratchFile(n)}: give any pulumi command on it \`--config-file\` with that file (Pulumi.${n}.yaml may say another size)`,
            ),
        ]);
        assert.match(fs.readFileSync(path.join(h.dir, "results.md"), "utf8"), /were kept \(--keep\) and cost money until removed with npm run compare -- --cleanup/);
        assert.deepStrictEqual(Object.values(readRunState(h.stateFile)?.stacks ?? {}), [
            { created: true, status: "deployed", configFile: scratchFile("arm64") },
            { created: true, status: "deployed", configFile: scratchFile("amd64") },
        ]);
        const cleaned = await run(["--cleanup"]);
        assert.strictEqual(cleaned.code, 0, cleaned.lines.join("\n"));
        assert.deepStrictEqual(h.commands().filter((c) => c.startsWith("stack rm")).sort(), ["stack rm amd64", "stack rm arm64"]);
        assert.strictEqual(readRunState(h.stateFile), undefined);
    });

    it("resumes an interrupted run: its stack is selected, not created again", async () => {
        h.existingStack("arm64", { [RUN_TAG]: "earlier-run" });
        fs.mkdirSync(path.dirname(h.stateFile), { recursive: true });
        fs.writeFileSync(h.stateFile, JSON.stringify({ format: "dotnet-fargate-compare/1", runId: "earlier-run", startedAt: "2026-12-01T00:00:00Z", mode: "stacks", stacks: { arm64: { created: true, status: "deploying" } }, processes: [] }));
        const { code, lines } = await run();
        assert.strictEqual(code, 0, lines.join("\n"));
        assert.ok(lines.some((l) => l.startsWith("Resuming run earlier-run")));
        const cmds = h.commands();
        assert.ok(!cmds.includes("stack init arm64") && cmds.includes("stack init amd64"));
        assert.ok(cmds.includes("stack rm arm64") && cmds.includes("stack rm amd64"));
    });

    it("refuses to touch a stack whose tag names another run, even when the state file claims it", async () => {
        h.existingStack("arm64", { [RUN_TAG]: "someone-else" });
        fs.mkdirSync(path.dirname(h.stateFile), { recursive: true });
        fs.writeFileSync(h.stateFile, JSON.stringify({ format: "dotnet-fargate-compare/1", runId: "earlier-run", startedAt: "2026-12-01T00:00:00Z", mode: "stacks", stacks: { arm64: { created: true, status: "created" } }, processes: [] }));
        const { code, lines } = await run();
        assert.strictEqual(code, 1);
        assert.ok(lines.some((l) => l.includes(`stack arm64 carries ${RUN_TAG}=someone-else, not this run's earlier-run`)), lines.join("\n"));
        const cmds = h.commands();
        assert.ok(!cmds.some((c) => /^(up|destroy|stack rm) arm64$/.test(c)), cmds.join("\n"));
        assert.ok(h.stackExists("arm64"));
    });

    it("refuses without AWS credentials, and without --yes when there is no terminal, before any pulumi command", async () => {
        await assert.rejects(compare(["--yes", ...BENCH], { log: () => undefined, stateFile: h.stateFile, env: {}, home: h.dir }), /^Error: npm run compare deploys two stacks to AWS and found no AWS credentials, so nothing was started\. Set them: set AWS_ACCESS_KEY_ID/);
        const lines: string[] = [];
        await assert.rejects(
            compare([...BENCH], { log: (l) => lines.push(l), stateFile: h.stateFile, env: { AWS_PROFILE: "x" }, isTTY: false }),
            /^Error: no terminal to confirm the cost on \(\$\d+\.\d\d expected\): re-run with --yes to accept it$/,
        );
        assert.ok(lines.some((l) => /^ {2}stack arm64 \(arm64\): \$89\.07\/month fixed: \d+\.\d\d h, \$\d+\.\d\d$/.test(l)), lines.join("\n"));
        const answered = await compare([...BENCH], { log: () => undefined, stateFile: h.stateFile, env: { AWS_PROFILE: "x" }, isTTY: true, confirm: async () => false });
        assert.strictEqual(answered, 1);
        assert.deepStrictEqual(h.calls(), []);
    });

    it("says what to install when there is no pulumi CLI, and creates nothing", async () => {
        process.env.PATH = path.join(h.dir, "empty");
        const lines: string[] = [];
        const code = await compare(["--yes", ...BENCH], { log: (l) => lines.push(l), stateFile: h.stateFile, env: { AWS_PROFILE: "x" }, ecr: h.ecr() });
        process.env.PATH = saved.PATH;
        assert.strictEqual(code, 1);
        assert.ok(lines.includes("compare failed: the Pulumi CLI (`pulumi`) is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/), or run npm run compare -- --local"), lines.join("\n"));
        assert.deepStrictEqual(h.calls(), []);
        assert.strictEqual(readRunState(h.stateFile), undefined);
    });

    it("Ctrl-C during the deployment stops the ups cleanly (one SIGINT each, as from the terminal) and removes both stacks", async () => {
        // Its own process group, interrupted as a terminal does it: every process of the group, compare and its
        // `pulumi up`s, gets the SIGINT. compare must not send a second one: the CLI would stop at once.
        const child = spawn(process.execPath, [path.join(__dirname, "interrupt-child.js"), h.stateFile, "stacks"], {
            env: { ...process.env, PATH: `${path.join(h.dir, "bin")}:${process.env.PATH}`, FAKE_PULUMI_UP_MS: "20000", AWS_ACCESS_KEY_ID: "test" },
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        // Both ups under way, their handlers installed: a signal before that would find an up still starting (or
        // none yet), which is not what this test is about.
        const deadline = Date.now() + 60_000;
        while (h.running().filter((r) => r.startsWith("up ")).length < 2 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 50));
        }
        assert.deepStrictEqual(h.running().sort(), ["up amd64", "up arm64"], out);
        const exited = new Promise<number | null>((r) => child.on("exit", r));
        process.kill(-(child.pid as number), "SIGINT");
        const code = await exited;
        assert.strictEqual(code, 130, out);
        const ups = h.calls().filter((c) => c.args[0] === "up");
        assert.ok(ups.length === 2 && ups.every((u) => u.code === 255 && u.end - u.start < 15_000), out);
        assert.deepStrictEqual(ups.map((u) => u.sigints), [1, 1], out);
        assert.deepStrictEqual(h.commands().filter((c) => c.startsWith("stack rm")).sort(), ["stack rm amd64", "stack rm arm64"]);
        assert.strictEqual(readRunState(h.stateFile), undefined);
        assert.match(out, /compare: interrupted: tearing down what this run created/);
    });
});
