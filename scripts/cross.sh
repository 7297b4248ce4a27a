#!/usr/bin/env bash
# Cross builds, each tested under qemu-user:
#   mipsel  32-bit little-endian, glibc (Debian's cross gcc and mipsel .debs)
#   mips    32-bit big-endian, glibc: byte-order bugs show up here
#   24kec   the VoCore2's CPU (MT7628, MIPS 24KEc without FPU): static, musl,
#           soft-float, run as `qemu-mipsel -cpu 24KEc`, where any FPU
#           instruction is SIGILL; the binaries are also scanned for them.
# Each runs the unit tests (cmocka) and the daemon's and HTTP API's
# integration tests (tests/integration/cross) with smsgated under qemu
# against a simulator built for this machine.
#
# Usage: scripts/cross.sh [mipsel] [mips] [24kec]      (default: all three)
# The toolchains come from scripts/cross-toolchain.sh (cached by its
# recipe's hash); builds go to build/cross-TARGET. SMSGATE_HOST_BUILD names
# a native build tree to take smsgate-modemsim from (default build/cross-host);
# SMSGATE_CROSS_BUILD_ONLY=1 builds (and scans) without running the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
. scripts/deps.sh
smsgate_need $SMSGATE_BUILD_PKGS $SMSGATE_TEST_PKGS $SMSGATE_CROSS_PKGS

jobs=${SMSGATE_JOBS:-2}
targets=${*:-mipsel mips 24kec}
host=${SMSGATE_HOST_BUILD:-build/cross-host}

bash scripts/cross-toolchain.sh $targets
tc=$(bash scripts/cross-toolchain.sh --dir)

# The simulator runs natively: it stands for the modem, not for the router.
if [ ! -f "$host/CMakeCache.txt" ]; then
	cmake -S . -B "$host" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMSGATE_TESTS=OFF >/dev/null
fi
cmake --build "$host" -j"$jobs" --target smsgate-modemsim >/dev/null
modemsim=$top/$host/tools/modemsim/smsgate-modemsim
[ "${host#/}" != "$host" ] && modemsim=$host/tools/modemsim/smsgate-modemsim

# FPU instructions in objdump -d output: MIPS32 COP1/COP1X loads, stores,
# moves, branches on an FP condition, and every .s/.d/.w/.l/.ps operation.
FPU_RE='[[:space:]](lwc1|swc1|ldc1|sdc1|lwxc1|swxc1|ldxc1|sdxc1|luxc1|suxc1|mtc1|mfc1|mthc1|mfhc1|ctc1|cfc1|bc1[tf]l?|bc1eqz|bc1nez|movf|movt|[a-z0-9]+\.(s|d|w|l|ps)(\.[a-z.]+)?)[[:space:]]'

no_fpu() { # BINARY: fails, listing them, if it holds an FPU instruction or is not soft-float
	local hits attrs
	hits=$(mipsel-linux-gnu-objdump -d "$1" | grep -E "$FPU_RE" || true)
	if [ -n "$hits" ]; then
		echo "$1: FPU instructions (the 24KEc has no FPU):"
		echo "$hits" | head -20
		return 1
	fi
	attrs=$(mipsel-linux-gnu-readelf -A "$1")
	if ! grep -q 'FP ABI: *Soft float' <<<"$attrs"; then
		echo "$1: not marked soft-float:"
		echo "$attrs"
		return 1
	fi
	echo "$1: no FPU instruction in $(mipsel-linux-gnu-objdump -d "$1" | grep -c '^ ') instructions, FP ABI soft float"
}

cross_build() { # TARGET
	local t=$1 b=build/cross-$1 cc bu pc root="" cflags="" ldflags="" emu
	case $t in
	mipsel)
		root=$tc/sysroot-mipsel
		cc=mipsel-linux-gnu-gcc bu=mipsel-linux-gnu
		pc=$root/usr/lib/mipsel-linux-gnu/pkgconfig:$root/usr/share/pkgconfig
		# Headers of the unpacked -dev packages after the cross glibc's;
		# their libraries' own dependencies (GnuTLS...) for the linker.
		cflags="-idirafter $root/usr/include"
		ldflags="-Wl,-rpath-link,$root/usr/lib/mipsel-linux-gnu:$root/lib/mipsel-linux-gnu"
		emu="qemu-mipsel;-L;/usr/mipsel-linux-gnu;-E;LD_LIBRARY_PATH=$root/usr/lib/mipsel-linux-gnu:$root/lib/mipsel-linux-gnu"
		;;
	mips)
		cc=mips-linux-gnu-gcc bu=mips-linux-gnu
		pc=$tc/sysroot-mips/lib/pkgconfig
		emu="qemu-mips;-L;/usr/mips-linux-gnu"
		;;
	24kec)
		cc=$tc/24kec/bin/mipsel-24kec-gcc bu=mipsel-linux-gnu
		pc=$tc/24kec/lib/pkgconfig
		# Flash is small: unused functions of smsgate and the libraries
		# go, and the code is MIPS16e like the toolchain's libraries
		# (docs/cross.md, "Size").
		cflags="-ffunction-sections -fdata-sections -mips16 -minterlink-mips16"
		ldflags="-Wl,--gc-sections"
		emu="qemu-mipsel;-cpu;24KEc"
		;;
	esac
	# MinSizeRel: -Os, as OpenWrt builds packages.
	cmake -S . -B "$b" -DCMAKE_TOOLCHAIN_FILE="$top/cmake/cross.cmake" -DCMAKE_BUILD_TYPE=MinSizeRel \
		-DSMSGATE_WERROR=ON -DSMSGATE_CROSS_CC="$cc" -DSMSGATE_CROSS_BINUTILS="$bu" \
		-DSMSGATE_CROSS_PKGCONFIG="$pc" -DSMSGATE_CROSS_PKGROOT="$root" \
		-DSMSGATE_CROSS_CFLAGS="$cflags" -DSMSGATE_CROSS_LDFLAGS="$ldflags" \
		-DSMSGATE_CROSS_EMULATOR="$emu" -DSMSGATE_HOST_MODEMSIM="$modemsim" >/dev/null
	cmake --build "$b" -j"$jobs"
	echo "$t: $("$bu-readelf" -h "$b/src/daemon/smsgated" | sed -n 's/^ *\(Class\|Data\|Machine\): *//p' | paste -sd, -)"
	if [ "$t" = 24kec ]; then
		no_fpu "$b/src/daemon/smsgated"
		no_fpu "$b/tools/smsgate/smsgate"
	fi
	[ -n "${SMSGATE_CROSS_BUILD_ONLY:-}" ] && return 0
	ctest --test-dir "$b" --output-on-failure -j1
}

for t in $targets; do
	printf '\n---- %s\n' "$t"
	cross_build "$t"
done
