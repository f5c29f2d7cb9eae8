import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SECRET_SIG, SECRET_SIG_KEY } from "../tools/offline";
import { main, parseArgs, redact, summarize, TEXT_WIDTH, wrapPairs } from "../tools/synth";

describe("npm run synth", () => {
    it("reads --stack and --json", () => {
        assert.deepStrictEqual(parseArgs(["--stack", "arm64"]), { stack: "arm64", json: false });
        assert.deepStrictEqual(parseArgs(["--json", "--stack=amd64"]), { stack: "amd64", json: true });
        assert.deepStrictEqual(parseArgs(["--stack", "amd64", "--json", "--out", "x.json"]), { stack: "amd64", json: true, out: "x.json" });
    });

    it("reads --config pairs, with or without the project prefix", () => {
        assert.deepStrictEqual(parseArgs(["--stack", "arm64", "--config", 'database={"enabled":true}', "-c", "dotnet-fargate:taskCpu=1024"]), {
            stack: "arm64", json: false, config: { "dotnet-fargate:database": '{"enabled":true}', "dotnet-fargate:taskCpu": "1024" },
        });
    });

    const usage = "Usage: npm run synth -- --stack <amd64|arm64> [--config key=value ...] [--json] [--out <file>]";
    const bad: [string[], string][] = [
        [[], `--stack is required. ${usage}`],
        [["--stack"], `--stack needs a stack name. ${usage}`],
        [["--stack", "arm64", "--yaml"], `unknown argument "--yaml". ${usage}`],
        [["--stack", "arm64", "--out"], `--out needs a file name. ${usage}`],
        [["--stack", "arm64", "--config", "database"], `--config needs key=value, such as database='{"enabled":true}'. ${usage}`],
    ];
    for (const [argv, message] of bad) {
        it(`refuses ${JSON.stringify(argv)}`, () => assert.throws(() => parseArgs(argv), { name: "UsageError", message }));
    }

    it("refuses a stack without a stack file", async () => {
        await assert.rejects(main(["--stack", "riscv64"]), { message: 'There is no stack "riscv64": Pulumi.riscv64.yaml does not exist. Stacks: amd64, arm64.' });
    });

    it("never prints a secret", () => {
        const secret = { [SECRET_SIG_KEY]: SECRET_SIG, value: "hunter2" };
        assert.deepStrictEqual(redact({ a: [secret, "plain"], b: { c: secret } }), { a: ["[secret]", "plain"], b: { c: "[secret]" } });
    });

    it("summarizes nested inputs on one line", () => {
        assert.strictEqual(summarize({ cpu: "512", runtimePlatform: { cpuArchitecture: "ARM64" }, platforms: ["linux/arm64"], rules: [{}, {}] }), "cpu=512 runtimePlatform.cpuArchitecture=ARM64 platforms=[linux/arm64] rules=[2 items]");
    });

    it("prints every resource of a stack with parsed inputs and the cost, as JSON", async () => {
        const out = JSON.parse(await main(["--stack", "amd64", "--json"]));
        assert.strictEqual(out.stack, "amd64");
        const types = out.resources.map((r: { type: string }) => r.type);
        assert.strictEqual(types.filter((t: string) => t === "aws:ecs/service:Service").length, 2);
        const taskDef = out.resources.find((r: { type: string }) => r.type === "aws:ecs/taskDefinition:TaskDefinition");
        assert.strictEqual(taskDef.inputs.runtimePlatform.cpuArchitecture, "X86_64");
        assert.strictEqual(taskDef.inputs.containerDefinitions[0].readonlyRootFilesystem, true, "container definitions are parsed, not strings");
        const image = out.resources.find((r: { type: string }) => r.type === "docker-build:index:Image");
        assert.deepStrictEqual(image.inputs.platforms, ["linux/amd64"]);
        assert.strictEqual(image.inputs.registries, "[secret]");
        // 730 vCPU-h x 0.04048 = 29.55; 1460 GB-h x 0.004445 = 6.49; ALB 16.43; NAT 32.85; IPv4 10.95.
        assert.strictEqual(out.outputs.estimatedMonthlyCostUsd.total, 96.27);
    });

    it("answers the program's region lookup with the stack's aws:region", async () => {
        const out = JSON.parse(await main(["--stack", "arm64", "--json", "--config", "aws:region=us-east-1"]));
        const taskDef = out.resources.find((r: { type: string }) => r.type === "aws:ecs/taskDefinition:TaskDefinition");
        assert.strictEqual(taskDef.inputs.containerDefinitions[0].logConfiguration.options["awslogs-region"], "us-east-1");
    });

    it("synthesizes each stack with the database on: its class, the task's secret, and its price", async () => {
        for (const [stack, instanceClass, total] of [["arm64", "db.t4g.small", 89.07 + 25.66], ["amd64", "db.t3.small", 96.27 + 28.58]] as const) {
            const out = JSON.parse(await main(["--stack", stack, "--json", "--config", 'database={"enabled":true}']));
            const instance = out.resources.find((r: { type: string }) => r.type === "aws:rds/instance:Instance");
            assert.strictEqual(instance.inputs.instanceClass, instanceClass);
            assert.strictEqual(out.outputs.database.instanceClass, instanceClass);
            const app = out.resources.find((r: { type: string; name: string }) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === `dotnet-fargate-${stack}-bookstore-task`).inputs.containerDefinitions[0];
            assert.deepStrictEqual(app.secrets.map((x: { name: string }) => x.name), ["BookStore__DatabasePassword"]);
            assert.strictEqual(out.outputs.estimatedMonthlyCostUsd.total, Math.round(total * 100) / 100);
        }
    });

    it("prints a readable listing with the cost", async () => {
        const text = await main(["--stack", "arm64"]);
        assert.match(text, /^Stack arm64: \d+ resources/);
        assert.match(text, /runtimePlatform\.cpuArchitecture=ARM64/);
        assert.match(text, /total\s+89\.07/);
    });

    it("writes the JSON to --out, so nothing npm prints can mix with it", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
        try {
            const file = path.join(dir, "amd64.json");
            assert.strictEqual(await main(["--stack", "amd64", "--json", "--out", file]), `synth: wrote ${file}`);
            assert.strictEqual(JSON.parse(fs.readFileSync(file, "utf8")).stack, "amd64");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it(`keeps every line of the listing within ${TEXT_WIDTH} columns`, async () => {
        const long = (await main(["--stack", "arm64"])).split("\n").filter((l) => l.length > TEXT_WIDTH);
        assert.deepStrictEqual(long, []);
        assert.deepStrictEqual(wrapPairs(["a=1", "b=2", "c=3"], "  ", 9), ["  a=1 b=2", "  c=3"]);
    });

    it("runs as a command without the engine's warning about an undefined output", () => {
        const script = path.join(__dirname, "..", "tools", "synth.js");
        const result = spawnSync(process.execPath, [script, "--stack", "arm64"], { encoding: "utf8", timeout: 60_000 });
        assert.strictEqual(result.status, 0, result.stderr);
        assert.match(result.stdout, /^Stack arm64: \d+ resources/);
        assert.doesNotMatch(result.stdout + result.stderr, /Undefined value/);
    });
});
