#!/usr/bin/python3
"""Queue benchmarks of smsgated against smsgate-modemsim, with smstools3's
smsd (Debian package smstools) on the same simulator as the reference.

  bench_queue.py latency --impl smsgated|smsd-default|smsd-tuned [-n 200]
      file drop (the rename into outgoing/) -> the AT+CMGS command line at
      the simulator, one message at a time, spaced by a random gap.
  bench_queue.py util --modems N [--seconds 30]
      modem utilisation with a 1 s simulated submit: messages/s over N
      modems against the ideal N msg/s.
  bench_queue.py rss --impl smsgated|smsd [--queued 10000]
      resident memory idle (and smsgated with QUEUED messages waiting
      behind a deregistered modem).

Each prints human lines and, last, one line "RESULT {json}" for run.sh.
Environment: SMSGATED, SMSGATE_MODEMSIM (paths of the built programs),
PYTHONPATH with tests/integration (simlib, clients, daemonlib); the shared
parts are in bench/lib/benchlib.py.

Timing source: the simulator's JSON log ("cmd" events, "ts" in UTC with
millisecond resolution, truncated) against time.time() taken right after
os.rename() returns; the same CLOCK_REALTIME on the same machine."""

import argparse
import json
import os
import random
import signal
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from benchlib import SMSD, Bench, cmd_latency_ms, is_cmd, report_latency, result, ts_epoch, wait_smsd_init  # noqa: E402
from clients import Proc  # noqa: E402
from simlib import LogTail, wait_for  # noqa: E402


