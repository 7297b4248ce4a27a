/*
 * smsgated: argv, wiring, signals. The only file with process-wide state.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo.h"
#include "durable.h"
#include "gateway.h"
#include "http.h"
#include "log.h"
#include "notify.h"
#include "util.h"
#include "webhook.h"

#define STOP_GRACE_MS 90000     /* the longest submit (60 s) and then some */
#define REASM_SLOTS 64          /* parts of incoming concatenated messages held at once */

static struct gateway gateway;
static struct notify notifier;   /* systemd, when $NOTIFY_SOCKET says so */

static void usage(FILE *f)
{
	fputs("usage: smsgated -c CONFIG [--debug]\n"
	      "       smsgated --demo    (a simulated modem, no hardware needed)\n",
	      f);
}

static void modem_reset_done(struct proc *p, int status)
{
	struct gw_modem *gm = container_of(p, struct gw_modem, reset);
	char how[64];

	proc_status_str(status, how, sizeof(how));
	log_warn("modem %s: reset command finished: %s", gm->m.cfg.name, how);
}

static void modem_reset(void *ctx, struct modem *m)
{
	struct gw_modem *gm = ctx;
	const struct config_modem *cm = NULL;
	char line[CONFIG_CMD_SIZE], *argv[32];
	int rc;

	for (unsigned i = 0; i < gm->gw->cfg.nmodem; i++) {
		if (strcmp(gm->gw->cfg.modem[i].name, m->cfg.name) == 0)
			cm = &gm->gw->cfg.modem[i];
	}
	if (!cm || !cm->reset_command[0] || proc_running(&gm->reset))
		return;
	str_copy(line, sizeof(line), cm->reset_command);
	if (proc_split(line, argv, ARRAY_SIZE(argv)) <= 0)
		return;
	log_warn("modem %s: running reset command %s", m->cfg.name, argv[0]);
	rc = proc_run(&gm->reset, &gm->gw->loop, argv, 60000, modem_reset_done);
	if (rc < 0)
		log_error("modem %s: reset command %s: %s", m->cfg.name, argv[0], strerror(-rc));
}

static const struct modem_ops gw_modem_ops = {
	.state_changed = gw_modem_state_changed,
	.received = gw_received,
	.reset = modem_reset,
};

static void modem_config_from(struct modem_config *mc, const struct config_modem *c)
{
	modem_config_defaults(mc);
	str_copy(mc->name, sizeof(mc->name), c->name);
	str_copy(mc->device, sizeof(mc->device), c->device);
	str_copy(mc->pin, sizeof(mc->pin), c->pin);
	str_copy(mc->smsc, sizeof(mc->smsc), c->smsc);
	mc->baud = c->baud;
	mc->submit_timeout_ms = (int)c->submit_timeout * 1000;
	mc->poll_interval_ms = (int)c->poll_interval * 1000;
}

static void modems_start(struct gateway *gw)
{
	for (unsigned i = 0; i < gw->cfg.nmodem; i++) {
		struct gw_modem *gm = &gw->modems[i];
		struct modem_config mc;

		modem_config_from(&mc, &gw->cfg.modem[i]);
		gm->gw = gw;
		proc_init(&gm->reset);
		modem_init(&gm->m, &gw->loop, &mc, &gw_modem_ops, gm);
		modem_start(&gm->m);
	}
	gw->nmodems = gw->cfg.nmodem;
}

static bool modem_config_same(const struct config_modem *a, const struct config_modem *b)
{
	return strcmp(a->device, b->device) == 0 && a->baud == b->baud && strcmp(a->pin, b->pin) == 0 &&
	       strcmp(a->smsc, b->smsc) == 0 && a->submit_timeout == b->submit_timeout &&
	       a->poll_interval == b->poll_interval && strcmp(a->reset_command, b->reset_command) == 0;
}

static struct loop_timer restart_timer;

/* Restarts the modems with the settings now in gw->cfg once no submit is
 * in flight: a submit cut off would be sent again (a duplicate), and its
 * answer would meet the next session's first command. */
