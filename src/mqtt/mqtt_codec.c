#include "mqtt_codec.h"

#include <errno.h>
#include <string.h>

/* ---- cursors ------------------------------------------------------------ */

/* Reading the peer's bytes: any short read sets bad and returns zeros, so
 * a decoder checks once at the end instead of after every field. */
struct rcur {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
};

static uint8_t get_u8(struct rcur *c)
{
	if (c->bad || c->len - c->pos < 1) {
		c->bad = true;
		return 0;
	}
	return c->p[c->pos++];
}

static uint16_t get_u16(struct rcur *c)
{
	uint16_t hi = get_u8(c);

	return (uint16_t)(hi << 8 | get_u8(c));
}

static size_t left(const struct rcur *c)
{
	return c->bad ? 0 : c->len - c->pos;
}

/* 1.5.3: well-formed UTF-8, no U+0000, no surrogates (U+D800..U+DFFF). */
static bool utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t b = s[i];
		uint32_t cp;
		size_t k;

		if (b == 0)
			return false;
		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xC2 && b <= 0xDF) {
			k = 1;
			cp = b & 0x1F;
		} else if (b >= 0xE0 && b <= 0xEF) {
			k = 2;
			cp = b & 0x0F;
		} else if (b >= 0xF0 && b <= 0xF4) {
			k = 3;
			cp = b & 0x07;
		} else {
			return false;
		}
		if (n - i - 1 < k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += k + 1;
	}
	return true;
}

/* A length-prefixed string (1.5.3); utf8: checked as text. */
static struct mqtt_bytes get_str(struct rcur *c, bool utf8)
{
	struct mqtt_bytes s = { NULL, 0 };
	size_t n = get_u16(c);

	if (left(c) < n) {
		c->bad = true;
		return s;
	}
	s.p = c->p + c->pos;
	s.len = n;
	c->pos += n;
	if (utf8 && !utf8_ok(s.p, s.len))
		c->bad = true;
	return s;
}

/* Writing into the caller's buffer: an overrun sets over and writes
 * nothing more. */
struct wcur {
	uint8_t *p;
	size_t len, pos;
	bool over;
};

static void put(struct wcur *w, const void *data, size_t n)
{
	if (w->over || w->len - w->pos < n) {
		w->over = true;
		return;
	}
	if (n)
		memcpy(w->p + w->pos, data, n);
	w->pos += n;
}

static void put_u8(struct wcur *w, uint8_t b)
{
	put(w, &b, 1);
}

static void put_u16(struct wcur *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 2);
}

static void put_str(struct wcur *w, const uint8_t *s, size_t n)
{
	put_u16(w, (uint16_t)n);
	put(w, s, n);
}

static void put_header(struct wcur *w, uint8_t header, size_t remaining)
{
	uint8_t v[MQTT_VARINT_MAX_BYTES];
	int n = mqtt_varint_encode((uint32_t)remaining, v, sizeof(v));

	put_u8(w, header);
	if (n < 0)
		w->over = true;
	else
		put(w, v, (size_t)n);
}

static ssize_t done(const struct wcur *w)
{
	return w->over ? -ENOBUFS : (ssize_t)w->pos;
}

/* ---- remaining length --------------------------------------------------- */

int mqtt_varint_encode(uint32_t v, uint8_t *out, size_t outlen)
{
	size_t n = 0;

	if (v > MQTT_REMAINING_MAX)
		return -ERANGE;
	do {
		uint8_t b = v % 128;

		v /= 128;
		if (v)
			b |= 0x80;
		if (n == outlen)
			return -ENOBUFS;
		out[n++] = b;
	} while (v);
	return (int)n;
}

int mqtt_varint_decode(const uint8_t *p, size_t len, uint32_t *v)
{
	uint32_t mult = 1, val = 0;

	for (size_t i = 0; i < MQTT_VARINT_MAX_BYTES; i++) {
		if (i == len)
			return 0;
		val += (uint32_t)(p[i] & 0x7F) * mult;
		if (!(p[i] & 0x80)) {
			*v = val;
			return (int)i + 1;
		}
		mult *= 128;
	}
	return -EBADMSG;
}

/* ---- framing ------------------------------------------------------------ */

int mqtt_frame(const uint8_t *buf, size_t len, size_t max, struct mqtt_frame *f)
{
	uint32_t rem;
	int n;

	if (len < 2)
		return 0;
	n = mqtt_varint_decode(buf + 1, len - 1, &rem);
	if (n <= 0)
		return n;
	if ((size_t)n + 1 + rem > max)
		return -EMSGSIZE;
	if (len - 1 - (size_t)n < rem)
		return 0;
	f->header = buf[0];
	f->body = buf + 1 + n;
	f->body_len = rem;
	f->total = 1 + (size_t)n + rem;
	return 1;
}

