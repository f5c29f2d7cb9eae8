/**
 * Waits until every service answers through its target (a stack's load balancer, or the local process), bounded
 * in time: a deployment ECS calls steady can still sit behind a target group that has not yet marked its task
 * healthy, and the benchmark must not measure that.
 */
import { sendRequest } from "../bench/http-once";
import { SERVICE_CATALOG } from "../model/catalog";
import { formatDuration } from "./progress";

export interface HealthCheck {
    readonly label: string;
    readonly url: string;
    /** Whether this status means the service answered (200 for our services). */
    readonly accept: (status: number) => boolean;
    readonly expects: string;
}

const isOk = (status: number) => status === 200;
/** A load balancer answers 502, 503 or 504 itself when no healthy target is behind the rule. */
const fromTarget = (status: number) => status < 500 || status > 504;

/**
 * One check per deployed service of a stack, through its `url`: ours at their smokePath (services/services.json)
 * must answer 200; a user's service, whose paths we know but not its answers, must answer at all (anything but the
 * load balancer's own 502/503/504) on its first path pattern with the wildcard removed.
 */
export function stackHealthChecks(stack: string, url: string, deployed: readonly string[], userPaths: Readonly<Record<string, readonly string[]>>): HealthCheck[] {
    const base = url.replace(/\/+$/, "");
    return deployed.map((name) => {
        const ours = SERVICE_CATALOG[name];
        if (ours) {
            return { label: `${stack}/${name}`, url: `${base}${ours.smokePath}`, accept: isOk, expects: "200" };
        }
        const first = (userPaths[name]?.[0] ?? "/").replace(/\*.*$/, "");
        return { label: `${stack}/${name}`, url: `${base}${first}`, accept: fromTarget, expects: "an answer from the service (not 502/503/504)" };
    });
}

/** Polls every check until it passes, each at most `timeoutMs`; throws naming the ones that never did and what they last answered. */
export async function waitHealthy(
    checks: readonly HealthCheck[],
    o: { readonly timeoutMs: number; readonly intervalMs: number; readonly log: (line: string) => void; readonly signal?: AbortSignal },
): Promise<void> {
    const started = Date.now();
    const last = new Map<string, string>();
    const pending = new Set(checks);
    while (pending.size > 0) {
        await Promise.all(
            [...pending].map(async (c) => {
                const answer = await sendRequest("GET", new URL(c.url), Math.min(10_000, o.timeoutMs));
                if (answer.status !== undefined && c.accept(answer.status)) {
                    pending.delete(c);
                    o.log(`   ${c.label}: ${answer.status} from ${c.url} after ${formatDuration(Date.now() - started)}`);
                } else {
                    last.set(c.label, answer.status !== undefined ? `HTTP ${answer.status}` : (answer.error ?? "no answer"));
                }
            }),
        );
        if (pending.size === 0) {
            return;
        }
        if (o.signal?.aborted) {
            throw new Error("interrupted");
        }
        if (Date.now() - started >= o.timeoutMs) {
            const why = [...pending].map((c) => `${c.label} (${c.url}: last ${last.get(c.label)}, expected ${c.expects})`).join("; ");
            throw new Error(`not healthy after ${formatDuration(o.timeoutMs)}: ${why}`);
        }
        await new Promise((r) => setTimeout(r, o.intervalMs));
    }
}
