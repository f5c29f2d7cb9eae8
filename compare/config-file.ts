/**
 * The stack file a compare run deploys a stack it creates from: a copy of the user's `Pulumi.<stack>.yaml`, with
 * `--task-size` written into it, in a scratch project folder of its own (`.compare/stacks/<stack>/`, beside the run
 * state) with a copy of `Pulumi.yaml`. The user's stack files are never written.
 *
 * What the CLI does with it (pulumi/pulumi v3.259.0, the newest tag the mirror holds; the installed Automation API,
 * @pulumi/pulumi 3.270.0 automation/stack.js applyGlobalOpts, passes `configFile` as `--config-file`):
 * - `up`, `destroy`, `preview` and `refresh` take `--config-file` (pkg/cmd/pulumi/operations/up.go, destroy.go) and
 *   read the stack's config from that file alone (pkg/cmd/pulumi/stack/io.go LoadProjectStack). They write back to
 *   that same file, never to Pulumi.<stack>.yaml, when the secrets manager changes the file's encryptionsalt,
 *   secretsprovider or encryptedkey (pkg/cmd/pulumi/config/io.go getAndSaveSecretsManager -> stack/io.go
 *   SaveProjectStack with the file): a copy keeps the user's salt and provider, so its secrets still decrypt and
 *   nothing is written.
 * - `stack init` has no `--config-file` (pkg/cmd/pulumi/stack/stack_new.go): it reads and, when the backend's
 *   secrets manager sets a salt (a passphrase on a DIY backend), rewrites Pulumi.<stack>.yaml in the project folder
 *   it runs in (stack/io.go CreateStack, stack/secrets.go createSecretsManagerForNewStack). Run in the scratch
 *   folder, it writes the copy, which every later operation then reads.
 * - `stack output` reads the outputs from the state with the state's own secrets manager, no stack file
 *   (pkg/cmd/pulumi/stack/stack_output.go).
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { TaskSize } from "../model/pricing";
import { DEFAULT_TASK_SIZE } from "../model/task-sizes";
import { key } from "../stacks/settings";

export interface ScratchProject {
    /** The scratch project folder (`stack init` runs there). */
    readonly dir: string;
    /** The stack file every operation on the stack reads (`--config-file`). */
    readonly configFile: string;
}

const stackFile = (workDir: string, stack: string) => path.join(workDir, `Pulumi.${stack}.yaml`);

/**
 * Lays out the scratch project for `stack` under `root`: Pulumi.yaml and Pulumi.<stack>.yaml copied from `workDir`,
 * the latter with `taskSize` set (comments, salt, provider and secure values kept as they are).
 */
export function writeScratchProject(workDir: string, stack: string, root: string, taskSize: TaskSize | undefined): ScratchProject {
    const source = stackFile(workDir, stack);
    if (!fs.existsSync(source)) {
        throw new Error(`there is no stack file ${source} to deploy stack ${stack} from`);
    }
    const dir = path.join(root, stack);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(workDir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const text = fs.readFileSync(source, "utf8");
    const configFile = path.join(dir, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(configFile, taskSize ? withTaskSize(text, taskSize) : text);
    return { dir, configFile };
}

/** The stack file's text with the task size set; comments, salt, provider and secure values stay as they are. */
function withTaskSize(text: string, size: TaskSize): string {
    const doc = parseDocument(text);
    doc.setIn(["config", key("taskCpu")], size.cpu);
    doc.setIn(["config", key("taskMemory")], size.memory);
    return doc.toString();
}

/** A stack file's `config:` map, as written (empty when the file has none). */
function configOf(file: string): Record<string, unknown> {
    return (parseDocument(fs.readFileSync(file, "utf8")).toJS() as { config?: Record<string, unknown> } | null)?.config ?? {};
}

/** The task size the user's own stack file gives the stack (Pulumi.yaml's defaults where it sets none). */
export function stackFileTaskSize(workDir: string, stack: string): TaskSize {
    const config = configOf(stackFile(workDir, stack));
    const num = (v: unknown, fallback: number) => (v === undefined ? fallback : Number(v));
    return { cpu: num(config[key("taskCpu")], DEFAULT_TASK_SIZE.cpu), memory: num(config[key("taskMemory")], DEFAULT_TASK_SIZE.memory) };
}

/**
 * The region a stack file deploys to (`aws:region`), else the environment's (AWS_REGION, AWS_DEFAULT_REGION, as the
 * AWS provider takes it), else undefined.
 */
export function stackFileRegion(file: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    const region = fs.existsSync(file) ? configOf(file)["aws:region"] : undefined;
    return typeof region === "string" && region !== "" ? region : env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

/** Removes a scratch project once its stack is gone. */
export function removeScratchProject(configFile: string): void {
    fs.rmSync(path.dirname(configFile), { recursive: true, force: true });
}
