/**
 * Parses and validates the `dotnet-fargate:azureDevOps` config object (and the two optional secret keys for
 * static AWS keys) into the settings the AzureDevOpsPipelines component takes. Pure: it reads nothing
 * itself; the program's config module hands it the raw values, the stack name and the environment.
 */
import * as pulumi from "@pulumi/pulumi";
import { Architecture, ARCHITECTURES, isArchitecture } from "../architecture";
import { ConfigError } from "../validation";

/** The config key of the object, as errors name it. */
export const CONFIG_KEY = "dotnet-fargate:azureDevOps";
/** Secret config key holding the static AWS access key id (only with `awsAuth: "accessKeys"`). */
export const ACCESS_KEY_ID_KEY = "dotnet-fargate:azureDevOpsAwsAccessKeyId";
/** Secret config key holding the static AWS secret access key (only with `awsAuth: "accessKeys"`). */
export const SECRET_ACCESS_KEY_KEY = "dotnet-fargate:azureDevOpsAwsSecretAccessKey";
/** The environment variable the Azure DevOps provider reads its personal access token from. */
export const PAT_ENV = "AZDO_PERSONAL_ACCESS_TOKEN";

/** A secret config value as the program's config module read it, and whether the stack file marks it secret. */
export interface SecretInput {
    readonly value: pulumi.Output<string>;
    readonly isSecret: boolean;
}

export interface ParseContext {
    /** The stack being deployed (`arm64` or `amd64`). */
    readonly stack: string;
    /** The process environment; only the presence of the personal access token is checked. */
    readonly env: Readonly<Record<string, string | undefined>>;
    /** `dotnet-fargate:azureDevOpsAwsAccessKeyId`, when set. */
    readonly accessKeyId?: SecretInput;
    /** `dotnet-fargate:azureDevOpsAwsSecretAccessKey`, when set. */
    readonly secretAccessKey?: SecretInput;
}

export type RepositorySettings =
    | { readonly type: "azureRepos"; readonly name: string }
    | { readonly type: "github"; readonly name: string; readonly serviceConnectionId: string };

export type AwsAuthSettings =
    | { readonly type: "oidc"; readonly roleArn: string }
    | {
          readonly type: "accessKeys";
          /** Secret outputs; never plain. */
          readonly accessKeyId: pulumi.Output<string>;
          readonly secretAccessKey: pulumi.Output<string>;
          /** A role the keys assume, when set. */
          readonly roleArn?: string;
      };

/** What an enabled `azureDevOps` config resolves to. */
export interface AzureDevOpsSettings {
    readonly stack: Architecture;
    readonly organizationUrl: string;
    readonly project: string;
    readonly repository: RepositorySettings;
    /** The default branch's name, e.g. `main`. */
    readonly defaultBranch: string;
    /** The default branch's ref, e.g. `refs/heads/main`. */
    readonly defaultBranchRef: string;
    readonly aws: AwsAuthSettings;
    /** The region the AWS Toolkit's tasks call STS in. */
    readonly awsRegion: string;
    /** The stack that owns the pull-request pipeline and branch policy. */
    readonly pullRequestStack: Architecture;
    /** The state backend the pipelines log in to (pipeline variable PULUMI_BACKEND_URL). */
    readonly pulumiBackendUrl: string;
    /** The variable group holding the pipelines' secret variables. */
    readonly secretsVariableGroupId: number;
}

const FIELDS = [
    "enabled",
    "organizationUrl",
    "project",
    "repository",
    "defaultBranch",
    "awsAuth",
    "awsRoleArn",
    "awsRegion",
    "pullRequestStack",
    "pulumiBackendUrl",
    "secretsVariableGroupId",
] as const;

const ORGANIZATION_URL = [
    /^https:\/\/dev\.azure\.com\/[A-Za-z0-9][A-Za-z0-9-]{0,49}\/?$/,
    /^https:\/\/[a-z0-9][a-z0-9-]{0,49}\.visualstudio\.com\/?$/,
];
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const BRANCH = /^(?!refs\/)(?!\/)(?!.*\/\/)(?!.*\/$)[A-Za-z0-9._/-]{1,200}$/;
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const BACKEND_URL = /^(?:s3|azblob|gs|file):\/\/\S+$|^https:\/\/\S+$/;

