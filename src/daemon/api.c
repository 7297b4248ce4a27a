/*
 * What the HTTP layer asks of the daemon: taking accepted files into the
 * queue, cancelling, the live state, /api/v1/status, /metrics, /healthz.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "durable.h"
#include "gateway.h"
#include "http.h"
#include "log.h"
#include "util.h"
#include "webhook.h"

#define HEALTH_STUCK_S 600      /* queued work and no send for this long: the queue is stuck */

/* 0 when queued; MSG_SUPPRESSED (limits) or MSG_FAILED (allow_prefixes
 * changed by a reload) when gw_admit finished it at once. */
int gw_take_queued(struct gateway *gw, const char *id)
{
	struct msg_record rec;
	struct outmsg m;
	char why[192];
	int rc;

	msg_record_init(&rec, id);
	if (gw_load_message(gw, id, &m, why, sizeof(why)) < 0) {
		/* Checked at the door, so this is the disk: it is retried at the next start. */
		log_error("message %s accepted but unreadable: %s", id, why);
		return 0;
	}
	rc = gw_admit(gw, id, &rec, &m);
	if (rc < 0)
		log_error("message %s: out of memory; it is taken up at the next start", id);
	outmsg_free(&m);
	return rc == 1 ? MSG_SUPPRESSED : rc == 2 ? MSG_FAILED : 0;
}

static int api_enqueued(void *ctx, const char *id)
{
	return gw_take_queued(ctx, id);
}

static void api_committed(void *ctx)
{
	struct gateway *gw = ctx;

	gw_dispatch(gw);
	gw_status_write(gw);
}

/* A message that is finished (status/ID.st) cannot be cancelled any more:
 * -EBUSY (409), not "no such message". */
static int api_cancel(void *ctx, const char *id)
{
	struct gateway *gw = ctx;
	struct msg_record rec;
	int rc = gw_cancel(gw, id);

	if (rc == -ENOENT && msg_record_load(&gw->spool, SPOOL_STATUS, id, &rec) == 0)
		rc = -EBUSY;
	return rc;
}

static const char *api_sending_on(void *ctx, const char *id)
{
	struct gateway *gw = ctx;

	for (unsigned i = 0; i < gw->nmodems; i++) {
		if (gw->modems[i].cur && strcmp(gw->modems[i].cur->id, id) == 0)
			return gw->modems[i].m.cfg.name;
	}
	return NULL;
}

static json_object *api_status(void *ctx)
{
	return gw_status_json(ctx);
}

/* Appends to a growing buffer; on failure the text is dropped (NULL). */
struct text {
	char *p;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!t->p)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			free(t->p);
			t->p = NULL;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		char *g = realloc(t->p, t->cap * 2 + (size_t)n);

		if (!g) {
			free(t->p);
			t->p = NULL;
			return;
		}
		t->p = g;
		t->cap = t->cap * 2 + (size_t)n;
	}
}

static const double latency_buckets[] = GW_LATENCY_BUCKETS;

