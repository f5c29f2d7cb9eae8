/**
 * A user's service's secrets, by reference only, and the check that keeps credentials out of its plain
 * `environment`. The references become ECS `secrets` (`valueFrom`), and the task's execution role may read
 * exactly them. Contract: AWS's "Pass sensitive data to an Amazon ECS container" (Amazon ECS developer guide),
 * its pages "Pass Secrets Manager secrets through Amazon ECS environment variables" (valueFrom is the secret's
 * ARN, or `arn:aws:secretsmanager:region:aws_account_id:secret:secret-name:json-key:version-stage:version-id`)
 * and "Pass Systems Manager parameters through Amazon ECS environment variables" (the parameter's ARN, or its
 * name for one in the task's Region); Secrets Manager's "Resource: secret ARN" IAM guidance (a secret's ARN
 * ends in `-` and six random characters, so a partial ARN is granted as `<partial ARN>-??????`).
 */
import { ConfigError } from "./validation";

/** A Secrets Manager secret, or a JSON key (and version) of it. */
export interface SecretsManagerReference {
    readonly kind: "secretsmanager";
    /** The secret's ARN, full (with its 6-character suffix) or partial (without). */
    readonly arn: string;
    /** True when `arn` is partial: IAM needs `-??????` after it. */
    readonly partial: boolean;
    readonly jsonKey?: string;
    readonly versionStage?: string;
    readonly versionId?: string;
    /** The customer-managed KMS key the secret is encrypted with, when not AWS's own key. */
    readonly kmsKeyArn?: string;
}

/** A Systems Manager Parameter Store parameter (String or SecureString). */
export interface ParameterReference {
    readonly kind: "ssm";
    /** The parameter's ARN, when given as one. */
    readonly arn?: string;
    /** The parameter's name (e.g. /prod/smtp/password), when given by name: in the stack's account and Region. */
    readonly name?: string;
    readonly kmsKeyArn?: string;
}

export type SecretReference = SecretsManagerReference | ParameterReference;

const PARTITION = "aws(?:-cn|-us-gov)?";
const SECRET_ARN = new RegExp(`^arn:${PARTITION}:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\\d:\\d{12}:secret:([A-Za-z0-9/_+=.@-]{1,512})$`);
const PARAMETER_ARN = new RegExp(`^arn:${PARTITION}:ssm:[a-z]{2}(?:-[a-z]+)+-\\d:\\d{12}:parameter/[A-Za-z0-9_.\\-/]{1,2048}$`);
/** A parameter by name: a path (/prod/app/key), so that a bare word, a value pasted by mistake, is never taken for one. */
const PARAMETER_NAME = /^(?:\/[A-Za-z0-9_.-]+)+$/;
const KMS_KEY_ARN = new RegExp(`^arn:${PARTITION}:kms:[a-z]{2}(?:-[a-z]+)+-\\d:\\d{12}:key/[A-Za-z0-9-]{1,128}$`);
/** Secrets Manager appends `-` and six characters to a secret's name in its ARN. */
const FULL_SECRET_SUFFIX = /-[A-Za-z0-9]{6}$/;
const FIELDS = ["secret", "parameter", "jsonKey", "versionStage", "versionId", "kmsKey"];

export const SECRET_EXPECTED =
    "expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>, with or without its 6-character suffix), "
    + "an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or name (/<path>/<name>), "
    + `or an object {${FIELDS.join(", ")}} with exactly one of secret and parameter`;

