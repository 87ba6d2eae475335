#!/usr/bin/env python3
"""The path that crashed the station once (issue 14): during a preparation, Pharmacist override ->
Cancel (the signature pad) -> Cancel -> a reason -> Confirm cancel, repeated many times by real input
events (xdotool). Run it on the asan preset's admix-station to have AddressSanitizer watch every
round: cancelling inside the frame used to leave the rest of the frame reading the freed preparation.

Usage: cancel_path_test.py STATION ADMIX OUTDIR [ROUNDS]
"""
import os
import subprocess
import sys

from station_driver import Station

STATION, ADMIX, OUTDIR = sys.argv[1], sys.argv[2], sys.argv[3]
ROUNDS = int(sys.argv[4]) if len(sys.argv) > 4 else 12
s = Station(STATION, ["--demo"], OUTDIR)
data, env = s.data, s.env
fail, read_map, wait_for, target = s.fail, s.read_map, s.wait_for, s.target
click, screen_is, screenshot = s.click, s.screen_is, s.screenshot


try:
    wait_for(lambda m: m.get("screen") == "Sign in", "the sign-in screen", 180)
    s.find_window()
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
        if n == 0:
            s.check_fit()  # the signature pad, with the override reasons
        click("Cancel")  # the signature pad's
        # The pad is gone (its Cancel is not the preparation's) before the next click.
        wait_for(lambda m: target(m, "Pharmacist override") is not None, "the signature pad to close")
        click("Cancel")  # the preparation's
        m = wait_for(lambda m: target(m, "Vial dropped or broken") is not None, "the cancel dialog")
        if any(t["label"] == "Confirm cancel" and t["enabled"] for t in m["targets"]):
            fail("Confirm cancel was enabled before a reason was picked")
        if n == 0:
            s.check_fit()  # the cancel dialog's reasons
        click("Vial dropped or broken")
        click("Confirm cancel")
        screen_is("Home")
        if s.process.poll() is not None:
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
    text = s.stop()
    if "AddressSanitizer" in text or "runtime error" in text:
        fail("the sanitizer reported an error")
    if s.failures:
        print(text[-6000:])

failures = s.failures
if failures:
    print("%d failed" % len(failures))
    sys.exit(1)
print("gui cancel path: %d rounds of override -> cancel -> cancel -> confirm cancel, no crash" % ROUNDS)
