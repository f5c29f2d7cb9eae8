/**
 * The hash @pulumi/docker-build keeps as an image's `contextHash` and compares on every diff to decide a rebuild
 * (pulumi/docker-build v0.0.22, `provider/internal/context.go` hashBuildContext, called from `image.go` Diff).
 * Modelled here, not copied, so the program can name an image's tag after exactly what makes docker-build
 * rebuild it: the same tree gives the same tag and never a second push under it (tags are immutable), and any
 * change docker-build would rebuild for gives a new tag. The rule, as upstream has it:
 * 1. the ignore patterns come from `<Dockerfile>.dockerignore` if that file exists, else from the context's
 *    `.dockerignore` (getIgnorePatterns);
 * 2. SHA-256 over the Dockerfile's bytes (its name is not hashed: hashDockerfile), then
 * 3. over every file the filtered walk reaches (fsutil's walk: depth first, names in byte order): its bytes,
 *    then its slash-separated relative path, then its mode as Go prints a FileMode (`-rw-r--r--`), so a rename or
 *    a chmod is a change. A symbolic link is hashed as its target's bytes with mode `L...`; a link to a folder
 *    adds nothing (hashFile).
 * Named contexts are hashed too upstream; the program passes none, so they are left out here.
 */
import { createHash, Hash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { IgnoreRules, ParentMatches, readIgnoreFile } from "./dockerignore";

/** The ignore patterns docker-build and BuildKit apply for this Dockerfile and context (getIgnorePatterns). */
export function ignorePatterns(contextDir: string, dockerfile: string): string[] {
    for (const candidate of [`${dockerfile}.dockerignore`, path.join(contextDir, ".dockerignore")]) {
        if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
            return readIgnoreFile(fs.readFileSync(candidate, "utf8"));
        }
    }
    return [];
}

/** Hex SHA-256 of a build context as docker-build computes `contextHash`. */
export function contextHash(contextDir: string, dockerfile: string): string {
    const hash = createHash("sha256");
    if (fs.existsSync(dockerfile) && fs.statSync(dockerfile).isFile()) {
        hash.update(fs.readFileSync(dockerfile));
    }
    const rules = new IgnoreRules(ignorePatterns(contextDir, dockerfile));
    for (const file of contextFiles(contextDir, rules)) {
        hashFile(hash, contextDir, file);
    }
    return hash.digest("hex");
}

/**
 * The files BuildKit sends for this context (slash-separated, relative), in the walk's order; from `start` (a folder
 * of the context) only what lies below it, judged as the whole walk would judge it.
 */
export function contextFiles(contextDir: string, rules: IgnoreRules, start = ""): string[] {
    const files: string[] = [];
    // At `start` no folder above has been judged, so `excludes` tries every parent folder itself (parent = []).
    const walk = (dir: string, parent: ParentMatches) => {
        const entries = fs.readdirSync(path.join(contextDir, dir), { withFileTypes: true })
            .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
        for (const entry of entries) {
            const relative = dir === "" ? entry.name : `${dir}/${entry.name}`;
            const { excluded, matched } = rules.excludes(relative, parent);
            if (entry.isDirectory()) {
                if (!excluded || !rules.canSkipFolder(relative)) {
                    walk(relative, matched);
                }
            } else if (!excluded) {
                files.push(relative);
            }
        }
    };
    walk(start === "." ? "" : start, []);
    return files;
}

function hashFile(hash: Hash, contextDir: string, file: string): void {
    const full = path.join(contextDir, file);
    const stat = fs.lstatSync(full);
    if (!stat.isFile() && !stat.isSymbolicLink()) {
        return;
    }
    if (stat.isSymbolicLink() && !fs.existsSync(full)) {
        throw new Error(`contextHash: "${file}" is a link to nothing; docker-build could not open it either`);
    }
    if (stat.isSymbolicLink() && fs.statSync(full).isDirectory()) {
        return;
    }
    hash.update(fs.readFileSync(full));
    hash.update(file);
    hash.update(goFileMode(stat));
}

/** A mode as Go's FileMode.String() prints it: type letters (or `-`), then `rwxrwxrwx` with `-` for unset bits. */
export function goFileMode(stat: Pick<fs.Stats, "mode" | "isSymbolicLink" | "isDirectory">): string {
    let kind = "";
    if (stat.isDirectory()) {
        kind += "d";
    }
    if (stat.isSymbolicLink()) {
        kind += "L";
    }
    if (stat.mode & 0o4000) {
        kind += "u";
    }
    if (stat.mode & 0o2000) {
        kind += "g";
    }
    if (stat.mode & 0o1000) {
        kind += "t";
    }
    const bits = "rwxrwxrwx".split("").map((c, i) => (stat.mode & (1 << (8 - i)) ? c : "-")).join("");
    return `${kind === "" ? "-" : kind}${bits}`;
}
