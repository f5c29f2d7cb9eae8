/**
 * `npm run bench:report -- <results.json...> [--out <base>]`: rebuilds the report from saved results.
 * With two files (say an arm64 run and an amd64 run) it puts them side by side. Every file is read and
 * checked before anything is written, so a malformed file leaves no report behind.
 */
import * as path from "path";
import { parseArgs } from "util";
import { LoadedResults, writeReports } from "./report";
import { readResults, RESULTS_DIR } from "./results";

export const REPORT_USAGE = `Usage: npm run bench:report -- <results.json> [more.json ...] [--out <path without extension>]

Rebuilds the Markdown and HTML report from saved results (bench/results/*.json). Give two files, e.g. an
arm64 run and an amd64 run, to compare them side by side. Default output: beside the single input, or
bench/results/compare-<names>.{md,html} for several.
`;

export class ReportUsageError extends Error {
    constructor(message: string) {
        super(`${message}\n\n${REPORT_USAGE}`);
        this.name = "UsageError";
    }
}

/** Builds the report; returns the files written. */
export function reportMain(argv: readonly string[], log: (line: string) => void = console.log): { markdown: string; html: string } | undefined {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            options: { out: { type: "string" }, help: { type: "boolean", default: false } },
            allowPositionals: true,
            strict: true,
        });
    } catch (e) {
        throw new ReportUsageError((e as Error).message);
    }
    if (parsed.values.help) {
        log(REPORT_USAGE);
        return undefined;
    }
    const files = parsed.positionals.map((f) => path.resolve(f));
    if (files.length === 0) {
        throw new ReportUsageError("Give at least one results file");
    }
    const loaded: LoadedResults[] = files.map((file) => ({ file, results: readResults(file) }));
    const base = parsed.values.out
        ? path.resolve(parsed.values.out.replace(/\.(md|html)$/, ""))
        : files.length === 1
          ? files[0].replace(/\.json$/, "")
          : path.join(RESULTS_DIR, `compare-${files.map((f) => path.basename(f, ".json")).join("-vs-")}`);
    const written = writeReports(loaded, base);
    log(`report: ${written.markdown}\nreport: ${written.html}`);
    return written;
}

if (require.main === module) {
    try {
        reportMain(process.argv.slice(2));
    } catch (e) {
        console.error(`bench:report: ${(e as Error).message}`);
        process.exit((e as Error).name === "UsageError" ? 2 : 1);
    }
}
