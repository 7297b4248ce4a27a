#!/usr/bin/python3
"""smstools3's smsd sends and receives through smsgate-modemsim."""
import os
import unittest

from clients import Proc, need
from simlib import SimTest, wait_for

need("/usr/sbin/smsd")

LONG = ("This message is longer than one SMS can carry, so smsd splits it into concatenated parts "
        "with a user data header, and the simulator must see every part with its reference, "
        "the total and the sequence number: done.")


class Smsd(SimTest):
    def setUp(self):
        self.sim = self.start(open_line=False)
        d = self.sim.dir
        self.spool = {n: os.path.join(d, n) for n in ("outgoing", "checked", "failed", "incoming", "sent")}
        for p in self.spool.values():
            os.mkdir(p)
        conf = os.path.join(d, "smsd.conf")
        with open(conf, "w") as f:
            f.write("devices = GSM1\n")
            for n, p in self.spool.items():
                f.write("%s = %s\n" % (n, p))
            f.write("logfile = %s\n" % os.path.join(d, "smsd.log"))
            f.write("infofile = %s\n" % os.path.join(d, "smsd.running"))
            f.write("pidfile = %s\n" % os.path.join(d, "smsd.pid"))
            f.write("loglevel = 7\ndelaytime = 1\ndelaytime_mainprocess = 1\nblocktime = 1\n"
                    "incoming_utf8 = yes\n\n")
            f.write("[GSM1]\ndevice = %s\nincoming = yes\nbaudrate = 115200\n" % self.sim.link)
        self.smsd = Proc(["/usr/sbin/smsd", "-t", "-c", conf], os.path.join(d, "smsd.out"))
        self.addCleanup(self.smsd.stop)

    def smsd_log(self):
        try:
            with open(os.path.join(self.sim.dir, "smsd.log"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def drop(self, name, text):
        tmp = os.path.join(self.sim.dir, name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("To: 491701234567\nAlphabet: UTF-8\n\n" + text)
        os.rename(tmp, os.path.join(self.spool["outgoing"], name))   # as smstools3 asks

    def test_send_and_receive(self):
        self.drop("short", "Grüße aus dem Simulator: 5€ [ok]")
        sent = os.path.join(self.spool["sent"], "short")
        try:
            wait_for(lambda: os.path.exists(sent), timeout=90, what="smsd's sent/short")
        except AssertionError:
            self.fail("no sent file; smsd log:\n" + self.smsd_log())
        with open(sent, encoding="utf-8", errors="replace") as f:
            self.assertIn("Sent:", f.read())
        e = self.sim.wait_event("submit")[0]
        self.assertEqual((e["to"], e["text"], e["enc"], e["result"]),
                         ("+491701234567", "Grüße aus dem Simulator: 5€ [ok]", "gsm7", "ok"))

        self.drop("long", LONG)
        wait_for(lambda: os.path.exists(os.path.join(self.spool["sent"], "long")), timeout=90,
                 what="smsd's sent/long")
        parts = [e for e in self.sim.events("submit") if e.get("udh")]
        self.assertEqual(len(parts), 2)
        self.assertEqual({p["udh"]["total"] for p in parts}, {2})
        self.assertEqual(len({p["udh"]["ref"] for p in parts}), 1)
        self.assertEqual("".join(p["text"] for p in sorted(parts, key=lambda p: p["udh"]["seq"])), LONG)

        self.sim.ctl("inject", "--from", "+4915112345678", "Antwort über smsd")

        def incoming():
            # smsd writes the file in place (not renamed in): wait for all of it.
            names = os.listdir(self.spool["incoming"])
            if not names:
                return None
            with open(os.path.join(self.spool["incoming"], names[0]), "rb") as f:
                data = f.read().decode("utf-8", "replace")
            return data if "\n\n" in data and data.endswith("smsd") else None
        try:
            body = wait_for(incoming, timeout=90, what="a whole file in smsd's incoming/")
        except AssertionError:
            self.fail("nothing received; smsd log:\n" + self.smsd_log())
        self.assertIn("From: 4915112345678\n", body)
        self.assertTrue(body.endswith("\n\nAntwort über smsd"), body)


if __name__ == "__main__":
    unittest.main()
