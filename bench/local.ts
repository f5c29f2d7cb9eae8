/**
 * --local mode: build the services in Release, start each on 127.0.0.1, route each scenario to the
 * service that serves it (in AWS the ALB does this by path), sample their CPU and memory from /proc,
 * and stop them, whatever happens.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ServiceUtilisation, UtilisationPoint } from "./results";

/** The repository root, from bin/bench/ (compiled) or bench/ (sources). */
export const REPO_ROOT = path.resolve(__dirname, "../..");

export const LOCAL_SERVICES = ["BookStore.Api", "Prime.Api", "Profiling.Api"] as const;
export type LocalService = (typeof LOCAL_SERVICES)[number];

/** Which service answers a path, as the ALB's listener rules route it. */
export function serviceForPath(urlPath: string): LocalService {
    if (urlPath.startsWith("/api/")) {
        return "BookStore.Api";
    }
    if (urlPath === "/prime" || urlPath.startsWith("/prime?") || urlPath.startsWith("/prime/")) {
        return "Prime.Api";
    }
    return "Profiling.Api";
}

export class LocalError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "LocalError";
    }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

/**
 * Runs a command to completion, streaming its output to ours; rejects with the exit code. Stopped when this process
 * exits first (an interrupted benchmark must not leave a `dotnet publish` writing into a folder it removes).
 */
export function runToCompletion(command: string, args: readonly string[], cwd: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, [...args], { cwd, stdio: ["ignore", "inherit", "inherit"] });
        const stop = () => child.kill("SIGTERM");
        process.once("exit", stop);
        child.once("exit", () => process.removeListener("exit", stop));
        child.on("error", (e: NodeJS.ErrnoException) =>
            reject(new LocalError(e.code === "ENOENT" ? `\`${command}\` is not installed or not on PATH` : e.message)),
        );
        child.on("exit", (code) =>
            code === 0 ? resolve() : reject(new LocalError(`\`${command} ${args.join(" ")}\` exited with code ${code}`)),
        );
    });
}

/**
 * `dotnet build -c Release` of each of these services' projects, one after the other: only what --local starts
 * (the solution's other projects, its tests among them, took more than half of a build from nothing).
 */
export async function buildServices(names: readonly LocalService[], log: (line: string) => void, root = REPO_ROOT): Promise<void> {
    for (const name of names) {
        const project = `services/${name}/${name}.csproj`;
        if (!fs.existsSync(path.join(root, project))) {
            throw new LocalError(`${path.join(root, project)} does not exist: the services are not in this checkout`);
        }
        log(`building ${name}: dotnet build -c Release ${project}`);
        await runToCompletion("dotnet", ["build", "-c", "Release", project], root);
    }
}

/** How long a user's service may answer its health path with something other than 200 before --local gives up on it. */
export const STRICT_HEALTH_GRACE_MS = 10_000;

/**
 * Why a service's health path answered `status` in Production, for the user: what the load balancer wants and
 * the two common causes.
 */
export function healthAdvice(url: string, status: number): string {
    return (
        `GET ${url} answered ${status} with ASPNETCORE_ENVIRONMENT=Production; the benchmark, like the load balancer's health check on ECS, needs 200 there. ` +
        "Common causes: the health checks are mapped only in Development (inside `if (app.Environment.IsDevelopment())`), so Production answers 404; " +
        "or the health check reads a database whose schema nobody creates (migrations applied by hand, or `EnsureCreated()` / `Migrate()` called only in Development), so it answers 503. " +
        "Fix the service, or point healthCheckPath at a path that answers 200 in Production."
    );
}

/**
 * GET url until it answers 200 or the deadline passes. With `strict` (a user's service), a 404 fails at once
 * (routes do not change once the server answers) and any other answer but 200 fails after
 * STRICT_HEALTH_GRACE_MS of such answers, each with healthAdvice.
 */
export async function waitForHealthy(url: string, timeoutMs: number, isAlive: () => boolean = () => true, strict = false, graceMs = STRICT_HEALTH_GRACE_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer";
    let firstBadAnswer: number | undefined;
    while (Date.now() < deadline) {
        if (!isAlive()) {
            throw new LocalError(`the process serving ${url} exited before it was healthy`);
        }
        const status = await new Promise<number | string>((resolve) => {
            const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode ?? 0));
            });
            req.on("timeout", () => req.destroy(new Error("timeout")));
            req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        });
        if (status === 200) {
            return;
        }
        if (strict && typeof status === "number") {
            firstBadAnswer ??= Date.now();
            if (status === 404 || Date.now() - firstBadAnswer >= graceMs) {
                throw new LocalError(healthAdvice(url, status));
            }
        }
        last = String(status);
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new LocalError(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

/** True while a process with this pid exists (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** A started process and where it listens. */
export interface RunningService {
    readonly name: string;
    readonly baseUrl: string;
    readonly child: ChildProcess;
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
    return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
        }
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        child.once("exit", () => {
            clearTimeout(timer);
            resolve();
        });
        child.kill("SIGTERM");
    });
}

