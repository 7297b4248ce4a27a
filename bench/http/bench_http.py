#!/usr/bin/python3
"""bench/http: HTTP acceptance and HTTP -> AT+CMGS latency (docs/BENCHMARKS.md, "HTTP").

  bench_http.py throughput [-d SECONDS] [-c CONNS]   wrk against smsgated (REST POST and /cgi-bin/sms),
                                                     busybox httpd + the Lua CGI, Kannel's sendsms
  bench_http.py latency [-n N] --impl smsgated|lua-smsd
                                                     HTTP request sent -> AT+CMGS at smsgate-modemsim

Each prints human lines and, last, "RESULT {json}" lines for run.sh.
PYTHONPATH must hold tests/integration (simlib, clients, daemonlib);
bench/lib/benchlib.py gives the work directory, the smsd setup and the
latency summary.
"""
import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from benchlib import (NUMBER, Bench, cmd_latency_ms, is_cmd, report_latency, result, wait_port,  # noqa: E402
                      wait_smsd_init)
from clients import Proc  # noqa: E402
from daemonlib import SMSGATED, free_port  # noqa: E402
from simlib import LogTail, wait_for  # noqa: E402


def start_smsgated(b, sim, port, modem=True):
    os.makedirs(b.outgoing, exist_ok=True)
    conf = os.path.join(b.dir, "smsgated.conf")
    with open(conf, "w") as f:
        f.write("[gateway]\nspool = %s\nlog_level = warn\n\n[http]\nlisten = 127.0.0.1:%d\n\n[modem m1]\ndevice = %s\n"
                % (b.spool, port, sim.link if modem else os.path.join(b.dir, "no-modem")))
    b.gw_log = os.path.join(b.dir, "smsgated.log")
    p = Proc([SMSGATED, "-c", conf], b.gw_log)
    b.procs.append(p)
    wait_port(port, "smsgated listening")
    if modem:
        wait_for(lambda: json.load(open(os.path.join(b.spool, "status.json")))["modems"][0]["state"] == "ready"
                 if os.path.exists(os.path.join(b.spool, "status.json")) else False, 30, "modem ready")
    return p


def start_busybox(b, port):
    """busybox httpd serving the Lua CGI, writing into b.outgoing."""
    os.makedirs(b.outgoing, exist_ok=True)
    www = os.path.join(b.dir, "www")
    os.makedirs(os.path.join(www, "cgi-bin"), exist_ok=True)
    with open(os.path.join(HERE, "sms.lua")) as f:
        src = f.read().replace('"/var/spool/sms/outgoing"', json.dumps(b.outgoing))
    cgi = os.path.join(www, "cgi-bin", "sms")
    with open(cgi, "w") as f:
        f.write(src)
    os.chmod(cgi, 0o755)
    p = Proc(["busybox", "httpd", "-f", "-p", "127.0.0.1:%d" % port, "-h", www], os.path.join(b.dir, "httpd.log"))
    b.procs.append(p)
    wait_port(port, "busybox httpd listening")
    return p


def start_busybox_smsgate_cgi(b, port):
    """busybox httpd serving smsgate itself as the CGI (issue 10): the same
    durable write into outgoing/ (temp, fsync, rename, directory fsync)."""
    smsgate = os.environ.get("SMSGATE") or os.path.join(os.path.dirname(SMSGATED), "..", "..", "tools", "smsgate",
                                                         "smsgate")
    spool = os.path.join(b.dir, "cgi-spool")
    os.makedirs(os.path.join(spool, "outgoing"), exist_ok=True)
    conf = os.path.join(b.dir, "cgi.conf")
    with open(conf, "w") as f:
        f.write("[gateway]\nspool = %s\n\n[modem none]\ndevice = /dev/null\n" % spool)
    www = os.path.join(b.dir, "www-cgi")
    os.makedirs(os.path.join(www, "cgi-bin"), exist_ok=True)
    os.symlink(os.path.abspath(smsgate), os.path.join(www, "cgi-bin", "sms"))
    p = Proc(["busybox", "httpd", "-f", "-p", "127.0.0.1:%d" % port, "-h", www], os.path.join(b.dir, "httpd-cgi.log"),
             env=dict(os.environ, SMSGATE_CONF=conf))
    b.procs.append(p)
    wait_port(port, "busybox httpd listening")
    return os.path.join(spool, "outgoing")


KANNEL_CONF = """group = core
admin-port = {admin}
admin-password = bench
smsbox-port = {box}
box-allow-ip = 127.0.0.1
log-file = {dir}/bearerbox.log
log-level = 4
store-type = file
store-location = {dir}/kannel.store

group = smsc
smsc = loopback
smsc-id = loop

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {box}
sendsms-port = {port}
global-sender = 12345
log-file = {dir}/smsbox.log
log-level = 4

group = sendsms-user
username = bench
password = bench

group = sms-service
keyword = default
text = ignored
max-messages = 0
"""


def start_kannel(b, port):
    """bearerbox + smsbox on loopback; the loopback SMSC hands every MT
    back as an MO, which the default service answers with nothing."""
    conf = os.path.join(b.dir, "kannel.conf")
    with open(conf, "w") as f:
        f.write(KANNEL_CONF.format(admin=free_port(), box=free_port(), port=port, dir=b.dir))
    bb = Proc(["/usr/sbin/bearerbox", "-v", "4", conf], os.path.join(b.dir, "bearerbox.out"))
    b.procs.append(bb)
    time.sleep(1)
    sb = Proc(["/usr/sbin/smsbox", "-v", "4", conf], os.path.join(b.dir, "smsbox.out"))
    b.procs.append(sb)
    wait_port(port, "smsbox's sendsms port")
    return bb, sb


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def run_wrk(url, seconds, conns, script=None):
    cmd = ["wrk", "-t", "2", "-c", str(conns), "-d", "%ds" % seconds, "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True).stdout
    res = {"cmd": " ".join(cmd)}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    for pct, key in (("50", "p50_ms"), ("90", "p90_ms"), ("99", "p99_ms")):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % pct, out, re.M)
        res[key] = float(m.group(1)) * UNITS[m.group(2)] if m else None
    m = re.search(r"(\d+) requests in", out)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", out)
    res["socket_errors"] = m.group(1) if m else ""
    return res, out


