/**
 * What the run is doing and for how long: one line when a phase starts and one when it ends (with its
 * duration), and, while Pulumi works, a summary per stack at most every few seconds. Plain lines only, so a
 * terminal and a CI log read the same; no cursor movement anywhere.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

export type Log = (line: string) => void;

export function formatDuration(ms: number): string {
    const s = Math.round(ms / 1000);
    if (s < 60) {
        return `${s}s`;
    }
    const m = Math.floor(s / 60);
    return m < 60 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export interface PhaseRecord {
    readonly name: string;
    readonly startedAt: number;
    readonly endedAt: number;
    readonly ok: boolean;
}

/** Runs named phases, logging their start, end and duration, and keeps their timings for the report. */
export class Phases {
    readonly done: PhaseRecord[] = [];

    constructor(
        private readonly log: Log,
        private readonly now: () => number = Date.now,
    ) {}

    async run<T>(name: string, what: string, body: () => Promise<T>): Promise<T> {
        const startedAt = this.now();
        this.log(`== ${name}: ${what}`);
        try {
            const result = await body();
            const endedAt = this.now();
            this.done.push({ name, startedAt, endedAt, ok: true });
            this.log(`== ${name}: done in ${formatDuration(endedAt - startedAt)}`);
            return result;
        } catch (e) {
            const endedAt = this.now();
            this.done.push({ name, startedAt, endedAt, ok: false });
            this.log(`== ${name}: failed after ${formatDuration(endedAt - startedAt)}: ${(e as Error).message.split("\n")[0]}`);
            throw e;
        }
    }

    /** Milliseconds spent in the phases named, ended or not. */
    spent(...names: string[]): number {
        return this.done.filter((p) => names.includes(p.name)).reduce((sum, p) => sum + (p.endedAt - p.startedAt), 0);
    }
}

/**
 * Pulumi's engine events for one stack, summarised: resources done out of those started, failures with their
 * resource and message, the stack's errors. Events as in pulumi/pulumi sdk/nodejs/automation/events.ts
 * (resourcePreEvent, resOutputsEvent, resOpFailedEvent, diagnosticEvent, summaryEvent).
 */
export class EventSummary {
    started = 0;
    done = 0;
    failed = 0;
    readonly errors: string[] = [];
    private lastLine = 0;

    constructor(
        readonly stack: string,
        private readonly log: Log,
        private readonly everyMs: number,
        private readonly now: () => number = Date.now,
        private readonly startedAt = now(),
    ) {}

    readonly onEvent = (event: EngineEvent): void => {
        if (event.resourcePreEvent && !event.resourcePreEvent.planning) {
            this.started++;
        } else if (event.resOutputsEvent && !event.resOutputsEvent.planning) {
            this.done++;
        } else if (event.resOpFailedEvent) {
            this.failed++;
            this.log(`   ${this.stack}: failed ${event.resOpFailedEvent.metadata.op} ${event.resOpFailedEvent.metadata.type} (${event.resOpFailedEvent.metadata.urn.split("::").pop()})`);
        } else if (event.diagnosticEvent?.severity === "error") {
            const message = event.diagnosticEvent.message.trim();
            this.errors.push(message);
            this.log(`   ${this.stack}: error: ${message.split("\n")[0]}`);
        }
        if (this.now() - this.lastLine >= this.everyMs) {
            this.tick();
        }
    };

    line(): string {
        return `   ${this.stack}: ${this.done}/${this.started} resources done, ${this.failed} failed, ${formatDuration(this.now() - this.startedAt)}`;
    }

    tick(): void {
        this.lastLine = this.now();
        this.log(this.line());
    }
}
