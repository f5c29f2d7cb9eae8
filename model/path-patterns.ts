/**
 * Application Load Balancer path patterns, as a listener rule's `path-pattern` condition reads them: compared
 * with the request's path (never its query string), case-sensitive, `*` matching 0 or more characters and `?`
 * exactly one, at most 128 characters each (AWS's PathPatternConditionConfig, Elastic Load Balancing API
 * reference, and "Condition types for listener rules" in the ALB user guide).
 */

/** The longest path pattern a listener rule takes. */
export const PATH_PATTERN_MAX_LENGTH = 128;
/** The characters a path pattern may hold besides letters and digits (the ALB user guide's list; `&` as is). */
export const PATH_PATTERN_CHARACTERS = /^\/[A-Za-z0-9_\-.$/~"'@:+&*?]*$/;

/** True when `pattern` matches `path` as the load balancer matches it. */
export function matchesPath(pattern: string, path: string): boolean {
    return intersects(pattern, path, false);
}

/**
 * True when some request path matches both patterns: the intersection of the two wildcard languages is not
 * empty. A search over pairs of positions (one in each pattern), as in the product of their automata: `*`
 * may match nothing (move on in its pattern) or one more character (stay); `?` matches any one character;
 * a literal matches itself. Two positions can take the same next character unless both are literals that
 * differ (the alphabet is larger than any pattern, so two wildcards always share one).
 */
export function patternsOverlap(a: string, b: string): boolean {
    return intersects(a, b, true);
}

/** The search behind both: `b` is a pattern when `bHasWildcards`, else a plain path. */
function intersects(a: string, b: string, bHasWildcards: boolean): boolean {
    const isStar = (p: string, i: number, wild: boolean) => wild && p[i] === "*";
    const isAny = (p: string, i: number, wild: boolean) => wild && p[i] === "?";
    const seen = new Set<number>();
    const stack: [number, number][] = [[0, 0]];
    const width = b.length + 1;
    while (stack.length > 0) {
        const [i, j] = stack.pop() as [number, number];
        if (seen.has(i * width + j)) {
            continue;
        }
        seen.add(i * width + j);
        if (i === a.length && j === b.length) {
            return true;
        }
        // `*` matching nothing.
        if (i < a.length && isStar(a, i, true)) {
            stack.push([i + 1, j]);
        }
        if (j < b.length && isStar(b, j, bHasWildcards)) {
            stack.push([i, j + 1]);
        }
        if (i === a.length || j === b.length) {
            continue;
        }
        // One character taken by both: a `*` stays where it is, anything else moves on.
        const aLiteral = !isStar(a, i, true) && !isAny(a, i, true);
        const bLiteral = !isStar(b, j, bHasWildcards) && !isAny(b, j, bHasWildcards);
        if (aLiteral && bLiteral && a[i] !== b[j]) {
            continue;
        }
        stack.push([isStar(a, i, true) ? i : i + 1, isStar(b, j, bHasWildcards) ? j : j + 1]);
    }
    return false;
}
