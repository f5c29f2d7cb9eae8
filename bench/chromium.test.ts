/**
 * The HTML report rendered by headless Chromium (Debian's `chromium` package): the screenshot must show
 * both runs' chart colours, and the same page without its SVG must not, so the colour comes from the
 * charts drawing. The verdict, the hints and the capacity charts are then read from the page as Chromium laid it
 * out (a probe script measures the drawn markers). Fails, never skips, when Chromium is missing.
 */
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { armVsAmd, bisectedArm64, fixtureResults, fixtureRun } from "./fixtures";
import { countColour, decodePng } from "./png";
import { renderHtml } from "./report";
import { SERIES_COLOURS } from "./svg";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

function findChromium(): string {
    const configured = process.env.CHROMIUM_PATH;
    const found = (configured ? [configured] : CANDIDATES).find((p) => fs.existsSync(p));
    if (!found) {
        assert.fail(
            `Chromium not found (looked for ${configured ?? CANDIDATES.join(", ")}): install Debian's package with ` +
                "`apt-get install -y chromium`, or set CHROMIUM_PATH to a Chromium binary.",
        );
    }
    return found;
}

/** Runs headless Chromium on a file with extra arguments; resolves with stdout. Killed after 60 s. */
function chromium(binary: string, file: string, extra: string[]): Promise<string> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "bench-chromium-profile-"));
    const args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--disable-dev-shm-usage",
        `--user-data-dir=${profile}`,
        ...extra,
        `file://${file}`,
    ];
    return new Promise<string>((resolve, reject) => {
        execFile(binary, args, { timeout: 60_000, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            fs.rmSync(profile, { recursive: true, force: true });
            if (error) {
                reject(new Error(`${binary} failed: ${error.message}\n${String(stderr).slice(-2000)}`));
                return;
            }
            resolve(String(stdout));
        });
    });
}

/**
 * What a probe script reads from the page once Chromium has laid it out: the verdict paragraphs, each capacity chart's
 * markers (outcome, rate, drawn position and size) and marker legend, the charts without a drawn series, and the text.
 */
const PROBE = `<script>
(() => {
  const box = (e) => { const b = e.getBoundingClientRect(); return { x: b.x + b.width / 2, w: b.width, h: b.height, right: b.right, bottom: b.bottom }; };
  const out = {
    verdicts: [...document.querySelectorAll("p.verdict")].map((p) => p.innerText),
    capacity: [...document.querySelectorAll("svg[data-chart^='capacity-']")].map((svg) => ({
      id: svg.dataset.chart,
      box: box(svg),
      series: [...svg.querySelectorAll("path.series")].map((p) => ({ name: p.dataset.series, d: p.getAttribute("d") })),
      marks: [...svg.querySelectorAll("g.mark")].map((g) => ({ series: g.dataset.series, kind: g.dataset.mark, rate: Number(g.dataset.x), ...box(g) })),
      legend: [...svg.querySelectorAll("g.marker-legend")].map((g) => ({ kind: g.dataset.mark, text: g.textContent, ...box(g) })),
    })),
    undrawn: [...document.querySelectorAll("svg.chart")].filter((svg) => svg.querySelectorAll("path.series").length === 0).map((svg) => svg.dataset.chart),
    text: document.body.innerText,
  };
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>`;

/** An element's box as laid out: its centre's x, size, right and bottom edges. */
interface Box {
    readonly x: number;
    readonly w: number;
    readonly h: number;
    readonly right: number;
    readonly bottom: number;
}

interface Probe {
    readonly verdicts: string[];
    readonly capacity: {
        id: string;
        box: Box;
        series: { name: string; d: string }[];
        marks: ({ series: string; kind: string; rate: number } & Box)[];
        legend: ({ kind: string; text: string } & Box)[];
    }[];
    readonly undrawn: string[];
    readonly text: string;
}

