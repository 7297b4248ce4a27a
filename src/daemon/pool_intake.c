/*
 * The pool's intake (docs/mqtt.md): a message on PREFIX/send is checked
 * exactly as POST /api/v1/messages checks it, staged with the group-commit
 * path HTTP uses, and acknowledged (PUBACK) only after the commit, so a
 * message the broker lets go of is on this gateway's disk. A payload that
 * fails the checks is acknowledged all the same (it must not come back
 * forever) and published as a rejected event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "durable.h"
#include "log.h"
#include "pool.h"
#include "util.h"

#define POOL_REJECT_ECHO 512    /* bytes of a refused payload repeated in its rejected event */
#define POOL_HEADER "Pool: yes\n" /* first line of the queue file: taken from the pool (intake.c reads it) */

static void reject(struct pool *p, const char *why, const uint8_t *payload, size_t len)
{
	json_object *o = json_object_new_object();
	const char *text;

	p->rejected++;
	gw_status_write(p->gw);
	log_warn("mqtt: message refused: %s", why);
	json_object_object_add(o, "type", json_object_new_string("sms.rejected"));
	json_object_object_add(o, "gateway", json_object_new_string(p->gateway));
	json_object_object_add(o, "reason", json_object_new_string(why));
	json_object_object_add(o, "payload", json_object_new_string_len((const char *)payload,
									  (int)(len > POOL_REJECT_ECHO ? POOL_REJECT_ECHO : len)));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	pool_event_add(p, "rejected", text, strlen(text));
	json_object_put(o);
}

void pool_intake_commit(struct pool *p)
{
	struct gateway *gw = p->gw;
	int rc;

	loop_timer_cancel(&gw->loop, &p->commit_timer);
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
		mqtt_client_puback(p->pending[i].client, p->pending[i].ack);
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
			gw_status_write(gw);
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
		/* marked as the pool's: a gateway with forward = yes sends it itself */
		char *f = malloc(sizeof(POOL_HEADER) - 1 + files.len[i]);

		if (!f) {
			snprintf(why, whylen, "out of memory");
			rc = -ENOMEM;
			break;
		}
		memcpy(f, POOL_HEADER, sizeof(POOL_HEADER) - 1);
		memcpy(f + sizeof(POOL_HEADER) - 1, files.data[i], files.len[i]);
		spool_new_id(pp->ids[i]);
		rc = spool_stage(&gw->spool, &p->batch, SPOOL_QUEUE, pp->ids[i], f, sizeof(POOL_HEADER) - 1 + files.len[i]);
		free(f);
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

static void take(struct pool *p, struct mqtt_client *c, const struct mqtt_publish *pub, uint32_t ack)
{
	struct pool_pending pp = { .client = c, .ack = ack };
	char why[256];

	if (stage(p, pub, &pp, why, sizeof(why)) < 0) {
		/* acknowledged all the same: a bad message must not come back forever */
		reject(p, why, pub->payload.p, pub->payload.len);
		mqtt_client_puback(c, ack);
		return;
	}
	if (pp.nids == 0) {
		mqtt_client_puback(c, ack);
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

/* Messages that wait for our modems now (not for a retry later), and
 * those staged for the next commit. */
static size_t backlog(const struct pool *p)
{
	const struct gateway *gw = p->gw;
	int64_t now = loop_now();
	size_t n = 0;

	for (int i = 0; i < 2; i++) {
		for (const struct qmsg *q = gw->head[i]; q; q = q->next) {
			if (!q->final && (q->on || q->next_try <= now))
				n++;
		}
	}
	for (size_t i = 0; i < p->npending; i++)
		n += p->pending[i].nids;
	return n;
}

void pool_intake(struct pool *p, struct mqtt_client *c, const struct mqtt_publish *pub, uint32_t ack)
{
	struct pool_held *h;

	p->received++;
	/* A taken-over session is drained whatever our backlog: its gateway is gone. */
	if (c != p->client || (!p->held && backlog(p) < p->gw->cfg.mqtt.prefetch)) {
		take(p, c, pub, ack);
		return;
	}
	h = malloc(sizeof(*h) + pub->payload.len);
	if (!h) {
		log_error("mqtt: out of memory; message left to the broker");
		return;
	}
	h->next = NULL;
	h->ack = ack;
	h->len = pub->payload.len;
	memcpy(h->payload, pub->payload.p, pub->payload.len);
	*p->held_tail = h;
	p->held_tail = &h->next;
	p->nheld++;
	p->held_total++;
}

void pool_intake_release(struct pool *p)
{
	while (p->held && backlog(p) < p->gw->cfg.mqtt.prefetch) {
		struct pool_held *h = p->held;
		struct mqtt_publish pub = {
			.topic = { (const uint8_t *)p->send_topic, strlen(p->send_topic) },
			.payload = { h->payload, h->len },
			.qos = 1,
		};

		p->held = h->next;
		if (!p->held)
			p->held_tail = &p->held;
		p->nheld--;
		take(p, p->client, &pub, h->ack);
		free(h);
	}
}

void pool_intake_forget_held(struct pool *p)
{
	while (p->held) {
		struct pool_held *h = p->held;

		p->held = h->next;
		free(h);
	}
	p->held_tail = &p->held;
	p->nheld = 0;
}

static void commit_cb(struct loop *l, struct loop_timer *t)
{
	(void)l;
	pool_intake_commit(container_of(t, struct pool, commit_timer));
}

void pool_intake_init(struct pool *p)
{
	loop_timer_init(&p->commit_timer, commit_cb);
	p->held_tail = &p->held;
}

void pool_intake_free(struct pool *p)
{
	pool_intake_forget_held(p);
	loop_timer_cancel(&p->gw->loop, &p->commit_timer);
	spool_batch_free(&p->batch);
	free(p->pending);
	p->pending = NULL;
	p->npending = p->cap = 0;
}
