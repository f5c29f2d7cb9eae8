/**
 * The AWS side of the pipelines: the IAM OIDC identity provider for the Azure DevOps organization, the
 * stack's deploy role, (in the stack that owns the pull-request pipeline) the preview role, and the
 * permissions boundary that every role the stack creates carries. Each role trusts exactly one service
 * connection's subject, so a pull request's build, which only ever gets the preview connection, can never
 * assume the deploy role.
 *
 * Contract (aws/aws-toolkit-azure-devops, tag v1.24.0):
 * - src/lib/awsConnectionParameters.ts: with `useOidc`, `AWSShellScript@1` asks Azure DevOps for the
 *   connection's OIDC token and calls `AssumeRoleWithWebIdentity` with `DurationSeconds` taken from the
 *   pipeline variable `aws.rolecredential.maxduration` (900 to 43200; 900 when unset). The role's
 *   `MaxSessionDuration` must be at least that, so both numbers come from SESSION_SECONDS below.
 * - README.md and example_cfn.yaml: issuer `https://vstoken.dev.azure.com/<organization id>`, audience
 *   `api://AzureADTokenExchange`, subject `sc://<organization>/<project>/<service connection name>`, matched
 *   with StringEquals (case-sensitive: the organization's name comes as Azure DevOps spells it, see config.ts).
 *
 * The boundary (AWS IAM User Guide, "Permissions boundaries for IAM entities", the delegation example; the
 * Service Authorization Reference for IAM lists which actions take the condition keys used here):
 * - `iam:PermissionsBoundary` on iam:CreateRole, PutRolePolicy, DeleteRolePolicy, AttachRolePolicy,
 *   DetachRolePolicy and PutRolePermissionsBoundary: the deploy role may create or change a role only when
 *   that role carries this stack's boundary;
 * - iam:DeleteRolePermissionsBoundary is denied, and so is any change to the boundary policy itself;
 * - `iam:PassedToService` on iam:PassRole ("Grant a user permissions to pass a role to an AWS service"):
 *   the program's roles are passed to ECS tasks only (the task definitions' execution and task roles).
 * The boundary allows what the pipelines' own policies allow, so no role the deploy role creates can do more
 * than the deploy role; widening it takes a person with IAM rights (a `pulumi up` outside the pipeline).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Architecture, ARCHITECTURES, isArchitecture } from "../../model/architecture";
import { policyDocument, PolicyStatement } from "../iam";
import { MONITOR_KEY_DEPLOYER_ACTIONS, MONITOR_KEY_SPEC, MONITOR_KEY_STACK_TAG } from "../monitor-api-key";
import { ArgumentError } from "../../model/validation";
import { OIDC_AUDIENCE, oidcIssuer } from "./settings";

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

/** The stack's permissions boundary policy: its name, and its ARN (a managed policy at path `/`). */
export const boundaryPolicyName = (stack: Architecture): string => `${PROJECT_PREFIX}-${stack}-role-boundary`;
export const boundaryPolicyArn = (partition: string, account: string, stack: Architecture): string =>
    `arn:${partition}:iam::${account}:policy/${boundaryPolicyName(stack)}`;

