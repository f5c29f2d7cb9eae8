// The Azure Pipelines YAML, parsed, with stage, job and step templates inlined: the pull-request pipeline never
// deploys and never holds deploy credentials, each deploy pipeline deploys its own stack from main only, the
// names the YAML spells out are the ones the program creates, and the CLI sees only the secrets a step maps.
// Then the YAML run as far as it can be here: the environment each CLI step gets, resolved as Azure Pipelines
// resolves variables, with the credentials step's own script run by bash and pulumi.sh run against a stand-in
// CLI for every backend the config accepts; and which jobs run for a branch, with a model of stage checks and
// conditions. What this cannot prove: that Azure Pipelines accepts the files (no schema check here), that the
// marketplace task (AWSShellScript@1) behaves as its source says, or that the real CLI logs in.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { Architecture, ARCHITECTURES } from "../model/architecture";
import { SESSION_DURATION_VARIABLE } from "../infra/azuredevops/aws-roles";
import { requiredSecretVariables } from "../stacks/azuredevops-config";
import { PIPELINE_FILES, pipelineNames } from "../infra/azuredevops/pipelines";
// The plugin version the package asks the engine for (its utilities.getVersion reads this field).
import { version as PROVIDER_VERSION } from "@pulumi/azuredevops/package.json";
import { projectRoot } from "../model/paths";

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
    /** The stage the job is in (`__default` for a file with jobs only) and that stage's condition. */
    readonly stage: string;
    readonly stageCondition?: string;
    readonly stageDependsOn?: string;
}

function expandJobs(jobs: any[], dir: string, stage: { name: string; condition?: string; dependsOn?: string }): Record<string, Job> {
    const out: Record<string, Job> = {};
    for (const job of jobs) {
        if ("template" in job) {
            const file = path.join(dir, job.template);
            Object.assign(out, expandJobs(instantiate(file, job.parameters).jobs, path.dirname(file), stage));
            continue;
        }
        const groups = (job.variables ?? []).filter((v: any) => "group" in v).map((v: any) => v.group);
        out[job.job] = { job, steps: expandSteps(job.steps, dir), groups, stage: stage.name, stageCondition: stage.condition, stageDependsOn: stage.dependsOn };
    }
    return out;
}

/** Stages with stage templates inlined; a file with `jobs:` only has one implicit stage. */
function expandStages(stages: any[], dir: string): any[] {
    return stages.flatMap((stage) => {
        if (!("template" in stage)) {
            return [{ ...stage, dir }];
        }
        const file = path.join(dir, stage.template);
        return expandStages(instantiate(file, stage.parameters).stages, path.dirname(file));
    });
}

const load = (file: string) => {
    const doc = read(file);
    const dir = path.dirname(file);
    const stages = doc.stages !== undefined ? expandStages(doc.stages, dir) : [{ stage: "__default", jobs: doc.jobs, dir }];
    const jobs: Record<string, Job> = {};
    for (const stage of stages) {
        Object.assign(jobs, expandJobs(stage.jobs, stage.dir, { name: stage.stage, condition: stage.condition, dependsOn: stage.dependsOn }));
    }
    return { doc, stages, jobs };
};

const tasks = (steps: Step[], name: string): Step[] => steps.filter((s) => s.task === name);
const scripts = (steps: Step[]): string[] =>
    steps.flatMap((s) => [s.script, s.bash, s.inputs?.inlineScript].filter((x): x is string => typeof x === "string"));
const pulumiRuns = (steps: Step[]): Step[] => steps.filter((s) => typeof s.script === "string" && s.script.startsWith("bash pipelines/scripts/pulumi.sh "));

