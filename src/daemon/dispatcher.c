/*
 * The dispatcher: FIFO with high priority first; any ready idle modem
 * takes the next message and sends its parts in order; temporary errors
 * are retried with exponential back-off up to a cap, permanent ones fail
 * the message at once; a message whose modem dies goes back to the queue
 * for any other modem.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "durable.h"
#include "gateway.h"
#include "log.h"
#include "util.h"

static void submit_part(struct gw_modem *gm);

static void queue_push(struct gateway *gw, struct qmsg *q)
{
	int p = q->high ? 0 : 1;

	q->next = NULL;
	*gw->tail[p] = q;
	gw->tail[p] = &q->next;
	gw->queued++;
}

static void queue_remove(struct gateway *gw, struct qmsg *q)
{
	int p = q->high ? 0 : 1;

	for (struct qmsg **pp = &gw->head[p]; *pp; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			if (gw->tail[p] == &q->next)
				gw->tail[p] = pp;
			gw->queued--;
			return;
		}
	}
}

bool gw_busy(const struct gateway *gw)
{
	for (unsigned i = 0; i < gw->nmodems; i++) {
		if (gw->modems[i].cur)
			return true;
	}
	return false;
}

int gw_enqueue(struct gateway *gw, const char *id, const struct msg_record *rec, const struct outmsg *m)
{
	struct qmsg *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	str_copy(q->id, sizeof(q->id), id);
	q->high = m->high;
	q->expires = m->expires;
	if (rec && rec->next_try > 0) {
		int64_t wait = rec->next_try - (int64_t)time(NULL);

		q->next_try = wait > 0 ? loop_now() + wait * 1000 : 0;
	}
	queue_push(gw, q);
	return 0;
}

static int64_t backoff_ms(const struct config_gateway *c, unsigned attempts)
{
	int64_t d = (int64_t)c->retry_base * 1000;

	while (--attempts > 0 && d < (int64_t)c->retry_cap * 1000)
		d *= 2;
	return d < (int64_t)c->retry_cap * 1000 ? d : (int64_t)c->retry_cap * 1000;
}

static bool other_modem_ready(const struct gateway *gw, const struct gw_modem *gm)
{
	for (unsigned i = 0; i < gw->nmodems; i++) {
		if (&gw->modems[i] != gm && modem_can_send(&gw->modems[i].m))
			return true;
	}
	return false;
}

/* The next message this modem may take, or NULL; also the soonest retry. */
static struct qmsg *pick(struct gateway *gw, struct gw_modem *gm, int64_t *soonest)
{
	int64_t now = loop_now();

	for (int p = 0; p < 2; p++) {
		for (struct qmsg *q = gw->head[p]; q; q = q->next) {
			if (q->on)
				continue;
			if (q->next_try > now) {
				if (!*soonest || q->next_try < *soonest)
					*soonest = q->next_try;
				continue;
			}
			/* Leave it to another modem if this one failed it and another can take it. */
			if (q->avoid[0] && strcmp(q->avoid, gm->m.cfg.name) == 0 && other_modem_ready(gw, gm))
				continue;
			return q;
		}
	}
	return NULL;
}

/* Ends a message: final files, status record, event handler, memory. */
static void finish(struct gw_modem *gm, enum msg_state state, const char *reason)
{
	struct gateway *gw = gm->gw;
	struct qmsg *q = gm->cur;
	char final_name[SPOOL_NAME_MAX + 32];
	int rc;

	gm->rec.state = state;
	gm->rec.updated = gm->rec.done_at = (int64_t)time(NULL);
	if (reason)
		str_copy(gm->rec.last_error, sizeof(gm->rec.last_error), reason);
	rc = gw_finish_files(gw, gm, &gm->rec, reason, final_name, sizeof(final_name));
	if (rc < 0) {
		/* The message stays in queue/ and is finished again after a restart. */
		log_error("message %s: cannot write its final files: %s", q->id, strerror(-rc));
	}
	if (state == MSG_SENT) {
		gw->sent_total++;
		log_info("message %s to %s sent by %s in %u part(s), reference %u", q->id, gm->rec.to, gm->m.cfg.name,
			 gm->rec.parts, gm->rec.parts_done ? gm->rec.mr[gm->rec.parts_done - 1] : 0);
		if (gm->rec.report) {
			for (unsigned i = 0; i < gm->rec.parts_done; i++) {
				struct pending_report *p = &gw->reports[gw->reports_next];

				str_copy(p->id, sizeof(p->id), q->id);
				str_copy(p->to, sizeof(p->to), gm->rec.to);
				p->mr = gm->rec.mr[i];
				p->sent_at = (int64_t)time(NULL);
				gw->reports_next = (gw->reports_next + 1) % GW_REPORTS_MAX;
				if (gw->nreports < GW_REPORTS_MAX)
					gw->nreports++;
			}
		}
		if (rc == 0) {
			char mr[8];

			snprintf(mr, sizeof(mr), "%u", gm->rec.parts_done ? gm->rec.mr[gm->rec.parts_done - 1] : 0);
			hooks_event(gw->hooks, "SENT", "sent", final_name, mr);
		}
	} else {
		gw->failed_total++;
		log_warn("message %s to %s failed: %s", q->id, gm->rec.to, reason ? reason : msg_state_name(state));
		if (rc == 0)
			hooks_event(gw->hooks, "FAILED", "failed", final_name, NULL);
	}
	queue_remove(gw, q);
	free(q);
	gm->cur = NULL;
	outmsg_free(&gm->msg);
	gw_status_write(gw);
}

