#!/usr/bin/python3
"""Regenerates the fixtures in this folder by running smstools3's smsd
(Debian package `smstools`) against smsgate-modemsim.

    SMSGATE_MODEMSIM=build/tools/modemsim/smsgate-modemsim \
        python3 tests/vectors/smstools3/regen.py [utf8|iso|decode]

utf8 (the default): incoming_utf8 = yes, writes everything; iso: smsd's
defaults, writes incoming-*.iso; decode: incoming_utf8 and
decode_unicode_text = yes, writes incoming-*.decode.

Every file here except this script and README is smsd's own output (or
the input it was given, *.in): facts produced by running the tool."""
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration"))
from clients import Proc  # noqa: E402
from simlib import Sim, wait_for  # noqa: E402

MODE = sys.argv[1] if len(sys.argv) > 1 else "utf8"
SUFFIX = "" if MODE == "utf8" else "." + MODE

# name -> bytes, as scripts write them
OUT = {
    # smstools3's scripts/sendsms, text that fits ISO-8859-15: no Alphabet header, no final newline
    "sendsms-plain": b"To: 491701234567\n\nHello from sendsms",
    # scripts/sendsms, text that does not: Alphabet: UCS and the text through iconv -t UNICODEBIG
    "sendsms-ucs": b"To: 491701234567\nAlphabet: UCS\n\n" + "Привет €".encode("utf-16-be"),
    "iso": b"To: 491701234567\nAlphabet: ISO\n\nGr\xfc\xdfe \xa4 5",
    "utf8-report": ("To: 491701234567\nReport: yes\nFlash: no\nPriority: high\nValidity: 1 day\n"
                    "X-Custom: kept\n\nGrüße €\n").encode(),
}
FAIL = {"fail": b"To: 491701234568\nAlphabet: UTF-8\n\nThis one fails\n"}


def kind(path):
    with open(path, "rb") as f:
        d = f.read()
    if b"SMS STATUS REPORT" in d:
        return "report-ok" if b"Status: 0," in d else "report-fail"
    if b"Flash: yes" in d:
        return "flash"
    if b"Alphabet: UCS2" in d or "Ответ".encode() in d:
        return "ucs2"
    return "text"


def main():
    sim = Sim("--report-status", "0")
    d = sim.dir
    spool = {n: os.path.join(d, n) for n in ("outgoing", "checked", "failed", "incoming", "sent")}
    for p in spool.values():
        os.mkdir(p)
    conf = os.path.join(d, "smsd.conf")
    with open(conf, "w") as f:
        f.write("devices = GSM1\n")
        for n, p in spool.items():
            f.write("%s = %s\n" % (n, p))
        f.write("logfile = %s\ninfofile = %s\npidfile = %s\n" % (
            os.path.join(d, "smsd.log"), os.path.join(d, "smsd.running"), os.path.join(d, "smsd.pid")))
        f.write("loglevel = 7\ndelaytime = 1\ndelaytime_mainprocess = 1\nblocktime = 1\n")
        f.write("incoming_utf8 = %s\n" % ("no" if MODE == "iso" else "yes"))
        f.write("decode_unicode_text = %s\n\n" % ("yes" if MODE == "decode" else "no"))
        # ds=2: status reports are stored and read like messages, as smstools3 recommends
        f.write("[GSM1]\ndevice = %s\nincoming = yes\nbaudrate = 115200\nsend_retries = 0\n"
                "init = AT+CNMI=2,0,0,2,1\n" % sim.link)
    smsd = Proc(["/usr/sbin/smsd", "-t", "-c", conf], os.path.join(d, "smsd.out"))
    try:
        def drop(name, data):
            tmp = os.path.join(d, name + ".tmp")
            with open(tmp, "wb") as f:
                f.write(data)
            os.rename(tmp, os.path.join(spool["outgoing"], name))
            if MODE == "utf8":
                with open(os.path.join(HERE, name + ".in"), "wb") as f:
                    f.write(data)

        for name, data in OUT.items():
            drop(name, data)
        for name in OUT:
            wait_for(lambda: os.path.exists(os.path.join(spool["sent"], name)), 90, "sent/" + name)
        sim.ctl("report-status", "70")   # TP-ST 0x46: a permanent error
        drop("report-fail", b"To: 491701234569\nReport: yes\n\nNot delivered\n")
        wait_for(lambda: os.path.exists(os.path.join(spool["sent"], "report-fail")), 90, "sent/report-fail")
        sim.ctl("cms-error", "500", "10")
        for name, data in FAIL.items():
            drop(name, data)
            wait_for(lambda: os.path.exists(os.path.join(spool["failed"], name)), 120, "failed/" + name)
        sim.ctl("inject", "--from", "+4915112345678", "Antwort über smsd [ok]")
        sim.ctl("inject", "--from", "+4915112345678", "--ucs2", "Ответ €")
        sim.ctl("inject", "--from", "01701234567", "--flash", "Flash!")
        wait_for(lambda: len(os.listdir(spool["incoming"])) >= 5, 120, "incoming files")
        time.sleep(10)
        for sub in ("sent", "failed") if MODE == "utf8" else ():
            for n in sorted(os.listdir(spool[sub])):
                shutil.copy(os.path.join(spool[sub], n), os.path.join(HERE, "%s-%s" % (sub, n)))
        for n in sorted(os.listdir(spool["incoming"])):   # smsd names them GSM1.<random>
            shutil.copy(os.path.join(spool["incoming"], n),
                        os.path.join(HERE, "incoming-%s%s" % (kind(os.path.join(spool["incoming"], n)), SUFFIX)))
    finally:
        shutil.copy(os.path.join(d, "smsd.log"), "/tmp/smsd-regen%s.log" % SUFFIX)
        shutil.copy(sim.log_path, "/tmp/sim-regen%s.log" % SUFFIX)
        smsd.stop()
        sim.close()


if __name__ == "__main__":
    main()
