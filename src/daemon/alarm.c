/*
 * Self-alarms: the gateway's own trouble goes to a person, through any
 * modem that still works (or, when none does, as soon as one does again):
 *
 *   no modem can send for alarm_no_send       -> "no modem can send ...", and a
 *                                                summary once one can again
 *   one modem cannot send for alarm_no_send   -> "modem a cannot send ..." (with
 *     (another one can)                          two or more modems), "... sends again"
 *   a SIM that needs a human (PIN rejected,   -> at once
 *     PUK, no PIN configured)
 *   the spool's file system alarm_spool_full % used
 *   queued messages, a modem able to send, nothing sent or failed for alarm_stuck
 *   a modem's line lost alarm_resets times in its period
 *
 * Each condition raises one alarm and stays raised until it clears: a
 * flapping modem or a full disk is one SMS, not a storm. Everything is
 * logged; the SMS goes to [gateway] admin when there is one. Heartbeat
 * alarms (heartbeat.c) take the same way out, gw_alarm().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "durable.h"
#include "gateway.h"
#include "log.h"
#include "request.h"
#include "util.h"

#define SPOOL_CHECK_MS 60000    /* statvfs this often */
#define SPOOL_HYSTERESIS 5      /* percent below the threshold before the spool alarm clears */

static const char *const kind_names[] = {
	[GW_ALARM_NO_SEND] = "no-send",
	[GW_ALARM_SEND_RESUMED] = "send-resumed",
	[GW_ALARM_MODEM_DOWN] = "modem-down",
	[GW_ALARM_MODEM_UP] = "modem-up",
	[GW_ALARM_SIM_LOCKED] = "sim-locked",
	[GW_ALARM_SPOOL_FULL] = "spool-full",
	[GW_ALARM_QUEUE_STUCK] = "queue-stuck",
	[GW_ALARM_MODEM_RESETS] = "modem-resets",
	[GW_ALARM_HEARTBEAT_SILENT] = "heartbeat-silent",
	[GW_ALARM_HEARTBEAT_BACK] = "heartbeat-back",
};

const char *gw_alarm_kind_name(enum gw_alarm_kind k)
{
	return (size_t)k < ARRAY_SIZE(kind_names) && kind_names[k] ? kind_names[k] : "unknown";
}

void gw_duration_text(char *buf, size_t n, int64_t secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 60)
		snprintf(buf, n, "%lld s", (long long)secs);
	else if (secs < 3600)
		snprintf(buf, n, "%lld min", (long long)(secs / 60));
	else if (secs < 86400)
		snprintf(buf, n, "%lld h %lld min", (long long)(secs / 3600), (long long)(secs % 3600 / 60));
	else
		snprintf(buf, n, "%lld d %lld h", (long long)(secs / 86400), (long long)(secs % 86400 / 3600));
}

/* One recipient's file, already built, into queue/ and the dispatcher. */
static int queue_file(struct gateway *gw, const char *data, size_t len, char *why, size_t whylen)
{
	struct msg_record rec;
	struct outmsg om;
	char id[SPOOL_ID_LEN + 1];
	int rc;

	spool_new_id(id);
	rc = durable_write(gw->spool.dir[SPOOL_QUEUE], id, data, len, DURABLE_NOREPLACE | gw->spool.sync);
	if (rc < 0) {
		snprintf(why, whylen, "the spool refused it: %s", strerror(-rc));
		return rc;
	}
	rc = gw_load_message(gw, id, &om, why, whylen);
	if (rc < 0)
		return rc;
	msg_record_init(&rec, id);
	str_copy(rec.to, sizeof(rec.to), om.to);
	rc = gw_admit(gw, id, &rec, &om);
	log_info("message %s to %s queued by the gateway", id, om.to);
	outmsg_free(&om);
	if (rc < 0) {
		snprintf(why, whylen, "out of memory");
		return rc;
	}
	return 0;
}

int gw_queue_text(struct gateway *gw, const char *to, const char *text, bool high, char *why, size_t whylen)
{
	struct msg_req m = { 0 };
	struct msg_files files;
	int rc = 0;

	m.to[0] = to;
	m.to_len[0] = strlen(to);
	m.nto = 1;
	m.text = text;
	m.text_len = strlen(text);
	m.high = high;
	/* to may name a [group]: one message per member. */
	if (req_expand_groups(&m, gw->cfg.group, gw->cfg.ngroup, why, whylen) < 0)
		return -EINVAL;
	rc = req_prepare(&m, gw->cfg.gateway.max_parts, &files, why, whylen);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < files.n && rc == 0; i++)
		rc = queue_file(gw, files.data[i], files.len[i], why, whylen);
	req_files_free(&files);
	gw_dispatch(gw);
	return rc;
}

