import * as assert from "assert";
import { costPerMillionRequests, percentDifference, taskHourUsd } from "../infra/pricing";
import { histogram, percentile, percentileSorted, perSecond, Sample, summarise, summariseLatency } from "./stats";

describe("bench statistics", () => {
    describe("percentile (nearest rank)", () => {
        const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);
        const cases: [number, number][] = [
            [1, 1],
            [50, 50],
            [95, 95],
            [99, 99],
            [99.5, 100],
            [100, 100],
        ];
        for (const [p, expected] of cases) {
            it(`p${p} of 1..100 is ${expected}`, () => assert.strictEqual(percentile(oneToHundred, p), expected));
        }
        it("uses the smallest value with at least p% at or below it", () => {
            // 10 values: p95 is rank ceil(9.5) = 10, p90 is rank 9, median is rank 5.
            const v = [15, 20, 35, 40, 50, 60, 70, 80, 90, 1000];
            assert.strictEqual(percentile(v, 95), 1000);
            assert.strictEqual(percentile(v, 90), 90);
            assert.strictEqual(percentile(v, 50), 50);
        });
        it("does not care about input order and does not change the input", () => {
            const v = [5, 1, 4, 2, 3];
            assert.strictEqual(percentile(v, 50), 3);
            assert.deepStrictEqual(v, [5, 1, 4, 2, 3]);
        });
        it("refuses no values and p outside (0, 100]", () => {
            assert.throws(() => percentileSorted([], 50), /percentile of no values/);
            assert.throws(() => percentile([1], 0), /percentile must be in \(0, 100\], got 0/);
            assert.throws(() => percentile([1], 101), /got 101/);
        });
    });

    it("summarises latency: min, mean, median, p95, p99, max", () => {
        const v = Array.from({ length: 200 }, (_, i) => i + 1); // 1..200
        assert.deepStrictEqual(summariseLatency(v), { min: 1, mean: 100.5, median: 100, p95: 190, p99: 198, max: 200 });
        assert.strictEqual(summariseLatency([]), null);
    });

    describe("summarise", () => {
        const samples: Sample[] = [
            { startMs: 0, latencyMs: 10, status: 200, bytes: 100 },
            { startMs: 100, latencyMs: 20, status: 200, bytes: 100 },
            { startMs: 200, latencyMs: 30, status: 200, bytes: 100 },
            { startMs: 300, latencyMs: 40, status: 503, bytes: 50 },
            { startMs: 400, bytes: 0, error: "ECONNRESET" },
            { startMs: 1500, bytes: 0, error: "ETIMEDOUT" },
        ];
        const s = summarise(samples, 2);
        it("counts requests, responses by status, errors and bytes", () => {
            assert.strictEqual(s.requests, 6);
            assert.strictEqual(s.responses, 4);
            assert.deepStrictEqual(s.statusCounts, { "200": 3, "503": 1 });
            assert.deepStrictEqual(s.errors, { ECONNRESET: 1, ETIMEDOUT: 1 });
            assert.strictEqual(s.failed, 3);
            assert.strictEqual(s.errorRate, 0.5);
            assert.strictEqual(s.bytes, 350);
        });
        it("takes latency over every complete response, whatever the status", () => {
            assert.deepStrictEqual(s.latency, { min: 10, mean: 25, median: 20, p95: 40, p99: 40, max: 40 });
        });
        it("gives offered and achieved rates over the window", () => {
            assert.strictEqual(s.offeredRps, 3);
            assert.strictEqual(s.achievedRps, 2);
            assert.strictEqual(s.durationS, 2);
        });
        it("refuses a window that is not positive", () => {
            assert.throws(() => summarise(samples, 0), /durationS must be greater than 0, got 0/);
        });
    });

    it("bins a histogram, clamping values outside the range, last bin closed", () => {
        const h = histogram([0, 1, 2, 3, 4, 5, 9, 10, 50], 2, 0, 10);
        assert.deepStrictEqual(h.edges, [0, 5, 10]);
        assert.deepStrictEqual(h.counts, [5, 4]);
        assert.deepStrictEqual(histogram([], 4), { edges: [], counts: [] });
        assert.deepStrictEqual(histogram([7, 7], 1).counts, [2]);
    });

    it("groups samples per second with each second's p99", () => {
        const buckets = perSecond(
            [
                { startMs: 0, latencyMs: 5, status: 200, bytes: 1 },
                { startMs: 500, latencyMs: 9, status: 200, bytes: 1 },
                { startMs: 1200, bytes: 0, error: "ECONNREFUSED" },
            ],
            2,
        );
        assert.deepStrictEqual(buckets, [
            { second: 0, sent: 2, responses: 2, failed: 0, p99: 9 },
            { second: 1, sent: 1, responses: 0, failed: 1, p99: null },
        ]);
    });

    describe("cost per million requests (infra/pricing.ts, as the report uses it)", () => {
        it("prices a 0.5 vCPU / 1 GB task per hour per architecture", () => {
            assert.ok(Math.abs(taskHourUsd("arm64", { cpu: 512, memory: 1024 }) - 0.01975) < 1e-12);
            assert.ok(Math.abs(taskHourUsd("amd64", { cpu: 512, memory: 1024 }) - 0.024685) < 1e-12);
        });
        it("turns a task-hour price and a capacity into USD per million requests", () => {
            // 0.01975 USD/h at 100 req/s: 360,000 requests an hour, so 0.01975 / 0.36 per million.
            assert.ok(Math.abs(costPerMillionRequests(0.01975, 100) - 0.0548611111) < 1e-9);
            assert.ok(Math.abs(costPerMillionRequests(0.024685, 80) - 0.0857118056) < 1e-9);
            assert.ok(Math.abs(percentDifference(0.0548611111, 0.0857118056) - -35.99) < 0.01);
        });
    });
});