static void modems_restart_check(struct loop *l, struct loop_timer *t)
{
	struct gateway *gw = &gateway;
	bool idle = !gw_busy(gw);

	if (gw->stopping)
		return; /* the modems stop with the daemon */
	for (unsigned i = 0; idle && i < gw->nmodems; i++)
		idle = modem_idle(&gw->modems[i].m);
	if (!idle) {
		loop_timer_set(l, t, 50);
		return;
	}
	for (unsigned i = 0; i < gw->nmodems; i++)
		modem_stop(&gw->modems[i].m);
	gw->restart_pending = false;
	/* New modems, new conditions: the alarms of the old ones are forgotten. */
	memset(gw->alarms.modem, 0, sizeof(gw->alarms.modem));
	modems_start(gw);
	log_info("modems restarted with the reloaded settings");
	gw_dispatch(gw);
}

/* SIGHUP: the new file replaces the old one if it parses; modems whose
 * settings changed are restarted once their submit in flight is answered
 * (no new one is started meanwhile); the queue itself is on disk and in
 * memory, untouched. */
static void reload(struct gateway *gw)
{
	static struct config next, old;
	char err[256];
	bool same;

	if (config_load(&next, gw->config_path, err, sizeof(err)) < 0) {
		log_error("reload refused, the running config stays: %s", err);
		return;
	}
	if (strcmp(next.gateway.spool, gw->cfg.gateway.spool) != 0) {
		log_error("reload: the spool cannot change while running (restart smsgated); keeping %s",
			  gw->cfg.gateway.spool);
		str_copy(next.gateway.spool, sizeof(next.gateway.spool), gw->cfg.gateway.spool);
	}
	same = next.nmodem == gw->cfg.nmodem;
	for (unsigned i = 0; same && i < next.nmodem; i++)
		same = strcmp(next.modem[i].name, gw->cfg.modem[i].name) == 0 &&
		       modem_config_same(&next.modem[i], &gw->cfg.modem[i]);
	old = gw->cfg;
	gw->cfg = next;
	gw_heartbeats_reload(gw);
	log_set_level(gw->cfg.gateway.log_level);
	gw_webhooks_reload(gw, &old);
	gw_http_reload(gw);
	if (memcmp(&old.mqtt, &gw->cfg.mqtt, sizeof(old.mqtt)) != 0) {
		char why[256];

		gw_pool_stop(gw);
		if (gw_pool_start(gw, why, sizeof(why)) < 0)
			log_error("reload: mqtt: %s; the pool is left until this is fixed", why);
		else
			log_info("reload: mqtt restarted with the new settings");
	}
	log_info("config reloaded from %s (%u modems%s)", gw->config_path, gw->cfg.nmodem,
		 same ? ", unchanged" : ", restarting them");
	if (!same) {
		gw->restart_pending = true;
		if (!restart_timer.cb)
			loop_timer_init(&restart_timer, modems_restart_check);
		loop_timer_set(&gw->loop, &restart_timer, 0);
	}
	gw_dispatch(gw);
}

static struct loop_timer stop_timer;
static int64_t stop_deadline;

static void stop_check(struct loop *l, struct loop_timer *t)
{
	struct gateway *gw = &gateway;

	if (gw_busy(gw) && loop_now() < stop_deadline) {
		loop_timer_set(l, t, 50);
		return;
	}
	if (gw_busy(gw))
		log_warn("stopping with a submit still unanswered; it is sent again at the next start");
	loop_stop(l);
}

static void signal_cb(struct loop *l, struct loop_fd *h, uint32_t revents)
{
	struct signalfd_siginfo si;

	(void)revents;
	while (read(h->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			notify_reloading(&notifier);
			reload(&gateway);
			notify_ready(&notifier, "reloaded: %u modem(s), %u message(s) queued", gateway.nmodems, gateway.queued);
		} else if (!gateway.stopping) {
			notify_stopping(&notifier);
			/* SIGTERM/SIGINT: take nothing new, let the AT exchange in flight finish. */
			log_info("stopping: waiting for the submits in flight");
			gateway.stopping = true;
			stop_deadline = loop_now() + STOP_GRACE_MS;
			loop_timer_init(&stop_timer, stop_check);
			loop_timer_set(l, &stop_timer, 0);
		}
	}
}

