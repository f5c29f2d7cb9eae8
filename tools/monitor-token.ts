/**
 * `npm run monitor:token -- --stack <stack> [--minutes N]`: mints a short-lived bearer token for the stack's
 * dotnet-monitor API, signed by the stack's KMS key (kms:Sign, ECDSA_SHA_384), and prints it on stdout.
 * The key, issuer and subject come from `pulumi stack output monitor --stack <stack> --json`, or from
 * `--key-id`, `--issuer` and `--subject` (then no Pulumi CLI is needed; `--region` or AWS_REGION when the key is
 * given by ID rather than ARN). AWS credentials come from the usual chain (AWS_PROFILE, SSO, a role...), and must
 * belong to a principal the stack's `monitor.tokenSigners` names.
 *
 * KMS returns ECDSA signatures DER-encoded (API Reference, Sign, `Signature`: ANS X9.62-2005 / RFC 3279 2.2.3);
 * a JWS ES384 signature is the 96-byte r || s (RFC 7518 3.4): infra/monitor-jwt.ts derToJose converts.
 * Imports no Pulumi program code that declares resources.
 */
import { KMSClient, SignCommand, SignCommandOutput } from "@aws-sdk/client-kms";
import { execFile } from "child_process";
import { derToJose, monitorClaims, signingInput, TOKEN_MINUTES } from "../infra/monitor-jwt";

/** The one KMS call this needs; the real KMSClient, or a stand-in in tests. */
export interface SignClient {
    send(command: SignCommand): Promise<Pick<SignCommandOutput, "Signature">>;
}

export interface MintOptions {
    /** KMS key ID or ARN. */
    readonly keyId: string;
    readonly issuer: string;
    readonly subject: string;
    readonly minutes: number;
    /** Unix seconds the token is issued at. Default: now. */
    readonly nowSeconds?: number;
}

export interface MintedToken {
    readonly token: string;
    /** ISO 8601 UTC. */
    readonly expiresAt: string;
}

/** Signs the token's header and claims with KMS and assembles the JWT. */
export async function mintMonitorToken(kms: SignClient, options: MintOptions): Promise<MintedToken> {
    const claims = monitorClaims(options.subject, options.issuer, options.nowSeconds ?? Math.floor(Date.now() / 1000), options.minutes);
    const input = signingInput(claims);
    const { Signature } = await kms.send(
        new SignCommand({ KeyId: options.keyId, Message: Buffer.from(input), MessageType: "RAW", SigningAlgorithm: "ECDSA_SHA_384" }),
    );
    if (Signature === undefined) {
        throw new Error(`KMS returned no signature for key ${options.keyId}.`);
    }
    return { token: `${input}.${derToJose(Signature).toString("base64url")}`, expiresAt: new Date(claims.exp * 1000).toISOString() };
}

export interface TokenArgs {
    readonly stack?: string;
    readonly minutes: number;
    readonly keyId?: string;
    readonly issuer?: string;
    readonly subject?: string;
    readonly region?: string;
}

const USAGE = "usage: npm run monitor:token -- --stack <stack> [--minutes N] | --key-id <id or ARN> --issuer <iss> --subject <sub> [--region <region>] [--minutes N]";

/** Parses the command's arguments; errors name the flag, the value, and what is allowed. */
export function parseTokenArgs(argv: readonly string[]): TokenArgs {
    const flags = new Map<string, string>();
    for (let i = 0; i < argv.length; i += 2) {
        const [flag, value] = [argv[i], argv[i + 1]];
        if (!["--stack", "--minutes", "--key-id", "--issuer", "--subject", "--region"].includes(flag)) {
            throw new Error(`Unknown argument ${JSON.stringify(flag)}; ${USAGE}`);
        }
        if (value === undefined || value.startsWith("--") || value === "") {
            throw new Error(`${flag} needs a value; ${USAGE}`);
        }
        flags.set(flag.slice(2), value);
    }
    const minutesText = flags.get("minutes") ?? String(TOKEN_MINUTES.default);
    const minutes = Number(minutesText);
    if (!/^\d+$/.test(minutesText) || minutes < 1 || minutes > TOKEN_MINUTES.max) {
        throw new Error(`--minutes is ${JSON.stringify(minutesText)}; expected a whole number of minutes from 1 to ${TOKEN_MINUTES.max}.`);
    }
    const direct = ["key-id", "issuer", "subject"].filter((f) => flags.has(f));
    if (flags.has("stack") === (direct.length > 0) || (direct.length > 0 && direct.length < 3)) {
        throw new Error(`Give either --stack, or all of --key-id, --issuer and --subject; ${USAGE}`);
    }
    return { stack: flags.get("stack"), minutes, keyId: flags.get("key-id"), issuer: flags.get("issuer"), subject: flags.get("subject"), region: flags.get("region") };
}

/** What `pulumi stack output monitor --json` says the token needs (the program's StackOutputs.monitor). */
export function keyFromStackOutput(stack: string, json: string): { keyId: string; issuer: string; subject: string } {
    const monitor = JSON.parse(json) as { tokenKeyArn?: unknown; issuer?: unknown; subject?: unknown } | null;
    const { tokenKeyArn, issuer, subject } = monitor ?? {};
    if (typeof tokenKeyArn !== "string" || typeof issuer !== "string" || typeof subject !== "string") {
        throw new Error(`Stack ${stack}'s output "monitor" has no tokenKeyArn, issuer and subject: is dotnet-monitor enabled, and was the stack deployed with a KMS signing key?`);
    }
    return { keyId: tokenKeyArn, issuer, subject };
}

/** The region in a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), or undefined for a bare key ID. */
export const regionOfKey = (keyId: string): string | undefined => /^arn:[^:]+:kms:([^:]+):/.exec(keyId)?.[1];

function stackOutput(stack: string): Promise<string> {
    return new Promise((resolve, reject) =>
        execFile("pulumi", ["stack", "output", "monitor", "--stack", stack, "--json"], (error, stdout, stderr) =>
            error ? reject(new Error(`pulumi stack output monitor --stack ${stack} failed: ${stderr.trim() || error.message}`)) : resolve(stdout),
        ),
    );
}

async function main(): Promise<void> {
    const args = parseTokenArgs(process.argv.slice(2));
    const key = args.stack !== undefined ? keyFromStackOutput(args.stack, await stackOutput(args.stack)) : { keyId: args.keyId!, issuer: args.issuer!, subject: args.subject! };
    const region = args.region ?? regionOfKey(key.keyId) ?? process.env.AWS_REGION;
    const minted = await mintMonitorToken(new KMSClient(region ? { region } : {}), { ...key, minutes: args.minutes });
    process.stderr.write(`monitor-token: valid until ${minted.expiresAt} (sub ${key.subject})\n`);
    process.stdout.write(`${minted.token}\n`);
}

if (require.main === module) {
    main().catch((err: Error) => {
        process.stderr.write(`monitor-token: ${err.message}\n`);
        process.exit(1);
    });
}
