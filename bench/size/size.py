#!/usr/bin/python3
"""Sizes and resident memory of smsgated next to smstools3's smsd,
gammu-smsd and Kannel's bearerbox (docs/BENCHMARKS.md, "Size and memory").

  size.py sizes  LABEL=BINARY[:LIBDIR,...] ...
      per binary: bytes on disk, stripped (the target's strip), xz -9e of
      the stripped file; the shared libraries it needs besides the C
      library (DT_NEEDED, recursively, found in LIBDIRs or by ldd for
      this machine's binaries), their sizes stripped and xz'd, and the sum.
  size.py map LINKMAP
      where a static program's bytes come from, by a GNU ld map
      (-Wl,-Map): the input sections kept in non-empty output
      sections, summed for smsgate's own objects, musl (libc.a, crt*.o),
      libmicrohttpd, json-c and the soft-float libgcc; .bss apart.
  size.py rss-gammu | rss-bearerbox
      resident memory of gammu-smsd against smsgate-modemsim (idle, and
      with QUEUED files in its outbox behind a deregistered modem), of
      Kannel's bearerbox and smsbox idle (bench/http's configuration:
      loopback SMSC, no modem needed).
  size.py rss-native SMSGATED
      the same for a program of this machine (the static x86_64 build of
      bench/size/static-x86_64.sh), from /proc/PID/status.
  size.py rss-guest SMSGATED TOUCH QEMU-ARGS...
      resident memory of a MIPS smsgated run under qemu-user (QEMU-ARGS:
      "qemu-mipsel -cpu 24KEc"), idle and with QUEUED messages as for
      x86_64: the guest's pages only, not qemu's. qemu-user keeps the
      guest's whole address space in one range of its own, at the
      guest_base given with -B; the Rss of the mappings in that range
      (/proc/PID/smaps) is what the guest has resident, with the same
      4 KiB pages as on the router. Checked first with TOUCH, a static
      program of the same toolchain that touches N pages (bench/size/
      touch.c): N = 1000 must read exactly 4,000 KiB more than N = 0.

smsgated's and smsd's memory come from bench/queue/bench_queue.py rss, so
all are read the same way: /proc/PID/status (VmRSS, RssAnon, RssFile) after
the program settled (SETTLE seconds after it finished initialising the
modem). Each command prints human lines and, last, "RESULT {json}"."""

import json
import lzma
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "queue"))
from bench_queue import Bench, LogTail, rss_of  # noqa: E402
from clients import Proc  # noqa: E402
from simlib import wait_for  # noqa: E402

SETTLE = float(os.environ.get("SETTLE", "2"))
QUEUED = int(os.environ.get("QUEUED", "10000"))
GLIBC = re.compile(r"^(libc|libm|libpthread|libdl|librt|libresolv|libutil|ld-linux[-a-z0-9_]*|ld)\.so")


def machine_of(path):
    """e_machine and byte order of an ELF file: picks the strip to use."""
    with open(path, "rb") as f:
        h = f.read(20)
    little = h[5] == 1
    return int.from_bytes(h[18:20], "little" if little else "big"), little


def strip_tool(path):
    m, little = machine_of(path)
    if m == 8:  # EM_MIPS
        return "mipsel-linux-gnu-strip" if little else "mips-linux-gnu-strip"
    return "strip"


def stripped_xz(path):
    """(stripped bytes, xz -9e bytes of the stripped file)."""
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "x")
        shutil.copyfile(path, tmp)
        subprocess.run([strip_tool(path), "--strip-all", tmp], check=True)
        data = open(tmp, "rb").read()
    return len(data), len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))


