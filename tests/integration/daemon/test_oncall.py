"""Dead-man's switches and self-alarms: smsgated against smsgate-modemsim.

Short intervals (every = 5s, alarm_no_send = 1s) and simulator faults.
Every wait is on an event: a submit in the simulator's log, a file, a log
line of smsgated. Where the order of two messages proves a point (an alarm
due before the start is queued ahead of a file waiting in outgoing/), the
test asserts the order, never a time."""

import json
import os
import re
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from daemonlib import free_port
from simlib import TIMEOUT, wait_for
from test_daemon import DaemonTest, SMSGATE

NUMBER = "+491701234567"
ADMIN = "+4915112345678"
SILENT = r"^smsgate: heartbeat %s is silent; last beat \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \(expected every %s\)$"
NEVER = (r"^smsgate: heartbeat %s is silent; no beat since it was set up \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ "
         r"\(expected every %s\)$")
BACK = r"^smsgate: heartbeat %s back after \d+ s$"


class OncallTest(DaemonTest):
    def setUp(self):
        super().setUp()
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port

    def write_oncall(self, modems=("a",), heartbeats=(), pins=None, **gateway):
        self.write_config(modems=modems, **gateway)
        lines = ["", "[http]", "listen = 127.0.0.1:%d" % self.port]
        for name, keys in heartbeats:
            lines += ["", "[heartbeat %s]" % name] + ["%s = %s" % kv for kv in keys.items()]
        with open(self.conf, "a") as f:
            f.write("\n".join(lines) + "\n")
        if pins:
            with open(self.conf) as f:
                text = f.read()
            for m, pin in pins.items():
                text = text.replace("[modem %s]\n" % m, "[modem %s]\npin = %s\n" % (m, pin))
            with open(self.conf, "w") as f:
                f.write(text)

    def http(self, method, path):
        req = urllib.request.Request(self.url + path, method=method, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                return r.status, r.headers["Content-Type"], json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, e.headers["Content-Type"], json.loads(e.read())

    def texts(self, *sims, to=None):
        out = []
        for sim in sims:
            out += [s for s in self.submits(sim) if to is None or s["to"] == to]
        return [s["text"] for s in out]

    def wait_texts(self, count, *sims, to=None):
        wait_for(lambda: len(self.texts(*sims, to=to)) >= count, TIMEOUT,
                 "%d submits%s; have %r" % (count, " to " + to if to else "", self.texts(*sims)))
        return self.texts(*sims, to=to)

    def state_file(self, name):
        with open(self.path("heartbeat", name)) as f:
            return dict(line.split(": ", 1) for line in f.read().splitlines())


class TestHeartbeat(OncallTest):
    def test_silence_beat_and_api(self):
        sim = self.start_sim("a")
        self.write_oncall(heartbeats=[("backup", {"to": NUMBER, "every": "2s"})])
        d = self.start_daemon()
        # Configured: the clock starts, on disk at once.
        st = self.state_file("backup")
        self.assertEqual((st["Beaten"], st["Alarm"]), ("no", "0"))

        # Never beaten: after 2 s one SMS, saying so.
        texts = self.wait_texts(1, sim)
        self.assertRegex(texts[0], NEVER % ("backup", "2 s"))
        wait_for(lambda: self.state_file("backup")["Alarm"] != "0", TIMEOUT, "Alarm in heartbeat/backup")
        status, ctype, st = self.http("GET", "/api/v1/status")
        hb = st["heartbeats"]
        self.assertEqual([(h["name"], h["state"], h["last_beat"], h["every"], h["to"]) for h in hb],
                         [("backup", "silent", None, 2, NUMBER)])

        # A beat (the CLI, over HTTP): one recovery SMS.
        out = subprocess.run([SMSGATE, "heartbeat", "-u", self.url, "backup"], capture_output=True, text=True,
                             timeout=TIMEOUT)
        self.assertEqual((out.returncode, out.stdout, out.stderr), (0, "heartbeat backup: ok, every 2 s\n", ""))
        texts = self.wait_texts(2, sim)
        self.assertRegex(texts[1], BACK % "backup")
        self.assertEqual(self.state_file("backup")["Beaten"], "yes")

        # Silent again: again exactly one SMS; the next beat by GET.
        texts = self.wait_texts(3, sim)
        self.assertRegex(texts[2], SILENT % ("backup", "2 s"))
        status, ctype, body = self.http("GET", "/api/v1/heartbeat/backup")
        self.assertEqual((status, ctype), (200, "application/json"))
        self.assertEqual((body["name"], body["state"], body["every"], body["alarm_sent"]), ("backup", "ok", 2, None))
        self.assertIsInstance(body["last_beat"], int)
        texts = self.wait_texts(4, sim)
        self.assertRegex(texts[3], BACK % "backup")
        self.assertEqual(len([t for t in texts if "back after" in t]), 2)

        # Unknown names, and the CLI's answer for them.
        self.assertEqual(self.http("POST", "/api/v1/heartbeat/nope"),
                         (404, "application/json", {"error": "no heartbeat nope"}))
        out = subprocess.run([SMSGATE, "heartbeat", "-u", self.url, "nope"], capture_output=True, text=True,
                             timeout=TIMEOUT)
        self.assertEqual((out.returncode, out.stdout, out.stderr),
                         (1, "", "smsgate: refused (HTTP 404): no heartbeat nope\n"))
        self.stop_daemon(d)

    def test_restart_keeps_the_clock(self):
        sim = self.start_sim("a")
        self.write_oncall(heartbeats=[("nightly", {"to": NUMBER, "every": "5s"})])
        d = self.start_daemon()
        status, _, body = self.http("POST", "/api/v1/heartbeat/nightly")
        self.assertEqual((status, body["state"]), (200, "ok"))
        self.stop_daemon(d)
        st = self.state_file("nightly")
        self.assertEqual((st["Beaten"], st["Alarm"]), ("yes", "0"), "alarm before the stop: a slow machine?")
        since = int(st["Since"])

        # Down past the interval (the wall clock is what the record keeps).
        wait_for(lambda: time.time() * 1000 > since + 5000 + 200, 30, "5 s after the beat")
        # Waiting in outgoing/ before the start: had the clock restarted at
        # start-up, this would go out first and the alarm 5 s later.
        self.drop("sync1", "To: %s\n\nsync one" % NUMBER)
        d = self.start_daemon()
        texts = self.wait_texts(2, sim)
        self.assertRegex(texts[0], SILENT % ("nightly", "5 s"))
        self.assertEqual(texts[1], "sync one")

        # Exactly once: another restart does not send it again.
        self.stop_daemon(d)
        self.drop("sync2", "To: %s\n\nsync two" % NUMBER)
        d = self.start_daemon()
        texts = self.wait_texts(3, sim)
        self.assertEqual(texts[1:], ["sync one", "sync two"])
        status, _, body = self.http("GET", "/api/v1/heartbeat/nightly")
        self.assertEqual(status, 200)
        texts = self.wait_texts(4, sim)
        self.assertEqual(len(texts), 4, texts)
        self.assertRegex(texts[3], BACK % "nightly")
        self.stop_daemon(d)

    def test_reload_and_removal(self):
        sim = self.start_sim("a")
        self.write_oncall(heartbeats=[("one", {"to": NUMBER, "every": "1h"})])
        d = self.start_daemon()
        self.assertEqual(self.ls("heartbeat"), ["one"])
        # SIGHUP: "two" starts its clock, "one" is forgotten.
        self.write_oncall(heartbeats=[("two", {"to": NUMBER, "every": "1h", "text": "two is silent"})])
        d.signal(1)
        wait_for(lambda: self.ls("heartbeat") == ["two"], TIMEOUT, "heartbeat/ after the reload: %r" %
                 (self.ls("heartbeat"),))
        self.assertEqual(self.http("GET", "/api/v1/heartbeat/one")[0], 404)
        # The CLI on the gateway: URL from the config's [http].
        out = subprocess.run([SMSGATE, "heartbeat", "-c", self.conf, "two"], capture_output=True, text=True,
                             timeout=TIMEOUT)
        self.assertEqual((out.returncode, out.stdout, out.stderr), (0, "heartbeat two: ok, every 3600 s\n", ""))
        wait_for(lambda: "heartbeat two: ok, every 3600 s, last beat " in subprocess.run(
            [SMSGATE, "status", "-c", self.conf], capture_output=True, text=True, timeout=TIMEOUT).stdout,
            TIMEOUT, "smsgate status showing the beat")
        out = subprocess.run([SMSGATE, "heartbeat", "-c", self.conf, "bad/name"], capture_output=True, text=True,
                             timeout=TIMEOUT)
        self.assertEqual((out.returncode, out.stderr),
                         (1, "smsgate: bad heartbeat name 'bad/name' (1 to 31 of A-Z a-z 0-9 _ . -)\n"))
        self.assertEqual(self.submits(sim), [])
        self.stop_daemon(d)


class TestSelfAlarms(OncallTest):
    def test_two_modems_one_loses_the_network(self):
        a = self.start_sim("a")
        b = self.start_sim("b")
        self.write_oncall(modems=("a", "b"), admin=ADMIN, alarm_no_send="1s")
        d = self.start_daemon()
        a.ctl("deregister")
        texts = self.wait_texts(1, b, to=ADMIN)
        self.assertRegex(texts[0], r"^smsgate: modem a cannot send since \d\d:\d\d \(\d+ s\): no network$")
        self.assertEqual(self.texts(a), [])
        a.ctl("register")
        texts = self.wait_texts(2, a, b, to=ADMIN)
        self.assertEqual(len(texts), 2, texts)
        self.assertRegex(texts[1] if "sends again" in texts[1] else texts[0],
                         r"^smsgate: modem a sends again after \d+ s \(no network\)$")
        d.wait_log(r"alarm modem-down: smsgate: modem a cannot send")
        self.assertNotIn("alarm no-send", d.log())
        self.stop_daemon(d)

    def test_one_modem_outage_and_summary(self):
        a = self.start_sim("a")
        self.write_oncall(admin=ADMIN, alarm_no_send="1s")
        d = self.start_daemon()
        a.ctl("deregister")
        d.wait_log(r"alarm no-send: smsgate: no modem can send since \d\d:\d\d \(\d+ s\): no network -> \+4915112345678")
        self.drop("m1", "To: %s\n\nwaiting one" % NUMBER)
        self.drop("m2", "To: %s\n\nwaiting two" % NUMBER)
        wait_for(lambda: (self.status() or {}).get("queued") == 3, TIMEOUT, "3 queued: %r" % (self.status(),))
        self.assertEqual(self.submits(a), [])
        a.ctl("register")
        texts = self.wait_texts(4, a)
        self.assertEqual(len(texts), 4, texts)
        self.assertRegex(texts[0], r"^smsgate: no modem can send since \d\d:\d\d \(\d+ s\): no network$")
        self.assertRegex(texts[1], r"^smsgate: could not send for \d+ s \(no network\); 2 messages delayed$")
        self.assertEqual(texts[2:], ["waiting one", "waiting two"])
        self.assertEqual([s["to"] for s in self.submits(a)], [ADMIN, ADMIN, NUMBER, NUMBER])
        self.stop_daemon(d)

    def test_sim_locked(self):
        a = self.start_sim("a")
        b = self.start_sim("b", "--pin", "1234")
        self.write_oncall(modems=("a", "b"), pins={"b": "4321"}, admin=ADMIN, alarm_no_send="1h")
        d = self.start_daemon(wait_ready=False)
        texts = self.wait_texts(1, a, to=ADMIN)
        self.assertRegex(texts[0], r"^smsgate: modem b: SIM locked \(.+\); it needs a person$")
        d.wait_log(r"modem b: .*-> sim-locked")
        self.assertEqual(self.texts(b), [])
        self.stop_daemon(d)

    def test_queue_stuck(self):
        a = self.start_sim("a", "--send-delay-ms", "4000")
        self.write_oncall(admin=ADMIN, alarm_stuck="1s")
        d = self.start_daemon()
        self.drop("slow", "To: %s\n\nslow one" % NUMBER)
        d.wait_log(r"alarm queue-stuck: smsgate: queue not moving: 1 message waiting, nothing sent for \d+ s")
        texts = self.wait_texts(2, a)
        self.assertEqual(texts[0], "slow one")
        self.assertRegex(texts[1], r"^smsgate: queue not moving: 1 message waiting, nothing sent for \d+ s$")
        d.wait_log(r"alarm queue-stuck: the queue moves again")
        self.stop_daemon(d)

    def test_line_losses(self):
        a = self.start_sim("a")
        self.write_oncall(admin=ADMIN, alarm_resets="2/1h")
        d = self.start_daemon()
        for i in (1, 2):
            a.ctl("drop", "200")
            d.wait_log(r"modem a: \w+ -> closed", count=i)
            d.wait_log(r"modem a: \w+ -> ready", count=i + 1)
        texts = self.wait_texts(1, a)
        self.assertRegex(texts[0], r"^smsgate: modem a lost its line 2 times within 1 h 0 min \(last error: .+\)$")
        self.assertEqual(d.log().count("alarm modem-resets"), 1)
        self.stop_daemon(d)

    def test_spool_full(self):
        a = self.start_sim("a")
        os.makedirs(self.spool, exist_ok=True)
        sv = os.statvfs(self.spool)
        used = sv.f_blocks - sv.f_bfree
        pct = (used * 100 + used + sv.f_bavail - 1) // (used + sv.f_bavail)
        if pct < 2:
            self.skipTest("the test file system is almost empty (%d%%)" % pct)
        self.write_oncall(admin=ADMIN, alarm_spool_full=str(pct - 1))
        d = self.start_daemon()
        texts = self.wait_texts(1, a)
        self.assertRegex(texts[0], r"^smsgate: spool %s is \d+%% full \(\d+\.\d MiB free\)$" % re.escape(self.spool))
        self.assertEqual(d.log().count("alarm spool-full"), 1)
        self.stop_daemon(d)


if __name__ == "__main__":
    unittest.main()