/* ---- decoding ----------------------------------------------------------- */

static int decode_connect(struct rcur *c, struct mqtt_connect *k)
{
	static const uint8_t name[] = { 0, 4, 'M', 'Q', 'T', 'T' };
	uint8_t flags;

	for (size_t i = 0; i < sizeof(name); i++) {
		if (get_u8(c) != name[i])
			return -EBADMSG;
	}
	if (get_u8(c) != MQTT_PROTOCOL_LEVEL)
		return -EBADMSG;
	flags = get_u8(c);
	if (flags & 0x01)                       /* 3.1.2.3: reserved, 0 */
		return -EBADMSG;
	memset(k, 0, sizeof(*k));
	k->clean_session = flags & 0x02;
	k->has_will = flags & 0x04;
	k->will_qos = (flags >> 3) & 0x03;
	k->will_retain = flags & 0x20;
	k->has_password = flags & 0x40;
	k->has_username = flags & 0x80;
	/* 3.1.2.9-11: no will, no will QoS or retain; QoS 3 is malformed;
	 * 3.1.2.22: a password needs a user name. */
	if ((!k->has_will && (k->will_qos || k->will_retain)) || k->will_qos == 3 ||
	    (k->has_password && !k->has_username))
		return -EBADMSG;
	k->keepalive = get_u16(c);
	k->client_id = get_str(c, true);
	if (k->has_will) {
		k->will_topic = get_str(c, true);
		k->will_payload = get_str(c, false);
		if (!c->bad && !mqtt_topic_valid((const char *)k->will_topic.p, k->will_topic.len))
			return -EBADMSG;
	}
	if (k->has_username)
		k->username = get_str(c, true);
	if (k->has_password)
		k->password = get_str(c, false);
	return 0;
}

static int decode_publish(struct rcur *c, uint8_t flags, struct mqtt_publish *p)
{
	memset(p, 0, sizeof(*p));
	p->dup = flags & 0x08;
	p->qos = (flags >> 1) & 0x03;
	p->retain = flags & 0x01;
	if (p->qos == 3 || (p->qos == 0 && p->dup))    /* 3.3.1.2, 3.3.1.1 */
		return -EBADMSG;
	p->topic = get_str(c, true);
	if (c->bad || !mqtt_topic_valid((const char *)p->topic.p, p->topic.len))
		return -EBADMSG;
	if (p->qos) {
		p->packet_id = get_u16(c);
		if (!c->bad && p->packet_id == 0)       /* 2.3.1 */
			return -EBADMSG;
	}
	p->payload.p = c->p + c->pos;
	p->payload.len = left(c);
	c->pos = c->len;
	return 0;
}

/* Topic filters, 4.7.1: '#' only last and alone in its level, '+' alone in its level. */
static bool filter_valid(const uint8_t *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool level_start = i == 0 || s[i - 1] == '/';
		bool level_end = i + 1 == n || s[i + 1] == '/';

		if (s[i] == '#' && (!level_start || i + 1 != n))
			return false;
		if (s[i] == '+' && (!level_start || !level_end))
			return false;
	}
	return true;
}

static int decode_subscribe(struct rcur *c, bool sub, struct mqtt_subscribe *s)
{
	memset(s, 0, sizeof(*s));
	s->packet_id = get_u16(c);
	if (c->bad || s->packet_id == 0)
		return -EBADMSG;
	while (left(c) > 0) {                   /* 3.8.3: at least one */
		struct mqtt_bytes f = get_str(c, true);
		uint8_t qos = 0;

		if (sub) {
			qos = get_u8(c);
			if (qos > 2)            /* 3.8.3.1: reserved bits and QoS 3 */
				return -EBADMSG;
		}
		if (c->bad || !filter_valid(f.p, f.len))
			return -EBADMSG;
		if (s->count++ == 0) {
			s->filter = f;
			s->qos = qos;
		}
	}
	return s->count ? 0 : -EBADMSG;
}

