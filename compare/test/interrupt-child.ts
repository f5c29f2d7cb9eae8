/**
 * The compare process the Ctrl-C test interrupts: main.ts's own interrupt handling around compare(), with the
 * `pulumi` found on PATH (the stand-in), canned Artillery and a recording ECR; argv: state file, stub URL.
 */
import { compare, onInterrupt } from "../main";
import { cannedArtillery } from "./harness";

const [stateFile] = process.argv.slice(2);
const controller = new AbortController();
onInterrupt(controller, stateFile);
compare(["--yes", "--scale", "0.01", "--scenarios", "books"], {
    stateFile,
    signal: controller.signal,
    ecr: { listDigests: async () => [], deleteDigests: async () => [] },
    benchDeps: { runScript: cannedArtillery, quiet: true },
    healthIntervalMs: 100,
}).then(
    (code) => process.exit(code),
    (e: Error) => {
        console.error(`compare: ${e.message}`);
        process.exit(1);
    },
);
