"""`smsgate send -u URL -t TOKEN` and `smsgate status -u URL -t TOKEN`
against a running smsgated: the CLI's HTTP path, with and without a token."""

import os
import subprocess
import unittest

from simlib import wait_for, TIMEOUT
from test_http import HttpTest

SMSGATE = os.environ.get("SMSGATE", "smsgate")


class TestCliHttp(HttpTest):
    def cli(self, *args):
        return subprocess.run([SMSGATE, *args], capture_output=True, text=True, timeout=TIMEOUT)

    def test_send_and_status(self):
        self.start(tokens=("s3cret",))
        url = "http://127.0.0.1:%d" % self.port
        r = self.cli("send", "-u", url, "-t", "s3cret", "--flash", "+491701234567", "disk", "full", "€")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^queued [0-9a-f]{20} \(gsm7\)\n$")
        sub = wait_for(lambda: [e for e in self.sim.events("submit") if e.get("result") == "ok"], TIMEOUT,
                       "the submit")[0]
        self.assertEqual((sub["to"], sub["text"], sub.get("class")), ("+491701234567", "disk full €", 0))
        r = self.cli("status", "-u", url, "-t", "s3cret")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("modem a: ready, SIM READY", r.stdout)
        # Refusals: a bad number, and no token.
        r = self.cli("send", "-u", url, "-t", "s3cret", "+49170x", "hi")
        self.assertEqual(r.returncode, 1)
        self.assertIn("refused (HTTP 400): invalid number", r.stderr)
        r = self.cli("status", "-u", url)
        self.assertEqual(r.returncode, 1)
        r = self.cli("send", "-u", "http://127.0.0.1:1", "+491701234567", "hi")
        self.assertEqual(r.returncode, 1)
        self.assertIn("Connection refused", r.stderr)


if __name__ == "__main__":
    unittest.main()
