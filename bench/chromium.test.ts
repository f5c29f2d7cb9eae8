/**
 * The HTML report rendered by headless Chromium (Debian's `chromium` package): the screenshot must show
 * both runs' chart colours, and the same page without its SVG must not, so the colour comes from the
 * charts drawing. Fails, never skips, when Chromium is missing.
 */
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { armVsAmd } from "./fixtures";
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
});
