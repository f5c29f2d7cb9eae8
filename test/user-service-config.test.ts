// What a user's own service may ask for beyond its code: secrets by reference, a database, and a .NET the
// Dockerfile can build and run; and what is refused before anything is declared.
//
// Contracts (mocks cannot prove what AWS accepts): ECS `secrets[].valueFrom` as AWS's "Pass sensitive data to an
// Amazon ECS container" has it (a secret's ARN, or `<arn>:<json-key>:<version-stage>:<version-id>`; a parameter's
// ARN); Secrets Manager's IAM guidance for a partial ARN (`-??????` for the random suffix); Npgsql's PGPASSWORD
// (npgsql/npgsql v10.0.3, src/Npgsql/PostgresEnvironment.cs).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MOCK_ACCOUNT_ID, MOCK_REGION } from "../tools/offline";
import { parseServices } from "../model/services";
import { projectRoot } from "../model/paths";
import { SUPPORTED_FRAMEWORKS } from "../model/target-framework";
import { json, ofType, one, RecordedResource, runProgram } from "./harness";

const echo = { name: "echo", project: "test/fixtures/echo/Echo.Api", paths: ["/echo/*"] };
const account = MOCK_ACCOUNT_ID;
const region = MOCK_REGION;
const secret = (name: string) => `arn:aws:secretsmanager:${region}:${account}:secret:${name}`;
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

const T = { taskDef: "aws:ecs/taskDefinition:TaskDefinition", rolePolicy: "aws:iam/rolePolicy:RolePolicy", instance: "aws:rds/instance:Instance" };
const app = (resources: RecordedResource[], name: string) => json(one(resources, T.taskDef, `${name}-task`).inputs.containerDefinitions)[0];
const env = (container: { environment: { name: string; value: string }[] }) => Object.fromEntries(container.environment.map((e) => [e.name, e.value]));
const statements = (resources: RecordedResource[], name: string) => json(one(resources, T.rolePolicy, `${name}-execution`).inputs.policy).Statement as { Sid: string }[];

describe("a user's service environment set with `pulumi config set --path`", () => {
    it("takes a number or a boolean the CLI stored as such as its text", () => {
        // --path stores 100 and true as a number and a boolean (pulumi/pulumi sdk/go/common/resource/config/value.go).
        const [spec] = parseServices([{ ...echo, environment: { MaxItems: 100, Verbose: true, Name: "x" } }], projectRoot());
        assert.deepStrictEqual(spec.environment, { MaxItems: "100", Verbose: "true", Name: "x" });
    });
});

