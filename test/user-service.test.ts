// A team's own ASP.NET Core service, added through config alone: test/fixtures/echo/Echo.Api stands for a
// project outside services/. Both stacks must build it with the one cross-compiling Dockerfile for their
// platform and deploy it like ours; bad descriptions fail before any resource, naming the key.
// The cross-architecture check (services/scripts/verify-cross-arch.sh) publishes the same project for x64
// and arm64 with that Dockerfile's own commands.
import * as assert from "assert";
import { ARCHITECTURES, architectureTraits } from "../infra/architecture";
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../stacks/paths";
import { json, ofType, one, runProgram } from "./harness";

const echo = { name: "echo", project: "test/fixtures/echo/Echo.Api", paths: ["/echo/*"], healthCheckPath: "/healthz", environment: { GREETING: "hello" } };

for (const stack of ARCHITECTURES) {
    describe(`a user's own service on the ${stack} stack`, () => {
        const name = `dotnet-fargate-${stack}-echo`;
        let resources: Awaited<ReturnType<typeof runProgram>>["resources"];
        before(async () => {
            ({ resources } = await runProgram(stack, { config: { services: ["bookstore", echo] } }));
        });

        it("gets its own repository and an image built from its folder with our Dockerfile, for the stack's platform", () => {
            assert.strictEqual(one(resources, "aws:ecr/repository:Repository", `${name}-repo`).inputs.name, `dotnet-fargate-${stack}/echo`);
            const image = one(resources, "docker-build:index:Image", `${name}-image`);
            assert.deepStrictEqual(image.inputs.platforms, [architectureTraits(stack).platform]);
            // Its own staged context, laid out from test/fixtures/echo, with our Dockerfile.
            assert.strictEqual(image.inputs.context.location, `.build/images/${stack}/echo`);
            assert.ok(fs.existsSync(path.join(projectRoot(), image.inputs.context.location, "Echo.Api", "Program.cs")));
            assert.strictEqual(
                fs.readFileSync(path.join(projectRoot(), image.inputs.dockerfile.location), "utf8"),
                fs.readFileSync(path.join(projectRoot(), "services", "Dockerfile"), "utf8"),
            );
            assert.deepStrictEqual(image.inputs.buildArgs, { PROJECT: "Echo.Api/Echo.Api.csproj" });
            assert.match(image.inputs.tags[0], /\/dotnet-fargate-(arm64|amd64)\/echo:src-[0-9a-f]{12}$/);
        });

        it("runs as a Fargate service on the stack's CPU architecture, with its environment, routed by its paths", () => {
            const task = one(resources, "aws:ecs/taskDefinition:TaskDefinition", `${name}-task`);
            assert.strictEqual(task.inputs.runtimePlatform.cpuArchitecture, architectureTraits(stack).cpuArchitecture);
            const [app] = json(task.inputs.containerDefinitions);
            assert.strictEqual(app.user, "1654");
            assert.strictEqual(app.readonlyRootFilesystem, true);
            assert.ok(app.environment.some((e: { name: string; value: string }) => e.name === "GREETING" && e.value === "hello"));
            one(resources, "aws:ecs/service:Service", `${name}-service`);
            const rule = one(resources, "aws:lb/listenerRule:ListenerRule", `${name}-rule`);
            assert.deepStrictEqual(rule.inputs.conditions[0].pathPattern.values, ["/echo/*"]);
            assert.ok(rule.inputs.priority >= 1000, "after every built-in service's rule");
            assert.strictEqual(one(resources, "aws:lb/targetGroup:TargetGroup", `${name}-tg`).inputs.healthCheck.path, "/healthz");
        });
    });
}

describe("a user's service description that is wrong fails before any resource", () => {
    const cases: [string, unknown, string][] = [
        ["a missing project", { ...echo, project: "../nowhere/Api" }, 'Config "dotnet-fargate:services[1].project" is "../nowhere/Api"; expected an existing folder (relative to the Pulumi project, or absolute).'],
        ["a folder without a project", { ...echo, project: "test/fixtures/echo" }, 'Config "dotnet-fargate:services[1].project" is "test/fixtures/echo"; expected the folder of one ASP.NET Core project (one .csproj); it holds 0.'],
        ["paths another service serves", { ...echo, paths: ["/api/echo"] }, 'Config "dotnet-fargate:services: echo.paths" is ["/api/echo"]; expected paths no other service serves; "/api/*" (bookstore) and "/api/echo" (echo) overlap.'],
        ["a port out of range", { ...echo, port: 70000 }, 'Config "dotnet-fargate:services[1].port" is 70000; expected a port from 1 to 65535 other than 52323 and 52325 (dotnet-monitor\'s).'],
        ["a secret in its environment", { ...echo, environment: { DB_PASSWORD: "hunter2" } }, 'Config "dotnet-fargate:services[1].environment.DB_PASSWORD" is "(hidden)"; expected no secret: a task\'s environment is plain text in the task definition.'],
        ["a built-in name", { ...echo, name: "prime" }, 'Config "dotnet-fargate:services[1].name" is "prime"; expected 1 to 31 lower-case letters, digits and \'-\', starting with a letter, not a built-in name (bookstore, prime, profiling).'],
        ["an unknown field", { ...echo, replicas: 3 }, 'Config "dotnet-fargate:services[1].replicas" is 3; expected one of name, project, paths, port, healthCheckPath, environment, dockerfile, context.'],
    ];
    for (const [title, entry, message] of cases) {
        it(title, async () => {
            await assert.rejects(runProgram("arm64", { config: { services: ["bookstore", entry] } }), { message });
        });
    }

    it("creates nothing for the user's service when it is not listed", async () => {
        const { resources } = await runProgram("amd64");
        assert.deepStrictEqual(ofType(resources, "docker-build:index:Image").map((i) => i.name).sort(), ["dotnet-fargate-amd64-bookstore-image", "dotnet-fargate-amd64-prime-image"]);
    });
});
