/**
 * Parses and validates the `dotnet-fargate:azureDevOps` config object into the settings the Azure DevOps
 * components take (infra/azuredevops/settings.ts), and refuses the retired static-key config keys. Pure: it reads
 * nothing itself; config.ts hands it the raw values, the stack name and the environment.
 */
import { ARCHITECTURES, isArchitecture } from "../model/architecture";
import { ConfigError } from "../model/validation";
import { AZURE_DEVOPS_DEFAULTS, AzureDevOpsSettings, oidcIssuer, RepositorySettings } from "../infra/azuredevops/settings";

/** The config key of the object, as errors name it. */
export const CONFIG_KEY = "dotnet-fargate:azureDevOps";
/** Retired secret config key that held a static AWS access key id; refused when set. */
export const ACCESS_KEY_ID_KEY = "dotnet-fargate:azureDevOpsAwsAccessKeyId";
/** Retired secret config key that held a static AWS secret access key; refused when set. */
export const SECRET_ACCESS_KEY_KEY = "dotnet-fargate:azureDevOpsAwsSecretAccessKey";
/** The environment variable the Azure DevOps provider reads its personal access token from. */
export const PAT_ENV = "AZDO_PERSONAL_ACCESS_TOKEN";



export interface ParseContext {
    /** The stack being deployed (`arm64` or `amd64`). */
    readonly stack: string;
    /** The process environment; only the presence of the personal access token is checked. */
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Whether either of the retired static-key config keys is still set in the stack. */
    readonly staticKeysSet?: boolean;
}


const FIELDS = [
    "enabled",
    "organizationUrl",
    "organizationName",
    "organizationId",
    "project",
    "repository",
    "defaultBranch",
    "awsRegion",
    "pullRequestStack",
    "awsOidcProviderArn",
    "pulumiBackendUrl",
] as const;

/** Fields earlier versions took, and what replaced each: named in the error instead of "unknown field". */
const RETIRED: Readonly<Record<string, string>> = {
    awsAuth:
        "the field is retired: the pipelines always use OIDC, and static keys are no longer accepted (a pull request must never hold deploy keys); remove it",
    awsRoleArn:
        "the field is retired: the stack now creates the pipelines' IAM roles (deploy and preview) itself; remove it, and delete the hand-made role once the new ones work",
    secretsVariableGroupId:
        'the field is retired: the pipelines now name their variable groups in YAML, "dotnet-fargate-deploy" and "dotnet-fargate-preview" (see infra/azuredevops/README.md); remove it',
};

const ORGANIZATION_URL = [
    /^https:\/\/dev\.azure\.com\/([A-Za-z0-9][A-Za-z0-9-]{0,49})\/?$/,
    /^https:\/\/([a-z0-9][a-z0-9-]{0,49})\.visualstudio\.com\/?$/,
];
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const BRANCH = /^(?!refs\/)(?!\/)(?!.*\/\/)(?!.*\/$)[A-Za-z0-9._/-]{1,200}$/;
const OIDC_PROVIDER_ARN = new RegExp(
    `^arn:aws(?:-[a-z]+)*:iam::\\d{12}:oidc-provider/${oidcIssuer("GUID").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&").replace("GUID", "[0-9a-fA-F-]{36}")}$`,
);
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
/** The backends a pipeline can log in to: it hands the CLI AWS credentials or a Pulumi access token, nothing else. */
const BACKEND_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:\/[^?\s]*)?(?:\?\S*)?$|^https:\/\/\S+$/;
const BACKEND_REGION = /[?&]region=([^&]*)/;

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

/** The secret variables each pipeline's variable group must hold, by backend: what the README tells a person to create. */
export function requiredSecretVariables(pulumiBackendUrl: string): string[] {
    const state = pulumiBackendUrl.startsWith("https://") ? "PULUMI_ACCESS_TOKEN" : "PULUMI_CONFIG_PASSPHRASE";
    return [state, PAT_ENV];
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
    for (const [field, why] of Object.entries(RETIRED)) {
        if (field in raw) {
            throw new ConfigError(key(field), raw[field], why);
        }
    }
    rejectUnknown("", raw, FIELDS);
    if (raw.enabled !== undefined && typeof raw.enabled !== "boolean") {
        throw new ConfigError(key("enabled"), raw.enabled, "expected true or false (default false)");
    }
    if (context.staticKeysSet) {
        // Checked even while disabled: a key left in a stack file would otherwise sit there unnoticed.
        throw new ConfigError(
            `${ACCESS_KEY_ID_KEY}, ${SECRET_ACCESS_KEY_KEY}`,
            "(set)",
            `retired: the pipelines always use OIDC and a stack holds no AWS key; remove them with pulumi config rm ${ACCESS_KEY_ID_KEY} and pulumi config rm ${SECRET_ACCESS_KEY_KEY}`,
        );
    }
    if (raw.enabled !== true) {
        return undefined;
    }
    if (!isArchitecture(context.stack)) {
        throw new ConfigError("stack", context.stack, `expected one of ${ARCHITECTURES.join(", ")}`);
    }
    const { organizationUrl, organizationName: nameInUrl } = parseOrganizationUrl(raw.organizationUrl);
    const organizationName = parseOrganizationName(raw.organizationName, nameInUrl);
    const organizationId = raw.organizationId;
    if (typeof organizationId !== "string" || !GUID.test(organizationId)) {
        throw new ConfigError(
            key("organizationId"),
            organizationId,
            "expected the organization's id, a GUID (the instanceId of https://dev.azure.com/<organization>/_apis/connectionData); it names the organization's OIDC issuer",
        );
    }
    const project = nonEmptyString("project", raw.project, "expected the name of an existing Azure DevOps project");
    const repository = parseRepository(raw.repository);
    const defaultBranch = raw.defaultBranch ?? AZURE_DEVOPS_DEFAULTS.defaultBranch;
    if (typeof defaultBranch !== "string" || !BRANCH.test(defaultBranch)) {
        throw new ConfigError(
            key("defaultBranch"),
            defaultBranch,
            'expected a branch name such as "main", without "refs/heads/" (default "main")',
        );
    }
    const aws = parseAwsSide(raw);
    const pulumiBackendUrl = parseBackendUrl(raw.pulumiBackendUrl);
    checkToken(context.env);
    return {
        stack: context.stack,
        organizationUrl,
        organizationName,
        organizationId: organizationId.toLowerCase(),
        project,
        repository,
        defaultBranch,
        defaultBranchRef: `refs/heads/${defaultBranch}`,
        ...aws,
        pulumiBackendUrl,
    };
}