/** What the CLI step maps, each from its variable: the backend, the state secrets, the Azure DevOps token, the AWS session and region. */
const CLI_ENV: Record<string, string> = {
    PULUMI_BACKEND_URL: "$(PULUMI_BACKEND_URL)",
    PULUMI_CONFIG_PASSPHRASE: "$(PULUMI_CONFIG_PASSPHRASE)",
    PULUMI_ACCESS_TOKEN: "$(PULUMI_ACCESS_TOKEN)",
    AZDO_PERSONAL_ACCESS_TOKEN: "$(AZDO_PERSONAL_ACCESS_TOKEN)",
    AWS_ACCESS_KEY_ID: "$(AWS_ACCESS_KEY_ID)",
    AWS_SECRET_ACCESS_KEY: "$(AWS_SECRET_ACCESS_KEY)",
    AWS_SESSION_TOKEN: "$(AWS_SESSION_TOKEN)",
    // AWSShellScript@1 sets AWS_REGION in its own script only: the definition's awsRegion variable.
    AWS_REGION: "$(awsRegion)",
};
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
                "sudo apt-get update -q && bash services/scripts/test-prerequisites.sh | xargs -r sudo apt-get install -y -q --no-install-recommends",
                "npm test",
            ]);
            assert.strictEqual(tasks(test.steps, "UseDotNet@2")[0]?.inputs.version, "10.0.x");
            assert.strictEqual(tasks(test.steps, "NodeTool@0")[0]?.inputs.versionSpec, "22.x");
            assert.deepStrictEqual(test.groups, []);
            assert.ok(test.steps.every((s) => s.env === undefined), "no step of the tests maps anything into its environment");
            for (const [name, { job, stage, stageDependsOn }] of Object.entries(pipeline.jobs)) {
                if (name !== "test") {
                    assert.strictEqual(stage === test.stage ? job.dependsOn : stageDependsOn, test.stage === "__default" ? "test" : test.stage, `${name} waits for the tests`);
                }
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
            assert.deepStrictEqual(runs[0].env, CLI_ENV);
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

    it("builds the stack's images for its platform before the preview, with no secret, no credentials yet, and nothing pushed", () => {
        // The preview builds no image (docker-build buildOnPreview: false); this step proves that they build.
        const builds = preview.steps.filter((st) => typeof st.script === "string" && st.script.includes("build:images"));
        assert.strictEqual(builds.length, 1);
        const [build] = builds;
        assert.strictEqual(build.script, "npm run --silent build:images -- --stack $(stack)");
        assert.strictEqual(build.env, undefined, "no variable is mapped into its environment");
        const at = preview.steps.indexOf(build);
        assert.ok(at < preview.steps.indexOf(pulumiRuns(preview.steps)[0]), "before pulumi preview");
        assert.ok(at < preview.steps.indexOf(tasks(preview.steps, "AWSShellScript@1")[0]), "before the AWS credentials exist in the job");
        assert.ok(at > preview.steps.findIndex((st) => st.script === "npm ci"), "after npm ci");
        assert.ok(!Object.values(pipeline.jobs).some((j) => j !== preview && scripts(j.steps).some((x) => x.includes("build:images"))), "only the preview job builds images");
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
            assert.strictEqual(pipeline.jobs.deploy.stageCondition, "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))");
        });

        it(`runs pulumi up --yes for ${stack}, after the tests, with time for a first deployment`, () => {
            const runs = Object.values(pipeline.jobs).flatMap((j) => pulumiRuns(j.steps));
            assert.deepStrictEqual(runs.map((r) => r.script), [`bash pipelines/scripts/pulumi.sh up ${stack} --yes`]);
            assert.strictEqual(pulumiRuns(pipeline.jobs.deploy.steps).length, 1, "only the deploy job deploys");
            assert.ok(pipeline.jobs.deploy.job.timeoutInMinutes >= 120);
        });
    });
}

/** Azure Pipelines' macro syntax: `$(name)` becomes the variable's value, and stays as written when no variable has that name. */
const expandMacros = (text: string, values: Record<string, string>): string =>
    text.replace(/\$\(([\w.]+)\)/g, (whole, name: string) => (name in values ? values[name] : whole));

interface Variable {
    readonly value: string;
    readonly secret: boolean;
}

/**
 * The environment Azure Pipelines gives a script step: every non-secret variable, its name upper-cased with `.`
 * turned into `_`, and the step's `env:` mapping with macros expanded; a secret variable only through `env:`.
 */
