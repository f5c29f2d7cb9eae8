import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isProcessAlive, REPO_ROOT } from "./local";
import { readResults } from "./results";
import { main, parseCli } from "./run";
import { scenarioScript } from "./runner";
import { loadUserScenario } from "./scenarios";
import { localRouter, parseServiceFlags, pathMatches } from "./user-services";

const ECHO_SERVICE = JSON.stringify({ name: "echo", project: "test/fixtures/echo/Echo.Api", paths: ["/echo/*"] });
const ECHO_SCENARIO = path.join(REPO_ROOT, "bench", "examples", "echo.yml");


describe("a user's own service in the benchmark", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-user-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("--service takes a dotnet-fargate:services object, checked as pulumi up checks it", () => {
        const [echo] = parseServiceFlags([ECHO_SERVICE]);
        assert.deepStrictEqual([echo.name, echo.context, echo.project, echo.pathPatterns, echo.healthCheckPath], ["echo", "test/fixtures/echo", "Echo.Api", ["/echo/*"], "/healthz"]);
        assert.throws(() => parseServiceFlags(["{name: echo}"]), /--service must be a JSON object as in dotnet-fargate:services/);
        assert.throws(() => parseServiceFlags(['["echo"]']), /--service must be one JSON object/);
        assert.throws(
            () => parseServiceFlags([JSON.stringify({ name: "echo", project: "test/fixtures/echo/Echo.Api", paths: ["/api/echo"] })]),
            /--service: Config "dotnet-fargate:services: echo.paths" is \["\/api\/echo"\]; expected paths no other service serves; "\/api\/\*" \(bookstore\) and "\/api\/echo" \(echo\) overlap/,
        );
        assert.throws(() => parseServiceFlags([JSON.stringify({ name: "echo", project: "no/such/dir", paths: ["/echo/*"] })]), /--service: Config "dotnet-fargate:services\[3\]\.project"/);
    });

    it("routes each path to the process that serves it, as the listener rules do", () => {
        const route = localRouter(parseServiceFlags([ECHO_SERVICE]));
        assert.deepStrictEqual(
            ["/api/books", "/prime?n=10", "/high-cpu", "/echo/hello", "/echo", "/nope"].map(route),
            ["BookStore.Api", "Prime.Api", "Profiling.Api", "echo", undefined, undefined],
        );
        assert.ok(pathMatches("/prime", "/prime?n=1") && !pathMatches("/prime", "/primes") && pathMatches("/a?c", "/abc"));
    });

    it("--scenario loads the user's file and runs it as written, with our target, scaled phase and timeout", () => {
        const file = path.join(dir, "orders.yml");
        fs.writeFileSync(
            file,
            [
                "config:",
                "  target: http://ignored.example.invalid",
                "  phases: [{ name: place an order, duration: 20, arrivalRate: 3 }]",
                "  http: { extendedMetrics: true }",
                "  variables: { qty: [1, 2] }",
                "scenarios:",
                "  - flow:",
                "      - think: 1",
                "      - post: { url: /orders, json: { qty: '{{ qty }}' } }",
                "      - get: { url: /orders/1 }",
            ].join("\n"),
        );
        const s = loadUserScenario(file, 0.5);
        assert.deepStrictEqual([s.id, s.name, s.url, s.duration, s.arrivalRate, s.file], ["orders", "place an order", "/orders", 10, 3, file]);
        const script = scenarioScript("http://127.0.0.1:9", s, { name: s.name, duration: s.duration, arrivalRate: s.arrivalRate }, 4000);
        assert.deepStrictEqual(script, {
            config: {
                target: "http://127.0.0.1:9",
                phases: [{ name: "place an order", duration: 10, arrivalRate: 3 }],
                http: { extendedMetrics: true, timeout: 4 },
                variables: { qty: [1, 2] },
            },
            scenarios: [{ flow: [{ think: 1 }, { post: { url: "/orders", json: { qty: "{{ qty }}" } } }, { get: { url: "/orders/1" } }] }],
        });
        fs.writeFileSync(file, "config: { phases: [{ duration: 1, arrivalRate: 1 }] }\nscenarios: [{ flow: [{ think: 1 }] }]\n");
        assert.throws(() => loadUserScenario(file), /orders\.yml.*expected `scenarios\[0\]\.flow` to hold a request with a path/);
    });

    it("the CLI: --scenario alone runs only the files; --service is for --local; two scenarios with one id are refused", async () => {
        assert.deepStrictEqual([parseCli(["--local", "--scenario", "a.yml"]).scenarios, parseCli(["--local", "--scenario", "a.yml"]).scenarioFiles], [[], ["a.yml"]]);
        assert.deepStrictEqual(parseCli(["--local", "--scenarios", "books", "--scenario", "a.yml", "--scenario", "b.yml"]).scenarioFiles, ["a.yml", "b.yml"]);
        assert.throws(() => parseCli(["--stacks", "arm64", "--service", ECHO_SERVICE]), /--service is for --local/);
        await assert.rejects(main(["--local", "--scenario", ECHO_SCENARIO, "--scenario", ECHO_SCENARIO], { log: () => undefined }), /two scenarios have the id "echo"/);
        await assert.rejects(main(["--local", "--scenario", ECHO_SCENARIO], { log: () => undefined }), /--local: no service serves \/echo\/hello; for your own service pass --service/);
    });

    it("--local --service --scenario: publishes the echo fixture, starts it on 127.0.0.1, benchmarks it and reports it", async function () {
        // dotnet publish of a small project (a minute at most on a busy machine), then 4 s at 5/s.
        this.timeout(300_000);
        const out = path.join(dir, "echo.json");
        const lines: string[] = [];
        const project = path.join(REPO_ROOT, "test/fixtures/echo/Echo.Api");
        const before = fs.readdirSync(project).sort();
        await main(["--local", "--scenario", ECHO_SCENARIO, "--service", ECHO_SERVICE, "--out", out], { log: (l) => lines.push(l) });
        const pids = lines.map((l) => /^started echo on http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)/.exec(l)).filter((m) => m !== null).map((m) => Number(m[1]));
        assert.strictEqual(pids.length, 1, lines.join("\n"));
        assert.ok(!isProcessAlive(pids[0]), "the echo service was stopped");
        assert.ok(lines.some((l) => l === "publishing echo: dotnet publish test/fixtures/echo/Echo.Api -c Release"), lines.join("\n"));
        assert.ok(!lines.some((l) => l.startsWith("building the services")), "ours are not built when no scenario needs them");
        assert.deepStrictEqual(fs.readdirSync(project).sort(), before, "no bin/ or obj/ written into the user's project");
        const run = readResults(out).runs[0];
        assert.deepStrictEqual(Object.keys(run.urls), ["echo"]);
        const echo = run.scenarios[0];
        assert.deepStrictEqual(
            [echo.id, echo.name, echo.url, echo.summary.requests, echo.summary.failed, echo.summary.statusCounts, echo.summary.bytes],
            ["echo", "GET /echo/hello", "/echo/hello", 20, 0, { "200": 20 }, 20 * "hello".length],
        );
        assert.deepStrictEqual(run.utilisation.map((u) => [u.service, u.source]), [["echo", "procfs"]]);
        const md = fs.readFileSync(path.join(dir, "echo.md"), "utf8");
        assert.ok(/\| GET \/echo\/hello \| 4 s \| 5\/s \| 20 \| 0 \| \d+\.\d \/ \d+\.\d \/ \d+\.\d \|/.test(md), md);
        assert.ok(fs.readFileSync(path.join(dir, "echo.html"), "utf8").includes("<h3>GET /echo/hello</h3>"));
    });
});
