import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "./local";
import { parseCli } from "./options";
import { main } from "./run";
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
            /--service: Config "dotnet-fargate:services\[\d+\]\.paths" is \["\/api\/echo"\]; expected paths no other service serves; "\/api\/\*" \(bookstore\) and "\/api\/echo" \(echo\) both match some request path\.$/,
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
        await assert.rejects(main(["--local", "--scenario", ECHO_SCENARIO], { log: () => undefined }), /--local: no service serves \/echo\/hello; for your own service add it to dotnet-fargate:services in Pulumi\.(amd64|arm64)\.yaml, or pass --service-file with its object, or --service with it/);
    });
    // --local with a user's service end to end (publish, start, --scenario, stop, report): user-capacity.test.ts, on the Notes project.
});
