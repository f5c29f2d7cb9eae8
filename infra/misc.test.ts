import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ARCHITECTURES, architectureTraits, isArchitecture } from "./architecture";
import { isImageTag, repositoryName } from "./naming";
import { sourceHash } from "./source-hash";

describe("architecture traits", () => {
    it("maps each architecture to its platform, ECS CPU architecture and .NET RID", () => {
        assert.deepStrictEqual(architectureTraits("arm64"), { platform: "linux/arm64", cpuArchitecture: "ARM64", targetArch: "arm64", dotnetArch: "arm64" });
        assert.deepStrictEqual(architectureTraits("amd64"), { platform: "linux/amd64", cpuArchitecture: "X86_64", targetArch: "amd64", dotnetArch: "x64" });
    });
    it("knows exactly the two stacks' architectures", () => {
        assert.deepStrictEqual([...ARCHITECTURES], ["arm64", "amd64"]);
        for (const bad of ["x86_64", "ARM64", "", undefined, 64]) {
            assert.strictEqual(isArchitecture(bad), false, String(bad));
        }
    });
});

describe("naming", () => {
    it("names ECR repositories per stack and service", () => {
        assert.strictEqual(repositoryName("dotnet-fargate", "arm64", "bookstore"), "dotnet-fargate-arm64/bookstore");
    });
    it("recognises Docker image tags", () => {
        for (const ok of ["10.0.3", "src-0123456789ab", "_x", "a".repeat(128)]) {
            assert.ok(isImageTag(ok), ok);
        }
        for (const bad of ["", ".x", "-x", "a b", "a".repeat(129), 10]) {
            assert.ok(!isImageTag(bad), String(bad));
        }
    });
});

describe("sourceHash", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "source-hash-"));
        fs.mkdirSync(path.join(dir, "App"));
        fs.writeFileSync(path.join(dir, "App", "Program.cs"), "return 0;");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is stable for the same files and changes with any byte or name", () => {
        const first = sourceHash(dir);
        assert.match(first, /^[0-9a-f]{12}$/);
        assert.strictEqual(sourceHash(dir), first);
        fs.writeFileSync(path.join(dir, "App", "Program.cs"), "return 1;");
        const second = sourceHash(dir);
        assert.notStrictEqual(second, first);
        fs.renameSync(path.join(dir, "App", "Program.cs"), path.join(dir, "App", "Main.cs"));
        assert.notStrictEqual(sourceHash(dir), second);
    });
    it("ignores build output", () => {
        const before = sourceHash(dir);
        fs.mkdirSync(path.join(dir, "App", "bin"));
        fs.writeFileSync(path.join(dir, "App", "bin", "App.dll"), "binary");
        fs.mkdirSync(path.join(dir, "App", "obj"));
        fs.writeFileSync(path.join(dir, "App", "obj", "cache"), "x");
        assert.strictEqual(sourceHash(dir), before);
    });
    it("refuses a folder that does not exist", () => {
        assert.throws(() => sourceHash(path.join(dir, "missing")), /is not a folder/);
    });
});
