"""A pool of gateways over MQTT: Debian's mosquitto on a free loopback
port with a generated config, smsgated instances each with its own
smsgate-modemsim, and mosquitto_pub / mosquitto_sub (real third-party
clients) publishing messages and watching events and the retained status.

What counts is what the simulators submitted (their JSON logs) and what
a subscriber saw. Every wait is on an event with a deadline."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))

from simlib import Sim, TIMEOUT, wait_for  # noqa: E402
from test_http import Daemon, free_port, read  # noqa: E402

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
PUB = shutil.which("mosquitto_pub")
SUB = shutil.which("mosquitto_sub")
NUMBER = "+491701234567"


class Broker:
    def __init__(self, workdir):
        self.dir = workdir
        self.port = free_port()
        conf = os.path.join(workdir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "log_dest file %s\nlog_type all\n" % (self.port, os.path.join(workdir, "mosquitto.log")))
        self.proc = subprocess.Popen([MOSQUITTO, "-c", conf], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            if self.proc.poll() is not None:
                raise AssertionError("mosquitto exited: " + self.log())
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return True
            except OSError:
                return False
        wait_for(up, TIMEOUT, "mosquitto listening")

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
        r = subprocess.run([PUB, "-h", "127.0.0.1", "-p", str(self.port), "-q", "1", "-t", topic, "-l"],
                           input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        if r.returncode != 0:
            raise AssertionError("mosquitto_pub: %r" % r.stderr)

    def retained(self, topic):
        """The retained message of topic, read by mosquitto_sub (None: none)."""
        r = subprocess.run([SUB, "-h", "127.0.0.1", "-p", str(self.port), "-t", topic, "-C", "1", "-W", "1",
                            "--retained-only"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None


class Watcher:
    """mosquitto_sub -v on a filter, every line kept."""

    def __init__(self, broker, topic):
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen([SUB, "-h", "127.0.0.1", "-p", str(broker.port), "-q", "1", "-v", "-t",
                                      topic], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
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
    def __init__(self, test, name, broker, *sim_args):
        self.test, self.name, self.broker = test, name, broker
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
                "[mqtt]", "url = mqtt://127.0.0.1:%d" % broker.port, "client_id = " + name, "keepalive = 5",
            ]) + "\n")
        self.start()

    def start(self):
        self.daemon = Daemon(self.conf, self.dir)
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

    def gateway(self, name, *sim_args):
        g = Gateway(self, name, self.broker, *sim_args)
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


class TestPool(PoolTest):
    def test_each_message_once_across_two_gateways(self):
        g1, g2 = self.gateway("gw1"), self.gateway("gw2")
        texts = ["pool message %d" % i for i in range(20)]
        self.broker.pub("smsgate/send", *[self.msg(t) for t in texts])
        per = self.all_sent([g1, g2], texts)
        # exactly once: no text twice, anywhere
        self.assertEqual(sorted(per[0] + per[1]), sorted(texts), per)
        # the shared subscription spread them
        self.assertTrue(per[0] and per[1], per)

    def test_gateway_without_modem_takes_nothing(self):
        g1, g2 = self.gateway("gw1"), self.gateway("gw2")
        g1.sim.ctl("deregister")
        g1.wait_subscribed(False)
        texts = ["while gw1 is down %d" % i for i in range(10)]
        self.broker.pub("smsgate/send", *[self.msg(t) for t in texts])
        per = self.all_sent([g1, g2], texts)
        self.assertEqual((per[0], sorted(per[1])), ([], sorted(texts)))
        # back: it subscribes again and takes its share
        g1.sim.ctl("register")
        g1.wait_subscribed(True)
        more = ["gw1 back %d" % i for i in range(10)]
        self.broker.pub("smsgate/send", *[self.msg(t) for t in more])
        per = self.all_sent([g1, g2], texts + more)
        self.assertEqual(sorted(per[0] + per[1]), sorted(texts + more))
        self.assertTrue(per[0], per)


    def test_gateway_killed_loses_nothing(self):
        g1, g2 = self.gateway("gw1"), self.gateway("gw2")
        g1.kill9()
        texts = ["while gw1 is dead %d" % i for i in range(10)]
        self.broker.pub("smsgate/send", *[self.msg(t) for t in texts])
        # whatever the broker kept for gw1's session comes when it is back
        g1.start()
        per = self.all_sent([g1, g2], texts)
        self.assertEqual(sorted(per[0] + per[1]), sorted(texts), per)
        print("\nafter kill -9 of gw1: gw1 sent %d, gw2 sent %d" % (len(per[0]), len(per[1])), file=sys.stderr)


class TestEvents(PoolTest):
    def test_sent_failed_received_rejected(self):
        w = Watcher(self.broker, "smsgate/+/events/#")
        self.addCleanup(w.stop)
        g = self.gateway("gw1")
        self.broker.pub("smsgate/send", self.msg("event me", id="client-key-1"))
        (topic, ev), = w.got(lambda t: t.endswith("/sent"), "a sent event")
        self.assertEqual(topic, "smsgate/gw1/events/sent")
        self.assertEqual(ev["type"], "sms.sent")
        d = ev["data"]
        self.assertEqual((d["to"], d["state"], d["parts"], d["modem"]), (NUMBER, "sent", 1, "a"))
        self.assertEqual(g.texts(), ["event me"])

        # the same client id again (a client's retry): acknowledged, nothing new
        self.broker.pub("smsgate/send", self.msg("event me", id="client-key-1"))
        wait_for(lambda: (g.status() or {}).get("mqtt", {}).get("duplicates") == 1, TIMEOUT, "a duplicate counted")
        self.assertEqual(g.texts(), ["event me"])

        # a permanent error: failed, with the reason
        g.sim.ctl("cms-error", "304")
        self.broker.pub("smsgate/send", self.msg("this one fails"))
        (topic, ev), = w.got(lambda t: t.endswith("/failed"), "a failed event")
        self.assertEqual((topic, ev["type"], ev["data"]["state"]), ("smsgate/gw1/events/failed", "sms.failed",
                                                                   "failed"))
        self.assertIn("304", ev["data"]["last_error"])

        # bad payloads: acknowledged (they do not come back), refused with the reason, nothing written
        self.broker.pub("smsgate/send", "not json", json.dumps({"to": "+49 170", "text": "x"}),
                        json.dumps({"text": "no recipient"}))
        hits = w.got(lambda t: t.endswith("/rejected") and True, "rejected events")
        hits = wait_for(lambda: len(w.got(lambda t: t.endswith("/rejected"), "")) >= 3 and
                        w.got(lambda t: t.endswith("/rejected"), ""), TIMEOUT, "three rejected events")
        self.assertEqual([t for t, _ in hits], ["smsgate/gw1/events/rejected"] * 3)
        self.assertEqual([e["payload"] for _, e in hits],
                         ["not json", json.dumps({"to": "+49 170", "text": "x"}), json.dumps({"text": "no recipient"})])
        self.assertTrue(all(e["type"] == "sms.rejected" and e["gateway"] == "gw1" and e["reason"] for _, e in hits))
        self.assertTrue(hits[0][1]["reason"].startswith("invalid JSON"), hits[0][1])
        self.assertEqual(g.queue(), [])

        # an incoming SMS: received
        g.sim.ctl("inject", "--from", "+491709999999", "hello gateway")
        (topic, ev), = w.got(lambda t: t.endswith("/received"), "a received event")
        self.assertEqual((topic, ev["type"], ev["data"]["from"], ev["data"]["text"]),
                         ("smsgate/gw1/events/received", "sms.received", "+491709999999", "hello gateway"))


class TestStatus(PoolTest):
    def test_retained_status_and_will(self):
        g1 = self.gateway("gw1")
        st = wait_for(lambda: self.broker.retained("smsgate/gw1/status"), TIMEOUT, "a retained status")
        self.assertEqual((st["gateway"], st["state"], st["can_send"], st["modems"][0]["name"]),
                         ("gw1", "online", True, "a"))
        g1.kill9()
        st = wait_for(lambda: (lambda s: s if s and s["state"] == "offline" else None)(
            self.broker.retained("smsgate/gw1/status")), TIMEOUT, "the will: offline")
        self.assertEqual(st, {"gateway": "gw1", "state": "offline"})
        # back, and a clean stop says offline too
        g1.start()
        wait_for(lambda: (self.broker.retained("smsgate/gw1/status") or {}).get("state") == "online", TIMEOUT,
                 "online again")
        g1.daemon.stop()
        wait_for(lambda: (self.broker.retained("smsgate/gw1/status") or {}).get("state") == "offline", TIMEOUT,
                 "offline after SIGTERM")


class TestCrash(PoolTest):
    def test_acknowledged_messages_survive_kill9(self):
        # a modem that takes its time: the messages wait in the spool
        g = self.gateway("gw1", "--send-delay-ms", "600000")
        texts = ["survivor %d" % i for i in range(5)]
        self.broker.pub("smsgate/send", *[self.msg(t) for t in texts])
        # all five in queue/ (durable, hence acknowledged) ...
        wait_for(lambda: len([n for n in g.queue() if "." not in n]) == 5, TIMEOUT,
                 "5 messages in queue/: %r" % g.queue())
        g.kill9()
        # ... and after a restart, with a healthy modem, every one goes out
        g.sim.close()
        g.sim = Sim(workdir=os.path.join(g.dir, "sim"))
        g.start()
        per = self.all_sent([g], texts)
        self.assertEqual(sorted(set(per[0])), sorted(texts))


if __name__ == "__main__":
    unittest.main()
