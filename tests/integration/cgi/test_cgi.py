"""smsgate as a CGI program under a real CGI server, against smsgated.

busybox httpd (Debian's busybox, as on OpenWrt) serves DOCROOT/cgi-bin/sms
and DOCROOT/cgi-bin/sendsms, both symlinks to the built smsgate, with the
same config and spool as a running smsgated (SMSGATE_CONF is inherited by
the CGI). Every request goes to both doors and the answers must agree
exactly: status code, Content-Type, body bytes. Accepted messages reach
smsgate-modemsim through smsgated; refused ones leave no file anywhere.
The harness (simulator, smsgated, helpers) is test_http.HttpTest."""

import base64
import os
import socket
import subprocess
import unittest
import urllib.parse

from daemonlib import free_port
from simlib import TIMEOUT, wait_for
from test_http import HttpTest, have, NUMBER, TOKEN, TEXT_PLAIN, LEGACY_MISSING, KANNEL_OK
from test_http import TestInjection as HttpInjection

SMSGATE = os.environ.get("SMSGATE", "smsgate")


class CgiTest(HttpTest):
    def setUp(self):
        if not have("busybox"):
            self.skipTest("busybox is not installed")
        super().setUp()
        self.www = os.path.join(self.dir, "www")
        os.makedirs(os.path.join(self.www, "cgi-bin"))
        for name in ("sms", "sendsms"):
            os.symlink(os.path.abspath(SMSGATE), os.path.join(self.www, "cgi-bin", name))
        self.httpd = None

    def start_httpd(self):
        env = dict(os.environ, SMSGATE_CONF=self.conf)
        for attempt in range(5):
            self.cgi_port = free_port()
            p = subprocess.Popen(["busybox", "httpd", "-f", "-p", "127.0.0.1:%d" % self.cgi_port, "-h", self.www],
                                 env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)

            def up():
                if p.poll() is not None:
                    return "exited"
                try:
                    socket.create_connection(("127.0.0.1", self.cgi_port), 1).close()
                    return True
                except OSError:
                    return False
            if wait_for(up, TIMEOUT, "busybox httpd on %d" % self.cgi_port) is True:
                self.httpd = p
                self.addCleanup(self._stop_httpd)
                return
        self.fail("busybox httpd did not start")

    def _stop_httpd(self):
        self.httpd.terminate()
        self.httpd.wait(TIMEOUT)

    def cgi_host(self):
        return "127.0.0.1:%d" % self.cgi_port

    def both(self, method, path, **kw):
        """The same request to smsgated and to the CGI: both answers."""
        daemon = self.request(method, path, **kw)
        port, self.port = self.port, self.cgi_port
        try:
            cgi = self.request(method, path, **kw)
        finally:
            self.port = port
        return daemon, cgi

    def assert_same(self, method, path, status=None, expect=None, **kw):
        d, c = self.both(method, path, **kw)
        self.assertEqual((c.status, c.ctype, c.body), (d.status, d.ctype, d.body), "%s %s" % (method, path))
        if status is not None:
            self.assertEqual(d.status, status, d)
        if expect is not None:
            self.assertEqual(d.body, expect)
        return d

    def start_all(self, **kw):
        self.start(**kw)
        self.start_httpd()


class TestClientLines(CgiTest):
    """The two original client command lines, verbatim, through busybox httpd."""

    def test_curl_and_busybox_wget(self):
        self.start_all()
        texts = ["Server down: disk 100% full & load > 5 + rising", "Grüße aus Köln: ÄÖÜ €", "Alarm 😱 on db1",
                 "a=b&c=d %41 %zz + ++"]
        n = 0
        for text in texts:
            outs = []
            for host in (self.host(), self.cgi_host()):
                line = 'curl -G -s "http://%s/cgi-bin/sms" --data-urlencode "phone=%s" --data-urlencode "message=%s"' % (
                    host, "491701234567", text)
                r = self.shell(line)
                self.assertEqual((r.returncode, r.stderr), (0, b""), line)
                outs.append(r.stdout)
                n += 1
                sub = self.submits(n)[n - 1]
                self.assertEqual((sub["to"], sub["text"]), (NUMBER, text))
            self.assertEqual(outs, [b"done\n", b"done\n"])
        outs = []
        for host in (self.host(), self.cgi_host()):
            r = self.shell('busybox wget -q -O - "http://%s/cgi-bin/sms?phone=%s&message=a%%20b"' % (host, "491701234567"))
            self.assertEqual(r.returncode, 0, r.stderr)
            outs.append(r.stdout)
            n += 1
            sub = self.submits(n)[n - 1]
            self.assertEqual((sub["to"], sub["text"], sub["enc"]), (NUMBER, "a b", "gsm7"))
        self.assertEqual(outs, [b"done\n", b"done\n"])
        # The CGI's files went through outgoing/ and are in sent/ as the daemon's.
        wait_for(lambda: len(self.ls("sent")) == n, TIMEOUT, "sent/ files")
        self.assertEqual(self.ls("failed"), [])
        self.assertEqual(self.ls("outgoing", hidden=True), [])
        self.stop_daemon()


