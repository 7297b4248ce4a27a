"""packaging/openwrt/smsgate/files/smsgate-uci2conf under busybox sh (as on
OpenWrt): exact smsgate.conf text for sample UCI files, smsgate
check-config on the result, and hostile values that must neither inject a
line, key or section nor be silently changed."""

import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, "..", "..", "..", "packaging", "openwrt", "smsgate", "files")
UCI2CONF = os.path.join(FILES, "smsgate-uci2conf")
SMSGATE = os.environ.get("SMSGATE", "smsgate")
HEADER = ("# Generated from /etc/config/smsgate by smsgate-uci2conf: edit that file\n"
          "# (uci), not this one; /etc/init.d/smsgate reload applies it.\n\n")

FULL = r"""
package smsgate

config gateway
	option spool '/srv/smsgate'
	option log_level debug
	option eventhandler '/usr/bin/sms-event'
	option retry_max '5'
	option retry_base '20'
	option retry_cap '600'
	option max_parts 4
	option keep_sent '100'
	option keep_days '7'
	option rate_limit '10/1h'
	option suppress_duplicates '5m'
	list allow_prefixes '+49'
	list allow_prefixes '+43'
	option admin ''   # empty: unset, not written

config http 'http'
	list listen '127.0.0.1:8080'
	list listen '[::1]:8080'
	list listen "192.168.1.1:8080"
	list token 'tok-one'
	list token "tok-two"
	option legacy_cgi '0'

config modem 'usb0'
	option device '/dev/ttyUSB2'
	option baud '115200'
	option pin '1234'
	option smsc '+491722270333'
	option reset_command '/usr/sbin/usb-reset "Huawei E3372" 2'

config modem 'acm1'
	option enabled '1'
	option device /dev/ttyACM1
	option baud 9600

config modem 'spare'
	option enabled '0'
	option device '/dev/ttyUSB9'
"""

FULL_CONF = HEADER + """[gateway]
spool = /srv/smsgate
log_level = debug
eventhandler = /usr/bin/sms-event
retry_max = 5
retry_base = 20
retry_cap = 600
max_parts = 4
keep_sent = 100
keep_days = 7
rate_limit = 10/1h
suppress_duplicates = 5m
allow_prefixes = +49,+43

[http]
listen = 127.0.0.1:8080
listen = [::1]:8080
listen = 192.168.1.1:8080
token = tok-one
token = tok-two
legacy_cgi = 0

[modem usb0]
device = /dev/ttyUSB2
baud = 115200
pin = 1234
smsc = +491722270333
reset_command = /usr/sbin/usb-reset "Huawei E3372" 2

[modem acm1]
device = /dev/ttyACM1
baud = 9600
"""

DEFAULT_CONF = HEADER + """[gateway]
spool = /srv/smsgate
log_level = info
keep_sent = 500
keep_failed = 500
keep_incoming = 500
keep_days = 30

[http]
listen = 127.0.0.1:8080
"""


def have(prog):
    return shutil.which(prog) is not None


