/* smsgate-modemsim: argv, wiring, signals, the loop. The only file with
 * globals. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "modemsim.h"

static struct loop g_loop;
static struct ms_log g_log;
static struct ms_config g_cfg;
static struct ms_modem g_modem;
static struct ms_ctl g_ctl;
static int g_sigpipe[2] = { -1, -1 };
static struct loop_fd g_sig_h;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: smsgate-modemsim [OPTIONS]\n"
		"       smsgate-modemsim ctl SOCKET COMMAND [ARGS...]\n"
		"\n"
		"A GSM modem on a pseudo-terminal (V.250, TS 27.007, TS 27.005 PDU and text mode).\n"
		"\n"
		"Line and control:\n"
		"  --link PATH             symlink PATH to the pty slave (removed when the line drops)\n"
		"  --ctl PATH              control socket (see COMMAND below)\n"
		"  --log PATH              JSON-lines log: commands, results, submitted and delivered PDUs decoded\n"
		"  --ready-fd N            write the tty path and a newline to fd N once ready, then close it\n"
		"  --out-cap BYTES         output kept while nobody reads; the oldest is dropped beyond (65536)\n"
		"Device:\n"
		"  --profile NAME          generic|huawei|simcom|terse (generic)\n"
		"  --imei N, --imsi N      identities (356938035643809, 001010123456789)\n"
		"  --own-number NUM        what +CNUM shows (none)\n"
		"  --csq N                 signal, 0..31 (21)\n"
		"  --seed N                seed for jitter, random URCs and garbage (from the clock)\n"
		"  --urc-interval-ms A[,B] huawei: a ^RSSI/^MODE/^BOOT URC every A..B ms, 0 for none (3000,15000)\n"
		"  --urc-chance PCT        huawei: chance of a ^RSSI between AT+CMGS and its prompt (30)\n"
		"SIM and network:\n"
		"  --pin PIN               the SIM asks for this PIN (no PIN)\n"
		"  --puk PUK               the PUK after three wrong PINs (12345678)\n"
		"  --no-sim                start with the SIM slot empty\n"
		"  --smsc NUM              SMSC address on the SIM, \"\" for none (+491710760000)\n"
		"  --operator NAME         long name (Simulated Network); --operator-short NAME (SIMNET);\n"
		"  --plmn MCCMNC           numeric (00101)\n"
		"  --register-delay-ms N   searching before registered (2000)\n"
		"SMS:\n"
		"  --send-delay-ms N       time a submit takes before +CMGS (1000)\n"
		"  --report-delay-ms N     time from +CMGS to the status report (3000)\n"
		"  --report-status ST      TP-ST of status reports (0: delivered)\n"
		"  --first-mr N            first TP-MR handed out (0)\n"
		"  --sm-slots N            SIM message slots (30); --me-slots N: ME slots (100)\n"
		"  -h, --help              this text\n"
		"\n"
		"COMMAND (ctl), one JSON line back, exit status 0 when ok:\n"
		"  status                  line, SIM, registration, memories, counters\n"
		"  inject [--from NUM] [--ucs2] [--flash] [--reverse|--shuffle] TEXT...\n"
		"                          an incoming SMS (long texts as concatenated parts), routed per +CNMI\n"
		"  inject-pdu HEX          an incoming DELIVER or STATUS-REPORT PDU (with SMSC field)\n"
		"  report MR NUMBER [ST]   a status report for TP-MR MR to NUMBER\n"
		"  report-status ST        TP-ST of the automatic status reports from now on\n"
		"  drop [MS]               the line vanishes (pty closed, link removed); back after MS if given\n"
		"  restore                 a new pty and link after drop (the modem reboots); ends hang\n"
		"  hang                    stop answering anything until restore\n"
		"  garbage [N]             N random bytes on the line now (32); the reply shows them\n"
		"  cms-error N [COUNT]     the next COUNT submits (1) fail with +CMS ERROR N\n"
		"  deregister [STAT]       lose registration (+CREG stat 2, or 0/3/4)\n"
		"  register [home|roaming] regain it\n"
		"  sim-remove, sim-insert  the SIM leaves or comes back (PIN asked again)\n"
		"  delay MS                a slow network: each submit takes MS more, +-25%% jitter\n"
		"  csq N                   signal level\n"
		"  urc TEXT                an unsolicited line, as the modem would send it\n"
		"  power-cycle             reboot the modem (as AT+CFUN=1,1)\n");
}

enum {
	OPT_LINK = 256, OPT_CTL, OPT_LOG, OPT_READY_FD, OPT_OUT_CAP, OPT_PROFILE, OPT_IMEI, OPT_IMSI, OPT_OWN,
	OPT_CSQ, OPT_SEED, OPT_URC_INTERVAL, OPT_URC_CHANCE, OPT_PIN, OPT_PUK, OPT_NO_SIM, OPT_SMSC, OPT_OPERATOR,
	OPT_OPERATOR_SHORT, OPT_PLMN, OPT_REGISTER_DELAY, OPT_SEND_DELAY, OPT_REPORT_DELAY, OPT_REPORT_STATUS,
	OPT_FIRST_MR, OPT_SM_SLOTS, OPT_ME_SLOTS,
};

static const struct option long_opts[] = {
	{ "link", required_argument, NULL, OPT_LINK },
	{ "ctl", required_argument, NULL, OPT_CTL },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "ready-fd", required_argument, NULL, OPT_READY_FD },
	{ "out-cap", required_argument, NULL, OPT_OUT_CAP },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "imei", required_argument, NULL, OPT_IMEI },
	{ "imsi", required_argument, NULL, OPT_IMSI },
	{ "own-number", required_argument, NULL, OPT_OWN },
	{ "csq", required_argument, NULL, OPT_CSQ },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "urc-interval-ms", required_argument, NULL, OPT_URC_INTERVAL },
	{ "urc-chance", required_argument, NULL, OPT_URC_CHANCE },
	{ "pin", required_argument, NULL, OPT_PIN },
	{ "puk", required_argument, NULL, OPT_PUK },
	{ "no-sim", no_argument, NULL, OPT_NO_SIM },
	{ "smsc", required_argument, NULL, OPT_SMSC },
	{ "operator", required_argument, NULL, OPT_OPERATOR },
	{ "operator-short", required_argument, NULL, OPT_OPERATOR_SHORT },
	{ "plmn", required_argument, NULL, OPT_PLMN },
	{ "register-delay-ms", required_argument, NULL, OPT_REGISTER_DELAY },
	{ "send-delay-ms", required_argument, NULL, OPT_SEND_DELAY },
	{ "report-delay-ms", required_argument, NULL, OPT_REPORT_DELAY },
	{ "report-status", required_argument, NULL, OPT_REPORT_STATUS },
	{ "first-mr", required_argument, NULL, OPT_FIRST_MR },
	{ "sm-slots", required_argument, NULL, OPT_SM_SLOTS },
	{ "me-slots", required_argument, NULL, OPT_ME_SLOTS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v > max)
		return -EINVAL;
	return 0;
}

static bool digits_only(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int parse_args(int argc, char **argv, struct ms_config *c, int *ready_fd, bool *no_sim)
{
	unsigned long v, v2;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		const char *bad = NULL;
		char *comma;

		switch (opt) {
		case OPT_LINK: c->link = optarg; break;
		case OPT_CTL: c->ctl_path = optarg; break;
		case OPT_LOG: c->log_path = optarg; break;
		case OPT_READY_FD:
			if (parse_uint(optarg, 1 << 20, &v) < 0) bad = "--ready-fd";
			else *ready_fd = (int)v;
			break;
		case OPT_OUT_CAP:
			if (parse_uint(optarg, 64u << 20, &v) < 0 || v < 256) bad = "--out-cap";
			else c->out_cap = v;
			break;
		case OPT_PROFILE:
			c->profile = ms_profile_find(optarg);
			if (!c->profile) bad = "--profile";
			break;
		case OPT_IMEI:
			if (!digits_only(optarg, 14, 16)) bad = "--imei";
			else c->imei = optarg;
			break;
		case OPT_IMSI:
			if (!digits_only(optarg, 6, 15)) bad = "--imsi";
			else c->imsi = optarg;
			break;
		case OPT_OWN: c->own_number = optarg; break;
		case OPT_CSQ:
			if (parse_uint(optarg, 99, &v) < 0 || (v > 31 && v != 99)) bad = "--csq";
			else c->csq = (int)v;
			break;
		case OPT_SEED:
			if (parse_uint(optarg, 0xffffffffu, &v) < 0) bad = "--seed";
			else c->seed = (unsigned)v;
			break;
		case OPT_URC_INTERVAL:
			comma = strchr(optarg, ',');
			if (comma) *comma = '\0';
			if (parse_uint(optarg, 86400000, &v) < 0 || (comma && parse_uint(comma + 1, 86400000, &v2) < 0))
				bad = "--urc-interval-ms";
			else {
				c->urc_min_ms = (unsigned)v;
				c->urc_max_ms = comma ? (unsigned)v2 : (unsigned)v;
				if (c->urc_max_ms < c->urc_min_ms) bad = "--urc-interval-ms";
			}
			break;
		case OPT_URC_CHANCE:
			if (parse_uint(optarg, 100, &v) < 0) bad = "--urc-chance";
			else c->urc_chance = (unsigned)v;
			break;
		case OPT_PIN:
			if (!digits_only(optarg, 4, 8)) bad = "--pin";
			else c->pin = optarg;
			break;
		case OPT_PUK:
			if (!digits_only(optarg, 8, 8)) bad = "--puk";
			else c->puk = optarg;
			break;
		case OPT_NO_SIM: *no_sim = true; break;
		case OPT_SMSC: c->smsc = optarg; break;
		case OPT_OPERATOR: c->operator_name = optarg; break;
		case OPT_OPERATOR_SHORT: c->operator_short = optarg; break;
		case OPT_PLMN:
			if (!digits_only(optarg, 5, 6)) bad = "--plmn";
			else c->plmn = optarg;
			break;
		case OPT_REGISTER_DELAY:
			if (parse_uint(optarg, 3600000, &v) < 0) bad = "--register-delay-ms";
			else c->register_delay_ms = (unsigned)v;
			break;
		case OPT_SEND_DELAY:
			if (parse_uint(optarg, 3600000, &v) < 0) bad = "--send-delay-ms";
			else c->send_delay_ms = (unsigned)v;
			break;
		case OPT_REPORT_DELAY:
			if (parse_uint(optarg, 86400000, &v) < 0) bad = "--report-delay-ms";
			else c->report_delay_ms = (unsigned)v;
			break;
		case OPT_REPORT_STATUS:
			if (parse_uint(optarg, 255, &v) < 0) bad = "--report-status";
			else c->report_status = (uint8_t)v;
			break;
		case OPT_FIRST_MR:
			if (parse_uint(optarg, 255, &v) < 0) bad = "--first-mr";
			else c->first_mr = (uint8_t)v;
			break;
		case OPT_SM_SLOTS:
		case OPT_ME_SLOTS:
			if (parse_uint(optarg, MS_SLOTS_MAX, &v) < 0) {
				bad = opt == OPT_SM_SLOTS ? "--sm-slots" : "--me-slots";
				break;
			}
			if (opt == OPT_SM_SLOTS)
				c->sm_slots = (unsigned)v;
			else
				c->me_slots = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (bad) {
			fprintf(stderr, "smsgate-modemsim: bad value for %s: %s\n", bad, optarg);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "smsgate-modemsim: unexpected argument: %s\n", argv[optind]);
		return -EINVAL;
	}
	if (c->smsc && c->smsc[0]) {
		struct sms_address a;

		if (sms_address_parse(&a, c->smsc) < 0) {
			fprintf(stderr, "smsgate-modemsim: bad value for --smsc: %s\n", c->smsc);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- wiring ------------------------------------------------------------- */