const key = (field: string): string => `${CONFIG_KEY}.${field}`;

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonEmptyString(field: string, value: unknown, allowed: string): string {
    if (typeof value !== "string" || value.trim() === "" || value.trim() !== value) {
        throw new ConfigError(key(field), value, allowed);
    }
    return value;
}

function parseRepository(value: unknown): RepositorySettings {
    const shapes =
        'expected {"type": "azureRepos", "name": "<repository>"} or ' +
        '{"type": "github", "name": "<owner>/<repository>", "serviceConnectionId": "<guid>"}';
    if (!isRecord(value)) {
        throw new ConfigError(key("repository"), value, shapes);
    }
    if (value.type === "azureRepos") {
        rejectUnknown("repository", value, ["type", "name"]);
        const name = nonEmptyString("repository.name", value.name, "expected the name of an Azure Repos Git repository in the project");
        return { type: "azureRepos", name };
    }
    if (value.type === "github") {
        rejectUnknown("repository", value, ["type", "name", "serviceConnectionId"]);
        if (typeof value.name !== "string" || !GITHUB_REPOSITORY.test(value.name)) {
            throw new ConfigError(key("repository.name"), value.name, 'expected "<owner>/<repository>" on GitHub');
        }
        if (typeof value.serviceConnectionId !== "string" || !GUID.test(value.serviceConnectionId)) {
            throw new ConfigError(
                key("repository.serviceConnectionId"),
                value.serviceConnectionId,
                "expected the id (a GUID) of an existing GitHub service connection in the project",
            );
        }
        return { type: "github", name: value.name, serviceConnectionId: value.serviceConnectionId.toLowerCase() };
    }
    throw new ConfigError(key("repository.type"), value.type, 'expected "azureRepos" or "github"');
}

function rejectUnknown(field: string, value: Record<string, unknown>, allowed: readonly string[]): void {
    for (const name of Object.keys(value)) {
        if (!allowed.includes(name)) {
            const path = field === "" ? name : `${field}.${name}`;
            throw new ConfigError(key(path), value[name], `expected one of ${allowed.join(", ")}`);
        }
    }
}

function secretKey(name: string, input: SecretInput | undefined): pulumi.Output<string> {
    if (input === undefined) {
        throw new ConfigError(
            name,
            undefined,
            `required when ${key("awsAuth")} is "accessKeys"; set it with pulumi config set --secret ${name} <value>`,
        );
    }
    if (!input.isSecret) {
        // The value itself is never printed.
        throw new ConfigError(
            name,
            "(plain text)",
            `expected a secret; set it with pulumi config set --secret ${name} <value>`,
        );
    }
    return pulumi.secret(input.value);
}

/**
 * Returns the Azure DevOps settings of the stack, or undefined when `azureDevOps` is unset or
 * `enabled` is false. Throws a ConfigError naming the key for anything it refuses.
 */
