#!/usr/bin/env python3
"""The pharmacist's check and the signature pad at a real site (no --demo), by real input events.

A site is set up from an empty data directory by the CLI as README "Setting up a real site" says
(its sh blocks up to the scripted preparation, run as written). Three orders are then prepared with
`admix session`: SITE-0001 and SITE-0003 to the check, SITE-0002 left at its first step after a
wrong product was refused. The station runs with `admix simulate scanner` as its serial scanner
and is driven with xdotool by the labels of its --ui-map:
  - the technician signs in with a scanned badge and the PIN typed on the keypad, resumes
    SITE-0002, and a pharmacist overrides the refused step with a scanned badge and PIN;
  - the pharmacist signs in (scanned badge), opens the Check screen: it shows the patient, MRN,
    ordered dose, each ingredient's target and measured volume with lot, the refused attempt in
    words and the photos (one zoomed and closed); approves SITE-0001 with a scanned badge and PIN;
  - SITE-0003 is approved with user name and password (the pad's other mode), after a wrong
    password that is refused on screen and changes nothing.
The CLI (`admix prep show --json`, `admix audit tail --json`) must then say so. Every wait is on
the ui-map or the CLI's answer, never a fixed sleep for a state.

Usage: check_signature_test.py STATION ADMIX REPO_ROOT OUTDIR [WIDTHxHEIGHT]
(the window size, 1280x800 unless given; run under an X screen at least that large)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

STATION, ADMIX, REPO, OUTDIR = (os.path.abspath(a) for a in sys.argv[1:5])
SIZE = sys.argv[5] if len(sys.argv) > 5 else "1280x800"
work = tempfile.mkdtemp(prefix="admix-gui-check-")
uimap = os.path.join(work, "ui.json")
shots = OUTDIR
os.makedirs(shots, exist_ok=True)
for f in os.listdir(shots):
    if f.endswith(".png"):
        os.remove(os.path.join(shots, f))
home = os.path.join(work, "home")
os.makedirs(home)
D, W = os.path.join(work, "data"), os.path.join(work, "files")
C = os.path.join(W, "admix.toml")
bindir = os.path.join(work, "bin")
os.makedirs(bindir)
os.symlink(ADMIX, os.path.join(bindir, "admix"))
env = dict(os.environ, HOME=home, XDG_DATA_HOME=os.path.join(work, "xdg"), XDG_CONFIG_HOME=os.path.join(work, "cfg"),
           LIBGL_ALWAYS_SOFTWARE="1", D=D, W=W, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
failures = []
window = None
station = None
scanner = None


def fail(message):
    failures.append(message)
    print("FAIL:", message, flush=True)


def admix(*args, stdin=None, check=True):
    out = subprocess.run([ADMIX, "--config", C] + list(args), env=env, input=stdin, capture_output=True, text=True)
    if check and out.returncode != 0:
        raise SystemExit("admix %s: exit %d: %s" % (" ".join(args), out.returncode, out.stderr.strip()))
    return out


def prep(number):
    return json.loads(admix("--json", "prep", "show", number).stdout)


def session(lines):
    """One `admix session` run; returns its answers (one JSON object per request)."""
    out = admix("session", stdin="".join(json.dumps(l) + "\n" for l in lines))
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


# [SECTION] The real site, set up by the README's own commands -----------------------------------
def readme_setup():
    steps, inside, block, indent = [], False, False, 0
    for line in open(os.path.join(REPO, "README.md")):
        line = line.rstrip("\n")
        if line == "### Setting up a real site":
            inside = True
            continue
        if inside and line.startswith("##"):
            break
        if not inside:
            continue
        m = re.match(r"^( *)```sh$", line)
        if not block and m:
            block, indent = True, len(m.group(1))
            steps.append([])
            continue
        if block and line[:indent].strip() == "" and line[indent:] == "```":
            block = False
            continue
        if block:
            steps[-1].append(line[indent:])
    # Up to (not including) the scripted preparation: this test prepares its own orders.
    script = []
    for s in steps:
        if any("session" in l and "start.jsonl" in l for l in s):
            break
        script += s
    if len(script) < 20:
        raise SystemExit("the README section has too few commands: %d" % len(script))
    out = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(script)], cwd=REPO, env=dict(env, DISPLAY=""),
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("the README set-up failed: " + (out.stdout + out.stderr)[-2000:])


def add_order(number, patient, mrn):
    order = json.load(open(os.path.join(REPO, "tests/data/site_orders/order-1.json")))
    order["id"], order["patient"]["name"], order["patient"]["mrn"] = number, patient, mrn
    path = os.path.join(W, number + ".json")
    json.dump(order, open(path, "w"))
    admix("order", "add", path, "--by", "rph", stdin="rph-password-1\n")


def prepare(order, serial, wrong_first=False, finish=True):
    """Starts `order` through admix session and prepares it to the check (or leaves it at step 1
    after a refused wrong product). Returns the preparation number."""
    start = session([{"op": "sign_in", "user": "tech", "pin": "4821"}, {"op": "garb", "hd": False},
                     {"op": "start", "order": order}])
    number = start[-1].get("prep")
    if not number:
        raise SystemExit("session start of %s: %s" % (order, start))
    expiry = time.strftime("%y%m%d", time.gmtime(time.time() + 365 * 86400))
    vial = "]d20100388888101201" + "17" + expiry + "103K7Q\x1d21V" + serial
    bag = "]d20100388888201505" + "17" + expiry + "104B2N\x1d21B" + serial
    photo = os.path.join(W, "camera", "quality-sharp-000.png")
    lines = [{"op": "sign_in", "user": "tech", "pin": "4821"}]
    if wrong_first:
        lines.append({"op": "scan", "prep": number, "text": bag, "source": "scanner"})  # the bag at the vial step
    if finish:
        lines += [{"op": "scan", "prep": number, "text": vial, "source": "scanner"},
                  {"op": "weigh", "prep": number, "grams": 11.2034, "stable": True},
                  {"op": "weigh", "prep": number, "draw": 1.0, "stable": True},
                  {"op": "photo", "prep": number, "image": photo},
                  {"op": "scan", "prep": number, "text": bag, "source": "scanner"},
                  {"op": "confirm", "prep": number},
                  {"op": "photo", "prep": number, "image": photo},
                  {"op": "label", "prep": number},
                  {"op": "scan", "prep": number, "text": "]d1" + number, "source": "scanner"}]
    answers = session(lines)
    # The deliberate wrong product (answer 1) is refused; nothing else may be.
    refused = [a for i, a in enumerate(answers) if not a.get("ok") and not (wrong_first and i == 1)]
    if refused:
        raise SystemExit("session for %s refused: %s" % (order, refused))
    if wrong_first and answers[1].get("verdict") != "failed":
        raise SystemExit("the wrong product was not refused: %s" % answers[1])
    return number


# [SECTION] Driving the station ----------------------------------------------------------------
def read_map():
    try:
        with open(uimap) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def wait_for(predicate, what, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if station.poll() is not None:
            raise SystemExit("the station exited while waiting for " + what)
        m = read_map()
        if m is not None and predicate(m):
            return m
        time.sleep(0.1)
    m = read_map()
    raise SystemExit("timed out waiting for %s (screen %s, targets %s)" % (
        what, m and m.get("screen"), m and [t["label"] for t in m["targets"]]))


def target(m, label, prefix=False):
    for t in m["targets"]:
        if t["enabled"] and (t["label"].startswith(label) if prefix else t["label"] == label):
            return t
    return None


def texts(m, key):
    """The ui-map's text records "text:KEY=..." (their shown text)."""
    return [t["label"].split("=", 1)[1] for t in m["targets"] if t["label"].startswith("text:" + key + "=")]


