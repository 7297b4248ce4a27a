#!/usr/bin/env bash
# A static x86_64 smsgated like the 24KEc one, to measure its memory
# natively (no emulator): Debian's musl-gcc (musl 1.2.3), libmicrohttpd
# without TLS and with the 24KEc build's configure options, json-c, both
# static from the Debian source packages scripts/cross-toolchain.sh keeps;
# smsgate MinSizeRel, -ffunction-sections -fdata-sections, --gc-sections,
# static. Prints the path of the stripped smsgated.
#
#   bash bench/size/static-x86_64.sh        (into build/size-x86_64-musl)
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
. scripts/deps.sh
smsgate_need musl-tools dpkg-dev >&2
jobs=${SMSGATE_JOBS:-2}
tc=$(bash scripts/cross-toolchain.sh --dir)
src=${tc%/*}/src
w=$top/build/size-x86_64-musl
prefix=$w/prefix
[ -f "$src/.done" ] || bash scripts/cross-toolchain.sh 24kec >&2    # fetches the source packages

if [ ! -f "$prefix/.done" ]; then
	rm -rf "$w" && mkdir -p "$prefix"
	dpkg-source --no-check -q -x "$(ls "$src"/libmicrohttpd_*.dsc)" "$w/mhd" >/dev/null
	(
		cd "$w/mhd"
		./configure --prefix="$prefix" --libdir="$prefix/lib" --disable-shared --enable-static \
			--disable-https --without-gnutls --disable-curl --disable-doc --disable-examples \
			--disable-dauth --disable-bauth --disable-postprocessor --disable-httpupgrade --enable-poll=no \
			--disable-sendfile --disable-thread-names \
			CC=musl-gcc CFLAGS="-Os -ffunction-sections -fdata-sections" >/dev/null 2>&1
		make -j"$jobs" -C src/microhttpd >/dev/null
		make -C src/microhttpd install >/dev/null
		make -C src/include install >/dev/null
		make install-pkgconfigDATA >/dev/null
	)
	dpkg-source --no-check -q -x "$(ls "$src"/json-c_*.dsc)" "$w/json-c" >/dev/null
	cmake -S "$w/json-c" -B "$w/json-c/build" -DCMAKE_C_COMPILER=musl-gcc -DCMAKE_INSTALL_PREFIX="$prefix" \
		-DCMAKE_BUILD_TYPE=MinSizeRel -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF \
		-DDISABLE_WERROR=ON -DDISABLE_STATIC_FPIC=ON -DCMAKE_INSTALL_LIBDIR=lib \
		-DCMAKE_C_FLAGS="-ffunction-sections -fdata-sections" >/dev/null 2>&1
	cmake --build "$w/json-c/build" -j"$jobs" --target json-c >/dev/null
	cmake --install "$w/json-c/build" >/dev/null
	touch "$prefix/.done"
fi

# Only the prefix's .pc files, no libcurl: no webhooks, as in the 24KEc build.
PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig PKG_CONFIG_PATH= \
	cmake -S . -B "$w/build" -DCMAKE_C_COMPILER=musl-gcc -DCMAKE_BUILD_TYPE=MinSizeRel -DSMSGATE_TESTS=OFF \
	-DCMAKE_C_FLAGS="-ffunction-sections -fdata-sections" -DCMAKE_EXE_LINKER_FLAGS="-static -Wl,--gc-sections" >/dev/null
cmake --build "$w/build" -j"$jobs" --target smsgated >/dev/null
strip --strip-all -o "$w/smsgated" "$w/build/src/daemon/smsgated"
echo "$w/smsgated"
