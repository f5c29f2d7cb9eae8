/**
 * dotnet-monitor's API key format, as pure functions (no Pulumi, no AWS): the JWK the sidecar is configured with,
 * the claims a token carries, and the ECDSA signature encoding a JWS needs. The program (infra/monitor-api-key.ts)
 * and the token command (tools/monitor-token.ts) both use it, so the key and the tokens cannot drift apart.
 *
 * Contract: dotnet/dotnet-monitor v10.0.3, documentation/api-key-format.md: header {alg, typ: JWT}, alg one of
 * ES256/384/512 or RS256/384/512; a payload with aud, exp, iss and sub; the public key as a base64url JSON Web Key.
 * dotnet-monitor validates them in src/Tools/dotnet-monitor/Auth/ApiKey: JwtBearerOptionsExtensions.cs (the audience
 * "https://github.com/dotnet/dotnet-monitor", the issuer, the lifetime, the signing key), MonitorApiKeyPostConfigure.cs
 * (the JWK from base64url; the issuer defaults to the generatekey issuer when `Authentication__MonitorApiKey__Issuer`
 * is unset, so the sidecar is always given one), UserAuthorizationHandler.cs (`sub` equals the configured Subject).
 */
import { createPublicKey } from "crypto";

export const MONITOR_AUDIENCE = "https://github.com/dotnet/dotnet-monitor";
/** The `iss` of the tokens the command mints, and the Issuer the sidecar is configured with. */
export const MONITOR_API_KEY_ISSUER = "dotnet-fargate";
/** Minutes a minted token is valid unless `--minutes` says otherwise, and the most it may say. */
export const TOKEN_MINUTES = { default: 60, max: 1440 } as const;
/** Bytes of each of r and s in an ES384 signature (P-384's order is 384 bits): RFC 7518 section 3.4. */
export const ES384_INTEGER_BYTES = 48;

/**
 * The value of `Authentication__MonitorApiKey__PublicKey` for a P-384 public key given as base64 DER
 * SubjectPublicKeyInfo (what KMS GetPublicKey returns): a base64url JSON Web Key with no private part, in the
 * shape dotnet-monitor's own `generatekey` writes (api-key-format.md, "Providing a Public Key").
 */
export function monitorJwkFromSpki(spkiBase64: string): string {
    const key = createPublicKey({ key: Buffer.from(spkiBase64, "base64"), format: "der", type: "spki" });
    const jwk = key.export({ format: "jwk" });
    if (jwk.kty !== "EC" || jwk.crv !== "P-384" || typeof jwk.x !== "string" || typeof jwk.y !== "string") {
        throw new Error(`The monitor's signing key must be an EC P-384 public key (KMS key spec ECC_NIST_P384); got kty ${String(jwk.kty)}, crv ${String(jwk.crv)}.`);
    }
    const monitorJwk = { AdditionalData: {}, Crv: "P-384", KeyOps: [], Kty: "EC", X: jwk.x, X5c: [], Y: jwk.y, KeySize: 384, HasPrivateKey: false };
    return Buffer.from(JSON.stringify(monitorJwk)).toString("base64url");
}

export interface MonitorClaims {
    readonly aud: string;
    readonly exp: number;
    readonly iat: number;
    readonly iss: string;
    readonly sub: string;
}

/** The claims of a token for `subject` from `issuer`, issued at `nowSeconds` (Unix time), valid `minutes`. */
export function monitorClaims(subject: string, issuer: string, nowSeconds: number, minutes: number): MonitorClaims {
    return { aud: MONITOR_AUDIENCE, exp: nowSeconds + minutes * 60, iat: nowSeconds, iss: issuer, sub: subject };
}

/** `base64url(header).base64url(payload)`: the bytes an ES384 JWS signs. */
export function signingInput(claims: MonitorClaims): string {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    return `${part({ alg: "ES384", typ: "JWT" })}.${part(claims)}`;
}

/**
 * An ECDSA signature as KMS returns it (a DER `SEQUENCE { INTEGER r, INTEGER s }`, ANS X9.62 / RFC 3279 section 2.2.3)
 * turned into the fixed-size `r || s` a JWS carries (RFC 7518 section 3.4), each integer left-padded to `size` bytes.
 * Refuses anything that is not exactly that structure (wrong tags, lengths, negative or oversized integers,
 * trailing bytes), so a malformed signature never becomes a token.
 */
export function derToJose(der: Uint8Array, size: number = ES384_INTEGER_BYTES): Buffer {
    const bytes = Buffer.from(der);
    const fail = (why: string): never => {
        throw new Error(`Not a DER ECDSA signature for ${size * 8}-bit keys: ${why}.`);
    };
    let at = 0;
    const readLength = (): number => {
        const first = bytes[at++];
        if (first === undefined) {
            return fail("it ends inside a length");
        }
        if (first < 0x80) {
            return first;
        }
        // Long form: only one length byte can be needed here (the sequence is at most 2 * (size + 3) bytes).
        if (first !== 0x81 || bytes[at] === undefined || bytes[at] < 0x80) {
            return fail(`length byte 0x${first.toString(16)} is not a minimal DER length`);
        }
        return bytes[at++];
    };
    const readInteger = (name: string): Buffer => {
        if (bytes[at++] !== 0x02) {
            fail(`${name} is not an INTEGER`);
        }
        const length = readLength();
        const value = bytes.subarray(at, at + length);
        at += length;
        if (length === 0 || value.length !== length) {
            fail(`${name} has ${value.length} of ${length} bytes`);
        }
        if (value[0] & 0x80) {
            fail(`${name} is negative`);
        }
        if (length > 1 && value[0] === 0 && !(value[1] & 0x80)) {
            fail(`${name} has a needless leading zero`);
        }
        const magnitude = value[0] === 0 && length > 1 ? value.subarray(1) : value;
        if (magnitude.length > size) {
            fail(`${name} has ${magnitude.length} bytes, more than ${size}`);
        }
        return Buffer.concat([Buffer.alloc(size - magnitude.length), magnitude]);
    };
    if (bytes[at++] !== 0x30) {
        fail("it does not start with a SEQUENCE");
    }
    const sequenceLength = readLength();
    if (at + sequenceLength !== bytes.length) {
        fail(`the SEQUENCE says ${sequenceLength} bytes, ${bytes.length - at} follow`);
    }
    const r = readInteger("r");
    const s = readInteger("s");
    if (at !== bytes.length) {
        fail("bytes follow s");
    }
    return Buffer.concat([r, s]);
}