/** Reads one reference: a string (an ARN, or a parameter name), or an object with its options. */
export function parseSecretReference(key: string, value: unknown): SecretReference {
    if (typeof value === "string") {
        return fromString(key, value, undefined);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new ConfigError(key, value, SECRET_EXPECTED);
    }
    const o = value as Record<string, unknown>;
    for (const field of Object.keys(o)) {
        if (!FIELDS.includes(field)) {
            throw new ConfigError(`${key}.${field}`, o[field], `expected one of ${FIELDS.join(", ")}`);
        }
    }
    const kmsKeyArn = o.kmsKey === undefined ? undefined : kmsKey(`${key}.kmsKey`, o.kmsKey);
    if ((o.secret === undefined) === (o.parameter === undefined)) {
        throw new ConfigError(key, value, SECRET_EXPECTED);
    }
    if (o.parameter !== undefined) {
        const extra = ["jsonKey", "versionStage", "versionId"].find((f) => o[f] !== undefined);
        if (extra) {
            throw new ConfigError(`${key}.${extra}`, o[extra], "expected nothing: JSON keys and versions are Secrets Manager's, not Parameter Store's");
        }
        const reference = fromString(`${key}.parameter`, o.parameter, kmsKeyArn);
        if (reference.kind !== "ssm") {
            throw new ConfigError(`${key}.parameter`, o.parameter, "expected an SSM parameter ARN or name; a Secrets Manager ARN goes in secret");
        }
        return reference;
    }
    const reference = fromString(`${key}.secret`, o.secret, kmsKeyArn);
    if (reference.kind !== "secretsmanager") {
        throw new ConfigError(`${key}.secret`, o.secret, "expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)");
    }
    const part = (field: string, pattern: RegExp, allowed: string) => {
        const v = o[field];
        if (v !== undefined && (typeof v !== "string" || !pattern.test(v))) {
            throw new ConfigError(`${key}.${field}`, v, allowed);
        }
        return v as string | undefined;
    };
    // `:` separates valueFrom's parts, so none of them may hold one.
    const jsonKey = part("jsonKey", /^[^:\s]{1,256}$/, "expected a top-level key of the secret's JSON, without ':' or spaces");
    const versionStage = part("versionStage", /^[A-Za-z0-9_-]{1,256}$/, "expected a staging label such as AWSCURRENT or AWSPREVIOUS");
    const versionId = part("versionId", /^[A-Za-z0-9-]{32,64}$/, "expected a secret version's id (32 to 64 letters, digits and '-')");
    if (versionStage !== undefined && versionId !== undefined) {
        throw new ConfigError(`${key}.versionId`, versionId, "expected either versionStage or versionId, not both");
    }
    return { ...reference, jsonKey, versionStage, versionId };
}

function fromString(key: string, value: unknown, kmsKeyArn: string | undefined): SecretReference {
    if (typeof value !== "string") {
        throw new ConfigError(key, value, SECRET_EXPECTED);
    }
    const secret = SECRET_ARN.exec(value);
    if (secret) {
        return { kind: "secretsmanager", arn: value, partial: !FULL_SECRET_SUFFIX.test(secret[1]), kmsKeyArn };
    }
    if (PARAMETER_ARN.test(value)) {
        return { kind: "ssm", arn: value, kmsKeyArn };
    }
    if (!value.startsWith("arn:") && PARAMETER_NAME.test(value) && value.length <= 2048) {
        return { kind: "ssm", name: value, kmsKeyArn };
    }
    throw new ConfigError(key, value, SECRET_EXPECTED);
}

function kmsKey(key: string, value: unknown): string {
    if (typeof value !== "string" || !KMS_KEY_ARN.test(value)) {
        throw new ConfigError(key, value, "expected the ARN of the customer-managed KMS key that encrypts it (arn:aws:kms:<region>:<account>:key/<id>); leave it out for AWS's own key");
    }
    return value;
}

/** What a plain value that looks like a credential looks like, in words; checked in this order. */
const CREDENTIAL_SHAPES: readonly [RegExp, string][] = [
    [/(?:^|;)\s*(?:password|pwd)\s*=\s*[^;\s]/i, "a connection string with a password"],
    [/(?:^|;)\s*(?:AccountKey|SharedAccessKey|SharedAccessSignature)\s*=\s*[^;\s]/i, "a connection string with an account or shared access key"],
    [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i, "a URL with a user name and password"],
    [/(?:^|[^A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/, "an AWS access key id"],
    [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, "a PEM private key"],
    [/(?:^|[^A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/, "a JSON Web Token"],
    [/(?:^|[^A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/, "a GitHub token"],
    [/(?:^|[^A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
    [/(?:^|[^A-Za-z0-9])[sr]k_live_[A-Za-z0-9]{16,}/, "a Stripe secret key"],
    [/(?:^|[^A-Za-z0-9])AIza[0-9A-Za-z_-]{35}/, "a Google API key"],
    [/^(?:Bearer|Basic)\s+[A-Za-z0-9._~+/-]{16,}=*$/i, "an HTTP Authorization header value"],
];

/** In words, what credential `value` looks like, or undefined when it looks like none. */
export function credentialShape(value: string): string | undefined {
    return CREDENTIAL_SHAPES.find(([pattern]) => pattern.test(value))?.[1];
}
