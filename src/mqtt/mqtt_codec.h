/*
 * MQTT 3.1.1 (OASIS Standard, 29 October 2014) control packets, encoded
 * into and decoded from caller buffers. Pure: no I/O, no malloc, no
 * logging; every read of the peer's bytes goes through a checked cursor,
 * and a malformed packet is an error return, never a crash (the fuzz
 * target runs the decoder on arbitrary bytes).
 *
 * Section numbers below are the 3.1.1 specification's.
 */
#ifndef SMSGATE_MQTT_CODEC_H
#define SMSGATE_MQTT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MQTT_VARINT_MAX_BYTES 4                 /* 2.2.3 */
#define MQTT_REMAINING_MAX 268435455u           /* 2.2.3: 0xFF 0xFF 0xFF 0x7F */
#define MQTT_FIXED_HEADER_MAX (1 + MQTT_VARINT_MAX_BYTES)
#define MQTT_STRING_MAX 65535u                  /* 1.5.3: a two-byte length */
#define MQTT_PROTOCOL_LEVEL 4                   /* 3.1.2.2: 3.1.1 */

enum mqtt_type {
	MQTT_CONNECT = 1,
	MQTT_CONNACK = 2,
	MQTT_PUBLISH = 3,
	MQTT_PUBACK = 4,
	MQTT_PUBREC = 5,
	MQTT_PUBREL = 6,
	MQTT_PUBCOMP = 7,
	MQTT_SUBSCRIBE = 8,
	MQTT_SUBACK = 9,
	MQTT_UNSUBSCRIBE = 10,
	MQTT_UNSUBACK = 11,
	MQTT_PINGREQ = 12,
	MQTT_PINGRESP = 13,
	MQTT_DISCONNECT = 14,
};

/* CONNACK return codes, 3.2.2.3 */
enum mqtt_connack_rc {
	MQTT_CONNACK_ACCEPTED = 0,
	MQTT_CONNACK_BAD_PROTOCOL = 1,
	MQTT_CONNACK_ID_REJECTED = 2,
	MQTT_CONNACK_UNAVAILABLE = 3,
	MQTT_CONNACK_BAD_CREDENTIALS = 4,
	MQTT_CONNACK_NOT_AUTHORIZED = 5,
};

#define MQTT_SUBACK_FAILURE 0x80                /* 3.9.3 */

/* Bytes with their length; not NUL-terminated when decoded (they point
 * into the packet). */
struct mqtt_bytes {
	const uint8_t *p;
	size_t len;
};

struct mqtt_connect {
	struct mqtt_bytes client_id;
	bool clean_session;
	uint16_t keepalive;                     /* seconds, 0: off */
	bool has_will, will_retain;
	uint8_t will_qos;
	struct mqtt_bytes will_topic, will_payload;
	bool has_username, has_password;
	struct mqtt_bytes username, password;
};

struct mqtt_publish {
	struct mqtt_bytes topic, payload;
	uint8_t qos;                            /* 0 or 1 (2 is decoded, never sent by us) */
	bool dup, retain;
	uint16_t packet_id;                     /* QoS > 0 only */
};

/* SUBSCRIBE and UNSUBSCRIBE carry one or more topic filters; the decoder
 * checks all of them and hands back the first and the count (we send one
 * at a time). */
struct mqtt_subscribe {
	uint16_t packet_id;
	struct mqtt_bytes filter;
	uint8_t qos;                            /* SUBSCRIBE only */
	unsigned count;
};

struct mqtt_suback {
	uint16_t packet_id;
	const uint8_t *codes;                   /* 0, 1, 2 or 0x80 each */
	size_t count;
};

struct mqtt_packet {
	enum mqtt_type type;
	union {
		struct mqtt_connect connect;
		struct {
			bool session_present;
			uint8_t rc;
		} connack;
		struct mqtt_publish publish;
		uint16_t packet_id;             /* PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK */
		struct mqtt_subscribe subscribe; /* SUBSCRIBE, UNSUBSCRIBE */
		struct mqtt_suback suback;
	} u;
};

/* ---- the remaining length, 2.2.3 ---------------------------------------- */

/* Bytes written (1..4), -ERANGE above MQTT_REMAINING_MAX, -ENOBUFS. */
int mqtt_varint_encode(uint32_t v, uint8_t *out, size_t outlen);
/* Bytes read (1..4) with the value in *v; 0 when more bytes are needed;
 * -EBADMSG for a fifth continuation byte. */
int mqtt_varint_decode(const uint8_t *p, size_t len, uint32_t *v);

/* ---- framing ------------------------------------------------------------ */

/* One whole packet at the start of a stream buffer. */
struct mqtt_frame {
	uint8_t header;                         /* type << 4 | flags */
	const uint8_t *body;                    /* the variable header and payload */
	size_t body_len;
	size_t total;                           /* bytes the packet takes in the buffer */
};

/* 1 with f filled when buf starts with a whole packet, 0 when more bytes
 * are needed, -EBADMSG (a bad length), -EMSGSIZE (longer than max: the
 * caller's limit on what it buffers). */
int mqtt_frame(const uint8_t *buf, size_t len, size_t max, struct mqtt_frame *f);

/* Checks a packet against 3.1.1 (flags, lengths, UTF-8 strings, packet
 * identifiers) and fills pk, pointing into f's bytes. 0 or -EBADMSG. */
int mqtt_decode(const struct mqtt_frame *f, struct mqtt_packet *pk);

/* ---- encoding: bytes written, or -ENOBUFS (nothing useful in buf), or
 * -EINVAL for something the specification forbids (an empty topic,
 * a string over 65535 bytes, packet identifier 0 where one is needed). */

ssize_t mqtt_encode_connect(uint8_t *buf, size_t len, const struct mqtt_connect *c);
ssize_t mqtt_encode_connack(uint8_t *buf, size_t len, bool session_present, uint8_t rc);
ssize_t mqtt_encode_publish(uint8_t *buf, size_t len, const struct mqtt_publish *p);
/* PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: the type and a packet id. */
ssize_t mqtt_encode_ack(uint8_t *buf, size_t len, enum mqtt_type type, uint16_t packet_id);
ssize_t mqtt_encode_subscribe(uint8_t *buf, size_t len, uint16_t packet_id, const char *filter, uint8_t qos);
ssize_t mqtt_encode_suback(uint8_t *buf, size_t len, uint16_t packet_id, const uint8_t *codes, size_t n);
ssize_t mqtt_encode_unsubscribe(uint8_t *buf, size_t len, uint16_t packet_id, const char *filter);
/* PINGREQ, PINGRESP, DISCONNECT: two bytes. */
ssize_t mqtt_encode_empty(uint8_t *buf, size_t len, enum mqtt_type type);

/* Bytes a PUBLISH of this topic and payload takes (for sizing a buffer). */
size_t mqtt_publish_size(size_t topic_len, size_t payload_len, uint8_t qos);

/* A topic name we may publish to (4.7.3: 1..65535 bytes, UTF-8, no NUL,
 * no wildcards). */
bool mqtt_topic_valid(const char *topic, size_t len);

const char *mqtt_connack_str(uint8_t rc);

#endif
