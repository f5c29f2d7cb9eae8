/**
 * Inline SVG line charts for the HTML report: no library, no network, plain strings. Each chart carries
 * data attributes (data-chart, data-series) so tests can find what was drawn in the rendered DOM.
 */

/** Series colours, by run index. Distinct, readable on white, and checked for in the screenshot test. */
export const SERIES_COLOURS = ["#d9480f", "#1c7ed6", "#2b8a3e", "#862e9c", "#e8590c", "#0b7285"] as const;

export interface Series {
    readonly name: string;
    readonly colour: string;
    /** [x, y] points; drawn in the order given. */
    readonly points: readonly (readonly [number, number])[];
    /** Draw as a step line (for CDFs) rather than straight segments. */
    readonly step?: boolean;
    /** Per point (same order as `points`), the kind of marker drawn on it, one of the chart's `markers`; none for undefined. */
    readonly marks?: readonly (string | undefined)[];
    /** Per point, a short text for the marker's tooltip (an SVG <title>). */
    readonly markTitles?: readonly (string | undefined)[];
}

export type MarkerShape = "dot" | "cross" | "triangle" | "square" | "diamond";

/** A kind of point marker and how the chart's marker legend names it. */
export interface MarkerKind {
    readonly kind: string;
    readonly shape: MarkerShape;
    readonly label: string;
}

export interface ChartSpec {
    /** Identifies the chart in the DOM (data-chart). */
    readonly id: string;
    readonly title: string;
    readonly xLabel: string;
    readonly yLabel: string;
    readonly series: readonly Series[];
    /** The marker kinds the series' `marks` use, shown in a legend of their own (only those drawn). */
    readonly markers?: readonly MarkerKind[];
    /** Horizontal reference lines, e.g. the p99 target. */
    readonly hLines?: readonly { readonly y: number; readonly label: string }[];
    readonly width?: number;
    readonly height?: number;
    /** Force the y axis to start at 0 (default true). */
    readonly yFromZero?: boolean;
    readonly xFromZero?: boolean;
}

export function escapeXml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** "Nice" tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min: number, max: number, count = 5): number[] {
    if (!(max > min)) {
        max = min + 1;
    }
    const raw = (max - min) / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
    const ticks: number[] = [];
    for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
        ticks.push(Math.round(v / step) * step);
    }
    return ticks;
}

function label(v: number): string {
    if (Math.abs(v) >= 1000) {
        return `${Math.round(v / 100) / 10}k`;
    }
    return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 2 : 1);
}

type LegendItem = { name: string; colour: string; x: number; row: number };

/** The legend above the plot, in rows that wrap, so it never hides a line. */
function layoutLegend(series: ChartSpec["series"], width: number): { items: LegendItem[]; rows: number } {
    const items: LegendItem[] = [];
    let lx = 60;
    let row = 0;
    for (const s of series) {
        const itemWidth = 24 + s.name.length * 6.5 + 14;
        if (lx + itemWidth > width - 16 && lx > 60) {
            lx = 60;
            row++;
        }
        items.push({ name: s.name, colour: s.colour, x: lx, row });
        lx += itemWidth;
    }
    return { items, rows: series.length === 0 ? 0 : row + 1 };
}

/** Where the plot sits and how data maps onto it. */
interface Frame {
    readonly margin: { left: number; top: number };
    readonly plotW: number;
    readonly plotH: number;
    readonly xTicks: number[];
    readonly yTicks: number[];
    readonly sx: (x: number) => number;
    readonly sy: (y: number) => number;
}

