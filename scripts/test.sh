#!/usr/bin/env bash
# Builds and runs every test: the unit and integration suite with warnings
# as errors, the same suite under ASan+UBSan (clang), a short libFuzzer
# run of each fuzz target, and the cross builds for MIPS (scripts/cross.sh:
# unit and daemon tests under qemu-user). Installs what it needs; safe to
# run again.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
. scripts/deps.sh
smsgate_need $SMSGATE_BUILD_PKGS $SMSGATE_TEST_PKGS

jobs=$(nproc)
fuzz_seconds=${SMSGATE_FUZZ_SECONDS:-20}

step() { printf '\n==== %s (%ds in)\n' "$*" "$SECONDS"; }

step "build (gcc, -Werror)"
cmake -S . -B build/test -DSMSGATE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/test -j"$jobs"
step "tests (gcc)"
ctest --test-dir build/test --output-on-failure -j"$jobs"

step "build (clang, ASan+UBSan)"
CC=clang cmake -S . -B build/asan -DSMSGATE_WERROR=ON -DCMAKE_BUILD_TYPE=Debug \
	-DCMAKE_C_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" >/dev/null
cmake --build build/asan -j"$jobs"
step "tests (ASan+UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build/asan --output-on-failure -j1 # one at a time: ASan slows the timing-bound tests

step "fuzz (libFuzzer, ${fuzz_seconds}s per target)"
CC=clang cmake -S . -B build/fuzz -DSMSGATE_FUZZ=ON -DSMSGATE_TESTS=OFF -DSMSGATE_WERROR=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" >/dev/null
cmake --build build/fuzz -j"$jobs"
for f in build/fuzz/tests/fuzz/fuzz-*; do
	name=${f##*/fuzz-}
	seeds=$top/tests/fuzz/corpus/$name
	work=build/fuzz/corpus-$name
	mkdir -p "$work"
	# Committed seeds and crash regressions first, then a timed run.
	"$f" -runs=0 "$seeds" >/dev/null 2>&1 || { echo "fuzz-$name: a committed input fails"; "$f" -runs=0 "$seeds"; exit 1; }
	"$f" -max_total_time="$fuzz_seconds" -max_len=512 -print_final_stats=0 "$work" "$seeds" >"build/fuzz/$name.log" 2>&1 \
		|| { echo "fuzz-$name: crash"; tail -40 "build/fuzz/$name.log"; exit 1; }
	echo "fuzz-$name: $(grep -o 'Done [0-9]* runs' "build/fuzz/$name.log" || echo ok)"
done

step "cross builds under qemu-user: mipsel, mips, MIPS 24KEc (static musl, soft-float)"
SMSGATE_HOST_BUILD=build/test SMSGATE_JOBS="$jobs" bash scripts/cross.sh

step "all tests passed"
