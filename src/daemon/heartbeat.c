/*
 * Dead-man's switches: [heartbeat NAME] to = ..., every = 5m. Something
 * (a cron job, the monitoring host) calls GET|POST /api/v1/heartbeat/NAME
 * or `smsgate heartbeat NAME`; when it stays silent past `every`, one SMS
 * goes out, and one more when it beats again.
 *
 * Time: in memory every silence is measured on the monotonic clock, so
 * the clock being set while running (NTP after boot, a person) neither
 * fires nor delays an alarm. On disk (spool/heartbeat/NAME, durable) the
 * start of the silence is kept in wall-clock milliseconds, so a restart
 * or a reboot continues it: a gateway that was down for an hour finds the
 * hour already gone. Each change of the clock noticed while running (wall
 * minus monotonic moving by more than CLOCK_STEP_MS) rewrites the files
 * in the new clock's terms. A clock that is behind the file at start-up
 * (a box without a real-time clock, before NTP) cannot tell how long it
 * was off: the silence then counts from the start.
 *
 * Delivery is at-least-once like every message: the SMS is queued, then
 * the state saying so is written; a crash in between sends it again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "gateway.h"
#include "log.h"
#include "util.h"

#define HEARTBEAT_DIR "heartbeat"
#define HEARTBEAT_FILE_MAX 512
#define CLOCK_LOOK_MS 60000     /* the clock is looked at least this often */
#define CLOCK_STEP_MS 2000      /* a larger change of wall minus monotonic is the clock being set */
#define RETRY_MS 5000           /* an alarm that could not be queued is tried again */

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int save(struct gateway *gw, const struct gw_heartbeat *hb)
{
	struct gw_heartbeats *hs = &gw->heartbeats;
	int64_t offset = wall_ms() - loop_now(); /* in the terms of the clock as it is now */
	char buf[HEARTBEAT_FILE_MAX];
	int n = snprintf(buf, sizeof(buf), "Since: %lld\nBeaten: %s\nAlarm: %lld\n", (long long)(hb->since + offset),
			 hb->beaten ? "yes" : "no", hb->alarm_sent ? (long long)(hb->alarm_at + offset) : 0LL);
	int rc = durable_write(hs->dirfd, hb->name, buf, (size_t)n, gw->spool.sync);

	if (rc < 0)
		log_error("heartbeat %s: cannot save its state in %s/%s: %s", hb->name, HEARTBEAT_DIR, hb->name,
			  strerror(-rc));
	return rc;
}

/* "NAME: DIGITS\n" at *p, as save() writes it: the number, or -1. */
static long long field_num(const char **p, const char *name)
{
	size_t n = strlen(name);
	const char *s = *p;
	long long v = 0;

	if (strncmp(s, name, n) != 0)
		return -1;
	s += n;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (*s != '\n')
		return -1;
	*p = s + 1;
	return v;
}

/* The file's wall-clock times onto the monotonic clock. -ENOENT: none yet. */
static int load(struct gateway *gw, struct gw_heartbeat *hb)
{
	struct gw_heartbeats *hs = &gw->heartbeats;
	long long since, alarm = -1;
	const char *p;
	char *buf;
	bool beaten = false, beaten_ok = false;
	ssize_t n = read_file_at(hs->dirfd, hb->name, HEARTBEAT_FILE_MAX, &buf);
	int64_t now = loop_now();

	if (n < 0)
		return (int)n;
	p = buf;
	since = field_num(&p, "Since: ");
	if (since >= 0 && (strncmp(p, "Beaten: yes\n", 12) == 0 || strncmp(p, "Beaten: no\n", 11) == 0)) {
		beaten = p[8] == 'y';
		beaten_ok = true;
		p += beaten ? 12 : 11;
		alarm = field_num(&p, "Alarm: ");
	}
	if (since < 0 || !beaten_ok || alarm < 0) {
		free(buf);
		log_error("heartbeat %s: %s/%s is damaged; its clock starts now", hb->name, HEARTBEAT_DIR, hb->name);
		return -EINVAL;
	}
	free(buf);
	hb->since = (int64_t)since - hs->offset;
	hb->beaten = beaten;
	hb->alarm_sent = alarm > 0;
	hb->alarm_at = alarm > 0 ? (int64_t)alarm - hs->offset : 0;
	if (hb->since > now) {
		log_warn("heartbeat %s: the clock is behind its last record by %lld s; its silence counts from now",
			 hb->name, (long long)((hb->since - now) / 1000));
		hb->since = now;
	}
	if (hb->alarm_at > now)
		hb->alarm_at = now;
	return 0;
}

