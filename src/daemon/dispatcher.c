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
static void retry_timer_cb(struct loop *l, struct loop_timer *t);

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
	q->from_pool = m->from_pool;
	q->expires = m->expires;
	if (rec && rec->next_try > 0) {
		int64_t wait = rec->next_try - (int64_t)time(NULL);

		q->next_try = wait > 0 ? loop_now() + wait * 1000 : 0;
	}
	queue_push(gw, q);
	if (q->expires) {
		int64_t when = loop_now() + (q->expires - (int64_t)time(NULL) + 1) * 1000;

		if (when < gw->sweep_due)
			gw->sweep_due = when;
	}
	gw_status_write(gw); /* the queue depth shown by smsgate status */
	gw_alarms_poke(gw);
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
			if (q->on || q->final)
				continue;
			if (q->next_try > now) {
				if (!*soonest || q->next_try < *soonest)
					*soonest = q->next_try;
				continue;
			}
			/* Leave it to another modem if this one failed it and another can take it. */
			if (q->avoid[0] && strcmp(q->avoid, gm->m.cfg.name) == 0 && other_modem_ready(gw, gm))
				continue;
			if (gw_pool_holds(gw, q, soonest))
				continue;
			if (q->forwarding)
				gw_pool_unforward(gw, q);
			return q;
		}
	}
	return NULL;
}

#define FINISH_RETRY_MS 1000     /* final files that could not be written: tried again this often */
#define EXPIRED_REASON "expired: its validity ran out before it could be sent"

static void retry_at(struct gateway *gw, int64_t when)
{
	if (when < gw->sweep_due)
		gw->sweep_due = when;
	if (!gw->retry_timer.cb)
		loop_timer_init(&gw->retry_timer, retry_timer_cb);
	if (!gw->retry_timer.armed || gw->retry_timer.due > when)
		loop_timer_set(&gw->loop, &gw->retry_timer, when - loop_now());
}

/* Writes the final files of a finished message (rec: sent or failed),
 * then runs the event handler and lets go of it. When they cannot be
 * written (a full disk), the message stays in queue/ and in memory and
 * gw_dispatch tries again: it went out already, so it must be neither
 * sent twice nor dropped until a restart. */
static void conclude(struct gateway *gw, struct qmsg *q, struct msg_record *rec, const struct modem *m)
{
	char mr[8];
	bool sent = rec->state == MSG_SENT || rec->state == MSG_DELIVERED; /* else failed/ (cancelled too) */
	int rc = gw_finish_files(gw, m, rec, sent ? NULL : rec->last_error);

	if (rc < 0 && rc != -ENOENT) {
		if (!q->final) {
			q->final = malloc(sizeof(*q->final));
			if (!q->final) {
				log_error("message %s: cannot write its final files: %s; finished at the next start",
					  q->id, strerror(-rc));
				goto drop;
			}
			*q->final = *rec; /* with the final name, if one was decided */
			log_error("message %s: cannot write its final files: %s; trying again every %d s", q->id,
				  strerror(-rc), FINISH_RETRY_MS / 1000);
		}
		q->final_modem = m;
		q->on = NULL;
		q->next_try = loop_now() + FINISH_RETRY_MS;
		retry_at(gw, q->next_try);
		return;
	}
	if (rc == -ENOENT) {
		log_error("message %s: its file vanished from queue/", q->id);
	} else if (q->final) {
		log_info("message %s: final files written at last", q->id);
	}
	if (rc == 0 && sent) {
		snprintf(mr, sizeof(mr), "%u", rec->parts_done ? rec->mr[rec->parts_done - 1] : 0);
		hooks_event(gw->hooks, "SENT", "sent", rec->final, mr);
	} else if (rc == 0 && rec->state != MSG_FORWARDED) {
		hooks_event(gw->hooks, "FAILED", "failed", rec->final, NULL);
	}
	if (rc == 0)
		gw_event_message(gw, rec);
drop:
	queue_remove(gw, q);
	free(q->final);
	free(q);
	gw_pool_release(gw);
	gw_status_write(gw);
}

/* Acceptance (the ID's own time stamp) to now, into the histogram. */
static void gw_observe_latency(struct gateway *gw, const char *id)
{
	static const double buckets[] = GW_LATENCY_BUCKETS;
	char ms_hex[12];
	struct timespec ts;
	double secs;
	size_t b = 0;

	memcpy(ms_hex, id, 11);
	ms_hex[11] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	secs = ((double)ts.tv_sec * 1000 + (double)(ts.tv_nsec / 1000000) - (double)strtoull(ms_hex, NULL, 16)) / 1000;
	if (secs < 0)
		secs = 0;
	while (b < ARRAY_SIZE(buckets) && secs > buckets[b])
		b++;
	gw->latency_count[b]++;
	gw->latency_sum += secs;
}

/* Ends a message: counters, reports to wait for, final files, memory. */
static void finish(struct gw_modem *gm, enum msg_state state, const char *reason)
{
	struct gateway *gw = gm->gw;
	struct qmsg *q = gm->cur;

	gm->rec.state = state;
	gm->rec.updated = gm->rec.done_at = (int64_t)time(NULL);
	if (reason)
		str_copy(gm->rec.last_error, sizeof(gm->rec.last_error), reason);
	gw->last_progress = loop_now();
	if (state == MSG_SENT) {
		gw_observe_latency(gw, q->id);
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
	} else {
		gw->failed_total++;
		log_warn("message %s to %s failed: %s", q->id, gm->rec.to, reason ? reason : msg_state_name(state));
	}
	gm->cur = NULL;
	q->on = NULL;
	outmsg_free(&gm->msg);
	conclude(gw, q, &gm->rec, &gm->m);
	gw_alarms_poke(gw); /* progress */
}

