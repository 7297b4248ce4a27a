"""Webhooks against a real HTTP receiver on loopback: smsgated with
smsgate-modemsim, events sms.sent, sms.delivered, sms.failed and
sms.received POSTed as JSON, signed per the Standard Webhooks
specification (checked here with Python's own hmac), retried while the
receiver fails or is down, and none lost across a restart of smsgated.

Every wait is on an event (a request at the receiver, a state over the
API); the retry back-off is capped at 1 s so the waits are short."""

import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))

from daemonlib import free_port  # noqa: E402
from simlib import TIMEOUT, wait_for  # noqa: E402
from test_http import HttpTest, JSON_TYPE, NUMBER  # noqa: E402

KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()


class Receiver:
    """A webhook receiver: records every request; answers self.status."""

    def __init__(self, port=None):
        self.requests = []
        self.status = 200
        self.lock = threading.Lock()
        self.port = port or free_port()
        self.server = None
        self.start()

    def start(self):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                           "body": body, "status": outer.status, "at": time.time()})
                    status = outer.status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def got(self, n):
        def enough():
            with self.lock:
                return len(self.requests) >= n and list(self.requests)
        return wait_for(enough, TIMEOUT, "%d webhook requests (have %d)" % (n, len(self.requests)))

    def accepted(self):
        with self.lock:
            return [r for r in self.requests if 200 <= r["status"] <= 299]


