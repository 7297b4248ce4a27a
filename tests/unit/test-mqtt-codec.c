/* MQTT 3.1.1 packets byte for byte: the specification's own examples
 * (the remaining-length table of 2.2.3, the CONNECT variable header of
 * 3.1.2.10, PUBLISH 3.3.2.3, SUBSCRIBE 3.8.3, SUBACK 3.9.3, UNSUBSCRIBE
 * 3.10.3), what our client sends, round trips through the decoder, and
 * malformed packets refused. Output buffers carry a canary. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mqtt_codec.h"

#define CANARY 0xA5

static uint8_t buf[512];

static void fill(void)
{
	memset(buf, CANARY, sizeof(buf));
}

static void assert_canary(size_t from)
{
	for (size_t i = from; i < sizeof(buf); i++) {
		if (buf[i] != CANARY)
			fail_msg("canary overwritten at offset %zu", i);
	}
}

#define BYTES(s) ((struct mqtt_bytes){ (const uint8_t *)(s), sizeof(s) - 1 })

static void expect(ssize_t n, const char *want, size_t want_len)
{
	assert_int_equal(n, (ssize_t)want_len);
	assert_memory_equal(buf, want, want_len);
	assert_canary(want_len);
}

static int decode(const void *bytes, size_t len, struct mqtt_packet *pk)
{
	struct mqtt_frame f;
	int rc = mqtt_frame(bytes, len, 1u << 20, &f);

	if (rc != 1)
		return rc == 0 ? -EAGAIN : rc;
	assert_int_equal(f.total, len);
	return mqtt_decode(&f, pk);
}

static void test_varint_table(void **state)
{
	/* 2.2.3, Table 2.4: the boundaries of each length */
	static const struct {
		uint32_t v;
		const char *bytes;
		size_t n;
	} t[] = {
		{ 0, "\x00", 1 },
		{ 127, "\x7F", 1 },
		{ 128, "\x80\x01", 2 },
		{ 16383, "\xFF\x7F", 2 },
		{ 16384, "\x80\x80\x01", 3 },
		{ 2097151, "\xFF\xFF\x7F", 3 },
		{ 2097152, "\x80\x80\x80\x01", 4 },
		{ 268435455, "\xFF\xFF\xFF\x7F", 4 },
	};
	uint32_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		fill();
		expect(mqtt_varint_encode(t[i].v, buf, sizeof(buf)), t[i].bytes, t[i].n);
		assert_int_equal(mqtt_varint_decode((const uint8_t *)t[i].bytes, t[i].n, &v), (int)t[i].n);
		assert_int_equal(v, t[i].v);
		/* one byte short: more needed, never a wrong value */
		assert_int_equal(mqtt_varint_decode((const uint8_t *)t[i].bytes, t[i].n - 1, &v), 0);
	}
	assert_int_equal(mqtt_varint_encode(268435456, buf, sizeof(buf)), -ERANGE);
	assert_int_equal(mqtt_varint_encode(128, buf, 1), -ENOBUFS);
	assert_int_equal(mqtt_varint_decode((const uint8_t *)"\xFF\xFF\xFF\xFF\x01", 5, &v), -EBADMSG);
}

