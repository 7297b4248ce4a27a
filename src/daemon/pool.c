/*
 * A pool of gateways over MQTT (docs/mqtt.md): the connection and what
 * goes out on it. The shared subscription $share/GROUP/PREFIX/send hands
 * each message to one gateway of the group (pool_intake.c); a gateway
 * with no modem able to send unsubscribes, so that its share goes to the
 * others, and a dead gateway's share is taken over (pool_takeover.c). Events: PREFIX/GATEWAY/events/{sent,delivered,
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
#include "log.h"
#include "pool.h"
#include "util.h"

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

void pool_event_add(struct pool *p, const char *name, const char *body, size_t len)
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
	pool_event_add(p, event_topic[bit], body, len);
	free(body);
}

/* ---- status ------------------------------------------------------------- */

bool pool_can_send(const struct gateway *gw)
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
	/* what a peer needs to take over our session when we die (pool_takeover.c) */
	json_object_object_add(o, "client_id", json_object_new_string(p->client_id));
	json_object_object_add(o, "group", json_object_new_string(p->gw->cfg.mqtt.group));
	if (online) {
		json_object_object_add(o, "can_send", json_object_new_boolean(pool_can_send(gw)));
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

/* Subscribed while a modem can send, or while no other gateway of the
 * pool can: a broker drops what no subscription matches, so the last
 * subscriber stays and keeps the work in its spool until a modem is back. */
static bool want_subscribed(const struct pool *p)
{
	return pool_can_send(p->gw) || !pool_others_can_send(p);
}

/* The subscription as want_subscribed() says, and the retained status
 * when it changed. */
void gw_pool_update(struct gateway *gw)
{
	struct pool *p = gw->pool;
	char topic[POOL_TOPIC_SIZE + 8], *st;
	bool can, want;

	if (!p || !p->up)
		return;
	pool_intake_release(p);
	can = pool_can_send(gw);
	want = want_subscribed(p);
	if (want != p->subscribed) {
		int rc = want ? mqtt_client_subscribe(p->client, p->filter, 1)
			      : mqtt_client_unsubscribe(p->client, p->filter);

		if (rc == 0) {
			p->subscribed = want;
			gw_status_write(gw);
			log_info("mqtt: %s %s (%s)", want ? "subscribed to" : "unsubscribed from", p->filter,
				 !want ? "no modem can send: the pool's other gateways take the work"
				 : can ? "a modem can send"
				       : "no gateway of the pool can send: its messages wait in this spool, not dropped by the broker");
		}
	}
	if (can != p->could_send) {
		p->could_send = can;
		pool_takeover_poke(p); /* only a gateway that can send takes over */
		gw_pool_forward(gw);
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

/* ---- connection --------------------------------------------------------- */

static void on_up(void *ctx, bool session_present)
{
	struct pool *p = ctx;

	(void)session_present;
	p->up = true;
	pool_takeover_connected(p); /* before anything can start a takeover */
	/* What the broker remembers of our subscription is unknown: say it again. */
	p->subscribed = !want_subscribed(p);
	free(p->status_sent);
	p->status_sent = NULL;
	gw_pool_update(p->gw);
	/* The peers' retained statuses come with the subscription; QoS 0, so
	 * the broker keeps none of them for us while we are away. */
	if (mqtt_client_subscribe(p->client, p->status_filter, 0) < 0)
		log_warn("mqtt: cannot subscribe to %s: the pool's dead gateways are not taken over",
			 p->status_filter);
	gw_status_write(p->gw);
	events_pump(p);
	gw_dispatch(p->gw); /* forwards that waited for the broker */
}

static void on_down(void *ctx, const char *why)
{
	struct pool *p = ctx;

	(void)why;
	p->up = false;
	pool_intake_forget_held(p);
	/* The event in flight stays in flight: the client sends it again
	 * (DUP) after the reconnect, and its PUBACK pops it. Staged but not
	 * yet committed messages: acknowledged on a dead connection is a
	 * no-op, the broker sends them again. */
}

static bool topic_is(const struct mqtt_publish *pub, const char *topic)
{
	return pub->topic.len == strlen(topic) && memcmp(pub->topic.p, topic, pub->topic.len) == 0;
}

static void on_message(void *ctx, const struct mqtt_publish *pub, uint32_t ack)
{
	struct pool *p = ctx;
	size_t plen = strlen(p->gw->cfg.mqtt.prefix);

	if (topic_is(pub, p->send_topic)) {
		pool_intake(p, p->client, pub, ack);
		return;
	}
	/* PREFIX/NAME/status (the filter allows no other shape) */
	if (pub->topic.len > plen + 8 && memcmp(pub->topic.p, p->gw->cfg.mqtt.prefix, plen) == 0 &&
	    memcmp(pub->topic.p + pub->topic.len - 7, "/status", 7) == 0)
		pool_peer_status(p, pub);
	else
		log_debug("mqtt: ignoring a message on %.*s", (int)pub->topic.len, (const char *)pub->topic.p);
	mqtt_client_puback(p->client, ack);
}

static void on_published(void *ctx, uint64_t token)
{
	struct pool *p = ctx;

	if (token >= 2) {
		pool_forward_acked(p, token);
		return;
	}
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
		if (name_char(host[i]))
			out[j++] = host[i];
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
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	p->gw = gw;
	p->fwd_seq = 1; /* forwards are 2, 3, ...: 0 is the status, 1 the events */
	if (c->client_id[0])
		str_copy(p->client_id, sizeof(p->client_id), c->client_id);
	else
		default_client_id(p->client_id, sizeof(p->client_id));
	str_copy(p->gateway, sizeof(p->gateway), c->gateway[0] ? c->gateway : p->client_id);
	snprintf(p->send_topic, sizeof(p->send_topic), "%s/send", c->prefix);
	snprintf(p->filter, sizeof(p->filter), "$share/%s/%s/send", c->group, c->prefix);
	snprintf(p->status_filter, sizeof(p->status_filter), "%s/+/status", c->prefix);
	snprintf(p->base, sizeof(p->base), "%s/%s/", c->prefix, p->gateway);
	snprintf(will_topic, sizeof(will_topic), "%sstatus", p->base);
	pool_intake_init(p);
	pool_takeover_init(p);
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
	pool_takeover_free(p);
	if (p->up) {
		pool_intake_commit(p);
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
	pool_forward_forget(p);
	pool_intake_free(p);
	outbox_close(&p->events);
	free(p->status_sent);
	free(p);
	gw->pool = NULL;
}

void gw_pool_release(struct gateway *gw)
{
	if (gw->pool && gw->pool->held)
		pool_intake_release(gw->pool);
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
	json_object_object_add(o, "held", json_object_new_int64((int64_t)p->nheld));
	if (gw->cfg.mqtt.forward) {
		json_object_object_add(o, "forwarding", json_object_new_int64((int64_t)p->nforwarding));
		json_object_object_add(o, "forwarded", json_object_new_int64((int64_t)p->forwarded));
	}
	json_object_object_add(o, "takeovers", json_object_new_int64((int64_t)p->takeovers));
	json_object_object_add(o, "taken_over", json_object_new_int64((int64_t)p->taken_over));
	json_object_object_add(o, "peers", pool_peers_json(p));
	return o;
}
