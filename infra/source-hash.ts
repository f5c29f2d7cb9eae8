/**
 * A short, stable hash of a build context's source files, used as the image tag: the same sources give
 * the same tag, any change gives a new one, so tags can be immutable and a new image means a new tag.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Folders that never reach an image (build output, test results, editor state). */
const SKIPPED = new Set(["bin", "obj", "TestResults", "node_modules", ".vs", ".idea", "publish"]);

/** Hex SHA-256 over every file's relative path and bytes under `root`, in a fixed order; first `length` characters. */
export function sourceHash(root: string, length = 12): string {
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
        throw new Error(`sourceHash: "${root}" is not a folder`);
    }
    const hash = createHash("sha256");
    for (const file of listFiles(root)) {
        hash.update(file.split(path.sep).join("/"));
        hash.update("\0");
        hash.update(fs.readFileSync(path.join(root, file)));
        hash.update("\0");
    }
    return hash.digest("hex").slice(0, length);
}

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