int gw_alarm(struct gateway *gw, enum gw_alarm_kind kind, const char *to, const char *text)
{
	char why[192];
	int rc;

	if (!to)
		to = gw->cfg.gateway.admin[0] ? gw->cfg.gateway.admin : NULL;
	log_warn("alarm %s: %s%s%s", gw_alarm_kind_name(kind), text, to ? " -> " : " (no admin to tell)",
		 to ? to : "");
	gw_event_alarm(gw, gw_alarm_kind_name(kind), to, text); /* webhooks and MQTT, admin or not */
	if (!to)
		return 0;
	rc = gw_queue_text(gw, to, text, true, why, sizeof(why));
	if (rc < 0) {
		log_error("alarm %s: the SMS to %s could not be queued: %s", gw_alarm_kind_name(kind), to, why);
		return rc;
	}
	if (gw->alarms.nosend_since)
		gw->alarms.nosend_alarms++;
	return 0;
}

static bool can_send(const struct modem *m)
{
	return m->st.state == MODEM_READY || m->st.state == MODEM_SENDING;
}

/* Why a modem cannot send, in a few words. */
static void modem_why(char *buf, size_t n, const struct modem *m)
{
	switch (m->st.state) {
	case MODEM_REGISTERING:
		snprintf(buf, n, "no network");
		break;
	case MODEM_SIM_LOCKED:
		snprintf(buf, n, "SIM locked: %s", m->st.sim[0] ? m->st.sim : "needs a PIN");
		break;
	case MODEM_SIM_WAIT:
		snprintf(buf, n, "SIM %s", m->st.sim[0] ? m->st.sim : "not ready");
		break;
	case MODEM_INIT:
		snprintf(buf, n, "modem not answering");
		break;
	default:
		snprintf(buf, n, "no modem%s%s", m->st.last_error[0] ? ": " : "", m->st.last_error);
		break;
	}
}

static void clock_text(char *buf, size_t n, int64_t mono)
{
	time_t t = time(NULL) - (time_t)((loop_now() - mono) / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, n, "%H:%M", &tm))
		snprintf(buf, n, "?");
}

static void alarm_timer_cb(struct loop *l, struct loop_timer *t)
{
	struct gateway *gw = container_of(t, struct gateway, alarms.timer);

	(void)l;
	gw_alarms_check(gw);
}

void gw_alarms_start(struct gateway *gw)
{
	struct gw_alarms *a = &gw->alarms;

	loop_timer_init(&a->timer, alarm_timer_cb);
	a->progress_seen = gw->sent_total + gw->failed_total;
	gw_alarms_check(gw);
}

void gw_alarms_poke(struct gateway *gw)
{
	struct gw_alarms *a = &gw->alarms;

	if (a->timer.cb && (!a->timer.armed || a->timer.due > loop_now()))
		loop_timer_set(&gw->loop, &a->timer, 0);
}

static void next_at(int64_t *next, int64_t when)
{
	if (when > loop_now() && (!*next || when < *next))
		*next = when;
}

