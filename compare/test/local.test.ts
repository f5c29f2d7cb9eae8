/**
 * `npm run compare -- --local` end to end: deploy is the benchmark's local start (a Node stand-in for each .NET
 * service, bench/stub-server.ts), destroy stops them; the benchmark runs on the started target. Artillery is
 * replaced by canned figures (bench's own tests run the real one).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { isProcessAlive } from "../../bench/local";
import { compare, expectedDurations } from "../main";
import { readRunState } from "../state";
import { experimentCost, stackCost } from "../cost";
import { parseCompare } from "../options";
import { HOURS_PER_MONTH, taskHourUsd } from "../../model/pricing";
import { cannedArtillery, Harness } from "./harness";
import { ScriptRunner } from "../../bench/runner";

const STUB = path.resolve(__dirname, "../../bench/stub-server.js");

describe("npm run compare -- --local", function () {
    this.timeout(120_000);
    let h: Harness;
    beforeEach(() => (h = new Harness()));
    afterEach(() => h.remove());

    it("starts the services, waits for them, benchmarks, stops them, and says it measured one architecture", async () => {
        const lines: string[] = [];
        const pids: number[] = [];
        const code = await compare(["--local", "--no-cap", "--scale", "0.01", "--scenarios", "books,prime", "--out", path.join(h.dir, "local.json")], {
            log: (l) => {
                lines.push(l);
                const m = /\(pid (\d+)\)/.exec(l);
                if (m) {
                    pids.push(Number(m[1]));
                }
            },
            stateFile: h.stateFile,
            healthIntervalMs: 100,
            benchDeps: { runScript: cannedArtillery, quiet: true, localCommand: (_n, port) => ({ command: process.execPath, args: [STUB, String(port)] }) },
        });
        assert.strictEqual(code, 0, lines.join("\n"));
        assert.strictEqual(pids.length, 2, lines.join("\n"));
        assert.ok(pids.every((p) => !isProcessAlive(p)), "every service stopped");
        assert.deepStrictEqual(lines.filter((l) => l.startsWith("== ")).map((l) => l.split(":")[0]), ["== prepare", "== prepare", "== deploy", "== deploy", "== health", "== health", "== benchmark", "== benchmark", "== destroy", "== destroy"]);
        assert.ok(lines.some((l) => /^ {3}local\/BookStore\.Api: 200 from http:\/\/127\.0\.0\.1:\d+\/healthz after \d+s$/.test(l)));
        assert.match(lines[0], /^--local costs nothing in AWS; the same comparison on both stacks would cost about \$\d+\.\d\d:$/);
        assert.strictEqual(readRunState(h.stateFile), undefined);
        const md = fs.readFileSync(path.join(h.dir, "local.md"), "utf8");
        assert.match(md, /## What this run measured\n\nThis was a local run \(npm run compare -- --local\): it measured one architecture, this machine's \((amd64|arm64), [^)]+\)/);
        assert.match(md, /A real run \(npm run compare\) adds: both architectures on Fargate/);
    });

    /** A local run whose services are the stub, each writing the GC heap limit it was given to heap-<port>; the CPU caps it asked for are returned. */
    async function sizedRun(extra: string[], out: string, runScript: ScriptRunner = cannedArtillery): Promise<{ code: number; lines: string[]; caps: number[]; heapLimits: string[] }> {
        const lines: string[] = [];
        const caps: number[] = [];
        const code = await compare(["--local", "--scale", "0.01", "--scenarios", "books,prime", "--out", out, ...extra], {
            log: (l) => lines.push(l),
            stateFile: h.stateFile,
            healthIntervalMs: 100,
            benchDeps: {
                runScript,
                quiet: true,
                createCpuCap: (units) => (caps.push(units), { description: `${units} CPU units (stand-in)`, prefix: [], remove: () => undefined }),
                localCommand: (_n, port) => ({ command: "sh", args: ["-c", `echo "$DOTNET_GCHeapHardLimit" > "${h.dir}/heap-${port}"; exec "${process.execPath}" "${STUB}" ${port}`] }),
            },
        });
        const heapLimits = fs.readdirSync(h.dir).filter((f) => f.startsWith("heap-")).map((f) => fs.readFileSync(path.join(h.dir, f), "utf8").trim());
        fs.readdirSync(h.dir).filter((f) => f.startsWith("heap-")).forEach((f) => fs.rmSync(path.join(h.dir, f)));
        return { code, lines, caps, heapLimits };
    }

    it("--task-size 256/512: the services are capped at 256 CPU units with the GC heap limit of a 512 MiB task, and priced as that task", async () => {
        const out = path.join(h.dir, "small.json");
        const { code, lines, caps, heapLimits } = await sizedRun(["--task-size", "256/512"], out);
        assert.strictEqual(code, 0, lines.join("\n"));
        assert.deepStrictEqual(caps, [256, 256]);
        // 75% of 512 MiB = 384 MiB = 0x18000000 bytes, as .NET derives it under a 512 MiB limit; written without the
        // prefix, the one form a Native AOT process reads too (bench/local-run.ts withHeapLimit).
        assert.deepStrictEqual(heapLimits, ["18000000", "18000000"]);
        const results = JSON.parse(fs.readFileSync(out, "utf8")) as { runs: { taskSize: unknown; localCpu: string }[] };
        assert.deepStrictEqual(results.runs[0].taskSize, { cpu: 256, memory: 512 });
        assert.match(results.runs[0].localCpu, /^capped at 256 CPU units \(stand-in\) each, .*; given a GC heap hard limit of 384 MiB each/);
        const small = await stackCost("arm64", { "dotnet-fargate:taskCpu": "256", "dotnet-fargate:taskMemory": "512" });
        const amd = await stackCost("amd64", { "dotnet-fargate:taskCpu": "256", "dotnet-fargate:taskMemory": "512" });
        // The estimate is the stacks' own cost at that size, not at their files' 512/1024.
        const estimate = experimentCost([small, amd], expectedDurations(parseCompare(["--local", "--scale", "0.01", "--scenarios", "books,prime", "--task-size", "256/512"])));
        assert.strictEqual(lines[0], `--local costs nothing in AWS; the same comparison on both stacks would cost about $${estimate.totalUsd.toFixed(2)}:`);
        assert.ok(lines.some((l) => l.startsWith(`  stack arm64 (arm64): $${small.monthly.total.toFixed(2)}/month fixed: `)), lines.join("\n"));
        assert.ok(small.monthly.total < (await stackCost("arm64")).monthly.total);
        const md = fs.readFileSync(out.replace(/\.json$/, ".md"), "utf8");
        assert.match(md, /\| 256 CPU units \/ 512 MiB \(assumed for cost; not a Fargate task\) \|/);
        assert.ok(!md.includes("## Task size"), "already the smallest task: nothing to offer");
        assert.ok(!lines.some((l) => l.includes("--task-size 256/512") && l.includes("measuring")));
    });

    it("after a run at the default size, offers the smallest task with its monthly cost and the command, when the services' memory fits", async () => {
        const out = path.join(h.dir, "default.json");
        // Each test long enough for the services' memory to be sampled (ProcSampler: once a second, from the second reading).
        const slow: ScriptRunner = async (...a) => (await new Promise((r) => setTimeout(r, 1500)), cannedArtillery(...a));
        const { code, lines, caps } = await sizedRun([], out, slow);
        assert.strictEqual(code, 0, lines.join("\n"));
        assert.deepStrictEqual(caps, [512, 512]);
        const md = fs.readFileSync(out.replace(/\.json$/, ".md"), "utf8");
        const arm = (taskHourUsd("arm64", { cpu: 256, memory: 512 }) * HOURS_PER_MONTH).toFixed(2);
        assert.match(md, new RegExp(`## Task size\n\nEvery service fits the smallest Fargate task, 256/512 \\(0\\.25 vCPU / 512 MiB\\): the highest memory measured was \\d+ MiB \\(\\S+ on local-\\w+\\), within the 256 MiB \\(50%\\) it leaves with headroom\\. That task costs arm64 \\$${arm} per task-month`));
        const command = "npm run compare -- --local --scale 0.01 --scenarios books,prime --repeat 2 --task-size 256/512";
        assert.ok(md.includes(`so its capacity and cost per million requests are for measuring, not for predicting: ${command}`), md);
        assert.ok(lines.some((l) => l.endsWith(`for measuring, not for predicting: ${command}`)), lines.join("\n"));
    });

    it("does not offer the smallest task when a service's memory was not measured, and says why", async () => {
        const out = path.join(h.dir, "unmeasured.json");
        const { code, lines } = await sizedRun(["--task-size", "512/1024"], out);
        assert.strictEqual(code, 0, lines.join("\n"));
        const md = fs.readFileSync(out.replace(/\.json$/, ".md"), "utf8");
        assert.match(md, /## Task size\n\nThe smallest Fargate task, 256\/512 \(0\.25 vCPU \/ 512 MiB\), is not offered: the memory of BookStore\.Api on local-\w+ was not measured \(\/proc not readable\)/);
        assert.ok(!lines.some((l) => l.includes("--task-size 256/512")), "no command offered");
    });

    it("a service that does not start fails the deploy phase and leaves nothing running", async () => {
        const lines: string[] = [];
        const code = await compare(["--local", "--no-cap", "--scale", "0.01", "--scenarios", "books", "--out", path.join(h.dir, "x.json")], {
            log: (l) => lines.push(l),
            stateFile: h.stateFile,
            benchDeps: { runScript: cannedArtillery, quiet: true, localCommand: () => ({ command: process.execPath, args: ["-e", "process.exit(3)"] }) },
        });
        assert.strictEqual(code, 1);
        assert.ok(lines.some((l) => l.startsWith("== deploy: failed after")), lines.join("\n"));
        assert.ok(lines.some((l) => l === "== destroy: done in 0s"));
        assert.ok(!fs.existsSync(path.join(h.dir, "x.json")));
        assert.strictEqual(readRunState(h.stateFile), undefined);
    });

    it("stops the services an earlier, killed run left running, and leaves a reused pid alone", async () => {
        const { spawn } = await import("child_process");
        const { cmdlineOf } = await import("../local-driver");
        const left = spawn(process.execPath, [STUB, "0"], { stdio: "ignore" });
        const other = spawn(process.execPath, ["-e", "setTimeout(() => undefined, 60000)"], { stdio: "ignore" });
        await new Promise((r) => setTimeout(r, 500));
        fs.mkdirSync(path.dirname(h.stateFile), { recursive: true });
        fs.writeFileSync(h.stateFile, JSON.stringify({
            format: "dotnet-fargate-compare/1", runId: "killed", startedAt: "2026-12-01T00:00:00Z", mode: "local", stacks: {},
            processes: [{ name: "BookStore.Api", pid: left.pid, cmdline: cmdlineOf(left.pid) }, { name: "Prime.Api", pid: other.pid, cmdline: "dotnet Prime.Api.dll" }],
        }));
        const lines: string[] = [];
        const code = await compare(["--cleanup"], { log: (l) => lines.push(l), stateFile: h.stateFile });
        assert.strictEqual(code, 0, lines.join("\n"));
        // --cleanup signals and does not wait: the stub ends, and is reaped, when it gets to it.
        const gone = left.exitCode !== null || left.signalCode !== null || (await new Promise<boolean>((r) => {
            const timer = setTimeout(() => r(false), 10_000);
            left.once("exit", () => (clearTimeout(timer), r(true)));
        }));
        assert.ok(gone && !isProcessAlive(left.pid as number), "the recorded service is stopped");
        assert.ok(isProcessAlive(other.pid as number), "a pid now running something else is left alone");
        assert.ok(lines.includes(`   stopped BookStore.Api (pid ${left.pid}), left running by the interrupted run`), lines.join("\n"));
        assert.strictEqual(readRunState(h.stateFile), undefined);
        other.kill();
    });

    it("Ctrl-C (SIGINT to the process) during the benchmark stops the services and leaves nothing", async () => {
        const { spawn } = await import("child_process");
        const child = spawn(process.execPath, [path.join(__dirname, "interrupt-child.js"), h.stateFile, "local"], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        const deadline = Date.now() + 60_000;
        // The first scenario's line: the benchmark has printed its plan and is running load (a SIGINT before it
        // left the plan lines to be printed after the destroy's first line).
        while (!/^\[1\/1\] /m.test(out) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 100));
        }
        assert.match(out, /^\[1\/1\] /m, "the benchmark's first scenario started within 60 s");
        const pids = [...out.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
        assert.strictEqual(pids.length, 1, out);
        assert.ok(isProcessAlive(pids[0]));
        child.kill("SIGINT");
        const code = await new Promise<number | null>((r) => child.on("exit", r));
        assert.strictEqual(code, 130, out);
        assert.ok(!isProcessAlive(pids[0]), "the service is stopped");
        assert.match(out, /== benchmark: failed after \d+s: interrupted\n== destroy: stop the services and remove what they used\nstopped BookStore\.Api\n== destroy: done in \d+s/);
        assert.strictEqual(readRunState(h.stateFile), undefined);
    });

    it("--keep is refused with --local", async () => {
        await assert.rejects(compare(["--local", "--keep"], { log: () => undefined, stateFile: h.stateFile }), /^UsageError: --keep is for the stacks; --local stops its services when the run ends/);
    });
});
