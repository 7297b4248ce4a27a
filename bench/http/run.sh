#!/usr/bin/env bash
# HTTP benchmarks (docs/BENCHMARKS.md, "HTTP"), all in one run on this machine:
#   throughput  wrk at 8 connections: smsgated POST /api/v1/messages and GET /cgi-bin/sms
#               (a live simulated modem draining the queue), the same with no modem (HTTP
#               intake alone), busybox httpd + the Lua CGI (the original setup), Kannel's
#               sendsms (bearerbox + smsbox, loopback SMSC)
#   latency     HTTP request -> first byte of AT+CMGS at smsgate-modemsim: smsgated, and
#               busybox httpd + Lua CGI + smsd (tuned as in bench/queue)
#
#   bench/http/run.sh                  # everything (~2 min)
#   SECONDS_PER_RUN=30 N=200 bench/http/run.sh latency
#
# Needs wrk, busybox, lua5.4, kannel, smstools (Debian packages), cmake, a C compiler.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib/common.sh

SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CONNS=${CONNS:-8}
N=${N:-100}
SMSD_N=${SMSD_N:-30}
phases=${*:-throughput latency}

for p in wrk busybox lua5.4; do
	command -v $p >/dev/null || { echo "needs $p (apt-get install wrk busybox lua5.4 kannel smstools)" >&2; exit 1; }
done
bench_daemon http
bh() { "$PY" bench/http/bench_http.py "$@"; }

bench_machine
echo "wrk: $(wrk --version 2>&1 | head -1)"
echo "kannel: $(dpkg-query -W -f '${Version}' kannel 2>/dev/null || echo none); smstools: $(dpkg-query -W -f '${Version}' smstools 2>/dev/null || echo none)"

for ph in $phases; do
	case $ph in
	throughput)
		echo "== throughput: wrk -t2 -c$CONNS -d${SECONDS_PER_RUN}s --latency"
		bh throughput -d "$SECONDS_PER_RUN" -c "$CONNS" | tee "$OUT/throughput.log"
		echo "-- smsgated without a modem (HTTP intake alone)"
		bh throughput -d "$SECONDS_PER_RUN" -c "$CONNS" --no-modem --only smsgated | tee "$OUT/throughput-nomodem.log"
		;;
	latency)
		echo "== HTTP -> AT+CMGS"
		bh latency -n "$N" --impl smsgated | tee "$OUT/latency-smsgated.log"
		[ -x /usr/sbin/smsd ] && bh latency -n "$SMSD_N" --impl lua-smsd | tee "$OUT/latency-lua-smsd.log"
		;;
	*) echo "unknown phase $ph" >&2; exit 2 ;;
	esac
done
