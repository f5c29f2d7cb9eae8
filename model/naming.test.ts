import * as assert from "assert";
import { ARCHITECTURES, architectureTraits, isArchitecture } from "./architecture";
import { isImageTag, repositoryName } from "./naming";

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


