import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ARCHITECTURES, architectureTraits, isArchitecture } from "./architecture";
import { isImageTag, repositoryName } from "./naming";
import { imageSourceHash } from "./source-hash";

describe("architecture traits", () => {
    it("maps each architecture to its platform, ECS CPU architecture, .NET RID and database classes", () => {
        assert.deepStrictEqual(architectureTraits("arm64"), {
            platform: "linux/arm64", cpuArchitecture: "ARM64", targetArch: "arm64", dotnetArch: "arm64",
            databaseClasses: { micro: "db.t4g.micro", small: "db.t4g.small", medium: "db.t4g.medium", large: "db.m7g.large" },
        });
        assert.deepStrictEqual(architectureTraits("amd64"), {
            platform: "linux/amd64", cpuArchitecture: "X86_64", targetArch: "amd64", dotnetArch: "x64",
            databaseClasses: { micro: "db.t3.micro", small: "db.t3.small", medium: "db.t3.medium", large: "db.m7i.large" },
        });
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

describe("imageSourceHash", () => {
    // A build context like services/: two services, a library they share, a test project, shared build files.
    let dir: string;
    const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    };
    const hashes = () => ({ a: imageSourceHash(dir, "A.Api", "A.Api/Dockerfile"), b: imageSourceHash(dir, "B.Api", "Dockerfile") });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "source-hash-"));
        write("global.json", "{}");
        write("Directory.Packages.props", "<Project/>");
        write("README.md", "about the services");
        write("Dockerfile", "FROM generic");
        write("Shared/Shared.csproj", "<Project/>");
        write("Shared/Defaults.cs", "class D {}");
        write("A.Api/A.Api.csproj", '<Project><ItemGroup><ProjectReference Include="..\\Shared\\Shared.csproj" /></ItemGroup></Project>');
        write("A.Api/Program.cs", "return 0;");
        write("A.Api/Dockerfile", "FROM a");
        write("B.Api/B.Api.csproj", "<Project/>");
        write("B.Api/Program.cs", "return 0;");
        write("tests/T/T.csproj", '<Project><ItemGroup><ProjectReference Include="../../A.Api/A.Api.csproj" /></ItemGroup></Project>');
        write("tests/T/Tests.cs", "class T {}");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is stable for the same files and changes with any byte or name of the project", () => {
        const first = hashes().a;
        assert.match(first, /^[0-9a-f]{12}$/);
        assert.strictEqual(hashes().a, first);
        write("A.Api/Program.cs", "return 1;");
        const second = hashes().a;
        assert.notStrictEqual(second, first);
        fs.renameSync(path.join(dir, "A.Api", "Program.cs"), path.join(dir, "A.Api", "Main.cs"));
        assert.notStrictEqual(hashes().a, second);
    });

    it("changes one service's tag only for what that service is built from", () => {
        const before = hashes();
        write("tests/T/Tests.cs", "class T { }");
        write("README.md", "edited");
        assert.deepStrictEqual(hashes(), before, "tests and docs rebuild nothing");
        write("Shared/Defaults.cs", "class D { }");
        const afterShared = hashes();
        assert.notStrictEqual(afterShared.a, before.a, "a referenced project rebuilds its users");
        assert.strictEqual(afterShared.b, before.b, "and nothing else");
        write("B.Api/Program.cs", "return 2;");
        assert.strictEqual(hashes().a, afterShared.a);
        write("Dockerfile", "FROM generic:2");
        const afterDockerfile = hashes();
        assert.strictEqual(afterDockerfile.a, afterShared.a, "A builds from its own Dockerfile");
        assert.notStrictEqual(afterDockerfile.b, before.b);
        write("Directory.Packages.props", "<Project><!-- bump --></Project>");
        const afterProps = hashes();
        assert.notStrictEqual(afterProps.a, afterDockerfile.a, "shared build files rebuild every image");
        assert.notStrictEqual(afterProps.b, afterDockerfile.b);
    });

    it("ignores build output", () => {
        const before = hashes();
        write("A.Api/bin/A.Api.dll", "binary");
        write("Shared/obj/cache", "x");
        assert.deepStrictEqual(hashes(), before);
    });

    it("refuses a missing folder, a missing Dockerfile and a reference outside the context", () => {
        assert.throws(() => imageSourceHash(path.join(dir, "missing"), "A.Api", "Dockerfile"), /is not a folder/);
        assert.throws(() => imageSourceHash(dir, "C.Api", "Dockerfile"), /C.Api" is not a folder/);
        assert.throws(() => imageSourceHash(dir, "A.Api", "Nope/Dockerfile"), /the Dockerfile "Nope\/Dockerfile" does not exist/);
        write("B.Api/B.Api.csproj", '<Project><ItemGroup><ProjectReference Include="../../elsewhere/X/X.csproj" /></ItemGroup></Project>');
        assert.throws(() => imageSourceHash(dir, "B.Api", "Dockerfile"), /references "..\/..\/elsewhere\/X\/X.csproj", outside the build context/);
    });
});
