import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { projectRoot } from "../model/paths";
import * as pulumi from "@pulumi/pulumi";
import { readJson } from "../stacks/config";
import { parseAzureDevOpsConfig } from "../stacks/azuredevops-config";
import { CONFIG_KEYS, isPrivateCidr, parseSettings } from "../stacks/settings";
import { ARCHITECTURES } from "../model/architecture";

const base = { architecture: "arm64" };

describe("stack settings", () => {
    it("gives a stack that sets only the architecture what Pulumi.yaml documents as each key's default", () => {
        const s = parseSettings(base) as unknown as Record<string, unknown>;
        const declared = parse(fs.readFileSync(path.join(projectRoot(), "Pulumi.yaml"), "utf8")).config as Record<string, { default?: unknown }>;
        const documented = Object.entries(declared).filter(([, entry]) => entry.default !== undefined);
        assert.ok(documented.length >= 10, "Pulumi.yaml documents the defaults");
        // Only the fields the documentation names: an object default need not spell out derived fields.
        const pick = (actual: unknown, shape: unknown): unknown =>
            shape && typeof shape === "object" && !Array.isArray(shape)
                ? Object.fromEntries(Object.keys(shape).map((k) => [k, pick((actual as Record<string, unknown>)?.[k], (shape as Record<string, unknown>)[k])]))
                : actual;
        for (const [name, entry] of documented) {
            const field = name.replace("dotnet-fargate:", "");
            if (field === "azureDevOps") {
                continue; // parsed on its own (stacks/azuredevops-config.ts): off unless enabled, tested there
            }
            if (field === "certificateArn") {
                continue; // "" means unset (checked below); the next suite feeds every default as the CLI passes it
            }
            assert.deepStrictEqual(pick(s[field], entry.default), entry.default, `the effective default of ${name}`);
        }
        // What the documentation states in words: no monitor unless the profiling service is deployed, HTTP only.
        assert.deepStrictEqual((s.monitor as { services: string[] }).services, []);
        assert.strictEqual(s.certificateArn, undefined);
        assert.strictEqual((s.traits as { platform: string }).platform, "linux/arm64");
    });

    it("takes database settings field by field over the defaults", () => {
        const s = parseSettings({ ...base, database: { enabled: true, size: "large", backupRetentionDays: 14, skipFinalSnapshot: true } });
        assert.deepStrictEqual(s.database, {
            enabled: true, size: "large", engineVersion: "17", allocatedStorageGb: 20, backupRetentionDays: 14, deletionProtection: true, skipFinalSnapshot: true,
        });
    });

    it("refuses a certificate from another region than the stack's, which its load balancer cannot use", () => {
        const arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
        assert.throws(() => parseSettings({ ...base, certificateArn: arn }, undefined, "eu-west-1"), {
            name: "ConfigError",
            message: `Config "dotnet-fargate:certificateArn" is "${arn}"; expected a certificate in the stack's region, eu-west-1: a load balancer can use an ACM certificate of its own region only (this one is in us-east-1).`,
        });
        assert.strictEqual(parseSettings({ ...base, certificateArn: arn }, undefined, "us-east-1").certificateArn, arn);
    });

    it("takes an engine version `pulumi config set --path` stored as a number", () => {
        // --path stores 16 as a number (pulumi/pulumi sdk/go/common/resource/config/value.go, TypeInt).
        assert.strictEqual(parseSettings({ ...base, database: { engineVersion: 16 } }).database.engineVersion, "16");
    });

    it("monitors the profiling service by default when it is deployed, and only it", () => {
        assert.deepStrictEqual(parseSettings({ ...base, services: ["bookstore", "profiling"] }).monitor.services, ["profiling"]);
        assert.deepStrictEqual(parseSettings({ ...base, services: ["bookstore", "profiling"], monitor: { enabled: true } }).monitor.services, ["bookstore", "profiling"]);
        assert.deepStrictEqual(parseSettings({ ...base, services: ["bookstore", "profiling"], monitor: { enabled: false } }).monitor.services, []);
        assert.deepStrictEqual(parseSettings({ ...base, monitor: { enabled: ["prime"] } }).monitor.services, ["prime"]);
    });

    it("takes rule settings field by field", () => {
        const rules = parseSettings({ ...base, monitor: { rules: { highCpu: { threshold: 65 }, largeGcHeap: { enabled: false }, actionsPerHour: 3 } } }).monitor.rules;
        assert.deepStrictEqual(rules, {
            highCpu: { enabled: true, threshold: 65 },
            largeGcHeap: { enabled: false, threshold: 512 },
            threadPoolStarvation: { enabled: true, threshold: 100 },
            actionsPerHour: 3,
        });
    });

    const errors: [string, Record<string, unknown>, string][] = [
        ["a missing architecture", {}, 'Config "dotnet-fargate:architecture" is nothing; expected one of arm64, amd64.'],
        ["a wrong architecture", { architecture: "x86_64" }, 'Config "dotnet-fargate:architecture" is "x86_64"; expected one of arm64, amd64.'],
        ["an unknown service", { ...base, services: ["bookstore", "billing"] }, 'Config "dotnet-fargate:services" is ["bookstore","billing"]; expected built-in names from bookstore, prime, profiling or service objects; "billing" is neither.'],
        ["a repeated service", { ...base, services: ["prime", "prime"] }, 'Config "dotnet-fargate:services" is ["prime","prime"]; expected distinct names; "prime" is listed twice.'],
        ["no services", { ...base, services: [] }, 'Config "dotnet-fargate:services" is []; expected a non-empty list of built-in names (bookstore, prime, profiling) or service objects {name, project, paths, port, healthCheckPath, environment, secrets, database, dockerfile, context}.'],
        ["a CPU Fargate lacks", { ...base, taskCpu: 384 }, 'Config "dotnet-fargate:taskCpu" is 384; expected one of 256, 512, 1024, 2048, 4096, 8192, 16384 (CPU units, 1024 = 1 vCPU).'],
        ["a memory the CPU cannot have", { ...base, taskCpu: 512, taskMemory: 8192 }, 'Config "dotnet-fargate:taskMemory" is 8192; with dotnet-fargate:taskCpu 512, Fargate accepts 1024 to 4096 MiB in steps of 1024.'],
        ["a zero desired count", { ...base, desiredCount: 0 }, 'Config "dotnet-fargate:desiredCount" is 0; expected a whole number from 1 to 100.'],
        ["a fractional desired count", { ...base, desiredCount: 1.5 }, 'Config "dotnet-fargate:desiredCount" is 1.5; expected a whole number from 1 to 100.'],
        ["an unknown NAT strategy", { ...base, natStrategy: "none" }, 'Config "dotnet-fargate:natStrategy" is "none"; expected single or onePerAz.'],
        ["a public VPC CIDR", { ...base, vpcCidr: "8.8.0.0/16" }, 'Config "dotnet-fargate:vpcCidr" is "8.8.0.0/16"; expected a private IPv4 CIDR block from /16 to /24, such as 10.0.0.0/16.'],
        ["a retention CloudWatch lacks", { ...base, logRetentionDays: 10 }, 'Config "dotnet-fargate:logRetentionDays" is 10; expected one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.'],
        ["too few images kept", { ...base, imageRetentionCount: 1 }, 'Config "dotnet-fargate:imageRetentionCount" is 1; expected a whole number from 2 to 1000.'],
        ["a certificate that is not an ACM ARN", { ...base, certificateArn: "arn:aws:iam::123456789012:server-certificate/x" }, 'Config "dotnet-fargate:certificateArn" is "arn:aws:iam::123456789012:server-certificate/x"; expected an ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id>.'],
        ["autoscaling as a boolean", { ...base, autoscaling: true }, 'Config "dotnet-fargate:autoscaling" is true; expected an object with enabled, minCount, maxCount, targetCpuPercent.'],
        ["an unknown autoscaling field", { ...base, autoscaling: { max: 3 } }, 'Config "dotnet-fargate:autoscaling.max" is 3; expected one of enabled, minCount, maxCount, targetCpuPercent.'],
        ["a maximum below the minimum", { ...base, autoscaling: { enabled: true, minCount: 3, maxCount: 2 } }, 'Config "dotnet-fargate:autoscaling.maxCount" is 2; expected at least autoscaling.minCount (3).'],
        ["a desired count outside the scaling range", { ...base, desiredCount: 5, autoscaling: { enabled: true, minCount: 1, maxCount: 4 } }, 'Config "dotnet-fargate:desiredCount" is 5; expected a count from autoscaling.minCount (1) to autoscaling.maxCount (4).'],
        ["a CPU target out of range", { ...base, autoscaling: { targetCpuPercent: 95 } }, 'Config "dotnet-fargate:autoscaling.targetCpuPercent" is 95; expected a whole number from 10 to 90.'],
        ["a monitor for a service not deployed", { ...base, monitor: { enabled: ["profiling"] } }, 'Config "dotnet-fargate:monitor.enabled" is ["profiling"]; expected true, false or a list of deployed services (bookstore, prime).'],
        ["a monitor API open to the internet", { ...base, monitor: { allowedCidrs: ["0.0.0.0/0"] } }, 'Config "dotnet-fargate:monitor.allowedCidrs" is ["0.0.0.0/0"]; expected a list of IPv4 CIDR blocks such as 203.0.113.0/24; the API is never open to the whole internet.'],
        ["a malformed CIDR", { ...base, monitor: { allowedCidrs: ["203.0.113.7/24"] } }, 'Config "dotnet-fargate:monitor.allowedCidrs" is ["203.0.113.7/24"]; expected a list of IPv4 CIDR blocks such as 203.0.113.0/24; the API is never open to the whole internet.'],
        ["an unpinned monitor image", { ...base, monitor: { imageTag: "latest" } }, 'Config "dotnet-fargate:monitor.imageTag" is "latest"; expected a pinned tag of mcr.microsoft.com/dotnet/monitor such as 10.0.3.'],
        ["an unknown monitor field", { ...base, monitor: { noAuth: true } }, 'Config "dotnet-fargate:monitor.noAuth" is true; expected one of enabled, imageTag, allowedCidrs, artifactRetentionDays, tokenSigners, rules.'],
        ["a CPU rule above 100%", { ...base, monitor: { rules: { highCpu: { threshold: 150 } } } }, 'Config "dotnet-fargate:monitor.rules.highCpu.threshold" is 150; expected a whole number from 1 to 100.'],
        ["a rule switched on with text", { ...base, monitor: { rules: { threadPoolStarvation: { enabled: "yes" } } } }, 'Config "dotnet-fargate:monitor.rules.threadPoolStarvation.enabled" is "yes"; expected true or false.'],
        ["a bad price", { ...base, prices: { natGatewayHour: "cheap" } }, 'Config "dotnet-fargate:prices.natGatewayHour" is "cheap"; expected a price in USD, a number >= 0.'],
        ["a database switched on with text", { ...base, database: { enabled: "yes" } }, 'Config "dotnet-fargate:database.enabled" is "yes"; expected true or false.'],
        ["a database as a boolean", { ...base, database: true }, 'Config "dotnet-fargate:database" is true; expected an object with enabled, size, engineVersion, allocatedStorageGb, backupRetentionDays, deletionProtection, skipFinalSnapshot.'],
        ["an unknown database field", { ...base, database: { multiAz: true } }, 'Config "dotnet-fargate:database.multiAz" is true; expected one of enabled, size, engineVersion, allocatedStorageGb, backupRetentionDays, deletionProtection, skipFinalSnapshot.'],
        ["a database size with no class", { ...base, database: { enabled: true, size: "xlarge" } }, 'Config "dotnet-fargate:database.size" is "xlarge"; expected one of micro, small, medium, large.'],
        ["a database class instead of a size", { ...base, database: { size: "db.t4g.small" } }, 'Config "dotnet-fargate:database.size" is "db.t4g.small"; expected one of micro, small, medium, large.'],
        ["an unsupported engine version as a number", { ...base, database: { engineVersion: 12 } }, 'Config "dotnet-fargate:database.engineVersion" is "12"; expected a PostgreSQL major version, one of "16", "17".'],
        ["an engine version that is no whole number", { ...base, database: { engineVersion: 16.5 } }, 'Config "dotnet-fargate:database.engineVersion" is 16.5; expected a PostgreSQL major version, one of "16", "17".'],
        ["an unsupported engine version", { ...base, database: { engineVersion: "12" } }, 'Config "dotnet-fargate:database.engineVersion" is "12"; expected a PostgreSQL major version, one of "16", "17".'],
        ["too little storage", { ...base, database: { allocatedStorageGb: 10 } }, 'Config "dotnet-fargate:database.allocatedStorageGb" is 10; expected a whole number from 20 to 65536.'],
        ["no backups", { ...base, database: { backupRetentionDays: 0 } }, 'Config "dotnet-fargate:database.backupRetentionDays" is 0; expected a whole number from 1 to 35.'],
        ["a database without the BookStore", { ...base, services: ["prime"], database: { enabled: true } }, 'Config "dotnet-fargate:database.enabled" is true; the database is the bookstore service\'s store, and dotnet-fargate:services does not deploy bookstore.'],
    ];
    for (const [title, raw, message] of errors) {
        it(`refuses ${title}`, () => assert.throws(() => parseSettings(raw), { name: "ConfigError", message }));
    }

    it("recognises private CIDR blocks only", () => {
        for (const ok of ["10.0.0.0/16", "172.16.0.0/20", "192.168.10.0/24"]) {
            assert.ok(isPrivateCidr(ok), ok);
        }
        for (const bad of ["10.0.0.1/16", "172.32.0.0/16", "192.168.0.0/25", "10.0.0.0/8", "10.0.0.0", "300.0.0.0/16"]) {
            assert.ok(!isPrivateCidr(bad), bad);
        }
    });
});

