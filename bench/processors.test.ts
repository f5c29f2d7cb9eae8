import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { armVsAmd, fixtureResults } from "./fixtures";
import { localProcessors, parseTaskInfoLine, processorModel, ProcessorReading, readStackProcessors, summariseProcessors, TaskLogReader, taskInfoStream } from "./processors";
import { buildReport, renderMarkdown } from "./report";

// The /proc/cpuinfo samples the TaskInfo tool's own tests use (services/tests TaskInfoTests).
const SAMPLES = path.join(__dirname, "..", "..", "test", "fixtures", "cpuinfo");
const sample = (name: string) => fs.readFileSync(path.join(SAMPLES, name), "utf8");
/** The line the task-info container logs for a sample (services/TaskInfo CpuInfo.LogLine: the first block, and the count). */
const logLine = (cpuinfo: string) => `task-info ${JSON.stringify({ processors: cpuinfo.split("\n\n").filter((b) => b.startsWith("processor")).length, cpuinfo: cpuinfo.split("\n\n")[0] })}`;

describe("which processor a task ran on", () => {
    it("names Graviton generations by their Arm part and x86 processors by their model name", () => {
        assert.strictEqual(processorModel(sample("graviton2.txt")), "AWS Graviton2 (Arm Neoverse-N1)");
        assert.strictEqual(processorModel(sample("graviton3.txt")), "AWS Graviton3 (Arm Neoverse-V1)");
        assert.strictEqual(processorModel(sample("graviton4.txt")), "AWS Graviton4 (Arm Neoverse-V2)");
        assert.strictEqual(processorModel(sample("graviton4.txt").replace(/0xd4f/g, "0xd84")), "AWS Graviton5 (Arm Neoverse-V3)");
        assert.strictEqual(processorModel(sample("xeon-8259cl.txt")), "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz");
        assert.strictEqual(processorModel(sample("epyc-7r13.txt")), "AMD EPYC 7R13 Processor");
    });

    it("says what it saw for an Arm part it does not know, and when there is nothing to name", () => {
        const other = sample("graviton2.txt").replace(/0xd0c/g, "0xd0b").replace(/0x41/g, "0x51");
        assert.strictEqual(processorModel(other), "Arm-architecture CPU (implementer 0x51, part 0xd0b)");
        assert.strictEqual(processorModel("processor\t: 0\nBogoMIPS\t: 50.00\n"), "unknown (no model name or CPU part in /proc/cpuinfo)");
    });

    it("reads the task-info line among other output, and nothing from lines that are not one", () => {
        assert.deepStrictEqual(parseTaskInfoLine(logLine(sample("graviton3.txt"))), { model: "AWS Graviton3 (Arm Neoverse-V1)", processors: 2 });
        assert.strictEqual(parseTaskInfoLine("info: Microsoft.Hosting.Lifetime[0] Application started."), undefined);
        assert.strictEqual(parseTaskInfoLine("task-info {not json"), undefined);
        assert.strictEqual(parseTaskInfoLine('task-info {"processors":2}'), undefined);
    });

    it("reads this machine's processor for a local run, as /proc/cpuinfo names it", () => {
        const reading = localProcessors();
        const text = fs.readFileSync("/proc/cpuinfo", "utf8");
        assert.deepStrictEqual(reading.tasks.map((t) => [t.service, t.task, t.model]), [["all", "local", processorModel(text)]]);
        assert.strictEqual(reading.tasks[0].processors, text.split("\n").filter((l) => /^processor\s*:/.test(l)).length);
        assert.match(localProcessors(() => { throw new Error("EACCES"); }).note ?? "", /could not be read \(EACCES\)/);
    });
});

