/**
 * A typed binding for the few parts of the Pulumi Azure DevOps provider (plugin 3.15.0) this program uses.
 *
 * This file is the single swap point for `@pulumi/azuredevops`: that package is not served by the npm
 * registry our machines reach, so these classes declare the provider's resources and functions with the
 * provider's own type tokens and property names, under the names the generated package exports.
 * `pulumi up` downloads the real provider plugin at the pinned version, and the state it writes is the
 * state the generated package would write. To swap, add `@pulumi/azuredevops@3.15.0` to package.json and
 * replace everything below `TOKENS` with `export * from "@pulumi/azuredevops";`: callers don't change.
 *
 * Only the properties the program sets or reads are declared; see the provider's schema for the rest.
 */
import * as pulumi from "@pulumi/pulumi";

/** The provider plugin version every resource and invoke is pinned to. */
export const PROVIDER_VERSION = "3.15.0";

/** The provider's type tokens, exactly as in its schema. */
export const TOKENS = {
    provider: "azuredevops",
    buildDefinition: "azuredevops:index/buildDefinition:BuildDefinition",
    serviceEndpointAws: "azuredevops:index/serviceEndpointAws:ServiceEndpointAws",
    branchPolicyBuildValidation: "azuredevops:index/branchPolicyBuildValidation:BranchPolicyBuildValidation",
    checkBranchControl: "azuredevops:index/checkBranchControl:CheckBranchControl",
    pipelineAuthorization: "azuredevops:index/pipelineAuthorization:PipelineAuthorization",
    getProject: "azuredevops:index/getProject:getProject",
    getGitRepository: "azuredevops:index/getGitRepository:getGitRepository",
    getVariableGroup: "azuredevops:index/getVariableGroup:getVariableGroup",
} as const;

/** Resource options with the plugin version pinned (the caller's own options win for everything else). */
function pinned<T extends pulumi.ResourceOptions>(opts: T | undefined): T {
    return { ...opts, version: PROVIDER_VERSION } as T;
}

// ---------------------------------------------------------------------------------------------------------
// Provider

export interface ProviderArgs {
    /** The Azure DevOps organization URL; defaults to the AZDO_ORG_SERVICE_URL environment variable. */
    readonly orgServiceUrl?: pulumi.Input<string>;
    // Deliberately no `personalAccessToken`: the provider reads AZDO_PERSONAL_ACCESS_TOKEN from its own
    // environment, so the token never becomes a resource input or a value in the state file.
}

/** An explicit instance of the Azure DevOps provider, `pulumi:providers:azuredevops`. */
export class Provider extends pulumi.ProviderResource {
    declare public readonly orgServiceUrl: pulumi.Output<string | undefined>;

    constructor(name: string, args: ProviderArgs = {}, opts?: pulumi.ResourceOptions) {
        super(TOKENS.provider, name, { orgServiceUrl: args.orgServiceUrl }, pinned(opts));
    }
}

// ---------------------------------------------------------------------------------------------------------
// BuildDefinition: azuredevops:index/buildDefinition:BuildDefinition

/** `BuildDefinitionRepository`: where the pipeline's YAML lives. */
export interface BuildDefinitionRepository {
    /** `TfsGit` (Azure Repos Git), `GitHub`, `GitHub Enterprise`, `Bitbucket` or `Git`. */
    readonly repoType: pulumi.Input<string>;
    /** The repository id for `TfsGit`; `<owner>/<repo>` for `GitHub`. */
    readonly repoId: pulumi.Input<string>;
    /** The branch builds run for; the provider defaults to `master`. */
    readonly branchName?: pulumi.Input<string>;
    /** Path of the YAML file in the repository. */
    readonly ymlPath?: pulumi.Input<string>;
    /** The service connection used to reach a GitHub repository. */
    readonly serviceConnectionId?: pulumi.Input<string>;
    /** Whether the build reports its status to the repository; the provider defaults to true. */
    readonly reportBuildStatus?: pulumi.Input<boolean>;
}

