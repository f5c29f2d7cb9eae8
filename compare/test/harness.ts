/**
 * What the compare tests share: a folder with the stand-in `pulumi` (bin/pulumi), its stacks and its call log; a
 * stub server as the stacks' load balancer; a stand-in ECR; and Artillery replaced by canned figures (the
 * benchmark itself is tested in bench/; here only the sequence around it is).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { artilleryMetrics } from "../../bench/fixtures";
import { ScriptRunner } from "../../bench/runner";
import { EcrApi, Repository } from "../ecr";
import { REPO_ROOT } from "../../bench/local";

export const FAKE_PULUMI = path.resolve(__dirname, "fake-pulumi.js");

export interface Call {
    readonly args: string[];
    readonly cwd: string;
    readonly start: number;
    readonly end: number;
    readonly code: number;
    readonly sigints?: number;
}

export class Harness {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "compare-test-"));
    readonly ecrCalls: { op: string; repo: string; at: number }[] = [];

    /** A copy of the project's Pulumi.yaml and stack files, the folder the stacks are deployed from: the user's files. */
    readonly projectDir = path.join(this.dir, "project");

    constructor() {
        fs.mkdirSync(this.projectDir);
        for (const f of ["Pulumi.yaml", "Pulumi.arm64.yaml", "Pulumi.amd64.yaml"]) {
            fs.copyFileSync(path.join(REPO_ROOT, f), path.join(this.projectDir, f));
        }
        fs.mkdirSync(path.join(this.dir, "bin"));
        fs.writeFileSync(path.join(this.dir, "bin", "pulumi"), `#!/bin/sh\nexec "${process.execPath}" "${FAKE_PULUMI}" "$@"\n`, { mode: 0o755 });
    }

    get stateFile(): string {
        return path.join(this.dir, "state", "state.json");
    }

    /** The outputs each stack gets from an up: the stub's URL, our two services, an image each in its own repository. */
    program(url: string, urls: Partial<Record<string, string>> = {}): void {
        const out = (arch: string) => ({
            url: urls[arch] ?? url,
            architecture: arch,
            taskSize: { cpu: 512, memory: 1024 },
            desiredCount: 1,
            serviceNames: { bookstore: `bookstore-${arch}`, prime: `prime-${arch}` },
            images: {
                bookstore: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/bookstore-${arch}:abc@sha256:${"1".repeat(64)}`,
                prime: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/prime-${arch}:def@sha256:${"2".repeat(64)}`,
            },
            monitor: { token: "not-shown" },
        });
        fs.writeFileSync(path.join(this.dir, "program.json"), JSON.stringify({ arm64: out("arm64"), amd64: out("amd64") }));
    }

    /** Every file of the project copy, by name: what the tests compare byte for byte before and after a run. */
    userFiles(): Record<string, string> {
        return Object.fromEntries(fs.readdirSync(this.projectDir).map((f) => [f, fs.readFileSync(path.join(this.projectDir, f), "utf8")]));
    }

    /** A stack that exists before the run, as a user's would (its file has the salt its `stack init` wrote). */
    existingStack(name: string, tags: Record<string, string> = {}, config = ""): void {
        fs.appendFileSync(path.join(this.projectDir, `Pulumi.${name}.yaml`), `${config}encryptionsalt: v1:users-own-salt\n`);
        fs.mkdirSync(path.join(this.dir, "stacks"), { recursive: true });
        fs.writeFileSync(path.join(this.dir, "stacks", `${name}.json`), JSON.stringify({ tags, outputs: {}, resources: 5 }));
    }

    stackExists(name: string): boolean {
        return fs.existsSync(path.join(this.dir, "stacks", `${name}.json`));
    }

    calls(): Call[] {
        const file = path.join(this.dir, "calls.jsonl");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Call) : [];
    }

    /** The `up`s and `destroy`s under way or done, as the stand-in noted each start: "up arm64". */
    running(): string[] {
        const file = path.join(this.dir, "running.jsonl");
        return fs.existsSync(file)
            ? fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { op: string; stack: string }).map((r) => `${r.op} ${r.stack}`)
            : [];
    }

    /** Each command as "up arm64", "stack init amd64", "stack tag set arm64", "stack rm arm64" (the flags the Automation API adds left out). */
    commands(): string[] {
        return this.calls().map((c) => {
            const firstFlag = c.args.findIndex((x) => x.startsWith("-"));
            const lead = (firstFlag < 0 ? c.args : c.args.slice(0, firstFlag)).slice(0, 3);
            const i = c.args.indexOf("--stack");
            const target = i >= 0 ? c.args[i + 1] : c.args[1] === "rm" ? c.args[c.args.length - 2] : undefined;
            return [...lead.filter((w) => w !== target), ...(target ? [target] : [])].join(" ");
        });
    }

    /**
     * ECR as the stacks leave it: the repositories the images output names, and under each stack's prefix one more,
     * its TaskInfo image's (no output names it), in the region the stack files give (eu-west-1).
     */
    ecr(): EcrApi {
        return {
            listRepositories: async (region: string, prefix: string) => {
                this.ecrCalls.push({ op: "find", repo: `${region} ${prefix}`, at: Date.now() });
                return region === "eu-west-1" ? [{ region, registryId: "123456789012", name: `${prefix}task-info` }] : [];
            },
            listDigests: async (repo: Repository) => {
                this.ecrCalls.push({ op: "list", repo: repo.name, at: Date.now() });
                return [`sha256:${repo.name}`];
            },
            deleteDigests: async (repo: Repository) => {
                this.ecrCalls.push({ op: "delete", repo: repo.name, at: Date.now() });
                return [];
            },
        };
    }

    env(): Record<string, string> {
        return { FAKE_PULUMI_DIR: this.dir };
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** Artillery's place: every script answered with 20 requests at 5 ms, 200 each. */
export const cannedArtillery: ScriptRunner = async () => {
    const m = artilleryMetrics(Array.from({ length: 20 }, () => 5), 100);
    return { report: { aggregate: m, intermediate: [m] }, clientCpuPercent: null, wallS: 1, sendingS: null };
};
