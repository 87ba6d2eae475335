"""Drives admix-station by real input events, for the GUI tests.

The station runs under the X display the test is given (xvfb-run provides one) with --ui-map: every
frame it writes the touch targets of its screen (label, rectangle, enabled) and what a person could
not read (a label cut inside its button, a panel whose content runs past its edge). The driver
finds a target by the label a person reads, moves the pointer there and clicks with xdotool, and
asks the station for a screenshot (Esc) into the output folder.

Every screenshot also checks the screen it shows (see fit_problems): text must fit, and every touch
target must be at least the station's minimum touch size (15 mm at the panel's density).
"""
import json
import os
import shutil
import subprocess
import tempfile
import time


class Station:
    def __init__(self, station, args, shots, window_size=None, extra_env=None, data_dir=None):
        """Starts STATION with ARGS (a list) plus --data-dir (a fresh one in a temp folder unless
        data_dir is given), --ui-map and --screenshot-dir SHOTS.

        window_size: None for the station's own window (1280x800 by default), or "fullscreen" to
        fill the X screen the test runs on (xvfb-run -s "-screen 0 1920x1080x24").
        """
        self.work = tempfile.mkdtemp(prefix="admix-gui-")
        self.uimap = os.path.join(self.work, "ui.json")
        self.shots = shots
        os.makedirs(shots, exist_ok=True)
        for f in os.listdir(shots):
            if f.endswith(".png"):
                os.remove(os.path.join(shots, f))
        self.env = dict(os.environ, XDG_DATA_HOME=os.path.join(self.work, "xdg"),
                        XDG_CONFIG_HOME=os.path.join(self.work, "cfg"), LIBGL_ALWAYS_SOFTWARE="1")
        if extra_env:
            self.env.update(extra_env)
        self.failures = []
        self.fit_checked = 0
        self.window = None
        self.data = data_dir or os.path.join(self.work, "data")
        self.log_path = os.path.join(self.work, "station.log")
        self.log = open(self.log_path, "w")
        command = [station] + list(args) + ["--data-dir", self.data, "--ui-map", self.uimap, "--screenshot-dir", shots]
        if window_size == "fullscreen":
            command.append("--fullscreen")
        self.process = subprocess.Popen(command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    # ----- what the station shows -----

    def fail(self, message):
        self.failures.append(message)
        print("FAIL:", message, flush=True)

    def read_map(self):
        try:
            with open(self.uimap) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def wait_for(self, predicate, what, timeout=60.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("the station exited while waiting for " + what)
            m = self.read_map()
            if m is not None and predicate(m):
                return m
            time.sleep(0.1)
        m = self.read_map()
        raise SystemExit("timed out waiting for %s (screen %s, targets %s)" % (
            what, m and m.get("screen"), m and [t["label"] for t in m["targets"]]))

    @staticmethod
    def target(m, label, prefix=False):
        for t in m["targets"]:
            if t["enabled"] and (t["label"].startswith(label) if prefix else t["label"] == label):
                return t
        return None

    def screen_is(self, name, timeout=60.0):
        self.wait_for(lambda m: m.get("screen") == name, "screen '%s'" % name, timeout)

    # ----- input -----

    def find_window(self, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = subprocess.run(["xdotool", "search", "--name", "Admix"], capture_output=True, text=True).stdout.split()
            if found:
                self.window = found[0]
                return
            time.sleep(0.1)
        raise SystemExit("no station window on the display")

    @staticmethod
    def xdo(*args):
        subprocess.run(["xdotool"] + [str(a) for a in args], check=True)

    def click(self, label, prefix=False, timeout=60.0):
        m = self.wait_for(lambda m: self.target(m, label, prefix) is not None, "button '%s'" % label, timeout)
        t = self.target(m, label, prefix)
        self.xdo("mousemove", "--window", self.window, int(t["x"]), int(t["y"]))
        time.sleep(0.05)
        self.xdo("click", 1)
        time.sleep(0.25)

    def key(self, name):
        # Held across a few frames: Dear ImGui 1.86 samples key state once per frame.
        self.xdo("keydown", name)
        time.sleep(0.25)
        self.xdo("keyup", name)

    def screenshot(self, check_fit=True):
        """Saves what the screen shows; first checks that its text fits (fit_problems)."""
        if check_fit:
            self.check_fit()
        before = set(os.listdir(self.shots))
        # Keyboard focus follows a click: click the top bar's title (not a control), then Esc.
        self.xdo("mousemove", "--window", self.window, 8, 8)
        self.xdo("click", 1)
        self.key("Escape")
        deadline = time.time() + 10
        while time.time() < deadline and set(os.listdir(self.shots)) == before:
            time.sleep(0.1)
        if set(os.listdir(self.shots)) == before:
            self.fail("no screenshot was saved")
        time.sleep(0.3)

    # ----- text that fits, targets a finger can hit -----

    @staticmethod
    def fit_problems(m):
        """What on this map a person could not read or hit, in words (empty: all fits)."""
        problems = []
        screen = m.get("screen")
        least = float(m.get("min_touch_px", 0)) - 0.5
        for t in m.get("targets", []):
            if t.get("clipped"):
                problems.append("%s: the label '%s' does not fit in its button (%.0f x %.0f px)" % (
                    screen, t["label"], t["full_w"], t["full_h"]))
            if not t.get("text") and t["enabled"] and min(t["full_w"], t["full_h"]) < least:
                problems.append("%s: '%s' is %.0f x %.0f px, under the %.0f px minimum touch size" % (
                    screen, t["label"], t["full_w"], t["full_h"], least + 0.5))
        for o in m.get("overflows", []):
            where = []
            if o["right_px"]:
                where.append("%.0f px past its right edge" % o["right_px"])
            if o["below_px"]:
                where.append("%.0f px below its bottom, where it cannot scroll" % o["below_px"])
            problems.append("%s: the content of %s runs %s" % (screen, o["window"], " and ".join(where)))
        return problems

    def check_fit(self):
        time.sleep(0.3)  # a frame or two after the last input
        m = self.read_map()
        if m is None:
            return
        self.fit_checked += 1
        for p in self.fit_problems(m):
            self.fail(p)

    # ----- the CLI beside it -----

    def admix_json(self, admix, *args):
        out = subprocess.run([admix] + list(args), env=self.env, capture_output=True, text=True)
        return json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else {}

    # ----- the end -----

    def stop(self):
        """Ends the station; returns its log text."""
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        with open(self.log_path) as f:
            text = f.read()
        shutil.rmtree(self.work, ignore_errors=True)
        return text