/** `BuildDefinitionCiTrigger`. */
export interface BuildDefinitionCiTrigger {
    /** Use the YAML file's `trigger:` section; the provider defaults to false. */
    readonly useYaml?: pulumi.Input<boolean>;
}

/** `BuildDefinitionPullRequestTriggerForks`. */
export interface BuildDefinitionPullRequestTriggerForks {
    /** Build pull requests from forks. */
    readonly enabled: pulumi.Input<boolean>;
    /** Make secrets available to builds of forks. */
    readonly shareSecrets: pulumi.Input<boolean>;
}

/** `BuildDefinitionPullRequestTrigger` (honoured for GitHub; Azure Repos uses branch policies instead). */
export interface BuildDefinitionPullRequestTrigger {
    /** Use the YAML file's `pr:` section; the provider defaults to false. */
    readonly useYaml?: pulumi.Input<boolean>;
    /** The branch whose YAML file is used when `useYaml` is true. */
    readonly initialBranch?: pulumi.Input<string>;
    /** What builds of forks may do. */
    readonly forks: pulumi.Input<BuildDefinitionPullRequestTriggerForks>;
}

/** `BuildDefinitionVariable`. */
export interface BuildDefinitionVariable {
    readonly name: pulumi.Input<string>;
    /** The plain value; never used for secrets. */
    readonly value?: pulumi.Input<string>;
    /** Whether a run may override the value at queue time; the provider defaults to true. */
    readonly allowOverride?: pulumi.Input<boolean>;
    /** Whether the variable is secret; the provider defaults to false. */
    readonly isSecret?: pulumi.Input<boolean>;
    /** The value of a secret variable. */
    readonly secretValue?: pulumi.Input<string>;
}

export interface BuildDefinitionArgs {
    /** The project id or name. Changing it replaces the definition. */
    readonly projectId: pulumi.Input<string>;
    /** The definition's name; the provider derives one when unset. */
    readonly name?: pulumi.Input<string>;
    /** The folder the definition is shown in, e.g. `\dotnet-fargate`. */
    readonly path?: pulumi.Input<string>;
    /** The repository and YAML file the pipeline runs. */
    readonly repository: pulumi.Input<BuildDefinitionRepository>;
    /** The CI trigger. */
    readonly ciTrigger?: pulumi.Input<BuildDefinitionCiTrigger>;
    /** The pull-request trigger. */
    readonly pullRequestTrigger?: pulumi.Input<BuildDefinitionPullRequestTrigger>;
    /** Pipeline variables. */
    readonly variables?: pulumi.Input<pulumi.Input<BuildDefinitionVariable>[]>;
    /** Ids of variable groups linked to the definition. */
    readonly variableGroups?: pulumi.Input<pulumi.Input<number>[]>;
}

/** An Azure Pipelines build definition (a YAML pipeline). */
export class BuildDefinition extends pulumi.CustomResource {
    declare public readonly name: pulumi.Output<string>;
    declare public readonly path: pulumi.Output<string | undefined>;
    declare public readonly projectId: pulumi.Output<string>;
    declare public readonly repository: pulumi.Output<BuildDefinitionRepository>;
    declare public readonly revision: pulumi.Output<number>;
    declare public readonly variables: pulumi.Output<BuildDefinitionVariable[] | undefined>;

    constructor(name: string, args: BuildDefinitionArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs: pulumi.Inputs = {
            projectId: args.projectId,
            name: args.name,
            path: args.path,
            repository: args.repository,
            ciTrigger: args.ciTrigger,
            pullRequestTrigger: args.pullRequestTrigger,
            variables: args.variables,
            variableGroups: args.variableGroups,
            revision: undefined /* output */,
        };
        super(TOKENS.buildDefinition, name, inputs, pinned(opts));
    }
}

