/*
 * Alert-storm control: monitoring floods happen and SMS cost money. Every
 * message passes here once on its way into the queue, whichever door it
 * came by (HTTP, a file in outgoing/, smsgate send), so one set of limits
 * holds for all of them:
 *
 *   rate_limit = N/PERIOD       at most N messages per recipient in any PERIOD
 *   suppress_duplicates = T     the same text to the same recipient again within T
 *   allow_prefixes = +49, +43   numbers that may receive at all
 *
 * A suppressed message is not dropped: it is finished as "suppressed"
 * (failed/ with Fail_reason, status/ID.st) and counted in /metrics. Only
 * admitted messages count against the limits, so a repeating alarm still
 * gets through once per window. The state is in memory (lost on restart)
 * and bounded (gateway.h: GW_LIMIT_*).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "log.h"
#include "smsfile.h"
#include "util.h"

#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

bool gw_number_allowed(const struct gateway *gw, const char *to)
{
	const struct config_prefixes *a = &gw->cfg.gateway.allow_prefixes;

	return smsfile_number_allowed(to, strlen(to), a->p[0], sizeof(a->p[0]), a->n);
}

/* The recipient's slot, or a slot to take for it (free, expired or the
 * stalest of the run). */
static struct gw_limit_rcpt *rcpt_slot(struct gw_limit *l, const char *to, int64_t horizon)
{
	size_t start = (size_t)(fnv1a(FNV_OFFSET, to, strlen(to)) % GW_LIMIT_RECIPIENTS);
	struct gw_limit_rcpt *victim = NULL;

	for (size_t i = 0; i < GW_LIMIT_PROBE; i++) {
		struct gw_limit_rcpt *s = &l->rcpt[(start + i) % GW_LIMIT_RECIPIENTS];

		if (s->to[0] && strcmp(s->to, to) == 0)
			return s;
		if (!s->to[0] || s->last <= horizon) {
			if (!victim || victim->to[0])
				victim = s;
		} else if (!victim || (victim->to[0] && s->last < victim->last)) {
			victim = s;
		}
	}
	memset(victim, 0, sizeof(*victim));
	return victim;
}

static struct gw_limit_text *text_slot(struct gw_limit *l, uint64_t fp, int64_t horizon)
{
	size_t start = (size_t)(fp % GW_LIMIT_TEXTS);
	struct gw_limit_text *victim = NULL;

	for (size_t i = 0; i < GW_LIMIT_PROBE; i++) {
		struct gw_limit_text *s = &l->text[(start + i) % GW_LIMIT_TEXTS];

		if (s->fp == fp)
			return s;
		if (!s->fp || s->at <= horizon) {
			if (!victim || victim->fp)
				victim = s;
		} else if (!victim || (victim->fp && s->at < victim->at)) {
			victim = s;
		}
	}
	victim->fp = 0;
	victim->at = 0;
	return victim;
}

static const char *period_text(char *buf, size_t n, unsigned secs)
{
	if (secs % 86400 == 0)
		snprintf(buf, n, "%ud", secs / 86400);
	else if (secs % 3600 == 0)
		snprintf(buf, n, "%uh", secs / 3600);
	else if (secs % 60 == 0)
		snprintf(buf, n, "%um", secs / 60);
	else
		snprintf(buf, n, "%us", secs);
	return buf;
}

enum gw_verdict gw_limit_check(struct gw_limit *l, const struct config_gateway *c, const char *to, const char *text,
			       size_t text_len, int64_t now, char *why, size_t whylen)
{
	struct gw_limit_rcpt *r = NULL;
	struct gw_limit_text *t = NULL;
	uint64_t fp = 0;
	char period[16];

	if (c->suppress_duplicates) {
		/* 0 marks a free slot, so a fingerprint is never 0. */
		fp = fnv1a(fnv1a(FNV_OFFSET, to, strlen(to) + 1), text, text_len) | 1;
		int64_t window = (int64_t)c->suppress_duplicates * 1000;

		t = text_slot(l, fp, now - window);
		if (t->fp == fp && now - t->at < window) {
			l->suppressed_duplicate++;
			snprintf(why, whylen, "suppressed: the same text to %s within %s (suppress_duplicates)", to,
				 period_text(period, sizeof(period), c->suppress_duplicates));
			return GW_SUPPRESS_DUPLICATE;
		}
	}
	if (c->rate_limit.count) {
		unsigned n = c->rate_limit.count;
		int64_t window = (int64_t)c->rate_limit.period * 1000;

		r = rcpt_slot(l, to, now - window);
		if (!r->to[0])
			str_copy(r->to, sizeof(r->to), to);
		/* The oldest of the last n admitted: if it is still inside the
		 * window, n have gone out within it already. */
		if (r->n >= n) {
			int64_t oldest = r->at[(r->head + CONFIG_RATE_MAX - n) % CONFIG_RATE_MAX];

			if (now - oldest < window) {
				l->suppressed_rate++;
				snprintf(why, whylen, "suppressed: rate limit of %u per %s reached for %s (rate_limit)", n,
					 period_text(period, sizeof(period), c->rate_limit.period), to);
				return GW_SUPPRESS_RATE;
			}
		}
		r->at[r->head] = now;
		r->head = (uint8_t)((r->head + 1) % CONFIG_RATE_MAX);
		if (r->n < CONFIG_RATE_MAX)
			r->n++;
		r->last = now;
	}
	if (t) {
		t->fp = fp;
		t->at = now;
	}
	return GW_ADMIT;
}

int gw_admit(struct gateway *gw, const char *id, struct msg_record *rec, const struct outmsg *m)
{
	struct timespec ts;
	enum gw_verdict v;
	char why[sizeof(rec->last_error)];

	if (!gw_number_allowed(gw, m->to)) {
		snprintf(why, sizeof(why), "refused: %s is not in allow_prefixes", m->to);
		log_warn("message %s refused: %s", id, why);
		rec->state = MSG_FAILED;
		goto finish;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	v = gw_limit_check(&gw->limit, &gw->cfg.gateway, m->to, m->text, m->text_len,
			   (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, why, sizeof(why));
	if (v == GW_ADMIT)
		return gw_enqueue(gw, id, rec, m);
	log_info("message %s %s", id, why);
	rec->state = MSG_SUPPRESSED;
finish:
	str_copy(rec->to, sizeof(rec->to), m->to);
	rec->updated = rec->done_at = (int64_t)time(NULL);
	str_copy(rec->last_error, sizeof(rec->last_error), why);
	if (rec->state == MSG_FAILED)
		gw->failed_total++;
	gw_finish_claimed(gw, rec);
	return rec->state == MSG_FAILED ? 2 : 1;
}