static void check_modem(struct gateway *gw, unsigned i, bool other_can_send, int64_t *next)
{
	const struct config_gateway *c = &gw->cfg.gateway;
	struct gw_alarm_modem *am = &gw->alarms.modem[i];
	const struct modem *m = &gw->modems[i].m;
	const char *name = m->cfg.name;
	int64_t now = loop_now(), thr = (int64_t)c->alarm_no_send * 1000;
	char text[320], dur[32], at[16];

	if (can_send(m)) {
		bool was_raised = am->down_since && am->down_raised;

		gw_duration_text(dur, sizeof(dur), (now - am->down_since) / 1000);
		snprintf(text, sizeof(text), "smsgate: modem %s sends again after %s (%s)", name, dur, am->down_why);
		am->down_since = 0;
		am->down_raised = false;
		am->sim_raised = false;
		if (was_raised)
			gw_alarm(gw, GW_ALARM_MODEM_UP, NULL, text);
	} else {
		if (!am->down_since)
			am->down_since = now;
		if (!am->down_raised)
			modem_why(am->down_why, sizeof(am->down_why), m);
		/* With one modem, "no modem can send" says it all. */
		if (gw->nmodems > 1 && thr && !am->down_raised) {
			if (now - am->down_since >= thr && other_can_send) {
				am->down_raised = true;
				gw_duration_text(dur, sizeof(dur), (now - am->down_since) / 1000);
				clock_text(at, sizeof(at), am->down_since);
				snprintf(text, sizeof(text), "smsgate: modem %s cannot send since %s (%s): %s", name, at, dur,
					 am->down_why);
				gw_alarm(gw, GW_ALARM_MODEM_DOWN, NULL, text);
			} else {
				next_at(next, am->down_since + thr);
			}
		}
		if (m->st.state == MODEM_SIM_LOCKED && !am->sim_raised) {
			am->sim_raised = true;
			snprintf(text, sizeof(text), "smsgate: modem %s: SIM locked (%s); it needs a person", name,
				 m->st.sim[0] ? m->st.sim : "PIN");
			gw_alarm(gw, GW_ALARM_SIM_LOCKED, NULL, text);
		}
	}

	/* Line losses in the last period (a reload restarts the counters). */
	if (m->st.reconnects < am->reconnects_seen)
		am->reconnects_seen = m->st.reconnects;
	for (; am->reconnects_seen < m->st.reconnects; am->reconnects_seen++) {
		am->resets_at[am->resets_head] = now;
		am->resets_head = (uint8_t)((am->resets_head + 1) % CONFIG_RATE_MAX);
		if (am->resets_n < CONFIG_RATE_MAX)
			am->resets_n++;
	}
	if (c->alarm_resets.count) {
		unsigned n = c->alarm_resets.count, recent = 0;
		int64_t window = (int64_t)c->alarm_resets.period * 1000;

		for (unsigned k = 0; k < am->resets_n; k++) {
			int64_t t = am->resets_at[(am->resets_head + CONFIG_RATE_MAX - 1 - k) % CONFIG_RATE_MAX];

			if (now - t < window)
				recent++;
		}
		if (recent >= n && !am->resets_raised) {
			am->resets_raised = true;
			gw_duration_text(dur, sizeof(dur), c->alarm_resets.period);
			snprintf(text, sizeof(text), "smsgate: modem %s lost its line %u times within %s (last error: %s)",
				 name, recent, dur, m->st.last_error[0] ? m->st.last_error : "none");
			gw_alarm(gw, GW_ALARM_MODEM_RESETS, NULL, text);
		} else if (recent < n && am->resets_raised) {
			am->resets_raised = false;
			log_info("alarm modem-resets: modem %s is steady again", name);
		}
	}
}

static void check_spool(struct gateway *gw, int64_t *next)
{
	struct gw_alarms *a = &gw->alarms;
	unsigned thr = gw->cfg.gateway.alarm_spool_full;
	struct statvfs sv;
	char text[320];

	if (loop_now() < a->spool_next) {
		next_at(next, a->spool_next);
		return;
	}
	a->spool_next = loop_now() + SPOOL_CHECK_MS;
	next_at(next, a->spool_next);
	if (!thr || fstatvfs(gw->spool.root, &sv) < 0 || sv.f_blocks == 0)
		return;
	{
		/* df's "Use%": of what ordinary users may have, rounded up. */
		unsigned long long used = (unsigned long long)(sv.f_blocks - sv.f_bfree);
		unsigned long long avail = (unsigned long long)sv.f_bavail;
		unsigned long long total = used + avail;
		unsigned pct = total ? (unsigned)((used * 100 + total - 1) / total) : 0;
		double free_mib = (double)avail * (double)sv.f_frsize / (1024.0 * 1024.0);

		if (pct >= thr && !a->spool_raised) {
			a->spool_raised = true;
			snprintf(text, sizeof(text), "smsgate: spool %s is %u%% full (%.1f MiB free)", gw->cfg.gateway.spool,
				 pct, free_mib);
			gw_alarm(gw, GW_ALARM_SPOOL_FULL, NULL, text);
		} else if (a->spool_raised && pct + SPOOL_HYSTERESIS < thr) {
			a->spool_raised = false;
			log_info("alarm spool-full: spool %s is %u%% full again", gw->cfg.gateway.spool, pct);
		}
	}
}

