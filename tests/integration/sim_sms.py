#!/usr/bin/python3
"""smsgate-modemsim, TS 27.005 SMS commands: exact bytes, and the log."""
import re
import unittest

import pdu
from simlib import SimTest

# SUBMIT "hello" to +491701234567, VP 4 days, SMSC field 00; TPDU 19 octets.
HELLO = "0011000C919471103254760000AA05E8329BFD06"
HELLO_SRR = "0031000C919471103254760000AA05E8329BFD06"
SMSC = "0791947101670000"
# UCS-2 "Grüße €" with a concatenation UDH (ref 7, part 1 of 2).
UCS2_PART = "0071000C91947110325476000810" + "14" + "0500030702 01" .replace(" ", "") + \
    "0047007200FC00DF0065002020AC"


def hello_ok(s, mr, echo=False):
    s.at("AT+CMGS=19", "\r\n> ", echo=echo)
    s.send(HELLO + "\x1a")
    s.expect(("%s" % HELLO if echo else "") + "\r\n+CMGS: %d\r\n\r\nOK\r\n" % mr)


class Submit(SimTest):
    def test_cmgs_pdu_and_increasing_mr(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CMGF=0", "\r\nOK\r\n", echo=False)
        for mr in range(3):
            hello_ok(s, mr)
        ev = s.events("submit")
        self.assertEqual(len(ev), 3)
        e = ev[0]
        self.assertEqual((e["to"], e["text"], e["dcs"], e["srr"], e["validity_minutes"], e["mr"], e["result"]),
                         ("+491701234567", "hello", 0, False, 5760, 0, "ok"))
        self.assertNotIn("udh", e)

    def test_echo_of_the_pdu(self):
        s = self.start()
        s.at("AT+CMGS=19", "\r\n> ")
        s.send(HELLO + "\x1a")
        s.expect(HELLO + "\r\n+CMGS: 0\r\n\r\nOK\r\n")

    def test_ctrl_z_later_and_byte_by_byte(self):
        s = self.start("--send-delay-ms", "50")
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CMGS=19", "\r\n> ", echo=False)
        for ch in HELLO:
            s.send(ch)
        s.send("\x1a")
        s.expect("\r\n+CMGS: 0\r\n\r\nOK\r\n")

    def test_command_pdu_and_ctrl_z_in_one_write(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        s.send("AT+CMGS=19\r" + HELLO + "\x1a")
        s.expect("\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n")

    def test_pdu_with_smsc_field(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CMGS=19", "\r\n> ", echo=False)
        s.send(SMSC + HELLO[2:] + "\x1a")
        s.expect("\r\n+CMGS: 0\r\n\r\nOK\r\n")
        self.assertEqual(s.wait_event("submit")[0]["smsc"], "+491710760000")

    def test_esc_cancels(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CMGS=19", "\r\n> ", echo=False)
        s.send(HELLO[:10] + "\x1b")
        s.expect("\r\nOK\r\n")
        hello_ok(s, 0)
        self.assertEqual(len(s.events("submit")), 1)

    def test_bad_pdus(self):
        s = self.start()
        s.at("ATE0;+CMEE=1", "\r\nOK\r\n")
        s.at("AT+CMGS=18", "\r\n> ", echo=False)        # length does not match
        s.send(HELLO + "\x1a")
        s.expect("\r\n+CMS ERROR: 304\r\n")
        s.at("AT+CMGS=19", "\r\n> ", echo=False)        # not hex
        s.send("XY" + HELLO[2:] + "\x1a")
        s.expect("\r\n+CMS ERROR: 304\r\n")
        s.at("AT+CMGS=0", "\r\n+CMS ERROR: 304\r\n", echo=False)
        s.at("AT+CMGS=200", "\r\n+CMS ERROR: 304\r\n", echo=False)
        hello_ok(s, 0)

    def test_concatenated_ucs2_logged(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        n = len(UCS2_PART) // 2 - 1
        s.at("AT+CMGS=%d" % n, "\r\n> ", echo=False)
        s.send(UCS2_PART + "\x1a")
        s.expect("\r\n+CMGS: 0\r\n\r\nOK\r\n")
        e = s.wait_event("submit")[0]
        self.assertEqual((e["text"], e["enc"], e["dcs"], e["srr"]), ("Grüße €", "ucs2", 8, True))
        self.assertEqual((e["udh"]["ref"], e["udh"]["total"], e["udh"]["seq"]), (7, 2, 1))

    def test_text_mode_submit(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CMGF=1", "\r\nOK\r\n", echo=False)
        s.at("AT+CSMP=49,167,0,0", "\r\nOK\r\n", echo=False)
        s.at("AT+CMGS=\"+491701234567\"", "\r\n> ", echo=False)
        s.send("line one\r")
        s.expect("\r\n> ")
        s.send("two\x1a")
        s.expect("\r\n+CMGS: 0\r\n\r\nOK\r\n")
        e = s.wait_event("submit")[0]
        self.assertEqual((e["to"], e["text"], e["srr"], e["validity_minutes"]),
                         ("+491701234567", "line one\ntwo", True, 1440))

    def test_write_and_send_from_storage(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CMGW=19", "\r\n> ", echo=False)
        s.send(HELLO + "\x1a")
        s.expect("\r\n+CMGW: 1\r\n\r\nOK\r\n")
        s.at("AT+CMSS=1", "\r\n+CMSS: 0\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CMGR=1", "\r\n+CMGR: 3,,19\r\n%s\r\n\r\nOK\r\n" % HELLO, echo=False)
        self.assertEqual(s.wait_event("submit")[0]["text"], "hello")

    def test_no_smsc(self):
        s = self.start("--smsc", "")
        s.at("ATE0;+CMEE=1", "\r\nOK\r\n")
        s.at("AT+CSCA?", "\r\n+CSCA: \"\",129\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CMGS=19", "\r\n> ", echo=False)
        s.send(HELLO + "\x1a")
        s.expect("\r\n+CMS ERROR: 330\r\n")
        s.at("AT+CSCA=\"491710760000\",145", "\r\nOK\r\n", echo=False)
        s.at("AT+CSCA?", "\r\n+CSCA: \"+491710760000\",145\r\n\r\nOK\r\n", echo=False)
        hello_ok(s, 0)


class StatusReports(SimTest):
    def _submit_srr(self, s):
        s.at("AT+CMGS=19", "\r\n> ", echo=False)
        s.send(HELLO_SRR + "\x1a")
        s.expect("\r\n+CMGS: 0\r\n\r\nOK\r\n")

    def test_cds(self):
        s = self.start()
        s.at("ATE0;+CNMI=2,1,0,1,0", "\r\nOK\r\n")
        self._submit_srr(s)
        s.expect("\r\n+CDS: ")
        head = s.read_until("\r\n").decode()
        body = s.read_until("\r\n").decode().strip()
        self.assertEqual(int(head.strip()), len(body) // 2 - 8)       # SMSC field is 8 octets
        r = pdu.parse(body)
        self.assertEqual((r["mti"], r["mr"], r["addr"], r["st"]), (2, 0, "+491701234567", 0))
        self.assertEqual(s.wait_event("report")[0]["recipient"], "+491701234567")
        s.quiet(echo=False)

    def test_cdsi_stored(self):
        s = self.start("--report-status", "70")
        s.at("ATE0;+CNMI=2,1,0,2,0", "\r\nOK\r\n")
        self._submit_srr(s)
        s.expect("\r\n+CDSI: \"SM\",1\r\n")
        s.send("AT+CMGR=1\r")
        out = s.read_until("OK\r\n").decode()
        m = re.fullmatch(r"\r\n\+CMGR: 0,,(\d+)\r\n([0-9A-F]+)\r\n\r\nOK\r\n", out)
        self.assertTrue(m, out)
        r = pdu.parse(m.group(2))
        self.assertEqual((r["mr"], r["addr"], r["st"]), (0, "+491701234567", 70))

    def test_ds0_discards(self):
        s = self.start()
        s.at("ATE0;+CNMI=2,1,0,0,0", "\r\nOK\r\n")
        self._submit_srr(s)
        self.assertEqual(s.wait_event("report")[0]["routed"], "discarded")
        s.quiet(echo=False)
        s.at("AT+CPMS?", "\r\n+CPMS: \"SM\",0,30,\"SM\",0,30,\"SM\",0,30\r\n\r\nOK\r\n", echo=False)

    def test_no_report_unless_asked(self):
        s = self.start()
        s.at("ATE0;+CNMI=2,1,0,1,0", "\r\nOK\r\n")
        hello_ok(s, 0)
        s.quiet(echo=False)
        self.assertEqual(s.events("report"), [])


class Incoming(SimTest):
    def test_cmti_cmgr_cmgd(self):
        s = self.start()
        s.at("ATE0;+CMEE=1;+CNMI=2,1,0,0,0", "\r\nOK\r\n")
        rep = s.ctl("inject", "--from", "+4915112345678", "hi there")
        hexpdu = rep["parts"][0]["pdu"]
        s.expect("\r\n+CMTI: \"SM\",1\r\n")
        s.at("AT+CPMS?", "\r\n+CPMS: \"SM\",1,30,\"SM\",1,30,\"SM\",1,30\r\n\r\nOK\r\n", echo=False)
        n = len(hexpdu) // 2 - 8
        s.at("AT+CMGR=1", "\r\n+CMGR: 0,,%d\r\n%s\r\n\r\nOK\r\n" % (n, hexpdu), echo=False)
        s.at("AT+CMGR=1", "\r\n+CMGR: 1,,%d\r\n%s\r\n\r\nOK\r\n" % (n, hexpdu), echo=False)
        s.at("AT+CMGD=1", "\r\nOK\r\n", echo=False)
        s.at("AT+CMGR=1", "\r\n+CMS ERROR: 321\r\n", echo=False)
        s.at("AT+CMGR=31", "\r\n+CMS ERROR: 321\r\n", echo=False)
        s.at("AT+CMGD=31", "\r\n+CMS ERROR: 321\r\n", echo=False)
        r = pdu.parse(hexpdu)
        self.assertEqual(r["addr"], "+4915112345678")

    def test_cmt_direct(self):
        s = self.start()
        s.at("ATE0;+CNMI=2,2,0,0,0", "\r\nOK\r\n")
        rep = s.ctl("inject", "direct")
        hexpdu = rep["parts"][0]["pdu"]
        s.expect("\r\n+CMT: ,%d\r\n%s\r\n" % (len(hexpdu) // 2 - 8, hexpdu))
        s.at("AT+CPMS?", "\r\n+CPMS: \"SM\",0,30,\"SM\",0,30,\"SM\",0,30\r\n\r\nOK\r\n", echo=False)

    def test_mt0_stores_silently_and_cmgl(self):
        s = self.start()
        s.at("ATE0;+CNMI=0,0,0,0,0", "\r\nOK\r\n")
        a = s.ctl("inject", "one")["parts"][0]["pdu"]
        b = s.ctl("inject", "two")["parts"][0]["pdu"]
        s.at("AT+CMGR=2", "\r\n+CMGR: 0,,%d\r\n%s\r\n\r\nOK\r\n" % (len(b) // 2 - 8, b), echo=False)
        s.at("AT+CMGL=0", "\r\n+CMGL: 1,0,,%d\r\n%s\r\n\r\nOK\r\n" % (len(a) // 2 - 8, a), echo=False)
        s.at("AT+CMGL=4", "\r\n+CMGL: 1,1,,%d\r\n%s\r\n+CMGL: 2,1,,%d\r\n%s\r\n\r\nOK\r\n"
             % (len(a) // 2 - 8, a, len(b) // 2 - 8, b), echo=False)
        s.at("AT+CMGL=0", "\r\nOK\r\n", echo=False)
        s.at("AT+CMGD=?", "\r\n+CMGD: (1,2),(0-4)\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CMGD=0,4", "\r\nOK\r\n", echo=False)
        s.at("AT+CMGL=4", "\r\nOK\r\n", echo=False)

    def test_text_mode_listing(self):
        s = self.start()
        s.at("ATE0;+CNMI=0,0,0,0,0;+CMGF=1", "\r\nOK\r\n")
        s.ctl("inject", "--from", "+4915112345678", "Hello @ 5€")
        s.send("AT+CMGL=\"ALL\"\r")
        out = s.read_until("OK\r\n").decode()
        m = re.fullmatch(r'\r\n\+CMGL: 1,"REC UNREAD","\+4915112345678",,"\d\d/\d\d/\d\d,\d\d:\d\d:\d\d[+-]\d\d"'
                         r'\r\nHello @ 5\?\r\n\r\nOK\r\n', out)
        self.assertTrue(m, out)
        s.at("AT+CSCS=\"UCS2\"", "\r\nOK\r\n", echo=False)
        s.send("AT+CMGR=1\r")
        out = s.read_until("OK\r\n").decode()
        self.assertIn('+CMGR: "REC READ","+4915112345678"', out)
        self.assertIn("\r\n00480065006C006C006F002000400020003520AC\r\n", out)

    def test_long_text_out_of_order(self):
        s = self.start()
        s.at("ATE0;+CNMI=2,1,0,0,0", "\r\nOK\r\n")
        text = "".join("%03d " % i for i in range(80))      # 320 septets: 3 parts
        rep = s.ctl("inject", "--reverse", text)
        self.assertEqual(len(rep["parts"]), 3)
        for i in (1, 2, 3):
            s.expect("\r\n+CMTI: \"SM\",%d\r\n" % i)
        seqs = []
        for i in (1, 2, 3):
            s.send("AT+CMGR=%d\r" % i)
            out = s.read_until("OK\r\n").decode()
            seqs.append(pdu.parse(out.split("\r\n")[2])["seq"])
        self.assertEqual(seqs, [3, 2, 1])
        texts = [e["text"] for e in sorted(s.events("deliver"), key=lambda e: e["udh"]["seq"])]
        self.assertEqual("".join(texts), text)

    def test_memories(self):
        s = self.start("--sm-slots", "2")
        s.at("ATE0;+CMEE=1;+CNMI=2,1,0,0,0", "\r\nOK\r\n")
        s.at("AT+CPMS=?", "\r\n+CPMS: (\"SM\",\"ME\"),(\"SM\",\"ME\"),(\"SM\",\"ME\")\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CPMS=\"ME\",\"ME\",\"ME\"", "\r\n+CPMS: 0,100,0,100,0,100\r\n\r\nOK\r\n", echo=False)
        s.ctl("inject", "to me")
        s.expect("\r\n+CMTI: \"ME\",1\r\n")
        s.at("AT+CPMS=\"SM\",\"SM\",\"SM\"", "\r\n+CPMS: 0,2,0,2,0,2\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CMGR=1", "\r\n+CMS ERROR: 321\r\n", echo=False)
        s.at("AT+CPMS=\"XX\"", "\r\n+CMS ERROR: 302\r\n", echo=False)
        # Memory full: the network keeps the third and retries after a delete.
        s.ctl("inject", "a")
        s.expect("\r\n+CMTI: \"SM\",1\r\n")
        s.ctl("inject", "b")
        s.expect("\r\n+CMTI: \"SM\",2\r\n")
        self.assertTrue(s.ctl("inject", "c")["parts"][0]["queued"])
        s.at("AT+CMGD=1", "\r\nOK\r\n\r\n+CMTI: \"SM\",1\r\n", echo=False)

    def test_buffered_while_busy(self):
        s = self.start("--send-delay-ms", "300")
        s.at("ATE0;+CNMI=2,1,0,0,0", "\r\nOK\r\n")
        s.at("AT+CMGS=19", "\r\n> ", echo=False)
        s.send(HELLO + "\x1a")
        s.ctl("inject", "while sending")       # the link is reserved: held until the answer
        s.expect("\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CMTI: \"SM\",1\r\n")


if __name__ == "__main__":
    unittest.main()
