#!/usr/bin/python3
"""Crash safety of smsgated (DESIGN.md, Spool): kill -9 at random moments
while messages flow through smsgate-modemsim, restart, and check that no
accepted message is lost and that duplicates stay within the documented
window (one message per modem per crash).

  crash-kill9: 1,000 smstools3 files renamed into outgoing/ while the
  daemon is killed at least 20 times (seeded, printed; CRASH_SEED=N
  repeats a schedule); then every text must be in sent/ and in the
  simulator's log as an accepted submit.

  multipart: a 4-part message killed between parts: the parts already
  acknowledged are not sent again (progress is saved per part).

Every wait is on an event (a file, a log line, a process exit); only the
kill instants are random, on purpose."""

import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from daemonlib import SMSGATED, drop
from simlib import LogTail, Sim, wait_for

MESSAGES = int(os.environ.get("CRASH_MESSAGES", "1000"))
MIN_KILLS = int(os.environ.get("CRASH_KILLS", "25"))
MAX_KILLS = int(os.environ.get("CRASH_MAX_KILLS", "60"))
SEND_DELAY_MS = os.environ.get("CRASH_SEND_DELAY_MS", "3")
DRAIN_TIMEOUT = float(os.environ.get("CRASH_DRAIN_TIMEOUT", "120"))
NUMBER = "491701234567"


