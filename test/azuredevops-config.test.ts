// Table-driven tests of the azureDevOps config parser: defaults, every refusal with its exact text,
// and the rules for the static AWS keys and the personal access token.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parseAzureDevOpsConfig, ParseContext, SecretInput } from "../infra/azuredevops/config";

const PAT = "pat-value-never-printed";
const ENV = { AZDO_PERSONAL_ACCESS_TOKEN: PAT };

const VALID = {
    enabled: true,
    organizationUrl: "https://dev.azure.com/contoso",
    project: "Fargate",
    repository: { type: "azureRepos", name: "dotnet-fargate" },
    awsRoleArn: "arn:aws:iam::123456789012:role/azure-devops-dotnet-fargate",
    pulumiBackendUrl: "s3://contoso-pulumi-state",
    secretsVariableGroupId: 7,
};

const context = (extra: Partial<ParseContext> = {}): ParseContext => ({ stack: "arm64", env: ENV, ...extra });
const secretInput = (value: string, isSecret = true): SecretInput => ({ value: pulumi.output(value), isSecret });

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

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
            project: "Fargate",
            repository: { type: "azureRepos", name: "dotnet-fargate" },
            defaultBranch: "main",
            defaultBranchRef: "refs/heads/main",
            aws: { type: "oidc", roleArn: "arn:aws:iam::123456789012:role/azure-devops-dotnet-fargate" },
            awsRegion: "us-east-1",
            pullRequestStack: "arm64",
            pulumiBackendUrl: "s3://contoso-pulumi-state",
            secretsVariableGroupId: 7,
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
        assert.deepStrictEqual(settings?.repository, {
            type: "github",
            name: "contoso/dotnet-fargate",
            serviceConnectionId: "0f8e4b52-4c3b-4a8e-9d55-0b9f3c7c1a21",
        });
        assert.strictEqual(settings?.defaultBranchRef, "refs/heads/release/v2");
        assert.strictEqual(settings?.awsRegion, "eu-west-1");
        assert.strictEqual(settings?.pullRequestStack, "amd64");
    });

    const K = "dotnet-fargate:azureDevOps";
    const refusals: [string, unknown, ParseContext, string][] = [
        ["not an object", "yes", context(), `Config "${K}" is "yes"; expected an object with the fields enabled, organizationUrl, project, repository, defaultBranch, awsAuth, awsRoleArn, awsRegion, pullRequestStack, pulumiBackendUrl, secretsVariableGroupId.`],
        ["unknown field", { ...VALID, organisation: "x" }, context(), `Config "${K}.organisation" is "x"; expected one of enabled, organizationUrl, project, repository, defaultBranch, awsAuth, awsRoleArn, awsRegion, pullRequestStack, pulumiBackendUrl, secretsVariableGroupId.`],
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
        ["unknown awsAuth", { ...VALID, awsAuth: "keys" }, context(), `Config "${K}.awsAuth" is "keys"; expected "oidc" (default) or "accessKeys".`],
        ["OIDC without a role", { ...VALID, awsRoleArn: undefined }, context(), `Config "${K}.awsRoleArn" is nothing; expected arn:aws:iam::<account>:role/<name>, the role the pipelines assume (required when awsAuth is "oidc").`],
        ["a user ARN for the role", { ...VALID, awsRoleArn: "arn:aws:iam::123456789012:user/ci" }, context(), `Config "${K}.awsRoleArn" is "arn:aws:iam::123456789012:user/ci"; expected arn:aws:iam::<account>:role/<name>.`],
        ["bad region", { ...VALID, awsRegion: "Ireland" }, context(), `Config "${K}.awsRegion" is "Ireland"; expected an AWS region such as "eu-west-1" (default "us-east-1").`],
        ["unknown pullRequestStack", { ...VALID, pullRequestStack: "x86" }, context(), `Config "${K}.pullRequestStack" is "x86"; expected one of arm64, amd64, the same in every stack file (default "arm64").`],
        ["missing backend", { ...VALID, pulumiBackendUrl: undefined }, context(), `Config "${K}.pulumiBackendUrl" is nothing; expected the state backend the pipelines log in to, such as s3://<bucket> or https://api.pulumi.com.`],
        ["backend over http", { ...VALID, pulumiBackendUrl: "http://state" }, context(), `Config "${K}.pulumiBackendUrl" is "http://state"; expected the state backend the pipelines log in to, such as s3://<bucket> or https://api.pulumi.com.`],
        ["variable group as a string", { ...VALID, secretsVariableGroupId: "7" }, context(), `Config "${K}.secretsVariableGroupId" is "7"; expected the id (an integer >= 1) of the variable group holding PULUMI_CONFIG_PASSPHRASE and AZDO_PERSONAL_ACCESS_TOKEN as secrets.`],
        ["no personal access token", VALID, context({ env: {} }), `Config "AZDO_PERSONAL_ACCESS_TOKEN" is nothing; set this environment variable to an Azure DevOps personal access token while ${K}.enabled is true; it is never read from a stack file.`],
        ["blank personal access token", VALID, context({ env: { AZDO_PERSONAL_ACCESS_TOKEN: "  " } }), `Config "AZDO_PERSONAL_ACCESS_TOKEN" is nothing; set this environment variable to an Azure DevOps personal access token while ${K}.enabled is true; it is never read from a stack file.`],
        ["static key while OIDC", VALID, context({ accessKeyId: secretInput("AKIAEXAMPLE") }), `Config "dotnet-fargate:azureDevOpsAwsAccessKeyId" is "(set)"; expected no static key while ${K}.awsAuth is "oidc"; remove it with pulumi config rm dotnet-fargate:azureDevOpsAwsAccessKeyId.`],
        ["access keys without the key id", { ...VALID, awsAuth: "accessKeys" }, context({ secretAccessKey: secretInput("s3cr3t") }), `Config "dotnet-fargate:azureDevOpsAwsAccessKeyId" is nothing; required when ${K}.awsAuth is "accessKeys"; set it with pulumi config set --secret dotnet-fargate:azureDevOpsAwsAccessKeyId <value>.`],
        ["access keys with a plain secret key", { ...VALID, awsAuth: "accessKeys" }, context({ accessKeyId: secretInput("AKIAEXAMPLE"), secretAccessKey: secretInput("s3cr3t", false) }), `Config "dotnet-fargate:azureDevOpsAwsSecretAccessKey" is "(plain text)"; expected a secret; set it with pulumi config set --secret dotnet-fargate:azureDevOpsAwsSecretAccessKey <value>.`],
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

    it("keeps static keys secret and never prints them", async () => {
        const settings = parseAzureDevOpsConfig(
            { ...VALID, awsAuth: "accessKeys", awsRoleArn: undefined },
            context({ accessKeyId: secretInput("AKIAEXAMPLE"), secretAccessKey: secretInput("s3cr3t") }),
        );
        assert.ok(settings && settings.aws.type === "accessKeys");
        if (settings.aws.type !== "accessKeys") return;
        assert.strictEqual(await pulumi.isSecret(settings.aws.accessKeyId), true);
        assert.strictEqual(await pulumi.isSecret(settings.aws.secretAccessKey), true);
        assert.strictEqual(await valueOf(settings.aws.secretAccessKey), "s3cr3t");
        assert.strictEqual(settings.aws.roleArn, undefined);
        assert.ok(!JSON.stringify({ ...settings, aws: undefined }).includes("s3cr3t"));
    });
});
