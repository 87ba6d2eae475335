#!/usr/bin/env python3
"""admix session driven through a pipe, as a script or an interface would: one complete preparation
of each demo recipe kind (fixed dose, weight-based, reconstituted, hazardous) to release, then
malformed lines, an unknown op and missing fields answered with one-line errors while the session
goes on, and the sandbox rules (only a sandbox moves the clock; the sandbox is gone at exit).

usage: session_test.py ADMIX"""
import json
import os
import subprocess
import sys
import struct
import tempfile
import zlib

ADMIX = sys.argv[1]
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)


class Session:
    def __init__(self, *args, before=(), env=None):
        self.proc = subprocess.Popen([ADMIX, *before, "session", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.count = 0

    def raw(self, line):
        """One line in, one line out: the answer must come before the next request is written."""
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError("admix session ended: " + self.proc.stderr.read())
        check(answer.endswith("\n") and "\n" not in answer[:-1], "one answer per line: " + answer[:200])
        return json.loads(answer)

    def send(self, **request):
        self.count += 1
        request.setdefault("id", self.count)
        answer = self.raw(json.dumps(request))
        check(answer.get("id") == request["id"], f"id echoed for {request}: {answer}")
        check("ok" in answer, f"every answer has ok: {answer}")
        return answer

    def ok(self, **request):
        answer = self.send(**request)
        check(answer.get("ok") is True, f"{request.get('op')} refused: {answer}")
        return answer

    def close(self):
        self.proc.stdin.close()
        rc = self.proc.wait(timeout=60)
        return rc, self.proc.stderr.read()


def write_png(path, width, height, grey):
    """A greyscale PNG whose pixel (x, y) is grey(x, y): test photos without an image library."""
    rows = b"".join(b"\0" + bytes(grey(x, y) for x in range(width)) for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


def scan_text(gtin, lot, expiry="281231", serial="S1"):
    return "]d201" + gtin + "17" + expiry + "10" + lot + "\u001d21" + serial


def complete(s, start, photo, tare=11.2034):
    """Does every step as the hood would; returns the last answer."""
    steps = start["steps"]
    prep = start["prep"]
    step = start["step"]
    answer = start
    for _ in range(60):
        if answer.get("status") != "in_progress":
            break
        kind = steps[step]["kind"]
        if kind == "scan":
            containers = steps[step].get("containers", 1)
            for vial in range(1, containers + 1):  # every vial used is scanned, each its own serial
                answer = s.ok(op="scan", prep=prep, text=scan_text(steps[step]["accepted_gtins"][0], "LOT" + str(step),
                                                                   serial="S" + str(vial)), source="scanner")
                if vial < containers:
                    check(answer["verdict"] == "recorded" and f"Vial {vial} of {containers}" in answer["message"],
                          f"vial {vial} of {containers} recorded: {answer}")
        elif kind == "weigh":
            empty = s.ok(op="weigh", prep=prep, grams=tare, stable=True)
            check(empty["verdict"] == "recorded" and "Empty syringe" in empty["message"], f"empty syringe: {empty}")
            grams = tare + steps[step]["target_ml"] * steps[step]["density_g_per_ml"]
            answer = s.ok(op="weigh", prep=prep, grams=round(grams, 4), stable=True)
        elif kind == "photo":
            answer = s.ok(op="photo", prep=prep, image=photo)
            check(len(answer.get("image", "")) == 64, f"photo stored: {answer}")
        elif kind == "confirm":
            answer = s.ok(op="confirm", prep=prep)
        elif kind == "label":
            printed = s.ok(op="label", prep=prep)
            check(printed.get("label", {}).get("bud"), f"the label has a BUD: {printed}")
            # Printed is not applied: the step passes when the label's own code is scanned.
            check(printed["verdict"] == "recorded" and "scan its code" in printed["message"], f"label printed: {printed}")
            answer = s.ok(op="scan", prep=prep, text="]d1" + prep, source="scanner")
        check(answer["verdict"] == "passed", f"step {step} ({kind}) passed: {answer}")
        check(answer["step"] == step + 1 or answer["status"] == "awaiting_check", f"moved on from step {step}: {answer}")
        step = answer["step"]
    check(answer.get("status") == "awaiting_check", f"{prep} complete: {answer}")
    return answer


def release(s, prep, pharmacist="rph", pin="7350"):
    approved = s.ok(op="approve", prep=prep, user=pharmacist, pin=pin)
    check(approved["status"] == "released", f"{prep} released: {approved}")
    shown = s.ok(op="show", prep=prep)
    doc = shown["document"]
    check(doc["status"] == "released" and doc["checked_by"] == pharmacist, f"show after release: {doc['status']}")
    check(all(st["state"] in ("passed",) for st in doc["steps"]), "every step passed")
    return doc


def order_of(s, recipe):
    for item in s.ok(op="queue")["items"]:
        if item["recipe"] == recipe and item["status"] == "open":
            return item["order_id"]
    raise RuntimeError("no open order for " + recipe)


def main():
    photos = tempfile.mkdtemp(prefix="admix-session-photos-")
    good = os.path.join(photos, "sharp.png")      # fine detail, nothing clipped
    blurred = os.path.join(photos, "blurred.png")  # a smooth gradient: no edge anywhere
    write_png(good, 640, 480, lambda x, y: 60 if ((x // 6) + (y // 6)) % 2 else 190)
    write_png(blurred, 640, 480, lambda x, y: 60 + (x * 130) // 640)

    s = Session("--sandbox", "--demo")
    who = s.ok(op="sign_in", user="tech", pin="4821")
    check(who["user"] == "tech" and who["role"] == "technician", f"sign in: {who}")
    check(s.ok(op="garb", room="BUF-1", hd=False)["complete"], "garbed")

    # Fixed dose (magnesium sulfate, the recipe's own dose) and weight-based (vancomycin 15 mg/kg).
    for recipe in ("magnesium-sulfate-d5w", "vancomycin-ns"):
        start = s.ok(op="start", order_id=order_of(s, recipe), room="BUF-1", pec="LAFW-1")
        check(start["status"] == "in_progress" and start["step"] == 0, f"start {recipe}: {start}")
        complete(s, start, good)
        release(s, start["prep"])

    # Reconstituted (cefazolin 2 g from two 1 g vials), with a refused step on the way: a blurred photo.
    start = s.ok(op="start", order_id=order_of(s, "cefazolin-ns"), room="BUF-1", pec="LAFW-1")
    check(any(st["kind"] == "confirm" and "Reconstitute" in st["title"] for st in start["steps"]), "reconstitution step")
    prep = start["prep"]
    wrong = s.send(op="label", prep=prep)
    check(wrong["ok"] is False and wrong["verdict"] == "failed" and wrong["error"] == wrong["message"],
          f"label before the last step refused: {wrong}")
    skipped = s.send(op="confirm", prep=prep, step=3)
    check(skipped["ok"] is False and skipped["verdict"] == "failed" and "not open" in skipped["message"],
          f"a later step refused: {skipped}")
    # Up to the weighing: the diluent's scan (where the formulary names it), both 1 g vials (each
    # scanned; the same vial twice is one vial), the reconstitution.
    check(any(st.get("containers") == 2 for st in start["steps"]), f"two 1 g vials, two scans: {start['steps']}")
    at = 0
    while start["steps"][at]["kind"] != "weigh":
        here = start["steps"][at]
        if here["kind"] == "scan" and here.get("containers", 1) == 2:
            one = s.ok(op="scan", prep=prep, text=scan_text(here["accepted_gtins"][0], "LOTA", serial="S1"))
            check(one["verdict"] == "recorded" and one["step"] == at, f"the first vial alone does not pass the step: {one}")
            again = s.send(op="scan", prep=prep, text=scan_text(here["accepted_gtins"][0], "LOTA", serial="S1"))
            check(again["ok"] is False and "already scanned" in again["message"], f"the same vial twice is one vial: {again}")
            done = s.ok(op="scan", prep=prep, text=scan_text(here["accepted_gtins"][0], "LOTB", serial="S2"))
            check(done["verdict"] == "passed" and "2 vials (lots LOTA, LOTB)" in done["message"], f"both vials: {done}")
        elif here["kind"] == "scan":
            done = s.ok(op="scan", prep=prep, text=scan_text(here["accepted_gtins"][0], "DIL1"))
        else:
            check(here["kind"] == "confirm", f"before the weighing: {here}")
            done = s.ok(op="confirm", prep=prep)
        check(done["step"] == at + 1, f"moved on from step {at}: {done}")
        at = done["step"]
    s.ok(op="weigh", prep=prep, grams=11.2034, stable=True)
    weighed = s.ok(op="weigh", prep=prep, draw=1.0)
    check(weighed["verdict"] == "passed", f"draw: {weighed}")
    bad = s.send(op="photo", prep=prep, image=blurred)
    check(bad["ok"] is False and bad["verdict"] == "failed" and "blurred" in bad["message"], f"blurred photo: {bad}")
    start["step"] = bad["step"]
    start["status"] = bad["status"]
    complete(s, start, good)
    doc = release(s, prep)
    check(any(e["kind"] == "skip" and e["data"].get("attempted_step") == 3 for e in doc["evidence"]), "the skip is recorded")

    # Hazardous: cisplatin entered by a pharmacist, prepared in the BSC of the hazardous-drug room.
    order = {"id": "EXT-1", "recipe": "cisplatin-ns", "route": "IV",
             "patient": {"mrn": "MRN-T1", "name": "TEST, JUNE", "sex": "female", "birth_date": "1966-02-01",
                         "weight_kg": 70, "height_cm": 170, "age_years": 60, "scr_mg_dl": 0.9},
             "priority": "urgent", "due": "2030-01-01T12:00:00Z", "prescriber": "Dr. Onc (test)"}
    refused = s.send(op="order_add", order=order)
    check(refused["ok"] is False and "pharmacist" in refused["error"], f"a technician may not enter an order: {refused}")
    added = s.ok(op="order_add", order=order, user="rph", pin="7350")
    check(isinstance(added["order_id"], int) and added["order"].startswith("O"), f"order added: {added}")
    s.ok(op="garb", room="HD-1", hd=True)
    start = s.ok(op="start", order_id=added["order_id"], room="HD-1", pec="BSC-1")
    complete(s, start, good)
    release(s, start["prep"], "rph2", "8162")

    # Bad lines: one-line errors naming what is wrong; the session goes on.
    a = s.raw("this is not json")
    check(a["ok"] is False and "not a JSON request" in a["error"], f"malformed: {a}")
    a = s.raw("[1,2]")
    check(a["ok"] is False and "JSON object" in a["error"], f"not an object: {a}")
    a = s.send(op="fly")
    check(a["ok"] is False and a["error"].startswith('op: unknown operation "fly"'), f"unknown op: {a}")
    a = s.raw('{"id":"x"}')
    check(a["ok"] is False and a["error"] == "op: is missing" and a["id"] == "x", f"missing op: {a}")
    a = s.send(op="start", room="BUF-1", pec="LAFW-1")
    check(a["ok"] is False and a["error"] == "order_id: is missing", f"missing field: {a}")
    a = s.send(op="scan")
    check(a["ok"] is False and a["error"] == "text: is missing", f"missing text: {a}")
    a = s.send(op="weigh", grams=10.0)
    check(a["ok"] is False and a["error"] == "stable: is missing", f"missing stable: {a}")
    a = s.send(op="order_add", order={**order, "patient": {**order["patient"], "weight_kg": -1}}, user="rph", pin="7350")
    check(a["ok"] is False and a["error"] == "order.patient.weight_kg: must be a positive number", f"bad order: {a}")
    a = s.send(op="queue", now="2031-01-01T00:00:00Z")
    check(a["ok"] is True, f"a sandbox moves the clock: {a}")
    a = s.send(op="queue", now="2030-01-01T00:00:00Z")
    check(a["ok"] is False and "only moves forward" in a["error"], f"not backwards: {a}")
    a = s.send(op="queue")
    check(a["ok"] is True, f"still answering: {a}")
    rc, err = s.close()
    check(rc == 0, f"exit status 0 at end of input, got {rc}: {err}")

    # Not a sandbox: the clock does not move, and the data directory is the one given.
    data = tempfile.mkdtemp(prefix="admix-session-data-")
    # (--demo: the demo data seeded into it; without it a station with no stored formulary refuses to start)
    s = Session("--demo", before=("--data-dir", data), env={**os.environ, "XDG_CONFIG_HOME": data})
    a = s.send(op="queue", now="2031-01-01T00:00:00Z")
    check(a["ok"] is False and "only a sandbox" in a["error"], f"now outside a sandbox: {a}")
    s.close()

    # The sandbox is gone after the end of input and after SIGTERM alike (a private TMPDIR to count).
    tmp = tempfile.mkdtemp(prefix="admix-session-tmp-")
    for stop in ("eof", "sigterm"):
        s = Session("--sandbox", "--demo", env={**os.environ, "TMPDIR": tmp})
        s.ok(op="sign_in", user="tech", pin="4821")
        check(len([d for d in os.listdir(tmp) if d.startswith("admix-sandbox-") and not d.endswith("-keys")]) == 1, "a sandbox while running")
        if stop == "sigterm":
            s.proc.terminate()
            s.proc.wait(timeout=60)
        else:
            s.close()
        check(not [d for d in os.listdir(tmp) if d.startswith("admix-sandbox-")], f"sandbox deleted after {stop}")

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("session test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
