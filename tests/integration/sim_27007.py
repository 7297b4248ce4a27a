#!/usr/bin/python3
"""smsgate-modemsim, TS 27.007: SIM/PIN, registration, operator, signal."""
import unittest

from simlib import SimTest


class Pin(SimTest):
    args = ("--pin", "1234")

    def test_pin_flow(self):
        s = self.start()
        s.at("ATE0;+CMEE=1", "\r\nOK\r\n")
        s.at("AT+CPIN?", "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CREG?", "\r\n+CREG: 0,0\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CIMI", "\r\n+CME ERROR: 11\r\n", echo=False)
        s.at("AT+CMGL=4", "\r\n+CMS ERROR: 311\r\n", echo=False)
        s.at("AT+CPIN=\"0000\"", "\r\n+CME ERROR: 16\r\n", echo=False)
        s.at("AT+CPIN?", "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CREG=1", "\r\nOK\r\n", echo=False)
        s.at("AT+CPIN=\"1234\"", "\r\nOK\r\n\r\n+CREG: 1\r\n", echo=False)
        s.at("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CPIN=\"1234\"", "\r\n+CME ERROR: 3\r\n", echo=False)
        s.at("AT+CLCK=\"SC\",2", "\r\n+CLCK: 1\r\n\r\nOK\r\n", echo=False)

    def test_puk_after_three_wrong_pins(self):
        s = self.start()
        s.at("ATE0;+CMEE=2", "\r\nOK\r\n")
        for _ in range(3):
            s.at("AT+CPIN=\"9999\"", "\r\n+CME ERROR: incorrect password\r\n", echo=False)
        s.at("AT+CPIN?", "\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CSQ;+CIMI", "\r\n+CSQ: 21,99\r\n\r\n+CME ERROR: SIM PUK required\r\n", echo=False)
        s.at("AT+CPIN=\"1234\"", "\r\n+CME ERROR: incorrect password\r\n", echo=False)   # a PIN is not a PUK
        s.at("AT+CPIN=\"12345678\",\"4321\"", "\r\nOK\r\n", echo=False)
        s.at("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CLCK=\"SC\",0,\"1234\"", "\r\n+CME ERROR: incorrect password\r\n", echo=False)
        s.at("AT+CLCK=\"SC\",0,\"4321\"", "\r\nOK\r\n", echo=False)

    def test_pin_asked_again_after_reboot(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CPIN=1234", "\r\nOK\r\n", echo=False)     # unquoted, as some clients send it
        s.at("AT+CFUN=1,1", "\r\nOK\r\n", echo=False)
        s.at("AT+CPIN?", "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n")  # echo is on again


class Registration(SimTest):
    def test_creg_forms(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CREG?", "\r\n+CREG: 0,1\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CREG=2;+CREG?", "\r\n+CREG: 2,1,\"00C3\",\"0000A1B2\",7\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CGREG=1;+CGREG?", "\r\n+CGREG: 1,1\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CEREG?", "\r\n+CEREG: 0,1\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CREG=?", "\r\n+CREG: (0-2)\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CGATT?", "\r\n+CGATT: 1\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CFUN=4", "\r\nOK\r\n\r\n+CREG: 0\r\n\r\n+CGREG: 0\r\n", echo=False)
        s.at("AT+CSQ", "\r\n+CSQ: 99,99\r\n\r\nOK\r\n", echo=False)
        s.at("AT+COPS?", "\r\n+COPS: 0\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CFUN=1", "\r\nOK\r\n\r\n+CREG: 1,\"00C3\",\"0000A1B2\",7\r\n\r\n+CGREG: 1\r\n", echo=False)
        s.at("AT+CFUN?", "\r\n+CFUN: 1\r\n\r\nOK\r\n", echo=False)

    def test_registration_takes_time(self):
        s = self.start("--register-delay-ms", "200")
        s.at("ATE0;+CREG=1", "\r\nOK\r\n")
        s.expect("\r\n+CREG: 1\r\n")
        s.at("AT+CREG?", "\r\n+CREG: 1,1\r\n\r\nOK\r\n", echo=False)

    def test_cops(self):
        s = self.start()
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+COPS?", "\r\n+COPS: 0,0,\"Simulated Network\",7\r\n\r\nOK\r\n", echo=False)
        s.at("AT+COPS=3,2;+COPS?", "\r\n+COPS: 0,2,\"00101\",7\r\n\r\nOK\r\n", echo=False)
        s.at("AT+COPS=3,1;+COPS?", "\r\n+COPS: 0,1,\"SIMNET\",7\r\n\r\nOK\r\n", echo=False)
        s.at("AT+COPS=?", "\r\n+COPS: (2,\"Simulated Network\",\"SIMNET\",\"00101\",7),,(0-4),(0-2)\r\n\r\nOK\r\n",
             echo=False)
        s.at("AT+CMEE=1;+COPS=1,2,\"99999\"", "\r\n+CME ERROR: 30\r\n", echo=False)
        s.at("AT+COPS=2;+COPS?", "\r\n+COPS: 2\r\n\r\nOK\r\n", echo=False)
        s.at("AT+COPS=0;+COPS?", "\r\n+COPS: 0,1,\"SIMNET\",7\r\n\r\nOK\r\n", echo=False)

    def test_misc(self):
        s = self.start("--own-number", "+4917099999")
        s.at("ATE0", "\r\nOK\r\n")
        s.at("AT+CBC", "\r\n+CBC: 0,100\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CPAS", "\r\n+CPAS: 0\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CNUM", "\r\n+CNUM: ,\"+4917099999\",145\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CSCS=?", "\r\n+CSCS: (\"IRA\",\"GSM\",\"UCS2\",\"8859-1\")\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CSCS=\"GSM\";+CSCS?", "\r\n+CSCS: \"GSM\"\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CSMS=1", "\r\n+CSMS: 1,1,1\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CNMI?", "\r\n+CNMI: 2,1,0,0,0\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CNMI=?", "\r\n+CNMI: (0-3),(0-3),(0-3),(0-2),(0,1)\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CMGF=?", "\r\n+CMGF: (0,1)\r\n\r\nOK\r\n", echo=False)
        s.at("AT+CMGL=?", "\r\n+CMGL: (0-4)\r\n\r\nOK\r\n", echo=False)


if __name__ == "__main__":
    unittest.main()
