/**
 * Helpers for the monitor token tests: a token verifier (node:crypto) and a stand-in for KMS Sign.
 *
 * The stand-in for KMS Sign: a local P-384 private key signs with node:crypto in DER (`dsaEncoding: "der"`), the
 * encoding KMS returns for ECDSA_SHA_384 (AWS KMS API Reference, Sign, response `Signature`). It refuses what KMS
 * would refuse for this key (another algorithm, a message over 4096 bytes) and records every request.
 * By default it holds the offline KMS's key for the requested key ID (tools/offline.ts), the same key whose public
 * half the program's offline evaluation reads through GetPublicKey.
 */
import { SignCommand, SignCommandInput } from "@aws-sdk/client-kms";
import * as assert from "assert";
import { createPublicKey, KeyObject, sign, verify } from "crypto";
import { offlineKmsSigningKey } from "../tools/offline";
import { SignClient } from "../tools/monitor-token";

export class StandInKms implements SignClient {
    public readonly requests: SignCommandInput[] = [];

    constructor(private readonly keyFor: (keyId: string) => KeyObject = (keyId) => offlineKmsSigningKey(keyId).privateKey) {}

    async send(command: SignCommand): Promise<{ Signature: Uint8Array; KeyId: string; SigningAlgorithm: "ECDSA_SHA_384" }> {
        const input = command.input;
        this.requests.push(input);
        if (input.SigningAlgorithm !== "ECDSA_SHA_384") {
            throw new Error(`InvalidKeyUsageException: ${String(input.SigningAlgorithm)} is not valid for an ECC_NIST_P384 key`);
        }
        const message = Buffer.from(input.Message ?? new Uint8Array());
        if (message.length > 4096) {
            throw new Error("ValidationException: messages of more than 4096 bytes must be sent as a digest");
        }
        if (input.MessageType !== "RAW") {
            // The key policy allows kms:Sign only with kms:MessageType RAW (infra/monitor-api-key.ts), so KMS would refuse.
            throw new Error(`AccessDeniedException: MessageType ${String(input.MessageType)} is not allowed by the key policy`);
        }
        // RAW: KMS hashes the message with SHA-384 and signs the digest.
        const signature = sign("sha384", message, { key: this.keyFor(String(input.KeyId)), dsaEncoding: "der" });
        return { Signature: new Uint8Array(signature), KeyId: String(input.KeyId), SigningAlgorithm: "ECDSA_SHA_384" };
    }
}

/** Checks an ES384 JWT against a dotnet-monitor public key (base64url JWK) with node:crypto; returns header and payload. */
export function verifyMonitorToken(token: string, publicKey: string): { header: unknown; payload: Record<string, string | number> } {
    const jwk = JSON.parse(Buffer.from(publicKey, "base64url").toString());
    const key = createPublicKey({ key: { kty: jwk.Kty, crv: jwk.Crv, x: jwk.X, y: jwk.Y }, format: "jwk" });
    const parts = token.split(".");
    assert.strictEqual(parts.length, 3, "three parts");
    const signature = Buffer.from(parts[2], "base64url");
    assert.strictEqual(signature.length, 96, "an ES384 JWS signature is 96 bytes");
    assert.ok(verify("sha384", Buffer.from(`${parts[0]}.${parts[1]}`), { key, dsaEncoding: "ieee-p1363" }, signature), "signature");
    return { header: JSON.parse(Buffer.from(parts[0], "base64url").toString()), payload: JSON.parse(Buffer.from(parts[1], "base64url").toString()) };
}
