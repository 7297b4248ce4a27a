#!/usr/bin/env bash
# Queue benchmarks: smsgated against smsgate-modemsim, smstools3's smsd on
# the same simulator as the reference line (docs/BENCHMARKS.md, "Queue").
#
#   bench/queue/run.sh                 # everything; the smsd default run alone takes ~35 min
#   bench/queue/run.sh latency util    # some phases: latency latency-smsd-default util rss
#   bench/queue/run.sh report          # only the table, from the logs of earlier runs in $OUT
#   N=200 SMSD_DEFAULT_N=50 SECONDS_PER_RUN=30 QUEUED=10000 bench/queue/run.sh
#
# Phases:
#   latency               file drop -> AT+CMGS at the simulator, smsgated and smsd tuned (N each)
#   latency-smsd-default  the same for smsd with its default settings (SMSD_DEFAULT_N messages)
#   util                  messages/s with a 1 s simulated submit, 1, 2 and 4 modems
#   rss                   resident memory: smsgated idle and with QUEUED messages, smsd idle
#
# Needs cmake, a C compiler, Debian's /usr/bin/python3, /usr/bin/time and
# smsd (Debian package smstools) for the reference lines. Results: a table
# on stdout; the raw latencies and the JSON of each run in $OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib/common.sh

N=${N:-200}
SMSD_DEFAULT_N=${SMSD_DEFAULT_N:-200}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-30}
QUEUED=${QUEUED:-10000}
phases=${*:-latency latency-smsd-default util rss}

bench_daemon queue
bq() { "$PY" bench/queue/bench_queue.py "$@"; }
have_smsd=1
[ -x /usr/sbin/smsd ] || { have_smsd=0; echo "note: /usr/sbin/smsd not installed: no smsd lines" >&2; }

bench_machine
echo "smsd: $(dpkg-query -W -f '${Package} ${Version}' smstools 2>/dev/null || echo none)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# The JSON of the last RESULT line of a log
result() { grep '^RESULT ' "$1" | tail -1 | cut -d' ' -f2-; }
run() { # name, args...: runs one benchmark, keeps its log
	local name=$1
	shift
	echo "-- $name: bench_queue.py $*" >&2
	bq "$@" 2>&1 | tee "$OUT/$name.log" >&2
}

for ph in $phases; do
	case $ph in
	latency)
		run lat-smsgated latency -v --impl smsgated -n "$N" --raw "$OUT/lat-smsgated.txt"
		[ "$have_smsd" = 1 ] && run lat-smsd-tuned latency -v --impl smsd-tuned -n "$N" --timeout 120 \
			--raw "$OUT/lat-smsd-tuned.txt"
		;;
	latency-smsd-default)
		[ "$have_smsd" = 1 ] && run lat-smsd-default latency -v --impl smsd-default -n "$SMSD_DEFAULT_N" \
			--gap-max 1.0 --timeout 120 --raw "$OUT/lat-smsd-default.txt"
		;;
	util)
		for m in 1 2 4; do
			run "util-$m" util --modems "$m" --seconds "$SECONDS_PER_RUN"
		done
		;;
	rss)
		run rss-smsgated rss --impl smsgated --queued "$QUEUED"
		[ "$have_smsd" = 1 ] && run rss-smsd rss --impl smsd
		;;
	report) ;; # only the table, from the logs in $OUT
	*)
		echo "unknown phase $ph" >&2
		exit 2
		;;
	esac
done

echo "== results"
"$PY" - "$OUT" <<'EOF'
import json, os, sys
out = sys.argv[1]

def res(name):
    try:
        with open(os.path.join(out, name + ".log")) as f:
            lines = [l for l in f if l.startswith("RESULT ")]
        return json.loads(lines[-1][7:]) if lines else None
    except OSError:
        return None

lat = {k: res("lat-" + k) for k in ("smsgated", "smsd-tuned", "smsd-default")}
if any(lat.values()):
    print("drop -> AT+CMGS   n     p50 ms     p90 ms     p99 ms     max ms")
    for k, r in lat.items():
        if r:
            print("%-15s %4d %10.1f %10.1f %10.1f %10.1f" % (k, r["n"], r["p50_ms"], r["p90_ms"], r["p99_ms"], r["max_ms"]))
    g = lat["smsgated"]
    for k in ("smsd-tuned", "smsd-default"):
        if g and lat[k]:
            print("  %s / smsgated: p50 %.0fx, p99 %.0fx" % (k, lat[k]["p50_ms"] / g["p50_ms"], lat[k]["p99_ms"] / g["p99_ms"]))
for m in (1, 2, 4):
    r = res("util-%d" % m)
    if r:
        print("utilisation %d modem(s): %.3f msg/s of %d ideal = %.1f %% (%d messages)" % (
            m, r["msg_per_s"], m, 100 * r["utilisation"], r["messages"]))
r = res("rss-smsgated")
if r:
    i = r["idle"]
    print("smsgated idle: VmRSS %d KiB (RssAnon %d, RssFile %d), private %s KiB" % (
        i["VmRSS"], i["RssAnon"], i["RssFile"], i.get("Private")))
    if "queued" in r:
        q = r["queued"]
        print("smsgated %d queued: VmRSS %d KiB (RssAnon %d); +%d KiB VmRSS, +%d KiB anon over idle" % (
            r["queued_n"], q["VmRSS"], q["RssAnon"], q["VmRSS"] - i["VmRSS"], q["RssAnon"] - i["RssAnon"]))
    print("smsgated /usr/bin/time -v max RSS: %s KiB" % r["time_v_maxrss_kib"])
r = res("rss-smsd")
if r:
    i = r["idle"]
    print("smsd idle (%d processes): VmRSS %d KiB (RssAnon %d, RssFile %d), private %s KiB; time -v max RSS %s KiB" % (
        r["processes"], i["VmRSS"], i["RssAnon"], i["RssFile"], i.get("Private"), r["time_v_maxrss_kib"]))
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
