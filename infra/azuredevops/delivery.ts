/**
 * Both sides of a stack's delivery when `azureDevOps.enabled`: the IAM roles the pipelines assume (AWS) and
 * the pipelines, service connections and guards (Azure DevOps), wired so each connection assumes its own role.
 */
import { PipelineRoles, connectionSubject, stateBucket } from "./aws-roles";
import type { AzureDevOpsSettings } from "./settings";
import { AzureDevOpsPipelines, pipelineNames } from "./pipelines";

/** Creates both sides; `roles.permissionsBoundaryArn` is the boundary every other role of the stack must carry. */
export function createDelivery(prefix: string, settings: AzureDevOpsSettings): { roles: PipelineRoles; pipelines: AzureDevOpsPipelines } {
    const names = pipelineNames(settings.stack);
    const ownsShared = settings.stack === settings.pullRequestStack;
    const subject = (connection: string) => connectionSubject(settings.organizationName, settings.project, connection);
    const roles = new PipelineRoles(`${prefix}-pipeline`, {
        stack: settings.stack,
        organizationId: settings.organizationId,
        deploySubject: subject(names.deployConnection),
        ...(ownsShared ? { previewSubject: subject(names.previewConnection) } : {}),
        ...(settings.awsOidcProviderArn !== undefined ? { oidcProviderArn: settings.awsOidcProviderArn } : { ownsOidcProvider: ownsShared }),
        stateBucket: stateBucket(settings.pulumiBackendUrl),
    });
    const pipelines = new AzureDevOpsPipelines(prefix, {
        stack: settings.stack,
        organizationUrl: settings.organizationUrl,
        project: settings.project,
        repository: settings.repository,
        defaultBranch: settings.defaultBranch,
        deployRoleArn: roles.deployRoleArn,
        ...(roles.previewRoleArn !== undefined ? { previewRoleArn: roles.previewRoleArn } : {}),
        awsRegion: settings.awsRegion,
        pullRequestStack: settings.pullRequestStack,
        pulumiBackendUrl: settings.pulumiBackendUrl,
    });
    return { roles, pipelines };
}
