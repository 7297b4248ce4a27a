"""The modem driver (src/modem/) against smsgate-modemsim, every profile
and every fault, through modem-harness. Assertions are on what the
simulator logged (the PDUs it received, decoded) and on what the driver
reported (its events and status). Every wait is on an event."""

import json
import os
import shutil
import tempfile
import subprocess
import threading
import unittest

from simlib import SimTest, wait_for, TIMEOUT

HARNESS = os.environ.get("SMSGATE_HARNESS", "modem-harness")
NUMBER = "+491701234567"
LONG = ("The quick brown fox jumps over the lazy dog. " * 6).strip()  # 269 septets: 2 parts


class Harness:
    def __init__(self, device, *args):
        self.proc = subprocess.Popen([HARNESS, "--device", device, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.events = []
        self.lock = threading.Lock()
        self.stderr = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.events.append(json.loads(line))

    def _read_err(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def command(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def find(self, event, **match):
        with self.lock:
            return [e for e in self.events if e["event"] == event
                    and all(e.get(k) == v for k, v in match.items())]

    def wait(self, event, count=1, timeout=TIMEOUT, **match):
        return wait_for(lambda: len(self.find(event, **match)) >= count and self.find(event, **match),
                        timeout, "%d harness %s events %r; stderr:\n%s" % (count, event, match,
                                                                           "".join(self.stderr[-30:])))

    def wait_ready(self, count=1, timeout=TIMEOUT):
        return self.wait("state", count=count, state="ready", timeout=timeout)

    def send(self, text, number=NUMBER, flags="", timeout=TIMEOUT):
        n = len(self.find("done")) + len([1 for _ in []])
        self.command("send %s%s %s" % (flags + " " if flags else "", number, text))
        return self.wait("done", count=n + 1, timeout=timeout)[n]

    def status(self):
        n = len(self.find("status"))
        self.command("status")
        return self.wait("status", count=n + 1)[n]

    def close(self):
        if self.proc.poll() is None:
            self.command("quit")
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class DriverTest(SimTest):
    harness_args = ("--poll-ms", "500", "--reopen-min-ms", "200", "--reopen-max-ms", "1000")

    def harness(self, sim, *args):
        h = Harness(sim.link, *(self.harness_args + args))
        self.addCleanup(self._stop_harness, h)
        return h

    def _stop_harness(self, h):
        rc = h.close()
        self.assertEqual(rc, 0, "harness exit status %r\n%s" % (rc, "".join(h.stderr[-40:])))

    def submits(self, sim, count):
        ok = lambda: [e for e in sim.events("submit") if e.get("result") == "ok"]
        return wait_for(lambda: len(ok()) >= count and ok(), TIMEOUT, "%d submits at the simulator" % count)


class ProfileMixin:
    """Everything a profile must do: come up, send single and multipart,
    receive stored and direct, get status reports."""

    def test_send_receive_report(self):
        sim = self.start(open_line=False)
        h = self.harness(sim)
        h.wait_ready()
        st = h.status()
        self.assertEqual(st["sim"], "READY")
        self.assertIn(st["registration"], (1, 5))
        self.assertTrue(st["imei"])

        done = h.send("hello from smsgate €", flags="--report")
        self.assertTrue(done["ok"], done)
        sub = self.submits(sim, 1)[0]
        self.assertEqual((sub["to"], sub["text"], sub["srr"]), (NUMBER, "hello from smsgate €", True))
        rep = h.wait("report")[0]
        if self.profile != "terse":  # terse always answers +CMGS: 0; its reports carry that mr
            self.assertEqual(rep["mr"], done["mrs"][0])
        self.assertEqual((rep["recipient"], rep["class"]), (NUMBER, "delivered"))

        done = h.send(LONG)
        self.assertTrue(done["ok"], done)
        self.assertEqual(len(done["mrs"]), 2)
        subs = self.submits(sim, 3)[1:]
        self.assertEqual([s["udh"]["seq"] for s in subs], [1, 2])
        self.assertEqual("".join(s["text"] for s in subs), LONG)

        sim.ctl("inject", "--from", "+4930123456", "stored message ü")
        got = h.wait("received")[0]
        self.assertEqual((got["from"], got["text"]), ("+4930123456", "stored message ü"))
        self.assertTrue(got["mem"])
        # Released after it was handed over: the SIM slot is empty again.
        wait_for(lambda: any(e.get("line", "").upper().startswith("AT+CMGD=%d" % got["index"])
                             for e in sim.events("cmd")), TIMEOUT, "AT+CMGD")

        pdu = "07919471060040F0040B919471214365F70000622011417551800AE8329BFD4697D9EC37"
        sim.ctl("urc", "+CMT: ,%d" % (len(pdu) // 2 - 8))
        sim.ctl("urc", pdu)
        got = h.wait("received", count=2)[1]
        self.assertEqual((got["from"], got["text"], got["index"]), ("+49171234567", "hellohello", -1))


class TestGeneric(DriverTest, ProfileMixin):
    profile = "generic"


class TestHuawei(DriverTest, ProfileMixin):
    profile = "huawei"
    args = ("--urc-interval-ms", "50,300", "--urc-chance", "100")


class TestSimcom(DriverTest, ProfileMixin):
    profile = "simcom"


class TestTerse(DriverTest, ProfileMixin):
    profile = "terse"


class TestFaults(DriverTest):
    def start_dir(self):
        d = tempfile.mkdtemp(prefix="drv-")
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def ready_pair(self, *sim_args, harness_args=()):
        sim = self.start(*sim_args, open_line=False)
        h = self.harness(sim, *harness_args)
        h.wait_ready()
        return sim, h

    def test_line_dropped_10s_and_back(self):
        sim, h = self.ready_pair()
        sim.ctl("drop", "10000")
        h.wait("state", state="closed")
        h.wait_ready(count=2, timeout=45)
        self.assertTrue(h.send("after the drop")["ok"])
        self.assertEqual(self.submits(sim, 1)[-1]["text"], "after the drop")
        self.assertGreaterEqual(h.status()["reconnects"], 1)

    def test_hang(self):
        sim, h = self.ready_pair(harness_args=("--cmd-timeout-ms", "500"))
        sim.ctl("hang")
        h.wait("state", state="closed", timeout=30)
        sim.ctl("restore")
        h.wait_ready(count=2, timeout=60)
        self.assertTrue(h.send("after the hang")["ok"])
        self.assertGreaterEqual(h.status()["timeouts"], 2)

    def test_hang_escalates_to_reset_command(self):
        reset_file = os.path.join(self.start_dir(), "resets")
        sim, h = self.ready_pair(harness_args=("--cmd-timeout-ms", "300", "--reset-file", reset_file))
        sim.ctl("hang")
        # reopen, reopen + radio cycle (unanswered), then the reset command
        wait_for(lambda: os.path.exists(reset_file), 60, "the reset command")
        st = h.status()
        self.assertGreaterEqual(st["resets"], 1)
        self.assertGreaterEqual(st["reconnects"], 3)
        sim.ctl("restore")
        h.wait("state", state="ready", count=2, timeout=60)
        self.assertTrue(h.send("after the reset")["ok"])

    def test_no_network_escalates_to_radio_cycle(self):
        sim, h = self.ready_pair(harness_args=("--reg-timeout-ms", "1500"))
        sim.ctl("deregister")
        wait_for(lambda: any(e.get("line", "").upper() == "AT+CFUN=0" for e in sim.events("cmd")), 60,
                 "AT+CFUN=0 after two failed recoveries")
        wait_for(lambda: any(e.get("line", "").upper() == "AT+CFUN=1" for e in sim.events("cmd")), 30,
                 "AT+CFUN=1")
        sim.ctl("register")
        h.wait("state", state="ready", count=2, timeout=60)
        self.assertGreaterEqual(h.status()["cfun_cycles"], 1)
        self.assertTrue(h.send("network is back")["ok"])

    def test_drain_at_startup(self):
        sim = self.start(open_line=False)
        sim.ctl("inject", "--from", "+4930111", "waiting on the SIM 1")
        sim.ctl("inject", "--from", "+4930222", "waiting on the SIM 2")
        h = self.harness(sim)
        got = h.wait("received", count=2)
        self.assertEqual(sorted(g["text"] for g in got), ["waiting on the SIM 1", "waiting on the SIM 2"])
        deletes = lambda: [e for e in sim.events("cmd") if e.get("line", "").upper().startswith("AT+CMGD=")]
        wait_for(lambda: len(deletes()) >= 2, TIMEOUT, "both deleted from the SIM")

    def test_garbage(self):
        sim, h = self.ready_pair()
        for _ in range(5):
            sim.ctl("garbage", "64")
        self.assertTrue(h.send("after garbage")["ok"])
        self.assertEqual(self.submits(sim, 1)[-1]["text"], "after garbage")

    def test_cms_error_burst(self):
        sim, h = self.ready_pair()
        sim.ctl("cms-error", "38", "2")
        for _ in range(2):
            d = h.send("try")
            self.assertEqual((d["ok"], d["error"], d["verdict"]),
                             (False, "+CMS ERROR 38: network out of order", "temporary"))
        sim.ctl("cms-error", "304", "1")
        d = h.send("bad")
        self.assertEqual((d["ok"], d["verdict"]), (False, "permanent"))
        self.assertTrue(h.send("now it works")["ok"])

    def test_registration_lost_and_regained(self):
        sim, h = self.ready_pair()
        sim.ctl("deregister")
        h.wait("state", state="registering")
        h.command("send %s while away" % NUMBER)
        sim.ctl("register")
        d = h.wait("done")[0]
        self.assertTrue(d["ok"], d)
        self.assertEqual(self.submits(sim, 1)[-1]["text"], "while away")

    def test_sim_removed_and_inserted(self):
        sim, h = self.ready_pair()
        sim.ctl("sim-remove")
        h.wait("state", state="sim-wait", timeout=30)
        sim.ctl("sim-insert")
        h.wait_ready(count=2, timeout=30)
        self.assertTrue(h.send("sim is back")["ok"])

    def test_pin_entered_once(self):
        sim = self.start("--pin", "1234", open_line=False)
        h = self.harness(sim, "--pin", "1234")
        h.wait_ready()
        pins = [e for e in sim.events("cmd") if e.get("line", "").upper().startswith("AT+CPIN=")]
        self.assertEqual(len(pins), 1)

    def test_wrong_pin_sent_exactly_once(self):
        sim = self.start("--pin", "1234", open_line=False)
        h = self.harness(sim, "--pin", "9999")
        st = h.wait("state", state="sim-locked")[0]
        self.assertEqual(st["sim"], "SIM PIN rejected")
        # A reconnect must not try it again.
        sim.ctl("drop", "500")
        h.wait("state", state="sim-locked", count=2, timeout=30)
        pins = [e for e in sim.events("cmd") if e.get("line", "").upper().startswith("AT+CPIN=")]
        self.assertEqual(len(pins), 1)
        self.assertIn("SIM PIN rejected", h.status()["last_error"])

    def test_slow_submit_30s(self):
        sim, h = self.ready_pair()
        sim.ctl("delay", "30000")
        d = h.send("slow network", timeout=90)
        self.assertTrue(d["ok"], d)
        sim.ctl("delay", "0")
        self.assertTrue(h.send("next one")["ok"])
        self.assertEqual([s["text"] for s in self.submits(sim, 2)], ["slow network", "next one"])


if __name__ == "__main__":
    unittest.main()
