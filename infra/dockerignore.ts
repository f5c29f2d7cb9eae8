/**
 * `.dockerignore` patterns as BuildKit and @pulumi/docker-build apply them, so that what the program puts in an
 * image's build context, and what it hashes into the image's tag, is decided by the same rule docker-build uses
 * to decide a rebuild. Written from the rule as upstream has it, not copied:
 * - reading a file: moby/patternmatcher v0.6.1 `ignorefile/ignorefile.go` (ReadAll: `#` comments, trimmed lines,
 *   `!` exceptions, cleaned, a leading `/` dropped);
 * - one pattern: the same tag, `patternmatcher.go` (`**` any number of folders, `*` and `?` within one name, `[...]`
 *   classes, `\` escapes; a pattern matches a path or any of its parent folders; the last matching pattern wins);
 * - the walk: tonistiigi/fsutil 0257b3308df4 (the version pulumi/docker-build v0.0.22 pins in go.mod)
 *   `filter.go` (filterFS.Walk): an excluded folder is skipped whole unless an exception could re-include
 *   something inside it.
 */
import * as path from "path";

interface Pattern {
    readonly text: string;
    readonly exclusion: boolean;
    readonly kind: "exact" | "prefix" | "suffix" | "regexp";
    readonly regexp?: RegExp;
}

/** The patterns of a `.dockerignore` file's text, in order (ReadAll's rules). */
export function readIgnoreFile(text: string): string[] {
    const patterns: string[] = [];
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
        const line = i === 0 ? raw.replace(/^\uFEFF/, "") : raw;
        if (line.startsWith("#")) {
            continue;
        }
        let pattern = line.trim();
        if (pattern === "") {
            continue;
        }
        const invert = pattern.startsWith("!");
        if (invert) {
            pattern = pattern.slice(1).trim();
        }
        if (pattern.length > 0) {
            pattern = cleanPath(pattern);
            if (pattern.length > 1 && pattern.startsWith("/")) {
                pattern = pattern.slice(1);
            }
        }
        patterns.push(invert ? `!${pattern}` : pattern);
    }
    return patterns;
}

/** Go's path.Clean for slash paths: no empty, `.` or resolvable `..` elements, no trailing slash. */
export function cleanPath(p: string): string {
    const cleaned = path.posix.normalize(p);
    if (cleaned === "/" || cleaned === "./") {
        return cleaned === "/" ? "/" : ".";
    }
    return cleaned.endsWith("/") ? cleaned.slice(0, -1) : cleaned;
}

/** Characters a pattern means literally that a regular expression would not. */
const ESCAPED = new Set([...".+()|{}$"]);

function compile(text: string, exclusion: boolean): Pattern {
    let source = "^";
    let kind: Pattern["kind"] = "exact";
    for (let i = 0, first = true; i < text.length; first = false) {
        const ch = text[i++];
        if (ch === "*" && text[i] === "*") {
            i++;
            if (text[i] === "/") {
                i++;
            }
            if (i >= text.length) {
                if (kind === "exact") {
                    kind = "prefix";
                } else {
                    source += ".*";
                    kind = "regexp";
                }
            } else {
                source += "(.*/)?";
                kind = "regexp";
            }
            if (first) {
                kind = "suffix";
            }
        } else if (ch === "*") {
            source += "[^/]*";
            kind = "regexp";
        } else if (ch === "?") {
            source += "[^/]";
            kind = "regexp";
        } else if (ESCAPED.has(ch)) {
            source += `\\${ch}`;
        } else if (ch === "\\") {
            if (i < text.length) {
                source += `\\${text[i++]}`;
                kind = "regexp";
            } else {
                source += "\\\\";
            }
        } else if (ch === "[" || ch === "]") {
            source += ch;
            kind = "regexp";
        } else {
            source += ch;
        }
    }
    if (kind !== "regexp") {
        return { text, exclusion, kind };
    }
    try {
        return { text, exclusion, kind, regexp: new RegExp(`${source}$`) };
    } catch {
        throw new Error(`invalid .dockerignore pattern "${exclusion ? "!" : ""}${text}"`);
    }
}

function matches(p: Pattern, file: string): boolean {
    switch (p.kind) {
        case "exact":
            return file === p.text;
        case "prefix":
            return file.startsWith(p.text.slice(0, -2));
        case "suffix": {
            const suffix = p.text.slice(2);
            return file.endsWith(suffix) || (suffix.startsWith("/") && file === suffix.slice(1));
        }
        case "regexp":
            return (p.regexp as RegExp).test(file);
    }
}

/** Which patterns matched a folder, passed down to its entries (MatchesUsingParentResults' MatchInfo). */
export type ParentMatches = readonly boolean[];

/** A compiled list of patterns: decides whether a path of the context is left out. */
export class IgnoreRules {
    private readonly patterns: Pattern[];

    constructor(patterns: readonly string[]) {
        this.patterns = [];
        for (const raw of patterns) {
            let p = raw.trim();
            if (p === "") {
                continue;
            }
            p = cleanPath(p);
            const exclusion = p.startsWith("!");
            if (exclusion && p.length === 1) {
                throw new Error('invalid .dockerignore pattern "!": an exception needs a pattern');
            }
            this.patterns.push(compile(exclusion ? p.slice(1) : p, exclusion));
        }
    }

    get hasExceptions(): boolean {
        return this.patterns.some((p) => p.exclusion);
    }

    /**
     * Whether `file` (slash-separated, relative to the context) is left out, given which patterns matched its
     * folder (`[]` at the top, or when the folder's result is not known: then every parent folder is tried).
     */
    excludes(file: string, parent: ParentMatches = []): { excluded: boolean; matched: ParentMatches } {
        let excluded = false;
        const matched = this.patterns.map(() => false);
        this.patterns.forEach((pattern, i) => {
            let match = parent[i] ?? false;
            if (!match) {
                if (pattern.exclusion !== excluded) {
                    return;
                }
                match = matches(pattern, file) || (parent.length === 0 && parentFolders(file).some((d) => matches(pattern, d)));
            }
            matched[i] = match;
            if (match) {
                excluded = !pattern.exclusion;
            }
        });
        return { excluded, matched };
    }

    /**
     * For an excluded folder: whether the walk may skip it whole. It may unless an exception pattern without
     * wildcards (but a trailing `/*` or `/**`) names something inside it; any exception with wildcards makes
     * the walk look inside every excluded folder.
     */
    canSkipFolder(folder: string): boolean {
        const exceptions = this.patterns.filter((p) => p.exclusion);
        if (exceptions.length === 0) {
            return true;
        }
        const stems = exceptions.map((p) => p.text.replace(/\/\*\*$/, "").replace(/\/\*$/, ""));
        if (stems.some((s) => /[*[\]?^\\]/.test(s))) {
            return false;
        }
        return !stems.some((s) => `${s}/`.startsWith(`${folder}/`));
    }
}

function parentFolders(file: string): string[] {
    const parts = file.split("/").slice(0, -1);
    return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}