class WebhookTest(HttpTest):
    webhooks = ()       # (name, url, extra lines)

    def extra_sections(self):
        lines = []
        for name, url, extra in self.webhooks:
            lines += ["", "[webhook %s]" % name, "url = " + url, "retry_cap = 1"] + list(extra)
        return lines

    def verify(self, req, key=KEY):
        """The signature as a receiver checks it; returns the parsed body."""
        h = req["headers"]
        mid, ts = h["webhook-id"], h["webhook-timestamp"]
        self.assertRegex(mid, "^[0-9a-f]{20}$")
        self.assertRegex(ts, "^[0-9]+$")
        self.assertLess(abs(int(ts) - time.time()), 300, "webhook-timestamp far from now: replay window")
        mac = hmac.new(key, ("%s.%s." % (mid, ts)).encode() + req["body"], hashlib.sha256).digest()
        self.assertEqual(h["webhook-signature"], "v1," + base64.b64encode(mac).decode())
        self.assertEqual(h["content-type"], "application/json")
        self.assertRegex(h["user-agent"], r"^smsgate/\d")
        body = json.loads(req["body"])
        self.assertEqual(sorted(body), ["data", "timestamp", "type"])
        self.assertRegex(body["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        return body


class TestEvents(WebhookTest):
    def setUp(self):
        super().setUp()
        self.rx = Receiver()
        self.addCleanup(self.rx.stop)
        self.webhooks = (("main", "http://127.0.0.1:%d/hook" % self.rx.port, ["secret = " + SECRET]),)

    def test_sent_delivered_failed_received_signed_in_order(self):
        self.start("--report-delay-ms", "600000")
        a = self.post_json({"to": NUMBER, "text": "webhook me", "report": True})
        self.assert_answer(a, 202, JSON_TYPE)
        mid = a.json()["id"]
        sub = self.submits(1)[0]
        reqs = self.rx.got(1)
        ev = self.verify(reqs[0])
        self.assertEqual(reqs[0]["path"], "/hook")
        self.assertEqual(ev["type"], "sms.sent")
        d = ev["data"]
        self.assertEqual((d["id"], d["to"], d["state"], d["parts"], d["parts_sent"], d["modem"], d["references"],
                          d["report"], d["last_error"]),
                         (mid, NUMBER, "sent", 1, 1, "a", [sub["mr"]], True, None))
        # the status report: delivered
        self.sim.ctl("report", str(sub["mr"]), NUMBER)
        ev = self.verify(self.rx.got(2)[1])
        self.assertEqual((ev["type"], ev["data"]["id"], ev["data"]["state"], ev["data"]["report_status"]),
                         ("sms.delivered", mid, "delivered", 0))
        # a permanent error: failed, with the reason
        self.sim.ctl("cms-error", "304")
        a = self.post_json({"to": NUMBER, "text": "this one fails"})
        fid = a.json()["id"]
        ev = self.verify(self.rx.got(3)[2])
        self.assertEqual((ev["type"], ev["data"]["id"], ev["data"]["state"], ev["data"]["last_error"]),
                         ("sms.failed", fid, "failed", "+CMS ERROR 304: invalid PDU mode parameter"))
        # an incoming SMS: received, with what the inbox shows for it
        self.sim.ctl("inject", "--from", "+491709999999", "Grüße 😀")
        ev = self.verify(self.rx.got(4)[3])
        self.assertEqual(ev["type"], "sms.received")
        inbox = self.get("/api/v1/inbox").json()["messages"]
        self.assertEqual(ev["data"], inbox[0])
        self.assertEqual((ev["data"]["from"], ev["data"]["text"], ev["data"]["type"]),
                         ("+491709999999", "Grüße 😀", "sms"))
        # one delivery per event, each its own id; nothing left waiting
        ids = [r["headers"]["webhook-id"] for r in self.rx.requests]
        self.assertEqual(len(set(ids)), 4)
        self.assertEqual(ids, sorted(ids))
        wait_for(lambda: (self.status_file() or {}).get("webhooks", [{}])[0].get("delivered") == 4, TIMEOUT,
                 "4 delivered in status.json: %r" % (self.status_file(),))
        st = self.status_file()["webhooks"][0]
        self.assertEqual((st["name"], st["queued"], st["failed_attempts"], st["dropped"], st["last_error"]),
                         ("main", 0, 0, 0, None))
        self.assertEqual(os.listdir(os.path.join(self.spool, "webhooks", "main")), [])
        self.stop_daemon()

    def test_retried_with_the_same_id_until_accepted(self):
        self.rx.status = 503
        self.start()
        self.post_json({"to": NUMBER, "text": "retry me"})
        reqs = self.rx.got(3)   # refused three times...
        self.rx.status = 200    # ...then accepted
        reqs = self.rx.got(4)
        wait_for(lambda: len(self.rx.accepted()) == 1, TIMEOUT, "accepted")
        bodies = {r["body"] for r in reqs[:4]}
        self.assertEqual(len(bodies), 1, "the same event each time")
        self.assertEqual(len({r["headers"]["webhook-id"] for r in reqs[:4]}), 1)
        for r in reqs[:4]:
            self.verify(r)      # signed afresh at every attempt
        # back-off: 1 s, then capped at retry_cap = 1 s; never faster than that
        gaps = [b["at"] - a["at"] for a, b in zip(reqs, reqs[1:4])]
        self.assertTrue(all(g >= 0.9 for g in gaps), gaps)
        m = self.get("/metrics").body.decode()
        self.assertIn('smsgate_webhook_delivered_total{webhook="main"} 1\n', m)
        fails = int(re.search(r'^smsgate_webhook_failed_attempts_total\{webhook="main"\} (\d+)$', m, re.M).group(1))
        self.assertGreaterEqual(fails, 3)
        self.assertIn('smsgate_webhook_queued{webhook="main"} 0\n', m)
        self.stop_daemon()


class TestDurable(WebhookTest):
    def test_receiver_down_and_smsgated_restarted_loses_nothing(self):
        port = free_port()
        self.webhooks = (("main", "http://127.0.0.1:%d/" % port, ["secret = " + SECRET]),)
        self.start()
        ids = [self.post_json({"to": NUMBER, "text": "while down %d" % i}).json()["id"] for i in range(3)]
        for mid in ids:
            wait_for(lambda: self.get("/api/v1/messages/" + mid).json()["state"] == "sent", TIMEOUT, "sent")
        box = os.path.join(self.spool, "webhooks", "main")
        wait_for(lambda: len(os.listdir(box)) == 3, TIMEOUT, "3 events in webhooks/main: %r" % os.listdir(box))
        wait_for(lambda: (self.status_file() or {}).get("webhooks", [{}])[0].get("last_error"), TIMEOUT,
                 "a failed attempt in status.json")
        self.assertRegex(self.status_file()["webhooks"][0]["last_error"], "(?i)connect")
        self.stop_daemon()
        self.assertEqual(len(os.listdir(box)), 3)
        # The receiver comes up while smsgated is down; smsgated starts again.
        rx = Receiver(port)
        self.addCleanup(rx.stop)
        self.restart_daemon(wait_ready=False)
        reqs = rx.got(3)
        events = [self.verify(r) for r in reqs]
        self.assertEqual([(e["type"], e["data"]["id"]) for e in events], [("sms.sent", i) for i in ids])
        wait_for(lambda: os.listdir(box) == [], TIMEOUT, "webhooks/main empty")
        self.assertEqual(len(rx.requests), 3)
        self.stop_daemon()


class TestFilterUnsigned(WebhookTest):
    def test_only_the_events_asked_for_and_no_signature_without_secret(self):
        self.rx = Receiver()
        self.addCleanup(self.rx.stop)
        self.webhooks = (("inbox", "http://127.0.0.1:%d/in" % self.rx.port, ["events = sms.received"]),)
        self.start()
        self.post_json({"to": NUMBER, "text": "not for this webhook"})
        self.submits(1)
        self.sim.ctl("inject", "--from", "+491709999999", "only me")
        req = self.rx.got(1)[0]
        self.assertNotIn("webhook-signature", req["headers"])
        self.assertRegex(req["headers"]["webhook-id"], "^[0-9a-f]{20}$")
        ev = json.loads(req["body"])
        self.assertEqual((ev["type"], ev["data"]["text"]), ("sms.received", "only me"))
        # the sent message made no event: once the message is sent, only one request ever came
        wait_for(lambda: self.get("/api/v1/messages?state=sent").json()["messages"], TIMEOUT, "sent")
        self.assertEqual(len(self.rx.requests), 1)
        self.stop_daemon()


class TestAlarmEvent(WebhookTest):
    def test_heartbeat_silence_is_an_alarm_event_and_reaches_a_group(self):
        """A self-alarm (here a heartbeat gone silent, to a [group]) is a
        gateway.alarm event with the text the SMS carries, and the SMS goes
        to every member of the group."""
        self.rx = Receiver()
        self.addCleanup(self.rx.stop)
        self.webhooks = (("ops", "http://127.0.0.1:%d/" % self.rx.port,
                          ["secret = " + SECRET, "events = gateway.alarm"]),)
        self.start()
        # a heartbeat that never beats: added by SIGHUP, so its clock starts now
        with open(self.conf, "a") as f:
            f.write("\n[group oncall]\nmembers = %s, +491709999999\n"
                    "\n[heartbeat backup]\nto = oncall\nevery = 2s\n" % NUMBER)
        self.daemon.proc.send_signal(1)
        ev = self.verify(self.rx.got(1)[0])
        self.assertEqual((ev["type"], ev["data"]["kind"], ev["data"]["to"]),
                         ("gateway.alarm", "heartbeat-silent", "oncall"))
        subs = self.submits(2)
        self.assertEqual(sorted(s["to"] for s in subs), sorted([NUMBER, "+491709999999"]))
        self.assertEqual({s["text"] for s in subs}, {ev["data"]["text"]})
        self.assertIn("backup", ev["data"]["text"])
        self.assertEqual(len(self.rx.requests), 1)
        self.stop_daemon()


if __name__ == "__main__":
    unittest.main()
