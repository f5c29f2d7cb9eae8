// The Azure Pipelines YAML, parsed: the structure the issue asks for, the stacks it names exist, the pull
// request pipeline never deploys, the deploy pipeline deploys only main, and secrets only as secret variables.
// What parsing cannot prove: that Azure Pipelines accepts the files (no schema check here), or that the
// marketplace tasks (Pulumi@1, AWSShellScript@1) behave as their documentation says.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ARCHITECTURES } from "../infra/architecture";
import { projectRoot } from "../stacks/paths";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Step = Record<string, any>;

const root = projectRoot(__dirname);
const read = (file: string): any => parse(fs.readFileSync(path.join(root, file), "utf8"));

/** Replaces `${{ parameters.x }}` with the caller's value or the template's default. */
function substitute(value: unknown, parameters: Record<string, unknown>): any {
    if (typeof value === "string") {
        return value.replace(/\$\{\{\s*parameters\.(\w+)\s*\}\}/g, (_, name: string) => {
            assert.ok(name in parameters, `template parameter ${name} has no value`);
            return String(parameters[name]);
        });
    }
    if (Array.isArray(value)) {
        return value.map((v) => substitute(v, parameters));
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, parameters)]));
    }
    return value;
}

/** A job's steps with step templates inlined (paths relative to the file that names them). */
function expandSteps(steps: Step[], dir: string): Step[] {
    return steps.flatMap((step) => {
        if (!("template" in step)) {
            return [step];
        }
        const file = path.join(dir, step.template);
        assert.ok(fs.existsSync(path.join(root, file)), `template ${file} exists`);
        const template = read(file);
        const parameters: Record<string, unknown> = {};
        for (const p of template.parameters ?? []) {
            if ("default" in p) parameters[p.name] = p.default;
        }
        Object.assign(parameters, step.parameters ?? {});
        for (const p of template.parameters ?? []) {
            assert.ok(p.name in parameters, `${file}: parameter ${p.name} is given`);
        }
        return expandSteps(substitute(template.steps, parameters), path.dirname(file));
    });
}

interface Pipeline {
    readonly doc: any;
    readonly jobs: Record<string, { readonly job: any; readonly steps: Step[] }>;
}

function load(file: string): Pipeline {
    const doc = read(file);
    const jobs: Pipeline["jobs"] = {};
    for (const job of doc.jobs) {
        jobs[job.job] = { job, steps: expandSteps(job.steps, path.dirname(file)) };
    }
    return { doc, jobs };
}

const tasks = (steps: Step[], name: string): Step[] => steps.filter((s) => s.task === name);
const scripts = (steps: Step[]): string[] =>
    steps.flatMap((s) => [s.script, s.bash, s.inputs?.inlineScript].filter((x): x is string => typeof x === "string"));

const SECRETS = ["PULUMI_CONFIG_PASSPHRASE", "AZDO_PERSONAL_ACCESS_TOKEN"];
const sdkVersion: string = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")).packages["node_modules/@pulumi/pulumi"].version;

for (const file of ["pipelines/pull-request.yml", "pipelines/deploy.yml"]) {
    describe(`${file}: what both pipelines share`, () => {
        const pipeline = load(file);

        it("runs on a hosted Ubuntu agent", () => {
            assert.match(pipeline.doc.pool.vmImage, /^ubuntu-(latest|2[2-9]\.04)$/);
        });

        it("runs npm ci and npm test, with Node.js and the .NET 10 SDK, before anything touches a stack", () => {
            const test = pipeline.jobs.test;
            assert.ok(test, "a test job");
            assert.deepStrictEqual(scripts(test.steps), [
                "npm ci",
                "sudo apt-get update -q && sudo apt-get install -y -q --no-install-recommends qemu-user-static file",
                "npm test",
            ]);
            assert.strictEqual(tasks(test.steps, "UseDotNet@2")[0]?.inputs.version, "10.0.x");
            assert.strictEqual(tasks(test.steps, "NodeTool@0").length, 1);
            for (const [name, { job }] of Object.entries(pipeline.jobs)) {
                if (name !== "test") assert.strictEqual(job.dependsOn, "test", `${name} waits for the tests`);
            }
        });

        it("installs the Pulumi CLI through the Pulumi task, at the SDK's version", () => {
            assert.strictEqual(pipeline.doc.variables.pulumiVersion, sdkVersion);
            const pulumiSteps = Object.values(pipeline.jobs).flatMap((j) => tasks(j.steps, "Pulumi@1"));
            assert.ok(pulumiSteps.length > 0);
            for (const step of pulumiSteps) {
                assert.strictEqual(step.inputs.versionSpec, "$(pulumiVersion)");
                assert.strictEqual(step.inputs.loginArgs, "$(PULUMI_BACKEND_URL)", "the backend comes from a pipeline variable");
            }
        });

        it("takes AWS credentials from the service connection, handed on only as secret variables", () => {
            for (const [name, { steps }] of Object.entries(pipeline.jobs)) {
                const pulumiSteps = tasks(steps, "Pulumi@1");
                if (pulumiSteps.length === 0) continue;
                const aws = tasks(steps, "AWSShellScript@1");
                assert.strictEqual(aws.length, 1, `${name}: one AWS credentials step`);
                assert.strictEqual(aws[0].inputs.awsCredentials, "$(awsServiceConnection)");
                assert.ok(steps.indexOf(aws[0]) < steps.indexOf(pulumiSteps[0]), `${name}: credentials before pulumi`);
                const handOffs = aws[0].inputs.inlineScript.split("\n").filter((l: string) => l.includes("task.setvariable"));
                assert.strictEqual(handOffs.length, 3);
                for (const line of handOffs) assert.match(line, /;issecret=true\]/);
            }
        });

        it("keeps secrets in secret variables, mapped into env: only where needed", () => {
            for (const secret of SECRETS) {
                assert.ok(!(secret in (pipeline.doc.variables ?? {})), `${secret} is not a plain YAML variable`);
            }
            for (const { steps } of Object.values(pipeline.jobs)) {
                for (const step of tasks(steps, "Pulumi@1")) {
                    for (const secret of [...SECRETS, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) {
                        assert.strictEqual(step.env[secret], `$(${secret})`);
                    }
                }
                for (const step of steps) {
                    for (const [name, value] of Object.entries(step.env ?? {})) {
                        assert.match(String(value), /^\$\([\w.]+\)$/, `env ${name} is a variable reference, never a literal`);
                    }
                }
            }
        });

        it("builds on the x64 agent without emulation", () => {
            // The test job installs qemu-user-static to run the arm64 test build; the jobs that build images do not.
            const steps = JSON.stringify(Object.entries(pipeline.jobs).filter(([name]) => name !== "test").map(([, j]) => j.steps));
            assert.doesNotMatch(steps, /qemu|binfmt/i, "no emulator is installed where images are built");
        });
    });
}

