#!/usr/bin/env bash
# Size and memory of smsgated next to smstools3's smsd, gammu-smsd and
# Kannel's bearerbox (docs/BENCHMARKS.md, "Size and memory").
#
#   bench/size/run.sh              # sizes and resident memory
#   bench/size/run.sh sizes        # or one of the phases: sizes rss
#   QUEUED=10000 SETTLE=2 bench/size/run.sh rss
#
# sizes: smsgated for x86_64 (MinSizeRel, Debian's shared libraries), mipsel
#        (MinSizeRel, glibc, Debian's mipsel libraries) and the 24KEc
#        (static musl, soft-float, libmicrohttpd without TLS and json-c
#        inside), from scripts/cross.sh's build trees (built here when
#        missing, without running their tests); smsd, gammu-smsd, bearerbox
#        and smsbox as Debian ships them. Stripped with the target's strip,
#        xz -9e; libraries besides glibc, found through DT_NEEDED.
# rss:   x86_64 only (qemu's own memory would swamp a MIPS figure):
#        smsgated and smsd through bench/queue/bench_queue.py rss, gammu-smsd
#        and Kannel (bearerbox + smsbox) through bench/size/size.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
. scripts/deps.sh
smsgate_need $SMSGATE_BUILD_PKGS $SMSGATE_CROSS_PKGS smstools gammu-smsd kannel time python3
phases=${*:-sizes rss}
QUEUED=${QUEUED:-10000}
export QUEUED SETTLE=${SETTLE:-2}
BUILD=${BUILD:-build/size-x86_64}
PY=/usr/bin/python3
export PYTHONPATH=$top/tests/integration PYTHONDONTWRITEBYTECODE=1

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=MinSizeRel -DSMSGATE_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target smsgated smsgate-modemsim >/dev/null
export SMSGATED=$top/$BUILD/src/daemon/smsgated SMSGATE_MODEMSIM=$top/$BUILD/tools/modemsim/smsgate-modemsim

echo "== machine"
echo "cpus: $(nproc); kernel $(uname -r); $(cc --version | head -1); $(mipsel-linux-gnu-gcc --version | head -1)"
echo "debian: smstools $(dpkg-query -W -f '${Version}' smstools), gammu-smsd $(dpkg-query -W -f '${Version}' gammu-smsd), kannel $(dpkg-query -W -f '${Version}' kannel), libmicrohttpd12 $(dpkg-query -W -f '${Version}' libmicrohttpd12), libjson-c5 $(dpkg-query -W -f '${Version}' libjson-c5)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

for ph in $phases; do
	case $ph in
	sizes)
		for t in mipsel 24kec; do
			[ -x build/cross-$t/src/daemon/smsgated ] || SMSGATE_CROSS_BUILD_ONLY=1 bash scripts/cross.sh $t >/dev/null
		done
		tc=$(bash scripts/cross-toolchain.sh --dir)
		ml=$tc/sysroot-mipsel/usr/lib/mipsel-linux-gnu,$tc/sysroot-mipsel/lib/mipsel-linux-gnu,/usr/mipsel-linux-gnu/lib
		echo "== sizes (bytes)"
		"$PY" bench/size/size.py sizes \
			"smsgated x86_64=$SMSGATED" \
			"smsgated mipsel=build/cross-mipsel/src/daemon/smsgated:$ml" \
			"smsgated 24KEc static=build/cross-24kec/src/daemon/smsgated" \
			"smsgate (CLI, CGI) 24KEc=build/cross-24kec/tools/smsgate/smsgate" \
			"smsd (smstools3)=/usr/sbin/smsd" \
			"gammu-smsd=/usr/bin/gammu-smsd" \
			"bearerbox (Kannel)=/usr/sbin/bearerbox" \
			"smsbox (Kannel)=/usr/sbin/smsbox"
		;;
	rss)
		echo "== resident memory (KiB), x86_64"
		"$PY" bench/queue/bench_queue.py rss --impl smsgated --queued "$QUEUED" --settle "$SETTLE"
		"$PY" bench/queue/bench_queue.py rss --impl smsd --settle "$SETTLE"
		"$PY" bench/size/size.py rss-gammu
		"$PY" bench/size/size.py rss-bearerbox
		;;
	*)
		echo "unknown phase $ph (sizes, rss)" >&2
		exit 2
		;;
	esac
done
