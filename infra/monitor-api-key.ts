/**
 * The API key dotnet-monitor requires: an ES384 key pair made once, when the resource is created; the
 * monitor gets the public key (a base64url JWK) and a caller presents the signed JWT as a Bearer token.
 * The private key is used once to sign and is never stored.
 *
 * Token format (dotnet/dotnet-monitor v10.0.3, documentation/api-key-format.md): header {alg: ES384, typ: JWT};
 * a payload that must carry aud, exp, iss and sub. dotnet-monitor validates them
 * (src/Tools/dotnet-monitor/Auth/ApiKey/JwtBearerOptionsExtensions.cs): the audience
 * "https://github.com/dotnet/dotnet-monitor", the issuer equal to `Authentication__MonitorApiKey__Issuer` (when
 * that is unset, "https://github.com/dotnet/dotnet-monitor/generatekey+MonitorApiKey", MonitorApiKeyPostConfigure.cs),
 * the lifetime, and the signature against the configured public key; `sub` must equal the configured Subject
 * (UserAuthorizationHandler.cs). The sidecar is given MONITOR_API_KEY_ISSUER as its Issuer, so both agree.
 */
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError } from "./validation";

export const MONITOR_AUDIENCE = "https://github.com/dotnet/dotnet-monitor";
/** The `iss` of the tokens this program makes, and the Issuer the sidecar is configured with. */
export const MONITOR_API_KEY_ISSUER = "dotnet-fargate";
/** Days a token is valid unless `monitor.tokenLifetimeDays` says otherwise, and the most it may say. */
export const TOKEN_LIFETIME_DAYS = { default: 90, max: 400 } as const;

export interface MonitorApiKeyMaterial {
    /** Base64url of the public JWK, the value of `Authentication__MonitorApiKey__PublicKey`. */
    readonly publicKey: string;
    /** The signed JWT to send as `Authorization: Bearer <token>`. */
    readonly token: string;
    /** When the token expires (its `exp`), ISO 8601 UTC. */
    readonly expiresAt: string;
}

/**
 * Makes a new key pair and a token for `subject` from `issuer`, valid for `lifetimeDays` from `nowSeconds`
 * (Unix time; default now). Self-contained (its own require) because the dynamic provider below carries it
 * to the Pulumi engine by serializing its code.
 */
export function generateMonitorApiKey(subject: string, issuer: string, lifetimeDays: number, nowSeconds?: number): MonitorApiKeyMaterial {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require("crypto") as typeof import("crypto");
    const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-384" });
    const jwk = publicKey.export({ format: "jwk" }) as { x: string; y: string };
    // The shape dotnet-monitor's own `generatekey` writes (its JSON names are PascalCase).
    const monitorJwk = { AdditionalData: {}, Crv: "P-384", KeyOps: [], Kty: "EC", X: jwk.x, X5c: [], Y: jwk.y, KeySize: 384, HasPrivateKey: false };
    const header = b64url(JSON.stringify({ alg: "ES384", typ: "JWT" }));
    const iat = nowSeconds ?? Math.floor(Date.now() / 1000);
    const exp = iat + Math.round(lifetimeDays * 86400);
    const payload = b64url(JSON.stringify({ aud: MONITOR_AUDIENCE, exp, iat, iss: issuer, sub: subject }));
    const signature = crypto.sign("sha384", Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: "ieee-p1363" });
    return { publicKey: b64url(JSON.stringify(monitorJwk)), token: `${header}.${payload}.${b64url(signature)}`, expiresAt: new Date(exp * 1000).toISOString() };
}

interface ApiKeyInputs {
    readonly subject: string;
    readonly issuer: string;
    readonly lifetimeDays: number;
}

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: ApiKeyInputs) {
        const material = generateMonitorApiKey(inputs.subject, inputs.issuer, inputs.lifetimeDays);
        return { id: inputs.subject, outs: { ...inputs, ...material } };
    },
    // Any change of subject, issuer or lifetime needs a new key pair and token: replace, never update in place.
    // (A key made before tokens carried an expiry has no lifetimeDays, so it is replaced once.)
    async diff(_id: string, olds: ApiKeyInputs, news: ApiKeyInputs) {
        const replaces = (["subject", "issuer", "lifetimeDays"] as const).filter((k) => olds[k] !== news[k]);
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
};

export interface MonitorApiKeyArgs {
    /** The `sub` claim and the monitor's configured Subject. Required. */
    readonly subject: string;
    /** The `iss` claim; the sidecar must be configured with the same Issuer. Default: MONITOR_API_KEY_ISSUER. */
    readonly issuer?: string;
    /** Days the token is valid, 1 to 400. Default: 90. */
    readonly lifetimeDays?: number;
}

/** Type token of the dynamic resource, as the engine records it. */
export const MONITOR_API_KEY_TYPE = "pulumi-nodejs:dynamic/monitor:ApiKey";

export class MonitorApiKey extends pulumi.dynamic.Resource {
    declare public readonly publicKey: pulumi.Output<string>;
    declare public readonly token: pulumi.Output<string>;
    declare public readonly subject: pulumi.Output<string>;
    declare public readonly issuer: pulumi.Output<string>;
    /** When the token expires, ISO 8601 UTC. */
    declare public readonly expiresAt: pulumi.Output<string>;

    constructor(name: string, args: MonitorApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
        if (!/^[A-Za-z0-9._-]{1,128}$/.test(args.subject)) {
            throw new ArgumentError("MonitorApiKey", "subject", args.subject, "expected 1 to 128 letters, digits, '.', '_' or '-'");
        }
        const issuer = args.issuer ?? MONITOR_API_KEY_ISSUER;
        if (issuer.trim() === "") {
            throw new ArgumentError("MonitorApiKey", "issuer", issuer, "expected a non-empty string (dotnet-monitor refuses an empty iss)");
        }
        const lifetimeDays = args.lifetimeDays ?? TOKEN_LIFETIME_DAYS.default;
        if (!Number.isInteger(lifetimeDays) || lifetimeDays < 1 || lifetimeDays > TOKEN_LIFETIME_DAYS.max) {
            throw new ArgumentError("MonitorApiKey", "lifetimeDays", lifetimeDays, `expected a whole number of days from 1 to ${TOKEN_LIFETIME_DAYS.max}`);
        }
        super(
            provider,
            name,
            { subject: args.subject, issuer, lifetimeDays, publicKey: undefined, token: undefined, expiresAt: undefined },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token"] }),
            "monitor",
            "ApiKey",
        );
    }
}
