#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "at_params.h"
#include "log.h"
#include "modem.h"
#include "serial.h"
#include "util.h"

#define SIM_POLL_MS 3000
#define REG_POLL_MS 2000
#define INIT_RETRY_MS 2000
#define INIT_RETRIES 5
#define CFUN_TIMEOUT_MS 30000   /* radio on/off takes seconds on real sticks */
#define PROBE_TRIES 3
#define SETTLE_MS 300           /* silence after the first answer on a fresh line */

static void modem_open(struct modem *m);
static void modem_step(struct modem *m, unsigned step);
static void modem_recover(struct modem *m, const char *why);
static void modem_send_cmd(struct modem *m, const char *line, const char *prefix, int timeout_ms,
			   void (*info)(void *, const char *), void (*done)(void *, const struct at_result *));

const char *modem_state_name(enum modem_state s)
{
	static const char *const names[] = { "closed", "init", "sim-wait", "sim-locked",
					     "registering", "ready", "sending" };

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

void modem_config_defaults(struct modem_config *c)
{
	memset(c, 0, sizeof(*c));
	c->baud = 115200;
	c->cmd_timeout_ms = 5000;
	c->submit_timeout_ms = 60000;
	c->poll_interval_ms = 30000;
	c->reg_timeout_ms = 180000;
	c->reopen_min_ms = 1000;
	c->reopen_max_ms = 60000;
}

int modem_csq_dbm(int csq)
{
	if (csq < 0 || csq > 31)
		return 0;
	return -113 + 2 * csq; /* 0: -113 dBm or less, 31: -51 dBm or more */
}

static void modem_set_state(struct modem *m, enum modem_state s)
{
	if (m->st.state == s)
		return;
	log_info("modem %s: %s -> %s", m->cfg.name, modem_state_name(m->st.state), modem_state_name(s));
	m->st.state = s;
	m->st.ready_since = (s == MODEM_READY || s == MODEM_SENDING) ? (m->st.ready_since ? m->st.ready_since : loop_now()) : 0;
	if (m->ops->state_changed)
		m->ops->state_changed(m->ctx, m);
}

static void modem_error(struct modem *m, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void modem_error(struct modem *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->st.last_error, sizeof(m->st.last_error), fmt, ap);
	va_end(ap);
	log_warn("modem %s: %s", m->cfg.name, m->st.last_error);
}

static bool registered(int stat)
{
	return stat == 1 || stat == 5; /* home, roaming (TS 27.007 7.2) */
}

/* ---- the init script ---------------------------------------------------- */

enum {
	STEP_PROBE,
	STEP_CFUN_OFF,          /* only during recovery: the radio off and on */
	STEP_CFUN_ON,
	STEP_ECHO,
	STEP_CMEE,
	STEP_GMI,
	STEP_GMM,
	STEP_GMR,
	STEP_GSN,
	STEP_CPIN,
	STEP_PIN_ENTER,
	STEP_CIMI,
	STEP_CMGF,
	STEP_CSCA,
	STEP_CPMS,
	STEP_CSMS,
	STEP_CNMI,
	STEP_CREG_URC,
	STEP_REG,
	STEP_REG_EPS,
	STEP_CSQ,
	STEP_COPS_FMT,
	STEP_COPS,
	STEP_DRAIN,
	STEP_DONE,
};

/* AT+CNMI choices, best first: store + indicate (+CMTI, +CDSI) survives
 * our own crash; the later ones for modems that refuse it (27.005 3.4.1). */
static const char *const cnmi_choices[] = {
	"AT+CNMI=2,1,0,2,0", "AT+CNMI=2,1,0,1,0", "AT+CNMI=1,1,0,2,0", "AT+CNMI=1,1,0,1,0", "AT+CNMI=2,1",
};

static void info_text(char *dst, size_t n, const char *line)
{
	/* "+CGMI: Quectel" and "Quectel" both give "Quectel". */
	const char *colon = line[0] == '+' ? strchr(line, ':') : NULL;

	if (colon)
		line = colon + 1 + strspn(colon + 1, " ");
	if (!dst[0])
		snprintf(dst, n, "%s", line);
}

static void on_info_gmi(struct modem *m, const char *l) { info_text(m->st.manufacturer, sizeof(m->st.manufacturer), l); }
static void on_info_gmm(struct modem *m, const char *l) { info_text(m->st.model, sizeof(m->st.model), l); }
static void on_info_gmr(struct modem *m, const char *l) { info_text(m->st.revision, sizeof(m->st.revision), l); }
static void on_info_gsn(struct modem *m, const char *l) { info_text(m->st.imei, sizeof(m->st.imei), l); }
static void on_info_cimi(struct modem *m, const char *l) { info_text(m->st.imsi, sizeof(m->st.imsi), l); }

static void on_info_cpin(struct modem *m, const char *l)
{
	at_field(l, 0, m->st.sim, sizeof(m->st.sim));
}

static void on_info_csms(struct modem *m, const char *l)
{
	long service;

	/* +CSMS: <service>,...: 1 means phase 2+, where +CMT/+CDS must be acked. */
	m->ack_needed = false;
	if (at_field_int(l, 0, &service) == 0)
		m->ack_needed = service == 1;
}

static void on_info_creg(struct modem *m, const char *l)
{
	long stat;

	if (at_field_int(l, 1, &stat) == 0)
		m->st.reg = (int)stat;
}

static void on_info_csq(struct modem *m, const char *l)
{
	long rssi;

	if (at_field_int(l, 0, &rssi) == 0 && rssi >= 0 && rssi <= 99) {
		m->st.csq = (int)rssi;
		m->st.dbm = modem_csq_dbm((int)rssi);
	}
}

static void on_info_cops(struct modem *m, const char *l)
{
	char name[64];

	if (at_field(l, 2, name, sizeof(name)) > 0)
		snprintf(m->st.operator_name, sizeof(m->st.operator_name), "%s", name);
}

static void handle_pdu(struct modem *m, const char *hex, const char *mem, int index);

/* +CMGL: <index>,<stat>,[<alpha>],<length> then the PDU line. */
static void on_info_cmgl(struct modem *m, const char *l)
{
	long idx;

	if (strncmp(l, "+CMGL:", 6) == 0) {
		m->list_index = at_field_int(l, 0, &idx) == 0 ? (int)idx : -1;
		return;
	}
	if (m->list_index >= 0) {
		handle_pdu(m, l, m->read_mem, m->list_index);
		m->list_index = -1;
	}
}

static int done_any(struct modem *m, const struct at_result *r);
static int done_probe(struct modem *m, const struct at_result *r);
static int done_cfun_on(struct modem *m, const struct at_result *r);
static int done_cpin(struct modem *m, const struct at_result *r);
static int done_pin_enter(struct modem *m, const struct at_result *r);
static int done_cmgf(struct modem *m, const struct at_result *r);
static int done_cpms(struct modem *m, const struct at_result *r);
static int done_cnmi(struct modem *m, const struct at_result *r);
static int done_reg(struct modem *m, const struct at_result *r);
static int done_reg_eps(struct modem *m, const struct at_result *r);
static int done_drain(struct modem *m, const struct at_result *r);

#define STEP_WAIT (-1) /* the handler set a timer or a state itself */

static const struct step_def {
	const char *cmd;        /* NULL: built by step_command() */
	const char *prefix;
	void (*info)(struct modem *m, const char *line);
	int (*done)(struct modem *m, const struct at_result *r);
	int timeout_ms;         /* 0: the configured command timeout */
} steps[] = {
	[STEP_PROBE] = { "AT", NULL, NULL, done_probe, 0 },
	[STEP_ECHO] = { "ATE0", NULL, NULL, done_any, 0 },
	[STEP_CMEE] = { "AT+CMEE=1", NULL, NULL, done_any, 0 },
	[STEP_CFUN_OFF] = { "AT+CFUN=0", NULL, NULL, done_any, CFUN_TIMEOUT_MS },
	[STEP_CFUN_ON] = { "AT+CFUN=1", NULL, NULL, done_cfun_on, CFUN_TIMEOUT_MS },
	[STEP_GMI] = { "AT+CGMI", "+CGMI:", on_info_gmi, done_any, 0 },
	[STEP_GMM] = { "AT+CGMM", "+CGMM:", on_info_gmm, done_any, 0 },
	[STEP_GMR] = { "AT+CGMR", "+CGMR:", on_info_gmr, done_any, 0 },
	[STEP_GSN] = { "AT+CGSN", "+CGSN:", on_info_gsn, done_any, 0 },
	[STEP_CPIN] = { "AT+CPIN?", "+CPIN:", on_info_cpin, done_cpin, 0 },
	[STEP_PIN_ENTER] = { NULL, NULL, NULL, done_pin_enter, 0 },
	[STEP_CIMI] = { "AT+CIMI", "+CIMI:", on_info_cimi, done_any, 0 },
	[STEP_CMGF] = { "AT+CMGF=0", NULL, NULL, done_cmgf, 0 },
	[STEP_CSCA] = { NULL, NULL, NULL, done_any, 0 },
	[STEP_CPMS] = { "AT+CPMS=\"SM\",\"SM\",\"SM\"", "+CPMS:", NULL, done_cpms, 0 },
	[STEP_CSMS] = { "AT+CSMS?", "+CSMS:", on_info_csms, done_any, 0 },
	[STEP_CNMI] = { NULL, NULL, NULL, done_cnmi, 0 },
	[STEP_CREG_URC] = { "AT+CREG=1", NULL, NULL, done_any, 0 },
	[STEP_REG] = { "AT+CREG?", "+CREG:", on_info_creg, done_reg, 0 },
	[STEP_REG_EPS] = { "AT+CEREG?", "+CEREG:", on_info_creg, done_reg_eps, 0 },
	[STEP_CSQ] = { "AT+CSQ", "+CSQ:", on_info_csq, done_any, 0 },
	[STEP_COPS_FMT] = { "AT+COPS=3,0", NULL, NULL, done_any, 0 },
	[STEP_COPS] = { "AT+COPS?", "+COPS:", on_info_cops, done_any, 0 },
	[STEP_DRAIN] = { "AT+CMGL=4", "+CMGL:", on_info_cmgl, done_drain, 0 },
};

static void step_info_cb(void *ctx, const char *line)
{
	struct modem *m = ctx;

	if (steps[m->step].info)
		steps[m->step].info(m, line);
}

static void step_done_cb(void *ctx, const struct at_result *res)
{
	struct modem *m = ctx;
	struct at_result r = *res;
	int next;

	m->step_inflight = false;
	if (r.final == AT_CLOSED)
		return; /* the line went away; on_lost/recover already moved on */
	at_result_normalise(&r);
	if (r.final == AT_TIMEOUT) {
		m->st.timeouts++;
		if (m->step != STEP_PROBE) {
			char what[AT_CMD_MAX + 16];

			snprintf(what, sizeof(what), "no answer to %s", steps[m->step].cmd ? steps[m->step].cmd : "a command");
			modem_recover(m, what);
			return;
		}
	}
	next = steps[m->step].done(m, &r);
	if (next != STEP_WAIT)
		modem_step(m, (unsigned)next);
}

static void step_command(struct modem *m, unsigned step, char *buf, size_t n)
{
	if (step == STEP_PIN_ENTER)
		snprintf(buf, n, "AT+CPIN=\"%s\"", m->cfg.pin);
	else if (step == STEP_CSCA)
		snprintf(buf, n, "AT+CSCA=\"%s\",%d", m->cfg.smsc, m->cfg.smsc[0] == '+' ? 145 : 129);
	else if (step == STEP_CNMI)
		snprintf(buf, n, "%s", cnmi_choices[m->cnmi_choice]);
	else
		snprintf(buf, n, "%s", steps[step].cmd);
}

static void modem_ready(struct modem *m);
static void jobs_pump(struct modem *m);

static void modem_step(struct modem *m, unsigned step)
{
	char cmd[AT_CMD_MAX + 1];

	if (step != m->step)
		m->step_tries = 0;
	m->step = step;
	if (step == STEP_CSCA && !m->cfg.smsc[0])
		step = m->step = STEP_CPMS;
	if (step >= STEP_DONE) {
		modem_ready(m);
		return;
	}
	step_command(m, step, cmd, sizeof(cmd));
	m->step_inflight = true;
	modem_send_cmd(m, cmd, steps[step].prefix, steps[step].timeout_ms, step_info_cb, step_done_cb);
}

static int done_any(struct modem *m, const struct at_result *r)
{
	(void)r;
	return (int)m->step + 1;
}

static int done_probe(struct modem *m, const struct at_result *r)
{
	/* Any final result shows a live modem: some refuse a bare AT. An
	 * answer left over from before the open (a killed process's submit)
	 * may still be on its way: let the line fall silent first. */
	if (r->final != AT_TIMEOUT) {
		at_settle(&m->at, SETTLE_MS);
		return m->cfun_pending ? STEP_CFUN_OFF : STEP_ECHO;
	}
	if (++m->step_tries < PROBE_TRIES)
		return STEP_PROBE; /* the same step again keeps its count */
	modem_recover(m, "no answer to AT");
	return STEP_WAIT;
}

static int done_cfun_on(struct modem *m, const struct at_result *r)
{
	(void)r;
	m->cfun_pending = false;
	m->st.cfun_cycles++;
	log_info("modem %s: radio switched off and on (AT+CFUN=0/1)", m->cfg.name);
	return STEP_ECHO;
}

static void modem_retry_step_later(struct modem *m, int delay_ms)
{
	loop_timer_set(m->loop, &m->timer, delay_ms);
}

static int sim_locked(struct modem *m, const char *why)
{
	if (why != m->st.sim)
		str_copy(m->st.sim, sizeof(m->st.sim), why);
	modem_error(m, "%s: a person must act (no PIN is guessed)", why);
	modem_set_state(m, MODEM_SIM_LOCKED);
	/* Someone may unlock it with another tool: look again now and then. */
	m->step = STEP_CPIN;
	modem_retry_step_later(m, 60000);
	return STEP_WAIT;
}

static int sim_wait(struct modem *m, const char *why, bool removed)
{
	if (removed)
		m->pin_state = PIN_UNTRIED; /* a new insertion may take the PIN once */
	snprintf(m->st.sim, sizeof(m->st.sim), "%s", why);
	modem_set_state(m, MODEM_SIM_WAIT);
	m->step = STEP_CPIN;
	modem_retry_step_later(m, SIM_POLL_MS);
	return STEP_WAIT;
}

static int done_cpin(struct modem *m, const struct at_result *r)
{
	const char *s = m->st.sim;

	if (r->final == AT_OK) {
		if (strcmp(s, "READY") == 0)
			return STEP_CIMI;
		if (strcmp(s, "SIM PIN") == 0) {
			if (m->pin_state == PIN_REJECTED)
				return sim_locked(m, "SIM PIN rejected");
			if (!m->cfg.pin[0])
				return sim_locked(m, "SIM PIN required and no pin configured");
			return STEP_PIN_ENTER;
		}
		if (strcmp(s, "SIM PUK") == 0)
			return sim_locked(m, "SIM PUK required");
		if (strcmp(s, "SIM PIN2") == 0 || strcmp(s, "SIM PUK2") == 0)
			return sim_locked(m, strcmp(s, "SIM PIN2") == 0 ? "SIM PIN2 required" : "SIM PUK2 required");
		if (strcmp(s, "NOT INSERTED") == 0 || strcmp(s, "NOT READY") == 0)
			return sim_wait(m, "not inserted", true);
		if (!s[0])
			return sim_wait(m, "not ready", false); /* OK without a +CPIN line: ask again */
		return sim_locked(m, s);
	}
	if ((r->final == AT_CME_ERROR && r->code == 10) || (r->final == AT_CMS_ERROR && r->code == 310))
		return sim_wait(m, "not inserted", true);
	if ((r->final == AT_CME_ERROR && r->code == 12) || (r->final == AT_CMS_ERROR && r->code == 316))
		return sim_locked(m, "SIM PUK required");
	/* SIM busy, SIM failure, a bare ERROR: the SIM is still starting. */
	return sim_wait(m, r->final == AT_CME_ERROR && r->code == 14 ? "busy" : "not ready", false);
}

static int done_pin_enter(struct modem *m, const struct at_result *r)
{
	if (r->final == AT_OK) {
		m->pin_state = PIN_ACCEPTED;
		log_info("modem %s: SIM PIN accepted", m->cfg.name);
		/* The SIM takes a moment to come up after its PIN. */
		m->step = STEP_CPIN;
		modem_retry_step_later(m, 1000);
		return STEP_WAIT;
	}
	if ((r->final == AT_CME_ERROR && r->code == 12) || (r->final == AT_CMS_ERROR && r->code == 316)) {
		m->pin_state = PIN_REJECTED;
		return sim_locked(m, "SIM PUK required");
	}
	/* +CME ERROR: 16 (incorrect password) or a bare ERROR: never again for this SIM. */
	m->pin_state = PIN_REJECTED;
	return sim_locked(m, "SIM PIN rejected");
}

static int done_cmgf(struct modem *m, const struct at_result *r)
{
	if (r->final == AT_OK)
		return m->step + 1;
	/* SIMCom refuses SMS commands until "SMS Ready". */
	if (++m->step_tries < INIT_RETRIES) {
		modem_retry_step_later(m, INIT_RETRY_MS);
		return STEP_WAIT;
	}
	modem_recover(m, "PDU mode (AT+CMGF=0) refused");
	return STEP_WAIT;
}

static int done_cpms(struct modem *m, const struct at_result *r)
{
	snprintf(m->read_mem, sizeof(m->read_mem), "%s", r->final == AT_OK ? "SM" : "");
	return STEP_CSMS;
}

static int done_cnmi(struct modem *m, const struct at_result *r)
{
	if (r->final == AT_OK)
		return STEP_CREG_URC;
	if (++m->cnmi_choice < (int)ARRAY_SIZE(cnmi_choices))
		return STEP_CNMI;
	m->cnmi_choice = -1;
	log_warn("modem %s: no AT+CNMI setting accepted; new messages are found by polling", m->cfg.name);
	return STEP_CREG_URC;
}

static void registration_wait(struct modem *m)
{
	int64_t now = loop_now();

	if (!m->reg_wait_since)
		m->reg_wait_since = now;
	if (now - m->reg_wait_since >= m->cfg.reg_timeout_ms) {
		m->reg_wait_since = 0;
		modem_recover(m, "not registered to a network");
		return;
	}
	modem_set_state(m, MODEM_REGISTERING);
	m->step = STEP_REG;
	modem_retry_step_later(m, REG_POLL_MS);
}

static int done_reg(struct modem *m, const struct at_result *r)
{
	if (r->final == AT_OK && registered(m->st.reg)) {
		m->reg_wait_since = 0;
		return STEP_CSQ;
	}
	return STEP_REG_EPS; /* an LTE-only stick registers in EPS only */
}

static int done_reg_eps(struct modem *m, const struct at_result *r)
{
	if (r->final == AT_OK && registered(m->st.reg)) {
		m->reg_wait_since = 0;
		return STEP_CSQ;
	}
	registration_wait(m);
	return STEP_WAIT;
}

static int done_drain(struct modem *m, const struct at_result *r)
{
	(void)r;
	m->list_index = -1;
	return STEP_DONE;
}

/* ---- ready: the health poll --------------------------------------------- */

/* Registration gone while ready: the SIM may be gone too (many modems say
 * nothing else when it is pulled), so the way back starts at AT+CPIN?. */
static void network_lost(struct modem *m)
{
	loop_timer_cancel(m->loop, &m->poll_timer);
	modem_set_state(m, MODEM_REGISTERING);
	modem_step(m, STEP_CPIN);
}

static void poll_creg_done(void *ctx, const struct at_result *r);

static void poll_done(void *ctx, const struct at_result *r)
{
	struct modem *m = ctx;

	if (r->final == AT_TIMEOUT) {
		m->st.timeouts++;
		if (++m->consecutive_timeouts >= 2)
			modem_recover(m, "the health poll went unanswered");
		return;
	}
	if (r->final != AT_CLOSED)
		m->consecutive_timeouts = 0;
}

static void poll_info(void *ctx, const char *line)
{
	struct modem *m = ctx;

	if (strncmp(line, "+CSQ:", 5) == 0)
		on_info_csq(m, line);
	else if (strncmp(line, "+CREG:", 6) == 0)
		on_info_creg(m, line);
	else if (strncmp(line, "+COPS:", 6) == 0)
		on_info_cops(m, line);
	else
		on_info_cmgl(m, line);
}

static void poll_creg_done(void *ctx, const struct at_result *r)
{
	struct modem *m = ctx;

	poll_done(ctx, r);
	if (r->final == AT_OK && !registered(m->st.reg) && m->st.state == MODEM_READY)
		network_lost(m);
}

static void poll_timer_cb(struct loop *l, struct loop_timer *t)
{
	struct modem *m = container_of(t, struct modem, poll_timer);

	(void)l;
	if (m->st.state != MODEM_READY && m->st.state != MODEM_SENDING)
		return;
	modem_send_cmd(m, "AT+CSQ", "+CSQ:", 0, poll_info, poll_done);
	modem_send_cmd(m, "AT+CREG?", "+CREG:", 0, poll_info, poll_creg_done);
	modem_send_cmd(m, "AT+COPS?", "+COPS:", 0, poll_info, poll_done);
	if (m->cnmi_choice < 0)
		modem_send_cmd(m, "AT+CMGL=4", "+CMGL:", 0, poll_info, poll_done);
	loop_timer_set(m->loop, &m->poll_timer, m->cfg.poll_interval_ms);
}

static void modem_ready(struct modem *m)
{
	m->failures = 0;
	m->consecutive_timeouts = 0;
	modem_set_state(m, MODEM_READY);
	log_info("modem %s: ready (%s %s, IMEI %s, %s, signal %d dBm)", m->cfg.name, m->st.manufacturer,
		 m->st.model, m->st.imei, m->st.operator_name[0] ? m->st.operator_name : "operator unknown",
		 m->st.dbm);
	loop_timer_set(m->loop, &m->poll_timer, m->cfg.poll_interval_ms);
	jobs_pump(m);
}

/* ---- commands ----------------------------------------------------------- */

static void modem_send_cmd(struct modem *m, const char *line, const char *prefix, int timeout_ms,
			   void (*info)(void *, const char *), void (*done)(void *, const struct at_result *))
{
	struct at_req req = {
		.line = line,
		.prefix = prefix,
		.timeout_ms = timeout_ms > 0 ? timeout_ms : m->cfg.cmd_timeout_ms,
		.on_info = info,
		.on_done = done,
		.ctx = m,
	};
	int rc = at_send(&m->at, &req);

	if (rc < 0)
		log_warn("modem %s: %s not queued: %s", m->cfg.name, line, strerror(-rc));
}

/* ---- receiving ---------------------------------------------------------- */

static void handle_pdu(struct modem *m, const char *hex, const char *mem, int index)
{
	uint8_t bin[SMS_PDU_MAX + 16];
	struct sms_pdu pdu;
	struct modem_msg_ref ref = { .index = index };
	ssize_t n = hex_decode(bin, sizeof(bin), hex, strlen(hex), NULL);

	snprintf(ref.mem, sizeof(ref.mem), "%s", index >= 0 ? mem : "");
	if (n < 0 || sms_pdu_decode(&pdu, bin, (size_t)n, true) < 0) {
		/* Kept on the SIM: a person can read it there; nothing is deleted unread. */
		log_error("modem %s: undecodable PDU at %s %d left on the SIM: %s", m->cfg.name, ref.mem, index, hex);
		return;
	}
	if (pdu.type == SMS_STATUS_REPORT)
		m->st.reports++;
	else
		m->st.received++;
	m->ops->received(m->ctx, m, &pdu, &ref);
}

/* Reading and deleting stored messages go through a queue of jobs, one at
 * a time, so a burst of +CMTI (every part of a long message) neither
 * overflows the AT queue nor mixes up which answer belongs to which slot. */
static void jobs_pump(struct modem *m);
static void job_add(struct modem *m, char kind, const char *mem, int index);

static void cmgr_info(void *ctx, const char *line)
{
	struct modem *m = ctx;

	if (strncmp(line, "+CMGR:", 6) == 0)
		return;
	if (m->job_busy && m->job.kind == 'R' && !m->job_read) {
		m->job_read = true;
		handle_pdu(m, line, m->job.mem, m->job.index);
	}
}

static void cmd_done_log(void *ctx, const struct at_result *r)
{
	struct modem *m = ctx;
	char what[96];

	if (r->final == AT_OK || r->final == AT_CLOSED)
		return;
	at_result_describe(what, sizeof(what), r);
	log_warn("modem %s: %s", m->cfg.name, what);
}

static void job_done(void *ctx, const struct at_result *r)
{
	struct modem *m = ctx;

	cmd_done_log(ctx, r);
	m->job_busy = false;
	/* A delete cut off by a lost line is done after the reconnect; a read
	 * is not needed: the drain at start-up reads everything stored. */
	if (r->final == AT_CLOSED && m->job.kind == 'D')
		job_add(m, 'D', m->job.mem, m->job.index);
	jobs_pump(m);
}

static void jobs_pump(struct modem *m)
{
	char cmd[40];

	if (m->job_busy || m->job_count == 0 || !m->at.attached ||
	    (m->st.state != MODEM_READY && m->st.state != MODEM_SENDING && m->st.state != MODEM_REGISTERING))
		return;
	m->job = m->jobs[m->job_head];
	m->job_head = (m->job_head + 1) % MODEM_JOBS_MAX;
	m->job_count--;
	m->job_busy = true;
	m->job_read = false;
	if (m->job.kind == 'R') {
		if (m->job.mem[0] && strcmp(m->job.mem, m->read_mem) != 0) {
			snprintf(cmd, sizeof(cmd), "AT+CPMS=\"%s\"", m->job.mem);
			str_copy(m->read_mem, sizeof(m->read_mem), m->job.mem);
			modem_send_cmd(m, cmd, "+CPMS:", 0, NULL, cmd_done_log);
		}
		snprintf(cmd, sizeof(cmd), "AT+CMGR=%d", m->job.index);
		modem_send_cmd(m, cmd, "+CMGR:", 0, cmgr_info, job_done);
	} else {
		snprintf(cmd, sizeof(cmd), "AT+CMGD=%d", m->job.index);
		modem_send_cmd(m, cmd, NULL, 0, NULL, job_done);
	}
}

static void job_add(struct modem *m, char kind, const char *mem, int index)
{
	struct modem_job *j;

	if (m->job_count == MODEM_JOBS_MAX) {
		/* It stays on the SIM and is found again by the next drain. */
		log_warn("modem %s: too many pending reads/deletes; slot %d is left for the next drain", m->cfg.name, index);
		return;
	}
	j = &m->jobs[(m->job_head + m->job_count) % MODEM_JOBS_MAX];
	j->kind = kind;
	str_copy(j->mem, sizeof(j->mem), mem);
	j->index = index;
	m->job_count++;
	jobs_pump(m);
}

static void read_stored(struct modem *m, const char *mem, int index)
{
	job_add(m, 'R', mem, index);
}

void modem_release(struct modem *m, const struct modem_msg_ref *ref)
{
	if (ref->index < 0)
		return;
	job_add(m, 'D', ref->mem, ref->index);
}

static void modem_reinit(struct modem *m, const char *why)
{
	log_warn("modem %s: %s; configuring it again", m->cfg.name, why);
	loop_timer_cancel(m->loop, &m->poll_timer);
	modem_set_state(m, MODEM_INIT);
	modem_step(m, STEP_PROBE);
}

static void on_urc(void *ctx, const char *line, const char *pdu)
{
	struct modem *m = ctx;
	char mem[8];
	long v;

	if (strncmp(line, "+CMT:", 5) == 0 || strncmp(line, "+CDS:", 5) == 0) {
		if (pdu)
			handle_pdu(m, pdu, "", -1);
		if (m->ack_needed)
			modem_send_cmd(m, "AT+CNMA", NULL, 0, NULL, cmd_done_log);
	} else if (strncmp(line, "+CMTI:", 6) == 0 || strncmp(line, "+CDSI:", 6) == 0) {
		if (at_field(line, 0, mem, sizeof(mem)) >= 0 && at_field_int(line, 1, &v) == 0 && v >= 0)
			read_stored(m, mem, (int)v);
	} else if (strncmp(line, "+CREG:", 6) == 0 || strncmp(line, "+CEREG:", 7) == 0) {
		/* The URC form: +CREG: <stat>[,<lac>,<ci>] */
		if (at_field_int(line, 0, &v) == 0) {
			m->st.reg = (int)v;
			if (!registered(m->st.reg) && m->st.state == MODEM_READY) {
				log_warn("modem %s: lost the network (registration %d)", m->cfg.name, m->st.reg);
				network_lost(m);
			} else if (registered(m->st.reg) && m->st.state == MODEM_REGISTERING && !m->step_inflight) {
				loop_timer_cancel(m->loop, &m->timer);
				modem_step(m, STEP_REG);
			}
		}
	} else if (strncmp(line, "^RSSI:", 6) == 0) {
		if (at_field_int(line, 0, &v) == 0 && v >= 0 && v <= 99) {
			m->st.csq = (int)v;
			m->st.dbm = modem_csq_dbm((int)v);
		}
	} else if (strcmp(line, "+CPIN: NOT INSERTED") == 0 || strcmp(line, "+CPIN: NOT READY") == 0 ||
		   (strncmp(line, "^SIMST:", 7) == 0 && at_field_int(line, 0, &v) == 0 && (v == 255 || v == 0))) {
		/* An init step in flight finds out by itself. */
		if (!m->step_inflight) {
			loop_timer_cancel(m->loop, &m->poll_timer);
			modem_error(m, "%s", "SIM removed");
			sim_wait(m, "not inserted", true);
		}
	} else if (strcmp(line, "RDY") == 0 || strcmp(line, "+CPIN: READY") == 0 || strcmp(line, "^SYSSTART") == 0 ||
		   strcmp(line, "+CFUN: 1") == 0) {
		/* A power-up banner while ready: the modem restarted and forgot
		 * its settings. */
		if (m->st.state == MODEM_READY)
			modem_reinit(m, "the modem restarted");
		else if (m->st.state == MODEM_SENDING)
			m->reinit_pending = true; /* after the submit in flight ends */
		else if (m->st.state == MODEM_SIM_WAIT && !m->step_inflight && strcmp(line, "+CPIN: READY") == 0) {
			loop_timer_cancel(m->loop, &m->timer);
			modem_step(m, STEP_CPIN);
		}
	}
}

/* ---- sending ------------------------------------------------------------ */

static void submit_info(void *ctx, const char *line)
{
	struct modem *m = ctx;
	long mr;

	if (at_field_int(line, 0, &mr) == 0 && mr >= 0 && mr <= 255)
		m->submit_mr = (int)mr;
}

static void submit_done(void *ctx, const struct at_result *res)
{
	struct modem *m = ctx;
	struct at_result r = *res;
	modem_submit_cb cb = m->submit_cb;
	enum send_verdict v = SEND_TEMPORARY;

	m->submit_cb = NULL;
	at_result_normalise(&r);
	if (r.final == AT_OK && m->submit_mr >= 0) {
		m->st.sent++;
		m->consecutive_timeouts = 0;
	} else {
		if (r.final == AT_OK) { /* OK without +CMGS: the modem did not say it sent */
			r.final = AT_ERROR;
			snprintf(r.text, sizeof(r.text), "OK without +CMGS");
		}
		v = send_verdict_of(&r);
		m->st.send_failed++;
		at_result_describe(m->st.last_error, sizeof(m->st.last_error), &r);
		log_warn("modem %s: submit failed: %s (%s)", m->cfg.name, m->st.last_error, send_verdict_name(v));
	}
	if (m->st.state == MODEM_SENDING)
		modem_set_state(m, MODEM_READY);
	if (m->reinit_pending && m->st.state == MODEM_READY) {
		m->reinit_pending = false;
		modem_reinit(m, "the modem restarted during a submit");
	}
	if (cb)
		cb(m->submit_ctx, m, r.final == AT_OK ? m->submit_mr : -1, &r, v);
	if (r.final == AT_TIMEOUT) {
		m->st.timeouts++;
		if (++m->consecutive_timeouts >= 2)
			modem_recover(m, "submits went unanswered");
	}
}

bool modem_can_send(const struct modem *m)
{
	return m->st.state == MODEM_READY && !m->submit_cb;
}

bool modem_idle(const struct modem *m)
{
	return !m->submit_cb && at_idle(&m->at);
}

int modem_submit(struct modem *m, const char *pdu_hex, unsigned tpdu_len, modem_submit_cb cb, void *ctx)
{
	struct at_req req = { 0 };
	int rc;

	if (!modem_can_send(m))
		return -EBUSY;
	if (strlen(pdu_hex) > AT_PDU_HEX_MAX || tpdu_len == 0 || tpdu_len > SMS_TPDU_MAX)
		return -EINVAL;
	snprintf(m->submit_cmd, sizeof(m->submit_cmd), "AT+CMGS=%u", tpdu_len);
	snprintf(m->submit_pdu, sizeof(m->submit_pdu), "%s", pdu_hex);
	req.line = m->submit_cmd;
	req.prefix = "+CMGS:";
	req.pdu = m->submit_pdu;
	req.timeout_ms = m->cfg.submit_timeout_ms;
	req.on_info = submit_info;
	req.on_done = submit_done;
	req.ctx = m;
	m->submit_mr = -1;
	m->submit_cb = cb;
	m->submit_ctx = ctx;
	rc = at_send(&m->at, &req);
	if (rc < 0) {
		m->submit_cb = NULL;
		return rc;
	}
	modem_set_state(m, MODEM_SENDING);
	return 0;
}

/* ---- the line: open, lose, recover -------------------------------------- */

static void modem_close(struct modem *m)
{
	unsigned kept = 0;

	loop_timer_cancel(m->loop, &m->timer);
	loop_timer_cancel(m->loop, &m->poll_timer);
	at_detach(&m->at);
	/* Pending reads are dropped (the next drain reads those slots);
	 * pending deletes are kept. */
	for (unsigned i = 0; i < m->job_count; i++) {
		struct modem_job j = m->jobs[(m->job_head + i) % MODEM_JOBS_MAX];

		if (j.kind == 'D')
			m->jobs[(m->job_head + kept++) % MODEM_JOBS_MAX] = j;
	}
	m->job_count = kept;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

static int reopen_delay(const struct modem *m, unsigned n)
{
	int64_t d = m->cfg.reopen_min_ms;

	while (n-- > 1 && d < m->cfg.reopen_max_ms)
		d *= 2;
	return (int)(d < m->cfg.reopen_max_ms ? d : m->cfg.reopen_max_ms);
}

static void modem_recover(struct modem *m, const char *why)
{
	m->failures++;
	modem_error(m, "%s", why);
	modem_close(m);
	m->st.reconnects++;
	if (m->failures == 2) {
		m->cfun_pending = true;
		log_warn("modem %s: recovery %u: reopen, then switch the radio off and on", m->cfg.name, m->failures);
	} else if (m->failures >= 3 && m->ops->reset) {
		m->st.resets++;
		log_warn("modem %s: recovery %u: running the reset command", m->cfg.name, m->failures);
		m->ops->reset(m->ctx, m);
	} else {
		log_warn("modem %s: recovery %u: reopen and configure again", m->cfg.name, m->failures);
	}
	modem_set_state(m, MODEM_CLOSED);
	loop_timer_set(m->loop, &m->timer, reopen_delay(m, m->failures));
}

static void on_lost(void *ctx, int err)
{
	struct modem *m = ctx;

	modem_error(m, "line lost: %s", strerror(err));
	modem_close(m);
	m->st.reconnects++;
	modem_set_state(m, MODEM_CLOSED);
	loop_timer_set(m->loop, &m->timer, m->cfg.reopen_min_ms);
}

static void timer_cb(struct loop *l, struct loop_timer *t)
{
	struct modem *m = container_of(t, struct modem, timer);

	(void)l;
	if (m->stopped)
		return;
	if (m->fd < 0)
		modem_open(m);
	else
		modem_step(m, m->step); /* a delayed retry of the current step */
}

static void modem_open(struct modem *m)
{
	static unsigned open_failures_log_every = 30;
	char why[256];
	int fd = serial_open(m->cfg.device, m->cfg.baud, why, sizeof(why));

	if (fd < 0) {
		m->failures = m->failures ? m->failures : 1;
		if (m->st.last_error[0] == '\0' || strcmp(m->st.last_error, why) != 0 ||
		    m->st.reconnects % open_failures_log_every == 0)
			modem_error(m, "%s", why);
		/* The device may come back (USB re-enumeration): keep trying. */
		loop_timer_set(m->loop, &m->timer, reopen_delay(m, m->failures + 1));
		return;
	}
	m->fd = fd;
	if (at_attach(&m->at, fd) < 0) {
		close(fd);
		m->fd = -1;
		loop_timer_set(m->loop, &m->timer, m->cfg.reopen_max_ms);
		return;
	}
	/* ESC ends a PDU prompt that a crash may have left open. */
	if (write(fd, "\x1b", 1) < 0)
		log_debug("modem %s: writing ESC: %s", m->cfg.name, strerror(errno));
	m->cnmi_choice = 0;
	m->list_index = -1;
	m->st.reg = -1;
	modem_set_state(m, MODEM_INIT);
	modem_step(m, STEP_PROBE);
}

void modem_init(struct modem *m, struct loop *l, const struct modem_config *cfg, const struct modem_ops *ops,
		void *ctx)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->ops = ops;
	m->ctx = ctx;
	m->loop = l;
	m->fd = -1;
	m->st.csq = 99;
	m->st.reg = -1;
	m->list_index = -1;
	at_init(&m->at, l, on_urc, on_lost, m);
	loop_timer_init(&m->timer, timer_cb);
	loop_timer_init(&m->poll_timer, poll_timer_cb);
}

void modem_start(struct modem *m)
{
	m->stopped = false;
	modem_open(m);
}

void modem_stop(struct modem *m)
{
	m->stopped = true;
	modem_close(m);
	modem_set_state(m, MODEM_CLOSED);
}
