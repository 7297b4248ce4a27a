"""Pool throughput (issue 9): messages per second through 1, 2 and 3
gateways sharing one mosquitto, each with its own smsgate-modemsim whose
submit takes --send-delay-ms. The modems are the bottleneck on purpose,
as real ones are (a few seconds per SMS): the question is whether N
gateways send N times as fast, i.e. whether the shared subscription
spreads the work and nothing in smsgated serialises it.

One run: start the broker and N gateways, wait until each is subscribed,
publish M messages with mosquitto_pub -q 1, and take the time from the
publish to the last submit the simulators logged (their own time
stamps). Runs alternate N = 1, 2, 3, REPEAT times; the median rate per N
and its ratio to N = 1 are printed, and one RESULT line of JSON."""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration",
                                "mqtt"))

from mqttlib import NUMBER, Broker, Gateway  # noqa: E402
from simlib import TIMEOUT, wait_for  # noqa: E402


class Run:
    """What Gateway needs of a test: a directory and assertEqual."""

    def __init__(self, d):
        self.dir = d

    @staticmethod
    def assertEqual(a, b, msg=None):
        if a != b:
            raise AssertionError(msg or "%r != %r" % (a, b))


def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def one(n, messages, delay_ms, keep):
    d = tempfile.mkdtemp(prefix="bench-pool-")
    run = Run(d)
    broker = Broker(d)
    gws = []
    try:
        for i in range(n):
            gws.append(Gateway(run, "gw%d" % (i + 1), broker, "--send-delay-ms", str(delay_ms)))
        texts = ["pool bench %04d" % i for i in range(messages)]
        t0 = time.time()
        broker.pub("smsgate/send", *[json.dumps({"to": NUMBER, "text": t}) for t in texts])

        def done():
            got = [e for g in gws for e in g.sim.events("submit") if e.get("result") == "ok"]
            return got if len({e["text"] for e in got}) == messages else None
        got = wait_for(done, max(TIMEOUT, messages * delay_ms / 1000.0 * 3), "all %d sent" % messages)
        last = max(ts(e["ts"]) for e in got)
        per = [len([e for e in g.sim.events("submit") if e.get("result") == "ok"]) for g in gws]
        return {"gateways": n, "messages": messages, "seconds": last - t0, "rate": messages / (last - t0),
                "per_gateway": per, "duplicates": len(got) - messages}
    finally:
        for g in gws:
            g.stop()
        broker.stop()
        if not keep:
            shutil.rmtree(d, True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=120)
    ap.add_argument("--send-delay-ms", type=int, default=250)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gateways", default="1,2,3")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    ns = [int(x) for x in a.gateways.split(",")]
    runs = {n: [] for n in ns}
    for r in range(a.repeat):
        for n in ns:
            res = one(n, a.messages, a.send_delay_ms, a.keep)
            runs[n].append(res)
            print("run %d, %d gateway(s): %d messages in %.2f s = %.2f/s, per gateway %s, duplicates %d"
                  % (r + 1, n, res["messages"], res["seconds"], res["rate"], res["per_gateway"], res["duplicates"]),
                  file=sys.stderr)
    med = {n: statistics.median(x["rate"] for x in runs[n]) for n in ns}
    base = med[ns[0]] / ns[0]
    print("gateways  median msg/s  ratio to one  goal 0.9 x N")
    for n in ns:
        print("%8d  %12.2f  %12.2f  %s" % (n, med[n], med[n] / base, "met" if med[n] / base >= 0.9 * n else "MISSED"))
    print("RESULT " + json.dumps({"send_delay_ms": a.send_delay_ms, "messages": a.messages, "repeat": a.repeat,
                                  "median_rate": med, "runs": runs}))


if __name__ == "__main__":
    main()
