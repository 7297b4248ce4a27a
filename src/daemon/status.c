/*
 * status.json in the spool: what `smsgate status` shows (modems, signal,
 * registration, queue) without HTTP. Rewritten atomically at most twice a
 * second, and not fsync'd: it is a view, rebuilt at every start.
 */
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "durable.h"
#include "gateway.h"
#include "log.h"
#include "modem_json.h"
#include "webhook.h"

#define STATUS_MIN_INTERVAL_MS 500

static json_object *modem_json(const struct gw_modem *gm)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(gm->m.cfg.name));
	json_object_object_add(o, "device", json_object_new_string(gm->m.cfg.device));
	modem_status_json_add(o, &gm->m.st);
	json_object_object_add(o, "sending", gm->cur ? json_object_new_string(gm->cur->id) : NULL);
	return o;
}

json_object *gw_status_json(struct gateway *gw)
{
	json_object *o = json_object_new_object(), *modems = json_object_new_array();

	for (unsigned i = 0; i < gw->nmodems; i++)
		json_object_array_add(modems, modem_json(&gw->modems[i]));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(o, "updated", json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(o, "uptime", json_object_new_int64((loop_now() - gw->started) / 1000));
	json_object_object_add(o, "queued", json_object_new_int((int)gw->queued));
	json_object_object_add(o, "sent", json_object_new_int64((int64_t)gw->sent_total));
	json_object_object_add(o, "failed", json_object_new_int64((int64_t)gw->failed_total));
	json_object_object_add(o, "received", json_object_new_int64((int64_t)gw->received_total));
	json_object_object_add(o, "modems", modems);
	if (webhooks_count(gw->webhooks)) {
		json_object *hooks = json_object_new_array();

		for (unsigned i = 0; i < webhooks_count(gw->webhooks); i++) {
			struct webhook_stats st;
			json_object *h = json_object_new_object();

			webhooks_stats(gw->webhooks, i, &st);
			json_object_object_add(h, "name", json_object_new_string(st.name));
			json_object_object_add(h, "queued", json_object_new_int64((int64_t)st.queued));
			json_object_object_add(h, "delivered", json_object_new_int64((int64_t)st.delivered));
			json_object_object_add(h, "failed_attempts", json_object_new_int64((int64_t)st.failed_attempts));
			json_object_object_add(h, "dropped", json_object_new_int64((int64_t)st.dropped));
			json_object_object_add(h, "last_success", st.last_success ? json_object_new_int64(st.last_success) : NULL);
			json_object_object_add(h, "last_error", st.last_error[0] ? json_object_new_string(st.last_error) : NULL);
			json_object_array_add(hooks, h);
		}
		json_object_object_add(o, "webhooks", hooks);
	}
	json_object_object_add(o, "heartbeats", gw_heartbeats_json(gw));
	if (gw->pool)
		json_object_object_add(o, "mqtt", gw_pool_status_json(gw));
	return o;
}

static void status_flush(struct gateway *gw)
{
	json_object *o = gw_status_json(gw);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = durable_write(gw->spool.root, "status.json", text, strlen(text), DURABLE_NOSYNC);

	if (rc < 0)
		log_debug("status.json: %s", strerror(-rc));
	json_object_put(o);
}

static void status_timer_cb(struct loop *l, struct loop_timer *t)
{
	struct gateway *gw = container_of(t, struct gateway, status_timer);

	(void)l;
	gw->status_written = loop_now();
	gw_pool_update(gw); /* first: status.json then shows the subscription as it is */
	status_flush(gw);
}

void gw_status_write(struct gateway *gw)
{
	int64_t wait = gw->status_written + STATUS_MIN_INTERVAL_MS - loop_now();

	if (!gw->status_timer.cb)
		loop_timer_init(&gw->status_timer, status_timer_cb);
	if (gw->status_timer.armed)
		return;
	loop_timer_set(&gw->loop, &gw->status_timer, wait > 0 ? wait : 0);
}