describe("reading a stack's tasks", () => {
    const stack = {
        clusterName: "dotnet-fargate-arm64",
        serviceNames: { bookstore: "dotnet-fargate-arm64-bookstore", prime: "dotnet-fargate-arm64-prime" },
        logGroupNames: { bookstore: "/ecs/dotnet-fargate-arm64-bookstore", prime: "/ecs/dotnet-fargate-arm64-prime" },
    };
    /** A stand-in for ECS and CloudWatch Logs: tasks per service, and the lines of each stream. */
    function reader(tasks: Record<string, string[]>, streams: Record<string, string[]>, asked: string[] = []): TaskLogReader {
        return {
            async runningTasks(cluster, service) {
                asked.push(`tasks ${cluster} ${service}`);
                if (!(service in tasks)) {
                    throw new Error(`ServiceNotFoundException: ${service}`);
                }
                return tasks[service];
            },
            async streamLines(group, stream) {
                asked.push(`logs ${group} ${stream}`);
                return streams[`${group} ${stream}`] ?? [];
            },
        };
    }

    it("reads each running task's line from its task-info stream in the service's log group", async () => {
        const asked: string[] = [];
        const reading = await readStackProcessors(stack, reader(
            { "dotnet-fargate-arm64-bookstore": ["t1", "t2"], "dotnet-fargate-arm64-prime": ["t3"] },
            {
                "/ecs/dotnet-fargate-arm64-bookstore task-info/task-info/t1": [logLine(sample("graviton2.txt"))],
                "/ecs/dotnet-fargate-arm64-bookstore task-info/task-info/t2": ["starting", logLine(sample("graviton3.txt"))],
                "/ecs/dotnet-fargate-arm64-prime task-info/task-info/t3": [logLine(sample("graviton3.txt"))],
            },
            asked,
        ));
        assert.deepStrictEqual(reading, {
            tasks: [
                { service: "bookstore", task: "t1", model: "AWS Graviton2 (Arm Neoverse-N1)", processors: 2 },
                { service: "bookstore", task: "t2", model: "AWS Graviton3 (Arm Neoverse-V1)", processors: 2 },
                { service: "prime", task: "t3", model: "AWS Graviton3 (Arm Neoverse-V1)", processors: 2 },
            ],
        });
        assert.deepStrictEqual(asked.filter((a) => a.startsWith("tasks")), ["tasks dotnet-fargate-arm64 dotnet-fargate-arm64-bookstore", "tasks dotnet-fargate-arm64 dotnet-fargate-arm64-prime"]);
        assert.strictEqual(taskInfoStream("t1"), "task-info/task-info/t1");
        assert.strictEqual(summariseProcessors(reading), "AWS Graviton2 (Arm Neoverse-N1) x1, AWS Graviton3 (Arm Neoverse-V1) x2");
    });

    it("keeps what it read and says what it could not: a task without its line, a service ECS does not know", async () => {
        const reading = await readStackProcessors(stack, reader(
            { "dotnet-fargate-arm64-bookstore": ["t1", "t2"] },
            { "/ecs/dotnet-fargate-arm64-bookstore task-info/task-info/t1": [logLine(sample("graviton2.txt"))] },
        ));
        assert.deepStrictEqual(reading.tasks.map((t) => t.task), ["t1"]);
        assert.strictEqual(
            reading.note,
            "not read: bookstore task t2: no task-info line in /ecs/dotnet-fargate-arm64-bookstore task-info/task-info/t2; prime: ServiceNotFoundException: dotnet-fargate-arm64-prime",
        );
        assert.strictEqual(summariseProcessors(reading), "AWS Graviton2 (Arm Neoverse-N1) x1 (some tasks not read)");
    });

    it("asks nothing of AWS for a stack deployed before the outputs existed, and says so", async () => {
        const asked: string[] = [];
        const reading = await readStackProcessors({ ...stack, logGroupNames: undefined }, reader({}, {}, asked));
        assert.deepStrictEqual(asked, []);
        assert.deepStrictEqual(reading.tasks, []);
        assert.match(summariseProcessors(reading), /^unknown \(the stack exports no clusterName, serviceNames or logGroupNames/);
    });
});

describe("the report's Processors section", () => {
    const withProcessors = (processors: Record<string, ProcessorReading>) => {
        const results = armVsAmd();
        return { file: "r.json", results: { ...results, runs: results.runs.map((r) => ({ ...r, mode: "stack" as const, processors: processors[r.architecture] })) } };
    };

    it("lists each task's processor and warns when a run's figures rest on one placement or mix generations", () => {
        const md = renderMarkdown([withProcessors({
            arm64: { tasks: [{ service: "bookstore", task: "a1", model: "AWS Graviton2 (Arm Neoverse-N1)" }, { service: "bookstore", task: "a2", model: "AWS Graviton3 (Arm Neoverse-V1)" }] },
            amd64: { tasks: [{ service: "bookstore", task: "x1", model: "AMD EPYC 7R13 Processor" }] },
        })]);
        const section = md.slice(md.indexOf("## Processors"), md.indexOf("\n## ", md.indexOf("## Processors") + 1));
        assert.match(section, /\| arm64 \| arm64 \| bookstore \| a1 \| AWS Graviton2 \(Arm Neoverse-N1\) \|/);
        assert.match(section, /\| amd64 \| amd64 \| bookstore \| x1 \| AMD EPYC 7R13 Processor \|/);
        assert.match(section, /The tasks of arm64 ran on 2 processor models \(AWS Graviton2 \(Arm Neoverse-N1\); AWS Graviton3 \(Arm Neoverse-V1\)\)/);
        assert.match(section, /amd64: bookstore ran one task, so its figures rest on one placement/);
        assert.doesNotMatch(section, /arm64: bookstore ran one task/);
        // The verdict names the processors each side's figures came from.
        const verdict = md.slice(0, md.indexOf("\n## ", md.indexOf("## Verdict") + 1));
        assert.match(verdict, /\(tasks on AWS Graviton2 \(Arm Neoverse-N1\), AWS Graviton3 \(Arm Neoverse-V1\)\)/);
        assert.match(verdict, /\(tasks on AMD EPYC 7R13 Processor\)/);
    });

    it("says why a run's processors are not known, and is left out for results that never recorded them", () => {
        const md = renderMarkdown([withProcessors({ arm64: { tasks: [], note: "not read: no AWS credentials in the environment" }, amd64: { tasks: [] } })]);
        assert.match(md, /\| arm64 \| arm64 \| - \| - \| not known: not read: no AWS credentials in the environment \|/);
        const local = renderMarkdown([{ file: "l.json", results: fixtureResults([{ ...armVsAmd().runs[0], mode: "local", processors: localProcessors() }]) }]);
        assert.match(local, /The processor the services ran on: this machine's, from \/proc\/cpuinfo\./);
        assert.doesNotMatch(local, /task-info container/);
        const old = buildReport([{ file: "old.json", results: fixtureResults(armVsAmd().runs) }]);
        assert.ok(!old.sections.some((s) => s.heading === "Processors"));
    });
});
