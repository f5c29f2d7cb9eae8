/**
 * The key behind dotnet-monitor's API key: an AWS KMS asymmetric signing key (ECC_NIST_P384, SIGN_VERIFY) whose
 * private half never leaves KMS. The program reads only its public key (KMS GetPublicKey, base64 DER SPKI) and turns
 * it into the JWK the sidecar is configured with; tokens are minted on demand, short-lived, by whoever holds
 * `kms:Sign` on this key (`npm run monitor:token`, tools/monitor-token.ts). Nothing in state or outputs grants
 * access to a running monitor.
 *
 * Inputs as pulumi-aws v7.48 declares them (node_modules/@pulumi/aws/kms/key.d.ts): the key spec is
 * `customerMasterKeySpec` (KMS's CreateKey `KeySpec`), `keyUsage` `SIGN_VERIFY`; KMS has no automatic rotation for
 * asymmetric keys, so rotation is a new key (a replaced resource), which changes the JWK and so the task definitions.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, policyDocument } from "./iam";
import { MONITOR_API_KEY_ISSUER, monitorJwkFromSpki } from "./monitor-jwt";
import { ArgumentError } from "../model/validation";

export { MONITOR_API_KEY_ISSUER, MONITOR_AUDIENCE } from "./monitor-jwt";

/** KMS's key spec and usage for an ES384 signing key. */
export const MONITOR_KEY_SPEC = "ECC_NIST_P384";
export const MONITOR_SIGNING_ALGORITHM = "ECDSA_SHA_384";

/**
 * What the principal running `pulumi up` needs on this key, besides kms:CreateKey (granted through IAM: the key
 * policy lets the account's IAM policies administer the key). A preview needs only kms:GetPublicKey and
 * kms:DescribeKey: it can never sign.
 */
export const MONITOR_KEY_DEPLOYER_ACTIONS = [
    "kms:CreateKey",
    "kms:DescribeKey",
    "kms:GetPublicKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
    "kms:ScheduleKeyDeletion",
] as const;

/**
 * The tag every signing key carries, valued with its stack: the pipelines' roles may manage or read a KMS key only
 * when it carries their stack's (`aws:ResourceTag`), and create one only with it (`aws:RequestTag`), so they
 * cannot touch any other key of the account.
 */
export const MONITOR_KEY_STACK_TAG = "dotnet-fargate-stack";

/** An IAM role or user ARN, as a key policy principal must name it (not an assumed-role session). */
export const SIGNER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;
export const SIGNER_ARN_EXPECTED = "expected IAM role or user ARNs such as arn:aws:iam::123456789012:role/monitor-operators";

/**
 * What the account may do with the key through IAM policies: administer it, read its public key, and nothing that
 * uses or lends its private key (no kms:Sign, kms:Verify, kms:CreateGrant), so no IAM policy can hand out signing.
 * Listed one by one, not with wildcards (kms:Create* would include kms:CreateGrant, which can lend kms:Sign).
 */
export const MONITOR_KEY_ACCOUNT_ACTIONS = [
    "kms:DescribeKey",
    "kms:GetPublicKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:RevokeGrant",
    "kms:RetireGrant",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
] as const;

/**
 * The key policy: the account administers the key through IAM (MONITOR_KEY_ACCOUNT_ACTIONS), and the named signers
 * may sign with ES384 over raw messages only. Who can rewrite this policy (kms:PutKeyPolicy through IAM: account
 * administrators and the deployer) can still add a signer; such a change shows in a preview and in CloudTrail.
 * Key policy rules: AWS KMS Developer Guide, key-policy-default.html (the account principal enables IAM policies),
 * conditions-kms.html (kms:SigningAlgorithm, kms:MessageType).
 */
