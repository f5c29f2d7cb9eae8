/**
 * The Azure DevOps side of a stack: the stack's deploy pipeline with its own AWS service connection (usable
 * from the default branch only) and, in the one stack that owns it, the pull-request pipeline with its own
 * read-only connection and the branch policy that runs it. Pipelines are authorized for exactly the
 * connections and variable groups they use.
 */
import * as pulumi from "@pulumi/pulumi";
import { Architecture, ARCHITECTURES, isArchitecture } from "../../model/architecture";
import { ArgumentError } from "../../model/validation";
import { SESSION_DURATION_VARIABLE, SESSION_SECONDS } from "./aws-roles";
import { AZURE_DEVOPS_DEFAULTS, type RepositorySettings } from "./settings";
// The generated binding (sdk/azuredevops), under the published SDK's names: swapping in the published package changes nothing here.
import {
    BranchPolicyBuildValidation,
    BuildDefinition,
    CheckBranchControl,
    getGitRepositoryOutput,
    getProjectOutput,
    getVariableGroupOutput,
    PipelineAuthorization,
    Provider,
    ServiceEndpointAws,
    types,
} from "@pulumi/azuredevops";

/** The pipeline YAML files, relative to the repository root: one deploy file per stack, one for pull requests. */
export const PIPELINE_FILES = {
    deploy: (stack: Architecture) => `pipelines/deploy-${stack}.yml`,
    pullRequest: "pipelines/pull-request.yml",
} as const;

/** The folder the definitions are shown in. */
export const PIPELINE_FOLDER = "\\dotnet-fargate";

/**
 * Names the YAML files spell out literally (Azure Pipelines resolves service connections and variable groups
 * when it compiles the YAML, before any definition variable exists), so the program creates and looks up
 * exactly these. A test reads the YAML files and holds the two to each other.
 */
export const pipelineNames = (stack: Architecture) => ({
    deployConnection: `dotnet-fargate-${stack}-deploy`,
    previewConnection: "dotnet-fargate-preview",
    deploy: `dotnet-fargate-deploy-${stack}`,
    pullRequest: "dotnet-fargate-pull-request",
    /** Made by a person (it holds secrets the program never sees); the program only finds, authorizes and guards it. */
    deployVariableGroup: "dotnet-fargate-deploy",
    previewVariableGroup: "dotnet-fargate-preview",
});

export interface AzureDevOpsPipelinesArgs {
    /** The stack the pipelines deploy (decides names and whether this stack owns the pull-request pipeline); required. */
    readonly stack: Architecture;
    /** Organization URL, `https://dev.azure.com/<organization>`; required. */
    readonly organizationUrl: pulumi.Input<string>;
    /** Name of the existing project the pipelines live in; required. */
    readonly project: pulumi.Input<string>;
    /** The repository holding this program (decides branch policy or YAML `pr:` trigger); required. */
    readonly repository: RepositorySettings;
    /** The default branch, deployed on every push and protected by the pull-request policy; default `main`. */
    readonly defaultBranch?: pulumi.Input<string>;
    /** The role the deploy connection assumes through OIDC; required. */
    readonly deployRoleArn: pulumi.Input<string>;
    /** The role the preview connection assumes; required in the stack that owns the pull-request pipeline. */
    readonly previewRoleArn?: pulumi.Input<string>;
    /** Region the AWS Toolkit's tasks call STS in; default `us-east-1`. */
    readonly awsRegion?: pulumi.Input<string>;
    /** The stack that owns the pull-request pipeline, the preview connection and the branch policy; default `arm64`. */
    readonly pullRequestStack?: Architecture;
    /** State backend the pipelines log in to (pipeline variable PULUMI_BACKEND_URL); required. */
    readonly pulumiBackendUrl: pulumi.Input<string>;
}

const COMPONENT = "AzureDevOpsPipelines";

/**
 * The branch policy and pipeline authorizations take a definition id as a number; the provider reports it
 * as the resource id, an integer in a string ("42"). Ids an offline evaluation makes up are not integers:
 * they pass through unchanged, so the reference can still be followed there.
 */
export function definitionId(id: string): number {
    const value = Number(id);
    return Number.isSafeInteger(value) && value > 0 ? value : (id as unknown as number);
}

interface Context {
    readonly name: string;
    readonly projectId: pulumi.Output<string>;
    readonly childOpts: pulumi.CustomResourceOptions;
    readonly withYaml: (ymlPath: string) => types.input.BuildDefinitionRepository;
    readonly variables: (sessionSeconds: number) => types.input.BuildDefinitionVariable[];
    readonly defaultBranchRef: pulumi.Output<string>;
}

export class AzureDevOpsPipelines extends pulumi.ComponentResource {
    /** Name of the service connection the deploy pipeline uses. */
    public readonly deployConnectionName: pulumi.Output<string>;
    /** Name of this stack's deploy pipeline. */
    public readonly deployPipelineName: pulumi.Output<string>;
    /** Name of the pull-request pipeline, when this stack owns it. */
    public readonly pullRequestPipelineName: pulumi.Output<string> | undefined;

