/*
 * Webhooks: events (sms.received, sms.sent, sms.delivered, sms.failed)
 * POSTed as JSON to configured URLs, signed per the Standard Webhooks
 * specification (sign.h), each kept in its webhook's durable outbox
 * (outbox.h) until the receiver answers 2xx. One delivery in flight per
 * webhook, so a receiver sees its events in order; failures are retried
 * with exponential back-off. libcurl's multi interface runs on the
 * daemon's loop: its sockets and its timer are loop handles, nothing
 * blocks and no thread is started.
 */
#ifndef SMSGATE_WEBHOOK_WEBHOOK_H
#define SMSGATE_WEBHOOK_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "event.h"
#include "loop.h"

struct webhook_target {
	const char *name;               /* [webhook NAME] */
	const char *url;                /* http:// or https:// */
	const char *secret;             /* "" : deliveries are not signed */
	unsigned events;                /* enum webhook_event bits */
	unsigned timeout;               /* seconds per attempt */
	unsigned retry_cap;             /* seconds: the back-off stops growing here */
	unsigned max_queued;            /* events kept at most */
};

struct webhooks;

/* Whether this build delivers webhooks (libcurl was found). */
bool webhooks_available(void);

/* Opens every target's outbox (below the spool root directory rootfd)
 * and starts delivering what it holds. Returns NULL with the reason in
 * why. */
struct webhooks *webhooks_new(struct loop *loop, int rootfd, const struct webhook_target *t, unsigned n,
			      unsigned sync, char *why, size_t whylen);
void webhooks_free(struct webhooks *w);

/* Queues event type with data (a JSON object; ownership stays with the
 * caller) for every webhook that wants it. Never blocks on the network:
 * the event is on disk when this returns (or logged as lost when the
 * disk refuses it). */
void webhooks_emit(struct webhooks *w, enum webhook_event type, json_object *data);

/* Per webhook, for /api/v1/status and /metrics. */
struct webhook_stats {
	const char *name;
	size_t queued;
	unsigned long long delivered, failed_attempts, dropped;
	int64_t last_success;           /* unix seconds, 0: never */
	const char *last_error;         /* "" when the last attempt worked */
};
unsigned webhooks_count(const struct webhooks *w);
void webhooks_stats(const struct webhooks *w, unsigned i, struct webhook_stats *st);

#endif