describe("pipelines/pull-request.yml", () => {
    const pipeline = load("pipelines/pull-request.yml");
    const preview = pipeline.jobs.preview;

    it("runs for pull requests only", () => {
        assert.strictEqual(pipeline.doc.trigger, "none");
        assert.deepStrictEqual(pipeline.doc.pr.branches.include, ["main"]);
    });

    it("previews exactly the two stacks, and each has its stack file", () => {
        const stacks = Object.values(preview.job.strategy.matrix).map((m: any) => m.stack);
        assert.deepStrictEqual([...stacks].sort(), [...ARCHITECTURES].sort());
        for (const stack of stacks) {
            assert.ok(fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`)), `Pulumi.${stack}.yaml exists`);
        }
    });

    it("runs pulumi preview with a pull-request comment, and never up or destroy", () => {
        const pulumiSteps = Object.values(pipeline.jobs).flatMap((j) => tasks(j.steps, "Pulumi@1"));
        assert.deepStrictEqual(pulumiSteps.map((s) => s.inputs.command), ["preview"]);
        assert.strictEqual(pulumiSteps[0].inputs.stack, "$(stack)");
        assert.strictEqual(pulumiSteps[0].inputs.createPrComment, true);
        assert.strictEqual(pulumiSteps[0].env.SYSTEM_ACCESSTOKEN, "$(System.AccessToken)");
        for (const script of Object.values(pipeline.jobs).flatMap((j) => scripts(j.steps))) {
            assert.doesNotMatch(script, /pulumi\s+(up|update|destroy|refresh|import)\b/);
        }
        assert.doesNotMatch(pulumiSteps[0].inputs.args, /--yes|--skip-preview/);
    });

    it("publishes the offline synth (text and JSON) of the stack as an artifact", () => {
        const synth = scripts(preview.steps).find((s) => s.includes("synth")) ?? "";
        assert.match(synth, /npm run --silent synth -- --stack "\$\(stack\)" > /);
        assert.match(synth, /npm run --silent synth -- --stack "\$\(stack\)" --json > /);
        const publish = tasks(preview.steps, "PublishPipelineArtifact@1");
        assert.strictEqual(publish.length, 1);
        assert.strictEqual(publish[0].inputs.artifact, "synth-$(stack)");
        assert.strictEqual(publish[0].inputs.targetPath, "$(Build.ArtifactStagingDirectory)/$(stack)");
        assert.strictEqual(publish[0].condition, "succeededOrFailed()");
    });
});

describe("pipelines/deploy.yml", () => {
    const pipeline = load("pipelines/deploy.yml");

    it("runs on pushes to main only, never for pull requests", () => {
        assert.deepStrictEqual(pipeline.doc.trigger.branches.include, ["main"]);
        assert.strictEqual(pipeline.doc.trigger.branches.exclude, undefined);
        assert.strictEqual(pipeline.doc.pr, "none");
        assert.strictEqual(pipeline.jobs.deploy.job.condition, "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))");
    });

    it("runs pulumi up --yes for the pipeline's stack, after the tests", () => {
        const pulumiSteps = Object.values(pipeline.jobs).flatMap((j) => tasks(j.steps, "Pulumi@1"));
        assert.strictEqual(pulumiSteps.length, 1);
        assert.strictEqual(pulumiSteps[0].inputs.command, "up");
        assert.match(pulumiSteps[0].inputs.args, /(^| )--yes( |$)/);
        assert.strictEqual(pulumiSteps[0].inputs.stack, "$(stack)");
        assert.ok(tasks(pipeline.jobs.deploy.steps, "Pulumi@1").length === 1, "only the deploy job deploys");
    });
});
