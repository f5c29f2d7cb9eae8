import * as assert from "assert";
import { costPerMillionRequests, DEFAULT_PRICES, estimateMonthlyCost, mergePrices, percentDifference, taskHourUsd } from "./pricing";

describe("pricing", () => {
    describe("taskHourUsd", () => {
        const cases: [string, "arm64" | "amd64", number, number, number][] = [
            // architecture, cpu units, memory MiB, USD per hour worked out by hand from the price table
            ["seed size on arm64", "arm64", 512, 1024, 0.5 * 0.03238 + 1 * 0.00356],
            ["seed size on amd64", "amd64", 512, 1024, 0.5 * 0.04048 + 1 * 0.004445],
            ["1 vCPU 2 GB on arm64", "arm64", 1024, 2048, 0.03238 + 2 * 0.00356],
            ["4 vCPU 8 GB on amd64", "amd64", 4096, 8192, 4 * 0.04048 + 8 * 0.004445],
        ];
        for (const [title, arch, cpu, memory, expected] of cases) {
            it(title, () => assert.ok(Math.abs(taskHourUsd(arch, { cpu, memory }) - expected) < 1e-12));
        }
        it("makes arm64 20% cheaper than amd64 at the seed's size", () => {
            const diff = percentDifference(taskHourUsd("arm64", { cpu: 512, memory: 1024 }), taskHourUsd("amd64", { cpu: 512, memory: 1024 }));
            assert.ok(diff < -19.9 && diff > -20.1, `got ${diff}`);
        });
    });

    describe("costPerMillionRequests", () => {
        it("divides an hour's cost over the requests served in that hour", () => {
            // $0.036 per hour at 10 req/s = 36,000 requests per hour -> $1 per million.
            assert.strictEqual(costPerMillionRequests(0.036, 10), 1);
            assert.ok(Math.abs(costPerMillionRequests(0.02075, 50) - 0.1152777) < 1e-6);
        });
        it("refuses a capacity of zero", () => {
            assert.throws(() => costPerMillionRequests(0.02, 0), /requestsPerSecond must be greater than 0, got 0/);
        });
    });

    describe("estimateMonthlyCost", () => {
        it("prices the default arm64 stack line by line", () => {
            const cost = estimateMonthlyCost({
                architecture: "arm64",
                services: [
                    { cpu: 512, memory: 1024, count: 1 },
                    { cpu: 512, memory: 1024, count: 1 },
                ],
                natGateways: 1,
                loadBalancers: 1,
                publicIpv4Addresses: 3,
            });
            // 2 tasks * 0.5 vCPU * 730 h * 0.03238 = 23.6374; 2 * 1 GB * 730 * 0.00356 = 5.1976;
            // ALB 730 * 0.0225 = 16.425; NAT 730 * 0.045 = 32.85; IPv4 3 * 730 * 0.005 = 10.95.
            assert.deepStrictEqual(cost, { fargateVcpu: 23.64, fargateMemory: 5.2, loadBalancer: 16.43, natGateway: 32.85, publicIpv4: 10.95, database: 0, total: 89.07 });
        });
        it("adds the database at its architecture's instance price and gp3 storage", () => {
            const base = { services: [], natGateways: 0, loadBalancers: 0, publicIpv4Addresses: 0, database: { size: "small" as const, storageGb: 20 } };
            // arm64 db.t4g.small 0.032 * 730 = 23.36 + 20 GB * 0.115 = 2.30; amd64 db.t3.small 0.036 * 730 = 26.28 + 2.30.
            assert.strictEqual(estimateMonthlyCost({ architecture: "arm64", ...base }).database, 25.66);
            assert.strictEqual(estimateMonthlyCost({ architecture: "amd64", ...base }).database, 28.58);
            assert.strictEqual(estimateMonthlyCost({ architecture: "amd64", ...base }).total, 28.58);
        });
        it("prices amd64 compute at the x86 rate", () => {
            const cost = estimateMonthlyCost({ architecture: "amd64", services: [{ cpu: 1024, memory: 2048, count: 3 }], natGateways: 2, loadBalancers: 1, publicIpv4Addresses: 4 });
            // 3 * 1 * 730 * 0.04048 = 88.6512; 3 * 2 * 730 * 0.004445 = 19.4691; NAT 2 * 32.85; IPv4 4 * 3.65.
            assert.deepStrictEqual(cost, { fargateVcpu: 88.65, fargateMemory: 19.47, loadBalancer: 16.43, natGateway: 65.7, publicIpv4: 14.6, database: 0, total: 204.85 });
        });
    });

    describe("mergePrices", () => {
        it("returns the defaults when nothing is configured", () => {
            assert.strictEqual(mergePrices(undefined), DEFAULT_PRICES);
        });
        it("overrides only what is given", () => {
            const merged = mergePrices({ natGatewayHour: 0.048, fargate: { arm64: { vcpuHour: 0.03 } } });
            assert.strictEqual(merged.natGatewayHour, 0.048);
            assert.deepStrictEqual(merged.fargate.arm64, { vcpuHour: 0.03, gbHour: 0.00356 });
            assert.deepStrictEqual(merged.fargate.amd64, DEFAULT_PRICES.fargate.amd64);
            assert.strictEqual(merged.albHour, DEFAULT_PRICES.albHour);
        });
        it("overrides one database price and keeps the rest", () => {
            const merged = mergePrices({ database: { amd64: { large: 0.2 } }, databaseStorageGbMonth: 0.1 });
            assert.deepStrictEqual(merged.database.amd64, { ...DEFAULT_PRICES.database.amd64, large: 0.2 });
            assert.deepStrictEqual(merged.database.arm64, DEFAULT_PRICES.database.arm64);
            assert.strictEqual(merged.databaseStorageGbMonth, 0.1);
            assert.strictEqual(DEFAULT_PRICES.database.amd64.large, 0.187, "the defaults were changed by a merge");
        });
        const errors: [string, unknown, string][] = [
            ["a list", [1], 'Config "dotnet-fargate:prices" is [1]; expected an object such as {"natGatewayHour": 0.048}.'],
            ["an unknown item", { lambdaHour: 1 }, 'Config "dotnet-fargate:prices.lambdaHour" is 1; expected one of fargate, database, natGatewayHour, natGatewayGb, albHour, publicIpv4Hour, logsGb, databaseStorageGbMonth.'],
            ["a negative price", { albHour: -1 }, 'Config "dotnet-fargate:prices.albHour" is -1; expected a price in USD, a number >= 0.'],
            ["a price as text", { albHour: "0.02" }, 'Config "dotnet-fargate:prices.albHour" is "0.02"; expected a price in USD, a number >= 0.'],
            ["an unknown architecture", { fargate: { riscv: { vcpuHour: 1 } } }, 'Config "dotnet-fargate:prices.fargate.riscv" is {"vcpuHour":1}; expected one of arm64, amd64.'],
            ["an unknown Fargate field", { fargate: { arm64: { hour: 1 } } }, 'Config "dotnet-fargate:prices.fargate.arm64.hour" is 1; expected one of vcpuHour, gbHour.'],
            ["an unknown database size", { database: { arm64: { huge: 1 } } }, 'Config "dotnet-fargate:prices.database.arm64.huge" is 1; expected one of micro, small, medium, large.'],
            ["a database price as text", { database: { amd64: { small: "0.03" } } }, 'Config "dotnet-fargate:prices.database.amd64.small" is "0.03"; expected a price in USD, a number >= 0.'],
        ];
        for (const [title, value, message] of errors) {
            it(`refuses ${title}`, () => assert.throws(() => mergePrices(value, "dotnet-fargate:prices"), { name: "ConfigError", message }));
        }
    });
});
