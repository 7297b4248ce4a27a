# Sourced by scripts/test.sh and scripts/demo.sh: installs Debian packages
# that are missing, and nothing when all are present (idempotent, offline
# after the first run).
smsgate_need() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	if [ ! -f /tmp/.smsgate-apt-updated ]; then
		apt-get -o DPkg::Lock::Timeout=900 update -qq && touch /tmp/.smsgate-apt-updated
	fi
	# shellcheck disable=SC2086
	# Another apt on the machine (a colleague's build) holds the lock: wait.
	apt-get install -o DPkg::Lock::Timeout=900 -y -qq --no-install-recommends $missing >/dev/null
}

# What building smsgate needs (libgnutls28-dev: mqtts://, SMSGATE_MQTT_TLS).
SMSGATE_BUILD_PKGS="build-essential cmake pkg-config libjson-c-dev libmicrohttpd-dev libcurl4-gnutls-dev libgnutls28-dev"
# What the test suite needs on top: sanitizers and libFuzzer (clang),
# cmocka, and the third-party programs the tests talk to (prometheus-alertmanager:
# its webhook delivers to smsgated in tests/integration/http/test_receivers.py;
# headless Chromium for the status page; the mosquitto broker and clients
# for the MQTT pool).
SMSGATE_TEST_PKGS="clang libclang-rt-14-dev libcmocka-dev python3 python3-gammu smstools gammu gsm-utils curl busybox
	openssl prometheus-alertmanager chromium chromium-driver python3-selenium
	mosquitto mosquitto-clients"
# The cross builds (scripts/cross.sh): Debian's MIPS cross compilers and
# glibc, qemu-user to run what they build, dpkg-dev to unpack source
# packages (scripts/cross-toolchain.sh), xz for the size bench.
SMSGATE_CROSS_PKGS="gcc-mipsel-linux-gnu gcc-mips-linux-gnu binutils-mipsel-linux-gnu binutils-mips-linux-gnu libc6-dev-mipsel-cross libc6-dev-mips-cross linux-libc-dev-mipsel-cross qemu-user dpkg-dev xz-utils"
