/**
 * What the Azure DevOps components take: the settings an enabled `azureDevOps` config resolves to (parsed and
 * validated by the program, stacks/azuredevops-config.ts), their defaults, and the OIDC issuer the roles trust.
 */
import type { Architecture } from "../../model/architecture";

/** The defaults of the optional fields, here only: the component takes the same ones. */
export const AZURE_DEVOPS_DEFAULTS = { defaultBranch: "main", awsRegion: "us-east-1", pullRequestStack: "arm64" } as const;

/**
 * The issuer of the organization's service-connection OIDC tokens, without `https://`: IAM names its provider
 * after it (`oidc-provider/<issuer>`) and prefixes the trust policy's condition keys with it (`<issuer>:sub`).
 * The one value to change when the tokens come from another issuer: Azure DevOps deprecated this one on
 * 2026-07-01 and retires it on 2027-07-01 (aws/aws-toolkit-azure-devops issues #614 and #616). The toolkit
 * (v1.24.0, `getOIDCToken` in src/lib/awsConnectionParameters.ts) takes whatever token Azure DevOps issues;
 * #614 shows tokens from this issuer after the deprecation.
 * infra/azuredevops/README.md says what changes then.
 */
export const oidcIssuer = (organizationId: string): string => `vstoken.dev.azure.com/${organizationId}`;
/** The audience Azure DevOps puts in its OIDC tokens for service connections. */
export const OIDC_AUDIENCE = "api://AzureADTokenExchange";

export type RepositorySettings =
    | { readonly type: "azureRepos"; readonly name: string }
    | { readonly type: "github"; readonly name: string; readonly serviceConnectionId: string };

/** What an enabled `azureDevOps` config resolves to. */
export interface AzureDevOpsSettings {
    readonly stack: Architecture;
    readonly organizationUrl: string;
    /** The organization's name exactly as Azure DevOps writes it in service connection subjects (`sc://<name>/...`). */
    readonly organizationName: string;
    /** The organization's id (a GUID), the last part of its OIDC issuer URL. */
    readonly organizationId: string;
    readonly project: string;
    readonly repository: RepositorySettings;
    /** The default branch's name, e.g. `main`. */
    readonly defaultBranch: string;
    /** The default branch's ref, e.g. `refs/heads/main`. */
    readonly defaultBranchRef: string;
    /** The region the AWS Toolkit's tasks call STS in. */
    readonly awsRegion: string;
    /** The stack that owns the pull-request pipeline, the preview role and the IAM OIDC provider. */
    readonly pullRequestStack: Architecture;
    /** An IAM OIDC provider for the organization that already exists; unset, the pull-request stack creates it. */
    readonly awsOidcProviderArn?: string;
    /** The state backend the pipelines log in to (pipeline variable PULUMI_BACKEND_URL). */
    readonly pulumiBackendUrl: string;
}
