/*
 * TS 27.007 commands: identification, error reporting, SIM and PIN,
 * registration, signal, operator, functionality; the Huawei vendor
 * commands and URCs; the harmless standard commands that only answer OK.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "modemsim.h"

#define GSM_PIN_TRIES 3         /* TS 31.102 / GSM 11.11: PIN1 has 3 attempts */
#define GSM_PUK_TRIES 10        /* and PUK1 has 10 */
#define GSM_LAC 0x00C3
#define GSM_CI  0x0000A1B2u

uint32_t ms_rand(struct ms_modem *m)
{
	/* xorshift64*: reproducible with --seed. */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return (uint32_t)((m->rng * 0x2545F4914F6CDD1Dull) >> 32);
}

/* TS 27.007 9.2 */
static const struct {
	int code;
	const char *text;
} cme_texts[] = {
	{ 0, "phone failure" },
	{ 3, "operation not allowed" },
	{ 4, "operation not supported" },
	{ 10, "SIM not inserted" },
	{ 11, "SIM PIN required" },
	{ 12, "SIM PUK required" },
	{ 13, "SIM failure" },
	{ 14, "SIM busy" },
	{ 15, "SIM wrong" },
	{ 16, "incorrect password" },
	{ 20, "memory full" },
	{ 21, "invalid index" },
	{ 22, "not found" },
	{ 23, "memory failure" },
	{ 24, "text string too long" },
	{ 25, "invalid characters in text string" },
	{ 30, "no network service" },
	{ 31, "network timeout" },
	{ 32, "network not allowed - emergency calls only" },
	{ 50, "incorrect parameters" },
	{ 100, "unknown" },
};

const char *ms_cme_text(int code)
{
	for (size_t i = 0; i < MS_ARRAY_SIZE(cme_texts); i++)
		if (cme_texts[i].code == code)
			return cme_texts[i].text;
	return NULL;
}

/* ---- helpers ------------------------------------------------------------ */

static int gsm__param(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a, int *var, long lo, long hi,
		      const char *name)
{
	long v;

	switch (t) {
	case MS_CMD_SET:
		if (ms_arg_int(a, 0, lo, hi, &v) < 0 || a->n > 1)
			return MS_ERROR;
		*var = (int)v;
		return MS_OK;
	case MS_CMD_READ:
		ms_infof(m, "%s: %d", name, *var);
		return MS_OK;
	case MS_CMD_TEST:
		ms_infof(m, "%s: (%ld-%ld)", name, lo, hi);
		return MS_OK;
	default:
		return MS_OK;
	}
}

static int gsm__text(struct ms_modem *m, enum ms_cmd_type t, const char *text)
{
	if (t == MS_CMD_TEST)
		return MS_OK;
	if (t != MS_CMD_ACTION)
		return MS_ERROR;
	ms_infof(m, "%s", text);
	return MS_OK;
}

static bool gsm__registered(const struct ms_modem *m)
{
	return m->reg == 1 || m->reg == 5;
}

/* ---- identification ----------------------------------------------------- */

static int gsm_cgmi(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	return gsm__text(m, t, m->prof->manufacturer);
}

static int gsm_cgmm(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	return gsm__text(m, t, m->prof->model);
}

static int gsm_cgmr(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	return gsm__text(m, t, m->prof->revision);
}

static int gsm_cgsn(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	return gsm__text(m, t, m->cfg->imei);
}

static int gsm_cimi(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	return gsm__text(m, t, m->cfg->imsi);
}

static int gsm_gcap(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	return gsm__text(m, t, "+GCAP: +CGSM");
}

static int gsm_cnum(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	if (t == MS_CMD_TEST)
		return MS_OK;
	if (t != MS_CMD_ACTION)
		return MS_ERROR;
	if (m->cfg->own_number && m->cfg->own_number[0])
		ms_infof(m, "+CNUM: ,\"%s\",%d", m->cfg->own_number, m->cfg->own_number[0] == '+' ? 145 : 129);
	return MS_OK;
}

