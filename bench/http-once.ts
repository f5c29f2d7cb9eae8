/**
 * One request outside the load (the preflight's GET, a test's `after` requests such as DELETE /memory-leak):
 * Artillery sends the load; these few requests are ours so their answers can be read and recorded.
 */
import * as http from "http";
import * as https from "https";

/** The answer to one request made outside the load (a test's `after` requests): status and the start of the body. */
export interface OneOffAnswer {
    readonly status?: number;
    /** At most the first 500 characters of the body. */
    readonly body: string;
    readonly error?: string;
}

/** Sends one request with no body and collects its answer; never rejects. */
export function sendRequest(method: string, url: URL, timeoutMs: number): Promise<OneOffAnswer> {
    return new Promise((resolve) => {
        const client = url.protocol === "https:" ? https : http;
        let body = "";
        let settled = false;
        const done = (answer: OneOffAnswer) => {
            if (!settled) {
                settled = true;
                resolve(answer);
            }
        };
        const req = client.request(url, { method, agent: false, headers: { "user-agent": "dotnet-fargate-bench", connection: "close" } }, (res) => {
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
                body = (body + chunk).slice(0, 500);
            });
            res.on("end", () => done({ status: res.statusCode, body }));
            res.on("error", (e: NodeJS.ErrnoException) => done({ body, error: e.code ?? "ERESPONSE" }));
        });
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
        req.on("error", (e: NodeJS.ErrnoException) => done({ body, error: e.code ?? "EREQUEST" }));
        req.end();
    });
}
