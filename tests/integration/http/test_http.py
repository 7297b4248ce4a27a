"""smsgated's HTTP API over loopback, against smsgate-modemsim.

Real clients where the contract names them (curl and busybox wget with the
original command lines), http.client and raw sockets for the rest. Each test
gets a temp dir, a simulator with fast timings, a config with a free
loopback port, and smsgated in the foreground. Assertions are exact: status,
content type and body bytes of the answer; what the simulator received (its
JSON log of submits); the files in the spool. Every wait is on an event
with a deadline. smsgated must exit 0 on SIGTERM (sanitizer builds report
leaks at exit)."""

import base64
import http.client
import json
import os
import re
import select
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from daemonlib import SMSGATED, Daemon, free_port, read
from simlib import Sim, TIMEOUT, wait_for

NUMBER = "+491701234567"
LEGACY_MISSING = b'The GET parameters "message" and/or "phone" are missing.\n'
TEXT_PLAIN = "text/plain; charset=utf-8"
JSON_TYPE = "application/json"
KANNEL_OK = b"0: Accepted for delivery"
TOKEN = "s3cret-t0ken"


def have(prog):
    return shutil.which(prog) is not None


class Answer:
    def __init__(self, status, ctype, body, headers=None):
        self.status, self.ctype, self.body, self.headers = status, ctype, body, headers or {}

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %s %r>" % (self.status, self.ctype, self.body[:300])


