/**
 * Each image's own build context: a folder the program lays out with exactly what one service's image is built
 * from, so that docker-build's rebuild decision (its context hash) and the image's tag cover the same files, and
 * editing one service rebuilds and redeploys that service alone.
 *
 * Why a folder of its own: docker-build rebuilds an image whenever anything in its context changes
 * (pulumi/docker-build v0.0.22 `provider/internal/image.go` Diff). With one context for every service, editing
 * one service rebuilt all of them and pushed them again under their unchanged tags, which an immutable ECR
 * repository refuses (builds are not byte-reproducible, so the digest differs). Here the context holds the
 * project's folder, the folders of the projects it references (transitively), the shared build files on the way
 * down to them (global.json, Directory.Build.props/.targets, Directory.Packages.props, NuGet.config), the
 * Dockerfile and the files every image carries (the RDS certificate authorities), less what the source context's
 * `.dockerignore` and the lean-context rules leave out (build output, VCS folders, test results, local
 * databases). The tag is derived from docker-build's own hash of that folder (context-hash.ts) plus the build
 * arguments and platform, which docker-build diffs apart from the context.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { contextFiles, contextHash } from "./context-hash";
import { IgnoreRules, readIgnoreFile } from "./dockerignore";

/** Folder inside each staged context for what the program adds: the Dockerfile and the files every image carries. */
export const STAGED_DIR = ".dotnet-fargate";

/** Never part of an image, whatever the project's own `.dockerignore` says: output, VCS, editor and test state, local databases. */
export const LEAN_CONTEXT_PATTERNS: readonly string[] = [
    "**/bin", "**/obj", "**/.git", "**/.vs", "**/.idea", "**/.vscode", "**/TestResults", "**/node_modules",
    "**/publish", "**/artifacts", "**/*.user", "**/*.db", "**/*.db-shm", "**/*.db-wal", "**/*.sqlite", "**/*.sqlite3",
];

/** Files every restore and build reads from the folders above a project (case-insensitive). */
const SHARED_BUILD_FILE = /^(global\.json|Directory\.(Build|Packages)\.(props|targets)|nuget\.config)$/i;

export interface ImageContextArgs {
    /** The source context folder (absolute): the repository's `services/`, or a user's folder. */
    readonly sourceContext: string;
    /** The project's folder, relative to `sourceContext`. */
    readonly project: string;
    /** The Dockerfile (absolute). */
    readonly dockerfile: string;
    /** Files every image carries, copied into `STAGED_DIR/<name>`: name to absolute path. */
    readonly carried: Readonly<Record<string, string>>;
    /** Where to lay the context out (absolute); made to hold exactly the context, nothing else. */
    readonly stageDir: string;
    /** Build arguments, which docker-build diffs apart from the context. */
    readonly buildArgs: Readonly<Record<string, string>>;
    /** The one platform, e.g. "linux/arm64". */
    readonly platform: string;
}

export interface ImageContext {
    /** The staged context folder (absolute). */
    readonly contextDir: string;
    /** The staged Dockerfile (absolute). */
    readonly dockerfile: string;
    /** docker-build's context hash of the staged folder. */
    readonly contextHash: string;
    /** `src-` and 12 hex characters over the context hash, the build arguments and the platform. */
    readonly tag: string;
}

/** Lays out one image's context in `stageDir` and names its tag. */
export function stageImageContext(args: ImageContextArgs): ImageContext {
    const wanted = new Map<string, string>();
    for (const file of contextSources(args.sourceContext, args.project)) {
        wanted.set(file, path.join(args.sourceContext, file));
    }
    wanted.set(`${STAGED_DIR}/Dockerfile`, args.dockerfile);
    for (const [name, source] of Object.entries(args.carried)) {
        wanted.set(`${STAGED_DIR}/${name}`, source);
    }
    syncFolder(args.stageDir, wanted);
    const dockerfile = path.join(args.stageDir, STAGED_DIR, "Dockerfile");
    const hash = contextHash(args.stageDir, dockerfile);
    const tag = createHash("sha256")
        .update(hash)
        .update(JSON.stringify(Object.entries(args.buildArgs).sort(([a], [b]) => (a < b ? -1 : 1))))
        .update(args.platform)
        .digest("hex");
    return { contextDir: args.stageDir, dockerfile, contextHash: hash, tag: `src-${tag.slice(0, 12)}` };
}

