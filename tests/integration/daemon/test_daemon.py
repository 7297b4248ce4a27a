"""smsgated against smsgate-modemsim: real ptys, real spool directories.

Each test gets its own temp dir with a config file, starts the
simulator(s) with fast timings and smsgated in the foreground, and
asserts exact outcomes: what the simulator received (its JSON log), the
files in the spool, the status records, what the event handler was told.
Every wait is on an event (a file, a log line, a simulator event);
smsgated must exit 0 on SIGTERM so that sanitizer builds report leaks."""

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from daemonlib import Daemon, drop, read
from simlib import Sim, TIMEOUT, wait_for

SMSGATE = os.environ.get("SMSGATE", "smsgate")
NUMBER = "+491701234567"
IMSI = "001010123456789"
IMEI = "356938035643809"
DATE = r"\d\d-\d\d-\d\d \d\d:\d\d:\d\d"
SENDSMS = "/usr/share/doc/smstools/examples/scripts/sendsms"
# 3 GSM 7-bit parts (153 septets each at most)
LONG = " ".join("Part of a long message, word %d." % i for i in range(14))


def split_file(data):
    """An smstools3 file: (header lines as bytes, body bytes)."""
    head, sep, body = data.partition(b"\n\n")
    assert sep, "no blank line in %r" % data
    return head.split(b"\n"), body


def headers_dict(lines):
    out = {}
    for line in lines:
        k, _, v = line.decode().partition(":")
        out[k] = v.strip()
    return out