static int gsm_clac(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	const struct ms_cmd *tabs[2] = { ms_gsm_cmds, ms_sms_cmds };
	const size_t ns[2] = { ms_gsm_ncmds, ms_sms_ncmds };
	char buf[4096];
	size_t o = 0;

	(void)a;
	if (t == MS_CMD_TEST)
		return MS_OK;
	if (t != MS_CMD_ACTION)
		return MS_ERROR;
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < ns[k]; i++) {
			int n;

			if ((tabs[k][i].flags & MS_F_HUAWEI) && !m->prof->huawei)
				continue;
			n = snprintf(buf + o, sizeof(buf) - o, "%sAT%s", o ? "\r\n" : "", tabs[k][i].name);
			if (n < 0 || (size_t)n >= sizeof(buf) - o)
				return MS_ERROR;
			o += (size_t)n;
		}
	}
	ms_info(m, buf, o);
	return MS_OK;
}

/* ---- errors, character set ---------------------------------------------- */

static int gsm_cmee(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	return gsm__param(m, t, a, &m->cmee, 0, 2, "+CMEE");
}

static int gsm_cscs(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	static const char *const sets[] = { "IRA", "GSM", "UCS2", "8859-1" };
	const char *s;

	switch (t) {
	case MS_CMD_SET:
		s = ms_arg_str(a, 0);
		if (!s || a->n > 1)
			return MS_ERROR;
		for (size_t i = 0; i < MS_ARRAY_SIZE(sets); i++) {
			if (strcasecmp(s, sets[i]) == 0) {
				snprintf(m->cscs, sizeof(m->cscs), "%s", sets[i]);
				return MS_OK;
			}
		}
		return MS_CME(CME_NOT_SUPPORTED);
	case MS_CMD_READ:
		ms_infof(m, "+CSCS: \"%s\"", m->cscs);
		return MS_OK;
	case MS_CMD_TEST:
		ms_infof(m, "+CSCS: (\"IRA\",\"GSM\",\"UCS2\",\"8859-1\")");
		return MS_OK;
	default:
		return MS_OK;
	}
}

/* ---- SIM ---------------------------------------------------------------- */

static void gsm__sim_ready_banners(struct ms_modem *m)
{
	if (m->prof->simcom) {
		ms_urcf(m, false, "+CPIN: READY");
		ms_urcf(m, false, "Call Ready");
		ms_urcf(m, false, "SMS Ready");
	}
}

static int gsm_cpin(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	const char *code, *newpin;

	if (t == MS_CMD_TEST)
		return MS_OK;
	if (m->sim == MS_SIM_ABSENT)
		return MS_CME(CME_SIM_NOT_INSERTED);
	if (m->sim == MS_SIM_BLOCKED)
		return MS_CME(CME_SIM_FAILURE);
	if (t == MS_CMD_READ) {
		ms_infof(m, "+CPIN: %s", m->sim == MS_SIM_READY ? "READY" : m->sim == MS_SIM_PIN ? "SIM PIN" : "SIM PUK");
		return MS_OK;
	}
	if (t != MS_CMD_SET)
		return MS_ERROR;
	code = ms_arg_str(a, 0);
	newpin = ms_arg_str(a, 1);
	if (!code || a->n > 2)
		return MS_ERROR;
	switch (m->sim) {
	case MS_SIM_READY:
		return MS_CME(CME_NOT_ALLOWED);
	case MS_SIM_PIN:
		if (strcmp(code, m->pin) != 0) {
			/* A real SIM counts down, and locks to PUK after the third. */
			if (--m->pin_left == 0)
				m->sim = MS_SIM_PUK;
			return MS_CME(CME_WRONG_PASSWORD);
		}
		break;
	case MS_SIM_PUK:
		if (strcmp(code, m->puk) != 0 || !newpin || strlen(newpin) < 4 || strlen(newpin) > 8) {
			if (strcmp(code, m->puk) != 0 && --m->puk_left == 0)
				m->sim = MS_SIM_BLOCKED;
			return MS_CME(CME_WRONG_PASSWORD);
		}
		snprintf(m->pin, sizeof(m->pin), "%s", newpin);
		m->puk_left = GSM_PUK_TRIES;
		break;
	default:
		return MS_CME(CME_SIM_FAILURE);
	}
	m->sim = MS_SIM_READY;
	m->pin_left = GSM_PIN_TRIES;
	gsm__sim_ready_banners(m);
	ms_gsm_network_changed(m);
	return MS_OK;
}