class Uci2Conf(unittest.TestCase):
    def setUp(self):
        if not have("busybox"):
            self.skipTest("busybox is not installed")
        self.dir = tempfile.mkdtemp(prefix="smsgate-uci-")
        self.addCleanup(shutil.rmtree, self.dir)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def translate(self, uci_text, *extra):
        path = self.write("smsgate.uci", uci_text)
        return subprocess.run(["busybox", "sh", UCI2CONF, *extra, path], capture_output=True, text=True,
                              timeout=60)

    def check(self, conf_text):
        path = self.write("smsgate.conf", conf_text)
        return subprocess.run([SMSGATE, "check-config", "-c", path], capture_output=True, text=True, timeout=60)

    def good(self, uci_text, expected):
        r = self.translate(uci_text)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        self.assertEqual(r.stdout, expected)
        return r.stdout

    def refused(self, uci_text, *words):
        r = self.translate(uci_text)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertEqual(r.stdout, "", "nothing is written on an error")
        for w in words:
            self.assertIn(w, r.stderr)
        return r.stderr

    # -- the default file, as shipped --
    def test_default(self):
        with open(os.path.join(FILES, "smsgate.config"), encoding="utf-8") as f:
            uci = f.read()
        conf = self.good(uci, DEFAULT_CONF)
        # The modem is disabled until the device is set: the daemon refuses
        # to start (the init script logs this sentence).
        c = self.check(conf)
        self.assertNotEqual(c.returncode, 0)
        self.assertIn("no [modem NAME] section", c.stderr)
        # Enabled as the comment says, it is a valid config.
        conf = self.good(uci.replace("option enabled '0'", "option enabled '1'"),
                         DEFAULT_CONF + "\n[modem usb0]\ndevice = /dev/ttyUSB2\nbaud = 115200\n")
        c = self.check(conf)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(c.stdout, "ok: 1 modem, spool /srv/smsgate, 1 listener\n")

    # -- lists, two modems, a disabled one, quoting styles, comments --
    def test_full(self):
        conf = self.good(FULL, FULL_CONF)
        c = self.check(conf)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(c.stdout, "ok: 2 modems, spool /srv/smsgate, 3 listeners\n")

    def test_output_file_and_stdin(self):
        out = os.path.join(self.dir, "out.conf")
        r = self.translate(FULL, "-o", out)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        with open(out, encoding="utf-8") as f:
            self.assertEqual(f.read(), FULL_CONF)
        # `uci export smsgate | smsgate-uci2conf -`
        r = subprocess.run(["busybox", "sh", UCI2CONF, "-"], input=FULL, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual((r.returncode, r.stdout), (0, FULL_CONF), r.stderr)
        self.assertEqual(sorted(os.listdir(self.dir)), ["out.conf", "smsgate.uci"], "no temporary left")

    # -- hostile values --
    def test_newline_in_value_refused(self):
        # UCI keeps a newline inside quotes; written as is it would add a
        # section and a key to smsgate.conf.
        uci = ("config gateway\n\toption spool '/srv/smsgate'\n"
               "config modem 'm'\n\toption device '/dev/ttyUSB2\n[gateway]\nspool = /tmp/evil'\n")
        err = self.refused(uci, ":4:", "device", "control character")
        # With -o the old file stays untouched and no temporary is left.
        out = self.write("out.conf", "previous\n")
        r = self.translate(uci, "-o", out)
        self.assertEqual(r.returncode, 1)
        with open(out, encoding="utf-8") as f:
            self.assertEqual(f.read(), "previous\n")
        self.assertEqual(sorted(os.listdir(self.dir)), ["out.conf", "smsgate.uci"])

    def test_other_control_characters_refused(self):
        for ch in ("\r", "\t", "\x1b", "\x7f"):
            with self.subTest(ch=repr(ch)):
                self.refused("config gateway\n\toption spool '/srv/a%sb'\n" % ch, "spool", "control character")

    def test_quote_refused(self):
        self.refused("config gateway\n\toption spool '/srv/a\"b'\n", "spool", '"')
        self.refused("config gateway\n\toption spool '\"/srv/a\"'\n", "spool")
        # In reset_command quotes are the command's own; an unbalanced one
        # or a comment that smsgate.conf would cut is refused.
        base = "config gateway\n\toption spool '/srv/s'\nconfig modem m\n\toption device /dev/ttyUSB2\n"
        self.refused(base + "\toption reset_command '/bin/reset \"x'\n", "reset_command")
        self.refused(base + "\toption reset_command '/bin/reset \"a\" ;rm -rf /'\n", "reset_command")

    def test_brackets_semicolons_kept_literal(self):
        uci = ("config gateway\n"
               "\toption spool '/srv/sms ;x'\n"
               "\toption eventhandler '/usr/bin/h#1'\n"
               "\toption log_level '[modem evil]'\n"
               "config http\n"
               "\tlist token 'a;b'\n"
               "\tlist token ' #padded '\n"
               "config modem 'm'\n"
               "\toption device '/dev/ttyUSB2'\n"
               "\toption pin '1234 ; [gateway]'\n"
               "\toption reset_command '/bin/reset x ; echo [http]'\n")
        conf = self.good(uci, HEADER + "[gateway]\n"
                         'spool = "/srv/sms ;x"\n'
                         'eventhandler = "/usr/bin/h#1"\n'
                         "log_level = [modem evil]\n"
                         "\n[http]\n"
                         'token = "a;b"\n'
                         'token = " #padded "\n'
                         "\n[modem m]\n"
                         "device = /dev/ttyUSB2\n"
                         'pin = "1234 ; [gateway]"\n'
                         'reset_command = "/bin/reset x ; echo [http]"\n')
        # Every section header is one the translator wrote.
        headers = [l for l in conf.splitlines() if l.startswith("[")]
        self.assertEqual(headers, ["[gateway]", "[http]", "[modem m]"])
        # smsgate reads the values whole: the bad ones are refused by
        # their own key's check, not cut at ';' nor taken as a section.
        c = self.check(conf)
        self.assertNotEqual(c.returncode, 0)
        self.assertIn('log_level: "[modem evil]" is not one of', c.stderr)
        conf = conf.replace("log_level = [modem evil]\n", "")
        c = self.check(conf)
        self.assertIn('token: only printable ASCII without spaces', c.stderr)
        conf = conf.replace('token = " #padded "\n', "")
        c = self.check(conf)
        self.assertIn('pin: "1234 ; [gateway]" is not 4 to 8 digits', c.stderr)
        conf = conf.replace('pin = "1234 ; [gateway]"\n', "")
        c = self.check(conf)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(c.stdout, "ok: 1 modem, spool /srv/sms ;x, 0 listeners\n")

    # -- recipient groups, dead-man's switches, the MQTT pool --
    def test_group_heartbeat_mqtt(self):
        uci = """
config gateway
	option spool '/srv/smsgate'
	option admin 'oncall'

config modem 'usb0'
	option device '/dev/ttyUSB2'

config group 'oncall'
	list members '+491701234567'
	list members '+491709876543'

config heartbeat 'nightly'
	option to 'oncall'
	option every '25h'
	option text 'backup silent; check db1'

config mqtt
	option url 'mqtt://192.168.1.10:1883'
	option client_id 'home-gw'
	option username 'smsgate'
	option password 's3cret;#1'
	option prefix 'site/sms'
	option takeover_after '1m'
	option prefetch '5'
	option forward '1'
	option forward_fallback '2m'
"""
        conf = self.good(uci, HEADER + (
            "[gateway]\nspool = /srv/smsgate\nadmin = oncall\n\n"
            "[modem usb0]\ndevice = /dev/ttyUSB2\n\n"
            "[group oncall]\nmembers = +491701234567, +491709876543\n\n"
            "[heartbeat nightly]\nto = oncall\nevery = 25h\ntext = \"backup silent; check db1\"\n\n"
            "[mqtt]\nurl = mqtt://192.168.1.10:1883\nclient_id = home-gw\nusername = smsgate\n"
            "password = \"s3cret;#1\"\nprefix = site/sms\ntakeover_after = 1m\nprefetch = 5\nforward = 1\n"
            "forward_fallback = 2m\n"))
        c = self.check(conf)
        self.assertEqual(c.returncode, 0, c.stderr)
        # switched off, the pool is left out
        self.good("config gateway\n\toption spool /s\nconfig mqtt\n\toption enabled 0\n\toption url mqtt://b\n",
                  HEADER + "[gateway]\nspool = /s\n")

    def test_mqtt_tls(self):
        # mqtts:// and its files (a package built with SMSGATE_MQTT_TLS)
        self.good("config gateway\n\toption spool /s\nconfig mqtt\n\toption url 'mqtts://broker.example.org'\n"
                  "\toption ca_file '/etc/smsgate/ca.pem'\n\toption cert_file '/etc/smsgate/gw.pem'\n"
                  "\toption key_file '/etc/smsgate/gw.key'\n",
                  HEADER + "[gateway]\nspool = /s\n\n[mqtt]\nurl = mqtts://broker.example.org\n"
                  "ca_file = /etc/smsgate/ca.pem\ncert_file = /etc/smsgate/gw.pem\nkey_file = /etc/smsgate/gw.key\n")

    def test_structure_errors_refused(self):
        gw = "config gateway\n\toption spool /srv/s\n"
        self.refused(gw + "config gateway\n", "second config gateway")
        self.refused(gw + "config evil\n", "unknown section type")
        self.refused(gw + "config modem 'a] [gateway'\n", "bad modem name")
        self.refused(gw + "config group\n\tlist members +49170\n", "config group needs a name")
        self.refused(gw + "config heartbeat 'x'\nconfig heartbeat 'x'\n", 'second heartbeat "x"')
        self.refused(gw + "config mqtt\nconfig mqtt\n", "second config mqtt")
        self.refused(gw + "config mqtt\n\toption url_typo x\n", 'unknown option "url_typo"')
        self.refused(gw + "config modem 'x'\nconfig modem 'x'\n", 'second modem "x"')
        self.refused(gw + "\toption spool_typo /x\n", 'unknown option "spool_typo"')
        self.refused(gw + "\tlist spool /a\n\tlist spool /b\n", "more than one value")
        self.refused(gw + "\toption spool a b\n", "one value")
        self.refused(gw + "\toption spool '/srv/open\n", "quote left open")
        self.refused("config http\n\tlist listen 127.0.0.1:1\n", "no config gateway")
        self.refused("option spool /x\n", "outside any config section")


if __name__ == "__main__":
    unittest.main()
