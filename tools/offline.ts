/**
 * Evaluates the program without a cloud, a Pulumi CLI or credentials: Pulumi's mocks stand in for the
 * engine and the providers, every resource the program declares is recorded, and every invoke gets a
 * fixed, plausible answer. The tests and `npm run synth` both use it.
 *
 * What this cannot prove: that AWS or Azure DevOps accept the inputs, provider-side defaults and
 * computed values, URNs and parentage as the engine records them, or what awsx's Vpc creates inside
 * itself (it is a remote component: only its inputs are seen here).
 */
import * as pulumi from "@pulumi/pulumi";
import { createECDH, createHash, createPrivateKey, createPublicKey, KeyObject } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { azureDevOpsInvokeMock, fakeGuid } from "./azuredevops-offline";
import { loadConfig } from "../stacks/config";
import { createStack } from "../stacks/program";
import { projectRoot } from "../model/paths";
import { PROJECT } from "../stacks/settings";

export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "eu-west-1";

/** Pulumi's marker for a secret value, as the mocks receive it. */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** True when a recorded input value is a secret (the engine's secret wrapper). */
export function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    readonly custom: boolean;
    readonly provider?: string;
    readonly id: string;
}

/** Answers an invoke, or returns undefined when the token is not its own. */
export type InvokeHandler = (token: string, args: Record<string, any>) => Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface EvaluateOptions {
    /** Full config map, keys with namespace (`dotnet-fargate:architecture`, `aws:region`), values as strings. */
    readonly config: Record<string, string>;
    /** Keys of `config` that hold secrets. */
    readonly secretKeys?: readonly string[];
    /** Extra invoke handlers, asked after the built-in ones. */
    readonly invokes?: readonly InvokeHandler[];
    /** Run as a preview (unknown computed values) instead of an update. Default: false. */
    readonly preview?: boolean;
}

export interface Evaluation {
    readonly resources: RecordedResource[];
    readonly outputs: Record<string, unknown>;
}

const fakeHash = (text: string): string => createHash("sha256").update(text).digest("hex");

