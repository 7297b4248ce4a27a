#!/usr/bin/env bash
# Makes the cross toolchains that scripts/cross.sh builds and tests with,
# from Debian's archive only, into a cache keyed by this file's hash:
#
#   $cache/sysroot-mipsel
#       Debian's mipsel .debs of libmicrohttpd, json-c and cmocka and their
#       run-time dependencies, unpacked with dpkg-deb -x (no
#       `dpkg --add-architecture`: multiarch installs conflict with amd64
#       security updates on bookworm). glibc itself comes from Debian's
#       cross packages (libc6-dev-mipsel-cross) in /usr/mipsel-linux-gnu.
#   $cache/sysroot-mips
#       big-endian: bookworm has no mips .debs, only the cross toolchain;
#       the three libraries are built static from their source packages.
#   $cache/24kec
#       the VoCore2's CPU (MT7628: MIPS 24KEc, little-endian, no FPU):
#       musl built soft-float with Debian's mipsel-linux-gnu-gcc, a
#       soft-float libgcc (Debian's cross libgcc does floating point with
#       the FPU), and static libmicrohttpd (no TLS), json-c and cmocka,
#       all from Debian source packages; bin/mipsel-24kec-gcc drives it.
#       Made for small static programs: no abicalls, and musl, the
#       soft-float routines, libmicrohttpd and json-c in MIPS16e where
#       that is safe (docs/cross.md, "Size").
#
# Usage: scripts/cross-toolchain.sh mipsel|mips|24kec ...   prints nothing;
#        scripts/cross-toolchain.sh --dir                   prints $cache.
# SMSGATE_CROSS_CACHE (default /var/cache/smsgate-cross) holds one
# directory per recipe hash; a finished part has a .done stamp, so a second
# run takes no time and an interrupted one starts that part again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
recipe_hash=$(sha256sum "$here/cross-toolchain.sh" | cut -c1-16)
cache=${SMSGATE_CROSS_CACHE:-/var/cache/smsgate-cross}/$recipe_hash
jobs=${SMSGATE_JOBS:-2}

if [ "${1:-}" = --dir ]; then
	echo "$cache"
	exit 0
fi

. "$here/deps.sh"
smsgate_need $SMSGATE_CROSS_PKGS
mkdir -p "$cache"

# ---- a private apt for the mipsel .debs and the source packages ----------
# Its own lists, cache and sources (the system's sources plus deb-src), so
# the system's apt state is never touched. Shared by all recipe hashes.
apt_dir=${cache%/*}/apt
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts"
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq)

apt_private() { # ARCH apt-get|apt-cache ARGS...
	local arch=$1 tool=$2
	shift 2
	"$tool" "${apt_opts[@]}" -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" "$@"
}

apt_ready=""
apt_setup() { # once per run: the lists are refreshed whenever something is built
	[ -n "$apt_ready" ] && return 0
	rm -rf "$apt_dir"
	mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	: >"$apt_dir/sources.list"
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		sed 's/^Types: *deb *$/Types: deb deb-src/' "$f" >"$apt_dir/parts/${f##*/}"
	done
	if [ -f /etc/apt/sources.list ]; then
		grep -E '^deb ' /etc/apt/sources.list | sed 'p;s/^deb /deb-src /' >"$apt_dir/sources.list" || true
	fi
	apt-get "${apt_opts[@]}" -o APT::Architecture=mipsel -o APT::Architectures::=mipsel update
	apt_ready=1
}

# ---- glibc sysroots from Debian's binary packages ------------------------
# The libraries the build links (-dev: headers, .so, .pc) and what they
# need at run time. libc6 and libgcc-s1 are left out: the cross toolchain
# has them, and qemu is given /usr/<triple> for them.
SYSROOT_DEV="libmicrohttpd-dev libjson-c-dev libcmocka-dev"
SYSROOT_RUN="libmicrohttpd12 libjson-c5 libcmocka0"
SYSROOT_SKIP="libc6 libgcc-s1 gcc-12-base libcrypt1"

