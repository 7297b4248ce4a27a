/*
 * Taking over a dead gateway's share of the pool (docs/mqtt.md).
 *
 * Every gateway keeps a persistent session (clean session off) so that
 * what the broker sent it and it did not acknowledge comes back after a
 * crash. The other side of that: mosquitto (2.0) goes on routing a share
 * of new messages to a disconnected session of a shared subscription,
 * and keeps them there until that client returns. For an alarm path,
 * "until the dead box is repaired" is not good enough.
 *
 * So the survivors watch each other's retained status (PREFIX/+/status,
 * whose will says offline). When a peer has been offline for
 * takeover_after seconds, a survivor that can send opens a second
 * connection under the peer's client id (clean session off: the broker
 * hands over the session, its queued messages and its unacknowledged
 * ones), unsubscribes the session from the shared subscription (nothing
 * new goes there), stores every message the session delivers through the
 * normal intake (spool commit, then PUBACK), and disconnects once the
 * session has been quiet for POOL_TAKEOVER_QUIET_MS. The peer, when it
 * comes back, resumes the drained session and subscribes again; if it
 * comes back while the takeover runs, the broker closes the takeover's
 * connection (same client id) and the peer carries on from there.
 *
 * Who takes over: every gateway able to send, in the order of their
 * names, POOL_TAKEOVER_STAGGER_MS apart; the first drains the session
 * and the later ones find it empty. No agreement protocol is needed: two
 * takeovers of one session at once are resolved by the broker (the later
 * connection wins), and every message is acknowledged only once it is in
 * some gateway's spool.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "pool.h"
#include "util.h"

static void tick(struct pool *p);

static bool name_valid(const char *s, size_t n)
{
	if (n == 0 || n >= CONFIG_MQTT_NAME_SIZE)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!name_char(s[i]))
			return false;
	}
	return true;
}

static struct pool_peer *peer_find(struct pool *p, const char *name, bool create)
{
	struct pool_peer *e;

	for (unsigned i = 0; i < p->npeers; i++) {
		if (strcmp(p->peers[i].gateway, name) == 0)
			return &p->peers[i];
	}
	if (!create || p->npeers == POOL_PEERS_MAX)
		return NULL;
	e = &p->peers[p->npeers++];
	memset(e, 0, sizeof(*e));
	str_copy(e->gateway, sizeof(e->gateway), name);
	return e;
}

static void peer_forget(struct pool *p, struct pool_peer *e)
{
	*e = p->peers[--p->npeers];
}

static const char *json_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : NULL;
}

void pool_peer_status(struct pool *p, const struct mqtt_publish *pub)
{
	size_t plen = strlen(p->gw->cfg.mqtt.prefix), nlen;
	const char *name = (const char *)pub->topic.p + plen + 1, *state, *cid, *group;
	char gateway[CONFIG_MQTT_NAME_SIZE];
	struct json_tokener *tok;
	struct pool_peer *e;
	json_object *o = NULL, *v;
	bool online, can;

	nlen = pub->topic.len - plen - 1 - 7; /* PREFIX/NAME/status */
	if (!name_valid(name, nlen))
		return;
	memcpy(gateway, name, nlen);
	gateway[nlen] = '\0';
	if (strcmp(gateway, p->gateway) == 0)
		return;
	if (pub->payload.len == 0) {
		/* the retained status was cleared: the gateway left the pool */
		if ((e = peer_find(p, gateway, false)))
			peer_forget(p, e);
		return;
	}
	if (pub->payload.len < INT32_MAX && (tok = json_tokener_new())) {
		o = json_tokener_parse_ex(tok, (const char *)pub->payload.p, (int)pub->payload.len);
		json_tokener_free(tok);
	}
	state = o ? json_str(o, "state") : NULL;
	if (!state || (strcmp(state, "online") != 0 && strcmp(state, "offline") != 0)) {
		log_debug("mqtt: the status of gateway %s is not one we understand; ignored", gateway);
		json_object_put(o);
		return;
	}
	e = peer_find(p, gateway, true);
	if (!e) {
		log_warn("mqtt: more than %d gateways in the pool; %s is not watched", POOL_PEERS_MAX, gateway);
		json_object_put(o);
		return;
	}
	online = strcmp(state, "online") == 0;
	cid = json_str(o, "client_id");
	group = json_str(o, "group");
	str_copy(e->client_id, sizeof(e->client_id), cid && name_valid(cid, strlen(cid)) ? cid : "");
	e->same_group = group && strcmp(group, p->gw->cfg.mqtt.group) == 0;
	can = online && json_object_object_get_ex(o, "can_send", &v) && json_object_get_boolean(v);
	if (!online && (e->online || !e->offline_since)) {
		/* a new offline spell (or the first we hear of): its turn comes later */
		e->offline_since = loop_now();
		e->handled = false;
		log_info("mqtt: gateway %s is offline%s", gateway,
			 p->gw->cfg.mqtt.takeover_after && e->client_id[0] && e->same_group
				 ? "; its share of the pool is taken over if it stays away" : "");
	}
	if (online)
		e->offline_since = 0;
	if (e->online != online || e->can_send != can)
		gw_status_write(p->gw);
	e->online = online;
	e->can_send = can;
	json_object_put(o);
	tick(p);
	gw_pool_update(p->gw); /* the last one able to send, or not any more */
	gw_pool_forward(p->gw); /* a gateway that can take them may be back */
}

