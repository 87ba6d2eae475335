// Browser test of a real site's web pages (no --demo): the formulary page and the order form.
// The site is made from an empty data directory with the CLI (users; the test site formulary of
// tests/data/site_formulary with the recipe's min_dose lowered to 1 mg, so that a 2 mg dose gives the
// plan's BALANCE_CANNOT_VERIFY warning), then `admix serve` on loopback and Playwright driving
// Debian's Chromium. Formulary: search; one bad field is refused naming the field and nothing is
// stored; a draft is signed in with the pharmacist's password; the history shows it; a draft
// recipe is approved; a technician sees the formulary and cannot change or approve anything.
// Orders: an order is entered and listed, a blocking plan flag refuses with its words, a warning
// needs the acknowledgement box, a duplicate id is refused, a cancel needs a reason. What the
// station stored is read back with the CLI. Exit 77 (CTest: skipped) only when Chromium or
// node_modules are missing.
import { spawn, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const admix = args.admix;
const shots = args.screenshots;
const nodeModules = args["node-modules"];
const siteFormulary = args.formulary;
const part = args.part; // "formulary" or "orders": two tests, each on its own site, each well under a minute
const chromiumPath = "/usr/bin/chromium";

if (!fs.existsSync(chromiumPath)) { console.log("SKIP: " + chromiumPath + " is missing (scripts/setup.sh installs chromium)"); process.exit(77); }
if (!fs.existsSync(path.join(nodeModules, "playwright-core"))) { console.log("SKIP: " + nodeModules + "/playwright-core is missing (scripts/setup.sh runs npm ci in assets/web)"); process.exit(77); }
if (!admix || !fs.existsSync(admix)) { console.error("FAIL: no admix executable given (--admix)"); process.exit(1); }
if (part !== "formulary" && part !== "orders") { console.error("FAIL: --part must be formulary or orders"); process.exit(1); }

const require = createRequire(path.join(nodeModules, "noop.js"));
const { chromium } = require("playwright-core");

fs.mkdirSync(shots, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), "admix-web-site-"));
const dataDir = path.join(work, "data");
const profileDir = path.join(work, "profile");
const env = Object.assign({}, process.env, { XDG_DATA_HOME: path.join(work, "xdg"), XDG_CONFIG_HOME: path.join(work, "config") });
let server, context, failed = false;
const t0 = Date.now();
const log = (m) => console.log(((Date.now() - t0) / 1000).toFixed(1).padStart(6) + "s  " + m);
function check(cond, message) { if (!cond) throw new Error("check failed: " + message); log("ok: " + message); }
const password = (user) => user + " password 1";

function cli(argv, input = "") {
  return execFileSync(admix, ["--data-dir", dataDir, ...argv], { encoding: "utf8", input, env });
}

const versionCount = () => (cli(["formulary", "history"]).match(/^v[0-9]+ /gm) || []).length;

function makeSite() {
  cli(["users", "add", "--username", "admin", "--name", "Admin", "--role", "admin", "--password"], password("admin") + "\n");
  for (const [user, name, role] of [["rph", "R. Pharm", "pharmacist"], ["tech", "T. Tech", "technician"]])
    cli(["users", "add", "--username", user, "--name", name, "--role", role, "--password", "--admin", "admin"], password(user) + "\n" + password("admin") + "\n");
  const dir = path.join(work, "formulary");
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(siteFormulary, "products.toml"), path.join(dir, "products.toml"));
  const recipes = fs.readFileSync(path.join(siteFormulary, "recipes.toml"), "utf8");
  if (!/^min_dose = 10$/m.test(recipes)) throw new Error("the site formulary's recipe has no 'min_dose = 10' line to lower");
  fs.writeFileSync(path.join(dir, "recipes.toml"), recipes.replace(/^min_dose = 10$/m, "min_dose = 1"));
  cli(["formulary", "import", dir, "--pharmacist", "rph"], password("rph") + "\n");
}

function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(admix, ["--data-dir", dataDir, "serve", "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    const timer = setTimeout(() => reject(new Error("admix serve did not start within 60 s:\n" + out)), 60000);
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/serving (https:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.stderr.on("data", (d) => { out += d; process.stderr.write(d); });
    server.on("exit", (code) => { clearTimeout(timer); reject(new Error("admix serve exited with " + code + ":\n" + out)); });
  });
}

