/*
 * The V.250 side of the simulator: the input state machine (one handler
 * per state, dispatched through a table), command-line execution (basic
 * commands, S-parameters, extended "+NAME" commands), and the formatting
 * of information text, final result codes and unsolicited result codes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modemsim.h"

#define AT_END 1                /* at__next: nothing left on the line */
#define AT_NAME_MAX 16

/* ---- output ------------------------------------------------------------- */

void ms_out(struct ms_modem *m, const void *buf, size_t n)
{
	/* A hung modem says nothing, whatever happens inside it. */
	if (m->hung)
		return;
	ms_line_write(&m->line, buf, n);
}

void ms_outf(struct ms_modem *m, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	ms_out(m, buf, (size_t)n);
}

static void at__crlf(struct ms_modem *m)
{
	char c[2] = { (char)m->s[3], (char)m->s[4] };

	ms_out(m, c, 2);
}

/* V.250 5.7.1: verbose text has a <cr><lf> header and trailer; numeric
 * mode (V0) drops the header. */
void ms_info(struct ms_modem *m, const char *text, size_t n)
{
	if (m->verbose)
		at__crlf(m);
	ms_out(m, text, n);
	at__crlf(m);
}

void ms_infof(struct ms_modem *m, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	ms_info(m, buf, (size_t)n);
}

static void at__code(struct ms_modem *m, int num, const char *verbose)
{
	if (m->quiet)
		return;
	if (m->verbose)
		ms_infof(m, "%s", verbose);
	else
		ms_outf(m, "%d%c", num, (char)m->s[3]);
}

static void at__log_result(struct ms_modem *m, const char *text)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "result", json_object_new_string(text));
	ms_log_event(m->log, "result", o);
}

static void at__drain(struct ms_modem *m);

static void at__final(struct ms_modem *m, int res)
{
	char text[96];

	if (res == MS_OK) {
		snprintf(text, sizeof(text), "OK");
		at__code(m, 0, text);
	} else if (res == MS_NO_CARRIER) {
		snprintf(text, sizeof(text), "NO CARRIER");
		at__code(m, 3, text);
	} else if ((MS_IS_CME(res) || MS_IS_CMS(res)) && m->cmee && !m->prof->bare_errors) {
		bool cme = MS_IS_CME(res);
		int code = MS_CODE(res);
		const char *verbose = cme ? ms_cme_text(code) : ms_cms_text(code);

		if (m->cmee == 2 && verbose)
			snprintf(text, sizeof(text), "+%s ERROR: %s", cme ? "CME" : "CMS", verbose);
		else
			snprintf(text, sizeof(text), "+%s ERROR: %d", cme ? "CME" : "CMS", code);
		/* Not a V.250 result code: shown even in V0 as information text. */
		if (!m->quiet)
			ms_infof(m, "%s", text);
	} else {
		snprintf(text, sizeof(text), "ERROR");
		at__code(m, 4, text);
	}
	at__log_result(m, text);
	m->at.st = MS_IN_SCAN;
	ms_urc_flush(m);
	at__drain(m);
}

/* ---- unsolicited result codes ------------------------------------------ */

bool ms_at_busy(const struct ms_modem *m)
{
	return m->at.st == MS_IN_BUSY || m->at.st == MS_IN_PROMPT;
}

static void at__urc_send(struct ms_modem *m, const char *text, size_t n)
{
	if (m->verbose)
		at__crlf(m);
	ms_out(m, text, n);
	at__crlf(m);
}

static void at__urc_queue(struct ms_modem *m, bool sms, const char *text, size_t n)
{
	struct ms_urc *u = malloc(sizeof(*u) + n + 1);

	if (!u)
		return;
	if (m->urc_count >= MS_URC_QUEUE_MAX) {
		/* TS 27.005 3.4.1 mode 0/2: the oldest indication gives way. */
		struct ms_urc *old = m->urc_head;

		m->urc_head = old->next;
		if (!m->urc_head)
			m->urc_tail = NULL;
		free(old);
		m->urc_count--;
	}
	u->next = NULL;
	u->sms = sms;
	u->len = n;
	memcpy(u->text, text, n);
	u->text[n] = '\0';
	if (m->urc_tail)
		m->urc_tail->next = u;
	else
		m->urc_head = u;
	m->urc_tail = u;
	m->urc_count++;
}

