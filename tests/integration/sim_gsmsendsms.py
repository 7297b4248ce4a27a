#!/usr/bin/python3
"""gsm-utils' gsmsendsms sends through smsgate-modemsim. It clears DTR,
which a pty refuses, so it runs with the modem-control ioctl shim."""
import os
import unittest

from clients import need, run
from simlib import SimTest

need("gsmsendsms")
SHIM = os.environ.get("SIM_TTYSHIM", "")


class GsmSendSms(SimTest):
    def send(self, profile, text, *args):
        if not os.path.exists(SHIM):
            self.skipTest("the tty shim was not built")
        sim = self.start(profile=profile, open_line=False)
        env = dict(os.environ, LD_PRELOAD=SHIM)
        rc, out = run(["gsmsendsms", "-d", sim.link, "-b", "115200"] + list(args) + ["+491701234567", text],
                      os.path.join(sim.dir, "gsmsendsms.out"), env=env)
        self.assertEqual(rc, 0, out)
        return sim

    def test_generic(self):
        sim = self.send("generic", "Hallo von gsmsendsms")
        e = sim.wait_event("submit")[0]
        self.assertEqual((e["to"], e["text"], e["result"], e["srr"]), ("+491701234567", "Hallo von gsmsendsms", "ok", False))

    def test_report_requested(self):
        sim = self.send("simcom", "with a report", "-r")
        e = sim.wait_event("submit")[0]
        self.assertEqual((e["text"], e["srr"]), ("with a report", True))
        sim.wait_event("report")

    def test_huawei_and_terse(self):
        for profile in ("huawei", "terse"):
            sim = self.send(profile, "profile %s" % profile)
            self.assertEqual(sim.wait_event("submit")[0]["text"], "profile %s" % profile)


if __name__ == "__main__":
    unittest.main()
