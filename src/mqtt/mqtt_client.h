/*
 * An MQTT 3.1.1 client on the daemon's loop: non-blocking TCP connect,
 * CONNECT with a will, keepalive (PINGREQ), reconnect with back-off,
 * QoS 1 publish kept until its PUBACK and sent again (DUP) after a
 * reconnect, and QoS 1 receive where the PUBACK goes back only when the
 * application says so (mqtt_client_puback): smsgated acknowledges a
 * message after it is durable in its spool, never before. That last
 * point is why this is not libmosquitto: its 2.0 handle__publish sends
 * the PUBACK before on_message runs.
 *
 * One connection, and nothing blocks the loop: a broker given by host
 * name is looked up at each connection attempt in a thread of its own
 * (src/base/resolve.c; a numeric address needs none), and its addresses
 * are tried in turn. With tls (mqtts://) the connection is TLS (GnuTLS,
 * mqtt_tls.c), handshake and records non-blocking too, and the broker's
 * certificate must chain to ca_file (or the system's trust store) and
 * name the host (or address) of the URL.
 */
#ifndef SMSGATE_MQTT_CLIENT_H
#define SMSGATE_MQTT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "mqtt_codec.h"

#define MQTT_CLIENT_PACKET_MAX (256 * 1024)     /* the largest packet we take from the broker */
#define MQTT_CLIENT_CONNECT_TIMEOUT_MS 10000    /* TCP connect (each address), plus TLS and CONNACK */
#define MQTT_CLIENT_RESOLVE_TIMEOUT_MS 10000    /* a host name's lookup */

struct mqtt_client_config {
	const char *host;               /* a name, an IPv4 or an IPv6 address */
	uint16_t port;
	const char *client_id;
	const char *username, *password; /* NULL: none */
	unsigned keepalive;             /* seconds, 0: no PINGREQ */
	bool clean_session;
	const char *will_topic;         /* NULL: no will */
	const char *will_payload;
	bool will_retain;
	unsigned backoff_min_ms, backoff_max_ms; /* between connection attempts */
	bool no_reconnect;              /* one connection only: after ops->down, nothing until freed */
	/* mqtts: TLS; the files (PEM) are read by mqtt_client_open, once. */
	bool tls;
	const char *ca_file;            /* the CAs to trust; NULL: the system's trust store */
	const char *cert_file, *key_file; /* our client certificate and its key, both or neither */
};

struct mqtt_client_ops {
	/* CONNACK accepted. session_present: the broker kept our session
	 * (subscriptions and unacknowledged messages) from before. */
	void (*up)(void *ctx, bool session_present);
	/* The connection is gone (why); it is retried after the back-off. */
	void (*down)(void *ctx, const char *why);
	/* An incoming PUBLISH; its bytes live until the callback returns.
	 * ack is 0 for QoS 0; for QoS 1 it is handed to mqtt_client_puback
	 * once the message is safe. */
	void (*message)(void *ctx, const struct mqtt_publish *p, uint32_t ack);
	/* A QoS 1 publish of ours was acknowledged by the broker. */
	void (*published)(void *ctx, uint64_t token);
};

struct mqtt_client;

/* Copies cfg's strings, reads the TLS files. Connects at once (on the
 * loop). NULL with the reason in why: out of memory, a TLS file unusable
 * (not PEM, a key that is not the certificate's, no CA at all), or tls in
 * a build without it (mqtt_client_tls_available). */
struct mqtt_client *mqtt_client_open(struct loop *l, const struct mqtt_client_config *cfg,
				     const struct mqtt_client_ops *ops, void *ctx, char *why, size_t whylen);
/* mqtt_client_open, with the reason of a NULL logged as an error. */
struct mqtt_client *mqtt_client_new(struct loop *l, const struct mqtt_client_config *cfg,
				    const struct mqtt_client_ops *ops, void *ctx);
/* Whether this build has mqtts:// (GnuTLS; -DSMSGATE_MQTT_TLS). */
bool mqtt_client_tls_available(void);
/* Sends DISCONNECT when connected (the broker then drops the will),
 * closes and frees. Unacknowledged publishes are forgotten. */
void mqtt_client_free(struct mqtt_client *c);

bool mqtt_client_up(const struct mqtt_client *c);

/* QoS 0 is sent only when connected (-ENOTCONN otherwise). QoS 1 is kept
 * (in memory) until the broker's PUBACK, which calls ops->published with
 * token, and is sent again with DUP after each reconnect. 0, -EINVAL (a
 * topic we may not publish to), -EMSGSIZE, -ENOMEM. */
int mqtt_client_publish(struct mqtt_client *c, const char *topic, const void *payload, size_t len, uint8_t qos,
			bool retain, uint64_t token);
/* Forgets the QoS 1 publish given token (not sent again after a
 * reconnect; a PUBACK that still comes is ignored). 0, or -ENOENT. */
int mqtt_client_unpublish(struct mqtt_client *c, uint64_t token);
/* QoS 1 publishes not yet acknowledged. */
size_t mqtt_client_inflight(const struct mqtt_client *c);

/* Only when connected: 0 (the SUBACK is checked, a refusal logged and the
 * connection dropped), -ENOTCONN, -EINVAL. */
int mqtt_client_subscribe(struct mqtt_client *c, const char *filter, uint8_t qos);
int mqtt_client_unsubscribe(struct mqtt_client *c, const char *filter);

/* Acknowledges an incoming QoS 1 message. When the connection it came on
 * is gone, nothing is sent: the broker sends the message again. */
void mqtt_client_puback(struct mqtt_client *c, uint32_t ack);

#endif
