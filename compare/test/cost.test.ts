/**
 * The experiment's cost from the stacks' own estimate (the program evaluated offline with each stack file) and
 * the price table: checked here against figures computed from DEFAULT_PRICES by hand, for both architectures and
 * with the database on.
 */
import * as assert from "assert";
import { DEFAULT_PRICES, HOURS_PER_MONTH } from "../../model/pricing";
import { planTests } from "../../bench/run";
import { ARTILLERY_WORKER, benchSeconds, experimentCost, stackCost, teardownWarnings } from "../cost";
import { expectedDurations } from "../main";
import { parseCompare } from "../options";

/** The default stack at list price: two services of 0.5 vCPU / 1 GB, one ALB, one NAT gateway, three public IPv4 addresses. */
function expectedMonthly(arch: "arm64" | "amd64"): number {
    const f = DEFAULT_PRICES.fargate[arch];
    const c = (x: number) => Math.round(x * 100) / 100;
    return c(2 * 0.5 * f.vcpuHour * HOURS_PER_MONTH) + c(2 * 1 * f.gbHour * HOURS_PER_MONTH) + c(DEFAULT_PRICES.albHour * HOURS_PER_MONTH) + c(DEFAULT_PRICES.natGatewayHour * HOURS_PER_MONTH) + c(3 * DEFAULT_PRICES.publicIpv4Hour * HOURS_PER_MONTH);
}

describe("compare: what the experiment costs", function () {
    this.timeout(60_000);

    it("prices each stack as its program does, per architecture", async () => {
        for (const arch of ["arm64", "amd64"] as const) {
            const cost = await stackCost(arch);
            assert.strictEqual(cost.architecture, arch);
            assert.strictEqual(cost.monthly.total, Math.round(expectedMonthly(arch) * 100) / 100);
            assert.strictEqual(cost.monthly.database, 0);
            assert.strictEqual(cost.hourUsd, cost.monthly.total / HOURS_PER_MONTH);
        }
    });

    it("adds the database when the stack has one", async () => {
        const config = { "dotnet-fargate:database": JSON.stringify({ enabled: true }) };
        const arm = await stackCost("arm64", config);
        const amd = await stackCost("amd64", config);
        // small instance (the default) for the month plus 20 GB of gp3
        assert.strictEqual(arm.monthly.database, Math.round((DEFAULT_PRICES.database.arm64.small * HOURS_PER_MONTH + 20 * DEFAULT_PRICES.databaseStorageGbMonth) * 100) / 100);
        assert.strictEqual(amd.monthly.database, Math.round((DEFAULT_PRICES.database.amd64.small * HOURS_PER_MONTH + 20 * DEFAULT_PRICES.databaseStorageGbMonth) * 100) / 100);
        const total = experimentCost([arm, amd], { deployS: 1800, benchS: 1800, destroyS: 0 });
        assert.ok(Math.abs(total.totalUsd - (arm.hourUsd + amd.hourUsd)) < 1e-9);
        assert.match(total.lines[0].what, /^stack arm64 \(arm64\): \$\d+\.\d\d\/month fixed, database \$25\.66 of it$/);
    });

    it("adds the Fargate load workers for the benchmark's time, and counts the benchmark's steps", async () => {
        const arm = await stackCost("arm64");
        const c = experimentCost([arm], { deployS: 0, benchS: 3600, destroyS: 0 }, { count: 4 });
        const worker = (ARTILLERY_WORKER.cpu / 1024) * DEFAULT_PRICES.fargate.amd64.vcpuHour + (ARTILLERY_WORKER.memory / 1024) * DEFAULT_PRICES.fargate.amd64.gbHour;
        assert.ok(Math.abs(c.lines[1].usd - 4 * worker) < 1e-9);
        // 10 s fixed test; capacity 10 -> 80/s: 4 doubling steps + 5 bisections of 20 s after a 60 s warm-up; two targets.
        const s = benchSeconds({ scenarios: [{ duration: 10 }], capacity: [{ name: "c", url: "/", startRate: 10, maxRate: 80, stepDuration: 20, p99TargetMs: 100, maxErrorRate: 0.01 }] }, { targets: 2, repeat: 1, fargate: false });
        assert.strictEqual(s, 2 * (10 + 60 + 9 * 20));
    });

    it("counts a Fargate search as three phased runs, each with its workers' start, not one run per step", () => {
        const capacity = [{ name: "c", url: "/", startRate: 10, maxRate: 80, stepDuration: 20, p99TargetMs: 100, maxErrorRate: 0.01 }];
        // One target: a 10 s fixed test and its start; the search's 40 s warm-up, 4 ramp and 8 bisection phases of 30 s
        // (a phase is at least 30 s), and three runs' starts.
        assert.strictEqual(benchSeconds({ scenarios: [{ duration: 10 }], capacity }, { targets: 1, repeat: 1, fargate: true }), 10 + 60 + 40 + 12 * 30 + 3 * 60);
        assert.strictEqual(benchSeconds({ scenarios: [], capacity }, { targets: 2, repeat: 2, fargate: true }), 2 * 2 * (40 + 12 * 30 + 3 * 60));
    });

    it("prices compare's default of two capacity searches per target: the estimate grows by one more of each", () => {
        const twice = expectedDurations(parseCompare(["--scale", "0.1"]));
        const once = expectedDurations(parseCompare(["--scale", "0.1", "--repeat", "1"]));
        const { capacity } = planTests(parseCompare(["--scale", "0.1"]).bench);
        const searches = benchSeconds({ scenarios: [], capacity }, { targets: 2, repeat: 1, fargate: false });
        assert.ok(capacity.length === 2 && searches > 0, "the default plan has our two capacity searches");
        assert.strictEqual(twice.benchS - once.benchS, searches);
        assert.deepStrictEqual([twice.deployS, twice.destroyS], [once.deployS, once.destroyS]);
    });

    it("warns before the run when a stack's database would stop its tear-down or outlive it", () => {
        const files: Record<string, Record<string, string>> = {
            arm64: { "dotnet-fargate:database": JSON.stringify({ enabled: true }) },
            amd64: { "dotnet-fargate:database": JSON.stringify({ enabled: true, deletionProtection: false, skipFinalSnapshot: true }) },
        };
        assert.deepStrictEqual(teardownWarnings(["arm64", "amd64"], (s) => ({ config: files[s] })), [
            "stack arm64: the database keeps deletion protection, so the run cannot destroy the stack it creates; for a throw-away comparison set `pulumi config set --path 'dotnet-fargate:database.deletionProtection' false --stack arm64` first",
            "stack arm64: destroying the database first takes the snapshot dotnet-fargate-arm64-bookstore-final (infra/database.ts, named after the stack's prefix), which stays (and costs storage) after the run",
        ]);
        assert.deepStrictEqual(teardownWarnings(["arm64", "amd64"]), [], "the stack files as committed have no database");
    });
});
