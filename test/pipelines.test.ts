// The Azure Pipelines YAML, parsed, with job and step templates inlined: the pull-request pipeline never
// deploys and never holds deploy credentials, each deploy pipeline deploys its own stack from main only, the
// names the YAML spells out are the ones the program creates, and the CLI sees only the secrets a step maps.
// What parsing cannot prove: that Azure Pipelines accepts the files (no schema check here), or that the
// marketplace task (AWSShellScript@1) behaves as its source says.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { Architecture, ARCHITECTURES } from "../infra/architecture";
import { PIPELINE_FILES, pipelineNames } from "../infra/azuredevops/pipelines";
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

/** A template file's body with its parameters bound (defaults, then the caller's), each checked against `values:`. */
function instantiate(file: string, given: Record<string, unknown> | undefined): any {
    assert.ok(fs.existsSync(path.join(root, file)), `template ${file} exists`);
    const template = read(file);
    const parameters: Record<string, unknown> = {};
    for (const p of template.parameters ?? []) {
        if ("default" in p) parameters[p.name] = p.default;
    }
    Object.assign(parameters, given ?? {});
    for (const p of template.parameters ?? []) {
        assert.ok(p.name in parameters, `${file}: parameter ${p.name} is given`);
        if (p.values && !String(parameters[p.name]).startsWith("$(")) {
            assert.ok(p.values.includes(parameters[p.name]), `${file}: ${p.name}=${parameters[p.name]} is one of ${p.values}`);
        }
    }
    return substitute(template, parameters);
}

/** A job's steps with step templates inlined (paths relative to the file that names them). */
function expandSteps(steps: Step[], dir: string): Step[] {
    return steps.flatMap((step) => {
        if (!("template" in step)) {
            return [step];
        }
        const file = path.join(dir, step.template);
        return expandSteps(instantiate(file, step.parameters).steps, path.dirname(file));
    });
}

interface Job {
    readonly job: any;
    readonly steps: Step[];
    /** Variable groups the job names. */
    readonly groups: string[];
}

function expandJobs(jobs: any[], dir: string): Record<string, Job> {
    const out: Record<string, Job> = {};
    for (const job of jobs) {
        if ("template" in job) {
            const file = path.join(dir, job.template);
            Object.assign(out, expandJobs(instantiate(file, job.parameters).jobs, path.dirname(file)));
            continue;
        }
        const groups = (job.variables ?? []).filter((v: any) => "group" in v).map((v: any) => v.group);
        out[job.job] = { job, steps: expandSteps(job.steps, dir), groups };
    }
    return out;
}

const load = (file: string) => {
    const doc = read(file);
    return { doc, jobs: expandJobs(doc.jobs, path.dirname(file)) };
};

const tasks = (steps: Step[], name: string): Step[] => steps.filter((s) => s.task === name);
const scripts = (steps: Step[]): string[] =>
    steps.flatMap((s) => [s.script, s.bash, s.inputs?.inlineScript].filter((x): x is string => typeof x === "string"));
const pulumiRuns = (steps: Step[]): Step[] => steps.filter((s) => typeof s.script === "string" && s.script.startsWith("bash pipelines/scripts/pulumi.sh "));

/** What the CLI step maps: the backend, the state secrets, the Azure DevOps token, the AWS session. */
const CLI_ENV = [
    "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_ACCESS_TOKEN", "AZDO_PERSONAL_ACCESS_TOKEN",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
];
const sdkVersion: string = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")).packages["node_modules/@pulumi/pulumi"].version;

const files: { file: string; connection: string; group: string; stack?: Architecture }[] = [
    { file: PIPELINE_FILES.pullRequest, connection: pipelineNames("arm64").previewConnection, group: pipelineNames("arm64").previewVariableGroup },
    ...ARCHITECTURES.map((stack) => ({
        file: PIPELINE_FILES.deploy(stack),
        connection: pipelineNames(stack).deployConnection,
        group: pipelineNames(stack).deployVariableGroup,
        stack,
    })),
];

