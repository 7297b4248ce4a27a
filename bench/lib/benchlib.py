"""What bench/queue and bench/http share: a work directory with its
simulators and processes (Bench), smsgated and smstools3's smsd started
on them, the simulator's timestamps, and the latency summary.

Needs PYTHONPATH with tests/integration (simlib, clients, daemonlib), as
run.sh sets it; SMSGATED and SMSGATE_MODEMSIM name the built programs."""

import calendar
import json
import os
import shutil
import socket
import statistics
import tempfile
import time

from clients import Proc
from daemonlib import SMSGATED, drop
from simlib import Sim, wait_for

SMSD = os.environ.get("SMSD", "/usr/sbin/smsd")
NUMBER = "491701234567"

# smsd tuned for latency (docs/BENCHMARKS.md says why these): the smallest
# delays, and no per-message network check. SMSD_TUNED overrides it (lines
# separated by ";"; SMSD_TUNED_MODEM for the [GSM1] section).
TUNED_SMSD = os.environ.get("SMSD_TUNED", "delaytime = 0;delaytime_mainprocess = 0").replace(";", "\n") + "\n"
TUNED_SMSD_MODEM = os.environ.get("SMSD_TUNED_MODEM", "check_network = 0").replace(";", "\n") + "\n"


def ts_epoch(ts):
    """"2026-11-25T02:14:45.950Z" -> seconds since the epoch (float)."""
    base, frac = ts.rstrip("Z").split(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) + int(frac) / 1000.0


def is_cmd(prefix):
    """A predicate on the simulator's log: the command line the modem got starts with prefix."""
    return lambda e: e.get("ev") == "cmd" and e.get("line", "").upper().startswith(prefix)


def wait_smsd_init(tail):
    """smsd has initialised the modem when it asks for the IMSI, its last step."""
    tail.wait(is_cmd("AT+CIMI"), 60, "smsd to initialise the modem")


def cmd_latency_ms(e, t0):
    """From t0 (time.time()) to the command of log event e, in ms: ts is
    truncated to the ms, so the command arrived within [ts, ts + 1 ms)."""
    return (ts_epoch(e["ts"]) + 0.0005 - t0) * 1000.0


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a list of numbers."""
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))
    return v[k]


def result(res):
    """The line run.sh reads: "RESULT {json}"."""
    print("RESULT " + json.dumps(res), flush=True)


def report_latency(bench, label, impl, lat):
    """Prints the summary of latencies (ms) and its RESULT line."""
    res = {"bench": bench, "impl": impl, "n": len(lat), "p50_ms": statistics.median(lat),
           "p90_ms": percentile(lat, 90), "p99_ms": percentile(lat, 99), "min_ms": min(lat),
           "max_ms": max(lat), "mean_ms": statistics.fmean(lat)}
    print("%s %s: n=%d p50=%.1f ms p90=%.1f ms p99=%.1f ms min=%.1f max=%.1f" % (
        label, impl, len(lat), res["p50_ms"], res["p90_ms"], res["p99_ms"], res["min_ms"], res["max_ms"]),
        flush=True)
    result(res)
    return res


def wait_port(port, what, timeout=30):
    def up():
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return True
        except OSError:
            return False
    wait_for(up, timeout, what)


class Bench:
    """A work directory with a spool; the simulators and processes started
    in it are stopped by close(), and the directory removed unless keep."""

    def __init__(self, keep=False):
        self.dir = tempfile.mkdtemp(prefix="bench-")
        self.keep = keep
        self.sims = []
        self.procs = []
        self.spool = os.path.join(self.dir, "spool")
        self.drops = os.path.join(self.dir, "drops")
        os.mkdir(self.spool)
        os.mkdir(self.drops)
        self.outgoing = os.path.join(self.spool, "outgoing")
        self.sent = os.path.join(self.spool, "sent")

    def close(self):
        for p in self.procs:
            p.stop()
        for s in self.sims:
            s.close()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print("work directory kept: " + self.dir)

    def sim(self, *args):
        n = len(self.sims) + 1
        wd = os.path.join(self.dir, "sim%d" % n)
        os.mkdir(wd)
        s = Sim(*args, workdir=wd)
        self.sims.append(s)
        return s

    def drop(self, name, text):
        """An smstools3 file for NUMBER renamed into outgoing/; the time.time() right after."""
        drop(self.outgoing, self.drops, name, "To: %s\n\n%s" % (NUMBER, text))
        return time.time()

    # ---- smsgated ----
    def smsgated(self, modems, wrap=(), env=None, binary=None):
        """smsgated (binary, default $SMSGATED) on the simulators, under wrap."""
        os.makedirs(self.outgoing, exist_ok=True)
        conf = os.path.join(self.dir, "smsgated.conf")
        with open(conf, "w") as f:
            f.write("[gateway]\nspool = %s\nlog_level = info\n" % self.spool)
            for i, s in enumerate(modems):
                f.write("\n[modem m%d]\ndevice = %s\n" % (i + 1, s.link))
        self.gw_log = os.path.join(self.dir, "smsgated.log")
        p = Proc(list(wrap) + [binary or SMSGATED, "-c", conf], self.gw_log, env=env)
        self.procs.append(p)
        want = len(modems)
        wait_for(lambda: self.gw_log_text().count("-> ready") >= want, 30, "smsgated's modems ready")
        return p

    def gw_log_text(self):
        with open(self.gw_log, errors="replace") as f:
            return f.read()

    def status(self):
        with open(os.path.join(self.spool, "status.json")) as f:
            return json.load(f)

    def queue_behind_deregistered(self, sim, n, timeout=600):
        """n messages dropped into outgoing/ and claimed into queue/ while the
        modem is deregistered, so that they stay queued; status.json's
        "queued" afterwards. The modem learns it through +CREG: 2; a message
        it still tries fails with +CMS ERROR 331 and waits for its retry."""
        sim.ctl("deregister")

        def registration():
            try:
                return self.status()["modems"][0]["registration"]
            except (OSError, ValueError, KeyError, IndexError):
                return None
        wait_for(lambda: registration() == 2, 60, "smsgated to see +CREG: 2")
        for i in range(n):
            self.drop("q-%05d" % i, "queued message %05d for the memory benchmark" % i)
        queue = os.path.join(self.spool, "queue")
        wait_for(lambda: not os.listdir(self.outgoing) and
                 sum(1 for name in os.listdir(queue) if not name.endswith(".st")) >= n,
                 timeout, "%d messages in queue/" % n)

    # ---- smsd ----
    def smsd(self, sim, tuned):
        dirs = {n: os.path.join(self.spool, n) for n in ("outgoing", "checked", "failed", "incoming", "sent")}
        for p in dirs.values():
            os.makedirs(p, exist_ok=True)
        conf = os.path.join(self.dir, "smsd.conf")
        with open(conf, "w") as f:
            f.write("devices = GSM1\n")
            for n, p in dirs.items():
                f.write("%s = %s\n" % (n, p))
            f.write("logfile = %s\n" % os.path.join(self.dir, "smsd.log"))
            f.write("infofile = %s\n" % os.path.join(self.dir, "smsd.running"))
            f.write("pidfile = %s\n" % os.path.join(self.dir, "smsd.pid"))
            if tuned:
                f.write(TUNED_SMSD)
            f.write("\n[GSM1]\ndevice = %s\nbaudrate = 115200\n" % sim.link)
            if tuned:
                f.write(TUNED_SMSD_MODEM)
        self.smsd_conf = conf
        p = Proc([SMSD, "-t", "-c", conf], os.path.join(self.dir, "smsd.out"))
        self.procs.append(p)
        return p