function parseOrganizationUrl(value: unknown): { organizationUrl: string; organizationName: string } {
    const match = typeof value === "string" ? ORGANIZATION_URL.map((re) => re.exec(value)).find((m) => m !== null) : undefined;
    if (typeof value !== "string" || match === undefined || match === null) {
        throw new ConfigError(
            key("organizationUrl"),
            value,
            "expected https://dev.azure.com/<organization> or https://<organization>.visualstudio.com",
        );
    }
    return { organizationUrl: value.replace(/\/$/, ""), organizationName: match[1] };
}

function parseAwsSide(raw: Record<string, unknown>): Pick<AzureDevOpsSettings, "awsRegion" | "pullRequestStack" | "awsOidcProviderArn"> {
    const awsRegion = raw.awsRegion ?? AZURE_DEVOPS_DEFAULTS.awsRegion;
    if (typeof awsRegion !== "string" || !REGION.test(awsRegion)) {
        throw new ConfigError(key("awsRegion"), awsRegion, 'expected an AWS region such as "eu-west-1" (default "us-east-1")');
    }
    const pullRequestStack = raw.pullRequestStack ?? AZURE_DEVOPS_DEFAULTS.pullRequestStack;
    if (!isArchitecture(pullRequestStack)) {
        throw new ConfigError(
            key("pullRequestStack"),
            pullRequestStack,
            `expected one of ${ARCHITECTURES.join(", ")}, the same in every stack file (default "arm64")`,
        );
    }
    const providerArn = raw.awsOidcProviderArn;
    if (providerArn !== undefined && (typeof providerArn !== "string" || !OIDC_PROVIDER_ARN.test(providerArn))) {
        throw new ConfigError(
            key("awsOidcProviderArn"),
            providerArn,
            `expected arn:aws:iam::<account>:oidc-provider/${oidcIssuer("<organization id>")}, an existing provider for this organization (default: the pull-request stack creates it)`,
        );
    }
    return { awsRegion, pullRequestStack, ...(providerArn === undefined ? {} : { awsOidcProviderArn: providerArn }) };
}

/**
 * The organization's name as Azure DevOps writes it in a connection's subject. IAM compares the subject
 * case-sensitively (StringEquals), and the name in the URL is only as its writer typed it (a visualstudio.com
 * host is lower case whatever the organization's name is), so a different spelling can be given here.
 */
function parseOrganizationName(value: unknown, nameInUrl: string): string {
    if (value === undefined) {
        return nameInUrl;
    }
    if (typeof value !== "string" || value.toLowerCase() !== nameInUrl.toLowerCase()) {
        throw new ConfigError(
            key("organizationName"),
            value,
            `expected the organization of organizationUrl ("${nameInUrl}") spelt as Azure DevOps writes it in OIDC subjects, which may differ from the URL in case only (default: as in the URL)`,
        );
    }
    return value;
}

function parseBackendUrl(value: unknown): string {
    const region = typeof value === "string" ? BACKEND_REGION.exec(value)?.[1] : undefined;
    if (typeof value !== "string" || !BACKEND_URL.test(value) || (region !== undefined && !REGION.test(region))) {
        throw new ConfigError(
            key("pulumiBackendUrl"),
            value,
            "expected s3://<bucket> (with ?region=<region> when the bucket is not in awsRegion) or https://api.pulumi.com: the pipelines hand the CLI AWS credentials or a Pulumi access token and nothing else, and a file:// backend would be lost with the agent",
        );
    }
    return value;
}

/**
 * Checked last, so a broken stack file is reported first. Only its presence is checked: the provider reads
 * the token from the environment itself and the value never reaches an input or an error.
 */
function checkToken(env: Readonly<Record<string, string | undefined>>): void {
    const token = env[PAT_ENV];
    if (token === undefined || token.trim() === "") {
        throw new ConfigError(
            PAT_ENV,
            undefined,
            `set this environment variable to an Azure DevOps personal access token while ${key("enabled")} is true; it is never read from a stack file`,
        );
    }
}