// ---------------------------------------------------------------------------------------------------------
// ServiceEndpointAws: azuredevops:index/serviceEndpointAws:ServiceEndpointAws

export interface ServiceEndpointAwsArgs {
    /** The project id. Changing it replaces the connection. */
    readonly projectId: pulumi.Input<string>;
    /** The service connection's name, as pipelines reference it. */
    readonly serviceEndpointName: pulumi.Input<string>;
    /** Shown in the project settings; the provider defaults to `Managed by Terraform`. */
    readonly description?: pulumi.Input<string>;
    /** Get credentials by exchanging the pipeline's OIDC token (workload identity federation). */
    readonly useOidc?: pulumi.Input<boolean>;
    /** The ARN of the role to assume. */
    readonly roleToAssume?: pulumi.Input<string>;
    /** Identifier of the assumed role's session. */
    readonly roleSessionName?: pulumi.Input<string>;
    /** Static access key id (only when OIDC is not used). */
    readonly accessKeyId?: pulumi.Input<string>;
    /** Static secret access key (only when OIDC is not used); a secret in the provider's schema. */
    readonly secretAccessKey?: pulumi.Input<string>;
}

/** An AWS service connection, used by the AWS Toolkit's tasks (`awsCredentials`). */
export class ServiceEndpointAws extends pulumi.CustomResource {
    declare public readonly projectId: pulumi.Output<string>;
    declare public readonly serviceEndpointName: pulumi.Output<string>;
    declare public readonly authorization: pulumi.Output<Record<string, string>>;
    declare public readonly useOidc: pulumi.Output<boolean | undefined>;
    declare public readonly roleToAssume: pulumi.Output<string | undefined>;

    constructor(name: string, args: ServiceEndpointAwsArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs: pulumi.Inputs = {
            projectId: args.projectId,
            serviceEndpointName: args.serviceEndpointName,
            description: args.description,
            useOidc: args.useOidc,
            roleToAssume: args.roleToAssume,
            roleSessionName: args.roleSessionName,
            accessKeyId: args.accessKeyId,
            secretAccessKey: args.secretAccessKey,
            authorization: undefined /* output */,
        };
        // As the generated SDK does for properties the schema marks secret.
        const secrets: pulumi.CustomResourceOptions = { additionalSecretOutputs: ["secretAccessKey", "sessionToken"] };
        super(TOKENS.serviceEndpointAws, name, inputs, pulumi.mergeOptions(pinned(opts), secrets));
    }
}

// ---------------------------------------------------------------------------------------------------------
// BranchPolicyBuildValidation: azuredevops:index/branchPolicyBuildValidation:BranchPolicyBuildValidation

/** `BranchPolicyBuildValidationSettingsScope`. */
export interface BranchPolicyBuildValidationSettingsScope {
    /** The repository the policy applies to; all repositories when unset. */
    readonly repositoryId?: pulumi.Input<string>;
    /** The ref, e.g. `refs/heads/main`. */
    readonly repositoryRef?: pulumi.Input<string>;
    /** `Exact` (the provider's default), `Prefix` or `DefaultBranch`. */
    readonly matchType?: pulumi.Input<string>;
}

/** `BranchPolicyBuildValidationSettings`. */
export interface BranchPolicyBuildValidationSettings {
    /** The build definition that must succeed. */
    readonly buildDefinitionId: pulumi.Input<number>;
    /** The name shown on the pull request. */
    readonly displayName: pulumi.Input<string>;
    /** Where the policy applies. */
    readonly scopes: pulumi.Input<pulumi.Input<BranchPolicyBuildValidationSettingsScope>[]>;
    /** Minutes a successful build stays valid; 0 never expires. */
    readonly validDuration?: pulumi.Input<number>;
    /** Queue only when the source branch changes; the provider defaults to true. */
    readonly queueOnSourceUpdateOnly?: pulumi.Input<boolean>;
    /** Require a manual queue; the provider defaults to false. */
    readonly manualQueueOnly?: pulumi.Input<boolean>;
    /** Paths that trigger the policy; always when unset. */
    readonly filenamePatterns?: pulumi.Input<pulumi.Input<string>[]>;
}

