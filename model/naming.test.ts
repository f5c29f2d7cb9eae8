import * as assert from "assert";
import { ARCHITECTURES, architectureTraits, isArchitecture } from "./architecture";
import { AUTONAME_SUFFIX, autonameWithin, isImageTag, repositoryName, targetGroupName } from "./naming";

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



describe("names the AWS provider makes AWS names of", () => {
    it("keeps a name that fits, and cuts a long one to its start and a hash of the whole", () => {
        assert.strictEqual(autonameWithin("dotnet-fargate-arm64-alb", 32), "dotnet-fargate-arm64-alb");
        const long = autonameWithin("dotnet-fargate-staging-arm64-alb", 32);
        assert.match(long, /^dotnet-fargate-[0-9a-f]{8}$/);
        assert.ok(long.length <= 32 - AUTONAME_SUFFIX, long);
        // Two long names that share their start stay apart, and each always gives the same name.
        assert.notStrictEqual(autonameWithin("dotnet-fargate-arm64-aaaaaaaaaaaaaaaaaaaaaaaaa-execution", 64), autonameWithin("dotnet-fargate-arm64-aaaaaaaaaaaaaaaaaaaaaaaaa-executiox", 64));
        assert.strictEqual(autonameWithin("x".repeat(60), 64), autonameWithin("x".repeat(60), 64));
        // No hyphen is left before the hash's.
        assert.match(autonameWithin("abcdefghijklmno-qrstuvwxyz", 32), /^abcdefghijklmno-[0-9a-f]{8}$/);
    });

    it("names a target group after its stack and service, within what pulumi-aws can autoname (32 in all)", () => {
        assert.strictEqual(targetGroupName("arm64", "bookstore"), "arm64-bookstore");
        assert.strictEqual(targetGroupName("amd64", "profiling", true), "amd64-profiling-monitor");
        const longest = targetGroupName("amd64", "a".repeat(31), true);
        assert.ok(longest.length + AUTONAME_SUFFIX <= 32, longest);
        assert.notStrictEqual(targetGroupName("arm64", "a".repeat(31)), targetGroupName("arm64", `${"a".repeat(30)}b`));
    });
});