/**
 * Starts one process per service, waits until each answers GET /healthz (or the command's healthCheckPath),
 * and returns them.
 * `commandFor` gives the command line for a service and port (tests pass a Node stand-in).
 * If any fails to start, the ones already started are stopped before the error is thrown.
 */
export async function startServices(
    names: readonly string[],
    commandFor: (name: string, port: number) => { command: string; args: string[]; env?: Readonly<Record<string, string>>; healthCheckPath?: string; strictHealth?: boolean },
    options: { cwd?: string; healthTimeoutMs?: number; log?: (line: string) => void; onStart?: (s: RunningService) => void } = {},
): Promise<RunningService[]> {
    const started: RunningService[] = [];
    try {
        for (const name of names) {
            const port = await freePort();
            const { command, args, env, healthCheckPath, strictHealth } = commandFor(name, port);
            const child = spawn(command, args, {
                cwd: options.cwd ?? REPO_ROOT,
                stdio: ["ignore", "ignore", "pipe"],
                // A user service's own environment (its dotnet-fargate:services entry) comes on top of ours.
                env: { ...process.env, ASPNETCORE_ENVIRONMENT: "Production", DOTNET_CLI_TELEMETRY_OPTOUT: "1", ...env },
            });
            let stderr = "";
            child.stderr?.on("data", (d: Buffer) => {
                stderr = (stderr + d.toString()).slice(-2000);
            });
            let spawnError: Error | undefined;
            child.on("error", (e) => {
                spawnError = e;
            });
            const baseUrl = `http://127.0.0.1:${port}`;
            const service = { name, baseUrl, child };
            started.push(service);
            options.onStart?.(service);
            options.log?.(`started ${name} on ${baseUrl} (pid ${child.pid ?? "?"})`);
            try {
                await waitForHealthy(`${baseUrl}${healthCheckPath ?? "/healthz"}`, options.healthTimeoutMs ?? 60_000, () => child.exitCode === null && !spawnError, strictHealth);
            } catch (e) {
                const why = spawnError ? `${spawnError.message}; ` : "";
                throw new LocalError(`${name} did not start: ${why}${(e as Error).message}${stderr ? `\n${stderr.trim()}` : ""}`);
            }
        }
        return started;
    } catch (e) {
        await Promise.all(started.map((s) => stopProcess(s.child)));
        throw e;
    }
}

/** The command that starts a built service: `dotnet services/<P>/bin/Release/net10.0/<P>.dll --urls ...`. */
export function dotnetCommand(root = REPO_ROOT): (name: string, port: number) => { command: string; args: string[] } {
    return (name, port) => {
        const dll = path.join(root, "services", name, "bin", "Release", "net10.0", `${name}.dll`);
        if (!fs.existsSync(dll)) {
            throw new LocalError(`${dll} does not exist; build failed or the project is missing`);
        }
        return { command: "dotnet", args: [dll, "--urls", `http://127.0.0.1:${port}`] };
    };
}

/** CPU ticks (user + system) and resident memory of a process, from /proc; null when unreadable. */
export function readProcStat(pid: number): { ticks: number; rssMiB: number } | null {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // The command name is in parentheses and may contain spaces: split after the last ')'.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const ticks = Number(fields[11]) + Number(fields[12]);
        const rssPages = Number(fields[21]);
        return { ticks, rssMiB: (rssPages * 4096) / (1024 * 1024) };
    } catch {
        return null;
    }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * Samples each process's CPU (percent of one core) and resident memory once per `intervalMs`
 * from /proc. Stop it to get the series; on systems without /proc it records "not measured".
 */
export class ProcSampler {
    private readonly series = new Map<string, UtilisationPoint[]>();
    private readonly last = new Map<string, { ticks: number; at: number }>();
    private timer?: NodeJS.Timeout;
    private readonly start = Date.now();

    constructor(
        private readonly processes: readonly { name: string; pid: number }[],
        private readonly intervalMs = 1000,
    ) {}

    begin(): void {
        this.sample();
        this.timer = setInterval(() => this.sample(), this.intervalMs);
    }

    private sample(): void {
        const now = Date.now();
        for (const { name, pid } of this.processes) {
            const stat = readProcStat(pid);
            if (!stat) {
                continue;
            }
            const prev = this.last.get(name);
            this.last.set(name, { ticks: stat.ticks, at: now });
            if (!prev) {
                continue;
            }
            const cpuPercent = ((stat.ticks - prev.ticks) / USER_HZ / ((now - prev.at) / 1000)) * 100;
            const points = this.series.get(name) ?? [];
            points.push({ t: Math.round((now - this.start) / 100) / 10, cpuPercent: Math.max(0, cpuPercent), memoryMiB: stat.rssMiB });
            this.series.set(name, points);
        }
    }

    end(): ServiceUtilisation[] {
        if (this.timer) {
            clearInterval(this.timer);
        }
        return this.processes.map(({ name }) => {
            const points = this.series.get(name) ?? [];
            return points.length > 0
                ? {
                      service: name,
                      source: "procfs",
                      measured: true,
                      note: `percent of one core of this machine (${os.cpus().length} cores), resident memory`,
                      points,
                  }
                : { service: name, source: "none", measured: false, note: "not measured: /proc not readable", points: [] };
        });
    }
}
