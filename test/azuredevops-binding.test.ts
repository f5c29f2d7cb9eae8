// The generated @pulumi/azuredevops package (sdk/azuredevops): it is what its generator makes from the committed
// schema subset, the subset is the provider's v3.15.0 schema cut to what the program uses, the Node.js language
// host would take it for the azuredevops plugin as it takes a published SDK, and its declarations type-check.
// What the program sends through it (tokens, plugin version, inputs) is in test/azuredevops.test.ts.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { parse } from "yaml";
import { generatePackage } from "../tools/azuredevops-emit";
import { extractSubset, FullSchema, innerType, reachableTypes } from "../tools/azuredevops-schema";
import { differences, main, PACKAGE_DIR, readSubset, SCHEMA_FILE } from "../tools/generate-azuredevops";
import { projectRoot } from "../model/paths";

const root = projectRoot(__dirname);
const packageDir = path.join(root, PACKAGE_DIR);
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));

const scratchDirs: string[] = [];
after(() => scratchDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** An empty folder under the system's temporary folder, removed when the tests end. */
function scratchDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    scratchDirs.push(dir);
    return dir;
}

/** A copy of the package under a scratch repository root, for runs that write. */
function scratchRoot(): string {
    const scratch = scratchDir("azuredevops-sdk-");
    fs.cpSync(packageDir, path.join(scratch, PACKAGE_DIR), { recursive: true });
    return scratch;
}

/** Runs `body` with console.log and console.error silenced (the CLI reports on them). */
function quietly<T>(body: () => T): T {
    const saved = [console.log, console.error];
    console.log = console.error = () => undefined;
    try {
        return body();
    } finally {
        [console.log, console.error] = saved;
    }
}

describe("Azure DevOps binding: the generated package", () => {
    it("is exactly what the generator makes from the committed schema subset (npm run generate:azuredevops -- --check)", () => {
        const files = generatePackage(readSubset(path.join(packageDir, SCHEMA_FILE)));
        assert.deepStrictEqual(differences(packageDir, files), []);
        assert.ok(files.size >= 20, `${files.size} files`);
    });

    it("--check names a hand-edited, a missing and a stray file, and a plain run puts the package back", () => {
        const scratch = scratchRoot();
        const dir = path.join(scratch, PACKAGE_DIR);
        fs.appendFileSync(path.join(dir, "buildDefinition.js"), "// edited\n");
        fs.rmSync(path.join(dir, "getProject.d.ts"));
        fs.writeFileSync(path.join(dir, "types", "stray.js"), "");
        const files = generatePackage(readSubset(path.join(dir, SCHEMA_FILE)));
        assert.deepStrictEqual(differences(dir, files), ["buildDefinition.js", "getProject.d.ts", "types/stray.js"]);
        assert.strictEqual(quietly(() => main(["--check"], scratch)), 1);
        assert.strictEqual(quietly(() => main([], scratch)), 0);
        assert.deepStrictEqual(differences(dir, files), []);
        assert.ok(!fs.existsSync(path.join(dir, "types", "stray.js")));
    });

    it("re-extracting the subset from its own content changes nothing: extraction keeps every property, even one named description", () => {
        const subset = readSubset(path.join(packageDir, SCHEMA_FILE));
        const again = extractSubset(subset as unknown as FullSchema, subset.version, subset.source);
        assert.deepStrictEqual(JSON.parse(JSON.stringify(again)), readJson(path.join(packageDir, SCHEMA_FILE)));
        const result = subset.functions["azuredevops:index/getVariableGroup:getVariableGroup"].outputs;
        assert.deepStrictEqual(result.properties?.description, { type: "string" });
    });

    it("holds the provider's v3.15.0 schema, every $ref resolved and no object type the used parts do not reach", () => {
        const subset = readSubset(path.join(packageDir, SCHEMA_FILE));
        assert.deepStrictEqual([subset.source.repository, subset.source.tag, subset.version], ["pulumi/pulumi-azuredevops", "v3.15.0", "3.15.0"]);
        assert.match(subset.source.commit, /^[0-9a-f]{40}$/);
        const reached = reachableTypes([subset.provider, subset.resources, subset.functions], subset.types);
        assert.deepStrictEqual([...reached].sort(), Object.keys(subset.types).sort());
    });

    it("agrees with the shared reference's names-only schema on the version, every input, what is required, and the provider's config", function () {
        const file = path.join(root, "..", "shared", "reference", "azuredevops-provider-schema.json");
        if (!fs.existsSync(file)) {
            this.skip();
        }
        const reference = readJson(file);
        const subset = readSubset(path.join(packageDir, SCHEMA_FILE));
        const names = (o: object | undefined) => Object.keys(o ?? {}).sort();
        assert.strictEqual(subset.version, reference.pluginVersion);
        assert.deepStrictEqual(names(subset.provider.inputProperties), [...reference.config].sort());
        for (const [token, spec] of Object.entries(subset.resources)) {
            assert.deepStrictEqual(names(spec.inputProperties), names(reference.resources[token].inputProperties), token);
            assert.deepStrictEqual([...(spec.requiredInputs ?? [])].sort(), [...reference.resources[token].requiredInputs].sort(), token);
        }
        for (const [token, spec] of Object.entries(subset.functions)) {
            assert.deepStrictEqual(names(spec.inputs?.properties), [...reference.functions[token].inputs].sort(), token);
        }
    });
});

