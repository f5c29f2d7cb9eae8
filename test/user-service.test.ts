// A team's own ASP.NET Core service, added through config alone: test/fixtures/echo/Echo.Api stands for a
// project outside services/. Both stacks must build it with the one cross-compiling Dockerfile for their
// platform and deploy it like ours; bad descriptions fail before any resource, naming the key.
// The cross-architecture check (services/scripts/verify-cross-arch.sh) publishes the same project for x64
// and arm64 with that Dockerfile's own commands.
import * as assert from "assert";
import { ARCHITECTURES } from "../model/architecture";
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../model/paths";
import { EXPECTED, json, ofType, one, runProgram } from "./harness";
import { AUTONAME_LIMITS, AUTONAME_SUFFIX } from "../model/naming";

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
            assert.deepStrictEqual(image.inputs.platforms, [EXPECTED[stack].platform]);
            // Its own staged context, laid out from test/fixtures/echo, with our Dockerfile.
            assert.strictEqual(image.inputs.context.location, `.build/images/${stack}/echo`);
            assert.ok(fs.existsSync(path.join(projectRoot(), image.inputs.context.location, "Echo.Api", "Program.cs")));
            assert.strictEqual(
                fs.readFileSync(path.join(projectRoot(), image.inputs.dockerfile.location), "utf8"),
                fs.readFileSync(path.join(projectRoot(), "services", "Dockerfile"), "utf8"),
            );
            assert.deepStrictEqual(image.inputs.buildArgs, { PROJECT: "Echo.Api/Echo.Api.csproj", FRAMEWORK: "net10.0", RUNTIME_TAG: "10.0.12-noble-chiseled" });
            assert.match(image.inputs.tags[0], /\/dotnet-fargate-(arm64|amd64)\/echo:src-[0-9a-f]{12}$/);
        });

        it("runs as a Fargate service on the stack's CPU architecture, with its environment, routed by its paths", () => {
            const task = one(resources, "aws:ecs/taskDefinition:TaskDefinition", `${name}-task`);
            assert.strictEqual(task.inputs.runtimePlatform.cpuArchitecture, EXPECTED[stack].cpuArchitecture);
            const [app] = json(task.inputs.containerDefinitions);
            assert.strictEqual(app.user, "1654");
            assert.strictEqual(app.readonlyRootFilesystem, true);
            assert.ok(app.environment.some((e: { name: string; value: string }) => e.name === "GREETING" && e.value === "hello"));
            one(resources, "aws:ecs/service:Service", `${name}-service`);
            const rule = one(resources, "aws:lb/listenerRule:ListenerRule", `${name}-rule`);
            assert.deepStrictEqual(rule.inputs.conditions[0].pathPattern.values, ["/echo/*"]);
            assert.ok(rule.inputs.priority >= 1000, "after every built-in service's rule");
            assert.strictEqual(one(resources, "aws:lb/targetGroup:TargetGroup", `${stack}-echo`).inputs.healthCheck.path, "/healthz");
        });
    });
}

for (const stack of ARCHITECTURES) {
    it(`names every resource so that the provider can name it in AWS, with the longest service name a user may give (${stack})`, async () => {
        // A name the provider autonames must leave it room for "-" and 7 random characters within the type's limit, or
        // `pulumi preview` stops (model/naming.ts AUTONAME_LIMITS); names set outright stay within AWS's own limits.
        const longest = { ...echo, name: `e${"x".repeat(30)}`, database: true };
        const certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
        const { resources } = await runProgram(stack, {
            config: { services: ["bookstore", "prime", "profiling", longest], database: { enabled: true }, certificateArn, monitor: { enabled: true, allowedCidrs: ["203.0.113.0/24"] } },
        });
        let checked = 0;
        for (const r of resources) {
            const limit = (AUTONAME_LIMITS as Record<string, number>)[r.type];
            if (limit !== undefined && r.inputs.name === undefined) {
                assert.ok(r.name.length + AUTONAME_SUFFIX <= limit, `${r.type} "${r.name}": ${r.name.length} + ${AUTONAME_SUFFIX} > ${limit}`);
                checked++;
            }
        }
        // A target group per service and per monitor (4 + 4), the load balancer, two roles per service.
        assert.ok(checked >= 17, `${checked} autonamed resources checked`);
        for (const r of ofType(resources, "aws:rds/instance:Instance")) {
            assert.ok(r.inputs.identifier.length <= 63, `RDS identifier ${r.inputs.identifier}`);
        }
    });
}