def rss_of(pid):
    """VmRSS, RssAnon, RssFile of a process in KiB, from /proc/PID/status."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                out[k] = int(v.split()[0])
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            priv = 0
            for line in f:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    priv += int(line.split()[1])
            out["Private"] = priv
    except OSError:
        pass
    return out


def children_of(pid):
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(d))
    return kids


def cmd_latency(a):
    b = Bench(a.keep)
    rng = random.Random(a.seed)
    try:
        sim = b.sim("--send-delay-ms", "0")
        tail = LogTail(sim.log_path)
        if a.impl == "smsgated":
            b.smsgated([sim])
        else:
            b.smsd(sim, tuned=a.impl == "smsd-tuned")
            wait_smsd_init(tail)
        lat = []
        raw = open(a.raw, "w") if a.raw else None
        stop = []
        # SIGTERM/SIGINT end the run early with the messages measured so far
        # (the smsd default run takes about 10 s a message).
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        signal.signal(signal.SIGINT, lambda *_: stop.append(1))
        for i in range(a.n):
            if stop:
                print("stopped early after %d messages" % i, flush=True)
                break
            name = "lat-%04d" % i
            t_drop = b.drop(name, "latency %04d" % i)
            e = tail.wait(is_cmd("AT+CMGS="), a.timeout, "AT+CMGS of message %d" % i)
            lat.append(cmd_latency_ms(e, t_drop))
            if raw:
                raw.write("%.3f\n" % lat[-1])
                raw.flush()
            wait_for(lambda: os.path.exists(os.path.join(b.sent, name)), a.timeout, "sent/" + name)
            time.sleep(rng.uniform(a.gap_min, a.gap_max))
            if a.verbose and (i + 1) % 20 == 0:
                print("  %d/%d  p50 so far %.1f ms" % (i + 1, a.n, statistics.median(lat)), flush=True)
        report_latency("latency", "latency", a.impl, lat)
    finally:
        b.close()


def cmd_util(a):
    b = Bench(a.keep)
    try:
        sims = [b.sim("--send-delay-ms", "1000") for _ in range(a.modems)]
        b.smsgated(sims)
        total = int(a.seconds) * a.modems + a.modems   # every modem busy for the whole window
        for i in range(total):
            b.drop("util-%04d" % i, "utilisation %04d" % i)
        wait_for(lambda: len(os.listdir(b.sent)) >= total, a.seconds * 3 + 60, "all messages sent")
        # Per modem: from the first AT+CMGS to the last submit's result;
        # each message there costs 1 s of simulated network time.
        rates, per = 0.0, []
        for s in sims:
            ev = s.events()
            cmgs = [ts_epoch(e["ts"]) for e in ev if e["ev"] == "cmd" and e["line"].startswith("AT+CMGS=")]
            done = [ts_epoch(e["ts"]) for e in ev if e["ev"] == "submit" and e.get("result") == "ok"]
            span = done[-1] - cmgs[0]
            r = len(done) / span
            per.append({"messages": len(done), "span_s": round(span, 3), "msg_per_s": round(r, 4)})
            rates += r
        res = {"bench": "util", "modems": a.modems, "messages": total, "msg_per_s": rates,
               "ideal": float(a.modems), "utilisation": rates / a.modems, "per_modem": per}
        print("util %d modem(s): %.3f msg/s of an ideal %d (%.1f %%); per modem %s" % (
            a.modems, rates, a.modems, 100 * rates / a.modems, per))
        result(res)
    finally:
        b.close()


def time_v_maxrss(path):
    with open(path, errors="replace") as f:
        for line in f:
            if "Maximum resident set size" in line:
                return int(line.split(":")[1])
    return None


def cmd_rss(a):
    b = Bench(a.keep)
    try:
        sim = b.sim()
        res = {"bench": "rss", "impl": a.impl}
        if a.impl == "smsgated":
            p = b.smsgated([sim], wrap=["/usr/bin/time", "-v"])
            gw = children_of(p.p.pid)[0]            # /usr/bin/time's child
            wait_for(lambda: os.path.exists(os.path.join(b.spool, "status.json")), 30, "status.json")
            time.sleep(a.settle)                      # let the start-up poll and status write pass
            res["idle"] = rss_of(gw)
            print("smsgated idle: %s KiB" % res["idle"], flush=True)
            if a.queued:
                b.queue_behind_deregistered(sim, a.queued)
                time.sleep(a.settle)
                res["status_queued"] = b.status().get("queued")
                res["queued"] = rss_of(gw)
                res["queued_n"] = a.queued
                print("smsgated with %d queued (status.json says %s): %s KiB" % (
                    a.queued, res["status_queued"], res["queued"]), flush=True)
            os.kill(gw, signal.SIGTERM)             # /usr/bin/time reports when its child exits
            p.p.wait(60)
            p.log.flush()
            res["time_v_maxrss_kib"] = time_v_maxrss(b.gw_log)
            print("/usr/bin/time -v: maximum resident set size %s KiB" % res["time_v_maxrss_kib"])
        else:
            p = b.smsd(sim, tuned=False)             # writes the config
            p.stop()
            b.procs.remove(p)
            # under /usr/bin/time -v: the main process and its modem child
            out = os.path.join(b.dir, "smsd.time")
            p = Proc(["/usr/bin/time", "-v", "-o", out, SMSD, "-t", "-c", b.smsd_conf],
                     os.path.join(b.dir, "smsd.out2"))
            b.procs.append(p)
            wait_smsd_init(LogTail(sim.log_path))
            time.sleep(a.settle)
            main = children_of(p.p.pid)[0]
            procs = [main] + children_of(main)
            per = {pid: rss_of(pid) for pid in procs}
            res["processes"] = len(procs)
            res["idle"] = {k: sum(v.get(k, 0) for v in per.values()) for k in
                           ("VmRSS", "RssAnon", "RssFile", "RssShmem", "Private")}
            res["idle_per_process"] = list(per.values())
            print("smsd idle, %d processes: %s KiB in all; each %s" % (len(procs), res["idle"], list(per.values())))
            os.kill(main, signal.SIGTERM)           # /usr/bin/time reports when smsd exits
            p.p.wait(60)
            res["time_v_maxrss_kib"] = time_v_maxrss(out)
            print("/usr/bin/time -v (largest of smsd's processes): %s KiB" % res["time_v_maxrss_kib"])
        result(res)
    finally:
        b.close()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    lp = sub.add_parser("latency")
    lp.add_argument("--impl", choices=("smsgated", "smsd-default", "smsd-tuned"), required=True)
    lp.add_argument("-n", type=int, default=200)
    lp.add_argument("--gap-min", type=float, default=0.05)
    lp.add_argument("--gap-max", type=float, default=0.25)
    lp.add_argument("--timeout", type=float, default=60)
    lp.add_argument("--seed", type=int, default=1)
    lp.add_argument("--raw", help="write every latency (ms) to this file")
    lp.add_argument("-v", "--verbose", action="store_true")
    up = sub.add_parser("util")
    up.add_argument("--modems", type=int, required=True)
    up.add_argument("--seconds", type=float, default=30)
    rp = sub.add_parser("rss")
    rp.add_argument("--impl", choices=("smsgated", "smsd"), required=True)
    rp.add_argument("--queued", type=int, default=0)
    rp.add_argument("--settle", type=float, default=2.0)
    for p in (lp, up, rp):
        p.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    # SIGTERM unwinds, so that the simulators and smsd are stopped too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    {"latency": cmd_latency, "util": cmd_util, "rss": cmd_rss}[a.what](a)


if __name__ == "__main__":
    main()