describe("a user's service with secrets by reference", () => {
    const name = "dotnet-fargate-arm64-echo";
    let resources: RecordedResource[];
    before(async () => {
        const secrets = {
            Stripe__ApiKey: secret("prod/stripe-AbC123"),
            Jwt__SigningKey: { secret: secret("prod/jwt"), jsonKey: "key", versionStage: "AWSPREVIOUS", kmsKey: KEY },
            Mail__Password: `arn:aws:ssm:${region}:${account}:parameter/prod/mail/password`,
            Feature__Key: "/prod/feature/key",
            Pinned__Value: { secret: secret("prod/pinned-XyZ789"), versionId: "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE" },
        };
        ({ resources } = await runProgram("arm64", { config: { services: ["bookstore", { ...echo, secrets }] } }));
    });

    it("hands each to the container as an ECS secret, in the valueFrom form ECS takes, and nothing in plain environment", () => {
        const container = app(resources, name);
        assert.deepStrictEqual(container.secrets, [
            { name: "Stripe__ApiKey", valueFrom: secret("prod/stripe-AbC123") },
            { name: "Jwt__SigningKey", valueFrom: `${secret("prod/jwt")}:key:AWSPREVIOUS:` },
            { name: "Mail__Password", valueFrom: `arn:aws:ssm:${region}:${account}:parameter/prod/mail/password` },
            { name: "Feature__Key", valueFrom: `arn:aws:ssm:${region}:${account}:parameter/prod/feature/key` },
            { name: "Pinned__Value", valueFrom: `${secret("prod/pinned-XyZ789")}:::EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE` },
        ]);
        assert.deepStrictEqual(Object.keys(env(container)), ["ASPNETCORE_HTTP_PORTS"]);
    });

    it("lets the execution role read exactly those secrets and parameters, decrypt with exactly the named key, and nothing else", () => {
        const own = statements(resources, name).filter((s) => !["RegistryLogin", "PullImage", "WriteLogs"].includes(s.Sid));
        assert.deepStrictEqual(own, [
            // A partial ARN (no 6-character suffix) is granted with `-??????`; a full one as it is.
            { Sid: "ReadAppSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [secret("prod/stripe-AbC123"), `${secret("prod/jwt")}-??????`, secret("prod/pinned-XyZ789")] },
            { Sid: "ReadAppParameters", Effect: "Allow", Action: "ssm:GetParameters", Resource: [`arn:aws:ssm:${region}:${account}:parameter/prod/mail/password`, `arn:aws:ssm:${region}:${account}:parameter/prod/feature/key`] },
            { Sid: "DecryptAppSecrets", Effect: "Allow", Action: "kms:Decrypt", Resource: [KEY] },
        ]);
        const bookstore = JSON.stringify(statements(resources, "dotnet-fargate-arm64-bookstore"));
        assert.ok(!/secretsmanager|ssm:|kms:/.test(bookstore), bookstore);
    });
});

describe("a user's service on its own PostgreSQL, beside the BookStore's", () => {
    const prefix = "dotnet-fargate-amd64";
    let resources: RecordedResource[];
    before(async () => {
        ({ resources } = await runProgram("amd64", { config: { database: { enabled: true }, services: ["bookstore", { ...echo, name: "echo-api", database: { connectionString: "Echo" } }] } }));
    });

    it("gets its own RDS instance, sized like the BookStore's, with its own database and master user", () => {
        assert.deepStrictEqual(ofType(resources, T.instance).map((r) => r.name).sort(), [`${prefix}-bookstore-db`, `${prefix}-echo-api-db`]);
        const own = one(resources, T.instance, `${prefix}-echo-api-db`).inputs;
        const bookstore = one(resources, T.instance, `${prefix}-bookstore-db`).inputs;
        assert.deepStrictEqual([own.identifier, own.dbName, own.username, own.manageMasterUserPassword, own.password], [`${prefix}-echo-api`, "echo_api", "echo_api_admin", true, undefined]);
        for (const field of ["instanceClass", "engineVersion", "allocatedStorage", "storageEncrypted", "publiclyAccessible", "caCertIdentifier", "backupRetentionPeriod", "deletionProtection"]) {
            assert.deepStrictEqual(own[field], bookstore[field], field);
        }
        assert.strictEqual(one(resources, "aws:rds/parameterGroup:ParameterGroup", `${prefix}-echo-api-db-params`).inputs.parameters[0].name, "rds.force_ssl");
    });

    it("gives it the connection string without the password, with the BookStore's TLS settings, and the password as an ECS secret", () => {
        const container = app(resources, `${prefix}-echo-api`);
        const bookstore = env(app(resources, `${prefix}-bookstore`)).ConnectionStrings__BookStore;
        const connection = env(container).ConnectionStrings__Echo;
        const host = `${prefix}-echo-api.abcdefghijkl.${region}.rds.amazonaws.com`;
        assert.strictEqual(connection, `Host=${host};Port=5432;Database=echo_api;Username=echo_api_admin;SSL Mode=VerifyFull;Root Certificate=/etc/ssl/certs/rds/rds-global-bundle.pem`);
        // Everything after the user (the TLS settings) is the BookStore's, whatever it becomes.
        const afterUser = (s: string) => s.slice(s.indexOf(";", s.indexOf("Username=")));
        assert.strictEqual(afterUser(connection), afterUser(bookstore));
        assert.ok(!/password|pwd/i.test(connection), connection);
        assert.strictEqual(container.secrets.length, 1);
        assert.strictEqual(container.secrets[0].name, "PGPASSWORD");
        assert.match(container.secrets[0].valueFrom, new RegExp(`^arn:aws:secretsmanager:${region}:${account}:secret:rds!db-[^:]+:password::$`));
        // The BookStore keeps what it had.
        assert.deepStrictEqual(app(resources, `${prefix}-bookstore`).secrets.map((s: { name: string }) => s.name), ["BookStore__DatabasePassword"]);
        assert.match(bookstore, /;Database=bookstore;Username=bookstore_admin;/);
    });

    it("lets each service's execution role read only its own database's secret, and each database be reached only by its service", () => {
        const read = (svc: string) => (statements(resources, `${prefix}-${svc}`).find((s) => s.Sid === "ReadAppSecrets") as unknown as { Resource: string[] }).Resource;
        const own = app(resources, `${prefix}-echo-api`).secrets[0].valueFrom.replace(/:password::$/, "");
        const bookstore = app(resources, `${prefix}-bookstore`).secrets[0].valueFrom.replace(/:password::$/, "");
        assert.notStrictEqual(own, bookstore);
        assert.deepStrictEqual([read("echo-api"), read("bookstore")], [[own], [bookstore]]);
        const ingress = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            .filter((r) => String(r.inputs.securityGroupId).includes("-db-sg"))
            .map((r) => [r.inputs.securityGroupId, r.inputs.referencedSecurityGroupId, r.inputs.fromPort]);
        assert.deepStrictEqual(ingress.sort(), [
            [`${prefix}-bookstore-db-sg-id`, `${prefix}-bookstore-sg-id`, 5432],
            [`${prefix}-echo-api-db-sg-id`, `${prefix}-echo-api-sg-id`, 5432],
        ]);
    });
});

describe("a user's service entry with a credential in plain environment is refused, whatever the variable's name", () => {
    const cases: [string, string, string][] = [
        ["a connection string with Password=", "Host=db;Username=app;Password=hunter2", "a connection string with a password"],
        ["a connection string with Pwd=", "Server=db;User Id=app;pwd=hunter2;", "a connection string with a password"],
        ["a URL with user:pass@", "postgres://app:hunter2@db.internal:5432/app", "a URL with a user name and password"],
        ["an AWS access key id", "AKIAIOSFODNN7EXAMPLE", "an AWS access key id"],
        ["a PEM private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...", "a PEM private key"],
        ["a JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "a JSON Web Token"],
        ["an Azure storage connection string", "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc123==", "a connection string with an account or shared access key"],
    ];
    for (const [title, value, shape] of cases) {
        it(title, async () => {
            await assert.rejects(runProgram("arm64", { config: { services: ["bookstore", { ...echo, environment: { SETTING: value } }] } }), {
                message: `Config "dotnet-fargate:services[1].environment.SETTING" is "(hidden)"; expected no credential, and this looks like ${shape}: a task's environment is plain text in the task definition; reference it in services[1].secrets instead.`,
            });
        });
    }

    it("keeps values that only look alike", () => {
        const environment = { A: "Host=db;Username=app;SSL Mode=VerifyFull", B: "https://example.com/path@v2", C: "AKIA", D: "eyJ", E: "Password Policy=strict" };
        const [spec] = parseServices([{ ...echo, environment }], process.cwd());
        assert.deepStrictEqual(spec.environment, environment);
    });
});

describe("a user's secrets and database entries that are wrong are refused before anything is declared", () => {
    const cases: [string, Record<string, unknown>, string][] = [
        ["a secret that is no reference", { secrets: { API_KEY: "hunter2" } }, 'Config "dotnet-fargate:services[1].secrets.API_KEY" is "hunter2"; expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>, with or without its 6-character suffix), an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or name (/<path>/<name>), or an object {secret, parameter, jsonKey, versionStage, versionId, kmsKey} with exactly one of secret and parameter.'],
        ["a JSON key on a parameter", { secrets: { A: { parameter: "/p/a", jsonKey: "k" } } }, 'Config "dotnet-fargate:services[1].secrets.A.jsonKey" is "k"; expected nothing: JSON keys and versions are Secrets Manager\'s, not Parameter Store\'s.'],
        ["a JSON key glued to the ARN", { secrets: { A: `${secret("db")}:password::` } }, `Config "dotnet-fargate:services[1].secrets.A" is "${secret("db")}:password::"; expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>, with or without its 6-character suffix), an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or name (/<path>/<name>), or an object {secret, parameter, jsonKey, versionStage, versionId, kmsKey} with exactly one of secret and parameter.`],
        ["a KMS alias instead of a key", { secrets: { A: { secret: secret("db"), kmsKey: "alias/app" } } }, 'Config "dotnet-fargate:services[1].secrets.A.kmsKey" is "alias/app"; expected the ARN of the customer-managed KMS key that encrypts it (arn:aws:kms:<region>:<account>:key/<id>); leave it out for AWS\'s own key.'],
        ["a secret also in environment", { environment: { A: "x" }, secrets: { A: secret("db") } }, 'Config "dotnet-fargate:services[1].secrets.A" is "A"; expected a variable not also set in environment.'],
        ["a secret named like the port", { secrets: { ASPNETCORE_URLS: secret("db") } }, `Config "dotnet-fargate:services[1].secrets.ASPNETCORE_URLS" is "${secret("db")}"; expected no variable that sets Kestrel's URLs or ports: the service's port key decides the port (the task sets ASPNETCORE_HTTP_PORTS from it).`],
        ["PGPASSWORD beside a database", { database: true, secrets: { PGPASSWORD: secret("db") } }, 'Config "dotnet-fargate:services[1].secrets.PGPASSWORD" is "PGPASSWORD"; expected a variable other than the database\'s (ConnectionStrings__Default, PGPASSWORD).'],
        ["a database that is neither true nor an object", { database: "yes" }, 'Config "dotnet-fargate:services[1].database" is "yes"; expected true (its own PostgreSQL on RDS, sized by the database key; the connection string in ConnectionStrings__Default), {"connectionString": "<Name>"} for ConnectionStrings__<Name>, or false.'],
    ];
    for (const [title, change, message] of cases) {
        it(title, async () => {
            await assert.rejects(runProgram("arm64", { config: { services: ["bookstore", { ...echo, ...change }] } }), { message });
        });
    }
});

/** A throw-away project folder (with a build context around it) holding these files. */
function project(files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dotnet-fargate-framework-"));
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), text);
    }
    return root;
}
const csproj = (properties: string) => `<Project Sdk="Microsoft.NET.Sdk.Web">\n  <PropertyGroup>\n    ${properties}\n  </PropertyGroup>\n</Project>\n`;