export interface BranchPolicyBuildValidationArgs {
    /** The project id. Changing it replaces the policy. */
    readonly projectId: pulumi.Input<string>;
    /** Whether the policy is enabled; the provider defaults to true. */
    readonly enabled?: pulumi.Input<boolean>;
    /** Whether the policy blocks completion; the provider defaults to true. */
    readonly blocking?: pulumi.Input<boolean>;
    /** What must build, and where. */
    readonly settings: pulumi.Input<BranchPolicyBuildValidationSettings>;
}

/** A branch policy that requires a build to succeed before a pull request completes. */
export class BranchPolicyBuildValidation extends pulumi.CustomResource {
    declare public readonly projectId: pulumi.Output<string>;
    declare public readonly enabled: pulumi.Output<boolean | undefined>;
    declare public readonly blocking: pulumi.Output<boolean | undefined>;
    declare public readonly settings: pulumi.Output<BranchPolicyBuildValidationSettings>;

    constructor(name: string, args: BranchPolicyBuildValidationArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs: pulumi.Inputs = {
            projectId: args.projectId,
            enabled: args.enabled,
            blocking: args.blocking,
            settings: args.settings,
        };
        super(TOKENS.branchPolicyBuildValidation, name, inputs, pinned(opts));
    }
}

// ---------------------------------------------------------------------------------------------------------
// CheckBranchControl: azuredevops:index/checkBranchControl:CheckBranchControl

export interface CheckBranchControlArgs {
    /** The project id. */
    readonly projectId: pulumi.Input<string>;
    /** The id of the protected resource (a service connection's or a variable group's id). */
    readonly targetResourceId: pulumi.Input<string>;
    /** `endpoint`, `environment`, `queue`, `repository`, `securefile` or `variablegroup`. */
    readonly targetResourceType: pulumi.Input<string>;
    /** The name shown in the web UI. */
    readonly displayName?: pulumi.Input<string>;
    /** Comma-separated refs allowed to use the resource, e.g. `refs/heads/main`; the provider defaults to `*`. */
    readonly allowedBranches?: pulumi.Input<string>;
    /** Require the branch to be protected; the provider defaults to false. */
    readonly verifyBranchProtection?: pulumi.Input<boolean>;
    /** Allow branches whose protection status is unknown; the provider defaults to false. */
    readonly ignoreUnknownProtectionStatus?: pulumi.Input<boolean>;
}

/** A branch control check: runs of other branches may not use the resource. */
export class CheckBranchControl extends pulumi.CustomResource {
    declare public readonly allowedBranches: pulumi.Output<string | undefined>;
    declare public readonly targetResourceId: pulumi.Output<string>;
    declare public readonly targetResourceType: pulumi.Output<string>;

    constructor(name: string, args: CheckBranchControlArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs: pulumi.Inputs = {
            projectId: args.projectId,
            targetResourceId: args.targetResourceId,
            targetResourceType: args.targetResourceType,
            displayName: args.displayName,
            allowedBranches: args.allowedBranches,
            verifyBranchProtection: args.verifyBranchProtection,
            ignoreUnknownProtectionStatus: args.ignoreUnknownProtectionStatus,
            version: undefined /* output */,
        };
        super(TOKENS.checkBranchControl, name, inputs, pinned(opts));
    }
}

// ---------------------------------------------------------------------------------------------------------
// PipelineAuthorization: azuredevops:index/pipelineAuthorization:PipelineAuthorization

