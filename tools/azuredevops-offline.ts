/**
 * Answers for the Azure DevOps invokes the program makes, for the offline evaluation and the tests.
 * The ids are made up but stable: derived from the names asked for, so tests can predict them.
 */
import { createHash } from "crypto";

/** A GUID-shaped id derived from `text`. */
export function fakeGuid(text: string): string {
    const hex = createHash("sha256").update(text).digest("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The id the mocks give the project named `name`. */
export const mockProjectId = (name: string): string => fakeGuid(`project:${name}`);
/** The id the mocks give the repository named `name` in the project with id `projectId`. */
export const mockRepositoryId = (projectId: string, name: string): string => fakeGuid(`repository:${projectId}/${name}`);

/** The id the mocks give the variable group named `name`: a positive integer in a string, as the provider reports it. */
export const mockVariableGroupId = (projectId: string, name: string): string =>
    String(1 + (parseInt(fakeGuid(`group:${projectId}/${name}`).slice(0, 6), 16) % 1000));

/** The invoke tokens answered here, as the provider's schema (sdk/azuredevops/schema.json) names them. */
const TOKENS = {
    getProject: "azuredevops:index/getProject:getProject",
    getGitRepository: "azuredevops:index/getGitRepository:getGitRepository",
    getVariableGroup: "azuredevops:index/getVariableGroup:getVariableGroup",
} as const;

/** Answers getProject, getGitRepository and getVariableGroup; undefined for any other token (not mine). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function azureDevOpsInvokeMock(token: string, args: Record<string, any>): Record<string, any> | undefined {
    switch (token) {
        case TOKENS.getProject: {
            const name: string = args.name ?? "Fargate";
            const id: string = args.projectId ?? mockProjectId(name);
            return {
                id,
                projectId: id,
                name,
                description: "",
                processTemplateId: fakeGuid("process:Agile"),
                versionControl: "Git",
                visibility: "private",
                workItemTemplate: "Agile",
                features: {},
            };
        }
        case TOKENS.getGitRepository: {
            const name: string = args.name;
            const projectId: string = args.projectId;
            const organization = "https://dev.azure.com/offline";
            return {
                id: mockRepositoryId(projectId, name),
                name,
                projectId,
                defaultBranch: "refs/heads/main",
                disabled: false,
                isFork: false,
                remoteUrl: `${organization}/_git/${name}`,
                sshUrl: `git@ssh.dev.azure.com:v3/offline/${name}`,
                url: `${organization}/_apis/git/repositories/${mockRepositoryId(projectId, name)}`,
                webUrl: `${organization}/_git/${name}`,
                size: 0,
            };
        }
        case TOKENS.getVariableGroup: {
            const projectId: string = args.projectId;
            const name: string = args.name;
            return { id: mockVariableGroupId(projectId, name), name, projectId, description: "", allowAccess: false, variables: [], keyVaults: [] };
        }
        default:
            return undefined;
    }
}
