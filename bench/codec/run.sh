#!/usr/bin/env bash
# Codec benchmark: encode+decode round trips of representative messages,
# smsgate's codec against libGammu (python3-gammu) as a reference line.
#
#   bench/codec/run.sh            # everything (about 3 minutes)
#   RUNS=5 SECONDS_PER_RUN=0.5 CG_COUNT=20000 PY_CG_COUNT=300 bench/codec/run.sh
#   NO_GAMMU=1 bench/codec/run.sh # smsgate only
#
# Needs: cmake, a C compiler, valgrind; for the reference line
# python3-gammu (Debian's /usr/bin/python3). Prints a summary table; the
# numbers in docs/BENCHMARKS.md come from it. Timings are medians of
# RUNS separate processes; instruction counts come from callgrind and are
# the difference between a run of COUNT round trips and a run of none, so
# start-up (and, for Python, interpreter start and `import gammu`) cancels.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib/common.sh

RUNS=${RUNS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-0.5}
CG_COUNT=${CG_COUNT:-20000}
PY_CG_COUNT=${PY_CG_COUNT:-300}
BUILD=${BUILD:-build/bench-codec}
BUILD_TYPE=${BUILD_TYPE:-Release}
PY=${PY:-/usr/bin/python3}

cmake -S bench/codec -B "$BUILD" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
bin=$BUILD/bench-codec
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gammu=1
if [ -n "${NO_GAMMU:-}" ] || ! "$PY" -c 'import gammu' 2>/dev/null; then
	gammu=0
	echo "note: python3-gammu not available (or NO_GAMMU set): no reference line" >&2
fi
have_valgrind=1
command -v valgrind >/dev/null || { have_valgrind=0; echo "note: valgrind not found: no instruction counts" >&2; }

bench_machine
echo "flags: $(grep -m1 "CMAKE_C_FLAGS_${BUILD_TYPE^^}:" "$BUILD/CMakeCache.txt" | cut -d= -f2-)"
[ "$have_valgrind" = 1 ] && echo "valgrind: $(valgrind --version)"
[ "$gammu" = 1 ] && echo "python-gammu / libGammu: $("$PY" -c 'import gammu; print(gammu.Version()[0], "/", gammu.Version()[2])'), $("$PY" --version)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== messages"
"$bin" -l
"$bin" -x >"$work/messages"
names=$(cut -d' ' -f1 "$work/messages")

# median of the third column per message name over the files given
median() {
	local name=$1
	shift
	awk -v n="$name" '$1 == n { print $3 }' "$@" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

echo "== throughput ($RUNS runs of ${SECONDS_PER_RUN}s per message, median)"
for r in $(seq "$RUNS"); do
	"$bin" -t "$SECONDS_PER_RUN" >"$work/c.$r"
	if [ "$gammu" = 1 ]; then
		"$PY" bench/codec/bench-gammu.py "$work/messages" -t "$SECONDS_PER_RUN" >"$work/g.$r"
	fi
done

# total Ir of a callgrind output file
cg_total() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }

ir_c() {
	local name=$1 a b
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.c0" "$bin" -m "$name" -n 0 >/dev/null 2>&1
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.c1" "$bin" -m "$name" -n "$CG_COUNT" >/dev/null 2>&1
	a=$(cg_total "$work/cg.c0")
	b=$(cg_total "$work/cg.c1")
	echo $(((b - a) / CG_COUNT))
}
# Instructions spent inside libGammu's three entry points python-gammu
# calls (inclusive: with the libc work they do), i.e. without Python.
cg_gammu_core() {
	callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
		awk '/\?\?\?:(GSM_EncodeMultiPartSMS|GSM_EncodeSMSFrame|GSM_DecodePDUFrame) \[/ { v = $1; gsub(",", "", v); s += v } END { print s + 0 }'
}
# prints "WHOLE-PYTHON-PROGRAM LIBGAMMU-ONLY" instructions per message
ir_py() {
	local name=$1 a b ca cb
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.p0" "$PY" bench/codec/bench-gammu.py "$work/messages" -m "$name" -n 0 >/dev/null 2>&1
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.p1" "$PY" bench/codec/bench-gammu.py "$work/messages" -m "$name" -n "$PY_CG_COUNT" >/dev/null 2>&1
	a=$(cg_total "$work/cg.p0")
	b=$(cg_total "$work/cg.p1")
	ca=$(cg_gammu_core "$work/cg.p0")
	cb=$(cg_gammu_core "$work/cg.p1")
	echo $(((b - a) / PY_CG_COUNT)) $(((cb - ca) / PY_CG_COUNT))
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.1fx", a / b }'; }

echo "== results"
printf '%-16s %5s | %10s %10s %6s | %10s %11s %6s %10s %6s\n' message parts "smsgate/s" "gammu-py/s" ratio \
	"smsgate Ir" "gammu-py Ir" ratio "libGammu Ir" ratio
printf -- '-%.0s' $(seq 110)
echo
for name in $names; do
	parts=$(awk -v n="$name" '$1 == n { print $2; exit }' "$work/c.1")
	mc=$(median "$name" "$work"/c.*)
	mg=-
	[ "$gammu" = 1 ] && mg=$(median "$name" "$work"/g.*)
	ic=- ig=- il=-
	if [ "$have_valgrind" = 1 ]; then
		ic=$(ir_c "$name")
		[ "$gammu" = 1 ] && read -r ig il < <(ir_py "$name")
	fi
	printf '%-16s %5s | %10s %10s %6s | %10s %11s %6s %10s %6s\n' "$name" "$parts" "$mc" "$mg" "$(ratio "$mc" "$mg")" \
		"$ic" "$ig" "$(ratio "$ig" "$ic")" "$il" "$(ratio "$il" "$ic")"
done
echo "messages/s: median of $RUNS processes, higher is better. Ir: instructions per message (encode+decode), lower is better."
echo "gammu-py: the whole Python program (Python overhead included); libGammu Ir: only the instructions inside"
echo "GSM_EncodeMultiPartSMS + GSM_EncodeSMSFrame + GSM_DecodePDUFrame (inclusive). ratio: smsgate's advantage."
echo "raw runs:"
for r in $(seq "$RUNS"); do
	echo "  run $r smsgate: $(awk '{ printf "%s=%s ", $1, $3 }' "$work/c.$r")"
	[ "$gammu" = 1 ] && echo "  run $r gammu-py: $(awk '{ printf "%s=%s ", $1, $3 }' "$work/g.$r")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
