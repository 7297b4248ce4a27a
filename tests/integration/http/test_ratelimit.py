"""Alert-storm control and the recipient allow-list ([gateway] rate_limit,
suppress_duplicates, allow_prefixes), over loopback against
smsgate-modemsim.

A suppressed message is answered (202 "suppressed" on the REST API; the
legacy endpoints keep their success answer), recorded (status/ID.st with
state suppressed, a failed/ file with Fail_reason: suppressed ...), counted
in /metrics and never reaches the modem. Files dropped into outgoing/ meet
the same limits, since the check sits where every source joins the queue.
A number outside allow_prefixes is refused at the door with nothing
written, and a dropped file for one goes to failed/."""

import os
import re
import unittest
import urllib.parse

from simlib import TIMEOUT, wait_for
from test_http import HttpTest, JSON_TYPE, KANNEL_OK, NUMBER, TEXT_PLAIN

OTHER = "+491709999999"


class LimitTest(HttpTest):
    def metric(self, name):
        a = self.get("/metrics")
        self.assertEqual(a.status, 200, a)
        m = re.search(r"^%s (\d+)$" % re.escape(name), a.body.decode(), re.M)
        self.assertIsNotNone(m, "%s not in /metrics" % name)
        return int(m.group(1))

    def suppressed(self, reason):
        return self.metric('smsgate_messages_suppressed_total{reason="%s"}' % reason)

    def send(self, to, text):
        a = self.post_json({"to": to, "text": text})
        self.assert_answer(a, 202, JSON_TYPE)
        o = a.json()
        # Per-recipient states appear when one of them is not "queued".
        self.assertEqual(o["state"], o["recipients"][0].get("state", "queued"), o)
        return o["id"], o["state"]

    def failed_files(self):
        """failed/ files by their Fail_reason line."""
        out = {}
        for n in self.ls("failed"):
            data = self.spool_file("failed", n)
            m = re.search(rb"^Fail_reason: (.*)$", data, re.M)
            out[n] = (m.group(1).decode() if m else None, data)
        return out

    def assert_suppressed(self, mid, reason_re):
        a = self.get("/api/v1/messages/" + mid)
        self.assert_answer(a, 200, JSON_TYPE)
        o = a.json()
        self.assertEqual(o["state"], "suppressed", o)
        self.assertRegex(o["last_error"], reason_re)
        st = self.spool_file("status", mid + ".st").decode()
        self.assertIn("\nState: suppressed\n", st)
        self.assertNotIn(mid, self.ls("queue"))
        return o

    def texts_submitted(self):
        return [(s["to"], s["text"]) for s in self.submits()]


class TestRateLimit(LimitTest):
    gateway_extra = ("rate_limit = 3/1h",)

    def test_fourth_in_window_suppressed(self):
        self.start()
        got = [self.send(NUMBER, "alarm %d" % i) for i in range(4)]
        self.assertEqual([s for _, s in got], ["queued", "queued", "queued", "suppressed"])
        # Another recipient has its own budget.
        self.assertEqual(self.send(OTHER, "alarm 3")[1], "queued")
        o = self.assert_suppressed(got[3][0], r"^suppressed: rate limit of 3 per 1h reached for \+491701234567")
        self.assertEqual((o["to"], o["attempts"]), (NUMBER, 0))
        # Nothing of it at the modem: everything sent before the sync point is the rest.
        before = [(s["to"], s["text"]) for s in self.sync_point()]
        self.assertEqual(sorted(before), sorted([(NUMBER, "alarm 0"), (NUMBER, "alarm 1"), (NUMBER, "alarm 2"),
                                                 (OTHER, "alarm 3")]))
        ff = self.failed_files()
        self.assertEqual(len(ff), 1, ff)
        reason, data = list(ff.values())[0]
        self.assertEqual(reason, "suppressed: rate limit of 3 per 1h reached for +491701234567 (rate_limit)")
        self.assertTrue(data.startswith(b"To: +491701234567\n"), data)
        self.assertTrue(data.endswith(b"\n\nalarm 3"), data)
        self.assertEqual((self.suppressed("rate"), self.suppressed("duplicate")), (1, 0))
        # The legacy endpoints keep their success answers; the message is recorded all the same.
        a = self.get("/cgi-bin/sms?" + urllib.parse.urlencode({"phone": NUMBER, "message": "legacy"}))
        self.assert_answer(a, 200, TEXT_PLAIN, b"done\n")
        a = self.get("/cgi-bin/sendsms?" + urllib.parse.urlencode({"to": NUMBER, "text": "kannel"}))
        self.assert_answer(a, 202, TEXT_PLAIN, KANNEL_OK)
        self.assertEqual(self.suppressed("rate"), 3)
        listed = self.get("/api/v1/messages?state=suppressed").json()
        self.assertEqual(len(listed["messages"] if isinstance(listed, dict) else listed), 3, listed)
        self.stop_daemon()

    def test_outgoing_file_counts_too(self):
        self.start()
        for i in range(3):
            self.assertEqual(self.send(NUMBER, "http %d" % i)[1], "queued")
        tmp = os.path.join(self.spool, "dropped.tmp")
        with open(tmp, "w") as f:
            f.write("To: 491701234567\n\nfrom a file")
        os.rename(tmp, os.path.join(self.spool, "outgoing", "dropped"))
        wait_for(lambda: "dropped" in self.ls("failed"), TIMEOUT, "failed/dropped")
        data = self.spool_file("failed", "dropped")
        self.assertIn(b"\nFail_reason: suppressed: rate limit of 3 per 1h reached for +491701234567 (rate_limit)\n",
                      data)
        self.assertEqual(self.suppressed("rate"), 1)
        self.assertNotIn((NUMBER, "from a file"), [(s["to"], s["text"]) for s in self.sync_point()])
        self.stop_daemon()


