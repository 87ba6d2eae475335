#!/usr/bin/env python3
"""The path that crashed the station once (issue 14): during a preparation, Pharmacist override ->
Cancel (the signature pad) -> Cancel -> a reason -> Confirm cancel, repeated many times by real input
events (xdotool). Run it on the asan preset's admix-station to have AddressSanitizer watch every
round: cancelling inside the frame used to leave the rest of the frame reading the freed preparation.

Usage: cancel_path_test.py STATION ADMIX OUTDIR [ROUNDS]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

STATION, ADMIX, OUTDIR = sys.argv[1], sys.argv[2], sys.argv[3]
ROUNDS = int(sys.argv[4]) if len(sys.argv) > 4 else 12
work = tempfile.mkdtemp(prefix="admix-gui-")
uimap = os.path.join(work, "ui.json")
shots = OUTDIR
os.makedirs(shots, exist_ok=True)
for f in os.listdir(shots):
    if f.endswith(".png"):
        os.remove(os.path.join(shots, f))
env = dict(os.environ, XDG_DATA_HOME=os.path.join(work, "xdg"), XDG_CONFIG_HOME=os.path.join(work, "cfg"),
           LIBGL_ALWAYS_SOFTWARE="1")
data = os.path.join(work, "data")
log = open(os.path.join(work, "station.log"), "w")
station = subprocess.Popen([STATION, "--demo", "--data-dir", data, "--ui-map", uimap, "--screenshot-dir", shots],
                           env=env, stdout=log, stderr=subprocess.STDOUT)
failures = []
window = None


def fail(message):
    failures.append(message)
    print("FAIL:", message, flush=True)


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


def xdo(*args):
    subprocess.run(["xdotool"] + [str(a) for a in args], check=True)


def click(label, prefix=False, timeout=60.0):
    m = wait_for(lambda m: target(m, label, prefix) is not None, "button '%s'" % label, timeout)
    t = target(m, label, prefix)
    xdo("mousemove", "--window", window, int(t["x"]), int(t["y"]))
    time.sleep(0.05)
    xdo("click", 1)
    time.sleep(0.25)


def screen_is(name, timeout=60.0):
    wait_for(lambda m: m.get("screen") == name, "screen '%s'" % name, timeout)


def screenshot():
    before = set(os.listdir(shots))
    # Keyboard focus follows a click: click the top bar's title (not a control), then Esc.
    xdo("mousemove", "--window", window, 8, 8)
    xdo("click", 1)
    # Held across a few frames: Dear ImGui 1.86 samples key state once per frame.
    xdo("keydown", "Escape")
    time.sleep(0.25)
    xdo("keyup", "Escape")
    deadline = time.time() + 10
    while time.time() < deadline and set(os.listdir(shots)) == before:
        time.sleep(0.1)
    if set(os.listdir(shots)) == before:
        fail("no screenshot was saved")
    time.sleep(0.3)


def prep_json():
    out = subprocess.run([ADMIX, "--data-dir", data, "--json", "prep", "show", PREP], env=env, capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def current_step_title():
    p = prep_json()
    return p["steps"][p["current_step"]]["title"] if p and p["status"] == "in_progress" else ""


try:
    wait_for(lambda m: m.get("screen") == "Sign in", "the sign-in screen", 180)
    for _ in range(100):
        found = subprocess.run(["xdotool", "search", "--name", "Admix"], capture_output=True, text=True).stdout.split()
        if found:
            window = found[0]
            break
        time.sleep(0.1)
    click("T. Nguyen - technician  (PIN 4821)")
    for digit in "4821":
        click(digit)
    click("Sign in")
    screen_is("Garbing")
    for _ in range(12):
        m = read_map()
        if m.get("screen") != "Garbing" or target(m, "Go to the queue"):
            break
        if target(m, "Start ", prefix=True):
            click("Start ", prefix=True)  # the hand-wash timer
            click("Done: ", prefix=True, timeout=45)
        else:
            click("Done: ", prefix=True)
    click("Go to the queue")
    screen_is("Home")

    # The path that crashed once: Pharmacist override -> Cancel (the pad) -> Cancel -> Confirm cancel,
    # many times over; the station must survive every round and record every cancel with its reason.
    for n in range(ROUNDS):
        click("Start", prefix=True)
        screen_is("Preparation")
        click("Pharmacist override")
        click("Cancel")  # the signature pad's
        click("Cancel")  # the preparation's
        m = wait_for(lambda m: target(m, "Vial dropped or broken") is not None, "the cancel dialog")
        if any(t["label"] == "Confirm cancel" and t["enabled"] for t in m["targets"]):
            fail("Confirm cancel was enabled before a reason was picked")
        click("Vial dropped or broken")
        click("Confirm cancel")
        screen_is("Home")
        if station.poll() is not None:
            raise SystemExit("the station exited in round %d" % (n + 1))
    db = os.path.join(data, "admix.sqlite3")
    rows = subprocess.run(["sqlite3", db, "SELECT count(*) FROM preparations WHERE status = 'cancelled'"],
                          capture_output=True, text=True).stdout.strip()
    if rows != str(ROUNDS):
        fail("expected %d cancelled preparations, found %s" % (ROUNDS, rows))
    reasons = subprocess.run(["sqlite3", db, "SELECT count(*) FROM audit_log WHERE action = 'prep.cancel'"
                              " AND details LIKE '%Vial dropped or broken%'"], capture_output=True, text=True)
    if reasons.stdout.strip() != str(ROUNDS):
        fail("expected %d cancels with their reason in the audit trail, found %s %s" % (ROUNDS, reasons.stdout.strip(), reasons.stderr))
    screenshot()
except SystemExit as e:
    fail(str(e))
finally:
    station.terminate()
    try:
        code = station.wait(20)
    except subprocess.TimeoutExpired:
        station.kill()
        code = None
    log.close()
    text = open(os.path.join(work, "station.log")).read()
    if "AddressSanitizer" in text or "runtime error" in text:
        fail("the sanitizer reported an error")
    if failures:
        print(text[-6000:])
    shutil.rmtree(work, ignore_errors=True)

if failures:
    print("%d failed" % len(failures))
    sys.exit(1)
print("gui cancel path: %d rounds of override -> cancel -> cancel -> confirm cancel, no crash" % ROUNDS)