void gw_alarms_check(struct gateway *gw)
{
	struct gw_alarms *a = &gw->alarms;
	const struct config_gateway *c = &gw->cfg.gateway;
	int64_t now = loop_now(), next = 0;
	uint64_t progress = gw->sent_total + gw->failed_total;
	unsigned ready = 0;
	char text[320], dur[32], at[16];

	if (!a->timer.cb || gw->stopping)
		return;
	/* An alarm queued from here dispatches, which changes modem states,
	 * which asks for a check: that one runs from the loop, after this. */
	if (a->checking) {
		gw_alarms_poke(gw);
		return;
	}
	a->checking = true;
	for (unsigned i = 0; i < gw->nmodems; i++)
		ready += can_send(&gw->modems[i].m);
	for (unsigned i = 0; i < gw->nmodems; i++)
		check_modem(gw, i, ready > (unsigned)can_send(&gw->modems[i].m), &next);

	if (ready == 0) {
		if (!a->nosend_since)
			a->nosend_since = now;
		if (!a->nosend_raised) {
			size_t n = 0;

			a->nosend_why[0] = '\0';
			for (unsigned i = 0; i < gw->nmodems && n < sizeof(a->nosend_why); i++)
				n += (size_t)snprintf(a->nosend_why + n, sizeof(a->nosend_why) - n, "%s%s%s%s",
						      i ? "; " : "", gw->nmodems > 1 ? gw->modems[i].m.cfg.name : "",
						      gw->nmodems > 1 ? ": " : "", a->modem[i].down_why);
		}
		if (c->alarm_no_send && !a->nosend_raised) {
			if (now - a->nosend_since >= (int64_t)c->alarm_no_send * 1000) {
				a->nosend_raised = true;
				gw_duration_text(dur, sizeof(dur), (now - a->nosend_since) / 1000);
				clock_text(at, sizeof(at), a->nosend_since);
				snprintf(text, sizeof(text), "smsgate: no modem can send since %s (%s): %s", at, dur,
					 a->nosend_why);
				gw_alarm(gw, GW_ALARM_NO_SEND, NULL, text);
			} else {
				next_at(&next, a->nosend_since + (int64_t)c->alarm_no_send * 1000);
			}
		}
	} else if (a->nosend_since) {
		if (a->nosend_raised) {
			unsigned delayed = gw->queued > a->nosend_alarms ? gw->queued - a->nosend_alarms : 0;

			gw_duration_text(dur, sizeof(dur), (now - a->nosend_since) / 1000);
			snprintf(text, sizeof(text), "smsgate: could not send for %s (%s); %u message%s delayed", dur,
				 a->nosend_why, delayed, delayed == 1 ? "" : "s");
			a->nosend_since = 0; /* before the alarm: it is not one of the delayed */
			gw_alarm(gw, GW_ALARM_SEND_RESUMED, NULL, text);
		}
		a->nosend_since = 0;
		a->nosend_raised = false;
		a->nosend_alarms = 0;
	}

	/* The queue: work waiting while a modem could take it, and nothing moving. */
	if (progress != a->progress_seen || gw->queued == 0 || ready == 0) {
		if (a->stuck_raised && progress != a->progress_seen)
			log_info("alarm queue-stuck: the queue moves again");
		if (progress != a->progress_seen || gw->queued == 0)
			a->stuck_raised = false;
		a->progress_seen = progress;
		a->stuck_since = gw->queued && ready ? now : 0;
	} else if (!a->stuck_since) {
		a->stuck_since = now;
	}
	if (a->stuck_since && c->alarm_stuck && !a->stuck_raised) {
		if (now - a->stuck_since >= (int64_t)c->alarm_stuck * 1000) {
			a->stuck_raised = true;
			gw_duration_text(dur, sizeof(dur), (now - a->stuck_since) / 1000);
			snprintf(text, sizeof(text), "smsgate: queue not moving: %u message%s waiting, nothing sent for %s",
				 gw->queued, gw->queued == 1 ? "" : "s", dur);
			gw_alarm(gw, GW_ALARM_QUEUE_STUCK, NULL, text);
		} else {
			next_at(&next, a->stuck_since + (int64_t)c->alarm_stuck * 1000);
		}
	}

	check_spool(gw, &next);
	a->checking = false;
	if (a->timer.armed && a->timer.due <= loop_now())
		return; /* poked meanwhile: look again at once */
	if (next)
		loop_timer_set(&gw->loop, &a->timer, next - loop_now());
}