/** Computed outputs a resource of `type` would get from its provider, faked from its name and inputs. */
function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const arn = (service: string, resource: string) => `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${resource}`;
    switch (type) {
        case "awsx:ec2:Vpc":
            return {
                vpcId: "vpc-0a1b2c3d",
                publicSubnetIds: ["subnet-public-a", "subnet-public-b"],
                privateSubnetIds: ["subnet-private-a", "subnet-private-b"],
            };
        case "aws:ecr/repository:Repository":
            return {
                arn: arn("ecr", `repository/${inputs.name}`),
                registryId: MOCK_ACCOUNT_ID,
                repositoryUrl: `${MOCK_ACCOUNT_ID}.dkr.ecr.${MOCK_REGION}.amazonaws.com/${inputs.name}`,
            };
        case "docker-build:index:Image": {
            const tag: string = inputs.tags?.[0] ?? name;
            const digest = `sha256:${fakeHash(`${tag}|${JSON.stringify(inputs.platforms)}`)}`;
            // As the provider builds it from the first tag (pulumi/docker-build v0.0.22, provider/internal/image.go,
            // addDigest): `<repository>:<tag>@<digest>`.
            return { digest, ref: `${tag}@${digest}`, contextHash: fakeHash(name) };
        }
        case "aws:lb/loadBalancer:LoadBalancer":
            return { arn: arn("elasticloadbalancing", `loadbalancer/app/${name}/0123456789abcdef`), dnsName: `${name}-1234567890.${MOCK_REGION}.elb.amazonaws.com` };
        case "aws:lb/targetGroup:TargetGroup":
            return { arn: arn("elasticloadbalancing", `targetgroup/${name}/0123456789abcdef`) };
        case "aws:ecs/cluster:Cluster":
            return { arn: arn("ecs", `cluster/${inputs.name}`) };
        case "aws:ecs/taskDefinition:TaskDefinition":
            return { arn: arn("ecs", `task-definition/${inputs.family}:1`), revision: 1 };
        case "aws:iam/role:Role":
            return { arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}`, name };
        case "aws:iam/policy:Policy":
            return { arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/${inputs.name ?? name}`, name: inputs.name ?? name };
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}` };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { arn: arn("logs", `log-group:${inputs.name}`) };
        case "aws:s3/bucket:Bucket":
            return { arn: `arn:aws:s3:::${inputs.bucket ?? name}`, bucket: inputs.bucket ?? name };
        case "aws:secretsmanager/secretVersion:SecretVersion":
            return { versionId: fakeGuid(`${name}|${JSON.stringify(inputs.secretString ?? "")}`), arn: inputs.secretId };
        case "aws:secretsmanager/secret:Secret":
            return { arn: arn("secretsmanager", `secret:${inputs.name ?? `${inputs.namePrefix ?? name}AbCdEf`}`) };
        case "aws:rds/instance:Instance":
            // As RDS reports an instance with manageMasterUserPassword: the secret it made (named rds!db-<uuid>).
            return {
                arn: arn("rds", `db:${inputs.identifier ?? name}`),
                address: `${inputs.identifier ?? name}.abcdefghijkl.${MOCK_REGION}.rds.amazonaws.com`,
                port: inputs.port ?? 5432,
                masterUserSecrets: inputs.manageMasterUserPassword
                    ? [{ secretArn: arn("secretsmanager", `secret:rds!db-${fakeGuid(name)}-AbCdEf`), secretStatus: "active", kmsKeyId: arn("kms", "key/aws-secretsmanager") }]
                    : [],
            };
        case "aws:rds/parameterGroup:ParameterGroup":
        case "aws:rds/subnetGroup:SubnetGroup":
            return { arn: arn("rds", `${type.includes("parameter") ? "pg" : "subgrp"}:${inputs.name ?? name}`), name: inputs.name ?? name };
        case "aws:kms/key:Key": {
            const keyId = fakeGuid(`kms|${name}`);
            return { keyId, arn: arn("kms", `key/${keyId}`) };
        }
        default:
            return { arn: arn(type.split(":")[1]?.split("/")[0] ?? "unknown", name) };
    }
}

/** The invokes the program makes, answered as AWS would in `region` (the stack's aws:region). */
const builtInInvokes = (region: string): InvokeHandler => (token, args) => {
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/offline`, userId: "AIDAOFFLINE", id: MOCK_ACCOUNT_ID };
        case "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": {
            // As IAM names a provider: its URL without the scheme.
            const host = String(args.url).replace(/^https:\/\//, "");
            return { arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${host}`, url: host, clientIdLists: ["api://AzureADTokenExchange"], thumbprintLists: [], tags: {}, id: host };
        }
        case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region, description: region === MOCK_REGION ? "Europe (Ireland)" : region, endpoint: `ec2.${region}.amazonaws.com` };
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
                registryId: args.registryId ?? MOCK_ACCOUNT_ID,
                userName: "AWS",
                password: "offline-registry-password",
                authorizationToken: "b2ZmbGluZQ==",
                proxyEndpoint: `https://${MOCK_ACCOUNT_ID}.dkr.ecr.${MOCK_REGION}.amazonaws.com`,
                expiresAt: "2099-01-01T00:00:00Z",
                id: MOCK_REGION,
            };
        case "aws:kms/getPublicKey:getPublicKey": {
            // As KMS GetPublicKey answers for an ECC_NIST_P384 SIGN_VERIFY key: base64 DER SubjectPublicKeyInfo.
            const publicKey = offlineKmsSigningKey(String(args.keyId)).publicKey;
            const keyArn = String(args.keyId).startsWith("arn:") ? String(args.keyId) : `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:key/${String(args.keyId)}`;
            return {
                arn: keyArn,
                keyId: args.keyId,
                id: keyArn,
                customerMasterKeySpec: "ECC_NIST_P384",
                keyUsage: "SIGN_VERIFY",
                signingAlgorithms: ["ECDSA_SHA_384"],
                encryptionAlgorithms: [],
                publicKey: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
                publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
                region: MOCK_REGION,
            };
        }
        default:
            return undefined;
    }
};