describe("Azure DevOps binding: bad schema input fails naming what is wrong", () => {
    it("a subset with a malformed version", () => {
        const file = path.join(scratchDir("azuredevops-schema-"), SCHEMA_FILE);
        fs.writeFileSync(file, JSON.stringify({ ...readJson(path.join(packageDir, SCHEMA_FILE)), version: "3.15" }));
        assert.throws(() => readSubset(file), { message: `${file}: "version" is "3.15"; expected the plugin version, e.g. "3.15.0".` });
    });

    it("an upstream schema without a resource the program uses", () => {
        const subset = readSubset(path.join(packageDir, SCHEMA_FILE));
        const resources = Object.fromEntries(Object.entries(subset.resources).filter(([token]) => !token.endsWith(":CheckBranchControl")));
        assert.throws(() => extractSubset({ ...subset, resources }, "3.15.0", subset.source), {
            message: 'The upstream schema has no resource "azuredevops:index/checkBranchControl:CheckBranchControl"; the program uses it (tools/azuredevops-schema.ts USED_RESOURCES).',
        });
    });

    it("a $ref to a type the schema does not define, and a type the generator cannot spell", () => {
        assert.throws(() => reachableTypes({ settings: { $ref: "#/types/azuredevops:index/Nope:Nope" } }, {}), {
            message: 'schema.settings: $ref names type "azuredevops:index/Nope:Nope", which the schema does not define.',
        });
        assert.throws(() => innerType({ type: "object" }, "inputs", true, "X.inputProperties.features"), {
            message: 'X.inputProperties.features: type "object" is not supported; expected string, integer, number, boolean, array with items, object with additionalProperties, or a $ref.',
        });
    });
});

interface PackageDependency {
    readonly name: string;
    readonly version: string;
}

/**
 * The Node.js language host's search for resource plugins (GetRequiredPackages), as pulumi/pulumi v3.259.0
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go has it: from the program directory down through every folder
 * (links resolved, each real folder once, policy packs skipped), a package.json inside node_modules whose
 * `pulumi.resource` is true names a plugin: `pulumi.name`, else the `@pulumi/` package's own name; `pulumi.version`,
 * else the package's version; a `v` in front.
 */
