"""Test scaffolding for smsgated: start it on a config file, read its log,
stop it; free loopback ports; smstools3 files renamed into its spool.

Shared by the daemon, HTTP, webhook, CGI and MQTT tests, the crash test
and the benchmarks (bench/). Every wait is on an event with a deadline."""

import os
import re
import signal
import socket
import subprocess

from simlib import TIMEOUT, wait_for

SMSGATED = os.environ.get("SMSGATED", "smsgated")


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def free_port():
    """A loopback TCP port nobody listens on now. Another process may take it
    before the test binds it: a caller that cannot lose it tries again."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def drop(outgoing, tmpdir, name, data):
    """An smstools3 file into outgoing/ as its writers must put it there:
    written under tmpdir (on the same file system), then renamed in, so
    smsgated never sees half a file. str is written as UTF-8."""
    if isinstance(data, str):
        data = data.encode()
    tmp = os.path.join(tmpdir, name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(outgoing, name))


class Daemon:
    """smsgated in the foreground on conf; stdout and stderr appended to
    workdir/smsgated.log (log() is this run's part). user: run as that
    user (setpriv), group nogroup. env: its environment (None: ours)."""

    def __init__(self, conf, workdir, user=None, env=None):
        self.log_path = os.path.join(workdir, "smsgated.log")
        self.log_file = open(self.log_path, "ab")
        self.start_at = os.path.getsize(self.log_path)
        cmd = [SMSGATED, "-c", conf]
        if user:
            cmd = ["setpriv", "--reuid=" + user, "--regid=65534", "--clear-groups"] + cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log_file,
                                     stderr=self.log_file, env=env)

    def log(self):
        return read(self.log_path).decode(errors="replace")[self.start_at:]

    def wait_log(self, pattern, count=1, timeout=TIMEOUT):
        return wait_for(lambda: len(re.findall(pattern, self.log())) >= count, timeout,
                        "smsgated log %r; log:\n%s" % (pattern, self.log()[-3000:]))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=TIMEOUT):
        """SIGTERM; the exit status, or "killed" when it did not exit in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.log_file.close()
                return "killed"
        self.log_file.close()
        return self.proc.returncode
