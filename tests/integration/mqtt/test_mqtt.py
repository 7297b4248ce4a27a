"""A pool of gateways over MQTT: Debian's mosquitto on a free loopback
port with a generated config, smsgated instances each with its own
smsgate-modemsim, and mosquitto_pub / mosquitto_sub (real third-party
clients) publishing messages and watching events and the retained status.

What counts is what the simulators submitted (their JSON logs) and what
a subscriber saw. Every wait is on an event with a deadline."""

import json
import os
import sys
import unittest

from daemonlib import drop, read
from mqttlib import NUMBER, PoolTest, Watcher
from simlib import Sim, TIMEOUT, wait_for


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


    def test_no_modem_anywhere_keeps_the_work(self):
        # A broker drops what no subscription matches: the last gateway
        # stays subscribed, even without a modem, and keeps the messages.
        g1, g2 = self.gateway("gw1"), self.gateway("gw2")
        g1.sim.ctl("deregister")
        g1.wait_subscribed(False)
        g2.sim.ctl("deregister")
        g2.wait_subscribed(True)
        wait_for(lambda: (g2.status()["mqtt"]["peers"] or [{}])[0].get("can_send") is False, TIMEOUT,
                 "gw2 sees gw1 unable to send")
        self.assertTrue(g2.status()["mqtt"]["subscribed"])
        texts = ["while no modem can send %d" % i for i in range(10)]
        self.broker.pub("smsgate/send", *[self.msg(t) for t in texts])
        wait_for(lambda: len([n for g in (g1, g2) for n in g.queue() if "." not in n]) == len(texts), TIMEOUT,
                 "all %d in a spool: %r" % (len(texts), [g.queue() for g in (g1, g2)]))
        g1.sim.ctl("register")
        g2.sim.ctl("register")
        per = self.all_sent([g1, g2], texts)
        self.assertEqual(sorted(per[0] + per[1]), sorted(texts), per)

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


