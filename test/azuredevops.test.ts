// The whole program with Azure DevOps enabled and disabled, for both stack files: what each stack creates
// in Azure DevOps, where the pipelines point, and that no secret travels in plain text.
// What the mocks cannot prove: that Azure DevOps accepts these inputs, the provider plugin version the
// engine would download (resource options are not visible to mocks; see the binding test below), URNs and
// parentage, or that a real definition id is an integer (the mocks make ids up).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ARCHITECTURES } from "../infra/architecture";
import * as binding from "../infra/azuredevops/provider";
import { definitionId, PIPELINE_FILES } from "../infra/azuredevops/pipelines";
import { projectRoot } from "../stacks/paths";
import { mockProjectId, mockRepositoryId } from "../infra/azuredevops/offline";
import { allStrings, countByType, isSecret, ofType, plainStrings, RecordedResource, runProgram, unwrap } from "./harness";

const T = {
    provider: "pulumi:providers:azuredevops",
    component: "dotnet-fargate:azuredevops:Pipelines",
    definition: "azuredevops:index/buildDefinition:BuildDefinition",
    endpoint: "azuredevops:index/serviceEndpointAws:ServiceEndpointAws",
    policy: "azuredevops:index/branchPolicyBuildValidation:BranchPolicyBuildValidation",
};
const AZDO_TYPES = Object.values(T);

const PAT = "azdo-pat-7f3c9b1e-never-in-inputs";
const ROLE = "arn:aws:iam::123456789012:role/azure-devops-dotnet-fargate";
const ENABLED = {
    enabled: true,
    organizationUrl: "https://dev.azure.com/contoso",
    project: "Fargate",
    repository: { type: "azureRepos", name: "dotnet-fargate" },
    awsRoleArn: ROLE,
    pulumiBackendUrl: "s3://contoso-pulumi-state",
    secretsVariableGroupId: 7,
};
const GITHUB_CONNECTION = "0f8e4b52-4c3b-4a8e-9d55-0b9f3c7c1a21";
const projectId = mockProjectId("Fargate");
const repositoryId = mockRepositoryId(projectId, "dotnet-fargate");
const root = projectRoot(__dirname);

/* eslint-disable @typescript-eslint/no-explicit-any */
const run = (stack: string, azureDevOps: unknown, extra: { secretConfig?: Record<string, string>; config?: Record<string, unknown>; env?: Record<string, string | undefined> } = {}) =>
    runProgram(stack, {
        config: { azureDevOps, ...extra.config },
        secretConfig: extra.secretConfig,
        env: { AZDO_PERSONAL_ACCESS_TOKEN: PAT, ...extra.env },
    });

const azdoCounts = (resources: RecordedResource[]) =>
    Object.fromEntries(Object.entries(countByType(resources)).filter(([type]) => AZDO_TYPES.includes(type)));

const byName = (resources: RecordedResource[], type: string, name: string): RecordedResource => {
    const found = ofType(resources, type).filter((r) => unwrap<string>(r.inputs.name ?? r.inputs.serviceEndpointName) === name);
    assert.strictEqual(found.length, 1, `one ${type} named ${name}`);
    return found[0];
};

const variables = (definition: RecordedResource): Record<string, any> =>
    Object.fromEntries((definition.inputs.variables as any[]).map((v) => [v.name, v]));