/** The one AWS service the program's roles are passed to: ECS tasks (execution and task roles). */
export const PASSED_TO_SERVICES = ["ecs-tasks.amazonaws.com"] as const;

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
    /** ARN of the permissions boundary every role of the stack must carry (the deploy role may create no other). */
    public readonly permissionsBoundaryArn: pulumi.Output<string>;

    constructor(name: string, args: PipelineRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(args);
        super("dotnet-fargate:azuredevops:PipelineRoles", name, {}, opts);
        const issuerHost = oidcIssuer(args.organizationId);
        const identity = aws.getCallerIdentityOutput({}, { parent: this });
        const account = pulumi.all([identity.arn.apply((arn) => arn.split(":")[1]), identity.accountId]);
        const scope = (partition: string, id: string): PolicyScope => ({ partition, account: id, stack: args.stack, bucket: args.stateBucket });
        this.oidcProviderArn = this.oidcProvider(name, args, issuerHost);
        const boundary = new aws.iam.Policy(`${name}-boundary`, {
            name: boundaryPolicyName(args.stack),
            description: "Permissions boundary of every IAM role the dotnet-fargate stack creates: what its pipelines may do, and no more",
            policy: account.apply(([partition, id]) => JSON.stringify(boundaryPolicy(scope(partition, id)))),
        }, { parent: this });
        this.permissionsBoundaryArn = boundary.arn;

        const role = (kind: "deploy" | "preview", subject: string, description: string, policy: typeof deployPolicy): aws.iam.Role => {
            const created = new aws.iam.Role(`${name}-${kind}`, {
                name: roleNames(args.stack)[kind],
                description,
                maxSessionDuration: SESSION_SECONDS[kind],
                assumeRolePolicy: this.oidcProviderArn.apply((providerArn) => JSON.stringify(trustPolicy(providerArn, issuerHost, subject))),
                // The deploy role may change only roles that carry the boundary, its own included.
                permissionsBoundary: boundary.arn,
            }, { parent: this });
            new aws.iam.RolePolicy(`${name}-${kind}`, {
                role: created.id,
                policy: account.apply(([partition, id]) => JSON.stringify(policy(scope(partition, id)))),
            }, { parent: this });
            return created;
        };
        this.deployRoleArn = role("deploy", args.deploySubject, "Deploys the stack from its Azure DevOps pipeline on the default branch", deployPolicy).arn;
        if (args.previewSubject !== undefined) {
            this.previewRoleArn = role("preview", args.previewSubject, "Previews both stacks from the Azure DevOps pull-request pipeline; writes nothing", previewPolicy).arn;
        }
        this.registerOutputs({
            oidcProviderArn: this.oidcProviderArn,
            deployRoleArn: this.deployRoleArn,
            previewRoleArn: this.previewRoleArn,
            permissionsBoundaryArn: this.permissionsBoundaryArn,
        });
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

/** What the policies of a stack's pipeline roles and its boundary are written for. */
export interface PolicyScope {
    readonly partition: string;
    readonly account: string;
    readonly stack: Architecture;
    /** The state bucket of an `s3://` backend, or undefined. */
    readonly bucket: string | undefined;
}

const stateStatements = ({ partition, bucket }: PolicyScope, write: boolean): PolicyStatement[] =>
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
 * IAM on the project's roles: reads freely; creating or changing a role's permissions only when the role
 * carries the stack's boundary (`iam:PermissionsBoundary`); passing a role only to ECS tasks
 * (`iam:PassedToService`); never removing a boundary or changing the boundary policy.
 */
function roleStatements(scope: PolicyScope): PolicyStatement[] {
    const { partition, account, stack } = scope;
    const roles = `arn:${partition}:iam::${account}:role/${PROJECT_PREFIX}-*`;
    const boundary = boundaryPolicyArn(partition, account, stack);
    return [
        {
            Sid: "ProjectRolesRead",
            Effect: "Allow",
            Action: ["iam:GetRole", "iam:ListRoleTags", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"],
            Resource: roles,
        },
        {
            // The actions that take the iam:PermissionsBoundary condition key: each only on a role with the boundary.
            Sid: "ProjectRolesWithBoundary",
            Effect: "Allow",
            Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary"],
            Resource: roles,
            Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
        },
        {
            // These take no boundary condition key; they change neither what a role may do nor its boundary.
            Sid: "ProjectRolesOther",
            Effect: "Allow",
            Action: ["iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole"],
            Resource: roles,
        },
        {
            Sid: "PassProjectRolesToEcsTasks",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: roles,
            Condition: { StringEquals: { "iam:PassedToService": [...PASSED_TO_SERVICES] } },
        },
        {
            Sid: "BoundaryRead",
            Effect: "Allow",
            Action: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"],
            Resource: boundary,
        },
        { Sid: "KeepBoundaries", Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" },
        {
            Sid: "NoOtherBoundary",
            Effect: "Deny",
            Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
            Resource: "*",
            Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundary } },
        },
        {
            Sid: "KeepBoundaryPolicy",
            Effect: "Deny",
            Action: ["iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:TagPolicy", "iam:UntagPolicy"],
            Resource: boundary,
        },
    ];
}

/**
 * The dotnet-monitor token signing key (infra/monitor-api-key.ts): create only an ES384 signing key tagged with this
 * stack (and tag it so at creation), manage only keys so tagged. Never kms:Sign: the deploy role mints no token
 * unless `monitor.tokenSigners` names it in the key policy. Condition keys: AWS KMS Developer Guide,
 * conditions-kms.html (kms:KeySpec, kms:KeyUsage) and tag-authorization.html (aws:RequestTag, aws:ResourceTag).
 */
function monitorKeyStatements({ partition, account, stack }: PolicyScope): PolicyStatement[] {
    const tagged = (kind: "RequestTag" | "ResourceTag") => ({ [`aws:${kind}/${MONITOR_KEY_STACK_TAG}`]: stack });
    return [
        {
            Sid: "MonitorKeyCreate",
            Effect: "Allow",
            Action: ["kms:CreateKey", "kms:TagResource"],
            Resource: "*",
            Condition: { StringEquals: { "kms:KeySpec": MONITOR_KEY_SPEC, "kms:KeyUsage": "SIGN_VERIFY", ...tagged("RequestTag") } },
        },
        {
            Sid: "MonitorKeyManage",
            Effect: "Allow",
            Action: MONITOR_KEY_DEPLOYER_ACTIONS.filter((a) => a !== "kms:CreateKey"),
            Resource: `arn:${partition}:kms:*:${account}:key/*`,
            Condition: { StringEquals: tagged("ResourceTag") },
        },
    ];
}

/**
 * What `pulumi up` of this program needs. Services whose resources can't be scoped by name (EC2, ELB, ECS,
 * logs, autoscaling, CloudWatch, RDS) are allowed per service; IAM, the one way to gain more rights, only on
 * this project's roles (under the boundary, see roleStatements) and the organization's OIDC provider.
 */
export function deployPolicy(scope: PolicyScope) {
    const { partition, account } = scope;
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
        {
            // RDS creates a database's managed master password secret as the caller, who must be able to describe the
            // key that encrypts it, aws/secretsmanager here (CreateSecret and TagResource are in Secrets above): Amazon
            // RDS User Guide, rds-secrets-manager.html, "Permissions required for Secrets Manager integration". Not
            // narrowed to that key by alias: describing a key reads its metadata only.
            Sid: "RdsManagedSecretKey",
            Effect: "Allow",
            Action: "kms:DescribeKey",
            Resource: regional("kms", "key/*"),
        },
        { Sid: "Buckets", Effect: "Allow", Action: "s3:*", Resource: [`arn:${partition}:s3:::${PROJECT_PREFIX}-*`, `arn:${partition}:s3:::${PROJECT_PREFIX}-*/*`] },
        ...monitorKeyStatements(scope),
        ...roleStatements(scope),
        {
            Sid: "OidcProvider",
            Effect: "Allow",
            Action: [
                "iam:GetOpenIDConnectProvider", "iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider",
                "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint",
                "iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider",
            ],
            Resource: arn("iam", `oidc-provider/${oidcIssuer("*")}`),
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
        ...stateStatements(scope, true),
    );
}

/**
 * What `pulumi preview` of this program reads: the state (a DIY backend takes no lock for a preview:
 * pulumi/pulumi#8642, pkg/backend/diy) and the invokes the program makes (caller identity, availability
 * zones, the ECR login and the OIDC provider lookup). Previews build no image (docker-build's
 * `buildOnPreview: false`), so no registry read is needed. Nothing here writes.
 */
export function previewPolicy(scope: PolicyScope) {
    return policyDocument(
        {
            Sid: "ProgramReads",
            Effect: "Allow",
            Action: ["ec2:DescribeAvailabilityZones", "ecr:GetAuthorizationToken", "iam:ListOpenIDConnectProviders", "iam:GetOpenIDConnectProvider"],
            Resource: "*",
        },
        {
            // The program reads the monitor key's public key (aws.kms.getPublicKey) on every run, previews included;
            // one preview role previews every stack.
            Sid: "MonitorKeyRead",
            Effect: "Allow",
            Action: ["kms:DescribeKey", "kms:GetPublicKey"],
            Resource: `arn:${scope.partition}:kms:*:${scope.account}:key/*`,
            Condition: { StringEquals: { [`aws:ResourceTag/${MONITOR_KEY_STACK_TAG}`]: [...ARCHITECTURES] } },
        },
        ...stateStatements(scope, false),
    );
}

/**
 * The boundary: every statement of the deploy and preview policies (Sids kept apart), so the pipelines keep
 * their rights under it and no role the deploy role creates or changes can get more; its denials bind every
 * role that carries it. Tasks' roles ask for a small part of it (a test checks each of their statements).
 */
export function boundaryPolicy(scope: PolicyScope) {
    const deploy = deployPolicy(scope).Statement;
    const preview = previewPolicy(scope).Statement.map((st) => ({ ...st, Sid: `Preview${st.Sid ?? ""}` }));
    return policyDocument(...deploy, ...preview);
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