static void test_connect(void **state)
{
	/* 3.1.2.10's variable header: flags 0xCE (user name, password, will
	 * QoS 1, will, clean session), keep alive 10 */
	struct mqtt_connect c = {
		.client_id = BYTES("gw1"), .clean_session = true, .keepalive = 10,
		.has_will = true, .will_qos = 1, .will_topic = BYTES("a/b"), .will_payload = BYTES("off"),
		.has_username = true, .username = BYTES("u"), .has_password = true, .password = BYTES("p"),
	};
	static const char want[] = "\x10\x1F"
				   "\x00\x04MQTT\x04\xCE\x00\x0A"
				   "\x00\x03gw1"
				   "\x00\x03"
				   "a/b"
				   "\x00\x03off"
				   "\x00\x01u"
				   "\x00\x01p";
	struct mqtt_packet pk;

	(void)state;
	fill();
	expect(mqtt_encode_connect(buf, sizeof(buf), &c), want, sizeof(want) - 1);
	assert_int_equal(decode(buf, sizeof(want) - 1, &pk), 0);
	assert_int_equal(pk.type, MQTT_CONNECT);
	assert_true(pk.u.connect.clean_session && pk.u.connect.has_will && !pk.u.connect.will_retain);
	assert_int_equal(pk.u.connect.will_qos, 1);
	assert_int_equal(pk.u.connect.keepalive, 10);
	assert_memory_equal(pk.u.connect.client_id.p, "gw1", 3);
	assert_memory_equal(pk.u.connect.will_payload.p, "off", 3);
	assert_memory_equal(pk.u.connect.password.p, "p", 1);

	/* our gateway's: persistent session, retained will, no credentials */
	struct mqtt_connect g = {
		.client_id = BYTES("x"), .keepalive = 60, .has_will = true, .will_qos = 1, .will_retain = true,
		.will_topic = BYTES("s/x/status"), .will_payload = BYTES("{}"),
	};
	static const char want2[] = "\x10\x1D\x00\x04MQTT\x04\x2C\x00\x3C\x00\x01x\x00\x0As/x/status\x00\x02{}";

	fill();
	expect(mqtt_encode_connect(buf, sizeof(buf), &g), want2, sizeof(want2) - 1);
	/* every shorter buffer: -ENOBUFS */
	for (size_t n = 0; n < sizeof(want2) - 1; n++)
		assert_int_equal(mqtt_encode_connect(buf, n, &g), -ENOBUFS);
	/* a password without a user name (3.1.2.22), a wildcard will topic */
	g.has_password = true;
	assert_int_equal(mqtt_encode_connect(buf, sizeof(buf), &g), -EINVAL);
	g.has_password = false;
	g.will_topic = BYTES("s/#");
	assert_int_equal(mqtt_encode_connect(buf, sizeof(buf), &g), -EINVAL);
}

static void test_connack(void **state)
{
	struct mqtt_packet pk;

	(void)state;
	fill();
	expect(mqtt_encode_connack(buf, sizeof(buf), true, 0), "\x20\x02\x01\x00", 4);
	assert_int_equal(decode("\x20\x02\x01\x00", 4, &pk), 0);
	assert_int_equal(pk.type, MQTT_CONNACK);
	assert_true(pk.u.connack.session_present);
	assert_int_equal(decode("\x20\x02\x00\x05", 4, &pk), 0);
	assert_int_equal(pk.u.connack.rc, MQTT_CONNACK_NOT_AUTHORIZED);
	assert_string_equal(mqtt_connack_str(5), "not authorized");
	/* reserved bits, wrong flags, wrong length */
	assert_int_equal(decode("\x20\x02\x02\x00", 4, &pk), -EBADMSG);
	assert_int_equal(decode("\x21\x02\x00\x00", 4, &pk), -EBADMSG);
	assert_int_equal(decode("\x20\x03\x00\x00\x00", 5, &pk), -EBADMSG);
	assert_int_equal(decode("\x20\x01\x00", 3, &pk), -EBADMSG);
}

