/**
 * The AWS side of the pipelines: the IAM OIDC identity provider for the Azure DevOps organization, the
 * stack's deploy role and (in the stack that owns the pull-request pipeline) the preview role. Each role
 * trusts exactly one service connection's subject, so a pull request's build, which only ever gets the
 * preview connection, can never assume the deploy role.
 *
 * Contract (aws/aws-toolkit-azure-devops, tag v1.24.0):
 * - src/lib/awsConnectionParameters.ts: with `useOidc`, `AWSShellScript@1` asks Azure DevOps for the
 *   connection's OIDC token and calls `AssumeRoleWithWebIdentity` with `DurationSeconds` taken from the
 *   pipeline variable `aws.rolecredential.maxduration` (900 to 43200; 900 when unset). The role's
 *   `MaxSessionDuration` must be at least that, so both numbers come from SESSION_SECONDS below.
 * - README.md and example_cfn.yaml: issuer `https://vstoken.dev.azure.com/<organization id>`, audience
 *   `api://AzureADTokenExchange`, subject `sc://<organization>/<project>/<service connection name>`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Architecture, ARCHITECTURES, isArchitecture } from "../architecture";
import { policyDocument, PolicyStatement } from "../iam";
import { ArgumentError } from "../validation";
import { OIDC_AUDIENCE, OIDC_ISSUER_HOST } from "./config";

/**
 * Seconds the pipelines' AWS credentials last. A first `pulumi up` (image builds, NAT gateway, load
 * balancer, ECS steady state, a database) can take well over an hour; a preview builds images but writes
 * nothing. Each value is both the role's MaxSessionDuration and the pipeline variable
 * `aws.rolecredential.maxduration` of the definitions that use the role.
 */
export const SESSION_SECONDS = { deploy: 4 * 3600, preview: 3600 } as const;

/** The pipeline variable the AWS Toolkit reads the session duration from. */
export const SESSION_DURATION_VARIABLE = "aws.rolecredential.maxduration";

/** Name prefix every resource of this project carries, so the deploy role's rights can be scoped to it. */
const PROJECT_PREFIX = "dotnet-fargate";

/** IAM role names, fixed so a person can find them and so the deploy policy can scope IAM rights by name. */
export const roleNames = (stack: Architecture) => ({
    deploy: `${PROJECT_PREFIX}-${stack}-pipeline-deploy`,
    preview: `${PROJECT_PREFIX}-pipeline-preview`,
});

/** The subject Azure DevOps puts in a service connection's OIDC token. */
export const connectionSubject = (organization: string, project: string, connection: string): string =>
    `sc://${organization}/${project}/${connection}`;

/** The bucket of an `s3://bucket/prefix` backend URL, or undefined for any other backend. */
export function stateBucket(pulumiBackendUrl: string): string | undefined {
    const match = /^s3:\/\/([^/?]+)/.exec(pulumiBackendUrl);
    return match?.[1];
}

export interface PipelineRolesArgs {
    /** The stack whose deploy role this is; required. */
    readonly stack: Architecture;
    /** The Azure DevOps organization's id (a GUID): the last part of its OIDC issuer; required. */
    readonly organizationId: string;
    /** Subject of the deploy service connection, `sc://<org>/<project>/<connection>`; required. */
    readonly deploySubject: string;
    /** Subject of the preview service connection; set only in the stack that owns the preview role. */
    readonly previewSubject?: string;
    /** An existing IAM OIDC provider for the organization; unset, `ownsOidcProvider` decides. */
    readonly oidcProviderArn?: string;
    /** Create the OIDC provider (one stack only: an account has one provider per issuer); default false (look it up). */
    readonly ownsOidcProvider?: boolean;
    /** The S3 bucket holding Pulumi state, when the backend is S3: the deploy role writes it, the preview role reads it. */
    readonly stateBucket?: string;
}

const COMPONENT = "PipelineRoles";

export class PipelineRoles extends pulumi.ComponentResource {
    /** ARN of the OIDC provider the roles trust. */
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** ARN of the stack's deploy role. */
    public readonly deployRoleArn: pulumi.Output<string>;
    /** ARN of the preview role, in the stack that owns it. */
    public readonly previewRoleArn: pulumi.Output<string> | undefined;

