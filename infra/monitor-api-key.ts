/**
 * The API key dotnet-monitor requires: an ES384 key pair made once, when the resource is created; the
 * monitor gets the public key (a base64url JWK) and a caller presents the signed JWT as a Bearer token.
 * The private key is used once to sign and is never stored.
 *
 * Token format (dotnet-monitor's "API Key Format"): header {alg: ES384, typ: JWT}; payload with
 * aud "https://github.com/dotnet/dotnet-monitor" and sub equal to the configured Subject.
 */
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError } from "./validation";

export const MONITOR_AUDIENCE = "https://github.com/dotnet/dotnet-monitor";

export interface MonitorApiKeyMaterial {
    /** Base64url of the public JWK, the value of `Authentication__MonitorApiKey__PublicKey`. */
    readonly publicKey: string;
    /** The signed JWT to send as `Authorization: Bearer <token>`. */
    readonly token: string;
}

/**
 * Makes a new key pair and a token for `subject`. Self-contained (its own require) because the dynamic
 * provider below carries it to the Pulumi engine by serializing its code.
 */
export function generateMonitorApiKey(subject: string, issuer: string): MonitorApiKeyMaterial {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require("crypto") as typeof import("crypto");
    const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-384" });
    const jwk = publicKey.export({ format: "jwk" }) as { x: string; y: string };
    // The shape dotnet-monitor's own `generatekey` writes (its JSON names are PascalCase).
    const monitorJwk = { AdditionalData: {}, Crv: "P-384", KeyOps: [], Kty: "EC", X: jwk.x, X5c: [], Y: jwk.y, KeySize: 384, HasPrivateKey: false };
    const header = b64url(JSON.stringify({ alg: "ES384", typ: "JWT" }));
    const payload = b64url(JSON.stringify({ aud: MONITOR_AUDIENCE, iss: issuer, sub: subject }));
    const signature = crypto.sign("sha384", Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: "ieee-p1363" });
    return { publicKey: b64url(JSON.stringify(monitorJwk)), token: `${header}.${payload}.${b64url(signature)}` };
}

interface ApiKeyInputs {
    readonly subject: string;
    readonly issuer: string;
}

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: ApiKeyInputs) {
        const material = generateMonitorApiKey(inputs.subject, inputs.issuer);
        return { id: inputs.subject, outs: { ...inputs, ...material } };
    },
    // Any change of subject or issuer needs a new key pair: replace, never update in place.
    async diff(_id: string, olds: ApiKeyInputs, news: ApiKeyInputs) {
        const replaces = (["subject", "issuer"] as const).filter((k) => olds[k] !== news[k]);
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
};

export interface MonitorApiKeyArgs {
    /** The `sub` claim and the monitor's configured Subject. Required. */
    readonly subject: string;
    /** The `iss` claim, informative only. Default: "dotnet-fargate". */
    readonly issuer?: string;
}

/** Type token of the dynamic resource, as the engine records it. */
export const MONITOR_API_KEY_TYPE = "pulumi-nodejs:dynamic/monitor:ApiKey";

export class MonitorApiKey extends pulumi.dynamic.Resource {
    declare public readonly publicKey: pulumi.Output<string>;
    declare public readonly token: pulumi.Output<string>;
    declare public readonly subject: pulumi.Output<string>;

    constructor(name: string, args: MonitorApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
        if (!/^[A-Za-z0-9._-]{1,128}$/.test(args.subject)) {
            throw new ArgumentError("MonitorApiKey", "subject", args.subject, "expected 1 to 128 letters, digits, '.', '_' or '-'");
        }
        super(
            provider,
            name,
            { subject: args.subject, issuer: args.issuer ?? "dotnet-fargate", publicKey: undefined, token: undefined },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token"] }),
            "monitor",
            "ApiKey",
        );
    }
}