static void test_publish(void **state)
{
	/* 3.3.2.3: topic "a/b", packet identifier 10 */
	struct mqtt_publish p = { .topic = BYTES("a/b"), .payload = BYTES("hi"), .qos = 1, .packet_id = 10 };
	static const char want[] = "\x32\x09\x00\x03"
				   "a/b\x00\x0Ahi";
	struct mqtt_packet pk;

	(void)state;
	fill();
	expect(mqtt_encode_publish(buf, sizeof(buf), &p), want, sizeof(want) - 1);
	assert_int_equal(mqtt_publish_size(3, 2, 1), sizeof(want) - 1);
	assert_int_equal(decode(want, sizeof(want) - 1, &pk), 0);
	assert_int_equal(pk.type, MQTT_PUBLISH);
	assert_int_equal(pk.u.publish.qos, 1);
	assert_int_equal(pk.u.publish.packet_id, 10);
	assert_int_equal(pk.u.publish.payload.len, 2);
	assert_memory_equal(pk.u.publish.payload.p, "hi", 2);
	/* a resend: DUP; retained QoS 0 with an empty payload */
	p.dup = true;
	fill();
	expect(mqtt_encode_publish(buf, sizeof(buf), &p), "\x3A\x09\x00\x03"
							  "a/b\x00\x0Ahi",
	       11);
	struct mqtt_publish r = { .topic = BYTES("s"), .retain = true };

	fill();
	expect(mqtt_encode_publish(buf, sizeof(buf), &r), "\x31\x03\x00\x01s", 5);
	assert_int_equal(mqtt_publish_size(1, 0, 0), 5);
	/* a payload over 127 bytes: a two-byte remaining length */
	static uint8_t big[200];
	struct mqtt_publish b = { .topic = BYTES("t"), .payload = { big, sizeof(big) } };

	fill();
	assert_int_equal(mqtt_encode_publish(buf, sizeof(buf), &b), 3 + 3 + 200);
	assert_memory_equal(buf, "\x30\xCB\x01\x00\x01t", 6);
	assert_int_equal(mqtt_publish_size(1, 200, 0), 206);

	/* refused: QoS 1 without an id, DUP on QoS 0, wildcards, empty topic */
	struct mqtt_publish bad = { .topic = BYTES("a/b"), .qos = 1 };

	assert_int_equal(mqtt_encode_publish(buf, sizeof(buf), &bad), -EINVAL);
	bad = (struct mqtt_publish){ .topic = BYTES("a/b"), .dup = true };
	assert_int_equal(mqtt_encode_publish(buf, sizeof(buf), &bad), -EINVAL);
	bad = (struct mqtt_publish){ .topic = BYTES("a/+") };
	assert_int_equal(mqtt_encode_publish(buf, sizeof(buf), &bad), -EINVAL);
	bad = (struct mqtt_publish){ .topic = BYTES("") };
	assert_int_equal(mqtt_encode_publish(buf, sizeof(buf), &bad), -EINVAL);

	/* decoder: QoS 3, packet id 0, a topic longer than the packet,
	 * a NUL or a broken UTF-8 sequence in the topic, a wildcard */
	assert_int_equal(decode("\x36\x07\x00\x03"
				"a/b\x00\x0A",
				9, &pk),
			 -EBADMSG);
	assert_int_equal(decode("\x32\x07\x00\x03"
				"a/b\x00\x00",
				9, &pk),
			 -EBADMSG);
	assert_int_equal(decode("\x30\x03\x00\x05"
				"a",
				5, &pk),
			 -EBADMSG);
	assert_int_equal(decode("\x30\x05\x00\x03"
				"a\x00"
				"b",
				7, &pk),
			 -EBADMSG);
	assert_int_equal(decode("\x30\x05\x00\x03"
				"a\xC0\xAF",
				7, &pk),
			 -EBADMSG);
	assert_int_equal(decode("\x30\x05\x00\x03"
				"a/#",
				7, &pk),
			 -EBADMSG);
	assert_int_equal(decode("\x38\x05\x00\x03"
				"a/b",
				7, &pk),
			 -EBADMSG); /* DUP on QoS 0 */
	/* UTF-8 in a topic is fine */
	assert_int_equal(decode("\x30\x06\x00\x04\xC3\xA4/b", 8, &pk), 0);
}

