/*
 * What happens to messages, as webhook events (src/webhook/): sent and
 * failed when a message is finished, delivered or failed when its status
 * report comes, received for an incoming SMS. The data is what the API
 * shows for the same thing (request.h), so a receiver and a client that
 * polls read the same fields. The same events go to the MQTT pool
 * (pool.c), as PREFIX/GATEWAY/events/{sent,delivered,failed,received}.
 */
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "log.h"
#include "request.h"
#include "webhook.h"

int gw_webhooks_start(struct gateway *gw, char *why, size_t whylen)
{
	struct webhook_target t[CONFIG_WEBHOOKS_MAX];

	if (!gw->cfg.nwebhook)
		return 0;
	for (unsigned i = 0; i < gw->cfg.nwebhook; i++) {
		const struct config_webhook *c = &gw->cfg.webhook[i];

		t[i] = (struct webhook_target){
			.name = c->name, .url = c->url, .secret = c->secret, .events = c->events,
			.timeout = c->timeout, .retry_cap = c->retry_cap, .max_queued = c->max_queued,
		};
	}
	gw->webhooks = webhooks_new(&gw->loop, gw->spool.root, t, gw->cfg.nwebhook, gw->spool.sync, why, whylen);
	return gw->webhooks ? 0 : -1;
}

/* SIGHUP: a changed [webhook] set starts over (what is queued stays on disk). */
void gw_webhooks_reload(struct gateway *gw, const struct config *old)
{
	char why[256];

	if (old->nwebhook == gw->cfg.nwebhook &&
	    memcmp(old->webhook, gw->cfg.webhook, sizeof(old->webhook[0]) * old->nwebhook) == 0)
		return;
	webhooks_free(gw->webhooks);
	gw->webhooks = NULL;
	if (gw_webhooks_start(gw, why, sizeof(why)) < 0)
		log_error("reload: webhooks: %s; none are delivered until this is fixed", why);
	else
		log_info("reload: %u webhook(s)", gw->cfg.nwebhook);
}

void gw_event_message(struct gateway *gw, const struct msg_record *rec)
{
	json_object *data;
	enum webhook_event type;

	if (!gw->webhooks && !gw->pool)
		return;
	if (rec->state == MSG_SENT)
		type = WEBHOOK_SENT;
	else if (rec->state == MSG_DELIVERED)
		type = WEBHOOK_DELIVERED;
	else if (rec->state == MSG_FAILED)
		type = WEBHOOK_FAILED;
	else
		return; /* cancelled, suppressed: the client that asked knows */
	data = req_record_json(rec, NULL);
	if (gw->webhooks)
		webhooks_emit(gw->webhooks, type, data);
	gw_pool_event(gw, type, data);
	json_object_put(data);
}

void gw_event_received(struct gateway *gw, const char *name, const char *file, size_t len)
{
	char *copy;
	json_object *data;

	if (!gw->webhooks && !gw->pool)
		return;
	copy = strndup(file, len);
	if (!copy) {
		log_error("webhooks: sms.received for %s lost: out of memory", name);
		return;
	}
	data = req_incoming_json(name, copy);
	if (gw->webhooks)
		webhooks_emit(gw->webhooks, WEBHOOK_RECEIVED, data);
	gw_pool_event(gw, WEBHOOK_RECEIVED, data);
	json_object_put(data);
	free(copy);
}

void gw_event_alarm(struct gateway *gw, const char *kind, const char *to, const char *text)
{
	json_object *data;

	if (!gw->webhooks && !gw->pool)
		return;
	data = json_object_new_object();
	json_object_object_add(data, "kind", json_object_new_string(kind));
	json_object_object_add(data, "text", json_object_new_string(text));
	json_object_object_add(data, "to", to ? json_object_new_string(to) : NULL);
	if (gw->webhooks)
		webhooks_emit(gw->webhooks, WEBHOOK_ALARM, data);
	gw_pool_event(gw, WEBHOOK_ALARM, data);
	json_object_put(data);
}