    constructor(name: string, args: PipelineRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(args);
        super("dotnet-fargate:azuredevops:PipelineRoles", name, {}, opts);
        const issuerHost = `${OIDC_ISSUER_HOST}/${args.organizationId}`;
        const identity = aws.getCallerIdentityOutput({}, { parent: this });
        const account = pulumi.all([identity.arn.apply((arn) => arn.split(":")[1]), identity.accountId]);
        this.oidcProviderArn = this.oidcProvider(name, args, issuerHost);

        const role = (kind: "deploy" | "preview", subject: string, description: string, policy: typeof deployPolicy): aws.iam.Role => {
            const created = new aws.iam.Role(`${name}-${kind}`, {
                name: roleNames(args.stack)[kind],
                description,
                maxSessionDuration: SESSION_SECONDS[kind],
                assumeRolePolicy: this.oidcProviderArn.apply((providerArn) => JSON.stringify(trustPolicy(providerArn, issuerHost, subject))),
            }, { parent: this });
            new aws.iam.RolePolicy(`${name}-${kind}`, {
                role: created.id,
                policy: account.apply(([partition, id]) => JSON.stringify(policy(partition, id, args.stateBucket))),
            }, { parent: this });
            return created;
        };
        this.deployRoleArn = role("deploy", args.deploySubject, "Deploys the stack from its Azure DevOps pipeline on the default branch", deployPolicy).arn;
        if (args.previewSubject !== undefined) {
            this.previewRoleArn = role("preview", args.previewSubject, "Previews both stacks from the Azure DevOps pull-request pipeline; writes nothing", previewPolicy).arn;
        }
        this.registerOutputs({ oidcProviderArn: this.oidcProviderArn, deployRoleArn: this.deployRoleArn, previewRoleArn: this.previewRoleArn });
    }

    /** The provider given in config, the one this stack creates, or the one the owning stack created (looked up by URL). */
    private oidcProvider(name: string, args: PipelineRolesArgs, issuerHost: string): pulumi.Output<string> {
        if (args.oidcProviderArn !== undefined) {
            return pulumi.output(args.oidcProviderArn);
        }
        const url = `https://${issuerHost}`;
        if (args.ownsOidcProvider) {
            // No thumbprint: it is optional in CreateOpenIDConnectProvider (and in @pulumi/aws 7), and IAM then
            // derives it from the issuer itself. Not tried against a live account here.
            return new aws.iam.OpenIdConnectProvider(`${name}-oidc`, { url, clientIdLists: [OIDC_AUDIENCE] }, { parent: this }).arn;
        }
        return aws.iam.getOpenIdConnectProviderOutput({ url }, { parent: this }).arn;
    }
}

