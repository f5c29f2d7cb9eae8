import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { armVsAmd, bisectedArm64, fixtureResults, fixtureRun, fixtureScenario } from "./fixtures";
import { buildReport, collectRuns, htmlOf, judgeNoise, markdownOf, pickComparison, pricePerformance, renderHtml, renderMarkdown, stepOutcome, writeReports } from "./report";
import { reportMain } from "./report-cli";
import { readResults, validateResults, writeResults } from "./results";
import { DEFAULT_PRICES } from "../model/pricing";

describe("bench report", () => {
    const both = [{ file: "/tmp/both.json", results: armVsAmd() }];

    describe("capacity headline", () => {
        it("per architecture: capacity per task, measured or client-bound, the spread of repeats, cost per million and the ratio", () => {
            const results = armVsAmd();
            const [arm, amd] = results.runs;
            const runs = [
                {
                    ...arm,
                    capacity: [
                        {
                            ...arm.capacity[0],
                            stoppedBecause: "bisected" as const,
                            repeats: [100, 90, 110].map((v) => ({ highestRateHeld: v, stoppedBecause: "bisected" as const })),
                        },
                    ],
                },
                { ...amd, capacity: [{ ...amd.capacity[0], stoppedBecause: "client-bound" as const, clientBoundAtRps: 310 }] },
            ];
            const md = renderMarkdown([{ file: "h.json", results: { ...results, runs } }]);
            assert.ok(
                md.includes("| arm64 | arm64 | GET /api/books capacity | 100.0/s | measured | 90.0 / 100.0 / 110.0 (3 runs) | $0.0549 | - (not a flow) | capacity 1.25x, cost 0.64x amd64 |"),
                md,
            );
            assert.ok(
                md.includes(
                    "| amd64 | amd64 | GET /api/books capacity | >= 80.0/s | client-bound at 310.0/s (the load generator's limit, not the server's: run the load from Fargate (--engine fargate --count <workers>)) " +
                        "| one run (no noise measured) | <= $0.0857 | - (not a flow) | the baseline (arm64 is compared with it) |",
                ),
                md,
            );
            assert.ok(md.includes("client-bound at 310.0/s: the load generator could not send more"), md);
            // The lower side is only a bound: the verdict does not weigh it against the noise.
            assert.ok(md.includes("(amd64: a bound, not a measurement, as the search stopped before the knee: capacity is at least this)"), md);
        });
    });

    describe("price-performance", () => {
        it("prices each run's capacity with model/pricing.ts: task-hour, per-task rate, cost per million", () => {
            const pp = pricePerformance(collectRuns(both));
            assert.deepStrictEqual(
                pp.map((p) => [p.label, p.capacityRps, p.perTaskRps, p.atLeast, Number(p.taskHourUsd.toFixed(6)), Number(p.costPerMillionUsd?.toFixed(6))]),
                [
                    ["arm64", 100, 100, false, 0.01975, 0.054861],
                    ["amd64", 80, 80, false, 0.024685, 0.085712],
                ],
            );
        });
        it("prices a stack's run at the prices its stack recorded (its `prices` config), and says so", () => {
            const results = armVsAmd();
            const [arm, amd] = results.runs;
            // The stack set arm64 Fargate to $0.03/vCPU-h and $0.004/GB-h: a 0.5 vCPU / 1 GB task-hour is $0.019.
            const own = { ...DEFAULT_PRICES, fargate: { ...DEFAULT_PRICES.fargate, arm64: { vcpuHour: 0.03, gbHour: 0.004 } } };
            const runs = [{ ...arm, prices: own }, amd];
            const pp = pricePerformance(collectRuns([{ file: "own.json", results: { ...results, runs } }]));
            assert.deepStrictEqual(pp.map((p) => Number(p.taskHourUsd.toFixed(6))), [0.019, 0.024685]);
            const md = renderMarkdown([{ file: "own.json", results: { ...results, runs } }]);
            assert.ok(md.includes("Cost per task-hour is the stack's own price, its `prices` config over Fargate on-demand list price (model/pricing.ts), for the task size"), md);
            // Recorded list prices are list prices.
            const listed = renderMarkdown([{ file: "list.json", results: { ...results, runs: [{ ...arm, prices: DEFAULT_PRICES }, amd] } }]);
            assert.ok(listed.includes("Cost per task-hour is Fargate on-demand list price (model/pricing.ts) for the task size"), listed);
        });
        it("divides the capacity by the tasks behind the service", () => {
            const run = { ...fixtureRun({ label: "arm64", architecture: "arm64", slowdown: 1, capacityRates: [100], capacityP99s: [10] }), tasksPerService: 2 };
            const [p] = pricePerformance(collectRuns([{ file: "a.json", results: fixtureResults([run]) }]));
            assert.deepStrictEqual([p.capacityRps, p.perTaskRps, p.atLeast], [100, 50, true]);
            assert.ok(Math.abs((p.costPerMillionUsd ?? 0) - 0.01975 / (50 * 3600) * 1e6) < 1e-12);
        });
        it("compares arm64 with amd64 whatever the order of the runs", () => {
            const reversed = [{ file: "r.json", results: fixtureResults([...armVsAmd().runs].reverse()) }];
            const c = pickComparison(collectRuns(reversed));
            assert.deepStrictEqual([c?.candidate.label, c?.baseline.label, c?.acrossArchitectures], ["arm64", "amd64", true]);
        });
    });

    describe("markdown", () => {
        const md = renderMarkdown(both);
        it("has the seed-style side-by-side table with the difference in percent", () => {
            assert.ok(md.includes("| test | duration | rate | requests | arm64 mean / p95 / p99 ms | amd64 mean / p95 / p99 ms | arm64 vs amd64, mean / p99 |"), md);
            assert.ok(md.includes("| GET /api/books | 180 s | 50/s | 100 / 100 | 50.5 / 95.0 / 99.0 | 101.0 / 190.0 / 198.0 | -50.0% / -50.0% |"), md);
            assert.ok(md.includes("| GET /prime | 240 s | 3/s | 100 / 100 | 350.5 / 395.0 / 399.0 | 701.0 / 790.0 / 798.0 | -50.0% / -50.0% |"), md);
        });
        it("has every per-endpoint figure", () => {
            for (const row of [
                "| responses by status | 200: 100 | 200: 100 |",
                "| bytes | 500,000 | 500,000 |",
                "| bytes per response | 5,000 | 5,000 |",
                "| min ms | 1.0 | 2.0 |",
                "| median ms | 50.0 | 100.0 |",
                "| max ms | 100.0 | 200.0 |",
                "| achieved rate /s | 0.6 | 0.6 |",
                "| errors | 0 | 0 |",
            ]) {
                assert.ok(md.includes(row), `missing ${row}`);
            }
        });
        it("gives the capacity steps and the highest rate held", () => {
            assert.ok(md.includes("arm64: highest rate held 100/s; steps of 30 s, p99 target 200 ms, max error rate 1.0%."), md);
            assert.ok(md.includes("| amd64 | 120/s | 3 | 100.0 | 1500.0 | - | 0.00% | failed: latency (p99 1500.0 ms > 200 ms) |"), md);
        });
        it("prices the measured capacity and states the verdict from it, saying that the noise was not measured", () => {
            assert.ok(md.includes("| arm64 | arm64 | GET /api/books capacity | 512/1024 | $0.01975 | 100/s | 100.0/s | $0.0549 | - (not a flow) |"), md);
            assert.ok(md.includes("| amd64 | amd64 | GET /api/books capacity | 512/1024 | $0.02469 | 80/s | 80.0/s | $0.0857 | - (not a flow) |"), md);
            assert.ok(
                md.includes(
                    "GET /api/books capacity: arm64 is 36.0% cheaper per million requests than amd64 ($0.0549 against $0.0857), holding 100.0/s per task against 80.0/s " +
                        "(capacity ratio 1.25x, cost ratio 0.64x); run-to-run noise was not measured (arm64 one repetition, amd64 one repetition; --repeat 2 or more measures it), " +
                        "so whether the difference is larger than the noise is unknown.",
                ),
                md,
            );
        });
        it("says when utilisation was not measured, and why", () => {
            assert.ok(md.includes("| arm64 | bookstore | not measured | - | - | not measured: no AWS credentials in the environment |"), md);
        });
        it("with one architecture, says so instead of inventing a comparison", () => {
            const local = fixtureRun({ label: "local-amd64", architecture: "amd64", mode: "local", slowdown: 1, capacityRates: [50], capacityP99s: [999] });
            const one = renderMarkdown([{ file: "l.json", results: fixtureResults([local], 0.05) }]);
            assert.ok(
                one.includes(
                    "Only one architecture was measured (amd64), so this report makes no ARM64-vs-AMD64 comparison. A comparison needs both architectures, which only the stacks give (`npm run compare`, with an AWS account).",
                ),
                one,
            );
            assert.ok(one.includes("Local runs: the load generator and the services shared one machine (2 cores, Test CPU @ 2.0GHz)"), one);
            assert.ok(one.includes("Durations were scaled"), one);
            assert.ok(one.includes("| local-amd64 | amd64 | GET /api/books capacity | 512/1024 | $0.02469 | none | none | none: no rate held | - (not a flow) |"), one);
            assert.ok(one.includes("Verdict: one run (local-amd64), so no comparison."), one);
            assert.ok(
                one.includes(
                    "GET /api/books capacity on local-amd64 (this machine, amd64; cost as if a Fargate task of 512/1024): no step held, so no capacity or cost; " +
                        "run-to-run noise not measured (one repetition; --repeat 2 or more measures it); no cross-architecture ratio, as only amd64 was measured.",
                ),
                one,
            );
            assert.ok(one.includes("| none: only amd64 was measured |"), one);
            assert.ok(!one.includes(" vs "), "no comparison column");
        });
        it("warns that short capacity steps overstate capacity, and only then", () => {
            const run = fixtureRun({ label: "local-amd64", architecture: "amd64", mode: "local", slowdown: 1, capacityRates: [50], capacityP99s: [10] });
            const short = { ...run, capacity: [{ ...run.capacity[0], stepDurationS: 2 }] };
            const warned = renderMarkdown([{ file: "s.json", results: fixtureResults([short], 0.05) }]);
            assert.ok(warned.includes("Steps of 2 s are short: a queue that grows slowly past capacity has little time to show in p99"), warned);
            // The advice names what made them short: --scale here, --capacity-step-duration at full scale.
            assert.ok(warned.includes("Use the full durations (no --scale)"), warned);
            const unscaled = renderMarkdown([{ file: "s.json", results: fixtureResults([short], 1) }]);
            assert.ok(unscaled.includes("Use longer steps (--capacity-step-duration)") && !unscaled.includes("--scale"), unscaled);
            assert.ok(!md.includes("are short"));
        });

        it("marks a capacity that reached the search's upper bound as a bound", () => {
            const a = fixtureRun({ label: "arm64", architecture: "arm64", slowdown: 1, capacityRates: [100, 200], capacityP99s: [10, 20] });
            const b = fixtureRun({ label: "amd64", architecture: "amd64", slowdown: 1, capacityRates: [100, 200], capacityP99s: [10, 900] });
            const text = renderMarkdown([{ file: "b.json", results: fixtureResults([a, b]) }]);
            assert.ok(text.includes("| arm64 | arm64 | GET /api/books capacity | 512/1024 | $0.01975 | >= 200/s | >= 200.0/s | <= $0.0274 | - (not a flow) |"), text);
            assert.ok(text.includes("(arm64: a bound, not a measurement, as the search stopped before the knee: capacity is at least this)"), text);
            const single = renderMarkdown([{ file: "s.json", results: fixtureResults([a]) }]);
            assert.ok(single.includes("GET /api/books capacity on arm64 (arm64): at least 200.0/s per task, at most $0.0274 per million requests; run-to-run noise not measured"), single);
        });
    });

    describe("profiling scenarios and tasks per service", () => {
        const withProfiling = (label: string, architecture: "arm64" | "amd64", slowdown: number) => {
            const run = fixtureRun({ label, architecture, slowdown, capacityRates: [50], capacityP99s: [10] });
            const leak = fixtureScenario("memory-leak", "/memory-leak", 120, 25, Array.from({ length: 100 }, (_, i) => (i + 1) * slowdown), 60);
            return {
                ...run,
                tasksPerService: 2,
                tasksSource: "desiredCount" as const,
                scenarios: [
                    ...run.scenarios,
                    { ...leak, after: [{ method: "DELETE", url: "/memory-leak", at: "2026-01-01T00:05:00.000Z", status: 200, body: '{"retainedBlocks":3001}' }] },
                ],
            };
        };
        const md = renderMarkdown([{ file: "p.json", results: fixtureResults([withProfiling("arm64", "arm64", 1), withProfiling("amd64", "amd64", 2)]) }]);
        it("keeps the seed's table to the seed's tests and gives the others their own, with failures", () => {
            const seed = md.slice(md.indexOf("## Side by side (the seed's table)"), md.indexOf("## Side by side: other fixed-rate tests"));
            assert.ok(seed.includes("| GET /api/books |") && !seed.includes("memory-leak"), seed);
            assert.ok(
                md.includes("| test | duration | rate | requests | failed | arm64 mean / p95 / p99 ms | amd64 mean / p95 / p99 ms | arm64 vs amd64, mean / p99 |"),
                md,
            );
            assert.ok(md.includes("| GET /memory-leak | 120 s | 25/s | 100 / 100 | 0 / 0 | 50.5 / 95.0 / 99.0 | 101.0 / 190.0 / 198.0 | -50.0% / -50.0% |"), md);
            assert.ok(md.includes("### GET /memory-leak"), md);
            assert.ok(md.includes('After the test on arm64: DELETE /memory-leak: 200 {"retainedBlocks":3001}.'), md);
        });
        it("says where the tasks per service came from, and divides capacity by them", () => {
            assert.ok(md.includes("| 2 (stack output desiredCount) |"), md);
            assert.ok(md.includes("| arm64 | arm64 | GET /api/books capacity | 512/1024 | $0.01975 | >= 50/s | >= 25.0/s |"), md);
            // Results written before tasksSource existed show the bare figure.
            assert.ok(renderMarkdown(both).includes("| arm64 | stack | arm64 | unknown | not recorded | 512 CPU units / 1024 MiB | 1 | - |"));
        });
        it("checks tasksSource when a results file has one", () => {
            const bad = { ...armVsAmd(), runs: [{ ...armVsAmd().runs[0], tasksSource: "guess" }] };
            assert.throws(() => validateResults("b.json", bad), /runs\[0\]\.tasksSource is "guess", expected one of flag, desiredCount, default, local/);
        });
        it("checks the prices a run recorded, and reads them back", () => {
            const bad = { ...armVsAmd(), runs: [{ ...armVsAmd().runs[0], prices: { albHour: "cheap" } }] };
            assert.throws(() => validateResults("p.json", bad), /runs\[0\]\.prices is not a price table: .*albHour/);
            const good = { ...armVsAmd(), runs: [{ ...armVsAmd().runs[0], prices: DEFAULT_PRICES }] };
            assert.deepStrictEqual(validateResults("p.json", JSON.parse(JSON.stringify(good))).runs[0].prices, DEFAULT_PRICES);
        });
    });

    describe("html", () => {
        const html = renderHtml([{ file: "/tmp/both.json", results: armVsAmd(true) }]);
        it("is self-contained: no scripts, stylesheets or images fetched from anywhere", () => {
            assert.ok(!/<script|<link|<img|<iframe|url\(/i.test(html));
            assert.ok(!/\s(src|href)=/i.test(html));
        });
        it("draws one series per run in each latency chart, and the utilisation and capacity charts", () => {
            for (const chart of ["cdf-books", "p99-books", "cdf-prime", "capacity-GET-api-books-capacity", "util-cpu", "util-memory"]) {
                const m = new RegExp(`<svg[^>]*data-chart="${chart}"[\\s\\S]*?</svg>`).exec(html);
                assert.ok(m, `chart ${chart} is missing`);
                const series = m[0].match(/<path class="series"/g) ?? [];
                assert.strictEqual(series.length, chart.startsWith("util") ? 2 : 2, `${chart}: ${series.length} series`);
            }
            assert.ok(html.includes('data-series="arm64"') && html.includes('data-series="amd64"'));
        });
        it("escapes text from the results", () => {
            const run = { ...fixtureRun({ label: "<b>x</b>", architecture: "arm64", slowdown: 1, capacityRates: [1], capacityP99s: [1] }) };
            const page = renderHtml([{ file: "e.json", results: fixtureResults([run]) }]);
            assert.ok(!page.includes("<b>x</b>") && page.includes("&lt;b&gt;x&lt;/b&gt;"));
        });
    });

    describe("report-cli and results files", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-report-"));
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("rebuilds the report from one saved run, beside it", () => {
            const file = path.join(dir, "run.json");
            writeResults(file, armVsAmd());
            assert.deepStrictEqual(readResults(file), JSON.parse(JSON.stringify(armVsAmd())));
            const written = reportMain([file], () => undefined);
            assert.deepStrictEqual(written, { markdown: path.join(dir, "run.md"), html: path.join(dir, "run.html") });
            assert.strictEqual(fs.readFileSync(path.join(dir, "run.md"), "utf8"), renderMarkdown([{ file, results: armVsAmd() }]));
        });

        it("compares two saved runs side by side", () => {
            const [arm, amd] = armVsAmd().runs;
            writeResults(path.join(dir, "a.json"), fixtureResults([arm]));
            writeResults(path.join(dir, "b.json"), fixtureResults([amd]));
            reportMain([path.join(dir, "a.json"), path.join(dir, "b.json"), "--out", path.join(dir, "cmp")], () => undefined);
            const md = fs.readFileSync(path.join(dir, "cmp.md"), "utf8");
            assert.ok(md.startsWith("# ARM64 vs AMD64 benchmark: arm64 vs amd64"), md.slice(0, 200));
            assert.ok(md.includes("| GET /api/books | 180 s | 50/s | 100 / 100 | 50.5 / 95.0 / 99.0 | 101.0 / 190.0 / 198.0 | -50.0% / -50.0% |"));
        });

        it("tells two runs with the same label apart by their file names", () => {
            const local = fixtureRun({ label: "local-amd64", architecture: "amd64", mode: "local", slowdown: 1, capacityRates: [50], capacityP99s: [10] });
            writeResults(path.join(dir, "monday.json"), fixtureResults([local]));
            writeResults(path.join(dir, "tuesday.json"), fixtureResults([{ ...local, capacity: [] }]));
            reportMain([path.join(dir, "monday.json"), path.join(dir, "tuesday.json"), "--out", path.join(dir, "cmp")], () => undefined);
            const md = fs.readFileSync(path.join(dir, "cmp.md"), "utf8");
            assert.ok(md.includes("| local-amd64 (monday) mean / p95 / p99 ms | local-amd64 (tuesday) mean / p95 / p99 ms | local-amd64 (tuesday) vs local-amd64 (monday), mean / p99 |"), md);
            assert.ok(md.includes("Verdict (local-amd64 (tuesday) against local-amd64 (monday), same architecture):"), md);
            assert.ok(md.includes("GET /api/books capacity: local-amd64 (tuesday) did not run this search, so no local-amd64 (tuesday)/local-amd64 (monday) ratio; local-amd64 (monday) held at least 50.0/s per task"), md);
        });

        it("refuses a malformed results file with a clear error and writes no report", () => {
            const good = path.join(dir, "good.json");
            writeResults(good, armVsAmd());
            const cases: [string, string, RegExp][] = [
                ["notjson.json", "{ not json", /notjson\.json: is not valid JSON/],
                ["format.json", JSON.stringify({ format: "other" }), /format\.json: format is "other", expected "dotnet-fargate-bench\/2"/],
                [
                    "truncated.json",
                    JSON.stringify({ ...armVsAmd(), runs: [{ ...armVsAmd().runs[0], scenarios: [{ id: "books", name: "x", summary: { requests: "many" } }] }] }),
                    /truncated\.json: runs\[0\]\.scenarios\[0\]\.summary\.requests must be a number, got "many"/,
                ],
                ["noarch.json", JSON.stringify({ ...armVsAmd(), runs: [{ ...armVsAmd().runs[0], architecture: "x86" }] }), /runs\[0\]\.architecture is "x86", expected arm64 or amd64/],
            ];
            for (const [name, content, error] of cases) {
                fs.writeFileSync(path.join(dir, name), content);
                assert.throws(() => reportMain([good, path.join(dir, name), "--out", path.join(dir, "out")], () => undefined), error);
            }
            assert.throws(() => reportMain([path.join(dir, "absent.json")], () => undefined), /absent\.json: cannot be read \(ENOENT\)/);
            assert.throws(() => reportMain([], () => undefined), /Give at least one results file/);
            assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => !f.endsWith(".json")), []);
        });

        it("validates in memory too", () => {
            assert.throws(() => validateResults("x", []), /Results file x: expected a JSON object/);
        });
    });
});

