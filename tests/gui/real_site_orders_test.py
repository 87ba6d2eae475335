#!/usr/bin/env python3
"""Issue 13's "Done when", end to end on a fresh data directory: README "Setting up a real site".

The section's sh blocks are run as written (users, room, PEC, qualifications, the day's cleaning and
monitoring, the test site formulary tests/data/site_formulary imported and approved - two products,
one recipe, none of them the demo's - the first order by CLI, the file camera's pictures), up to the
scripted preparation. Then a second order on the web order API (`admix serve` on loopback, the
pharmacist signed in with a password, the page's own request), and a third on the station's touch
order form (admix-station on that configuration, the pharmacist's badge read by `admix simulate
scanner`, the form filled by real input events). All three are in the queue. Then the station's
order is prepared to a release with the README's own scripted-session blocks (`admix session`: the
simulated balance's draws, the file camera's pictures, the scanner's codes) and the others stay
open.

Usage: real_site_orders_test.py STATION ADMIX REPO OUTDIR
"""
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from real_site_driver import Scanner, Station, fill_order, sign_in  # noqa: E402

STATION, ADMIX, REPO, OUTDIR = (os.path.abspath(a) for a in sys.argv[1:5])
work = tempfile.mkdtemp(prefix="admix-real-site-orders-")
os.makedirs(OUTDIR, exist_ok=True)
for f in os.listdir(OUTDIR):
    if f.endswith(".png"):
        os.remove(os.path.join(OUTDIR, f))
bindir = os.path.join(work, "bin")
os.makedirs(bindir)
os.symlink(ADMIX, os.path.join(bindir, "admix"))
home = os.path.join(work, "home")
os.makedirs(home)
W = os.path.join(work, "files")
env = dict(os.environ, HOME=home, XDG_DATA_HOME=os.path.join(work, "xdg"), XDG_CONFIG_HOME=os.path.join(work, "config"),
           D=os.path.join(work, "data"), W=W, PATH=bindir + os.pathsep + os.environ["PATH"], LIBGL_ALWAYS_SOFTWARE="1")
config = os.path.join(W, "admix.toml")
failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message, flush=True)