async function signIn(page, base, user) {
  await page.goto(base + "/login.html");
  await page.fill("#username", user);
  await page.fill("#password", password(user));
  await page.click("#signin");
}
async function signOut(page) {
  await page.click("#signout");
  await page.waitForURL("**/login.html");
}
// Polls from the test (the pages' CSP forbids the string evaluation of page-side polling).
async function until(fn, what, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error("timed out waiting until " + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const count = async (page, sel) => (await page.$$(sel)).length;
async function message(page, text) {
  await page.locator("#message", { hasText: text }).waitFor({ timeout: 15000 });
  return page.textContent("#message");
}
// A POST from the page with the session's own CSRF token (what a hand-made request would send).
async function postFromPage(page, url, body) {
  return page.evaluate(async ([u, b]) => {
    const s = await (await fetch("/api/v1/session")).json();
    const r = await fetch(u, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf }, body: JSON.stringify(b) });
    return { status: r.status, body: await r.text() };
  }, [url, body]);
}

try {
  makeSite();
  check(cli(["formulary", "list"]).includes("draft"), "the imported recipe is a draft before the web approves it");
  if (part === "orders") cli(["formulary", "approve", "famotidine-ns-50", "--pharmacist", "rph"], password("rph") + "\n");
  const base = await startServer();
  log("server " + base + " (data " + dataDir + ")");
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath, headless: true, ignoreHTTPSErrors: true,
    viewport: { width: 1366, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] || await context.newPage();
  page.on("pageerror", (e) => { console.error("page error: " + e.message); failed = true; });

  if (part === "formulary") {
    // [SECTION] formulary: search
    await signIn(page, base, "rph");
    await page.waitForURL("**/queue.html");
    await page.goto(base + "/formulary.html");
    await page.waitForSelector("#products tbody tr[data-product]");
    check((await page.$$("#products tbody tr[data-product]")).length === 2, "both products are listed");
    await page.fill("#search", "88888-101");
    await until(async () => (await count(page, "#products tbody tr[data-product]")) === 1, "one product matches");
    check((await page.getAttribute("#products tbody tr[data-product]", "data-product")) === "famotidine-10mg-ml", "searching by NDC finds the famotidine vial");
    await page.fill("#search", "no such drug");
    await page.locator("#products tbody", { hasText: "No product matches" }).waitFor();
    check(true, "a search with no match says so");
    await page.fill("#search", "famotidine");
    await until(async () => (await count(page, "#products tbody tr[data-product]")) === 1 && (await count(page, "#recipes tbody tr[data-recipe]")) === 1, "famotidine matches");
    check((await page.textContent("#recipes tbody tr[data-recipe] td.state")) === "draft", "the recipe is listed as draft");
    await page.screenshot({ path: path.join(shots, "21-formulary-search.png"), fullPage: true });

    // [SECTION] formulary: one bad field is refused, naming the field; nothing is stored
    await page.click('button[data-open-product="famotidine-10mg-ml"]');
    await page.waitForSelector("#editor:not([hidden]) #f-density_g_ml");
    check((await page.inputValue("#f-density_g_ml")) === "1.006", "the editor shows the stored density as written");
    check((await page.inputValue("#f-ndc")) === "88888-101-20", "the editor shows the NDC");
    await page.fill("#f-density_g_ml", "heavy");
    await page.fill("#f-unit_cost", "4.10");
    await page.click("#save-draft");
    const bad = await message(page, "density_g_ml");
    check(bad.includes("must be a number") && bad.includes("nothing was stored"), "the validator's error names the field: " + bad);
    check((await page.getAttribute("#f-density_g_ml", "aria-invalid")) === "true", "the bad field is marked");
    await page.screenshot({ path: path.join(shots, "22-formulary-bad-field.png"), fullPage: true });
    check(await page.isHidden("#drafts-section"), "no draft was made");
    check(versionCount() === 1, "the station still has one formulary version");

    // [SECTION] formulary: a good edit is a draft until signed
    await page.fill("#f-density_g_ml", "1.01");
    await page.selectOption("#f-schedule", "CIV");
    await page.click("#save-draft");
    await message(page, "Saved as draft");
    await page.waitForSelector("#drafts .draft[data-draft]");
    const draftId = await page.getAttribute("#drafts .draft[data-draft]", "data-draft");
    const draftText = await page.textContent(`#drafts .draft[data-draft="${draftId}"]`);
    check(draftText.includes("1.006 → 1.01") && draftText.includes("famotidine-ns-50 v1"), "the draft shows the change field by field and the recipe that goes back to draft");
    check(!cli(["formulary", "export", path.join(work, "export-1")]).includes("error") &&
          fs.readFileSync(path.join(work, "export-1", "products.toml"), "utf8").includes("density_g_ml = 1.006"), "the stored formulary is unchanged by the draft");
    await page.fill(`#draft-${draftId}-password`, "not my password");
    await page.click(`#draft-${draftId}-button`);
    check((await message(page, "e-signature refused")).length > 0, "a wrong password does not sign the draft");
    await page.fill(`#draft-${draftId}-comment`, "density measured on site");
    await page.fill(`#draft-${draftId}-password`, password("rph"));
    await page.click(`#draft-${draftId}-button`);
    check((await message(page, "stored as formulary version 2")).length > 0, "the signed draft is formulary version 2");
    await page.screenshot({ path: path.join(shots, "23-formulary-draft-signed.png"), fullPage: true });
    cli(["formulary", "export", path.join(work, "export-2")]);
    const exported = fs.readFileSync(path.join(work, "export-2", "products.toml"), "utf8");
    check(exported.includes("density_g_ml = 1.01\n") && exported.includes('schedule = "CIV"') && exported.includes("# A site formulary written for the site-setup tests"),
          "the station's formulary has the edit, and the file keeps its comments");

    // [SECTION] formulary: history shows who, when, what
    await page.waitForSelector('#versions tr[data-version="2"]');
    const v2 = await page.textContent('#versions tr[data-version="2"]');
    check(v2.includes("rph") && v2.includes("density_g_ml") && v2.includes("density measured on site"), "the history shows version 2 with its signer, meaning and changed fields");

    // [SECTION] formulary: approve the recipe with the e-signature
    const row = '#recipes tr[data-recipe="famotidine-ns-50"][data-version="1"]';
    await page.fill(`${row} input[type=password]`, password("rph"));
    await page.click(`${row} button[type=submit]`);
    await message(page, "famotidine-ns-50 v1 approved");
    await until(async () => (await page.textContent(row + " td.state")) === "approved", "the recipe shows approved");
    check(/famotidine-ns-50\s+v1\s+approved/.test(cli(["formulary", "list"])), "the station's record: famotidine-ns-50 v1 approved");
    check((await page.textContent("#recipe-states")).includes("approved"), "the recipe states history shows the approval");
    await page.screenshot({ path: path.join(shots, "24-formulary-history.png"), fullPage: true });

    // [SECTION] formulary: a technician views, cannot change or approve
    await signOut(page);
    await signIn(page, base, "tech");
    await page.waitForURL("**/formulary.html");
    await page.waitForSelector("#products tbody tr[data-product]");
    check(await page.isVisible("#view-only"), "the technician is told the page is view-only");
    check((await page.$$("#recipes form.sign")).length === 0 && (await page.$$("#drafts form.sign")).length === 0, "the technician gets no signing forms");
    await page.click('button[data-open-product="famotidine-10mg-ml"]');
    await page.waitForSelector("#editor:not([hidden]) #f-density_g_ml");
    check(await page.isDisabled("#f-density_g_ml") && await page.isHidden("#save-draft"), "the technician's editor is read-only");
    await page.screenshot({ path: path.join(shots, "25-formulary-technician.png"), fullPage: true });
    const techDraft = await postFromPage(page, "/api/v1/formulary/drafts", { kind: "product", id: "famotidine-10mg-ml", fields: { unit_cost: "1" } });
    check(techDraft.status === 403, "the technician's draft is refused (" + techDraft.status + ")");
    const techApprove = await postFromPage(page, "/api/v1/formulary/recipes/famotidine-ns-50/1/approve", { password: password("tech") });
    check(techApprove.status === 403, "a recipe approval by a technician is refused (" + techApprove.status + ")");
    check(versionCount() === 2, "nothing the technician sent was stored");
    const ordersForTech = await page.goto(base + "/orders.html");
    check(ordersForTech.status() === 403 && (await page.textContent("#refusal")).includes("pharmacist role"), "the order page answers a technician with a 403 page naming the pharmacist role");
  }

  if (part === "orders") {
    // [SECTION] orders: enter, list, refuse
    await signIn(page, base, "rph");
    await page.waitForURL("**/queue.html");
    await page.goto(base + "/orders.html");
    await page.waitForSelector("#recipe option[value='famotidine-ns-50']", { state: "attached" });
    async function fillOrder(id, dose) {
      await page.fill("#order-id", id);
      await page.fill("#mrn", "TEST-200001");
      await page.fill("#name", "TEST, PATIENT WEB");
      await page.fill("#birth-date", "1975-03-14");
      await page.selectOption("#sex", "female");
      await page.fill("#weight", "68");
      await page.fill("#height", "165");
      await page.selectOption("#recipe", "famotidine-ns-50");
      await page.fill("#dose", String(dose));
      await page.selectOption("#priority", "stat");
      await page.fill("#due", "2030-01-01T12:00");
      await page.fill("#prescriber", "Dr. Web Prescriber");
      await page.fill("#comment", "entered by the web test");
  }
  check((await page.textContent("#dose-unit")) === "mg", "the dose unit comes from the recipe");
  await fillOrder("WEB-0001", 20);
  await page.click("#enter-button");
  await message(page, "Entered order");
  await page.waitForSelector('#rows tr[data-order-id="WEB-0001"]');
  check((await page.textContent('#rows tr[data-order-id="WEB-0001"]')).includes("STAT"), "the entered order is listed with its priority");
  const shown = JSON.parse(cli(["--json", "order", "show", "WEB-0001"]));
  check(shown.status === "open" && shown.mrn === "TEST-200001" && shown.priority === "stat" && shown.entered_by === "rph" && shown.due === "2030-01-01T" + shown.due.slice(11),
        "the station's record: WEB-0001 open, stat, entered by rph");
  await page.screenshot({ path: path.join(shots, "26-order-entered.png"), fullPage: true });

  await fillOrder("WEB-0001", 20);
  await page.click("#enter-button");
  check((await message(page, "entered already")).includes("WEB-0001"), "the same order id is refused");
  check((await page.getAttribute("#order-id", "aria-invalid")) === "true", "the duplicate refusal marks the order id field");

  await fillOrder("WEB-0002", 400);
  await page.click("#enter-button");
  const blocked = await message(page, "DOSE_ABOVE_MAX");
  check(blocked.includes("400 mg is above the recipe's maximum of 40 mg"), "a blocking flag refuses the order with its words");
  await page.screenshot({ path: path.join(shots, "27-order-blocked.png"), fullPage: true });

  await page.fill("#weight", "heavy");
  await page.fill("#order-id", "WEB-0002");
  await page.fill("#dose", "20");
  await page.click("#enter-button");
  await message(page, "patient.weight_kg");
  check((await page.getAttribute("#weight", "aria-invalid")) === "true", "a bad weight is refused naming patient.weight_kg");

  await fillOrder("WEB-0003", 2);
  await page.click("#enter-button");
  await page.waitForSelector("#warnings-box:not([hidden])");
  check((await page.textContent("#warnings")).includes("BALANCE_CANNOT_VERIFY"), "the plan's warning is shown");
  check(await page.isDisabled("#enter-button"), "the order cannot be entered before the warning is acknowledged");
  await page.screenshot({ path: path.join(shots, "28-order-warning.png"), fullPage: true });
  await page.check("#ack-warnings");
  await page.click("#enter-button");
  check((await message(page, "Entered order")).includes("BALANCE_CANNOT_VERIFY"), "after the acknowledgement the order is entered and the warning recorded");
  check(!cli(["order", "list"]).includes("WEB-0002") && JSON.parse(cli(["--json", "order", "show", "WEB-0003"])).status === "open", "the station has WEB-0003 and no WEB-0002");

  // [SECTION] orders: cancel needs a reason
  const cancelRow = '#rows tr[data-order-id="WEB-0001"]';
  await page.click(`${cancelRow} button[data-cancel]`);
  await message(page, "Give the reason");
  await page.fill(`${cancelRow} input[data-cancel-reason]`, "entered twice by mistake");
  await page.click(`${cancelRow} button[data-cancel]`);
  await message(page, "Cancelled");
  const cancelled = JSON.parse(cli(["--json", "order", "show", "WEB-0001"]));
  check(cancelled.status === "cancelled" && cancelled.cancel_reason.startsWith("entered twice by mistake"), "the station's record: WEB-0001 cancelled with the reason");
  await until(async () => (await count(page, '#rows tr[data-order-id="WEB-0001"]')) === 0, "the cancelled order leaves the open list");
  await page.screenshot({ path: path.join(shots, "29-orders-after-cancel.png"), fullPage: true });
  }
  if (failed) throw new Error("a page reported a script error");
  log("PASS");
} catch (e) {
  console.error("FAIL: " + (e.stack || e.message));
  failed = true;
} finally {
  if (context) await context.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.removeAllListeners("exit");
    server.kill("SIGTERM");
    await new Promise((r) => { const t = setTimeout(() => { server.kill("SIGKILL"); r(); }, 5000); server.on("exit", () => { clearTimeout(t); r(); }); });
  }
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