int mqtt_decode(const struct mqtt_frame *f, struct mqtt_packet *pk)
{
	struct rcur c = { f->body, f->body_len, 0, false };
	uint8_t type = f->header >> 4, flags = f->header & 0x0F;
	int rc = 0;

	memset(pk, 0, sizeof(*pk));
	if (type < MQTT_CONNECT || type > MQTT_DISCONNECT)
		return -EBADMSG;
	pk->type = (enum mqtt_type)type;
	/* 2.2.2: fixed flags, except PUBLISH's */
	if (type != MQTT_PUBLISH) {
		uint8_t want = type == MQTT_PUBREL || type == MQTT_SUBSCRIBE || type == MQTT_UNSUBSCRIBE ? 0x02 : 0;

		if (flags != want)
			return -EBADMSG;
	}
	switch (pk->type) {
	case MQTT_CONNECT:
		rc = decode_connect(&c, &pk->u.connect);
		break;
	case MQTT_CONNACK: {
		uint8_t ack = get_u8(&c);

		if (ack & 0xFE)                 /* 3.2.2.1: reserved bits */
			return -EBADMSG;
		pk->u.connack.session_present = ack & 1;
		pk->u.connack.rc = get_u8(&c);
		break;
	}
	case MQTT_PUBLISH:
		rc = decode_publish(&c, flags, &pk->u.publish);
		break;
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
	case MQTT_UNSUBACK:
		pk->u.packet_id = get_u16(&c);
		if (pk->u.packet_id == 0)
			return -EBADMSG;
		break;
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		rc = decode_subscribe(&c, pk->type == MQTT_SUBSCRIBE, &pk->u.subscribe);
		break;
	case MQTT_SUBACK:
		pk->u.suback.packet_id = get_u16(&c);
		pk->u.suback.codes = c.p + c.pos;
		pk->u.suback.count = left(&c);
		if (pk->u.suback.packet_id == 0 || pk->u.suback.count == 0)
			return -EBADMSG;
		for (size_t i = 0; i < pk->u.suback.count; i++) {
			uint8_t code = pk->u.suback.codes[i];

			if (code > 2 && code != MQTT_SUBACK_FAILURE) /* 3.9.3 */
				return -EBADMSG;
		}
		c.pos = c.len;
		break;
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
	case MQTT_DISCONNECT:
		break;
	}
	if (rc < 0 || c.bad || c.pos != c.len)  /* bytes left over are malformed too */
		return -EBADMSG;
	return 0;
}

/* ---- encoding ----------------------------------------------------------- */

static bool str_fits(size_t n)
{
	return n <= MQTT_STRING_MAX;
}

ssize_t mqtt_encode_connect(uint8_t *buf, size_t len, const struct mqtt_connect *k)
{
	static const uint8_t name[] = { 0, 4, 'M', 'Q', 'T', 'T' };
	struct wcur w = { buf, len, 0, false };
	uint8_t flags = 0;
	size_t rem = sizeof(name) + 1 + 1 + 2 + 2 + k->client_id.len;

	if (!str_fits(k->client_id.len) || k->will_qos > 2 || (k->has_password && !k->has_username))
		return -EINVAL;
	if (k->clean_session)
		flags |= 0x02;
	if (k->has_will) {
		if (!mqtt_topic_valid((const char *)k->will_topic.p, k->will_topic.len) ||
		    !str_fits(k->will_payload.len))
			return -EINVAL;
		flags |= (uint8_t)(0x04 | k->will_qos << 3 | (k->will_retain ? 0x20 : 0));
		rem += 2 + k->will_topic.len + 2 + k->will_payload.len;
	}
	if (k->has_username) {
		if (!str_fits(k->username.len))
			return -EINVAL;
		flags |= 0x80;
		rem += 2 + k->username.len;
	}
	if (k->has_password) {
		if (!str_fits(k->password.len))
			return -EINVAL;
		flags |= 0x40;
		rem += 2 + k->password.len;
	}
	put_header(&w, MQTT_CONNECT << 4, rem);
	put(&w, name, sizeof(name));
	put_u8(&w, MQTT_PROTOCOL_LEVEL);
	put_u8(&w, flags);
	put_u16(&w, k->keepalive);
	put_str(&w, k->client_id.p, k->client_id.len);
	if (k->has_will) {
		put_str(&w, k->will_topic.p, k->will_topic.len);
		put_str(&w, k->will_payload.p, k->will_payload.len);
	}
	if (k->has_username)
		put_str(&w, k->username.p, k->username.len);
	if (k->has_password)
		put_str(&w, k->password.p, k->password.len);
	return done(&w);
}

ssize_t mqtt_encode_connack(uint8_t *buf, size_t len, bool session_present, uint8_t rc)
{
	struct wcur w = { buf, len, 0, false };

	put_header(&w, MQTT_CONNACK << 4, 2);
	put_u8(&w, session_present ? 1 : 0);
	put_u8(&w, rc);
	return done(&w);
}

size_t mqtt_publish_size(size_t topic_len, size_t payload_len, uint8_t qos)
{
	size_t rem = 2 + topic_len + (qos ? 2 : 0) + payload_len;
	size_t vlen = rem < 128 ? 1 : rem < 16384 ? 2 : rem < 2097152 ? 3 : 4;

	return 1 + vlen + rem;
}