function frameOf(spec: ChartSpec, width: number, height: number, legendRows: number): Frame {
    const margin = { left: 60, right: 16, top: 30 + legendRows * 16, bottom: 44 };
    const plotW = width - margin.left - margin.right;
    const plotH = height - margin.top - margin.bottom;
    const all = spec.series.flatMap((s) => s.points);
    const ys = [...all.map((p) => p[1]), ...(spec.hLines ?? []).map((h) => h.y)];
    const xs = all.map((p) => p[0]);
    const xMinRaw = spec.xFromZero === false ? Math.min(...xs) : Math.min(0, ...xs);
    const xTicks = niceTicks(xMinRaw, Math.max(...xs));
    const yTicks = niceTicks(spec.yFromZero === false ? Math.min(...ys) : Math.min(0, ...ys), Math.max(...ys));
    const x0 = Math.min(xTicks[0], xMinRaw);
    const x1 = Math.max(xTicks[xTicks.length - 1], Math.max(...xs));
    const y0 = Math.min(yTicks[0], Math.min(...ys));
    const y1 = Math.max(yTicks[yTicks.length - 1], Math.max(...ys));
    return {
        margin,
        plotW,
        plotH,
        xTicks,
        yTicks,
        sx: (x) => margin.left + ((x - x0) / (x1 - x0 || 1)) * plotW,
        sy: (y) => margin.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH,
    };
}

const r1 = (n: number) => n.toFixed(1);

/** Grid lines, tick labels, the two axes and their labels. */
function axes(spec: ChartSpec, f: Frame, height: number): string[] {
    const { margin, plotW, plotH } = f;
    const parts = [`<g class="axes" font-size="11" fill="#333">`];
    for (const t of f.yTicks) {
        parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${r1(f.sy(t))}" y2="${r1(f.sy(t))}" stroke="#e5e5e5"/>`);
        parts.push(`<text x="${margin.left - 6}" y="${r1(f.sy(t) + 4)}" text-anchor="end">${label(t)}</text>`);
    }
    for (const t of f.xTicks) {
        parts.push(`<text x="${r1(f.sx(t))}" y="${margin.top + plotH + 16}" text-anchor="middle">${label(t)}</text>`);
    }
    parts.push(
        `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#333"/>`,
        `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#333"/>`,
        `<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
        `<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
        `</g>`,
    );
    return parts;
}

/** The dashed reference lines, then one path per series (a dot for a single point). */
function lines(spec: ChartSpec, f: Frame): string[] {
    const parts: string[] = [];
    for (const h of spec.hLines ?? []) {
        parts.push(
            `<line class="reference" x1="${f.margin.left}" x2="${f.margin.left + f.plotW}" y1="${r1(f.sy(h.y))}" y2="${r1(f.sy(h.y))}" ` +
                `stroke="#555" stroke-dasharray="5 4"/>`,
            `<text x="${f.margin.left + f.plotW - 4}" y="${r1(f.sy(h.y) - 4)}" text-anchor="end" font-size="11" fill="#555">${escapeXml(h.label)}</text>`,
        );
    }
    for (const s of spec.series) {
        if (s.points.length === 0) {
            continue;
        }
        const d = s.points
            .map(([x, y], i) => (i === 0 ? `M${r1(f.sx(x))} ${r1(f.sy(y))}` : s.step ? `H${r1(f.sx(x))}V${r1(f.sy(y))}` : `L${r1(f.sx(x))} ${r1(f.sy(y))}`))
            .join("");
        parts.push(`<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${s.colour}" stroke-width="2.5" stroke-linejoin="round"/>`);
        if (s.points.length === 1 && !s.marks?.[0]) {
            const [x, y] = s.points[0];
            parts.push(`<circle cx="${r1(f.sx(x))}" cy="${r1(f.sy(y))}" r="4" fill="${s.colour}"/>`);
        }
    }
    return parts;
}

/** One marker centred on (x, y), in the series' colour. */
function markerShape(shape: MarkerShape, x: number, y: number, colour: string): string {
    const r = 5;
    switch (shape) {
        case "dot":
            return `<circle cx="${r1(x)}" cy="${r1(y)}" r="${r - 1}" fill="${colour}"/>`;
        case "cross":
            return `<path d="M${r1(x - r)} ${r1(y - r)}L${r1(x + r)} ${r1(y + r)}M${r1(x - r)} ${r1(y + r)}L${r1(x + r)} ${r1(y - r)}" stroke="${colour}" stroke-width="2.5"/>`;
        case "triangle":
            return `<path d="M${r1(x)} ${r1(y - r - 1)}L${r1(x + r + 1)} ${r1(y + r)}L${r1(x - r - 1)} ${r1(y + r)}Z" fill="${colour}"/>`;
        case "square":
            return `<rect x="${r1(x - r + 1)}" y="${r1(y - r + 1)}" width="${2 * r - 2}" height="${2 * r - 2}" fill="${colour}"/>`;
        case "diamond":
            return `<path d="M${r1(x)} ${r1(y - r - 1)}L${r1(x + r + 1)} ${r1(y)}L${r1(x)} ${r1(y + r + 1)}L${r1(x - r - 1)} ${r1(y)}Z" fill="${colour}"/>`;
    }
}