/* ---- one takeover ------------------------------------------------------- */

static void takeover_end(struct pool *p, const char *how, bool next)
{
	struct pool_takeover *t = &p->takeover;

	if (!t->client)
		return;
	/* What it delivered is acknowledged on its own connection, before that goes. */
	pool_intake_commit(p);
	log_info("mqtt: takeover of gateway %s (client id %s) %s: %llu message(s) stored here", t->gateway,
		 t->client_id, how, (unsigned long long)t->taken);
	mqtt_client_free(t->client);
	t->client = NULL;
	t->up = false;
	loop_timer_cancel(&p->gw->loop, &t->timer);
	gw_status_write(p->gw);
	if (next)
		tick(p);
}

static void takeover_timer_cb(struct loop *l, struct loop_timer *tm)
{
	struct pool_takeover *t = container_of(tm, struct pool_takeover, timer);
	struct pool *p = container_of(t, struct pool, takeover);

	(void)l;
	if (t->up && p->npending) {
		/* staged but not yet acknowledged: quiet only once they are */
		loop_timer_set(&p->gw->loop, &t->timer, POOL_TAKEOVER_QUIET_MS);
		pool_intake_commit(p);
		return;
	}
	takeover_end(p, t->up ? "done" : "ended", true);
}

static void t_up(void *ctx, bool session_present)
{
	struct pool *p = ctx;
	struct pool_takeover *t = &p->takeover;

	t->up = true;
	if (!session_present) {
		/* nothing kept for it (it never subscribed, or its session expired) */
		loop_timer_set(&p->gw->loop, &t->timer, 0);
		return;
	}
	/* Nothing new for this session from now on; what it holds comes anyway. */
	mqtt_client_unsubscribe(t->client, p->filter);
	mqtt_client_unsubscribe(t->client, p->status_filter);
	loop_timer_set(&p->gw->loop, &t->timer, POOL_TAKEOVER_QUIET_MS);
}

static void t_down(void *ctx, const char *why)
{
	struct pool *p = ctx;
	struct pool_takeover *t = &p->takeover;
	struct pool_peer *e = peer_find(p, t->gateway, false);

	/* Refused, unreachable, the broker gone, or the connection closed by
	 * the broker because the peer itself is back under its client id.
	 * Unless the peer is back (its status says so soon), the session may
	 * still hold messages: another turn after takeover_after. Not freed
	 * here: the client is still on its own stack. */
	(void)why; /* logged by the client */
	if (e && !e->online) {
		e->handled = false;
		e->offline_since = loop_now();
	}
	t->up = false;
	loop_timer_set(&p->gw->loop, &t->timer, 0);
}

static void t_message(void *ctx, const struct mqtt_publish *pub, uint32_t ack)
{
	struct pool *p = ctx;
	struct pool_takeover *t = &p->takeover;

	if (pub->topic.len == strlen(p->send_topic) && memcmp(pub->topic.p, p->send_topic, pub->topic.len) == 0) {
		t->taken++;
		p->taken_over++;
		pool_intake(p, t->client, pub, ack); /* not held: taken at once */
	} else {
		mqtt_client_puback(t->client, ack);
	}
	if (t->up)
		loop_timer_set(&p->gw->loop, &t->timer, POOL_TAKEOVER_QUIET_MS);
}

static const struct mqtt_client_ops takeover_ops = {
	.up = t_up,
	.down = t_down,
	.message = t_message,
};