static int gsm_clck(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	const char *fac, *pwd;
	long mode;

	if (t == MS_CMD_TEST) {
		ms_infof(m, "+CLCK: (\"SC\",\"AO\",\"OI\",\"OX\",\"AI\",\"IR\",\"AB\",\"AG\",\"AC\",\"FD\")");
		return MS_OK;
	}
	if (t != MS_CMD_SET)
		return MS_ERROR;
	fac = ms_arg_str(a, 0);
	if (!fac || ms_arg_int(a, 1, 0, 2, &mode) < 0)
		return MS_ERROR;
	if (strcasecmp(fac, "SC") != 0) {
		if (mode == 2)
			ms_infof(m, "+CLCK: 0");
		return MS_OK;
	}
	if (mode == 2) {
		ms_infof(m, "+CLCK: %d", m->pin_enabled);
		return MS_OK;
	}
	pwd = ms_arg_str(a, 2);
	if (!pwd)
		return MS_CME(CME_BAD_PARAM);
	if (strcmp(pwd, m->pin) != 0) {
		if (--m->pin_left == 0)
			m->sim = MS_SIM_PUK;
		return MS_CME(CME_WRONG_PASSWORD);
	}
	m->pin_left = GSM_PIN_TRIES;
	m->pin_enabled = mode == 1;
	return MS_OK;
}

static int gsm_cpwd(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	const char *fac, *old, *new;

	if (t == MS_CMD_TEST) {
		ms_infof(m, "+CPWD: (\"SC\",8)");
		return MS_OK;
	}
	if (t != MS_CMD_SET)
		return MS_ERROR;
	fac = ms_arg_str(a, 0);
	old = ms_arg_str(a, 1);
	new = ms_arg_str(a, 2);
	if (!fac || !old || !new || strcasecmp(fac, "SC") != 0 || strlen(new) < 4 || strlen(new) > 8)
		return MS_CME(CME_BAD_PARAM);
	if (strcmp(old, m->pin) != 0) {
		if (--m->pin_left == 0)
			m->sim = MS_SIM_PUK;
		return MS_CME(CME_WRONG_PASSWORD);
	}
	m->pin_left = GSM_PIN_TRIES;
	snprintf(m->pin, sizeof(m->pin), "%s", new);
	return MS_OK;
}

/* ---- registration ------------------------------------------------------- */

static int gsm__reg_line(const struct ms_modem *m, char *dst, size_t dstlen, const char *name, int n, bool urc)
{
	char head[32] = "";
	int r;

	if (!urc)
		snprintf(head, sizeof(head), "%d,", n);
	if (n == 2 && gsm__registered(m)) {
		char act[16] = "";

		if (m->prof->act >= 0)
			snprintf(act, sizeof(act), ",%d", m->prof->act);
		if (m->prof->act >= 0)
			r = snprintf(dst, dstlen, "%s: %s%d,\"%04X\",\"%08X\"%s", name, head, m->reg, GSM_LAC, GSM_CI,
				     act);
		else
			r = snprintf(dst, dstlen, "%s: %s%d,\"%04X\",\"%04X\"", name, head, m->reg, GSM_LAC,
				     GSM_CI & 0xffff);
	} else {
		r = snprintf(dst, dstlen, "%s: %s%d", name, head, m->reg);
	}
	return r < 0 || (size_t)r >= dstlen ? -1 : r;
}

static int gsm__reg(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a, int *n, const char *name)
{
	char buf[128];
	int len;

	if (t != MS_CMD_READ)
		return gsm__param(m, t, a, n, 0, 2, name);
	len = gsm__reg_line(m, buf, sizeof(buf), name, *n, false);
	if (len < 0)
		return MS_ERROR;
	ms_info(m, buf, (size_t)len);
	return MS_OK;
}

static int gsm_creg(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	return gsm__reg(m, t, a, &m->creg_n, "+CREG");
}

static int gsm_cgreg(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	return gsm__reg(m, t, a, &m->cgreg_n, "+CGREG");
}