    constructor(name: string, args: AzureDevOpsPipelinesArgs, opts?: pulumi.ComponentResourceOptions) {
        const pullRequestStack = args.pullRequestStack ?? AZURE_DEVOPS_DEFAULTS.pullRequestStack;
        validate(args, pullRequestStack);
        super("dotnet-fargate:azuredevops:Pipelines", name, {}, opts);

        const names = pipelineNames(args.stack);
        const defaultBranch = pulumi.output(args.defaultBranch ?? AZURE_DEVOPS_DEFAULTS.defaultBranch);
        const defaultBranchRef = pulumi.interpolate`refs/heads/${defaultBranch}`;

        // The token stays out of the provider's inputs: the plugin reads AZDO_PERSONAL_ACCESS_TOKEN itself.
        const provider = new Provider(`${name}-provider`, { orgServiceUrl: args.organizationUrl }, { parent: this });
        // Children and invokes alike use this provider.
        const childOpts = { parent: this, provider };
        const projectId = getProjectOutput({ name: args.project }, childOpts).id;

        // Azure Repos Git in the project (`TfsGit`, by id), or GitHub through its service connection.
        const repositoryId =
            args.repository.type === "azureRepos"
                ? getGitRepositoryOutput({ projectId, name: args.repository.name }, childOpts).id
                : undefined;
        const repository: types.input.BuildDefinitionRepository =
            args.repository.type === "azureRepos"
                ? { repoType: "TfsGit", repoId: repositoryId as pulumi.Output<string>, branchName: defaultBranchRef }
                : { repoType: "GitHub", repoId: args.repository.name, branchName: defaultBranchRef, serviceConnectionId: args.repository.serviceConnectionId };
        const context: Context = {
            name,
            projectId,
            childOpts,
            defaultBranchRef,
            withYaml: (ymlPath) => ({ ...repository, ymlPath }),
            // Not overridable at queue time. No service connection or variable group is named here: the YAML
            // names those literally (see pipelineNames).
            variables: (sessionSeconds) => [
                { name: "awsRegion", value: args.awsRegion ?? AZURE_DEVOPS_DEFAULTS.awsRegion, allowOverride: false },
                { name: "PULUMI_BACKEND_URL", value: args.pulumiBackendUrl, allowOverride: false },
                { name: SESSION_DURATION_VARIABLE, value: String(sessionSeconds), allowOverride: false },
            ],
        };

        const deploy = this.deployPipeline(context, args, names);
        this.deployConnectionName = pulumi.output(names.deployConnection);
        this.deployPipelineName = deploy.name;
        if (args.stack === pullRequestStack) {
            const pullRequest = this.pullRequestPipeline(context, args, names, repositoryId);
            this.pullRequestPipelineName = pullRequest.name;
        }
        this.registerOutputs({
            deployConnectionName: this.deployConnectionName,
            deployPipelineName: this.deployPipelineName,
            pullRequestPipelineName: this.pullRequestPipelineName,
        });
    }

    /** The deploy definition, its OIDC connection that only the default branch may use, and its authorizations. */
    private deployPipeline(ctx: Context, args: AzureDevOpsPipelinesArgs, names: ReturnType<typeof pipelineNames>): BuildDefinition {
        const connection = this.connection(ctx, `${ctx.name}-deploy-aws`, names.deployConnection, args.deployRoleArn, `deploys the ${args.stack} stack`);
        new CheckBranchControl(`${ctx.name}-deploy-aws-branch`, {
            projectId: ctx.projectId,
            targetResourceType: "endpoint",
            targetResourceId: connection.id,
            displayName: "Only the default branch deploys",
            allowedBranches: ctx.defaultBranchRef,
        }, ctx.childOpts);
        const deploy = new BuildDefinition(`${ctx.name}-deploy`, {
            projectId: ctx.projectId,
            name: names.deploy,
            path: PIPELINE_FOLDER,
            repository: ctx.withYaml(PIPELINE_FILES.deploy(args.stack)),
            ciTrigger: { useYaml: true },
            variables: ctx.variables(SESSION_SECONDS.deploy),
        }, ctx.childOpts);
        this.authorize(ctx, `${ctx.name}-deploy-aws`, "endpoint", connection.id, deploy);
        this.authorize(ctx, `${ctx.name}-deploy-secrets`, "variablegroup", this.variableGroupId(ctx, names.deployVariableGroup), deploy);
        return deploy;
    }

