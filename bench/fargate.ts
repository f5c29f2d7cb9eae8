/**
 * `--engine fargate`: the same Artillery scripts, run by `artillery run-fargate` on N Fargate workers in the
 * stack's region (and, when the stack exports `loadGenerator`, in its private subnets with a security group
 * the load balancer admits).
 *
 * Contracts read from artilleryio/artillery at tag artillery-2.0.34:
 * - packages/artillery/lib/cmds/run-fargate.ts: flags `--count`, `--region` (default us-east-1),
 *   `--subnet-ids` and `--security-group-ids` (comma-separated), `--no-assign-public-ip` (workers in private
 *   subnets then need a NAT route), `--output` (from lib/cli/common-flags.ts), and the script as argument.
 * - Credentials: the AWS SDK v3 default chain (environment, shared config/credentials files and profiles,
 *   SSO via lib/platform/aws/aws-get-credentials.ts, container and instance roles). We refuse early when no
 *   source of that chain is present, rather than let a worker launch fail after a minute.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import type { LoadGeneratorPlacement } from "../model/stack-outputs";
import { ArtilleryError, ArtilleryRun, artilleryBin, parseArtilleryReport } from "./artillery";

/** Where the stack lets the workers run (the stack output `loadGenerator`). */
export interface FargateOptions {
    readonly count: number;
    readonly region: string;
    readonly placement?: LoadGeneratorPlacement;
}

/** The arguments of `artillery run-fargate` for one script and output file. */
export function fargateArgs(o: FargateOptions, scriptFile: string, outFile: string): string[] {
    if (!Number.isInteger(o.count) || o.count < 1) {
        throw new RangeError(`--count must be a whole number >= 1, got ${o.count}`);
    }
    const args = ["run-fargate", "--count", String(o.count), "--region", o.region];
    if (o.placement) {
        if (o.placement.region !== o.region) {
            throw new RangeError(`the stack's loadGenerator is in ${o.placement.region}, not ${o.region}`);
        }
        args.push("--subnet-ids", o.placement.subnetIds.join(","), "--security-group-ids", o.placement.securityGroupId, "--no-assign-public-ip");
    }
    args.push("--output", outFile, scriptFile);
    return args;
}

export class CredentialsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CredentialsError";
    }
}

/**
 * Refuses when none of the default chain's sources is present: no AWS_ACCESS_KEY_ID, AWS_PROFILE,
 * AWS_WEB_IDENTITY_TOKEN_FILE, container credentials URI, and no ~/.aws/credentials or ~/.aws/config.
 * An EC2 instance role cannot be seen without a network call: on such a machine, set AWS_PROFILE or export
 * the role's credentials.
 */
export function checkAwsCredentials(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
    const fromEnv = [
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ].find((k) => env[k]);
    if (fromEnv) {
        return fromEnv;
    }
    const files = [env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, ".aws", "credentials"), env.AWS_CONFIG_FILE ?? path.join(home, ".aws", "config")];
    const file = files.find((f) => fs.existsSync(f));
    if (file) {
        return file;
    }
    throw new CredentialsError(
        "--engine fargate needs AWS credentials and none were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, " +
            "or AWS_PROFILE, or run `aws configure` / `aws sso login` (looked for the environment variables " +
            "AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_*, and the files " +
            `${files.join(", ")}).`,
    );
}

/** A script runner that runs each script with `artillery run-fargate`; spawn is replaceable for tests. */
export function fargateRunner(
    o: FargateOptions,
    deps: { bin?: string; spawnArtillery?: (bin: string, args: string[]) => Promise<number | null>; log?: (line: string) => void } = {},
): (script: Record<string, unknown>) => Promise<ArtilleryRun> {
    return async (script) => {
        const bin = deps.bin ?? artilleryBin();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-fargate-"));
        try {
            const scriptFile = path.join(dir, "script.yml");
            const outFile = path.join(dir, "out.json");
            fs.writeFileSync(scriptFile, stringify(script));
            const args = fargateArgs(o, scriptFile, outFile);
            deps.log?.(`artillery ${args.join(" ")}`);
            const started = Date.now();
            const code = await (deps.spawnArtillery ?? spawnInherit)(bin, args);
            if (code !== 0 || !fs.existsSync(outFile)) {
                throw new ArtilleryError(`artillery run-fargate exited with ${code} and wrote no output (its messages are above)`);
            }
            // The workers' CPU is not ours to read; Artillery itself warns when a worker's CPU is high.
            // Neither the workers' CPU nor their phase timing reaches this machine: fixed-rate tests are taken over
            // their nominal length, and the capacity phases are judged per reporting period instead.
            return { report: parseArtilleryReport(fs.readFileSync(outFile, "utf8"), outFile), clientCpuPercent: null, wallS: (Date.now() - started) / 1000, sendingS: null };
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    };
}

function spawnInherit(bin: string, args: string[]): Promise<number | null> {
    return new Promise((resolve, reject) => {
        const child = spawn(bin, args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: "true" } });
        child.on("error", reject);
        child.on("exit", resolve);
    });
}