def needed(path):
    out = subprocess.run(["readelf", "-d", path], stdout=subprocess.PIPE, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def libs_of(path, libdirs):
    """Shared libraries besides glibc, recursively: {soname: path}."""
    found = {}
    if not libdirs:  # this machine's binary: ldd knows the search path
        out = subprocess.run(["ldd", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
        for m in re.finditer(r"^\s*(\S+) => (\S+)", out, re.M):
            if not GLIBC.match(m.group(1)):
                found[m.group(1)] = os.path.realpath(m.group(2))
        return found
    todo = [path]
    while todo:
        for so in needed(todo.pop()):
            if so in found or GLIBC.match(so):
                continue
            for d in libdirs:
                p = os.path.join(d, so)
                if os.path.exists(p):
                    found[so] = os.path.realpath(p)
                    todo.append(p)
                    break
            else:
                found[so] = None
    return found


def cmd_sizes(args):
    res = []
    for spec in args:
        label, _, rest = spec.partition("=")
        path, _, dirs = rest.partition(":")
        libdirs = [d for d in dirs.split(",") if d]
        s, x = stripped_xz(path)
        libs = libs_of(path, libdirs)
        lib_rows = []
        for so, p in sorted(libs.items()):
            if p is None:
                lib_rows.append({"lib": so, "missing": True})
                continue
            ls, lx = stripped_xz(p)
            lib_rows.append({"lib": so, "stripped": ls, "xz": lx})
        row = {"label": label, "path": path, "file": os.path.getsize(path), "stripped": s, "xz": x,
               "libs": lib_rows,
               "libs_stripped": sum(r.get("stripped", 0) for r in lib_rows),
               "libs_xz": sum(r.get("xz", 0) for r in lib_rows)}
        res.append(row)
        print("%-28s %9d B on disk, %9d stripped, %8d xz; %2d libraries besides libc: %9d stripped, %8d xz"
              % (label, row["file"], s, x, len(lib_rows), row["libs_stripped"], row["libs_xz"]), flush=True)
        for r in lib_rows:
            print("    %-32s %s" % (r["lib"], "not found" if r.get("missing") else
                                    "%9d stripped, %8d xz" % (r["stripped"], r["xz"])))
    print("RESULT " + json.dumps(res), flush=True)


GAMMU_RC = """[gammu]
device = {dev}
connection = at
[smsd]
service = files
logfile = {dir}/smsd.log
debuglevel = 1
inboxpath = {dir}/inbox/
outboxpath = {dir}/outbox/
sentsmspath = {dir}/sent/
errorsmspath = {dir}/error/
checksecurity = 0
"""


def cmd_rss_gammu():
    b = Bench()
    try:
        sim = b.sim()
        for d in ("inbox", "outbox", "sent", "error"):
            os.mkdir(os.path.join(b.dir, d))
        rc = os.path.join(b.dir, "smsdrc")
        with open(rc, "w") as f:
            f.write(GAMMU_RC.format(dev=sim.link, dir=b.dir))
        p = Proc(["/usr/bin/gammu-smsd", "-c", rc], os.path.join(b.dir, "gammu-smsd.out"))
        b.procs.append(p)
        tail = LogTail(sim.log_path)
        # Its first outbox scan after start-up follows the network check.
        tail.wait(lambda e: e.get("ev") == "cmd" and e.get("line", "").upper().startswith("AT+CREG"), 60,
                  "gammu-smsd to initialise the modem")
        time.sleep(SETTLE)
        res = {"bench": "rss", "impl": "gammu-smsd", "idle": rss_of(p.p.pid)}
        print("gammu-smsd idle: %s KiB" % res["idle"], flush=True)
        if QUEUED:
            sim.ctl("deregister")
            for i in range(QUEUED):
                tmp = os.path.join(b.drops, "t")
                with open(tmp, "w") as f:
                    f.write("queued message %05d for the memory benchmark" % i)
                # gammu-smsd's files backend: OUT<number>_<serial>.txt
                os.rename(tmp, os.path.join(b.dir, "outbox", "OUT491701234567_%05d_00.txt" % i))
            # Settled: three more of its network checks (one per main-loop
            # round, each after a scan of the outbox) since the last file.
            creg = lambda e: e.get("ev") == "cmd" and e.get("line", "").upper().startswith("AT+CREG")
            for k in range(3):
                tail.wait(creg, 120, "gammu-smsd's loop round %d over the full outbox" % (k + 1))
            res["queued"] = rss_of(p.p.pid)
            res["queued_n"] = QUEUED
            res["outbox_left"] = len(os.listdir(os.path.join(b.dir, "outbox")))
            print("gammu-smsd with %d files in its outbox (%d still there): %s KiB" % (
                QUEUED, res["outbox_left"], res["queued"]), flush=True)
        print("RESULT " + json.dumps(res), flush=True)
    finally:
        b.close()


# bench/http's Kannel configuration (bearerbox + smsbox, loopback SMSC).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
from bench_http import KANNEL_CONF  # noqa: E402
from daemonlib import free_port  # noqa: E402


def cmd_rss_bearerbox():
    b = Bench()
    try:
        admin, box, sendsms = free_port(), free_port(), free_port()
        conf = os.path.join(b.dir, "kannel.conf")
        with open(conf, "w") as f:
            f.write(KANNEL_CONF.format(admin=admin, box=box, port=sendsms, dir=b.dir))
        p = Proc(["/usr/sbin/bearerbox", "-v", "1", conf], os.path.join(b.dir, "bearerbox.out"))
        b.procs.append(p)

        def port_up(port):
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return True
            except OSError:
                return False
        wait_for(lambda: port_up(admin), 60, "bearerbox's admin port")
        sb = Proc(["/usr/sbin/smsbox", "-v", "1", conf], os.path.join(b.dir, "smsbox.out"))
        b.procs.append(sb)
        wait_for(lambda: port_up(sendsms), 60, "smsbox's sendsms port")
        time.sleep(SETTLE)
        res = {"bench": "rss", "impl": "kannel", "bearerbox_idle": rss_of(p.p.pid), "smsbox_idle": rss_of(sb.p.pid)}
        print("bearerbox idle (loopback SMSC): %s KiB" % res["bearerbox_idle"], flush=True)
        print("smsbox idle: %s KiB" % res["smsbox_idle"], flush=True)
        print("RESULT " + json.dumps(res), flush=True)
    finally:
        b.close()


def map_parts(path):
    """{part: bytes} of the loaded, non-empty input sections of an ld map; .bss and .sbss as "bss"."""
    parts = {}
    with open(path) as f:
        lines = f.read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("Linker script and memory map"))
    out_sec = pending = None
    for l in lines[start:]:
        m = re.match(r"^(\.\S+)(\s+0x[0-9a-f]+\s+0x[0-9a-f]+.*)?$", l)
        if m:
            out_sec = m.group(1)
            continue
        m = re.match(r"^ (\S+)\s*$", l)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", l)
        if not m or out_sec is None:
            continue
        pending = None
        size, obj = int(m.group(3), 16), m.group(4)
        if size == 0 or out_sec.startswith((".debug", ".comment", ".pdr", ".gnu.attributes", ".mdebug",
                                            ".MIPS.abiflags", ".reginfo", ".note")):
            continue
        if "libmicrohttpd" in obj:
            part = "libmicrohttpd"
        elif "libjson-c" in obj:
            part = "json-c"
        elif "libgcc" in obj:
            part = "soft-float libgcc"
        elif "libc.a(" in obj or re.search(r"/crt[1in]\.o$", obj):
            part = "musl"
        else:
            part = "smsgate"
        if out_sec in (".bss", ".sbss", ".tbss"):
            part += " .bss"
        parts[part] = parts.get(part, 0) + size
    return parts


def cmd_map(path):
    parts = map_parts(path)
    loaded = sum(v for k, v in parts.items() if not k.endswith(".bss"))
    for k in ("smsgate", "musl", "libmicrohttpd", "json-c", "soft-float libgcc"):
        print("  %-18s %9d" % (k, parts.get(k, 0)))
    print("  %-18s %9d   (.bss, not in the file: %d)" % ("in all", loaded,
                                                         sum(v for k, v in parts.items() if k.endswith(".bss"))))
    print("RESULT " + json.dumps(parts), flush=True)


# Where qemu-user puts the guest's address space (-B): far below the
# host's own mappings (the executable at 0x55..., libraries and mmap at
# 0x7f...), and a guest address is 32 bits.
GUEST_BASE = 0x200000000
GUEST_SIZE = 1 << 32


def guest_rss(pid):
    """Rss, anonymous and file KiB of the guest's mappings in qemu process
    PID (smaps: every mapping from GUEST_BASE to GUEST_BASE + 4 GiB)."""
    tot = {"Rss": 0, "Anonymous": 0, "File": 0, "mappings": 0}
    inside = False
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ (\d+)\s*(.*)$", line)
            if m:
                start, end = int(m.group(1), 16), int(m.group(2), 16)
                inside = start >= GUEST_BASE and end <= GUEST_BASE + GUEST_SIZE
                if inside:
                    tot["mappings"] += 1
                    if m.group(4).startswith("/usr/lib"):
                        raise RuntimeError("a host library inside the guest range: " + line.strip())
                continue
            if not inside:
                continue
            k, _, v = line.partition(":")
            if k in ("Rss", "Anonymous"):
                tot[k] += int(v.split()[0])
    # As RssFile: pages of files still shared with the page cache (a
    # written page of a private file mapping is anonymous).
    tot["File"] = tot["Rss"] - tot["Anonymous"]
    return tot


def qemu_argv(qemu):
    return qemu + ["-B", "0x%x" % GUEST_BASE]


def calibrate(touch, qemu):
    """TOUCH touching 0 and 1000 pages: the guest's Rss must differ by 4,000 KiB."""
    seen = {}
    with tempfile.TemporaryDirectory() as d:
        for n in (0, 1000):
            out = os.path.join(d, "touch%d.out" % n)
            p = Proc(qemu_argv(qemu) + [touch, str(n)], out)
            try:
                wait_for(lambda: "ready" in open(out).read(), 30, "the calibration program")
                seen[n] = guest_rss(p.p.pid)
            finally:
                p.stop()
    delta = seen[1000]["Rss"] - seen[0]["Rss"]
    print("calibration: a program touching 0 pages: guest Rss %s KiB; 1000 pages: %s KiB (%+d KiB, %s)" % (
        seen[0]["Rss"], seen[1000]["Rss"], delta, "as expected" if delta == 4000 else "WRONG"), flush=True)
    if delta != 4000:
        raise RuntimeError("guest Rss does not follow the pages the guest touched: the method is off")
    return seen


def rss_idle_queued(smsgated, wrap, reader, what):
    """smsgated (under WRAP) against the simulator: READER(pid) idle, then
    with QUEUED messages in queue/ behind a deregistered modem, as
    bench_queue.py rss does for x86_64."""
    res = {}
    b = Bench()
    try:
        sim = b.sim()
        p = b.smsgated([sim], wrap=wrap, binary=smsgated)
        wait_for(lambda: os.path.exists(os.path.join(b.spool, "status.json")), 60, "status.json")
        time.sleep(SETTLE)
        res["idle"] = reader(p.p.pid)
        res["process"] = rss_of(p.p.pid)
        print("smsgated idle (%s): %s KiB; /proc/PID/status: %s KiB" % (what, res["idle"], res["process"]), flush=True)
        if QUEUED:
            b.queue_behind_deregistered(sim, QUEUED)
            time.sleep(SETTLE)
            res["status_queued"] = b.status().get("queued")
            res["queued"] = reader(p.p.pid)
            res["queued_n"] = QUEUED
            print("smsgated with %d queued (status.json says %s), %s: %s KiB" % (
                QUEUED, res["status_queued"], what, res["queued"]), flush=True)
    finally:
        b.close()
    return res


def cmd_rss_guest(args):
    smsgated, touch, qemu = args[0], args[1], args[2:]
    res = {"bench": "rss-guest", "qemu": " ".join(qemu), "binary": smsgated}
    res["calibration"] = calibrate(touch, qemu)
    res.update(rss_idle_queued(smsgated, qemu_argv(qemu), guest_rss, "guest"))
    print("RESULT " + json.dumps(res), flush=True)


def cmd_rss_native(smsgated):
    res = {"bench": "rss-native", "binary": smsgated}
    res.update(rss_idle_queued(smsgated, (), rss_of, "native"))
    print("RESULT " + json.dumps(res), flush=True)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    what = sys.argv[1]
    if what == "sizes":
        cmd_sizes(sys.argv[2:])
    elif what == "rss-gammu":
        cmd_rss_gammu()
    elif what == "rss-bearerbox":
        cmd_rss_bearerbox()
    elif what == "map" and len(sys.argv) == 3:
        cmd_map(sys.argv[2])
    elif what == "rss-native" and len(sys.argv) == 3:
        cmd_rss_native(sys.argv[2])
    elif what == "rss-guest" and len(sys.argv) > 4:
        cmd_rss_guest(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