void gw_finish_claimed(struct gateway *gw, struct msg_record *rec)
{
	struct qmsg *q = calloc(1, sizeof(*q));

	if (!q) {
		log_error("message %s: out of memory; it is finished at the next start", rec->id);
		return;
	}
	str_copy(q->id, sizeof(q->id), rec->id);
	queue_push(gw, q);
	conclude(gw, q, rec, NULL);
}

/* A message nobody could send before its validity ran out. */
static void expire(struct gateway *gw, struct qmsg *q)
{
	struct msg_record rec;

	if (msg_record_load(&gw->spool, SPOOL_QUEUE, q->id, &rec) < 0)
		msg_record_init(&rec, q->id);
	rec.state = MSG_FAILED;
	rec.updated = rec.done_at = (int64_t)time(NULL);
	str_copy(rec.last_error, sizeof(rec.last_error), EXPIRED_REASON);
	gw->failed_total++;
	log_warn("message %s to %s failed: %s", q->id, rec.to, EXPIRED_REASON);
	conclude(gw, q, &rec, NULL);
}

/* Messages no modem holds: final files to write again, validity to check
 * even while no modem is ready. */
static void sweep_waiting(struct gateway *gw, int64_t *soonest)
{
	int64_t now = loop_now(), wall = (int64_t)time(NULL);

	for (int p = 0; p < 2; p++) {
		struct qmsg *next;

		for (struct qmsg *q = gw->head[p]; q; q = next) {
			int64_t when = 0;

			next = q->next; /* conclude may free q */
			if (q->on || q->forwarding)
				continue;
			if (q->final && q->next_try <= now)
				conclude(gw, q, q->final, q->final_modem);
			else if (q->final)
				when = q->next_try;
			else if (q->expires && wall > q->expires)
				expire(gw, q);
			else if (q->expires)
				when = now + (q->expires - wall + 1) * 1000;
			if (when && (!*soonest || when < *soonest))
				*soonest = when;
		}
	}
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
		finish(gm, MSG_FAILED, EXPIRED_REASON);
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
	/* The sweep walks the whole queue: only when something in it is due
	 * (a validity, a final file to write again), not per message. */
	if (gw->sweep_due <= loop_now()) {
		int64_t due = 0;

		gw->sweep_due = INT64_MAX;
		sweep_waiting(gw, &due);
		if (due && due < gw->sweep_due)
			gw->sweep_due = due;
		soonest = due;
	}
	for (unsigned i = 0; i < gw->nmodems && !gw->restart_pending; i++) {
		struct gw_modem *gm = &gw->modems[i];

		while (!gm->cur && modem_can_send(&gm->m)) {
			struct qmsg *q = pick(gw, gm, &soonest);

			if (!q)
				break;
			start(gm, q);
		}
	}
	gw_pool_forward(gw);
	if (soonest)
		retry_at(gw, soonest);
}

void gw_forwarded(struct gateway *gw, struct qmsg *q, const char *how)
{
	struct msg_record rec;

	struct outmsg m;
	char why[160];

	if (msg_record_load(&gw->spool, SPOOL_QUEUE, q->id, &rec) < 0)
		msg_record_init(&rec, q->id);
	if (!rec.to[0] && gw_load_message(gw, q->id, &m, why, sizeof(why)) == 0) {
		/* never started here: its recipient is only in the message file */
		str_copy(rec.to, sizeof(rec.to), m.to);
		outmsg_free(&m);
	}
	rec.state = MSG_FORWARDED;
	rec.updated = rec.done_at = (int64_t)time(NULL);
	str_copy(rec.last_error, sizeof(rec.last_error), how);
	gw->last_progress = loop_now();
	log_info("message %s: %s", q->id, how);
	conclude(gw, q, &rec, NULL);
}

void gw_modem_state_changed(void *ctx, struct modem *m)
{
	struct gw_modem *gm = ctx;

	(void)m;
	gw_status_write(gm->gw);
	/* Before dispatching: an alarm or a summary it queues goes out first. */
	gw_alarms_check(gm->gw);
	gw_dispatch(gm->gw);
}

int gw_cancel(struct gateway *gw, const char *id)
{
	for (int p = 0; p < 2; p++) {
		for (struct qmsg *q = gw->head[p]; q; q = q->next) {
			struct msg_record rec;

			if (strcmp(q->id, id) != 0)
				continue;
			if (q->on || q->final || q->forwarding)
				return -EBUSY;
			if (msg_record_load(&gw->spool, SPOOL_QUEUE, q->id, &rec) < 0)
				msg_record_init(&rec, q->id);
			if (rec.parts_done > 0)
				return -EBUSY; /* part of it is out already */
			rec.state = MSG_CANCELLED;
			rec.updated = rec.done_at = (int64_t)time(NULL);
			str_copy(rec.last_error, sizeof(rec.last_error), "cancelled");
			log_info("message %s to %s cancelled", q->id, rec.to);
			conclude(gw, q, &rec, NULL);
			return 0;
		}
	}
	return -ENOENT;
}
