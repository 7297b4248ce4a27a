#!/usr/bin/env bash
# Pool throughput: 1, 2 and 3 smsgated sharing one mosquitto, each with its
# own simulated modem (docs/BENCHMARKS.md, "Pool").
#
#   bench/pool/run.sh
#   MESSAGES=120 SEND_DELAY_MS=250 REPEAT=3 bench/pool/run.sh
#
# Needs cmake, a C compiler, Debian's /usr/bin/python3, mosquitto and
# mosquitto-clients. Results: a table on stdout, each run on stderr, the
# log in $OUT/pool.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib/common.sh

bench_daemon pool
bench_machine
echo "mosquitto: $(dpkg-query -W -f '${Version}' mosquitto 2>/dev/null || echo none)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" bench/pool/bench_pool.py --messages "${MESSAGES:-120}" --send-delay-ms "${SEND_DELAY_MS:-250}" \
	--repeat "${REPEAT:-3}" 2>&1 | tee "$OUT/pool.log"
