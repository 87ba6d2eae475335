"""Drives a running admix-station on a real (not demo) site by real input events (xdotool) through its
--ui-map file. (station_driver.py is the demo tests' driver; the two should become one.)

Shared by the GUI tests that set up a real (not demo) site: the site set up with the admix CLI as
the README's "Setting up a real site" does it, a simulated serial scanner for the badges, the
station started on the X display this process is given (xvfb-run provides one), touch targets
found by their labels, screenshots asked for with Esc.
"""
import json
import os
import subprocess
import time


class Station:
    def __init__(self, station, config, workdir, shots, env):
        self.uimap = os.path.join(workdir, "ui.json")
        self.shots = shots
        self.env = env
        self.log_path = os.path.join(workdir, "station.log")
        os.makedirs(shots, exist_ok=True)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([station, "--config", config, "--ui-map", self.uimap, "--screenshot-dir", shots],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.window = None

    def read_map(self):
        try:
            with open(self.uimap) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def wait_for(self, predicate, what, timeout=60.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("the station exited while waiting for %s; log: %s" % (what, self.log_text()[-2000:]))
            m = self.read_map()
            if m is not None and predicate(m):
                return m
            time.sleep(0.1)
        m = self.read_map()
        raise SystemExit("timed out waiting for %s (screen %s, targets %s)" % (
            what, m and m.get("screen"), m and [t["label"] for t in m["targets"]]))

    @staticmethod
    def target(m, label, how="exact"):
        for t in m["targets"]:
            shown = t["label"]
            if t["enabled"] and ((how == "exact" and shown == label) or (how == "prefix" and shown.startswith(label))
                                 or (how == "contains" and label in shown)):
                return t
        return None

    def start(self):
        self.wait_for(lambda m: m.get("screen") in ("Sign in", "Setup needed"), "the first screen", 120)
        for _ in range(100):
            found = subprocess.run(["xdotool", "search", "--name", "Admix"], capture_output=True, text=True).stdout.split()
            if found:
                self.window = found[0]
                return
            time.sleep(0.1)
        raise SystemExit("no station window")

    def xdo(self, *args):
        subprocess.run(["xdotool"] + [str(a) for a in args], check=True)

    def click(self, label, how="exact", timeout=60.0):
        m = self.wait_for(lambda m: self.target(m, label, how) is not None, "button '%s'" % label, timeout)
        t = self.target(m, label, how)
        self.xdo("mousemove", "--window", self.window, int(t["x"]), int(t["y"]))
        time.sleep(0.05)
        self.xdo("click", 1)
        time.sleep(0.25)
        return t

    def keys(self, text):
        """Types `text` on the station's on-screen keyboard, one touch per key."""
        for ch in text:
            self.click("Space" if ch == " " else ch.upper())

    def type(self, text):
        """Types `text` on the physical keyboard (X key events)."""
        self.xdo("type", "--delay", 80, text)
        time.sleep(0.3)

    def screen_is(self, name, timeout=60.0):
        self.wait_for(lambda m: m.get("screen") == name, "screen '%s'" % name, timeout)

    def labels(self):
        m = self.read_map() or {"targets": []}
        return [t["label"] for t in m["targets"]]

    def screenshot(self):
        before = set(os.listdir(self.shots))
        # Keyboard focus follows a click: the top bar's title (not a control), then Esc.
        self.xdo("mousemove", "--window", self.window, 8, 8)
        self.xdo("click", 1)
        self.xdo("keydown", "Escape")
        time.sleep(0.25)
        self.xdo("keyup", "Escape")
        deadline = time.time() + 10
        while time.time() < deadline and set(os.listdir(self.shots)) == before:
            time.sleep(0.1)
        time.sleep(0.3)
        return set(os.listdir(self.shots)) != before

    def log_text(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, needle, timeout=20.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if needle in self.log_text():
                return True
            time.sleep(0.1)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Scanner:
    """`admix simulate scanner`: a serial scanner on a pseudo-terminal; each line sent is one scan."""

    def __init__(self, admix, env):
        self.proc = subprocess.Popen([admix, "simulate", "scanner"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)
        self.path = self.proc.stdout.readline().strip()
        if not self.path.startswith("/dev/"):
            raise SystemExit("admix simulate scanner printed no pty path: %r" % self.path)

    def scan(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def sign_in(st, scanner, badge, pin):
    st.screen_is("Sign in")
    scanner.scan(badge)
    # The keypad's digits are there from the start; the badge must be read before Sign in works.
    time.sleep(1.0)
    for digit in pin:
        st.click(digit)
    st.click("Sign in")


def fill_order(st, name, mrn, weight, prescriber, order_id):
    """On the order form (recipe chosen): the fields by touch, some typed on the physical keyboard."""
    st.click("Name:", "prefix")
    st.click("Clear")
    st.type(name)
    st.click("MRN:", "prefix")
    st.click("Clear")
    st.keys(mrn)
    st.click("Weight kg", "prefix")
    st.click("Clear")
    st.keys(weight)
    st.click("Prescriber:", "prefix")
    st.click("Clear")
    st.type(prescriber)
    st.click("Order id:", "prefix")
    st.click("Clear")
    st.keys(order_id)
