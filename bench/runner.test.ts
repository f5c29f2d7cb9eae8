import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort } from "./local";
import { runPhase } from "./loadgen";
import { readResults } from "./results";
import { main, parseCli } from "./run";
import { capacityOutcome, judgeStep, preflight, runCapacity, Target } from "./runner";
import { CommandRunner, runCommand } from "./stack-outputs";
import { summarise } from "./stats";
import { startStub, Stub } from "./stub-server";

const STUB_SCRIPT = path.resolve(__dirname, "stub-server.js");

function stubTarget(label: string, url: string): Target {
    return {
        label,
        mode: "stack",
        architecture: "arm64",
        baseUrlFor: () => url,
        urls: { alb: url },
        taskSize: { cpu: 512, memory: 1024 },
        tasksPerService: 1,
        serverCpuModel: "unknown",
    };
}

/** A fake `pulumi` that answers `stack output --json --stack <name>` from a table. */
function fakePulumi(outputs: Record<string, unknown>): CommandRunner {
    return async (command, args) => {
        assert.strictEqual(command, "pulumi");
        const stack = args[args.indexOf("--stack") + 1];
        if (!(stack in outputs)) {
            return { code: 255, stdout: "", stderr: `error: no stack named '${stack}' found\n` };
        }
        return { code: 0, stdout: JSON.stringify(outputs[stack]), stderr: "" };
    };
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

describe("bench runner against a local server", function () {
    this.timeout(90_000);
    let stub: Stub;
    let dir: string;
    const quiet = () => undefined;

    beforeEach(async () => {
        stub = await startStub();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-run-"));
    });
    afterEach(async () => {
        await stub.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("sends arrivals on schedule (open model) and records every response", async () => {
        const samples = await runPhase({ baseUrl: stub.url, path: "/api/categories", durationS: 2, arrivalRate: 25 });
        assert.strictEqual(samples.length, 50);
        assert.deepStrictEqual(
            samples.slice(0, 3).map((s) => s.startMs),
            [0, 40, 80],
        );
        const s = summarise(samples, 2);
        assert.deepStrictEqual(s.statusCounts, { "200": 50 });
        assert.strictEqual(s.bytes, 50 * JSON.stringify([{ id: 1, name: "Fiction" }]).length);
        assert.strictEqual(s.achievedRps, 25);
        assert.strictEqual(stub.hits.get("/api/categories"), 50);
        assert.ok(samples.every((x) => x.lagMs !== undefined && x.lagMs >= 0), "every sample records its send lag");
    });

    it("records refused connections as errors, not latencies", async () => {
        const port = await freePort();
        const samples = await runPhase({ baseUrl: `http://127.0.0.1:${port}`, path: "/x", durationS: 1, arrivalRate: 5 });
        const s = summarise(samples, 1);
        assert.deepStrictEqual(s.errors, { ECONNREFUSED: 5 });
        assert.strictEqual(s.latency, null);
        assert.strictEqual(s.errorRate, 1);
    });

    it("preflight names the unreachable URL", async () => {
        const port = await freePort();
        await assert.rejects(
            preflight([stubTarget("arm64", `http://127.0.0.1:${port}`)], ["/api/books"], 2000),
            new RegExp(`arm64: http://127\\.0\\.0\\.1:${port}/api/books is unreachable \\(ECONNREFUSED\\)`),
        );
        assert.deepStrictEqual(await preflight([stubTarget("arm64", stub.url)], ["/api/books", "/nope"]), [
            `arm64: GET ${stub.url}/nope answered 404 before the test`,
        ]);
    });

    it("judges capacity steps and stops at the first failure", () => {
        const ok = summarise([{ startMs: 0, latencyMs: 50, status: 200, bytes: 1 }], 1);
        const slow = summarise([{ startMs: 0, latencyMs: 250, status: 200, bytes: 1 }], 1);
        const failing = summarise(
            [
                { startMs: 0, latencyMs: 5, status: 200, bytes: 1 },
                { startMs: 1, bytes: 0, error: "ECONNRESET" },
            ],
            1,
        );
        const limits = { p99TargetMs: 200, maxErrorRate: 0.01 };
        assert.deepStrictEqual(judgeStep(ok, limits), { held: true });
        assert.deepStrictEqual(judgeStep(slow, limits), { held: false, reason: "p99 250.0 ms > 200 ms" });
        assert.deepStrictEqual(judgeStep(failing, limits), { held: false, reason: "error rate 50.00% > 1.00%" });
        assert.deepStrictEqual(capacityOutcome([{ rate: 10, held: true }, { rate: 20, held: true }, { rate: 30, held: false }]), {
            highestRateHeld: 20,
            stoppedBecause: "failed step",
        });
        assert.deepStrictEqual(capacityOutcome([{ rate: 10, held: false }]), { highestRateHeld: null, stoppedBecause: "failed step" });
        assert.deepStrictEqual(capacityOutcome([{ rate: 10, held: true }]), { highestRateHeld: 10, stoppedBecause: "reached maxRate" });
    });

    it("finds the capacity of a server that does 20 ms of serial work per request (50/s)", async () => {
        const slow = await startStub({ serialMs: 20 });
        try {
            const result = await runCapacity(
                stubTarget("stub", slow.url),
                { name: "cap", url: "/api/books", startRate: 20, step: 20, maxRate: 100, stepDuration: 2, p99TargetMs: 150, maxErrorRate: 0.01 },
                5000,
                quiet,
            );
            assert.strictEqual(result.highestRateHeld, 40);
            assert.strictEqual(result.stoppedBecause, "failed step");
            assert.deepStrictEqual(
                result.steps.map((s) => [s.rate, s.held]),
                [
                    [20, true],
                    [40, true],
                    [60, false],
                ],
            );
        } finally {
            await slow.close();
        }
    });

    it("--stacks: reads both stacks' outputs, runs both, writes results and the report", async () => {
        const out = path.join(dir, "two.json");
        const outputs = {
            arm64: { url: stub.url, architecture: "arm64", taskSize: { cpu: 512, memory: 1024 }, estimatedMonthlyCostUsd: { total: 101.5 } },
            amd64: { url: `${stub.url}/`, architecture: "amd64", taskSize: { cpu: 1024, memory: 2048 } },
        };
        const lines: string[] = [];
        const file = await main(
            ["--stacks", "arm64,amd64", "--scale", "0.01", "--scenarios", "books,prime,capacity", "--capacity-start", "25", "--capacity-step", "25", "--capacity-max", "50", "--out", out],
            { runCommand: fakePulumi(outputs), log: (l) => lines.push(l), quiet: true },
        );
        assert.strictEqual(file, out);
        const results = readResults(out);
        assert.deepStrictEqual(
            results.runs.map((r) => [r.label, r.architecture, r.taskSize.cpu, r.scenarios.map((s) => s.id), r.capacity[0].highestRateHeld]),
            [
                ["arm64", "arm64", 512, ["books", "prime"], 50],
                ["amd64", "amd64", 1024, ["books", "prime"], 50],
            ],
        );
        const books = results.runs[0].scenarios[0];
        assert.strictEqual(books.summary.requests, 100); // 2 s (180 s x 0.01, rounded) at 50/s
        assert.strictEqual(books.summary.failed, 0);
        assert.ok(results.runs[0].utilisation.every((u) => !u.measured));
        assert.deepStrictEqual(results.runs[0].estimatedMonthlyCostUsd, { total: 101.5 });
        assert.ok(books.sendLagMs && books.sendLagMs.max >= 0);
        assert.ok(fs.readFileSync(path.join(dir, "two.md"), "utf8").includes("| $101.50 (stack output) |"));
        assert.ok(fs.existsSync(path.join(dir, "two.md")) && fs.existsSync(path.join(dir, "two.html")));
        assert.ok(lines.some((l) => /\[1\/4\] GET \/api\/books on arm64: 50\/s for 2 s/.test(l)), lines.join("\n"));
    });

    it("--stacks: an unknown stack is a clear error and nothing is written", async () => {
        const out = path.join(dir, "bad.json");
        await assert.rejects(
            main(["--stacks", "arm64,nosuch", "--scale", "0.01", "--out", out], {
                runCommand: fakePulumi({ arm64: { url: stub.url, architecture: "arm64" } }),
                log: quiet,
                quiet: true,
            }),
            /Unknown stack "nosuch": error: no stack named 'nosuch' found\. The stacks of this project are arm64, amd64/,
        );
        assert.deepStrictEqual(fs.readdirSync(dir), []);
    });

    it("--stacks: a stack without a url output, or no Pulumi CLI, is a clear error", async () => {
        await assert.rejects(
            main(["--stacks", "arm64", "--out", path.join(dir, "x.json")], {
                runCommand: fakePulumi({ arm64: { architecture: "arm64" } }),
                log: quiet,
                quiet: true,
            }),
            /Stack "arm64" has no `url` output; has it been deployed \(`pulumi up --stack arm64`\)\? Outputs present: architecture\./,
        );
        const missingCli: CommandRunner = (_command, args) => runCommand("pulumi-not-installed-bench-test", args);
        await assert.rejects(
            main(["--stacks", "arm64", "--out", path.join(dir, "x.json")], { runCommand: missingCli, log: quiet, quiet: true }),
            /The Pulumi CLI \(`pulumi`\) is not installed or not on PATH/,
        );
        assert.deepStrictEqual(fs.readdirSync(dir), []);
    });

    it("--stacks: an unreachable URL is a clear error before any load, and nothing is written", async () => {
        const port = await freePort();
        await assert.rejects(
            main(["--stacks", "amd64", "--scale", "0.01", "--out", path.join(dir, "x.json")], {
                runCommand: fakePulumi({ amd64: { url: `http://127.0.0.1:${port}`, architecture: "amd64" } }),
                log: quiet,
                quiet: true,
            }),
            /amd64: http:\/\/127\.0\.0\.1:\d+\/api\/books is unreachable \(ECONNREFUSED\)/,
        );
        assert.deepStrictEqual(fs.readdirSync(dir), []);
    });

    it("--local: starts one process per service needed, routes each path to it, samples it, and stops it", async () => {
        const out = path.join(dir, "local.json");
        const pids: number[] = [];
        const lines: string[] = [];
        await main(["--local", "--scale", "0.01", "--scenarios", "books,prime", "--out", out], {
            log: (l) => {
                lines.push(l);
                const m = /\(pid (\d+)\)/.exec(l);
                if (m) {
                    pids.push(Number(m[1]));
                }
            },
            quiet: true,
            localCommand: (_name, port) => ({ command: process.execPath, args: [STUB_SCRIPT, String(port)] }),
        });
        assert.strictEqual(pids.length, 2, lines.join("\n"));
        assert.ok(pids.every((pid) => !isAlive(pid)), "every started process has exited");
        const results = readResults(out);
        const run = results.runs[0];
        assert.strictEqual(run.mode, "local");
        assert.strictEqual(run.label, `local-${run.architecture}`);
        assert.deepStrictEqual(Object.keys(run.urls), ["BookStore.Api", "Prime.Api"]);
        assert.strictEqual(run.serverCpuModel, results.machine.cpuModel);
        assert.deepStrictEqual(
            run.scenarios.map((s) => [s.id, s.summary.failed, s.summary.requests]),
            [
                ["books", 0, 100],
                ["prime", 0, 6],
            ],
        );
        assert.deepStrictEqual(
            run.utilisation.map((u) => [u.service, u.source]),
            [
                ["BookStore.Api", "procfs"],
                ["Prime.Api", "procfs"],
            ],
        );
    });

    it("--local: a service that does not start is a clear error, and the others are stopped", async () => {
        await assert.rejects(
            main(["--local", "--scale", "0.01", "--scenarios", "books", "--out", path.join(dir, "x.json")], {
                log: quiet,
                quiet: true,
                localCommand: () => ({ command: process.execPath, args: ["-e", "process.exit(3)"] }),
            }),
            /BookStore\.Api did not start: the process serving http:\/\/127\.0\.0\.1:\d+\/healthz exited before it was healthy/,
        );
        assert.deepStrictEqual(fs.readdirSync(dir), []);
    });

    it("parses the command line and refuses bad flags with the usage", () => {
        const o = parseCli(["--stacks", "arm64,amd64", "--scale", "0.5", "--p99-target", "150", "--tasks", "2"]);
        assert.deepStrictEqual([o.stacks, o.scale, o.capacity.p99TargetMs, o.tasks, o.local], [["arm64", "amd64"], 0.5, 150, 2, false]);
        assert.throws(() => parseCli([]), /Give exactly one of --stacks <names> or --local[\s\S]*Usage:/);
        assert.throws(() => parseCli(["--local", "--stacks", "arm64"]), /Give exactly one/);
        assert.throws(() => parseCli(["--local", "--scale", "0"]), /--scale must be a number greater than 0, got "0"/);
        assert.throws(() => parseCli(["--local", "--scenarios", "books,nope"]), /unknown scenario "nope"/);
        assert.throws(() => parseCli(["--local", "--max-error-rate", "1.5"]), /--max-error-rate must be a fraction in \[0, 1\)/);
        assert.throws(() => parseCli(["--local", "--bogus"]), /Unknown option '--bogus'/);
    });
});
