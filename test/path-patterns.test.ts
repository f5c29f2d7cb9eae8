// The load balancer's path-pattern matching and the overlap test the services' config relies on. Rules from AWS's
// PathPatternConditionConfig (Elastic Load Balancing API reference): case-sensitive, `*` 0 or more characters,
// `?` exactly one. The overlap answer is checked against brute force: every path up to a length over a small
// alphabet, matched by both patterns with a regular expression (an implementation apart from ours).
import * as assert from "assert";
import { matchesPath, patternsOverlap } from "../model/path-patterns";

/** The pattern as a regular expression: `*` is `.*`, `?` is `.`, everything else itself. */
const regex = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);

describe("load balancer path patterns", () => {
    const matches: [string, string, boolean][] = [
        ["/api/*", "/api/", true],
        ["/api/*", "/api/books/1", true],
        ["/api/*", "/api", false],
        ["/api/*", "/API/books", false],
        ["/a?c", "/abc", true],
        ["/a?c", "/ac", false],
        ["/a?c", "/abbc", false],
        ["/*", "/", true],
        ["/a*z", "/api/z", true],
        ["/a*z", "/a", false],
        ["/healthz", "/healthz", true],
        ["/healthz", "/healthz/", false],
        ["/x.y", "/xzy", false],
    ];
    for (const [pattern, path, expected] of matches) {
        it(`"${pattern}" ${expected ? "matches" : "does not match"} "${path}"`, () => {
            assert.strictEqual(matchesPath(pattern, path), expected);
            assert.strictEqual(regex(pattern).test(path), expected);
        });
    }

    const overlaps: [string, string, boolean][] = [
        ["/api/*", "/api/echo", true],
        ["/api/*", "/*/books", true],
        ["/api/*", "/a*z", true],
        ["/api/*", "/echo/*", false],
        ["/api/*", "/ap", false],
        ["/api/*", "/api", false],
        ["/api/*", "/api?", true],
        ["/api/*", "/Api/*", false],
        ["/a?c", "/a*", true],
        ["/a?c", "/ab", false],
        ["/a?c", "/?bc", true],
        ["/a?c", "/??d", false],
        ["/*x", "/y*", true],
        ["/*x", "/*y", false],
        ["/x*", "/y*", false],
        ["/*", "/anything", true],
        ["/prime", "/prime*", true],
        ["/prime", "/prim?", true],
        ["/prime", "/primes", false],
        ["/a*b*c", "/*cab*", true],
        ["/a*b", "/*a*c", false],
        ["/???", "/??", false],
        ["/*??", "/a", false],
        ["/*??", "/ab", true],
    ];
    for (const [a, b, expected] of overlaps) {
        it(`"${a}" and "${b}" ${expected ? "overlap" : "do not overlap"} (and so the other way round)`, () => {
            assert.strictEqual(patternsOverlap(a, b), expected);
            assert.strictEqual(patternsOverlap(b, a), expected);
        });
    }

    it("agrees with brute force over every path up to 6 characters", () => {
        const alphabet = ["/", "a", "b", "c"];
        const paths: string[] = ["/"];
        for (let frontier = ["/"], n = 1; n < 7; n++) {
            frontier = frontier.flatMap((p) => alphabet.map((c) => p + c));
            paths.push(...frontier);
        }
        const patterns = ["/a*", "/*b", "/?", "/a?c", "/*/*", "/a*b*", "/??", "/c", "/*c*", "/b?*", "/abc", "/a/*"];
        for (const a of patterns) {
            for (const b of patterns) {
                const witness = paths.find((p) => regex(a).test(p) && regex(b).test(p));
                assert.strictEqual(patternsOverlap(a, b), witness !== undefined, `${a} vs ${b}: witness ${witness}`);
            }
        }
    });
});