/* Prometheus text exposition format 0.0.4. */
static char *api_metrics(void *ctx)
{
	struct gateway *gw = ctx;
	struct text t = { malloc(4096), 0, 4096 };
	uint64_t cum = 0;

	add(&t, "# HELP smsgate_queue_depth Messages waiting in the queue, by state.\n"
		"# TYPE smsgate_queue_depth gauge\n");
	{
		unsigned sending = 0;

		for (unsigned i = 0; i < gw->nmodems; i++)
			sending += gw->modems[i].cur != NULL;
		add(&t, "smsgate_queue_depth{state=\"queued\"} %u\nsmsgate_queue_depth{state=\"sending\"} %u\n",
		    gw->queued - sending, sending);
	}
	add(&t, "# HELP smsgate_messages_sent_total Messages sent (every part accepted by the network).\n"
		"# TYPE smsgate_messages_sent_total counter\nsmsgate_messages_sent_total %llu\n",
	    (unsigned long long)gw->sent_total);
	add(&t, "# HELP smsgate_messages_failed_total Messages that failed for good.\n"
		"# TYPE smsgate_messages_failed_total counter\nsmsgate_messages_failed_total %llu\n",
	    (unsigned long long)gw->failed_total);
	add(&t, "# HELP smsgate_messages_suppressed_total Messages not sent: rate_limit or suppress_duplicates.\n"
		"# TYPE smsgate_messages_suppressed_total counter\n"
		"smsgate_messages_suppressed_total{reason=\"rate\"} %llu\n"
		"smsgate_messages_suppressed_total{reason=\"duplicate\"} %llu\n",
	    (unsigned long long)gw->limit.suppressed_rate, (unsigned long long)gw->limit.suppressed_duplicate);
	add(&t, "# HELP smsgate_messages_received_total Messages received (multipart joined).\n"
		"# TYPE smsgate_messages_received_total counter\nsmsgate_messages_received_total %llu\n",
	    (unsigned long long)gw->received_total);
	add(&t, "# HELP smsgate_modem_up 1 when the modem can send.\n# TYPE smsgate_modem_up gauge\n");
	for (unsigned i = 0; i < gw->nmodems; i++)
		add(&t, "smsgate_modem_up{modem=\"%s\"} %d\n", gw->modems[i].m.cfg.name,
		    gw->modems[i].m.st.state == MODEM_READY || gw->modems[i].m.st.state == MODEM_SENDING);
	add(&t, "# HELP smsgate_modem_signal_dbm Received signal strength (AT+CSQ).\n"
		"# TYPE smsgate_modem_signal_dbm gauge\n");
	for (unsigned i = 0; i < gw->nmodems; i++) {
		if (gw->modems[i].m.st.dbm)
			add(&t, "smsgate_modem_signal_dbm{modem=\"%s\"} %d\n", gw->modems[i].m.cfg.name,
			    gw->modems[i].m.st.dbm);
	}
	add(&t, "# HELP smsgate_modem_reconnects_total Times the modem's line was closed and reopened.\n"
		"# TYPE smsgate_modem_reconnects_total counter\n");
	for (unsigned i = 0; i < gw->nmodems; i++)
		add(&t, "smsgate_modem_reconnects_total{modem=\"%s\"} %llu\n", gw->modems[i].m.cfg.name,
		    (unsigned long long)gw->modems[i].m.st.reconnects);
	if (webhooks_count(gw->webhooks)) {
		static const char *const help[] = {
			"smsgate_webhook_queued", "gauge", "Events waiting for delivery to the webhook.",
			"smsgate_webhook_delivered_total", "counter", "Events the webhook's receiver accepted (2xx).",
			"smsgate_webhook_failed_attempts_total", "counter", "Deliveries that failed and are retried.",
			"smsgate_webhook_dropped_total", "counter", "Events lost: over max_queued, or unreadable.",
		};

		for (size_t m = 0; m < ARRAY_SIZE(help); m += 3) {
			add(&t, "# HELP %s %s\n# TYPE %s %s\n", help[m], help[m + 2], help[m], help[m + 1]);
			for (unsigned i = 0; i < webhooks_count(gw->webhooks); i++) {
				struct webhook_stats st;
				unsigned long long v;

				webhooks_stats(gw->webhooks, i, &st);
				v = m == 0 ? st.queued : m == 3 ? st.delivered : m == 6 ? st.failed_attempts : st.dropped;
				add(&t, "%s{webhook=\"%s\"} %llu\n", help[m], st.name, v);
			}
		}
	}
	add(&t, "# HELP smsgate_send_latency_seconds From acceptance to the network's acknowledgement of the last part.\n"
		"# TYPE smsgate_send_latency_seconds histogram\n");
	for (size_t i = 0; i < ARRAY_SIZE(latency_buckets); i++) {
		cum += gw->latency_count[i];
		add(&t, "smsgate_send_latency_seconds_bucket{le=\"%g\"} %llu\n", latency_buckets[i], (unsigned long long)cum);
	}
	cum += gw->latency_count[ARRAY_SIZE(latency_buckets)];
	add(&t, "smsgate_send_latency_seconds_bucket{le=\"+Inf\"} %llu\nsmsgate_send_latency_seconds_sum %.3f\n"
		"smsgate_send_latency_seconds_count %llu\n",
	    (unsigned long long)cum, gw->latency_sum, (unsigned long long)cum);
	return t.p;
}

static int api_health(void *ctx, char *why, size_t whylen)
{
	struct gateway *gw = ctx;
	bool can_send = false;

	for (unsigned i = 0; i < gw->nmodems; i++)
		can_send |= gw->modems[i].m.st.state == MODEM_READY || gw->modems[i].m.st.state == MODEM_SENDING;
	if (!can_send) {
		size_t n = (size_t)snprintf(why, whylen, "no modem can send:");

		for (unsigned i = 0; i < gw->nmodems && n < whylen; i++)
			n += (size_t)snprintf(why + n, whylen - n, " %s %s%s%s;", gw->modems[i].m.cfg.name,
					      modem_state_name(gw->modems[i].m.st.state),
					      gw->modems[i].m.st.last_error[0] ? ", " : "", gw->modems[i].m.st.last_error);
		return -1;
	}
	if (gw->queued && gw->last_progress && loop_now() - gw->last_progress > HEALTH_STUCK_S * 1000) {
		snprintf(why, whylen, "queue stuck: %u message(s) and nothing sent for %lld s", gw->queued,
			 (long long)((loop_now() - gw->last_progress) / 1000));
		return -1;
	}
	return 0;
}