static int gsm_cereg(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	/* LTE only: a GSM module (SIM800) does not know the command. */
	if (m->prof->act != 7)
		return MS_ERROR;
	return gsm__reg(m, t, a, &m->cereg_n, "+CEREG");
}

void ms_gsm_set_reg(struct ms_modem *m, int stat)
{
	struct {
		int n;
		const char *name;
	} urcs[3] = { { m->creg_n, "+CREG" }, { m->cgreg_n, "+CGREG" }, { m->cereg_n, "+CEREG" } };

	if (stat == m->reg)
		return;
	m->reg = stat;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "stat", json_object_new_int(stat));
	ms_log_event(m->log, "registration", o);
	if (gsm__registered(m))
		loop_timer_set(m->loop, &m->retry_timer, 0);
	for (size_t i = 0; i < 3; i++) {
		char buf[128];
		int len;

		if (urcs[i].n == 0 || (i == 2 && m->prof->act != 7))
			continue;
		len = gsm__reg_line(m, buf, sizeof(buf), urcs[i].name, urcs[i].n, true);
		if (len > 0)
			ms_urc(m, false, buf, (size_t)len);
	}
}

static void gsm__reg_timer(struct loop *lp, struct loop_timer *t)
{
	struct ms_modem *m = ms_container_of(t, struct ms_modem, reg_timer);

	(void)lp;
	ms_gsm_set_reg(m, m->roaming ? 5 : 1);
}

void ms_gsm_network_changed(struct ms_modem *m)
{
	int target;

	if (m->sim != MS_SIM_READY || m->cfun != 1 || m->cops_mode == 2)
		target = 0;
	else if (!m->net_up)
		target = m->net_down_stat;
	else
		target = m->roaming ? 5 : 1;
	if (target == 1 || target == 5) {
		if (gsm__registered(m)) {
			ms_gsm_set_reg(m, target);
			return;
		}
		if (m->cfg->register_delay_ms) {
			ms_gsm_set_reg(m, 2);   /* searching */
			loop_timer_set(m->loop, &m->reg_timer, m->cfg->register_delay_ms);
			return;
		}
	}
	loop_timer_cancel(m->loop, &m->reg_timer);
	ms_gsm_set_reg(m, target);
}

static int gsm_cgatt(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	long v;

	switch (t) {
	case MS_CMD_READ:
		ms_infof(m, "+CGATT: %d", gsm__registered(m));
		return MS_OK;
	case MS_CMD_TEST:
		ms_infof(m, "+CGATT: (0,1)");
		return MS_OK;
	case MS_CMD_SET:
		return ms_arg_int(a, 0, 0, 1, &v) < 0 ? MS_ERROR : MS_OK;
	default:
		return MS_ERROR;
	}
}

static int gsm_csq(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	if (t == MS_CMD_TEST) {
		ms_infof(m, "+CSQ: (0-31,99),(0-7,99)");
		return MS_OK;
	}
	if (t != MS_CMD_ACTION)
		return MS_ERROR;
	/* 99: not known, as with the radio off. */
	ms_infof(m, "+CSQ: %d,99", m->cfun == 1 ? m->csq : 99);
	return MS_OK;
}

static int gsm_cbc(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	if (t == MS_CMD_TEST) {
		ms_infof(m, "+CBC: (0-3),(0-100)");
		return MS_OK;
	}
	if (t != MS_CMD_ACTION)
		return MS_ERROR;
	/* Bus powered: "not powered by battery", full. */
	if (m->prof->simcom)
		ms_infof(m, "+CBC: 0,100,4200");
	else
		ms_infof(m, "+CBC: 0,100");
	return MS_OK;
}

static int gsm__oper(const struct ms_modem *m, int format, char *dst, size_t dstlen)
{
	const char *name = format == 0 ? m->cfg->operator_name : format == 1 ? m->cfg->operator_short : m->cfg->plmn;
	int r = snprintf(dst, dstlen, "\"%s\"", name);

	return r < 0 || (size_t)r >= dstlen ? -1 : r;
}