static void test_acks(void **state)
{
	struct mqtt_packet pk;

	(void)state;
	fill();
	expect(mqtt_encode_ack(buf, sizeof(buf), MQTT_PUBACK, 10), "\x40\x02\x00\x0A", 4);
	fill();
	expect(mqtt_encode_ack(buf, sizeof(buf), MQTT_PUBREL, 0x1234), "\x62\x02\x12\x34", 4);
	fill();
	expect(mqtt_encode_ack(buf, sizeof(buf), MQTT_UNSUBACK, 10), "\xB0\x02\x00\x0A", 4);
	assert_int_equal(mqtt_encode_ack(buf, sizeof(buf), MQTT_PUBACK, 0), -EINVAL);
	assert_int_equal(mqtt_encode_ack(buf, sizeof(buf), MQTT_CONNACK, 1), -EINVAL);
	assert_int_equal(mqtt_encode_ack(buf, 3, MQTT_PUBACK, 1), -ENOBUFS);
	assert_int_equal(decode("\x40\x02\xAB\xCD", 4, &pk), 0);
	assert_int_equal(pk.type, MQTT_PUBACK);
	assert_int_equal(pk.u.packet_id, 0xABCD);
	assert_int_equal(decode("\x40\x02\x00\x00", 4, &pk), -EBADMSG);
	assert_int_equal(decode("\x60\x02\x00\x01", 4, &pk), -EBADMSG); /* PUBREL flags must be 0010 */
	assert_int_equal(decode("\x40\x03\x00\x01\x00", 5, &pk), -EBADMSG);

	/* PINGREQ, PINGRESP, DISCONNECT (3.12, 3.13, 3.14) */
	fill();
	expect(mqtt_encode_empty(buf, sizeof(buf), MQTT_PINGREQ), "\xC0\x00", 2);
	fill();
	expect(mqtt_encode_empty(buf, sizeof(buf), MQTT_PINGRESP), "\xD0\x00", 2);
	fill();
	expect(mqtt_encode_empty(buf, sizeof(buf), MQTT_DISCONNECT), "\xE0\x00", 2);
	assert_int_equal(mqtt_encode_empty(buf, sizeof(buf), MQTT_PUBACK), -EINVAL);
	assert_int_equal(decode("\xD0\x00", 2, &pk), 0);
	assert_int_equal(pk.type, MQTT_PINGRESP);
	assert_int_equal(decode("\xD0\x01\x00", 3, &pk), -EBADMSG);
	assert_int_equal(decode("\xF0\x00", 2, &pk), -EBADMSG); /* type 15 is reserved */
	assert_int_equal(decode("\x00\x00", 2, &pk), -EBADMSG); /* type 0 too */
}

