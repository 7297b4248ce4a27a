# shellcheck shell=bash
# Sourced by bench/*/run.sh, from the top of the tree.

# bench_daemon NAME: builds smsgated and smsgate-modemsim in $BUILD
# (default build/bench-NAME, $BUILD_TYPE default RelWithDebInfo) and exports
# what the bench Python needs: SMSGATED, SMSGATE_MODEMSIM, PYTHONPATH with
# tests/integration. Sets OUT (default $BUILD/results, created) and PY.
bench_daemon() {
	BUILD=${BUILD:-build/bench-$1}
	BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
	OUT=${OUT:-$BUILD/results}
	PY=${PY:-/usr/bin/python3}
	cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
	cmake --build "$BUILD" -j"$(nproc)" --target smsgated smsgate-modemsim >/dev/null
	export SMSGATED=$PWD/$BUILD/src/daemon/smsgated
	export SMSGATE_MODEMSIM=$PWD/$BUILD/tools/modemsim/smsgate-modemsim
	export PYTHONPATH=$PWD/tests/integration PYTHONDONTWRITEBYTECODE=1
	mkdir -p "$OUT"
}

# The head of every report: the machine the numbers come from.
bench_machine() {
	echo "== machine"
	echo "cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "kernel: $(uname -r); cc: $(cc --version | head -1); build type $BUILD_TYPE"
}