function stepEnvironment(step: Step, variables: Record<string, Variable>): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, v] of Object.entries(variables)) {
        if (!v.secret) env[name.toUpperCase().replace(/\./g, "_")] = v.value;
    }
    const values = Object.fromEntries(Object.entries(variables).map(([name, v]) => [name, v.value]));
    for (const [name, value] of Object.entries(step.env ?? {})) {
        env[name] = expandMacros(String(value), values);
    }
    return env;
}

/**
 * AWSShellScript@1's inline script, run with bash as the task runs it: the temporary credentials and the region
 * in its own environment only (configureAWSContext in src/tasks/AWSShellScript/TaskOperations.ts,
 * aws/aws-toolkit-azure-devops v1.24.0). Returns the variables its `task.setvariable` logging commands set.
 */
function runCredentialsStep(step: Step, variables: Record<string, Variable>): Record<string, Variable> {
    const values = Object.fromEntries(Object.entries(variables).map(([name, v]) => [name, v.value]));
    const region = expandMacros(step.inputs.regionName, values);
    const result = spawnSync("bash", ["-c", step.inputs.inlineScript], {
        env: { PATH: process.env.PATH, ...AWS_SESSION, AWS_REGION: region, AWS_DEFAULT_REGION: region },
        encoding: "utf8",
    });
    assert.strictEqual(result.status, 0, result.stderr);
    const set: Record<string, Variable> = {};
    for (const match of result.stdout.matchAll(/^##vso\[task\.setvariable variable=([\w.]+)((?:;[\w]+=[\w]+)*)\](.*)$/gm)) {
        set[match[1]] = { value: match[3], secret: /;issecret=true\b/.test(match[2]) };
    }
    return set;
}

const AWS_SESSION = { AWS_ACCESS_KEY_ID: "ASIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret-key-example", AWS_SESSION_TOKEN: "session-token-example" };
const REGION = "eu-west-1";

/** A stand-in `pulumi` on PATH that records its argv and the PULUMI_/AZDO_/AWS_ part of its environment. */
function standIn(): { dir: string; run: (args: string[], env: Record<string, string>) => { status: number | null; stderr: string; calls: { args: string; env: Record<string, string> }[] } } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-sh-"));
    fs.writeFileSync(
        path.join(dir, "pulumi"),
        '#!/usr/bin/env bash\n{ echo "ARGS $*"; env | grep -E "^(PULUMI|AZDO|AWS)_" | sort; echo "END"; } >> "$RECORD"\n',
        { mode: 0o755 },
    );
    const run = (args: string[], env: Record<string, string>) => {
        const record = path.join(dir, `record-${Math.random().toString(36).slice(2)}`);
        // Script steps run in the repository's root (System.DefaultWorkingDirectory).
        const result = spawnSync("bash", [path.join(root, "pipelines/scripts/pulumi.sh"), ...args], {
            cwd: root,
            env: { ...env, PATH: `${dir}:${process.env.PATH}`, RECORD: record },
            encoding: "utf8",
        });
        const text = fs.existsSync(record) ? fs.readFileSync(record, "utf8") : "";
        const calls = text.split("END\n").filter((c) => c.trim() !== "").map((c) => {
            const [first, ...rest] = c.trim().split("\n");
            return { args: first.replace(/^ARGS /, ""), env: Object.fromEntries(rest.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])) };
        });
        return { status: result.status, stderr: result.stderr, calls };
    };
    return { dir, run };
}

/** The step sequence of a job run, as far as the CLI is concerned: variables set by the credentials step, then the CLI step's environment. */
function runJob(job: Job, variables: Record<string, Variable>, cli: ReturnType<typeof standIn>) {
    const vars = { ...variables };
    for (const step of job.steps) {
        if (step.task === "AWSShellScript@1") {
            Object.assign(vars, runCredentialsStep(step, vars));
        }
        if (pulumiRuns([step]).length === 1) {
            const values = Object.fromEntries(Object.entries(vars).map(([name, v]) => [name, v.value]));
            const args = expandMacros(step.script, values).replace(/^bash pipelines\/scripts\/pulumi\.sh /, "").split(" ");
            return cli.run(args, stepEnvironment(step, vars));
        }
    }
    throw new Error("the job runs no CLI step");
}

