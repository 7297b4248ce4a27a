#!/usr/bin/env bash
# Builds smsgate and shows it working without hardware. Installs what it
# needs; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
smsgate_need $SMSGATE_BUILD_PKGS

cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/demo -j"$(nproc)" >/dev/null
smsgate=build/demo/tools/smsgate/smsgate

if [ -x build/demo/src/daemon/smsgated ]; then
	exec build/demo/src/daemon/smsgated --demo
fi

# The daemon (smsgated --demo with its simulated modem) is not built yet:
# until it is, the demo shows the codec at work through the CLI.
echo "smsgated is not built yet; showing the SMS codec through 'smsgate pdu'."
echo
echo '$ smsgate pdu encode +491701234567 "Server down: db1 😱"'
"$smsgate" pdu encode +491701234567 "Server down: db1 😱" | tee build/demo/pdu.txt
echo
pdu=$(cut -d' ' -f2 build/demo/pdu.txt)
echo "\$ smsgate pdu decode $pdu"
"$smsgate" pdu decode "$pdu"
