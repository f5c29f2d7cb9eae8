/**
 * Container Insights query and parsing, on a fixed GetMetricData response. Nothing here talks to AWS:
 * the SDK call itself has not been run against an account.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildMetricQuery, hasAwsCredentials, notMeasured, parseMetricData, queryId, readContainerInsights } from "./cloudwatch";
import { parseStackOutputs } from "./stack-outputs";
import { DEFAULT_PRICES } from "../model/pricing";

describe("bench Container Insights", () => {
    const services = { bookstore: "dotnet-fargate-arm64-bookstore", prime: "dotnet-fargate-arm64-prime" };
    const start = new Date("2026-01-01T10:00:30Z");
    const end = new Date("2026-01-01T10:03:10Z");

    it("asks for CpuUtilized, CpuReserved and MemoryUtilized per service, over whole minutes", () => {
        const q = buildMetricQuery("dotnet-fargate-arm64", services, start, end);
        assert.deepStrictEqual(q.StartTime, new Date("2026-01-01T10:00:00Z"));
        assert.deepStrictEqual(q.EndTime, new Date("2026-01-01T10:04:00Z"));
        assert.strictEqual(q.ScanBy, "TimestampAscending");
        assert.deepStrictEqual(
            q.MetricDataQueries?.map((m) => m.Id),
            ["m_bookstore_cpuutilized", "m_bookstore_cpureserved", "m_bookstore_memoryutilized", "m_prime_cpuutilized", "m_prime_cpureserved", "m_prime_memoryutilized"],
        );
        assert.deepStrictEqual(q.MetricDataQueries?.[0], {
            Id: "m_bookstore_cpuutilized",
            MetricStat: {
                Metric: {
                    Namespace: "ECS/ContainerInsights",
                    MetricName: "CpuUtilized",
                    Dimensions: [
                        { Name: "ClusterName", Value: "dotnet-fargate-arm64" },
                        { Name: "ServiceName", Value: "dotnet-fargate-arm64-bookstore" },
                    ],
                },
                Period: 60,
                Stat: "Average",
            },
            ReturnData: true,
        });
        assert.strictEqual(queryId("Book-Store.Api", "CpuUtilized"), "m_book_store_api_cpuutilized");
    });

    it("turns a GetMetricData response into CPU percent of reserved and memory MiB per service", () => {
        const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 10, m));
        const parsed = parseMetricData(
            services,
            [
                { Id: "m_bookstore_cpuutilized", Timestamps: [t(1), t(2)], Values: [128, 256] },
                { Id: "m_bookstore_cpureserved", Timestamps: [t(1), t(2)], Values: [512, 512] },
                { Id: "m_bookstore_memoryutilized", Timestamps: [t(1), t(2)], Values: [180, 190] },
                // A second page of the same series (NextToken) is merged in.
                { Id: "m_bookstore_cpuutilized", Timestamps: [t(3)], Values: [512] },
                { Id: "m_bookstore_cpureserved", Timestamps: [t(3)], Values: [512] },
                { Id: "m_prime_cpuutilized", Timestamps: [], Values: [] },
            ],
            start,
        );
        assert.deepStrictEqual(parsed, [
            {
                service: "bookstore",
                source: "container-insights",
                measured: true,
                note: undefined,
                points: [
                    { t: 30, cpuPercent: 25, memoryMiB: 180 },
                    { t: 90, cpuPercent: 50, memoryMiB: 190 },
                    { t: 150, cpuPercent: 100, memoryMiB: null },
                ],
            },
            {
                service: "prime",
                source: "container-insights",
                measured: false,
                note: "Container Insights returned no data points (is it enabled on the cluster?)",
                points: [],
            },
        ]);
    });

    it("records 'not measured' without credentials or without the cluster outputs, and never loads the SDK then", async () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "bench-home-"));
        try {
            assert.strictEqual(hasAwsCredentials({}, home), false);
            assert.strictEqual(hasAwsCredentials({ AWS_PROFILE: "bench" }, home), true);
            assert.strictEqual(hasAwsCredentials({ AWS_ACCESS_KEY_ID: "AKIAEXAMPLE" }, home), true);
            assert.strictEqual(hasAwsCredentials({ AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token" }, home), true);
            // A profile in the shared files is found as the SDK finds it, as `--engine fargate` does.
            fs.mkdirSync(path.join(home, ".aws"));
            fs.writeFileSync(path.join(home, ".aws", "credentials"), "[default]\n");
            assert.strictEqual(hasAwsCredentials({}, home), true);
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
        const noCluster = await readContainerInsights(undefined, services, start, end);
        assert.deepStrictEqual(noCluster.map((u) => [u.service, u.measured, u.note]), [
            ["bookstore", false, "the stack exports no clusterName/serviceNames"],
            ["prime", false, "the stack exports no clusterName/serviceNames"],
        ]);
        assert.deepStrictEqual(notMeasured(["a"], "why"), [{ service: "a", source: "none", measured: false, note: "why", points: [] }]);
        if (!hasAwsCredentials()) {
            const none = await readContainerInsights("c", services, start, end);
            assert.ok(none.every((u) => !u.measured && /no AWS credentials/.test(u.note ?? "")));
        }
    });
});

describe("bench stack outputs", () => {
    it("reads url, architecture, task size, cluster and services; defaults the task size to 512/1024", () => {
        assert.deepStrictEqual(
            parseStackOutputs("arm64", {
                url: "http://dotnet-fargate-arm64-alb-123.eu-west-1.elb.amazonaws.com",
                architecture: "arm64",
                clusterName: "c",
                serviceNames: { bookstore: "svc-b", prime: "svc-p", junk: 3 },
            }),
            {
                stack: "arm64",
                url: "http://dotnet-fargate-arm64-alb-123.eu-west-1.elb.amazonaws.com",
                architecture: "arm64",
                taskSize: { cpu: 512, memory: 1024 },
                clusterName: "c",
                serviceNames: { bookstore: "svc-b", prime: "svc-p" },
                desiredCount: undefined,
                estimatedMonthlyCostUsd: undefined,
                store: "memory",
            },
        );
    });

    it("reads the prices the stack's cost figures use, and refuses a table it cannot read", () => {
        const base = { url: "http://alb.example", architecture: "amd64" };
        const own = { ...DEFAULT_PRICES, fargate: { ...DEFAULT_PRICES.fargate, amd64: { vcpuHour: 0.03, gbHour: 0.004 } } };
        assert.deepStrictEqual(parseStackOutputs("amd64", { ...base, prices: own }).prices, own);
        // A stack deployed before the output existed has none: its runs are priced at list prices.
        assert.strictEqual(parseStackOutputs("amd64", base).prices, undefined);
        assert.throws(() => parseStackOutputs("amd64", { ...base, prices: { natGatewayHour: -1 } }), /Stack "amd64" output `prices` is not a price table as the stacks' program exports it: /);
    });

    it("names the BookStore's store from the database output, and refuses one it cannot read", () => {
        const base = { url: "http://alb.example", architecture: "amd64" };
        assert.strictEqual(parseStackOutputs("amd64", { ...base, database: { engine: "postgres", engineVersion: "17", instanceClass: "db.t3.small" } }).store, "postgres (RDS db.t3.small, PostgreSQL 17)");
        assert.throws(() => parseStackOutputs("amd64", { ...base, database: { engine: "mysql" } }), /Stack "amd64" output `database` is \{"engine":"mysql"\}; expected \{ engine: "postgres"/);
    });

    it("reads desiredCount (tasks per service) when the stack exports it, and refuses one that is not a whole number >= 1", () => {
        assert.strictEqual(parseStackOutputs("arm64", { url: "http://x", architecture: "arm64", desiredCount: 3 }).desiredCount, 3);
        assert.strictEqual(parseStackOutputs("arm64", { url: "http://x", architecture: "arm64" }).desiredCount, undefined);
        for (const bad of [0, 1.5, "2", null]) {
            assert.throws(
                () => parseStackOutputs("amd64", { url: "http://x", architecture: "amd64", desiredCount: bad }),
                new RegExp(`Stack "amd64" output \`desiredCount\` is ${JSON.stringify(bad).replace(/\./g, "\\.")}; expected a whole number >= 1`),
            );
        }
    });

    it("refuses outputs without a usable url or architecture, naming the stack", () => {
        assert.throws(() => parseStackOutputs("amd64", {}), /Stack "amd64" has no `url` output; .* Outputs present: none\./);
        assert.throws(() => parseStackOutputs("amd64", null), /Stack "amd64" has no outputs/);
        assert.throws(() => parseStackOutputs("amd64", { url: "not a url" }), /output `url` is not a URL: "not a url"/);
        assert.throws(() => parseStackOutputs("dev", { url: "http://x" }), /Stack "dev" output `architecture` is undefined; expected one of arm64, amd64\./);
    });
});
