"""What the MQTT pool tests and bench/pool share: Debian's mosquitto on a
free loopback port with a generated config, mosquitto_sub watchers, and
gateways (smsgated with its own smsgate-modemsim). Every wait is on an
event with a deadline."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import unittest

from daemonlib import Daemon, free_port, read
from simlib import Sim, TIMEOUT, wait_for

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
PUB = shutil.which("mosquitto_pub")
SUB = shutil.which("mosquitto_sub")
NUMBER = "+491701234567"


class Broker:
    """mosquitto on a free loopback port. persistence: its queues and
    sessions survive stop() and start(), as a production broker's do."""

    def __init__(self, workdir, persistence=False):
        self.dir = workdir
        self.port = free_port()
        self.conf = os.path.join(workdir, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write(self.listeners() + "allow_anonymous true\nlog_dest file %s\nlog_type all\n"
                    % os.path.join(workdir, "mosquitto.log"))
            if os.geteuid() == 0:
                # as root it would switch to the mosquitto user, who may not write its log or store here
                f.write("user root\n")
            if persistence:
                f.write("persistence true\npersistence_location %s/\nautosave_interval 1\n"
                        "max_queued_messages 100000\n" % workdir)
            else:
                f.write("persistence false\n")
        self.start()

    def start(self):
        self.proc = subprocess.Popen([MOSQUITTO, "-c", self.conf], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up(port):
            if self.proc.poll() is not None:
                raise AssertionError("mosquitto exited: " + self.log())
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return True
            except OSError:
                return False
        for port in self.ports():
            wait_for(lambda: up(port), TIMEOUT, "mosquitto listening on %d" % port)

    # A broker with other listeners (TLS: test_mqtts.py) overrides these three.
    def listeners(self):
        return "listener %d 127.0.0.1\n" % self.port

    def ports(self):
        return [self.port]

    def client_args(self):
        """How mosquitto_pub and mosquitto_sub reach the broker."""
        return ["-h", "127.0.0.1", "-p", str(self.port)]

    def log(self):
        try:
            return read(os.path.join(self.dir, "mosquitto.log")).decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(TIMEOUT)

    def pub(self, topic, *payloads):
        """mosquitto_pub -q 1, one message per payload (-l: a line each)."""
        data = "".join(p + "\n" for p in payloads).encode()
        r = subprocess.run([PUB] + self.client_args() + ["-q", "1", "-t", topic, "-l"],
                           input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        if r.returncode != 0:
            raise AssertionError("mosquitto_pub: %r" % r.stderr)

    def retained(self, topic):
        """The retained message of topic, read by mosquitto_sub (None: none)."""
        r = subprocess.run([SUB] + self.client_args() + ["-t", topic, "-C", "1", "-W", "1", "--retained-only"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None


class Watcher:
    """mosquitto_sub -v on a filter, every line kept."""

    def __init__(self, broker, topic):
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen([SUB] + broker.client_args() + ["-q", "1", "-v", "-t", topic],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            topic, _, payload = line.decode().rstrip("\n").partition(" ")
            with self.lock:
                self.lines.append((topic, payload))

    def got(self, pred, what):
        def find():
            with self.lock:
                hits = [(t, json.loads(p)) for t, p in self.lines if pred(t)]
            return hits or None
        return wait_for(find, TIMEOUT, what)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(TIMEOUT)


class Gateway:
    """url, mqtt: the [mqtt] url (default: the broker's plain listener) and
    more lines of that section; extra: more lines after it (sections);
    env: smsgated's environment; wait: for the subscription at each start
    (False: a gateway that is not meant to connect)."""

    def __init__(self, test, name, broker, *sim_args, url=None, mqtt=(), extra=(), env=None, wait=True):
        self.test, self.name, self.broker = test, name, broker
        self.env, self.wait = env, wait
        self.dir = os.path.join(test.dir, name)
        self.spool = os.path.join(self.dir, "spool")
        self.conf = os.path.join(self.dir, "smsgate.conf")
        os.makedirs(os.path.join(self.dir, "sim"), exist_ok=True)
        self.sim = Sim(*sim_args, workdir=os.path.join(self.dir, "sim"))
        self.daemon = None
        with open(self.conf, "w") as f:
            f.write("\n".join([
                "[gateway]", "spool = " + self.spool, "log_level = debug", "retry_base = 1", "",
                "[modem a]", "device = " + self.sim.link, "poll_interval = 1", "",
                "[mqtt]", "url = " + (url or "mqtt://127.0.0.1:%d" % broker.port), "client_id = " + name,
                "keepalive = 5",
            ] + list(mqtt) + [""] + list(extra)) + "\n")
        self.start()

    def start(self):
        self.daemon = Daemon(self.conf, self.dir, env=self.env)
        if self.wait:
            self.wait_subscribed(True)

    def status(self):
        try:
            return json.loads(read(os.path.join(self.spool, "status.json")))
        except (OSError, ValueError):
            return None

    def wait_subscribed(self, yes=True):
        def check():
            if self.daemon.proc.poll() is not None:
                raise AssertionError("smsgated %s exited:\n%s" % (self.name, self.daemon.log()))
            st = self.status()
            return st and st.get("pid") == self.daemon.proc.pid and st.get("mqtt", {}).get("subscribed") == yes
        wait_for(check, TIMEOUT, "%s %ssubscribed: %r" % (self.name, "" if yes else "un", self.status()))

    def texts(self):
        return [e["text"] for e in self.sim.events("submit") if e.get("result") == "ok"]

    def queue(self):
        try:
            return sorted(n for n in os.listdir(os.path.join(self.spool, "queue")) if not n.startswith("."))
        except FileNotFoundError:
            return []

    def queued_texts(self):
        """The texts of the message files in queue/ (headers, a blank line, the text)."""
        out = []
        for n in self.queue():
            if "." in n:
                continue
            try:
                data = read(os.path.join(self.spool, "queue", n)).decode()
            except FileNotFoundError:
                continue
            out.append(data.split("\n\n", 1)[1] if "\n\n" in data else "")
        return out

    def kill9(self):
        self.daemon.proc.send_signal(signal.SIGKILL)
        self.daemon.proc.wait()
        self.daemon.log_file.close()

    def stop(self):
        if self.daemon and not self.daemon.log_file.closed:
            rc = self.daemon.stop()
            self.test.assertEqual(rc, 0, "smsgated %s: exit status %r\n%s" % (self.name, rc,
                                                                              self.daemon.log()[-3000:]))
        rc = self.sim.close()
        self.test.assertEqual(rc, 0, "simulator of %s: exit status %r" % (self.name, rc))


@unittest.skipUnless(os.path.exists(MOSQUITTO) and PUB and SUB, "mosquitto and mosquitto-clients needed")
class PoolTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="smsgated-mqtt-")
        if not os.environ.get("MQTT_TEST_KEEP"):
            self.addCleanup(shutil.rmtree, self.dir, True)
        self.broker = Broker(self.dir)
        self.addCleanup(self.broker.stop)

    def gateway(self, name, *sim_args, **kw):
        g = Gateway(self, name, self.broker, *sim_args, **kw)
        self.addCleanup(g.stop)
        return g

    @staticmethod
    def msg(text, **kw):
        return json.dumps(dict({"to": NUMBER, "text": text}, **kw))

    def all_sent(self, gws, texts):
        """Waits until every text was submitted somewhere; returns texts per gateway."""
        want = sorted(texts)
        wait_for(lambda: sorted(set(sum((g.texts() for g in gws), []))) == want, TIMEOUT,
                 "all %d texts submitted: %r" % (len(want), [g.texts() for g in gws]))
        return [g.texts() for g in gws]
