#!/usr/bin/env python3
"""A whole demo preparation on the touchscreen, driven by real input events.

Runs admix-station --demo under the X display this script is given (xvfb-run provides one), finds
touch targets by their labels in the station's --ui-map file, clicks and types with xdotool, and
asks the station for a screenshot of every screen (Esc) into the output folder. The flow: the
technician signs in, garbs (with the 30 s hand-wash timer), starts the STAT order, shows a WRONG vial
(blocked on screen), the right one, weighs (tare, a misdraw that is blocked, the right draw), lets
the camera take the photos, confirms, prints the label; then the pharmacist signs in and approves it.
The database must then say: released, with the refused attempts recorded.

Usage: demo_flow_test.py STATION ADMIX OUTDIR
"""
import json
import os
import subprocess
import sys
import time

from station_driver import Station

STATION, ADMIX, OUTDIR = sys.argv[1], sys.argv[2], sys.argv[3]
SIZE = sys.argv[4] if len(sys.argv) > 4 else None  # "fullscreen": fill the X screen
shots = OUTDIR
s = Station(STATION, ["--demo"], shots, window_size=SIZE)
data, env = s.data, s.env
fail, read_map, wait_for, target = s.fail, s.read_map, s.wait_for, s.target
click, screen_is, screenshot = s.click, s.screen_is, s.screenshot