describe("bench report: verdict against the noise, hints, capacity charts", () => {
    const twoRuns = (armRepeats: (number | null)[] | undefined, amdRepeats: (number | null)[] | undefined) =>
        fixtureResults([
            fixtureRun({ label: "arm64", architecture: "arm64", slowdown: 1, capacityRates: [50, 100, 150], capacityP99s: [20, 150, 900], repeats: armRepeats }),
            fixtureRun({ label: "amd64", architecture: "amd64", slowdown: 2, capacityRates: [40, 80, 120], capacityP99s: [40, 180, 1500], repeats: amdRepeats }),
        ]);
    const verdictOf = (results: ReturnType<typeof fixtureResults>) => {
        const model = buildReport([{ file: "v.json", results }]);
        return model.sections[0].blocks.filter((b) => b.kind === "p" && b.verdict).map((b) => (b as { text: string }).text);
    };

    it("says the difference is larger than the noise when the repetitions do not overlap", () => {
        const [sentence] = verdictOf(twoRuns([95, 100], [80, 82]));
        assert.ok(sentence.startsWith("GET /api/books capacity: arm64 is 36.0% cheaper per million requests than amd64 ($0.0549 against $0.0857)"), sentence);
        assert.ok(sentence.includes("(capacity ratio 1.25x, cost ratio 0.64x)"), sentence);
        assert.ok(
            sentence.includes("the difference is larger than the run-to-run noise measured in this run (arm64 95.0-100.0/s per task over 2 repetitions, amd64 80.0-82.0/s per task over 2 repetitions)"),
            sentence,
        );
        const md = renderMarkdown([{ file: "r.json", results: twoRuns([95, 100], [80, 82]) }]);
        assert.ok(md.includes("| measured | min 95.0, max 100.0 (2 runs) |"), md);
        // Of two, the steps and the headline are one repetition's, and the text says which: the lower.
        assert.ok(md.includes("2 repetitions held 95/s, 100/s (the steps shown are the lower of the two middle one's)"), md);
        assert.ok(!md.includes("the steps shown are the median one's"), md);
    });

    it("says the difference is within the noise when the repetitions overlap", () => {
        const [sentence] = verdictOf(twoRuns([60, 100], [80, 82]));
        assert.ok(sentence.includes("the difference is within the run-to-run noise measured in this run (arm64 60.0-100.0/s per task over 2 repetitions"), sentence);
        assert.ok(sentence.includes("so on this evidence the two are alike"), sentence);
    });

    it("separates capacity from cost when the price difference decides", () => {
        // Same capacity within the noise; arm64's lower task price makes its cost per million 20% lower, beyond it.
        const same = (label: string, architecture: "arm64" | "amd64") =>
            fixtureRun({ label, architecture, slowdown: 1, capacityRates: [40, 80, 120], capacityP99s: [40, 180, 1500], repeats: [80, 82] });
        const [sentence] = verdictOf(fixtureResults([same("arm64", "arm64"), same("amd64", "amd64")]));
        assert.ok(sentence.includes("the capacity difference is within the run-to-run noise") && sentence.includes("but the cost difference is larger than it: the price difference decides"), sentence);
    });

    it("weighs a bound only when it cannot close the gap: a higher 'at least' still beats the noise, a lower one is not weighed", () => {
        // arm64 held every step up to its upper bound (at least 150/s per task); amd64 was measured at 80.
        const armBound = fixtureRun({ label: "arm64", architecture: "arm64", slowdown: 1, capacityRates: [50, 100, 150], capacityP99s: [20, 30, 40], repeats: [150, 150] });
        const [higher] = verdictOf(fixtureResults([armBound, twoRuns(undefined, [80, 82]).runs[1]]));
        assert.ok(higher.includes("(arm64: a bound, not a measurement") && higher.includes("the difference is larger than the run-to-run noise"), higher);
        // Now amd64, the lower side, is the bound: its capacity could be anything above, so no judgement.
        const amdBound = fixtureRun({ label: "amd64", architecture: "amd64", slowdown: 1, capacityRates: [20, 40], capacityP99s: [20, 30], repeats: [40, 40] });
        const [lower] = verdictOf(fixtureResults([twoRuns([95, 100], undefined).runs[0], amdBound]));
        assert.ok(lower.includes("the lower side is a bound, not a measurement, so the difference cannot be weighed against the noise"), lower);
    });

    it("judges the noise by a stated rule: both measured twice, ranges apart, medians beyond the search's resolution", () => {
        const none = { a: false, b: false };
        assert.strictEqual(judgeNoise([100, 104], [90, 95], 0.05, none), "beyond");
        assert.strictEqual(judgeNoise([100, 104], [95, 101], 0.05, none), "within", "overlapping ranges");
        assert.strictEqual(judgeNoise([100, 100], [97, 97], 0.05, none), "within", "apart, but within the search's 5% resolution");
        assert.strictEqual(judgeNoise([100], [50, 51], 0.05, none), "unmeasured");
        assert.strictEqual(judgeNoise([100, 104], [50, 51], 0.05, { a: false, b: true }), "bound", "the lower side is only 'at least'");
        assert.strictEqual(judgeNoise([100, 104], [50, 51], 0.05, { a: true, b: false }), "beyond", "the higher side being 'at least' only widens the gap");
    });

    it("never leaves the verdict or the ratio column empty: a missing figure says why", () => {
        const results = fixtureResults([
            fixtureRun({ label: "arm64", architecture: "arm64", slowdown: 1, capacityRates: [50], capacityP99s: [900] }),
            fixtureRun({ label: "amd64", architecture: "amd64", slowdown: 1, capacityRates: [50, 100], capacityP99s: [10, 900] }),
        ]);
        const [sentence] = verdictOf(results);
        assert.ok(sentence.startsWith("GET /api/books capacity: no rate held on arm64, so no arm64/amd64 ratio; amd64 held 50.0/s per task, $0.1371 per million requests"), sentence);
        const md = renderMarkdown([{ file: "n.json", results }]);
        const headline = md.slice(md.indexOf("| run | architecture | endpoint | capacity per task"), md.indexOf("## What was measured"));
        assert.ok(headline.includes("| none: no rate held on arm64 |") && headline.includes("| the baseline (arm64 is compared with it) |"), headline);
        assert.ok(!/\| +\|/.test(headline), `an empty cell: ${headline}`);
        const empty = verdictOf(fixtureResults([{ ...results.runs[0], capacity: [] }]));
        assert.deepStrictEqual(empty.length, 1);
        assert.ok(empty[0].startsWith("No capacity was measured, so there is no price-performance verdict. For your own service run a capacity search"), empty[0]);
    });

    it("names the step outcomes: latency, errors, admission 503s, client-bound", () => {
        const run = fixtureRun({
            label: "arm64",
            architecture: "arm64",
            slowdown: 1,
            capacityRates: [10, 20, 30, 40, 50],
            capacityP99s: [10, 900, 10, 10, 10],
            capacityFailures: [undefined, undefined, "errors", "admission", "client-bound"],
        });
        assert.deepStrictEqual(run.capacity[0].steps.map(stepOutcome), ["held", "latency", "errors", "admission 503s", "client-bound"]);
    });

    describe("hints that apply to the run", () => {
        const clientBound = (mode: "local" | "stack") => {
            const run = fixtureRun({ label: mode === "local" ? "local-amd64" : "amd64", architecture: "amd64", mode, slowdown: 1, capacityRates: [50, 100], capacityP99s: [10, 10], capacityFailures: [undefined, "client-bound"] });
            return { ...run, capacity: [{ ...run.capacity[0], stoppedBecause: "client-bound" as const, clientBoundAtRps: 80 }] };
        };
        it("a local run gets no --count, --engine or NAT advice", () => {
            const md = renderMarkdown([{ file: "l.json", results: { ...fixtureResults([clientBound("local")]), command: "npm run bench -- --local", engine: "local" } }]);
            assert.ok(md.includes("client-bound at 80.0/s: the load generator, sharing this machine with the services, could not send more"), md);
            for (const hint of ["--count", "--engine", "on Fargate", "on AWS", "NAT gateway between", "npm run bench -- --stacks", "ECS:"]) {
                assert.ok(!md.includes(hint), `${hint} in a local report`);
            }
        });
        it("a stack run with the local engine is told to load from Fargate; with the Fargate engine, to raise --count", () => {
            const local = renderMarkdown([{ file: "s.json", results: { ...fixtureResults([clientBound("stack")]), engine: "local" } }]);
            assert.ok(local.includes("run the load from Fargate (--engine fargate --count <workers>)") && !local.includes("raise --count"), local);
            const fargate = renderMarkdown([{ file: "f.json", results: { ...fixtureResults([clientBound("stack")]), engine: "fargate" } }]);
            assert.ok(fargate.includes("raise --count (more Artillery workers)") && !fargate.includes("--engine fargate --count"), fargate);
            // Older results without the field: the command line tells.
            const old = renderMarkdown([{ file: "o.json", results: { ...fixtureResults([clientBound("stack")]), command: "npm run bench -- --stacks amd64 --engine fargate --count 2" } }]);
            assert.ok(old.includes("raise --count"), old);
        });
        it("checks the engine a results file records", () => {
            assert.throws(() => validateResults("e.json", { ...armVsAmd(), engine: "cloud" }), /e\.json: engine is "cloud", expected "local" or "fargate"/);
        });
    });

    describe("capacity charts", () => {
        const bisected = bisectedArm64();
        const html = renderHtml([{ file: "c.json", results: fixtureResults([bisected]) }]);
        const chart = /<svg[^>]*data-chart="capacity-GET-api-books-capacity"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? "";

        it("draws the steps in rate order, each with the marker of its outcome and a legend of the outcomes", () => {
            const d = /<path class="series"[^>]* d="([^"]+)"/.exec(chart)?.[1] ?? "";
            const xs = [...d.matchAll(/[ML]([\d.]+) /g)].map((m) => Number(m[1]));
            assert.strictEqual(xs.length, 5, d);
            assert.deepStrictEqual(xs, [...xs].sort((a, b) => a - b), `x must rise along the line: ${d}`);
            const marks = [...chart.matchAll(/<g class="mark"[^>]*data-mark="([^"]+)" data-x="([^"]+)"/g)].map((m) => [Number(m[2]), m[1]]);
            assert.deepStrictEqual(marks, [
                [50, "held"],
                [75, "held"],
                [81, "held"],
                [87, "admission 503s"],
                [100, "latency"],
            ]);
            const legend = [...chart.matchAll(/<g class="marker-legend" data-mark="([^"]+)"/g)].map((m) => m[1]);
            assert.deepStrictEqual(legend, ["held", "latency", "admission 503s"], "the legend names the outcomes drawn, only those");
        });

        it("lists the steps in rate order with the order they were tried and why each failed", () => {
            const md = renderMarkdown([{ file: "c.json", results: fixtureResults([bisected]) }]);
            const rows = md.split("\n").filter((l) => /^\| arm64 \| \d+\/s \|/.test(l)).map((l) => l.split(" | ").slice(1, 3).join(" tried "));
            assert.deepStrictEqual(rows, ["50/s tried 1", "75/s tried 3", "81/s tried 5", "87/s tried 4", "100/s tried 2"]);
            assert.ok(md.includes("| 10.00% (200: 90, 503: 10) | failed: admission 503s (error rate 10.00% > 1.00%) |"), md);
            assert.ok(md.includes("| failed: latency (p99 900.0 ms > 200 ms) |"), md);
        });

        it("gives a sentence, not an empty chart, for a search without steps or a test without responses", () => {
            const stepless = { ...bisected, capacity: [{ ...bisected.capacity[0], steps: [], highestRateHeld: null, stoppedBecause: "failed step" as const }] };
            const books = fixtureScenario("books", "/api/books", 10, 5, [1], 0);
            const silent = { ...books, summary: { ...books.summary, responses: 0, latency: null }, quantilesMs: [], perPeriod: [] };
            const run = { ...stepless, scenarios: [silent] };
            const model = buildReport([{ file: "e.json", results: fixtureResults([run]) }]);
            const page = htmlOf(model);
            assert.ok(!page.includes("no data"), "no empty chart frame");
            assert.ok(!page.includes('data-chart="capacity-'), "no capacity chart without steps");
            assert.ok(page.includes("No step of this search was recorded, so there is no table or chart of it."), page);
            assert.ok(page.includes("No latency distribution of GET /api/books was recorded (no response was measured), so there is no chart of it."), page);
        });
    });
});