it("the pipelines folder holds exactly the files the program points definitions at", () => {
    const top = fs.readdirSync(path.join(root, "pipelines")).filter((f) => f.endsWith(".yml")).map((f) => `pipelines/${f}`);
    assert.deepStrictEqual(top.sort(), files.map((f) => f.file).sort());
});

for (const { file, connection, group } of files) {
    describe(`${file}: what every pipeline shares`, () => {
        const pipeline = load(file);

        it("runs on a hosted Ubuntu agent", () => {
            assert.match(pipeline.doc.pool.vmImage, /^ubuntu-(latest|2[2-9]\.04)$/);
        });

        it("runs npm ci and npm test with Node.js 22 and the .NET 10 SDK, with no secret and no variable group, before anything touches a stack", () => {
            const test = pipeline.jobs.test;
            assert.ok(test, "a test job");
            assert.deepStrictEqual(scripts(test.steps), [
                "npm ci",
                "sudo apt-get update -q && sudo apt-get install -y -q --no-install-recommends qemu-user-static file",
                "npm test",
            ]);
            assert.strictEqual(tasks(test.steps, "UseDotNet@2")[0]?.inputs.version, "10.0.x");
            assert.strictEqual(tasks(test.steps, "NodeTool@0")[0]?.inputs.versionSpec, "22.x");
            assert.deepStrictEqual(test.groups, []);
            assert.ok(test.steps.every((s) => s.env === undefined), "no step of the tests maps anything into its environment");
            for (const [name, { job }] of Object.entries(pipeline.jobs)) {
                if (name !== "test") assert.strictEqual(job.dependsOn, "test", `${name} waits for the tests`);
            }
        });

        it("never uses the Pulumi@1 task, which hands the CLI every variable, secrets included", () => {
            // pulumi/pulumi-az-pipelines-task v1.1.6, buildAndReleaseTask/pulumi.ts: tryGetEnvVars copies tl.getVariables().
            for (const { steps } of Object.values(pipeline.jobs)) {
                assert.deepStrictEqual(tasks(steps, "Pulumi@1"), []);
            }
        });

        it("runs the CLI at the SDK's version in a script step that maps exactly the names it needs", () => {
            assert.strictEqual(pipeline.doc.variables.pulumiVersion, sdkVersion);
            const runs = Object.values(pipeline.jobs).flatMap((j) => pulumiRuns(j.steps));
            assert.strictEqual(runs.length, 1);
            assert.deepStrictEqual(Object.keys(runs[0].env).sort(), [...CLI_ENV].sort());
            for (const [name, value] of Object.entries(runs[0].env)) {
                assert.strictEqual(value, `$(${name})`, `env ${name} is its own variable, never a literal`);
            }
            const install = Object.values(pipeline.jobs).flatMap((j) => scripts(j.steps)).find((s) => s.includes("get.pulumi.com"));
            assert.match(install ?? "", /pulumi-v\$\(pulumiVersion\)-linux-x64\.tar\.gz/);
        });

        it(`takes AWS credentials from the service connection ${connection}, named literally, and reads the variable group ${group}`, () => {
            const [name, job] = Object.entries(pipeline.jobs).find(([, j]) => pulumiRuns(j.steps).length > 0) ?? [];
            assert.ok(job, "a job runs the CLI");
            const aws = tasks(job.steps, "AWSShellScript@1");
            assert.strictEqual(aws.length, 1, `${name}: one AWS credentials step`);
            // Service-connection inputs are resolved when the YAML is compiled: a runtime $(variable) never works there.
            assert.strictEqual(aws[0].inputs.awsCredentials, connection);
            assert.ok(job.steps.indexOf(aws[0]) < job.steps.indexOf(pulumiRuns(job.steps)[0]), `${name}: credentials before pulumi`);
            const handOffs = aws[0].inputs.inlineScript.split("\n").filter((l: string) => l.includes("task.setvariable"));
            assert.strictEqual(handOffs.length, 3);
            for (const line of handOffs) assert.match(line, /;issecret=true\]/);
            assert.deepStrictEqual(job.groups, [group]);
            const others = Object.entries(pipeline.jobs).filter(([n]) => n !== name);
            assert.ok(others.every(([, j]) => j.groups.length === 0 && tasks(j.steps, "AWSShellScript@1").length === 0), "no other job has credentials or secrets");
        });

        it("builds on the x64 agent without emulation", () => {
            // The test job installs qemu-user-static to run the arm64 test build; the jobs that build images do not.
            const steps = JSON.stringify(Object.entries(pipeline.jobs).filter(([name]) => name !== "test").map(([, j]) => j.steps));
            assert.doesNotMatch(steps, /qemu|binfmt/i, "no emulator is installed where images are built");
        });
    });
}