def prep_json():
    out = subprocess.run([ADMIX, "--demo", "--data-dir", data, "--json", "prep", "show", PREP], env=env, capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def current_step_title():
    p = prep_json()
    return p["steps"][p["current_step"]]["title"] if p and p["status"] == "in_progress" else ""


try:
    wait_for(lambda m: m.get("screen") == "Sign in", "the sign-in screen", 120)
    s.find_window()
    screenshot()

    # The technician signs in with the demo badge and the keypad.
    click("T. Nguyen - technician  (PIN 4821)")
    for digit in "4821":
        click(digit)
    click("Sign in")
    screen_is("Garbing")
    screenshot()
    for _ in range(12):
        m = read_map()
        if m.get("screen") != "Garbing" or target(m, "Go to the queue"):
            break
        if target(m, "Start ", prefix=True):
            click("Start ", prefix=True)  # the hand-wash timer
            click("Done: ", prefix=True, timeout=45)
        else:
            click("Done: ", prefix=True)
    screenshot()
    click("Go to the queue")
    screen_is("Home")
    screenshot()

    # The STAT order is first in the queue.
    click("Start", prefix=True)
    screen_is("Preparation")
    m = read_map()
    PREP = subprocess.run([ADMIX, "--demo", "--data-dir", data, "--json", "queue"], env=env, capture_output=True, text=True)
    queue = json.loads(PREP.stdout)
    order = [o for o in queue if o["status"] == "in_progress"][0]["order"]
    db = os.path.join(data, "admix.sqlite3")
    PREP = subprocess.run(["sqlite3", db, "SELECT prep_number FROM preparations p JOIN orders o ON o.id = p.order_id"
                           " WHERE o.order_number = '%s'" % order], capture_output=True, text=True).stdout.strip()
    print("preparation", PREP, flush=True)

    # A wrong vial in view: blocked on screen.
    click("Show WRONG")
    deadline = time.time() + 30
    while time.time() < deadline and not any(e["kind"] == "scan" and e["outcome"] == "fail" for e in prep_json().get("evidence", [])):
        time.sleep(0.2)
    time.sleep(0.5)
    screenshot()
    if not any(e["kind"] == "scan" and e["outcome"] == "fail" for e in prep_json().get("evidence", [])):
        fail("the wrong vial was not refused")
    if prep_json()["current_step"] != 0:
        fail("the wrong vial moved the preparation on")
    click("Show right")

    # Then every step, by what it asks for.
    misdrawn = False
    for _ in range(40):
        p = prep_json()
        if p["status"] != "in_progress":
            break
        step = p["steps"][p["current_step"]]
        kind, index = step["kind"], p["current_step"]
        if kind == "scan":
            # Every vial is scanned: each one held up to the camera, which reads it by itself.
            for _vial in range(4):
                if prep_json()["current_step"] != index:
                    break
                def unchanged():
                    return (prep_json()["current_step"] == index
                            and len(prep_json()["steps"][index].get("result", {}).get("vials", [])) == before)
                before = len(prep_json()["steps"][index].get("result", {}).get("vials", []))
                click("Show right")
                deadline = time.time() + 15
                while time.time() < deadline and unchanged():
                    time.sleep(0.2)
                # The camera may read it just as the wait ends: the hand scanner only while the step
                # still waits for this vial and its button is on screen.
                if unchanged() and target(read_map(), "Scan it") is not None and unchanged():
                    print("camera did not read the code in 15 s; using the hand scanner", flush=True)
                    try:
                        click("Scan it", timeout=2.0)
                    except SystemExit:
                        if unchanged():  # still waiting and no scanner button: a real failure
                            raise
                    time.sleep(1.0)
        elif kind == "weigh":
            click("Lift")  # the last syringe off the pan: the empty one is weighed on a cleared pan
            time.sleep(0.8)
            click("Empty")
            time.sleep(1.0)
            if not misdrawn:
                click("Misdraw")
                time.sleep(1.5)
                screenshot()
                if prep_json()["current_step"] != index:
                    fail("a misdraw passed the weigh gate")
                misdrawn = True
                click("Lift")
                time.sleep(0.8)
            click("Draw")
        elif kind == "photo":
            click("Show the product")
            time.sleep(4)
            if prep_json()["current_step"] == index:
                click("Take photo now")
        elif kind == "confirm":
            click("Done")
        elif kind == "label":
            click("Print label")
            # Printed is not applied: the label's own code is scanned on the product.
            click("Scan the label")
        deadline = time.time() + 20
        while time.time() < deadline and prep_json()["current_step"] == index and prep_json()["status"] == "in_progress":
            time.sleep(0.2)
        if prep_json()["current_step"] == index and prep_json()["status"] == "in_progress":
            screenshot()
            raise SystemExit("step %d (%s) did not pass" % (index + 1, step["title"]))
        if kind == "weigh":
            screenshot()
    p = prep_json()
    if p["status"] != "awaiting_check":
        fail("the preparation did not reach the check: %s at step %s" % (p["status"], p["current_step"]))
    screenshot()

    # The pharmacist checks and approves on the station.
    click("Sign out", prefix=True)
    screen_is("Sign in")
    click("R. Patel - pharmacist  (PIN 7350)")
    for digit in "7350":
        click(digit)
    click("Sign in")
    screen_is("Home")
    click("Check")
    screen_is("Check")
    click(PREP)
    screenshot()
    click("Approve")
    click("Demo badge: R. Patel (PIN 7350)")
    for digit in "7350":
        click(digit)
    screenshot()
    click("Sign")
    time.sleep(1)
    p = prep_json()
    if p.get("status") != "released":
        fail("the pharmacist's approval did not release it: %s" % p.get("status"))
    fails = [e for e in p.get("evidence", []) if e["outcome"] == "fail"]
    kinds = sorted(set(e["data"].get("problem", e["kind"]) for e in fails))
    print("refused and recorded:", kinds, flush=True)
    if "wrong drug" not in kinds and "wrong strength" not in kinds:
        fail("the wrong vial is not in the record")
    if "under" not in kinds:
        fail("the misdraw is not in the record")
    screenshot()
    # The other screens, for their screenshots and their fit.
    for tab in ("Room log", "History", "Devices", "Home"):
        click(tab)
        screen_is(tab)
        screenshot()
    verify = subprocess.run([ADMIX, "--demo", "--data-dir", data, "audit", "verify"], env=env, capture_output=True, text=True)
    if verify.returncode != 0:
        fail("audit verify: " + verify.stderr)
except SystemExit as e:
    fail(str(e))
    if s.window and s.process.poll() is None:
        screenshot(check_fit=False)  # what the screen showed when it went wrong
finally:
    text = s.stop()
    if s.failures:
        print(text[-3000:])

failures = s.failures
print("screenshots:", sorted(os.listdir(shots)))
if failures:
    print("%d passed, %d failed" % (0, len(failures)))
    sys.exit(1)
print("gui demo flow: a whole preparation completed, checked and released by real input events; "
      "text fits and targets are at least the minimum touch size on %d screens" % s.fit_checked)
