/*
 * A pool of gateways over MQTT (docs/mqtt.md). Intake: the shared
 * subscription $share/GROUP/PREFIX/send hands each message to one gateway
 * of the group; it is checked like POST /api/v1/messages, written to the
 * spool with the group-commit path HTTP uses, and only then acknowledged
 * (PUBACK), so a message the broker lets go of is on this gateway's disk.
 * A gateway with no modem able to send unsubscribes, so that its share
 * goes to the others. Events: PREFIX/GATEWAY/events/{sent,delivered,
 * failed,received,rejected} with the webhook event bodies, kept in a
 * durable outbox (spool/mqtt/events) until the broker acknowledges them;
 * PREFIX/GATEWAY/status retained, with a will that says offline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "event.h"
#include "gateway.h"
#include "log.h"
#include "mqtt_client.h"
#include "outbox.h"
#include "request.h"
#include "util.h"

#define POOL_TOPIC_SIZE (CONFIG_MQTT_TOPIC_SIZE + 2 * CONFIG_MQTT_NAME_SIZE + 32)
#define POOL_REJECT_ECHO 512    /* bytes of a refused payload repeated in its rejected event */

/* A received message whose files are staged: acknowledged after the commit. */
struct pool_pending {
	uint32_t ack;
	char ids[REQ_RECIPIENTS_MAX][SPOOL_ID_LEN + 1];
	unsigned nids;
};

struct pool {
	struct gateway *gw;
	struct mqtt_client *client;
	char send_topic[POOL_TOPIC_SIZE];       /* PREFIX/send */
	char filter[POOL_TOPIC_SIZE];           /* $share/GROUP/PREFIX/send */
	char base[POOL_TOPIC_SIZE];             /* PREFIX/GATEWAY/ */
	char client_id[CONFIG_MQTT_NAME_SIZE], gateway[CONFIG_MQTT_NAME_SIZE];
	char *status_sent;                      /* the last status published on this connection */
	bool up, subscribed;

	struct outbox events;
	bool event_inflight;

	struct spool_batch batch;
	struct pool_pending *pending;
	size_t npending, cap;
	struct loop_timer commit_timer;

	uint64_t received, rejected, duplicates;
};

static const char *const event_topic[] = {
	[0] = "received", [1] = "sent", [2] = "delivered", [3] = "failed", [4] = "alarm",
};

/* ---- events ------------------------------------------------------------- */

/* The oldest event goes out (one at a time: the broker sees them in order). */
static void events_pump(struct pool *p)
{
	const char *id;
	char *body, *nl;
	ssize_t n;

	while (p->up && !p->event_inflight) {
		n = outbox_peek(&p->events, &id, &body);
		if (n < 0)
			return;
		nl = memchr(body, '\n', (size_t)n);
		if (!nl) {
			log_warn("mqtt: event %s has no topic line; dropped", id);
			free(body);
			outbox_pop(&p->events);
			continue;
		}
		*nl = '\0';
		int rc = mqtt_client_publish(p->client, body, nl + 1, (size_t)(n - (nl + 1 - body)), 1, false, 1);

		free(body);
		if (rc < 0) {
			log_warn("mqtt: event %s cannot be published (%s); dropped", id, strerror(-rc));
			outbox_pop(&p->events);
			continue;
		}
		p->event_inflight = true;
	}
}

/* "TOPIC\nBODY" into the outbox, durably; then out when connected. */
static void event_add(struct pool *p, const char *name, const char *body, size_t len)
{
	char id[SPOOL_ID_LEN + 1], topic[POOL_TOPIC_SIZE + 16];
	char *rec;
	int n = snprintf(topic, sizeof(topic), "%sevents/%s\n", p->base, name), rc;

	spool_new_id(id);
	rec = malloc((size_t)n + len);
	if (!rec) {
		log_error("mqtt: event %s lost: out of memory", name);
		return;
	}
	memcpy(rec, topic, (size_t)n);
	memcpy(rec + n, body, len);
	rc = outbox_add(&p->events, id, rec, (size_t)n + len);
	free(rec);
	if (rc < 0)
		log_error("mqtt: event %s lost: %s", name, strerror(-rc));
	events_pump(p);
}