/** Every state backend the config accepts (config.ts), as a pipeline definition variable: the URL the CLI logs in with, the state secret. */
const BACKENDS = [
    { url: "s3://contoso-state", login: `s3://contoso-state?region=${REGION}`, state: "PULUMI_CONFIG_PASSPHRASE" },
    { url: "s3://contoso-state?region=us-west-2", login: "s3://contoso-state?region=us-west-2", state: "PULUMI_CONFIG_PASSPHRASE" },
    { url: "s3://contoso-state/dotnet-fargate?awssdk=v2", login: `s3://contoso-state/dotnet-fargate?awssdk=v2&region=${REGION}`, state: "PULUMI_CONFIG_PASSPHRASE" },
    { url: "https://api.pulumi.com", login: "https://api.pulumi.com", state: "PULUMI_ACCESS_TOKEN" },
] as const;

describe("the environment each pipeline's CLI step gets, run through pulumi.sh with a stand-in CLI", () => {
    const cli = standIn();
    after(() => fs.rmSync(cli.dir, { recursive: true, force: true }));
    const runs = [
        { file: PIPELINE_FILES.pullRequest, job: "preview", stack: "amd64", command: "preview --stack amd64 --non-interactive --diff --policy-pack policy", seconds: "3600" },
        ...ARCHITECTURES.map((stack) => ({ file: PIPELINE_FILES.deploy(stack), job: "deploy", stack, command: `up --stack ${stack} --non-interactive --yes`, seconds: "14400" })),
    ];
    for (const { file, job, stack, command, seconds } of runs) {
        // The two deploy files differ in the stack only: the second one is run with the first backend alone.
        for (const backend of stack === "amd64" && job === "deploy" ? BACKENDS.slice(0, 1) : BACKENDS) {
            it(`${file}, ${backend.url}: the plugin, then the login, then the command, each with exactly the state secret, the token, the session and the region`, () => {
                const pipeline = load(file);
                const secret = (value: string) => ({ value, secret: true });
                const plain = (value: string) => ({ value, secret: false });
                const variables: Record<string, Variable> = {
                    ...Object.fromEntries(Object.entries(pipeline.doc.variables).map(([name, value]) => [name, plain(String(value))])),
                    stack: plain(stack),
                    // The definition's variables (the program sets them; test/azuredevops.test.ts holds the two lists equal).
                    awsRegion: plain(REGION),
                    PULUMI_BACKEND_URL: plain(backend.url),
                    [SESSION_DURATION_VARIABLE]: plain(seconds),
                    // The variable group holds what the README tells a person to put there, as secrets.
                    ...Object.fromEntries(requiredSecretVariables(backend.url).map((name) => [name, secret(`${name}-value`)])),
                };
                const r = runJob(pipeline.jobs[job], variables, cli);
                assert.strictEqual(r.status, 0, r.stderr);
                assert.deepStrictEqual(r.calls.map((c) => c.args), [`plugin install resource azuredevops ${PROVIDER_VERSION}`, `login ${backend.login}`, command]);
                const expected = {
                    AWS_ACCESS_KEY_ID: AWS_SESSION.AWS_ACCESS_KEY_ID,
                    AWS_REGION: REGION,
                    // Non-secret variables reach every script step: harmless here, and part of what the CLI sees.
                    AWS_ROLECREDENTIAL_MAXDURATION: seconds,
                    AWS_SECRET_ACCESS_KEY: AWS_SESSION.AWS_SECRET_ACCESS_KEY,
                    AWS_SESSION_TOKEN: AWS_SESSION.AWS_SESSION_TOKEN,
                    AZDO_PERSONAL_ACCESS_TOKEN: "AZDO_PERSONAL_ACCESS_TOKEN-value",
                    PULUMI_BACKEND_URL: backend.login,
                    [backend.state]: `${backend.state}-value`,
                };
                for (const call of r.calls) {
                    assert.deepStrictEqual(call.env, expected, call.args);
                }
            });
        }
    }
});

