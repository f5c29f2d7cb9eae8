/** The small parts of compare: ECR repositories from an `images` output and their emptying, health checks, flags. */
import * as assert from "assert";
import { emptyRepositories, EcrApi, repositoriesOf } from "../ecr";
import { stackHealthChecks } from "../health";
import { parseCompare } from "../options";
import { parseCli } from "../../bench/options";
import { EventSummary, formatDuration } from "../progress";

describe("compare: parts", () => {
    it("finds each repository once in an images output (docker-build refs), ignoring anything else", () => {
        assert.deepStrictEqual(
            repositoriesOf({
                bookstore: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dotnet-fargate-arm64-bookstore:abc@sha256:00",
                again: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dotnet-fargate-arm64-bookstore:def@sha256:11",
                hub: "docker.io/library/nginx:1",
            }),
            [{ registryId: "123456789012", region: "eu-west-1", name: "dotnet-fargate-arm64-bookstore" }],
        );
        assert.deepStrictEqual(repositoriesOf(undefined), []);
    });

    it("deletes images 100 at a time and reports what ECR refused", async () => {
        const batches: number[] = [];
        const api: EcrApi = {
            listRepositories: async () => [],
            listDigests: async () => Array.from({ length: 250 }, (_, i) => `sha256:${i}`),
            deleteDigests: async (_r, d) => (batches.push(d.length), batches.length === 3 ? ["sha256:249: ImageNotFound"] : []),
        };
        const problems = await emptyRepositories([{ region: "eu-west-1", registryId: "1", name: "r" }], api, () => undefined);
        assert.deepStrictEqual(batches, [100, 100, 50]);
        assert.deepStrictEqual(problems, ["r: sha256:249: ImageNotFound"]);
    });

    it("checks our services at their smoke path for 200, a user's on its first path for any answer from it", () => {
        const checks = stackHealthChecks("arm64", "http://alb.example/", ["bookstore", "echo"], { echo: ["/echo/*"] });
        assert.deepStrictEqual(checks.map((c) => [c.label, c.url, c.accept(200), c.accept(404), c.accept(503)]), [
            ["arm64/bookstore", "http://alb.example/api/books", true, false, false],
            ["arm64/echo", "http://alb.example/echo/", true, true, false],
        ]);
    });

    it("passes the benchmark's flags to its parser and refuses --stacks", () => {
        const o = parseCompare(["--yes", "--scale", "0.1", "--scenarios", "books"]);
        assert.deepStrictEqual([o.yes, o.local, o.bench.stacks, o.bench.scale, o.healthTimeoutMs], [true, false, ["arm64", "amd64"], 0.1, 600_000]);
        // Two capacity searches per target by default, so the report can weigh a difference against the noise.
        assert.deepStrictEqual([o.bench.repeat, o.benchArgs], [2, ["--scale", "0.1", "--scenarios", "books", "--repeat", "2"]]);
        assert.deepStrictEqual([parseCompare(["--repeat", "1"]).bench.repeat, parseCompare(["--local", "--repeat=3"]).bench.repeat], [1, 3], "--repeat overrides it");
        assert.throws(() => parseCompare(["--stacks", "a"]), /^UsageError: --stacks is set by compare \(arm64,amd64\); to benchmark other stacks use npm run bench/);
        assert.throws(() => parseCompare(["--scale", "0"]), /^UsageError: benchmark flags: --scale must be a number greater than 0, got "0"/);
    });

    it("--task-size: read as CPU units/MiB, checked against Fargate's table, kept from the stacks' benchmark and given to --local's", () => {
        const stacks = parseCompare(["--task-size", "256/512", "--scale", "0.1"]);
        assert.deepStrictEqual([stacks.taskSize, stacks.benchArgs], [{ cpu: 256, memory: 512 }, ["--scale", "0.1", "--repeat", "2"]]);
        const local = parseCompare(["--local", "--task-size=1024/3072"]);
        assert.deepStrictEqual([local.taskSize, local.bench.taskSize], [{ cpu: 1024, memory: 3072 }, { cpu: 1024, memory: 3072 }]);
        assert.strictEqual(parseCompare([]).taskSize, undefined);
        for (const [given, message] of [
            ["256/500", 'memory 500 in "256/500": with 256 CPU units, Fargate accepts 512, 1024 to 2048 MiB in steps of 1024'],
            ["300/1024", 'CPU 300 in "300/1024": expected one of 256, 512, 1024, 2048, 4096, 8192, 16384 (CPU units, 1024 = 1 vCPU)'],
            ["0.25/512", 'expected <CPU units>/<memory MiB> as Fargate takes them, e.g. 256/512 (0.25 vCPU, 512 MiB) or 512/1024, got "0.25/512"'],
        ]) {
            assert.throws(() => parseCompare(["--task-size", given]), (e: Error) => e.name === "UsageError" && e.message.startsWith(`--task-size: ${message}\n\nUsage: npm run compare`), given);
        }
        assert.throws(() => parseCompare(["--task-size"]), /^UsageError: --task-size: expected <CPU units>\/<memory MiB> as Fargate takes them, e\.g\. 256\/512 .*, got ""/);
        assert.throws(() => parseCompare(["--cleanup", "--task-size", "256/512"]), /^UsageError: --task-size is not for --cleanup: the clean-up reads the stack files the recorded run deployed from/);
    });

    it("bench's --task-size is for --local: a stack runs at the size it was deployed with", () => {
        assert.deepStrictEqual(parseCli(["--local", "--task-size", "256/512"]).taskSize, { cpu: 256, memory: 512 });
        assert.strictEqual(parseCli(["--local"]).taskSize, undefined);
        assert.throws(() => parseCli(["--stacks", "arm64", "--task-size", "256/512"]), /^UsageError: --task-size is for --local; a stack runs at the size it was deployed with/);
        assert.throws(() => parseCli(["--local", "--task-size", "512/512"]), /^UsageError: --task-size: memory 512 in "512\/512": with 512 CPU units, Fargate accepts 1024 to 4096 MiB in steps of 1024/);
    });

    it("summarises Pulumi's events per stack: done out of started, failures named", () => {
        const lines: string[] = [];
        let now = 0;
        const s = new EventSummary("amd64", (l) => lines.push(l), 1000, () => now, 0);
        const meta = (op: string) => ({ op, urn: "urn:pulumi:amd64::p::aws:ecs/service:Service::svc", type: "aws:ecs/service:Service" }) as never;
        s.onEvent({ sequence: 0, timestamp: 0, resourcePreEvent: { metadata: meta("create") } });
        s.onEvent({ sequence: 1, timestamp: 0, resourcePreEvent: { metadata: meta("create"), planning: true } });
        now = 65_000;
        s.onEvent({ sequence: 2, timestamp: 0, resOpFailedEvent: { metadata: meta("create"), status: 1, steps: 1 } });
        // At most one summary line a second (the first event came at 0 s, too soon); a failure is printed at once.
        assert.deepStrictEqual(lines, ["   amd64: failed create aws:ecs/service:Service (svc)", "   amd64: 0/1 resources done, 1 failed, 1m05s"]);
        assert.strictEqual(formatDuration(3_725_000), "1h02m");
    });
});