void ms_urc(struct ms_modem *m, bool sms, const char *text, size_t n)
{
	bool busy = ms_at_busy(m);

	if (!ms_line_up(&m->line) || m->hung)
		return;
	/* Never inside the echo of a line being typed: held until its CR. */
	if (m->at.st == MS_IN_A || m->at.st == MS_IN_LINE) {
		at__urc_queue(m, sms, text, n);
		return;
	}
	if (sms) {
		/* TS 27.005 3.4.1 +CNMI <mode> */
		switch (m->cnmi[0]) {
		case 0:
			at__urc_queue(m, sms, text, n);
			return;
		case 1:
			if (busy)
				return;
			break;
		case 2:
			if (busy) {
				at__urc_queue(m, sms, text, n);
				return;
			}
			break;
		default:
			break;
		}
	} else if (busy && !m->prof->urc_anytime) {
		at__urc_queue(m, sms, text, n);
		return;
	}
	at__urc_send(m, text, n);
}

void ms_urcf(struct ms_modem *m, bool sms, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	ms_urc(m, sms, buf, (size_t)n);
}

static void at__urc_flush(struct ms_modem *m, bool force)
{
	struct ms_urc **pp = &m->urc_head;

	if (!force && ms_at_busy(m))
		return;
	m->urc_tail = NULL;
	while (*pp) {
		struct ms_urc *u = *pp;

		if (u->sms && m->cnmi[0] == 0) {
			/* still buffered in the TA */
			m->urc_tail = u;
			pp = &u->next;
			continue;
		}
		*pp = u->next;
		m->urc_count--;
		if (ms_line_up(&m->line) && !m->hung)
			at__urc_send(m, u->text, u->len);
		free(u);
	}
}

void ms_urc_flush(struct ms_modem *m)
{
	at__urc_flush(m, false);
}

void ms_urc_clear(struct ms_modem *m)
{
	while (m->urc_head) {
		struct ms_urc *u = m->urc_head;

		m->urc_head = u->next;
		free(u);
	}
	m->urc_tail = NULL;
	m->urc_count = 0;
}

/* ---- arguments ---------------------------------------------------------- */

/* Splits "1,\"SM\",,5" into arguments. Strings may carry \HH escapes
 * (V.250 5.4.2.2). */
static int at__args(struct ms_args *a, const char *s, size_t len)
{
	size_t i = 0, o = 0;

	a->n = 0;
	for (;;) {
		struct ms_arg *arg;

		if (a->n >= MS_ARGS_MAX)
			return -E2BIG;
		arg = &a->a[a->n++];
		arg->s = a->buf + o;
		arg->quoted = false;
		if (i < len && s[i] == '"') {
			arg->quoted = true;
			i++;
			while (i < len && s[i] != '"') {
				char c = s[i++];

				if (c == '\\') {
					int hi = i < len ? hex_digit(s[i]) : -1;
					int lo = i + 1 < len ? hex_digit(s[i + 1]) : -1;

					if (hi < 0 || lo < 0)
						return -EINVAL;
					c = (char)(hi << 4 | lo);
					i += 2;
				}
				a->buf[o++] = c;
			}
			if (i >= len)
				return -EINVAL;
			i++;
			if (i < len && s[i] != ',')
				return -EINVAL;
		} else {
			while (i < len && s[i] != ',')
				a->buf[o++] = s[i++];
		}
		arg->len = (size_t)(a->buf + o - arg->s);
		a->buf[o++] = '\0';
		arg->present = arg->quoted || arg->len > 0;
		if (i >= len)
			return 0;
		i++;    /* the comma */
	}
}