export function parseAzureDevOpsConfig(raw: unknown, context: ParseContext): AzureDevOpsSettings | undefined {
    if (raw === undefined || raw === null) {
        return undefined;
    }
    if (!isRecord(raw)) {
        throw new ConfigError(CONFIG_KEY, raw, `expected an object with the fields ${FIELDS.join(", ")}`);
    }
    rejectUnknown("", raw, FIELDS);
    if (raw.enabled !== undefined && typeof raw.enabled !== "boolean") {
        throw new ConfigError(key("enabled"), raw.enabled, "expected true or false (default false)");
    }
    if (raw.enabled !== true) {
        return undefined;
    }

    if (!isArchitecture(context.stack)) {
        throw new ConfigError("stack", context.stack, `expected one of ${ARCHITECTURES.join(", ")}`);
    }

    const organizationUrl = raw.organizationUrl;
    if (typeof organizationUrl !== "string" || !ORGANIZATION_URL.some((re) => re.test(organizationUrl))) {
        throw new ConfigError(
            key("organizationUrl"),
            organizationUrl,
            "expected https://dev.azure.com/<organization> or https://<organization>.visualstudio.com",
        );
    }

    const project = nonEmptyString("project", raw.project, "expected the name of an existing Azure DevOps project");
    const repository = parseRepository(raw.repository);

    const defaultBranch = raw.defaultBranch ?? "main";
    if (typeof defaultBranch !== "string" || !BRANCH.test(defaultBranch)) {
        throw new ConfigError(
            key("defaultBranch"),
            defaultBranch,
            'expected a branch name such as "main", without "refs/heads/" (default "main")',
        );
    }

    const awsAuth = raw.awsAuth ?? "oidc";
    if (awsAuth !== "oidc" && awsAuth !== "accessKeys") {
        throw new ConfigError(key("awsAuth"), awsAuth, 'expected "oidc" (default) or "accessKeys"');
    }

    const roleArn = raw.awsRoleArn;
    if (roleArn !== undefined && (typeof roleArn !== "string" || !ROLE_ARN.test(roleArn))) {
        throw new ConfigError(key("awsRoleArn"), roleArn, "expected arn:aws:iam::<account>:role/<name>");
    }

    let aws: AwsAuthSettings;
    if (awsAuth === "oidc") {
        if (roleArn === undefined) {
            throw new ConfigError(
                key("awsRoleArn"),
                roleArn,
                'expected arn:aws:iam::<account>:role/<name>, the role the pipelines assume (required when awsAuth is "oidc")',
            );
        }
        for (const [name, input] of [
            [ACCESS_KEY_ID_KEY, context.accessKeyId],
            [SECRET_ACCESS_KEY_KEY, context.secretAccessKey],
        ] as const) {
            if (input !== undefined) {
                throw new ConfigError(
                    name,
                    "(set)",
                    `expected no static key while ${key("awsAuth")} is "oidc"; remove it with pulumi config rm ${name}`,
                );
            }
        }
        aws = { type: "oidc", roleArn };
    } else {
        aws = {
            type: "accessKeys",
            accessKeyId: secretKey(ACCESS_KEY_ID_KEY, context.accessKeyId),
            secretAccessKey: secretKey(SECRET_ACCESS_KEY_KEY, context.secretAccessKey),
            ...(roleArn === undefined ? {} : { roleArn }),
        };
    }

    const awsRegion = raw.awsRegion ?? "us-east-1";
    if (typeof awsRegion !== "string" || !REGION.test(awsRegion)) {
        throw new ConfigError(key("awsRegion"), awsRegion, 'expected an AWS region such as "eu-west-1" (default "us-east-1")');
    }

    const pullRequestStack = raw.pullRequestStack ?? "arm64";
    if (!isArchitecture(pullRequestStack)) {
        throw new ConfigError(
            key("pullRequestStack"),
            pullRequestStack,
            `expected one of ${ARCHITECTURES.join(", ")}, the same in every stack file (default "arm64")`,
        );
    }

    const pulumiBackendUrl = raw.pulumiBackendUrl;
    if (typeof pulumiBackendUrl !== "string" || !BACKEND_URL.test(pulumiBackendUrl)) {
        throw new ConfigError(
            key("pulumiBackendUrl"),
            pulumiBackendUrl,
            "expected the state backend the pipelines log in to, such as s3://<bucket> or https://api.pulumi.com",
        );
    }

    const groupId = raw.secretsVariableGroupId;
    if (typeof groupId !== "number" || !Number.isInteger(groupId) || groupId < 1) {
        throw new ConfigError(
            key("secretsVariableGroupId"),
            groupId,
            `expected the id (an integer >= 1) of the variable group holding PULUMI_CONFIG_PASSPHRASE and ${PAT_ENV} as secrets`,
        );
    }

    // Checked last, so a broken stack file is reported first. Only its presence is checked: the provider
    // reads the token from the environment itself and the value never reaches an input or an error.
    const token = context.env[PAT_ENV];
    if (token === undefined || token.trim() === "") {
        throw new ConfigError(
            PAT_ENV,
            undefined,
            `set this environment variable to an Azure DevOps personal access token while ${key("enabled")} is true; it is never read from a stack file`,
        );
    }

    return {
        stack: context.stack,
        organizationUrl: organizationUrl.replace(/\/$/, ""),
        project,
        repository,
        defaultBranch,
        defaultBranchRef: `refs/heads/${defaultBranch}`,
        aws,
        awsRegion,
        pullRequestStack,
        pulumiBackendUrl,
        secretsVariableGroupId: groupId,
    };
}
