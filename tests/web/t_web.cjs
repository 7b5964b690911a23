// t_web.cjs - the browser half of tests/integration/t_web.sh: Debian's
// chromium, headless, driven by playwright-core.  Exits non-zero with
// the reason on the first check that fails.
"use strict";
const { chromium } = require("playwright-core");

const URL = process.env.OSM_URL, SURL = process.env.OSM_SURL;
const ID = process.env.OSM_ID, SHOTS = process.env.OSM_SHOTS;
const widths = [["desktop", 1280, 900], ["narrow", 390, 844]];

function check(ok, what) {
	if (!ok)
		throw new Error(what);
	console.log("ok: " + what);
}

async function shots(page, name) {
	for (const [w, width, height] of widths) {
		await page.setViewportSize({ width, height });
		await page.screenshot({ path: `${SHOTS}/${name}-${w}.png`, fullPage: true });
	}
	await page.setViewportSize({ width: 1280, height: 900 });
}

async function main() {
	const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
		args: ["--no-sandbox", "--disable-gpu"] });
	const page = await browser.newPage();
	const dialogs = [], errors = [];
	page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
	page.on("pageerror", (e) => errors.push(String(e)));
	// a failed load is judged by its response below (the error page's 400 is meant)
	page.on("console", (m) => { if (m.type() === "error" && !/^Failed to load resource/.test(m.text())) errors.push(m.text()); });
	page.on("response", (r) => { if (r.status() >= 400 && /asset=/.test(r.url())) errors.push(r.status() + " " + r.url()); });

	// Dashboard, inside WHM's chrome
	await page.goto(URL);
	check(await page.title() === "WHM - osm: Dashboard", "the chrome's title placeholder replaced");
	check(await page.textContent("#whm-user") === "root", "the chrome's user placeholder replaced");
	check(await page.getAttribute("#whm-home", "href") === "/cpsess4815162342/", "the chrome's cpsess placeholder");
	check(await page.evaluate(() => window.COMMON && window.COMMON.securityToken) === "/cpsess4815162342",
		"the chrome's inline script ran with the CSP nonce");
	check(/running/.test(await page.textContent("#health .osm-card:first-child")), "osm-policyd shown running");
	check(/reachable/.test(await page.textContent("#health")), "Redis shown reachable");
	const bars = await page.$$eval("#chart-reports rect", (r) => r.map((x) => +x.dataset.n));
	check(bars.length === 24 && bars[23] === 2, "the chart's last hour holds the 2 reports: " + bars);
	check(/alice/.test(await page.textContent("#top")) && /bob/.test(await page.textContent("#top")),
		"both senders among the most reported");
	check(await page.$$eval("#reports tbody tr", (r) => r.length) === 2, "2 latest reports on the dashboard");
	await shots(page, "dashboard");

	// Reports list: columns, then a filter
	await page.click("nav a[href='?page=reports']");
	const heads = await page.$$eval("#reports thead th", (h) => h.map((x) => x.textContent));
	check(heads.join(",") === "Time,Event,Sender,Count,Source,Actions,Verdict", "the list's columns: " + heads);
	const row = await page.$$eval("#reports tbody tr", (rows) => rows.map((r) =>
		Array.from(r.cells).map((c) => c.textContent.trim())).find((c) => c[2] === "alice"));
	check(row && row[1] === "logline" && row[3] === "6 > 5 / 600 s" && /store,hold/.test(row[5])
		&& row[6] === "HOLD account:alice", "alice's row: " + row);
	await shots(page, "reports");
	await page.selectOption("select[name=type]", "delivery");
	await page.click(".osm-filter button");
	check(await page.$("#reports") === null && /No reports/.test(await page.textContent("main")),
		"the event filter: no delivery reports");
	await page.goto(URL + "?page=reports&tag=bob");
	check(await page.$$eval("#reports tbody tr", (r) => r.length) === 1, "the account filter: bob's one report");

	// A report: hostile subjects shown as text, no dialog
	await page.click("#reports tbody tr a[href*='page=report&']");
	const subj = await page.textContent("#events tbody tr td.osm-subject");
	check(subj === "\"><img src=x onerror=alert(1)>", "bob's subject shown as text: " + subj);
	check(await page.$("img[src=x]") === null, "no element made from a subject");
	await shots(page, "report-bob");
	await page.goto(URL + "?page=report&id=" + ID);
	check(await page.textContent("#events tbody tr td.osm-subject") === "<script>alert(1)</script>",
		"alice's subject shown as text");
	await shots(page, "report-alice");

	// Release the hold from the UI
	await page.click("#release");
	const notice = await page.textContent(".osm-notice");
	check(/^Released account:alice; no frozen messages/.test(notice), "the release's result: " + notice);
	check(/is not held now/.test(await page.textContent("main")) && await page.$("#release") === null,
		"the report now shows alice not held");
	await shots(page, "report-released");
	await page.goto(URL);
	check(/root\s*Released account:alice/.test(await page.textContent("#audit")), "the release in the dashboard's audit list");

	// an error page, and the standalone frame (its own header, basic auth)
	await page.goto(URL + "?page=report&id=zz-not-an-id");
	check(/not a report id/.test(await page.textContent("main")), "a bad id gets a clear error");
	await shots(page, "error");
	const ctx = await browser.newContext({ httpCredentials: { username: "admin", password: "secret1" } });
	const sp = await ctx.newPage();
	sp.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
	await sp.goto(SURL);
	check(await sp.textContent(".osm-user") === "admin" && await sp.$("#whm-masthead") === null,
		"standalone: osm's own frame, the web server's user");
	await shots(sp, "standalone-dashboard");
	await sp.goto(SURL + "?page=report&id=" + ID);
	await shots(sp, "standalone-report");

	check(dialogs.length === 0, "no dialog opened: " + dialogs);
	check(errors.length === 0, "no script error or CSP violation: " + errors);
	await browser.close();
}

main().catch((e) => { console.error("FAIL: " + e.message); process.exit(1); });