class HttpTest(unittest.TestCase):
    """One simulator and one smsgated per test."""
    gateway_extra = ()      # more [gateway] lines of the config, "key = value"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="smsgated-http-")
        self.spool = os.path.join(self.dir, "spool")
        self.conf = os.path.join(self.dir, "smsgate.conf")
        self.sim = None
        self.daemon = None
        if not os.environ.get("HTTP_TEST_KEEP"):
            self.addCleanup(shutil.rmtree, self.dir, True)

    # ---- setup ----
    def write_config(self, listen=None, tokens=(), legacy=None, max_body=None, extra_http=()):
        lines = ["[gateway]", "spool = " + self.spool, "log_level = info", "retry_base = 1"]
        lines += list(self.gateway_extra) + ["", "[http]"]
        lines += ["listen = " + l for l in (listen or ["127.0.0.1:%d" % self.port])]
        lines += ["token = " + t for t in tokens]
        if legacy is not None:
            lines.append("legacy_cgi = " + legacy)
        if max_body is not None:
            lines.append("max_body = %d" % max_body)
        lines += list(extra_http)
        lines += ["", "[modem a]", "device = " + (self.sim.link if self.sim else os.path.join(self.dir, "none")),
                  "poll_interval = 1"]
        lines += self.extra_sections()
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def extra_sections(self):
        """Lines of the config after [modem a]: more sections."""
        return []

    def start(self, *sim_args, tokens=(), legacy=None, max_body=None, wait_ready=True):
        wd = os.path.join(self.dir, "sim")
        os.makedirs(wd, exist_ok=True)
        self.sim = Sim(*sim_args, workdir=wd)
        self.addCleanup(self._stop_sim)
        self.tokens = tokens
        for attempt in range(5):
            # A free port now may be taken before smsgated binds it: then another.
            self.port = free_port()
            self.write_config(tokens=tokens, legacy=legacy, max_body=max_body)
            d = Daemon(self.conf, self.dir)
            if self._wait_listening(d):
                break
            d.stop()
            if "cannot listen" not in d.log():
                self.fail("smsgated did not start:\n" + d.log())
        else:
            self.fail("no free port after 5 attempts")
        self.daemon = d
        self.addCleanup(self._stop_daemon)
        if wait_ready:
            self.wait_ready()
        return d

    def restart_daemon(self, wait_ready=True):
        """smsgated again on the same config, simulator and port."""
        self.daemon = Daemon(self.conf, self.dir)
        if not self._wait_listening(self.daemon):
            self.fail("smsgated did not start again:\n" + self.daemon.log())
        if wait_ready:
            self.wait_ready()
        return self.daemon

    def _wait_listening(self, d):
        def up():
            if d.proc.poll() is not None:
                return "exited"
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
            except OSError:
                return False
            st = self.status_file()
            return st is not None and st.get("pid") == d.proc.pid
        return wait_for(up, TIMEOUT, "smsgated listening on %d" % self.port) is True

    def _stop_sim(self):
        rc = self.sim.close()
        self.assertEqual(rc, 0, "simulator exit status %r\n%s" % (rc, self.sim.stderr_text()))

    def _stop_daemon(self):
        if self.daemon and not self.daemon.log_file.closed:
            self.stop_daemon()

    def stop_daemon(self):
        rc = self.daemon.stop()
        self.assertEqual(rc, 0, "smsgated exit status %r; log:\n%s" % (rc, self.daemon.log()[-4000:]))

    def status_file(self):
        try:
            return json.loads(read(os.path.join(self.spool, "status.json")))
        except (OSError, ValueError):
            return None

    def modem_state(self):
        st = self.status_file()
        return st["modems"][0]["state"] if st and st.get("modems") else None

    def wait_ready(self):
        wait_for(lambda: self.modem_state() in ("ready", "sending"), TIMEOUT,
                 "modem ready: %r" % (self.status_file(),))

    # ---- HTTP ----
    def request(self, method, path, body=None, headers=None, auth=True):
        h = {}
        if auth and self.tokens:
            h["Authorization"] = "Bearer " + self.tokens[0]
        h.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode()
            h.setdefault("Content-Type", JSON_TYPE)
        elif isinstance(body, str):
            body = body.encode()
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return Answer(r.status, r.getheader("Content-Type"), data, dict(r.getheaders()))
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_form(self, path, fields, **kw):
        body = fields if isinstance(fields, (bytes, str)) else urllib.parse.urlencode(fields)
        return self.request("POST", path, body=body,
                            headers=dict(kw.pop("headers", {}), **{"Content-Type": "application/x-www-form-urlencoded"}),
                            **kw)

    def post_json(self, body, path="/api/v1/messages", **kw):
        return self.request("POST", path, body=body, **kw)

    def raw(self, data, timeout=TIMEOUT):
        """Raw bytes in, everything the server sends until it closes out."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout)
        try:
            s.sendall(data)
            out = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return out
                out += chunk
        finally:
            s.close()

    def assert_answer(self, a, status, ctype, body=None):
        self.assertEqual((a.status, a.ctype), (status, ctype), a)
        if body is not None:
            self.assertEqual(a.body, body)

    def assert_error(self, a, status, error=None):
        self.assert_answer(a, status, JSON_TYPE)
        o = a.json()
        self.assertEqual(list(o), ["error"], o)
        if error is not None:
            self.assertEqual(o["error"], error)
        return o["error"]

    def host(self):
        return "127.0.0.1:%d" % self.port

    def curl(self, *args):
        r = subprocess.run(["curl"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        return r

    def shell(self, line):
        """A client command line exactly as a user types it."""
        return subprocess.run(["/bin/sh", "-c", line], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=TIMEOUT)

    # ---- outcomes ----
    def submits(self, count=None):
        got = lambda: [e for e in self.sim.events("submit") if e.get("result") == "ok"]
        if count is not None:
            wait_for(lambda: len(got()) >= count, TIMEOUT, "%d submits at the simulator: %r" % (count, got()))
        return got()

    def ls(self, d, hidden=False):
        try:
            return sorted(n for n in os.listdir(os.path.join(self.spool, d)) if hidden or not n.startswith("."))
        except FileNotFoundError:
            return []

    def spool_file(self, d, name):
        return read(os.path.join(self.spool, d, name))

    def assert_nothing_written(self):
        for d in ("outgoing", "queue"):
            self.assertEqual(self.ls(d, hidden=True), [], "%s/ holds files" % d)

    def wait_state(self, mid, state, timeout=TIMEOUT):
        def reached():
            a = self.get("/api/v1/messages/" + mid)
            return a.status == 200 and a.json()["state"] == state and a.json()
        return wait_for(reached, timeout, "message %s in state %s: %r" % (mid, state,
                                                                          self.get("/api/v1/messages/" + mid)))

    def sync_point(self, text="sync point"):
        """A message sent after everything before it: once it is submitted,
        whatever was going to be sent before it has been."""
        a = self.post_json({"to": "+491700000000", "text": text})
        self.assertEqual(a.status, 202, a)
        # Messages queued before it may still be going out: wait for the
        # sync text itself, then everything before it is complete (FIFO).
        subs = wait_for(lambda: (lambda s: s if any(e["text"] == text for e in s) else None)(self.submits()),
                        TIMEOUT, "the sync point at the simulator")
        i = [e["text"] for e in subs].index(text)
        self.assertEqual(len(subs), i + 1, "something was sent after the sync point: %r" % subs[i + 1:])
        return subs[:i]


# ---------------------------------------------------------------------------


class TestLegacy(HttpTest):
    """/cgi-bin/sms exactly as the original CGI answered it."""

    def test_curl_line_verbatim(self):
        self.start()
        texts = [
            "Server down: disk 100% full & load > 5 + rising",
            "Grüße aus Köln: ÄÖÜ äöü ß €",
            "Alarm 😱🔥 on db1",
            "a=b&c=d %41 %zz + ++",
        ]
        for i, text in enumerate(texts):
            line = 'curl -G -s "http://%s/cgi-bin/sms" --data-urlencode "phone=%s" --data-urlencode "message=%s"' % (
                self.host(), "491701234567", text)
            r = self.shell(line)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, b"done\n", b""), line)
            sub = self.submits(i + 1)[i]
            self.assertEqual((sub["to"], sub["text"]), (NUMBER, text))
        # The message files: the text byte for byte in sent/.
        wait_for(lambda: len(self.ls("sent")) == len(texts), TIMEOUT, "sent/ files")
        bodies = sorted(self.spool_file("sent", n).partition(b"\n\n")[2] for n in self.ls("sent"))
        self.assertEqual(bodies, sorted(t.encode() for t in texts))
        self.assertEqual(self.ls("failed"), [])
        self.assertEqual([s["enc"] for s in self.submits()], ["gsm7", "gsm7", "ucs2", "gsm7"])
        # The answer's status and type, as the line above cannot show them.
        a = self.get("/cgi-bin/sms?" + urllib.parse.urlencode({"phone": "+491701234567", "message": "typed"}))
        self.assert_answer(a, 200, TEXT_PLAIN, b"done\n")
        self.stop_daemon()

    def test_busybox_wget_line_verbatim(self):
        if not have("busybox"):
            self.skipTest("busybox is not installed")
        self.start()
        line = 'busybox wget -q -O - "http://%s/cgi-bin/sms?phone=%s&message=a%%20b"' % (self.host(), "491701234567")
        r = self.shell(line)
        self.assertEqual((r.returncode, r.stdout), (0, b"done\n"), r.stderr)
        sub = self.submits(1)[0]
        self.assertEqual((sub["to"], sub["text"], sub["enc"]), (NUMBER, "a b", "gsm7"))
        # '+' as a space, national digits, and a number with '+' as %2B
        r = self.shell('busybox wget -q -O - "http://%s/cgi-bin/sms?phone=%%2B491701234567&message=x+y%%2Bz"'
                       % self.host())
        self.assertEqual((r.returncode, r.stdout), (0, b"done\n"), r.stderr)
        sub = self.submits(2)[1]
        self.assertEqual((sub["to"], sub["text"]), (NUMBER, "x y+z"))
        self.stop_daemon()

    def test_post_form(self):
        self.start()
        a = self.post_form("/cgi-bin/sms", {"phone": "01701234567", "message": "posted + form & äöü"})
        self.assert_answer(a, 200, TEXT_PLAIN, b"done\n")
        sub = self.submits(1)[0]
        self.assertEqual((sub["to"], sub["text"]), ("01701234567", "posted + form & äöü"))
        # curl -d, as a user would POST it
        r = self.curl("-s", "http://%s/cgi-bin/sms" % self.host(), "--data-urlencode", "phone=491701234567",
                      "--data-urlencode", "message=by curl -d")
        self.assertEqual((r.returncode, r.stdout), (0, b"done\n"))
        self.assertEqual(self.submits(2)[1]["text"], "by curl -d")
        self.stop_daemon()

    def test_missing_parameters(self):
        self.start()
        for query in ("", "?phone=491701234567", "?message=hello", "?phone=&message=hello",
                      "?phone=491701234567&message=", "?Phone=491701234567&Message=x"):
            a = self.get("/cgi-bin/sms" + query)
            self.assert_answer(a, 400, TEXT_PLAIN, LEGACY_MISSING)
        a = self.post_form("/cgi-bin/sms", {"phone": "491701234567"})
        self.assert_answer(a, 400, TEXT_PLAIN, LEGACY_MISSING)
        r = self.shell('curl -G -s "http://%s/cgi-bin/sms" --data-urlencode "phone=491701234567"' % self.host())
        self.assertEqual(r.stdout, LEGACY_MISSING)
        self.assert_nothing_written()
        self.sync_point()
        self.assertEqual(len(self.submits()), 1)
        self.stop_daemon()

    def test_legacy_off(self):
        self.start(legacy="no")
        a = self.get("/cgi-bin/sms?phone=491701234567&message=x")
        self.assert_error(a, 404, "no such endpoint: GET /cgi-bin/sms")
        a = self.get("/cgi-bin/sendsms?to=491701234567&text=x")
        self.assert_error(a, 404, "no such endpoint: GET /cgi-bin/sendsms")
        self.assert_nothing_written()
        self.stop_daemon()


class TestKannel(HttpTest):
    """/cgi-bin/sendsms with Kannel's parameters and answers."""

    def test_get_and_post(self):
        self.start()
        q = urllib.parse.urlencode({"username": "u", "password": "p", "to": "491701234567", "text": "Kannel GET"})
        self.assert_answer(self.get("/cgi-bin/sendsms?" + q), 202, TEXT_PLAIN, KANNEL_OK)
        self.assert_answer(self.post_form("/cgi-bin/sendsms", {"username": "u", "password": "p", "to": "+491701234567",
                                                               "text": "Kannel POST äö"}),
                           202, TEXT_PLAIN, KANNEL_OK)
        subs = self.submits(2)
        self.assertEqual([(s["to"], s["text"], s["srr"]) for s in subs],
                         [(NUMBER, "Kannel GET", False), (NUMBER, "Kannel POST äö", False)])
        self.assertNotEqual(subs[0].get("class"), 0)
        self.stop_daemon()

    def test_several_recipients(self):
        self.start()
        # Spaces as %20 and as '+' (a '+' of a number is %2B).
        a = self.get("/cgi-bin/sendsms?to=%2B491701111111%20491702222222+%2B491703333333&text=to+three")
        self.assert_answer(a, 202, TEXT_PLAIN, KANNEL_OK)
        subs = self.submits(3)
        self.assertEqual(sorted((s["to"], s["text"]) for s in subs),
                         [("+491701111111", "to three"), ("+491702222222", "to three"), ("+491703333333", "to three")])
        # One bad number refuses the whole request: nothing sent to the good ones.
        a = self.get("/cgi-bin/sendsms?to=491701111111+49170abc&text=x")
        self.assertEqual((a.status, a.ctype), (400, TEXT_PLAIN), a)
        self.sync_point()
        self.assertEqual(len(self.submits()), 4)
        self.stop_daemon()

    def test_coding_charset_mclass_dlr(self):
        self.start()
        text = "Привет 😀 ok"
        utf16 = urllib.parse.quote_from_bytes(text.encode("utf-16-be"))
        a = self.get("/cgi-bin/sendsms?to=491701234567&coding=2&charset=UTF-16BE&text=" + utf16)
        self.assert_answer(a, 202, TEXT_PLAIN, KANNEL_OK)
        sub = self.submits(1)[0]
        self.assertEqual((sub["text"], sub["enc"], sub["dcs"]), (text, "ucs2", 8))
        # coding=2 alone: Kannel's default charset for it is UTF-16BE
        a = self.get("/cgi-bin/sendsms?to=491701234567&coding=2&text=%00H%00i%D8%3D%DE%00")
        self.assert_answer(a, 202, TEXT_PLAIN, KANNEL_OK)
        sub = self.submits(2)[1]
        self.assertEqual((sub["text"], sub["enc"]), ("Hi😀", "ucs2"))
        # coding=2 with UTF-8 text: UCS-2 on the air even though GSM 7-bit would do; a long one too
        long = "plain ascii " * 25
        a = self.get("/cgi-bin/sendsms?to=491701234567&coding=2&charset=utf-8&text=" + urllib.parse.quote(long))
        self.assert_answer(a, 202, TEXT_PLAIN, KANNEL_OK)
        subs = self.submits(7)[2:]
        # (a UCS2 file is not trimmed: smsd trims 8-bit texts only)
        self.assertEqual(({s["enc"] for s in subs}, "".join(s["text"] for s in subs)), ({"ucs2"}, long))
        # charset=ISO-8859-1 / -15 text as 8-bit bytes
        a = self.get("/cgi-bin/sendsms?to=491701234567&charset=ISO-8859-1&text=Gr%FC%DFe")
        self.assert_answer(a, 202, TEXT_PLAIN, KANNEL_OK)
        self.assertEqual(self.submits(8)[7]["text"], "Grüße")
        a = self.get("/cgi-bin/sendsms?to=491701234567&charset=ISO-8859-15&text=5%A4")
        self.assert_answer(a, 202, TEXT_PLAIN, KANNEL_OK)
        self.assertEqual(self.submits(9)[8]["text"], "5€")
        # mclass=0: flash (DCS class 0); dlr-mask: a status report requested
        a = self.get("/cgi-bin/sendsms?to=491701234567&mclass=0&dlr-mask=31&text=flash")
        self.assert_answer(a, 202, TEXT_PLAIN, KANNEL_OK)
        sub = self.submits(10)[9]
        self.assertEqual((sub["text"], sub["class"], sub["dcs"], sub["srr"]), ("flash", 0, 0x10, True))
        # odd number of UTF-16 bytes; charsets and codings we do not know
        for q, err in [("charset=UTF-16BE&text=%00a%00", b"Invalid UTF-16 text"),
                       ("coding=2&text=abc", b"Invalid UTF-16 text"),
                       ("charset=EBCDIC&text=x", b"Unsupported charset (UTF-8, UTF-16BE, ISO-8859-1, ISO-8859-15)"),
                       ("coding=3&text=x", b"Invalid coding value (0, 1 or 2)")]:
            self.assert_answer(self.get("/cgi-bin/sendsms?to=491701234567&" + q), 400, TEXT_PLAIN, err)
        self.assert_nothing_written()
        self.stop_daemon()

    def test_errors(self):
        self.start()
        self.assert_answer(self.get("/cgi-bin/sendsms?text=x"), 400, TEXT_PLAIN, b"Missing receiver number")
        self.assert_answer(self.get("/cgi-bin/sendsms?to=491701234567"), 400, TEXT_PLAIN, b"Missing text")
        self.assert_answer(self.get("/cgi-bin/sendsms?to=+++&text=x"), 400, TEXT_PLAIN,
                           b"Empty receiver number not allowed")
        self.assert_nothing_written()
        self.stop_daemon()


