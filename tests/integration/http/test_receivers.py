"""Recipient groups and the monitoring receivers, over loopback against
smsgate-modemsim.

Groups ([group NAME] members = ...): "oncall" wherever a number is taken
(POST /api/v1/messages as JSON, inside a "to" array and as a form,
/cgi-bin/sendsms, /cgi-bin/sms, the CGI front end, `smsgate send -c`), one
message per member, repeats dropped. Receivers: POST /api/v1/alertmanager
and /api/v1/grafana turn a payload into one text; Debian's
prometheus-alertmanager itself delivers a firing and a resolved alert
(TestAlertmanager). Every text is asserted as it arrived at the simulator.
"""

import json
import os
import signal
import subprocess
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from daemonlib import free_port
from simlib import TIMEOUT, wait_for
from test_http import HttpTest, JSON_TYPE, KANNEL_OK, TEXT_PLAIN, TOKEN

SMSGATE = os.environ.get("SMSGATE", "smsgate")
VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "vectors", "webhooks")
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"

A, B, C = "+491701111111", "+491702222222", "+491703333333"
GROUPS = ["[group oncall]", "members = %s, %s" % (A, B), "", "[group ops]", "members = 491702222222 %s" % C]

AM_FIRING = ("FIRING 2: InstanceDown (critical)\nInstance db1:9100 down\nInstance db2:9100 down")
AM_RESOLVED = ("RESOLVED 2: InstanceDown (critical)\nInstance db1:9100 down\nInstance db2:9100 down")
GRAFANA = ("FIRING 2\nHigh memory usage (zone=us-1): This alert was triggered for zone us-1\n"
           "High CPU usage (zone=eu-1): This alert was triggered for zone eu-1")


def vector(name):
    with open(os.path.join(VECTORS, name), "rb") as f:
        return f.read()


class GroupTest(HttpTest):
    groups = GROUPS

    def extra_sections(self):
        return [""] + list(self.groups)

    def recipients(self, a):
        self.assert_answer(a, 202, JSON_TYPE)
        return [r["to"] for r in a.json()["recipients"]]

    def sent(self):
        """(to, text) of everything submitted before a sync point, sorted."""
        return sorted((s["to"], s["text"]) for s in self.sync_point())


