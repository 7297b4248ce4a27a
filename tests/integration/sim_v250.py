#!/usr/bin/python3
"""smsgate-modemsim, V.250 command-line handling: exact bytes."""
import unittest

from simlib import SimTest


class V250(SimTest):
    def test_echo_as_bytes_arrive(self):
        s = self.start()
        for ch in "AT":
            s.send(ch)
            s.expect(ch)        # echoed before the line is complete
        s.send("\r")
        s.expect("\r\r\nOK\r\n")

    def test_lower_case_and_chained(self):
        s = self.start()
        s.at("at", "\r\nOK\r\n")
        s.at("ATE0V1", "\r\nOK\r\n")
        s.at("AT+CMEE=1;+CMEE?", "\r\n+CMEE: 1\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CGMI;+CGMM", "\r\nsmsgate\r\n\r\nmodemsim\r\n\r\nOK\r\n", echo=False)
        s.at("at+cmgf=1;+CMGF?", "\r\n+CMGF: 1\r\n\r\nOK\r\n", echo=False)
        s.at("AT E 1", "\r\nOK\r\n", echo=False)   # spaces are ignored
        s.quiet()

    def test_control_characters_ignored(self):
        s = self.start()
        s.send(b"AT\x00\r")       # gsm-utils sends a NUL before the CR
        s.expect(b"AT\x00\r\r\nOK\r\n")
        s.send(b"AT\r\n")         # the LF after the CR is echoed, nothing else
        s.expect(b"AT\r\r\nOK\r\n\n")
        s.send(b"ATX\x08E0\r")   # backspace removes the X
        s.expect(b"ATX\x08E0\r\r\nOK\r\n")
        s.quiet(echo=False)

    def test_garbage_before_at_is_ignored(self):
        s = self.start()
        s.send("xyz\rAT\r")
        s.expect("xyz\rAT\r\r\nOK\r\n")

    def test_numeric_and_quiet(self):
        s = self.start()
        s.at("ATV0", "0\r")
        s.at("AT+CSQ", "+CSQ: 21,99\r\n0\r")
        s.at("AT+NOSUCH", "4\r")
        s.at("ATV1Q1", "")
        s.at("AT+CSQ", "\r\n+CSQ: 21,99\r\n")
        s.at("ATQ0", "\r\nOK\r\n")

    def test_repeat_last_line(self):
        s = self.start()
        s.at("AT+CSQ", "\r\n+CSQ: 21,99\r\n\r\nOK\r\n")
        s.send("A/")
        s.expect("A/\r\n+CSQ: 21,99\r\n\r\nOK\r\n")

    def test_unknown_vendor_commands_error(self):
        s = self.start()
        s.at("AT^CURC=0", "\r\nERROR\r\n")     # Huawei only
        s.at("AT+XYZZY", "\r\nERROR\r\n")
        s.at("AT$QCPWD?", "\r\nERROR\r\n")
        s.at("AT+CMUX=0", "\r\nERROR\r\n")     # never pretend to multiplex
        s.at("ATY", "\r\nERROR\r\n")

    def test_harmless_standard_commands_ok(self):
        s = self.start()
        for cmd in ("AT+CHUP", "AT+IFC=0,0", "AT+CUSD=1", "AT+CMMS=1", "AT+CLIP=1", "AT+CRC=0",
                    "AT+CSCB=1", "AT&C1&D2", "ATH", "AT&W", "ATL1M0X4"):
            s.at(cmd, "\r\nOK\r\n")
        s.at("AT+IFC?", "\r\n+IFC: 0,0\r\n\r\nOK\r\n")

    def test_error_stops_the_line(self):
        s = self.start()
        s.at("AT+CSQ;+BOGUS;+CSQ", "\r\n+CSQ: 21,99\r\n\r\nERROR\r\n")

    def test_s_registers_and_reset(self):
        s = self.start()
        s.at("ATS3?", "\r\n013\r\n\r\nOK\r\n")
        s.at("ATS0=2", "\r\nOK\r\n")
        s.at("ATS0?", "\r\n002\r\n\r\nOK\r\n")
        s.at("ATE0", "\r\nOK\r\n")
        s.at("ATZ", "\r\nOK\r\n", echo=False)
        s.at("ATS0?", "\r\n000\r\n\r\nOK\r\n")   # echo is back on after ATZ

    def test_line_too_long(self):
        s = self.start()
        s.at("AT" + "+CSQ;" * 120, "\r\nERROR\r\n")
        s.quiet()

    def test_cmee_formats(self):
        s = self.start()
        s.at("AT+CPIN=\"1234\"", "\r\nERROR\r\n")              # CMEE=0: bare
        s.at("AT+CMEE=1", "\r\nOK\r\n")
        s.at("AT+CPIN=\"1234\"", "\r\n+CME ERROR: 3\r\n")
        s.at("AT+CMGR=99", "\r\n+CMS ERROR: 321\r\n")
        s.at("AT+CMEE=2", "\r\nOK\r\n")
        s.at("AT+CPIN=\"1234\"", "\r\n+CME ERROR: operation not allowed\r\n")
        s.at("AT+CMGR=99", "\r\n+CMS ERROR: invalid memory index\r\n")
        s.at("AT+CMEE=?", "\r\n+CMEE: (0-2)\r\n\r\nOK\r\n")
        s.at("AT+CMEE=3", "\r\nERROR\r\n")

    def test_identification(self):
        s = self.start()
        s.at("ATI", "\r\nsmsgate\r\nmodemsim\r\nRevision: modemsim 0.1.0\r\n\r\nOK\r\n")
        s.at("AT+CGMR", "\r\nmodemsim 0.1.0\r\n\r\nOK\r\n")
        s.at("AT+CGSN", "\r\n356938035643809\r\n\r\nOK\r\n")
        s.at("AT+GSN", "\r\n356938035643809\r\n\r\nOK\r\n")
        s.at("AT+CIMI", "\r\n001010123456789\r\n\r\nOK\r\n")
        s.at("AT+GCAP", "\r\n+GCAP: +CGSM\r\n\r\nOK\r\n")

    def test_dial_and_answer(self):
        s = self.start()
        s.at("ATD+491701234567;", "\r\nNO CARRIER\r\n")
        s.at("ATA", "\r\nNO CARRIER\r\n")

    def test_log_records_commands(self):
        s = self.start()
        s.at("AT+CSQ", "\r\n+CSQ: 21,99\r\n\r\nOK\r\n")
        cmds = [e["line"] for e in s.events("cmd")]
        self.assertIn("AT+CSQ", cmds)


if __name__ == "__main__":
    unittest.main()