class TestSameAnswers(CgiTest):
    """Status, Content-Type and body as smsgated's own endpoint gives them."""

    def test_sms(self):
        self.start_all()
        accepted = 0
        for query in ("", "?phone=491701234567", "?message=hello", "?phone=&message=hello",
                      "?phone=491701234567&message=", "?Phone=491701234567&Message=x",
                      "?phone=491701234567%0&message=x", "?phone=1234567890123456789012&message=x",
                      "?phone=%2B&message=x", "?phone=491701234567&message=%FF%FE"):
            a = self.assert_same("GET", "/cgi-bin/sms" + query)
            self.assertGreaterEqual(a.status, 400, a)
        self.assert_same("GET", "/cgi-bin/sms", 400, LEGACY_MISSING)
        self.assert_same("GET", "/cgi-bin/sms?phone=%2B491701234567&message=x+y%2Bz", 200, b"done\n")
        accepted += 2
        self.assert_same("GET", "/cgi-bin/sms?phone=491701234567&message=" + "x" * 153 * 11, 400)
        body = urllib.parse.urlencode({"phone": "01701234567", "message": "posted + form & äöü"})
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        self.assert_same("POST", "/cgi-bin/sms", 200, b"done\n", body=body, headers=form)
        self.assert_same("POST", "/cgi-bin/sms?phone=1&message=query", 200, b"done\n",
                         body="phone=491701234567&message=body+wins", headers=form)
        self.assert_same("POST", "/cgi-bin/sms", 400, LEGACY_MISSING, body=body, headers={"Content-Type": "text/plain"})
        accepted += 4
        self.assert_same("PUT", "/cgi-bin/sms?phone=491701234567&message=x", 405, b"GET or POST\n")
        subs = self.submits(accepted)
        self.assertEqual(sorted((s["to"], s["text"]) for s in subs),
                         sorted([(NUMBER, "x y+z")] * 2 + [("01701234567", "posted + form & äöü")] * 2
                                + [(NUMBER, "body wins")] * 2))
        self.sync_point()
        self.assertEqual(len(self.submits()), accepted + 1)
        self.stop_daemon()

    def test_sendsms(self):
        self.start_all()
        self.assert_same("GET", "/cgi-bin/sendsms?username=u&password=p&to=491701234567&text=Kannel+GET", 202,
                         KANNEL_OK)
        self.assert_same("GET", "/cgi-bin/sendsms?to=%2B491701111111%20491702222222&text=to+two", 202, KANNEL_OK)
        for query in ("?text=x", "?to=491701234567", "?to=+&text=x", "?to=491701111111+49170abc&text=x",
                      "?to=491701234567&text=x&coding=7", "?to=491701234567&text=x&charset=KOI8-R"):
            a = self.assert_same("GET", "/cgi-bin/sendsms" + query)
            self.assertEqual((a.status, a.ctype), (400, TEXT_PLAIN), a)
        subs = self.submits(6)
        self.assertEqual(sorted((s["to"], s["text"]) for s in subs),
                         sorted([(NUMBER, "Kannel GET")] * 2 + [("+491701111111", "to two")] * 2
                                + [("+491702222222", "to two")] * 2))
        self.sync_point()
        self.assertEqual(len(self.submits()), 7)
        self.stop_daemon()

    def test_oversized_body(self):
        self.start_all(max_body=1024)
        self.assert_same("POST", "/cgi-bin/sms", 413, body="phone=1&message=" + "x" * 2000,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assert_nothing_written()
        self.stop_daemon()


class TestInjection(CgiTest):
    """Injection attempts refused the same way, with nothing written."""

    def test_phone_refused(self):
        self.start_all()
        for phone, byte in HttpInjection.BAD:
            why = "invalid number: only digits and a leading '+' are allowed (found byte 0x%02X)" % byte
            self.assert_same("GET", "/cgi-bin/sms?phone=%s&message=x" % phone, 400, ("Refused: %s.\n" % why).encode())
            a = self.assert_same("GET", "/cgi-bin/sendsms?to=%s&text=x" % phone.replace("%20", "%09"))
            self.assertEqual(a.status, 400, a)
            self.assert_nothing_written()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        for raw in (b"phone=491701234567\nTo: 999&message=x", b"phone=491701234567\r\n&message=x",
                    b"phone=491701234567\x00&message=x"):
            a = self.assert_same("POST", "/cgi-bin/sms", 400, body=raw, headers=form)
            self.assertTrue(a.body.startswith(b"Refused: invalid number"), a.body)
        self.assert_same("GET", "/cgi-bin/sms?phone=491701234567%0&message=x", 400)
        self.assert_nothing_written()
        self.assertEqual(self.ls("failed"), [])
        # A header in the text stays text.
        self.assert_same("GET", "/cgi-bin/sms?phone=491701234567&message=%0ATo:%20999%0D%0AFlash:%20yes", 200,
                         b"done\n")
        subs = self.submits(2)
        self.assertEqual([(s["to"], s["text"]) for s in subs], [(NUMBER, "\nTo: 999\r\nFlash: yes")] * 2)
        self.assertTrue(all(s.get("class") != 0 for s in subs))
        self.sync_point()
        self.assertEqual(len(self.submits()), 3)
        self.stop_daemon()


class TestAuth(CgiTest):
    """Tokens required when configured, by the same rules."""

    def test_tokens(self):
        self.start_all(tokens=(TOKEN, "second-token"))
        q = "/cgi-bin/sms?phone=491701234567&message=x"
        self.assert_same("GET", q, 401, b"Unauthorized: give the token.\n", auth=False)
        self.assert_same("GET", q + "&token=wrong", 401, auth=False)
        self.assert_same("GET", q + "&token=" + TOKEN[:-1], 401, auth=False)
        self.assert_same("GET", "/cgi-bin/sendsms?to=491701234567&text=x&password=wrong", 403,
                         b"Authorization failed for sendsms", auth=False)
        self.assert_same("GET", "/cgi-bin/sendsms?to=491701234567&text=x&token=wrong", 403, auth=False)
        self.assert_nothing_written()
        self.assert_same("GET", q + "&token=" + TOKEN, 200, b"done\n", auth=False)
        self.assert_same("GET", q + "&token=second-token", 200, b"done\n", auth=False)
        self.assert_same("GET", "/cgi-bin/sendsms?username=x&password=%s&to=491701234567&text=k" % TOKEN, 202,
                         KANNEL_OK, auth=False)
        r = self.shell('busybox wget -q -O - "http://%s/cgi-bin/sms?phone=491701234567&message=auth%%20wget'
                       '&token=%s"' % (self.cgi_host(), TOKEN))
        self.assertEqual(r.stdout, b"done\n", r.stderr)
        self.submits(7)
        self.stop_daemon()

    def run_cgi(self, query, authorization):
        """The CGI as uhttpd runs it, which passes Authorization on as
        HTTP_AUTHORIZATION (busybox httpd keeps it to itself)."""
        env = dict(os.environ, SMSGATE_CONF=self.conf, GATEWAY_INTERFACE="CGI/1.1", REQUEST_METHOD="GET",
                   SCRIPT_NAME="/cgi-bin/sms", QUERY_STRING=query, HTTP_AUTHORIZATION=authorization)
        r = subprocess.run([os.path.join(self.www, "cgi-bin", "sms")], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_authorization_header(self):
        self.start(tokens=(TOKEN,))
        ok = b"Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ndone\n"
        no = b"Status: 401 Unauthorized\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nUnauthorized: give the token.\n"
        basic = lambda u, p: "Basic " + base64.b64encode(("%s:%s" % (u, p)).encode()).decode()
        q = "phone=491701234567&message=hdr"
        self.assertEqual(self.run_cgi(q, "Bearer " + TOKEN), ok)
        self.assertEqual(self.run_cgi(q, "bearer " + TOKEN), ok)
        self.assertEqual(self.run_cgi(q, basic("nagios", TOKEN)), ok)
        self.assertEqual(self.run_cgi(q, basic("", TOKEN)), ok)
        self.assertEqual(self.run_cgi(q, basic(TOKEN, "wrong")), no)
        self.assertEqual(self.run_cgi(q, "Bearer wrong"), no)
        self.assertEqual(self.run_cgi(q, "Basic !!!!"), no)
        self.assertEqual(len(self.submits(4)), 4)
        self.stop_daemon()


class TestDaemonDown(CgiTest):
    """Accepted while smsgated is down: the file waits in outgoing/."""

    def test_queued_until_start(self):
        self.start_all()
        self.stop_daemon()
        r = self.shell('curl -G -s "http://%s/cgi-bin/sms" --data-urlencode "phone=491701234567" '
                       '--data-urlencode "message=while down"' % self.cgi_host())
        self.assertEqual(r.stdout, b"done\n")
        r = self.shell('busybox wget -q -O - "http://%s/cgi-bin/sendsms?to=491701234567&text=kannel%%20down"'
                       % self.cgi_host())
        self.assertEqual(r.stdout, KANNEL_OK)
        files = self.ls("outgoing", hidden=True)
        self.assertEqual(len(files), 2, files)
        self.assertTrue(all(f.startswith("cgi-") for f in files), files)
        self.assertEqual(sorted(self.spool_file("outgoing", f) for f in files),
                         [b"To: 491701234567\nAlphabet: UTF-8\n\nkannel down",
                          b"To: 491701234567\nAlphabet: UTF-8\n\nwhile down"])
        self.assertEqual(self.submits(), [])
        self.restart_daemon(wait_ready=False)
        subs = self.submits(2)
        self.assertEqual(sorted(s["text"] for s in subs), ["kannel down", "while down"])
        # And while it runs, straight away (inotify).
        r = self.shell('busybox wget -q -O - "http://%s/cgi-bin/sms?phone=491701234567&message=running"'
                       % self.cgi_host())
        self.assertEqual(r.stdout, b"done\n")
        self.assertEqual(self.submits(3)[2]["text"], "running")
        self.stop_daemon()


if __name__ == "__main__":
    unittest.main()