describe("bench report model", () => {
    const both = [{ file: "/tmp/both.json", results: armVsAmd(true) }];

    it("builds the sections once, in order, and both renderings show the same sections from that model", () => {
        const model = buildReport(both);
        const headings = model.sections.map((x) => x.heading);
        assert.deepStrictEqual(headings, [
            "Verdict",
            "What was measured",
            "Side by side (the seed's table)",
            "Per endpoint",
            "CPU and memory during the test",
            "Capacity",
            "Price-performance",
            "Task size",
        ]);
        const md = markdownOf(model);
        const html = htmlOf(model);
        assert.deepStrictEqual([...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]), headings);
        assert.deepStrictEqual([...html.matchAll(/<h2>(.+?)<\/h2>/g)].map((m) => m[1].replace(/&#39;|&apos;/g, "'")), headings);
        // Every chart of the model is drawn in the HTML and named in the Markdown.
        const charts = model.sections.flatMap((x) => x.blocks).filter((b) => b.kind === "chart");
        assert.ok(charts.length >= 4);
        assert.strictEqual((html.match(/<figure><svg/g) ?? []).length, charts.length);
        assert.strictEqual((md.match(/^_Chart in the HTML report: /gm) ?? []).length, charts.length);
        assert.strictEqual(renderMarkdown(both), md);
        assert.strictEqual(renderHtml(both), html);
    });

    it("leaves out the section of other fixed-rate tests when there is none, and shows it when there is", () => {
        const run = fixtureRun({ label: "arm64", architecture: "arm64", slowdown: 1, capacityRates: [10, 20], capacityP99s: [50, 500] });
        const echo = { ...fixtureScenario("echo", "/echo/hello", 4, 5, [1, 2, 3], 5), name: "GET /echo/hello" };
        const headings = (runs: typeof run[]) => buildReport([{ file: "x.json", results: fixtureResults(runs) }]).sections.map((x) => x.heading);
        assert.ok(!headings([run]).includes("Side by side: other fixed-rate tests (not in the seed)"));
        assert.ok(headings([{ ...run, scenarios: [...run.scenarios, echo] }]).includes("Side by side: other fixed-rate tests (not in the seed)"));
    });

    it("writes the Markdown and the HTML of one model", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-model-"));
        try {
            const written = writeReports(both, path.join(dir, "r"));
            const model = buildReport(both);
            assert.strictEqual(fs.readFileSync(written.markdown, "utf8"), markdownOf(model));
            assert.strictEqual(fs.readFileSync(written.html, "utf8"), htmlOf(model));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