/** The probe's findings in the DOM Chromium dumped. */
function probeOf(dom: string): Probe {
    const m = /<pre id="probe">([\s\S]*?)<\/pre>/.exec(dom);
    assert.ok(m, "the probe script ran");
    return JSON.parse(m[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&")) as Probe;
}

describe("bench report in headless Chromium", function () {
    this.timeout(120_000);
    let dir: string;
    let binary: string;
    const [armColour, amdColour] = SERIES_COLOURS;

    before(() => {
        binary = findChromium();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-chromium-"));
    });
    after(() => {
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("draws the charts: both runs' colours in the screenshot, none without the SVG", async () => {
        const html = renderHtml([{ file: path.join(dir, "fixture.json"), results: armVsAmd(true) }]);
        const page = path.join(dir, "report.html");
        const bare = path.join(dir, "bare.html");
        fs.writeFileSync(page, html);
        fs.writeFileSync(bare, html.replace(/<svg[\s\S]*?<\/svg>/g, ""));
        const shot = path.join(dir, "report.png");
        const bareShot = path.join(dir, "bare.png");
        await chromium(binary, page, [`--screenshot=${shot}`, "--window-size=1280,2000"]);
        await chromium(binary, bare, [`--screenshot=${bareShot}`, "--window-size=1280,2000"]);

        const image = decodePng(fs.readFileSync(shot));
        assert.deepStrictEqual([image.width, image.height], [1280, 2000]);
        const arm = countColour(image, armColour);
        const amd = countColour(image, amdColour);
        // Two latency charts per endpoint are in the first 2000 px: hundreds of pixels of each line.
        assert.ok(arm > 500, `arm64 colour ${armColour}: ${arm} pixels`);
        assert.ok(amd > 500, `amd64 colour ${amdColour}: ${amd} pixels`);

        const control = decodePng(fs.readFileSync(bareShot));
        assert.strictEqual(countColour(control, armColour), 0, "the arm64 colour appears only in the charts");
        assert.strictEqual(countColour(control, amdColour), 0, "the amd64 colour appears only in the charts");
    });

    it("the rendered DOM has every chart with a path per run", async () => {
        const page = path.join(dir, "dom.html");
        fs.writeFileSync(page, renderHtml([{ file: path.join(dir, "fixture.json"), results: armVsAmd(true) }]));
        const dom = await chromium(binary, page, ["--dump-dom"]);
        const charts = [...dom.matchAll(/<svg[^>]*data-chart="([^"]+)"[\s\S]*?<\/svg>/g)];
        assert.deepStrictEqual(
            charts.map((m) => m[1]),
            ["cdf-books", "p99-books", "cdf-prime", "p99-prime", "util-cpu", "util-memory", "capacity-GET-api-books-capacity"],
        );
        // The capacity headline as the browser laid it out: the table's header and the measured figures.
        const text = dom.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
        assert.ok(text.includes("capacity per task at the p99 target"), "the capacity headline is on the page");
        assert.ok(text.includes("arm64 arm64 GET /api/books capacity 100.0/s measured"), text.slice(0, 600));
        for (const m of charts) {
            const paths = m[0].match(/<path class="series"[^>]* d="M[^"]+"/g) ?? [];
            assert.strictEqual(paths.length, 2, `${m[1]} has ${paths.length} drawn series`);
        }
    });

    /** Renders the results with the probe appended, in Chromium, and returns what the probe found. */
    async function rendered(name: string, results: ReturnType<typeof fixtureResults>): Promise<Probe> {
        const page = path.join(dir, `${name}.html`);
        fs.writeFileSync(page, renderHtml([{ file: path.join(dir, `${name}.json`), results }]).replace("</body>", `${PROBE}\n</body>`));
        return probeOf(await chromium(binary, page, ["--dump-dom", "--window-size=1280,2000"]));
    }

    it("an arm64/amd64 report: a verdict sentence per capacity target, capacity points in rate order, each failure's reason drawn", async () => {
        const arm = bisectedArm64({ repeats: [81, 84] });
        const amd = fixtureRun({
            label: "amd64",
            architecture: "amd64",
            slowdown: 2,
            capacityRates: [40, 80, 60, 50, 120],
            capacityP99s: [40, 10, 180, 120, 10],
            capacityFailures: [undefined, "errors", undefined, undefined, "client-bound"],
            repeats: [60, 62],
        });
        const probe = await rendered("cross", fixtureResults([arm, amd]));

        assert.strictEqual(probe.verdicts.length, 1, "one sentence for the one capacity target");
        const [sentence] = probe.verdicts;
        assert.ok(sentence.startsWith("GET /api/books capacity: arm64 is "), sentence);
        assert.ok(/capacity ratio 1\.35x, cost ratio 0\.59x/.test(sentence), sentence);
        assert.ok(sentence.includes("the difference is larger than the run-to-run noise measured in this run (arm64 81.0-84.0/s per task over 2 repetitions, amd64 60.0-62.0/s per task over 2 repetitions)"), sentence);
        assert.ok(probe.text.includes("capacity 1.35x, cost 0.59x amd64") && probe.text.includes("the baseline (arm64 is compared with it)"), "both ratio cells filled");

        const [chart] = probe.capacity;
        for (const series of chart.series) {
            const xs = [...series.d.matchAll(/[ML]([\d.]+) /g)].map((m) => Number(m[1]));
            assert.deepStrictEqual(xs, [...xs].sort((a, b) => a - b), `${series.name}: the line runs in rate order (${series.d})`);
        }
        const armMarks = chart.marks.filter((m) => m.series === "arm64");
        assert.deepStrictEqual(
            armMarks.map((m) => [m.rate, m.kind]),
            [
                [50, "held"],
                [75, "held"],
                [81, "held"],
                [87, "admission 503s"],
                [100, "latency"],
            ],
        );
        assert.deepStrictEqual(armMarks.map((m) => m.x), [...armMarks.map((m) => m.x)].sort((a, b) => a - b), "markers laid out left to right by rate");
        assert.ok(chart.marks.every((m) => m.w >= 6 && m.h >= 6), "every marker is drawn at a visible size");
        assert.deepStrictEqual(chart.marks.filter((m) => m.series === "amd64").map((m) => m.kind), ["held", "held", "held", "errors", "client-bound"]);
        assert.deepStrictEqual(
            chart.legend.map((l) => [l.kind, l.text]),
            [
                ["held", "held"],
                ["latency", "failed: p99 latency"],
                ["errors", "failed: errors"],
                ["admission 503s", "failed: admission 503s"],
                ["client-bound", "failed: client-bound"],
            ],
        );
        assert.ok(chart.legend.every((l) => l.w > 20 && l.right <= chart.box.right && l.bottom <= chart.box.bottom), `the legend is laid out inside the chart: ${JSON.stringify(chart.legend)}`);
        assert.ok(probe.text.includes("failed: admission 503s (error rate 10.00% > 1.00%)"), "the table says why each step failed");
        assert.deepStrictEqual(probe.undrawn, [], "no empty chart");
    });

    it("a local report: the verdict says what was measured, with its noise; no hint meant for AWS; no empty chart", async () => {
        const run = fixtureRun({ label: "local-amd64", architecture: "amd64", mode: "local", slowdown: 1, capacityRates: [50, 100], capacityP99s: [10, 10], capacityFailures: [undefined, "client-bound"], repeats: [50, 50] });
        const local = { ...run, tasksSource: "local" as const, capacity: [{ ...run.capacity[0], stoppedBecause: "client-bound" as const, clientBoundAtRps: 80 }] };
        const probe = await rendered("local", { ...fixtureResults([local], 0.05), command: "npm run bench -- --local --scale 0.05", engine: "local" });
        assert.deepStrictEqual(probe.verdicts, [
            "GET /api/books capacity on local-amd64 (this machine, amd64; cost as if a Fargate task of 512/1024): at least 50.0/s per task, at most $0.1371 per million requests; " +
                "run-to-run noise 50.0-50.0/s per task over 2 repetitions; no cross-architecture ratio, as only amd64 was measured.",
        ]);
        for (const hint of ["--count", "--engine", "raise", "on Fargate", "on AWS", "NAT gateway between", "ECS:"]) {
            assert.ok(!probe.text.includes(hint), `"${hint}" does not apply to a local run`);
        }
        assert.ok(probe.text.includes("the load generator, sharing this machine with the services, could not send more"), "the client-bound search is still explained");
        assert.deepStrictEqual(probe.capacity[0].marks.map((m) => [m.rate, m.kind]), [[50, "held"], [100, "client-bound"]]);
        assert.deepStrictEqual(probe.capacity[0].legend.map((l) => l.text), ["held", "failed: client-bound"]);
        assert.deepStrictEqual(probe.undrawn, []);
    });
});