describe("a user's service description that is wrong fails before any resource", () => {
    const cases: [string, unknown, string][] = [
        ["a missing project", { ...echo, project: "../nowhere/Api" }, 'Config "dotnet-fargate:services[1].project" is "../nowhere/Api"; expected an existing folder (relative to the Pulumi project, or absolute).'],
        ["a folder without a project", { ...echo, project: "test/fixtures/echo" }, 'Config "dotnet-fargate:services[1].project" is "test/fixtures/echo"; expected the folder of one ASP.NET Core project (one .csproj); it holds 0.'],
        ["paths another service serves", { ...echo, paths: ["/api/echo"] }, 'Config "dotnet-fargate:services[1].paths" is ["/api/echo"]; expected paths no other service serves; "/api/*" (bookstore) and "/api/echo" (echo) both match some request path.'],
        ["paths that overlap another service's only through wildcards", { ...echo, paths: ["/*/books"] }, 'Config "dotnet-fargate:services[1].paths" is ["/*/books"]; expected paths no other service serves; "/api/*" (bookstore) and "/*/books" (echo) both match some request path.'],
        ["a path pattern with a character the load balancer refuses", { ...echo, paths: ["/echo/%20"] }, 'Config "dotnet-fargate:services[1].paths" is ["/echo/%20"]; expected 1 to 5 load balancer path patterns, each starting with / and at most 128 characters of A-Z a-z 0-9 _ - . $ / ~ " \' @ : + & (* and ? as wildcards).'],
        ["a health path longer than the load balancer takes", { ...echo, healthCheckPath: `/${"h".repeat(1024)}` }, `Config "dotnet-fargate:services[1].healthCheckPath" is "/${"h".repeat(1024)}"; expected a path starting with /, without spaces, at most 1024 characters (the load balancer's limit).`],
        ["a name ending in '-'", { ...echo, name: "echo-" }, 'Config "dotnet-fargate:services[1].name" is "echo-"; expected 1 to 31 lower-case letters and digits, starting with a letter, with single \'-\' between them (none at the end), not a built-in name (bookstore, prime, profiling, monitor-tls, task-info).'],
        ["a name holding '--'", { ...echo, name: "echo--api" }, 'Config "dotnet-fargate:services[1].name" is "echo--api"; expected 1 to 31 lower-case letters and digits, starting with a letter, with single \'-\' between them (none at the end), not a built-in name (bookstore, prime, profiling, monitor-tls, task-info).'],
        ["ASPNETCORE_HTTP_PORTS in its environment", { ...echo, environment: { ASPNETCORE_HTTP_PORTS: "5000" } }, 'Config "dotnet-fargate:services[1].environment.ASPNETCORE_HTTP_PORTS" is "5000"; expected no variable that sets Kestrel\'s URLs or ports: the service\'s port key decides the port (the task sets ASPNETCORE_HTTP_PORTS from it).'],
        ["ASPNETCORE_URLS in its environment", { ...echo, environment: { ASPNETCORE_URLS: "http://+:5000" } }, 'Config "dotnet-fargate:services[1].environment.ASPNETCORE_URLS" is "http://+:5000"; expected no variable that sets Kestrel\'s URLs or ports: the service\'s port key decides the port (the task sets ASPNETCORE_HTTP_PORTS from it).'],
        ["HTTP_PORTS in its environment", { ...echo, environment: { HTTP_PORTS: "5000" } }, 'Config "dotnet-fargate:services[1].environment.HTTP_PORTS" is "5000"; expected no variable that sets Kestrel\'s URLs or ports: the service\'s port key decides the port (the task sets ASPNETCORE_HTTP_PORTS from it).'],
        // ASP.NET Core also reads its own prefixed variables as configuration, Kestrel's endpoints among them.
        ["ASPNETCORE_Kestrel__Endpoints__... in its environment", { ...echo, environment: { ASPNETCORE_Kestrel__Endpoints__Http__Url: "http://+:5055" } }, 'Config "dotnet-fargate:services[1].environment.ASPNETCORE_Kestrel__Endpoints__Http__Url" is "http://+:5055"; expected no variable that sets Kestrel\'s URLs or ports: the service\'s port key decides the port (the task sets ASPNETCORE_HTTP_PORTS from it).'],
        ["DOTNET_DiagnosticPorts in its environment", { ...echo, environment: { DOTNET_DiagnosticPorts: "/tmp/x.sock" } }, 'Config "dotnet-fargate:services[1].environment.DOTNET_DiagnosticPorts" is "/tmp/x.sock"; expected no DOTNET_DiagnosticPorts: the task sets it for the dotnet-monitor sidecar when one watches the service.'],
        ["more wildcards than one load balancer rule takes", { ...echo, paths: ["/e/*/a/*/b/*", "/f/*/c/*/d/*"] }, 'Config "dotnet-fargate:services[1].paths" is ["/e/*/a/*/b/*","/f/*/c/*/d/*"]; expected at most 5 wildcards (* and ?) across the service\'s paths, the most one load balancer rule takes; these have 6.'],
        ["a build context that is the project's own folder", { ...echo, context: "test/fixtures/echo/Echo.Api" }, 'Config "dotnet-fargate:services[1].context" is "test/fixtures/echo/Echo.Api"; expected a folder above the project test/fixtures/echo/Echo.Api that holds it (the build context the Dockerfile copies the project from).'],
        // What the policy pack would refuse at preview, refused here naming the key.
        ["an access key in its environment", { ...echo, environment: { Storage__AccessKey: "bucket-reader" } }, 'Config "dotnet-fargate:services[1].environment.Storage__AccessKey" is "(hidden)"; expected no secret: a task\'s environment is plain text in the task definition; reference it in services[1].secrets instead.'],
        ["a connection string that trusts any server", { ...echo, environment: { ConnectionStrings__Reports: "Host=reports.example.com;Database=r;SSL Mode=Require" } }, 'Config "dotnet-fargate:services[1].environment.ConnectionStrings__Reports" is "Host=reports.example.com;Database=r;SSL Mode=Require"; expected a PostgreSQL connection string with SSL Mode=VerifyFull: one that does not verify the server\'s certificate and name trusts any server.'],
        ["a port out of range", { ...echo, port: 70000 }, 'Config "dotnet-fargate:services[1].port" is 70000; expected a port from 1 to 65535 other than 52323 and 52325 (dotnet-monitor\'s).'],
        ["a secret in its environment", { ...echo, environment: { DB_PASSWORD: "hunter2" } }, 'Config "dotnet-fargate:services[1].environment.DB_PASSWORD" is "(hidden)"; expected no secret: a task\'s environment is plain text in the task definition; reference it in services[1].secrets instead.'],
        ["a built-in name", { ...echo, name: "prime" }, 'Config "dotnet-fargate:services[1].name" is "prime"; expected 1 to 31 lower-case letters and digits, starting with a letter, with single \'-\' between them (none at the end), not a built-in name (bookstore, prime, profiling, monitor-tls, task-info).'],
        ["the TaskInfo image's name (its ECR repository)", { ...echo, name: "task-info" }, 'Config "dotnet-fargate:services[1].name" is "task-info"; expected 1 to 31 lower-case letters and digits, starting with a letter, with single \'-\' between them (none at the end), not a built-in name (bookstore, prime, profiling, monitor-tls, task-info).'],
        ["the monitor TLS image's name (its ECR repository)", { ...echo, name: "monitor-tls" }, 'Config "dotnet-fargate:services[1].name" is "monitor-tls"; expected 1 to 31 lower-case letters and digits, starting with a letter, with single \'-\' between them (none at the end), not a built-in name (bookstore, prime, profiling, monitor-tls, task-info).'],
        ["an unknown field", { ...echo, replicas: 3 }, 'Config "dotnet-fargate:services[1].replicas" is 3; expected one of name, project, paths, port, healthCheckPath, environment, secrets, database, dockerfile, context.'],
    ];
    for (const [title, entry, message] of cases) {
        it(title, async () => {
            await assert.rejects(runProgram("arm64", { config: { services: ["bookstore", entry] } }), { message });
        });
    }

    it("creates nothing for the user's service when it is not listed", async () => {
        const { resources } = await runProgram("amd64");
        assert.deepStrictEqual(ofType(resources, "docker-build:index:Image").map((i) => i.name).sort(), ["dotnet-fargate-amd64-bookstore-image", "dotnet-fargate-amd64-prime-image", "dotnet-fargate-amd64-task-info-image"]);
    });
});
