/**
 * The token command (tools/monitor-token.ts) and the signature conversion it relies on (infra/monitor-jwt.ts).
 * KMS is replaced by a stand-in that signs as KMS does (DER, test/monitor-token-helpers.ts); the tokens are checked with
 * node:crypto's own verifier, and against dotnet-monitor's validation with Microsoft.IdentityModel in services/tests
 * (MonitorApiKeyTests, fed by test/fixtures/monitor-key.ts). What only a real account proves: that KMS accepts the
 * key policy's conditions and that the named principals can call Sign.
 * Contracts: dotnet/dotnet-monitor v10.0.3 documentation/api-key-format.md (claims, header, JWK); AWS KMS API
 * Reference, Sign (DER ECDSA signatures); RFC 7518 section 3.4 (ES384 = 48-byte r || 48-byte s).
 */
import * as assert from "assert";
import { generateKeyPairSync, sign, verify } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { derToJose, monitorJwkFromSpki } from "../infra/monitor-jwt";
import { offlineKmsSigningKey } from "../tools/offline";
import { projectRoot } from "../model/paths";
import { keyFromStackOutput, mintMonitorToken, parseTokenArgs, regionOfKey } from "../tools/monitor-token";
import { runProgram } from "./harness";
import { StandInKms, verifyMonitorToken } from "./monitor-token-helpers";

const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666";

const spkiOf = (keyId: string) => offlineKmsSigningKey(keyId).publicKey.export({ format: "der", type: "spki" }).toString("base64");

describe("DER to JWS signature conversion", () => {
    // Real DER signatures from node:crypto (OpenSSL's encoder), picked by the shape of their integers; each converted
    // signature must verify as IEEE P1363 (r || s), which only the right conversion does.
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
    const shapes: [string, (r: Buffer, s: Buffer) => boolean][] = [
        ["r's high bit set (DER adds a 0x00 sign byte, 49 bytes)", (r) => r.length === 49],
        ["s's high bit set (49 bytes)", (_r, s) => s.length === 49],
        ["both high bits clear (48 bytes each)", (r, s) => r.length === 48 && s.length === 48],
        ["r with a leading zero byte (DER drops it, 47 bytes or fewer)", (r) => r.length < 48],
        ["s with a leading zero byte (47 bytes or fewer)", (_r, s) => s.length < 48],
        ["both high bits set (the longest, 104 bytes: P-384 never needs a long-form length)", (r, s) => r.length === 49 && s.length === 49],
    ];
    const integers = (der: Buffer): [Buffer, Buffer] => {
        const start = der[1] === 0x81 ? 3 : 2;
        const rLength = der[start + 1];
        return [der.subarray(start + 2, start + 2 + rLength), der.subarray(start + 4 + rLength)];
    };
    for (const [shape, matches] of shapes) {
        it(`converts a signature with ${shape}`, () => {
            for (let i = 0; i < 5000; i++) {
                const message = Buffer.from(`message ${i}`);
                const der = sign("sha384", message, { key: privateKey, dsaEncoding: "der" });
                const [r, s] = integers(der);
                if (!matches(r, s)) {
                    continue;
                }
                const jose = derToJose(der);
                assert.strictEqual(jose.length, 96);
                assert.ok(verify("sha384", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, jose), `signature ${der.toString("hex")}`);
                return;
            }
            assert.fail(`no signature with ${shape} in 5000 tries`);
        });
    }

    const hex = (h: string) => Buffer.from(h.replace(/\s/g, ""), "hex");
    const r48 = "ab".repeat(48);
    const s48 = "11".repeat(48);
    const cases: [string, string, string][] = [
        ["r and s of one byte each", "3006 020101 020102", "00".repeat(47) + "01" + "00".repeat(47) + "02"],
        ["r of 46 bytes (two leading zero bytes dropped)", `3062 022e${"7f".repeat(46)} 0230${s48}`, `0000${"7f".repeat(46)}${s48}`],
        ["r with its high bit set, 0x00-padded", `3065 0231 00${r48} 0230${s48}`, `${r48}${s48}`],
        ["both high bits set", `3066 0231 00${r48} 0231 00${"ff".repeat(48)}`, `${r48}${"ff".repeat(48)}`],
    ];
    for (const [title, der, expected] of cases) {
        it(`takes ${title}`, () => assert.strictEqual(derToJose(hex(der)).toString("hex"), hex(expected).toString("hex")));
    }
    const refused: [string, string, string][] = [
        ["not a SEQUENCE", "3106 020101 020102", "it does not start with a SEQUENCE"],
        ["a SEQUENCE length that disagrees", "3007 020101 020102", "the SEQUENCE says 7 bytes, 6 follow"],
        ["bytes after s", "3008 020101 020102 0000", "bytes follow s"],
        ["a negative r", "3006 020181 020102", "r is negative"],
        ["a needless leading zero", "3007 02020001 020102", "r has a needless leading zero"],
        ["an r of 49 significant bytes", `3066 0231 01${r48} 0231 00${"ff".repeat(48)}`, "r has 49 bytes, more than 48"],
        ["a non-minimal long-form length", "30 81 06 020101 020102", "length byte 0x81 is not a minimal DER length"],
        ["s missing", "3003 020101", "s is not an INTEGER"],
        ["an empty input", "", "it does not start with a SEQUENCE"],
    ];
    for (const [title, der, why] of refused) {
        it(`refuses ${title}`, () => assert.throws(() => derToJose(hex(der)), { message: `Not a DER ECDSA signature for 384-bit keys: ${why}.` }));
    }
});

