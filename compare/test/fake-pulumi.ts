/**
 * A stand-in for the `pulumi` CLI, for the tests of compare's Automation API path. Installed as `<root>/bin/pulumi`
 * (PulumiCommand.get({ root }) runs that file) or first on PATH. It keeps its stacks in FAKE_PULUMI_DIR (one JSON
 * file per stack), appends every command it is given to `calls.jsonl` with its start and end times, and answers
 * as the CLI does where the Automation API reads the answer (pulumi/pulumi sdk/nodejs/automation, master 1b5949891b):
 * - `version`: a version above 3.205.0, so stack.ts streams events over gRPC (pulumirpc.Events/StreamEvents) to
 *   the `--event-log tcp://...` address, as the real CLI does; each event is the engine event's JSON.
 * - `stack select`: stderr "no stack named '<name>' found" for a missing stack (errors.ts maps it to StackNotFoundError).
 * - `stack tag ls --json`, `stack output --json [--show-secrets]`, `stack history --json`: JSON on stdout; `stack
 *   history --show-secrets` also writes a salt into Pulumi.<stack>.yaml where it runs, when that file has none.
 * - Each command records how many SIGINTs it received (the CLI stops at once on the second).
 * - A running `up` or `destroy` says so in `running.jsonl` (op, stack, pid) once it is under way.
 * Stack files, as the CLI treats them with a passphrase backend (pulumi/pulumi v3.259.0, see compare/config-file.ts):
 * `up` and `destroy` read `--config-file <f>` when given, else Pulumi.<stack>.yaml in the folder they run in, and
 * write an `encryptionsalt` into that same file when it has none; `stack init` (no --config-file) writes one into
 * Pulumi.<stack>.yaml of its folder. The file is rewritten whole, as the CLI re-serialises it. An up's `taskSize`
 * output is the file's dotnet-fargate:taskCpu/taskMemory (the program's defaults, 512/1024, without them).
 * FAKE_PULUMI_FAIL="up:amd64,destroy:arm64" makes those commands fail (after some events); FAKE_PULUMI_UP_MS is
 * how long an up or destroy takes; SIGINT ends a running up or destroy as the CLI does, with an error exit.
 */
import * as fs from "fs";
import * as path from "path";

// Noted from the first moment, as the CLI does: an interrupted up or destroy ends with an error exit. Counted too:
// the CLI takes a second SIGINT as "terminate immediately" (pulumi/pulumi v3.259.0 pkg/backend/cancellation_scope.go).
let interrupted = false;
let sigints = 0;
process.on("SIGINT", () => {
    interrupted = true;
    sigints++;
});

export const FAKE_VERSION = "3.270.0";

export interface FakeStack {
    tags: Record<string, string>;
    /** Outputs after the last up: name -> { value, secret }. */
    outputs: Record<string, { value: unknown; secret: boolean }>;
    resources: number;
}

const dir = process.env.FAKE_PULUMI_DIR as string;
const args = process.argv.slice(2);
const started = Date.now();

function record(code: number): never {
    fs.appendFileSync(path.join(dir, "calls.jsonl"), `${JSON.stringify({ args, cwd: process.cwd(), start: started, end: Date.now(), pid: process.pid, code, sigints })}\n`);
    process.exit(code);
}

const stackFile = (name: string) => path.join(dir, "stacks", `${name}.json`);
const readStack = (name: string): FakeStack | undefined => (fs.existsSync(stackFile(name)) ? (JSON.parse(fs.readFileSync(stackFile(name), "utf8")) as FakeStack) : undefined);
const writeStack = (name: string, s: FakeStack) => {
    fs.mkdirSync(path.join(dir, "stacks"), { recursive: true });
    fs.writeFileSync(stackFile(name), JSON.stringify(s));
};
const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
};
const fails = (op: string, stack: string) => (process.env.FAKE_PULUMI_FAIL ?? "").split(",").includes(`${op}:${stack}`);

