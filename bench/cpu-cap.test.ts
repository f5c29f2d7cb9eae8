import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cpuTicks, TICKS_PER_S } from "./artillery";
import { createCpuCap, findHierarchy, quotaFor } from "./cpu-cap";
import { LOCAL_TASK_SIZE } from "./local-run";
import { parse } from "yaml";

/** A fake /sys/fs/cgroup and /proc/self/cgroup in a temp dir. */
function fakeTree(dir: string, layout: "v1" | "v2" | "none"): { root: string; proc: string } {
    const root = path.join(dir, "cgroup");
    const proc = path.join(dir, "self-cgroup");
    fs.mkdirSync(root, { recursive: true });
    if (layout === "v2") {
        fs.writeFileSync(path.join(root, "cgroup.controllers"), "cpuset cpu io memory pids\n");
        fs.mkdirSync(path.join(root, "user.slice"));
        fs.writeFileSync(proc, "0::/user.slice\n");
    } else if (layout === "v1") {
        fs.mkdirSync(path.join(root, "cpu", "docker", "abc"), { recursive: true });
        fs.writeFileSync(path.join(root, "cpu", "cpu.cfs_quota_us"), "-1\n");
        fs.writeFileSync(proc, "4:memory:/docker/abc\n1:cpu:/docker/abc\n0::/\n");
    } else {
        fs.writeFileSync(proc, "0::/\n");
    }
    return { root, proc };
}

/** utime + stime of a process, seconds. */
const cpuSeconds = (pid: number): number => (cpuTicks(pid) ?? NaN) / TICKS_PER_S;

describe("bench: the services' CPU cap (--local)", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "cpu-cap-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("turns CPU units into a CFS quota per 100 ms, and refuses what Fargate would not take", () => {
        assert.deepStrictEqual([quotaFor(512), quotaFor(1024), quotaFor(256), quotaFor(4096)], [50_000, 100_000, 25_000, 400_000]);
        assert.throws(() => quotaFor(100), /a CPU cap must be a whole number of CPU units from 128 to 16384 \(1024 = one vCPU\), got 100/);
        assert.throws(() => quotaFor(512.5), /got 512.5/);
    });

    it("stands for the task a stack gets by default, as Pulumi.yaml documents it", () => {
        const config = parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")).config;
        assert.deepStrictEqual(LOCAL_TASK_SIZE, { cpu: config["dotnet-fargate:taskCpu"].default, memory: config["dotnet-fargate:taskMemory"].default });
    });

    it("finds this process's group in a v2 or a v1 hierarchy, or says why there is none", () => {
        const v2 = fakeTree(path.join(dir, "a"), "v2");
        assert.deepStrictEqual(findHierarchy(v2.root, v2.proc), { version: 2, own: path.join(v2.root, "user.slice") });
        const v1 = fakeTree(path.join(dir, "b"), "v1");
        assert.deepStrictEqual(findHierarchy(v1.root, v1.proc), { version: 1, own: path.join(v1.root, "cpu", "docker", "abc") });
        const none = fakeTree(path.join(dir, "c"), "none");
        assert.match((findHierarchy(none.root, none.proc) as { why: string }).why, /no CPU controller under .*cgroup/);
        assert.match((findHierarchy(none.root, path.join(dir, "missing")) as { why: string }).why, /is not readable/);
    });

    it("writes the quota where each version keeps it, joins through a shell that execs, and removes the group", () => {
        const v1 = fakeTree(path.join(dir, "a"), "v1");
        const cap = createCpuCap(512, "bench-x", v1.root, v1.proc);
        assert.ok(!("why" in cap), JSON.stringify(cap));
        const group = path.join(v1.root, "cpu", "docker", "abc", "bench-x");
        assert.deepStrictEqual(
            [fs.readFileSync(path.join(group, "cpu.cfs_period_us"), "utf8"), fs.readFileSync(path.join(group, "cpu.cfs_quota_us"), "utf8")],
            ["100000", "50000"],
        );
        assert.strictEqual(cap.description, "512 CPU units (cgroup v1 cpu.cfs_quota_us 50000 per 100000 us)");
        assert.deepStrictEqual(cap.prefix, ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', group]);
        // A fake group is a plain folder with files in it; the real kernel's are removable when empty.
        fs.rmSync(path.join(group, "cpu.cfs_period_us"));
        fs.rmSync(path.join(group, "cpu.cfs_quota_us"));
        cap.remove();
        assert.ok(!fs.existsSync(group));

        const v2 = fakeTree(path.join(dir, "b"), "v2");
        const cap2 = createCpuCap(1024, "bench-y", v2.root, v2.proc);
        assert.ok(!("why" in cap2));
        assert.strictEqual(fs.readFileSync(path.join(v2.root, "user.slice", "bench-y", "cpu.max"), "utf8"), "100000 100000");
        assert.strictEqual(fs.readFileSync(path.join(v2.root, "user.slice", "cgroup.subtree_control"), "utf8"), "+cpu");
        assert.strictEqual(cap2.description, "1024 CPU units (cgroup v2 cpu.max 100000 100000)");

        const none = fakeTree(path.join(dir, "c"), "none");
        assert.ok("why" in createCpuCap(512, "bench-z", none.root, none.proc));
    });

    it("on this machine's kernel, holds a busy loop to half a core, or says why it cannot", async function () {
        this.timeout(20_000);
        const cap = createCpuCap(512, `dotnet-fargate-bench-test-${process.pid}`);
        if ("why" in cap) {
            // Not root, or no CPU controller to write to: the benchmark runs uncapped and records this reason.
            assert.match(cap.why, /cgroup|CPU controller|not readable/);
            console.log(`      (no cap here: ${cap.why})`);
            return;
        }
        const [command, ...args] = [...cap.prefix, "taskset", "-c", "0", process.execPath, "-e", "for (;;) {}"];
        const child = spawn(command, args, { stdio: "ignore" });
        try {
            await new Promise((r) => setTimeout(r, 500));
            const before = cpuSeconds(child.pid as number);
            const started = Date.now();
            await new Promise((r) => setTimeout(r, 2_000));
            const share = (cpuSeconds(child.pid as number) - before) / ((Date.now() - started) / 1000);
            // Uncapped, a busy loop pinned to a core takes all of it; capped at 512 units, half.
            assert.ok(share > 0.35 && share < 0.6, `a busy loop capped at 512 units used ${(share * 100).toFixed(0)}% of a core`);
        } finally {
            child.kill("SIGKILL");
            await new Promise((r) => child.once("exit", r));
            cap.remove();
        }
    });
});
