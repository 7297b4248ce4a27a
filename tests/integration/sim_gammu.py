#!/usr/bin/python3
"""gammu identifies, sends through and reads from smsgate-modemsim."""
import os
import unittest

from clients import need, run
from simlib import SimTest

need("gammu")


class Gammu(SimTest):
    def gammu(self, sim, *args, name="gammu"):
        rc_path = os.path.join(sim.dir, "gammurc")
        with open(rc_path, "w") as f:
            f.write("[gammu]\ndevice = %s\nconnection = at\nlogfile = %s\nlogformat = textall\n"
                    % (sim.link, os.path.join(sim.dir, name + ".log")))
        rc, out = run(["gammu", "-c", rc_path] + list(args), os.path.join(sim.dir, name + ".out"))
        self.assertEqual(rc, 0, "gammu %s failed:\n%s" % (" ".join(args), out))
        return out

    def check_profile(self, profile, *extra, manufacturer, model):
        sim = self.start(*extra, profile=profile, open_line=False)
        out = self.gammu(sim, "identify", name="identify")
        self.assertRegex(out, r"Manufacturer\s*: %s\n" % manufacturer)
        self.assertRegex(out, r"Model\s*: .*%s" % model)
        self.assertRegex(out, r"IMEI\s*: 356938035643809\n")
        self.assertRegex(out, r"SIM IMSI\s*: 001010123456789\n")

        text = "Grüße von gammu: 5€ [%s]" % profile
        self.gammu(sim, "sendsms", "TEXT", "+491701234567", "-text", text, name="sendsms")
        e = sim.wait_event("submit")[0]
        self.assertEqual((e["to"], e["text"], e["result"]), ("+491701234567", text, "ok"))

        sim.ctl("inject", "--from", "+4915112345678", "Hallo gammu, über %s" % profile)
        sim.ctl("inject", "--ucs2", "--from", "+4915112345678", "Zweite Nachricht 日本")
        out = self.gammu(sim, "getallsms", name="getallsms")
        self.assertIn("Hallo gammu, über %s" % profile, out)
        self.assertIn("Zweite Nachricht 日本", out)
        self.assertIn('Remote number        : "+4915112345678"', out)
        self.assertIn("2 SMS parts in 2 SMS sequences", out)

    def test_generic(self):
        self.check_profile("generic", manufacturer="smsgate", model="modemsim")

    def test_simcom(self):
        self.check_profile("simcom", manufacturer="SIMCOM_Ltd", model="SIM800L")

    def test_huawei(self):
        # URCs every 0.5 to 2 s and often between AT+CMGS and "> ", as on a real stick
        self.check_profile("huawei", "--urc-interval-ms", "500,2000", "--urc-chance", "50",
                           manufacturer="Huawei", model="E3372")

    def test_long_message(self):
        sim = self.start(open_line=False)
        text = "gammu splits this text: " + "abcdefghij" * 20
        self.gammu(sim, "sendsms", "TEXT", "+491701234567", "-len", str(len(text)), "-text", text)
        parts = sim.wait_event("submit", 2)
        self.assertEqual(len(parts), 2)
        self.assertEqual([p["udh"]["seq"] for p in parts], [1, 2])
        self.assertEqual("".join(p["text"] for p in parts), text)


if __name__ == "__main__":
    unittest.main()