def xdo(*args):
    subprocess.run(["xdotool"] + [str(a) for a in args], check=True)


def click(label, prefix=False, timeout=60.0):
    m = wait_for(lambda m: target(m, label, prefix) is not None, "button '%s'" % label, timeout)
    t = target(m, label, prefix)
    xdo("mousemove", "--window", window, int(t["x"]), int(t["y"]))
    time.sleep(0.05)
    xdo("click", 1)
    time.sleep(0.25)


def type_text(text):
    xdo("type", "--delay", "60", text)


def screen_is(name, timeout=60.0):
    wait_for(lambda m: m.get("screen") == name, "screen '%s'" % name, timeout)


def scan(text):
    scanner.stdin.write(text + "\n")
    scanner.stdin.flush()


def pin(digits):
    for d in digits:
        click(d)


def screenshot():
    before = set(os.listdir(shots))
    xdo("mousemove", "--window", window, 8, 8)
    xdo("click", 1)
    xdo("keydown", "Escape")
    time.sleep(0.25)
    xdo("keyup", "Escape")
    deadline = time.time() + 10
    while time.time() < deadline and set(os.listdir(shots)) == before:
        time.sleep(0.1)
    if set(os.listdir(shots)) == before:
        fail("no screenshot was saved")


def wait_cli(predicate, what, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise SystemExit("timed out waiting for " + what)


def badge_sign_in(badge, digits):
    screen_is("Sign in")
    scan(badge)
    wait_for(lambda m: texts(m, "badge") == ["read"], "the badge read at sign-in", 30)
    pin(digits)
    click("Sign in")
    wait_for(lambda m: m.get("screen") != "Sign in", "the sign-in to pass", 30)


def scroll_collect(anchor, done, what, limit=40):
    """Scrolls the panel under the ui-map target `anchor` down by the mouse wheel, one notch at a
    time, gathering every target seen, until done(seen labels, current map) or the end. Returns the
    labels seen and the last map."""
    seen = set()
    m = read_map()
    a = target(m, anchor)
    if a is None:
        raise SystemExit("no target '%s' to scroll from" % anchor)
    xdo("mousemove", "--window", window, int(a["x"]), int(a["y"]))
    last, still = None, 0
    for _ in range(limit):
        m = read_map()
        seen.update(t["label"] for t in m["targets"])
        if done(seen, m):
            return seen, m
        labels = sorted(t["label"] for t in m["targets"])
        still = still + 1 if labels == last else 0
        if still >= 6:  # the map stopped changing: the end of the panel
            break
        last = labels
        xdo("click", 5)
        time.sleep(0.2)
    raise SystemExit("scrolled the Check screen and did not find %s (seen %s)" % (what, sorted(seen)))


def seen_texts(seen, key):
    return [l.split("=", 1)[1] for l in seen if l.startswith("text:" + key + "=")]


def ml(v):
    return ("%.2f" % v).rstrip("0").rstrip(".") + " mL"


try:
    readme_setup()
    add_order("SITE-0002", "TEST, PATIENT TWO", "TEST-100002")
    add_order("SITE-0003", "TEST, PATIENT THREE", "TEST-100003")
    P1 = prepare("SITE-0001", "101", wrong_first=True)
    P3 = prepare("SITE-0003", "103")
    P2 = prepare("SITE-0002", "102", wrong_first=True, finish=False)
    print("preparations", P1, P2, P3, flush=True)

    scanner = subprocess.Popen([ADMIX, "simulate", "scanner"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    port = scanner.stdout.readline().strip()
    if not port.startswith("/dev/"):
        raise SystemExit("admix simulate scanner gave no pty: %r" % port)
    with open(C, "a") as f:
        f.write('\n[display]\nwidth = %s\nheight = %s\n' % tuple(SIZE.split("x")))
        f.write('\n[[devices]]\nname = "hood scanner"\nkind = "scanner"\ntransport = "serial"\nport = "%s"\n' % port)

    log = open(os.path.join(work, "station.log"), "w")
    station = subprocess.Popen([STATION, "--config", C, "--ui-map", uimap, "--screenshot-dir", shots], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    wait_for(lambda m: m.get("screen") == "Sign in", "the sign-in screen", 120)
    for _ in range(100):
        found = subprocess.run(["xdotool", "search", "--name", "Admix"], capture_output=True, text=True).stdout.split()
        if found:
            window = found[0]
            break
        time.sleep(0.1)

    # The technician resumes SITE-0002; the refused step is overridden with a scanned badge.
    badge_sign_in("B-1001", "4821")
    m = wait_for(lambda m: m.get("screen") in ("Home", "Garbing"), "Home or Garbing", 30)
    if m.get("screen") == "Garbing":
        click("Go to the queue", timeout=10)
    screen_is("Home")
    click("Resume")
    screen_is("Preparation")
    click("Pharmacist override")
    wait_for(lambda m: texts(m, "badge") == ["waiting"], "the signature pad", 30)
    scan("B-2001")
    wait_for(lambda m: texts(m, "badge") == ["read"], "the badge read on the signature pad", 30)
    pin("7350")
    click("Label unreadable by scanner: product verified by the pharmacist")
    click("Sign")
    wait_cli(lambda: prep(P2)["steps"][0]["state"] == "overridden", "the override of %s step 1" % P2)
    p2 = prep(P2)
    r = p2["steps"][0]["result"]
    if r.get("pharmacist") != "rph" or "Label unreadable" not in r.get("reason", ""):
        fail("override recorded as %s" % r)
    if any(e["kind"] == "scan" and e["outcome"] == "fail" and "B-2001" in json.dumps(e) for e in p2["evidence"]):
        fail("the badge was taken for a product scan")
    click("Sign out", prefix=True)

    # The pharmacist checks SITE-0001 on the station.
    badge_sign_in("B-2001", "7350")
    click("Check")
    screen_is("Check")
    m = wait_for(lambda m: texts(m, "queue:" + P1), "the queue's drug for " + P1, 30)
    if not texts(m, "queue:" + P1)[0].startswith("ROUTINE: "):
        fail("the queue does not show the priority: %s" % texts(m, "queue:" + P1))
    click(P1)
    m = wait_for(lambda m: texts(m, "patient"), "the patient on the Check screen", 30)
    if texts(m, "patient") != ["Patient: TEST, PATIENT ONE   MRN TEST-100001"]:
        fail("patient line: %s" % texts(m, "patient"))
    if not any("ordered dose 20 mg" in t for t in texts(m, "order")):
        fail("ordered dose not shown: %s" % texts(m, "order"))
    p1 = prep(P1)
    weighed = [s for s in p1["steps"] if s["kind"] == "weigh" and "volume_ml" in s["result"]]
    if not weighed:
        fail("no weighed step in %s" % P1)
    for s in weighed:
        shown = texts(m, "measured:%d" % (s["index"] + 1))
        want = "measured " + ml(s["result"]["volume_ml"])
        if not shown or want not in shown[0] or "target " not in shown[0]:
            fail("step %d: expected '%s' beside the target, shown %s" % (s["index"] + 1, want, shown))
    # Further down (scrolled with the wheel): lot and expiry, the refused attempt, the photos.
    seen, m = scroll_collect("text:patient=Patient: TEST, PATIENT ONE   MRN TEST-100001",
                             lambda seen, m: any(l.startswith("Photo ") for l in seen)
                             and any(t["label"].startswith("Photo ") for t in m["targets"]), "the photos")
    lots = [t for k in range(1, 20) for t in seen_texts(seen, "lot:%d" % k)]
    if not any("lot 3K7Q" in t for t in lots):
        fail("the vial's lot is not shown: %s" % lots)
    refused = [t for k in range(1, 20) for t in seen_texts(seen, "refused:%d" % k)]
    if not refused or not any("WRONG DRUG" in t for t in refused):
        fail("the refused attempt is not shown in words: %s" % refused)
    photos = sorted(l for l in seen if l.startswith("Photo "))
    if len(photos) < 2:
        fail("expected the 2 photos as images, found %s" % photos)
    screenshot()
    shown = [t for t in m["targets"] if t["label"].startswith("Photo ") and t["enabled"]]
    if not shown:
        fail("the photos are not loaded as images: %s" % [t for t in m["targets"] if t["label"].startswith("Photo ")])
    else:
        click(shown[0]["label"])
        wait_for(lambda m: target(m, "Close photo") is not None, "the zoomed photo", 30)
        screenshot()
        click("Close photo")
        wait_for(lambda m: target(m, "Approve") is not None, "the Check screen after the zoom", 30)

    click("Approve")
    wait_for(lambda m: texts(m, "badge") == ["waiting"], "the signature pad", 30)
    scan("B-2001")
    wait_for(lambda m: texts(m, "badge") == ["read"], "the badge read on the signature pad", 30)
    pin("7350")
    screenshot()
    click("Sign")
    wait_cli(lambda: prep(P1)["status"] == "released", P1 + " released")
    if prep(P1).get("checked_by") != "rph":
        fail("%s checked by %s" % (P1, prep(P1).get("checked_by")))

    # SITE-0003 with user name and password: a wrong one first.
    click(P3)
    click("Approve")
    click("Sign with username and password")
    click("Username field")
    type_text("rph")
    click("Password field")
    type_text("not-the-password")
    screenshot()
    click("Sign")
    m = wait_for(lambda m: texts(m, "signature-refused"), "the refusal of a wrong password", 30)
    if "not recognised" not in texts(m, "signature-refused")[0]:
        fail("wrong password message: %s" % texts(m, "signature-refused"))
    if prep(P3)["status"] != "awaiting_check":
        fail("a wrong password changed %s: %s" % (P3, prep(P3)["status"]))
    click("Password field")  # selects what is there: typing replaces it
    type_text("rph-password-1")
    click("Sign")
    wait_cli(lambda: prep(P3)["status"] == "released", P3 + " released with a password")
    screenshot()

    # The audit trail: the signatures' methods, and the failed attempt.
    rows = [json.loads(l) for l in admix("--json", "audit", "tail", "-n", "400").stdout.splitlines() if l.strip()]
    if rows and isinstance(rows[0], list):
        rows = rows[0]
    esigns = [r for r in rows if r.get("action") == "esign"]

    def method(subject, action):
        for r in esigns:
            d = r.get("details")
            d = json.loads(d) if isinstance(d, str) else (d or {})
            if r.get("subject") == subject and d.get("action") == action:
                return d.get("method")
        return None

    if method(P2, "prep.override") != "badge+pin":
        fail("override signature method: %s" % method(P2, "prep.override"))
    if method(P1, "prep.approve") != "badge+pin":
        fail("approval of %s signature method: %s" % (P1, method(P1, "prep.approve")))
    if method(P3, "prep.approve") != "password":
        fail("approval of %s signature method: %s" % (P3, method(P3, "prep.approve")))
    if not any(r.get("action") == "esign.fail" for r in rows):
        fail("the wrong password is not in the audit trail")
    verify = admix("audit", "verify", check=False)
    if verify.returncode != 0:
        fail("audit verify: " + verify.stderr)
except SystemExit as e:
    fail(str(e))
    if window and station and station.poll() is None:
        screenshot()
finally:
    for proc in (station, scanner):
        if proc is None:
            continue
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if failures and os.path.exists(os.path.join(work, "station.log")):
        print(open(os.path.join(work, "station.log")).read()[-3000:])
    shutil.rmtree(work, ignore_errors=True)

print("screenshots:", sorted(os.listdir(shots)))
if failures:
    print("%d failed" % len(failures))
    sys.exit(1)
print("gui check+signature: override and approval by scanned badge, approval by user name and password, at a real site")
