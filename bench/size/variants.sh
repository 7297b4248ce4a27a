#!/usr/bin/env bash
# The static 24KEc smsgated with one size measure of scripts/cross-toolchain.sh
# and scripts/cross.sh undone at a time (docs/BENCHMARKS.md, "Size and
# memory"): what each is worth. Each variant gets a copy of the cached
# 24KEc toolchain in build/size-variants/NAME with the one library built
# again, from the same Debian source packages, and smsgated built with
# cross.sh's flags; printed: stripped bytes, and from the link map where
# they come from (bench/size/size.py map).
#
#   bash bench/size/variants.sh [NAME...]      (default: all; ~15 minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
tc=$(bash scripts/cross-toolchain.sh --dir)
T24=$tc/24kec
src=${tc%/*}/src
work=$top/build/size-variants
jobs=${SMSGATE_JOBS:-2}
[ -f "$T24/.done" ] || { echo "no 24KEc toolchain: run scripts/cross.sh 24kec first" >&2; exit 1; }
export PYTHONPATH=$top/tests/integration PYTHONDONTWRITEBYTECODE=1

# cross.sh's flags for the 24KEc, and the ones the toolchain used.
CROSS_CFLAGS="-ffunction-sections -fdata-sections -mips16 -minterlink-mips16"
LIB_CFLAGS="-mips16 -minterlink-mips16 -ffunction-sections -fdata-sections"
MHD_OPTS="--disable-dauth --disable-bauth --disable-postprocessor --disable-httpupgrade --enable-poll=no
	--disable-sendfile --disable-thread-names"
MUSL_CFLAGS="-msoft-float -march=mips32r2 -mtune=24kc -Os -fno-pie -mno-abicalls"

variant_tc() { # NAME: copies the toolchain to $work/NAME/tc, its own paths rewritten
	local v=$work/$1/tc
	rm -rf "$work/$1" && mkdir -p "$work/$1"
	cp -a "$T24" "$v"
	grep -rlF "$T24" "$v/bin" "$v/musl.specs" "$v/toolchain.cmake" "$v/lib/pkgconfig" | xargs sed -i "s#$T24#$v#g"
}

unpack() { # PKG DIR
	rm -rf "$2"
	dpkg-source --no-check -q -x "$(ls "$src/$1"_*.dsc)" "$2" >/dev/null
}

build_mhd() { # NAME CFLAGS CONFIGURE-OPTIONS...
	local v=$work/$1/tc d=$work/$1/mhd cflags=$2
	shift 2
	unpack libmicrohttpd "$d"
	(
		cd "$d"
		./configure --host=mipsel-linux-musl --prefix="$v" --libdir="$v/lib" --disable-shared --enable-static \
			--disable-https --without-gnutls --disable-curl --disable-doc --disable-examples "$@" \
			CC="$v/bin/mipsel-24kec-gcc" AR=mipsel-linux-gnu-ar RANLIB=mipsel-linux-gnu-ranlib CFLAGS="-Os $cflags" >/dev/null 2>&1
		make -j"$jobs" -C src/microhttpd >/dev/null
		make -C src/microhttpd install >/dev/null
	)
}

build_jsonc() { # NAME CFLAGS
	local v=$work/$1/tc d=$work/$1/json-c
	unpack json-c "$d"
	cmake -S "$d" -B "$d/build" -DCMAKE_TOOLCHAIN_FILE="$v/toolchain.cmake" -DCMAKE_INSTALL_PREFIX="$v" \
		-DCMAKE_BUILD_TYPE=MinSizeRel -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF \
		-DDISABLE_WERROR=ON -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_C_FLAGS="$2" >/dev/null
	cmake --build "$d/build" -j"$jobs" --target json-c-static >/dev/null 2>&1 || cmake --build "$d/build" -j"$jobs" >/dev/null
	cmake --install "$d/build" >/dev/null
}

build_musl_mips32() { # NAME: musl without MIPS16e (the toolchain's other settings)
	local v=$work/$1/tc d=$work/$1/musl
	unpack musl "$d"
	(
		cd "$d"
		sed -i 's/%hi(_gp_disp)/%hi(_gp)/; s/%lo(_gp_disp)/%lo(_gp)/; s/addu \$gp, \$gp, \$25/nop/' \
			src/unistd/mips/pipe.s src/signal/mips/sigsetjmp.s src/ldso/mips/dlsym.s
		./configure --target=mipsel-linux-muslsf --prefix="$v" --disable-shared CC=mipsel-linux-gnu-gcc \
			AR=mipsel-linux-gnu-ar RANLIB=mipsel-linux-gnu-ranlib CFLAGS="$MUSL_CFLAGS -minterlink-mips16" >/dev/null
		make -j"$jobs" "CRT_LIBS=lib/crt1.o lib/crti.o lib/crtn.o" >/dev/null 2>&1
		make "CRT_LIBS=lib/crt1.o lib/crti.o lib/crtn.o" install-libs >/dev/null
	)
}

smsgated() { # NAME CFLAGS [CMAKE-OPTIONS...]: builds smsgated with the variant's toolchain; prints its size and parts
	local n=$1 v=$work/$1/tc b=$work/$1/build map=$work/$1/smsgated.map cflags=$2
	shift 2
	cmake -S "$top" -B "$b" -DCMAKE_TOOLCHAIN_FILE="$top/cmake/cross.cmake" -DCMAKE_BUILD_TYPE=MinSizeRel \
		-DSMSGATE_TESTS=OFF -DSMSGATE_CROSS_CC="$v/bin/mipsel-24kec-gcc" -DSMSGATE_CROSS_BINUTILS=mipsel-linux-gnu \
		-DSMSGATE_CROSS_PKGCONFIG="$v/lib/pkgconfig" -DSMSGATE_CROSS_CFLAGS="$cflags" \
		-DSMSGATE_CROSS_LDFLAGS="-Wl,--gc-sections -Wl,-Map,$map" "$@" >/dev/null
	set -- "$n"
	# The abicalls variants mix on purpose: ld's warning about it is noise here.
	cmake --build "$b" -j"$jobs" --target smsgated 2>&1 >/dev/null |
		{ grep -v -e 'linking abicalls files with non-abicalls files' -e 'lto-wrapper: ' >&2 || true; }
	mipsel-linux-gnu-strip --strip-all -o "$work/$1/smsgated" "$b/src/daemon/smsgated"
	printf '%-44s %9d bytes stripped\n' "$1" "$(stat -c %s "$work/$1/smsgated")"
	/usr/bin/python3 bench/size/size.py map "$map" | grep -v '^RESULT'
}

variant() { # NAME
	case $1 in
	as-built) # the toolchain and flags as they are
		variant_tc "$1"
		smsgated "$1" "$CROSS_CFLAGS" ;;
	smsgate-mips32) # smsgate's own code without -mips16
		variant_tc "$1"
		smsgated "$1" "-ffunction-sections -fdata-sections" ;;
	smsgate-abicalls) # smsgate's own code with abicalls (as MIPS16e)
		variant_tc "$1"
		smsgated "$1" "$CROSS_CFLAGS -mabicalls" ;;
	libs-mips32) # libmicrohttpd and json-c without -mips16
		variant_tc "$1"
		build_mhd "$1" "-ffunction-sections -fdata-sections" $MHD_OPTS
		build_jsonc "$1" "-ffunction-sections -fdata-sections"
		smsgated "$1" "$CROSS_CFLAGS" ;;
	libs-abicalls) # libmicrohttpd and json-c with abicalls (as MIPS16e)
		variant_tc "$1"
		build_mhd "$1" "$LIB_CFLAGS -mabicalls" $MHD_OPTS
		build_jsonc "$1" "$LIB_CFLAGS -mabicalls"
		smsgated "$1" "$CROSS_CFLAGS" ;;
	mhd-all-features) # libmicrohttpd configured with all it has (TLS aside)
		variant_tc "$1"
		build_mhd "$1" "$LIB_CFLAGS"
		smsgated "$1" "$CROSS_CFLAGS" ;;
	mhd-no-messages) # a further cut not taken: libmicrohttpd without its error messages
		variant_tc "$1"
		build_mhd "$1" "$LIB_CFLAGS" $MHD_OPTS --disable-messages
		smsgated "$1" "$CROSS_CFLAGS" ;;
	musl-mips32) # musl without MIPS16e
		variant_tc "$1"
		build_musl_mips32 "$1"
		smsgated "$1" "$CROSS_CFLAGS" ;;
	lto) # a further step not taken: link-time optimisation of smsgate's own code
		variant_tc "$1"
		smsgated "$1" "$CROSS_CFLAGS -flto" -DCMAKE_AR=/usr/bin/mipsel-linux-gnu-gcc-ar \
			-DCMAKE_RANLIB=/usr/bin/mipsel-linux-gnu-gcc-ranlib ;;
	*)
		echo "unknown variant $1" >&2
		return 2 ;;
	esac
}

for n in ${*:-as-built smsgate-mips32 smsgate-abicalls libs-mips32 libs-abicalls mhd-all-features musl-mips32 mhd-no-messages lto}; do
	variant "$n"
done