def report(name, res):
    print("%-34s %9.0f req/s  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  non-2xx %d %s" % (
        name, res["rps"], res["p50_ms"] or -1, res["p90_ms"] or -1, res["p99_ms"] or -1, res["non2xx"],
        res["socket_errors"]), flush=True)
    result(dict(res, name=name))


def cmd_throughput(a):
    q = urllib.parse.urlencode({"phone": NUMBER, "message": "wrk: disk 91% full on db1"})
    # smsgated, with a live modem draining the queue as it fills
    b = Bench(a.keep)
    try:
        sim = b.sim("--send-delay-ms", "0")
        port = free_port()
        start_smsgated(b, sim, port, modem=not a.no_modem)
        base = "http://127.0.0.1:%d" % port
        for name, url, script in (("smsgated POST /api/v1/messages", base + "/api/v1/messages",
                                   os.path.join(HERE, "post.lua")),
                                  ("smsgated GET /cgi-bin/sms", base + "/cgi-bin/sms?" + q, None)):
            res, out = run_wrk(url, a.seconds, a.conns, script)
            if a.verbose:
                print(out)
            res["accepted_files"] = None
            report(name, res)
    finally:
        b.close()
    # the original: busybox httpd + Lua CGI into an outgoing/ directory
    if "lua" not in a.only:
        return
    b = Bench(a.keep)
    try:
        port = free_port()
        start_busybox(b, port)
        res, out = run_wrk("http://127.0.0.1:%d/cgi-bin/sms?%s" % (port, q), a.seconds, a.conns)
        if a.verbose:
            print(out)
        res["files"] = len(os.listdir(b.outgoing))
        report("busybox httpd + Lua CGI", res)
    finally:
        b.close()
    # the same web server with smsgate as the CGI (durable, validated)
    b = Bench(a.keep)
    try:
        port = free_port()
        outgoing = start_busybox_smsgate_cgi(b, port)
        res, out = run_wrk("http://127.0.0.1:%d/cgi-bin/sms?%s" % (port, q), a.seconds, a.conns)
        if a.verbose:
            print(out)
        res["files"] = len(os.listdir(outgoing))
        report("busybox httpd + smsgate CGI", res)
    finally:
        b.close()
    # Kannel
    if os.path.exists("/usr/sbin/bearerbox"):
        b = Bench(a.keep)
        try:
            port = free_port()
            start_kannel(b, port)
            url = "http://127.0.0.1:%d/cgi-bin/sendsms?username=bench&password=bench&to=%s&text=wrk+bench" % (
                port, NUMBER)
            res, out = run_wrk(url, a.seconds, a.conns)
            if a.verbose:
                print(out)
            report("Kannel smsbox sendsms (loopback SMSC)", res)
        finally:
            b.close()


def cmd_latency(a):
    b = Bench(a.keep)
    try:
        sim = b.sim("--send-delay-ms", "0")
        tail = LogTail(sim.log_path)
        port = free_port()
        if a.impl == "smsgated":
            start_smsgated(b, sim, port)
        else:
            start_busybox(b, port)
            b.smsd(sim, tuned=True)
            wait_smsd_init(tail)
        tail.poll()
        lat = []
        for i in range(a.n):
            text = "latency %04d" % i
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            t0 = time.time()
            if a.impl == "smsgated":
                c.request("POST", "/api/v1/messages", body=json.dumps({"to": "+" + NUMBER, "text": text}),
                          headers={"Content-Type": "application/json"})
            else:
                c.request("GET", "/cgi-bin/sms?" + urllib.parse.urlencode({"phone": NUMBER, "message": text}))
            r = c.getresponse()
            r.read()
            c.close()
            if r.status not in (200, 202):
                raise RuntimeError("answer %d" % r.status)
            e = tail.wait(is_cmd("AT+CMGS="), 60, "AT+CMGS of message %d" % i)
            lat.append(cmd_latency_ms(e, t0))
            wait_for(lambda: os.path.isdir(b.sent) and len(os.listdir(b.sent)) > i, 60, "sent/ file of message %d" % i)
            time.sleep(0.05)
        report_latency("http-latency", "HTTP -> AT+CMGS", a.impl, lat)
    finally:
        b.close()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("-d", "--seconds", type=int, default=10)
    t.add_argument("-c", "--conns", type=int, default=8)
    t.add_argument("-v", "--verbose", action="store_true")
    t.add_argument("--no-modem", action="store_true", help="smsgated's modem absent: HTTP intake alone")
    t.add_argument("--only", default="smsgated,lua,kannel")
    t.add_argument("--keep", action="store_true")
    lt = sub.add_parser("latency")
    lt.add_argument("-n", type=int, default=200)
    lt.add_argument("--impl", choices=("smsgated", "lua-smsd"), default="smsgated")
    lt.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    {"throughput": cmd_throughput, "latency": cmd_latency}[a.cmd](a)


if __name__ == "__main__":
    main()
