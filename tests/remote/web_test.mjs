// Browser test of the remote check and quality review: Playwright (playwright-core from npm) drives
// Debian's Chromium headless against `admix serve --demo` on loopback over HTTPS (self-signed).
// A pharmacist approves one preparation and rejects another (then the station's record is read back
// with `admix prep show`), quality staff open a room's plots, export CSV, close an excursion and open
// the printable report. Screenshots go to --screenshots. Exit 77 (CTest: skipped) only when Chromium
// or node_modules are missing.
import { spawn, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const admix = args.admix;
const shots = args.screenshots;
const nodeModules = args["node-modules"];
const chromiumPath = "/usr/bin/chromium";

if (!fs.existsSync(chromiumPath)) { console.log("SKIP: " + chromiumPath + " is missing (scripts/setup.sh installs chromium)"); process.exit(77); }
if (!fs.existsSync(path.join(nodeModules, "playwright-core"))) { console.log("SKIP: " + nodeModules + "/playwright-core is missing (scripts/setup.sh runs npm ci in assets/web)"); process.exit(77); }
if (!admix || !fs.existsSync(admix)) { console.error("FAIL: no admix executable given (--admix)"); process.exit(1); }

const require = createRequire(path.join(nodeModules, "noop.js"));
const { chromium } = require("playwright-core");

fs.mkdirSync(shots, { recursive: true });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "admix-web-data-"));
const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "admix-web-profile-"));
let server, context, failed = false;
const t0 = Date.now();
const log = (m) => console.log(((Date.now() - t0) / 1000).toFixed(1).padStart(6) + "s  " + m);
function check(cond, message) { if (!cond) throw new Error("check failed: " + message); log("ok: " + message); }

// A free loopback port for the HL7 listener that `serve` runs beside the web check ([hl7] enabled).
function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, "127.0.0.1", () => { const { port } = probe.address(); probe.close(() => resolve(port)); });
  });
}
const hl7Port = await freePort();
const hl7Dir = fs.mkdtempSync(path.join(os.tmpdir(), "admix-web-hl7-"));
const configFile = path.join(hl7Dir, "admix.toml");
fs.writeFileSync(configFile, "[hl7]\nenabled = true\nlisten_address = \"127.0.0.1\"\nport = " + hl7Port + "\n");

function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(admix, ["--data-dir", dataDir, "--config", configFile, "serve", "--demo", "--listen", "127.0.0.1:0"],
      { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error("admix serve did not start within 90 s:\n" + out)), 90000);
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/serving (https:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.stderr.on("data", (d) => { out += d; process.stderr.write(d); });
    server.on("exit", (code) => { clearTimeout(timer); reject(new Error("admix serve exited with " + code + ":\n" + out)); });
  });
}

function prepStatus(number) {
  const out = execFileSync(admix, ["--demo", "--data-dir", dataDir, "--json", "prep", "show", number], { encoding: "utf8" });
  return JSON.parse(out);
}