/** `$(name)` references a YAML file and its templates use that no YAML, matrix or system variable defines. */
function definitionVariablesUsed(file: string): string[] {
    const text = [file, ...fs.readdirSync(path.join(root, "pipelines/templates")).map((f) => `pipelines/templates/${f}`)]
        .map((f) => fs.readFileSync(path.join(root, f), "utf8"))
        .join("\n");
    const doc = parse(fs.readFileSync(path.join(root, file), "utf8"));
    const defined = new Set<string>([
        ...Object.keys(doc.variables ?? {}),
        ...doc.jobs.flatMap((j: any) => Object.values(j.strategy?.matrix ?? {}).flatMap((m: any) => Object.keys(m))),
        // Secret variables: from the variable group, or handed on by the AWS credentials step.
        "PULUMI_CONFIG_PASSPHRASE", "AZDO_PERSONAL_ACCESS_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    ]);
    const used = new Set([...text.matchAll(/\$\(([\w.]+)\)/g)].map((m) => m[1]));
    return [...used].filter((name) => !defined.has(name) && !/^(Build|System|Agent|Pipeline)\./.test(name)).sort();
}

describe("Azure DevOps: the provider binding", () => {
    it("pins plugin 3.15.0 and uses the provider's exact tokens", function () {
        const schemaFile = path.join(root, "..", "shared", "reference", "azuredevops-provider-schema.json");
        if (!fs.existsSync(schemaFile)) {
            this.skip();
        }
        const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
        assert.strictEqual(binding.PROVIDER_VERSION, schema.pluginVersion);
        const { provider, getProject, getGitRepository, ...resources } = binding.TOKENS;
        assert.strictEqual(provider, schema.name);
        for (const token of Object.values(resources)) {
            assert.ok(token in schema.resources, `${token} is in the schema`);
        }
        for (const token of [getProject, getGitRepository]) {
            assert.ok(token in schema.functions, `${token} is in the schema`);
        }
    });

    it("turns a definition id into the number the branch policy takes", () => {
        assert.strictEqual(definitionId("42"), 42);
    });
});

for (const stack of ARCHITECTURES) {
    describe(`Azure DevOps: stack ${stack}, disabled (the stack file's default)`, () => {
        it("creates nothing in Azure DevOps and needs no token", async () => {
            const { resources } = await runProgram(stack, { env: { AZDO_PERSONAL_ACCESS_TOKEN: undefined } });
            assert.deepStrictEqual(azdoCounts(resources), {});
        });
    });
}

describe("Azure DevOps: stack arm64 enabled, owning the pull-request pipeline (Azure Repos, OIDC)", () => {
    let resources: RecordedResource[];
    before(async () => {
        ({ resources } = await run("arm64", ENABLED));
    });

    it("creates one provider, one service connection, a deploy and a pull-request pipeline, one branch policy", () => {
        assert.deepStrictEqual(azdoCounts(resources), { [T.component]: 1, [T.provider]: 1, [T.endpoint]: 1, [T.definition]: 2, [T.policy]: 1 });
    });

    it("points the provider at the organization, without a token input; every child uses it", () => {
        const [provider] = ofType(resources, T.provider);
        assert.deepStrictEqual(provider.inputs, { orgServiceUrl: "https://dev.azure.com/contoso" });
        for (const r of resources.filter((x) => x.type.startsWith("azuredevops:"))) {
            assert.match(r.provider ?? "", /[:$]pulumi:providers:azuredevops::dotnet-fargate-arm64-provider::/, `${r.name} uses the explicit provider`);
        }
    });

    it("connects to AWS by assuming the configured role through OIDC, with no static key", () => {
        const endpoint = byName(resources, T.endpoint, "dotnet-fargate-arm64-aws");
        assert.strictEqual(endpoint.inputs.projectId, projectId);
        assert.strictEqual(endpoint.inputs.useOidc, true);
        assert.strictEqual(endpoint.inputs.roleToAssume, ROLE);
        assert.strictEqual(endpoint.inputs.accessKeyId, undefined);
        assert.strictEqual(endpoint.inputs.secretAccessKey, undefined);
    });

    it("defines the deploy pipeline of arm64 on the repository's deploy YAML, with the stack as a variable", () => {
        const deploy = byName(resources, T.definition, "dotnet-fargate-deploy-arm64");
        assert.deepStrictEqual(deploy.inputs.repository, { repoType: "TfsGit", repoId: repositoryId, branchName: "refs/heads/main", ymlPath: PIPELINE_FILES.deploy });
        assert.deepStrictEqual(deploy.inputs.ciTrigger, { useYaml: true });
        assert.strictEqual(deploy.inputs.pullRequestTrigger, undefined);
        assert.deepStrictEqual(deploy.inputs.variableGroups, [7]);
        const vars = variables(deploy);
        assert.deepStrictEqual(vars.stack, { name: "stack", value: "arm64", allowOverride: false });
        assert.ok(fs.existsSync(path.join(root, `Pulumi.${vars.stack.value}.yaml`)), "the stack it deploys has its stack file");
        assert.strictEqual(vars.awsServiceConnection.value, "dotnet-fargate-arm64-aws");
        assert.strictEqual(vars.awsRegion.value, "us-east-1");
        assert.strictEqual(vars.PULUMI_BACKEND_URL.value, "s3://contoso-pulumi-state");
    });

    it("defines every variable the YAML expects from its definition", () => {
        const deploy = byName(resources, T.definition, "dotnet-fargate-deploy-arm64");
        const pullRequest = byName(resources, T.definition, "dotnet-fargate-pull-request");
        assert.deepStrictEqual(definitionVariablesUsed(PIPELINE_FILES.deploy), Object.keys(variables(deploy)).sort());
        assert.deepStrictEqual(definitionVariablesUsed(PIPELINE_FILES.pullRequest), Object.keys(variables(pullRequest)).sort());
    });

    it("references YAML files that exist in the repository", () => {
        for (const definition of ofType(resources, T.definition)) {
            const ymlPath: string = definition.inputs.repository.ymlPath;
            assert.ok(fs.existsSync(path.join(root, ymlPath)), `${ymlPath} exists`);
        }
    });

    it("protects the default branch with a blocking build validation that runs the pull-request pipeline", () => {
        const pullRequest = byName(resources, T.definition, "dotnet-fargate-pull-request");
        assert.strictEqual(pullRequest.inputs.repository.ymlPath, PIPELINE_FILES.pullRequest);
        const [policy] = ofType(resources, T.policy);
        assert.strictEqual(policy.inputs.projectId, projectId);
        assert.strictEqual(policy.inputs.enabled, true);
        assert.strictEqual(policy.inputs.blocking, true);
        assert.strictEqual(policy.inputs.settings.buildDefinitionId, definitionId(pullRequest.id));
        assert.deepStrictEqual(policy.inputs.settings.scopes, [{ repositoryId, repositoryRef: "refs/heads/main", matchType: "Exact" }]);
    });

    it("never puts the personal access token in any input", () => {
        for (const r of resources) {
            assert.ok(!allStrings(r.inputs).some((s) => s.includes(PAT)), `${r.type} ${r.name}`);
        }
    });
});

describe("Azure DevOps: stack amd64 enabled, with arm64 owning the pull-request pipeline", () => {
    it("creates only its own service connection and deploy pipeline", async () => {
        const { resources } = await run("amd64", ENABLED);
        assert.deepStrictEqual(azdoCounts(resources), { [T.component]: 1, [T.provider]: 1, [T.endpoint]: 1, [T.definition]: 1 });
        const deploy = byName(resources, T.definition, "dotnet-fargate-deploy-amd64");
        assert.strictEqual(variables(deploy).stack.value, "amd64");
        assert.ok(fs.existsSync(path.join(root, "Pulumi.amd64.yaml")));
        assert.strictEqual(variables(deploy).awsServiceConnection.value, "dotnet-fargate-amd64-aws");
        byName(resources, T.endpoint, "dotnet-fargate-amd64-aws");
    });

    it("owns them when pullRequestStack names it", async () => {
        const { resources } = await run("amd64", { ...ENABLED, pullRequestStack: "amd64" });
        assert.strictEqual(ofType(resources, T.definition).length, 2);
        assert.strictEqual(ofType(resources, T.policy).length, 1);
    });
});

describe("Azure DevOps: a GitHub repository", () => {
    it("uses the YAML pr: trigger without secrets for forks, and no branch policy", async () => {
        const { resources } = await run("arm64", {
            ...ENABLED,
            repository: { type: "github", name: "contoso/dotnet-fargate", serviceConnectionId: GITHUB_CONNECTION },
        });
        assert.deepStrictEqual(azdoCounts(resources), { [T.component]: 1, [T.provider]: 1, [T.endpoint]: 1, [T.definition]: 2 });
        const pullRequest = byName(resources, T.definition, "dotnet-fargate-pull-request");
        assert.deepStrictEqual(pullRequest.inputs.repository, {
            repoType: "GitHub",
            repoId: "contoso/dotnet-fargate",
            branchName: "refs/heads/main",
            serviceConnectionId: GITHUB_CONNECTION,
            ymlPath: PIPELINE_FILES.pullRequest,
        });
        assert.deepStrictEqual(pullRequest.inputs.pullRequestTrigger, { useYaml: true, initialBranch: "main", forks: { enabled: false, shareSecrets: false } });
    });
});

describe("Azure DevOps: static AWS keys", () => {
    const keys = { awsAuth: "accessKeys", awsRoleArn: undefined };

    it("reach the service connection only as secrets", async () => {
        const { resources } = await run("arm64", { ...ENABLED, ...keys }, {
            secretConfig: { azureDevOpsAwsAccessKeyId: "AKIAEXAMPLEKEY", azureDevOpsAwsSecretAccessKey: "example/secret+key" },
        });
        const [endpoint] = ofType(resources, T.endpoint);
        assert.ok(isSecret(endpoint.inputs.accessKeyId));
        assert.ok(isSecret(endpoint.inputs.secretAccessKey));
        assert.strictEqual(unwrap(endpoint.inputs.secretAccessKey), "example/secret+key");
        assert.strictEqual(endpoint.inputs.useOidc, undefined);
        for (const r of resources) {
            const plain = plainStrings(r.inputs);
            assert.ok(!plain.some((s) => s.includes("example/secret+key") || s.includes("AKIAEXAMPLEKEY")), `${r.type} ${r.name}`);
        }
    });

    it("are refused when the stack file holds them in plain text", async () => {
        await assert.rejects(
            run("arm64", { ...ENABLED, ...keys }, {
                config: { azureDevOpsAwsAccessKeyId: "AKIAEXAMPLEKEY" },
                secretConfig: { azureDevOpsAwsSecretAccessKey: "example/secret+key" },
            }),
            { message: 'Config "dotnet-fargate:azureDevOpsAwsAccessKeyId" is "(plain text)"; expected a secret; set it with pulumi config set --secret dotnet-fargate:azureDevOpsAwsAccessKeyId <value>.' },
        );
    });
});

describe("Azure DevOps: wrong or missing config fails before any resource, naming the key", () => {
    const cases: [string, unknown, Record<string, string | undefined>, string][] = [
        ["no token in the environment", ENABLED, { AZDO_PERSONAL_ACCESS_TOKEN: undefined }, 'Config "AZDO_PERSONAL_ACCESS_TOKEN" is nothing; set this environment variable to an Azure DevOps personal access token while dotnet-fargate:azureDevOps.enabled is true; it is never read from a stack file.'],
        ["a wrong organization URL", { ...ENABLED, organizationUrl: "ftp://x" }, {}, 'Config "dotnet-fargate:azureDevOps.organizationUrl" is "ftp://x"; expected https://dev.azure.com/<organization> or https://<organization>.visualstudio.com.'],
        ["no project", { ...ENABLED, project: undefined }, {}, 'Config "dotnet-fargate:azureDevOps.project" is nothing; expected the name of an existing Azure DevOps project.'],
        ["no role for OIDC", { ...ENABLED, awsRoleArn: undefined }, {}, 'Config "dotnet-fargate:azureDevOps.awsRoleArn" is nothing; expected arn:aws:iam::<account>:role/<name>, the role the pipelines assume (required when awsAuth is "oidc").'],
    ];
    for (const [title, azureDevOps, env, message] of cases) {
        it(title, async () => {
            await assert.rejects(run("arm64", azureDevOps, { env }), { message });
        });
    }

    it("reports a value that is not JSON like any other", async () => {
        await assert.rejects(run("arm64", "{enabled: true"), { message: 'Config "dotnet-fargate:azureDevOps" is "{enabled: true"; expected a JSON value (a number, a list or an object).' });
    });
});