int ms_arg_int(const struct ms_args *a, unsigned i, long lo, long hi, long *v)
{
	const struct ms_arg *arg;
	long x = 0;

	if (!a || i >= a->n || !a->a[i].present)
		return -ENOENT;
	arg = &a->a[i];
	if (arg->quoted || arg->len == 0 || arg->len > 9)
		return -EINVAL;
	for (size_t k = 0; k < arg->len; k++) {
		if (!isdigit((unsigned char)arg->s[k]))
			return -EINVAL;
		x = x * 10 + (arg->s[k] - '0');
	}
	if (x < lo || x > hi)
		return -EINVAL;
	*v = x;
	return 0;
}

const char *ms_arg_str(const struct ms_args *a, unsigned i)
{
	if (!a || i >= a->n || !a->a[i].present)
		return NULL;
	return a->a[i].s;
}

/* ---- basic commands (V.250 6.x) ----------------------------------------- */

static void at__defaults(struct ms_modem *m)
{
	static const uint8_t sregs[13] = { 0, 0, 43, 13, 10, 8, 2, 50, 2, 6, 14, 95, 50 };

	m->echo = true;
	m->quiet = false;
	m->verbose = true;
	memcpy(m->s, sregs, sizeof(m->s));
	m->cmee = 0;
	ms_sms_defaults(m);
}

static int at__flag(bool *flag, long v)
{
	if (v < 0 || v > 1)
		return MS_ERROR;
	*flag = v == 1;
	return MS_OK;
}

static int at__basic(struct ms_modem *m, char amp, char letter, long v, bool has_v)
{
	if (!amp) {
		switch (letter) {
		case 'E':
			return at__flag(&m->echo, has_v ? v : 0);
		case 'Q':
			return at__flag(&m->quiet, has_v ? v : 0);
		case 'V': {
			int r = at__flag(&m->verbose, has_v ? v : 0);

			return r;
		}
		case 'Z':
			if (has_v && v != 0)
				return MS_ERROR;
			at__defaults(m);
			return MS_OK;
		case 'I': {
			char buf[512];
			const char *ati = m->prof->ati, *at = strstr(ati, "@IMEI@");

			if (at) {
				if ((size_t)snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - ati), ati, m->cfg->imei,
						     at + 6) >= sizeof(buf))
					return MS_ERROR;
				ati = buf;
			}
			ms_infof(m, "%s", ati);
			return MS_OK;
		}
		case 'A':
		case 'O':
			return MS_NO_CARRIER;   /* no call to answer or return to */
		case 'H':
		case 'L':
		case 'M':
		case 'X':
		case 'P':
		case 'T':
			return MS_OK;
		default:
			return MS_ERROR;
		}
	}
	switch (letter) {
	case 'F':
		if (has_v && v != 0)
			return MS_ERROR;
		at__defaults(m);
		return MS_OK;
	case 'V':
		ms_infof(m, "ACTIVE PROFILE:\r\nE%d Q%d V%d S0:%03d S3:%03d S4:%03d S5:%03d +CMEE: %d +CMGF: %d",
			 m->echo, m->quiet, m->verbose, m->s[0], m->s[3], m->s[4], m->s[5], m->cmee, m->cmgf);
		return MS_OK;
	case 'W':
	case 'C':
	case 'D':
	case 'K':
	case 'S':
	case 'Y':
		return MS_OK;
	default:
		return MS_ERROR;
	}
}

/* ---- the command table -------------------------------------------------- */

static const struct ms_cmd *at__lookup(const char *name)
{
	const struct ms_cmd *tabs[2] = { ms_gsm_cmds, ms_sms_cmds };
	const size_t ns[2] = { ms_gsm_ncmds, ms_sms_ncmds };

	for (size_t t = 0; t < 2; t++)
		for (size_t i = 0; i < ns[t]; i++)
			if (strcmp(tabs[t][i].name, name) == 0)
				return &tabs[t][i];
	return NULL;
}