class TestRest(HttpTest):
    """/api/v1/messages and /api/v1/inbox."""

    def test_round_trip_sent_then_delivered(self):
        # Reports only when the test asks for them: "sent" is seen, then "delivered".
        self.start("--report-delay-ms", "600000")
        a = self.post_json({"to": NUMBER, "text": "JSON round trip", "report": True})
        self.assert_answer(a, 202, JSON_TYPE)
        o = a.json()
        self.assertRegex(o["id"], "^[0-9a-f]{20}$")
        self.assertEqual(o, {"id": o["id"], "state": "queued", "parts": 1, "encoding": "gsm7",
                             "recipients": [{"to": NUMBER, "id": o["id"]}]})
        sub = self.submits(1)[0]
        self.assertEqual((sub["to"], sub["text"], sub["srr"]), (NUMBER, "JSON round trip", True))
        rec = self.wait_state(o["id"], "sent")
        self.assertEqual((rec["id"], rec["to"], rec["parts"], rec["parts_sent"], rec["modem"], rec["references"],
                          rec["report"], rec["report_status"], rec["last_error"]),
                         (o["id"], NUMBER, 1, 1, "a", [sub["mr"]], True, None, None))
        self.assertIsInstance(rec["sent_at"], int)
        self.sim.ctl("report", str(sub["mr"]), NUMBER)
        rec = self.wait_state(o["id"], "delivered")
        self.assertEqual((rec["report_status"], rec["references"]), (0, [sub["mr"]]))
        self.assertIn(o["id"], self.ls("sent"))
        # unicode and long texts: encoding and parts in the answer
        a = self.post_json({"to": NUMBER, "text": "Ünïcödé ✓ " * 10})
        self.assertEqual((a.status, a.json()["encoding"], a.json()["parts"]), (202, "ucs2", 2))
        a = self.post_json({"to": NUMBER, "text": "x" * 161})
        self.assertEqual((a.status, a.json()["encoding"], a.json()["parts"]), (202, "gsm7", 2))
        subs = self.submits(5)
        # smsd's trim_text: trailing blanks and line ends go, in every file
        self.assertEqual("".join(s["text"] for s in subs[1:3]), ("Ünïcödé ✓ " * 10).rstrip())
        self.assertEqual("".join(s["text"] for s in subs[3:5]), "x" * 161)
        self.stop_daemon()

    def test_options_and_form_body(self):
        self.start()
        a = self.post_json({"to": NUMBER, "text": "flash high", "flash": True, "priority": "high",
                            "validity": 3600})
        self.assertEqual(a.status, 202, a)
        sub = self.submits(1)[0]
        self.assertEqual((sub["text"], sub["class"], sub["srr"]), ("flash high", 0, False))
        self.assertEqual(sub["vpf"], 2)  # relative validity period
        a = self.post_form("/api/v1/messages", {"to": "491701234567", "text": "form body", "report": "yes"})
        self.assert_answer(a, 202, JSON_TYPE)
        self.assertEqual(a.json()["state"], "queued")
        sub = self.submits(2)[1]
        self.assertEqual((sub["to"], sub["text"], sub["srr"]), (NUMBER, "form body", True))
        for body, err in [
            ({"text": "x"}, '"to" is missing'),
            ({"to": NUMBER}, '"text" is missing or not a string'),
            ({"to": 491701234567, "text": "x"}, '"to" must be a string or an array of strings'),
            ({"to": [], "text": "x"}, '"to" takes 1 to 16 numbers'),
            ({"to": [NUMBER, 5], "text": "x"}, '"to" must hold strings'),
            ({"to": NUMBER, "text": "x", "flash": "yes"}, '"flash" must be true or false'),
            ({"to": NUMBER, "text": "x", "priority": "urgent"}, '"priority" is "normal" or "high"'),
            ({"to": NUMBER, "text": "x", "validity": -5}, '"validity" is a positive number of seconds'),
            ([NUMBER], "the body must be a JSON object"),
        ]:
            self.assert_error(self.post_json(body), 400, err)
        self.assertTrue(self.assert_error(self.post_json(b"{\"to\": ", headers={"Content-Type": JSON_TYPE}), 400)
                        .startswith("invalid JSON: "))
        self.assert_error(self.post_json(b"to=1", headers={"Content-Type": "text/plain"}), 415,
                          "send application/json or a urlencoded form")
        self.assert_error(self.get("/api/v1/messages/00000000000000000000"), 404, "no message 00000000000000000000")
        self.assert_error(self.get("/api/v1/messages/..%2F..%2Fetc"), 404)
        self.assert_error(self.get("/api/v1/nothing"), 404, "no such endpoint: GET /api/v1/nothing")
        self.assert_error(self.request("PUT", "/api/v1/messages"), 405, "GET or POST")
        self.sync_point()
        self.assertEqual(len(self.submits()), 3)
        self.stop_daemon()

    def test_several_recipients(self):
        self.start()
        to = ["+491701111111", "491702222222", "01703333333"]
        a = self.post_json({"to": to, "text": "to all"})
        self.assert_answer(a, 202, JSON_TYPE)
        o = a.json()
        self.assertEqual([r["to"] for r in o["recipients"]], to)
        ids = [r["id"] for r in o["recipients"]]
        self.assertEqual(len(set(ids)), 3)
        self.assertEqual(o["id"], ids[0])
        subs = self.submits(3)
        self.assertEqual(sorted((s["to"], s["text"]) for s in subs),
                         sorted([("+491701111111", "to all"), ("+491702222222", "to all"), ("01703333333", "to all")]))
        for mid, number in zip(ids, ["+491701111111", "+491702222222", "01703333333"]):
            self.assertEqual(self.wait_state(mid, "sent")["to"], number)
        # one bad number: none is accepted
        self.assert_error(self.post_json({"to": [NUMBER, "0170-123"], "text": "x"}), 400,
                          "invalid number: only digits and a leading '+' are allowed (found byte 0x2D)")
        self.sync_point()
        self.assertEqual(len(self.submits()), 4)
        self.stop_daemon()

    def test_idempotent_client_id(self):
        self.start()
        body = {"to": NUMBER, "text": "once only", "id": "alert-42/db1"}
        first = self.post_json(body)
        self.assert_answer(first, 202, JSON_TYPE)
        self.submits(1)
        self.wait_state(first.json()["id"], "sent")
        for again in (body, dict(body, text="changed text")):
            a = self.post_json(again)
            self.assert_answer(a, 202, JSON_TYPE, first.body)
        # A different id is a different message.
        other = self.post_json(dict(body, id="alert-43"))
        self.assertNotEqual(other.json()["id"], first.json()["id"])
        self.submits(2)
        before = self.sync_point()
        self.assertEqual([s["text"] for s in before], ["once only", "once only"])
        wait_for(lambda: len(self.ls("sent")) == 3, TIMEOUT, "3 files in sent/")
        self.assert_error(self.post_json(dict(body, id="x" * 65)), 400, '"id" is 1 to 64 characters')
        self.stop_daemon()

    def _not_ready(self):
        self.sim.ctl("deregister")
        wait_for(lambda: self.modem_state() not in ("ready", "sending"), TIMEOUT,
                 "modem not ready: %r" % (self.status_file(),))

    def test_cancel_while_queued(self):
        self.start()
        self._not_ready()
        a = self.post_json({"to": NUMBER, "text": "never sent"})
        self.assertEqual(a.status, 202, a)
        mid = a.json()["id"]
        self.assertEqual(self.get("/api/v1/messages/" + mid).json()["state"], "queued")
        self.assertEqual(self.ls("queue"), sorted([mid, mid + ".st"]) if mid + ".st" in self.ls("queue") else [mid])
        d = self.request("DELETE", "/api/v1/messages/" + mid)
        self.assert_answer(d, 200, JSON_TYPE)
        self.assertEqual((d.json()["id"], d.json()["state"]), (mid, "cancelled"))
        self.assertEqual(self.get("/api/v1/messages/" + mid).json()["state"], "cancelled")
        self.assertEqual(self.ls("queue"), [])
        self.assertEqual((self.ls("sent"), self.ls("failed")), ([], [mid]))
        head, _, text = self.spool_file("failed", mid).partition(b"\n\n")
        self.assertIn(b"\nFail_reason: cancelled", head)
        self.assertEqual(text, b"never sent")
        self.assert_error(self.request("DELETE", "/api/v1/messages/" + mid), 409,
                          "message %s is with a modem already or finished" % mid)
        self.sim.ctl("register")
        self.wait_ready()
        self.assertEqual([s["text"] for s in self.sync_point()], [])
        self.assertEqual(self.get("/api/v1/messages/" + mid).json()["state"], "cancelled")
        self.assert_error(self.request("DELETE", "/api/v1/messages/0123456789abcdef0123"), 404,
                          "no queued message 0123456789abcdef0123")
        self.stop_daemon()

    def test_delete_after_sent(self):
        self.start()
        mid = self.post_json({"to": NUMBER, "text": "gone already"}).json()["id"]
        self.wait_state(mid, "sent")
        self.assert_error(self.request("DELETE", "/api/v1/messages/" + mid), 409,
                          "message %s is with a modem already or finished" % mid)
        self.assertEqual(self.get("/api/v1/messages/" + mid).json()["state"], "sent")
        self.stop_daemon()

    def test_list(self):
        self.start()
        ids = []
        for i in range(3):
            ids.append(self.post_json({"to": NUMBER, "text": "list %d" % i}).json()["id"])
            self.wait_state(ids[-1], "sent")
        self._not_ready()
        ids.append(self.post_json({"to": NUMBER, "text": "list queued"}).json()["id"])
        a = self.get("/api/v1/messages")
        self.assert_answer(a, 200, JSON_TYPE)
        self.assertEqual([m["id"] for m in a.json()["messages"]], ids[::-1])
        self.assertEqual([m["state"] for m in a.json()["messages"]], ["queued", "sent", "sent", "sent"])
        a = self.get("/api/v1/messages?limit=2")
        self.assertEqual([m["id"] for m in a.json()["messages"]], ids[:1:-1])
        a = self.get("/api/v1/messages?state=sent&limit=2")
        self.assertEqual([m["id"] for m in a.json()["messages"]], [ids[2], ids[1]])
        a = self.get("/api/v1/messages?state=queued")
        self.assertEqual([m["id"] for m in a.json()["messages"]], [ids[3]])
        a = self.get("/api/v1/messages?state=delivered")
        self.assertEqual(a.json(), {"messages": []})
        self.assert_error(self.get("/api/v1/messages?state=bogus"), 400, "unknown state")
        self.stop_daemon()

    def test_inbox(self):
        self.start()
        a = self.get("/api/v1/inbox")
        self.assert_answer(a, 200, JSON_TYPE, b'{"messages":[]}')

        def inbox(n):
            def got():
                m = self.get("/api/v1/inbox").json()["messages"]
                return len(m) == n and m
            return wait_for(got, TIMEOUT, "%d messages in the inbox: %r" % (n, self.get("/api/v1/inbox")))
        self.sim.ctl("inject", "--from", "+491709999999", "Hello inbox")
        inbox(1)
        self.sim.ctl("inject", "--from", "+491708888888", "--ucs2", "Zweite äö 😀")
        inbox(2)
        self.post_json({"to": NUMBER, "text": "report me", "report": True})
        mr = self.submits(1)[0]["mr"]
        msgs = inbox(3)
        self.assertEqual([(m["from"], m["type"]) for m in msgs],
                         [(NUMBER, "status-report"), ("+491708888888", "sms"), ("+491709999999", "sms")])
        self.assertEqual([m["text"] for m in msgs[1:]], ["Zweite äö 😀", "Hello inbox"])
        self.assertTrue(msgs[0]["text"].startswith("SMS STATUS REPORT\nMessage_id: %d\n" % mr), msgs[0])
        self.assertEqual({m["modem"] for m in msgs}, {"a"})
        self.assertEqual(sorted(m["file"] for m in msgs), self.ls("incoming"))
        self.assertEqual(self.get("/api/v1/inbox?limit=1").json()["messages"], msgs[:1])
        self.stop_daemon()