make_sysroot() { # ARCH
	local arch=$1 root=$cache/sysroot-$1 debs pkgs p
	[ -f "$root/.done" ] && return 0
	apt_setup
	rm -rf "$root"
	debs=$root.debs
	rm -rf "$debs" && mkdir -p "$debs"
	pkgs=$(apt_private "$arch" apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances $SYSROOT_RUN | grep -E '^[a-z0-9]' | sort -u)
	for p in $SYSROOT_SKIP; do pkgs=$(printf '%s\n' $pkgs | grep -vx "$p"); done
	(cd "$debs" && apt_private "$arch" apt-get download $SYSROOT_DEV $pkgs)
	mkdir -p "$root"
	for p in "$debs"/*.deb; do dpkg-deb -x "$p" "$root"; done
	rm -rf "$debs"
	# libmicrohttpd.pc names gnutls in Requires.private, whose -dev (and
	# its own -dev chain) a dynamic link does not need: an empty gnutls.pc
	# satisfies pkg-config; the real libgnutls.so.30 is in the sysroot.
	printf 'Name: gnutls\nDescription: stand-in for pkg-config (scripts/cross-toolchain.sh)\nVersion: 3.7.9\nLibs:\nCflags:\n' \
		>"$root/usr/lib/$arch-linux-gnu/pkgconfig/gnutls.pc"
	touch "$root/.done"
}

# ---- the 24KEc: static musl, soft-float ----------------------------------
T24=$cache/24kec
# Static only, so no abicalls: the calls through $gp and the GOT that
# shared code needs make MIPS16e code a fifth bigger (docs/BENCHMARKS.md,
# "Size and memory").
CFLAGS_24KEC="-msoft-float -march=mips32r2 -mtune=24kc -Os -fno-pie -mno-abicalls"
# MIPS16e (the 24KEc has it): 16-bit encodings of the common
# instructions, about a third smaller. OpenWrt builds its 24Kc packages
# so by default. -minterlink-mips16: calls may cross between modes.
MIPS16="-mips16 -minterlink-mips16"

# Source packages, downloaded once for all targets and recipes (like the
# private apt state, next to the recipe directories).
SOURCES="musl glibc libmicrohttpd json-c cmocka"
src=${cache%/*}/src
fetch_sources() {
	[ -f "$src/.done" ] && return 0
	apt_setup
	rm -rf "$src" && mkdir -p "$src"
	(cd "$src" && apt_private mipsel apt-get source --download-only $SOURCES)
	touch "$src/.done"
}

unpack_source() { # SRCDIR PKG -> prints the unpacked directory
	local src=$1 pkg=$2 dsc
	dsc=$(ls "$src/${pkg}"_*.dsc)
	rm -rf "$src/$pkg.src"
	dpkg-source --no-check -q -x "$dsc" "$src/$pkg.src" >/dev/null
	echo "$src/$pkg.src"
}

# The soft-float routines gcc calls for float/double arithmetic when
# compiling with -msoft-float (TS: libgcc's __adddf3 etc.), built from
# glibc's soft-fp/ (the same code as libgcc's soft-fp) with the MIPS32
# machine description, in MIPS16e; then the integer helpers of Debian's
# libgcc.a (64-bit division, shifts, clz...) and the __sync_* routines
# that MIPS16e code calls for atomics (it has no ll/sc), each checked to
# contain no FPU instruction. long double is double on MIPS o32, so no TF
# routines.
SOFTFP="adddf3 addsf3 subdf3 subsf3 muldf3 mulsf3 divdf3 divsf3 negdf2 negsf2
	eqdf2 eqsf2 gedf2 gesf2 ledf2 lesf2 unorddf2 unordsf2 extendsfdf2 truncdfsf2
	fixdfsi fixsfsi fixdfdi fixsfdi fixunsdfsi fixunssfsi fixunsdfdi fixunssfdi
	floatsidf floatsisf floatdidf floatdisf floatunsidf floatunsisf floatundidf floatundisf"
LIBGCC_INT="_muldi3 _negdi2 _lshrdi3 _ashldi3 _ashrdi3 _cmpdi2 _ucmpdi2 _clz _clzsi2 _clzdi2 _ctzsi2
	_ctzdi2 _popcount_tab _popcountsi2 _popcountdi2 _paritysi2 _paritydi2 _bswapsi2 _bswapdi2
	_clrsbsi2 _clrsbdi2 _ffssi2 _ffsdi2 _divdi3 _moddi3 _divmoddi4 _udivdi3 _umoddi3 _udivmoddi4
	__gcc_bcmp sync_val_compare_and_swap_4 sync_bool_compare_and_swap_4 sync_lock_test_and_set_4
	sync_fetch_and_add_4 sync_add_and_fetch_4 sync_fetch_and_sub_4 sync_sub_and_fetch_4
	sync_fetch_and_or_4 sync_fetch_and_and_4 sync_synchronize"

# FPU instructions in objdump -d output (MIPS32 COP1/COP1X: loads, stores,
# moves, branches on FP condition, every .s/.d/.w/.l/.ps operation).
FPU_RE='[[:space:]](lwc1|swc1|ldc1|sdc1|lwxc1|swxc1|ldxc1|sdxc1|luxc1|suxc1|mtc1|mfc1|mthc1|mfhc1|ctc1|cfc1|bc1[tf]l?|bc1eqz|bc1nez|movf|movt|[a-z0-9]+\.(s|d|w|l|ps)(\.[a-z.]+)?)[[:space:]]'

fpu_scan() { # FILE -> prints FPU instructions found, returns 1 if any
	if mipsel-linux-gnu-objdump -d "$1" | grep -E "$FPU_RE"; then return 1; fi
	return 0
}

clear_abicalls() { # ELF32-LE OBJECT: clears EF_MIPS_PIC (2) and EF_MIPS_CPIC (4) in e_flags
	local f
	f=$(od -An -tu4 -j36 -N4 "$1")
	f=$((f & ~6))
	printf "$(printf '\\%03o' $((f & 255)) $((f >> 8 & 255)) $((f >> 16 & 255)) $((f >> 24 & 255)))" |
		dd of="$1" bs=1 seek=36 conv=notrunc status=none
}

make_softfp() { # SRC
	local src=$1 w=$T24/build/softfp f o libgcc
	rm -rf "$w" && mkdir -p "$w/obj" "$w/int"
	tar -xJf "$src"/glibc_*.orig.tar.xz -C "$w" --strip-components=1 \
		--wildcards 'glibc-*/soft-fp/*' 'glibc-*/sysdeps/mips/mips32/sfp-machine.h'
	cat >"$w/sfp-machine.h" <<-'EOF'
	/* glibc's MIPS32 soft-fp description outside glibc: byte order from
	 * musl, longlong.h's double-word helpers in C (add, subtract, multu,
	 * and 64/32 division with the high word below the divisor, as soft-fp
	 * guarantees). */
	#include <endian.h>
	#define umul_ppmm(w1, w0, u, v) do { unsigned long long __p = (unsigned long long)(u) * (v); \
		(w1) = (unsigned long)(__p >> 32); (w0) = (unsigned long)__p; } while (0)
	#define udiv_qrnnd(q, r, n1, n0, d) do { unsigned long long __n = \
		((unsigned long long)(n1) << 32) | (n0); (q) = (unsigned long)(__n / (d)); \
		(r) = (unsigned long)(__n % (d)); } while (0)
	#define add_ssaaaa(sh, sl, ah, al, bh, bl) do { unsigned long long __s = \
		(((unsigned long long)(ah) << 32) | (unsigned long)(al)) + \
		(((unsigned long long)(bh) << 32) | (unsigned long)(bl)); \
		(sh) = (unsigned long)(__s >> 32); (sl) = (unsigned long)__s; } while (0)
	#define sub_ddmmss(sh, sl, ah, al, bh, bl) do { unsigned long long __s = \
		(((unsigned long long)(ah) << 32) | (unsigned long)(al)) - \
		(((unsigned long long)(bh) << 32) | (unsigned long)(bl)); \
		(sh) = (unsigned long)(__s >> 32); (sl) = (unsigned long)__s; } while (0)
	#define strong_alias(name, aliasname) extern __typeof (name) aliasname __attribute__ ((alias (#name)));
	#include "sysdeps/mips/mips32/sfp-machine.h"
	EOF
	for f in $SOFTFP; do
		"$T24/bin/mipsel-24kec-gcc" -c -Os $MIPS16 -ffunction-sections -fno-builtin -Werror=implicit-function-declaration -I"$w" -I"$w/soft-fp" \
			-o "$w/obj/$f.o" "$w/soft-fp/$f.c"
	done
	libgcc=$(mipsel-linux-gnu-gcc -print-libgcc-file-name)
	(cd "$w/int" && for o in $LIBGCC_INT; do mipsel-linux-gnu-ar x "$libgcc" "$o.o"; done)
	for o in "$w"/int/*.o; do
		fpu_scan "$o" >/dev/null || { echo "cross-toolchain: $o (Debian's libgcc) uses the FPU" >&2; return 1; }
		# They carry the hard-float ABI tag though they use no FPU.
		mipsel-linux-gnu-objcopy -R .gnu.attributes -R .MIPS.abiflags "$o"
		# And the abicalls flags of position-independent code, though
		# they are leaf functions that never use $gp or the GOT: cleared,
		# so that the static link does not warn about mixing.
		if mipsel-linux-gnu-readelf -rW "$o" | grep -qE 'R_MIPS_(GOT|CALL|GPREL)'; then
			echo "cross-toolchain: $o (Debian's libgcc) uses \$gp" >&2
			return 1
		fi
		clear_abicalls "$o"
	done
	rm -f "$T24/lib/libgcc-sf.a"
	mipsel-linux-gnu-ar rcs "$T24/lib/libgcc-sf.a" "$w"/obj/*.o "$w"/int/*.o
	fpu_scan "$T24/lib/libgcc-sf.a" >/dev/null || { echo "cross-toolchain: libgcc-sf.a uses the FPU" >&2; return 1; }
}

# libmicrohttpd (no TLS), json-c and cmocka as static libraries from
# their Debian source packages, as small as they go (-Os). CFLAGS are
# added to both libraries' flags, MHD-OPTIONS to libmicrohttpd's
# configure.
build_libs() { # SRCDIR PREFIX CC HOST BINUTILS-TRIPLE [CFLAGS [MHD-OPTIONS]]
	local src=$1 prefix=$2 cc=$3 host=$4 bu=$5 cflags=${6:-} mhd_opts=${7:-} d
	cat >"$prefix/toolchain.cmake" <<-EOF
	set(CMAKE_SYSTEM_NAME Linux)
	set(CMAKE_SYSTEM_PROCESSOR mips)
	set(CMAKE_C_COMPILER $cc)
	set(CMAKE_AR /usr/bin/$bu-ar CACHE FILEPATH "")
	set(CMAKE_RANLIB /usr/bin/$bu-ranlib CACHE FILEPATH "")
	set(CMAKE_FIND_ROOT_PATH $prefix)
	set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
	set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
	set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
	EOF
	d=$(unpack_source "$src" libmicrohttpd)
	(
		cd "$d"
		./configure --host="$host" --prefix="$prefix" --libdir="$prefix/lib" --disable-shared --enable-static \
			--disable-https --without-gnutls --disable-curl --disable-doc --disable-examples $mhd_opts \
			CC="$cc" AR="$bu-ar" RANLIB="$bu-ranlib" CFLAGS="-Os $cflags" >/dev/null
		make -j"$jobs" -C src/microhttpd >/dev/null
		make -C src/microhttpd install >/dev/null
		make -C src/include install >/dev/null
		make install-pkgconfigDATA >/dev/null
	)
	d=$(unpack_source "$src" json-c)
	cmake -S "$d" -B "$d/build" -DCMAKE_TOOLCHAIN_FILE="$prefix/toolchain.cmake" -DCMAKE_INSTALL_PREFIX="$prefix" \
		-DCMAKE_BUILD_TYPE=MinSizeRel -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF \
		-DDISABLE_WERROR=ON -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_C_FLAGS="$cflags" >/dev/null
	cmake --build "$d/build" -j"$jobs" >/dev/null
	cmake --install "$d/build" >/dev/null
	# cmocka 1.1.5 always builds a shared library too: only its static
	# target is built, and installed by hand.
	d=$(unpack_source "$src" cmocka)
	cmake -S "$d" -B "$d/build" -DCMAKE_TOOLCHAIN_FILE="$prefix/toolchain.cmake" \
		-DCMAKE_BUILD_TYPE=MinSizeRel -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF >/dev/null
	cmake --build "$d/build" -j"$jobs" --target cmocka-static >/dev/null
	mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
	cp "$d/build/src/libcmocka-static.a" "$prefix/lib/libcmocka.a"
	cp "$d/include/cmocka.h" "$prefix/include/"
	printf 'prefix=%s\nName: cmocka\nDescription: unit tests\nVersion: 1.1.5\nLibs: -L${prefix}/lib -lcmocka\nCflags: -I${prefix}/include\n' \
		"$prefix" >"$prefix/lib/pkgconfig/cmocka.pc"
	rm -rf "$src"/*.src
}

# Big-endian mips: Debian stopped building it after buster, so there are
# no mips .debs to unpack; glibc comes from Debian's cross packages and
# the three libraries are built static from source as for the 24KEc.
make_mips_libs() {
	local root=$cache/sysroot-mips
	[ -f "$root/.done" ] && return 0
	rm -rf "$root" && mkdir -p "$root"
	fetch_sources
	build_libs "$src" "$root" mips-linux-gnu-gcc mips-linux-gnu mips-linux-gnu
	touch "$root/.done"
}

# The compiler for musl's C files: each in MIPS16e, unless its MIPS16e
# code would hold inline assembly (#APP in gcc's output: musl's is MIPS32:
# syscall, ll/sc, rdhwr, ".set mips2") or its object is listed in
# $MIPS16_CC_KEEP32; assembly files as they are.
write_mips16_cc() {
	cat >"$T24/bin/mips16-cc" <<-'EOF'
	#!/bin/bash
	# Written by scripts/cross-toolchain.sh: musl's C files in MIPS16e where safe.
	cc=mipsel-linux-gnu-gcc
	src="" out="" skip=""
	args=()
	for a in "$@"; do
	if [ -n "$skip" ]; then skip=""; out=$a; continue; fi
	case $a in
	-o) skip=1; continue ;;
	-c) continue ;;
	*.c) src=$a ;;
	esac
	args+=("$a")
	done
	[ -z "$src" ] && exec "$cc" "$@"
	if [ -n "${MIPS16_CC_KEEP32:-}" ] && grep -qxF "$out" "$MIPS16_CC_KEEP32"; then
	exec "$cc" "$@" -minterlink-mips16
	fi
	tmp=$(mktemp)
	if "$cc" "${args[@]}" -mips16 -minterlink-mips16 -S -o "$tmp" 2>/dev/null && ! grep -q '^#APP' "$tmp"; then
	rm -f "$tmp"
	exec "$cc" "$@" -mips16 -minterlink-mips16
	fi
	rm -f "$tmp"
	exec "$cc" "$@" -minterlink-mips16
	EOF
	chmod +x "$T24/bin/mips16-cc"
}

# Objects of the ARCHIVEs that define a function (or code label) another object
# defines in the other mode (a weak MIPS16e stand-in and the real MIPS32
# one, say: musl's weak_alias(dummy, ...)). ld can mark the symbol with
# the mode of the definition it dropped (seen with binutils 2.40): without
# abicalls it then refuses the call ("jump to a non-word-aligned
# address"), with abicalls the call would enter the function in the wrong
# mode at run time. Prints the objects, nothing when there is none.
mode_conflicts() { # ARCHIVE...
	mipsel-linux-gnu-readelf -sW "$@" 2>/dev/null | awk '
	/^File: / { f = $2; sub(/.*\(/, "", f); sub(/\)$/, "", f); next }
	{ m = sub(/ \[MIPS16\]/, "") ? 16 : 32 }
	($4 == "FUNC" || $4 == "NOTYPE") && $7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") {
		if ($8 in mode && mode[$8] != m) bad[$8] = 1
		mode[$8] = m
		objs[$8] = objs[$8] " " f
	}
	END { for (k in bad) { n = split(objs[k], o, " "); for (i = 1; i <= n; i++) print o[i] } }' | sort -u
}

make_24kec() {
	[ -f "$T24/.done" ] && return 0
	local d gccinc
	rm -rf "$T24" && mkdir -p "$T24/bin" "$T24/lib" "$T24/include" "$T24/build"
	fetch_sources

	# musl: the C library, soft-float (its mipsel-sf subarch), static.
	# Its C files in MIPS16e where that is safe (mips16-cc, above); no
	# Scrt1.o/rcrt1.o, which are for static PIE (position-independent,
	# so abicalls).
	d=$(unpack_source "$src" musl)
	write_mips16_cc
	(
		cd "$d"
		# Three of musl's MIPS assembly functions, pipe(), sigsetjmp()
		# and dlsym(), compute $gp from $25, the callee's address, which
		# only abicalls callers put there. Here $gp is _gp from _start
		# on: they load that.
		sed -i 's/%hi(_gp_disp)/%hi(_gp)/; s/%lo(_gp_disp)/%lo(_gp)/; s/addu \$gp, \$gp, \$25/nop/' \
			src/unistd/mips/pipe.s src/signal/mips/sigsetjmp.s src/ldso/mips/dlsym.s
		if grep -rl '_gp_disp' src/*/mips; then
			echo "cross-toolchain: musl: more assembly that needs abicalls callers (above)" >&2
			exit 1
		fi
		crt="CRT_LIBS=lib/crt1.o lib/crti.o lib/crtn.o"
		export MIPS16_CC_KEEP32=$PWD/keep32
		: >"$MIPS16_CC_KEEP32"
		./configure --target=mipsel-linux-muslsf --prefix="$T24" --disable-shared \
			CC="$T24/bin/mips16-cc" AR=mipsel-linux-gnu-ar RANLIB=mipsel-linux-gnu-ranlib \
			CFLAGS="$CFLAGS_24KEC" >/dev/null
		make -j"$jobs" "$crt" >/dev/null
		# Until no function has definitions in both modes: their
		# objects are built again in MIPS32.
		local round objs o
		for round in 1 2 3 4 5; do
			objs=$(mode_conflicts lib/libc.a)
			[ -z "$objs" ] && break
			for o in $objs; do find obj -name "$o"; done >>"$MIPS16_CC_KEEP32"
			rm -f $(cat "$MIPS16_CC_KEEP32") lib/libc.a
			make -j"$jobs" "$crt" >/dev/null
		done
		objs=$(mode_conflicts lib/libc.a)
		if [ -n "$objs" ]; then
			echo "cross-toolchain: musl: functions defined in both MIPS16e and MIPS32:" $objs >&2
			exit 1
		fi
		make "$crt" install-libs install-headers >/dev/null
		# What stayed MIPS32, for the curious (docs/cross.md).
		mipsel-linux-gnu-readelf -hW lib/libc.a | awk '/^File: /{ f=$2 } /Flags:/{ print ($0 ~ /mips16/ ? "mips16" : "mips32"), f }' \
			| sed 's,lib/libc.a(,,; s,)$,,' | sort >"$T24/musl-isa.txt"
	)
	# Kernel headers (seccomp, filter) from Debian's mipsel cross headers.
	cp -r /usr/mipsel-linux-gnu/include/linux /usr/mipsel-linux-gnu/include/asm \
		/usr/mipsel-linux-gnu/include/asm-generic "$T24/include/"

	# The compiler driver: Debian's mipsel gcc with musl's headers and
	# start files, the soft-float libgcc, always static. So never
	# position-independent either (that needs abicalls): -fno-pic and
	# -fno-pie come last, after the -fPIC or -fPIE that build systems
	# such as json-c's and cmocka's add on their own. And MIPS32 code
	# calls MIPS16e code (musl's) only in ways the linker can turn into
	# mode-switching calls (-minterlink-mips16: no tail jumps).
	gccinc=$(mipsel-linux-gnu-gcc -print-file-name=include)
	cat >"$T24/musl.specs" <<-EOF
	%rename cpp_options old_cpp_options

	*cpp_options:
	-nostdinc -isystem $T24/include -isystem $gccinc %(old_cpp_options)

	*cc1:
	%(cc1_cpu) -nostdinc -isystem $T24/include -isystem $gccinc

	*link_libgcc:
	-L$T24/lib

	*libgcc:
	$T24/lib/libgcc-sf.a

	*startfile:
	$T24/lib/crt1.o $T24/lib/crti.o

	*endfile:
	$T24/lib/crtn.o

	*link:
	-nostdlib -static %{rdynamic:-export-dynamic}

	*esp_link:


	*esp_options:


	*esp_cpp_options:


	EOF
	cat >"$T24/bin/mipsel-24kec-gcc" <<-EOF
	#!/bin/sh
	exec mipsel-linux-gnu-gcc -specs=$T24/musl.specs -msoft-float -march=mips32r2 -mtune=24kc -mno-abicalls -minterlink-mips16 -no-pie -static "\$@" -fno-pic -fno-pie
	EOF
	chmod +x "$T24/bin/mipsel-24kec-gcc"
	make_softfp "$src"

	# What smsgated does not use of libmicrohttpd goes: it runs MHD in
	# epoll mode only, answers from buffers, parses forms and checks
	# tokens itself (no digest or basic auth, post processor, upgrade,
	# poll, sendfile, thread names). Its error messages stay: they reach
	# smsgated's log.
	build_libs "$src" "$T24" "$T24/bin/mipsel-24kec-gcc" mipsel-linux-musl mipsel-linux-gnu \
		"$MIPS16 -ffunction-sections -fdata-sections" \
		"--disable-dauth --disable-bauth --disable-postprocessor --disable-httpupgrade --enable-poll=no
		--disable-sendfile --disable-thread-names"
	# And no function in two modes across the libraries either.
	d=$(mode_conflicts "$T24"/lib/*.a)
	if [ -n "$d" ]; then
		echo "cross-toolchain: functions defined in both MIPS16e and MIPS32:" $d >&2
		return 1
	fi
	rm -rf "$T24/build"
	touch "$T24/.done"
}

for target in "$@"; do
	case $target in
	mipsel) make_sysroot mipsel ;;
	mips) make_mips_libs ;;
	24kec) make_24kec ;;
	*)
		echo "usage: $0 --dir | mipsel|mips|24kec ..." >&2
		exit 2
		;;
	esac
done