describe("project and stack files", () => {
    const root = projectRoot();
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));

    it("declares every key the program reads, each with a description", () => {
        const declared = project.config as Record<string, { default?: unknown; description?: string }>;
        // The one table of keys (stacks/settings.ts CONFIG_KEYS) is what Pulumi.yaml declares, less the retired keys: the
        // program reads those only to refuse them, and a declared key without a default is one the CLI requires (below).
        const live = Object.entries(CONFIG_KEYS).filter(([, kind]) => kind !== "retired").map(([k]) => `dotnet-fargate:${k}`);
        assert.deepStrictEqual(Object.keys(declared).sort(), live.sort());
        for (const [name, entry] of Object.entries(declared)) {
            assert.ok(entry.description && entry.description.length > 20, `${name} needs a description`);
        }
        // No `main`: the program directory is the root, where node_modules is, so `pulumi install` and
        // `pulumi plugin ls --project` find the plugins; the entry point is package.json's `main`
        // (pulumi/pulumi v3.259.0 sdk/nodejs/cmd/run/run.ts reads it when Pulumi.yaml names none).
        assert.strictEqual(project.main, undefined);
        const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
        assert.ok(fs.existsSync(path.join(root, manifest.main)), `package.json main ${manifest.main}`);
        assert.strictEqual(project.name, "dotnet-fargate");
    });

    it("asks the CLI for no value the stack files do not give, and the defaults the CLI passes are the program's own", () => {
        // The CLI requires, of every stack, each key in the project's namespace that Pulumi.yaml declares with neither a
        // default nor a value, and refuses `pulumi preview` and `pulumi up` without it ("Stack 'arm64' is missing
        // configuration value ..."): pulumi/pulumi pkg/workspace/config.go at v3.259.0 (ValidateStackConfigAndApplyProjectConfig).
        const declared = project.config as Record<string, { default?: unknown; value?: unknown }>;
        const stackFiles = ARCHITECTURES.map((a) => parse(fs.readFileSync(path.join(root, `Pulumi.${a}.yaml`), "utf8")).config as Record<string, unknown>);
        const required = Object.entries(declared)
            .filter(([name, entry]) => name.startsWith("dotnet-fargate:") && entry.default === undefined && entry.value === undefined)
            .map(([name]) => name);
        assert.deepStrictEqual(required, ["dotnet-fargate:architecture"]);
        stackFiles.forEach((config, i) => assert.ok(required.every((name) => config[name] !== undefined), `Pulumi.${ARCHITECTURES[i]}.yaml sets ${required.join(", ")}`));

        // The CLI hands a stack the defaults as text: a number or a string as it is written, a list or an object as JSON
        // (createConfigValue, same file). The program reads that text as it reads any value (stacks/config.ts).
        const texts: Record<string, string> = {};
        for (const [name, entry] of Object.entries(declared)) {
            if (entry.default !== undefined) {
                const v = entry.default;
                texts[name.replace("dotnet-fargate:", "")] = typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
            }
        }
        const config = { get: (name: string) => texts[name] } as unknown as pulumi.Config;
        const raw: Record<string, unknown> = { ...base };
        for (const [name, kind] of Object.entries(CONFIG_KEYS)) {
            if (kind === "string" && texts[name] !== undefined) {
                raw[name] = texts[name];
            } else if (kind === "json") {
                raw[name] = readJson(config, name);
            }
        }
        assert.deepStrictEqual(parseSettings(raw), parseSettings(base));
        assert.strictEqual(parseAzureDevOpsConfig(raw.azureDevOps, { stack: "arm64", env: {}, staticKeysSet: false }), undefined);
    });

    it("has one stack file per architecture, differing only in the architecture", () => {
        const files = ARCHITECTURES.map((a) => parse(fs.readFileSync(path.join(root, `Pulumi.${a}.yaml`), "utf8")).config as Record<string, unknown>);
        ARCHITECTURES.forEach((a, i) => assert.strictEqual(files[i]["dotnet-fargate:architecture"], a));
        const strip = (c: Record<string, unknown>) => Object.fromEntries(Object.entries(c).filter(([k]) => k !== "dotnet-fargate:architecture"));
        assert.deepStrictEqual(strip(files[0]), strip(files[1]));
        assert.strictEqual(files[0]["aws:region"], "eu-west-1");
    });
});
