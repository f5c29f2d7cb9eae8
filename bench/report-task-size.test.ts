/**
 * The smallest-task offer (bench/report-task-size.ts) on results of stack runs: offered with each architecture's
 * monthly cost and compare's command when every service's peak fits half of 512 MiB, refused with the reason when
 * one does not fit, and absent when the runs were already at the smallest size.
 */
import * as assert from "assert";
import { HOURS_PER_MONTH, taskHourUsd } from "../model/pricing";
import { armVsAmd } from "./fixtures";
import { renderMarkdown } from "./report";
import { benchFlagsOf, smallestSizeOffer } from "./report-task-size";
import { TargetRun } from "./results";

/** The fixture's stack runs with the BookStore's memory readings set to these values. */
function withMemory(peaks: Readonly<Record<string, number>>): TargetRun[] {
    return armVsAmd(true).runs.map((r) => ({
        ...r,
        utilisation: r.utilisation.map((u) => ({ ...u, points: u.points.map((p, i) => ({ ...p, memoryMiB: i === 3 ? peaks[r.label] : 40 })) })),
    }));
}

describe("report: the smallest task size offered", () => {
    it("offers 256/512 after stack runs at 512/1024 whose peaks fit, with both architectures' monthly costs and compare's command", () => {
        const offer = smallestSizeOffer(withMemory({ arm64: 120, amd64: 256 }), ["--scale", "0.1"]);
        assert.ok(offer?.offered);
        assert.deepStrictEqual(offer.largest, { run: "amd64", service: "BookStore.Api", peakMiB: 256 });
        assert.deepStrictEqual(
            offer.monthly.map((m) => [m.architecture, m.smallestUsd, m.ranUsd]),
            (["arm64", "amd64"] as const).map((a) => [a, taskHourUsd(a, { cpu: 256, memory: 512 }) * HOURS_PER_MONTH, taskHourUsd(a, { cpu: 512, memory: 1024 }) * HOURS_PER_MONTH]),
        );
        assert.strictEqual(offer.command, "npm run compare -- --scale 0.1 --task-size 256/512");
    });

    it("does not offer it when a service's peak is above half of 512 MiB, and says which", () => {
        const offer = smallestSizeOffer(withMemory({ arm64: 120, amd64: 257 }), []);
        assert.deepStrictEqual(offer, {
            offered: false,
            why: "BookStore.Api on amd64 peaked at 257 MiB, more than the 256 MiB (50% of 512 MiB) the smallest task leaves with headroom",
        });
        const md = renderMarkdown([{ file: "r.json", results: { ...armVsAmd(true), runs: withMemory({ arm64: 120, amd64: 257 }) } }]);
        assert.ok(md.includes("## Task size\n\nThe smallest Fargate task, 256/512 (0.25 vCPU / 512 MiB), is not offered: BookStore.Api on amd64 peaked at 257 MiB"), md);
        assert.ok(md.includes("stacks: Container Insights MemoryUtilized, the task's containers together, each minute's average"));
    });

    it("does not offer it when the stacks' memory was not read, nor when the runs were at 256/512 already", () => {
        assert.match(
            (smallestSizeOffer(armVsAmd(false).runs, []) as { why: string }).why,
            /^the memory of bookstore on arm64 was not measured \(no AWS credentials in the environment\)/,
        );
        const small = withMemory({ arm64: 10, amd64: 10 }).map((r) => ({ ...r, taskSize: { cpu: 256, memory: 512 } }));
        assert.strictEqual(smallestSizeOffer(small, []), undefined);
        assert.ok(!renderMarkdown([{ file: "r.json", results: { ...armVsAmd(true), runs: small } }]).includes("## Task size"));
    });

    it("takes the benchmark flags of a results command, less the targets and files compare sets", () => {
        assert.deepStrictEqual(benchFlagsOf("npm run bench -- --local --scale 0.01 --task-size 512/1024 --out x.json --no-build --repeat 2"), ["--scale", "0.01", "--repeat", "2"]);
        assert.deepStrictEqual(benchFlagsOf("npm run bench -- --stacks arm64,amd64 --scenarios=books --out=y.json"), ["--scenarios=books"]);
    });
});
