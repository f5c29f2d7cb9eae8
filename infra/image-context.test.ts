/**
 * The image tag and docker-build's rebuild decision cover the same files. docker-build's rule is modelled in
 * context-hash.ts and dockerignore.ts (pulumi/docker-build v0.0.22 `provider/internal/context.go`,
 * moby/patternmatcher v0.6.1, tonistiigi/fsutil 0257b3308df4 `filter.go`); these tests hold the model to the cases
 * upstream's own tests state (patternmatcher_test.go TestMatches, context_test.go TestHash*), then show on the
 * repository's real services that editing any file of one service changes its context hash and tag and no other's.
 * What no test here can show: that the Go provider prints the same hex digits (no Go toolchain here); the tests
 * rely only on which edits change the hash, which is what decides a rebuild.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SERVICE_CATALOG, SERVICE_NAMES } from "../model/catalog";
import { contextHash, goFileMode } from "./context-hash";
import { IgnoreRules, readIgnoreFile } from "./dockerignore";
import { contextSources, ImageContext, stageImageContext, STAGED_DIR } from "./image-context";

/** moby/patternmatcher v0.6.1 patternmatcher_test.go TestMatches: [pattern, path, matches (or a parent does)]. */
const UPSTREAM_MATCHES: [string, string, boolean][] = [
    ["**", "file", true], ["**", "dir/file", true], ["**/", "dir/file", true], ["**/**", "dir/file", true],
    ["dir/**", "dir/file", true], ["dir/**", "dir/dir2/file", true], ["**/dir", "dir", true], ["**/dir", "dir/file", true],
    ["**/dir2/*", "dir/dir2/file", true], ["**/dir2/**", "dir/dir2/dir3/file", true], ["**file", "file", true],
    ["**file", "dir/file", true], ["**/file", "dir/file", true], ["**file", "dir/dir/file", true], ["**/file*", "dir/dir/file.txt", true],
    ["**/file*txt", "dir/dir/file.txt", true], ["**/**/*.txt", "dir/dir/file.txt", true], ["**/**/*.txt2", "dir/dir/file.txt", false],
    ["**/*.txt", "file.txt", true], ["a**/*.txt", "a/dir/dir/file.txt", true], ["a/*.txt", "a/dir/file.txt", false],
    ["a/*.txt", "a/file.txt", true], ["a/*.txt**", "a/file.txt", true], ["a[b-d]e", "ae", false], ["a[b-d]e", "ace", true],
    ["a[b-d]e", "aae", false], ["a[^b-d]e", "aze", true], [".*", ".foo", true], [".*", "foo", false], ["abc.def", "abcdef", false],
    ["abc.def", "abc.def", true], ["abc?def", "abcZdef", true], ["abc?def", "abcdef", false], ["a\\\\", "a\\", true],
    ["**/foo/bar", "foo/bar", true], ["**/foo/bar", "dir/dir2/foo/bar", true], ["abc/**", "abc", false], ["abc/**", "abc/def/ghi", true],
    ["**/.foo", ".foo", true], ["**/.foo", "bar.foo", false], ["a(b)c/def", "a(b)c/def", true], ["a(b)c/def", "a(b)c/xyz", false],
    ["a.|)$(}+{bc", "a.|)$(}+{bc", true], ["dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true], ["a\\*b", "a*b", true],
];

/** The same file's multi-pattern cases: the last pattern that matches decides. */
const UPSTREAM_MULTI: [string[], string, boolean][] = [
    [["**", "!util/docker/web"], "util/docker/web/foo", false],
    [["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true],
    [["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false],
];

describe("dockerignore rules (moby/patternmatcher v0.6.1)", () => {
    it("match as upstream's table says, a path or any folder above it", () => {
        const wrong = UPSTREAM_MATCHES.filter(([p, file, want]) => new IgnoreRules([p]).excludes(file).excluded !== want);
        assert.deepStrictEqual(wrong, []);
    });

    it("let the last matching pattern decide, exceptions included", () => {
        const wrong = UPSTREAM_MULTI.filter(([ps, file, want]) => new IgnoreRules(ps).excludes(file).excluded !== want);
        assert.deepStrictEqual(wrong, []);
    });

    it("read a file as ReadAll does: comments, blanks, exceptions, cleaned, no leading slash", () => {
        const text = "\uFEFF# a comment\n\n  bin/  \n!/keep/./me.txt\n/abs\n  # not a comment: trimmed after the check\n";
        assert.deepStrictEqual(readIgnoreFile(text), ["bin", "!keep/me.txt", "abs", "# not a comment: trimmed after the check"]);
    });

    it("refuses a lone '!' with a message that says what is wrong", () => {
        assert.throws(() => new IgnoreRules(["!"]), /^Error: invalid \.dockerignore pattern "!": an exception needs a pattern$/);
    });

    it("skip an excluded folder whole only when no exception could reach inside it (fsutil filter.go)", () => {
        assert.strictEqual(new IgnoreRules(["*", "!keep"]).canSkipFolder("other"), true);
        assert.strictEqual(new IgnoreRules(["*", "!keep/this"]).canSkipFolder("keep"), false);
        assert.strictEqual(new IgnoreRules(["*", "!projects/*/src"]).canSkipFolder("other"), false, "a wildcard exception is looked for everywhere");
        assert.strictEqual(new IgnoreRules(["bin"]).canSkipFolder("bin"), true);
    });
});

describe("contextHash (pulumi/docker-build v0.0.22 hashBuildContext)", () => {
    let dir: string;
    const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    };
    const hash = () => contextHash(dir, path.join(dir, "Dockerfile"));
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "context-hash-"));
        write("Dockerfile", "FROM scratch\nCOPY . .\n");
        write("foo.txt", "foo");
        write("bar/app.js", "app");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("ignores what .dockerignore leaves out, the ignore file included (TestHashIgnoresFile)", () => {
        const before = hash();
        write(".dockerignore", ".dockerignore\nignored.txt\nbar/ignored.js\n");
        write("ignored.txt", "x");
        write("bar/ignored.js", "y");
        assert.strictEqual(hash(), before);
    });

    it("sees files re-included by a wildcard exception, and only those (TestHashIgnoresWildcards)", () => {
        write(".dockerignore", "*\n!projects/*/src\n");
        write("projects/foo/src/app.js", "v1");
        write("projects/foo/dist/app.js", "built");
        const before = hash();
        write("projects/foo/dist/app.js", "built again");
        write("foo.txt", "edited but ignored");
        assert.strictEqual(hash(), before, "ignored files");
        write("projects/foo/src/app.js", "v2");
        assert.notStrictEqual(hash(), before, "an included file");
    });

    it("changes with a file's bytes, its name and its mode, and with the Dockerfile's bytes (TestHash*Matters)", () => {
        const seen = new Set([hash()]);
        write("foo.txt", "foo2");
        seen.add(hash());
        fs.renameSync(path.join(dir, "foo.txt"), path.join(dir, "foo2.txt"));
        seen.add(hash());
        fs.chmodSync(path.join(dir, "foo2.txt"), 0o755);
        seen.add(hash());
        write("Dockerfile", "FROM scratch\n");
        seen.add(hash());
        assert.strictEqual(seen.size, 5);
    });

    it("hashes the Dockerfile's bytes, not where it is (TestHashIgnoresDockerfileOutsideDirMove)", () => {
        const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "context-hash-df-"));
        try {
            fs.writeFileSync(path.join(elsewhere, "step1.Dockerfile"), "FROM scratch\n");
            fs.writeFileSync(path.join(elsewhere, "step2.Dockerfile"), "FROM scratch\n");
            assert.strictEqual(contextHash(dir, path.join(elsewhere, "step1.Dockerfile")), contextHash(dir, path.join(elsewhere, "step2.Dockerfile")));
        } finally {
            fs.rmSync(elsewhere, { recursive: true, force: true });
        }
    });

    it("prefers <Dockerfile>.dockerignore to the context's .dockerignore (getIgnorePatterns)", () => {
        write(".dockerignore", "foo.txt\n");
        const withContextIgnore = hash();
        write("foo.txt", "changed");
        assert.strictEqual(hash(), withContextIgnore);
        write("Dockerfile.dockerignore", "bar\n");
        const withOwn = hash();
        write("foo.txt", "changed again");
        assert.notStrictEqual(hash(), withOwn, "foo.txt counts once the Dockerfile's own ignore file is there");
    });

    it("prints modes as Go's FileMode.String does", () => {
        const stat = (mode: number, link = false) => ({ mode, isSymbolicLink: () => link, isDirectory: () => false });
        assert.strictEqual(goFileMode(stat(0o644)), "-rw-r--r--");
        assert.strictEqual(goFileMode(stat(0o755)), "-rwxr-xr-x");
        assert.strictEqual(goFileMode(stat(0o777, true)), "Lrwxrwxrwx");
        assert.strictEqual(goFileMode(stat(0o4755)), "urwxr-xr-x");
    });
});