static int at__sim_check(const struct ms_modem *m, unsigned flags)
{
	bool cms = flags & MS_F_SMS;

	if (!(flags & (MS_F_SIM | MS_F_SMS)))
		return MS_OK;
	switch (m->sim) {
	case MS_SIM_READY:
		return MS_OK;
	case MS_SIM_PIN:
		return cms ? MS_CMS(CMS_SIM_PIN) : MS_CME(CME_SIM_PIN);
	case MS_SIM_PUK:
		return cms ? MS_CMS(CMS_SIM_PUK) : MS_CME(CME_SIM_PUK);
	case MS_SIM_ABSENT:
		return cms ? MS_CMS(CMS_SIM_NOT_INSERTED) : MS_CME(CME_SIM_NOT_INSERTED);
	case MS_SIM_BLOCKED:
	default:
		return cms ? MS_CMS(CMS_SIM_FAILURE) : MS_CME(CME_SIM_FAILURE);
	}
}

static bool at__name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("!%-./:_", c);
}

static int at__extended(struct ms_modem *m)
{
	const char *c = m->at.cmd;
	size_t p = m->at.pos, q = p + 1, aend;
	char name[AT_NAME_MAX + 1];
	enum ms_cmd_type type = MS_CMD_ACTION;
	struct ms_args args;
	const struct ms_cmd *cmd;
	bool in_quotes = false;
	int r;

	while (c[q] && at__name_char(c[q]))
		q++;
	if (q - p > AT_NAME_MAX || q - p < 2)
		return MS_ERROR;
	memcpy(name, c + p, q - p);
	name[q - p] = '\0';
	args.n = 0;
	if (c[q] == '=' && c[q + 1] == '?') {
		type = MS_CMD_TEST;
		q += 2;
	} else if (c[q] == '=') {
		type = MS_CMD_SET;
		q++;
		for (aend = q; c[aend] && (in_quotes || c[aend] != ';'); aend++)
			if (c[aend] == '"')
				in_quotes = !in_quotes;
		if (at__args(&args, c + q, aend - q) < 0)
			return MS_ERROR;
		q = aend;
	} else if (c[q] == '?') {
		type = MS_CMD_READ;
		q++;
	}
	if (c[q] && c[q] != ';')
		return MS_ERROR;
	m->at.pos = q;
	cmd = at__lookup(name);
	if (!cmd || ((cmd->flags & MS_F_HUAWEI) && !m->prof->huawei))
		return MS_ERROR;
	r = at__sim_check(m, cmd->flags);
	if (r != MS_OK)
		return r;
	return cmd->fn(m, type, type == MS_CMD_SET ? &args : NULL);
}

static int at__sreg(struct ms_modem *m)
{
	const char *c = m->at.cmd;
	size_t p = m->at.pos;
	long reg = 0, v = 0;
	bool digits = false;

	while (isdigit((unsigned char)c[p]) && reg < 1000) {
		reg = reg * 10 + (c[p++] - '0');
		digits = true;
	}
	if (!digits || reg >= (long)sizeof(m->s))
		return MS_ERROR;
	if (c[p] == '?') {
		m->at.pos = p + 1;
		ms_infof(m, "%03d", m->s[reg]);
		return MS_OK;
	}
	if (c[p] != '=')
		return MS_ERROR;
	p++;
	digits = false;
	while (isdigit((unsigned char)c[p]) && v < 1000) {
		v = v * 10 + (c[p++] - '0');
		digits = true;
	}
	m->at.pos = p;
	if (!digits || v > 127)
		return MS_ERROR;
	/* S3 and S4 must stay line-end characters, S5 a control character. */
	if ((reg == 3 || reg == 4 || reg == 5) && (v == 0 || v >= 32))
		return MS_ERROR;
	m->s[reg] = (uint8_t)v;
	return MS_OK;
}

/* Executes the next command on the line. */
static int at__next(struct ms_modem *m)
{
	const char *c = m->at.cmd;
	size_t p = m->at.pos;
	char amp = 0, letter;
	long v = 0;
	bool has_v = false;

	while (c[p] == ';')
		p++;
	m->at.pos = p;
	if (!c[p])
		return AT_END;
	if (strchr("+^$%*#", c[p]))
		return at__extended(m);
	if (c[p] == 'D') {
		/* The dial string takes the rest of the line (V.250 6.3.1). */
		m->at.pos = m->at.cmd_len;
		return MS_NO_CARRIER;
	}
	if (c[p] == 'S') {
		m->at.pos = p + 1;
		return at__sreg(m);
	}
	if (c[p] == '&')
		amp = c[p++];
	letter = c[p++];
	if (letter < 'A' || letter > 'Z')
		return MS_ERROR;
	while (isdigit((unsigned char)c[p]) && v < 1000) {
		v = v * 10 + (c[p++] - '0');
		has_v = true;
	}
	m->at.pos = p;
	return at__basic(m, amp, letter, v, has_v);
}