static int gsm_cops(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	char oper[64], act[16] = "";
	long mode, format;
	const char *name;

	if (m->prof->act >= 0)
		snprintf(act, sizeof(act), ",%d", m->prof->act);
	switch (t) {
	case MS_CMD_READ:
		if (!gsm__registered(m)) {
			ms_infof(m, "+COPS: %d", m->cops_mode);
			return MS_OK;
		}
		if (gsm__oper(m, m->cops_format, oper, sizeof(oper)) < 0)
			return MS_ERROR;
		ms_infof(m, "+COPS: %d,%d,%s%s", m->cops_mode, m->cops_format, oper, act);
		return MS_OK;
	case MS_CMD_TEST:
		ms_infof(m, "+COPS: (2,\"%s\",\"%s\",\"%s\"%s),,(0-4),(0-2)", m->cfg->operator_name,
			 m->cfg->operator_short, m->cfg->plmn, act);
		return MS_OK;
	case MS_CMD_SET:
		break;
	default:
		return MS_ERROR;
	}
	if (ms_arg_int(a, 0, 0, 4, &mode) < 0)
		return MS_ERROR;
	if (ms_arg_int(a, 1, 0, 2, &format) == -EINVAL)
		return MS_ERROR;
	name = ms_arg_str(a, 2);
	if (mode == 1 || mode == 4) {
		if (!name || !a->a[1].present)
			return MS_ERROR;
		if (strcmp(name, m->cfg->plmn) != 0 && strcmp(name, m->cfg->operator_name) != 0 &&
		    strcmp(name, m->cfg->operator_short) != 0) {
			if (mode == 1)
				return MS_CME(CME_NO_NETWORK);
			mode = 0;
		}
	}
	if (a->n > 1 && a->a[1].present)
		m->cops_format = (int)format;
	if (mode == 3)
		return MS_OK;
	m->cops_mode = mode == 4 ? 1 : (int)mode;
	ms_gsm_network_changed(m);
	return MS_OK;
}

static int gsm_cfun(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	long fun, rst = 0;

	switch (t) {
	case MS_CMD_READ:
		ms_infof(m, "+CFUN: %d", m->cfun);
		return MS_OK;
	case MS_CMD_TEST:
		ms_infof(m, "+CFUN: (0,1,4),(0-1)");
		return MS_OK;
	case MS_CMD_SET:
		break;
	default:
		return MS_ERROR;
	}
	if (ms_arg_int(a, 0, 0, 4, &fun) < 0 || fun == 2 || fun == 3 || ms_arg_int(a, 1, 0, 1, &rst) == -EINVAL)
		return MS_ERROR;
	if (rst) {
		/* Answer first, then reboot, as the module does. */
		loop_timer_set(m->loop, &m->reset_timer, 0);
		return MS_OK;
	}
	m->cfun = (int)fun;
	ms_gsm_network_changed(m);
	return MS_OK;
}

static int gsm_cpas(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	if (t == MS_CMD_TEST) {
		ms_infof(m, "+CPAS: (0-5)");
		return MS_OK;
	}
	return gsm__text(m, t, "+CPAS: 0");
}

static int gsm_cclk(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	time_t now = time(NULL);
	struct tm tm;
	long q;

	(void)a;
	if (t == MS_CMD_SET || t == MS_CMD_TEST)
		return MS_OK;
	if (t != MS_CMD_READ)
		return MS_ERROR;
	localtime_r(&now, &tm);
	q = tm.tm_gmtoff / 900;
	ms_infof(m, "+CCLK: \"%02d/%02d/%02d,%02d:%02d:%02d%c%02ld\"", tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, q < 0 ? '-' : '+', q < 0 ? -q : q);
	return MS_OK;
}

/* Standard commands a client may send in passing; nothing here depends on
 * them, and a real modem accepts them. */
static int gsm_ok(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)m;
	(void)t;
	(void)a;
	return MS_OK;
}

static int gsm_ipr(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	if (t == MS_CMD_READ)
		ms_infof(m, "+IPR: 115200");
	else if (t == MS_CMD_TEST)
		ms_infof(m, "+IPR: (),(0,9600,19200,38400,57600,115200,230400,460800,921600)");
	return MS_OK;
}

static int gsm_ifc(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	if (t == MS_CMD_READ)
		ms_infof(m, "+IFC: 0,0");
	else if (t == MS_CMD_TEST)
		ms_infof(m, "+IFC: (0-2),(0-2)");
	return MS_OK;
}

