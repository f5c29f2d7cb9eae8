import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { formatRoundRatio, parseRounds, roundRatio } from "./round-ratio";

const CLI = path.join(__dirname, "round-ratio.js");
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

describe("bench:services ratios taken within rounds (bench/round-ratio.ts)", () => {
    it("takes each round's ratio, not the ratio of the medians", () => {
        // Medians 20 and 20 would give 1.00; the rounds give 0.5, 2 and 0.5.
        const r = roundRatio([10, 20, 30], [20, 10, 60]);
        assert.deepStrictEqual(r, { median: 0.5, min: 0.5, max: 2, rounds: 3 });
        assert.strictEqual(formatRoundRatio(r, 2), "0.50 (0.50-2.00)");
    });

    it("of an even count of rounds, gives the lower middle ratio, as the script's other medians do", () => {
        assert.strictEqual(roundRatio([4, 1, 3, 2], [1, 1, 1, 1])?.median, 2);
        assert.strictEqual(formatRoundRatio(roundRatio([4, 1, 3, 2], [1, 1, 1, 1]), 1, "x"), "2.0x (1.0x-4.0x)");
    });

    it("leaves out a round whose denominator measured nothing, and keeps one whose numerator did", () => {
        const r = roundRatio([0, 10, 10], [10, 0, 10]);
        assert.deepStrictEqual(r, { median: 0, min: 0, max: 1, rounds: 2 });
    });

    it("compares only the rounds both lists have", () => {
        assert.deepStrictEqual(roundRatio([10, 20, 30], [10]), { median: 1, min: 1, max: 1, rounds: 1 });
        assert.deepStrictEqual(roundRatio([10], [10, 20, 30]), { median: 1, min: 1, max: 1, rounds: 1 });
    });

    it("prints one round without a range, and no round as n/a", () => {
        assert.strictEqual(formatRoundRatio(roundRatio([29159], [35412]), 2), "0.82");
        assert.strictEqual(formatRoundRatio(roundRatio([], [1, 2]), 2), "n/a");
        assert.strictEqual(formatRoundRatio(roundRatio([5, 5], [0, 0]), 2), "n/a");
    });

    it("reads the script's space-separated lists, trailing space and all, and refuses what is not a number", () => {
        assert.deepStrictEqual(parseRounds("41484 30743 35412 ", "a"), [41484, 30743, 35412]);
        assert.deepStrictEqual(parseRounds("", "a"), []);
        assert.throws(() => parseRounds("100 12a", "b"), /^Error: b: '12a' is not a non-negative number \(in '100 12a'\)$/);
        assert.throws(() => parseRounds("-3", "a"), /'-3' is not a non-negative number/);
    });

    it("CLI: prints the formatted ratio for the script, and exits 1 naming a bad argument", () => {
        const ok = cli("28392 29313 29159 ", "41484 30743 35412 ", "2");
        assert.strictEqual(ok.status, 0, ok.stderr);
        // Rounds: 0.684, 0.953, 0.823.
        assert.strictEqual(ok.stdout, "0.82 (0.68-0.95)");
        const seed = cli("26404", "3815", "1", "x");
        assert.strictEqual(seed.stdout, "6.9x");
        const none = cli("", "3815", "2");
        assert.strictEqual(none.stdout, "n/a");
        const badDigits = cli("1", "2", "two");
        assert.strictEqual(badDigits.status, 1);
        assert.match(badDigits.stderr, /^round-ratio: decimals: 'two' is not a digit 0-9\n$/);
        const badValue = cli("1 x", "2 2", "2");
        assert.strictEqual(badValue.status, 1);
        assert.match(badValue.stderr, /round-ratio: a: 'x' is not a non-negative number/);
        const missing = cli("1", "2");
        assert.strictEqual(missing.status, 1);
        assert.match(missing.stderr, /expected "<a per round>" "<b per round>" <decimals> \[suffix\], got 2 arguments/);
    });
});