ssize_t mqtt_encode_publish(uint8_t *buf, size_t len, const struct mqtt_publish *p)
{
	struct wcur w = { buf, len, 0, false };
	size_t rem = 2 + p->topic.len + (p->qos ? 2 : 0) + p->payload.len;

	if (!mqtt_topic_valid((const char *)p->topic.p, p->topic.len) || p->qos > 2 || (p->qos && !p->packet_id) ||
	    (!p->qos && p->dup) || rem > MQTT_REMAINING_MAX)
		return -EINVAL;
	put_header(&w, (uint8_t)(MQTT_PUBLISH << 4 | (p->dup ? 0x08 : 0) | p->qos << 1 | (p->retain ? 1 : 0)), rem);
	put_str(&w, p->topic.p, p->topic.len);
	if (p->qos)
		put_u16(&w, p->packet_id);
	put(&w, p->payload.p, p->payload.len);
	return done(&w);
}

ssize_t mqtt_encode_ack(uint8_t *buf, size_t len, enum mqtt_type type, uint16_t packet_id)
{
	struct wcur w = { buf, len, 0, false };

	if (packet_id == 0 || !(type == MQTT_PUBACK || type == MQTT_PUBREC || type == MQTT_PUBREL ||
				type == MQTT_PUBCOMP || type == MQTT_UNSUBACK))
		return -EINVAL;
	put_header(&w, (uint8_t)(type << 4 | (type == MQTT_PUBREL ? 0x02 : 0)), 2);
	put_u16(&w, packet_id);
	return done(&w);
}

static ssize_t encode_sub(uint8_t *buf, size_t len, enum mqtt_type type, uint16_t packet_id, const char *filter,
			  uint8_t qos)
{
	struct wcur w = { buf, len, 0, false };
	size_t n = strlen(filter);
	bool sub = type == MQTT_SUBSCRIBE;

	if (packet_id == 0 || !str_fits(n) || !filter_valid((const uint8_t *)filter, n) ||
	    !utf8_ok((const uint8_t *)filter, n) || qos > 2)
		return -EINVAL;
	put_header(&w, (uint8_t)(type << 4 | 0x02), 2 + 2 + n + (sub ? 1 : 0));
	put_u16(&w, packet_id);
	put_str(&w, (const uint8_t *)filter, n);
	if (sub)
		put_u8(&w, qos);
	return done(&w);
}

ssize_t mqtt_encode_subscribe(uint8_t *buf, size_t len, uint16_t packet_id, const char *filter, uint8_t qos)
{
	return encode_sub(buf, len, MQTT_SUBSCRIBE, packet_id, filter, qos);
}

ssize_t mqtt_encode_unsubscribe(uint8_t *buf, size_t len, uint16_t packet_id, const char *filter)
{
	return encode_sub(buf, len, MQTT_UNSUBSCRIBE, packet_id, filter, 0);
}

ssize_t mqtt_encode_suback(uint8_t *buf, size_t len, uint16_t packet_id, const uint8_t *codes, size_t n)
{
	struct wcur w = { buf, len, 0, false };

	if (packet_id == 0 || n == 0 || n > MQTT_REMAINING_MAX - 2)
		return -EINVAL;
	put_header(&w, MQTT_SUBACK << 4, 2 + n);
	put_u16(&w, packet_id);
	put(&w, codes, n);
	return done(&w);
}

ssize_t mqtt_encode_empty(uint8_t *buf, size_t len, enum mqtt_type type)
{
	struct wcur w = { buf, len, 0, false };

	if (type != MQTT_PINGREQ && type != MQTT_PINGRESP && type != MQTT_DISCONNECT)
		return -EINVAL;
	put_header(&w, (uint8_t)(type << 4), 0);
	return done(&w);
}

bool mqtt_topic_valid(const char *topic, size_t len)
{
	if (!topic || len == 0 || len > MQTT_STRING_MAX)
		return false;
	if (memchr(topic, '+', len) || memchr(topic, '#', len))
		return false;
	return utf8_ok((const uint8_t *)topic, len);
}

const char *mqtt_connack_str(uint8_t rc)
{
	switch (rc) {
	case MQTT_CONNACK_ACCEPTED:
		return "accepted";
	case MQTT_CONNACK_BAD_PROTOCOL:
		return "unacceptable protocol version (the broker does not speak MQTT 3.1.1)";
	case MQTT_CONNACK_ID_REJECTED:
		return "client identifier rejected";
	case MQTT_CONNACK_UNAVAILABLE:
		return "server unavailable";
	case MQTT_CONNACK_BAD_CREDENTIALS:
		return "bad user name or password";
	case MQTT_CONNACK_NOT_AUTHORIZED:
		return "not authorized";
	default:
		return "unknown CONNACK return code";
	}
}
