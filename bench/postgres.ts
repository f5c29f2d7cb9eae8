/**
 * `--local --store postgres`: a throw-away PostgreSQL server for the BookStore, made and removed by
 * services/scripts/postgres.sh (the services' tests use the same script): loopback only, TLS on as on RDS,
 * a random password. The BookStore gets it through the environment the stack gives its task on AWS.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalError, REPO_ROOT } from "./local";

/** The stores the BookStore can run on (its `BookStore__Store`). */
export const STORES = ["memory", "postgres"] as const;
export type Store = (typeof STORES)[number];

export interface LocalPostgres {
    /** What the BookStore's process gets: its store, where the server is, and the password apart. */
    readonly env: Readonly<Record<string, string>>;
    /** PostgreSQL's major version, from the server's data folder. */
    readonly version: string;
    /** Stops the server and deletes its folder. */
    stop(): Promise<void>;
}

/** Parses `Key=Value;Key=Value` (what postgres.sh prints) into a map with lower-case keys. */
export function parseConnectionString(text: string): Map<string, string> {
    const pairs = new Map<string, string>();
    for (const part of text.trim().split(";")) {
        const eq = part.indexOf("=");
        if (eq > 0) {
            pairs.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
        }
    }
    return pairs;
}

/**
 * The BookStore's environment for a server whose superuser connection string is `admin`: no password in the
 * connection string (it comes apart, as the ECS secret does), the server's default `postgres` database.
 */
export function bookStoreEnvironment(admin: string): Record<string, string> {
    const c = parseConnectionString(admin);
    const [host, port, user, password] = ["host", "port", "username", "password"].map((k) => c.get(k));
    if (!host || !port || !user || !password) {
        throw new LocalError(`postgres.sh printed ${JSON.stringify(admin.replace(/Password=[^;]*/i, "Password=***"))}; expected Host, Port, Username and Password`);
    }
    return {
        BookStore__Store: "postgres",
        ConnectionStrings__BookStore: `Host=${host};Port=${port};Database=postgres;Username=${user};SSL Mode=Require`,
        BookStore__DatabasePassword: password,
    };
}

function script(action: "start" | "clean", dir: string, prefix: readonly string[], root: string): Promise<string> {
    // Started with this process as its owner: the script's watcher removes the server and its folder once we are
    // gone, however we ended (an interrupt during the start, a SIGTERM, a SIGKILL run no cleanup of ours).
    const command = [...prefix, "bash", path.join(root, "services", "scripts", "postgres.sh"), action, dir, ...(action === "start" ? [String(process.pid)] : [])];
    return new Promise((resolve, reject) => {
        const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("error", (e) => reject(new LocalError(`postgres.sh ${action}: ${e.message}`)));
        child.on("exit", (code) =>
            code === 0 ? resolve(out) : reject(new LocalError(`postgres.sh ${action} failed (${code}): ${err.trim().split("\n").slice(-3).join(" ")}`)),
        );
    });
}

/**
 * Starts a server in a new temporary folder. `prefix` runs the script under e.g. `taskset -c 1`, so the server
 * shares the services' core (on Fargate the database has its own machine; here one core serves both, and the
 * report says so).
 */
export async function startLocalPostgres(prefix: readonly string[] = [], root = REPO_ROOT): Promise<LocalPostgres> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-postgres-"));
    let admin: string;
    try {
        admin = await script("start", dir, prefix, root);
    } catch (e) {
        await script("clean", dir, [], root).catch(() => undefined);
        throw e;
    }
    let version: string;
    try {
        version = fs.readFileSync(path.join(dir, "data", "PG_VERSION"), "utf8").trim();
    } catch {
        // as root the folder belongs to the postgres user; the version is then read from the binaries' path
        version = fs.readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a))[0] ?? "?";
    }
    return {
        env: bookStoreEnvironment(admin),
        version,
        stop: async () => void (await script("clean", dir, [], root)),
    };
}
