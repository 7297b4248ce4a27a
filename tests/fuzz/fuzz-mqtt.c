/* The MQTT decoder on arbitrary bytes, read as a stream of packets the
 * way the client reads its socket: every packet it accepts must encode
 * back to the same header and body (what we decode is what was sent),
 * and nothing it refuses may crash or read outside the buffer. */
#include <stdlib.h>
#include <string.h>

#include "mqtt_codec.h"

#define MAX_PACKET 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct mqtt_frame *f, const struct mqtt_packet *pk)
{
	static uint8_t out[MAX_PACKET + MQTT_FIXED_HEADER_MAX];
	struct mqtt_frame g;
	ssize_t n;

	switch (pk->type) {
	case MQTT_CONNECT:
		n = mqtt_encode_connect(out, sizeof(out), &pk->u.connect);
		break;
	case MQTT_CONNACK:
		n = mqtt_encode_connack(out, sizeof(out), pk->u.connack.session_present, pk->u.connack.rc);
		break;
	case MQTT_PUBLISH:
		n = mqtt_encode_publish(out, sizeof(out), &pk->u.publish);
		if (n >= 0 && (size_t)n != mqtt_publish_size(pk->u.publish.topic.len, pk->u.publish.payload.len,
							       pk->u.publish.qos))
			abort();
		break;
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
	case MQTT_UNSUBACK:
		n = mqtt_encode_ack(out, sizeof(out), pk->type, pk->u.packet_id);
		break;
	case MQTT_SUBACK:
		n = mqtt_encode_suback(out, sizeof(out), pk->u.suback.packet_id, pk->u.suback.codes,
				       pk->u.suback.count);
		break;
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
	case MQTT_DISCONNECT:
		n = mqtt_encode_empty(out, sizeof(out), pk->type);
		break;
	default:
		return; /* SUBSCRIBE, UNSUBSCRIBE: we encode one filter only */
	}
	if (n < 0)
		abort(); /* accepted, so it must be encodable */
	if (mqtt_frame(out, (size_t)n, sizeof(out), &g) != 1 || g.header != f->header || g.body_len != f->body_len ||
	    memcmp(g.body, f->body, f->body_len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;

	while (pos < size) {
		struct mqtt_frame f;
		struct mqtt_packet pk;
		int rc = mqtt_frame(data + pos, size - pos, MAX_PACKET, &f);

		if (rc <= 0)
			break;
		if (f.total > size - pos)
			abort();
		if (mqtt_decode(&f, &pk) == 0)
			roundtrip(&f, &pk);
		pos += f.total;
	}
	return 0;
}