/* ---- Huawei ------------------------------------------------------------- */

void ms_huawei_urc(struct ms_modem *m)
{
	ms_urcf(m, false, "^RSSI:%d", m->csq);
}

static void gsm__huawei_random_urc(struct ms_modem *m)
{
	switch (ms_rand(m) % 3) {
	case 0:
		ms_urcf(m, false, "^RSSI:%d", m->csq);
		break;
	case 1:
		ms_urcf(m, false, "^MODE:%d,%d", m->reg == 1 || m->reg == 5 ? 5 : 0, m->reg == 1 || m->reg == 5 ? 4 : 0);
		break;
	default:
		ms_urcf(m, false, "^BOOT:%u,0,0,0,72", 10000000 + ms_rand(m) % 90000000);
		break;
	}
}

static void gsm__urc_timer(struct loop *lp, struct loop_timer *t)
{
	struct ms_modem *m = ms_container_of(t, struct ms_modem, urc_timer);
	unsigned span = m->cfg->urc_max_ms > m->cfg->urc_min_ms ? m->cfg->urc_max_ms - m->cfg->urc_min_ms : 0;

	(void)lp;
	if (m->curc && ms_line_up(&m->line))
		gsm__huawei_random_urc(m);
	loop_timer_set(m->loop, t, m->cfg->urc_min_ms + (span ? ms_rand(m) % (span + 1) : 0));
}

static int gsm_curc(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	int v = m->curc;
	int r = gsm__param(m, t, a, &v, 0, 1, "^CURC");

	m->curc = v;
	return r;
}

static int gsm_sysinfo(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	bool reg = gsm__registered(m);

	(void)a;
	if (t == MS_CMD_TEST)
		return MS_OK;
	if (t != MS_CMD_ACTION)
		return MS_ERROR;
	ms_infof(m, "^SYSINFO:%d,%d,%d,%d,%d,,%d", reg ? 2 : 0, reg ? 3 : 0, m->reg == 5,
		 reg ? 5 : 0, m->sim == MS_SIM_READY ? 1 : m->sim == MS_SIM_ABSENT ? 255 : 0, reg ? 4 : 0);
	return MS_OK;
}

static int gsm_portsel(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	int r = gsm__param(m, t, a, &m->portsel, 0, 1, "^PORTSEL");

	return r;
}

static int gsm_hwver(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)a;
	return gsm__text(m, t, "^HWVER:\"CL2E3372HM\"");
}

/* ---- power, SIM slot ---------------------------------------------------- */

void ms_gsm_power_on(struct ms_modem *m)
{
	m->sim = !m->sim_present ? MS_SIM_ABSENT : m->pin_enabled ? MS_SIM_PIN : MS_SIM_READY;
	if (m->sim == MS_SIM_PIN && m->pin_left == 0)
		m->sim = MS_SIM_PUK;
	m->cfun = 1;
	m->reg = 0;
	m->cops_mode = 0;
	m->cops_format = 0;
	m->creg_n = m->cgreg_n = m->cereg_n = 0;
	m->curc = true;
	if (m->prof->simcom) {
		ms_urcf(m, false, "RDY");
		ms_urcf(m, false, "+CFUN: 1");
		if (m->sim == MS_SIM_READY)
			gsm__sim_ready_banners(m);
		else if (m->sim == MS_SIM_PIN)
			ms_urcf(m, false, "+CPIN: SIM PIN");
		else if (m->sim == MS_SIM_ABSENT)
			ms_urcf(m, false, "+CPIN: NOT INSERTED");
	}
	if (m->prof->huawei && m->cfg->urc_max_ms)
		loop_timer_set(m->loop, &m->urc_timer, m->cfg->urc_min_ms);
	ms_gsm_network_changed(m);
}

void ms_gsm_sim_remove(struct ms_modem *m)
{
	m->sim_present = false;
	m->sim = MS_SIM_ABSENT;
	if (m->prof->simcom)
		ms_urcf(m, false, "+CPIN: NOT READY");
	if (m->prof->huawei)
		ms_urcf(m, false, "^SIMST:255");
	ms_gsm_network_changed(m);
}

