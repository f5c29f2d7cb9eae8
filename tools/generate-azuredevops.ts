/**
 * Generates the local `@pulumi/azuredevops` package (sdk/azuredevops) from the provider schema subset kept in
 * sdk/azuredevops/schema.json. See infra/azuredevops/README.md ("The provider binding").
 *
 *   npm run generate:azuredevops                  rewrite the package from schema.json
 *   npm run generate:azuredevops -- --check       exit 1 and name the files that differ from what it would write
 *   npm run generate:azuredevops -- --extract <schema.json> --tag <tag> --commit <sha>
 *                                                 refresh schema.json from the provider's full schema at that tag
 */
import * as fs from "fs";
import * as path from "path";
import { generatePackage, PackageFiles } from "./azuredevops-emit";
import { extractSubset, FullSchema, SchemaSubset } from "./azuredevops-schema";

/** Where the package lives, relative to the repository root. */
export const PACKAGE_DIR = "sdk/azuredevops";
export const SCHEMA_FILE = "schema.json";
const SCHEMA_PATH = "provider/cmd/pulumi-resource-azuredevops/schema.json";

/** Reads and checks the subset, failing with the file and the key that is wrong. */
export function readSubset(file: string): SchemaSubset {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`${file}: cannot read the schema subset: ${(e as Error).message}`, { cause: e });
    }
    const s = parsed as Partial<SchemaSubset> | null;
    const problems = [
        typeof s?.name === "string" && /^[a-z][a-z0-9-]*$/.test(s.name) ? "" : `"name" is ${JSON.stringify(s?.name)}; expected the plugin name, e.g. "azuredevops"`,
        typeof s?.version === "string" && /^\d+\.\d+\.\d+$/.test(s.version) ? "" : `"version" is ${JSON.stringify(s?.version)}; expected the plugin version, e.g. "3.15.0"`,
        typeof s?.source?.tag === "string" && typeof s.source.repository === "string" ? "" : `"source" must name the repository and tag the subset was taken from`,
        ...(["provider", "resources", "functions", "types"] as const).map((k) =>
            typeof s?.[k] === "object" && s[k] !== null ? "" : `"${k}" is ${JSON.stringify(s?.[k])}; expected an object`),
    ].filter((p) => p !== "");
    if (problems.length > 0) {
        throw new Error(`${file}: ${problems.join("; ")}.`);
    }
    return s as SchemaSubset;
}

/** The generated files on disk below `dir` (everything but the schema), relative paths. */
function generatedOnDisk(dir: string): string[] {
    if (!fs.existsSync(dir)) {
        return [];
    }
    return (fs.readdirSync(dir, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(dir, f)).isFile() && f !== SCHEMA_FILE)
        .map((f) => f.split(path.sep).join("/"))
        .sort();
}

/** The files that differ between `files` and the package on disk: changed, missing, or there but not generated. */
export function differences(dir: string, files: PackageFiles): string[] {
    const onDisk = generatedOnDisk(dir);
    const changed = [...files].filter(([f, content]) => !fs.existsSync(path.join(dir, f)) || fs.readFileSync(path.join(dir, f), "utf8") !== content).map(([f]) => f);
    const extra = onDisk.filter((f) => !files.has(f));
    return [...changed, ...extra].sort();
}

/** Writes the package: every generated file, and removes files a former schema generated. */
export function writePackage(dir: string, files: PackageFiles): void {
    for (const f of generatedOnDisk(dir).filter((f) => !files.has(f))) {
        fs.rmSync(path.join(dir, f));
    }
    for (const [f, content] of files) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), content);
    }
}

function option(argv: readonly string[], name: string): string {
    const i = argv.indexOf(name);
    const value = i >= 0 ? argv[i + 1] : undefined;
    if (value === undefined || value.startsWith("--")) {
        throw new Error(`${name} needs a value (usage: --extract <schema.json> --tag v<version> --commit <sha>).`);
    }
    return value;
}

/** `--extract`: the subset of the full schema at `--extract`, taken at `--tag`/`--commit`. */
function extract(argv: readonly string[], dir: string): void {
    const tag = option(argv, "--tag");
    const version = /^v?(\d+\.\d+\.\d+)$/.exec(tag)?.[1];
    if (version === undefined) {
        throw new Error(`--tag is "${tag}"; expected the provider's release tag, v<major>.<minor>.<patch>.`);
    }
    const full = JSON.parse(fs.readFileSync(option(argv, "--extract"), "utf8")) as FullSchema;
    const subset = extractSubset(full, version, {
        repository: "pulumi/pulumi-azuredevops",
        tag,
        commit: option(argv, "--commit"),
        path: SCHEMA_PATH,
        note: "The provider, the resources and functions the program uses, and the object types they reach; documentation text removed.",
    });
    fs.writeFileSync(path.join(dir, SCHEMA_FILE), JSON.stringify(subset, null, 1) + "\n");
}

export function main(argv: readonly string[], root: string): number {
    const dir = path.join(root, PACKAGE_DIR);
    if (argv.includes("--extract")) {
        extract(argv, dir);
    }
    const files = generatePackage(readSubset(path.join(dir, SCHEMA_FILE)));
    if (argv.includes("--check")) {
        const diff = differences(dir, files);
        if (diff.length > 0) {
            console.error(`${PACKAGE_DIR} differs from what ${SCHEMA_FILE} generates: ${diff.join(", ")}. Run npm run generate:azuredevops.`);
            return 1;
        }
        return 0;
    }
    writePackage(dir, files);
    console.log(`Wrote ${files.size} files to ${PACKAGE_DIR}.`);
    return 0;
}

if (require.main === module) {
    try {
        process.exitCode = main(process.argv.slice(2), path.resolve(__dirname, "..", ".."));
    } catch (e) {
        console.error((e as Error).message);
        process.exitCode = 1;
    }
}