describe("the .NET a user's project targets, read before anything is built", () => {
    const folders: string[] = [];
    after(() => folders.forEach((f) => fs.rmSync(f, { recursive: true, force: true })));
    // The build context is the folder holding src/, as a solution's repository would give it.
    const spec = (files: Record<string, string>, context: string = ".") => {
        const root = project(files);
        folders.push(root);
        return parseServices([{ ...echo, project: path.join(root, "src", "Api"), context: path.join(root, context) }], root)[0];
    };

    it("builds net10.0 for the aspnet 10.0 image", () => {
        assert.deepStrictEqual(spec({ "src/Api/Api.csproj": csproj("<TargetFramework>net10.0</TargetFramework>") }).framework, { targetFramework: "net10.0", targetFrameworks: ["net10.0"], runtimeTag: "10.0.12-noble-chiseled" });
    });

    it("picks the newest supported framework of a multi-targeted project", () => {
        const { framework } = spec({ "src/Api/Api.csproj": csproj("<TargetFrameworks>net8.0;net9.0;net10.0</TargetFrameworks>") });
        assert.deepStrictEqual([framework.targetFramework, framework.targetFrameworks], ["net10.0", ["net8.0", "net9.0", "net10.0"]]);
    });

    it("reads the framework from the nearest Directory.Build.props inside the context, the project's own winning", () => {
        assert.strictEqual(spec({ "Directory.Build.props": csproj("<TargetFramework>net10.0</TargetFramework>"), "src/Api/Api.csproj": csproj("<Nullable>enable</Nullable>") }).framework.targetFramework, "net10.0");
        assert.strictEqual(spec({
            "Directory.Build.props": csproj("<TargetFrameworks>net9.0</TargetFrameworks>"),
            "src/Api/Api.csproj": csproj("<TargetFrameworks>$(TargetFrameworks);net10.0</TargetFrameworks>"),
        }).framework.targetFramework, "net10.0");
    });

    it("does not read a Directory.Build.props outside the build context: the image's build never sees it", () => {
        assert.throws(() => spec({ "Directory.Build.props": csproj("<TargetFramework>net10.0</TargetFramework>"), "src/Api/Api.csproj": csproj("") }, "src"), {
            message: 'Config "dotnet-fargate:services[0].project" is "Api.csproj"; expected a project that sets TargetFramework or TargetFrameworks (in the project file or a Directory.Build.props inside the build context); this Dockerfile builds net10.0.',
        });
    });

    it("accepts a global.json that rolls forward to the image's SDK", () => {
        const files = { "global.json": JSON.stringify({ sdk: { version: "10.0.100", rollForward: "latestFeature" } }), "src/Api/Api.csproj": csproj("<TargetFramework>net10.0</TargetFramework>") };
        assert.strictEqual(spec(files).framework.targetFramework, "net10.0");
    });

    const refused: [string, Record<string, string>, string][] = [
        ["net6.0", { "src/Api/Api.csproj": csproj("<TargetFramework>net6.0</TargetFramework>") }, 'is "Api.csproj"; targets net6.0 (out of support since 2024-11-12); expected a project targeting one of net10.0: the Dockerfile builds with the .NET 10 SDK and runs on the matching aspnet image.'],
        ["net9.0, out of support", { "src/Api/Api.csproj": csproj("<TargetFramework>net9.0</TargetFramework>") }, 'is "Api.csproj"; targets net9.0 (out of support since 2026-11-10); expected a project targeting one of net10.0: the Dockerfile builds with the .NET 10 SDK and runs on the matching aspnet image.'],
        ["netstandard2.0 and net48", { "src/Api/Api.csproj": csproj("<TargetFrameworks>netstandard2.0;net48</TargetFrameworks>") }, 'is "Api.csproj"; targets netstandard2.0, net48; expected a project targeting one of net10.0: the Dockerfile builds with the .NET 10 SDK and runs on the matching aspnet image.'],
        ["net8.0 from Directory.Build.props", { "Directory.Build.props": csproj("<TargetFramework>net8.0</TargetFramework>"), "src/Api/Api.csproj": csproj("") }, 'is "Api.csproj"; targets net8.0 (out of support since 2026-11-10); expected a project targeting one of net10.0: the Dockerfile builds with the .NET 10 SDK and runs on the matching aspnet image.'],
        ["no framework at all", { "src/Api/Api.csproj": csproj("<Nullable>enable</Nullable>") }, 'is "Api.csproj"; expected a project that sets TargetFramework or TargetFrameworks (in the project file or a Directory.Build.props inside the build context); this Dockerfile builds net10.0.'],
        ["a framework from a property", { "src/Api/Api.csproj": csproj("<TargetFramework>$(AppFramework)</TargetFramework>") }, 'is "Api.csproj"; sets TargetFramework to "$(AppFramework)"; expected a literal framework such as net10.0 (a property cannot be evaluated before the build).'],
        ["a global.json pinning an SDK the image lacks", { "global.json": JSON.stringify({ sdk: { version: "8.0.100" } }), "src/Api/Api.csproj": csproj("<TargetFramework>net10.0</TargetFramework>") }, 'is "global.json"; pins the .NET SDK 8.0.100 with rollForward latestPatch; expected a pin the image\'s .NET 10 SDK (the newest 10.0 feature band) satisfies: a 10.0 version with rollForward latestFeature (or feature, minor, latestMinor, major, latestMajor), an older one with major or latestMajor, or no version.'],
        ["a global.json pinning one feature band", { "global.json": JSON.stringify({ sdk: { version: "10.0.100", rollForward: "latestPatch" } }), "src/Api/Api.csproj": csproj("<TargetFramework>net10.0</TargetFramework>") }, 'is "global.json"; pins the .NET SDK 10.0.100 with rollForward latestPatch; expected a pin the image\'s .NET 10 SDK (the newest 10.0 feature band) satisfies: a 10.0 version with rollForward latestFeature (or feature, minor, latestMinor, major, latestMajor), an older one with major or latestMajor, or no version.'],
    ];
    for (const [title, files, message] of refused) {
        it(`refuses ${title}, naming the project, its framework and what is supported`, () => {
            assert.throws(() => spec(files), { name: "ConfigError", message: `Config "dotnet-fargate:services[0].project" ${message}` });
        });
    }

    it("refuses it in the program before any resource is declared", async () => {
        const root = project({ "Old.Api/Old.Api.csproj": csproj("<TargetFramework>net6.0</TargetFramework>") });
        folders.push(root);
        await assert.rejects(runProgram("amd64", { config: { services: ["bookstore", { ...echo, project: path.join(root, "Old.Api") }] } }), {
            message: 'Config "dotnet-fargate:services[1].project" is "Old.Api.csproj"; targets net6.0 (out of support since 2024-11-12); expected a project targeting one of net10.0: the Dockerfile builds with the .NET 10 SDK and runs on the matching aspnet image.',
        });
    });

    it("names the runtime image the Dockerfile runs net10.0 on (its literal tag, or RUNTIME_TAG's default)", () => {
        const dockerfile = fs.readFileSync(path.join("services", "Dockerfile"), "utf8");
        const from = /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:(\S+)/m.exec(dockerfile)?.[1];
        const tag = from === "$RUNTIME_TAG" || from === "${RUNTIME_TAG}" ? /^ARG RUNTIME_TAG=(\S+)/m.exec(dockerfile)?.[1] : from;
        assert.strictEqual(tag, SUPPORTED_FRAMEWORKS["net10.0"].runtimeTag);
    });

    it("reads the built-in services' framework from services/Directory.Build.props", () => {
        const specs = parseServices(["bookstore", "prime"], process.cwd());
        assert.deepStrictEqual(specs.map((s) => s.framework.targetFramework), ["net10.0", "net10.0"]);
    });
});
