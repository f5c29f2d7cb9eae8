// The folders' import rules (README "Where things live"), read from the sources: a module that reaches into a
// folder it may not import fails here, so the layering holds without anyone re-reading the graph.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../model/paths";

const root = projectRoot(__dirname);

/** Top-level folder -> the project folders its modules may import (besides their own). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
    model: [],
    infra: ["model"],
    stacks: ["infra", "model"],
    tools: ["stacks", "infra", "model"],
    bench: ["model"],
    compare: ["bench", "tools", "stacks", "model"],
};

/** The TypeScript sources under `folder`, relative to it; installed packages are not ours. */
function sourcesUnder(folder: string, sub = ""): string[] {
    return fs.readdirSync(path.join(root, folder, sub), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? (e.name === "node_modules" ? [] : sourcesUnder(folder, path.join(sub, e.name)))
            : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path.join(sub, e.name)] : []);
}

/** Every relative import of the TypeScript files under `folder`, as [file, the top-level folder it reaches]. */
function importsOf(folder: string): [string, string][] {
    const found: [string, string][] = [];
    const files = sourcesUnder(folder);
    for (const file of files) {
        const text = fs.readFileSync(path.join(root, folder, file), "utf8");
        for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"(\.\.?\/[^"]+)"/g)) {
            const target = path.relative(root, path.resolve(root, folder, path.dirname(file), match[1]));
            found.push([path.join(folder, file), target.split(path.sep)[0]]);
        }
    }
    return found;
}

describe("layout: what each folder may import", () => {
    for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
        it(`${folder}/ imports ${allowed.length === 0 ? "nothing of the project's" : `only ${allowed.join(", ")} (and itself)`}`, () => {
            const imports = importsOf(folder);
            assert.ok(folder === "model" || imports.length > 0, `no imports read under ${folder}/`);
            const wrong = imports.filter(([, target]) => target !== folder && !allowed.includes(target));
            assert.deepStrictEqual(wrong, [], `${folder}/ reaches where it may not`);
        });
    }

    it("model/ uses no Pulumi package: it is the pure domain the tools read without the program", () => {
        const files = (fs.readdirSync(path.join(root, "model")) as string[]).filter((f) => f.endsWith(".ts"));
        const pulumi = files.filter((f) => /from "@pulumi\//.test(fs.readFileSync(path.join(root, "model", f), "utf8")));
        assert.deepStrictEqual(pulumi, []);
    });

    it("the benchmark reads deployed stacks through the outputs contract only, not the program", () => {
        const bench = importsOf("bench").map(([, target]) => target);
        assert.ok(bench.includes("model"));
        assert.ok(!bench.includes("stacks") && !bench.includes("infra"));
    });
});
