import * as assert from "assert";
import { costPerMillionRequests, percentDifference, taskHourUsd } from "../model/pricing";
import { parseArtilleryReport, summaryFromArtillery } from "./artillery";
import { percentile, percentileSorted } from "./stats";

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

    describe("Artillery's counters and summary as our figures", () => {
        // Counter and summary names as artilleryio/artillery packages/artillery/lib/core/engine_http.ts (tag artillery-2.0.34) emits them.
        const metrics = {
            counters: {
                "vusers.created": 100,
                "http.requests": 98,
                "http.responses": 96,
                "http.codes.200": 90,
                "http.codes.503": 6,
                "errors.ETIMEDOUT": 2,
                "errors.ECONNREFUSED": 2,
                "http.downloaded_bytes": 4500,
            },
            rates: { "http.request_rate": 10 },
            summaries: { "http.response_time": { min: 1, max: 80, count: 96, mean: 12.345, median: 9, p95: 40, p99: 70, p999: 80 } },
        };
        it("counts arrivals, responses by status, errors by code, failed and bytes", () => {
            const s = summaryFromArtillery(metrics, 10);
            assert.deepStrictEqual(s.statusCounts, { "200": 90, "503": 6 });
            assert.deepStrictEqual(s.errors, { ETIMEDOUT: 2, ECONNREFUSED: 2 });
            assert.deepStrictEqual([s.requests, s.responses, s.failed, s.errorRate, s.bytes], [100, 96, 10, 0.1, 4500]);
            assert.deepStrictEqual([s.offeredRps, s.achievedRps], [10, 9.6]);
            assert.deepStrictEqual(s.latency, { min: 1, mean: 12.35, median: 9, p95: 40, p99: 70, max: 80 });
        });
        it("has no latency without responses, and refuses a file that is not Artillery's output", () => {
            assert.strictEqual(summaryFromArtillery({ counters: { "vusers.created": 5, "errors.ECONNREFUSED": 5 }, rates: {}, summaries: {} }, 1).latency, null);
            assert.throws(() => parseArtilleryReport("{}", "x.json"), /Artillery output x.json: expected \{ aggregate, intermediate: \[...\] \}/);
            assert.throws(() => parseArtilleryReport(JSON.stringify({ aggregate: {}, intermediate: [] })), /aggregate.counters is missing/);
        });
    });

    describe("cost per million requests (model/pricing.ts, as the report uses it)", () => {
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