describe("which jobs a run executes, with the branch checks the program puts on the deploy connection and group", () => {
    /**
     * The checks of every resource a stage uses run before the stage starts, and a failed check stops the
     * stage (learn.microsoft.com, Azure Pipelines "Define approvals and checks"); a stage or job whose
     * condition is false is skipped. The branch controls are those test/azuredevops.test.ts asserts.
     */
    function executedJobs(file: string, stack: Architecture, runVariables: Record<string, string>): string[] {
        const names = pipelineNames(stack);
        const checks: Record<string, string> = { [names.deployConnection]: "refs/heads/main", [names.deployVariableGroup]: "refs/heads/main" };
        const { stages, jobs } = load(file);
        const outcome: Record<string, boolean> = {};
        const ran: string[] = [];
        let previous: string | undefined;
        for (const stage of stages) {
            const stageJobs = Object.entries(jobs).filter(([, j]) => j.stage === stage.stage);
            const dependsOn: string | undefined = stage.dependsOn ?? previous;
            previous = stage.stage;
            const upstreamOk = dependsOn === undefined || outcome[dependsOn] === true;
            if (!evaluate(stage.condition ?? "succeeded()", runVariables, upstreamOk)) {
                outcome[stage.stage] = false;
                continue;
            }
            const resources = stageJobs.flatMap(([, j]) => [...j.groups, ...tasks(j.steps, "AWSShellScript@1").map((t) => t.inputs.awsCredentials)]);
            if (resources.some((r) => r in checks && checks[r] !== runVariables["Build.SourceBranch"])) {
                outcome[stage.stage] = false;
                continue;
            }
            const done: Record<string, boolean> = {};
            for (const [name, { job }] of stageJobs) {
                const ok = job.dependsOn === undefined || done[job.dependsOn] === true;
                done[name] = evaluate(job.condition ?? "succeeded()", runVariables, ok);
                if (done[name]) ran.push(name);
            }
            outcome[stage.stage] = true;
        }
        return ran;
    }

    for (const stack of ARCHITECTURES) {
        const file = PIPELINE_FILES.deploy(stack);
        it(`${file}: a push to main tests and deploys`, () => {
            assert.deepStrictEqual(executedJobs(file, stack, { "Build.SourceBranch": "refs/heads/main" }), ["test", "deploy"]);
        });
        it(`${file}: a run of another branch queued by hand runs the tests and skips the deploy, as its comment says`, () => {
            assert.deepStrictEqual(executedJobs(file, stack, { "Build.SourceBranch": "refs/heads/feature/x" }), ["test"]);
            assert.match(fs.readFileSync(path.join(root, file), "utf8"), /A run of another branch,\n# queued by hand, runs the tests only/);
        });
        it(`${file}: the deploy connection and group are used only in a stage of its own`, () => {
            const { jobs } = load(file);
            assert.notStrictEqual(jobs.test.stage, jobs.deploy.stage);
            assert.deepStrictEqual(jobs.test.groups, []);
        });
    }

    it(`${PIPELINE_FILES.pullRequest}: a pull request runs the tests and the preview, a fork's only the tests`, () => {
        const branch = { "Build.SourceBranch": "refs/pull/7/merge" };
        assert.deepStrictEqual(executedJobs(PIPELINE_FILES.pullRequest, "arm64", { ...branch, "System.PullRequest.IsFork": "False" }), ["test", "preview"]);
        assert.deepStrictEqual(executedJobs(PIPELINE_FILES.pullRequest, "arm64", { ...branch, "System.PullRequest.IsFork": "True" }), ["test"]);
    });

    it("evaluates the expressions it is given, and refuses any other", () => {
        assert.strictEqual(evaluate("and(succeeded(), ne(variables['A'], 'True'))", { A: "False" }, true), true);
        assert.strictEqual(evaluate("and(succeeded(), ne(variables['A'], 'True'))", { A: "True" }, true), false);
        assert.strictEqual(evaluate("and(succeeded(), eq(variables['A'], 'x'))", { A: "x" }, false), false);
        assert.throws(() => evaluate("or(true, false)", {}, true), /unsupported expression/);
    });
});

/**
 * The few Azure Pipelines expressions these files use: and(), eq(), ne() (strings compared ignoring case, as
 * Azure Pipelines does), succeeded(), variables['X'] and quoted literals.
 */
function evaluate(expression: string, variables: Record<string, string>, succeeded: boolean): boolean {
    let at = 0;
    const skip = () => { while (expression[at] === " ") at++; };
    const value = (): string | boolean => {
        skip();
        const literal = /^'([^']*)'/.exec(expression.slice(at));
        if (literal) { at += literal[0].length; return literal[1]; }
        const variable = /^variables\['([\w.]+)'\]/.exec(expression.slice(at));
        if (variable) { at += variable[0].length; return variables[variable[1]] ?? ""; }
        const call = /^(and|eq|ne|succeeded)\(/.exec(expression.slice(at));
        if (!call) throw new Error(`unsupported expression at ${at}: ${expression}`);
        at += call[0].length;
        const args: (string | boolean)[] = [];
        skip();
        while (expression[at] !== ")") {
            args.push(value());
            skip();
            if (expression[at] === ",") at++;
        }
        at++;
        const text = (x: string | boolean) => String(x).toLowerCase();
        switch (call[1]) {
            case "succeeded": return succeeded;
            case "and": return args.every((x) => x === true);
            case "eq": return text(args[0]) === text(args[1]);
            default: return text(args[0]) !== text(args[1]);
        }
    };
    const result = value();
    assert.strictEqual(typeof result, "boolean", expression);
    return result as boolean;
}