/* Back to the queue for a later try (temporary error, modem gone). */
static void requeue(struct gw_modem *gm, enum send_verdict v, const char *why)
{
	struct gateway *gw = gm->gw;
	struct qmsg *q = gm->cur;
	int64_t delay;
	int rc;

	gm->rec.attempts++;
	str_copy(gm->rec.last_error, sizeof(gm->rec.last_error), why);
	if (gw->cfg.gateway.retry_max && gm->rec.attempts >= gw->cfg.gateway.retry_max) {
		char reason[192];

		snprintf(reason, sizeof(reason), "gave up after %u attempts: %s", gm->rec.attempts, why);
		finish(gm, MSG_FAILED, reason);
		return;
	}
	delay = v == SEND_MODEM && other_modem_ready(gw, gm) ? 0 : backoff_ms(&gw->cfg.gateway, gm->rec.attempts);
	q->next_try = delay ? loop_now() + delay : 0;
	gm->rec.state = MSG_QUEUED;
	gm->rec.updated = (int64_t)time(NULL);
	gm->rec.next_try = delay ? gm->rec.updated + delay / 1000 : 0;
	if (v == SEND_MODEM)
		str_copy(q->avoid, sizeof(q->avoid), gm->m.cfg.name);
	rc = msg_record_save(&gw->spool, SPOOL_QUEUE, &gm->rec, 0);
	if (rc < 0)
		log_error("message %s: cannot save its state: %s", q->id, strerror(-rc));
	log_info("message %s: %s; try %u again in %lld s", q->id, why, gm->rec.attempts + 1, (long long)(delay / 1000));
	q->on = NULL;
	gm->cur = NULL;
	outmsg_free(&gm->msg);
}

static void submit_done(void *ctx, struct modem *m, int mr, const struct at_result *err, enum send_verdict v)
{
	struct gw_modem *gm = ctx;
	struct gateway *gw = gm->gw;
	char why[160];

	(void)m;
	if (!gm->cur)
		return;
	if (mr >= 0) {
		gm->rec.mr[gm->rec.parts_done++] = (uint8_t)mr;
		str_copy(gm->rec.modem, sizeof(gm->rec.modem), gm->m.cfg.name);
		gm->rec.updated = gm->rec.sent_at = (int64_t)time(NULL);
		if (gm->rec.parts_done == gm->rec.parts) {
			finish(gm, MSG_SENT, NULL);
		} else {
			/* Progress is saved so a crash resends at most the part in flight. */
			int rc = msg_record_save(&gw->spool, SPOOL_QUEUE, &gm->rec, 0);

			if (rc < 0)
				log_error("message %s: cannot save its progress: %s", gm->cur->id, strerror(-rc));
			submit_part(gm);
			return;
		}
	} else {
		at_result_describe(why, sizeof(why), err);
		if (v == SEND_PERMANENT)
			finish(gm, MSG_FAILED, why);
		else
			requeue(gm, v, why);
	}
	gw_dispatch(gw);
}

