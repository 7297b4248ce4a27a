#!/usr/bin/python3
"""smsgate-modemsim, faults driven through the control socket: exact bytes."""
import os
import subprocess
import time
import unittest

import simlib
from simlib import SimTest, wait_for

HELLO = "0011000C919471103254760000AA05E8329BFD06"


def submit(s, answer):
    s.at("AT+CMGS=19", "\r\n> ", echo=False)
    s.send(HELLO + "\x1a")
    s.expect(answer)


class Faults(SimTest):
    def test_drop_and_restore(self):
        s = self.start()
        old_tty = s.tty
        s.at("ATE0", "\r\nOK\r\n")
        s.ctl("drop")
        self.assertFalse(os.path.lexists(s.link))     # gone by the time ctl answers
        self.assertTrue(s.wait_eof())                  # the client sees HUP/EIO
        s.close_line()
        self.assertEqual(s.ctl("status")["line"], "dropped")
        rep = s.ctl("restore")
        self.assertTrue(os.path.islink(s.link))
        self.assertEqual(os.readlink(s.link), rep["tty"])
        s.open()
        s.at("AT", "\r\nOK\r\n")                       # a rebooted modem echoes again
        self.assertEqual([e["state"] for e in s.events("line")], ["up", "dropped", "up"])
        del old_tty

    def test_drop_comes_back_by_itself(self):
        s = self.start()
        s.ctl("drop", "100")
        self.assertFalse(os.path.lexists(s.link))
        s.wait_eof()
        s.close_line()
        wait_for(lambda: os.path.islink(s.link), what="the link to come back")
        s.open()
        s.quiet()

    def test_messages_wait_while_dropped(self):
        s = self.start()
        s.ctl("drop")
        s.close_line()
        self.assertTrue(s.ctl("inject", "while away")["parts"][0]["queued"])
        s.ctl("restore")
        s.open()
        s.expect("\r\n+CMTI: \"SM\",1\r\n")        # generic: CNMI 2,1 after boot

    def test_hang(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        s.ctl("hang")
        s.send("AT\r")
        s.wait_event("ignored")            # read and swallowed, no answer
        self.assertEqual(s.ctl("status")["line"], "hung")
        s.ctl("restore")
        s.quiet(echo=False)                # the first bytes are this answer

    def test_garbage(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        rep = s.ctl("garbage", "64")
        s.expect(bytes.fromhex(rep["bytes"]))
        self.assertEqual(len(rep["bytes"]), 128)
        s.send("\rAT\r")                   # a CR clears whatever the garbage started
        s.read_until("\r\nOK\r\n")

    def test_cms_error(self):
        s = self.start()
        s.at("ATE0;+CMEE=1", "\r\nOK\r\n")
        s.ctl("cms-error", "38", "2")
        submit(s, "\r\n+CMS ERROR: 38\r\n")
        s.at("AT+CMEE=2", "\r\nOK\r\n", echo=False)
        submit(s, "\r\n+CMS ERROR: Network out of order\r\n")
        submit(s, "\r\n+CMGS: 0\r\n\r\nOK\r\n")      # the fault is used up
        s.ctl("cms-error", "500")
        s.at("AT+CMEE=0", "\r\nOK\r\n", echo=False)
        submit(s, "\r\nERROR\r\n")
        results = [e["result"] for e in s.events("submit")]
        self.assertEqual(results, ["+CMS ERROR: 38", "+CMS ERROR: 38", "ok", "+CMS ERROR: 500"])

    def test_deregister_and_register(self):
        s = self.start()
        s.at("ATE0;+CMEE=1;+CREG=1", "\r\nOK\r\n")
        s.ctl("deregister")
        s.expect("\r\n+CREG: 2\r\n")
        s.at("AT+CREG?", "\r\n+CREG: 1,2\r\n\r\nOK\r\n", echo=False)
        submit(s, "\r\n+CMS ERROR: 331\r\n")
        self.assertTrue(s.ctl("inject", "later")["parts"][0]["queued"])
        s.ctl("register", "roaming")
        s.expect("\r\n+CREG: 5\r\n\r\n+CMTI: \"SM\",1\r\n")
        submit(s, "\r\n+CMGS: 0\r\n\r\nOK\r\n")

    def test_sim_remove_insert(self):
        s = self.start("--pin", "1111")
        s.at("ATE0;+CMEE=1;+CREG=1", "\r\nOK\r\n")
        s.at("AT+CPIN=\"1111\"", "\r\nOK\r\n\r\n+CREG: 1\r\n", echo=False)
        s.ctl("sim-remove")
        s.expect("\r\n+CREG: 0\r\n")
        s.at("AT+CPIN?", "\r\n+CME ERROR: 10\r\n", echo=False)
        s.at("AT+CMGL=4", "\r\n+CMS ERROR: 310\r\n", echo=False)
        s.ctl("sim-insert")
        s.at("AT+CPIN?", "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CPIN=\"1111\"", "\r\nOK\r\n\r\n+CREG: 1\r\n", echo=False)

    def test_delay(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        s.ctl("delay", "400")
        s.at("AT+CMGS=19", "\r\n> ", echo=False)
        t0 = time.monotonic()
        s.send(HELLO + "\x1a")
        s.expect("\r\n+CMGS: 0\r\n\r\nOK\r\n")
        self.assertGreaterEqual(time.monotonic() - t0, 0.3 - 0.01)   # 400 ms -25 %
        s.ctl("delay", "0")

    def test_nobody_reading_never_blocks(self):
        s = self.start("--out-cap", "1024", open_line=False)
        for _ in range(40):
            s.ctl("garbage", "4096")       # far more than the pty buffers
        st = s.ctl("status")               # the loop still answers
        self.assertGreater(st["out_dropped"], 0)
        s.open()
        s.send("AT\r")
        s.read_until("AT\r\r\nOK\r\n")

    def test_report_status_and_manual_report(self):
        s = self.start()
        s.at("ATE0;+CNMI=2,1,0,1,0", "\r\nOK\r\n")
        rep = s.ctl("report", "42", "+491701234567", "64")
        hexpdu = rep["parts"][0]["pdu"]
        s.expect("\r\n+CDS: %d\r\n%s\r\n" % (len(hexpdu) // 2 - 8, hexpdu))
        e = s.wait_event("report")[0]
        self.assertEqual((e["mr"], e["status"], e["recipient"]), (42, 64, "+491701234567"))

    def test_ctl_cli(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        out = subprocess.run([simlib.SIM, "ctl", s.ctl_path, "inject", "--from", "+4930123", "via", "cli"],
                             capture_output=True, timeout=simlib.TIMEOUT)
        self.assertEqual(out.returncode, 0, out.stderr)
        s.expect("\r\n+CMTI: \"SM\",1\r\n")
        bad = subprocess.run([simlib.SIM, "ctl", s.ctl_path, "frobnicate"], capture_output=True,
                             timeout=simlib.TIMEOUT)
        self.assertEqual(bad.returncode, 1)
        self.assertIn(b'"ok":false', bad.stdout)


if __name__ == "__main__":
    unittest.main()
