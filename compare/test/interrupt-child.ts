/**
 * The compare process the Ctrl-C tests interrupt: main.ts's own interrupt handling around compare().
 * argv: state file, then "stacks" (the `pulumi` found on PATH, the stand-in; canned Artillery; a recording ECR) or
 * "local" (stand-in services; an Artillery stand-in that takes 60 s, so the interrupt lands in the benchmark).
 */
import * as path from "path";
import { compare, onInterrupt } from "../main";
import { cannedArtillery } from "./harness";

const [stateFile, mode] = process.argv.slice(2);
const controller = new AbortController();
onInterrupt(controller, stateFile);
const stub = path.resolve(__dirname, "../../bench/stub-server.js");
const slow = async () => {
    await new Promise((r) => setTimeout(r, 60_000));
    return cannedArtillery({});
};
compare(mode === "local" ? ["--local", "--no-cap", "--scale", "0.01", "--scenarios", "books"] : ["--yes", "--scale", "0.01", "--scenarios", "books"], {
    stateFile,
    signal: controller.signal,
    ecr: { listRepositories: async () => [], listDigests: async () => [], deleteDigests: async () => [] },
    benchDeps:
        mode === "local"
            ? { runScript: slow, quiet: true, localCommand: (_n, port) => ({ command: process.execPath, args: [stub, String(port)] }) }
            : { runScript: cannedArtillery, quiet: true },
    healthIntervalMs: 100,
}).then(
    (code) => process.exit(code),
    (e: Error) => {
        console.error(`compare: ${e.message}`);
        process.exit(1);
    },
);