/**
 * The P-384 key pair the offline KMS holds for a key ID (or ARN): derived from it, so every evaluation of a stack
 * answers GetPublicKey alike, and a stand-in signer in tests can sign as that KMS key would.
 */
export function offlineKmsSigningKey(keyId: string): { privateKey: KeyObject; publicKey: KeyObject } {
    const d = createHash("sha384").update(`offline-kms|${keyId}`).digest();
    const ecdh = createECDH("secp384r1");
    ecdh.setPrivateKey(d);
    const point = ecdh.getPublicKey();
    const b64 = (bytes: Buffer) => bytes.toString("base64url");
    const privateKey = createPrivateKey({
        key: { kty: "EC", crv: "P-384", d: b64(d), x: b64(point.subarray(1, 49)), y: b64(point.subarray(49)) },
        format: "jwk",
    });
    return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** Mocks that record every resource and refuse invokes no handler knows. */
export class RecordingMocks implements pulumi.runtime.Mocks {
    public readonly resources: RecordedResource[] = [];

    /** Asked in turn: the program's own invokes, answered in the stack's region, then Azure DevOps', then the caller's. */
    private readonly handlers: readonly InvokeHandler[];

    constructor(invokes: readonly InvokeHandler[] = [], region: string = MOCK_REGION) {
        this.handlers = [builtInInvokes(region), azureDevOpsInvokeMock, ...invokes];
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } { // eslint-disable-line @typescript-eslint/no-explicit-any
        const id = `${args.name}-id`;
        this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true, provider: args.provider, id });
        return { id, state: { ...args.inputs, ...computedState(args.type, args.name, args.inputs) } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
        for (const handler of this.handlers) {
            const result = handler(args.token, args.inputs);
            if (result !== undefined) {
                return result;
            }
        }
        throw new Error(`Offline evaluation has no answer for invoke "${args.token}" with ${JSON.stringify(args.inputs)}`);
    }
}

/**
 * Runs the whole program for `stack` with the given config, waits until every resource is registered,
 * and returns what was declared and the resolved stack outputs. Runs may follow one another, not overlap.
 */
export async function evaluate(stack: string, options: EvaluateOptions): Promise<Evaluation> {
    // The region the stack's config names, as the provider's getRegion answers (the other stand-in ARNs keep MOCK_REGION).
    const mocks = new RecordingMocks(options.invokes, options.config["aws:region"] ?? MOCK_REGION);
    await pulumi.runtime.setMocks(mocks, PROJECT, stack, options.preview ?? false);
    pulumi.runtime.setAllConfig(options.config, [...(options.secretKeys ?? [])]);
    const outputs = await pulumi.runtime.runInPulumiStack(async () => createStack(loadConfig()));
    // Let every outstanding registration reach these mocks before the next run replaces them.
    await pulumi.runtime.disconnect();
    return { resources: mocks.resources, outputs: (outputs ?? {}) as Record<string, unknown> };
}

/** The stacks this repository has: one `Pulumi.<stack>.yaml` each. */
export function stackNames(): string[] {
    return fs
        .readdirSync(projectRoot())
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** The config a stack file holds, as the engine hands it to the program (strings; objects as JSON). */
export interface StackFileConfig {
    readonly config: Record<string, string>;
    /** Keys stored encrypted (`secure:`); offline they hold a placeholder, since nothing can decrypt them here. */
    readonly secretKeys: string[];
}

/** Stand-in for an encrypted stack value, which cannot be decrypted offline. */
export const OFFLINE_SECRET = "offline-secret-placeholder";

export function stackFileConfig(stack: string): StackFileConfig {
    const file = path.join(projectRoot(), `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`There is no stack "${stack}": Pulumi.${stack}.yaml does not exist. Stacks: ${stackNames().join(", ")}.`);
    }
    const document = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [k, v] of Object.entries(document?.config ?? {})) {
        if (typeof v === "object" && v !== null && Object.keys(v).length === 1 && "secure" in v) {
            config[k] = OFFLINE_SECRET;
            secretKeys.push(k);
        } else {
            config[k] = typeof v === "string" ? v : JSON.stringify(v);
        }
    }
    return { config, secretKeys };
}
