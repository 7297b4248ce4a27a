#!/usr/bin/env bash
# Builds smsgate and runs smsgated --demo: its own simulated modem
# (smsgate-modemsim on a pty), HTTP on 127.0.0.1:8080, and the commands to
# try printed at start. No hardware needed. Installs what it needs; safe to
# run again. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
smsgate_need $SMSGATE_BUILD_PKGS

cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMSGATE_TESTS=OFF >/dev/null
cmake --build build/demo -j"$(nproc)" >/dev/null
export PATH="$PWD/build/demo/tools/smsgate:$PATH" # for the smsgate lines it prints
exec build/demo/src/daemon/smsgated --demo
