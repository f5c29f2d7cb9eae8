import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { GetMetricDataCommandInput, GetMetricDataCommandOutput } from "@aws-sdk/client-cloudwatch";
import { ArtilleryMetrics, ArtilleryReport, Phase } from "./artillery";
import { buildNatQuery, cloudWatchNatReader, judgeNat, NAT_METRICS_DELAY_S } from "./nat-gateway";
import { readResults } from "./results";
import { main } from "./run";
import { startStub } from "./stub-server";

/** A period of Artillery's `--output` (artillery-2.0.34 lib/core/ssms.ts): every arrival answered 200 in 12 ms. */
function period(start: number, created: number): ArtilleryMetrics {
    const rt = { min: 1, max: 20, count: created, mean: 5, median: 5, p95: 10, p99: 12, p999: 13 };
    return {
        period: start,
        firstMetricAt: start + 100,
        lastMetricAt: start + 9_900,
        counters: { "vusers.created": created, "http.requests": created, "http.responses": created, "http.codes.200": created },
        rates: {},
        summaries: { "http.response_time": rt },
    };
}

/** A run of `phases` from `t0` (on a 10 s boundary) against a server that never saturates; also says when each phase ran. */
function simulate(phases: readonly Phase[], t0: number): { report: ArtilleryReport; windows: { start: number; end: number; rate: number }[] } {
    const intermediate: ArtilleryMetrics[] = [];
    const windows: { start: number; end: number; rate: number }[] = [];
    let at = t0;
    for (const p of phases) {
        windows.push({ start: at, end: at + p.duration * 1000, rate: p.arrivalRate });
        for (let s = 0; s < p.duration; s += 10, at += 10_000) {
            intermediate.push(period(at, p.arrivalRate * 10));
        }
    }
    const total = intermediate.reduce((n, m) => n + (m.counters["vusers.created"] ?? 0), 0);
    return { report: { aggregate: period(t0, total), intermediate }, windows };
}

/**
 * A stand-in CloudWatch for the NAT gateway: per minute of the query's window, ErrorPortAllocation 7 when a
 * phase at `failFrom`/s or more ran in that minute, else 0; PacketsDropCount 0 and PacketsInFromSource 1e6.
 */
function fakeCloudWatch(windows: () => readonly { start: number; end: number; rate: number }[], failFrom: number) {
    const calls: GetMetricDataCommandInput[] = [];
    const getMetricData = async (input: GetMetricDataCommandInput): Promise<GetMetricDataCommandOutput> => {
        calls.push(input);
        const start = (input.StartTime as Date).getTime();
        const end = (input.EndTime as Date).getTime();
        const minutes: number[] = [];
        for (let m = start; m < end; m += 60_000) {
            minutes.push(m);
        }
        const busy = (m: number) => windows().some((w) => w.rate >= failFrom && w.start < m + 60_000 && w.end > m);
        const values: Record<string, (m: number) => number> = { errorportallocation: (m) => (busy(m) ? 7 : 0), packetsdropcount: () => 0, packetsinfromsource: () => 1e6 };
        return {
            MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
                Id: q.Id,
                Label: "nat-0abc ignored",
                Timestamps: minutes.map((m) => new Date(m)),
                Values: minutes.map(values[(q.Id ?? "").split("_")[0]]),
            })),
            $metadata: {},
        };
    };
    return { calls, getMetricData };
}

