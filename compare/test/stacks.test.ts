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
            ...deps,
        });
        return { code, lines };
    }

    it("creates both stacks, deploys them in parallel, benchmarks, empties their repositories, destroys and removes them", async () => {
        const { code, lines } = await run();
        assert.strictEqual(code, 0, lines.join("\n"));
        const cmds = h.commands();
        // PulumiCommand.get asked the version once; then each stack: select (not found), init, tag; then the ups.
        assert.deepStrictEqual(cmds.slice(0, 7), ["version", "stack select arm64", "stack init arm64", "stack tag set arm64", "stack select amd64", "stack init amd64", "stack tag set amd64"]);
        const ups = h.calls().filter((c) => c.args[0] === "up");
        assert.strictEqual(ups.length, 2);
        assert.ok(ups[0].start < ups[1].end && ups[1].start < ups[0].end, "the two ups overlap in time");
        const destroys = h.calls().filter((c) => c.args[0] === "destroy");
        assert.strictEqual(destroys.length, 2);
        assert.deepStrictEqual(cmds.filter((c) => c.startsWith("stack rm")).sort(), ["stack rm amd64", "stack rm arm64"]);
        // Each repository emptied before its stack's destroy began.
        const firstDestroy = Math.min(...destroys.map((d) => d.start));
        assert.deepStrictEqual(h.ecrCalls.filter((c) => c.op === "delete").map((c) => c.repo).sort(), ["bookstore-amd64", "bookstore-arm64", "prime-amd64", "prime-arm64"]);
        assert.ok(h.ecrCalls.filter((c) => c.repo.endsWith("arm64")).every((c) => c.at <= Math.max(...destroys.map((d) => d.start))));
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

    it("leaves a stack the user already had: deployed, never destroyed, its repositories untouched", async () => {
        h.existingStack("amd64");
        const { code, lines } = await run();
        assert.strictEqual(code, 0, lines.join("\n"));
        const cmds = h.commands();
        assert.ok(!cmds.includes("stack init amd64") && !cmds.includes("stack tag set amd64"));
        assert.ok(cmds.includes("up amd64"));
        assert.ok(!cmds.includes("destroy amd64") && !cmds.includes("stack rm amd64"), cmds.join("\n"));
        assert.ok(cmds.includes("destroy arm64") && cmds.includes("stack rm arm64"));
        assert.ok(h.ecrCalls.every((c) => c.repo.endsWith("arm64")));
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
            assert.ok(!h.stackExists("arm64") && !h.stackExists("amd64"));
            assert.strictEqual(readRunState(h.stateFile), undefined);
        });
    }

    it("a failed destroy prints what is left and the command; --cleanup removes it later and nothing else", async () => {
        h.existingStack("amd64");
        process.env.FAKE_PULUMI_FAIL = "destroy:arm64";
        const first = await run();
        assert.strictEqual(first.code, 0);
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
            "  - stack arm64, created by this run and still deployed: remove it with `npm run compare -- --cleanup` (empties its ECR repositories, then pulumi destroy and stack rm)",
            "  - stack amd64, created by this run and still deployed: remove it with `npm run compare -- --cleanup` (empties its ECR repositories, then pulumi destroy and stack rm)",
        ]);
        assert.match(fs.readFileSync(path.join(h.dir, "results.md"), "utf8"), /were kept \(--keep\) and cost money until removed with npm run compare -- --cleanup/);
        assert.deepStrictEqual(Object.values(readRunState(h.stateFile)?.stacks ?? {}), [{ created: true, status: "deployed" }, { created: true, status: "deployed" }]);
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

    it("Ctrl-C (SIGINT to the process) during the deployment stops the ups and removes both stacks", async () => {
        const child = spawn(process.execPath, [path.join(__dirname, "interrupt-child.js"), h.stateFile, "stacks"], {
            env: { ...process.env, PATH: `${path.join(h.dir, "bin")}:${process.env.PATH}`, FAKE_PULUMI_UP_MS: "20000", AWS_ACCESS_KEY_ID: "test" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        const deadline = Date.now() + 60_000;
        while (h.calls().filter((c) => c.args[0] === "up").length === 0 && !/== deploy/.test(out) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 1500));
        child.kill("SIGINT");
        const code = await new Promise<number | null>((r) => child.on("exit", r));
        assert.strictEqual(code, 130, out);
        const ups = h.calls().filter((c) => c.args[0] === "up");
        assert.ok(ups.length === 2 && ups.every((u) => u.code === 255 && u.end - u.start < 15_000), out);
        assert.deepStrictEqual(h.commands().filter((c) => c.startsWith("stack rm")).sort(), ["stack rm amd64", "stack rm arm64"]);
        assert.strictEqual(readRunState(h.stateFile), undefined);
        assert.match(out, /compare: interrupted: tearing down what this run created/);
    });
});
