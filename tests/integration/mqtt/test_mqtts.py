"""mqtts:// between smsgated and Debian's mosquitto, with certificates made
by openssl for each test: a CA, a server certificate for localhost and
127.0.0.1, one for another name, a client certificate, and a second CA
that signed none of them. mosquitto listens with TLS only: on one port
with the right certificate, on one with the wrong name, on one that
requires a client certificate. mosquitto_pub and mosquitto_sub check the
broker with --cafile as smsgated does with ca_file.

What counts: a message published over TLS reaches the simulator and its
event comes back over TLS; a gateway that must refuse the broker never
gets a session on it (mosquitto's log), says why in its own (GnuTLS's
verification text) at each attempt, and keeps retrying with the back-off;
unusable files stop smsgated at start with the reason. Builds without
GnuTLS (SMSGATE_MQTT_TLS=OFF) run TestWithoutTls instead: mqtts:// is
refused at start. Every wait is on an event with a deadline."""

import itertools
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import test_mqtt
from daemonlib import Daemon, free_port
from mqttlib import Broker, NUMBER, PoolTest, Watcher
from simlib import TIMEOUT, wait_for

TLS_BUILD = os.environ.get("SMSGATE_MQTT_TLS", "ON").upper() in ("ON", "1", "YES", "TRUE")
SYSTEM_TRUST = "/etc/ssl/certs/ca-certificates.crt"     # Debian's GnuTLS default trust store
_serial = itertools.count(1000)


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    if r.returncode != 0:
        raise AssertionError("openssl %s: %s" % (" ".join(args), r.stderr.decode(errors="replace")))


class Pki:
    """A throwaway CA (P-256, valid two days) and what it signs."""

    def __init__(self, workdir, name):
        self.dir, self.name = workdir, name
        self.ca = os.path.join(workdir, name + "-ca.pem")
        self.ca_key = os.path.join(workdir, name + "-ca.key")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", self.ca_key, "-out", self.ca, "-days", "2", "-subj", "/CN=%s test CA" % name,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def issue(self, name, cn, san=None, usage="serverAuth"):
        """(certificate, key) for cn, signed by this CA."""
        key = os.path.join(self.dir, name + ".key")
        csr = os.path.join(self.dir, name + ".csr")
        crt = os.path.join(self.dir, name + ".pem")
        ext = os.path.join(self.dir, name + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n" % usage)
            if san:
                f.write("subjectAltName=%s\n" % san)
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-out", csr, "-subj", "/CN=" + cn)
        openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key, "-set_serial", str(next(_serial)),
                "-days", "2", "-extfile", ext, "-out", crt)
        # mosquitto started as root reads its files as the mosquitto user
        os.chmod(key, 0o644)
        return crt, key


class TlsBroker(Broker):
    """mosquitto with three TLS listeners on 127.0.0.1: port (a certificate
    for localhost and 127.0.0.1), wrong_port (one for elsewhere.example),
    mtls_port (the right one, and a client certificate required)."""

    def __init__(self, workdir, pki):
        self.pki = pki
        self.server = pki.issue("server", "localhost", "DNS:localhost,IP:127.0.0.1")
        self.elsewhere = pki.issue("elsewhere", "elsewhere.example", "DNS:elsewhere.example")
        self.wrong_port, self.mtls_port = free_port(), free_port()
        # its log, read by sessions(), is written as the mosquitto user too
        log = os.path.join(workdir, "mosquitto.log")
        os.close(os.open(log, os.O_WRONLY | os.O_CREAT, 0o666))
        os.chmod(log, 0o666)
        super().__init__(workdir)

    def listeners(self):
        def tls(port, cert_key, extra=""):
            return "listener %d 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\n%s" % (
                port, self.pki.ca, cert_key[0], cert_key[1], extra)
        return (tls(self.port, self.server) + tls(self.wrong_port, self.elsewhere) +
                tls(self.mtls_port, self.server, "require_certificate true\n"))

    def ports(self):
        return [self.port, self.wrong_port, self.mtls_port]

    def client_args(self):
        return ["-h", "localhost", "-p", str(self.port), "--cafile", self.pki.ca]

    def sessions(self, client_id):
        """Lines where mosquitto accepted an MQTT session of client_id."""
        return [line for line in self.log().splitlines() if re.search(r"New client connected .* as %s " %
                                                                      re.escape(client_id), line)]


