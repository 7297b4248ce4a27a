/*
 * [mqtt] forward = yes (docs/mqtt.md): a message accepted here (HTTP,
 * outgoing/, smsgate send, the gateway's own alarms) is published to the
 * pool (PREFIX/send, QoS 1) instead of going to a local modem, so that any
 * gateway can take HTTP traffic and the pool's modems share it.
 *
 * The message stays in queue/ (durable, as accepted) until the broker's
 * PUBACK; then it is finished here as "forwarded" and the gateway that
 * takes it from the pool sends it, writes its sent/ file and reports its
 * events. Its payload is the JSON of POST /api/v1/messages with our
 * message ID as the client "id", so a repeat (a crash between the PUBACK
 * and our record) is dropped by a gateway that took it already.
 *
 * Two rules keep a forwarded message from being lost:
 *   - it is published only while some gateway of the pool can send (its
 *     retained status says so, or we can): a broker drops a message that
 *     matches no subscription, and a gateway that cannot send has
 *     unsubscribed;
 *   - when the pool has not taken it forward_fallback seconds after it
 *     was accepted (the broker unreachable, nobody able to send), a local
 *     modem sends it after all, and its publish is withdrawn.
 * Messages that came from the pool ("Pool: yes") are never forwarded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "log.h"
#include "pool.h"
#include "util.h"

/* Forwards waiting for their PUBACK at most; more wait in queue/. */
#define POOL_FORWARD_INFLIGHT 64

/* The wall-clock millisecond the ID was made (its first 11 hex digits). */
static int64_t accepted_ms(const char *id)
{
	char hex[12];

	memcpy(hex, id, 11);
	hex[11] = '\0';
	return (int64_t)strtoull(hex, NULL, 16);
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool gw_pool_holds(struct gateway *gw, const struct qmsg *q, int64_t *soonest)
{
	const struct config_mqtt *c = &gw->cfg.mqtt;
	int64_t left, when;

	if (!gw->pool || !c->forward || q->from_pool)
		return false;
	if (!c->forward_fallback)
		return true;
	left = accepted_ms(q->id) + (int64_t)c->forward_fallback * 1000 - wall_ms();
	if (left <= 0)
		return false;
	when = loop_now() + left;
	if (!*soonest || when < *soonest)
		*soonest = when;
	return true;
}

/* Some gateway of the pool would take a message now. */
static bool pool_can_take(const struct pool *p)
{
	return (p->subscribed && pool_can_send(p->gw)) || pool_others_can_send(p);
}

static char *payload(const struct qmsg *q, const struct outmsg *m)
{
	json_object *o = json_object_new_object();
	char *text;

	json_object_object_add(o, "to", json_object_new_string(m->to));
	json_object_object_add(o, "text", json_object_new_string_len(m->text, (int)m->text_len));
	if (m->flash)
		json_object_object_add(o, "flash", json_object_new_boolean(true));
	if (m->report)
		json_object_object_add(o, "report", json_object_new_boolean(true));
	if (m->high)
		json_object_object_add(o, "priority", json_object_new_string("high"));
	if (m->expires) {
		int64_t left = m->expires - (int64_t)time(NULL);

		json_object_object_add(o, "validity", json_object_new_int64(left > 60 ? left : 60));
	}
	json_object_object_add(o, "id", json_object_new_string(q->id));
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

static void forward_one(struct pool *p, struct qmsg *q)
{
	struct gateway *gw = p->gw;
	struct outmsg m;
	char why[192], *body;
	int rc;

	if (gw_load_message(gw, q->id, &m, why, sizeof(why)) < 0) {
		/* the disk; a local modem fails it with the reason if it comes to that */
		log_warn("message %s: not forwarded: %s", q->id, why);
		q->next_try = loop_now() + 1000;
		return;
	}
	body = payload(q, &m);
	outmsg_free(&m);
	if (!body) {
		log_error("message %s: not forwarded: out of memory", q->id);
		return;
	}
	q->fwd_token = ++p->fwd_seq;
	rc = mqtt_client_publish(p->client, p->send_topic, body, strlen(body), 1, false, q->fwd_token);
	free(body);
	if (rc < 0) {
		log_error("message %s: not forwarded: %s", q->id, strerror(-rc));
		return;
	}
	q->forwarding = true;
	p->nforwarding++;
}

void gw_pool_forward(struct gateway *gw)
{
	struct pool *p = gw->pool;
	int64_t now = loop_now();

	if (!p || !gw->cfg.mqtt.forward || !p->up || gw->stopping || !pool_can_take(p))
		return;
	for (int i = 0; i < 2 && p->nforwarding < POOL_FORWARD_INFLIGHT; i++) {
		for (struct qmsg *q = gw->head[i]; q && p->nforwarding < POOL_FORWARD_INFLIGHT; q = q->next) {
			if (!q->from_pool && !q->forwarding && !q->on && !q->final && q->next_try <= now)
				forward_one(p, q);
		}
	}
}

void gw_pool_unforward(struct gateway *gw, struct qmsg *q)
{
	struct pool *p = gw->pool;

	if (!q->forwarding)
		return;
	q->forwarding = false;
	if (!p)
		return;
	p->nforwarding--;
	log_warn("message %s: the pool did not take it within forward_fallback (%u s): a local modem sends it",
		 q->id, gw->cfg.mqtt.forward_fallback);
	mqtt_client_unpublish(p->client, q->fwd_token);
}

void pool_forward_acked(struct pool *p, uint64_t token)
{
	struct gateway *gw = p->gw;
	char how[96];

	for (int i = 0; i < 2; i++) {
		for (struct qmsg *q = gw->head[i]; q; q = q->next) {
			if (!q->forwarding || q->fwd_token != token)
				continue;
			q->forwarding = false;
			p->nforwarding--;
			p->forwarded++;
			snprintf(how, sizeof(how), "forwarded to the pool (%.64s)", p->send_topic);
			gw_forwarded(gw, q, how);
			gw_pool_forward(gw);
			return;
		}
	}
}

void pool_forward_forget(struct pool *p)
{
	struct gateway *gw = p->gw;

	for (int i = 0; i < 2; i++) {
		for (struct qmsg *q = gw->head[i]; q; q = q->next)
			q->forwarding = false;
	}
	p->nforwarding = 0;
}
