"""The documented examples (examples/), run as their callers run them,
against smsgated and smsgate-modemsim: the Zabbix media type script with
the three parameters Zabbix passes, the Nagios/Icinga 1 command lines
with their macros expanded (through /bin/sh, as Nagios runs a command
line with shell characters), the Icinga 2 command array (no shell), and
the crontab lines (through /bin/sh, as cron runs them). Each text is
asserted as it arrived at the simulator."""

import json
import os
import re
import subprocess
import unittest

from simlib import TIMEOUT
from test_http import TOKEN
from test_receivers import A, B, GroupTest, SMSGATE

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples")
NUMBER = "+491701234567"


def example(*path):
    with open(os.path.join(EXAMPLES, *path)) as f:
        return f.read()


class TestExamples(GroupTest):
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def run_sh(self, line, env=None):
        return subprocess.run(["/bin/sh", "-c", line], capture_output=True, text=True, timeout=TIMEOUT, env=env)

    def test_zabbix_media_type(self):
        self.start(tokens=(TOKEN,))
        script = os.path.join(EXAMPLES, "zabbix", "smsgate.sh")
        env = dict(os.environ, SMSGATE_URL=self.url(), SMSGATE_TOKEN=TOKEN)
        # Zabbix runs AlertScriptsPath/smsgate.sh {ALERT.SENDTO} {ALERT.SUBJECT} {ALERT.MESSAGE}.
        r = subprocess.run([script, "oncall", "Problem: Free disk space is less than 5% on db1",
                            "Host: db1\nFree: 3.2 %\nSeverity: High"], capture_output=True, text=True,
                           timeout=TIMEOUT, env=env)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual([x["to"] for x in json.loads(r.stdout)["recipients"]], [A, B])
        r = subprocess.run([script, "oncal", "Problem", "x"], capture_output=True, text=True, timeout=TIMEOUT, env=env)
        self.assertEqual(r.returncode, 22)
        self.assertEqual(r.stdout, '{"error":"unknown recipient group \\"oncal\\" (no [group oncal] in the config)"}')
        r = subprocess.run([script, NUMBER, "Problem", "x"], capture_output=True, text=True, timeout=TIMEOUT,
                           env=dict(env, SMSGATE_TOKEN="wrong"))
        self.assertEqual(r.returncode, 22)
        text = "Problem: Free disk space is less than 5% on db1\nHost: db1\nFree: 3.2 %\nSeverity: High"
        self.assertEqual(self.sent(), sorted([(A, text), (B, text)]))
        self.stop_daemon()

    def nagios_commands(self):
        cfg = example("nagios", "smsgate.cfg")
        return dict(re.findall(r"command_name\s+(\S+)\s+command_line\s+(.+?)\n", cfg))

    def test_nagios_commands(self):
        self.start(tokens=(TOKEN,))
        macros = {"USER10": TOKEN, "USER11": self.url(), "CONTACTPAGER": "oncall", "NOTIFICATIONTYPE": "PROBLEM",
                  "HOSTNAME": "db1", "HOSTSTATE": "DOWN", "HOSTOUTPUT": "PING CRITICAL - Packet loss = 100%",
                  "SERVICEDESC": "Disk /", "SERVICESTATE": "CRITICAL",
                  "SERVICEOUTPUT": "DISK CRITICAL - free space: / 312 MB (3% inode=91%)"}
        cmds = self.nagios_commands()
        self.assertEqual(sorted(cmds), ["notify-host-by-sms", "notify-service-by-sms", "notify-service-by-sms-spool"])
        for name in sorted(cmds):
            m = dict(macros, CONTACTPAGER=NUMBER if name.endswith("-spool") else "oncall")
            line = re.sub(r"\$(\w+)\$", lambda x: m[x.group(1)], cmds[name])
            line = line.replace("/usr/bin/smsgate ", SMSGATE + " ").replace("/etc/smsgate.conf", self.conf)
            r = self.run_sh(line)
            self.assertEqual((r.returncode, r.stderr), (0, ""), line)
        host = "PROBLEM: db1 is DOWN (PING CRITICAL - Packet loss = 100%)"
        svc = "PROBLEM: Disk / on db1 is CRITICAL (DISK CRITICAL - free space: / 312 MB (3% inode=91%))"
        self.assertEqual(self.sent(), sorted([(A, host), (B, host), (A, svc), (B, svc), (NUMBER, svc)]))
        self.stop_daemon()

    def test_icinga2_command(self):
        self.start(tokens=(TOKEN,))
        conf = example("nagios", "icinga2-smsgate.conf")
        array = re.search(r"command = (\[.*?\])\n", conf, re.S).group(1)
        macros = {"user.pager": "oncall", "notification.type": "PROBLEM", "service.display_name": "Disk /",
                  "host.display_name": "db1", "service.state": "CRITICAL", "service.output": "DISK CRITICAL - 3% free"}
        array = re.sub(r"\$([\w.]+)\$", lambda m: macros[m.group(1)], array)
        # The array is a list of strings and constants joined with +: as Python.
        argv = eval(array, {"__builtins__": {}}, {"SmsgateToken": TOKEN, "SmsgateUrl": self.url()})
        r = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        text = "PROBLEM: Disk / on db1 is CRITICAL (DISK CRITICAL - 3% free)"
        self.assertEqual(self.sent(), sorted([(A, text), (B, text)]))
        self.stop_daemon()

    def test_crontab_lines(self):
        self.start()
        df = os.path.join(self.dir, "df.out")
        with open(df, "w") as f:
            f.write("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sdb1 1000 970 30 97% /srv\n")
        lines = [l for l in example("cron", "smsgate.crontab").splitlines() if l and not l.startswith("#")]
        self.assertEqual(len(lines), 2)
        for l in lines:
            cmd = l.split(None, 6)[6]  # five time fields, the user, the command
            self.assertNotIn("%", cmd.replace("$5+0", ""))  # cron would cut the line there
            cmd = (cmd.replace("/usr/local/bin/nightly-backup", "false").replace("df -P /srv", "cat " + df)
                   .replace("smsgate send", SMSGATE + " send").replace("/etc/smsgate.conf", self.conf))
            r = self.run_sh(cmd)
            self.assertEqual((r.returncode, r.stderr), (0, ""), cmd)
        host = subprocess.run(["hostname"], capture_output=True, text=True).stdout.strip()
        backup = "backup on %s failed (exit 1)" % host
        self.assertEqual(self.sent(), sorted([(A, backup), (B, backup),
                                              (NUMBER, "/srv on %s is 95 percent full" % host)]))
        self.stop_daemon()


if __name__ == "__main__":
    unittest.main()
