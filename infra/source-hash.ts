/**
 * Short, stable hashes of source files, used as image tags: the same sources give the same tag, any change
 * gives a new one, so tags can be immutable and a new image means a new tag. `imageSourceHash` covers only
 * what one service's image is built from, so editing a test or another service rebuilds nothing else.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Folders that never reach an image (build output, test results, editor state). */
const SKIPPED = new Set(["bin", "obj", "TestResults", "node_modules", ".vs", ".idea", "publish"]);

/** Files at the top of a build context that every project's restore and build read. */
const SHARED_BUILD_FILE = /^(global\.json|Directory\.(Build|Packages)\.(props|targets)|nuget\.config|\.dockerignore)$/i;

/**
 * Hex SHA-256 (first `length` characters) over the relative path and bytes of what one .NET project's
 * image is built from, inside the build context `root`: the project's
 * folder, every project it references (transitively, from its `<ProjectReference Include="...">`), the
 * context's shared build files (global.json, Directory.*.props, NuGet.config, .dockerignore) and the
 * Dockerfile. `project` and `dockerfile` are relative to `root`.
 */
export function imageSourceHash(root: string, project: string, dockerfile: string, length = 12): string {
    requireFolder("imageSourceHash", root);
    const files = new Set<string>();
    for (const folder of projectClosure(root, project)) {
        listFiles(root, folder).forEach((f) => files.add(f));
    }
    fs.readdirSync(root, { withFileTypes: true })
        .filter((e) => e.isFile() && SHARED_BUILD_FILE.test(e.name))
        .forEach((e) => files.add(e.name));
    // The Dockerfile may live outside the context (a user's project built with ours): hashed by content.
    const dockerfilePath = path.resolve(root, dockerfile);
    if (!fs.existsSync(dockerfilePath)) {
        throw new Error(`imageSourceHash: the Dockerfile "${dockerfile}" does not exist in "${root}"`);
    }
    const entries = [...files].sort().map((f) => [f, path.join(root, f)] as const);
    return hashFiles([...entries, ["<Dockerfile>", dockerfilePath]], length);
}

/** The project's folder and the folders of every project it references, relative to `root`. */
function projectClosure(root: string, project: string, seen = new Set<string>()): Set<string> {
    const folder = path.normalize(project);
    if (seen.has(folder)) {
        return seen;
    }
    requireFolder("imageSourceHash", path.join(root, folder));
    seen.add(folder);
    const projectFiles = fs.readdirSync(path.join(root, folder)).filter((f) => /\.(cs|fs|vb)proj$/.test(f));
    if (projectFiles.length !== 1) {
        throw new Error(`imageSourceHash: expected one project file in "${folder}", found ${projectFiles.length}`);
    }
    const text = fs.readFileSync(path.join(root, folder, projectFiles[0]), "utf8");
    for (const match of text.matchAll(/<ProjectReference\s+Include="([^"]+)"/g)) {
        const referenced = path.dirname(path.normalize(path.join(folder, match[1].replace(/\\/g, "/"))));
        if (referenced.startsWith("..")) {
            throw new Error(`imageSourceHash: "${folder}" references "${match[1]}", outside the build context "${root}"`);
        }
        projectClosure(root, referenced, seen);
    }
    return seen;
}

function requireFolder(caller: string, folder: string): void {
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
        throw new Error(`${caller}: "${folder}" is not a folder`);
    }
}

function hashFiles(files: readonly (readonly [label: string, file: string])[], length: number): string {
    const hash = createHash("sha256");
    for (const [label, file] of files) {
        hash.update(label.split(path.sep).join("/"));
        hash.update("\0");
        hash.update(fs.readFileSync(file));
        hash.update("\0");
    }
    return hash.digest("hex").slice(0, length);
}

/** Every file under `root/dir`, relative to `root`, in a fixed order, build output left out. */
function listFiles(root: string, dir = ""): string[] {
    const entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const files: string[] = [];
    for (const entry of entries) {
        const relative = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (!SKIPPED.has(entry.name)) {
                files.push(...listFiles(root, relative));
            }
        } else if (entry.isFile()) {
            files.push(relative);
        }
    }
    return files;
}