static void at__run(struct ms_modem *m)
{
	for (;;) {
		int r = at__next(m);

		if (r == AT_END) {
			at__final(m, MS_OK);
			return;
		}
		if (r == MS_PENDING)
			return;
		if (r != MS_OK) {
			at__final(m, r);
			return;
		}
	}
}

void ms_at_resume(struct ms_modem *m, int res)
{
	if (m->at.st != MS_IN_BUSY && m->at.st != MS_IN_PROMPT)
		return;
	m->at.st = MS_IN_BUSY;
	if (res != MS_OK) {
		at__final(m, res);
		return;
	}
	at__run(m);
}

/* V.250 5.1/5.2: spaces outside strings are ignored and lower case is
 * upper case there; strings keep their bytes. */
static int at__normalise(struct ms_modem *m, const char *body, size_t len)
{
	bool in_quotes = false;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = body[i];

		if (ch == '"')
			in_quotes = !in_quotes;
		else if (!in_quotes && ch == ' ')
			continue;
		else if (!in_quotes)
			ch = (char)toupper((unsigned char)ch);
		m->at.cmd[o++] = ch;
	}
	m->at.cmd[o] = '\0';
	m->at.cmd_len = o;
	m->at.pos = 0;
	return in_quotes ? -EINVAL : 0;
}

static void at__execute(struct ms_modem *m, const char *body, size_t len, bool overflow)
{
	json_object *o = json_object_new_object();
	char shown[MS_LINE_MAX + 3];

	snprintf(shown, sizeof(shown), "AT%.*s", (int)len, body);
	json_object_object_add(o, "line", json_object_new_string(shown));
	ms_log_event(m->log, "cmd", o);
	m->at.st = MS_IN_BUSY;
	if (overflow || at__normalise(m, body, len) < 0) {
		at__final(m, MS_ERROR);
		return;
	}
	if (m->at.cmd_len == 0 && m->prof->reject_bare_at) {
		at__final(m, MS_ERROR);
		return;
	}
	at__run(m);
}

/* ---- the input state machine ------------------------------------------- */

static void at__echo(struct ms_modem *m, uint8_t c)
{
	if (m->echo && !m->prof->never_echo)
		ms_out(m, &c, 1);
}

static void at__in_scan(struct ms_modem *m, uint8_t c)
{
	at__echo(m, c);
	if (c == 'A' || c == 'a')
		m->at.st = MS_IN_A;
}

static void at__in_a(struct ms_modem *m, uint8_t c)
{
	at__echo(m, c);
	if (c == 'T' || c == 't') {
		m->at.st = MS_IN_LINE;
		m->at.len = 0;
		m->at.overflow = false;
	} else if (c == '/') {
		/* A/ repeats the last command line at once (V.250 5.2.4). */
		char body[MS_LINE_MAX + 1];
		size_t n = m->at.last_len;

		memcpy(body, m->at.last, n);
		at__execute(m, body, n, false);
	} else if (c != 'A' && c != 'a') {
		m->at.st = MS_IN_SCAN;
	}
}

static void at__in_line(struct ms_modem *m, uint8_t c)
{
	at__echo(m, c);
	if (c == m->s[3]) {
		/* What arrived while the line was typed: after its echo, and on
		 * the devices that do not wait, before its answer. */
		m->at.st = MS_IN_SCAN;
		if (m->prof->urc_anytime)
			at__urc_flush(m, true);
		memcpy(m->at.last, m->at.line, m->at.len);
		m->at.last_len = m->at.len;
		at__execute(m, m->at.line, m->at.len, m->at.overflow);
	} else if (c == m->s[5]) {
		if (m->at.len)
			m->at.len--;
	} else if (c < 0x20 || c == 0x7f) {
		/* Other control characters are ignored (gsm-utils sends a NUL). */
	} else if (m->at.len < MS_LINE_MAX) {
		m->at.line[m->at.len++] = (char)c;
	} else {
		m->at.overflow = true;
	}
}