    /**
     * The pull-request definition with its own connection (a read-only role) and variable group, and the
     * guards shared by both stacks: only the default branch may read the deploy variable group.
     */
    private pullRequestPipeline(
        ctx: Context,
        args: AzureDevOpsPipelinesArgs,
        names: ReturnType<typeof pipelineNames>,
        repositoryId: pulumi.Output<string> | undefined,
    ): BuildDefinition {
        const connection = this.connection(ctx, `${ctx.name}-preview-aws`, names.previewConnection, args.previewRoleArn as pulumi.Input<string>, "previews both stacks; read-only");
        const pullRequest = new BuildDefinition(`${ctx.name}-pull-request`, {
            projectId: ctx.projectId,
            name: names.pullRequest,
            path: PIPELINE_FOLDER,
            repository: ctx.withYaml(PIPELINE_FILES.pullRequest),
            ciTrigger: { useYaml: true },
            // GitHub honours the YAML's `pr:` section; builds of forks get no secrets.
            ...(args.repository.type === "github"
                ? { pullRequestTrigger: { useYaml: true, initialBranch: args.defaultBranch ?? AZURE_DEVOPS_DEFAULTS.defaultBranch, forks: { enabled: false, shareSecrets: false } } }
                : {}),
            variables: ctx.variables(SESSION_SECONDS.preview),
        }, ctx.childOpts);
        this.authorize(ctx, `${ctx.name}-preview-aws`, "endpoint", connection.id, pullRequest);
        this.authorize(ctx, `${ctx.name}-preview-secrets`, "variablegroup", this.variableGroupId(ctx, names.previewVariableGroup), pullRequest);
        new CheckBranchControl(`${ctx.name}-deploy-secrets-branch`, {
            projectId: ctx.projectId,
            targetResourceType: "variablegroup",
            targetResourceId: this.variableGroupId(ctx, names.deployVariableGroup),
            displayName: "Only the default branch reads the deploy secrets",
            allowedBranches: ctx.defaultBranchRef,
        }, ctx.childOpts);
        if (repositoryId !== undefined) {
            // Azure Repos ignores YAML `pr:` triggers: a build validation policy queues the pipeline.
            new BranchPolicyBuildValidation(`${ctx.name}-pull-request-policy`, {
                projectId: ctx.projectId,
                enabled: true,
                blocking: true,
                settings: {
                    buildDefinitionId: pullRequest.id.apply(definitionId),
                    displayName: "pulumi preview (arm64, amd64)",
                    validDuration: 720,
                    queueOnSourceUpdateOnly: true,
                    manualQueueOnly: false,
                    scopes: [{ repositoryId, repositoryRef: ctx.defaultBranchRef, matchType: "Exact" }],
                },
            }, ctx.childOpts);
        }
        return pullRequest;
    }

    private connection(ctx: Context, resourceName: string, endpointName: string, roleArn: pulumi.Input<string>, purpose: string): ServiceEndpointAws {
        return new ServiceEndpointAws(resourceName, {
            projectId: ctx.projectId,
            serviceEndpointName: endpointName,
            description: `AWS for the dotnet-fargate pipeline that ${purpose} (managed by Pulumi)`,
            useOidc: true,
            roleToAssume: roleArn,
            roleSessionName: endpointName,
        }, ctx.childOpts);
    }

    /** The group's id, looked up once per name and component (the deploy group is guarded and authorized). */
    private readonly groupIds = new Map<string, pulumi.Output<string>>();

    private variableGroupId(ctx: Context, groupName: string): pulumi.Output<string> {
        let id = this.groupIds.get(groupName);
        if (id === undefined) {
            id = getVariableGroupOutput({ projectId: ctx.projectId, name: groupName }, ctx.childOpts).id;
            this.groupIds.set(groupName, id);
        }
        return id;
    }

    private authorize(ctx: Context, name: string, type: "endpoint" | "variablegroup", resourceId: pulumi.Input<string>, pipeline: BuildDefinition): void {
        new PipelineAuthorization(`${name}-authorization`, {
            projectId: ctx.projectId,
            type,
            resourceId,
            pipelineId: pipeline.id.apply(definitionId),
        }, ctx.childOpts);
    }
}

function validate(args: AzureDevOpsPipelinesArgs, pullRequestStack: unknown): void {
    const allowed = `expected one of ${ARCHITECTURES.join(", ")}`;
    if (!isArchitecture(args.stack)) {
        throw new ArgumentError(COMPONENT, "stack", args.stack, allowed);
    }
    if (!isArchitecture(pullRequestStack)) {
        throw new ArgumentError(COMPONENT, "pullRequestStack", pullRequestStack, allowed);
    }
    const type: unknown = args.repository?.type;
    if (type !== "azureRepos" && type !== "github") {
        throw new ArgumentError(COMPONENT, "repository.type", type, 'expected "azureRepos" or "github"');
    }
    if (args.stack === pullRequestStack && args.previewRoleArn === undefined) {
        throw new ArgumentError(COMPONENT, "previewRoleArn", undefined, "required in the stack that owns the pull-request pipeline");
    }
}
