// services/services.json is the one list of services: the stacks read it (model/catalog.ts), and so does the
// cross-architecture check; what cannot read it (the solution, the test project, the docs) is held to it here.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_SERVICES, loadRegistry } from "../model/catalog";
import { matchesPath } from "../model/path-patterns";
import { projectRoot } from "../model/paths";

const root = projectRoot(__dirname);
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

describe("the service registry", () => {
    const registry = loadRegistry(path.join(root, "services/services.json"));

    it("names projects that exist, and services the load balancer can tell apart", () => {
        for (const s of registry) {
            assert.ok(fs.existsSync(path.join(root, "services", s.project, `${s.project}.csproj`)), `${s.project} exists`);
            // The smoke check's path (rules match the path, not the query) reaches this service and no other.
            const smoke = s.smokePath.split("?")[0];
            const owners = registry.filter((o) => o.pathPatterns.some((p) => matchesPath(p, smoke))).map((o) => o.name);
            assert.deepStrictEqual(owners, [s.name], `${s.smokePath} routes to ${s.name} only`);
        }
        const priorities = registry.map((s) => s.priority);
        assert.strictEqual(new Set(priorities).size, priorities.length, "one listener rule priority per service");
        assert.deepStrictEqual([...DEFAULT_SERVICES], ["bookstore", "prime"], "what a stack deploys when it names no services");
    });

    it("agrees with the solution and the test project", () => {
        const solution = [...read("services/DotnetFargate.slnx").matchAll(/Project Path="([^"]+)\/[^/"]+\.csproj"/g)].map((m) => m[1]);
        // Not services: the shared library, the tests, MonitorTls (the monitor's TLS init container, stacks/monitoring.ts)
        // and TaskInfo (the container that logs each task's processor, stacks/task-info.ts).
        assert.deepStrictEqual(solution.filter((p) => !["Shared", "MonitorTls", "TaskInfo", "tests/DotnetFargate.Tests"].includes(p)).sort(), registry.map((s) => s.project).sort());
        const tests = read("services/tests/DotnetFargate.Tests/DotnetFargate.Tests.csproj");
        for (const s of registry) {
            assert.ok(tests.includes(`../../${s.project}/${s.project}.csproj`), `the tests build ${s.project}`);
        }
    });

    it("agrees with the services README and the cross-architecture check", () => {
        const readme = read("services/README.md");
        for (const s of registry) {
            assert.ok(readme.includes(`| \`${s.project}\``), `services/README.md lists ${s.project}`);
        }
        assert.match(read("services/scripts/verify-cross-arch.sh"), /services\.json/);
    });

    it("refuses a malformed entry, naming it", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "registry-")), "services.json");
        fs.writeFileSync(file, JSON.stringify({ services: [{ name: "Bad Name", project: "X", paths: ["/x"], priority: 1, monitorByDefault: false, deployByDefault: true, smokePath: "/" }] }));
        assert.throws(() => loadRegistry(file), /services\/services\.json: services\[0\] is \{"name":"Bad Name"/);
    });

    it("builds a watched service with its monitoredDockerfile, else with its own Dockerfile; refuses a path there", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "registry-")), "services.json");
        const entry = { name: "x", project: "X", paths: ["/x"], priority: 1, monitorByDefault: false, deployByDefault: true, smokePath: "/x" };
        const write = (...entries: object[]) => fs.writeFileSync(file, JSON.stringify({ services: entries }));
        write({ ...entry, dockerfile: "Dockerfile.aot", monitoredDockerfile: "Dockerfile" }, { ...entry, name: "y", priority: 2, dockerfile: "Dockerfile.aot" }, { ...entry, name: "z", priority: 3 });
        assert.deepStrictEqual(loadRegistry(file).map((s) => [s.dockerfile, s.monitoredDockerfile]), [["Dockerfile.aot", "Dockerfile"], ["Dockerfile.aot", "Dockerfile.aot"], ["Dockerfile", "Dockerfile"]]);
        write({ ...entry, monitoredDockerfile: "../Dockerfile" });
        assert.throws(() => loadRegistry(file), /services\[0\] is .*monitoredDockerfile \(optional: Dockerfile or Dockerfile\.<variant>\)/);
    });
});