static int signals_setup(struct loop *l, struct loop_fd *h)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	loop_fd_init(h, signal_cb);
	return loop_fd_add(l, h, fd, EPOLLIN);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "demo", no_argument, NULL, 'D' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gateway *gw = &gateway;
	static struct demo demo;
	struct loop_fd sigfd;
	const char *config_path = NULL;
	bool debug = false, demo_mode = false;
	char err[512];
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:dh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'D': demo_mode = true; break;
		case 'd': debug = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (!config_path && !demo_mode)) {
		usage(stderr);
		return 2;
	}
	log_setup("smsgated", debug ? LOG_LVL_DEBUG : LOG_LVL_INFO, LOG_TO_STDERR | (demo_mode ? 0 : LOG_TO_SYSLOG));
	if (demo_mode) {
		if (demo_prepare(&demo, argv[0], err, sizeof(err)) < 0) {
			log_error("demo: %s", err);
			return 1;
		}
		config_path = demo.config_path;
	}
	gw->config_path = config_path;
	if (config_load(&gw->cfg, config_path, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return 1;
	}
	if (!debug)
		log_set_level(gw->cfg.gateway.log_level);
	if (spool_open(&gw->spool, gw->cfg.gateway.spool, err, sizeof(err)) < 0) {
		log_error("spool: %s", err);
		return 1;
	}
	if (getenv("SMSGATE_NO_FSYNC")) /* benchmarks of everything but the disk; never in production */
		gw->spool.sync = DURABLE_NOSYNC;
	if ((rc = loop_init(&gw->loop)) < 0 || (rc = signals_setup(&gw->loop, &sigfd)) < 0) {
		log_error("startup: %s", strerror(-rc));
		return 1;
	}
	gw->started = loop_now();
	gw->tail[0] = &gw->head[0];
	gw->tail[1] = &gw->head[1];
	gw->hooks = hooks_new(gw);
	gw->reasm_slots = calloc(REASM_SLOTS, sizeof(*gw->reasm_slots));
	if (!gw->hooks || !gw->reasm_slots) {
		log_error("startup: out of memory");
		return 1;
	}
	sms_reasm_init(&gw->reasm, gw->reasm_slots, REASM_SLOTS);
	/* Before recovery, which may finish messages and so make events. */
	if (gw_webhooks_start(gw, err, sizeof(err)) < 0) {
		log_error("webhooks: %s", err);
		return 1;
	}
	if (gw_pool_start(gw, err, sizeof(err)) < 0) {
		log_error("mqtt: %s", err);
		return 1;
	}
	/* Heartbeats before intake: an alarm due since before the start is
	 * queued ahead of what waits in outgoing/. */
	if ((rc = gw_recover_queue(gw)) < 0 || (rc = gw_incoming_start(gw)) < 0 || (rc = gw_heartbeats_start(gw)) < 0 ||
	    (rc = gw_intake_start(gw)) < 0) {
		log_error("startup: spool %s: %s", gw->cfg.gateway.spool, strerror(-rc));
		return 1;
	}
	modems_start(gw);
	gw_alarms_start(gw);
	gw_retention_start(gw);
	gw_dispatch(gw); /* validity of the recovered queue, final files still to write */
	if ((rc = gw_http_start(gw, err, sizeof(err))) < 0) {
		log_error("http: %s", err);
		return 1;
	}
	log_info("smsgated started: %u modem(s), spool %s, %u message(s) queued", gw->nmodems, gw->cfg.gateway.spool,
		 gw->queued);
	if (demo_mode)
		demo_announce(&demo);
	gw_status_write(gw);
	notify_init(&notifier, &gw->loop); /* logs its own errors; never fatal */
	notify_ready(&notifier, "%u modem(s), %u message(s) queued", gw->nmodems, gw->queued);
	rc = loop_run(&gw->loop);
	notify_close(&notifier);
	http_stop(gw->http);
	for (unsigned i = 0; i < gw->nmodems; i++)
		modem_stop(&gw->modems[i].m);
	gw_pool_stop(gw);
	hooks_free(gw->hooks);
	webhooks_free(gw->webhooks);
	if (demo_mode)
		demo_finish(&demo);
	spool_close(&gw->spool);
	log_info("smsgated stopped; %u message(s) stay queued", gw->queued);
	return rc < 0 ? 1 : 0;
}