/** The services as the stacks build them: the built-in ones and a user's project outside services/. */
interface Target {
    readonly name: string;
    readonly root: string;
    readonly project: string;
    readonly dockerfile: string;
}

describe("each image's own build context", () => {
    const repo = path.resolve(__dirname, "..", "..");
    let work: string;
    let targets: Target[];
    const stage = (t: Target): ImageContext => stageImageContext({
        sourceContext: path.join(work, t.root),
        project: t.project,
        dockerfile: path.join(work, t.dockerfile),
        carried: { "rds-global-bundle.pem": path.join(work, "services/certs/rds-global-bundle.pem") },
        stageDir: path.join(work, ".build", t.name),
        buildArgs: { PROJECT: t.project },
        platform: "linux/arm64",
    });
    const all = () => Object.fromEntries(targets.map((t) => [t.name, stage(t)]));

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "image-context-"));
        const skip = new Set(["bin", "obj", "TestResults", "node_modules"]);
        fs.cpSync(path.join(repo, "services"), path.join(work, "services"), { recursive: true, filter: (src) => !skip.has(path.basename(src)) });
        fs.cpSync(path.join(repo, "test/fixtures/echo"), path.join(work, "user/echo"), { recursive: true, filter: (src) => !skip.has(path.basename(src)) });
        targets = [
            ...SERVICE_NAMES.map((name) => ({
                name, root: "services", project: SERVICE_CATALOG[name].project, dockerfile: `services/${SERVICE_CATALOG[name].dockerfile}`,
            })),
            { name: "echo", root: "user/echo", project: "Echo.Api", dockerfile: "services/Dockerfile" },
        ];
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("holds the project, what it references, the shared build files, the Dockerfile and the CA bundle, nothing else", () => {
        const bookstore = stage(targets[0]);
        const files = contextSources(path.join(work, "services"), "BookStore.Api");
        assert.ok(files.includes("Directory.Packages.props") && files.includes("global.json"));
        assert.ok(files.some((f) => f.startsWith("Shared/")) && files.some((f) => f.startsWith("BookStore.Api/")));
        assert.deepStrictEqual(files.filter((f) => !/^(Shared|BookStore\.Api)\/|^(Directory\.(Build|Packages)\.props|global\.json)$/.test(f)), []);
        assert.ok(!files.some((f) => f.endsWith(".md")), "services/.dockerignore still applies (**/*.md)");
        const staged = fs.readdirSync(path.join(bookstore.contextDir, STAGED_DIR)).sort();
        assert.deepStrictEqual(staged, ["Dockerfile", "rds-global-bundle.pem"]);
        assert.strictEqual(fs.readFileSync(bookstore.dockerfile, "utf8"), fs.readFileSync(path.join(work, targets[0].dockerfile), "utf8"));
        assert.match(bookstore.tag, /^src-[0-9a-f]{12}$/);
        assert.strictEqual(stage(targets[0]).tag, bookstore.tag, "the same tree, the same tag");
    });

    it("for every pair of services, editing a file of one changes its hash and tag and neither of the other's", () => {
        for (const edited of targets) {
            const ownFiles = contextSources(path.join(work, edited.root), edited.project).filter((f) => f.startsWith(`${edited.project}/`));
            assert.ok(ownFiles.length > 1, `${edited.name} has files of its own`);
            for (const file of [ownFiles[0], ownFiles.at(-1) as string]) {
                const before = all();
                const full = path.join(work, edited.root, file);
                const original = fs.readFileSync(full);
                fs.writeFileSync(full, Buffer.concat([original, Buffer.from("\n")]));
                const after = all();
                fs.writeFileSync(full, original);
                for (const other of targets) {
                    const changed = [after[other.name].contextHash !== before[other.name].contextHash, after[other.name].tag !== before[other.name].tag];
                    assert.deepStrictEqual(changed, other === edited ? [true, true] : [false, false], `${file} edited: ${other.name}`);
                }
            }
        }
    });

    it("changes no image for the registry, the docs, the tests or the scripts, and for a Dockerfile only the images built with it", () => {
        const before = all();
        for (const file of ["services/services.json", "services/README.md", "services/tests/DotnetFargate.Tests/DotnetFargate.Tests.csproj", "services/scripts/test.sh"]) {
            fs.appendFileSync(path.join(work, file), "\n");
        }
        assert.deepStrictEqual(all(), before);
        fs.appendFileSync(path.join(work, "services/Dockerfile.aot"), "\n");
        const after = all();
        const aot = targets.filter((t) => t.dockerfile === "services/Dockerfile.aot").map((t) => t.name);
        assert.ok(aot.includes("prime"), "Prime is built Native AOT");
        assert.ok(targets.some((t) => t.dockerfile === "services/Dockerfile"), "the user's service is built with services/Dockerfile");
        assert.deepStrictEqual(targets.filter((t) => after[t.name].tag !== before[t.name].tag).map((t) => t.name), aot);
    });

    it("changes every image that builds on a shared file: the Shared project, the package versions, the CA bundle", () => {
        const users = (changed: Record<string, ImageContext>, base: Record<string, ImageContext>) =>
            targets.filter((t) => changed[t.name].tag !== base[t.name].tag).map((t) => t.name);
        let before = all();
        fs.appendFileSync(path.join(work, "services/Shared/ServiceDefaults.cs"), "\n");
        assert.deepStrictEqual(users(all(), before), SERVICE_NAMES.filter((n) => fs.readFileSync(path.join(work, "services", SERVICE_CATALOG[n].project, `${SERVICE_CATALOG[n].project}.csproj`), "utf8").includes("Shared")));
        before = all();
        fs.appendFileSync(path.join(work, "services/Directory.Packages.props"), "\n");
        assert.deepStrictEqual(users(all(), before), [...SERVICE_NAMES]);
        before = all();
        fs.appendFileSync(path.join(work, "services/certs/rds-global-bundle.pem"), "\n");
        assert.deepStrictEqual(users(all(), before), [...SERVICE_NAMES, "echo"]);
    });

    it("leaves build output, VCS folders, test results and local databases out, so they change no tag", () => {
        const before = all();
        for (const file of ["bin/Release/x.dll", "obj/project.assets.json", ".git/HEAD", "TestResults/r.trx", "notes.db", "data/app.sqlite", "node_modules/x/i.js"]) {
            const full = path.join(work, "user/echo/Echo.Api", file);
            fs.mkdirSync(path.dirname(full), { recursive: true });
            fs.writeFileSync(full, "local state");
        }
        assert.deepStrictEqual(all(), before);
        assert.ok(!contextSources(path.join(work, "user/echo"), "Echo.Api").some((f) => /bin\/|obj\/|\.git\/|\.db$|\.sqlite$/.test(f)));
    });

    it("changes the tag, not the context hash, with the build arguments or the platform (docker-build diffs them apart)", () => {
        const t = targets[0];
        const base = stage(t);
        const other = stageImageContext({
            sourceContext: path.join(work, t.root), project: t.project, dockerfile: path.join(work, t.dockerfile),
            carried: { "rds-global-bundle.pem": path.join(work, "services/certs/rds-global-bundle.pem") },
            stageDir: path.join(work, ".build", "x"), buildArgs: { PROJECT: t.project }, platform: "linux/amd64",
        });
        assert.strictEqual(other.contextHash, base.contextHash);
        assert.notStrictEqual(other.tag, base.tag);
    });

    it("refuses a project that is not there and a reference outside the context, naming them", () => {
        assert.throws(() => contextSources(path.join(work, "services"), "Nope.Api"), /^Error: image context: "Nope\.Api" is not a folder in /);
        const csproj = path.join(work, "user/echo/Echo.Api/Echo.Api.csproj");
        const original = fs.readFileSync(csproj, "utf8");
        fs.writeFileSync(csproj, original.replace("</Project>", '<ItemGroup><ProjectReference Include="..\\..\\elsewhere\\X\\X.csproj" /></ItemGroup></Project>'));
        try {
            assert.throws(() => contextSources(path.join(work, "user/echo"), "Echo.Api"), /"Echo\.Api" references "\.\.\\\.\.\\elsewhere\\X\\X\.csproj", outside the build context/);
        } finally {
            fs.writeFileSync(csproj, original);
        }
    });
});
