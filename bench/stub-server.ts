/**
 * A stand-in for the services, for the tests: answers the benchmark's paths on 127.0.0.1 with fixed
 * bodies. In-process (startStub) or as a child process (`node bin/bench/stub-server.js <port>`), which
 * is how the tests exercise --local's start/stop without .NET.
 *
 * `serialMs` makes it a single worker that spends that long on each request, one at a time: a server
 * with a known capacity (1000 / serialMs requests per second) for the capacity search's test.
 *
 * It also plays the Profiling API (unless `profiling: false`, which makes those paths 404 like a stack
 * without it): GET /high-cpu, GET /blocking-threads, GET /memory-leak (counts the blocks it would keep),
 * GET /memory-leak/stats and DELETE /memory-leak (drops them), with the real service's JSON shapes.
 */
import * as http from "http";
import * as net from "net";

export interface StubOptions {
    readonly port?: number;
    /** Milliseconds of serial work per request (default 0: answer at once). */
    readonly serialMs?: number;
    /** Whether to answer the Profiling API's paths (default true); false: 404, as a stack without it. */
    readonly profiling?: boolean;
}

export interface Stub {
    readonly url: string;
    readonly port: number;
    /** Requests answered, by path. */
    readonly hits: Map<string, number>;
    /** Every request, in order of arrival, as "METHOD /path". */
    readonly requests: string[];
    /** Blocks GET /memory-leak has "retained" since the last DELETE /memory-leak. */
    leakedBlocks(): number;
    close(): Promise<void>;
}

const BODIES: Record<string, string> = {
    "/healthz": "Healthy",
    "/api/books": JSON.stringify(Array.from({ length: 15 }, (_, i) => ({ id: i + 1, name: `Book ${i + 1}`, value: 10 + i }))),
    "/api/categories": JSON.stringify([{ id: 1, name: "Fiction" }]),
    "/api/orders": JSON.stringify([{ id: 1, status: "NEW_ORDER", books: [1, 2] }]),
    "/prime": "664579",
};

const LEAK_BLOCK_BYTES = 64 * 1024;
const LEAK_CAP_BYTES = 256 * 1024 * 1024;

export function startStub(options: StubOptions = {}): Promise<Stub> {
    const hits = new Map<string, number>();
    const requests: string[] = [];
    const sockets = new Set<net.Socket>();
    let busyUntil = 0;
    let leaked = 0;
    const leakState = (blocks: number) =>
        JSON.stringify({ retainedBlocks: blocks, retainedBytes: blocks * LEAK_BLOCK_BYTES, capBytes: LEAK_CAP_BYTES });
    /** The Profiling API's answers (the body, computed when the request arrives), or undefined for another path. */
    const profiling = (method: string, p: string): string | undefined => {
        if (options.profiling === false) {
            return undefined;
        }
        if (method === "GET" && p === "/high-cpu") {
            return JSON.stringify({ nth: 100000, prime: 1299709, elapsedMs: 1 });
        }
        if (method === "GET" && p === "/blocking-threads") {
            return JSON.stringify({ lockWaitMs: 0, heldMs: 0 });
        }
        if (method === "GET" && p === "/memory-leak") {
            leaked++;
            return leakState(leaked);
        }
        if (method === "GET" && p === "/memory-leak/stats") {
            return leakState(leaked);
        }
        if (method === "DELETE" && p === "/memory-leak") {
            const released = leakState(leaked);
            leaked = 0;
            return released;
        }
        return undefined;
    };
    const server = http.createServer((req, res) => {
        const p = (req.url ?? "/").split("?")[0];
        const method = req.method ?? "GET";
        hits.set(p, (hits.get(p) ?? 0) + 1);
        requests.push(`${method} ${p}`);
        const body = profiling(method, p) ?? (method === "GET" ? BODIES[p] : undefined);
        const answer = () => {
            if (body === undefined) {
                res.writeHead(404, { "content-type": "application/problem+json" });
                res.end(JSON.stringify({ status: 404, title: "Not Found" }));
                return;
            }
            res.writeHead(200, { "content-type": p === "/healthz" ? "text/plain" : "application/json" });
            res.end(body);
        };
        const serial = options.serialMs ?? 0;
        if (serial > 0 && p !== "/healthz") {
            // One worker: this request starts when the previous one has finished.
            const now = Date.now();
            busyUntil = Math.max(busyUntil, now) + serial;
            setTimeout(answer, busyUntil - now);
        } else {
            answer();
        }
    });
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            resolve({
                url: `http://127.0.0.1:${port}`,
                port,
                hits,
                requests,
                leakedBlocks: () => leaked,
                close: () =>
                    new Promise<void>((done) => {
                        for (const s of sockets) {
                            s.destroy();
                        }
                        server.close(() => done());
                    }),
            });
        });
    });
}

if (require.main === module) {
    const port = Number(process.argv[2]);
    startStub({ port }).then((stub) => {
        const stop = () => stub.close().then(() => process.exit(0));
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
    });
}