class TestGroups(GroupTest):
    def test_every_door(self):
        self.start()
        self.assertEqual(self.recipients(self.post_json({"to": "oncall", "text": "json"})), [A, B])
        # Inside an array, with a member given again in another spelling: once.
        self.assertEqual(self.recipients(self.post_json({"to": ["oncall", "ops", "00491701111111"], "text": "array"})),
                         [A, B, C])
        self.assertEqual(self.recipients(self.post_form("/api/v1/messages", {"to": "ops", "text": "form"})),
                         ["491702222222", C])
        a = self.get("/cgi-bin/sendsms?" + urllib.parse.urlencode({"to": "ops +491709999999", "text": "kannel"}))
        self.assert_answer(a, 202, TEXT_PLAIN, KANNEL_OK)
        a = self.get("/cgi-bin/sms?" + urllib.parse.urlencode({"phone": "oncall", "message": "legacy"}))
        self.assert_answer(a, 200, TEXT_PLAIN, b"done\n")
        self.assertEqual(self.sent(), sorted([
            (A, "json"), (B, "json"), (A, "array"), (B, "array"), (C, "array"),
            (B, "form"), (C, "form"), (B, "kannel"), (C, "kannel"), ("+491709999999", "kannel"),
            (A, "legacy"), (B, "legacy")]))
        self.stop_daemon()

    def test_unknown_group_refused(self):
        self.start()
        why = 'unknown recipient group "oncal" (no [group oncal] in the config)'
        self.assert_error(self.post_json({"to": "oncal", "text": "x"}), 400, why)
        self.assert_error(self.post_json({"to": [A, "oncal"], "text": "x"}), 400, why)
        self.assert_error(self.post_form("/api/v1/messages", {"to": "oncal", "text": "x"}), 400, why)
        a = self.get("/cgi-bin/sms?" + urllib.parse.urlencode({"phone": "oncal", "message": "x"}))
        self.assert_answer(a, 400, TEXT_PLAIN, ("Refused: %s.\n" % why).encode())
        a = self.get("/cgi-bin/sendsms?" + urllib.parse.urlencode({"to": "oncal", "text": "x"}))
        self.assert_answer(a, 400, TEXT_PLAIN, why.encode())
        # A number-like name is a number, and a bad one.
        self.assert_error(self.post_json({"to": "4917x", "text": "x"}), 400,
                          "invalid number: only digits and a leading '+' are allowed (found byte 0x78)")
        self.assert_nothing_written()
        self.assertEqual(self.sent(), [])
        self.stop_daemon()

    def test_reload_changes_members(self):
        self.start()
        self.assertEqual(self.recipients(self.post_json({"to": "oncall", "text": "before"})), [A, B])
        self.groups = ["[group oncall]", "members = %s" % C]
        self.write_config()
        self.daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "config reloaded" in self.daemon.log(), TIMEOUT, "the reload")
        self.assertEqual(self.recipients(self.post_json({"to": "oncall", "text": "after"})), [C])
        self.assertEqual(self.sent(), sorted([(A, "before"), (B, "before"), (C, "after")]))
        self.stop_daemon()

    def test_cli_send_and_cgi(self):
        self.start()
        self.stop_daemon()  # the spool exists; both write into outgoing/ without smsgated
        r = subprocess.run([SMSGATE, "send", "-c", self.conf, "oncall", "from", "cron"], capture_output=True,
                           text=True, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual([l.rsplit(" ", 1)[1] for l in lines], [A, B])
        for l in lines:
            self.assertRegex(l, r"^queued %s/send-[0-9a-f]{20} \(1 part, gsm7\) to \+49170[12]{7}$"
                             % os.path.join(self.spool, "outgoing"))
        r = subprocess.run([SMSGATE, "send", "-c", self.conf, "oncal", "x"], capture_output=True, text=True,
                           timeout=TIMEOUT)
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertEqual(r.stderr, 'smsgate: unknown recipient group "oncal" (no [group oncal] in %s)\n' % self.conf)
        env = dict(os.environ, GATEWAY_INTERFACE="CGI/1.1", REQUEST_METHOD="GET", SCRIPT_NAME="/cgi-bin/sms",
                   QUERY_STRING="phone=ops&message=via+cgi", SMSGATE_CONF=self.conf)
        r = subprocess.run([SMSGATE], env=env, capture_output=True, timeout=TIMEOUT)
        self.assertEqual(r.stdout, b"Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ndone\n", r.stderr)
        files = {}
        for n in self.ls("outgoing"):
            data = self.spool_file("outgoing", n)
            files.setdefault(n.split("-")[0], []).append(data)
        self.assertEqual(sorted(files["send"]), sorted(b"To: %s\nAlphabet: UTF-8\n\nfrom cron" % n.encode()
                                                       for n in (A, B)))
        self.assertEqual(sorted(files["cgi"]), sorted(b"To: %s\nAlphabet: UTF-8\n\nvia cgi" % n.encode()
                                                      for n in ("491702222222", C)))
        self.restart_daemon()
        self.assertEqual(self.sent(), sorted([(A, "from cron"), (B, "from cron"), (B, "via cgi"), (C, "via cgi")]))
        self.stop_daemon()


class TestReceivers(GroupTest):
    def post_hook(self, kind, body, to="oncall", **kw):
        q = "?to=" + urllib.parse.quote(to) if to is not None else ""
        return self.request("POST", "/api/v1/%s%s" % (kind, q), body=body,
                            headers={"Content-Type": JSON_TYPE}, **kw)

    def test_grafana_fixture_with_curl(self):
        """Grafana's documented payload, as Grafana sends it (curl, a
        bearer token)."""
        self.start(tokens=(TOKEN,))
        r = self.curl("-sS", "-H", "Authorization: Bearer " + TOKEN, "-H", "Content-Type: application/json",
                      "--data-binary", "@" + os.path.join(VECTORS, "grafana-docs.json"),
                      "http://%s/api/v1/grafana?to=oncall" % self.host())
        self.assertEqual(r.returncode, 0, r.stderr)
        o = json.loads(r.stdout)
        self.assertEqual((o["state"], o["parts"], o["encoding"], o["text"]), ("queued", 1, "gsm7", GRAFANA))
        self.assertEqual([x["to"] for x in o["recipients"]], [A, B])
        self.assertEqual(self.sent(), sorted([(A, GRAFANA), (B, GRAFANA)]))
        self.stop_daemon()

    def test_alertmanager_payloads_and_refusals(self):
        self.start(tokens=(TOKEN,))
        # The same auth as the API: none, a wrong one; the token in the query works.
        self.assertEqual(self.post_hook("alertmanager", vector("alertmanager-firing.json"), auth=False).status, 401)
        a = self.request("POST", "/api/v1/alertmanager?to=%s&token=%s" % (urllib.parse.quote(C), TOKEN),
                         body=vector("alertmanager-firing.json"), headers={"Content-Type": JSON_TYPE}, auth=False)
        self.assert_answer(a, 202, JSON_TYPE)
        self.assertEqual(a.json()["text"], AM_FIRING)
        for body, to, why in [
            (b'{"status": "firing", "alerts": [', "oncall", "invalid JSON: unexpected end of data"),
            (b'{"status": "firing"}', "oncall", '"alerts" is missing or not an array'),
            (b'{"status": "pending", "alerts": [{}]}', "oncall", '"status" must be "firing" or "resolved"'),
            (b'{"status": "firing", "alerts": [1]}', "oncall", '"alerts" must hold objects'),
            (vector("alertmanager-firing.json"), None, '"to" is required in the URL: ?to=NUMBER or ?to=GROUP'),
            (vector("alertmanager-firing.json"), "oncal", 'unknown recipient group "oncal" (no [group oncal] in the config)'),
            (vector("alertmanager-firing.json"), "0170-1", "invalid number: only digits and a leading '+' are "
                                                          "allowed (found byte 0x2D)"),
        ]:
            self.assert_error(self.post_hook("alertmanager", body, to=to), 400, why)
        self.assert_error(self.request("GET", "/api/v1/grafana?to=oncall"), 405, "POST")
        a = self.post_hook("alertmanager", vector("alertmanager-resolved.json"), to="ops," + C)
        self.assertEqual(self.recipients(a), ["491702222222", C])
        self.assertEqual(a.json()["text"], AM_RESOLVED)
        self.assertEqual(self.sent(), sorted([(C, AM_FIRING), (B, AM_RESOLVED), (C, AM_RESOLVED)]))
        self.stop_daemon()


class TestReceiverLimits(GroupTest):
    gateway_extra = ("suppress_duplicates = 10m",)

    def test_same_alert_again_suppressed(self):
        """Receivers go through the same alert-storm control as any message."""
        self.start()
        a = self.request("POST", "/api/v1/grafana?to=" + A, body=vector("grafana-docs.json"),
                         headers={"Content-Type": JSON_TYPE})
        self.assertEqual(a.json()["state"], "queued", a)
        a = self.request("POST", "/api/v1/grafana?to=oncall", body=vector("grafana-docs.json"),
                         headers={"Content-Type": JSON_TYPE})
        self.assertEqual([(r["to"], r["state"]) for r in a.json()["recipients"]], [(A, "suppressed"), (B, "queued")])
        self.assertEqual(self.sent(), sorted([(A, GRAFANA), (B, GRAFANA)]))
        self.stop_daemon()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


@unittest.skipUnless(os.access(ALERTMANAGER, os.X_OK), "prometheus-alertmanager is not installed")
class TestAlertmanager(GroupTest):
    """Debian's prometheus-alertmanager, on loopback, with a webhook
    receiver pointing at smsgated: a firing and then a resolved group of
    two alerts arrive at the simulator as the expected texts."""

    def start_alertmanager(self):
        d = os.path.join(self.dir, "am")
        os.makedirs(d)
        conf = os.path.join(d, "alertmanager.yml")
        with open(conf, "w") as f:
            f.write("""route:
  receiver: sms
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 24h
receivers:
  - name: sms
    webhook_configs:
      - url: http://127.0.0.1:%d/api/v1/alertmanager?to=oncall
        send_resolved: true
        http_config:
          authorization:
            credentials: %s
""" % (self.port, TOKEN))
        for attempt in range(5):
            self.am_port = free_port()
            log = open(os.path.join(d, "log"), "ab")
            p = subprocess.Popen([ALERTMANAGER, "--config.file=" + conf, "--storage.path=" + d,
                                  "--web.listen-address=127.0.0.1:%d" % self.am_port, "--cluster.listen-address=",
                                  "--log.level=debug"], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            log.close()
            self.addCleanup(self.stop_am, p)

            def ready():
                if p.poll() is not None:
                    return "exited"
                try:
                    with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.am_port, timeout=2) as r:
                        return r.status == 200
                except (OSError, urllib.error.URLError):
                    return False
            if wait_for(ready, TIMEOUT, "alertmanager ready") is True:
                return
        self.fail("alertmanager did not start:\n" + open(os.path.join(d, "log")).read())

    def stop_am(self, p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def post_alerts(self, ends=None):
        now = time.time()
        alerts = []
        for host in ("db1", "db2"):
            a = {"labels": {"alertname": "InstanceDown", "instance": host + ":9100", "job": "node",
                            "severity": "critical"},
                 "annotations": {"summary": "Instance %s:9100 down" % host},
                 "startsAt": iso(now - 60)}
            if ends is not None:
                a["endsAt"] = iso(ends)
            alerts.append(a)
        req = urllib.request.Request("http://127.0.0.1:%d/api/v2/alerts" % self.am_port,
                                     data=json.dumps(alerts).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            self.assertEqual(r.status, 200)

    def test_firing_then_resolved(self):
        self.start(tokens=(TOKEN,))
        self.start_alertmanager()
        self.post_alerts()
        subs = self.submits(2)
        self.assertEqual(sorted((s["to"], s["text"]) for s in subs), sorted([(A, AM_FIRING), (B, AM_FIRING)]))
        self.post_alerts(ends=time.time() - 1)
        subs = self.submits(4)
        self.assertEqual(sorted((s["to"], s["text"]) for s in subs[2:]), sorted([(A, AM_RESOLVED), (B, AM_RESOLVED)]))
        # Nothing else: no repeat of either notification.
        self.assertEqual(self.sent(), sorted([(A, AM_FIRING), (B, AM_FIRING), (A, AM_RESOLVED), (B, AM_RESOLVED)]))
        self.stop_daemon()


if __name__ == "__main__":
    unittest.main()
