"""HTTPS ([http] tls_cert, tls_key): libmicrohttpd with GnuTLS on the
daemon's loop. A throwaway certificate made with openssl; curl checks it
against that certificate (no -k), sends the original CGI line and a JSON
message over TLS, and the message reaches smsgate-modemsim. Plain HTTP to
the TLS port gets no answer; a key that does not match the certificate,
or a missing key file, stops smsgated at start with the reason."""

import json
import os
import subprocess
import unittest

from daemonlib import Daemon, free_port
from simlib import TIMEOUT
from test_http import HttpTest, NUMBER


class TestHttps(HttpTest):
    def make_cert(self, name):
        cert, key = os.path.join(self.dir, name + ".pem"), os.path.join(self.dir, name + ".key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT)
        return cert, key

    def setUp(self):
        super().setUp()
        self.cert, self.key = self.make_cert("server")
        self.tls = ["tls_cert = " + self.cert, "tls_key = " + self.key]

    def write_config(self, *args, **kw):
        kw["extra_http"] = list(kw.get("extra_http", ())) + self.tls
        super().write_config(*args, **kw)

    def test_https_round_trip(self):
        self.start()
        url = "https://%s/cgi-bin/sms" % self.host()
        r = self.curl("-sS", "--cacert", self.cert, "-G", url, "--data-urlencode", "phone=" + NUMBER,
                      "--data-urlencode", "message=over TLS")
        self.assertEqual((r.returncode, r.stdout), (0, b"done\n"), r.stderr)
        r = self.curl("-sS", "--cacert", self.cert, "-H", "Content-Type: application/json", "--data",
                      json.dumps({"to": NUMBER, "text": "JSON over TLS"}), "https://%s/api/v1/messages" % self.host())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["state"], "queued")
        self.assertEqual([s["text"] for s in self.submits(2)], ["over TLS", "JSON over TLS"])
        # the certificate is checked: an unknown CA fails the handshake
        other, _ = self.make_cert("other")
        r = self.curl("-sS", "--cacert", other, url + "?phone=%2B491701234567&message=x")
        self.assertEqual(r.returncode, 60, r.stderr)   # CURLE_PEER_FAILED_VERIFICATION
        # plain HTTP to the TLS port: no HTTP answer
        r = self.curl("-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                      "http://%s/healthz" % self.host())
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.stdout, b"000")
        self.assertIn("(HTTPS)", self.daemon.log())
        self.stop_daemon()

    def refused_at_start(self, want):
        self.port = free_port()
        self.write_config()
        d = Daemon(self.conf, self.dir)
        d.proc.wait(TIMEOUT)
        d.log_file.close()
        self.assertEqual(d.proc.returncode, 1, d.log())
        self.assertIn(want, d.log())
        self.assertEqual(self.ls("queue"), [])

    def test_mismatched_key_refused(self):
        _, other_key = self.make_cert("other")
        self.tls = ["tls_cert = " + self.cert, "tls_key = " + other_key]
        self.refused_at_start("tls_cert/tls_key unusable: not PEM, or the key does not match the certificate")

    def test_missing_key_refused(self):
        self.tls = ["tls_cert = " + self.cert, "tls_key = " + os.path.join(self.dir, "nonexistent.key")]
        self.refused_at_start("http: %s: No such file or directory" % os.path.join(self.dir, "nonexistent.key"))


if __name__ == "__main__":
    unittest.main()