class TestTakeover(PoolTest):
    def test_dead_gateways_share_is_taken_over(self):
        g1 = self.gateway("gw1", mqtt=["takeover_after = 1"])
        g2 = self.gateway("gw2", mqtt=["takeover_after = 1"])
        g1.kill9()
        # the broker routes part of these to gw1's session, dead or not ...
        texts = ["while gw1 is dead %d" % i for i in range(20)]
        self.broker.pub("smsgate/send", *[self.msg(t) for t in texts])
        # ... and gw2 takes them from there, without gw1 coming back
        per = self.all_sent([g2], texts)
        self.assertEqual(sorted(per[0]), sorted(texts))
        st = wait_for(lambda: (lambda m: m if m["taken_over"] else None)(g2.status()["mqtt"]), TIMEOUT,
                      "status.json shows the takeover")
        self.assertEqual(st["takeovers"], 1, st)
        self.assertEqual(st["peers"], [{"gateway": "gw1", "state": "offline", "can_send": False, "taken_over": True}])
        # the drained session takes nothing new: all of these go to gw2 as well
        more = ["after the takeover %d" % i for i in range(10)]
        self.broker.pub("smsgate/send", *[self.msg(t) for t in more])
        per = self.all_sent([g2], texts + more)
        self.assertEqual(sorted(per[0]), sorted(texts + more))
        # gw1 back: it resumes its (empty) session, subscribes again and takes its share
        g1.start()
        wait_for(lambda: g2.status()["mqtt"]["peers"][0]["state"] == "online", TIMEOUT, "gw2 sees gw1 online")
        last = ["gw1 back %d" % i for i in range(20)]
        self.broker.pub("smsgate/send", *[self.msg(t) for t in last])
        per = self.all_sent([g1, g2], texts + more + last)
        self.assertEqual(sorted(per[0] + per[1]), sorted(texts + more + last), per)
        self.assertTrue(per[0], "gw1 took no share after its return: %r" % per)

    def test_no_takeover_without_a_modem(self):
        g1 = self.gateway("gw1", mqtt=["takeover_after = 1"])
        g2 = self.gateway("gw2", mqtt=["takeover_after = 1"])
        g2.sim.ctl("deregister")
        g2.wait_subscribed(False)
        g1.kill9()
        # gw1 gone, nobody can send: gw2 subscribes again as the last resort
        g2.wait_subscribed(True)
        texts = ["nobody can send these %d" % i for i in range(10)]
        self.broker.pub("smsgate/send", *[self.msg(t) for t in texts])
        # gw2 takes its share into its spool, but takes nothing over: it cannot send
        wait_for(lambda: len([n for n in g2.queue() if "." not in n]) == len(texts) // 2, TIMEOUT,
                 "gw2's share in its spool: %r" % g2.queue())
        self.assertEqual(g2.status()["mqtt"]["takeovers"], 0)
        # its modem back: it sends its share, then takes over what waits for gw1
        g2.sim.ctl("register")
        per = self.all_sent([g2], texts)
        self.assertEqual(sorted(per[0]), sorted(texts))
        st = wait_for(lambda: (lambda m: m if m["taken_over"] == len(texts) // 2 else None)(g2.status()["mqtt"]),
                      TIMEOUT, "status.json shows the takeover of gw1's %d" % (len(texts) // 2))
        self.assertEqual(st["takeovers"], 1, st)


class TestForward(PoolTest):
    """[mqtt] forward = yes: what a gateway accepts goes to the pool."""

    def drop(self, g, name, text):
        drop(os.path.join(g.spool, "outgoing"), g.dir, name, "To: %s\n\n%s" % (NUMBER.lstrip("+"), text))

    @staticmethod
    def peer_can_send(g, name, yes):
        wait_for(lambda: [p["can_send"] for p in g.status()["mqtt"]["peers"] if p["gateway"] == name] == [yes],
                 TIMEOUT, "%s sees %s %s" % (g.name, name, "able to send" if yes else "unable to send"))

    @staticmethod
    def records(g, state):
        out = {}
        d = os.path.join(g.spool, "status")
        for n in os.listdir(d):
            if n.endswith(".st"):
                rec = dict(line.split(": ", 1) for line in read(os.path.join(d, n)).decode().splitlines()
                           if ": " in line)
                if rec.get("State") == state:
                    out[n[:-3]] = rec
        return out

    def test_forwarded_to_a_gateway_that_can_send(self):
        front = self.gateway("front", mqtt=["forward = yes", "forward_fallback = 0"])
        gw2 = self.gateway("gw2")
        front.sim.ctl("deregister")
        front.wait_subscribed(False)
        self.peer_can_send(front, "gw2", True)
        self.drop(front, "alarm1", "forwarded alarm")
        self.assertEqual(self.all_sent([gw2], ["forwarded alarm"]), [["forwarded alarm"]])
        # finished here as forwarded: its record in status/, nothing in queue/, sent/ or failed/
        recs = wait_for(lambda: self.records(front, "forwarded"), TIMEOUT, "a forwarded record at front")
        (fid, rec), = recs.items()
        self.assertEqual((rec["To"], rec["Last_error"]), (NUMBER, "forwarded to the pool (smsgate/send)"))
        self.assertEqual((front.queue(), os.listdir(os.path.join(front.spool, "sent")),
                          os.listdir(os.path.join(front.spool, "failed"))), ([], [], []))
        self.assertEqual(front.texts(), [])
        # gw2 took it from the pool: marked so, with front's message ID as the client id
        sent, = [read(os.path.join(gw2.spool, "sent", n)).decode() for n in os.listdir(os.path.join(gw2.spool, "sent"))]
        self.assertTrue(sent.startswith("Pool: yes\nTo: %s\n" % NUMBER), sent)
        self.assertTrue(sent.endswith("\n\nforwarded alarm"), sent)
        st = wait_for(lambda: (lambda m: m if m["forwarded"] == 1 else None)(front.status()["mqtt"]), TIMEOUT,
                      "front counts the forward")
        self.assertEqual(st["forwarding"], 0)
        # the same message again (as after a crash before front's record): gw2 drops the repeat
        self.broker.pub("smsgate/send", self.msg("forwarded alarm", id=fid))
        wait_for(lambda: gw2.status()["mqtt"]["duplicates"] == 1, TIMEOUT, "gw2 drops the repeat")
        self.assertEqual(gw2.texts(), ["forwarded alarm"])

    def test_not_forwarded_while_no_gateway_can_send(self):
        front = self.gateway("front", mqtt=["forward = yes", "forward_fallback = 0"])
        gw2 = self.gateway("gw2")
        for g in (front, gw2):
            g.sim.ctl("deregister")
        self.peer_can_send(front, "gw2", False)
        self.peer_can_send(gw2, "front", False)
        # the broker would drop a message no subscription matches: front keeps it
        self.drop(front, "alarm2", "kept until someone can send")
        wait_for(lambda: len([n for n in front.queue() if "." not in n]) == 1, TIMEOUT, "claimed into queue/")
        gw2.sim.ctl("register")
        self.assertEqual(self.all_sent([gw2], ["kept until someone can send"]), [["kept until someone can send"]])
        self.assertEqual(front.texts(), [])

    def test_local_modem_after_forward_fallback(self):
        front = self.gateway("front", mqtt=["forward = yes", "forward_fallback = 1"])
        gw2 = self.gateway("gw2")
        self.broker.stop()
        self.drop(front, "alarm3", "the broker is down")
        # not taken by the pool within forward_fallback: front's own modem sends it
        self.assertEqual(self.all_sent([front], ["the broker is down"]), [["the broker is down"]])
        self.assertEqual(gw2.texts(), [])
        self.assertEqual(wait_for(lambda: [n for n in os.listdir(os.path.join(front.spool, "sent"))
                                           if not n.startswith(".")], TIMEOUT, "front's sent/ file"), ["alarm3"])


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
        self.assertEqual(st, {"gateway": "gw1", "state": "offline", "client_id": "gw1", "group": "smsgate"})
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