static void test_subscribe(void **state)
{
	struct mqtt_packet pk;
	/* 3.8.3's example: "a/b" QoS 1 and "c/d" QoS 2, packet id 10 */
	static const char spec[] = "\x82\x0E\x00\x0A\x00\x03"
				   "a/b\x01\x00\x03"
				   "c/d\x02";

	(void)state;
	assert_int_equal(decode(spec, sizeof(spec) - 1, &pk), 0);
	assert_int_equal(pk.type, MQTT_SUBSCRIBE);
	assert_int_equal(pk.u.subscribe.packet_id, 10);
	assert_int_equal(pk.u.subscribe.count, 2);
	assert_int_equal(pk.u.subscribe.qos, 1);
	assert_memory_equal(pk.u.subscribe.filter.p, "a/b", 3);

	/* ours: one shared subscription */
	static const char want[] = "\x82\x17\x00\x01\x00\x12$share/g/smsgate/+\x01";

	fill();
	expect(mqtt_encode_subscribe(buf, sizeof(buf), 1, "$share/g/smsgate/+", 1), want, sizeof(want) - 1);
	assert_int_equal(mqtt_encode_subscribe(buf, sizeof(buf), 0, "a", 1), -EINVAL);
	assert_int_equal(mqtt_encode_subscribe(buf, sizeof(buf), 1, "a/#/b", 1), -EINVAL);
	assert_int_equal(mqtt_encode_subscribe(buf, sizeof(buf), 1, "a+", 1), -EINVAL);
	assert_int_equal(mqtt_encode_subscribe(buf, sizeof(buf), 1, "", 1), -EINVAL);
	assert_int_equal(mqtt_encode_subscribe(buf, sizeof(buf), 1, "a", 3), -EINVAL);

	/* SUBSCRIBE with flags 0000, with no filter, with QoS 3 */
	assert_int_equal(decode("\x80\x06\x00\x0A\x00\x01"
				"a\x01",
				8, &pk),
			 -EBADMSG);
	assert_int_equal(decode("\x82\x02\x00\x0A", 4, &pk), -EBADMSG);
	assert_int_equal(decode("\x82\x06\x00\x0A\x00\x01"
				"a\x03",
				8, &pk),
			 -EBADMSG);

	/* 3.9.3: SUBACK with success QoS 0, success QoS 2, failure */
	static const uint8_t codes[] = { 0x00, 0x02, 0x80 };

	fill();
	expect(mqtt_encode_suback(buf, sizeof(buf), 10, codes, 3), "\x90\x05\x00\x0A\x00\x02\x80", 7);
	assert_int_equal(decode("\x90\x05\x00\x0A\x00\x02\x80", 7, &pk), 0);
	assert_int_equal(pk.type, MQTT_SUBACK);
	assert_int_equal(pk.u.suback.packet_id, 10);
	assert_int_equal(pk.u.suback.count, 3);
	assert_int_equal(pk.u.suback.codes[2], MQTT_SUBACK_FAILURE);
	assert_int_equal(decode("\x90\x03\x00\x0A\x03", 5, &pk), -EBADMSG);
	assert_int_equal(decode("\x90\x02\x00\x0A", 4, &pk), -EBADMSG);

	/* 3.10.3: UNSUBSCRIBE "a/b" and "c/d", packet id 10 */
	static const char unsub[] = "\xA2\x0C\x00\x0A\x00\x03"
				    "a/b\x00\x03"
				    "c/d";

	assert_int_equal(decode(unsub, sizeof(unsub) - 1, &pk), 0);
	assert_int_equal(pk.type, MQTT_UNSUBSCRIBE);
	assert_int_equal(pk.u.subscribe.count, 2);
	fill();
	expect(mqtt_encode_unsubscribe(buf, sizeof(buf), 10, "a/b"), "\xA2\x07\x00\x0A\x00\x03"
								     "a/b",
	       9);
}

static void test_frame(void **state)
{
	struct mqtt_frame f;
	static const char two[] = "\x40\x02\x00\x01\xD0\x00";

	(void)state;
	/* a stream: two packets, taken one at a time, and a partial one */
	assert_int_equal(mqtt_frame((const uint8_t *)two, 6, 1024, &f), 1);
	assert_int_equal(f.total, 4);
	assert_int_equal(f.header, 0x40);
	assert_int_equal(f.body_len, 2);
	assert_int_equal(mqtt_frame((const uint8_t *)two + 4, 2, 1024, &f), 1);
	assert_int_equal(f.total, 2);
	for (size_t n = 0; n < 4; n++)
		assert_int_equal(mqtt_frame((const uint8_t *)two, n, 1024, &f), 0);
	/* a length over the caller's limit is refused before it is buffered */
	assert_int_equal(mqtt_frame((const uint8_t *)"\x30\xFF\xFF\x7F", 4, 1024, &f), -EMSGSIZE);
	assert_int_equal(mqtt_frame((const uint8_t *)"\x30\xFF\xFF\xFF\xFF\x01", 6, 1024, &f), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint_table), cmocka_unit_test(test_connect), cmocka_unit_test(test_connack),
		cmocka_unit_test(test_publish),      cmocka_unit_test(test_acks),    cmocka_unit_test(test_subscribe),
		cmocka_unit_test(test_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
