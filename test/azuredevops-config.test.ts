// Table-driven tests of the azureDevOps config parser: defaults, every refusal with its exact text, the
// retired fields, and the rule for the personal access token.
import * as assert from "assert";
import { parseAzureDevOpsConfig, ParseContext, requiredSecretVariables } from "../stacks/azuredevops-config";

const PAT = "pat-value-never-printed";
const ENV = { AZDO_PERSONAL_ACCESS_TOKEN: PAT };

const VALID = {
    enabled: true,
    organizationUrl: "https://dev.azure.com/contoso",
    project: "Fargate",
    repository: { type: "azureRepos", name: "dotnet-fargate" },
    organizationId: "5D2F1A9E-3B4C-4D5E-8F60-7A8B9C0D1E2F",
    pulumiBackendUrl: "s3://contoso-pulumi-state",
};

const context = (extra: Partial<ParseContext> = {}): ParseContext => ({ stack: "arm64", env: ENV, ...extra });

describe("parseAzureDevOpsConfig", () => {
    it("is disabled when the key is unset or enabled is false or missing", () => {
        assert.strictEqual(parseAzureDevOpsConfig(undefined, context()), undefined);
        assert.strictEqual(parseAzureDevOpsConfig({ enabled: false }, context({ env: {} })), undefined);
        assert.strictEqual(parseAzureDevOpsConfig({ project: "x" }, context({ env: {} })), undefined);
    });

    it("applies the defaults and derives the branch ref", () => {
        const settings = parseAzureDevOpsConfig(VALID, context());
        assert.deepStrictEqual(settings, {
            stack: "arm64",
            organizationUrl: "https://dev.azure.com/contoso",
            organizationName: "contoso",
            organizationId: "5d2f1a9e-3b4c-4d5e-8f60-7a8b9c0d1e2f",
            project: "Fargate",
            repository: { type: "azureRepos", name: "dotnet-fargate" },
            defaultBranch: "main",
            defaultBranchRef: "refs/heads/main",
            awsRegion: "us-east-1",
            pullRequestStack: "arm64",
            pulumiBackendUrl: "s3://contoso-pulumi-state",
        });
    });

    it("accepts a GitHub repository, a visualstudio.com URL and explicit values", () => {
        const settings = parseAzureDevOpsConfig(
            {
                ...VALID,
                organizationUrl: "https://contoso.visualstudio.com/",
                repository: { type: "github", name: "contoso/dotnet-fargate", serviceConnectionId: "0F8E4B52-4C3B-4A8E-9D55-0B9F3C7C1A21" },
                defaultBranch: "release/v2",
                awsRegion: "eu-west-1",
                pullRequestStack: "amd64",
            },
            context({ stack: "amd64" }),
        );
        assert.strictEqual(settings?.organizationUrl, "https://contoso.visualstudio.com");
        assert.strictEqual(settings?.organizationName, "contoso");
        assert.deepStrictEqual(settings?.repository, {
            type: "github",
            name: "contoso/dotnet-fargate",
            serviceConnectionId: "0f8e4b52-4c3b-4a8e-9d55-0b9f3c7c1a21",
        });
        assert.strictEqual(settings?.defaultBranchRef, "refs/heads/release/v2");
        assert.strictEqual(settings?.awsRegion, "eu-west-1");
        assert.strictEqual(settings?.pullRequestStack, "amd64");
    });

    it("takes the organization's name as Azure DevOps spells it, which IAM matches case-sensitively in the subject", () => {
        // A visualstudio.com host is lower case whatever the organization's name; the subject carries the name itself.
        const settings = parseAzureDevOpsConfig({ ...VALID, organizationUrl: "https://contoso.visualstudio.com", organizationName: "Contoso" }, context());
        assert.strictEqual(settings?.organizationName, "Contoso");
        assert.strictEqual(settings?.organizationUrl, "https://contoso.visualstudio.com");
    });

    it("accepts the backends a pipeline can log in to: S3 with or without a region, and Pulumi Cloud", () => {
        for (const url of ["s3://contoso-state", "s3://contoso-state?region=eu-west-1", "s3://contoso-state/prefix?awssdk=v2&region=us-west-2", "https://api.pulumi.com"]) {
            assert.strictEqual(parseAzureDevOpsConfig({ ...VALID, pulumiBackendUrl: url }, context())?.pulumiBackendUrl, url);
        }
    });

    const K = "dotnet-fargate:azureDevOps";
    const B = "expected s3://<bucket> (with ?region=<region> when the bucket is not in awsRegion) or https://api.pulumi.com: the pipelines hand the CLI AWS credentials or a Pulumi access token and nothing else, and a file:// backend would be lost with the agent.";
    const refusals: [string, unknown, ParseContext, string][] = [
        ["not an object", "yes", context(), `Config "${K}" is "yes"; expected an object with the fields enabled, organizationUrl, organizationName, organizationId, project, repository, defaultBranch, awsRegion, pullRequestStack, awsOidcProviderArn, pulumiBackendUrl.`],
        ["unknown field", { ...VALID, organisation: "x" }, context(), `Config "${K}.organisation" is "x"; expected one of enabled, organizationUrl, organizationName, organizationId, project, repository, defaultBranch, awsRegion, pullRequestStack, awsOidcProviderArn, pulumiBackendUrl.`],
        ["enabled as a string", { ...VALID, enabled: "true" }, context(), `Config "${K}.enabled" is "true"; expected true or false (default false).`],
        ["wrong URL scheme", { ...VALID, organizationUrl: "ftp://x" }, context(), `Config "${K}.organizationUrl" is "ftp://x"; expected https://dev.azure.com/<organization> or https://<organization>.visualstudio.com.`],
        ["missing URL", { ...VALID, organizationUrl: undefined }, context(), `Config "${K}.organizationUrl" is nothing; expected https://dev.azure.com/<organization> or https://<organization>.visualstudio.com.`],
        ["URL with a project path", { ...VALID, organizationUrl: "https://dev.azure.com/contoso/Fargate" }, context(), `Config "${K}.organizationUrl" is "https://dev.azure.com/contoso/Fargate"; expected https://dev.azure.com/<organization> or https://<organization>.visualstudio.com.`],
        ["empty project", { ...VALID, project: "" }, context(), `Config "${K}.project" is ""; expected the name of an existing Azure DevOps project.`],
        ["missing repository", { ...VALID, repository: undefined }, context(), `Config "${K}.repository" is nothing; expected {"type": "azureRepos", "name": "<repository>"} or {"type": "github", "name": "<owner>/<repository>", "serviceConnectionId": "<guid>"}.`],
        ["unknown repository type", { ...VALID, repository: { type: "bitbucket", name: "x" } }, context(), `Config "${K}.repository.type" is "bitbucket"; expected "azureRepos" or "github".`],
        ["repository without a name", { ...VALID, repository: { type: "azureRepos" } }, context(), `Config "${K}.repository.name" is nothing; expected the name of an Azure Repos Git repository in the project.`],
        ["GitHub name without owner", { ...VALID, repository: { type: "github", name: "dotnet-fargate", serviceConnectionId: "0f8e4b52-4c3b-4a8e-9d55-0b9f3c7c1a21" } }, context(), `Config "${K}.repository.name" is "dotnet-fargate"; expected "<owner>/<repository>" on GitHub.`],
        ["GitHub without a service connection", { ...VALID, repository: { type: "github", name: "contoso/x" } }, context(), `Config "${K}.repository.serviceConnectionId" is nothing; expected the id (a GUID) of an existing GitHub service connection in the project.`],
        ["service connection id on Azure Repos", { ...VALID, repository: { type: "azureRepos", name: "x", serviceConnectionId: "abc" } }, context(), `Config "${K}.repository.serviceConnectionId" is "abc"; expected one of type, name.`],
        ["branch given as a ref", { ...VALID, defaultBranch: "refs/heads/main" }, context(), `Config "${K}.defaultBranch" is "refs/heads/main"; expected a branch name such as "main", without "refs/heads/" (default "main").`],
        ["an organization id that is not a GUID", { ...VALID, organizationId: "contoso" }, context(), `Config "${K}.organizationId" is "contoso"; expected the organization's id, a GUID (the instanceId of https://dev.azure.com/<organization>/_apis/connectionData); it names the organization's OIDC issuer.`],
        ["a retired field even while disabled", { enabled: false, awsRoleArn: "arn:aws:iam::123456789012:role/x" }, context({ env: {} }), `Config "${K}.awsRoleArn" is "arn:aws:iam::123456789012:role/x"; the field is retired: the stack now creates the pipelines' IAM roles (deploy and preview) itself; remove it, and delete the hand-made role once the new ones work.`],
        ["bad region", { ...VALID, awsRegion: "Ireland" }, context(), `Config "${K}.awsRegion" is "Ireland"; expected an AWS region such as "eu-west-1" (default "us-east-1").`],
        ["unknown pullRequestStack", { ...VALID, pullRequestStack: "x86" }, context(), `Config "${K}.pullRequestStack" is "x86"; expected one of arm64, amd64, the same in every stack file (default "arm64").`],
        ["missing backend", { ...VALID, pulumiBackendUrl: undefined }, context(), `Config "${K}.pulumiBackendUrl" is nothing; expected s3://<bucket> (with ?region=<region> when the bucket is not in awsRegion) or https://api.pulumi.com: the pipelines hand the CLI AWS credentials or a Pulumi access token and nothing else, and a file:// backend would be lost with the agent.`],
        ["backend over http", { ...VALID, pulumiBackendUrl: "http://state" }, context(), `Config "${K}.pulumiBackendUrl" is "http://state"; expected s3://<bucket> (with ?region=<region> when the bucket is not in awsRegion) or https://api.pulumi.com: the pipelines hand the CLI AWS credentials or a Pulumi access token and nothing else, and a file:// backend would be lost with the agent.`],
        ["a file backend, lost with the agent after each run", { ...VALID, pulumiBackendUrl: "file:///var/state" }, context(), `Config "${K}.pulumiBackendUrl" is "file:///var/state"; ${B}`],
        ["an azblob backend, whose credentials no pipeline step has", { ...VALID, pulumiBackendUrl: "azblob://state" }, context(), `Config "${K}.pulumiBackendUrl" is "azblob://state"; ${B}`],
        ["a gs backend, whose credentials no pipeline step has", { ...VALID, pulumiBackendUrl: "gs://state" }, context(), `Config "${K}.pulumiBackendUrl" is "gs://state"; ${B}`],
        ["an s3 backend with a region that is not one", { ...VALID, pulumiBackendUrl: "s3://state?region=Ireland" }, context(), `Config "${K}.pulumiBackendUrl" is "s3://state?region=Ireland"; ${B}`],
        ["an organizationName of another organization", { ...VALID, organizationName: "fabrikam" }, context(), `Config "${K}.organizationName" is "fabrikam"; expected the organization of organizationUrl ("contoso") spelt as Azure DevOps writes it in OIDC subjects, which may differ from the URL in case only (default: as in the URL).`],
        ["no personal access token", VALID, context({ env: {} }), `Config "AZDO_PERSONAL_ACCESS_TOKEN" is nothing; set this environment variable to an Azure DevOps personal access token while ${K}.enabled is true; it is never read from a stack file.`],
        ["blank personal access token", VALID, context({ env: { AZDO_PERSONAL_ACCESS_TOKEN: "  " } }), `Config "AZDO_PERSONAL_ACCESS_TOKEN" is nothing; set this environment variable to an Azure DevOps personal access token while ${K}.enabled is true; it is never read from a stack file.`],
        ["a static key left in the stack", VALID, context({ staticKeysSet: true }), `Config "dotnet-fargate:azureDevOpsAwsAccessKeyId, dotnet-fargate:azureDevOpsAwsSecretAccessKey" is "(set)"; retired: the pipelines always use OIDC and a stack holds no AWS key; remove them with pulumi config rm dotnet-fargate:azureDevOpsAwsAccessKeyId and pulumi config rm dotnet-fargate:azureDevOpsAwsSecretAccessKey.`],
    ];

    for (const [title, raw, ctx, message] of refusals) {
        it(`refuses ${title}`, () => {
            assert.throws(() => parseAzureDevOpsConfig(raw, ctx), (err: Error) => {
                assert.strictEqual(err.name, "ConfigError");
                assert.strictEqual(err.message, message);
                assert.ok(!err.message.includes(PAT), "the token is never printed");
                return true;
            });
        });
    }

    it("names the state secret each backend needs in the variable groups", () => {
        assert.deepStrictEqual(requiredSecretVariables("s3://state"), ["PULUMI_CONFIG_PASSPHRASE", "AZDO_PERSONAL_ACCESS_TOKEN"]);
        assert.deepStrictEqual(requiredSecretVariables("https://api.pulumi.com"), ["PULUMI_ACCESS_TOKEN", "AZDO_PERSONAL_ACCESS_TOKEN"]);
    });
});