void gw_pool_event(struct gateway *gw, enum webhook_event type, json_object *data)
{
	struct pool *p = gw->pool;
	unsigned bit = 0;
	size_t len;
	char *body;

	if (!p)
		return;
	while (bit < ARRAY_SIZE(event_topic) && (1u << bit) != (unsigned)type)
		bit++;
	if (bit == ARRAY_SIZE(event_topic))
		return;
	body = webhook_event_body(type, (int64_t)time(NULL), data, &len);
	if (!body) {
		log_error("mqtt: event %s lost: out of memory", event_topic[bit]);
		return;
	}
	event_add(p, event_topic[bit], body, len);
	free(body);
}

static void reject(struct pool *p, const char *why, const uint8_t *payload, size_t len)
{
	json_object *o = json_object_new_object();
	const char *text;

	p->rejected++;
	log_warn("mqtt: message refused: %s", why);
	json_object_object_add(o, "type", json_object_new_string("sms.rejected"));
	json_object_object_add(o, "gateway", json_object_new_string(p->gateway));
	json_object_object_add(o, "reason", json_object_new_string(why));
	json_object_object_add(o, "payload", json_object_new_string_len((const char *)payload,
									  (int)(len > POOL_REJECT_ECHO ? POOL_REJECT_ECHO : len)));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	event_add(p, "rejected", text, strlen(text));
	json_object_put(o);
}

/* ---- status ------------------------------------------------------------- */

static bool can_send(const struct gateway *gw)
{
	if (gw->stopping || gw->restart_pending)
		return false;
	for (unsigned i = 0; i < gw->nmodems; i++) {
		enum modem_state s = gw->modems[i].m.st.state;

		if (s == MODEM_READY || s == MODEM_SENDING)
			return true;
	}
	return false;
}