/** The markers on the series' points, each a group naming its kind and point for tests and tooltips. */
function marks(spec: ChartSpec, f: Frame): string[] {
    const kinds = new Map((spec.markers ?? []).map((m) => [m.kind, m]));
    const parts: string[] = [];
    for (const s of spec.series) {
        s.points.forEach(([x, y], i) => {
            const kind = s.marks?.[i];
            const m = kind === undefined ? undefined : kinds.get(kind);
            if (!m) {
                return;
            }
            const title = s.markTitles?.[i];
            parts.push(
                `<g class="mark" data-series="${escapeXml(s.name)}" data-mark="${escapeXml(m.kind)}" data-x="${x}">${title ? `<title>${escapeXml(title)}</title>` : ""}` +
                    `${markerShape(m.shape, f.sx(x), f.sy(y), s.colour)}</g>`,
            );
        });
    }
    return parts;
}

/** The marker kinds drawn, laid out in rows that wrap (like the series legend), and how many rows they take. */
function layoutMarkerLegend(spec: ChartSpec, width: number): { items: { kind: MarkerKind; x: number; row: number }[]; rows: number } {
    const used = new Set(spec.series.flatMap((s) => (s.marks ?? []).filter((k): k is string => k !== undefined)));
    const items: { kind: MarkerKind; x: number; row: number }[] = [];
    let x = 60;
    let row = 0;
    for (const m of (spec.markers ?? []).filter((k) => used.has(k.kind))) {
        const itemWidth = 24 + m.label.length * 6.5;
        if (x + itemWidth > width - 16 && x > 60) {
            x = 60;
            row++;
        }
        items.push({ kind: m, x, row });
        x += itemWidth;
    }
    return { items, rows: items.length === 0 ? 0 : row + 1 };
}

/** The marker legend under the chart's x-axis label, its rows starting at `top`. */
function markerLegend(layout: ReturnType<typeof layoutMarkerLegend>, top: number): string[] {
    return layout.items.map(({ kind: m, x, row }) => {
        const y = top + row * 16;
        return `<g class="marker-legend" data-mark="${escapeXml(m.kind)}">${markerShape(m.shape, x, y - 4, "#444")}<text x="${x + 9}" y="${y}" font-size="11">${escapeXml(m.label)}</text></g>`;
    });
}

/** Renders a line chart. With no points at all it renders a frame saying "no data". */
export function lineChart(spec: ChartSpec): string {
    const width = spec.width ?? 640;
    const height = spec.height ?? 300;
    const legend = layoutLegend(spec.series, width);
    const parts: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeXml(spec.id)}" width="${width}" height="${height}" ` +
            `viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(spec.title)}">`,
        `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
        `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(spec.title)}</text>`,
    ];
    if (spec.series.every((s) => s.points.length === 0)) {
        parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="13" fill="#666">no data</text></svg>`);
        return parts.join("");
    }
    // A marker legend takes rows at the bottom, under the x-axis label.
    const markerLayout = layoutMarkerLegend(spec, width);
    const plotHeight = height - markerLayout.rows * 16 - (markerLayout.rows > 0 ? 2 : 0);
    const frame = frameOf(spec, width, plotHeight, legend.rows);
    parts.push(...axes(spec, frame, plotHeight), ...lines(spec, frame), ...marks(spec, frame), ...markerLegend(markerLayout, plotHeight + 12));
    for (const item of legend.items) {
        const y = 36 + item.row * 16;
        parts.push(
            `<rect x="${item.x}" y="${y - 6}" width="14" height="4" fill="${item.colour}"/>`,
            `<text x="${item.x + 18}" y="${y}" font-size="11">${escapeXml(item.name)}</text>`,
        );
    }
    parts.push(`</svg>`);
    return parts.join("");
}

