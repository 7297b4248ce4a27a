"""The broker's host name is looked up off smsgated's loop: while
getaddrinfo() of that name is held (an LD_PRELOAD shim, slowgai.c, that
waits on a FIFO as a lookup waits on a DNS server that does not answer),
the HTTP API answers, a message goes out through the modem, and a SIGTERM
ends smsgated at once with exit status 0. Let go, the lookup answers and
the gateway connects and subscribes. And the answer's addresses are
tried in turn: one refused, the next connects, in the same attempt.

Skipped only where LD_PRELOAD cannot reach smsgated's getaddrinfo: a
sanitizer runtime linked as a shared library that must come first
(gcc's -fsanitize=address), which refuses to start with a preload.
clang's ASan is static in the program and intercepts getaddrinfo by
calling the next definition, the shim's: there it runs."""

import http.client
import json
import os
import subprocess
import unittest

from mqttlib import NUMBER, PoolTest
from simlib import TIMEOUT, wait_for
from daemonlib import SMSGATED, free_port

SHIM = os.environ.get("SLOWGAI_SHIM", "")
SLOW_HOST = "broker.slow.test"


def preload_unusable():
    """Why LD_PRELOAD cannot work for smsgated here, or None."""
    if not SHIM or not os.path.exists(SHIM):
        return "no shim (SLOWGAI_SHIM)"
    try:
        libs = subprocess.run(["ldd", SMSGATED], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              timeout=TIMEOUT).stdout.decode()
    except (OSError, subprocess.TimeoutExpired):
        return None
    if "libasan" in libs or "libtsan" in libs:
        return "smsgated loads a shared sanitizer runtime, which must come before any preload"
    return None


@unittest.skipIf(preload_unusable(), preload_unusable())
class TestSlowLookup(PoolTest):
    def start_held(self, name, hold=True, answer="127.0.0.1"):
        self.held = os.path.join(self.dir, "gai-" + name)
        os.makedirs(self.held)
        if hold:
            os.mkfifo(os.path.join(self.held, "gate"))
        self.http_port = free_port()
        env = dict(os.environ, LD_PRELOAD=SHIM, SLOWGAI_HOST=SLOW_HOST, SLOWGAI_DIR=self.held,
                   SLOWGAI_ANSWER=answer)
        g = self.gateway(name, url="mqtt://%s:%d" % (SLOW_HOST, self.broker.port), env=env, wait=False,
                         extra=["[http]", "listen = 127.0.0.1:%d" % self.http_port])
        # the lookup is under way, in the shim (and stays there when held)
        wait_for(lambda: os.path.exists(os.path.join(self.held, "entered")), TIMEOUT,
                 "smsgated looking up %s:\n%s" % (SLOW_HOST, g.daemon.log()[-3000:]))
        return g

    def release(self):
        """Lets every held lookup answer (opening the FIFO unblocks its readers)."""
        os.close(os.open(os.path.join(self.held, "gate"), os.O_WRONLY))

    def get(self, path, method="GET", body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=TIMEOUT)
        try:
            c.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def test_loop_serves_while_lookup_is_held(self):
        g = self.start_held("gw-slow")
        for _ in range(3):
            status, body = self.get("/api/v1/status")
            self.assertEqual(status, 200, body)
            self.assertFalse(json.loads(body)["mqtt"]["connected"])
        status, _ = self.get("/healthz")
        self.assertIn(status, (200, 503))
        # the modem side too: a message accepted over HTTP goes out
        status, body = self.get("/api/v1/messages", "POST", json.dumps({"to": NUMBER, "text": "while DNS hangs"}))
        self.assertEqual(status, 202, body)
        wait_for(lambda: g.texts() == ["while DNS hangs"], TIMEOUT, "the message sent: %r" % g.texts())
        status, body = self.get("/api/v1/status")
        self.assertFalse(json.loads(body)["mqtt"]["connected"])     # still held
        # answered: connected and subscribed, through the name
        self.release()
        g.wait_subscribed(True)
        self.assertIn("mqtt: connected to %s:%d as gw-slow" % (SLOW_HOST, self.broker.port), g.daemon.log())
        self.assertNotIn("cannot resolve", g.daemon.log())

    def test_addresses_tried_in_turn(self):
        # nothing listens on 127.0.0.2 (refused at once); the broker is on 127.0.0.1
        g = self.start_held("gw-turn", hold=False, answer="127.0.0.2,127.0.0.1")
        g.wait_subscribed(True)
        log = g.daemon.log()
        self.assertIn("mqtt: %s:%d: connect to 127.0.0.2: Connection refused; trying the next address"
                      % (SLOW_HOST, self.broker.port), log)
        self.assertIn("mqtt: connected to %s:%d as gw-turn" % (SLOW_HOST, self.broker.port), log)
        self.assertNotIn("trying again in", log)    # one attempt, two addresses

    def test_sigterm_while_lookup_is_held(self):
        g = self.start_held("gw-stop")
        status, _ = self.get("/api/v1/status")
        self.assertEqual(status, 200)
        # the lookup thread is still waiting in the shim: the daemon does not wait for it
        rc = g.daemon.stop()
        self.assertEqual(rc, 0, g.daemon.log()[-3000:])
        self.assertIn("smsgated stopped", g.daemon.log())


if __name__ == "__main__":
    unittest.main()
