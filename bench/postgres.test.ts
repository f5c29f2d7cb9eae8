// --local --store postgres: the BookStore benchmarked on a real, throw-away PostgreSQL (services/scripts/postgres.sh),
// and the report naming the store. Needs the postgresql package (.ci/run installs it) and the .NET SDK.
import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { bookStoreEnvironment, parseConnectionString, startLocalPostgres } from "./postgres";
import { readResults } from "./results";
import { main } from "./run";

describe("the BookStore on PostgreSQL in --local runs", function () {
    this.timeout(300_000);

    it("gives the BookStore the server without a password in its connection string", () => {
        const admin = "Host=127.0.0.1;Port=40123;Username=postgres;Password=s3cret;SSL Mode=Require";
        assert.strictEqual(parseConnectionString(admin).get("ssl mode"), "Require");
        assert.deepStrictEqual(bookStoreEnvironment(admin), {
            BookStore__Store: "postgres",
            ConnectionStrings__BookStore: "Host=127.0.0.1;Port=40123;Database=postgres;Username=postgres;SSL Mode=Require",
            BookStore__DatabasePassword: "s3cret",
        });
        assert.throws(() => bookStoreEnvironment("Host=127.0.0.1;Password=s3cret"), (e: Error) => /expected Host, Port, Username and Password/.test(e.message) && !e.message.includes("s3cret"));
    });

    const connect = (port: number) =>
        new Promise<void>((resolve, reject) => {
            const socket = net.connect(port, "127.0.0.1", () => {
                socket.end();
                resolve();
            });
            socket.on("error", reject);
        });

    it("starts a server that takes connections, and removes it", async () => {
        const pg = await startLocalPostgres();
        const port = Number(/Port=(\d+)/.exec(pg.env.ConnectionStrings__BookStore)?.[1]);
        try {
            assert.ok(port > 0);
            await connect(port);
        } finally {
            await pg.stop();
        }
        await assert.rejects(connect(port), /ECONNREFUSED/);
    });

    it("leaves no server and no folder when the benchmark is killed, however it ends", async () => {
        // A benchmark process that starts the server and is then killed outright (no handler of ours runs).
        const code = `require(${JSON.stringify(path.join(__dirname, "postgres.js"))}).startLocalPostgres().then((pg) => { console.log(JSON.stringify(pg.env)); setInterval(() => undefined, 1000); });`;
        const { spawn } = await import("child_process");
        const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
        const env = await new Promise<Record<string, string>>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(JSON.parse(d.toString()))));
        const port = Number(/Port=(\d+)/.exec(env.ConnectionStrings__BookStore)?.[1]);
        await connect(port);
        const ours = (f: string) => {
            try {
                return fs.readFileSync(path.join(os.tmpdir(), f, "data", "postgresql.conf"), "utf8").includes(`port = ${port}`);
            } catch {
                return false; // gone, or going, meanwhile
            }
        };
        const folders = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("bench-postgres-") && ours(f));
        assert.strictEqual(folders().length, 1);
        child.kill("SIGKILL");
        // The script's watcher (postgres.sh start DIR OWNER_PID) notices within a second or two.
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline && folders().length > 0) {
            await new Promise((r) => setTimeout(r, 250));
        }
        assert.deepStrictEqual(folders(), []);
        await assert.rejects(connect(port), /ECONNREFUSED/);
    });

    it("runs the seed's book test against the PostgreSQL-backed BookStore, names the store, and stops the server", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-pg-"));
        const out = path.join(dir, "pg.json");
        const lines: string[] = [];
        try {
            await main(["--local", "--store", "postgres", "--scale", "0.01", "--scenarios", "books", "--out", out], { log: (l) => lines.push(l), quiet: true });
            const run = readResults(out).runs[0];
            assert.match(run.store ?? "", /^postgres \(local PostgreSQL \d+, TLS/);
            const books = run.scenarios[0];
            // 2 s (180 s x 0.01, rounded) at 50/s, every one answered.
            assert.deepStrictEqual([books.summary.requests, books.summary.failed], [100, 0], lines.join("\n"));
            assert.match(fs.readFileSync(path.join(dir, "pg.md"), "utf8"), /\| postgres \(local PostgreSQL \d+, TLS/);
            assert.ok(lines.some((l) => /^BookStore store: a throw-away PostgreSQL \d+/.test(l)), lines.join("\n"));
            assert.ok(lines.includes("stopped the BookStore's PostgreSQL"), lines.join("\n"));
            // Only the service the test needs is built, in Release, and its build is what ran.
            assert.deepStrictEqual(lines.filter((l) => l.startsWith("building ")), ["building BookStore.Api: dotnet build -c Release services/BookStore.Api/BookStore.Api.csproj"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
