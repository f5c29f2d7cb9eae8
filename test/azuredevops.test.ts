// The whole program with Azure DevOps enabled and disabled, for both stack files: what each stack creates
// in Azure DevOps and in IAM, where the pipelines point, who may assume which role, and that no secret
// travels in plain text.
// What the mocks cannot prove: that Azure DevOps and IAM accept these inputs, that the engine finds and runs the
// plugin version the requests ask for (the first describe reads those requests), URNs and parentage, or that a
// real definition id is an integer (the mocks make ids up). The trust policy follows
// aws/aws-toolkit-azure-devops v1.24.0 (README.md, example_cfn.yaml: issuer, audience, `sc://` subject) and the
// session length src/lib/awsConnectionParameters.ts (aws.rolecredential.maxduration, 900 s when unset).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ARCHITECTURES } from "../model/architecture";
import { boundaryPolicy, SESSION_DURATION_VARIABLE, SESSION_SECONDS } from "../infra/azuredevops/aws-roles";
import { oidcIssuer } from "../infra/azuredevops/settings";
import * as mocksModule from "@pulumi/pulumi/runtime/mocks";
import { definitionId, PIPELINE_FILES, pipelineNames } from "../infra/azuredevops/pipelines";
import { projectRoot } from "../model/paths";
import { MOCK_ACCOUNT_ID } from "../tools/offline";
import { mockProjectId, mockRepositoryId, mockVariableGroupId } from "../tools/azuredevops-offline";
import { allStrings, countByType, json, ofType, RecordedResource, runProgram, unwrap } from "./harness";

const T = {
    provider: "pulumi:providers:azuredevops",
    component: "dotnet-fargate:azuredevops:Pipelines",
    definition: "azuredevops:index/buildDefinition:BuildDefinition",
    endpoint: "azuredevops:index/serviceEndpointAws:ServiceEndpointAws",
    policy: "azuredevops:index/branchPolicyBuildValidation:BranchPolicyBuildValidation",
    check: "azuredevops:index/checkBranchControl:CheckBranchControl",
    authorization: "azuredevops:index/pipelineAuthorization:PipelineAuthorization",
    roles: "dotnet-fargate:azuredevops:PipelineRoles",
    oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
};
const AZDO_TYPES = Object.values(T);
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

