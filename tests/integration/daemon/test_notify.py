"""smsgated's systemd notify protocol (sd_notify(3)) without systemd.

A Python AF_UNIX datagram socket stands in for the service manager: it is
passed as $NOTIFY_SOCKET (a path, or '@name' for the abstract namespace)
and every datagram smsgated sends is recorded with its arrival time.
smsgated runs against smsgate-modemsim with the helpers of test_daemon.py.
Every wait has a deadline; the one negative check (no WATCHDOG=1 when
$WATCHDOG_PID names another process) watches a bounded window."""

import os
import select
import signal
import socket
import time
import unittest

from daemonlib import Daemon
from simlib import TIMEOUT, wait_for
from test_daemon import DaemonTest

WATCHDOG_USEC = 400000
INTERVAL = WATCHDOG_USEC / 2 / 1e6  # smsgated pings every WATCHDOG_USEC/2


class Listener:
    """The service manager's end: records (monotonic time, text) per datagram."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.sock.bind(address)
        self.sock.setblocking(False)
        self.msgs = []
        self.seen = 0  # messages before this index were matched by next()

    def close(self):
        self.sock.close()

    def _recv(self, until):
        """Reads what arrives before the monotonic deadline until; True if something did."""
        wait = max(0.0, until - time.monotonic())
        if not select.select([self.sock], [], [], wait)[0]:
            return False
        while True:
            try:
                data = self.sock.recv(4096)
            except BlockingIOError:
                return True
            self.msgs.append((time.monotonic(), data.decode()))

    def drain(self):
        self._recv(time.monotonic())
        return self.msgs

    def next(self, pred, timeout=TIMEOUT, what="datagram"):
        """The first message after the last one matched for which pred(text) holds."""
        deadline = time.monotonic() + timeout
        while True:
            for i in range(self.seen, len(self.msgs)):
                if pred(self.msgs[i][1]):
                    self.seen = i + 1
                    return self.msgs[i]
            self.seen = len(self.msgs)
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for %s; got %r" % (what, [m for _, m in self.msgs]))
            self._recv(deadline)

    def texts(self, text):
        return [m for _, m in self.msgs if m == text]


def is_ready(m):
    return m.split("\n")[0] == "READY=1"


class TestNotify(DaemonTest):
    def start(self, notify_socket, **env):
        """smsgated with the given notify environment; the test's own stays untouched."""
        self.start_sim("a")
        self.write_config()
        saved = dict(os.environ)
        os.environ.update(NOTIFY_SOCKET=notify_socket, **env)
        try:
            d = Daemon(self.conf, self.dir)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.addCleanup(self._stop_daemon, d)
        return d

    def listener(self, address):
        ln = Listener(address)
        self.addCleanup(ln.close)
        return ln

    def wait_ready_msg(self, ln, d):
        # status.json of this process first (it is written on the loop's first
        # round, so READY=1 may come just before it), then READY=1.
        wait_for(lambda: (self.status() or {}).get("pid") == d.proc.pid or d.proc.poll() is not None, TIMEOUT,
                 "status.json of smsgated; log:\n" + d.log())
        self.assertIsNone(d.proc.poll(), d.log())
        _, m = ln.next(is_ready, what="READY=1")
        self.assertIn("smsgated started", d.log())
        self.assertEqual(m, "READY=1\nSTATUS=1 modem(s), 0 message(s) queued")
        return m

    def test_lifecycle_path_socket(self):
        ln = self.listener(os.path.join(self.dir, "notify.sock"))
        d = self.start(ln.sock.getsockname(), WATCHDOG_USEC=str(WATCHDOG_USEC))
        self.wait_ready_msg(ln, d)
        t_ready = ln.msgs[ln.seen - 1][0]
        self.assertIn("systemd watchdog: a keep-alive every 200 ms", d.log())

        # Three keep-alives in about 1 s (the third is due 0.6 s after READY).
        # Bounded above too: a ping per loop round instead of per timer would flood.
        for i in range(3):
            ln.next(lambda m: m == "WATCHDOG=1", timeout=1.2 - (time.monotonic() - t_ready),
                    what="WATCHDOG=1 #%d within 1.2 s of READY" % (i + 1))
        window = [m for t, m in ln.msgs if t_ready <= t <= t_ready + 1.2]
        self.assertLessEqual(window.count("WATCHDOG=1"), int(1.2 / INTERVAL) + 2)
        self.assertEqual(set(m for _, m in ln.msgs[1:]), {"WATCHDOG=1"})

        # SIGHUP: RELOADING=1, then READY=1 once the new config is in place.
        d.signal(signal.SIGHUP)
        _, m = ln.next(lambda m: m.startswith("RELOADING=1"), what="RELOADING=1")
        self.assertRegex(m, r"^RELOADING=1\nMONOTONIC_USEC=\d+$")
        _, m = ln.next(lambda m: m != "WATCHDOG=1", what="READY=1 after RELOADING=1")
        self.assertEqual(m, "READY=1\nSTATUS=reloaded: 1 modem(s), 0 message(s) queued")
        d.wait_log(r"config reloaded from")

        # Keep-alives go on after the reload.
        ln.next(lambda m: m == "WATCHDOG=1", timeout=1.0, what="WATCHDOG=1 after the reload")

        # SIGTERM: STOPPING=1, exit 0, and nothing but keep-alives after STOPPING=1.
        self.stop_daemon(d)
        _, m = ln.next(lambda m: m != "WATCHDOG=1", timeout=1.0, what="STOPPING=1")
        self.assertEqual(m, "STOPPING=1")
        ln.drain()
        self.assertEqual(set(m for _, m in ln.msgs[ln.seen:]) - {"WATCHDOG=1"}, set())
        self.assertEqual(len(ln.texts("STOPPING=1")), 1)
        self.assertNotIn("systemd notify:", d.log())  # no send failed

    def test_abstract_namespace(self):
        name = "smsgate-test-notify-%d-%s" % (os.getpid(), os.path.basename(self.dir))
        ln = self.listener("\0" + name)
        d = self.start("@" + name, WATCHDOG_USEC=str(WATCHDOG_USEC))
        self.wait_ready_msg(ln, d)
        ln.next(lambda m: m == "WATCHDOG=1", timeout=1.0, what="WATCHDOG=1")
        self.stop_daemon(d)
        ln.next(lambda m: m == "STOPPING=1", timeout=1.0, what="STOPPING=1")

    def test_watchdog_pid_of_another_process(self):
        """$WATCHDOG_PID names this test process, not smsgated: the watchdog is
        someone else's, so no WATCHDOG=1. A negative check, so bounded: after
        READY=1, four ping intervals (0.8 s) without one. A daemon that ignored
        WATCHDOG_PID would have sent three or four by then."""
        ln = self.listener(os.path.join(self.dir, "notify.sock"))
        d = self.start(ln.sock.getsockname(), WATCHDOG_USEC=str(WATCHDOG_USEC), WATCHDOG_PID=str(os.getpid()))
        self.wait_ready_msg(ln, d)
        t_ready = ln.msgs[ln.seen - 1][0]
        while ln._recv(t_ready + 4 * INTERVAL):
            pass
        self.assertEqual(ln.texts("WATCHDOG=1"), [])
        self.assertNotIn("systemd watchdog", d.log())
        self.stop_daemon(d)
        ln.next(lambda m: m == "STOPPING=1", timeout=1.0, what="STOPPING=1")

    def test_no_notify_socket_is_silent(self):
        """Without $NOTIFY_SOCKET nothing changes: no notify log line, exit 0."""
        self.start_sim("a")
        self.write_config()
        saved = os.environ.pop("NOTIFY_SOCKET", None)
        try:
            d = self.start_daemon()
        finally:
            if saved is not None:
                os.environ["NOTIFY_SOCKET"] = saved
        self.stop_daemon(d)
        self.assertNotIn("systemd", d.log())


if __name__ == "__main__":
    unittest.main()