@unittest.skipUnless(TLS_BUILD, "smsgated built without TLS (SMSGATE_MQTT_TLS=OFF)")
class TlsTest(PoolTest):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="smsgated-mqtts-")
        if not os.environ.get("MQTT_TEST_KEEP"):
            self.addCleanup(shutil.rmtree, self.dir, True)
        os.chmod(self.dir, 0o755)   # for mosquitto's user, as the keys below
        self.pki = Pki(self.dir, "smsgate")
        self.broker = TlsBroker(self.dir, self.pki)
        self.addCleanup(self.broker.stop)

    def url(self, port=None, host="localhost"):
        return "mqtts://%s:%d" % (host, port or self.broker.port)

    def refusals(self, g, port, reason, count=2):
        """Waits for count log lines of a refused attempt (so: retried, with
        the back-off in between) with exactly this reason; returns them."""
        head = "mqtt: localhost:%d: %s; trying again in " % (port, reason)

        def seen():
            if g.daemon.proc.poll() is not None:
                raise AssertionError("smsgated exited:\n" + g.daemon.log())
            hits = [line for line in g.daemon.log().splitlines() if head in line]
            return hits if len(hits) >= count else None
        hits = wait_for(seen, TIMEOUT, "%d x %r in the log:\n%s" % (count, head, g.daemon.log()[-3000:]))
        self.assertTrue(all(" smsgated warn: " in line for line in hits), hits)
        return hits


class TestMqtts(TlsTest):
    def test_message_and_event_over_tls(self):
        w = Watcher(self.broker, "smsgate/+/events/#")
        self.addCleanup(w.stop)
        g = self.gateway("gw1", url=self.url(), mqtt=["ca_file = " + self.pki.ca])
        self.broker.pub("smsgate/send", self.msg("over TLS", id="tls-1"))
        (topic, ev), = w.got(lambda t: t.endswith("/sent"), "a sent event")
        self.assertEqual((topic, ev["type"], ev["data"]["to"], ev["data"]["state"]),
                         ("smsgate/gw1/events/sent", "sms.sent", NUMBER, "sent"))
        self.assertEqual(g.texts(), ["over TLS"])
        # the session is TLS (the port has no other listener), and says which
        self.assertRegex(g.daemon.log(), r"mqtt: connected to localhost:%d as gw1, TLS \(TLS1\.[23]\)-"
                         % self.broker.port)
        self.assertEqual(len(self.broker.sessions("gw1")), 1, self.broker.log()[-3000:])

    def test_address_in_url_matches_ip_in_certificate(self):
        # no SNI for an address (RFC 6066); the certificate's IP:127.0.0.1 is checked
        self.gateway("gw-ip", url=self.url(host="127.0.0.1"), mqtt=["ca_file = " + self.pki.ca])
        self.assertEqual(len(self.broker.sessions("gw-ip")), 1)

    def test_ca_that_did_not_sign_is_refused(self):
        other = Pki(self.dir, "other")
        g = self.gateway("gw-bad", url=self.url(), mqtt=["ca_file = " + other.ca], wait=False)
        self.refusals(g, self.broker.port, "the broker's certificate is refused: The certificate is NOT trusted. "
                      "The certificate issuer is unknown.")
        self.assertEqual(self.broker.sessions("gw-bad"), [])
        self.assertFalse(g.status()["mqtt"]["connected"])

    def test_name_not_in_certificate_is_refused(self):
        g = self.gateway("gw-name", url=self.url(self.broker.wrong_port), mqtt=["ca_file = " + self.pki.ca],
                         wait=False)
        self.refusals(g, self.broker.wrong_port, "the broker's certificate is refused: The certificate is NOT "
                      "trusted. The name in the certificate does not match the expected.")
        self.assertEqual(self.broker.sessions("gw-name"), [])

    def test_system_trust_store_by_default(self):
        # no ca_file: the system's CAs, which never signed this test CA
        if not os.path.exists(SYSTEM_TRUST):
            self.skipTest("no %s (ca-certificates)" % SYSTEM_TRUST)
        g = self.gateway("gw-sys", url=self.url(), wait=False)
        self.refusals(g, self.broker.port, "the broker's certificate is refused: The certificate is NOT trusted. "
                      "The certificate issuer is unknown.")
        self.assertEqual(self.broker.sessions("gw-sys"), [])

    def test_client_certificate(self):
        crt, key = self.pki.issue("gw-cert", "gw-cert", usage="clientAuth")
        url = self.url(self.broker.mtls_port)
        g = self.gateway("gw-cert", url=url, mqtt=["ca_file = " + self.pki.ca, "cert_file = " + crt,
                                                     "key_file = " + key])
        self.assertEqual(len(self.broker.sessions("gw-cert")), 1)
        self.broker.pub("smsgate/send", self.msg("with a client certificate"))
        wait_for(lambda: g.texts() == ["with a client certificate"], TIMEOUT, "the message sent: %r" % g.texts())
        # without one, the broker ends the handshake: no session, a reason each time
        n = self.gateway("gw-nocert", url=url, mqtt=["ca_file = " + self.pki.ca], wait=False)
        # (TLS 1.3: after our side of the handshake, so in the first read:
        # the alert "Certificate is required", or a reset if it came first)
        head = "mqtt: localhost:%d: TLS" % self.broker.mtls_port
        hits = wait_for(lambda: (lambda h: h if len(h) >= 2 else None)(
            [line for line in n.daemon.log().splitlines() if head in line]), TIMEOUT,
            "two TLS refusals:\n" + n.daemon.log()[-3000:])
        self.assertTrue(all(" smsgated warn: " in line for line in hits), hits)
        self.assertEqual(self.broker.sessions("gw-nocert"), [])