describe("pipelines/scripts/pulumi.sh, with a stand-in pulumi that records what it is given", () => {
    const cli = standIn();
    after(() => fs.rmSync(cli.dir, { recursive: true, force: true }));
    const script = path.join(root, "pipelines/scripts/pulumi.sh");
    const session = { ...AWS_SESSION, AWS_REGION: REGION };

    it(`installs the Azure DevOps provider plugin at the version the program pins (${PROVIDER_VERSION}) before any other command`, () => {
        const r = cli.run(["preview", "arm64", "--diff"], { PULUMI_BACKEND_URL: "https://api.pulumi.com", PULUMI_ACCESS_TOKEN: "pul-1" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(r.calls.map((c) => c.args), [
            `plugin install resource azuredevops ${PROVIDER_VERSION}`,
            "login https://api.pulumi.com",
            "preview --stack arm64 --non-interactive --diff",
        ]);
    });

    it("drops a mapped variable the pipeline left as literal $(NAME), instead of handing it on as a secret", () => {
        const r = cli.run(["preview", "amd64"], {
            ...session,
            PULUMI_BACKEND_URL: "s3://state",
            PULUMI_CONFIG_PASSPHRASE: "pp",
            PULUMI_ACCESS_TOKEN: "$(PULUMI_ACCESS_TOKEN)",
            AWS_SESSION_TOKEN: "",
        });
        assert.strictEqual(r.status, 0, r.stderr);
        for (const call of r.calls) {
            assert.strictEqual(call.env.PULUMI_CONFIG_PASSPHRASE, "pp");
            assert.ok(!("PULUMI_ACCESS_TOKEN" in call.env) && !("AWS_SESSION_TOKEN" in call.env), call.args);
        }
    });

    const refusals: [string, string[], Record<string, string>, RegExp][] = [
        ["Pulumi Cloud without PULUMI_ACCESS_TOKEN", ["preview", "arm64"], { PULUMI_BACKEND_URL: "https://api.pulumi.com", PULUMI_ACCESS_TOKEN: "$(PULUMI_ACCESS_TOKEN)" }, /the backend https:\/\/api\.pulumi\.com needs PULUMI_ACCESS_TOKEN, a secret variable in the pipeline's variable group/],
        ["up without AWS credentials", ["up", "arm64", "--yes"], { PULUMI_BACKEND_URL: "https://api.pulumi.com", PULUMI_ACCESS_TOKEN: "pul-1" }, /no AWS credentials: the AWS credentials step did not hand any on/],
        ["an s3 backend without AWS credentials, even for a preview", ["preview", "arm64"], { PULUMI_BACKEND_URL: "s3://state", AWS_REGION: REGION }, /the backend s3:\/\/state needs AWS credentials, and the AWS credentials step did not hand any on/],
        ["an s3 backend with no region anywhere", ["preview", "arm64"], { ...AWS_SESSION, PULUMI_BACKEND_URL: "s3://state", AWS_REGION: "$(awsRegion)" }, /the backend s3:\/\/state names no region and AWS_REGION is not set: the definition's awsRegion variable is missing/],
        ["a file backend, lost with the agent", ["up", "arm64"], { ...session, PULUMI_BACKEND_URL: "file://~/state" }, /the backend file:\/\/~\/state cannot log in here: the step hands the CLI AWS credentials or a Pulumi access token, so use s3:\/\/<bucket> or https:\/\/api\.pulumi\.com/],
        ["an azblob backend, for which it has no credentials", ["preview", "arm64"], { ...session, PULUMI_BACKEND_URL: "azblob://state" }, /the backend azblob:\/\/state cannot log in here/],
        ["no backend", ["preview", "arm64"], { ...session, PULUMI_BACKEND_URL: "$(PULUMI_BACKEND_URL)" }, /PULUMI_BACKEND_URL is not set: the pipeline definition's variable is missing/],
        ["any other command", ["destroy", "arm64"], { ...session, PULUMI_BACKEND_URL: "s3://state" }, /the command must be preview or up; got 'destroy'/],
    ];
    for (const [what, args, env, message] of refusals) {
        it(`refuses ${what}, and the CLI never runs`, () => {
            const r = cli.run(args, env);
            assert.strictEqual(r.status, 2);
            assert.match(r.stderr, message);
            assert.deepStrictEqual(r.calls, []);
        });
    }

    it("is valid bash", () => {
        execFileSync("bash", ["-n", script]);
    });
});

describe("the pipelines' comments", () => {
    const text = fs.readdirSync(path.join(root, "pipelines/templates")).map((f) => `pipelines/templates/${f}`)
        .concat(files.map((f) => f.file))
        .map((f) => fs.readFileSync(path.join(root, f), "utf8"))
        .join("\n");

    it("no longer describe the Pulumi task, which no pipeline uses, or images built on preview, which no preview does", () => {
        assert.doesNotMatch(text, /Pulumi@1|Pulumi task/);
        assert.doesNotMatch(text, /buildOnPreview\)|builds the images on preview/);
    });
});

describe("services/scripts/test-prerequisites.sh: what the tests' machine must install", () => {
    const script = path.join(root, "services/scripts/test-prerequisites.sh");
    /** Runs the script with only `tools` on PATH (each a stand-in that does nothing) and `uname -m` answering `machine`. */
    const missing = (machine: string, tools: readonly string[]): string[] => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "prereq-"));
        try {
            fs.writeFileSync(path.join(bin, "uname"), `#!/bin/sh\necho ${machine}\n`, { mode: 0o755 });
            for (const tool of tools) {
                fs.writeFileSync(path.join(bin, tool), "#!/bin/sh\n", { mode: 0o755 });
            }
            const out = execFileSync("/bin/bash", [script], { env: { PATH: bin }, encoding: "utf8" });
            return out.split("\n").filter((l) => l !== "" && l !== "postgresql"); // PostgreSQL is found by its folder, not on PATH
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    };

    it("names every package whose command is absent, the other architecture's toolchain by the host's", () => {
        assert.deepStrictEqual(missing("x86_64", []), ["qemu-user-static", "file", "curl", "procps", "openssl", "gdb", "clang", "gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"]);
        assert.deepStrictEqual(missing("aarch64", []).slice(-2), ["gcc-x86-64-linux-gnu", "libc6-dev-amd64-cross"]);
    });

    it("names nothing a machine already has", () => {
        assert.deepStrictEqual(missing("x86_64", ["qemu-aarch64-static", "file", "curl", "pkill", "openssl", "gdb", "clang", "aarch64-linux-gnu-gcc"]), []);
        assert.deepStrictEqual(missing("x86_64", ["qemu-aarch64-static", "file", "curl", "pkill", "openssl", "clang", "aarch64-linux-gnu-gcc"]), ["gdb"]);
    });
});