class DaemonTest(unittest.TestCase):
    gateway = {}

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="smsgated-test-")
        self.spool = os.path.join(self.dir, "spool")
        self.conf = os.path.join(self.dir, "smsgate.conf")
        self.tmp = os.path.join(self.dir, "tmp")
        os.mkdir(self.tmp)
        self.sims = {}
        if not os.environ.get("DAEMON_TEST_KEEP"):
            self.addCleanup(shutil.rmtree, self.dir, True)

    # ---- setup ----
    def start_sim(self, name="a", *args):
        wd = os.path.join(self.dir, "sim-" + name)
        os.makedirs(wd, exist_ok=True)
        sim = Sim(*args, workdir=wd)
        self.sims[name] = sim
        self.addCleanup(self._stop_sim, sim)
        return sim

    def _stop_sim(self, sim):
        rc = sim.close()
        self.assertEqual(rc, 0, "simulator exit status %r\n%s" % (rc, sim.stderr_text()))

    def write_config(self, modems=("a",), spool=None, **gateway):
        g = {"spool": spool or self.spool, "log_level": "info", "retry_base": "1"}
        g.update(self.gateway)
        g.update(gateway)
        lines = ["[gateway]"] + ["%s = %s" % kv for kv in g.items()]
        for m in modems:
            dev = self.sims[m].link if m in self.sims else os.path.join(self.dir, "no-such-modem-" + m)
            lines += ["", "[modem %s]" % m, "device = %s" % dev, "poll_interval = 1"]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        return self.conf

    def start_daemon(self, wait_ready=True, user=None):
        d = Daemon(self.conf, self.dir, user=user)
        self.addCleanup(self._stop_daemon, d)
        # status.json of this process, not one left by an earlier run
        wait_for(lambda: (self.status() or {}).get("pid") == d.proc.pid or d.proc.poll() is not None, TIMEOUT,
                 "status.json of smsgated; log:\n" + d.log())
        if wait_ready:
            self.wait_ready()
        return d

    def _stop_daemon(self, d):
        if d.proc.poll() is None or not d.log_file.closed:
            self.stop_daemon(d)

    def stop_daemon(self, d):
        rc = d.stop()
        self.assertEqual(rc, 0, "smsgated exit status %r; log:\n%s" % (rc, d.log()[-4000:]))

    def status(self):
        try:
            return json.loads(read(os.path.join(self.spool, "status.json")))
        except (OSError, ValueError):
            return None

    def wait_ready(self, names=None, timeout=TIMEOUT):
        def ready():
            st = self.status()
            if not st:
                return False
            states = {m["name"]: m["state"] for m in st["modems"]}
            want = names or list(states)
            return all(states.get(n) in ("ready", "sending") for n in want)
        wait_for(ready, timeout, "modems ready in status.json: %r" % (self.status(),))

    # ---- the spool ----
    def path(self, *parts):
        return os.path.join(self.spool, *parts)

    def ls(self, d):
        try:
            return sorted(n for n in os.listdir(self.path(d)) if not n.startswith("."))
        except FileNotFoundError:
            return []

    def drop(self, name, data, direct=False):
        """Into outgoing/: written elsewhere and renamed in, or written in place."""
        if not direct:
            drop(self.path("outgoing"), self.tmp, name, data)
            return
        with open(self.path("outgoing", name), "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)

    def wait_file(self, d, name, timeout=TIMEOUT):
        p = self.path(d, name)
        wait_for(lambda: os.path.exists(p), timeout, "%s/%s; spool: %r" % (d, name, self.tree()))
        return read(p)

    def tree(self):
        return {d: self.ls(d) for d in ("outgoing", "queue", "sent", "failed", "incoming", "status")}

    def record(self, name):
        """status/ID.st of the message whose file was called name."""
        for p in glob.glob(self.path("status", "*.st")):
            rec = headers_dict(read(p).rstrip(b"\n").split(b"\n"))
            if rec["Name"] == name:
                return rec
        return None

    def wait_record(self, name, state, timeout=TIMEOUT):
        return wait_for(lambda: (self.record(name) or {}).get("State") == state and self.record(name),
                        timeout, "status record of %s in state %s: %r" % (name, state, self.record(name)))

    def submits(self, sim, count=None, result="ok"):
        got = lambda: [e for e in sim.events("submit") if result is None or e.get("result") == result]
        if count is not None:
            wait_for(lambda: len(got()) >= count, TIMEOUT, "%d submits at the simulator" % count)
        return got()

    def assert_sent_file(self, name, original, modem="a", mr=None):
        """sent/NAME: the original headers, smsd's added ones, the text byte for byte."""
        got = self.wait_file("sent", name)
        lines, body = split_file(got)
        orig_lines, orig_body = split_file(original)
        self.assertEqual(lines[:len(orig_lines)], orig_lines)
        added = [l.decode() for l in lines[len(orig_lines):]]
        self.assertEqual(len(added), 5, added)
        self.assertEqual(added[0], "Modem: " + modem)
        self.assertRegex(added[1], "^Sent: " + DATE + "$")
        self.assertRegex(added[2], r"^Message_id: \d+$")
        if mr is not None:
            self.assertEqual(added[2], "Message_id: %d" % mr)
        self.assertEqual(added[3:], ["IMSI: " + IMSI, "IMEI: " + IMEI])
        self.assertEqual(body, orig_body)
        return headers_dict(lines)

    def handler(self):
        """An eventhandler script that appends its argv, one run per line."""
        out = os.path.join(self.dir, "events.txt")
        script = os.path.join(self.dir, "on-sms")
        with open(script, "w") as f:
            f.write('#!/bin/sh\nprintf "%%s|" "$@" >> %s\necho >> %s\n' % (out, out))
        os.chmod(script, 0o755)
        return script, out

    def handler_runs(self, out):
        try:
            return [l.rstrip("|").split("|") for l in read(out, "r").splitlines()]
        except FileNotFoundError:
            return []


class TestOutgoing(DaemonTest):
    def test_drop_renamed_and_direct(self):
        # Reports come late here, so the records stay "sent".
        sim = self.start_sim("a", "--report-delay-ms", "600000")
        self.write_config()
        d = self.start_daemon()

        f1 = b"To: +491701234567\nFlash: yes\nReport: yes\nX-Custom: kept\n\nGr\xc3\xbc\xc3\x9fe \xe2\x82\xac, renamed in"
        self.drop("renamed.sms", f1)
        sub = self.submits(sim, 1)[0]
        self.assertEqual((sub["to"], sub["text"], sub["class"], sub["srr"]),
                         (NUMBER, "Grüße €, renamed in", 0, True))
        self.assert_sent_file("renamed.sms", f1, mr=sub["mr"])

        f2 = b"To: 4917012345678\nReport: no\n\nwritten in place"
        self.drop("direct.sms", f2, direct=True)
        sub = self.submits(sim, 2)[1]
        self.assertEqual((sub["to"], sub["text"], sub["srr"]), ("+4917012345678", "written in place", False))
        self.assertNotEqual(sub.get("class"), 0)
        self.assert_sent_file("direct.sms", f2, mr=sub["mr"])

        for name in ("renamed.sms", "direct.sms"):
            rec = self.wait_record(name, "sent")
            self.assertEqual((rec["Modem"], rec["Parts"], rec["Parts_done"], rec["Attempts"]), ("a", "1", "1", "0"))
        self.assertEqual(self.ls("outgoing"), [])
        # the final files are written before the queue copy goes: wait for it
        wait_for(lambda: self.ls("queue") == [], TIMEOUT, "queue/ empty: %r" % (self.ls("queue"),))
        self.assertEqual(self.ls("failed"), [])
        self.assertEqual(len(self.submits(sim, result=None)), 2)
        self.stop_daemon(d)


class TestSmstools3(DaemonTest):
    def sendsms(self, *args):
        """smstools3's own sendsms script, its outgoing/ pointed at ours."""
        if not os.path.exists(SENDSMS):
            self.skipTest("smstools3's sendsms script is not installed (Debian package smstools)")
        script = os.path.join(self.dir, "sendsms")
        text = read(SENDSMS, "r").replace("/var/spool/sms/outgoing/", self.path("outgoing") + "/")
        with open(script, "w") as f:
            f.write(text)
        r = subprocess.run(["bash", script] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=dict(os.environ, TMPDIR=self.tmp), timeout=TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_sendsms_script_and_alphabets(self):
        sim = self.start_sim("a")
        self.write_config()
        d = self.start_daemon()
        expected = []  # (to, text) in order

        self.sendsms("491701234567", "Hello from sendsms")
        expected.append(("+491701234567", "Hello from sendsms"))
        self.sendsms("491701234567", "Grüße €")   # fits ISO-8859-15: written as the shell's UTF-8
        expected.append(("+491701234567", "Grüße €"))
        # Does not fit: Alphabet: UCS and UCS-2BE (its iconv -t UNICODEBIG has no surrogates).
        self.sendsms("491701234567", "Привет, мир ✓")
        expected.append(("+491701234567", "Привет, мир ✓"))
        self.sendsms("491701111111", "491702222222", "two numbers")
        expected += [("+491701111111", "two numbers"), ("+491702222222", "two numbers")]
        self.submits(sim, len(expected))
        wait_for(lambda: len(self.ls("sent")) == len(expected), TIMEOUT, "sent/ files")
        got = sorted((s["to"], s["text"]) for s in self.submits(sim))
        self.assertEqual(got, sorted(expected))
        ucs = [s for s in self.submits(sim) if s["text"] == "Привет, мир ✓"][0]
        self.assertEqual(ucs["enc"], "ucs2")
        for name in self.ls("sent"):
            self.assertTrue(name.startswith("send_"), name)
            lines, body = split_file(read(self.path("sent", name)))
            h = headers_dict(lines)
            self.assertEqual(h["Modem"], "a")
            self.assertIn("Message_id", h)
            self.assertRegex(h["Sent"], DATE)

        # Hand-written files in each alphabet, and a long one.
        files = [
            ("iso", b"To: 491701234567\nAlphabet: ISO\n\n\xe4\xf6\xfc \xa4 Latin", "äöü € Latin", "gsm7"),
            ("utf8", "To: 491701234567\nAlphabet: UTF-8\n\nΩmega ünïcode ✓".encode(), "Ωmega ünïcode ✓", "ucs2"),
            ("ucs2", b"To: 491701234567\nAlphabet: UCS2\n\n" + "UCS-2 text 😀".encode("utf-16-be"),
             "UCS-2 text 😀", "ucs2"),
        ]
        for name, data, _, _ in files:
            self.drop(name, data)
        n = len(expected) + len(files)
        self.submits(sim, n)
        for name, data, text, enc in files:
            sub = [s for s in self.submits(sim) if s["text"] == text]
            self.assertEqual(len(sub), 1, (text, self.submits(sim)))
            self.assertEqual(sub[0]["enc"], enc)
            self.assert_sent_file(name, data, mr=sub[0]["mr"])

        self.drop("long", "To: 491701234567\n\n" + LONG)
        parts = self.submits(sim, n + 3)[n:]
        self.assertEqual([p["udh"]["seq"] for p in parts], [1, 2, 3])
        self.assertEqual({p["udh"]["total"] for p in parts}, {3})
        self.assertEqual(len({p["udh"]["ref"] for p in parts}), 1)
        self.assertEqual("".join(p["text"] for p in parts), LONG)
        h = self.assert_sent_file("long", ("To: 491701234567\n\n" + LONG).encode(), mr=parts[-1]["mr"])
        rec = self.wait_record("long", "sent")
        self.assertEqual((rec["Parts"], rec["Parts_done"], rec["Mr"]),
                         ("3", "3", " ".join(str(p["mr"]) for p in parts)))
        self.assertEqual(self.ls("failed"), [])
        self.stop_daemon(d)


class TestBadFiles(DaemonTest):
    def test_bad_files_fail_and_queue_moves_on(self):
        sim = self.start_sim("a")
        script, events = self.handler()
        self.write_config(eventhandler=script)
        d = self.start_daemon()
        bad = [
            ("no-to", b"Flash: yes\n\nno recipient", "no To: header"),
            ("bad-number", b"To: 12ab\n\nx", 'invalid number "12ab"'),
            ("garbage", b"\x00\x01\x02\xff\xfegarbage\x00\n\x00\x00", "NUL byte in header line 1"),
            ("empty", b"", "empty file"),
            ("long-header", b"To: 491701234567\nX-Long: " + b"y" * 5000 + b"\n\ntext",
             "header line 2 is longer than 4096 bytes"),
            ("bad-utf8", b"To: 491701234567\nAlphabet: UTF-8\n\nabc\xff\xfedef", "text is not valid UTF-8 at byte 3"),
        ]
        for name, data, _ in bad:
            self.drop(name, data, direct=(name == "empty"))
        self.drop("good", b"To: 491701234567\n\nstill sent")
        self.wait_file("sent", "good")
        sub = self.submits(sim, 1)
        self.assertEqual([(s["to"], s["text"]) for s in sub], [(NUMBER, "still sent")])
        for name, data, reason in bad:
            got = self.wait_file("failed", name)
            lines = got.split(b"\n", 2)
            self.assertEqual(lines[0].decode(), "Fail_reason: " + reason, name)
            self.assertRegex(lines[1].decode(), "^Failed: " + DATE + "$")
            self.assertEqual(lines[2], data, name)
            self.assertIn("outgoing/%s refused: %s" % (name, reason), d.log())
        self.assertEqual(self.ls("outgoing"), [])
        # failed/NAME is written before the claimed copy leaves queue/.
        wait_for(lambda: self.ls("queue") == [], TIMEOUT, "queue/ empty: %r" % (self.ls("queue"),))
        wait_for(lambda: len(self.handler_runs(events)) == len(bad) + 1, TIMEOUT, "event handler runs")
        runs = self.handler_runs(events)
        self.assertEqual(sorted(r for r in runs if r[0] == "FAILED"),
                         sorted(["FAILED", self.path("failed", n)] for n, _, _ in bad))
        self.assertEqual([r for r in runs if r[0] == "SENT"], [["SENT", self.path("sent", "good"), str(sub[0]["mr"])]])
        self.stop_daemon(d)


class TestTwoModems(DaemonTest):
    def test_parallel_and_failover(self):
        a = self.start_sim("a", "--send-delay-ms", "20")
        b = self.start_sim("b", "--send-delay-ms", "20")
        self.write_config(modems=("a", "b"))
        d = self.start_daemon()
        for i in range(40):
            self.drop("m%02d" % i, "To: 491701234567\n\nmessage %d" % i)
        wait_for(lambda: len(self.ls("sent")) == 40, TIMEOUT, "40 files in sent/")
        sa, sb = self.submits(a), self.submits(b)
        self.assertTrue(sa and sb, "both modems sent: a %d, b %d" % (len(sa), len(sb)))
        self.assertEqual(sorted(s["text"] for s in sa + sb), sorted("message %d" % i for i in range(40)))
        for i in range(40):
            h = headers_dict(split_file(read(self.path("sent", "m%02d" % i)))[0])
            self.assertIn(h["Modem"], ("a", "b"))

        # b's line drops mid-run: its work moves to a, nothing is lost.
        a.ctl("delay", "100")
        b.ctl("delay", "100")
        nb = len(b.events("submit"))
        for i in range(40, 80):
            self.drop("m%02d" % i, "To: 491701234567\n\nmessage %d" % i)
        wait_for(lambda: len(b.events("submit")) >= nb + 3, TIMEOUT, "b busy")
        b.ctl("drop")
        wait_for(lambda: len(self.ls("sent")) == 80, 60, "80 files in sent/")
        texts = [s["text"] for s in self.submits(a) + self.submits(b)]
        for i in range(80):
            self.assertIn("message %d" % i, texts)
        # At-least-once: at most the one submit in flight on b went out twice.
        self.assertLessEqual(len(texts) - 80, 1, sorted(texts))
        late = [s["text"] for s in self.submits(a)[len(sa):]]
        self.assertGreater(len(late), 20)
        # the final files are written before the queue copy goes: wait for it
        wait_for(lambda: self.ls("queue") == [], TIMEOUT, "queue/ empty: %r" % (self.ls("queue"),))
        self.assertEqual(self.ls("failed"), [])
        self.stop_daemon(d)


def deliver_pdu(sender, text, ref=0, total=0, seq=0):
    """An SMS-DELIVER (SMSC field first), GSM 7-bit, with a concatenation
    UDH when total is given. text: letters, digits, blanks, '.' and ','
    (the same code points in GSM 03.38 as in ASCII)."""
    digits = sender.lstrip("+")
    oa = "%02X91" % len(digits) + "".join((digits + "F")[i + 1] + (digits + "F")[i] for i in range(0, len(digits), 2))
    udh = bytes([5, 0, 3, ref, total, seq]) if total else b""
    start = (len(udh) * 8 + 6) // 7 * 7 if udh else 0  # septet boundary after the UDH
    ud = bytearray(udh) + bytearray((start + 7 * len(text) + 7) // 8 - len(udh))
    for i, ch in enumerate(text.encode("ascii")):
        for bit in range(7):
            if ch >> bit & 1:
                pos = start + 7 * i + bit
                ud[pos // 8] |= 1 << (pos % 8)
    udl = start // 7 + len(text)
    return ("0791947101670000" + ("44" if total else "04") + oa + "0000" + "62115220022200" + "%02X" % udl
            + ud.hex().upper())


class TestIncoming(DaemonTest):
    def incoming_files(self):
        out = []
        for n in self.ls("incoming"):
            lines, body = split_file(read(self.path("incoming", n)))
            out.append((n, headers_dict(lines), body.decode()))
        return out

    def assert_incoming(self, name, h, body, frm, text):
        self.assertEqual(body, text)
        self.assertEqual(h["From"], frm)
        self.assertEqual(h["From_TOA"], "91 international, ISDN/telephone")
        self.assertEqual(h["From_SMSC"], "491710760000")
        self.assertRegex(h["Sent"], "^" + DATE + "$")
        self.assertRegex(h["Received"], "^" + DATE + "$")
        self.assertEqual((h["Subject"], h["Modem"], h["Alphabet"], h["Length"]), ("a", "a", "UTF-8", str(len(text))))
        self.assertTrue(name.startswith("a."), name)

    def deleted(self, sim, index):
        return any(re.match(r"AT\+CMGD=%d(,0)?$" % index, c["line"].upper()) for c in sim.events("cmd"))

    def test_multipart_one_at_a_time_out_of_order(self):
        """Parts 3, 1, 2, each stored and deleted from the SIM before the next arrives."""
        sim = self.start_sim("a")
        self.write_config()
        d = self.start_daemon()
        words = ["Part %d of three, out of order." % i + " padding" * 12 for i in (1, 2, 3)]
        cmgd = lambda: [c for c in sim.events("cmd") if c["line"].upper().startswith("AT+CMGD=")]
        for k, seq in enumerate((3, 1, 2)):
            sim.ctl("inject-pdu", deliver_pdu("+4915112345678", words[seq - 1], ref=7, total=3, seq=seq))
            index = [e["index"] for e in sim.events("deliver")][-1]
            wait_for(lambda: len(cmgd()) == k + 1, TIMEOUT, "AT+CMGD %d; log:\n%s" % (k + 1, d.log()))
            self.assertTrue(self.deleted(sim, index))
            if seq != 2:
                self.assertEqual(self.ls("incoming"), [])
                self.assertEqual(len(self.ls("parts")), 1 if seq == 3 else 2)
        wait_for(lambda: len(self.ls("incoming")) == 1, TIMEOUT, "incoming file")
        (n, h, body), = self.incoming_files()
        self.assert_incoming(n, h, body, "4915112345678", "".join(words))
        self.assertEqual(self.ls("parts"), [])
        self.stop_daemon(d)

    def test_parts_kept_across_restart(self):
        """Parts 1 and 3 stored in parts/, smsgated restarted, then part 2:
        the parts read back from parts/ (by their file names) complete it."""
        sim = self.start_sim("a")
        self.write_config()
        d = self.start_daemon()
        words = ["Part %d of three, across a restart." % i + " padding" * 12 for i in (1, 2, 3)]
        for seq in (1, 3):
            sim.ctl("inject-pdu", deliver_pdu("+4915112345678", words[seq - 1], ref=77, total=3, seq=seq))
        wait_for(lambda: len(self.ls("parts")) == 2, TIMEOUT, "two parts stored; log:\n%s" % d.log())
        # a name that is not a part's is left alone
        with open(self.path("parts", "4915-x-1-2"), "w") as f:
            f.write("stray")
        self.stop_daemon(d)
        d = self.start_daemon()
        sim.ctl("inject-pdu", deliver_pdu("+4915112345678", words[1], ref=77, total=3, seq=2))
        wait_for(lambda: len(self.ls("incoming")) == 1, TIMEOUT, "incoming file; log:\n%s" % d.log())
        (n, h, body), = self.incoming_files()
        self.assert_incoming(n, h, body, "4915112345678", "".join(words))
        self.assertEqual(self.ls("parts"), ["4915-x-1-2"])
        self.stop_daemon(d)

    def test_multipart_burst_reversed(self):
        """Three +CMTI at once: each AT+CMGR answer belongs to its own slot,
        every part is read and deleted only after it was stored."""
        sim = self.start_sim("a")
        self.write_config()
        d = self.start_daemon()
        r = sim.ctl("inject", "--from", "+4915112345678", "--reverse", LONG)
        self.assertEqual(len(r["parts"]), 3)
        wait_for(lambda: len(self.ls("incoming")) == 1, 5, "incoming file")
        (n, h, body), = self.incoming_files()
        self.assert_incoming(n, h, body, "4915112345678", LONG)
        self.stop_daemon(d)

    def test_single_part_and_events(self):
        sim = self.start_sim("a")
        script, events = self.handler()
        self.write_config(eventhandler=script)
        d = self.start_daemon()
        sim.ctl("inject", "--from", "+4930999", "single part ✓")
        wait_for(lambda: len(self.ls("incoming")) == 1, TIMEOUT, "incoming file")
        (n, h, body), = self.incoming_files()
        self.assert_incoming(n, h, body, "4930999", "single part ✓")
        index = [e["index"] for e in sim.events("deliver")][-1]
        wait_for(lambda: self.deleted(sim, index), TIMEOUT, "AT+CMGD=%d" % index)

        # SENT and FAILED events with their arguments.
        self.drop("ok.sms", "To: 491701234567\n\nhello")
        self.wait_file("sent", "ok.sms")
        sim.ctl("cms-error", "304", "1")
        self.drop("bad.sms", "To: 491701234567\n\nrefused by the modem")
        self.wait_file("failed", "bad.sms")
        wait_for(lambda: len(self.handler_runs(events)) == 3, TIMEOUT, "3 event handler runs")
        mr = self.submits(sim)[0]["mr"]
        self.assertEqual(self.handler_runs(events), [["RECEIVED", self.path("incoming", n)],
                                                     ["SENT", self.path("sent", "ok.sms"), str(mr)],
                                                     ["FAILED", self.path("failed", "bad.sms")]])
        self.assertRegex(d.log(), "eventhandler .* FAILED|")
        self.stop_daemon(d)


class TestReports(DaemonTest):
    def report_files(self):
        out = []
        for n in self.ls("incoming"):
            lines, body = split_file(read(self.path("incoming", n)))
            if body.startswith(b"SMS STATUS REPORT"):
                out.append((headers_dict(lines), body.decode()))
        return out

    def test_delivered_and_failed(self):
        sim = self.start_sim("a")
        self.write_config()
        d = self.start_daemon()
        self.drop("r1", "To: 491701234567\nReport: yes\n\nplease confirm")
        rec = self.wait_record("r1", "delivered")
        mr = self.submits(sim, 1)[0]["mr"]
        self.assertEqual((rec["Report_status"], rec["Mr"]), ("0", str(mr)))
        wait_for(lambda: len(self.report_files()) == 1, TIMEOUT, "report file")
        h, body = self.report_files()[0]
        self.assertEqual(h["From"], "491701234567")
        self.assertEqual(body.split("\n"), ["SMS STATUS REPORT", "Message_id: %d" % mr,
                                            body.split("\n")[2], "Status: 0,Ok,short message received by the SME"])
        self.assertRegex(body.split("\n")[2], "^Discharge_timestamp: " + DATE + "$")

        sim.ctl("report-status", "70")
        self.drop("r2", "To: 491701234567\nReport: yes\n\nwill expire")
        rec = self.wait_record("r2", "failed")
        mr2 = self.submits(sim, 2)[1]["mr"]
        self.assertEqual(rec["Report_status"], "70")
        self.assertEqual(rec["Last_error"], "status report: Error,SM validity period expired (TP-ST 70)")
        wait_for(lambda: len(self.report_files()) == 2, TIMEOUT, "2 report files")
        bodies = [b for _, b in self.report_files()]
        self.assertTrue(any("Message_id: %d\n" % mr2 in b and b.endswith("Status: 70,Error,SM validity period expired")
                            for b in bodies), bodies)
        # The message itself went out: its file stays in sent/.
        self.assertEqual(self.ls("sent"), ["r1", "r2"])
        self.stop_daemon(d)


class TestRetries(DaemonTest):
    def test_temporary_then_sent(self):
        sim = self.start_sim("a")
        self.write_config()
        d = self.start_daemon()
        sim.ctl("cms-error", "38", "2")
        self.drop("t1", "To: 491701234567\n\nretried")
        self.wait_file("sent", "t1", timeout=30)
        subs = self.submits(sim, result=None)
        self.assertEqual([s["result"] for s in subs], ["+CMS ERROR: 38", "+CMS ERROR: 38", "ok"])
        self.assertEqual({s["text"] for s in subs}, {"retried"})
        rec = self.wait_record("t1", "sent")
        self.assertEqual(rec["Attempts"], "2")
        self.assertIn("+CMS ERROR 38: network out of order; try 2 again in 1 s", d.log())
        self.assertIn("try 3 again in 2 s", d.log())

        sim.ctl("cms-error", "304", "1")
        self.drop("p1", "To: 491701234567\n\npermanent")
        got = self.wait_file("failed", "p1")
        lines, body = split_file(got)
        h = headers_dict(lines)
        self.assertEqual(h["Fail_reason"], "+CMS ERROR 304: invalid PDU mode parameter")
        self.assertEqual((h["Modem"], h["IMSI"], h["IMEI"], body), ("a", IMSI, IMEI, b"permanent"))
        self.assertEqual(lines[:1], [b"To: 491701234567"])
        self.assertEqual(len([s for s in self.submits(sim, result=None) if s["text"] == "permanent"]), 1)
        rec = self.wait_record("p1", "failed")
        self.assertEqual(rec["Last_error"], "+CMS ERROR 304: invalid PDU mode parameter")
        self.stop_daemon(d)

    def old_queue_file(self, data, age_s):
        """A message accepted age_s ago (its ID says when) and still queued."""
        ms = int((time.time() - age_s) * 1000)
        mid = "%011x%09x" % (ms, 0x123456789)
        os.makedirs(self.path("queue"), exist_ok=True)
        with open(self.path("queue", mid), "wb") as f:
            f.write(data)
        return mid

    def test_validity_expires_without_a_modem(self):
        # No simulator: the modem never comes up, and the message must not wait forever.
        self.write_config()
        mid = self.old_queue_file(b"To: 491701234567\nValidity: 5 min\n\ntoo late", 600)
        fresh = self.old_queue_file(b"To: 491701234567\nValidity: 1 day\n\nstill valid", 1)
        d = self.start_daemon(wait_ready=False)
        got = self.wait_file("failed", mid)
        h = headers_dict(split_file(got)[0])
        self.assertEqual(h["Fail_reason"], "expired: its validity ran out before it could be sent")
        rec = self.wait_record(mid, "failed")
        self.assertEqual(rec["Last_error"], "expired: its validity ran out before it could be sent")
        self.assertEqual(self.ls("queue"), [fresh])
        self.stop_daemon(d)

    def test_validity_expired_when_modem_returns(self):
        sim = self.start_sim("a")
        self.write_config()
        mid = self.old_queue_file(b"To: 491701234567\nValidity: 5 min\n\ntoo late", 600)
        d = self.start_daemon()
        self.drop("ok", "To: 491701234567\nValidity: 5 min\n\nin time")
        self.wait_file("failed", mid)
        self.wait_file("sent", "ok")
        self.assertEqual([s["text"] for s in self.submits(sim, result=None)], ["in time"])
        self.stop_daemon(d)


class TestCrashStates(DaemonTest):
    """The spool as a kill -9 leaves it at each step of finishing a sent
    message: the next start completes it under the name decided before
    the crash and never submits it again (tests/integration/crash does
    the same at random moments; this pins each step)."""

    def queued(self, mid, name, text, state=None, final=None, where="queue"):
        os.makedirs(self.path("queue"), exist_ok=True)
        os.makedirs(self.path("status"), exist_ok=True)
        with open(self.path("queue", mid), "wb") as f:
            f.write(("To: 491701234567\n\n" + text).encode())
        if state:
            rec = ["Id: " + mid, "Name: " + name, "To: " + NUMBER, "State: " + state, "Report: no",
                   "Attempts: 0", "Parts: 1"] + (["Parts_done: 1", "Mr: 77", "Modem: a"] if state == "sent" else
                   ["Parts_done: 0", "Mr:", "Modem: "]) + ["Last_error: ",
                   "Report_status: -1"] + (["Final: " + final] if final else []) + [
                   "Created: 1795579774", "Updated: 1795579782", "Sent_at: 1795579782",
                   "Done_at: 1795579782", "Next_try: 0"]
            with open(self.path(where, mid + ".st"), "w") as f:
                f.write("\n".join(rec) + "\n")

    def test_every_step_of_finishing(self):
        sim = self.start_sim("a")
        self.write_config()
        os.makedirs(self.path("sent"), exist_ok=True)
        # 1: decided (record says sent, name chosen), final file not written yet
        self.queued("1a210e507f5100000001", "one", "one", "sent", "one")
        # 2: final file written, record not moved yet
        self.queued("1a210e507f5100000002", "two", "two", "sent", "two")
        with open(self.path("sent", "two"), "wb") as f:
            f.write(b"To: 491701234567\nModem: a\n\ntwo")
        # 3: its own name belonged to another message: the decided name is kept
        self.queued("1a210e507f5100000003", "three", "three", "sent", "three.1a210e507f5100000003")
        with open(self.path("sent", "three"), "wb") as f:
            f.write(b"another message's file")
        # 4: record moved to status/, the queue copy not yet unlinked
        self.queued("1a210e507f5100000004", "four", "four", "sent", "four", where="status")
        with open(self.path("sent", "four"), "wb") as f:
            f.write(b"To: 491701234567\nModem: a\n\nfour")
        # 5: still queued (sent by the modem, or not: the record says queued): sent now
        self.queued("1a210e507f5100000005", "five", "five", "queued")
        d = self.start_daemon()
        self.wait_file("sent", "five")
        wait_for(lambda: self.ls("queue") == [], TIMEOUT, "queue/ empty: %r" % (self.tree(),))
        self.assertEqual([e["text"] for e in self.submits(sim, result=None)], ["five"])
        self.assertEqual(self.ls("sent"), ["five", "four", "one", "three", "three.1a210e507f5100000003", "two"])
        self.assertEqual(read(self.path("sent", "three")), b"another message's file")
        for name in ("one", "two", "three.1a210e507f5100000003"):
            h = headers_dict(split_file(read(self.path("sent", name)))[0])
            self.assertEqual((h["To"], h["Modem"], h["Message_id"]), ("491701234567", "a", "77"), name)
        for n in range(1, 6):
            rec = headers_dict(read(self.path("status", "1a210e507f510000000%d.st" % n)).rstrip(b"\n").split(b"\n"))
            self.assertEqual(rec["State"], "sent")
        self.assertEqual(self.record("three")["Final"], "three.1a210e507f5100000003")
        self.assertEqual(self.record("five")["Final"], "five")
        self.stop_daemon(d)


class TestDisk(DaemonTest):
    def mount_tmpfs(self, size):
        mnt = os.path.join(self.dir, "mnt")
        os.mkdir(mnt)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", mnt],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            self.skipTest("cannot mount a tmpfs (need root): %s" % r.stdout.decode().strip())
        self.addCleanup(subprocess.run, ["umount", "-l", mnt])
        return mnt

    def fill(self, path):
        """Writes until the file system is full."""
        with open(path, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError as e:
                self.assertEqual(e.errno, 28)

    def test_full_disk_loses_nothing(self):
        mnt = self.mount_tmpfs("512k")
        self.spool = os.path.join(mnt, "spool")
        self.tmp = os.path.join(mnt, "tmp")
        os.mkdir(self.tmp)
        sim = self.start_sim("a")
        sim.ctl("deregister")
        self.write_config()
        d = self.start_daemon(wait_ready=False)
        wait_for(lambda: self.status(), TIMEOUT, "status.json")
        for i in range(10):
            self.drop("f%d" % i, "To: 491701234567\n\nfull disk %d" % i)
        wait_for(lambda: len([n for n in self.ls("queue") if not n.endswith(".st")]) == 10 and not self.ls("outgoing"),
                 TIMEOUT, "10 messages queued: %r" % (self.tree(),))
        # Accepted; now the disk fills up, and files dropped now cannot get in.
        self.fill(os.path.join(mnt, "filler"))
        with self.assertRaises(OSError):
            self.drop("late", "To: 491701234567\n\n" + "x" * 5000)
        sim.ctl("register")
        self.submits(sim, 10)
        d.wait_log(r"No space left on device", 1)
        self.assertEqual(self.ls("sent"), [])
        self.assertEqual(len([n for n in self.ls("queue") if not n.endswith(".st")]), 10)
        os.unlink(os.path.join(mnt, "filler"))
        wait_for(lambda: len(self.ls("sent")) == 10, TIMEOUT, "10 files in sent/: %r" % (self.tree(),))
        self.assertEqual(sorted(s["text"] for s in self.submits(sim)), sorted("full disk %d" % i for i in range(10)))
        # the final files are written before the queue copy goes: wait for it
        wait_for(lambda: self.ls("queue") == [], TIMEOUT, "queue/ empty: %r" % (self.ls("queue"),))
        self.assertEqual(self.ls("failed"), [])
        self.stop_daemon(d)

    def test_read_only_spool(self):
        mnt = self.mount_tmpfs("1m")
        self.spool = os.path.join(mnt, "spool")
        self.write_config()
        d = self.start_daemon(wait_ready=False)
        wait_for(lambda: self.status(), TIMEOUT, "status.json")
        self.stop_daemon(d)
        subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
        d = Daemon(self.conf, self.dir)
        rc = d.proc.wait(TIMEOUT)
        d.log_file.close()
        self.assertEqual(rc, 1, d.log())
        self.assertIn("Read-only file system", d.log())
        self.assertIn(self.spool, d.log())

    def test_spool_not_writable_for_user(self):
        if not shutil.which("setpriv"):
            self.skipTest("no setpriv")
        os.chmod(self.dir, 0o755)
        self.write_config()
        d = self.start_daemon(wait_ready=False)
        wait_for(lambda: self.status(), TIMEOUT, "status.json")
        self.stop_daemon(d)
        d = Daemon(self.conf, self.dir, user="nobody")
        rc = d.proc.wait(TIMEOUT)
        d.log_file.close()
        self.assertEqual(rc, 1, d.log())
        self.assertIn("Permission denied", d.log())
        self.assertIn(self.spool, d.log())


class TestSignals(DaemonTest):
    def test_reload(self):
        sim = self.start_sim("a")
        sim.ctl("deregister")
        self.write_config()
        d = self.start_daemon(wait_ready=False)
        wait_for(lambda: self.status(), TIMEOUT, "status.json")
        for i in range(3):
            self.drop("h%d" % i, "To: 491701234567\n\nreload %d" % i)
        wait_for(lambda: (self.status() or {}).get("queued") == 3, TIMEOUT, "3 queued")
        self.assertNotIn("claimed as", d.log())
        self.write_config(log_level="debug")
        d.signal(signal.SIGHUP)
        d.wait_log(r"config reloaded from .* \(1 modems, unchanged\)")
        self.drop("h3", "To: 491701234567\n\nreload 3")
        d.wait_log(r"outgoing/h3 claimed as")  # debug now
        wait_for(lambda: (self.status() or {}).get("queued") == 4, TIMEOUT, "4 queued")

        # A broken config is refused with FILE:LINE; the running one stays.
        with open(self.conf, "a") as f:
            f.write("bogus_key = 1\n")
        lineno = len(read(self.conf, "r").splitlines())
        d.signal(signal.SIGHUP)
        d.wait_log(r"reload refused, the running config stays: %s:%d: " % (re.escape(self.conf), lineno))
        sim.ctl("register")
        wait_for(lambda: len(self.ls("sent")) == 4, TIMEOUT, "4 sent")
        self.assertEqual(sorted(s["text"] for s in self.submits(sim)), ["reload %d" % i for i in range(4)])

        # A changed modem section restarts the modem; a submit in flight goes back to the queue.
        self.write_config(log_level="debug")
        sim.ctl("delay", "1500")
        self.drop("h4", "To: 491701234567\n\nin flight at reload")
        d.wait_log(r"modem a: ready -> sending")
        with open(self.conf, "a") as f:
            f.write("submit_timeout = 30\n")
        d.signal(signal.SIGHUP)
        d.wait_log(r"config reloaded from .* \(1 modems, restarting them\)")
        sim.ctl("delay", "0")
        self.wait_file("sent", "h4", timeout=30)
        d.wait_log(r"modems restarted with the reloaded settings")
        self.assertNotIn("line closed", d.log())
        self.drop("h5", "To: 491701234567\n\nafter reload")
        self.wait_file("sent", "h5")
        # the final files are written before the queue copy goes: wait for it
        wait_for(lambda: self.ls("queue") == [], TIMEOUT, "queue/ empty: %r" % (self.ls("queue"),))
        self.assertEqual([s["text"] for s in self.submits(sim, result=None)][4:], ["in flight at reload", "after reload"])
        self.assertEqual(self.record("h4")["Attempts"], "0")
        self.stop_daemon(d)

    def test_sigterm_waits_for_submit_in_flight(self):
        sim = self.start_sim("a", "--send-delay-ms", "2000")
        self.write_config()
        d = self.start_daemon()
        self.drop("slow", "To: 491701234567\n\nslow submit")
        d.wait_log(r"modem a: ready -> sending")
        self.drop("next", "To: 491701234567\n\nnot started")
        wait_for(lambda: "next" not in self.ls("outgoing"), TIMEOUT, "claimed")
        t0 = time.monotonic()
        self.stop_daemon(d)
        self.assertGreater(time.monotonic() - t0, 1.0)
        self.assertIn("stopping: waiting for the submits in flight", d.log())
        self.assertIn("smsgated stopped; 1 message(s) stay queued", d.log())
        self.assertEqual(self.ls("sent"), ["slow"])
        self.assertEqual([s["text"] for s in self.submits(sim)], ["slow submit"])
        self.assertEqual(len([n for n in self.ls("queue") if not n.endswith(".st")]), 1)


class TestCli(DaemonTest):
    def cli(self, *args):
        return subprocess.run([SMSGATE] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=TIMEOUT)

    def test_send_while_down_status_check_config(self):
        sim = self.start_sim("a")
        self.write_config()
        d = self.start_daemon()  # makes the spool
        self.stop_daemon(d)
        r = self.cli("send", "-c", self.conf, "--flash", "--report", "+491701234567", "sent", "while", "down")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^queued %s/send-[0-9a-f]{20} \(1 part, gsm7\)\n$" % re.escape(self.path("outgoing")))
        name = self.ls("outgoing")[0]
        self.assertEqual(read(self.path("outgoing", name)),
                         b"To: +491701234567\nFlash: yes\nReport: yes\nAlphabet: UTF-8\n\nsent while down")
        r = self.cli("send", "-c", self.conf, "12ab", "x")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.ls("outgoing"), [name])

        d = self.start_daemon()
        self.wait_file("sent", name)
        sub = self.submits(sim, 1)[0]
        self.assertEqual((sub["to"], sub["text"], sub["class"], sub["srr"]), (NUMBER, "sent while down", 0, True))
        r = self.cli("status", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"modem a: (ready|sending), SIM READY, registration 1, signal -71 dBm \(CSQ 21\), "
                                   r"Simulated Network\n")
        self.stop_daemon(d)

        broken = os.path.join(self.dir, "broken.conf")
        with open(broken, "w") as f:
            f.write("[gateway]\nspool = %s\n\n[modem a]\nbaud = fast\n" % self.spool)
        r = self.cli("check-config", "-c", broken)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^%s:5: " % re.escape(broken))
        r = self.cli("check-config", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)


class TestRetention(DaemonTest):
    def test_count_and_age(self):
        """keep_sent = 3, keep_days = 30: of 5 files 40 days old and 5 new
        ones in sent/, the 3 newest stay; failed/ keeps its new files and
        loses the old one; queue/ and outgoing/ are never touched."""
        now = time.time()
        for d in ("sent", "failed", "outgoing"):
            os.makedirs(self.path(d), exist_ok=True)
        for i in range(10):
            p = self.path("sent", "s%02d" % i)
            with open(p, "w") as f:
                f.write("To: 491701234567\n\nold %d\n" % i)
            age = 40 * 86400 if i < 5 else (10 - i) * 60
            os.utime(p, (now - age, now - age))
        for name, age in (("f-old", 40 * 86400), ("f-new", 60)):
            p = self.path("failed", name)
            with open(p, "w") as f:
                f.write("x\n")
            os.utime(p, (now - age, now - age))
        self.start_sim("a")
        self.write_config(keep_sent="3", keep_failed="10", keep_days="30")
        d = self.start_daemon()
        wait_for(lambda: len(self.ls("sent")) == 3, TIMEOUT, "sent/ trimmed to 3: %r" % (self.ls("sent"),))
        self.assertEqual(self.ls("sent"), ["s07", "s08", "s09"])
        self.assertEqual(self.ls("failed"), ["f-new"])
        self.assertIn("retention: removed 7 sent, 1 failed", d.log())
        self.stop_daemon(d)


if __name__ == "__main__":
    unittest.main()
