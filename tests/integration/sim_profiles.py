#!/usr/bin/python3
"""smsgate-modemsim device profiles: the quirks, as exact bytes."""
import re
import unittest

from simlib import SimTest

HELLO = "0011000C919471103254760000AA05E8329BFD06"
BANNERS = "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n"


class Huawei(SimTest):
    profile = "huawei"

    def test_urc_between_cmgs_and_prompt(self):
        s = self.start("--urc-chance", "100")
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CMGS=19", "\r\n^RSSI:21\r\n\r\n> ", echo=False)
        s.send(HELLO + "\x1a")
        s.expect("\r\n+CMGS: 0\r\n\r\nOK\r\n")
        s.at("AT^CURC=0", "\r\nOK\r\n", echo=False)        # Huawei's switch for them
        s.at("AT^CURC?", "\r\n^CURC: 0\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CMGS=19", "\r\n> ", echo=False)
        s.send("\x1b")
        s.expect("\r\nOK\r\n")

    def test_random_urcs(self):
        s = self.start("--urc-interval-ms", "5,20", "--urc-chance", "0")
        seen = set()
        while len(seen) < 3:
            s.expect("\r\n")
            line = s.read_until("\r\n").decode()
            m = re.fullmatch(r"\^(RSSI|MODE|BOOT):[0-9,]+\r\n", line)
            self.assertTrue(m, line)
            seen.add(m.group(1))
        s.send("AT^CURC=0\r")
        s.read_until("\r\nOK\r\n")
        s.quiet()                           # and not one more

    def test_zero_based_storage_and_identity(self):
        s = self.start("--urc-chance", "0")
        s.at("ATE0;+CNMI?", "\r\n+CNMI: 0,0,0,0,0\r\n\r\nOK\r\n")
        s.at("AT+CNMI=2,1,0,0,0", "\r\nOK\r\n", echo=False)
        hexpdu = s.ctl("inject", "zero")["parts"][0]["pdu"]
        s.expect("\r\n+CMTI: \"SM\",0\r\n")
        s.at("AT+CMGR=0", "\r\n+CMGR: 0,,%d\r\n%s\r\n\r\nOK\r\n" % (len(hexpdu) // 2 - 8, hexpdu), echo=False)
        s.at("AT+CGMI;+CGMM", "\r\nhuawei\r\n\r\nE3372\r\n\r\nOK\r\n", echo=False)
        s.at("ATI", "\r\nManufacturer: huawei\r\nModel: E3372\r\nRevision: 22.315.01.00.00\r\n"
             "IMEI: 356938035643809\r\n+GCAP: +CGSM,+DS,+ES\r\n\r\nOK\r\n", echo=False)
        s.at("AT^SYSINFO", "\r\n^SYSINFO:2,3,0,5,1,,4\r\n\r\nOK\r\n", echo=False)
        s.at("AT^NOSUCH", "\r\nERROR\r\n", echo=False)

    def test_urcs_not_held_during_a_command(self):
        s = self.start("--urc-chance", "0", "--send-delay-ms", "2000")
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CMGS=19", "\r\n> ", echo=False)
        s.send(HELLO + "\x1a")
        s.ctl("csq", "17")                  # ^RSSI at once, before the answer
        s.expect("\r\n^RSSI:17\r\n\r\n+CMGS: 0\r\n\r\nOK\r\n")


class Simcom(SimTest):
    profile = "simcom"

    def test_banners_after_power_up(self):
        s = self.start()
        s.expect(BANNERS)
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CFUN=1,1", "\r\nOK\r\n" + BANNERS, echo=False)
        s.at("AT", "\r\nOK\r\n")            # echo on again after the reboot

    def test_banners_with_pin(self):
        s = self.start("--pin", "2468")
        s.expect("\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: SIM PIN\r\n")
        s.at("AT+CPIN=\"2468\"", "\r\nOK\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n")

    def test_sim800_answers(self):
        s = self.start()
        s.expect(BANNERS)
        s.at("ATE0", "\r\nOK\r\n")
        hexpdu = s.ctl("inject", "sim800")["parts"][0]["pdu"]
        s.expect("\r\n+CMTI: \"SM\",1\r\n")
        s.at("AT+CMGR=1", "\r\n+CMGR: 0,\"\",%d\r\n%s\r\n\r\nOK\r\n" % (len(hexpdu) // 2 - 8, hexpdu), echo=False)
        s.at("AT+CMGL=4", "\r\n+CMGL: 1,1,\"\",%d\r\n%s\r\n\r\nOK\r\n" % (len(hexpdu) // 2 - 8, hexpdu), echo=False)
        s.at("AT+COPS?", "\r\n+COPS: 0,0,\"Simulated Network\"\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CREG=2;+CREG?", "\r\n+CREG: 2,1,\"00C3\",\"A1B2\"\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CEREG?", "\r\nERROR\r\n", echo=False)
        s.at("AT+CBC", "\r\n+CBC: 0,100,4200\r\n\r\nOK\r\n", echo=False)
        s.at("ATI", "\r\nSIM800 R14.18\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CGMM", "\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n", echo=False)

    def test_sim_remove_banner(self):
        s = self.start()
        s.expect(BANNERS)
        s.ctl("sim-remove")
        s.expect("\r\n+CPIN: NOT READY\r\n")
        s.ctl("sim-insert")
        s.expect("\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n")


class Terse(SimTest):
    profile = "terse"

    def test_terse(self):
        s = self.start()
        s.send("AT\r")
        s.expect("\r\nERROR\r\n")           # rejects a bare AT, echoes nothing
        s.send("ATE1\r")
        s.expect("\r\nOK\r\n")              # accepted, and still no echo
        s.send("AT+CSQ\r")
        s.expect("\r\n+CSQ: 21,99\r\n\r\nOK\r\n")
        s.send("AT+CMEE=2\r")
        s.expect("\r\nOK\r\n")
        s.send("AT+CMGR=7\r")
        s.expect("\r\nERROR\r\n")           # whatever CMEE says
        for _ in range(2):
            s.send("AT+CMGS=19\r")
            s.expect("\r\n> ")
            s.send(HELLO + "\x1a")
            s.expect("\r\n+CMGS: 0\r\n\r\nOK\r\n")     # always 0
        self.assertEqual([e["mr"] for e in s.events("submit")], [0, 0])


class Generic(SimTest):
    def test_defaults(self):
        s = self.start()
        s.at("AT+CNMI?", "\r\n+CNMI: 2,1,0,0,0\r\n\r\nOK\r\n")
        s.at("AT+CPMS?", "\r\n+CPMS: \"SM\",0,30,\"SM\",0,30,\"SM\",0,30\r\n\r\nOK\r\n")
        s.at("AT+CSCA?", "\r\n+CSCA: \"+491710760000\",145\r\n\r\nOK\r\n")
        s.at("AT+CMGF?", "\r\n+CMGF: 0\r\n\r\nOK\r\n")


if __name__ == "__main__":
    unittest.main()