/** The files (relative to `root`, slash-separated) one project's image is built from. */
export function contextSources(root: string, project: string): string[] {
    const folders = [...projectClosure(root, project)];
    const ignoreFile = path.join(root, ".dockerignore");
    const own = fs.existsSync(ignoreFile) ? readIgnoreFile(fs.readFileSync(ignoreFile, "utf8")) : [];
    const rules = new IgnoreRules([...own, ...LEAN_CONTEXT_PATTERNS]);
    const files = new Set<string>();
    for (const folder of folders) {
        const parts = folder === "." ? [] : folder.split("/");
        for (let depth = 0; depth <= parts.length; depth++) {
            const dir = parts.slice(0, depth).join("/");
            fs.readdirSync(path.join(root, dir), { withFileTypes: true })
                .filter((e) => e.isFile() && SHARED_BUILD_FILE.test(e.name))
                .forEach((e) => files.add(dir === "" ? e.name : `${dir}/${e.name}`));
        }
        contextFiles(root, rules, folder).forEach((f) => files.add(f));
    }
    return [...files].filter((f) => !rules.excludes(f).excluded).sort();
}

/** The project's folder and the folders of every project it references, relative to `root`, slash-separated. */
export function projectClosure(root: string, project: string, seen = new Set<string>()): Set<string> {
    const folder = path.posix.normalize(project.split(path.sep).join("/")).replace(/\/$/, "");
    if (seen.has(folder)) {
        return seen;
    }
    const full = path.join(root, folder);
    if (!fs.existsSync(full) || !fs.statSync(full).isDirectory()) {
        throw new Error(`image context: "${folder}" is not a folder in "${root}"`);
    }
    seen.add(folder);
    const projectFiles = fs.readdirSync(full).filter((f) => /\.(cs|fs|vb)proj$/.test(f));
    if (projectFiles.length !== 1) {
        throw new Error(`image context: expected one project file in "${folder}", found ${projectFiles.length}`);
    }
    const text = fs.readFileSync(path.join(full, projectFiles[0]), "utf8");
    for (const match of text.matchAll(/<ProjectReference\s+Include="([^"]+)"/g)) {
        const referenced = path.posix.dirname(path.posix.normalize(path.posix.join(folder, match[1].replace(/\\/g, "/"))));
        if (referenced === ".." || referenced.startsWith("../")) {
            throw new Error(`image context: "${folder}" references "${match[1]}", outside the build context "${root}"`);
        }
        projectClosure(root, referenced, seen);
    }
    return seen;
}

/**
 * Makes `dir` hold exactly `wanted` (relative path to source file): copies what differs, removes what is not
 * wanted, and writes nothing when the folder is already right (a preview of an unchanged tree touches no file).
 */
function syncFolder(dir: string, wanted: ReadonlyMap<string, string>): void {
    fs.mkdirSync(dir, { recursive: true });
    const present = fs.readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => !e.isDirectory())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
    for (const file of present.filter((f) => !wanted.has(f))) {
        fs.rmSync(path.join(dir, file), { force: true });
    }
    for (const [file, source] of wanted) {
        copyIfChanged(source, path.join(dir, file));
    }
    removeEmptyFolders(dir);
}

/**
 * Copies a file with a normalised mode (0755 if anyone may run it, else 0644): docker-build hashes modes, and a
 * checkout's modes follow the machine's umask, so the same tree would otherwise get another tag elsewhere.
 */
function copyIfChanged(from: string, to: string): void {
    const bytes = fs.readFileSync(from);
    const mode = fs.statSync(from).mode & 0o111 ? 0o755 : 0o644;
    const current = fs.existsSync(to) ? fs.lstatSync(to) : undefined;
    if (current?.isFile() && (current.mode & 0o7777) === mode && fs.readFileSync(to).equals(bytes)) {
        return;
    }
    fs.rmSync(to, { force: true });
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, bytes, { mode });
    fs.chmodSync(to, mode);
}

function removeEmptyFolders(dir: string): boolean {
    let empty = true;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory() && removeEmptyFolders(full)) {
            fs.rmdirSync(full);
        } else {
            empty = false;
        }
    }
    return empty;
}
