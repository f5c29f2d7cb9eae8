/**
 * The Azure DevOps side of a stack: an AWS service connection, the stack's deploy pipeline and, in the
 * one stack that owns it, the pull-request pipeline with the branch policy that runs it.
 */
import * as pulumi from "@pulumi/pulumi";
import { Architecture, ARCHITECTURES, isArchitecture } from "../architecture";
import { ArgumentError } from "../validation";
import type { AwsAuthSettings, RepositorySettings } from "./config";
// Only names the generated @pulumi/azuredevops package exports too, so swapping the binding is an import change.
import {
    BranchPolicyBuildValidation,
    BuildDefinition,
    getGitRepositoryOutput,
    getProjectOutput,
    Provider,
    ServiceEndpointAws,
} from "./provider";

/** The pipeline YAML files, relative to the repository root. */
export const PIPELINE_FILES = {
    deploy: "pipelines/deploy.yml",
    pullRequest: "pipelines/pull-request.yml",
} as const;

/** The folder the definitions are shown in. */
export const PIPELINE_FOLDER = "\\dotnet-fargate";

/** Names every stack derives the same way, so the YAML and the README can rely on them. */
export const pipelineNames = (stack: Architecture) => ({
    serviceConnection: `dotnet-fargate-${stack}-aws`,
    deploy: `dotnet-fargate-deploy-${stack}`,
    pullRequest: "dotnet-fargate-pull-request",
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
    /** How the service connection gets AWS credentials (OIDC role, or secret static keys); required. */
    readonly aws: AwsAuthSettings;
    /** Region the AWS Toolkit's tasks call STS in; default `us-east-1`. */
    readonly awsRegion?: pulumi.Input<string>;
    /** The stack that owns the pull-request pipeline and branch policy; default `arm64`. */
    readonly pullRequestStack?: Architecture;
    /** State backend the pipelines log in to (pipeline variable PULUMI_BACKEND_URL); required. */
    readonly pulumiBackendUrl: pulumi.Input<string>;
    /** Variable group holding the secret variables PULUMI_CONFIG_PASSPHRASE and AZDO_PERSONAL_ACCESS_TOKEN; required. */
    readonly secretsVariableGroupId: pulumi.Input<number>;
}

const COMPONENT = "AzureDevOpsPipelines";

/**
 * The branch policy takes the pull-request pipeline's definition id as a number; the provider reports it
 * as the resource id, an integer in a string ("42"). Ids an offline evaluation makes up are not integers:
 * they pass through unchanged, so the reference can still be followed there.
 */
export function definitionId(id: string): number {
    const value = Number(id);
    return Number.isSafeInteger(value) && value > 0 ? value : (id as unknown as number);
}

export class AzureDevOpsPipelines extends pulumi.ComponentResource {
    /** Name of the AWS service connection the pipelines use. */
    public readonly serviceConnectionName: pulumi.Output<string>;
    /** Name of this stack's deploy pipeline. */
    public readonly deployPipelineName: pulumi.Output<string>;
    /** Name of the pull-request pipeline, when this stack owns it. */
    public readonly pullRequestPipelineName: pulumi.Output<string> | undefined;

    constructor(name: string, args: AzureDevOpsPipelinesArgs, opts?: pulumi.ComponentResourceOptions) {
        const pullRequestStack = args.pullRequestStack ?? "arm64";
        validate(args, pullRequestStack);
        super("dotnet-fargate:azuredevops:Pipelines", name, {}, opts);

        const names = pipelineNames(args.stack);
        const defaultBranch = pulumi.output(args.defaultBranch ?? "main");
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
        const repository =
            args.repository.type === "azureRepos"
                ? { repoType: "TfsGit", repoId: repositoryId as pulumi.Output<string>, branchName: defaultBranchRef }
                : {
                      repoType: "GitHub",
                      repoId: args.repository.name,
                      branchName: defaultBranchRef,
                      serviceConnectionId: args.repository.serviceConnectionId,
                  };
        const withYaml = (ymlPath: string) => ({ ...repository, ymlPath });

        const serviceConnection = new ServiceEndpointAws(
            `${name}-aws`,
            {
                projectId,
                serviceEndpointName: names.serviceConnection,
                description: `AWS for the dotnet-fargate ${args.stack} stack's pipelines (managed by Pulumi)`,
                ...(args.aws.type === "oidc"
                    ? { useOidc: true, roleToAssume: args.aws.roleArn, roleSessionName: `dotnet-fargate-${args.stack}` }
                    : {
                          accessKeyId: pulumi.secret(args.aws.accessKeyId),
                          secretAccessKey: pulumi.secret(args.aws.secretAccessKey),
                          roleToAssume: args.aws.roleArn,
                      }),
            },
            childOpts,
        );

        const sharedVariables = [
            { name: "awsServiceConnection", value: serviceConnection.serviceEndpointName, allowOverride: false },
            { name: "awsRegion", value: args.awsRegion ?? "us-east-1", allowOverride: false },
            { name: "PULUMI_BACKEND_URL", value: args.pulumiBackendUrl, allowOverride: false },
        ];
        const variableGroups = [args.secretsVariableGroupId];

        const deploy = new BuildDefinition(
            `${name}-deploy`,
            {
                projectId,
                name: names.deploy,
                path: PIPELINE_FOLDER,
                repository: withYaml(PIPELINE_FILES.deploy),
                ciTrigger: { useYaml: true },
                variables: [{ name: "stack", value: args.stack, allowOverride: false }, ...sharedVariables],
                variableGroups,
            },
            childOpts,
        );

        let pullRequest: BuildDefinition | undefined;
        if (args.stack === pullRequestStack) {
            pullRequest = new BuildDefinition(
                `${name}-pull-request`,
                {
                    projectId,
                    name: names.pullRequest,
                    path: PIPELINE_FOLDER,
                    repository: withYaml(PIPELINE_FILES.pullRequest),
                    ciTrigger: { useYaml: true },
                    // GitHub honours the YAML's `pr:` section; builds of forks get no secrets.
                    ...(args.repository.type === "github"
                        ? { pullRequestTrigger: { useYaml: true, initialBranch: defaultBranch, forks: { enabled: false, shareSecrets: false } } }
                        : {}),
                    variables: sharedVariables,
                    variableGroups,
                },
                childOpts,
            );
            if (repositoryId !== undefined) {
                // Azure Repos ignores YAML `pr:` triggers: a build validation policy queues the pipeline.
                new BranchPolicyBuildValidation(
                    `${name}-pull-request-policy`,
                    {
                        projectId,
                        enabled: true,
                        blocking: true,
                        settings: {
                            buildDefinitionId: pullRequest.id.apply(definitionId),
                            displayName: "pulumi preview (arm64, amd64)",
                            validDuration: 720,
                            queueOnSourceUpdateOnly: true,
                            manualQueueOnly: false,
                            scopes: [{ repositoryId, repositoryRef: defaultBranchRef, matchType: "Exact" }],
                        },
                    },
                    childOpts,
                );
            }
        }

        this.serviceConnectionName = serviceConnection.serviceEndpointName;
        this.deployPipelineName = deploy.name;
        this.pullRequestPipelineName = pullRequest?.name;
        this.registerOutputs({
            serviceConnectionName: this.serviceConnectionName,
            deployPipelineName: this.deployPipelineName,
            pullRequestPipelineName: this.pullRequestPipelineName,
        });
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
    const auth: unknown = args.aws?.type;
    if (auth !== "oidc" && auth !== "accessKeys") {
        throw new ArgumentError(COMPONENT, "aws.type", auth, 'expected "oidc" or "accessKeys"');
    }
}