class TestTakeoverTls(TlsTest):
    """The takeover of a dead gateway's session (test_mqtt.TestTakeover) over
    TLS: the second connection checks the broker as the first one does."""

    def gateway(self, name, *sim_args, mqtt=(), **kw):
        return super().gateway(name, *sim_args, url=self.url(), mqtt=["ca_file = " + self.pki.ca] + list(mqtt), **kw)

    test_dead_gateways_share_is_taken_over = test_mqtt.TestTakeover.test_dead_gateways_share_is_taken_over


class TestRefusedAtStart(TlsTest):
    """Files that exist (the config checks that) but cannot be used."""

    def refused(self, mqtt_lines, want):
        conf = os.path.join(self.dir, "smsgate.conf")
        with open(conf, "w") as f:
            f.write("\n".join(["[gateway]", "spool = " + os.path.join(self.dir, "spool"), "",
                               "[modem a]", "device = " + os.path.join(self.dir, "nomodem"), "",
                               "[mqtt]", "url = " + self.url()] + mqtt_lines) + "\n")
        d = Daemon(conf, self.dir)
        d.proc.wait(TIMEOUT)
        d.log_file.close()
        self.assertEqual(d.proc.returncode, 1, d.log())
        self.assertIn(want, d.log())

    def test_unusable_files(self):
        not_pem = os.path.join(self.dir, "not.pem")
        with open(not_pem, "w") as f:
            f.write("this is no certificate\n")
        self.refused(["ca_file = " + not_pem], "mqtt: ca_file %s: " % not_pem)
        crt, _ = self.pki.issue("gw-a", "gw-a", usage="clientAuth")
        _, other_key = self.pki.issue("gw-b", "gw-b", usage="clientAuth")
        self.refused(["ca_file = " + self.pki.ca, "cert_file = " + crt, "key_file = " + other_key],
                     "mqtt: cert_file %s, key_file %s: " % (crt, other_key))
        # and one that is not there at all: the config's FILE:LINE
        missing = os.path.join(self.dir, "missing.pem")
        self.refused(["ca_file = " + missing], "smsgate.conf:9: ca_file: %s: No such file or directory" % missing)


@unittest.skipIf(TLS_BUILD, "smsgated built with TLS")
class TestWithoutTls(unittest.TestCase):
    def test_mqtts_refused_at_start(self):
        d = tempfile.mkdtemp(prefix="smsgated-mqtts-")
        self.addCleanup(shutil.rmtree, d, True)
        conf = os.path.join(d, "smsgate.conf")
        with open(conf, "w") as f:
            f.write("[gateway]\nspool = %s/spool\n\n[modem a]\ndevice = %s/nomodem\n\n[mqtt]\nurl = mqtts://localhost\n"
                    % (d, d))
        p = Daemon(conf, d)
        p.proc.wait(TIMEOUT)
        p.log_file.close()
        self.assertEqual(p.proc.returncode, 1, p.log())
        self.assertIn("%s:8: url: mqtts:// (TLS) is not supported in this build" % conf, p.log())


if __name__ == "__main__":
    unittest.main()