static void on_line_input(struct ms_line *l, const uint8_t *buf, size_t n)
{
	ms_at_input(ms_container_of(l, struct ms_modem, line), buf, n);
}

static void log_line_state(struct ms_modem *m, const char *state)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "state", json_object_new_string(state));
	if (ms_line_up(&m->line))
		json_object_object_add(o, "tty", json_object_new_string(m->line.slave_path));
	ms_log_event(m->log, "line", o);
}

/* Everything a reboot forgets. */
static void modem_forget(struct ms_modem *m)
{
	ms_sms_abort(m);
	loop_timer_cancel(m->loop, &m->urc_timer);
	loop_timer_cancel(m->loop, &m->reset_timer);
	loop_timer_cancel(m->loop, &m->reg_timer);
	ms_urc_clear(m);
}

void ms_modem_drop(struct ms_modem *m)
{
	if (!ms_line_up(&m->line))
		return;
	modem_forget(m);
	ms_at_reset(m);
	ms_line_close(&m->line);
	m->reg = 0;
	log_line_state(m, "dropped");
}

void ms_modem_power_cycle(struct ms_modem *m)
{
	modem_forget(m);
	ms_at_reset(m);
	m->hung = false;
	ms_gsm_power_on(m);
	log_line_state(m, "rebooted");
}