describe("minting a monitor token with KMS", () => {
    const now = 1_800_000_000;

    it("signs with the stack's key, RAW and ECDSA_SHA_384, and the token carries exactly dotnet-monitor's claims", async () => {
        const kms = new StandInKms();
        const minted = await mintMonitorToken(kms, { keyId: KEY_ARN, issuer: "dotnet-fargate", subject: "dotnet-fargate-arm64-monitor", minutes: 60, nowSeconds: now });
        assert.deepStrictEqual(kms.requests.map((r) => [r.KeyId, r.MessageType, r.SigningAlgorithm]), [[KEY_ARN, "RAW", "ECDSA_SHA_384"]]);
        assert.strictEqual(Buffer.from(kms.requests[0].Message!).toString(), minted.token.split(".").slice(0, 2).join("."), "KMS signs the JWS signing input");
        const { header, payload } = verifyMonitorToken(minted.token, monitorJwkFromSpki(spkiOf(KEY_ARN)));
        assert.deepStrictEqual(header, { alg: "ES384", typ: "JWT" });
        assert.deepStrictEqual(payload, { aud: "https://github.com/dotnet/dotnet-monitor", exp: now + 3600, iat: now, iss: "dotnet-fargate", sub: "dotnet-fargate-arm64-monitor" });
        assert.strictEqual(minted.expiresAt, new Date((now + 3600) * 1000).toISOString());
    });

    it("makes a token that another key's JWK refuses", async () => {
        const minted = await mintMonitorToken(new StandInKms(), { keyId: KEY_ARN, issuer: "i", subject: "s", minutes: 5, nowSeconds: now });
        assert.throws(() => verifyMonitorToken(minted.token, monitorJwkFromSpki(spkiOf(`${KEY_ARN}-other`))), /signature/);
    });

    it("turns KMS's public key into dotnet-monitor's JWK, public part only, and refuses another curve", () => {
        const jwk = JSON.parse(Buffer.from(monitorJwkFromSpki(spkiOf(KEY_ARN)), "base64url").toString());
        const expected = offlineKmsSigningKey(KEY_ARN).publicKey.export({ format: "jwk" });
        assert.deepStrictEqual(jwk, { AdditionalData: {}, Crv: "P-384", KeyOps: [], Kty: "EC", X: expected.x, X5c: [], Y: expected.y, KeySize: 384, HasPrivateKey: false });
        const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "der", type: "spki" }).toString("base64");
        assert.throws(() => monitorJwkFromSpki(p256), { message: "The monitor's signing key must be an EC P-384 public key (KMS key spec ECC_NIST_P384); got kty EC, crv P-256." });
    });
});

