#!/usr/bin/python3
"""The HL7 interface against an independent peer: Debian's python3-hl7 (its mllp_send command, its
MLLPClient, and its asyncio MLLP server as the receiving system). Runs `admix hl7 listen` on
loopback in a temporary data directory.

  peer_test.py --admix PATH orders      new/change/cancel, refusals, held-then-mapped, ACK fields
  peer_test.py --admix PATH resilience  SIGKILL mid-stream of 200 messages from 4 connections
  peer_test.py --admix PATH outbox      releases reach a receiver that was down, once each, in order
  peer_test.py --admix PATH site        a real site (no --demo): a recipe retired while listening

Exit 0 when every check passed; 77 (skipped) when python3-hl7 is not installed.
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

try:
    import hl7
    from hl7.client import MLLPClient
    from hl7.mllp import start_hl7_server
except ImportError:
    print("python3-hl7 is not installed (scripts/setup.sh installs it): skipped")
    sys.exit(77)

SB, EB, CR = b"\x0b", b"\x1c", b"\x0d"
FAILURES = []


def check(cond, what):
    if cond:
        print("ok   " + what)
    else:
        print("FAIL " + what)
        FAILURES.append(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Station:
    """A data directory and the `admix hl7 listen` process on it."""

    def __init__(self, admix, tmp, extra=None):
        self.admix = admix
        self.data = os.path.join(tmp, "data")
        self.extra = extra or []
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.admix, "--data-dir", self.data] + self.extra +
            ["hl7", "listen", "--listen", "127.0.0.1:%d" % self.port, "--demo"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("listener exited: " + self.proc.stderr.read())
            if "hl7 listening on" in line:
                return
        raise RuntimeError("listener did not start")

    def kill(self, sig=signal.SIGKILL):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=20)

    def cli(self, *args):
        # --demo: the listener maps to the demo formulary, so the CLI's maps must name its recipes too.
        out = subprocess.run([self.admix, "--data-dir", self.data, "--demo", "--json"] + list(args),
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("admix %s: %s" % (" ".join(args), out.stderr))
        return json.loads(out.stdout) if out.stdout.strip().startswith(("[", "{")) else out.stdout

    def db(self):
        return sqlite3.connect(os.path.join(self.data, "admix.sqlite3"), timeout=10)

    def queue(self):
        return self.cli("queue")


def rde(control="NW", ctrl="MSG1", placer="PL1", give="cefazolin-ns^Cefazolin 2 g^LOCAL", amount="2", units="g",
        priority="R", rxc="", obx="", version="2.5.1", order_first=False):
    segs = ["MSH|^~\\&|PHARM|GENHOSP|ADMIX|IVROOM|20261121100000||RDE^O11^RDE_O11|%s|P|%s" % (ctrl, version),
            "PID|1||MRN-P%s^^^GENHOSP^MR||DEMO^PEER||19700101|F" % placer,
            "PV1|1|I|ICU^12^B",
            "ORC|%s|%s^PHARM||||||||||1234^SMITH^ANNA" % (control, placer)]
    if control in ("NW", "XO"):
        rxe = "RXE||%s|%s||%s" % (give, amount, units)
        body = ["TQ1|1||||||||%s" % priority, rxe, "NTE|1||Protect from light", "RXR|IV"]
        body += [s for s in rxc.split("\r") if s] + [s for s in obx.split("\r") if s]
        if order_first:  # wrong segment order: RXE before ORC
            segs.insert(3, rxe)
            body.remove(rxe)
        segs += body
    return "\r".join(segs) + "\r"


def send(port, message):
    with MLLPClient("127.0.0.1", port) as client:
        reply = client.send_message(message.encode())
    return hl7.parse(reply.strip(SB + EB + CR).decode())


def field(msg, seg, f, comp=None):
    s = msg.segment(seg)
    value = s[f]
    if comp is None:
        return str(value)
    return str(value[0][comp - 1]) if len(value[0]) >= comp else ""


# [SECTION] orders --------------------------------------------------------------------------------

def test_orders(admix):
    with tempfile.TemporaryDirectory() as tmp:
        st = Station(admix, tmp)
        st.start()
        try:
            # New order through Debian's mllp_send command line tool.
            path = os.path.join(tmp, "nw.hl7")
            with open(path, "w", newline="") as f:
                f.write(rde(ctrl="NW-CEF").replace("\r", "\n"))
            out = subprocess.run(["mllp_send", "--loose", "-f", path, "-p", str(st.port), "127.0.0.1"],
                                 capture_output=True, timeout=30)
            ack = hl7.parse(out.stdout.strip(SB + EB + CR + b"\n").decode().replace("\n", "\r"))
            check(field(ack, "MSA", 1) == "AA", "mllp_send NW cefazolin: MSA-1 AA")
            check(field(ack, "MSA", 2) == "NW-CEF", "ACK MSA-2 echoes MSH-10")
            check(field(ack, "MSH", 3) == "ADMIX" and field(ack, "MSH", 4) == "IVROOM", "ACK MSH-3/4 = our MSH-5/6")
            check(field(ack, "MSH", 5) == "PHARM" and field(ack, "MSH", 6) == "GENHOSP", "ACK MSH-5/6 = sender")
            check(field(ack, "MSH", 12) == "2.5.1", "ACK MSH-12 = the message's version")
            check(field(ack, "MSH", 9, 1) == "ACK" and field(ack, "MSH", 9, 2) == "O11", "ACK MSH-9 ACK^O11")

            # Weight-based vancomycin with OBX weight in pounds; KCl IV mixture by RXC NDCs; a STAT order.
            a = send(st.port, rde(ctrl="NW-VAN", placer="PL2", give="vancomycin-ns^Vancomycin", amount="15", units="mg/kg",
                                  obx="OBX|1|NM|29463-7^Body weight^LN||176|[lb_av]"))
            check(field(a, "MSA", 1) == "AA", "NW vancomycin 15 mg/kg with OBX weight: AA")
            a = send(st.port, rde(ctrl="NW-KCL", placer="PL3", give="KCL20^KCl 20 mEq in NS 1 L", amount="1000", units="mL",
                                  rxc="RXC|B|99999090101^NS 1000 mL|1000|mL\rRXC|A|99999-201-10^KCl 2 mEq/mL|20|mEq"))
            check(field(a, "MSA", 1) == "AA", "NW KCl IV mixture by RXC codes: AA")
            a = send(st.port, rde(ctrl="NW-STAT", placer="PL4", give="ceftriaxone-ns^Ceftriaxone", amount="1", units="g",
                                  priority="S"))
            check(field(a, "MSA", 1) == "AA", "NW STAT ceftriaxone: AA")
            q = st.queue()
            recipes = [o["recipe"] for o in q]
            check(len(q) == 4, "four orders queued")
            check(q[0]["recipe"] == "ceftriaxone-ns" and q[0]["priority"] == "stat", "the STAT order is first")
            check("potassium-chloride-ns-1000" in recipes, "RXC additive + base NDCs matched the KCl recipe")
            van = [o for o in q if o["recipe"] == "vancomycin-ns"][0]
            check(van["dose"] == {"value": 15, "unit": "mg/kg"} or van["dose"] == {"value": 15.0, "unit": "mg/kg"},
                  "vancomycin dose 15 mg/kg")
            with st.db() as db:
                w = json.loads(db.execute("SELECT patient_json FROM orders WHERE recipe_id='vancomycin-ns'").fetchone()[0])
            check(abs(w["weight_kg"] - 79.832) < 0.01, "176 [lb_av] stored as 79.83 kg")

            # Change (XO) of the cefazolin order: replaced; cancel (CA) of vancomycin: removed.
            a = send(st.port, rde(control="XO", ctrl="XO-CEF", amount="1"))
            check(field(a, "MSA", 1) == "AA", "XO cefazolin 1 g: AA")
            a = send(st.port, rde(control="CA", ctrl="CA-VAN", placer="PL2"))
            check(field(a, "MSA", 1) == "AA", "CA vancomycin: AA")
            q = st.queue()
            check(len(q) == 3 and "vancomycin-ns" not in [o["recipe"] for o in q], "vancomycin left the queue")
            cef = [o for o in q if o["recipe"] == "cefazolin-ns"]
            check(len(cef) == 1 and cef[0]["dose"]["value"] == 1, "cefazolin now 1 g, once")

            # Resend of a control id: the same ACK, nothing changes.
            a1 = send(st.port, rde(ctrl="NW-STAT", placer="PL4", give="ceftriaxone-ns^Ceftriaxone", amount="1",
                                   units="g", priority="S"))
            check(str(a1) == str(a) or field(a1, "MSA", 2) == "NW-STAT", "resend answered")
            check(len(st.queue()) == 3, "resend added nothing")

            before = len(st.queue())
            # Refusals: ACK code and ERR, nothing changed.
            a = send(st.port, rde(ctrl="BAD-ORDER", placer="PL5", order_first=True))
            check(field(a, "MSA", 1) == "AE", "wrong segment order: AE")
            check(field(a, "ERR", 2, 1) == "RXE" and "before ORC" in field(a, "ERR", 8), "ERR names RXE, 'before ORC'")
            check(field(a, "ERR", 3, 1) == "100", "ERR-3 100 segment sequence error")
            a = send(st.port, rde(ctrl="BAD-UNIT", placer="PL6", give="vancomycin-ns", amount="15", units="mg/kg",
                                  obx="OBX|1|NM|29463-7^Body weight^LN||11|[stone]"))
            check(field(a, "MSA", 1) == "AE", "bad weight unit: AE")
            check(field(a, "ERR", 2, 1) == "OBX" and field(a, "ERR", 2, 3) == "6", "ERR names OBX-6")
            check("[stone]" in field(a, "ERR", 8), "ERR-8 names the unit")
            a = send(st.port, rde(ctrl="BAD-GIVE", placer="PL7", give="ZOSYN45^Piperacillin-tazobactam 4.5 g", amount="4.5"))
            check(field(a, "MSA", 1) == "AE", "unknown give code: AE")
            check(field(a, "ERR", 2, 1) == "RXE" and field(a, "ERR", 2, 3) == "2", "ERR names RXE-2")
            check("ZOSYN45" in field(a, "ERR", 8) and field(a, "ERR", 3, 1) == "103", "ERR-8 names the code, 103")
            # Malformed framing: a frame cut by a new start block is refused (AR); the next is read.
            with socket.create_connection(("127.0.0.1", st.port), timeout=10) as s:
                s.sendall(SB + b"MSH|^~\\&|PHARM|GENHOSP|ADMIX|IVROOM|2026||RDE^O11|CUT1|P|2.5.1\rPID|1||X" +
                          SB + b"MSH|^~\\&|PHARM|GENHOSP|ADMIX|IVROOM|2026||ADT^A01|ADT1|P|2.5.1\r" + EB + CR)
                data = b""
                while data.count(EB) < 2:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            acks = [hl7.parse(x.strip(SB + CR).decode()) for x in data.split(EB) if x.strip(SB + CR)]
            check(len(acks) == 2, "two ACKs on one connection")
            if len(acks) == 2:
                check(field(acks[0], "MSA", 1) == "AR" and field(acks[0], "MSA", 2) == "CUT1", "cut frame: AR for CUT1")
                check("cut short" in field(acks[0], "ERR", 8), "ERR-8 says the frame was cut short")
                check(field(acks[1], "MSA", 1) == "AR" and field(acks[1], "ERR", 3, 1) == "200",
                      "ADT^A01 after it: AR 200 unsupported message type")
            check(len(st.queue()) == before, "refusals changed nothing in the queue")

            # The held order: listed as not matched, mapped by a pharmacist, then queued.
            held = st.cli("hl7", "unmatched")
            check(len(held) == 1 and held[0]["control_id"] == "BAD-GIVE", "orders not matched lists the held message")
            st.cli("hl7", "map", "add", "piperacillin-tazobactam-ns", "--give", "ZOSYN45", "--by", "rpatel")
            check(len(st.cli("hl7", "unmatched")) == 0, "nothing held once mapped")
            check(len(st.queue()) == before + 1, "the held order entered the queue")
            # Two orders in one RDE^O11 (two ORC groups): both queued, one ACK; with the second one
            # refused, AE names its segment and neither is queued.
            two = rde(ctrl="TWO-1", placer="PT1", give="ceftriaxone-ns^Ceftriaxone", amount="1", units="g") + \
                "ORC|NW|PT2^PHARM||||||||||1234^SMITH^ANNA\rTQ1|1||||||||S\r" \
                "RXE||cefazolin-ns^Cefazolin 2 g|2||g\rNTE|1||Second order\rRXR|IV\r"
            before = len(st.queue())
            a = send(st.port, two)
            check(field(a, "MSA", 1) == "AA" and field(a, "MSA", 2) == "TWO-1", "two ORC groups in one RDE^O11: AA")
            q = st.queue()
            check(len(q) == before + 2, "both orders of the message are queued (%d -> %d)" % (before, len(q)))
            with st.db() as db:
                placers = sorted(r[0] for r in db.execute("SELECT placer FROM hl7_orders WHERE placer LIKE 'PT%'"))
            check(placers == ["PT1^PHARM", "PT2^PHARM"], "each placer number linked to its order: %s" % placers)
            bad = rde(ctrl="TWO-2", placer="PT3") + \
                "ORC|NW|PT4^PHARM||||||||||1234^SMITH^ANNA\rRXE||cefazolin-ns|2||g\r"
            a = send(st.port, bad)
            check(field(a, "MSA", 1) == "AE", "second order without RXR: AE")
            check("ORC(2)" in field(a, "ERR", 8) and "none of the message's 2 orders" in field(a, "ERR", 8),
                  "ERR-8 names the second order and says none was taken: " + field(a, "ERR", 8))
            check(len(st.queue()) == before + 2, "the refused two-order message queued neither")

            inbox = st.cli("hl7", "inbox")
            ids = [r["control_id"] for r in inbox]
            check(len(ids) == len(set(x for x in ids if x)) + ids.count(None), "every control id in the inbox once")
        finally:
            st.kill(signal.SIGTERM)


# [SECTION] resilience ----------------------------------------------------------------------------

def test_resilience(admix):
    total, connections = 200, 4
    with tempfile.TemporaryDirectory() as tmp:
        st = Station(admix, tmp)
        st.start()
        acked = [0]
        lock = threading.Lock()
        killed = threading.Event()
        restarted = threading.Event()

        def sender(k):
            mine = ["R%03d" % i for i in range(total) if i % connections == k]
            i = 0
            client = None
            while i < len(mine):
                ctrl = mine[i]
                msg = rde(ctrl=ctrl, placer="P" + ctrl, give="cefazolin-ns", amount="2").encode()
                try:
                    if client is None:
                        client = MLLPClient("127.0.0.1", st.port)
                        client.socket.settimeout(10)
                    reply = client.send_message(msg)
                    if not reply:
                        raise ConnectionError("closed")
                    ack = hl7.parse(reply.strip(SB + EB + CR).decode())
                    if field(ack, "MSA", 2) != ctrl or field(ack, "MSA", 1) != "AA":
                        raise RuntimeError("ACK %s for %s" % (field(ack, "MSA", 1), ctrl))
                    i += 1
                    with lock:
                        acked[0] += 1
                except (OSError, ConnectionError, hl7.ParseException):
                    # The listener is gone: wait for it and resend what was not acknowledged (the
                    # interface engine's behaviour), and the one before it too, as if its ACK was lost.
                    if client is not None:
                        try:
                            client.close()
                        except OSError:
                            pass
                    client = None
                    restarted.wait(30)
                    if i > 0 and ctrl != mine[0]:
                        i -= 1
                    time.sleep(0.05)
            if client:
                client.close()

        threads = [threading.Thread(target=sender, args=(k,)) for k in range(connections)]
        for t in threads:
            t.start()
        while True:
            with lock:
                if acked[0] >= 70:
                    break
            time.sleep(0.01)
        st.kill(signal.SIGKILL)
        killed.set()
        print("listener SIGKILLed after %d ACKs" % acked[0])
        time.sleep(0.5)
        st.start()
        restarted.set()
        for t in threads:
            t.join(120)
        # The sender resends the whole stream once more: every one is a duplicate.
        for i in range(0, total, 10):
            ctrl = "R%03d" % i
            ack = send(st.port, rde(ctrl=ctrl, placer="P" + ctrl, give="cefazolin-ns", amount="2"))
            if field(ack, "MSA", 1) != "AA":
                FAILURES.append("resend of %s answered %s" % (ctrl, field(ack, "MSA", 1)))
        st.kill(signal.SIGTERM)
        with st.db() as db:
            inbox = db.execute("SELECT count(*), count(DISTINCT control_id) FROM hl7_inbox").fetchone()
            orders = db.execute("SELECT count(*) FROM orders").fetchone()[0]
            links = db.execute("SELECT count(*), count(DISTINCT order_id) FROM hl7_orders").fetchone()
        check(inbox == (total, total), "every message in the inbox once (%s)" % (inbox,))
        check(orders == total, "every order once (%d)" % orders)
        check(links == (total, total), "every placer number linked to one order (%s)" % (links,))


# [SECTION] outbox --------------------------------------------------------------------------------

class Receiver:
    """The pharmacy system's receiving side: python3-hl7's asyncio MLLP server, in a thread."""

    def __init__(self, port, ssl_context=None):
        self.port = port
        self.ssl_context = ssl_context
        self.received = []
        self.loop = None
        self.server = None
        self.thread = None

    def start(self):
        ready = threading.Event()

        async def handle(reader, writer):
            try:
                while not writer.is_closing():
                    message = await reader.readmessage()
                    self.received.append(str(message))
                    writer.writemessage(message.create_ack())
                    await writer.drain()
            except asyncio.IncompleteReadError:
                pass
            finally:
                writer.close()

        def run():
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(start_hl7_server(handle, "127.0.0.1", self.port,
                                                                        ssl=self.ssl_context))
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)

    def stop(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def release(db, order_id, n):
    """A preparation of the order, released by a pharmacist (as the engine's approve leaves it)."""
    prep = "P20261121-%04d" % n
    db.execute("INSERT INTO preparations(prep_number, order_id, recipe_id, recipe_version, spec_json, status, technician,"
               " station, started_utc) VALUES (?, ?, 'cefazolin-ns', 1, '{\"dose\":\"2 g\"}', 'awaiting_check',"
               " 'tnguyen', 'test', '2026-11-21T10:00:00Z')", (prep, order_id))
    db.execute("UPDATE preparations SET status='released', checked_by='rpatel', checked_utc='2026-11-21T11:00:00Z'"
               " WHERE prep_number=?", (prep,))
    db.commit()
    return prep


def test_outbox(admix):
    with tempfile.TemporaryDirectory() as tmp:
        receiver_port = free_port()
        config = os.path.join(tmp, "admix.toml")
        with open(config, "w") as f:
            f.write("[hl7]\nretry_max_seconds = 1\noutbound_application = \"PHARM\"\n")
        st = Station(admix, tmp, ["--config", config])
        st.extra = ["--config", config]
        st.start()
        st.proc.terminate()
        st.proc.wait(10)
        # The listener with an outbound destination that is down.
        st.extra = ["--config", config]
        st.proc = subprocess.Popen([admix, "--data-dir", st.data, "--config", config, "hl7", "listen", "--demo",
                                    "--listen", "127.0.0.1:%d" % st.port, "--outbound", "127.0.0.1:%d" % receiver_port],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while "hl7 listening" not in st.proc.stdout.readline():
            pass
        for i in range(3):
            ack = send(st.port, rde(ctrl="OUT%d" % i, placer="OP%d" % i))
            check(field(ack, "MSA", 1) == "AA", "order OP%d accepted" % i)
        with st.db() as db:
            ids = [r[0] for r in db.execute("SELECT order_id FROM hl7_orders ORDER BY placer")]
            preps = [release(db, oid, n + 1) for n, oid in enumerate(ids)]
        time.sleep(2.5)
        box = st.cli("hl7", "outbox")
        check(len(box) == 3 and all(r["state"] != "sent" for r in box), "3 queued, none sent while the receiver is down")
        check(box[0]["attempts"] >= 1 and box[0]["last_error"] != "", "the first was tried and failed: " +
              (box[0]["last_error"] if box else ""))
        # Restart the station while the receiver is still down: the outbox is kept.
        st.kill(signal.SIGKILL)
        receiver = Receiver(receiver_port)
        receiver.start()
        st.proc = subprocess.Popen([admix, "--data-dir", st.data, "--config", config, "hl7", "listen", "--demo",
                                    "--listen", "127.0.0.1:%d" % st.port, "--outbound", "127.0.0.1:%d" % receiver_port],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline and len(receiver.received) < 3:
            time.sleep(0.1)
        time.sleep(1.0)  # nothing more may come
        st.kill(signal.SIGTERM)
        receiver.stop()
        got = [hl7.parse(m) for m in receiver.received]
        check(len(got) == 3, "every release reached the receiver once (%d)" % len(got))
        numbers = [field(m, "RXD", 7) for m in got]
        check(numbers == preps, "in release order: %s" % numbers)
        if got:
            m = got[0]
            check(field(m, "MSH", 9) == "RDS^O13^RDS_O13", "RDS^O13")
            check(field(m, "ORC", 2, 1) == "OP0" and field(m, "ORC", 1) == "RE", "ORC-2 placer number")
            check(field(m, "RXE", 2, 1) == "cefazolin-ns", "RXE as received")
            check(field(m, "RXD", 2, 1) == "cefazolin-ns" and field(m, "RXD", 4) == "2" and field(m, "RXD", 5) == "g",
                  "RXD-2 give code, RXD-4/5 amount and units")
            check(field(m, "RXD", 10) == "rpatel", "RXD-10 the dispensing pharmacist")
        box = st.cli("hl7", "outbox")
        check(all(r["state"] == "sent" for r in box), "outbox: all sent")


# [SECTION] serve ---------------------------------------------------------------------------------

def test_serve(admix):
    """[hl7] enabled = true: `admix serve` runs the listener beside the web check."""
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        hl7_port, web_port = free_port(), free_port()
        config = os.path.join(tmp, "admix.toml")

        def write_config(extra=""):
            with open(config, "w") as f:
                f.write("[hl7]\nenabled = true\nlisten_address = \"127.0.0.1\"\nport = %d\n%s" % (hl7_port, extra))

        # A configuration error names the key, and nothing is left listening.
        write_config("tls_cert = \"%s\"\n" % config)
        out = subprocess.run([admix, "--data-dir", data, "--config", config, "serve", "--plain-http-for-loopback-tests",
                              "--listen", "127.0.0.1:%d" % web_port], capture_output=True, text=True, timeout=60)
        check(out.returncode == 1, "tls_cert without tls_key: serve exits 1 (%d)" % out.returncode)
        check("[hl7] tls_key" in out.stderr and "both" in out.stderr, "the error names [hl7] tls_key: " + out.stderr.strip())
        for extra, key in (("max_message_bytes = 12\n", "max_message_bytes"), ("listen_address = \"ward 3\"\n", "listen_address")):
            with open(config, "w") as f:
                f.write("[hl7]\nenabled = true\nport = %d\n%s" % (hl7_port, extra))
            out = subprocess.run([admix, "--data-dir", data, "--config", config, "serve", "--plain-http-for-loopback-tests",
                                  "--listen", "127.0.0.1:%d" % web_port], capture_output=True, text=True, timeout=60)
            check(out.returncode == 1 and key in out.stderr, "a bad %s: serve exits 1 naming it: %s" % (key, out.stderr.strip()))

        write_config()
        proc = subprocess.Popen([admix, "--data-dir", data, "--config", config, "serve", "--demo",
                                 "--plain-http-for-loopback-tests", "--listen", "127.0.0.1:%d" % web_port],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = []
        try:
            while True:
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError("serve exited: " + proc.stderr.read())
                lines.append(line)
                if line.startswith("serving "):
                    break
            check(any(("hl7 listening on 127.0.0.1:%d" % hl7_port) in l for l in lines), "serve says the HL7 listener is up")
            ack = send(hl7_port, rde(ctrl="SERVE-1", placer="SV1", give="cefazolin-ns^Cefazolin 2 g^LOCAL", amount="2"))
            check(field(ack, "MSA", 1) == "AA" and field(ack, "MSA", 2) == "SERVE-1", "RDE^O11 to serve's listener: AA")
            ack = send(hl7_port, rde(ctrl="SERVE-2", placer="SV2", give="NOSUCH^Unknown"))
            check(field(ack, "MSA", 1) == "AE" and field(ack, "ERR", 2, 1) == "RXE", "an unknown give code: AE naming RXE")
            out = subprocess.run([admix, "--data-dir", data, "--demo", "--json", "order", "list"], capture_output=True,
                                 text=True, timeout=60)
            orders = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
            mine = [o for o in orders if o["mrn"] == "MRN-PSV1"]
            check(out.returncode == 0 and len(mine) == 1, "admix order list shows the order once (%d)" % len(mine))
            if mine:
                check(mine[0]["recipe"] == "cefazolin-ns" and mine[0]["status"] == "open" and
                      mine[0]["entered_by"].startswith("hl7:"), "queued for cefazolin-ns, entered by the interface")
            check(not any(o["mrn"] == "MRN-PSV2" for o in orders), "the refused order is not listed")
        finally:
            proc.send_signal(signal.SIGTERM)
            rest, err = proc.communicate(timeout=30)
        check(proc.returncode == 0 and "stopped" in rest, "SIGTERM stops serve and its listener cleanly (%s)" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", hl7_port), timeout=2).close()
            check(False, "the HL7 port is closed after shutdown")
        except OSError:
            check(True, "the HL7 port is closed after shutdown")


# [SECTION] tls -----------------------------------------------------------------------------------

def make_cert(tmp, name):
    """A throwaway self-signed certificate for localhost / 127.0.0.1 (its own CA)."""
    cert, key = os.path.join(tmp, name + ".pem"), os.path.join(tmp, name + "-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    return cert, key


def send_tls(port, cafile, message, client=None):
    """One message over MLLP on TLS, the listener's certificate verified (and our client certificate
    shown when given); the ACK parsed by python3-hl7."""
    import ssl
    ctx = ssl.create_default_context(cafile=cafile)
    if client:
        ctx.load_cert_chain(*client)
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(SB + message.encode() + EB + CR)
            data = b""
            while EB not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    return hl7.parse(data.strip(SB + EB + CR).decode())


def test_tls(admix):
    import ssl
    with tempfile.TemporaryDirectory() as tmp:
        listener_cert, listener_key = make_cert(tmp, "listener")
        receiver_cert, receiver_key = make_cert(tmp, "receiver")
        stranger_cert, stranger_key = make_cert(tmp, "stranger")
        port, receiver_port = free_port(), free_port()
        data = os.path.join(tmp, "data")
        config = os.path.join(tmp, "admix.toml")

        def listen():
            return subprocess.Popen([admix, "--data-dir", data, "--config", config, "hl7", "listen", "--demo", "--listen",
                                     "127.0.0.1:%d" % port, "--outbound", "127.0.0.1:%d" % receiver_port],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        # A TLS setting without outbound_tls = true is refused, naming the key (it would go in the clear).
        with open(config, "w") as f:
            f.write("[hl7]\noutbound_tls_ca = \"%s\"\n" % receiver_cert)
        proc = listen()
        out, err = proc.communicate(timeout=60)
        check(proc.returncode == 1 and "[hl7] outbound_tls_ca" in err and "outbound_tls is not true" in err,
              "outbound_tls_ca without outbound_tls: refused naming the key: " + err.strip())

        with open(config, "w") as f:
            f.write("[hl7]\nretry_max_seconds = 1\ntls_cert = \"%s\"\ntls_key = \"%s\"\n"
                    "outbound_tls = true\noutbound_tls_ca = \"%s\"\n" % (listener_cert, listener_key, receiver_cert))
        proc = listen()
        line = proc.stdout.readline()
        while line and "hl7 listening" not in line:
            line = proc.stdout.readline()
        check("(TLS)" in line and "dispenses to 127.0.0.1:%d (TLS)" % receiver_port in line, "listener and outbox on TLS: " +
              line.strip())
        try:
            ack = send_tls(port, listener_cert, rde(ctrl="TLS-1", placer="TP1"))
            check(field(ack, "MSA", 1) == "AA" and field(ack, "MSA", 2) == "TLS-1", "RDE^O11 over TLS: AA")
            with sqlite3.connect(os.path.join(data, "admix.sqlite3"), timeout=10) as db:
                order_id = db.execute("SELECT order_id FROM hl7_orders WHERE placer = 'TP1^PHARM'").fetchone()[0]
                prep = release(db, order_id, 1)

            # A receiver whose certificate the site's CA did not sign gets nothing.
            wrong = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            wrong.load_cert_chain(stranger_cert, stranger_key)
            receiver = Receiver(receiver_port, wrong)
            receiver.start()
            box = []
            deadline = time.time() + 30
            while time.time() < deadline:
                box = json.loads(subprocess.run([admix, "--data-dir", data, "--json", "--demo", "hl7", "outbox"],
                                                capture_output=True, text=True, timeout=60).stdout)
                if box and "certificate" in box[0]["last_error"]:
                    break
                time.sleep(0.2)
            receiver.stop()
            check(receiver.received == [], "a receiver with a certificate from another CA receives nothing")
            check(bool(box) and box[0]["state"] != "sent" and "certificate" in box[0]["last_error"],
                  "the attempt's error says the certificate was refused: " + (box[0]["last_error"] if box else "-"))

            # The right receiver: the release arrives once, over TLS, and is acknowledged.
            right = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            right.load_cert_chain(receiver_cert, receiver_key)
            receiver = Receiver(receiver_port, right)
            receiver.start()
            deadline = time.time() + 30
            while time.time() < deadline and not receiver.received:
                time.sleep(0.1)
            sent = []
            while time.time() < deadline:
                sent = json.loads(subprocess.run([admix, "--data-dir", data, "--json", "--demo", "hl7", "outbox"],
                                                 capture_output=True, text=True, timeout=60).stdout)
                if sent and sent[0]["state"] == "sent":
                    break
                time.sleep(0.2)
            receiver.stop()
            check(len(receiver.received) == 1, "the release reached the TLS receiver once (%d)" % len(receiver.received))
            if receiver.received:
                m = hl7.parse(receiver.received[0])
                check(field(m, "MSH", 9) == "RDS^O13^RDS_O13" and field(m, "RXD", 7) == prep, "RDS^O13 with RXD-7 " + prep)
            check(bool(sent) and sent[0]["state"] == "sent", "outbox: sent once the receiver answered AA")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=30)
        check(proc.returncode == 0, "the listener stops cleanly (%s)" % proc.returncode)

        # Mutual TLS (tls_ca): a sender without a certificate from that CA gets no ACK; one with it, AA.
        client_cert, client_key = make_cert(tmp, "client")
        with open(config, "a") as f:
            f.write("tls_ca = \"%s\"\n" % client_cert)
        proc = listen()
        while "hl7 listening" not in proc.stdout.readline():
            pass
        try:
            try:
                ack = send_tls(port, listener_cert, rde(ctrl="TLS-2", placer="TP2"))
                refused = str(ack).strip() == ""
            except (ssl.SSLError, OSError, hl7.ParseException, IndexError):
                refused = True
            check(refused, "mutual TLS: a sender without a client certificate gets no ACK")
            ack = send_tls(port, listener_cert, rde(ctrl="TLS-3", placer="TP3"), client=(client_cert, client_key))
            check(field(ack, "MSA", 1) == "AA", "mutual TLS: the sender with the site's client certificate gets AA")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=30)
        with sqlite3.connect(os.path.join(data, "admix.sqlite3"), timeout=10) as db:
            placers = [r[0] for r in db.execute("SELECT placer FROM hl7_orders ORDER BY placer")]
        check(placers == ["TP1^PHARM", "TP3^PHARM"], "only the authenticated orders were taken: %s" % placers)

# [SECTION] site: a real site's formulary followed while the listener runs --------------------------

def test_site(admix):
    """No --demo: the site's own formulary (tests/data/site_formulary). An order for its approved
    recipe is queued; after a pharmacist retires that recipe while the listener runs, the next order
    for it is refused (AE, ERR on RXE-2) instead of being queued for a recipe no hood may start; once
    a new version is imported and approved, orders for it are taken again, without a restart."""
    site_formulary = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "site_formulary")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")

        def cli(*args, stdin=""):
            out = subprocess.run([admix, "--data-dir", data] + list(args), input=stdin,
                                 capture_output=True, text=True, timeout=60)
            if out.returncode != 0:
                raise RuntimeError("admix %s: %s" % (" ".join(args), out.stderr))
            return out.stdout

        cli("users", "add", "--username", "admin", "--name", "Admin", "--role", "admin", "--password",
            stdin="admin password 1\n")
        cli("users", "add", "--username", "rph", "--name", "R. Pharm", "--role", "pharmacist", "--badge", "B-2001",
            "--pin", "--password", "--admin", "admin", stdin="7350\nrph password 1\nadmin password 1\n")
        cli("formulary", "import", site_formulary, "--pharmacist", "rph", stdin="rph password 1\n")
        cli("formulary", "approve", "famotidine-ns-50", "--pharmacist", "rph", stdin="rph password 1\n")
        cli("hl7", "map", "add", "famotidine-ns-50", "--give", "FAMO20", "--by", "rph")

        port = free_port()
        proc = subprocess.Popen([admix, "--data-dir", data, "hl7", "listen", "--listen", "127.0.0.1:%d" % port],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 20
            while time.time() < deadline:
                line = proc.stdout.readline()
                if not line or "hl7 listening on" in line:
                    break
            check(proc.poll() is None, "admix hl7 listen runs on the site's own formulary (no --demo)")
            famotidine = dict(give="FAMO20^Famotidine 20 mg^LOCAL", amount="20", units="mg")
            a = send(port, rde(ctrl="SITE-1", placer="SP1", **famotidine))
            check(field(a, "MSA", 1) == "AA", "famotidine order for the approved recipe: AA")

            cli("formulary", "retire", "famotidine-ns-50", "--pharmacist", "rph", "--reason", "wrong diluent",
                stdin="rph password 1\n")
            a = send(port, rde(ctrl="SITE-2", placer="SP2", **famotidine))
            check(field(a, "MSA", 1) == "AE", "after the recipe was retired, the next order for it: AE")
            check(field(a, "ERR", 2, 1) == "RXE" and field(a, "ERR", 2, 3) == "2", "ERR names RXE-2")
            check("famotidine-ns-50" in field(a, "ERR", 8) and "approved" in field(a, "ERR", 8),
                  "ERR-8 says the recipe is not approved: %s" % field(a, "ERR", 8))

            # A new formulary version brings the recipe back as a draft; once approved, orders for it
            # are taken again, by the same listener.
            cli("formulary", "import", site_formulary, "--pharmacist", "rph", "--note", "diluent fixed",
                stdin="rph password 1\n")
            cli("formulary", "approve", "famotidine-ns-50", "--pharmacist", "rph", stdin="rph password 1\n")
            a = send(port, rde(ctrl="SITE-3", placer="SP3", **famotidine))
            check(field(a, "MSA", 1) == "AA", "approved again while listening: AA without a restart")
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        check("formulary read again" in err, "the listener says it read the formulary again")
        with sqlite3.connect(os.path.join(data, "admix.sqlite3"), timeout=10) as db:
            placers = [r[0] for r in db.execute("SELECT placer FROM hl7_orders ORDER BY placer")]
        check(placers == ["SP1^PHARM", "SP3^PHARM"], "only the orders for the approved recipe were taken: %s" % placers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--admix", required=True)
    parser.add_argument("test", choices=["orders", "resilience", "outbox", "serve", "tls", "site"])
    args = parser.parse_args()
    {"orders": test_orders, "resilience": test_resilience, "outbox": test_outbox, "serve": test_serve, "tls": test_tls,
     "site": test_site}[args.test](args.admix)
    if FAILURES:
        print("%d checks failed" % len(FAILURES))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
