#!/usr/bin/python3
"""Reference line for bench/codec: the same round trip through libGammu via
python3-gammu. Per message: gammu.EncodeSMS (split into parts), then for
each part gammu.EncodePDU -> hex -> bytes -> gammu.DecodePDU.

Python's own overhead (the loop, building the argument dicts, converting
the result dicts libGammu fills into Python objects) is part of every
number this prints: it measures "libGammu as a Python program uses it",
not libGammu's C code alone.

  bench-gammu.py MESSAGES_FILE [-m NAME] [-n COUNT | -t SECONDS]

MESSAGES_FILE holds "NAME HEX-OF-UTF-8" lines (bench-codec -x). Output,
one line per message: NAME PARTS MESSAGES_PER_SECOND
"""
import argparse
import sys
import time

import gammu

GSM = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
          "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
          "\x0c^{}\\[~]|€")


def round_trip(text, unicode):
    n = 0
    for part in gammu.EncodeSMS({"Class": -1, "Unicode": unicode,
                                 "Entries": [{"ID": "ConcatenatedTextLong", "Buffer": text}]}):
        part["Number"] = "+491701234567"
        hexpdu = gammu.EncodePDU(part).hex()
        n += len(gammu.DecodePDU(bytes.fromhex(hexpdu))["Text"])
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("messages")
    ap.add_argument("-m")
    ap.add_argument("-n", type=int)
    ap.add_argument("-t", type=float, default=0.5)
    a = ap.parse_args()
    msgs = []
    with open(a.messages) as f:
        for line in f:
            name, hx = line.split()
            msgs.append((name, bytes.fromhex(hx).decode("utf-8")))
    for name, text in msgs:
        if a.m and a.m != name:
            continue
        # The alphabet choice is made once, outside the timed loop (the C
        # codec makes it inside sms_plan_text on every round).
        unicode = not set(text) <= GSM
        parts = len(gammu.EncodeSMS({"Class": -1, "Unicode": unicode,
                                     "Entries": [{"ID": "ConcatenatedTextLong", "Buffer": text}]}))
        if a.n is not None:
            t0 = time.perf_counter()
            for _ in range(a.n):
                round_trip(text, unicode)
            el = time.perf_counter() - t0
            done = a.n
        else:
            done = 0
            t0 = time.perf_counter()
            while True:
                for _ in range(100):
                    round_trip(text, unicode)
                done += 100
                el = time.perf_counter() - t0
                if el >= a.t:
                    break
        print("%s %d %.0f" % (name, parts, done / el if el > 0 else 0.0))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