describe("NAT gateway path of the Fargate load workers (AWS/NATGateway)", () => {
    const start = new Date("2026-12-06T10:00:20Z");
    const end = new Date("2026-12-06T10:01:50Z");

    it("asks CloudWatch for ErrorPortAllocation, PacketsDropCount and PacketsInFromSource per NatGatewayId, summed per minute, the window rounded out to whole minutes", () => {
        const q = buildNatQuery(["nat-0abc"], start, end);
        assert.deepStrictEqual([q.StartTime, q.EndTime], [new Date("2026-12-06T10:00:00Z"), new Date("2026-12-06T10:02:00Z")]);
        assert.deepStrictEqual(
            q.MetricDataQueries?.map((m) => [m.Id, m.MetricStat?.Metric?.Namespace, m.MetricStat?.Metric?.MetricName, JSON.stringify(m.MetricStat?.Metric?.Dimensions), m.MetricStat?.Stat, m.MetricStat?.Period]),
            ["ErrorPortAllocation", "PacketsDropCount", "PacketsInFromSource"].map((name) => [`${name.toLowerCase()}_0`, "AWS/NATGateway", name, '[{"Name":"NatGatewayId","Value":"nat-0abc"}]', "Sum", 60]),
        );
        // Without the gateways' ids (the stack does not export them): a SEARCH over the region's NAT gateways.
        assert.deepStrictEqual(
            buildNatQuery(undefined, start, end).MetricDataQueries?.map((m) => m.Expression),
            ["ErrorPortAllocation", "PacketsDropCount", "PacketsInFromSource"].map((name) => `SEARCH('{AWS/NATGateway,NatGatewayId} MetricName="${name}"', 'Sum', 60)`),
        );
    });

    it("calls a window client-bound on any port allocation error, or on drops above 0.01% of the workers' packets, and names the gateway", () => {
        const answer = (errors: number[], drops: number[], from: number[]) => [
            { Id: "errorportallocation_0", Label: "nat-0abc ErrorPortAllocation", Values: errors },
            { Id: "packetsdropcount_0", Label: "nat-0abc PacketsDropCount", Values: drops },
            { Id: "packetsinfromsource_0", Label: "nat-0abc PacketsInFromSource", Values: from },
        ];
        assert.deepStrictEqual(judgeNat(answer([0, 3], [0, 0], [5e5, 5e5])), {
            portAllocationErrors: 3,
            packetsDropped: 0,
            packetsFromSource: 1e6,
            clientBound: true,
            reason:
                "client-bound: NAT gateway nat-0abc could not allocate a source port 3 time(s) (ErrorPortAllocation): the workers' path to the load balancer " +
                "(at most 55,000 simultaneous connections per destination) limited the step, not the server",
        });
        assert.strictEqual(judgeNat(answer([0], [100], [1e6])).clientBound, false, "100 of 1e6 is exactly 0.01%: not above");
        assert.strictEqual(
            judgeNat(answer([0], [101], [1e6])).reason,
            "client-bound: the NAT gateway dropped 101 packets (0.010% of the packets from the workers) (PacketsDropCount above 0.01%): the workers' path limited the step, not the server",
        );
        assert.deepStrictEqual(judgeNat([]), { portAllocationErrors: 0, packetsDropped: 0, packetsFromSource: 0, clientBound: false });
    });

    it("waits until the window's figures can be in CloudWatch, and reads nothing without credentials", async () => {
        const slept: number[] = [];
        const cw = fakeCloudWatch(() => [], 1);
        const recent = new Date(Date.now() - 30_000);
        const reader = cloudWatchNatReader("eu-west-1", undefined, () => undefined, { sleep: async (ms) => void slept.push(ms), getMetricData: cw.getMetricData, hasCredentials: () => true });
        assert.strictEqual((await reader(new Date(recent.getTime() - 30_000), recent))?.clientBound, false);
        assert.ok(slept.length === 1 && slept[0] > (NAT_METRICS_DELAY_S - 31) * 1000 && slept[0] <= (NAT_METRICS_DELAY_S - 30) * 1000, String(slept));
        const lines: string[] = [];
        const none = cloudWatchNatReader("eu-west-1", undefined, (line) => lines.push(line), { getMetricData: cw.getMetricData, hasCredentials: () => false });
        assert.strictEqual(await none(start, end), undefined);
        assert.strictEqual(await none(start, end), undefined);
        // Said once, not per phase: the check that did not run, and what it would have changed.
        assert.deepStrictEqual(lines, [
            "the NAT gateway's port allocation errors are not checked (a phase they limited would count as the server's): no AWS credentials found (AWS_ACCESS_KEY_ID, AWS_PROFILE, web identity or container credentials, ~/.aws/credentials, ~/.aws/config)",
        ]);
        assert.strictEqual(cw.calls.length, 1);
    });

    it("--engine fargate: phases during which the NAT gateway ran out of ports are client-bound, never the server's capacity, in the results and the report", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-nat-"));
        const stub = await startStub(); // answers the preflight's GET; the load itself is simulated
        const saved = process.env.AWS_PROFILE;
        try {
            process.env.AWS_PROFILE = "bench-test";
            const windows: { start: number; end: number; rate: number }[] = [];
            // The server holds every rate; the NAT gateway runs out of ports from 400/s on.
            const cw = fakeCloudWatch(() => windows, 400);
            const outputs = { url: stub.url, architecture: "arm64", loadGenerator: { region: "eu-west-1", subnetIds: ["subnet-0a"], securityGroupId: "sg-0lg" } };
            const out = path.join(dir, "nat.json");
            let t0 = Date.UTC(2026, 11, 6, 10, 0, 0);
            await main(["--stacks", "arm64", "--engine", "fargate", "--count", "2", "--scenarios", "capacity", "--capacity-start", "25", "--capacity-max", "1600", "--out", out], {
                runCommand: async () => ({ code: 0, stdout: JSON.stringify(outputs), stderr: "" }),
                log: () => undefined,
                natReader: (region, ids, log) => cloudWatchNatReader(region, ids, log, { getMetricData: cw.getMetricData, hasCredentials: () => true, sleep: async () => undefined }),
                runScript: async (script) => {
                    const run = simulate((script as { config: { phases: Phase[] } }).config.phases, t0);
                    windows.push(...run.windows);
                    t0 += 3_600_000;
                    return { report: run.report, clientCpuPercent: null, wallS: 0, sendingS: null };
                },
            });
            const cap = readResults(out).runs[0].capacity[0];
            const bound = cap.steps.find((s) => s.clientBound);
            assert.strictEqual(cap.stoppedBecause, "client-bound");
            assert.ok(bound && bound.rate <= 400 && /ErrorPortAllocation/.test(bound.reason ?? ""), JSON.stringify(cap.steps));
            // A 30 s phase shares a CloudWatch minute with its neighbour: the one before 400/s may be flagged too (the safe side).
            assert.ok(cap.highestRateHeld !== null && cap.highestRateHeld < 400 && cap.steps.every((s) => !s.held || s.rate < 400), JSON.stringify(cap.steps));
            const md = fs.readFileSync(path.join(dir, "nat.md"), "utf8");
            assert.ok(md.includes(`client-bound at ${bound.summary.offeredRps.toFixed(1)}/s`), md);
            assert.ok(md.includes("could not allocate a source port"), md);
            assert.ok(cw.calls.length >= 1 && cw.calls.every((c) => c.MetricDataQueries?.every((q) => q.Expression?.startsWith("SEARCH('{AWS/NATGateway,NatGatewayId}"))));
        } finally {
            if (saved === undefined) {
                delete process.env.AWS_PROFILE;
            } else {
                process.env.AWS_PROFILE = saved;
            }
            await stub.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