void ms_gsm_sim_insert(struct ms_modem *m)
{
	if (m->sim_present)
		return;
	m->sim_present = true;
	m->sim = m->pin_enabled ? (m->pin_left ? MS_SIM_PIN : MS_SIM_PUK) : MS_SIM_READY;
	if (m->prof->huawei)
		ms_urcf(m, false, "^SIMST:1");
	if (m->prof->simcom) {
		if (m->sim == MS_SIM_READY)
			gsm__sim_ready_banners(m);
		else
			ms_urcf(m, false, "+CPIN: %s", m->sim == MS_SIM_PIN ? "SIM PIN" : "SIM PUK");
	}
	ms_gsm_network_changed(m);
}

void ms_gsm_init(struct ms_modem *m)
{
	loop_timer_init(&m->reg_timer, gsm__reg_timer);
	loop_timer_init(&m->urc_timer, gsm__urc_timer);
	m->pin_left = GSM_PIN_TRIES;
	m->puk_left = GSM_PUK_TRIES;
}

const struct ms_cmd ms_gsm_cmds[] = {
	{ "+CGMI", gsm_cgmi, 0 },
	{ "+GMI", gsm_cgmi, 0 },
	{ "+CGMM", gsm_cgmm, 0 },
	{ "+GMM", gsm_cgmm, 0 },
	{ "+CGMR", gsm_cgmr, 0 },
	{ "+GMR", gsm_cgmr, 0 },
	{ "+CGSN", gsm_cgsn, 0 },
	{ "+GSN", gsm_cgsn, 0 },
	{ "+CIMI", gsm_cimi, MS_F_SIM },
	{ "+GCAP", gsm_gcap, 0 },
	{ "+CNUM", gsm_cnum, MS_F_SIM },
	{ "+CLAC", gsm_clac, 0 },
	{ "+CMEE", gsm_cmee, 0 },
	{ "+CSCS", gsm_cscs, 0 },
	{ "+CPIN", gsm_cpin, 0 },
	{ "+CLCK", gsm_clck, MS_F_SIM },
	{ "+CPWD", gsm_cpwd, MS_F_SIM },
	{ "+CREG", gsm_creg, 0 },
	{ "+CGREG", gsm_cgreg, 0 },
	{ "+CEREG", gsm_cereg, 0 },
	{ "+CGATT", gsm_cgatt, 0 },
	{ "+CSQ", gsm_csq, 0 },
	{ "+CBC", gsm_cbc, 0 },
	{ "+COPS", gsm_cops, 0 },
	{ "+CFUN", gsm_cfun, 0 },
	{ "+CPAS", gsm_cpas, 0 },
	{ "+CCLK", gsm_cclk, 0 },
	{ "+IPR", gsm_ipr, 0 },
	{ "+IFC", gsm_ifc, 0 },
	{ "+ICF", gsm_ok, 0 },
	{ "+CHUP", gsm_ok, 0 },
	{ "+CUSD", gsm_ok, 0 },
	{ "+CRC", gsm_ok, 0 },
	{ "+CLIP", gsm_ok, 0 },
	{ "+CLIR", gsm_ok, 0 },
	{ "+COLP", gsm_ok, 0 },
	{ "+CSSN", gsm_ok, 0 },
	{ "+CVHU", gsm_ok, 0 },
	{ "+CTZR", gsm_ok, 0 },
	{ "+CTZU", gsm_ok, 0 },
	{ "+CR", gsm_ok, 0 },
	{ "+CSNS", gsm_ok, 0 },
	{ "+CBST", gsm_ok, 0 },
	{ "+CGDCONT", gsm_ok, 0 },
	{ "^CURC", gsm_curc, MS_F_HUAWEI },
	{ "^SYSINFO", gsm_sysinfo, MS_F_HUAWEI },
	{ "^HWVER", gsm_hwver, MS_F_HUAWEI },
	{ "^U2DIAG", gsm_ok, MS_F_HUAWEI },
	{ "^PORTSEL", gsm_portsel, MS_F_HUAWEI },
};
const size_t ms_gsm_ncmds = MS_ARRAY_SIZE(ms_gsm_cmds);