/** Only the one service connection's OIDC tokens, issued by the organization for the Azure DevOps audience. */
function trustPolicy(providerArn: string, issuerHost: string, subject: string) {
    return policyDocument({
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${issuerHost}:aud`]: OIDC_AUDIENCE, [`${issuerHost}:sub`]: subject } },
    });
}

const stateStatements = (partition: string, bucket: string | undefined, write: boolean): PolicyStatement[] =>
    bucket === undefined
        ? []
        : [
              { Sid: "StateBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: `arn:${partition}:s3:::${bucket}` },
              {
                  Sid: "StateObjects",
                  Effect: "Allow",
                  Action: write ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"],
                  Resource: `arn:${partition}:s3:::${bucket}/*`,
              },
          ];

/**
 * What `pulumi up` of this program needs. Services whose resources can't be scoped by name (EC2, ELB, ECS,
 * logs, autoscaling, CloudWatch, RDS) are allowed per service; IAM, the one way to gain more rights, only on
 * this project's own roles and the organization's OIDC provider.
 */
export function deployPolicy(partition: string, account: string, bucket: string | undefined) {
    const arn = (service: string, resource: string) => `arn:${partition}:${service}::${account}:${resource}`;
    const regional = (service: string, resource: string) => `arn:${partition}:${service}:*:${account}:${resource}`;
    return policyDocument(
        {
            Sid: "Infrastructure",
            Effect: "Allow",
            Action: ["ec2:*", "elasticloadbalancing:*", "ecs:*", "logs:*", "application-autoscaling:*", "cloudwatch:*", "rds:*"],
            Resource: "*",
        },
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        { Sid: "EcrRepositories", Effect: "Allow", Action: "ecr:*", Resource: regional("ecr", `repository/${PROJECT_PREFIX}-*`) },
        {
            Sid: "Secrets",
            Effect: "Allow",
            Action: "secretsmanager:*",
            // The project's own secrets, and those RDS manages for a database's master password.
            Resource: [regional("secretsmanager", `secret:${PROJECT_PREFIX}-*`), regional("secretsmanager", "secret:rds!*")],
        },
        { Sid: "Buckets", Effect: "Allow", Action: "s3:*", Resource: [`arn:${partition}:s3:::${PROJECT_PREFIX}-*`, `arn:${partition}:s3:::${PROJECT_PREFIX}-*/*`] },
        {
            Sid: "ProjectRoles",
            Effect: "Allow",
            Action: [
                "iam:GetRole", "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags", "iam:PassRole",
                "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
                "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
            ],
            Resource: arn("iam", `role/${PROJECT_PREFIX}-*`),
        },
        {
            Sid: "OidcProvider",
            Effect: "Allow",
            Action: [
                "iam:GetOpenIDConnectProvider", "iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider",
                "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint",
                "iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider",
            ],
            Resource: arn("iam", `oidc-provider/${OIDC_ISSUER_HOST}/*`),
        },
        { Sid: "FindOidcProvider", Effect: "Allow", Action: "iam:ListOpenIDConnectProviders", Resource: "*" },
        {
            Sid: "ServiceLinkedRoles",
            Effect: "Allow",
            Action: "iam:CreateServiceLinkedRole",
            Resource: "*",
            Condition: {
                StringEquals: {
                    "iam:AWSServiceName": ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com", "rds.amazonaws.com"],
                },
            },
        },
        ...stateStatements(partition, bucket, true),
    );
}

/**
 * What `pulumi preview` of this program reads: the state (a DIY backend takes no lock for a preview:
 * pulumi/pulumi#8642, pkg/backend/diy), the invokes the program makes (caller identity, availability zones,
 * the ECR login and the OIDC provider lookup), and the registry's build cache, which docker-build pulls
 * when it builds on preview. Nothing here writes.
 */
export function previewPolicy(partition: string, account: string, bucket: string | undefined) {
    return policyDocument(
        {
            Sid: "ProgramReads",
            Effect: "Allow",
            Action: ["ec2:DescribeAvailabilityZones", "ecr:GetAuthorizationToken", "iam:ListOpenIDConnectProviders", "iam:GetOpenIDConnectProvider"],
            Resource: "*",
        },
        {
            Sid: "BuildCacheReads",
            Effect: "Allow",
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:DescribeImages", "ecr:DescribeRepositories"],
            Resource: `arn:${partition}:ecr:*:${account}:repository/${PROJECT_PREFIX}-*`,
        },
        ...stateStatements(partition, bucket, false),
    );
}

function validate(args: PipelineRolesArgs): void {
    if (!isArchitecture(args.stack)) {
        throw new ArgumentError(COMPONENT, "stack", args.stack, `expected one of ${ARCHITECTURES.join(", ")}`);
    }
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(args.organizationId)) {
        throw new ArgumentError(COMPONENT, "organizationId", args.organizationId, "expected a lower-case GUID");
    }
    for (const [field, subject] of [["deploySubject", args.deploySubject], ["previewSubject", args.previewSubject]] as const) {
        if (subject !== undefined && !/^sc:\/\/[^/]+\/[^/]+\/[^/]+$/.test(subject)) {
            throw new ArgumentError(COMPONENT, field, subject, "expected sc://<organization>/<project>/<service connection>");
        }
    }
    if (args.oidcProviderArn !== undefined && args.ownsOidcProvider) {
        throw new ArgumentError(COMPONENT, "ownsOidcProvider", true, "expected false when oidcProviderArn names an existing provider");
    }
}
