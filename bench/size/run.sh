#!/usr/bin/env bash
# Size and memory of smsgated next to smstools3's smsd, gammu-smsd and
# Kannel's bearerbox (docs/BENCHMARKS.md, "Size and memory").
#
#   bench/size/run.sh              # sizes and resident memory
#   bench/size/run.sh sizes        # or some of the phases: sizes rss rss-guest rss-static variants
#   QUEUED=10000 SETTLE=2 bench/size/run.sh rss rss-guest rss-static
#
# sizes: smsgated for x86_64 (MinSizeRel, Debian's shared libraries), mipsel
#        (MinSizeRel, glibc, Debian's mipsel libraries) and the 24KEc
#        (static musl, soft-float, libmicrohttpd without TLS and json-c
#        inside), from scripts/cross.sh's build trees (built here when
#        missing, without running their tests); smsd, gammu-smsd, bearerbox
#        and smsbox as Debian ships them. Stripped with the target's strip,
#        xz -9e; libraries besides glibc, found through DT_NEEDED.
# rss:   on x86_64: smsgated and smsd through bench/queue/bench_queue.py
#        rss, gammu-smsd and Kannel (bearerbox + smsbox) through
#        bench/size/size.py.
# rss-guest: the static 24KEc smsgated (stripped) under qemu-mipsel, idle
#        and with QUEUED messages: the guest's resident pages, read from
#        qemu's smaps in the range where it keeps the guest's memory
#        (size.py rss-guest), after a calibration with bench/size/touch.c.
# rss-static: the same natively, for a static x86_64 smsgated built like the
#        24KEc one (musl-gcc, libmicrohttpd without TLS, json-c;
#        bench/size/static-x86_64.sh).
# variants: the 24KEc smsgated with one size measure of the toolchain
#        undone at a time (bench/size/variants.sh); takes ~15 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
. scripts/deps.sh
smsgate_need $SMSGATE_BUILD_PKGS $SMSGATE_CROSS_PKGS smstools gammu-smsd kannel time python3
phases=${*:-sizes rss rss-guest rss-static}
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
	rss-guest)
		[ -x build/cross-24kec/src/daemon/smsgated ] || SMSGATE_CROSS_BUILD_ONLY=1 bash scripts/cross.sh 24kec >/dev/null
		tc=$(bash scripts/cross-toolchain.sh --dir)
		mipsel-linux-gnu-strip --strip-all -o "$BUILD/smsgated-24kec" build/cross-24kec/src/daemon/smsgated
		"$tc/24kec/bin/mipsel-24kec-gcc" -Os -Wall -o "$BUILD/touch-24kec" bench/size/touch.c
		echo "== resident memory (KiB), 24KEc static under qemu-user: the guest's pages"
		"$PY" bench/size/size.py rss-guest "$top/$BUILD/smsgated-24kec" "$top/$BUILD/touch-24kec" qemu-mipsel -cpu 24KEc
		;;
	rss-static)
		static=$(bash bench/size/static-x86_64.sh)
		echo "== resident memory (KiB), static x86_64 (musl) build, natively: $(stat -c %s "$static") bytes stripped"
		"$PY" bench/size/size.py rss-native "$static"
		;;
	variants)
		[ -x build/cross-24kec/src/daemon/smsgated ] || SMSGATE_CROSS_BUILD_ONLY=1 bash scripts/cross.sh 24kec >/dev/null
		echo "== the 24KEc smsgated with one size measure undone at a time (bytes)"
		bash bench/size/variants.sh
		;;
	*)
		echo "unknown phase $ph (sizes, rss, rss-guest, rss-static, variants)" >&2
		exit 2
		;;
	esac
done