static struct gw_heartbeat *find(struct gateway *gw, const char *name)
{
	for (unsigned i = 0; i < gw->heartbeats.n; i++) {
		if (strcmp(gw->heartbeats.hb[i].name, name) == 0)
			return &gw->heartbeats.hb[i];
	}
	return NULL;
}

static void time_text(char *buf, size_t n, int64_t mono)
{
	time_t t = (time_t)((mono + wall_ms() - loop_now()) / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, n, "?");
}

static void silent(struct gateway *gw, struct gw_heartbeat *hb)
{
	char text[CONFIG_TEXT_SIZE + 160], when[48], every[32];

	if (hb->cfg->text[0]) {
		str_copy(text, sizeof(text), hb->cfg->text);
	} else {
		time_text(when, sizeof(when), hb->since);
		gw_duration_text(every, sizeof(every), hb->cfg->every);
		if (hb->beaten)
			snprintf(text, sizeof(text), "smsgate: heartbeat %s is silent; last beat %s (expected every %s)",
				 hb->name, when, every);
		else
			snprintf(text, sizeof(text),
				 "smsgate: heartbeat %s is silent; no beat since it was set up %s (expected every %s)",
				 hb->name, when, every);
	}
	if (gw_alarm(gw, GW_ALARM_HEARTBEAT_SILENT, hb->cfg->to, text) < 0)
		return; /* tried again by the timer */
	hb->alarm_sent = true;
	hb->alarm_at = loop_now();
	save(gw, hb);
	gw_status_write(gw);
}

static void timer_cb(struct loop *l, struct loop_timer *t)
{
	struct gateway *gw = container_of(t, struct gateway, heartbeats.timer);
	struct gw_heartbeats *hs = &gw->heartbeats;
	int64_t now = loop_now(), offset = wall_ms() - now, next = now + CLOCK_LOOK_MS;

	(void)l;
	if (gw->stopping)
		return;
	if (offset - hs->offset > CLOCK_STEP_MS || hs->offset - offset > CLOCK_STEP_MS) {
		log_info("heartbeats: the clock was set by %+lld s; their records follow it",
			 (long long)((offset - hs->offset) / 1000));
		hs->offset = offset;
		for (unsigned i = 0; i < hs->n; i++)
			save(gw, &hs->hb[i]);
	}
	for (unsigned i = 0; i < hs->n; i++) {
		struct gw_heartbeat *hb = &hs->hb[i];
		int64_t due = hb->since + (int64_t)hb->cfg->every * 1000;

		if (hb->alarm_sent)
			continue;
		if (due <= now) {
			silent(gw, hb);
			if (!hb->alarm_sent && now + RETRY_MS < next)
				next = now + RETRY_MS;
		} else if (due < next) {
			next = due;
		}
	}
	loop_timer_set(&gw->loop, &hs->timer, next - now);
}

static void schedule_now(struct gateway *gw)
{
	loop_timer_set(&gw->loop, &gw->heartbeats.timer, 0);
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONFIG_NAME_SIZE)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!name_char(s[i]))
			return false;
	}
	return s[0] != '.';
}

/* Records of heartbeats no longer configured go: configured again later,
 * one starts afresh. */
static void forget_unconfigured(struct gateway *gw)
{
	DIR *d = dir_stream(gw->heartbeats.dirfd);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!valid_name(e->d_name) || find(gw, e->d_name))
			continue;
		log_info("heartbeat %s: no longer configured; its record is removed", e->d_name);
		durable_unlink(gw->heartbeats.dirfd, e->d_name, gw->spool.sync);
	}
	closedir(d);
}