describe("pipelines/pull-request.yml", () => {
    const pipeline = load(PIPELINE_FILES.pullRequest);
    const preview = pipeline.jobs.preview;

    it("runs for pull requests only", () => {
        assert.strictEqual(pipeline.doc.trigger, "none");
        assert.deepStrictEqual(pipeline.doc.pr.branches.include, ["main"]);
    });

    it("skips the preview, the only job with secrets, for a build of a fork", () => {
        assert.strictEqual(preview.job.condition, "and(succeeded(), ne(variables['System.PullRequest.IsFork'], 'True'))");
    });

    it("previews exactly the two stacks, and each has its stack file", () => {
        const stacks = Object.values(preview.job.strategy.matrix).map((m: any) => m.stack);
        assert.deepStrictEqual([...stacks].sort(), [...ARCHITECTURES].sort());
        for (const stack of stacks) {
            assert.ok(fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`)), `Pulumi.${stack}.yaml exists`);
        }
    });

    it("runs pulumi preview, and never up or destroy", () => {
        const [run] = pulumiRuns(preview.steps);
        assert.strictEqual(run.script, "bash pipelines/scripts/pulumi.sh preview $(stack) --diff --policy-pack policy");
        const install = preview.steps.findIndex((s) => s.script === "npm ci --prefix policy --no-audit --no-fund");
        assert.ok(install >= 0 && install < preview.steps.indexOf(run), "the policy pack is installed before the preview");
        for (const script of Object.values(pipeline.jobs).flatMap((j) => scripts(j.steps))) {
            assert.doesNotMatch(script, /pulumi(\.sh)?\s+(up|update|destroy|refresh|import)\b/);
        }
    });

    it("publishes the offline synth (text and JSON, written with --out) as an artifact, with no secret in its step", () => {
        const step = preview.steps.find((s) => typeof s.script === "string" && s.script.includes("synth"));
        assert.ok(step);
        assert.strictEqual(step.env, undefined);
        assert.match(step.script, /npm run --silent synth -- --stack "\$\(stack\)" --out "\$out\/synth\.txt"/);
        assert.match(step.script, /npm run --silent synth -- --stack "\$\(stack\)" --json --out "\$out\/synth\.json"/);
        const publish = tasks(preview.steps, "PublishPipelineArtifact@1");
        assert.strictEqual(publish.length, 1);
        assert.strictEqual(publish[0].inputs.artifact, "synth-$(stack)");
        assert.strictEqual(publish[0].inputs.targetPath, "$(Build.ArtifactStagingDirectory)/$(stack)");
        assert.strictEqual(publish[0].condition, "succeededOrFailed()");
    });
});

for (const stack of ARCHITECTURES) {
    describe(`${PIPELINE_FILES.deploy(stack)}`, () => {
        const pipeline = load(PIPELINE_FILES.deploy(stack));

        it("runs on pushes to main only, never for pull requests", () => {
            assert.deepStrictEqual(pipeline.doc.trigger.branches.include, ["main"]);
            assert.strictEqual(pipeline.doc.trigger.branches.exclude, undefined);
            assert.strictEqual(pipeline.doc.pr, "none");
            assert.strictEqual(pipeline.jobs.deploy.job.condition, "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))");
        });

        it(`runs pulumi up --yes for ${stack}, after the tests, with time for a first deployment`, () => {
            const runs = Object.values(pipeline.jobs).flatMap((j) => pulumiRuns(j.steps));
            assert.deepStrictEqual(runs.map((r) => r.script), [`bash pipelines/scripts/pulumi.sh up ${stack} --yes`]);
            assert.strictEqual(pulumiRuns(pipeline.jobs.deploy.steps).length, 1, "only the deploy job deploys");
            assert.ok(pipeline.jobs.deploy.job.timeoutInMinutes >= 120);
        });
    });
}

describe("pipelines/scripts/pulumi.sh, with a stand-in pulumi that records what it is given", () => {
    let dir: string;
    const script = path.join(root, "pipelines/scripts/pulumi.sh");
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-sh-"));
        fs.writeFileSync(
            path.join(dir, "pulumi"),
            '#!/usr/bin/env bash\n{ echo "ARGS $*"; env | grep -E "^(PULUMI|AZDO|AWS)_" | sort; echo; } >> "$RECORD"\n',
            { mode: 0o755 },
        );
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const run = (args: string[], env: Record<string, string>) => {
        const record = path.join(dir, `record-${Math.random().toString(36).slice(2)}`);
        const result = spawnSync("bash", [script, ...args], {
            env: { PATH: `${dir}:${process.env.PATH}`, RECORD: record, ...env },
            encoding: "utf8",
        });
        return { ...result, record: fs.existsSync(record) ? fs.readFileSync(record, "utf8") : "" };
    };

    it("logs in to the backend, then runs the command for the stack, non-interactive", () => {
        const r = run(["preview", "arm64", "--diff"], { PULUMI_BACKEND_URL: "s3://state", PULUMI_CONFIG_PASSPHRASE: "pp" });
        assert.strictEqual(r.status, 0, r.stderr);
        const calls = r.record.split("\n").filter((l) => l.startsWith("ARGS"));
        assert.deepStrictEqual(calls, ["ARGS login s3://state", "ARGS preview --stack arm64 --non-interactive --diff"]);
    });

    it("drops a mapped variable the pipeline left as literal $(NAME), instead of handing it on as a secret", () => {
        const r = run(["preview", "amd64"], {
            PULUMI_BACKEND_URL: "s3://state",
            PULUMI_CONFIG_PASSPHRASE: "pp",
            PULUMI_ACCESS_TOKEN: "$(PULUMI_ACCESS_TOKEN)",
            AWS_SESSION_TOKEN: "",
        });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.record, /^PULUMI_CONFIG_PASSPHRASE=pp$/m);
        assert.doesNotMatch(r.record, /PULUMI_ACCESS_TOKEN|AWS_SESSION_TOKEN/);
    });

    it("refuses Pulumi Cloud without PULUMI_ACCESS_TOKEN, up without AWS credentials, and any other command", () => {
        const cloud = run(["preview", "arm64"], { PULUMI_BACKEND_URL: "https://api.pulumi.com", PULUMI_ACCESS_TOKEN: "$(PULUMI_ACCESS_TOKEN)" });
        assert.strictEqual(cloud.status, 2);
        assert.match(cloud.stderr, /the backend https:\/\/api\.pulumi\.com needs PULUMI_ACCESS_TOKEN, a secret variable in the pipeline's variable group/);
        const up = run(["up", "arm64", "--yes"], { PULUMI_BACKEND_URL: "s3://state" });
        assert.strictEqual(up.status, 2);
        assert.match(up.stderr, /no AWS credentials/);
        const destroy = run(["destroy", "arm64"], { PULUMI_BACKEND_URL: "s3://state" });
        assert.strictEqual(destroy.status, 2);
        assert.match(destroy.stderr, /the command must be preview or up; got 'destroy'/);
        assert.strictEqual(cloud.record + up.record + destroy.record, "", "the CLI never ran");
    });

    it("logs in to Pulumi Cloud with the token it was given", () => {
        const r = run(["up", "amd64", "--yes"], { PULUMI_BACKEND_URL: "https://api.pulumi.com", PULUMI_ACCESS_TOKEN: "pul-123", AWS_ACCESS_KEY_ID: "ASIA1" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.record, /^ARGS login https:\/\/api\.pulumi\.com$/m);
        assert.match(r.record, /^PULUMI_ACCESS_TOKEN=pul-123$/m);
    });

    it("is valid bash", () => {
        execFileSync("bash", ["-n", script]);
    });
});
