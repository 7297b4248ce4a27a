"""Test scaffolding for smsgate-modemsim: start it in a temp dir, talk raw
bytes to its pty, drive its control socket, read its JSON log.

Every wait is on an event (bytes arriving, a line in the log, a file
appearing) with a generous deadline; nothing sleeps and hopes."""

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import termios
import time
import unittest

SIM = os.environ.get("SMSGATE_MODEMSIM", "smsgate-modemsim")
FAST = ["--send-delay-ms", "0", "--report-delay-ms", "0", "--register-delay-ms", "0",
        "--urc-interval-ms", "0", "--seed", "1"]
TIMEOUT = float(os.environ.get("SIM_TEST_TIMEOUT", "20"))


def wait_for(pred, timeout=TIMEOUT, what="condition"):
    """Polls pred() until true; a deadline, not a sleep standing in for an event."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


class LogTail:
    """A simulator's JSON log read as it grows, one complete line at a time
    (Sim.events() reads the whole file again at every call)."""

    def __init__(self, path):
        self.path, self.pos, self.partial = path, 0, b""

    def poll(self):
        """The events written since the last call."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return []
        self.pos += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        return [json.loads(line) for line in lines if line]

    def wait(self, pred, timeout=TIMEOUT, what="a log event"):
        """The first new event for which pred is true. It looks every
        millisecond, so that a kill that follows lands within about a
        millisecond of the event (the crash test)."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.poll():
                if pred(e):
                    return e
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for " + what)
            time.sleep(0.001)


class Sim:
    def __init__(self, *args, profile="generic", fast=True, workdir=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="sim-")
        self.own_dir = workdir is None
        self.link = os.path.join(self.dir, "modem")
        self.ctl_path = os.path.join(self.dir, "ctl.sock")
        self.log_path = os.path.join(self.dir, "sim.log")
        self.stderr = open(os.path.join(self.dir, "sim.stderr"), "wb")
        r, w = os.pipe()
        cmd = [SIM, "--link", self.link, "--ctl", self.ctl_path, "--log", self.log_path,
               "--ready-fd", str(w), "--profile", profile]
        if fast:
            cmd += FAST
        cmd += list(args)
        self.proc = subprocess.Popen(cmd, pass_fds=(w,), stdin=subprocess.DEVNULL,
                                     stdout=self.stderr, stderr=self.stderr)
        os.close(w)
        self.fd = None
        self.buf = b""
        try:
            ready, _, _ = select.select([r], [], [], TIMEOUT)
            line = os.read(r, 256) if ready else b""
        finally:
            os.close(r)
        if not line.endswith(b"\n"):
            self.close()
            raise AssertionError("simulator did not become ready: " + self.stderr_text())
        self.tty = line.decode().strip()

    def stderr_text(self):
        try:
            with open(os.path.join(self.dir, "sim.stderr"), "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    # ---- the line ----
    def open(self):
        self.fd = os.open(self.link, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        attrs = termios.tcgetattr(self.fd)
        # raw, as every serial client sets it; TCSANOW keeps pending input
        attrs[0] = 0
        attrs[1] = 0
        attrs[2] = termios.CS8 | termios.CREAD | termios.CLOCAL
        attrs[3] = 0
        attrs[6][termios.VMIN] = 1
        attrs[6][termios.VTIME] = 0
        termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
        self.buf = b""
        return self

    def close_line(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        view = memoryview(data)
        while view:
            select.select([], [self.fd], [], TIMEOUT)
            n = os.write(self.fd, view)
            view = view[n:]

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([self.fd], [], [], left)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 4096)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not data:
            return False
        self.buf += data
        return True

    def expect(self, expected, timeout=TIMEOUT):
        """The next bytes on the line are exactly `expected`."""
        if isinstance(expected, str):
            expected = expected.encode()
        deadline = time.monotonic() + timeout
        while len(self.buf) < len(expected) and self.buf == expected[:len(self.buf)]:
            if not self._fill(deadline):
                break
        got = self.buf[:len(expected)]
        if got != expected:
            raise AssertionError("line: expected %r\n          got %r" % (expected, self.buf))
        self.buf = self.buf[len(expected):]
        return got

    def read_until(self, marker, timeout=TIMEOUT):
        """Everything up to and including `marker`."""
        if isinstance(marker, str):
            marker = marker.encode()
        deadline = time.monotonic() + timeout
        while marker not in self.buf:
            if not self._fill(deadline):
                raise AssertionError("line: no %r in %r" % (marker, self.buf))
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def at(self, line, answer, echo=True):
        """Sends `line`<CR> and expects its echo (if on) then `answer`."""
        self.send(line + "\r")
        self.expect((line + "\r" if echo else "") + answer)

    def quiet(self, echo=True):
        """Nothing unexpected is pending: the next AT answers OK at once."""
        self.at("AT", "\r\nOK\r\n", echo=echo)

    def wait_eof(self, timeout=TIMEOUT):
        """The line went away (HUP / EIO)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("line did not hang up")
            p = select.poll()
            p.register(self.fd, select.POLLIN)
            ev = p.poll(left * 1000)
            if ev and ev[0][1] & (select.POLLHUP | select.POLLERR):
                return True
            if ev:
                try:
                    if not os.read(self.fd, 4096):
                        return True
                except BlockingIOError:
                    pass
                except OSError:
                    return True

    # ---- control socket ----
    def ctl(self, *argv, ok=True):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        try:
            s.connect(self.ctl_path)
            s.sendall(json.dumps({"argv": list(argv)}).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        reply = json.loads(data)
        if ok is not None and reply.get("ok") != ok:
            raise AssertionError("ctl %r: %r" % (argv, reply))
        return reply

    # ---- log ----
    def events(self, ev=None):
        out = []
        try:
            with open(self.log_path, "rb") as f:
                for line in f:
                    if not line.endswith(b"\n"):
                        break       # the simulator is still writing it
                    o = json.loads(line)
                    if ev is None or o.get("ev") == ev:
                        out.append(o)
        except FileNotFoundError:
            pass
        return out

    def wait_event(self, ev, count=1, timeout=TIMEOUT):
        return wait_for(lambda: len(self.events(ev)) >= count and self.events(ev), timeout,
                        "%d %r log events" % (count, ev))

    def close(self):
        self.close_line()
        rc = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = "killed"
        else:
            rc = self.proc.returncode
        self.stderr.close()
        return rc

    def cleanup(self):
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


class SimTest(unittest.TestCase):
    """Starts one simulator per test; stops it even when the test fails,
    and fails the test when the simulator did not exit cleanly (sanitizers)."""
    profile = "generic"
    args = ()

    def start(self, *args, profile=None, open_line=True):
        sim = Sim(*(tuple(self.args) + args), profile=profile or self.profile)
        self.addCleanup(self._stop, sim)
        if open_line:
            sim.open()
        return sim

    def _stop(self, sim):
        rc = sim.close()
        err = sim.stderr_text()
        sim.cleanup()
        self.assertEqual(rc, 0, "simulator exit status %r\n%s" % (rc, err))