def admix(*args, stdin=""):
    out = subprocess.run([ADMIX, "--config", config] + list(args), input=stdin, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("admix %s failed: %s%s" % (" ".join(args), out.stdout, out.stderr))
    return out.stdout


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# [SECTION] The README's blocks -------------------------------------------------------------------

def readme_blocks():
    blocks, inside, block, indent = [], False, None, 0
    with open(os.path.join(REPO, "README.md")) as f:
        for line in f.read().splitlines():
            if line == "### Setting up a real site":
                inside = True
                continue
            if inside and line.startswith("##"):
                break
            if not inside:
                continue
            m = re.match(r"^( *)```sh$", line)
            if block is None and m:
                block, indent = [], len(m.group(1))
            elif block is not None and line[:indent].strip() == "" and line[indent:] == "```":
                blocks.append("\n".join(block))
                block = None
            elif block is not None:
                block.append(line[indent:])
    return blocks


blocks = readme_blocks()
session_at = next((i for i, b in enumerate(blocks) if " session " in b), None)
if session_at is None or session_at < 8:
    raise SystemExit("the README section has no scripted session after its setup blocks (%d blocks)" % len(blocks))
setup, prep = blocks[:session_at], blocks[session_at:]
if not any("order add tests/data/site_orders/order-1.json" in b for b in setup):
    raise SystemExit("the README section no longer enters its order by CLI before the session")


def run_blocks(parts, what, state=""):
    """Runs blocks in one bash (set -euo pipefail) from the repository's top folder, as a user would."""
    script = "\n".join(parts) + "\n" + state
    out = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=REPO, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("README %s failed (%d): %s%s" % (what, out.returncode, out.stdout[-3000:], out.stderr[-3000:]))
    return out.stdout


run_blocks(setup, "setup steps")
cli_orders = json_lines(admix("--json", "order", "list"))
if [o["order_id"] for o in cli_orders] != ["SITE-0001"]:
    fail("the README's CLI order is not the one order: %s" % cli_orders)


# [SECTION] The web order page's request ----------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


port = free_port()
serve_log = open(os.path.join(work, "serve.log"), "w")
server = subprocess.Popen([ADMIX, "--config", config, "serve", "--plain-http-for-loopback-tests", "--listen",
                           "127.0.0.1:%d" % port], env=env, stdout=serve_log, stderr=subprocess.STDOUT)
try:
    base = "http://127.0.0.1:%d" % port
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(path, body=None, csrf=None):
        req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **({"X-CSRF-Token": csrf} if csrf else {})},
                                     method="GET" if body is None else "POST")
        try:
            with opener.open(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None:
                raise SystemExit("admix serve exited")
            time.sleep(0.1)
    status, session = call("/api/v1/login", {"username": "rph", "password": "rph-password-1"})
    if status != 200:
        raise SystemExit("web sign-in refused: %s %s" % (status, session))
    web_order = {"id": "WEB-0001", "recipe": "famotidine-ns-50", "route": "IV", "priority": "stat",
                 "patient": {"mrn": "TEST-100002", "name": "TEST, PATIENT WEB", "birth_date": "1980-02-29", "sex": "male",
                             "weight_kg": 81},
                 "dose": {"value": 20, "unit": "mg"}, "due": "2030-01-01T13:00:00Z", "prescriber": "Dr. Web Test"}
    bad = dict(web_order, patient=dict(web_order["patient"], mrn=""))
    status, answer = call("/api/v1/orders", {"order": bad, "acknowledged_warnings": ""}, session["csrf"])
    if status != 400 or answer.get("field") != "patient.mrn":
        fail("the web form's empty MRN was not refused naming patient.mrn: %s %s" % (status, answer))
    status, answer = call("/api/v1/orders", {"order": web_order, "acknowledged_warnings": ""}, session["csrf"])
    if status != 200:
        fail("the web order was refused: %s %s" % (status, answer))
    status, listed = call("/api/v1/orders")
    if status != 200 or sorted(o["order_id"] for o in listed["items"]) != ["SITE-0001", "WEB-0001"]:
        fail("the web order list: %s %s" % (status, listed))
finally:
    server.terminate()
    server.wait(timeout=30)
    serve_log.close()


# [SECTION] The station's order form --------------------------------------------------------------

scanner = Scanner(ADMIX, env)
with open(config, "a") as f:
    f.write('\n[[devices]]\nname = "hood scanner"\nkind = "scanner"\ntransport = "serial"\nport = "%s"\n' % scanner.path)
st = Station(STATION, config, work, OUTDIR, env)
try:
    st.start()
    sign_in(st, scanner, "B-2001", "7350")
    st.screen_is("Home")
    st.click("New order")
    st.screen_is("New order")
    st.click("(famotidine-ns-50)", "contains")
    st.wait_for(lambda m: Station.target(m, "Enter order") is not None, "the order form")
    fill_order(st, "TEST, PATIENT STATION", "TEST-100003", "64", "Dr. Station Test", "STN-0001")
    st.click("Priority:", "prefix")
    st.click("Urgent")
    st.screenshot()
    st.click("Enter order")
    if not st.wait_log("order form: entered "):
        fail("the station's order was not entered: " + st.log_text()[-1500:])
    st.screenshot()
    st.click("Home")
    st.screen_is("Home")
    st.screenshot()
finally:
    st.stop()
    scanner.stop()

orders = {o["order_id"]: o for o in json_lines(admix("--json", "order", "list"))}
if sorted(orders) != ["SITE-0001", "STN-0001", "WEB-0001"]:
    fail("expected the CLI, web and station orders: %s" % sorted(orders))
for oid, who, priority in (("SITE-0001", "rph", "routine"), ("WEB-0001", "rph", "stat"), ("STN-0001", "rph", "urgent")):
    o = orders.get(oid, {})
    if o.get("status") != "open" or o.get("entered_by") != who or o.get("priority") != priority:
        fail("order %s: %s" % (oid, o))
queue = json.loads(admix("--json", "queue"))
numbers = {orders[k]["order"] for k in orders}
if {q["order"] for q in queue} != numbers:
    fail("the queue does not show all three orders: %s (orders %s)" % (queue, numbers))
if queue and queue[0]["order"] != orders.get("WEB-0001", {}).get("order"):
    fail("the STAT web order is not first in the queue: %s" % queue)


# [SECTION] The station's order, prepared to a release ------------------------------------------

# The README's own scripted preparation, for the order entered on the station's form.
# Its variables as block 0 set them (D and W are in the environment).
prep_blocks = ['C="$W/admix.toml"'] + [b.replace("SITE-0001", "STN-0001") for b in prep]
run_blocks(prep_blocks, "scripted preparation")
session = json_lines(open(os.path.join(W, "session.jsonl")).read())
if not session or any(not a.get("ok") for a in session):
    fail("a session request was refused: %s" % [a for a in session if not a.get("ok")])
if not session or session[-1].get("status") != "released":
    fail("the last answer is not the release: %s" % (session[-1] if session else None))
after = {o["order_id"]: o for o in json_lines(admix("--json", "order", "list"))}
if after.get("STN-0001", {}).get("status") != "released":
    fail("the station's order is not released: %s" % after.get("STN-0001"))
for oid in ("SITE-0001", "WEB-0001"):
    if after.get(oid, {}).get("status") != "open":
        fail("order %s changed: %s" % (oid, after.get(oid)))
prep_no = after.get("STN-0001", {}).get("preparation")
if prep_no:
    p = json.loads(admix("--json", "prep", "show", prep_no))
    if p.get("status") != "released" or p.get("checked_by") != "rph" or p.get("technician") != "tech":
        fail("preparation %s: status %s, checked by %s, technician %s" % (prep_no, p.get("status"), p.get("checked_by"),
                                                                          p.get("technician")))
else:
    fail("no preparation for STN-0001")
if "famotidine" in open(os.path.join(REPO, "assets/formulary/recipes.toml")).read():
    fail("famotidine is in the demo formulary")
audit = subprocess.run([ADMIX, "--config", config, "audit", "verify"], env=env, capture_output=True, text=True)
if audit.returncode != 0:
    fail("audit verify: " + audit.stdout + audit.stderr)

if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("real site, three orders: CLI, web and the station's form, all in the queue; %s released" % prep_no)
