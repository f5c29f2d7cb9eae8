/**
 * Which .NET a user's project targets, read before anything is built, and whether the one Dockerfile can build
 * and run it: its SDK image is .NET 10's (mcr.microsoft.com/dotnet/sdk:10.0, the newest 10.0 feature band) and
 * its runtime image is the aspnet image tagged for the framework (the RUNTIME_TAG build argument).
 *
 * Read as MSBuild and the .NET host would read them inside the build, where only the build context exists:
 * the nearest Directory.Build.props from the project's folder up to the context's root (MSBuild imports the
 * first one found, before the project's own properties), then the project file; TargetFramework, when set,
 * wins over TargetFrameworks (a multi-targeted project's outer build runs only when TargetFramework is empty);
 * and the global.json in the context's root, the Dockerfile's working directory, where `dotnet` looks first
 * (and above which the image holds none). The SDK's roll-forward rules are dotnet/docs'
 * docs/core/tools/global-json.md: with a version and no rollForward, latestPatch (that feature band only).
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "./validation";

/**
 * Frameworks the Dockerfile builds and runs, with the aspnet runtime image's tag for each. .NET 8 and 9
 * reached end of support on 2026-11-10 (dotnet/core release-notes/releases-index.json, "eol-date"): their
 * images get no more fixes, so they are refused like any unsupported framework.
 */
export const SUPPORTED_FRAMEWORKS: Readonly<Record<string, { readonly runtimeTag: string }>> = {
    "net10.0": { runtimeTag: "10.0.12-noble-chiseled" },
};
/** Frameworks that were once supported, and the day their support ended. */
const ENDED: Readonly<Record<string, string>> = { "net8.0": "2026-11-10", "net9.0": "2026-11-10", "net7.0": "2024-05-14", "net6.0": "2024-11-12" };
/** The SDK's major version in the Dockerfile's build image. */
const SDK_MAJOR = 10;
/** global.json roll-forward policies that reach the image's SDK from a version of the same major, whatever its feature band. */
const SAME_MAJOR_POLICIES = ["feature", "latestFeature", "minor", "latestMinor", "major", "latestMajor"];
/** ...and from an older major. */
const ANY_MAJOR_POLICIES = ["major", "latestMajor"];

export interface TargetFramework {
    /** The framework the image is built for (the FRAMEWORK build argument: `dotnet publish -f`). */
    readonly targetFramework: string;
    /** Every framework the project targets. */
    readonly targetFrameworks: readonly string[];
    /** Tag of mcr.microsoft.com/dotnet/aspnet for the final stage (the RUNTIME_TAG build argument). */
    readonly runtimeTag: string;
}

const supportedList = () => Object.keys(SUPPORTED_FRAMEWORKS).join(", ");

/** Reads and checks the project's framework; `key` is the config key the errors name. */
export function targetFramework(key: string, projectFile: string, contextDir: string): TargetFramework {
    checkGlobalJson(key, contextDir);
    const props = nearestDirectoryBuildProps(path.dirname(projectFile), contextDir);
    let values: Record<string, string> = {};
    for (const file of [...(props ? [props] : []), projectFile]) {
        values = { ...values, ...properties(key, file, values) };
    }
    const project = path.basename(projectFile);
    const single = values.TargetFramework?.trim();
    const all = single ? [single] : (values.TargetFrameworks ?? "").split(";").map((f) => f.trim()).filter((f) => f !== "");
    if (all.length === 0) {
        throw new ConfigError(key, project, `expected a project that sets TargetFramework or TargetFrameworks (in the project file or a Directory.Build.props inside the build context); this Dockerfile builds ${supportedList()}`);
    }
    const supported = Object.keys(SUPPORTED_FRAMEWORKS).filter((f) => all.includes(f));
    if (supported.length === 0) {
        const why = all.map((f) => (ENDED[f] ? `${f} (out of support since ${ENDED[f]})` : f)).join(", ");
        throw new ConfigError(key, project, `targets ${why}; expected a project targeting one of ${supportedList()}: the Dockerfile builds with the .NET ${SDK_MAJOR} SDK and runs on the matching aspnet image`);
    }
    // The newest supported one (the table lists newest first).
    const chosen = supported[0];
    return { targetFramework: chosen, targetFrameworks: all, runtimeTag: SUPPORTED_FRAMEWORKS[chosen].runtimeTag };
}