class TestDuplicates(LimitTest):
    gateway_extra = ("suppress_duplicates = 10m",)

    def test_identical_text_suppressed(self):
        self.start()
        first = self.send(NUMBER, "disk full on db1")
        second = self.send(NUMBER, "disk full on db1")
        third = self.send(NUMBER, "disk full on db2")
        fourth = self.send(OTHER, "disk full on db1")
        self.assertEqual([s for _, s in (first, second, third, fourth)], ["queued", "suppressed", "queued", "queued"])
        self.assert_suppressed(second[0], r"^suppressed: the same text to \+491701234567 within 10m")
        a = self.get("/cgi-bin/sms?" + urllib.parse.urlencode({"phone": NUMBER, "message": "disk full on db1"}))
        self.assert_answer(a, 200, TEXT_PLAIN, b"done\n")
        self.assertEqual((self.suppressed("duplicate"), self.suppressed("rate")), (2, 0))
        before = sorted((s["to"], s["text"]) for s in self.sync_point())
        self.assertEqual(before, sorted([(NUMBER, "disk full on db1"), (NUMBER, "disk full on db2"),
                                         (OTHER, "disk full on db1")]))
        reasons = sorted(r for r, _ in self.failed_files().values())
        self.assertEqual(reasons, ["suppressed: the same text to +491701234567 within 10m (suppress_duplicates)"] * 2)
        self.stop_daemon()

    def test_several_recipients_each_their_state(self):
        self.start()
        self.send(NUMBER, "same")
        a = self.post_json({"to": [NUMBER, OTHER], "text": "same"})
        self.assert_answer(a, 202, JSON_TYPE)
        o = a.json()
        self.assertEqual(o["state"], "suppressed")
        self.assertEqual([(r["to"], r["state"]) for r in o["recipients"]], [(NUMBER, "suppressed"), (OTHER, "queued")])
        self.stop_daemon()


class TestAllowPrefixes(LimitTest):
    gateway_extra = ("allow_prefixes = +49, +43",)

    def test_refused_at_the_door(self):
        self.start()
        a = self.post_json({"to": "+15551234567", "text": "x"})
        self.assert_error(a, 400, "number +15551234567 is not allowed (allow_prefixes)")
        a = self.post_json({"to": [NUMBER, "+15551234567"], "text": "x"})
        self.assert_error(a, 400, "number +15551234567 is not allowed (allow_prefixes)")
        a = self.get("/cgi-bin/sms?" + urllib.parse.urlencode({"phone": "15551234567", "message": "x"}))
        self.assert_answer(a, 400, TEXT_PLAIN, b"Refused: number 15551234567 is not allowed (allow_prefixes).\n")
        self.assert_nothing_written()
        self.assertEqual(self.ls("failed"), [])
        for to in ("+4369912345678", "004917012345", "491701234567"):
            self.assertEqual(self.send(to, "ok")[1], "queued", to)
        self.stop_daemon()

    def test_dropped_file_refused(self):
        self.start()
        tmp = os.path.join(self.spool, "x.tmp")
        with open(tmp, "w") as f:
            f.write("To: 15551234567\n\nabroad")
        os.rename(tmp, os.path.join(self.spool, "outgoing", "abroad"))
        wait_for(lambda: "abroad" in self.ls("failed"), TIMEOUT, "failed/abroad")
        self.assertIn(b"\nFail_reason: refused: +15551234567 is not in allow_prefixes\n",
                      self.spool_file("failed", "abroad"))
        self.assertEqual(self.sync_point(), [])
        self.stop_daemon()


if __name__ == "__main__":
    unittest.main()