static void at__in_busy(struct ms_modem *m, uint8_t c)
{
	if (m->at.pend_len < sizeof(m->at.pend))
		m->at.pend[m->at.pend_len++] = c;
}

#define AT_CTRL_Z 0x1a
#define AT_ESC    0x1b

static void at__in_prompt(struct ms_modem *m, uint8_t c)
{
	if (c == AT_CTRL_Z) {
		int r;

		m->at.st = MS_IN_BUSY;
		r = ms_sms_prompt_done(m);
		if (r != MS_PENDING)
			ms_at_resume(m, r);
		return;
	}
	if (c == AT_ESC) {
		/* TS 27.005 3.5.1: ESC quits without sending. */
		ms_at_resume(m, MS_OK);
		return;
	}
	at__echo(m, c);
	if (m->cmgf == 1 && c == m->s[3]) {
		/* Text mode: a new line of the message, and a new prompt. */
		if (m->at.plen < sizeof(m->at.pbuf))
			m->at.pbuf[m->at.plen++] = '\n';
		ms_out(m, "\r\n> ", 4);
		return;
	}
	if (m->cmgf == 0 && (c == '\r' || c == '\n' || c == ' ' || c == '\t'))
		return;
	if (m->cmgf == 1 && c == m->s[5]) {
		if (m->at.plen)
			m->at.plen--;
		return;
	}
	if (m->at.plen < sizeof(m->at.pbuf))
		m->at.pbuf[m->at.plen++] = (char)c;
	else
		m->at.poverflow = true;
}

typedef void (*at_in_fn)(struct ms_modem *m, uint8_t c);

static const at_in_fn at_in[MS_IN_STATES] = {
	[MS_IN_SCAN] = at__in_scan,
	[MS_IN_A] = at__in_a,
	[MS_IN_LINE] = at__in_line,
	[MS_IN_BUSY] = at__in_busy,
	[MS_IN_PROMPT] = at__in_prompt,
};

static void at__drain(struct ms_modem *m)
{
	/* Input held while a command ran, fed in order; stops as soon as a
	 * command goes pending again. Re-entry (a held command completing
	 * at once) is left to the outer call. */
	if (m->at.draining)
		return;
	m->at.draining = true;
	while (m->at.pend_len && m->at.st != MS_IN_BUSY && !m->hung) {
		uint8_t c = m->at.pend[0];

		memmove(m->at.pend, m->at.pend + 1, --m->at.pend_len);
		at_in[m->at.st](m, c);
	}
	m->at.draining = false;
}

void ms_at_input(struct ms_modem *m, const uint8_t *buf, size_t n)
{
	if (m->hung) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "bytes", json_object_new_int((int)n));
		ms_log_event(m->log, "ignored", o);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (m->at.st == MS_IN_BUSY || m->at.pend_len) {
			at__in_busy(m, buf[i]);
			continue;
		}
		at_in[m->at.st](m, buf[i]);
	}
}

void ms_prompt_start(struct ms_modem *m, enum ms_prompt_kind kind)
{
	m->at.st = MS_IN_PROMPT;
	m->at.prompt = kind;
	m->at.plen = 0;
	m->at.poverflow = false;
	/* The Huawei quirk: a ^-URC between the command and its prompt. */
	if (m->prof->huawei && m->curc && m->cfg->urc_chance && ms_rand(m) % 100 < m->cfg->urc_chance)
		ms_huawei_urc(m);
	ms_out(m, "\r\n> ", 4);
}

void ms_at_reset(struct ms_modem *m)
{
	m->at.st = MS_IN_SCAN;
	m->at.len = 0;
	m->at.pend_len = 0;
	m->at.plen = 0;
	m->at.last_len = 0;
	at__defaults(m);
}