/** The first Directory.Build.props from `dir` up to `root` (both included), as MSBuild finds it. */
function nearestDirectoryBuildProps(dir: string, root: string): string | undefined {
    const top = path.resolve(root);
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
        const candidate = path.join(d, "Directory.Build.props");
        if (fs.existsSync(candidate)) {
            return candidate;
        }
        if (d === top || path.dirname(d) === d) {
            return undefined;
        }
    }
}

/**
 * TargetFramework and TargetFrameworks as one file sets them: unconditional properties only (a condition
 * cannot be evaluated here), later ones winning; `$(TargetFrameworks)` in a value stands for the value so far.
 */
function properties(key: string, file: string, before: Record<string, string>): Record<string, string> {
    const text = fs.readFileSync(file, "utf8").replace(/<!--[\s\S]*?-->/g, "");
    const found: Record<string, string> = {};
    const groups = text.matchAll(/<PropertyGroup(\s[^>]*)?>([\s\S]*?)<\/PropertyGroup>/g);
    for (const [, groupAttributes, body] of groups) {
        if (groupAttributes && /\bCondition\s*=/.test(groupAttributes)) {
            continue;
        }
        for (const [, name, attributes, raw] of body.matchAll(/<(TargetFrameworks?)(\s[^>]*)?>([^<]*)<\/\1>/g)) {
            if (attributes && /\bCondition\s*=/.test(attributes)) {
                continue;
            }
            const value = raw.replace(/\$\((TargetFrameworks?)\)/g, (_, p: string) => found[p] ?? before[p] ?? "");
            if (value.includes("$(")) {
                throw new ConfigError(key, path.basename(file), `sets ${name} to "${raw.trim()}"; expected a literal framework such as ${supportedList()} (a property cannot be evaluated before the build)`);
            }
            found[name] = value.trim();
        }
    }
    return found;
}

/** Refuses a global.json in the context's root whose SDK pin the image's .NET SDK cannot satisfy. */
function checkGlobalJson(key: string, contextDir: string): void {
    const file = path.join(contextDir, "global.json");
    if (!fs.existsSync(file)) {
        return;
    }
    let sdk: { version?: unknown; rollForward?: unknown } | undefined;
    try {
        sdk = (JSON.parse(fs.readFileSync(file, "utf8")) as { sdk?: typeof sdk }).sdk;
    } catch {
        throw new ConfigError(key, "global.json", "holds no valid JSON; expected a global.json the .NET SDK can read");
    }
    if (sdk?.version === undefined) {
        return;
    }
    const version = String(sdk.version);
    const major = Number(/^(\d+)\.\d+\.\d+/.exec(version)?.[1]);
    // With a version and no policy, the SDK rolls forward to patches of that feature band only.
    const policy = typeof sdk.rollForward === "string" ? sdk.rollForward : "latestPatch";
    const reaches = (major === SDK_MAJOR && SAME_MAJOR_POLICIES.includes(policy)) || (major < SDK_MAJOR && ANY_MAJOR_POLICIES.includes(policy));
    if (!reaches) {
        throw new ConfigError(
            key,
            "global.json",
            `pins the .NET SDK ${version} with rollForward ${policy}; expected a pin the image's .NET ${SDK_MAJOR} SDK (the newest ${SDK_MAJOR}.0 feature band) satisfies: a ${SDK_MAJOR}.0 version with rollForward latestFeature (or feature, minor, latestMinor, major, latestMajor), an older one with major or latestMajor, or no version`,
        );
    }
}