static void submit_part(struct gw_modem *gm)
{
	uint8_t pdu[SMS_PDU_MAX];
	char hex[2 * SMS_PDU_MAX + 1];
	size_t tpdu;
	ssize_t n = sms_submit_encode(pdu, sizeof(pdu), &tpdu, &gm->opts, &gm->plan, gm->msg.text, gm->rec.parts_done);
	int rc;

	if (n < 0 || hex_encode(hex, sizeof(hex), pdu, (size_t)n) < 0) {
		finish(gm, MSG_FAILED, "the text could not be encoded");
		return;
	}
	gm->rec.state = MSG_SENDING;
	rc = modem_submit(&gm->m, hex, (unsigned)tpdu, submit_done, gm);
	if (rc < 0) {
		char why[64];

		snprintf(why, sizeof(why), "modem %s could not take it: %s", gm->m.cfg.name, strerror(-rc));
		requeue(gm, SEND_MODEM, why);
	}
}

/* Loads the message and starts its first unsent part on this modem. */
static void start(struct gw_modem *gm, struct qmsg *q)
{
	struct gateway *gw = gm->gw;
	char why[160];
	unsigned max_parts;
	size_t bad;
	int rc;

	gm->cur = q;
	q->on = gm;
	rc = msg_record_load(&gw->spool, SPOOL_QUEUE, q->id, &gm->rec);
	if (rc < 0)
		msg_record_init(&gm->rec, q->id);
	memset(&gm->msg, 0, sizeof(gm->msg));
	if (gw_load_message(gw, q->id, &gm->msg, why, sizeof(why)) < 0) {
		finish(gm, MSG_FAILED, why);
		return;
	}
	str_copy(gm->rec.to, sizeof(gm->rec.to), gm->msg.to);
	gm->rec.report = gm->msg.report;
	if (gm->msg.expires && (int64_t)time(NULL) > gm->msg.expires) {
		finish(gm, MSG_FAILED, "expired: its validity ran out before it could be sent");
		return;
	}
	max_parts = gw->cfg.gateway.max_parts;
	if (gm->msg.max_parts && gm->msg.max_parts < max_parts)
		max_parts = gm->msg.max_parts;
	rc = sms_plan_text(&gm->plan, gm->msg.text, gm->msg.text_len, gm->msg.plan_flags, max_parts, &bad);
	if (rc == -EILSEQ) {
		snprintf(why, sizeof(why), "the text is not valid UTF-8 (byte %zu)", bad);
		finish(gm, MSG_FAILED, why);
		return;
	}
	if (rc == -EMSGSIZE) {
		snprintf(why, sizeof(why), "the text needs %u parts; at most %u are allowed (%s)", gm->plan.nparts,
			 max_parts, max_parts == 1 ? "Autosplit: 0" : "max_parts");
		finish(gm, MSG_FAILED, why);
		return;
	}
	if (gm->rec.parts && gm->rec.parts != gm->plan.nparts)
		gm->rec.parts_done = 0; /* max_parts or the text changed: start over */
	gm->rec.parts = gm->plan.nparts;
	memset(&gm->opts, 0, sizeof(gm->opts));
	sms_address_parse(&gm->opts.to, gm->msg.to);
	gm->opts.report = gm->msg.report;
	gm->opts.flash = gm->msg.flash;
	gm->opts.validity_minutes = gm->msg.validity_minutes;
	gm->opts.concat_ref = (uint8_t)strtoul(q->id + SPOOL_ID_LEN - 2, NULL, 16);
	if (gm->rec.parts_done >= gm->rec.parts) {
		finish(gm, MSG_SENT, NULL); /* all parts went out before a crash */
		return;
	}
	submit_part(gm);
}

static void retry_timer_cb(struct loop *l, struct loop_timer *t)
{
	struct gateway *gw = container_of(t, struct gateway, retry_timer);

	(void)l;
	gw_dispatch(gw);
}

void gw_dispatch(struct gateway *gw)
{
	int64_t soonest = 0;

	if (gw->stopping)
		return;
	if (!gw->retry_timer.cb)
		loop_timer_init(&gw->retry_timer, retry_timer_cb);
	for (unsigned i = 0; i < gw->nmodems; i++) {
		struct gw_modem *gm = &gw->modems[i];

		while (!gm->cur && modem_can_send(&gm->m)) {
			struct qmsg *q = pick(gw, gm, &soonest);

			if (!q)
				break;
			start(gm, q);
		}
	}
	if (soonest)
		loop_timer_set(&gw->loop, &gw->retry_timer, soonest - loop_now());
}

void gw_modem_state_changed(void *ctx, struct modem *m)
{
	struct gw_modem *gm = ctx;

	(void)m;
	gw_status_write(gm->gw);
	gw_dispatch(gm->gw);
}
