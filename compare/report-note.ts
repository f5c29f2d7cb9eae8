/**
 * What compare adds to the benchmark's report: what the run cost (or, for --local, that it measured one
 * architecture and what a real run adds), placed right under the title of the Markdown and HTML reports that
 * bench wrote beside the results file.
 */
import * as fs from "fs";
import { writeFileAtomic } from "../bench/results";
import { CostEstimate } from "./cost";
import { formatDuration, PhaseRecord } from "./progress";

export interface RunNote {
    readonly local: boolean;
    /** --local: this machine's architecture and CPU. */
    readonly machine?: string;
    readonly phases: readonly PhaseRecord[];
    /** What the run cost (stacks), or what the same run on both stacks would cost (--local). */
    readonly cost: CostEstimate;
    readonly kept: boolean;
}

export function noteLines(n: RunNote): { heading: string; paragraphs: string[] } {
    const times = n.phases.map((p) => `${p.name} ${formatDuration(p.endedAt - p.startedAt)}${p.ok ? "" : " (failed)"}`).join(", ");
    if (n.local) {
        return {
            heading: "What this run measured",
            paragraphs: [
                `This was a local run (npm run compare -- --local): it measured one architecture, this machine's (${n.machine}), with the services on 127.0.0.1, so it has no arm64 against amd64 verdict and cost nothing in AWS.`,
                "A real run (npm run compare) adds: both architectures on Fargate, each service in its own task behind the load balancer, the network between load generator and service, the processors Fargate places the tasks on, and the cost per million requests of each architecture from the stacks' own prices.",
                `The same run on both stacks would cost about $${n.cost.totalUsd.toFixed(2)} (${n.cost.lines.map((l) => `${l.what}: $${l.usd.toFixed(2)}`).join("; ")}).`,
                `Phases: ${times}.`,
            ],
        };
    }
    return {
        heading: "What this run cost",
        paragraphs: [
            `$${n.cost.totalUsd.toFixed(2)} at list price for the time the run took (${n.cost.lines.map((l) => `${l.what}: ${l.hours.toFixed(2)} h, $${l.usd.toFixed(2)}`).join("; ")}); traffic-priced items (load balancer capacity units, NAT data, logs) are not included.`,
            n.kept ? "The stacks this run created were kept (--keep) and cost money until removed with npm run compare -- --cleanup." : "The stacks this run created were destroyed at the end of the run.",
            `Phases: ${times}.`,
        ],
    };
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Puts the note under the first heading of `<base>.md` and `<base>.html`, where bench wrote them. */
export function addNoteToReports(resultsFile: string, n: RunNote): string[] {
    const base = resultsFile.replace(/\.json$/, "");
    const { heading, paragraphs } = noteLines(n);
    const written: string[] = [];
    const md = `${base}.md`;
    if (fs.existsSync(md)) {
        const lines = fs.readFileSync(md, "utf8").split("\n");
        lines.splice(1, 0, "", `## ${heading}`, "", ...paragraphs.flatMap((p) => [p, ""]));
        writeFileAtomic(md, lines.join("\n"));
        written.push(md);
    }
    const html = `${base}.html`;
    if (fs.existsSync(html)) {
        const page = fs.readFileSync(html, "utf8");
        const at = page.indexOf("</h1>");
        if (at >= 0) {
            const section = `\n<h2>${escape(heading)}</h2>\n${paragraphs.map((p) => `<p>${escape(p)}</p>`).join("\n")}`;
            writeFileAtomic(html, page.slice(0, at + 5) + section + page.slice(at + 5));
            written.push(html);
        }
    }
    return written;
}