int ms_modem_restore(struct ms_modem *m)
{
	int r;

	loop_timer_cancel(m->loop, &m->drop_timer);
	if (m->hung) {
		m->hung = false;
		m->at.pend_len = 0;
		if (m->at.st == MS_IN_BUSY && !m->sub_active)
			m->at.st = MS_IN_SCAN;
		log_line_state(m, "up");
		loop_timer_set(m->loop, &m->retry_timer, 0);
	}
	if (ms_line_up(&m->line))
		return 0;
	r = ms_line_open(&m->line);
	if (r < 0)
		return r;
	ms_at_reset(m);
	ms_gsm_power_on(m);
	log_line_state(m, "up");
	return 0;
}

static void on_drop_timer(struct loop *lp, struct loop_timer *t)
{
	struct ms_modem *m = ms_container_of(t, struct ms_modem, drop_timer);

	(void)lp;
	if (ms_modem_restore(m) < 0)
		loop_timer_set(m->loop, t, 1000);
}

static void on_reset_timer(struct loop *lp, struct loop_timer *t)
{
	(void)lp;
	ms_modem_power_cycle(ms_container_of(t, struct ms_modem, reset_timer));
}

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (write(g_sigpipe[1], &c, 1) < 0) {
		/* the pipe is full: a quit is already pending */
	}
	errno = saved;
}