export function monitorKeyPolicy(accountId: string, partition: string, signerArns: readonly string[]): string {
    const statements: PolicyStatement[] = [
        {
            Sid: "AccountAdministersThroughIam",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
            Action: [...MONITOR_KEY_ACCOUNT_ACTIONS],
            Resource: "*",
        },
    ];
    if (signerArns.length > 0) {
        statements.push({
            Sid: "NamedSignersMintMonitorTokens",
            Effect: "Allow",
            Principal: { AWS: [...signerArns] },
            Action: "kms:Sign",
            Resource: "*",
            Condition: { StringEquals: { "kms:SigningAlgorithm": MONITOR_SIGNING_ALGORITHM, "kms:MessageType": "RAW" } },
        });
    }
    return JSON.stringify(policyDocument(...statements));
}

export interface MonitorSigningKeyArgs {
    /** The `sub` tokens carry and the monitor's configured Subject. Required. */
    readonly subject: string;
    /** The `iss` tokens carry and the monitor's configured Issuer. Default: MONITOR_API_KEY_ISSUER. */
    readonly issuer?: string;
    /** IAM role or user ARNs allowed kms:Sign (to mint tokens). Default: none (nobody can mint a token). */
    readonly signerArns?: readonly string[];
    /** The account that owns the key (its root principal administers it). Required. */
    readonly accountId: pulumi.Input<string>;
    /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`). Default: aws. */
    readonly partition?: pulumi.Input<string>;
    /** The stack, the value of the key's MONITOR_KEY_STACK_TAG tag. Required. */
    readonly stack: string;
}

export class MonitorSigningKey extends pulumi.ComponentResource {
    public readonly keyArn: pulumi.Output<string>;
    public readonly keyId: pulumi.Output<string>;
    /** Base64url JWK of the public key: the value of `Authentication__MonitorApiKey__PublicKey`. Not a secret. */
    public readonly publicKey: pulumi.Output<string>;
    public readonly subject: string;
    public readonly issuer: string;

    constructor(name: string, args: MonitorSigningKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        if (!/^[A-Za-z0-9._-]{1,128}$/.test(args.subject)) {
            throw new ArgumentError("MonitorSigningKey", "subject", args.subject, "expected 1 to 128 letters, digits, '.', '_' or '-'");
        }
        const issuer = args.issuer ?? MONITOR_API_KEY_ISSUER;
        if (issuer.trim() === "") {
            throw new ArgumentError("MonitorSigningKey", "issuer", issuer, "expected a non-empty string (dotnet-monitor refuses an empty iss)");
        }
        const signerArns = args.signerArns ?? [];
        if (!signerArns.every((arn) => SIGNER_ARN.test(arn))) {
            throw new ArgumentError("MonitorSigningKey", "signerArns", signerArns, SIGNER_ARN_EXPECTED);
        }
        super("dotnet-fargate:monitor:SigningKey", name, {}, opts);
        const key = new aws.kms.Key(
            `${name}-kms`,
            {
                description: `Signs dotnet-monitor API tokens (sub ${args.subject}); the private key never leaves KMS`,
                customerMasterKeySpec: MONITOR_KEY_SPEC,
                keyUsage: "SIGN_VERIFY",
                deletionWindowInDays: 7,
                tags: { [MONITOR_KEY_STACK_TAG]: args.stack },
                policy: pulumi.all([args.accountId, args.partition ?? "aws"]).apply(([account, partition]) => monitorKeyPolicy(account, partition, signerArns)),
            },
            { parent: this },
        );
        // KMS returns the public key as base64 DER SubjectPublicKeyInfo (pulumi-aws kms/getPublicKey.d.ts `publicKey`).
        const publicKey = aws.kms.getPublicKeyOutput({ keyId: key.arn }, { parent: this });
        this.keyArn = key.arn;
        this.keyId = key.keyId;
        this.publicKey = publicKey.publicKey.apply(monitorJwkFromSpki);
        this.subject = args.subject;
        this.issuer = issuer;
        this.registerOutputs({ keyArn: this.keyArn, keyId: this.keyId, publicKey: this.publicKey });
    }
}