// page.waitForFunction polls by evaluating a string, which the pages' CSP (script-src 'self') refuses
// whenever the condition is not already true at the first look. This polls from here instead:
// page.evaluate runs the function through the DevTools protocol, which the CSP does not govern.
async function waitUntil(page, predicate, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(predicate))) {
    if (Date.now() > deadline) throw new Error("timed out waiting until " + what);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function signIn(page, base, user) {
  await page.goto(base + "/login.html");
  await page.fill("#username", user);
  await page.fill("#password", "admix-demo-" + user);
  await page.click("#signin");
}

try {
  const base = await startServer();
  log("server " + base + " (data " + dataDir + ")");
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath, headless: true, ignoreHTTPSErrors: true, acceptDownloads: true,
    viewport: { width: 1366, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] || await context.newPage();
  page.on("pageerror", (e) => { console.error("page error: " + e.message); failed = true; });

  // [SECTION] refused without a session
  await page.goto(base + "/queue.html");
  check(page.url().endsWith("/login.html"), "the queue without a session lands on the sign-in page");
  await page.fill("#username", "rph");
  await page.fill("#password", "wrong password");
  await page.click("#signin");
  await page.waitForSelector("#message:not(:empty)");
  check((await page.textContent("#message")).length > 0, "a wrong password is refused with a message");
  await page.screenshot({ path: path.join(shots, "01-login-refused.png") });

  // [SECTION] pharmacist
  await signIn(page, base, "rph");
  await page.waitForURL("**/queue.html");
  await page.waitForSelector("#rows tr[data-prep]");
  const numbers = await page.$$eval("#rows tr[data-prep]", (rows) => rows.map((r) => r.dataset.prep));
  check(numbers.length === 5, "the queue shows the 5 demo preparations awaiting check");
  check((await page.textContent("#rows tr:first-child td:first-child")).includes("STAT"), "STAT comes first");
  await page.screenshot({ path: path.join(shots, "02-queue.png"), fullPage: true });

  // A second tab keeps the queue open: it must update by itself after the decisions.
  const queueTab = await context.newPage();
  await queueTab.goto(base + "/queue.html");
  await queueTab.waitForSelector("#rows tr[data-prep]");

  const toApprove = numbers[0], toReject = numbers[2];
  await page.click(`a[data-prep="${toApprove}"]`);
  await page.waitForURL("**/prep.html?n=*");
  await page.waitForSelector("#photos img");
  await waitUntil(page, () => [...document.querySelectorAll("#photos img")].every((i) => i.complete && i.naturalWidth > 0), "the photos have loaded");
  check((await page.$$("#ingredients tbody tr")).length >= 1, "plan against measured has a row per weighed ingredient");
  check((await page.textContent("#ingredients tbody")).includes("PASS"), "the measured volume is judged against the tolerance band");
  check((await page.textContent("#order")).includes("DEMO, ALICE"), "the order shows the patient");
  await page.screenshot({ path: path.join(shots, "03-prep-before-approval.png"), fullPage: true });
  await page.click("#photos img");
  await page.waitForSelector("#viewer:not([hidden])");
  await page.click("#zoom-in");
  await page.click("#zoom-in");
  await page.screenshot({ path: path.join(shots, "04-photo-zoomed.png") });
  await page.keyboard.press("Escape");
  await page.fill("#approve-password", "admix-demo-rph");
  await page.click("#approve-button");
  await page.waitForSelector("#message.ok");
  check((await page.textContent("#message")).includes("released"), "the approval is confirmed on the page");
  await page.screenshot({ path: path.join(shots, "05-prep-approved.png"), fullPage: true });
  const approved = prepStatus(toApprove);
  check(approved.status === "released" && approved.checked_by === "rph", "the station's record: " + toApprove + " released by rph");

  // The override is highlighted on the preparation that needed one.
  await page.goto(base + "/prep.html?n=" + encodeURIComponent(numbers[1]));
  await page.waitForSelector(".override-box");
  check((await page.$$("#ingredients tr.override")).length === 1, "the overridden weighing is highlighted");
  // The audit trail in words: numbers as the label prints them (no float noise), refused attempts with their reason.
  await page.waitForSelector("#audit tbody tr");
  const auditText = await page.textContent("#audit tbody");
  check(!/\d\.\d{5,}/.test(auditText) && !auditText.includes("{"), "the audit trail has no raw JSON or float noise");
  check(auditText.includes("24.7 mL") && auditText.includes("27.3 mL"), "the audit trail writes the tolerance band in mL as the label does");
  const refusedRows = await page.$$eval("#refused tbody tr.refused", (rows) => rows.map((r) => r.textContent));
  check(refusedRows.length >= 1 && refusedRows[0].includes("TOO MUCH"), "the refused weighing is listed with its reason: " + refusedRows[0]);
  check((await page.$$("#audit tbody tr.refused")).length >= 1, "the refused attempt is marked in the audit trail");
  await page.screenshot({ path: path.join(shots, "06-prep-with-override.png"), fullPage: true });

  await page.goto(base + "/prep.html?n=" + encodeURIComponent(toReject));
  await page.waitForSelector("#reason-code option", { state: "attached" });
  await page.selectOption("#reason-code", "wrong_volume");
  await page.fill("#reason-text", "syringe in the photo does not match the measured volume");
  await page.check("input[name=disposition][value=waste]");
  await page.fill("#reject-password", "admix-demo-rph");
  await page.click("#reject-button");
  await page.waitForSelector("#message.ok");
  await page.screenshot({ path: path.join(shots, "07-prep-rejected.png"), fullPage: true });
  const rejected = prepStatus(toReject);
  check(rejected.status === "rejected" && rejected.check_reason.startsWith("wrong_volume"), "the station's record: " + toReject + " rejected (wrong_volume)");
  check(rejected.order.status === "cancelled", "waste closes the order");

  await waitUntil(queueTab, () => document.querySelectorAll("#rows tr[data-prep]").length === 3, "the open queue shows 3 preparations");
  check(true, "the open queue updated by itself to 3 preparations");
  await queueTab.screenshot({ path: path.join(shots, "08-queue-after-decisions.png"), fullPage: true });
  await queueTab.close();
  // A pharmacist opening the quality page gets a page (403) that names the role it needs.
  const refusedPage = await page.goto(base + "/quality.html");
  check(refusedPage.status() === 403 && (refusedPage.headers()["content-type"] || "").startsWith("text/html"), "the quality page answers a pharmacist with an HTML 403");
  check((await page.textContent("#refusal")).includes("quality role"), "the 403 page names the role needed");
  await page.screenshot({ path: path.join(shots, "08b-quality-refused-for-pharmacist.png") });
  await page.click("#home-link");
  await page.waitForURL("**/queue.html");
  await page.goto(base + "/queue.html");
  await page.click("#signout");
  await page.waitForURL("**/login.html");
  await page.goto(base + "/quality.html");
  check(page.url().endsWith("/login.html"), "after signing out the pages are refused");

  // [SECTION] orders not matched: an HL7 order (sent with python3-hl7's mllp_send) whose give code no
  // recipe is mapped to is held; a technician cannot open the page; a pharmacist maps it on the page
  // and it enters the queue.
  const heldFile = path.join(hl7Dir, "held.hl7");
  fs.writeFileSync(heldFile, ["MSH|^~\\&|PHARM|GENHOSP|ADMIX|IVROOM|20261121100000||RDE^O11^RDE_O11|WEB-HELD|P|2.5.1",
    "PID|1||MRN-WEB1^^^GENHOSP^MR||DEMO^WEBB||19700101|F", "PV1|1|I|ICU^12^B",
    "ORC|NW|PL-WEB1^PHARM||||||||||1234^SMITH^ANNA", "TQ1|1||||||||R",
    "RXE||ZOSYN45^Piperacillin-tazobactam 4.5 g^LOCAL|4.5||g", "RXR|IV"].join("\n") + "\n");
  const ackText = execFileSync("mllp_send", ["--loose", "-f", heldFile, "-p", String(hl7Port), "127.0.0.1"], { encoding: "latin1" });
  check(/MSA\|AE\|WEB-HELD/.test(ackText), "the order with an unmapped give code is answered AE and held");
  await signIn(page, base, "tech");
  await page.waitForURL("**/formulary.html"); // a technician lands on the formulary (view only)
  const techView = await page.goto(base + "/unmatched.html");
  check(techView.status() === 403, "a technician cannot open the orders not matched");
  await signIn(page, base, "rph");
  await page.waitForURL("**/queue.html");
  await page.goto(base + "/unmatched.html");
  await page.waitForSelector("#rows select");
  check((await page.textContent("#rows")).includes("ZOSYN45"), "the held order is listed with its give code");
  check((await page.textContent("#rows")).includes("DEMO, WEBB"), "and its patient");
  await page.selectOption("#rows tr:first-child select", "piperacillin-tazobactam-ns");
  await page.screenshot({ path: path.join(shots, "08b-orders-not-matched.png"), fullPage: true });
  await page.click("#rows tr:first-child button");
  await page.locator("#message", { hasText: "entered the queue" }).waitFor(); // (the page's CSP forbids eval)
  check((await page.textContent("#message")).includes("1 order(s) entered the queue"), "mapped: the order entered the queue");
  await page.locator("#rows td", { hasText: "Every order is matched" }).waitFor();
  check((await page.$$("#rows select")).length === 0, "nothing is left unmatched");
  await page.screenshot({ path: path.join(shots, "08c-orders-matched.png"), fullPage: true });
  const orders = execFileSync(admix, ["--demo", "--data-dir", dataDir, "--json", "order", "list"], { encoding: "utf8" })
    .trim().split("\n").map((l) => JSON.parse(l));
  const queued = orders.filter((o) => o.mrn === "MRN-WEB1");
  check(queued.length === 1 && queued[0].recipe === "piperacillin-tazobactam-ns" && queued[0].status === "open",
    "the station's queue has the order for piperacillin-tazobactam-ns");
  await page.click("#signout");
  await page.waitForURL("**/login.html");

  // [SECTION] quality
  await signIn(page, base, "qa");
  await page.waitForURL("**/quality.html");
  await page.waitForSelector("#plot-area figure.plot canvas");
  const plots = await page.$$("#plot-area figure.plot");
  check(plots.length >= 3, "the room's plots are drawn (" + plots.length + ")");
  await page.screenshot({ path: path.join(shots, "09-quality-dashboard.png"), fullPage: true });
  const rooms = await page.$$eval("#room option", (o) => o.map((x) => x.value));
  await page.selectOption("#room", rooms[rooms.length - 1]);
  // (the location list is the new room's only once its series have arrived: the page marks that)
  // (a locator, not waitForFunction: the page's CSP forbids the eval that polling needs)
  await page.locator(`#plot-area[data-shown^="${rooms[rooms.length - 1]}/"]`).waitFor({ state: "attached" });
  await page.waitForSelector("#plot-area figure.plot canvas");
  const pecOptions = await page.$$eval("#location option", (o) => o.map((x) => x.value).filter(Boolean));
  if (pecOptions.length) {
    await page.selectOption("#location", pecOptions[0]);
    await page.waitForSelector("#plot-area figure.plot");
  }
  await page.screenshot({ path: path.join(shots, "10-quality-room-plot.png"), fullPage: false });

  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-em")]);
  const csvPath = await download.path();
  const csv = fs.readFileSync(csvPath, "utf8");
  check(csv.startsWith("sample_id,at_utc,room,location,kind"), "the CSV export has its header");
  check(csv.trim().split("\n").length > 10, "the CSV export has rows (" + (csv.trim().split("\n").length - 1) + ")");
  fs.copyFileSync(csvPath, path.join(shots, "em-export.csv"));

  const closeButton = await page.$("button[data-close]");
  check(closeButton !== null, "an investigated excursion can be closed");
  await closeButton.click();
  await page.fill("#close-reason", "investigation complete; re-sample clean");
  await page.fill("#close-password", "admix-demo-qa");
  await page.click("#close-button");
  await page.waitForSelector("#message.ok");
  await page.screenshot({ path: path.join(shots, "11-excursion-closed.png"), fullPage: true });

  await page.goto(base + "/print.html");
  await page.locator("#report h2", { hasText: "Personnel qualification" }).waitFor({ timeout: 30000 });
  await page.waitForSelector("#report figure.plot canvas");
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: path.join(shots, "12-print-report.png"), fullPage: true });
  check((await page.textContent("#report")).includes("Personnel qualification"), "the printable report has the qualification matrix");
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
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(profileDir, { recursive: true, force: true });
  fs.rmSync(hl7Dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