class Daemon:
    """smsgated in its own session, stdout and stderr appended to one log
    across restarts."""

    def __init__(self, conf, logpath):
        self.conf = conf
        self.logpath = logpath
        self.p = None
        self.starts = 0

    def start(self):
        with open(self.logpath, "ab") as log:
            log.write(b"---- start %d\n" % self.starts)
            log.flush()
            self.p = subprocess.Popen([SMSGATED, "-c", self.conf], stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def kill9(self):
        """True when a running daemon was killed; its exit is waited for."""
        if not self.alive():
            return False
        os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait()
        return True

    def stop(self, timeout=30):
        if not self.alive():
            return self.p.returncode if self.p else None
        self.p.send_signal(signal.SIGTERM)
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return "hung on SIGTERM"

    def log_tail(self, n=6000):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode(errors="replace")[-n:]
        except OSError:
            return ""


def write_conf(d, spool, devices):
    conf = os.path.join(d, "smsgated.conf")
    with open(conf, "w") as f:
        f.write("[gateway]\nspool = %s\nlog_level = info\nretry_base = 1\nretry_cap = 2\nretry_max = 0\n" % spool)
        for i, dev in enumerate(devices):
            f.write("\n[modem m%d]\ndevice = %s\n" % (i + 1, dev))
    return conf


def text_of(path):
    """The text of an smstools3 file: everything after the first blank line."""
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", errors="replace")
    return data.split("\n\n", 1)[1] if "\n\n" in data else None


def listdir(path):
    try:
        return [n for n in os.listdir(path) if not n.startswith(".")]
    except FileNotFoundError:
        return []


class CrashTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="crash-")
        self.keep = False
        self.spool = os.path.join(self.dir, "spool")
        self.drops = os.path.join(self.dir, "drops")       # same file system as outgoing/
        os.mkdir(self.spool)
        os.mkdir(self.drops)
        self.outgoing = os.path.join(self.spool, "outgoing")
        os.mkdir(self.outgoing)   # exists before the first start, as with smstools3
        self.sim = None
        self.gw = None
        self.addCleanup(self.cleanup)

    def cleanup(self):
        if self.gw:
            self.gw.stop()
        if self.sim:
            self.sim.close()
        if self.keep or os.environ.get("CRASH_KEEP"):
            print("work directory kept: " + self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def start_sim(self, send_delay_ms):
        self.sim = Sim("--send-delay-ms", str(send_delay_ms), workdir=self.dir)
        return self.sim

    def start_gw(self):
        conf = write_conf(self.dir, self.spool, [self.sim.link])
        self.gw = Daemon(conf, os.path.join(self.dir, "smsgated.log"))
        self.gw.start()
        return self.gw

    def drop(self, name, text):
        drop(self.outgoing, self.drops, name, "To: %s\n\n%s" % (NUMBER, text))

    def fail_with_logs(self, msg):
        self.keep = True
        self.fail("%s\n--- smsgated log (tail):\n%s" % (msg, self.gw.log_tail()))

    def wait_drained(self, timeout=DRAIN_TIMEOUT):
        queue = os.path.join(self.spool, "queue")
        sent = os.path.join(self.spool, "sent")
        try:
            wait_for(lambda: not self.gw.alive() or (not listdir(self.outgoing) and not listdir(queue)
                                                      and listdir(sent)),
                     timeout=timeout, what="outgoing/ and queue/ to empty")
        except AssertionError as e:
            self.fail_with_logs("%s: outgoing/ %d, queue/ %d, sent/ %d files left" % (
                e, len(listdir(self.outgoing)), len(listdir(queue)), len(listdir(sent))))
        if not self.gw.alive():
            self.fail_with_logs("smsgated exited by itself with status %r" % self.gw.p.returncode)

    def final_files(self):
        sent = {}
        for n in listdir(os.path.join(self.spool, "sent")):
            t = text_of(os.path.join(self.spool, "sent", n))
            sent.setdefault(t, []).append(n)
        failed = {n: open(os.path.join(self.spool, "failed", n), "rb").read()[:300]
                  for n in listdir(os.path.join(self.spool, "failed"))}
        return sent, failed

    # ------------------------------------------------------------------
    def test_kill9_1000(self):
        seed = int(os.environ.get("CRASH_SEED", str(random.SystemRandom().randrange(1 << 32))))
        print("\ncrash-kill9: seed=%d (CRASH_SEED=%d repeats this schedule) messages=%d min_kills=%d "
              "send_delay_ms=%s" % (seed, seed, MESSAGES, MIN_KILLS, SEND_DELAY_MS), flush=True)
        drop_rng = random.Random(seed)
        kill_rng = random.Random(seed ^ 0x5eed)
        texts = ["crash test #%04d" % i for i in range(MESSAGES)]
        sim = self.start_sim(SEND_DELAY_MS)
        gw = self.start_gw()

        dropped = [0]
        drop_error = []

        def dropper():
            # Batches of 1..30 files with pauses of 0..120 ms: about 250 files
            # a second, more than one modem drains, so a backlog builds up and
            # kills find work in every stage (intake, queue, submit, finish).
            try:
                i = 0
                while i < MESSAGES:
                    for _ in range(drop_rng.randint(1, 30)):
                        if i >= MESSAGES:
                            break
                        self.drop("crash-%04d" % i, texts[i])
                        i += 1
                        dropped[0] = i
                    time.sleep(drop_rng.uniform(0, 0.12))
            except Exception as e:   # reported by the main thread
                drop_error.append(e)

        th = threading.Thread(target=dropper, daemon=True)
        th.start()

        queue = os.path.join(self.spool, "queue")
        kills = 0
        busy_kills = 0          # kills while something was queued or in outgoing/
        schedule = []
        t0 = time.monotonic()
        while True:
            pending = bool(listdir(self.outgoing) or listdir(queue))
            if kills >= MIN_KILLS and not th.is_alive() and (not pending or kills >= MAX_KILLS):
                break
            delay = kill_rng.uniform(0.02, 0.4)
            time.sleep(delay)
            if not gw.alive():
                self.fail_with_logs("smsgated exited by itself with status %r after %d kills" % (
                    gw.p.returncode, kills))
            pending = bool(listdir(self.outgoing) or listdir(queue))
            if gw.kill9():
                kills += 1
                busy_kills += pending
                schedule.append(round(delay, 3))
            gw.start()
        th.join()
        if drop_error:
            raise drop_error[0]
        print("crash-kill9: %d kills (%d with work pending) in %.1f s; intervals %s" % (
            kills, busy_kills, time.monotonic() - t0, schedule), flush=True)

        self.wait_drained()
        elapsed = time.monotonic() - t0
        sent, failed = self.final_files()

        submits = {}
        aborted = 0
        for e in sim.events("submit"):
            if e.get("result") == "ok":
                submits[e.get("text")] = submits.get(e.get("text"), 0) + 1
            elif e.get("result") == "aborted":
                aborted += 1
        lost = [t for t in texts if t not in sent]
        not_submitted = [t for t in texts if t not in submits]
        duplicates = sum(submits.get(t, 0) - 1 for t in texts if submits.get(t, 0) > 1)
        dup_texts = sorted(t for t in texts if submits.get(t, 0) > 1)
        sent_files = sum(len(v) for v in sent.values())
        strangers = sorted(t for t in submits if t not in set(texts))
        print("lost=%d duplicates=%d kills=%d" % (len(lost), duplicates, kills))
        print("crash-kill9: texts submitted more than once: %d %s; sent/ files %d for %d texts; "
              "failed/ %d; submits aborted by the simulator %d; %.1f s in all" % (
                  len(dup_texts), dup_texts[:10], sent_files, len(sent), len(failed), aborted, elapsed),
              flush=True)

        rc = gw.stop()
        problems = []
        if lost:
            problems.append("%d texts never reached sent/: %s" % (len(lost), lost[:20]))
        if not_submitted:
            problems.append("%d texts never submitted with result ok: %s" % (len(not_submitted),
                                                                             not_submitted[:20]))
        if failed:
            problems.append("%d files in failed/: %s" % (len(failed), list(failed.items())[:5]))
        if strangers:
            problems.append("submits of texts nobody dropped: %s" % strangers[:5])
        if duplicates > kills:
            problems.append("%d duplicate submits for %d kills (the window is one per modem per crash)" % (
                duplicates, kills))
        if kills < 20:
            problems.append("only %d kills" % kills)
        if rc != 0:
            problems.append("smsgated exit status on SIGTERM: %r" % rc)
        if problems:
            self.fail_with_logs("seed %d:\n  " % seed + "\n  ".join(problems))

    # ------------------------------------------------------------------
    def multipart(self, kill_on, restart_at_once):
        """A 4-part message, smsgated killed around part 1's +CMGS; the
        simulator takes 300 ms per submit, so the kill lands with a part in
        flight."""
        parts = 4
        head = "multipart crash %s: " % kill_on
        # 153 septets per part (TS 23.040 with an 8-bit concatenation UDH): 3 full parts and a short one.
        text = (head + "".join("%03d-" % i for i in range(200)))[:153 * (parts - 1) + 50]
        sim = self.start_sim(300)
        tail = LogTail(sim.log_path)
        gw = self.start_gw()
        self.drop("long", text)

        def is_part(seq):
            return lambda e: (e.get("ev") == "submit" and e.get("result") == "ok"
                              and (e.get("udh") or {}).get("seq") == seq)

        tail.wait(is_part(1), 30, "part 1 in the simulator's log")
        if kill_on == "after part 1 was acknowledged":
            # The AT+CMGS of part 2 goes out only after part 1's +CMGS was
            # taken and the progress saved: kill while part 2 is in flight.
            tail.wait(lambda e: e.get("ev") == "cmd" and e.get("line", "").startswith("AT+CMGS="), 30,
                      "the AT+CMGS of part 2")
        self.assertTrue(gw.kill9(), "smsgated was not running at the kill")
        self.assertEqual(listdir(os.path.join(self.spool, "sent")), [], "the message finished before the kill")
        if not restart_at_once and kill_on == "after part 1 was acknowledged":
            # The simulator finishes the submit in flight (it does not see the
            # client go); its late "+CMGS: 1 OK" then sits in the pty's input
            # and the next open flushes it.
            # If the kill landed between AT+CMGS= and the PDU (the prompt's
            # round trip, longer on a loaded machine), no submit is in flight
            # and there is nothing to wait for: the restart may go ahead.
            try:
                tail.wait(is_part(2), 5, "the end of part 2's submit")
            except AssertionError:
                pass
        t_restart = time.monotonic()
        gw.start()
        # Wall time is not what is tested; 30 s is half the submit timeout and
        # ten times what this message needs.
        self.wait_drained(30)
        took = time.monotonic() - t_restart
        sent, failed = self.final_files()
        self.assertEqual(failed, {})
        self.assertIn(text, sent, "the message is not in sent/ with its whole text")

        subs = [e for e in sim.events("submit") if e.get("result") == "ok"]
        counts = {}
        for e in subs:
            udh = e.get("udh") or {}
            self.assertEqual(udh.get("total"), parts, e)
            counts[udh["seq"]] = counts.get(udh["seq"], 0) + 1
        refs = {(e.get("udh") or {}).get("ref") for e in subs}
        joined = {}
        for e in subs:
            joined[e["udh"]["seq"]] = e["text"]
        print("\nmultipart, kill %s, restart %s: submits per part %s (total %d for %d parts), done %.1f s "
              "after the restart" % (kill_on, "at once" if restart_at_once else "after the submit in flight ended",
                                     dict(sorted(counts.items())), len(subs), parts, took), flush=True)
        self.assertEqual(len(refs), 1, "the parts must share one concatenation reference: %s" % refs)
        self.assertEqual("".join(joined[s] for s in range(1, parts + 1)), text)
        self.assertEqual(sorted(counts), list(range(1, parts + 1)))
        self.assertLessEqual(len(subs), parts + 1, "more than the part in flight was sent again: %s" % counts)
        if kill_on == "after part 1 was acknowledged":
            self.assertEqual(counts[1], 1, "part 1 was acknowledged and saved, yet sent again: %s" % counts)
        self.assertEqual(gw.stop(), 0)

    def test_multipart_kill_after_part1_acknowledged(self):
        self.multipart("after part 1 was acknowledged", restart_at_once=False)

    def test_multipart_kill_as_part1_is_acknowledged(self):
        self.multipart("as part 1's +CMGS goes out", restart_at_once=True)

    def test_multipart_restart_while_part_in_flight(self):
        """A supervisor (procd, systemd) restarts the daemon within
        milliseconds, while the modem is still working on the part the
        dead process had submitted: its late +CMGS/OK must not be taken
        for the answer to the new process's first commands."""
        self.multipart("after part 1 was acknowledged", restart_at_once=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
