import * as assert from "assert";
import { judgeStep, roundRate, searchCapacity, StepMeasurement } from "./capacity";
import { Summary } from "./stats";

/** A step's figures: `sent` arrivals a second over 10 s, all answered, with this p99. */
function step(sent: number, p99: number, errorRate = 0, clientCpuPercent: number | null = 20): StepMeasurement {
    const requests = sent * 10;
    const summary: Summary = {
        requests,
        responses: requests,
        statusCounts: { "200": requests },
        errors: {},
        failed: Math.round(requests * errorRate),
        errorRate,
        bytes: 0,
        latency: { min: 1, mean: p99 / 2, median: p99 / 2, p95: p99, p99, max: p99 },
        durationS: 10,
        offeredRps: sent,
        achievedRps: sent,
    };
    return { summary, clientCpuPercent };
}

/** A server that holds any rate up to `capacity` (p99 10 ms) and queues past it (p99 2 s). */
const server = (capacity: number) => async (rate: number) => step(rate, rate <= capacity ? 10 : 2000);

const limits = { p99TargetMs: 200, maxErrorRate: 0.01 };

describe("capacity search", () => {
    it("ramps geometrically, then bisects to within 5% of a known capacity (1/s below 20/s)", async () => {
        for (const capacity of [20, 50, 333, 1234]) {
            const out = await searchCapacity({ startRate: 5, maxRate: 100_000 }, limits, server(capacity));
            assert.strictEqual(out.stoppedBecause, "bisected");
            const held = out.highestRateHeld ?? 0;
            const failed = out.lowestRateFailed ?? 0;
            assert.ok(held <= capacity && held >= capacity * 0.95, `capacity ${capacity}: held ${held}`);
            assert.ok(failed > capacity && (failed - held) / held <= 0.05, `capacity ${capacity}: held ${held}, failed ${failed}`);
        }
        const seven = await searchCapacity({ startRate: 1, maxRate: 100 }, limits, server(7));
        assert.deepStrictEqual([seven.highestRateHeld, seven.lowestRateFailed], [7, 8]);
    });

    it("steps 5, 10, 20, 40, 80 then bisects for a 50/s server", async () => {
        const out = await searchCapacity({ startRate: 5, maxRate: 1000 }, limits, server(50));
        assert.deepStrictEqual(
            out.steps.map((s) => [s.rate, s.verdict.held]),
            [
                [5, true],
                [10, true],
                [20, true],
                [40, true],
                [80, false],
                [60, false],
                [50, true],
                [55, false],
                [53, false],
                [52, false],
            ],
        );
        assert.strictEqual(out.highestRateHeld, 50);
    });

    it("stops at maxRate when every step holds: a bound, not a capacity", async () => {
        const out = await searchCapacity({ startRate: 25, maxRate: 400 }, limits, server(10_000));
        assert.deepStrictEqual(
            out.steps.map((s) => s.rate),
            [25, 50, 100, 200, 400],
        );
        assert.strictEqual(out.stoppedBecause, "reached maxRate");
        assert.strictEqual(out.highestRateHeld, 400);
    });

    it("ramps down when the start rate already fails", async () => {
        const out = await searchCapacity({ startRate: 20, maxRate: 100 }, limits, server(3));
        assert.deepStrictEqual(out.steps.map((s) => [s.rate, s.verdict.held]), [
            [20, false],
            [10, false],
            [5, false],
            [3, true],
            [4, false],
        ]);
        assert.strictEqual(out.stoppedBecause, "bisected");
        assert.strictEqual(out.highestRateHeld, 3);
    });

    it("flags a step whose load generator sent less than asked as client-bound, never as the server's capacity", async () => {
        // The client can send at most 300/s; the server would hold 10,000/s.
        const out = await searchCapacity({ startRate: 100, maxRate: 5000 }, limits, async (rate) => step(Math.min(rate, 300), 10));
        assert.strictEqual(out.stoppedBecause, "client-bound");
        assert.strictEqual(out.clientBoundAtRps, 300);
        assert.strictEqual(out.highestRateHeld, 200);
        const last = out.steps[out.steps.length - 1];
        assert.deepStrictEqual([last.rate, last.verdict], [400, { held: false, clientBound: true, reason: "client-bound: sent 300.0/s of 400/s" }]);
    });

    it("judges a step: client-bound when arrivals fell short, then errors, then p99; the generator's CPU judges nothing", () => {
        assert.deepStrictEqual(judgeStep(100, step(100, 150), limits), { held: true, clientBound: false });
        assert.deepStrictEqual(judgeStep(100, step(100, 250), limits), { held: false, clientBound: false, reason: "p99 250.0 ms > 200 ms" });
        assert.deepStrictEqual(judgeStep(100, step(100, 10, 0.02), limits), {
            held: false,
            clientBound: false,
            reason: "error rate 2.00% > 1.00%",
        });
        assert.deepStrictEqual(judgeStep(100, step(96, 10), limits), { held: true, clientBound: false });
        assert.deepStrictEqual(judgeStep(100, step(90, 10), limits), { held: false, clientBound: true, reason: "client-bound: sent 90.0/s of 100/s" });
        // Artillery's CPU is mostly its arrival timer's busy-wait: a step it sent in full is judged on the
        // server's answers however busy the generator looked.
        assert.deepStrictEqual(judgeStep(100, step(100, 10, 0, 99), limits), { held: true, clientBound: false });
        assert.deepStrictEqual(judgeStep(100, step(100, 250, 0, 99), limits), { held: false, clientBound: false, reason: "p99 250.0 ms > 200 ms" });
        assert.deepStrictEqual(judgeStep(100, step(90, 10, 0, 99), limits), { held: false, clientBound: true, reason: "client-bound: sent 90.0/s of 100/s" });
    });

    it("keeps rates whole and at least 1 (Artillery cannot split 13.5 arrivals a second among workers), and refuses a bad plan", async () => {
        assert.deepStrictEqual([roundRate(52.4999), roundRate(1234.5), roundRate(2.3456), roundRate(0.3)], [52, 1235, 2, 1]);
        const none = await searchCapacity({ startRate: 4, maxRate: 100 }, limits, server(0.5));
        assert.deepStrictEqual([none.steps.map((s) => s.rate), none.stoppedBecause, none.highestRateHeld], [[4, 2, 1], "below minRate", null]);
        assert.throws(() => roundRate(0), /a rate must be greater than 0, got 0/);
        // Shared by 4 load generators: the nearest multiple of 4, at least 4.
        assert.deepStrictEqual([roundRate(50, 4), roundRate(13, 4), roundRate(1, 4), roundRate(1234.5, 4)], [52, 12, 4, 1236]);
        assert.throws(() => roundRate(10, 2.5), /a rate step must be a whole number >= 1, got 2.5/);
        await assert.rejects(searchCapacity({ startRate: 10, maxRate: 5 }, limits, server(1)), /0 < startRate <= maxRate/);
    });
});