/* The configured heartbeats, keeping the state of those known already. */
static void configure(struct gateway *gw)
{
	struct gw_heartbeats *hs = &gw->heartbeats;
	static struct gw_heartbeat next[CONFIG_HEARTBEATS_MAX];
	unsigned n = 0;

	for (unsigned i = 0; i < gw->cfg.nheartbeat && i < CONFIG_HEARTBEATS_MAX; i++) {
		const struct config_heartbeat *c = &gw->cfg.heartbeat[i];
		struct gw_heartbeat *old = find(gw, c->name), *hb = &next[n++];

		if (old) {
			*hb = *old;
		} else {
			memset(hb, 0, sizeof(*hb));
			str_copy(hb->name, sizeof(hb->name), c->name);
			if (load(gw, hb) < 0) {
				hb->since = loop_now();
				hb->beaten = false;
				hb->alarm_sent = false;
				log_info("heartbeat %s: its clock starts now (every %u s)", c->name, c->every);
				save(gw, hb);
			}
		}
		hb->cfg = c;
	}
	memcpy(hs->hb, next, n * sizeof(next[0]));
	hs->n = n;
	forget_unconfigured(gw);
}

int gw_heartbeats_start(struct gateway *gw)
{
	struct gw_heartbeats *hs = &gw->heartbeats;

	hs->n = 0;
	hs->offset = wall_ms() - loop_now();
	loop_timer_init(&hs->timer, timer_cb);
	if (mkdirat(gw->spool.root, HEARTBEAT_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	hs->dirfd = openat(gw->spool.root, HEARTBEAT_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (hs->dirfd < 0)
		return -errno;
	configure(gw);
	/* Now, not from the loop: an alarm due since before the start is
	 * queued ahead of the files intake is about to claim. */
	timer_cb(&gw->loop, &hs->timer);
	return 0;
}

void gw_heartbeats_reload(struct gateway *gw)
{
	if (gw->heartbeats.dirfd <= 0)
		return;
	configure(gw);
	schedule_now(gw);
}

int gw_heartbeat_beat(struct gateway *gw, const char *name)
{
	struct gw_heartbeat *hb = find(gw, name);
	char text[CONFIG_NAME_SIZE + 96], dur[32];
	int64_t now = loop_now();

	if (!hb)
		return -ENOENT;
	if (hb->alarm_sent) {
		gw_duration_text(dur, sizeof(dur), (now - hb->since) / 1000);
		snprintf(text, sizeof(text), "smsgate: heartbeat %s back after %s", hb->name, dur);
		/* Queued before the state says so: at least once, never lost. */
		if (gw_alarm(gw, GW_ALARM_HEARTBEAT_BACK, hb->cfg->to, text) < 0)
			return -EIO;
	}
	hb->since = now;
	hb->beaten = true;
	hb->alarm_sent = false;
	hb->alarm_at = 0;
	log_debug("heartbeat %s: beat", hb->name);
	if (save(gw, hb) < 0)
		return -EIO;
	schedule_now(gw);
	gw_status_write(gw); /* smsgate status shows the beat */
	return 0;
}

static json_object *hb_json(struct gateway *gw, const struct gw_heartbeat *hb)
{
	json_object *o = json_object_new_object();
	int64_t offset = wall_ms() - loop_now();
	int64_t due = hb->since + (int64_t)hb->cfg->every * 1000;
	const char *state = hb->alarm_sent ? "silent" : due <= loop_now() ? "late" : hb->beaten ? "ok" : "waiting";

	(void)gw;
	json_object_object_add(o, "name", json_object_new_string(hb->name));
	json_object_object_add(o, "to", json_object_new_string(hb->cfg->to));
	json_object_object_add(o, "every", json_object_new_int64(hb->cfg->every));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "last_beat", hb->beaten ? json_object_new_int64((hb->since + offset) / 1000) : NULL);
	json_object_object_add(o, "silent_since", json_object_new_int64((hb->since + offset) / 1000));
	json_object_object_add(o, "due", json_object_new_int64((due + offset) / 1000));
	json_object_object_add(o, "alarm_sent", hb->alarm_sent ? json_object_new_int64((hb->alarm_at + offset) / 1000)
							       : NULL);
	return o;
}

json_object *gw_heartbeat_json(struct gateway *gw, const char *name)
{
	struct gw_heartbeat *hb = find(gw, name);

	return hb ? hb_json(gw, hb) : NULL;
}

json_object *gw_heartbeats_json(struct gateway *gw)
{
	json_object *a = json_object_new_array();

	for (unsigned i = 0; i < gw->heartbeats.n; i++)
		json_object_array_add(a, hb_json(gw, &gw->heartbeats.hb[i]));
	return a;
}