function fail(message: string): never {
    process.stderr.write(`error: ${message}\n`);
    record(255);
}

/** The stack file a command reads: --config-file, else Pulumi.<stack>.yaml where it runs. */
const stackConfigFile = (stack: string) => flag("--config-file") ?? path.join(process.cwd(), `Pulumi.${stack}.yaml`);

/** Reads the stack file, giving it a salt when it has none (the passphrase secrets manager's must-save), written back whole. */
function loadStackConfig(file: string): { config?: Record<string, unknown> } {
    // Loaded here, not at the top: most commands read no stack file, and every test makes dozens of them.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parse, stringify } = require("yaml") as typeof import("yaml");
    const doc = (fs.existsSync(file) ? parse(fs.readFileSync(file, "utf8")) : null) ?? {};
    if (doc.encryptionsalt === undefined) {
        doc.encryptionsalt = `v1:fake-salt-${process.pid}`;
        fs.writeFileSync(file, stringify(doc));
    }
    return doc;
}

/** The program's outputs per stack, written by the test: what an up leaves as the stack's outputs; its task size is the stack file's. */
function programOutputs(stack: string, config: Record<string, unknown>): FakeStack["outputs"] {
    const file = path.join(dir, "program.json");
    const all = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>) : {};
    const taskSize = { cpu: Number(config["dotnet-fargate:taskCpu"] ?? 512), memory: Number(config["dotnet-fargate:taskMemory"] ?? 1024) };
    return Object.fromEntries(Object.entries({ ...all[stack], ...(all[stack] ? { taskSize } : {}) }).map(([k, v]) => [k, { value: v, secret: k === "monitor" }]));
}