describe("the monitor:token command's arguments", () => {
    it("defaults to 60 minutes and takes up to 1440", () => {
        assert.deepStrictEqual(parseTokenArgs(["--stack", "arm64"]), { stack: "arm64", minutes: 60, keyId: undefined, issuer: undefined, subject: undefined, region: undefined });
        assert.strictEqual(parseTokenArgs(["--stack", "arm64", "--minutes", "1440"]).minutes, 1440);
        assert.deepStrictEqual(parseTokenArgs(["--key-id", KEY_ARN, "--issuer", "i", "--subject", "s", "--minutes", "5"]), { stack: undefined, minutes: 5, keyId: KEY_ARN, issuer: "i", subject: "s", region: undefined });
    });
    const usage = "usage: npm run monitor:token -- --stack <stack> [--minutes N] | --key-id <id or ARN> --issuer <iss> --subject <sub> [--region <region>] [--minutes N]";
    const refused: [string, string[], string][] = [
        ["0 minutes", ["--stack", "a", "--minutes", "0"], '--minutes is "0"; expected a whole number of minutes from 1 to 1440.'],
        ["a day and a minute", ["--stack", "a", "--minutes", "1441"], '--minutes is "1441"; expected a whole number of minutes from 1 to 1440.'],
        ["a fraction", ["--stack", "a", "--minutes", "1.5"], '--minutes is "1.5"; expected a whole number of minutes from 1 to 1440.'],
        ["a stack and a key", ["--stack", "a", "--key-id", "k"], `Give either --stack, or all of --key-id, --issuer and --subject; ${usage}`],
        ["a key without its subject", ["--key-id", "k", "--issuer", "i"], `Give either --stack, or all of --key-id, --issuer and --subject; ${usage}`],
        ["nothing", [], `Give either --stack, or all of --key-id, --issuer and --subject; ${usage}`],
        ["an unknown flag", ["--stack", "a", "--days", "1"], `Unknown argument "--days"; ${usage}`],
        ["a flag without its value", ["--stack"], `--stack needs a value; ${usage}`],
    ];
    for (const [title, argv, message] of refused) {
        it(`refuses ${title}`, () => assert.throws(() => parseTokenArgs(argv), { message }));
    }

    it("reads the key, issuer and subject from the program's own `monitor` output", async () => {
        const { outputs } = await runProgram("arm64", { config: { services: ["bookstore", "prime", "profiling"] } });
        const key = keyFromStackOutput("arm64", JSON.stringify(outputs.monitor));
        assert.deepStrictEqual(key, { keyId: (outputs.monitor as { tokenKeyArn: string }).tokenKeyArn, issuer: "dotnet-fargate", subject: "dotnet-fargate-arm64-monitor" });
        assert.strictEqual(regionOfKey(key.keyId), "eu-west-1");
        assert.strictEqual(regionOfKey("0a1b2c3d-1111-2222-3333-444455556666"), undefined);
        assert.throws(() => keyFromStackOutput("amd64", JSON.stringify({ bucket: "b", token: "t" })), {
            message: 'Stack amd64\'s output "monitor" has no tokenKeyArn, issuer and subject: is dotnet-monitor enabled, and was the stack deployed with a KMS signing key?',
        });
    });

    it("imports no Pulumi code: running it never declares a resource", () => {
        // Walks the command's own imports (relative ones, transitively): none may reach @pulumi packages.
        const seen = new Set<string>();
        const walk = (file: string): void => {
            if (seen.has(file)) {
                return;
            }
            seen.add(file);
            const source = fs.readFileSync(file, "utf8");
            for (const [, spec] of source.matchAll(/^import [^;]*? from "([^"]+)";/gms)) {
                assert.ok(!spec.startsWith("@pulumi/"), `${path.relative(projectRoot(), file)} imports ${spec}`);
                if (spec.startsWith(".")) {
                    walk(path.resolve(path.dirname(file), `${spec}.ts`));
                }
            }
        };
        walk(path.join(projectRoot(), "tools", "monitor-token.ts"));
        assert.deepStrictEqual([...seen].map((f) => path.relative(projectRoot(), f)).sort(), ["infra/monitor-jwt.ts", "tools/monitor-token.ts"]);
    });
});
