/**
 * The report's "Processors" section: per run, the processor each task read from /proc/cpuinfo (bench/processors.ts),
 * and what that means for the verdict: tasks of one run on different processor generations, or a verdict that rests
 * on a single task's placement.
 */
import type { ReportContext, ReportSection } from "./report-model";

export function processorsSection({ runs }: ReportContext): ReportSection | null {
    const recorded = runs.filter((r) => r.run.processors !== undefined);
    if (recorded.length === 0) {
        return null;
    }
    const rows = recorded.flatMap((r) => {
        const reading = r.run.processors!;
        if (reading.tasks.length === 0) {
            return [[r.label, r.run.architecture, "-", "-", `not known: ${reading.note ?? "no task read"}`]];
        }
        return reading.tasks.map((t) => [r.label, r.run.architecture, t.service, t.task === "local" ? "this machine" : t.task, t.model]);
    });
    const notes: string[] = [];
    for (const r of recorded) {
        const reading = r.run.processors!;
        const models = [...new Set(reading.tasks.map((t) => t.model))];
        if (models.length > 1) {
            notes.push(
                `The tasks of ${r.label} ran on ${models.length} processor models (${models.join("; ")}): its capacity per task is an average ` +
                    "over them, and another deployment may land on a different mix.",
            );
        }
        if (r.run.mode === "stack" && reading.tasks.length > 0) {
            const perService = new Map<string, number>();
            for (const t of reading.tasks) {
                perService.set(t.service, (perService.get(t.service) ?? 0) + 1);
            }
            const single = [...perService].filter(([, n]) => n === 1).map(([s]) => s);
            if (single.length > 0) {
                notes.push(
                    `${r.label}: ${single.join(", ")} ran one task, so ${single.length === 1 ? "its figures rest" : "their figures rest"} on one placement; ` +
                        "Fargate places tasks of one architecture on several processor generations. Deploy with desiredCount: 3 (or repeat the " +
                        "run after a redeploy) to see the spread across placements.",
                );
            }
        }
        if (reading.note && reading.tasks.length > 0) {
            notes.push(`${r.label}: ${reading.note}.`);
        }
    }
    if (recorded.some((r) => r.run.mode === "local")) {
        notes.push("A local run has no tasks: every service ran on this machine's processor.");
    }
    return {
        heading: "Processors",
        blocks: [
            {
                kind: "p",
                text: recorded.every((r) => r.run.mode === "local")
                    ? "The processor the services ran on: this machine's, from /proc/cpuinfo."
                    : "The processor each task was placed on, as the task itself read it from /proc/cpuinfo (its task-info container's log).",
            },
            { kind: "table", head: ["run", "architecture", "service", "task", "processor"], rows },
            ...notes.map((text) => ({ kind: "p" as const, text })),
        ],
    };
}
