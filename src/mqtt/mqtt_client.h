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
 * One connection, no thread, nothing blocks, with one exception: a
 * broker given by host name is resolved with getaddrinfo() at each
 * connection attempt (numeric addresses never touch the resolver).
 */
#ifndef SMSGATE_MQTT_CLIENT_H
#define SMSGATE_MQTT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "mqtt_codec.h"

#define MQTT_CLIENT_PACKET_MAX (256 * 1024)     /* the largest packet we take from the broker */
#define MQTT_CLIENT_CONNECT_TIMEOUT_MS 10000    /* TCP connect plus CONNACK */

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

/* Copies cfg's strings. Connects at once (on the loop). */
struct mqtt_client *mqtt_client_new(struct loop *l, const struct mqtt_client_config *cfg,
				    const struct mqtt_client_ops *ops, void *ctx);
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