def parse_prometheus(text):
    """Text exposition format 0.0.4, strictly: {(name, labels): value} and {family: type}."""
    samples, types, helps = {}, {}, {}
    sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
                           r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})? (\S+)$')
    assert text.endswith("\n"), "no final newline"
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            name, _, h = line[7:].partition(" ")
            helps[name] = h
            continue
        if line.startswith("# TYPE "):
            name, _, t = line[7:].partition(" ")
            assert t in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, "TYPE twice: " + line
            types[name] = t
            continue
        m = sample_re.match(line)
        assert m, "not a sample line: %r" % line
        name, labels, value = m.group(1), (m.group(2) or "{}")[1:-1], m.group(3)
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert family in types, "sample before its TYPE: %r" % line
        float(value)
        key = (name, labels)
        assert key not in samples, "sample twice: %r" % line
        samples[key] = float(value)
    return samples, types, helps


class TestStatus(HttpTest):
    """/api/v1/status, /metrics, /healthz."""

    def test_status(self):
        self.start()
        a = self.get("/api/v1/status")
        self.assert_answer(a, 200, JSON_TYPE)
        o = a.json()
        self.assertEqual((o["queued"], o["sent"], o["failed"], o["received"]), (0, 0, 0, 0))
        self.assertIsInstance(o["uptime"], int)
        m = o["modems"][0]
        self.assertEqual((m["name"], m["state"], m["registration"], m["operator"], m["csq"], m["dbm"], m["imsi"],
                          m["sending"]),
                         ("a", "ready", 1, "Simulated Network", 21, -71, "001010123456789", None))
        self.post_json({"to": NUMBER, "text": "count me"})
        self.submits(1)
        wait_for(lambda: self.get("/api/v1/status").json()["sent"] == 1, TIMEOUT, "sent 1 in status")
        self.assertEqual(self.get("/api/v1/status").json()["modems"][0]["sent"], 1)
        self.stop_daemon()

    def test_metrics(self):
        self.start()
        a = self.get("/metrics")
        self.assertEqual((a.status, a.ctype), (200, "text/plain; version=0.0.4; charset=utf-8"))
        samples, types, helps = parse_prometheus(a.body.decode())
        for name in types:
            self.assertTrue(name.startswith("smsgate_"), name)
            self.assertIn(name, helps)
        self.assertEqual(types["smsgate_messages_sent_total"], "counter")
        self.assertEqual(types["smsgate_send_latency_seconds"], "histogram")
        self.assertEqual(samples[("smsgate_modem_up", 'modem="a"')], 1)
        self.assertEqual(samples[("smsgate_modem_signal_dbm", 'modem="a"')], -71)
        self.assertEqual(samples[("smsgate_queue_depth", 'state="queued"')], 0)
        self.assertEqual(samples[("smsgate_queue_depth", 'state="sending"')], 0)
        self.assertEqual(samples[("smsgate_messages_sent_total", "")], 0)

        # Queued while the modem cannot send: the depth shows it.
        self.sim.ctl("deregister")
        wait_for(lambda: self.modem_state() not in ("ready", "sending"), TIMEOUT, "modem not ready")
        for i in range(3):
            self.assertEqual(self.post_json({"to": NUMBER, "text": "metric %d" % i}).status, 202)
        samples = parse_prometheus(self.get("/metrics").body.decode())[0]
        self.assertEqual(samples[("smsgate_queue_depth", 'state="queued"')], 3)
        self.assertEqual(samples[("smsgate_modem_up", 'modem="a"')], 0)
        self.sim.ctl("register")
        self.submits(3)

        def sent3():
            s = parse_prometheus(self.get("/metrics").body.decode())[0]
            return s[("smsgate_messages_sent_total", "")] == 3 and s
        samples = wait_for(sent3, TIMEOUT, "sent total 3")
        self.assertEqual(samples[("smsgate_queue_depth", 'state="queued"')], 0)
        self.assertEqual(samples[("smsgate_send_latency_seconds_count", "")], 3)
        buckets = sorted(((float(l.split('"')[1]), v) for (n, l), v in samples.items()
                          if n == "smsgate_send_latency_seconds_bucket"), key=lambda x: x[0])
        self.assertEqual(buckets[-1], (float("inf"), 3))
        self.assertEqual([v for _, v in buckets], sorted(v for _, v in buckets))
        self.sim.ctl("inject", "--from", "+491709999999", "in")
        wait_for(lambda: parse_prometheus(self.get("/metrics").body.decode())[0][
            ("smsgate_messages_received_total", "")] == 1, TIMEOUT, "received total 1")
        self.stop_daemon()

    def test_healthz(self):
        self.start()
        self.assert_answer(self.get("/healthz"), 200, TEXT_PLAIN, b"ok\n")
        self.sim.ctl("drop")

        def down():
            a = self.get("/healthz")
            return a.status == 503 and a
        a = wait_for(down, TIMEOUT, "healthz 503")
        self.assertEqual(a.ctype, TEXT_PLAIN)
        self.assertTrue(a.body.startswith(b"no modem can send: a "), a.body)
        self.assertTrue(a.body.endswith(b";\n"), a.body)
        self.sim.ctl("restore")
        wait_for(lambda: self.get("/healthz").status == 200, TIMEOUT, "healthz 200 again")
        self.assert_answer(self.get("/healthz"), 200, TEXT_PLAIN, b"ok\n")
        self.stop_daemon()