function requiredPackages(dir: string, inNodeModules: boolean, visited = new Set<string>()): PackageDependency[] {
    const real = fs.realpathSync(dir);
    if (visited.has(real)) {
        return [];
    }
    visited.add(real);
    const found: PackageDependency[] = [];
    for (const entry of fs.readdirSync(real, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        // As the host does: only a link is resolved (and stat-ed again); the entry's own type answers the rest.
        const link = entry.isSymbolicLink();
        const target = link ? fs.realpathSync(path.join(real, entry.name)) : path.join(real, entry.name);
        if (link ? fs.statSync(target).isDirectory() : entry.isDirectory()) {
            if (!fs.existsSync(path.join(target, "PulumiPolicy.yaml"))) {
                found.push(...requiredPackages(target, inNodeModules || path.basename(real) === "node_modules", visited));
            }
        } else if (inNodeModules && entry.name === "package.json") {
            const info = readJson(target);
            if (info.pulumi?.resource === true) {
                const name: string = info.pulumi.name || (info.name.startsWith("@pulumi/") ? info.name.slice("@pulumi/".length) : "");
                const version: string = info.pulumi.version || info.version;
                found.push({ name, version: version.startsWith("v") ? version : `v${version}` });
            }
        }
    }
    return found;
}

describe("Azure DevOps binding: what the Pulumi CLI learns from the package", () => {
    it("is found in node_modules as the azuredevops resource plugin v3.15.0, beside the published SDKs", () => {
        const scope = path.join(root, "node_modules", "@pulumi");
        const found = requiredPackages(scope, true);
        assert.deepStrictEqual(found.filter((p) => p.name === "azuredevops"), [{ name: "azuredevops", version: "v3.15.0" }]);
        assert.ok(found.some((p) => p.name === "aws"), JSON.stringify(found));
    });

    it("says the same in pulumi-plugin.json as in package.json's pulumi section, which is what the Node.js host reads", () => {
        const manifest = readJson(path.join(packageDir, "package.json"));
        assert.deepStrictEqual(readJson(path.join(packageDir, "pulumi-plugin.json")), { resource: true, name: "azuredevops", version: "3.15.0" });
        assert.deepStrictEqual(manifest.pulumi, readJson(path.join(packageDir, "pulumi-plugin.json")));
        assert.strictEqual(manifest.name, "@pulumi/azuredevops");
        assert.strictEqual(manifest.dependencies, undefined, "@pulumi/pulumi is a peer: a second copy would register nothing with the engine");
    });

    it("is found from Pulumi.yaml's program directory, as `pulumi install` searches it", () => {
        // pulumi/pulumi v3.259.0 pkg/engine/project.go getPwdMain: a `main` folder would become the program
        // directory, and the host searches only below it; without one it is the project's root.
        const main: string | undefined = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")).main;
        const found = requiredPackages(path.join(root, main ?? "."), false);
        assert.ok(found.some((p) => p.name === "azuredevops" && p.version === "v3.15.0"), JSON.stringify(found));
        assert.ok(found.some((p) => p.name === "aws"), JSON.stringify(found));
    });
});

describe("Azure DevOps binding: the declarations", () => {
    it("type-check strictly, and refuse a resource without its required inputs", () => {
        // Declaration files are never checked with skipLibCheck, and checking @pulumi/pulumi's too takes too long:
        // the package's declarations are checked as .ts copies, @pulumi/pulumi taken from the repository's install.
        const dir = scratchDir("azuredevops-use-");
        for (const file of (fs.readdirSync(packageDir, { recursive: true }) as string[]).filter((f) => f.endsWith(".d.ts"))) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.copyFileSync(path.join(packageDir, file), path.join(dir, file.replace(/\.d\.ts$/, ".ts")));
        }
        const use = path.join(dir, "use.ts");
        fs.writeFileSync(use, [
            `import * as ado from "./index";`,
            `const repository: ado.types.input.BuildDefinitionRepository = { repoType: "TfsGit", repoId: "r", ymlPath: "a.yml" };`,
            `new ado.BuildDefinition("ok", { projectId: "p", repository });`,
            `new ado.BuildDefinition("missing", { projectId: "p" });`,
            `export const url: ado.types.output.BuildDefinitionRepository["url"] = "u";`,
        ].join("\n"));
        const program = ts.createProgram([use], {
            strict: true, noEmit: true, skipLibCheck: true, types: [], module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
            baseUrl: root, paths: { "@pulumi/pulumi": ["node_modules/@pulumi/pulumi"] },
        });
        const problems = ts.getPreEmitDiagnostics(program)
            .filter((d) => d.file?.fileName.startsWith(dir))
            .map((d) => `${path.relative(dir, d.file?.fileName ?? "")}:${d.file?.getLineAndCharacterOfPosition(d.start ?? 0).line}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
        assert.strictEqual(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^use\.ts:3: .*Property 'repository' is missing/);
        assert.ok(program.getSourceFiles().length > 10, "the package's files were read");
    });

    it("are backed by classes that refuse a missing required input at run time too", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const ado = require(packageDir);
        assert.throws(() => new ado.BuildDefinition("missing", { projectId: "p" }), { message: "Missing required property 'repository'" });
    });
});