static void takeover_start(struct pool *p, struct pool_peer *e)
{
	const struct config_mqtt *c = &p->gw->cfg.mqtt;
	struct pool_takeover *t = &p->takeover;
	/* No will: this connection speaks for the dead gateway only to drain it.
	 * No reconnect either: t_down ends it at the first loss. */
	struct mqtt_client_config mc = {
		.host = c->host, .port = c->port, .client_id = e->client_id,
		.username = c->username[0] ? c->username : NULL, .password = c->password[0] ? c->password : NULL,
		.keepalive = c->keepalive, .clean_session = false, .no_reconnect = true,
		.tls = c->tls, .ca_file = c->ca_file[0] ? c->ca_file : NULL,
		.cert_file = c->cert_file[0] ? c->cert_file : NULL, .key_file = c->key_file[0] ? c->key_file : NULL,
	};

	e->handled = true;
	str_copy(t->gateway, sizeof(t->gateway), e->gateway);
	str_copy(t->client_id, sizeof(t->client_id), e->client_id);
	t->taken = 0;
	t->up = false;
	t->client = mqtt_client_new(&p->gw->loop, &mc, &takeover_ops, p);
	if (!t->client) {
		log_error("mqtt: cannot take over gateway %s: out of memory", e->gateway);
		return;
	}
	p->takeovers++;
	gw_status_write(p->gw);
	log_warn("mqtt: gateway %s has been offline for %lld s: taking over its session (client id %s)",
		 e->gateway, (long long)((loop_now() - e->offline_since) / 1000), e->client_id);
	/* a connection that never comes up ends with its connect timeout (t_down) */
}

/* ---- whose turn --------------------------------------------------------- */

/* Our place among the gateways that can send, in name order (0: first). */
static unsigned rank(const struct pool *p)
{
	unsigned r = 0;

	for (unsigned i = 0; i < p->npeers; i++) {
		const struct pool_peer *e = &p->peers[i];

		if (e->online && e->can_send && e->same_group && strcmp(e->gateway, p->gateway) < 0)
			r++;
	}
	return r;
}

static void tick(struct pool *p)
{
	const struct config_mqtt *c = &p->gw->cfg.mqtt;
	int64_t now = loop_now(), next = 0, wait;

	if (p->takeover.client || !c->takeover_after || !p->up || !pool_can_send(p->gw)) {
		loop_timer_cancel(&p->gw->loop, &p->takeover_timer);
		return;
	}
	wait = (int64_t)c->takeover_after * 1000 + (int64_t)rank(p) * POOL_TAKEOVER_STAGGER_MS;
	for (unsigned i = 0; i < p->npeers; i++) {
		struct pool_peer *e = &p->peers[i];
		int64_t due = e->offline_since + wait;

		if (e->online || e->handled || !e->same_group || !e->client_id[0])
			continue;
		if (due <= now) {
			takeover_start(p, e);
			if (p->takeover.client)
				return;
			continue;
		}
		if (!next || due < next)
			next = due;
	}
	if (next)
		loop_timer_set(&p->gw->loop, &p->takeover_timer, next - now);
	else
		loop_timer_cancel(&p->gw->loop, &p->takeover_timer);
}

static void tick_cb(struct loop *l, struct loop_timer *t)
{
	(void)l;
	tick(container_of(t, struct pool, takeover_timer));
}

void pool_takeover_poke(struct pool *p)
{
	tick(p);
}

void pool_takeover_connected(struct pool *p)
{
	/* What we knew of the others is from before our own outage: a broker
	 * that restarts publishes every client's will as it goes down, the
	 * living ones' too. Their clocks start again now; those that are
	 * alive say so as they reconnect. */
	for (unsigned i = 0; i < p->npeers; i++) {
		if (!p->peers[i].online) {
			p->peers[i].offline_since = loop_now();
			p->peers[i].handled = false;
		}
	}
	tick(p);
}

void pool_takeover_init(struct pool *p)
{
	loop_timer_init(&p->takeover_timer, tick_cb);
	loop_timer_init(&p->takeover.timer, takeover_timer_cb);
}

void pool_takeover_free(struct pool *p)
{
	takeover_end(p, "stopped", false);
	loop_timer_cancel(&p->gw->loop, &p->takeover_timer);
}

bool pool_others_can_send(const struct pool *p)
{
	for (unsigned i = 0; i < p->npeers; i++) {
		const struct pool_peer *e = &p->peers[i];

		if (e->online && e->can_send && e->same_group)
			return true;
	}
	return false;
}

json_object *pool_peers_json(struct pool *p)
{
	json_object *a = json_object_new_array();

	for (unsigned i = 0; i < p->npeers; i++) {
		const struct pool_peer *e = &p->peers[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "gateway", json_object_new_string(e->gateway));
		json_object_object_add(o, "state", json_object_new_string(e->online ? "online" : "offline"));
		json_object_object_add(o, "can_send", json_object_new_boolean(e->can_send));
		json_object_object_add(o, "taken_over", json_object_new_boolean(!e->online && e->handled));
		json_object_array_add(a, o);
	}
	return a;
}
