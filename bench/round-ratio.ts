/**
 * The ratio of two servers' figures taken within each round of a benchmark that loads them back to back
 * (bench/services/run.sh): a change in the machine's speed falls on one round's servers alike, so the ratio of each
 * round is steadier than the ratio of two medians. The median of the rounds' ratios and their range.
 *
 * CLI, for the shell script: node bin/bench/round-ratio.js "<a per round>" "<b per round>" <decimals> [suffix]
 * prints "0.82 (0.68-0.95)" (one round: "0.82"; no round to compare: "n/a"); exits 1, saying why, on bad input.
 */

export interface RoundRatio {
    /** The middle ratio; of an even count, the lower of the two middle ones, as the script's other medians. */
    readonly median: number;
    readonly min: number;
    readonly max: number;
    /** Rounds compared: those where both were measured and b was above zero. */
    readonly rounds: number;
}

/**
 * a[i] / b[i] for each round i that both lists have and where b[i] > 0 (a server that answered nothing in a round
 * gives that round no ratio against it; one that measured 0 over a live one gives 0). Undefined when no round is left.
 */
export function roundRatio(a: readonly number[], b: readonly number[]): RoundRatio | undefined {
    const ratios: number[] = [];
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
        if (b[i] > 0) {
            ratios.push(a[i] / b[i]);
        }
    }
    if (ratios.length === 0) {
        return undefined;
    }
    ratios.sort((x, y) => x - y);
    return { median: ratios[Math.floor((ratios.length - 1) / 2)], min: ratios[0], max: ratios[ratios.length - 1], rounds: ratios.length };
}

/** "0.82 (0.68-0.95)", each figure with `decimals` and `suffix` ("7.7x (7.4x-7.9x)"); the median alone for one round; "n/a" for none. */
export function formatRoundRatio(r: RoundRatio | undefined, decimals: number, suffix = ""): string {
    if (!r) {
        return "n/a";
    }
    const f = (v: number) => `${v.toFixed(decimals)}${suffix}`;
    return r.rounds === 1 ? f(r.median) : `${f(r.median)} (${f(r.min)}-${f(r.max)})`;
}

/** A round's figures as the script keeps them: numbers separated by spaces (req/s of each round, in order). */
export function parseRounds(text: string, what: string): number[] {
    return text.split(/\s+/).filter((t) => t !== "").map((t) => {
        if (!/^\d+(\.\d+)?$/.test(t)) {
            throw new Error(`${what}: '${t}' is not a non-negative number (in '${text}')`);
        }
        return Number(t);
    });
}

function main(args: readonly string[]): string {
    if (args.length < 3 || args.length > 4) {
        throw new Error(`expected "<a per round>" "<b per round>" <decimals> [suffix], got ${args.length} arguments`);
    }
    const [a, b, decimals, suffix] = args;
    if (!/^\d$/.test(decimals)) {
        throw new Error(`decimals: '${decimals}' is not a digit 0-9`);
    }
    return formatRoundRatio(roundRatio(parseRounds(a, "a"), parseRounds(b, "b")), Number(decimals), suffix ?? "");
}

if (require.main === module) {
    try {
        process.stdout.write(main(process.argv.slice(2)));
    } catch (e) {
        console.error(`round-ratio: ${(e as Error).message}`);
        process.exit(1);
    }
}