class TestAuth(HttpTest):
    def basic(self, user, password):
        return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()

    def test_tokens(self):
        self.start(tokens=(TOKEN, "second-token"))
        msg = {"to": NUMBER, "text": "auth"}
        # refused: no token, a wrong one, a prefix of the right one, the right one in the wrong place
        for headers, path in [
            ({}, "/api/v1/messages"),
            ({"Authorization": "Bearer wrong"}, "/api/v1/messages"),
            ({"Authorization": "Bearer " + TOKEN[:-1]}, "/api/v1/messages"),
            ({"Authorization": "Bearer " + TOKEN + "x"}, "/api/v1/messages"),
            ({"Authorization": self.basic(TOKEN, "wrong")}, "/api/v1/messages"),
            ({"Authorization": "Token " + TOKEN}, "/api/v1/messages"),
            ({}, "/api/v1/messages?token=wrong"),
        ]:
            a = self.post_json(msg, path=path, headers=headers, auth=False)
            self.assert_error(a, 401, "a token is required: Authorization: Bearer TOKEN")
            self.assertEqual(a.headers.get("WWW-Authenticate"), 'Bearer realm="smsgate"')
        self.assert_error(self.get("/api/v1/status", auth=False), 401)
        self.assert_error(self.get("/metrics", auth=False), 401)
        self.assert_answer(self.get("/cgi-bin/sms?phone=491701234567&message=x", auth=False), 401, TEXT_PLAIN,
                           b"Unauthorized: give the token.\n")
        self.assert_answer(self.get("/cgi-bin/sms?phone=491701234567&message=x&token=wrong", auth=False), 401,
                           TEXT_PLAIN, b"Unauthorized: give the token.\n")
        self.assert_answer(self.get("/cgi-bin/sendsms?to=491701234567&text=x&password=wrong", auth=False), 403,
                           TEXT_PLAIN, b"Authorization failed for sendsms")
        self.assert_answer(self.get("/cgi-bin/sendsms?to=491701234567&text=x", auth=False), 403,
                           TEXT_PLAIN, b"Authorization failed for sendsms")
        self.assert_nothing_written()
        # health is for probes: no token needed
        self.assert_answer(self.get("/healthz", auth=False), 200, TEXT_PLAIN, b"ok\n")

        # accepted: Bearer (either token), Basic with any user, token= in the query
        texts = []
        for i, (headers, path) in enumerate([
            ({"Authorization": "Bearer " + TOKEN}, "/api/v1/messages"),
            ({"Authorization": "bearer second-token"}, "/api/v1/messages"),
            ({"Authorization": self.basic("anyone", TOKEN)}, "/api/v1/messages"),
            ({"Authorization": self.basic("", "second-token")}, "/api/v1/messages"),
            ({}, "/api/v1/messages?token=" + TOKEN),
        ]):
            texts.append("auth %d" % i)
            a = self.post_json({"to": NUMBER, "text": texts[-1]}, path=path, headers=headers, auth=False)
            self.assertEqual(a.status, 202, (headers, path, a))
        self.assert_answer(self.get("/api/v1/status?token=" + TOKEN, auth=False), 200, JSON_TYPE)
        # legacy clients: the query; Kannel's password=
        r = self.shell('curl -G -s "http://%s/cgi-bin/sms" --data-urlencode "phone=491701234567" '
                       '--data-urlencode "message=auth curl" --data-urlencode "token=%s"' % (self.host(), TOKEN))
        self.assertEqual(r.stdout, b"done\n")
        texts.append("auth curl")
        r = self.shell('curl -s -u "nagios:%s" "http://%s/cgi-bin/sms?phone=491701234567&message=auth+basic"'
                       % (TOKEN, self.host()))
        self.assertEqual(r.stdout, b"done\n")
        texts.append("auth basic")
        if have("busybox"):
            r = self.shell('busybox wget -q -O - "http://%s/cgi-bin/sms?phone=491701234567&message=auth%%20wget'
                           '&token=%s"' % (self.host(), TOKEN))
            self.assertEqual(r.stdout, b"done\n", r.stderr)
            texts.append("auth wget")
        self.assert_answer(self.get("/cgi-bin/sendsms?username=x&password=%s&to=491701234567&text=auth+kannel"
                                    % TOKEN, auth=False), 202, TEXT_PLAIN, KANNEL_OK)
        texts.append("auth kannel")
        subs = self.submits(len(texts))
        self.assertEqual(sorted(s["text"] for s in subs), sorted(texts))
        self.stop_daemon()

    def test_no_token_non_loopback_refused(self):
        self.port = free_port()
        self.write_config(listen=["127.0.0.1:%d" % self.port, "0.0.0.0:%d" % self.port])
        r = subprocess.run([SMSGATED, "-c", self.conf], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        self.assertNotEqual(r.returncode, 0)
        err = r.stderr.decode()
        self.assertIn("%s:8: listen 0.0.0.0:%d is not a loopback address and [http] has no token"
                      % (self.conf, self.port), err)
        self.assertFalse(os.path.exists(os.path.join(self.spool, "status.json")))
        # the IPv6 any-address likewise
        self.write_config(listen=["[::]:%d" % self.port])
        r = subprocess.run([SMSGATED, "-c", self.conf], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("%s:7: listen [::]:%d is not a loopback address and [http] has no token"
                      % (self.conf, self.port), r.stderr.decode())


class TestInjection(HttpTest):
    """Nothing that is not a number reaches the spool as one."""

    BAD = [
        ("491701234567%0ATo:%20999", 0x0A),
        ("491701234567%0A", 0x0A),
        ("491701234567%00", 0x00),
        ("491701234567%0D", 0x0D),
        ("491701234567%0D%0AFlash:%20yes", 0x0D),
        ("4917012345ab", 0x61),
        ("49170%201234567", 0x20),
        ("%2B%2B491701234567", 0x2B),
        ("491701234567%C2%A0", 0xC2),
    ]

    def test_phone_refused(self):
        self.start()
        for phone, byte in self.BAD:
            why = "invalid number: only digits and a leading '+' are allowed (found byte 0x%02X)" % byte
            a = self.get("/cgi-bin/sms?phone=%s&message=x" % phone)
            self.assert_answer(a, 400, TEXT_PLAIN, ("Refused: %s.\n" % why).encode())
            a = self.get("/cgi-bin/sendsms?to=%s&text=x" % phone.replace("%20", "%09"))
            self.assertEqual((a.status, a.ctype), (400, TEXT_PLAIN), (phone, a))
            a = self.post_form("/api/v1/messages", "to=%s&text=x" % phone)
            self.assert_error(a, 400, why)
            self.assert_nothing_written()
        # raw bytes in a form body (no escaping at all)
        for raw in (b"phone=491701234567\nTo: 999&message=x", b"phone=491701234567\r\n&message=x",
                    b"phone=491701234567\x00&message=x"):
            a = self.post_form("/cgi-bin/sms", raw)
            self.assertEqual((a.status, a.ctype), (400, TEXT_PLAIN), (raw, a))
            self.assertTrue(a.body.startswith(b"Refused: invalid number"), a.body)
        # JSON: a newline, a NUL, a number that is a JSON number
        for to, err in [("491701234567\nTo: 999", "invalid number: only digits and a leading '+' are allowed "
                                                  "(found byte 0x0A)"),
                        ("491701234567\u0000", "invalid number: only digits and a leading '+' are allowed "
                                               "(found byte 0x00)"),
                        (["491701234567", "4917\r\n"], "invalid number: only digits and a leading '+' are "
                                                        "allowed (found byte 0x0D)"),
                        ("", "invalid number: 1 to 20 digits"),
                        ("+", "invalid number: 1 to 20 digits"),
                        ("1" * 21, "invalid number: 1 to 20 digits")]:
            self.assert_error(self.post_json({"to": to, "text": "x"}), 400, err)
        # a raw control byte inside a JSON string is not JSON
        self.assertEqual(self.post_json(b'{"to": "4917\n", "text": "x"}', headers={"Content-Type": JSON_TYPE}).status,
                         400)
        # an escape that is not one
        a = self.get("/cgi-bin/sms?phone=491701234567%0&message=x")
        self.assert_error(a, 400, "malformed %-escape in the parameters")
        self.assert_nothing_written()
        self.assertEqual(self.ls("failed"), [])
        self.sync_point()
        self.assertEqual(len(self.submits()), 1)
        self.stop_daemon()

    def test_header_in_message_is_text(self):
        self.start()
        evil = "hello\nTo: 999\nFlash: yes\n\nmore"
        r = self.shell('curl -G -s "http://%s/cgi-bin/sms" --data-urlencode "phone=491701234567" '
                       '--data-urlencode %s' % (self.host(), shlex.quote("message=" + evil)))
        self.assertEqual(r.stdout, b"done\n")
        a = self.get("/cgi-bin/sms?phone=491701234567&message=%0ATo:%20999%0D%0A")
        self.assert_answer(a, 200, TEXT_PLAIN, b"done\n")
        a = self.post_json({"to": NUMBER, "text": "To: 999\n\nFlash: yes"})
        self.assertEqual(a.status, 202)
        subs = self.submits(3)
        self.assertEqual([(s["to"], s["text"]) for s in subs],
                         [(NUMBER, evil), (NUMBER, "\nTo: 999"), (NUMBER, "To: 999\n\nFlash: yes")])
        self.assertTrue(all(s.get("class") != 0 for s in subs))
        self.sync_point()
        self.assertEqual(len(self.submits()), 4)
        self.assertEqual(self.ls("failed"), [])
        self.stop_daemon()


class TestLimits(HttpTest):
    def test_oversized_body(self):
        self.start(max_body=2048)
        big = {"to": NUMBER, "text": "x" * 3000}
        err = "request body larger than 2048 bytes"
        self.assert_error(self.post_json(big), 413, err)
        self.assert_error(self.post_form("/cgi-bin/sms", {"phone": "491701234567", "message": "y" * 3000}), 413, err)
        self.assert_error(self.post_form("/cgi-bin/sendsms", {"to": "491701234567", "text": "y" * 3000}), 413, err)
        # curl announces the length and waits for 100 Continue: refused before the body
        r = self.curl("-s", "-i", "-H", "Content-Type: application/json", "--data-binary",
                      json.dumps(big), "http://%s/api/v1/messages" % self.host())
        self.assertNotIn(b"100 Continue", r.stdout)
        self.assertTrue(r.stdout.startswith(b"HTTP/1.1 413 "), r.stdout)
        self.assertTrue(r.stdout.endswith(b"\r\n\r\n" + json.dumps({"error": err}, separators=(",", ":")).encode()),
                        r.stdout)
        # chunked, no length announced: read to its end and refused
        s = socket.create_connection(("127.0.0.1", self.port), TIMEOUT)
        s.sendall(b"POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                  b"%x\r\n%s\r\n" % (1000, b"z" * 1000) * 10 + b"0\r\n\r\n")
        answer = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
        s.close()
        self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer)
        self.assertTrue(answer.endswith(json.dumps({"error": err}, separators=(",", ":")).encode()), answer)
        # just below the limit is fine
        small = {"to": NUMBER, "text": "x" * 1000}
        self.assertEqual(self.post_json(small).status, 202)
        # too many parts (default 10) is refused with the count
        self.assert_error(self.post_json({"to": NUMBER, "text": "я" * 671}), 400,
                          "the text needs 11 SMS parts; at most 10 are allowed")
        # a huge header block
        a = self.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"h" * 40000 + b"\r\n\r\n")
        self.assertTrue(a.startswith(b"HTTP/1.1 431 ") or a.startswith(b"HTTP/1.1 413 "), a[:100])
        subs = self.submits(7)
        self.assertEqual("".join(s["text"] for s in subs), "x" * 1000)
        wait_for(lambda: len(self.ls("sent")) == 1 and self.ls("queue", hidden=True) == [], TIMEOUT,
                 "one file in sent/, none in queue/")
        self.assertEqual(len(self.submits()), 7)
        self.stop_daemon()

    def test_silent_clients_do_not_block(self):
        self.start()
        idle = socket.create_connection(("127.0.0.1", self.port), TIMEOUT)
        half = socket.create_connection(("127.0.0.1", self.port), TIMEOUT)
        half.sendall(b"POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"to\": \"+49170")
        opened = time.monotonic()
        for i in range(10):
            a = self.post_json({"to": NUMBER, "text": "meanwhile %d" % i})
            self.assertEqual(a.status, 202)
        self.assert_answer(self.get("/healthz"), 200, TEXT_PLAIN, b"ok\n")
        self.submits(10)
        # Served while both are still open: nothing waited for their timeout.
        self.assertEqual(select.select([idle, half], [], [], 0)[0], [], "closed before the timeout")

        def closed(s):
            s.settimeout(30)
            try:
                return s.recv(4096)
            except ConnectionResetError:
                return b""
        # MHD's connection timeout (10 s): both are closed, the half request unanswered
        self.assertEqual(closed(idle), b"")
        self.assertEqual(closed(half), b"")
        self.assertGreater(time.monotonic() - opened, 9, "closed before the timeout")
        idle.close()
        half.close()
        self.assertEqual(len(self.submits()), 10)
        self.stop_daemon()


    def test_connection_cap(self):
        """64 connections at most: a 65th waits unserved in the listen
        backlog while 64 are open (the 64 are served as usual), and is
        served as soon as one of them goes."""
        self.start()
        held = [socket.create_connection(("127.0.0.1", self.port), TIMEOUT) for _ in range(64)]
        try:
            extra = socket.create_connection(("127.0.0.1", self.port), TIMEOUT)
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            # one of the 64 is served (keep-alive: it stays open)
            held[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            held[0].settimeout(TIMEOUT)
            self.assertTrue(held[0].recv(4096).startswith(b"HTTP/1.1 200 "))
            self.assertEqual(select.select([extra], [], [], 0.2)[0], [], "the 65th was served with 64 open")
            held.pop(0).close()
            extra.settimeout(TIMEOUT)
            answer = b""
            while True:
                chunk = extra.recv(4096)
                if not chunk:
                    break
                answer += chunk
            self.assertTrue(answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"\r\n\r\nok\n"), answer)
            extra.close()
        finally:
            for s in held:
                s.close()
        self.stop_daemon()


class TestGroupCommit(HttpTest):
    def test_concurrent_posts(self):
        self.start()
        n = 50
        barrier = threading.Barrier(n)
        results = [None] * n

        def client(i):
            barrier.wait()
            try:
                results[i] = self.post_json({"to": NUMBER, "text": "concurrent %02d" % i})
            except Exception as e:  # reported below
                results[i] = e
        threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        self.assertTrue(all(isinstance(r, Answer) and r.status == 202 for r in results), results)
        ids = [r.json()["id"] for r in results]
        self.assertEqual(len(set(ids)), n)
        # Durable before the answer: every one is in queue/ or sent/ right now.
        for mid in ids:
            self.assertTrue(os.path.exists(os.path.join(self.spool, "queue", mid)) or
                            os.path.exists(os.path.join(self.spool, "sent", mid)), mid)
        subs = self.submits(n)
        self.assertEqual(sorted(s["text"] for s in subs), ["concurrent %02d" % i for i in range(n)])
        wait_for(lambda: sorted(self.ls("sent")) == sorted(ids), TIMEOUT, "all in sent/")
        # the final files are written before the queue copy goes: wait for it
        wait_for(lambda: self.ls("queue", hidden=True) == [], TIMEOUT, "queue/ empty: %r" % (self.ls("queue", hidden=True),))

        # The same client id from 20 clients at once (some in one batch): one message, one answer.
        barrier = threading.Barrier(20)
        same = [None] * 20

        def twin(i):
            barrier.wait()
            same[i] = self.post_json({"to": NUMBER, "text": "only once", "id": "storm-1"})
        threads = [threading.Thread(target=twin, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        self.assertEqual({(a.status, a.body) for a in same}, {(202, same[0].body)})
        self.submits(n + 1)
        self.assertEqual([s["text"] for s in self.sync_point()[n:]], ["only once"])
        self.stop_daemon()


if __name__ == "__main__":
    unittest.main()
