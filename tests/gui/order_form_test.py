#!/usr/bin/env python3
"""The station's order form, by real input events, on a real (not demo) site.

The site is set up with the admix CLI (users, the test site formulary tests/data/site_formulary
approved, a room and its PEC); a simulated serial scanner reads the pharmacist's badge. The
pharmacist signs in, opens New order from Home, searches and picks the recipe on the on-screen
keyboard, fills the form (some fields on the on-screen keys, some typed on the physical keyboard)
with a weight of 0 first: the form says what is wrong and nothing is stored (`admix order list`).
Then the right weight: the order is entered and is in the queue (`admix queue`); the same order id
again is refused and still only one order exists; a technician signed in has no New order on Home.
Screenshots in OUTDIR.

Usage: order_form_test.py STATION ADMIX REPO OUTDIR [WIDTHxHEIGHT]  (the station's window size; 1280x800)
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from real_site_driver import Scanner, Station, fill_order, sign_in  # noqa: E402

STATION, ADMIX, REPO, OUTDIR = (os.path.abspath(a) for a in sys.argv[1:5])
WIDTH, HEIGHT = (int(v) for v in (sys.argv[5] if len(sys.argv) > 5 else "1280x800").split("x"))
work = tempfile.mkdtemp(prefix="admix-order-form-")
env = dict(os.environ, XDG_DATA_HOME=os.path.join(work, "xdg"), XDG_CONFIG_HOME=os.path.join(work, "cfg"),
           LIBGL_ALWAYS_SOFTWARE="1", HOME=work)
data = os.path.join(work, "data")
config = os.path.join(work, "admix.toml")
for f in os.listdir(OUTDIR) if os.path.isdir(OUTDIR) else []:
    if f.endswith(".png"):
        os.remove(os.path.join(OUTDIR, f))
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


def write_config(scanner_path):
    with open(config, "w") as f:
        f.write('[station]\nname = "Hood 1"\ndata_dir = "%s"\nroom = "BUF-1"\npec = "LAFW-1"\n\n[camera]\nsource = ""\n\n'
                '[display]\nwidth = %d\nheight = %d\n\n'
                '[[devices]]\nname = "scanner"\nkind = "scanner"\ntransport = "serial"\nport = "%s"\n'
                % (data, WIDTH, HEIGHT, scanner_path))


scanner = Scanner(ADMIX, env)
write_config(scanner.path)
admix("users", "add", "--username", "admin", "--name", "A. Admin", "--role", "admin", "--password", stdin="admin-password-1\n")
admix("users", "add", "--username", "rph", "--name", "R. Pharm", "--role", "pharmacist", "--badge", "B-2001", "--pin", "--password",
      "--admin", "admin", stdin="7350\nrph-password-1\nadmin-password-1\n")
admix("users", "add", "--username", "tech", "--name", "T. Tech", "--role", "technician", "--badge", "B-1001", "--pin",
      "--admin", "admin", stdin="4821\nadmin-password-1\n")
admix("formulary", "import", os.path.join(REPO, "tests/data/site_formulary"), "--pharmacist", "rph", stdin="rph-password-1\n")
admix("formulary", "approve", "famotidine-ns-50", "--pharmacist", "rph", stdin="rph-password-1\n")
admix("site", "room-add", "BUF-1", "--iso", "7", "--pressure", "positive", "--user", "admin")
admix("site", "pec-add", "LAFW-1", "--room", "BUF-1", "--type", "lafw", "--categories", "1,2", "--user", "admin")

st = Station(STATION, config, work, OUTDIR, env)
try:
    st.start()
    sign_in(st, scanner, "B-2001", "7350")
    st.screen_is("Home")
    st.screenshot()
    st.click("New order")
    st.screen_is("New order")
    # The recipe, searched for on the on-screen keyboard.
    st.keys("FAMO")
    st.screenshot()
    st.click("(famotidine-ns-50)", "contains")
    st.wait_for(lambda m: Station.target(m, "Enter order") is not None, "the order form")

    # A weight of 0 first: refused, naming the field; nothing stored.
    fill_order(st, "TEST, PATIENT TWO", "TEST-200002", "0", "Dr. Station Test", "GUI-0002")
    st.click("Enter order")
    if not st.wait_log("order form: refused: patient.weight_kg: must be a positive number"):
        fail("the weight of 0 was not refused with the field's name: " + st.log_text()[-1500:])
    st.screenshot()
    if json_lines(admix("--json", "order", "list")):
        fail("a refused order was stored: " + admix("--json", "order", "list"))
    # The bad field is the one being edited now: its pad is up; the right weight.
    st.click("Clear")
    st.keys("72.5")
    st.click("Enter order")
    if not st.wait_log("order form: entered "):
        fail("the corrected order was not entered: " + st.log_text()[-1500:])
    st.screenshot()
    orders = json_lines(admix("--json", "order", "list"))
    if len(orders) != 1:
        fail("expected one order, got: %s" % orders)
    else:
        o = orders[0]
        for key, want in (("order_id", "GUI-0002"), ("patient", "TEST, PATIENT TWO"), ("mrn", "TEST-200002"),
                          ("recipe", "famotidine-ns-50"), ("prescriber", "Dr. Station Test"), ("entered_by", "rph"),
                          ("status", "open"), ("priority", "routine")):
            if o.get(key) != want:
                fail("order %s: expected %r, got %r" % (key, want, o.get(key)))
        if o.get("dose") != {"value": 20, "unit": "mg"}:
            fail("order dose: expected the recipe's default 20 mg, got %r" % o.get("dose"))
    queue = json.loads(admix("--json", "queue"))
    if not any(q.get("order") == (orders[0]["order"] if orders else None) for q in queue):
        fail("the entered order is not in the queue: %s" % queue)

    # The same order id again: refused, still one order.
    fill_order(st, "TEST, PATIENT THREE", "TEST-300003", "60", "Dr. Station Test", "GUI-0002")
    st.click("Enter order")
    if not st.wait_log("order form: refused: order id: order GUI-0002 was entered already"):
        fail("a duplicate order id was not refused: " + st.log_text()[-1500:])
    st.screenshot()
    if len(json_lines(admix("--json", "order", "list"))) != 1:
        fail("the duplicate was stored")
    # Back to the queue: the order is on Home.
    st.click("Home")
    st.screen_is("Home")
    # The order's row on Home has its button (Blocked here: nobody garbed, no room records today).
    st.wait_for(lambda m: any(t["label"] in ("Start", "Blocked", "Resume") for t in m["targets"]),
                "the order's button on Home")
    st.screenshot()

    # A technician may not enter orders: no New order on Home.
    st.click("Sign out rph")
    sign_in(st, scanner, "B-1001", "4821")
    st.screen_is("Garbing")
    st.click("Home")
    st.screen_is("Home")
    st.wait_for(lambda m: Station.target(m, "Sign out tech") is not None, "the technician's Home")
    if "New order" in st.labels():
        fail("a technician is offered New order: %s" % st.labels())
finally:
    st.stop()
    scanner.stop()

if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("gui order form: a bad field refused with its name and nothing stored; the good order is in the queue")