async function sendEvents(address: string, events: object[]): Promise<void> {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const grpc = require("@grpc/grpc-js");
    const { EventsClient } = require("@pulumi/pulumi/proto/events_grpc_pb.js");
    const { EventRequest } = require("@pulumi/pulumi/proto/events_pb.js");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const client = new EventsClient(address.replace(/^tcp:\/\//, ""), grpc.credentials.createInsecure());
    await new Promise<void>((resolve, reject) => {
        const call = client.streamEvents((err: Error | null) => (err ? reject(err) : resolve()));
        events.forEach((e, i) => {
            const req = new EventRequest();
            req.setEvent(JSON.stringify({ sequence: i, timestamp: Math.floor(Date.now() / 1000), ...e }));
            call.write(req);
        });
        call.end();
    });
    client.close();
}

const step = (kind: "resourcePreEvent" | "resOutputsEvent", stack: string, i: number, op: string) => ({
    [kind]: { metadata: { op, urn: `urn:pulumi:${stack}::dotnet-fargate::aws:ecs/service:Service::svc-${i}`, type: "aws:ecs/service:Service", provider: "" } },
});

async function operation(op: "up" | "destroy", stack: string): Promise<never> {
    const s = readStack(stack) ?? fail(`no stack named '${stack}' found`);
    const config = loadStackConfig(stackConfigFile(stack)).config ?? {};
    const total = op === "up" ? 3 : s.resources;
    const events: object[] = [];
    const address = flag("--event-log");
    const ms = Number(process.env.FAKE_PULUMI_UP_MS ?? "200");
    // Under way, its SIGINT handler long installed: a test that interrupts a running operation waits for this line.
    fs.appendFileSync(path.join(dir, "running.jsonl"), `${JSON.stringify({ op, stack, pid: process.pid })}\n`);
    for (let i = 0; i < total; i++) {
        events.push(step("resourcePreEvent", stack, i, op === "up" ? "create" : "delete"));
        await new Promise((r) => setTimeout(r, ms / Math.max(total, 1)));
        if (interrupted) {
            break;
        }
        if (fails(op, stack) && i === total - 1) {
            events.push({ resOpFailedEvent: { ...step("resourcePreEvent", stack, i, "create").resourcePreEvent, status: 1, steps: 1 } });
            events.push({ diagnosticEvent: { message: "creating ECS Service: stand-in failure\n", color: "never", severity: "error" } });
            break;
        }
        events.push(step("resOutputsEvent", stack, i, op === "up" ? "create" : "delete"));
    }
    events.push({ summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: {}, policyPacks: {} } });
    if (address) {
        await sendEvents(address, events);
    }
    if (interrupted) {
        fail("update canceled");
    }
    if (fails(op, stack)) {
        fail(`${op} failed: 1 error occurred`);
    }
    if (op === "up") {
        writeStack(stack, { ...s, outputs: programOutputs(stack, config), resources: total });
    } else {
        writeStack(stack, { ...s, outputs: {}, resources: 0 });
    }
    process.stdout.write(`${op === "up" ? "Updating" : "Destroying"} (${stack}):\n done\n`);
    record(0);
}

async function run(): Promise<never> {
    const stack = flag("--stack") ?? "";
    const [a, b, c] = args;
    if (a === "version") {
        process.stdout.write(`v${FAKE_VERSION}\n`);
        record(0);
    }
    if (a === "stack" && b === "select") {
        return readStack(stack) ? record(0) : fail(`no stack named '${stack}' found`);
    }
    if (a === "stack" && b === "init") {
        if (args.includes("--config-file")) {
            fail("unknown flag: --config-file"); // `stack init` has none (pulumi/pulumi v3.259.0 pkg/cmd/pulumi/stack/stack_new.go)
        }
        if (fails("init", c)) {
            fail("stand-in failure creating the stack");
        }
        if (readStack(c)) {
            fail(`stack '${c}' already exists`);
        }
        writeStack(c, { tags: {}, outputs: {}, resources: 0 });
        loadStackConfig(path.join(process.cwd(), `Pulumi.${c}.yaml`));
        record(0);
    }
    if (a === "stack" && b === "tag" && c === "set") {
        const s = readStack(stack) ?? fail(`no stack named '${stack}' found`);
        writeStack(stack, { ...s, tags: { ...s.tags, [args[3]]: args[4] } });
        record(0);
    }
    if (a === "stack" && b === "tag" && c === "ls") {
        process.stdout.write(JSON.stringify((readStack(stack) ?? fail(`no stack named '${stack}' found`)).tags));
        record(0);
    }
    if (a === "stack" && b === "output") {
        const s = readStack(stack) ?? fail(`no stack named '${stack}' found`);
        const show = args.includes("--show-secrets");
        process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(s.outputs).map(([k, v]) => [k, v.secret && !show ? "[secret]" : v.value]))));
        record(0);
    }
    if (a === "stack" && b === "history") {
        // With --show-secrets the CLI loads the stack file where it runs, and saves it when the secrets manager changed,
        // as a new passphrase salt does (pulumi/pulumi v3.259.0 pkg/cmd/pulumi/stack/stack_history.go).
        if (args.includes("--show-secrets")) {
            loadStackConfig(path.join(process.cwd(), `Pulumi.${stack}.yaml`));
        }
        process.stdout.write(JSON.stringify([{ kind: "update", result: "succeeded", startTime: new Date(started).toISOString(), endTime: new Date().toISOString(), version: 1 }]));
        record(0);
    }
    if (a === "stack" && b === "rm") {
        const name = args.find((x, i) => i > 1 && !x.startsWith("--") && args[i - 1] !== "--stack") as string;
        if (!args.includes("--preserve-config")) {
            fail("the stand-in refuses `stack rm` without --preserve-config: the CLI would delete Pulumi.<stack>.yaml (pulumi/pulumi pkg/cmd/pulumi/stack/stack_remove.go)");
        }
        if (fails("rm", name)) {
            fail("stand-in failure removing the stack");
        }
        fs.rmSync(stackFile(name), { force: true });
        record(0);
    }
    if (a === "up" || a === "destroy") {
        return operation(a, stack);
    }
    return fail(`the stand-in does not know \`pulumi ${args.join(" ")}\``);
}

void run();
