import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { artilleryScript } from "./artillery";
import { checkAwsCredentials, CredentialsError, fargateArgs, fargateRunner, shareAmongWorkers } from "./fargate";
import { main } from "./run";
import { parseStackOutputs } from "./stack-outputs";

const placement = { region: "eu-west-1", subnetIds: ["subnet-0a", "subnet-0b"], securityGroupId: "sg-0lg" };

/** An Artillery `--output` file's content, shaped as artillery-2.0.34's lib/cmds/run.ts writes it. */
const OUTPUT = JSON.stringify({
    aggregate: {
        counters: { "vusers.created": 20, "http.requests": 20, "http.responses": 20, "http.codes.200": 20 },
        rates: {},
        summaries: { "http.response_time": { min: 1, max: 9, count: 20, mean: 3, median: 2, p75: 3, p90: 5, p95: 7, p99: 9, p999: 9 } },
    },
    intermediate: [],
});

describe("--engine fargate (artillery run-fargate)", () => {
    it("builds the run-fargate command line: workers, region, the stack's private subnets and security group, the output", () => {
        // Flags as artilleryio/artillery packages/artillery/lib/cmds/run-fargate.ts (tag artillery-2.0.34) declares them.
        assert.deepStrictEqual(fargateArgs({ count: 4, region: "eu-west-1", placement }, "/t/s.yml", "/t/o.json"), [
            "run-fargate",
            "--count",
            "4",
            "--region",
            "eu-west-1",
            "--subnet-ids",
            "subnet-0a,subnet-0b",
            "--security-group-ids",
            "sg-0lg",
            "--no-assign-public-ip",
            "--output",
            "/t/o.json",
            "/t/s.yml",
        ]);
        assert.deepStrictEqual(fargateArgs({ count: 1, region: "us-east-1" }, "s.yml", "o.json"), [
            "run-fargate",
            "--count",
            "1",
            "--region",
            "us-east-1",
            "--output",
            "o.json",
            "s.yml",
        ]);
        assert.throws(() => fargateArgs({ count: 0, region: "us-east-1" }, "s", "o"), /--count must be a whole number >= 1, got 0/);
        assert.throws(() => fargateArgs({ count: 2, region: "us-east-1", placement }, "s", "o"), /loadGenerator is in eu-west-1, not us-east-1/);
    });

    it("runs the script it was given with run-fargate and reads the output file Artillery wrote", async () => {
        const seen: { args: string[]; script: unknown }[] = [];
        const run = fargateRunner(
            { count: 3, region: "eu-west-1", placement },
            {
                bin: "artillery",
                spawnArtillery: async (_bin, args) => {
                    const { parse } = await import("yaml");
                    seen.push({ args, script: parse(fs.readFileSync(args[args.length - 1], "utf8")) });
                    fs.writeFileSync(args[args.indexOf("--output") + 1], OUTPUT);
                    return 0;
                },
            },
        );
        const script = artilleryScript("http://alb.example.invalid", "/api/books", [{ name: "p", duration: 10, arrivalRate: 6 }], 10_000);
        const result = await run(script);
        assert.strictEqual(seen.length, 1);
        assert.deepStrictEqual(seen[0].args.slice(0, 5), ["run-fargate", "--count", "3", "--region", "eu-west-1"]);
        // Every worker runs the whole script: three at 2/s send the 6/s asked for.
        const config = script.config as Record<string, unknown>;
        assert.deepStrictEqual(seen[0].script, { ...script, config: { ...config, phases: [{ name: "p", duration: 10, arrivalRate: 2 }] } });
        assert.strictEqual(result.report.aggregate.counters["http.responses"], 20);
        assert.strictEqual(result.clientCpuPercent, null);
        const failing = fargateRunner({ count: 1, region: "eu-west-1" }, { bin: "artillery", spawnArtillery: async () => 1 });
        await assert.rejects(failing(script), /artillery run-fargate exited with 1 and wrote no output/);
    });

    it("divides every phase's rate among the workers, on as many of them as divide every rate in whole arrivals", async () => {
        const phases = (...rates: number[]) => rates.map((r, i) => ({ name: `p${i}`, duration: 30, arrivalRate: r }));
        const rates = (s: Record<string, unknown>) => ((s.config as { phases: { arrivalRate: number }[] }).phases).map((p) => p.arrivalRate);
        const split = (count: number, ...r: number[]) => {
            const out = shareAmongWorkers(artilleryScript("http://alb.example.invalid", "/", phases(...r), 10_000), count);
            return [out.workers, rates(out.script)];
        };
        assert.deepStrictEqual(split(4, 400, 48, 96), [4, [100, 12, 24]]);
        assert.deepStrictEqual(split(4, 50), [2, [25]]);
        assert.deepStrictEqual(split(4, 13), [1, [13]]);
        assert.deepStrictEqual(split(4, 3), [3, [1]]);
        assert.deepStrictEqual(split(4, 12, 8, 6), [2, [6, 4, 3]]);
        assert.deepStrictEqual(split(1, 7), [1, [7]]);
        assert.throws(() => split(4, 2.5), /every phase needs a whole arrivalRate > 0 to divide among workers, got \[2.5\]/);

        const seen: string[][] = [];
        const lines: string[] = [];
        const run = fargateRunner(
            { count: 4, region: "eu-west-1" },
            {
                bin: "artillery",
                log: (line) => lines.push(line),
                spawnArtillery: async (_bin, args) => {
                    seen.push(args);
                    fs.writeFileSync(args[args.indexOf("--output") + 1], OUTPUT);
                    return 0;
                },
            },
        );
        await run(artilleryScript("http://alb.example.invalid", "/api/books", phases(50), 10_000));
        assert.deepStrictEqual(seen[0].slice(0, 3), ["run-fargate", "--count", "2"]);
        assert.ok(lines.includes("the rates 50/s do not divide among 4 workers: 2 worker(s) send them, 25/s each"), lines.join("\n"));
    });

    it("refuses with a clear message when no AWS credentials are to be found", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "bench-home-"));
        try {
            assert.throws(
                () => checkAwsCredentials({}, home),
                (e: Error) =>
                    e instanceof CredentialsError &&
                    e.message.startsWith("--engine fargate needs AWS credentials and none were found: set AWS_ACCESS_KEY_ID") &&
                    e.message.includes(path.join(home, ".aws", "credentials")),
            );
            assert.strictEqual(checkAwsCredentials({ AWS_PROFILE: "bench" }, home), "AWS_PROFILE");
            fs.mkdirSync(path.join(home, ".aws"));
            fs.writeFileSync(path.join(home, ".aws", "config"), "[default]\nregion = eu-west-1\n");
            assert.strictEqual(checkAwsCredentials({}, home), path.join(home, ".aws", "config"));
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
    });

    it("reads the stack's loadGenerator output and refuses a malformed one", () => {
        const base = { url: "http://alb.example.invalid", architecture: "arm64" };
        assert.deepStrictEqual(parseStackOutputs("arm64", { ...base, loadGenerator: placement }).loadGenerator, placement);
        assert.strictEqual(parseStackOutputs("arm64", base).loadGenerator, undefined);
        assert.throws(
            () => parseStackOutputs("arm64", { ...base, loadGenerator: { region: "eu-west-1", subnetIds: [], securityGroupId: "sg-1" } }),
            /Stack "arm64" output `loadGenerator` is .*; expected \{ region, subnetIds: \["subnet-..."\], securityGroupId: "sg-..." \}/,
        );
    });

    it("the CLI: --engine fargate needs --stacks and --count, and stops before any load without credentials", async () => {
        await assert.rejects(main(["--local", "--engine", "fargate", "--count", "2"]), /--engine fargate needs --stacks .* and --count <workers>/);
        await assert.rejects(main(["--stacks", "arm64", "--engine", "fargate"]), /--engine fargate needs --stacks .* and --count <workers>/);
        await assert.rejects(main(["--local", "--count", "2"]), /--count is for --engine fargate/);
        const saved = { ...process.env };
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "bench-home-"));
        try {
            for (const k of Object.keys(process.env).filter((k) => k.startsWith("AWS_"))) {
                delete process.env[k];
            }
            process.env.HOME = home;
            let ranScript = false;
            await assert.rejects(
                main(["--stacks", "arm64", "--engine", "fargate", "--count", "2"], {
                    runScript: async () => {
                        ranScript = true;
                        throw new Error("no load expected");
                    },
                    runCommand: async () => ({ code: 0, stdout: JSON.stringify({ url: "http://alb.example.invalid" }), stderr: "" }),
                    log: () => undefined,
                }),
                /--engine fargate needs AWS credentials and none were found/,
            );
            assert.strictEqual(ranScript, false);
        } finally {
            process.env = saved;
            fs.rmSync(home, { recursive: true, force: true });
        }
    });
});
