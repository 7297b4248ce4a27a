"""Running third-party programs against the simulator: each in its own
session so that everything it forks is stopped with it, even on failure."""
import os
import shutil
import signal
import subprocess
import sys


def need(*programs):
    """Skips the whole test program (ctest SKIP_RETURN_CODE 77) when a client is missing."""
    for p in programs:
        if not shutil.which(p) and not os.path.exists(p):
            print("skipped: %s is not installed (scripts/deps.sh installs it)" % p)
            sys.exit(77)


class Proc:
    def __init__(self, argv, logpath, env=None, cwd=None):
        self.log = open(logpath, "wb")
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                  env=env, cwd=cwd, start_new_session=True)

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        # children that outlived their parent, still in its session
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.log.close()


def run(argv, logpath, timeout=120, env=None, input_bytes=None):
    """Runs a client to completion in its own session; returns (rc, output)."""
    with open(logpath, "wb") as log:
        p = subprocess.Popen(argv, stdin=subprocess.PIPE if input_bytes else subprocess.DEVNULL,
                             stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            p.communicate(input_bytes, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    with open(logpath, "rb") as f:
        return p.returncode, f.read().decode(errors="replace")
