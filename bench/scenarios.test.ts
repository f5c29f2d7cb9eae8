import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import {
    ALL_SCENARIOS,
    CAPACITY_SCENARIOS,
    capacitySteps,
    DEFAULT_SCENARIOS,
    FIXED_SCENARIOS,
    isProfilingPath,
    loadCapacityTargets,
    loadFixedScenario,
    PROFILING_SCENARIOS,
    scaleDuration,
    SCENARIO_DIR,
    selectScenarios,
} from "./scenarios";

describe("bench scenarios (bench/scenarios/*.yml)", () => {
    it("are the seed's four tests, unchanged at scale 1", () => {
        const got = FIXED_SCENARIOS.map((id) => {
            const s = loadFixedScenario(id);
            return [s.url, s.duration, s.arrivalRate];
        });
        assert.deepStrictEqual(got, [
            ["/api/books", 180, 50],
            ["/api/categories", 60, 100],
            ["/api/orders", 120, 80],
            ["/prime", 240, 3],
        ]);
    });

    it("scale shortens durations, never below one second, and keeps the rates", () => {
        assert.strictEqual(loadFixedScenario("books", 0.05).duration, 9);
        assert.strictEqual(loadFixedScenario("books", 0.05).arrivalRate, 50);
        assert.strictEqual(loadFixedScenario("categories", 0.001).duration, 1);
        assert.throws(() => scaleDuration(10, 0), /--scale must be greater than 0, got 0/);
    });

    for (const id of CAPACITY_SCENARIOS) {
        it(`${id}.yml's Artillery phases are the search's ramp (what plain Artillery can replay; the tool then bisects)`, () => {
            const doc = parse(fs.readFileSync(path.join(SCENARIO_DIR, `${id}.yml`), "utf8")) as {
                config: { phases: { duration: number; arrivalRate: number }[] };
            };
            const [target] = loadCapacityTargets(1, {}, SCENARIO_DIR, [id]);
            assert.deepStrictEqual(
                doc.config.phases.map((p) => p.arrivalRate),
                capacitySteps(target),
            );
            assert.ok(doc.config.phases.every((p) => p.duration === target.stepDuration));
        });
    }

    it("has a capacity search for BookStore and one for Prime, each bounded", () => {
        assert.deepStrictEqual(
            loadCapacityTargets().map((t) => [t.url, t.startRate, t.maxRate, t.stepDuration, t.p99TargetMs, t.maxErrorRate]),
            [
                ["/api/books", 25, 25600, 30, 200, 0.01],
                ["/prime", 1, 256, 30, 1000, 0.01],
            ],
        );
    });

    it("the ramp doubles from the start rate and ends at the upper bound", () => {
        assert.deepStrictEqual(capacitySteps({ startRate: 10, maxRate: 50 }), [10, 20, 40, 50]);
        assert.deepStrictEqual(capacitySteps({ startRate: 3, maxRate: 10 }), [3, 6, 10]);
        assert.deepStrictEqual(capacitySteps({ startRate: 5, maxRate: 5 }), [5]);
    });

    it("command-line overrides replace the file's capacity settings; only the file's step duration is scaled", () => {
        const [t] = loadCapacityTargets(0.1, { startRate: 5, maxRate: 20, stepDuration: 20, p99TargetMs: 50, maxErrorRate: 0 });
        assert.deepStrictEqual(
            [t.url, t.startRate, t.maxRate, t.stepDuration, t.p99TargetMs, t.maxErrorRate],
            ["/api/books", 5, 20, 20, 50, 0],
        );
        assert.strictEqual(loadCapacityTargets(0.1)[0].stepDuration, 3);
        assert.throws(() => loadCapacityTargets(1, { startRate: 50, maxRate: 10 }), /maxRate \(10\) must be >= startRate \(50\)/);
    });

    it("names the file and the key when a scenario is malformed", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-scn-"));
        try {
            fs.writeFileSync(path.join(dir, "bad.yml"), "config:\n  phases:\n    - duration: -1\n      arrivalRate: 5\nscenarios:\n  - flow:\n      - get: { url: /x }\n");
            assert.throws(() => loadFixedScenario("bad", 1, dir), /bad\.yml: config\.phases\[0\]\.duration must be a number greater than 0, got -1/);
            assert.throws(() => loadFixedScenario("missing", 1, dir), /missing\.yml: cannot be read/);
            fs.writeFileSync(path.join(dir, "half.yml"), "config:\n  phases:\n    - duration: 10\n      arrivalRate: 2.5\nscenarios:\n  - flow:\n      - get: { url: /x }\n");
            assert.throws(() => loadFixedScenario("half", 1, dir), /half\.yml: config\.phases\[0\]\.arrivalRate must be a whole number of arrivals per second \(Artillery divides it among its workers in whole arrivals\), got 2\.5/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the default set is still the seed's four tests then the capacity searches, without the profiling scenarios", () => {
        assert.deepStrictEqual(DEFAULT_SCENARIOS, ["books", "categories", "orders", "prime", "capacity", "capacity-prime"]);
        assert.deepStrictEqual(selectScenarios(undefined), [...DEFAULT_SCENARIOS]);
        assert.ok(PROFILING_SCENARIOS.every((id) => !DEFAULT_SCENARIOS.includes(id)));
        assert.deepStrictEqual(
            fs.readdirSync(SCENARIO_DIR).filter((f) => f.endsWith(".yml")).map((f) => f.replace(/\.yml$/, "")).sort(),
            [...ALL_SCENARIOS].sort(),
            "every file is selectable and every id has a file",
        );
    });

    it("selects by id, by the `profiling` group, in the order given, each once", () => {
        assert.deepStrictEqual(selectScenarios("high-cpu,memory-leak,blocking-threads"), ["high-cpu", "memory-leak", "blocking-threads"]);
        assert.deepStrictEqual(selectScenarios("profiling"), ["high-cpu", "memory-leak", "blocking-threads"]);
        assert.deepStrictEqual(selectScenarios("books, memory-leak,profiling,books"), ["books", "memory-leak", "high-cpu", "blocking-threads"]);
        assert.deepStrictEqual(selectScenarios("capacity-prime"), ["capacity-prime"]);
        assert.throws(() => selectScenarios("books,leak"), /unknown scenario "leak"; expected some of books,.*,blocking-threads or a group \(profiling\)/);
        assert.throws(() => selectScenarios(","), /no scenario named/);
    });

    it("loads the profiling scenarios: 120 s each at rates within the Profiling API's own limits", () => {
        const got = PROFILING_SCENARIOS.map((id) => {
            const s = loadFixedScenario(id);
            return [s.id, s.name, s.url, s.duration, s.arrivalRate, s.after];
        });
        assert.deepStrictEqual(got, [
            ["high-cpu", "GET /high-cpu", "/high-cpu", 120, 1, []],
            ["memory-leak", "GET /memory-leak", "/memory-leak", 120, 25, [{ method: "DELETE", url: "/memory-leak" }]],
            ["blocking-threads", "GET /blocking-threads?holdMs=100", "/blocking-threads?holdMs=100", 120, 8, []],
        ]);
        // memory-leak: every call keeps 64 KiB; the service refuses (409) past 256 MiB = 4,096 calls.
        // The run's calls plus the preflight's one stay below the cap.
        const leak = loadFixedScenario("memory-leak");
        assert.ok(leak.duration * leak.arrivalRate + 1 <= 4096);
        // blocking-threads: the lock is held 100 ms a call, so it serves at most 10 calls a second.
        const blocking = loadFixedScenario("blocking-threads");
        assert.ok(blocking.arrivalRate * 0.1 < 1);
        assert.strictEqual(loadFixedScenario("memory-leak", 0.05).duration, 6);
        for (const id of FIXED_SCENARIOS) {
            assert.deepStrictEqual(loadFixedScenario(id).after, [], `${id} has no after requests`);
        }
    });

    it("knows which paths the load balancer sends to the Profiling API (model/catalog.ts's patterns)", () => {
        for (const id of PROFILING_SCENARIOS) {
            assert.ok(isProfilingPath(loadFixedScenario(id).url), id);
        }
        assert.ok(isProfilingPath("/memory-leak/stats"));
        for (const p of ["/api/books", "/prime", "/healthz", "/high"]) {
            assert.ok(!isProfilingPath(p), p);
        }
    });

    it("names the file and the step when an `after` flow is malformed", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-scn-"));
        try {
            const base = "config:\n  phases:\n    - duration: 1\n      arrivalRate: 5\nscenarios:\n  - flow:\n      - get: { url: /x }\n";
            fs.writeFileSync(path.join(dir, "bad-after.yml"), `${base}after:\n  flow:\n    - delete: { url: /x }\n    - fetch: { url: /y }\n`);
            assert.throws(() => loadFixedScenario("bad-after", 1, dir), /bad-after\.yml: after\.flow\[1\] must be one request/);
            fs.writeFileSync(path.join(dir, "no-flow.yml"), `${base}after:\n  delete: { url: /x }\n`);
            assert.throws(() => loadFixedScenario("no-flow", 1, dir), /no-flow\.yml: expected `after\.flow` to be a list of requests/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