static void on_signal_fd(struct loop *lp, struct loop_fd *h, uint32_t revents)
{
	char buf[16];

	(void)revents;
	if (read(h->fd, buf, sizeof(buf)) > 0)
		loop_stop(lp);
}

static int setup_signals(void)
{
	struct sigaction sa;

	if (pipe(g_sigpipe) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		fcntl(g_sigpipe[i], F_SETFD, FD_CLOEXEC);
		fcntl(g_sigpipe[i], F_SETFL, O_NONBLOCK);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	loop_fd_init(&g_sig_h, on_signal_fd);
	return loop_fd_add(&g_loop, &g_sig_h, g_sigpipe[0], EPOLLIN);
}

static void config_defaults(struct ms_config *c)
{
	memset(c, 0, sizeof(*c));
	c->profile = ms_profile_find("generic");
	c->send_delay_ms = 1000;
	c->report_delay_ms = 3000;
	c->register_delay_ms = 2000;
	c->urc_min_ms = 3000;
	c->urc_max_ms = 15000;
	c->urc_chance = 30;
	c->puk = "12345678";
	c->smsc = "+491710760000";
	c->imsi = "001010123456789";
	c->imei = "356938035643809";
	c->operator_name = "Simulated Network";
	c->operator_short = "SIMNET";
	c->plmn = "00101";
	c->sm_slots = 30;
	c->me_slots = 100;
	c->out_cap = MS_OUT_CAP_DEFAULT;
	c->csq = 21;
}

int main(int argc, char **argv)
{
	struct ms_modem *m = &g_modem;
	int ready_fd = -1, rc = 1, r;
	bool no_sim = false;

	if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
		return ms_ctl_client_main(argc - 2, argv + 2);
	m->line.master = m->line.keeper = -1;
	config_defaults(&g_cfg);
	if (parse_args(argc, argv, &g_cfg, &ready_fd, &no_sim) < 0)
		return 2;
	g_ctl.h.fd = -1;
	if ((r = loop_init(&g_loop)) < 0) {
		fprintf(stderr, "smsgate-modemsim: epoll: %s\n", strerror(-r));
		return 1;
	}
	if (setup_signals() < 0)
		goto out;
	if ((r = ms_log_open(&g_log, g_cfg.log_path)) < 0) {
		fprintf(stderr, "smsgate-modemsim: --log %s: %s\n", g_cfg.log_path, strerror(-r));
		goto out;
	}
	m->cfg = &g_cfg;
	m->prof = g_cfg.profile;
	m->loop = &g_loop;
	m->log = &g_log;
	m->rng = g_cfg.seed ? g_cfg.seed : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	m->rng |= 1;    /* xorshift must not start at 0 */
	m->sim_present = !no_sim;
	m->pin_enabled = g_cfg.pin != NULL;
	snprintf(m->pin, sizeof(m->pin), "%s", g_cfg.pin ? g_cfg.pin : "0000");
	snprintf(m->puk, sizeof(m->puk), "%s", g_cfg.puk);
	m->net_up = true;
	m->csq = g_cfg.csq;
	loop_timer_init(&m->drop_timer, on_drop_timer);
	loop_timer_init(&m->reset_timer, on_reset_timer);
	ms_gsm_init(m);
	ms_sms_timers_init(m);
	if ((r = ms_line_init(&m->line, &g_loop, g_cfg.link, g_cfg.out_cap)) < 0 || (r = ms_sms_init(m)) < 0) {
		fprintf(stderr, "smsgate-modemsim: init: %s\n", strerror(-r));
		goto out;
	}
	m->line.on_input = on_line_input;
	if ((r = ms_line_open(&m->line)) < 0) {
		fprintf(stderr, "smsgate-modemsim: pty%s%s: %s\n", g_cfg.link ? " / --link " : "",
			g_cfg.link ? g_cfg.link : "", strerror(-r));
		goto out;
	}
	if (g_cfg.ctl_path && (r = ms_ctl_open(&g_ctl, m, g_cfg.ctl_path)) < 0) {
		fprintf(stderr, "smsgate-modemsim: --ctl %s: %s\n", g_cfg.ctl_path, strerror(-r));
		goto out;
	}
	ms_at_reset(m);
	ms_gsm_power_on(m);
	log_line_state(m, "up");
	fprintf(stderr, "smsgate-modemsim: %s modem on %s%s%s\n", m->prof->name, m->line.slave_path,
		g_cfg.link ? " linked as " : "", g_cfg.link ? g_cfg.link : "");
	if (ready_fd >= 0) {
		char buf[160];
		int n = snprintf(buf, sizeof(buf), "%s\n", m->line.slave_path);

		if (n > 0 && write(ready_fd, buf, (size_t)n) < 0)
			fprintf(stderr, "smsgate-modemsim: --ready-fd: %s\n", strerror(errno));
		close(ready_fd);
	}
	r = loop_run(&g_loop);
	rc = r < 0 ? 1 : 0;
out:
	ms_ctl_close(&g_ctl);
	ms_sms_free(m);
	ms_urc_clear(m);
	ms_line_free(&m->line);
	ms_log_close(&g_log);
	if (g_sigpipe[0] >= 0) {
		close(g_sigpipe[0]);
		close(g_sigpipe[1]);
	}
	loop_close(&g_loop);
	return rc;
}