static int api_heartbeat(void *ctx, const char *name, json_object **out)
{
	struct gateway *gw = ctx;
	int rc = gw_heartbeat_beat(gw, name);

	if (rc == 0)
		*out = gw_heartbeat_json(gw, name);
	return rc;
}

static const struct http_ops api_ops = {
	.enqueued = api_enqueued,
	.committed = api_committed,
	.cancel = api_cancel,
	.sending_on = api_sending_on,
	.status = api_status,
	.metrics = api_metrics,
	.health = api_health,
	.heartbeat = api_heartbeat,
};

#define TLS_FILE_MAX (256 * 1024) /* a certificate chain or a key in PEM */

/* The HTTP layer's copy of the config. */
static void http_settings_from(const struct gateway *gw, struct http_settings *st)
{
	const struct config_http *c = &gw->cfg.http;

	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < c->nlisten && i < HTTP_LISTEN_MAX; i++) {
		st->listen[i].family = c->listen[i].family;
		str_copy(st->listen[i].addr, sizeof(st->listen[i].addr), c->listen[i].addr);
		st->listen[i].port = c->listen[i].port;
	}
	st->nlisten = c->nlisten < HTTP_LISTEN_MAX ? c->nlisten : HTTP_LISTEN_MAX;
	for (unsigned i = 0; i < c->ntoken && i < HTTP_TOKENS_MAX; i++)
		str_copy(st->tokens[i], sizeof(st->tokens[i]), c->token[i]);
	st->ntokens = c->ntoken < HTTP_TOKENS_MAX ? c->ntoken : HTTP_TOKENS_MAX;
	st->legacy_cgi = c->legacy_cgi;
	st->max_body = c->max_body;
	st->max_parts = gw->cfg.gateway.max_parts;
	for (unsigned i = 0; i < gw->cfg.gateway.allow_prefixes.n && i < HTTP_PREFIXES_MAX; i++)
		str_copy(st->allow_prefixes[i], sizeof(st->allow_prefixes[i]), gw->cfg.gateway.allow_prefixes.p[i]);
	st->nallow = gw->cfg.gateway.allow_prefixes.n < HTTP_PREFIXES_MAX ? gw->cfg.gateway.allow_prefixes.n
									      : HTTP_PREFIXES_MAX;
	st->alert_parts = c->alert_parts;
	_Static_assert(sizeof(st->groups) == sizeof(gw->cfg.group), "the config's groups are the HTTP layer's");
	memcpy(st->groups, gw->cfg.group, sizeof(st->groups));
	st->ngroups = gw->cfg.ngroup;
}

int gw_http_start(struct gateway *gw, char *why, size_t whylen)
{
	static struct http_settings st;
	const struct config_http *c = &gw->cfg.http;
	char *cert = NULL, *key = NULL;
	ssize_t n = 0, k = 0;
	int rc;

	if (c->nlisten == 0)
		return 0;
	http_settings_from(gw, &st);
	if (c->tls_cert[0]) {
		n = read_file_at(AT_FDCWD, c->tls_cert, TLS_FILE_MAX, &cert);
		k = n < 0 ? 0 : read_file_at(AT_FDCWD, c->tls_key, TLS_FILE_MAX, &key);
		if (n < 0 || k < 0) {
			snprintf(why, whylen, "%s: %s", n < 0 ? c->tls_cert : c->tls_key, strerror((int)-(n < 0 ? n : k)));
			free(cert);
			return -EINVAL;
		}
		st.tls_cert_pem = cert;
		st.tls_key_pem = key;
	}
	rc = http_start(&gw->http, &gw->loop, &st, &gw->spool, &api_ops, gw, why, whylen);
	if (key)
		explicit_bzero(key, (size_t)k);
	free(key);
	free(cert);
	st.tls_cert_pem = st.tls_key_pem = NULL;
	return rc;
}

void gw_http_reload(struct gateway *gw)
{
	static struct http_settings st;

	if (!gw->http)
		return;
	http_settings_from(gw, &st);
	http_update(gw->http, &st);
}