static char *status_json(struct pool *p, bool online)
{
	struct gateway *gw = p->gw;
	json_object *o = json_object_new_object(), *modems = json_object_new_array();
	char *text;

	json_object_object_add(o, "gateway", json_object_new_string(p->gateway));
	json_object_object_add(o, "state", json_object_new_string(online ? "online" : "offline"));
	if (online) {
		json_object_object_add(o, "can_send", json_object_new_boolean(can_send(gw)));
		json_object_object_add(o, "queued", json_object_new_int64(gw->queued));
		for (unsigned i = 0; i < gw->nmodems; i++) {
			json_object *m = json_object_new_object();

			json_object_object_add(m, "name", json_object_new_string(gw->modems[i].m.cfg.name));
			json_object_object_add(m, "state",
					       json_object_new_string(modem_state_name(gw->modems[i].m.st.state)));
			json_object_array_add(modems, m);
		}
		json_object_object_add(o, "modems", modems);
	} else {
		json_object_put(modems);
	}
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

/* Subscribed exactly while a modem can send; the retained status when it changed. */
void gw_pool_update(struct gateway *gw)
{
	struct pool *p = gw->pool;
	char topic[POOL_TOPIC_SIZE + 8], *st;
	bool want;

	if (!p || !p->up)
		return;
	want = can_send(gw);
	if (want != p->subscribed) {
		int rc = want ? mqtt_client_subscribe(p->client, p->filter, 1)
			      : mqtt_client_unsubscribe(p->client, p->filter);

		if (rc == 0) {
			p->subscribed = want;
			gw_status_write(gw);
			log_info("mqtt: %s %s (%s)", want ? "subscribed to" : "unsubscribed from", p->filter,
				 want ? "a modem can send" : "no modem can send: the pool's other gateways take the work");
		}
	}
	st = status_json(p, true);
	if (!st || (p->status_sent && strcmp(st, p->status_sent) == 0)) {
		free(st);
		return;
	}
	snprintf(topic, sizeof(topic), "%sstatus", p->base);
	if (mqtt_client_publish(p->client, topic, st, strlen(st), 1, true, 0) == 0) {
		free(p->status_sent);
		p->status_sent = st;
	} else {
		free(st);
	}
}

/* ---- intake ------------------------------------------------------------- */

static void commit(struct loop *l, struct loop_timer *t)
{
	struct pool *p = container_of(t, struct pool, commit_timer);
	struct gateway *gw = p->gw;
	int rc;

	(void)l;
	if (!p->npending)
		return;
	rc = spool_commit(&gw->spool, &p->batch);
	if (rc < 0) {
		/* Not acknowledged: the broker sends them again after a reconnect. */
		log_error("mqtt: %zu message(s) could not be stored (%s); not acknowledged", p->npending,
			  strerror(-rc));
		p->npending = 0;
		return;
	}
	for (size_t i = 0; i < p->npending; i++) {
		for (unsigned j = 0; j < p->pending[i].nids; j++)
			gw_take_queued(gw, p->pending[i].ids[j]);
		mqtt_client_puback(p->client, p->pending[i].ack);
	}
	p->npending = 0;
	gw_dispatch(gw);
	gw_status_write(gw);
}

/* The same JSON as POST /api/v1/messages, checked the same way; 0 staged
 * (or a repeated client id: nothing new), -EINVAL with why. */
static int stage(struct pool *p, const struct mqtt_publish *pub, struct pool_pending *pp, char *why, size_t whylen)
{
	struct gateway *gw = p->gw;
	struct json_tokener *tok;
	json_object *o;
	struct msg_req m = { 0 };
	struct msg_files files = { .n = 0 };
	char cname[160] = "", *prev;
	size_t mark = p->batch.n;
	int rc;

	if (pub->payload.len > INT32_MAX || !(tok = json_tokener_new())) {
		snprintf(why, whylen, "too long");
		return -EINVAL;
	}
	o = json_tokener_parse_ex(tok, (const char *)pub->payload.p, (int)pub->payload.len);
	if (!o || json_tokener_get_parse_end(tok) != pub->payload.len) {
		snprintf(why, whylen, "invalid JSON: %s",
			 o ? "trailing bytes" : json_tokener_error_desc(json_tokener_get_error(tok)));
		json_tokener_free(tok);
		json_object_put(o);
		return -EINVAL;
	}
	json_tokener_free(tok);
	rc = req_from_json(o, &m, why, whylen);
	if (rc == 0 && m.client_id) {
		if (req_client_file(m.client_id, cname, sizeof(cname)) < 0) {
			snprintf(why, whylen, "\"id\" is 1 to 64 characters");
			rc = -EINVAL;
		} else if (read_file_at(gw->spool.dir[SPOOL_STATUS], cname, 64 * 1024, &prev) >= 0) {
			/* seen before (a redelivery, or the client sent it twice): nothing new */
			free(prev);
			p->duplicates++;
			log_info("mqtt: message with id %s taken before; acknowledged, nothing new", m.client_id);
			json_object_put(o);
			return 0;
		}
	}
	if (rc == 0)
		rc = req_prepare(&m, gw->cfg.gateway.max_parts, &files, why, whylen);
	if (rc == 0)
		rc = req_check_allowed(&m, gw->cfg.gateway.allow_prefixes.p[0], sizeof(gw->cfg.gateway.allow_prefixes.p[0]),
				       gw->cfg.gateway.allow_prefixes.n, why, whylen);
	for (unsigned i = 0; rc == 0 && i < files.n; i++) {
		spool_new_id(pp->ids[i]);
		rc = spool_stage(&gw->spool, &p->batch, SPOOL_QUEUE, pp->ids[i], files.data[i], files.len[i]);
		if (rc < 0)
			snprintf(why, whylen, "the spool refused the message: %s", strerror(-rc));
		else
			pp->nids++;
	}
	if (rc == 0 && cname[0]) {
		/* the answer HTTP would have given, so that HTTP and MQTT repeats agree */
		json_object *a = json_object_new_object();
		const char *text;

		json_object_object_add(a, "id", json_object_new_string(pp->ids[0]));
		json_object_object_add(a, "state", json_object_new_string("queued"));
		json_object_object_add(a, "parts", json_object_new_int((int)files.parts));
		json_object_object_add(a, "encoding", json_object_new_string(sms_enc_name(files.enc)));
		text = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (spool_stage(&gw->spool, &p->batch, SPOOL_STATUS, cname, text, strlen(text)) < 0)
			log_warn("mqtt: client id %s not recorded; a repeat would be sent again", m.client_id);
		json_object_put(a);
	}
	if (rc < 0) {
		while (p->batch.n > mark) {
			struct spool_staged *it = &p->batch.items[--p->batch.n];

			unlinkat(gw->spool.dir[it->dir], it->tmp, 0);
		}
		pp->nids = 0;
	}
	req_files_free(&files);
	req_free(&m);
	json_object_put(o);
	return rc < 0 ? -EINVAL : 0;
}

static void on_message(void *ctx, const struct mqtt_publish *pub, uint32_t ack)
{
	struct pool *p = ctx;
	struct pool_pending pp = { .ack = ack };
	char why[256];

	if (pub->topic.len != strlen(p->send_topic) || memcmp(pub->topic.p, p->send_topic, pub->topic.len) != 0) {
		log_debug("mqtt: ignoring a message on %.*s", (int)pub->topic.len, (const char *)pub->topic.p);
		mqtt_client_puback(p->client, ack);
		return;
	}
	p->received++;
	if (stage(p, pub, &pp, why, sizeof(why)) < 0) {
		/* acknowledged all the same: a bad message must not come back forever */
		reject(p, why, pub->payload.p, pub->payload.len);
		mqtt_client_puback(p->client, ack);
		return;
	}
	if (pp.nids == 0) {
		mqtt_client_puback(p->client, ack);
		return;
	}
	if (p->npending == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		void *g = realloc(p->pending, cap * sizeof(*p->pending));

		if (!g) {
			/* staged files stay unacknowledged; they go with the next commit */
			log_error("mqtt: out of memory; message not acknowledged");
			return;
		}
		p->pending = g;
		p->cap = cap;
	}
	p->pending[p->npending++] = pp;
	if (!p->commit_timer.armed)
		loop_timer_set(&p->gw->loop, &p->commit_timer, 0); /* this loop round's messages commit together */
}

/* ---- connection --------------------------------------------------------- */

static void on_up(void *ctx, bool session_present)
{
	struct pool *p = ctx;

	(void)session_present;
	p->up = true;
	/* What the broker remembers of our subscription is unknown: say it again. */
	p->subscribed = !can_send(p->gw);
	free(p->status_sent);
	p->status_sent = NULL;
	gw_pool_update(p->gw);
	gw_status_write(p->gw);
	events_pump(p);
}

static void on_down(void *ctx, const char *why)
{
	struct pool *p = ctx;

	(void)why;
	p->up = false;
	/* The event in flight stays in flight: the client sends it again
	 * (DUP) after the reconnect, and its PUBACK pops it. Staged but not yet committed messages: committed and acknowledged
	 * on a dead connection is a no-op, the broker sends them again. */
}

static void on_published(void *ctx, uint64_t token)
{
	struct pool *p = ctx;

	if (token != 1)
		return; /* status */
	outbox_pop(&p->events);
	p->event_inflight = false;
	events_pump(p);
}

static const struct mqtt_client_ops pool_ops = {
	.up = on_up,
	.down = on_down,
	.message = on_message,
	.published = on_published,
};

/* The host name as a client id: only the characters a config would allow. */
static void default_client_id(char *out, size_t n)
{
	char host[256] = "";
	size_t j = 0;

	gethostname(host, sizeof(host) - 1);
	for (size_t i = 0; host[i] && j + 1 < n; i++) {
		char ch = host[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		    ch == '.' || ch == '-')
			out[j++] = ch;
	}
	if (j == 0)
		j = (size_t)snprintf(out, n, "smsgate");
	out[j] = '\0';
}

int gw_pool_start(struct gateway *gw, char *why, size_t whylen)
{
	const struct config_mqtt *c = &gw->cfg.mqtt;
	struct pool *p;
	char will_topic[POOL_TOPIC_SIZE + 8], *will;
	int rc;

	if (!c->enabled)
		return 0;
	if (c->forward) {
		snprintf(why, whylen, "[mqtt] forward = yes is not implemented in this build (docs/mqtt.md)");
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	p->gw = gw;
	if (c->client_id[0])
		str_copy(p->client_id, sizeof(p->client_id), c->client_id);
	else
		default_client_id(p->client_id, sizeof(p->client_id));
	str_copy(p->gateway, sizeof(p->gateway), c->gateway[0] ? c->gateway : p->client_id);
	snprintf(p->send_topic, sizeof(p->send_topic), "%s/send", c->prefix);
	snprintf(p->filter, sizeof(p->filter), "$share/%s/%s/send", c->group, c->prefix);
	snprintf(p->base, sizeof(p->base), "%s/%s/", c->prefix, p->gateway);
	snprintf(will_topic, sizeof(will_topic), "%sstatus", p->base);
	loop_timer_init(&p->commit_timer, commit);
	rc = outbox_open_in(&p->events, gw->spool.root, "mqtt", "events", c->max_queued, gw->spool.sync);
	if (rc < 0) {
		snprintf(why, whylen, "spool/mqtt/events: %s", strerror(-rc));
		free(p);
		return -1;
	}
	will = status_json(p, false);
	/* A persistent session (clean session off): the broker keeps what it
	 * sent us and we did not acknowledge, and sends it again when we are
	 * back, from a crash too. */
	struct mqtt_client_config mc = {
		.host = c->host, .port = c->port, .client_id = p->client_id,
		.username = c->username[0] ? c->username : NULL, .password = c->password[0] ? c->password : NULL,
		.keepalive = c->keepalive, .clean_session = false,
		.will_topic = will_topic, .will_payload = will ? will : "", .will_retain = true,
		.backoff_min_ms = 500, .backoff_max_ms = 30000,
		.tls = c->tls, .ca_file = c->ca_file[0] ? c->ca_file : NULL,
		.cert_file = c->cert_file[0] ? c->cert_file : NULL, .key_file = c->key_file[0] ? c->key_file : NULL,
	};

	p->client = mqtt_client_open(&gw->loop, &mc, &pool_ops, p, why, whylen);
	free(will);
	if (!p->client) {
		outbox_close(&p->events);
		free(p);
		return -1;
	}
	gw->pool = p;
	log_info("mqtt: broker %s, client id %s, topics %s*, intake %s", c->url, p->client_id, p->base, p->filter);
	return 0;
}

void gw_pool_stop(struct gateway *gw)
{
	struct pool *p = gw->pool;
	char topic[POOL_TOPIC_SIZE + 8], *st;

	if (!p)
		return;
	if (p->up) {
		/* The session outlives us (clean session off): without the
		 * subscription, nothing new is routed to it while we are away. */
		if (p->subscribed)
			mqtt_client_unsubscribe(p->client, p->filter);
		/* a clean stop drops the will: say offline ourselves */
		snprintf(topic, sizeof(topic), "%sstatus", p->base);
		st = status_json(p, false);
		if (st)
			mqtt_client_publish(p->client, topic, st, strlen(st), 0, true, 0);
		free(st);
	}
	mqtt_client_free(p->client);
	loop_timer_cancel(&gw->loop, &p->commit_timer);
	spool_batch_free(&p->batch);
	outbox_close(&p->events);
	free(p->pending);
	free(p->status_sent);
	free(p);
	gw->pool = NULL;
}

json_object *gw_pool_status_json(struct gateway *gw)
{
	struct pool *p = gw->pool;
	json_object *o;

	if (!p)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "connected", json_object_new_boolean(p->up));
	json_object_object_add(o, "subscribed", json_object_new_boolean(p->up && p->subscribed));
	json_object_object_add(o, "received", json_object_new_int64((int64_t)p->received));
	json_object_object_add(o, "rejected", json_object_new_int64((int64_t)p->rejected));
	json_object_object_add(o, "duplicates", json_object_new_int64((int64_t)p->duplicates));
	json_object_object_add(o, "events_queued", json_object_new_int64((int64_t)outbox_count(&p->events)));
	return o;
}