const PAT = "azdo-pat-7f3c9b1e-never-in-inputs";
const ORG_ID = "5d2f1a9e-3b4c-4d5e-8f60-7a8b9c0d1e2f";
const ISSUER = `vstoken.dev.azure.com/${ORG_ID}`;
const BOUNDARY_TYPE = "aws:iam/policy:Policy";
const ENABLED = {
    enabled: true,
    organizationUrl: "https://dev.azure.com/contoso",
    organizationId: ORG_ID,
    project: "Fargate",
    repository: { type: "azureRepos", name: "dotnet-fargate" },
    pulumiBackendUrl: "s3://contoso-pulumi-state",
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

/** The pipelines' IAM roles (the stack's other roles belong to its tasks). */
const pipelineRoles = (resources: RecordedResource[]) => ofType(resources, ROLE).filter((r) => /-pipeline-(deploy|preview)$/.test(r.name));
const roleArn = (role: RecordedResource) => `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${role.name}`;
const policyOf = (resources: RecordedResource[], role: RecordedResource) =>
    json(ofType(resources, ROLE_POLICY).find((p) => p.inputs.role === role.id)?.inputs.policy);

/** `$(name)` references a YAML file and its templates use that no YAML, matrix, variable group or system variable defines. */
function definitionVariablesUsed(file: string): string[] {
    const text = [file, ...fs.readdirSync(path.join(root, "pipelines/templates")).map((f) => `pipelines/templates/${f}`)]
        .map((f) => fs.readFileSync(path.join(root, f), "utf8"))
        .join("\n");
    const doc = parse(fs.readFileSync(path.join(root, file), "utf8"));
    const defined = new Set<string>([
        ...Object.keys(doc.variables ?? {}),
        ...(doc.jobs ?? []).flatMap((j: any) => Object.values(j.strategy?.matrix ?? {}).flatMap((m: any) => Object.keys(m))),
        // The matrix of the pull-request file defines `stack`; a deploy file passes it as a parameter.
        "stack",
        // Secret variables: from the variable group, or handed on by the AWS credentials step.
        "PULUMI_CONFIG_PASSPHRASE", "PULUMI_ACCESS_TOKEN", "AZDO_PERSONAL_ACCESS_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    ]);
    const used = new Set([...text.matchAll(/\$\(([\w.]+)\)/g)].map((m) => m[1]));
    return [...used].filter((name) => !defined.has(name) && !/^(Build|System|Agent|Pipeline)\./.test(name)).sort();
}

/** What the engine is asked for, beyond what the mocks see: the plugin version and the options the package adds. */
interface Request {
    readonly type: string;
    readonly name: string;
    readonly version: string;
    readonly additionalSecretOutputs: string[];
    readonly aliasTypes: string[];
}

/**
 * Runs `body` while recording each resource registration and invoke the mock monitor receives. The mocks hand
 * tests a resource's type, name and inputs only; the version, secret outputs and aliases travel in the request
 * (@pulumi/pulumi runtime/resource.js sets them on RegisterResourceRequest, runtime/invoke.js the invoke's version).
 */
async function recordingRequests<T>(body: () => Promise<T>): Promise<{ result: T; resources: Request[]; invokes: Request[] }> {
    const monitor = mocksModule.MockMonitor.prototype as any;
    const [register, invoke] = [monitor.registerResource, monitor.invoke];
    const resources: Request[] = [];
    const invokes: Request[] = [];
    monitor.registerResource = function (req: any, callback: unknown) {
        resources.push({
            type: req.getType(), name: req.getName(), version: req.getVersion(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            aliasTypes: req.getAliasesList().map((a: any) => a.getSpec()?.getType()).filter((t: string | undefined) => t),
        });
        return register.call(this, req, callback);
    };
    monitor.invoke = function (req: any, callback: unknown) {
        invokes.push({ type: req.getTok(), name: "", version: req.getVersion(), additionalSecretOutputs: [], aliasTypes: [] });
        return invoke.call(this, req, callback);
    };
    try {
        return { result: await body(), resources, invokes };
    } finally {
        [monitor.registerResource, monitor.invoke] = [register, invoke];
    }
}

describe("Azure DevOps: what the program asks the engine for through @pulumi/azuredevops (sdk/azuredevops)", () => {
    const requests: { resources: Request[]; invokes: Request[] } = { resources: [], invokes: [] };
    const subset = JSON.parse(fs.readFileSync(path.join(root, "sdk/azuredevops/schema.json"), "utf8"));
    before(async () => {
        ({ resources: requests.resources, invokes: requests.invokes } = await recordingRequests(() => run("arm64", ENABLED)));
    });
    const azdo = (r: Request) => r.type.startsWith("azuredevops:") || r.type === T.provider;

    it("asks for plugin azuredevops 3.15.0 for every Azure DevOps resource, the provider and every invoke", () => {
        const requested = [...requests.resources.filter(azdo), ...requests.invokes.filter(azdo)];
        assert.strictEqual(requested.length, 1 + 2 + 2 + 1 + 2 + 4 + 4, requested.map((r) => r.type).join(", "));
        assert.deepStrictEqual([...new Set(requested.map((r) => r.version))], ["3.15.0"]);
        // Every other resource keeps its own package's version: the pin is the package's, not a global one.
        assert.ok(requests.resources.some((r) => r.type.startsWith("aws:") && r.version !== "3.15.0"));
    });

    it("uses exactly the resources and invokes the schema subset holds, by the provider's tokens", () => {
        const used = (list: Request[]) => [...new Set(list.filter(azdo).map((r) => r.type))].sort();
        assert.deepStrictEqual(used(requests.resources), [T.provider, ...Object.keys(subset.resources)].sort());
        assert.deepStrictEqual(used(requests.invokes), Object.keys(subset.functions).sort());
    });

    it("marks the AWS connection's key outputs secret, and carries the branch policy's former token as an alias", () => {
        for (const r of requests.resources.filter((x) => x.type === T.endpoint)) {
            assert.deepStrictEqual(r.additionalSecretOutputs, ["secretAccessKey", "sessionToken"], r.name);
        }
        const [policy] = requests.resources.filter((x) => x.type === T.policy);
        assert.deepStrictEqual(policy.aliasTypes, ["azuredevops:Policy/branchPolicyBuildValidation:BranchPolicyBuildValidation"]);
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


describe("Azure DevOps: stack arm64 enabled, owning the pull-request pipeline and the OIDC provider (Azure Repos)", () => {
    let resources: RecordedResource[];
    const names = pipelineNames("arm64");
    before(async () => {
        ({ resources } = await run("arm64", ENABLED));
    });

    it("creates two connections, two pipelines, one branch policy, two branch checks, four authorizations, and the IAM side", () => {
        assert.deepStrictEqual(azdoCounts(resources), {
            [T.component]: 1, [T.provider]: 1, [T.endpoint]: 2, [T.definition]: 2, [T.policy]: 1, [T.check]: 2, [T.authorization]: 4, [T.roles]: 1, [T.oidc]: 1,
        });
        assert.deepStrictEqual(pipelineRoles(resources).map((r) => r.inputs.name).sort(), ["dotnet-fargate-arm64-pipeline-deploy", "dotnet-fargate-pipeline-preview"]);
    });

    it("points the provider at the organization, without a token input; every Azure DevOps child uses it", () => {
        const [provider] = ofType(resources, T.provider);
        assert.deepStrictEqual(provider.inputs, { orgServiceUrl: "https://dev.azure.com/contoso" });
        for (const r of resources.filter((x) => x.type.startsWith("azuredevops:"))) {
            assert.match(r.provider ?? "", /[:$]pulumi:providers:azuredevops::dotnet-fargate-arm64-provider::/, `${r.name} uses the explicit provider`);
        }
    });

    it("creates the organization's OIDC provider for the Azure DevOps audience", () => {
        const [oidc] = ofType(resources, T.oidc);
        assert.deepStrictEqual(oidc.inputs, { url: `https://${ISSUER}`, clientIdLists: ["api://AzureADTokenExchange"] });
    });

    for (const [connection, roleName, seconds, definition] of [
        [names.deployConnection, "dotnet-fargate-arm64-pipeline-deploy", SESSION_SECONDS.deploy, names.deploy],
        [names.previewConnection, "dotnet-fargate-pipeline-preview", SESSION_SECONDS.preview, names.pullRequest],
    ] as const) {
        it(`${connection}: OIDC to ${roleName}, which trusts exactly that connection, for as long as its pipeline asks`, () => {
            const endpoint = byName(resources, T.endpoint, connection);
            const role = pipelineRoles(resources).find((r) => r.inputs.name === roleName) as RecordedResource;
            assert.strictEqual(endpoint.inputs.projectId, projectId);
            assert.strictEqual(endpoint.inputs.useOidc, true);
            assert.strictEqual(endpoint.inputs.roleToAssume, roleArn(role));
            assert.strictEqual(endpoint.inputs.accessKeyId, undefined);
            assert.strictEqual(endpoint.inputs.secretAccessKey, undefined);
            assert.deepStrictEqual(json(role.inputs.assumeRolePolicy), {
                Version: "2012-10-17",
                Statement: [{
                    Effect: "Allow",
                    Principal: { Federated: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${ISSUER}` },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: { StringEquals: { [`${ISSUER}:aud`]: "api://AzureADTokenExchange", [`${ISSUER}:sub`]: `sc://contoso/Fargate/${connection}` } },
                }],
            });
            // The toolkit asks for aws.rolecredential.maxduration seconds; STS refuses more than MaxSessionDuration.
            assert.strictEqual(role.inputs.maxSessionDuration, seconds);
            const variable = variables(byName(resources, T.definition, definition))[SESSION_DURATION_VARIABLE];
            assert.deepStrictEqual(variable, { name: SESSION_DURATION_VARIABLE, value: String(seconds), allowOverride: false });
        });
    }

    it("gives a deploy well over an hour, and a preview less", () => {
        assert.ok(SESSION_SECONDS.deploy >= 2 * 3600 && SESSION_SECONDS.deploy <= 43200);
        assert.ok(SESSION_SECONDS.preview >= 900 && SESSION_SECONDS.preview < SESSION_SECONDS.deploy);
    });

    it("lets the preview role read and nothing else", () => {
        const preview = pipelineRoles(resources).find((r) => r.inputs.name === "dotnet-fargate-pipeline-preview") as RecordedResource;
        const actions = policyOf(resources, preview).Statement.flatMap((st: any) => [st.Action].flat());
        assert.ok(actions.length > 0);
        for (const action of actions) {
            assert.match(action, /^[a-z0-9-]+:(Get|List|Describe|BatchGet|BatchCheck)[A-Za-z]*$/, `${action} only reads`);
        }
        assert.ok(actions.includes("s3:GetObject"), "reads the state");
    });

    it("scopes the deploy role's IAM rights to this project's roles, its boundary and the organization's OIDC provider, and its state rights to the backend's bucket", () => {
        const deploy = pipelineRoles(resources).find((r) => r.inputs.name === "dotnet-fargate-arm64-pipeline-deploy") as RecordedResource;
        const statements: any[] = policyOf(resources, deploy).Statement;
        const allowsIam = (x: any) => x.Effect === "Allow" && [x.Action].flat().some((a: string) => /^iam:(?!ListOpenIDConnectProviders$|CreateServiceLinkedRole$)/.test(a));
        for (const st of statements.filter(allowsIam)) {
            for (const resource of [st.Resource].flat()) {
                assert.match(resource, /^arn:aws:iam::123456789012:(role\/dotnet-fargate-\*|oidc-provider\/vstoken\.dev\.azure\.com\/\*|policy\/dotnet-fargate-arm64-role-boundary)$/, st.Sid);
            }
        }
        assert.ok(!statements.some((x) => [x.Action].flat().some((a: string) => a === "*" || a === "iam:*")), "no wildcard over everything or over IAM");
        const state = statements.find((x) => x.Sid === "StateObjects");
        assert.deepStrictEqual(state.Resource, "arn:aws:s3:::contoso-pulumi-state/*");
        assert.deepStrictEqual(state.Action, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
    });

    it("lets the pipelines touch only the stacks' monitor signing keys: a deploy creates and manages its stack's, a preview reads the public keys, none signs", () => {
        const statementsOf = (name: string) => policyOf(resources, pipelineRoles(resources).find((r) => r.inputs.name === name) as RecordedResource).Statement;
        const deploy: any[] = statementsOf("dotnet-fargate-arm64-pipeline-deploy");
        const kms = deploy.filter((st) => [st.Action].flat().some((a: string) => a.startsWith("kms:")));
        assert.deepStrictEqual(kms.map((st) => [st.Sid, st.Resource, st.Condition]), [
            // RDS creates the database's managed password secret as the caller, who must describe aws/secretsmanager
            // (Amazon RDS User Guide, rds-secrets-manager.html, "Permissions required for Secrets Manager integration").
            ["RdsManagedSecretKey", "arn:aws:kms:*:123456789012:key/*", undefined],
            ["MonitorKeyCreate", "*", { StringEquals: { "kms:KeySpec": "ECC_NIST_P384", "kms:KeyUsage": "SIGN_VERIFY", "aws:RequestTag/dotnet-fargate-stack": "arm64" } }],
            ["MonitorKeyManage", "arn:aws:kms:*:123456789012:key/*", { StringEquals: { "aws:ResourceTag/dotnet-fargate-stack": "arm64" } }],
        ]);
        assert.ok(!kms.some((st) => [st.Action].flat().some((a: string) => /^kms:(Sign|Verify|CreateGrant|\*)$/.test(a))), "never signs or lends signing");
        assert.deepStrictEqual(kms.find((st) => st.Sid === "RdsManagedSecretKey")?.Action, "kms:DescribeKey");
        const preview: any[] = statementsOf("dotnet-fargate-pipeline-preview");
        assert.deepStrictEqual(preview.filter((st) => st.Sid === "MonitorKeyRead").map((st) => [st.Action, st.Condition]), [
            [["kms:DescribeKey", "kms:GetPublicKey"], { StringEquals: { "aws:ResourceTag/dotnet-fargate-stack": ["arm64", "amd64"] } }],
        ]);
    });

    it("lets only the default branch use the deploy connection and read the deploy variable group", () => {
        const deployEndpoint = byName(resources, T.endpoint, names.deployConnection);
        const checks = ofType(resources, T.check).map((c) => ({ type: c.inputs.targetResourceType, id: c.inputs.targetResourceId, branches: c.inputs.allowedBranches }));
        assert.deepStrictEqual(checks.sort((a, b) => a.type.localeCompare(b.type)), [
            { type: "endpoint", id: deployEndpoint.id, branches: "refs/heads/main" },
            { type: "variablegroup", id: mockVariableGroupId(projectId, names.deployVariableGroup), branches: "refs/heads/main" },
        ]);
    });

    it("authorizes each pipeline for exactly its own connection and variable group", () => {
        const id = (name: string) => definitionId(byName(resources, T.definition, name).id);
        const granted = ofType(resources, T.authorization).map((a) => `${a.inputs.type} ${a.inputs.resourceId} -> ${a.inputs.pipelineId}`).sort();
        assert.deepStrictEqual(granted, [
            `endpoint ${byName(resources, T.endpoint, names.deployConnection).id} -> ${id(names.deploy)}`,
            `endpoint ${byName(resources, T.endpoint, names.previewConnection).id} -> ${id(names.pullRequest)}`,
            `variablegroup ${mockVariableGroupId(projectId, names.deployVariableGroup)} -> ${id(names.deploy)}`,
            `variablegroup ${mockVariableGroupId(projectId, names.previewVariableGroup)} -> ${id(names.pullRequest)}`,
        ].sort());
    });

    it("defines the deploy pipeline of arm64 on its own YAML file, linking no variable group", () => {
        const deploy = byName(resources, T.definition, names.deploy);
        assert.deepStrictEqual(deploy.inputs.repository, { repoType: "TfsGit", repoId: repositoryId, branchName: "refs/heads/main", ymlPath: "pipelines/deploy-arm64.yml" });
        assert.deepStrictEqual(deploy.inputs.ciTrigger, { useYaml: true });
        assert.strictEqual(deploy.inputs.pullRequestTrigger, undefined);
        assert.strictEqual(deploy.inputs.variableGroups, undefined);
        const vars = variables(deploy);
        assert.strictEqual(vars.awsRegion.value, "us-east-1");
        assert.strictEqual(vars.PULUMI_BACKEND_URL.value, "s3://contoso-pulumi-state");
    });

    it("defines every variable the YAML expects from its definition, and no other", () => {
        for (const [file, name] of [[PIPELINE_FILES.deploy("arm64"), names.deploy], [PIPELINE_FILES.pullRequest, names.pullRequest]] as const) {
            // The session duration is read by the AWS Toolkit's task itself (tl.getVariable), not through $(...).
            const expected = [...definitionVariablesUsed(file), SESSION_DURATION_VARIABLE].sort();
            assert.deepStrictEqual(Object.keys(variables(byName(resources, T.definition, name))).sort(), expected, file);
        }
    });

    it("names in the YAML the very connections and groups it creates, authorizes and guards", () => {
        for (const [file, connection, group] of [
            [PIPELINE_FILES.deploy("arm64"), names.deployConnection, names.deployVariableGroup],
            [PIPELINE_FILES.pullRequest, names.previewConnection, names.previewVariableGroup],
        ] as const) {
            const text = [file, "pipelines/templates/deploy-stages.yml"].map((f) => fs.readFileSync(path.join(root, f), "utf8")).join("\n");
            assert.ok(text.includes(connection), `${file} names ${connection}`);
            assert.ok(text.includes(group), `${file} names ${group}`);
            byName(resources, T.endpoint, connection);
        }
    });

    it("protects the default branch with a blocking build validation that runs the pull-request pipeline", () => {
        const pullRequest = byName(resources, T.definition, names.pullRequest);
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
            assert.ok(!allStrings(r.inputs).some((x) => x.includes(PAT)), `${r.type} ${r.name}`);
        }
    });
});

describe("Azure DevOps: stack amd64 enabled, with arm64 owning the shared pieces", () => {
    let resources: RecordedResource[];
    before(async () => {
        ({ resources } = await run("amd64", ENABLED));
    });

    it("creates only its own connection, deploy pipeline, branch check, authorizations and deploy role", () => {
        assert.deepStrictEqual(azdoCounts(resources), { [T.component]: 1, [T.provider]: 1, [T.endpoint]: 1, [T.definition]: 1, [T.check]: 1, [T.authorization]: 2, [T.roles]: 1 });
        assert.deepStrictEqual(pipelineRoles(resources).map((r) => r.inputs.name), ["dotnet-fargate-amd64-pipeline-deploy"]);
        const deploy = byName(resources, T.definition, "dotnet-fargate-deploy-amd64");
        assert.strictEqual(deploy.inputs.repository.ymlPath, "pipelines/deploy-amd64.yml");
        byName(resources, T.endpoint, "dotnet-fargate-amd64-deploy");
    });

    it("does not create a second OIDC provider for the issuer (IAM allows one per account): it trusts the one arm64 made, found by URL", () => {
        assert.strictEqual(ofType(resources, T.oidc).length, 0);
        const [role] = pipelineRoles(resources);
        const trust = json(role.inputs.assumeRolePolicy).Statement[0];
        assert.strictEqual(trust.Principal.Federated, `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${ISSUER}`);
        assert.strictEqual(trust.Condition.StringEquals[`${ISSUER}:sub`], "sc://contoso/Fargate/dotnet-fargate-amd64-deploy");
    });

    it("owns the shared pieces when pullRequestStack names it", async () => {
        const { resources: owned } = await run("amd64", { ...ENABLED, pullRequestStack: "amd64" });
        assert.strictEqual(ofType(owned, T.definition).length, 2);
        assert.strictEqual(ofType(owned, T.policy).length, 1);
        assert.strictEqual(ofType(owned, T.oidc).length, 1);
    });
});

describe("Azure DevOps: an OIDC provider that already exists in the account", () => {
    const existing = `arn:aws:iam::210987654321:oidc-provider/${ISSUER}`;
    for (const stack of ARCHITECTURES) {
        it(`${stack}: creates none and trusts the one named in config`, async () => {
            const { resources } = await run(stack, { ...ENABLED, awsOidcProviderArn: existing });
            assert.strictEqual(ofType(resources, T.oidc).length, 0);
            for (const role of pipelineRoles(resources)) {
                assert.strictEqual(json(role.inputs.assumeRolePolicy).Statement[0].Principal.Federated, existing);
            }
        });
    }
});

describe("Azure DevOps: the organization's name as Azure DevOps writes it in the subject", () => {
    it("puts organizationName, not the URL's spelling, in each trust policy's sub (IAM's StringEquals is case-sensitive)", async () => {
        const { resources } = await run("arm64", { ...ENABLED, organizationUrl: "https://contoso.visualstudio.com", organizationName: "Contoso" });
        const subjects = pipelineRoles(resources).map((r) => json(r.inputs.assumeRolePolicy).Statement[0].Condition.StringEquals[`${ISSUER}:sub`]).sort();
        assert.deepStrictEqual(subjects, ["sc://Contoso/Fargate/dotnet-fargate-arm64-deploy", "sc://Contoso/Fargate/dotnet-fargate-preview"]);
        assert.strictEqual(ISSUER, oidcIssuer(ORG_ID), "the issuer the roles trust is the one value in config.ts");
    });
});

describe("Azure DevOps: a GitHub repository", () => {
    it("uses the YAML pr: trigger without secrets for forks, and no branch policy", async () => {
        const { resources } = await run("arm64", {
            ...ENABLED,
            repository: { type: "github", name: "contoso/dotnet-fargate", serviceConnectionId: GITHUB_CONNECTION },
        });
        assert.strictEqual(ofType(resources, T.policy).length, 0);
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

describe("Azure DevOps: wrong, missing or retired config fails before any resource, naming the key", () => {
    const cases: [string, unknown, Record<string, string | undefined>, string][] = [
        ["no token in the environment", ENABLED, { AZDO_PERSONAL_ACCESS_TOKEN: undefined }, 'Config "AZDO_PERSONAL_ACCESS_TOKEN" is nothing; set this environment variable to an Azure DevOps personal access token while dotnet-fargate:azureDevOps.enabled is true; it is never read from a stack file.'],
        ["a wrong organization URL", { ...ENABLED, organizationUrl: "ftp://x" }, {}, 'Config "dotnet-fargate:azureDevOps.organizationUrl" is "ftp://x"; expected https://dev.azure.com/<organization> or https://<organization>.visualstudio.com.'],
        ["no organization id", { ...ENABLED, organizationId: undefined }, {}, 'Config "dotnet-fargate:azureDevOps.organizationId" is nothing; expected the organization\'s id, a GUID (the instanceId of https://dev.azure.com/<organization>/_apis/connectionData); it names the organization\'s OIDC issuer.'],
        ["no project", { ...ENABLED, project: undefined }, {}, 'Config "dotnet-fargate:azureDevOps.project" is nothing; expected the name of an existing Azure DevOps project.'],
        ["the retired awsRoleArn", { ...ENABLED, awsRoleArn: "arn:aws:iam::123456789012:role/x" }, {}, 'Config "dotnet-fargate:azureDevOps.awsRoleArn" is "arn:aws:iam::123456789012:role/x"; the field is retired: the stack now creates the pipelines\' IAM roles (deploy and preview) itself; remove it, and delete the hand-made role once the new ones work.'],
        ["the retired static keys", { ...ENABLED, awsAuth: "accessKeys" }, {}, 'Config "dotnet-fargate:azureDevOps.awsAuth" is "accessKeys"; the field is retired: the pipelines always use OIDC, and static keys are no longer accepted (a pull request must never hold deploy keys); remove it.'],
        ["the retired variable group id", { ...ENABLED, secretsVariableGroupId: 7 }, {}, 'Config "dotnet-fargate:azureDevOps.secretsVariableGroupId" is 7; the field is retired: the pipelines now name their variable groups in YAML, "dotnet-fargate-deploy" and "dotnet-fargate-preview" (see infra/azuredevops/README.md); remove it.'],
        ["an OIDC provider ARN for another issuer", { ...ENABLED, awsOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }, {}, 'Config "dotnet-fargate:azureDevOps.awsOidcProviderArn" is "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"; expected arn:aws:iam::<account>:oidc-provider/vstoken.dev.azure.com/<organization id>, an existing provider for this organization (default: the pull-request stack creates it).'],
    ];
    for (const [title, azureDevOps, env, message] of cases) {
        it(title, async () => {
            await assert.rejects(run("arm64", azureDevOps, { env }), { message });
        });
    }

    it("refuses a static key still stored in the stack, even while disabled", async () => {
        await assert.rejects(run("arm64", { enabled: false }, { secretConfig: { azureDevOpsAwsAccessKeyId: "AKIAEXAMPLEKEY" } }), {
            message: 'Config "dotnet-fargate:azureDevOpsAwsAccessKeyId, dotnet-fargate:azureDevOpsAwsSecretAccessKey" is "(set)"; retired: the pipelines always use OIDC and a stack holds no AWS key; remove them with pulumi config rm dotnet-fargate:azureDevOpsAwsAccessKeyId and pulumi config rm dotnet-fargate:azureDevOpsAwsSecretAccessKey.',
        });
    });

    it("reports a value that is not JSON like any other", async () => {
        await assert.rejects(run("arm64", "{enabled: true"), { message: 'Config "dotnet-fargate:azureDevOps" is "{enabled: true"; expected a JSON value (a number, a list or an object).' });
    });
});

/**
 * IAM's policy evaluation, as far as these documents need it: an action or resource pattern matches with `*` and
 * `?` wildcards (actions case-insensitively), a Deny wins, and a statement with a Condition is taken to apply
 * (the conservative reading for a boundary's Deny, the permissive one for its Allow; the test that uses this
 * says which). AWS IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements: Action/Resource".
 */
function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
    const re = new RegExp(`^${pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&"))).join("")}$`, ignoreCase ? "i" : "");
    return re.test(value);
}
const statementCovers = (st: any, action: string, resource: string): boolean =>
    [st.Action].flat().some((a: string) => globMatch(a, action, true)) && [st.Resource].flat().some((r: string) => globMatch(r, resource, false));

/** The roles' policies resolved to JSON: inline role policies by role id. */
const inlinePolicies = (resources: RecordedResource[]) => ofType(resources, ROLE_POLICY).map((p) => ({ role: p.inputs.role as string, doc: json(p.inputs.policy) }));

for (const stack of ARCHITECTURES) {
    describe(`Azure DevOps enabled, ${stack}: the permissions boundary every role of the stack carries`, () => {
        let resources: RecordedResource[];
        let boundaryArn: string;
        let boundary: any;
        before(async () => {
            // Every kind of role statement the program writes: a monitored service (its key's secret, its artifacts
            // bucket) and the database (the RDS-managed secret).
            ({ resources } = await run(stack, ENABLED, { config: { services: ["bookstore", "prime", "profiling"], database: { enabled: true } } }));
            const policies = ofType(resources, BOUNDARY_TYPE);
            assert.strictEqual(policies.length, 1, "one boundary policy");
            boundaryArn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/${policies[0].inputs.name}`;
            boundary = json(policies[0].inputs.policy);
        });

        it(`is a managed policy the stack creates, dotnet-fargate-${stack}-role-boundary, small enough for IAM and with valid Sids`, () => {
            const [policy] = ofType(resources, BOUNDARY_TYPE);
            assert.strictEqual(policy.inputs.name, `dotnet-fargate-${stack}-role-boundary`);
            // IAM: a managed policy holds at most 6,144 characters, white space not counted; a Sid is alphanumeric and unique.
            assert.ok(JSON.stringify(boundary).replace(/\s/g, "").length <= 6144);
            const sids = boundary.Statement.map((st: any) => st.Sid);
            assert.ok(sids.every((sid: string) => /^[A-Za-z0-9]+$/.test(sid)), sids.join(" "));
            assert.strictEqual(new Set(sids).size, sids.length);
        });

        it("is carried by every IAM role the stack creates: the pipelines' roles and each service's execution and task roles", () => {
            const roles = ofType(resources, ROLE);
            const services = ofType(resources, "aws:ecs/taskDefinition:TaskDefinition").length;
            assert.strictEqual(services, 3);
            const expected = 2 * services + (stack === "arm64" ? 2 : 1);
            assert.strictEqual(roles.length, expected, roles.map((r) => r.name).join(", "));
            for (const role of roles) {
                assert.strictEqual(role.inputs.permissionsBoundary, boundaryArn, role.name);
            }
        });

        it("makes the deploy role's role-changing actions require it (iam:PermissionsBoundary), and forbids removing or changing it", () => {
            const deploy = pipelineRoles(resources).find((r) => r.inputs.name === `dotnet-fargate-${stack}-pipeline-deploy`) as RecordedResource;
            const statements: any[] = policyOf(resources, deploy).Statement;
            const allowing = (action: string) => statements.filter((st) => st.Effect === "Allow" && [st.Action].flat().some((a: string) => globMatch(a, action, true)));
            for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary"]) {
                const found = allowing(action);
                assert.strictEqual(found.length, 1, action);
                assert.deepStrictEqual(found[0].Condition, { StringEquals: { "iam:PermissionsBoundary": boundaryArn } }, action);
                assert.strictEqual(found[0].Resource, `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/dotnet-fargate-*`, action);
            }
            assert.deepStrictEqual(allowing("iam:DeleteRolePermissionsBoundary"), []);
            const denies = statements.filter((st) => st.Effect === "Deny");
            assert.deepStrictEqual(denies.find((st) => st.Sid === "KeepBoundaries"), { Sid: "KeepBoundaries", Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" });
            assert.deepStrictEqual(denies.find((st) => st.Sid === "NoOtherBoundary")?.Condition, { StringNotEquals: { "iam:PermissionsBoundary": boundaryArn } });
            const policyChanges = denies.find((st) => st.Sid === "KeepBoundaryPolicy");
            assert.strictEqual(policyChanges.Resource, boundaryArn);
            for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"]) {
                assert.ok(policyChanges.Action.includes(action), action);
                assert.deepStrictEqual(allowing(action).filter((st) => statementCovers(st, action, boundaryArn)), [], `${action} is never allowed on the boundary`);
            }
        });

        it("lets the deploy role pass the project's roles to ECS tasks only (iam:PassedToService)", () => {
            const deploy = pipelineRoles(resources).find((r) => r.inputs.name === `dotnet-fargate-${stack}-pipeline-deploy`) as RecordedResource;
            const passing = policyOf(resources, deploy).Statement.filter((st: any) => [st.Action].flat().some((a: string) => globMatch(a, "iam:PassRole", true)));
            assert.deepStrictEqual(passing, [{
                Sid: "PassProjectRolesToEcsTasks",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/dotnet-fargate-*`,
                Condition: { StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com"] } },
            }]);
            // The roles passed are exactly the task definitions' roles, which ECS tasks assume (their trust policy).
            for (const definition of ofType(resources, "aws:ecs/taskDefinition:TaskDefinition")) {
                for (const arn of [definition.inputs.executionRoleArn, definition.inputs.taskRoleArn]) {
                    const role = ofType(resources, ROLE).find((r) => roleArn(r) === arn) as RecordedResource;
                    assert.deepStrictEqual(json(role.inputs.assumeRolePolicy).Statement.map((st: any) => st.Principal), [{ Service: "ecs-tasks.amazonaws.com" }]);
                }
            }
        });

        it("cuts none of the rights the stack grants its roles: every allowed action on every resource is allowed by the boundary and denied by none of it", () => {
            const allows = boundary.Statement.filter((st: any) => st.Effect === "Allow");
            // A Deny with a condition is taken to apply: the check can only report too much, never too little.
            const denies = boundary.Statement.filter((st: any) => st.Effect === "Deny");
            let pairs = 0;
            for (const { role, doc } of inlinePolicies(resources)) {
                for (const st of doc.Statement.filter((x: any) => x.Effect === "Allow")) {
                    for (const action of [st.Action].flat()) {
                        for (const resource of [st.Resource].flat()) {
                            pairs++;
                            assert.ok(allows.some((b: any) => statementCovers(b, action, resource)), `${role}: ${action} on ${resource} is outside the boundary`);
                            const denied = denies.filter((b: any) => b.Condition === undefined && statementCovers(b, action, resource));
                            assert.deepStrictEqual(denied, [], `${role}: ${action} on ${resource} is denied by the boundary`);
                        }
                    }
                }
            }
            assert.ok(pairs > 20, `checked ${pairs} action-resource pairs`);
            const all = JSON.stringify(inlinePolicies(resources));
            for (const kind of ["WriteArtifacts", "ReadAppSecrets", "secret:rds!db-"]) {
                assert.ok(all.includes(kind), `the graph has ${kind}`);
            }
        });

        it("is the deploy and preview policies together (so the pipelines keep their rights), and the function computes what the stack sends", () => {
            const scope = { partition: "aws", account: MOCK_ACCOUNT_ID, stack, bucket: "contoso-pulumi-state" };
            assert.deepStrictEqual(boundary, JSON.parse(JSON.stringify(boundaryPolicy(scope))));
            const issuerPattern = `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${oidcIssuer("*")}`;
            assert.ok(boundary.Statement.some((st: any) => st.Resource === issuerPattern), "the OIDC provider statement follows the one issuer value");
        });
    });
}

describe("Azure DevOps disabled: no boundary", () => {
    it("creates no boundary policy and sets none on the roles", async () => {
        const { resources } = await runProgram("arm64", { env: { AZDO_PERSONAL_ACCESS_TOKEN: undefined } });
        assert.strictEqual(ofType(resources, BOUNDARY_TYPE).length, 0);
        const roles = ofType(resources, ROLE);
        assert.ok(roles.length > 0);
        assert.ok(roles.every((r) => r.inputs.permissionsBoundary === undefined));
    });
});