export interface PipelineAuthorizationArgs {
    /** The project id. */
    readonly projectId: pulumi.Input<string>;
    /** The id of the resource to authorize. */
    readonly resourceId: pulumi.Input<string>;
    /** `endpoint`, `queue`, `variablegroup`, `environment` or `repository`. */
    readonly type: pulumi.Input<string>;
    /** The pipeline allowed to use it; unset authorizes every pipeline, which this program never does. */
    readonly pipelineId?: pulumi.Input<number>;
}

/** Lets one pipeline use a protected resource, so its first run does not wait for a person's permission. */
export class PipelineAuthorization extends pulumi.CustomResource {
    declare public readonly pipelineId: pulumi.Output<number | undefined>;
    declare public readonly resourceId: pulumi.Output<string>;
    declare public readonly type: pulumi.Output<string>;

    constructor(name: string, args: PipelineAuthorizationArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs: pulumi.Inputs = {
            projectId: args.projectId,
            resourceId: args.resourceId,
            type: args.type,
            pipelineId: args.pipelineId,
        };
        super(TOKENS.pipelineAuthorization, name, inputs, pinned(opts));
    }
}

// ---------------------------------------------------------------------------------------------------------
// Functions, in the generated SDK's output form (`getXOutput`), so callers don't change with the swap.

/** Invoke options with the plugin version pinned. */
function pinnedInvoke(opts: pulumi.InvokeOutputOptions | undefined): pulumi.InvokeOutputOptions {
    return { ...opts, version: PROVIDER_VERSION };
}

export interface GetProjectOutputArgs {
    /** The project's name (this or `projectId`). */
    readonly name?: pulumi.Input<string>;
    /** The project's id (this or `name`). */
    readonly projectId?: pulumi.Input<string>;
}

export interface GetProjectResult {
    readonly id: string;
    readonly name?: string;
    readonly projectId?: string;
    readonly description: string;
    readonly processTemplateId: string;
    readonly versionControl: string;
    readonly visibility: string;
    readonly workItemTemplate: string;
    readonly features: Record<string, string>;
}

/** Looks up an existing project. */
export function getProjectOutput(
    args: GetProjectOutputArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetProjectResult> {
    return pulumi.runtime.invokeOutput<GetProjectResult>(
        TOKENS.getProject,
        { name: args.name, projectId: args.projectId },
        pinnedInvoke(opts),
    );
}

export interface GetGitRepositoryOutputArgs {
    /** The project the repository belongs to. */
    readonly projectId: pulumi.Input<string>;
    /** The repository's name. */
    readonly name: pulumi.Input<string>;
}

export interface GetGitRepositoryResult {
    readonly id: string;
    readonly name: string;
    readonly projectId: string;
    readonly defaultBranch: string;
    readonly disabled: boolean;
    readonly isFork: boolean;
    readonly remoteUrl: string;
    readonly sshUrl: string;
    readonly url: string;
    readonly webUrl: string;
    readonly size: number;
}

/** Looks up an existing Azure Repos Git repository. */
export function getGitRepositoryOutput(
    args: GetGitRepositoryOutputArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetGitRepositoryResult> {
    return pulumi.runtime.invokeOutput<GetGitRepositoryResult>(
        TOKENS.getGitRepository,
        { projectId: args.projectId, name: args.name },
        pinnedInvoke(opts),
    );
}

export interface GetVariableGroupOutputArgs {
    readonly projectId: pulumi.Input<string>;
    readonly name: pulumi.Input<string>;
}

export interface GetVariableGroupResult {
    /** The group's id, an integer in a string. */
    readonly id: string;
    readonly name: string;
    readonly projectId: string;
    readonly description: string;
    readonly allowAccess: boolean;
}

export function getVariableGroupOutput(
    args: GetVariableGroupOutputArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetVariableGroupResult> {
    return pulumi.runtime.invokeOutput<GetVariableGroupResult>(
        TOKENS.getVariableGroup,
        { projectId: args.projectId, name: args.name },
        pinnedInvoke(opts),
    );
}
