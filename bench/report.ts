/**
 * Renders the report (bench/report-model.ts builds it once from one or more results files) as Markdown and
 * as a self-contained HTML page, and writes both.
 */
import { DEFAULT_PRICES, PriceTable } from "../model/pricing";
import { Block, buildReport, ReportModel } from "./report-model";
import { LoadedResults } from "./report-figures";
import { writeFileAtomic } from "./results";
import { escapeXml } from "./svg";

export { collectRuns, judgeNoise, pickComparison, pricePerformance, stepOutcome, verdictPrefix, verdictSentences } from "./report-figures";
export type { Comparison, LoadedResults, PricePerformance, ReportRun } from "./report-figures";
export { buildReport } from "./report-model";
export type { Block, ReportModel, ReportSection } from "./report-model";

/** Markdown escaping for table cells. */
function mdCell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function markdownBlock(b: Block): string[] {
    switch (b.kind) {
        case "h3":
            return [`### ${b.text}`, ""];
        case "p":
            return [b.text, ""];
        case "table":
            return [`| ${b.head.map(mdCell).join(" | ")} |`, `|${b.head.map(() => "---").join("|")}|`, ...b.rows.map((row) => `| ${row.map(mdCell).join(" | ")} |`), ""];
        case "chart":
            return [`_Chart in the HTML report: ${b.caption}_`, ""];
    }
}

/** The report as Markdown (charts are named, and drawn in the HTML). */
export function markdownOf(model: ReportModel): string {
    const out: string[] = [`# ${model.title}`, "", "Charts are in the HTML report beside this file.", ""];
    for (const section of model.sections) {
        out.push(`## ${section.heading}`, "", ...section.blocks.flatMap(markdownBlock));
    }
    return out.join("\n");
}

/** Inline code spans in paragraphs (`x`) become <code>; everything else is escaped. */
function htmlText(text: string): string {
    return escapeXml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

function htmlBlock(b: Block): string {
    switch (b.kind) {
        case "h3":
            return `<h3>${htmlText(b.text)}</h3>`;
        case "p":
            return b.verdict ? `<p class="verdict">${htmlText(b.text)}</p>` : `<p>${htmlText(b.text)}</p>`;
        case "table":
            return (
                `<table><thead><tr>${b.head.map((h) => `<th>${htmlText(h)}</th>`).join("")}</tr></thead><tbody>` +
                b.rows.map((r) => `<tr>${r.map((c) => `<td>${htmlText(c)}</td>`).join("")}</tr>`).join("") +
                `</tbody></table>`
            );
        case "chart":
            return `<figure>${b.svg}<figcaption>${htmlText(b.caption)}</figcaption></figure>`;
    }
}

const STYLE = `body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; max-width: 1340px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
figure { display: inline-block; vertical-align: top; margin: 8px 16px 20px 0; max-width: 640px; }
figcaption { font-size: 12px; color: #555; }
code { background: #f3f3f3; padding: 0 3px; }`;

/** The report as a self-contained HTML page: inline CSS and SVG, no script, no network. */
export function htmlOf(model: ReportModel): string {
    const body = model.sections.flatMap((section) => [`<h2>${htmlText(section.heading)}</h2>`, ...section.blocks.map(htmlBlock)]);
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(model.title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<h1>${escapeXml(model.title)}</h1>
${body.join("\n")}
</body>
</html>
`;
}

/** Markdown of results files (builds the model; writeReports builds it once for both renderings). */
export function renderMarkdown(loaded: readonly LoadedResults[], prices: PriceTable = DEFAULT_PRICES): string {
    return markdownOf(buildReport(loaded, prices));
}

/** HTML of results files. */
export function renderHtml(loaded: readonly LoadedResults[], prices: PriceTable = DEFAULT_PRICES): string {
    return htmlOf(buildReport(loaded, prices));
}

/** Writes `<base>.md` and `<base>.html` atomically, both from one model; returns their paths. */
export function writeReports(loaded: readonly LoadedResults[], base: string, prices: PriceTable = DEFAULT_PRICES): { markdown: string; html: string } {
    // Render both before writing either, so a rendering error leaves no report behind.
    const model = buildReport(loaded, prices);
    const markdown = markdownOf(model);
    const html = htmlOf(model);
    const md = `${base}.md`;
    const page = `${base}.html`;
    writeFileAtomic(md, markdown);
    writeFileAtomic(page, html);
    return { markdown: md, html: page };
}
