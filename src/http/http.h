/*
 * The HTTP API on libmicrohttpd, driven from the daemon's own loop
 * (external epoll mode: no thread per request). Acceptance means "durably
 * in the spool": accepted messages of one loop round are committed
 * together (group commit) before their answers go out.
 */
#ifndef SMSGATE_HTTP_HTTP_H
#define SMSGATE_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "loop.h"
#include "queue.h"
#include "request.h"

#define HTTP_LISTEN_MAX 8
#define HTTP_TOKENS_MAX 8
#define HTTP_PREFIXES_MAX 16

struct http_settings {
	struct {
		int family;             /* AF_INET or AF_INET6 */
		char addr[46];
		uint16_t port;
	} listen[HTTP_LISTEN_MAX];
	unsigned nlisten;
	char tokens[HTTP_TOKENS_MAX][129];
	unsigned ntokens;
	bool legacy_cgi;
	unsigned max_body;
	unsigned max_parts;
	char allow_prefixes[HTTP_PREFIXES_MAX][24]; /* numbers must start with one; none: any */
	unsigned nallow;
	/* HTTPS on every listener: the PEM texts (NUL-terminated; the server
	 * keeps its own copies), or NULL for plain HTTP. */
	const char *tls_cert_pem, *tls_key_pem;
	unsigned alert_parts;                   /* the receivers' texts are cut to this (and max_parts) */
	struct req_group groups[REQ_GROUPS_MAX];
	unsigned ngroups;
};

/* What the HTTP layer asks of the daemon. */
struct http_ops {
	/* A message file is durably in queue/: take it into the queue. 0
	 * when queued, else the enum msg_state it was finished in at once
	 * (MSG_SUPPRESSED by the rate limit or duplicate suppression). */
	int (*enqueued)(void *ctx, const char *id);
	/* After a batch of enqueued(): one dispatch for the whole batch. */
	void (*committed)(void *ctx);
	/* Cancels a message not yet handed to a modem: 0, -EBUSY, -ENOENT. */
	int (*cancel)(void *ctx, const char *id);
	/* "sending" and the modem while a modem has it, else NULL. */
	const char *(*sending_on)(void *ctx, const char *id);
	json_object *(*status)(void *ctx);
	/* Prometheus text; malloc'd. */
	char *(*metrics)(void *ctx);
	/* 0 when healthy, else -1 with the reason. */
	int (*health)(void *ctx, char *why, size_t whylen);
	/* GET|POST /api/v1/heartbeat/NAME: a beat. 0 with the heartbeat's
	 * state in *out, -ENOENT when there is none, else -errno (the beat
	 * could not be recorded). */
	int (*heartbeat)(void *ctx, const char *name, json_object **out);
};

struct http_server;

int http_start(struct http_server **out, struct loop *l, const struct http_settings *st, struct spool *spool,
	       const struct http_ops *ops, void *ctx, char *why, size_t whylen);
/* New settings from a reloaded config: tokens, limits, allow_prefixes,
 * groups. When the listeners differ nothing changes (they need a restart,
 * and the token rules depend on them). */
void http_update(struct http_server *h, const struct http_settings *st);
void http_stop(struct http_server *h);

#endif
