#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "at.h"
#include "log.h"
#include "util.h"

#define AT_PROMPT_MS 10000      /* "> " comes at once on every modem seen; 10 s is generous */
#define CTRL_Z "\x1a"
#define ESC "\x1b"

const char *at_final_name(enum at_final f)
{
	static const char *const names[] = { "OK", "ERROR", "+CMS ERROR", "+CME ERROR", "NO CARRIER", "timeout",
					     "line closed" };

	return (unsigned)f < ARRAY_SIZE(names) ? names[f] : "?";
}

/* ---- classification ----------------------------------------------------- */

struct urc_pattern {
	const char *text;
	bool exact;             /* the whole line, not a prefix */
};

/* Unsolicited result codes of TS 27.005/27.007 and of the vendors whose
 * sticks people use (Huawei ^..., SIMCom and Quectel banners). */
static const struct urc_pattern urc_patterns[] = {
	{ "+CMTI:", false }, { "+CDSI:", false }, { "+CBM:", false },    { "+CREG:", false },
	{ "+CGREG:", false }, { "+CEREG:", false }, { "+C5GREG:", false }, { "RING", true },
	{ "+CRING:", false }, { "+CLIP:", false }, { "+CUSD:", false },   { "+CGEV:", false },
	{ "+CIEV:", false }, { "+CPIN:", false },  { "+CFUN:", false },   { "+CTZV:", false },
	{ "+CTZE:", false }, { "+QIND:", false },  { "+QUSIM:", false },  { "+PACSP", false },
	{ "^RSSI:", false }, { "^HCSQ:", false },  { "^MODE:", false },   { "^BOOT:", false },
	{ "^SRVST:", false }, { "^SIMST:", false }, { "^SYSSTART", false }, { "^STIN:", false },
	{ "^DSFLOWRPT:", false }, { "^CEND:", false }, { "^ORIG:", false }, { "^CONF:", false },
	{ "^CONN:", false }, { "^NWTIME:", false }, { "*PSUTTZ:", false }, { "DST:", false },
	{ "RDY", true },     { "SMS Ready", true }, { "Call Ready", true }, { "NORMAL POWER DOWN", true },
	{ "UNDER-VOLTAGE POWER DOWN", true }, { "UNDER-VOLTAGE WARNNING", true },
};

/* Information prefixes of the commands we send. One of them during a
 * command that answers with another prefix (or none) is a stale answer:
 * typically "+CMGS: <mr>" of a submit a killed process started, coming
 * out after our next command went in. That answer's final result follows
 * and must not be taken for ours. */
static const char *const answer_prefixes[] = {
	"+CMGS:", "+CMGR:", "+CMGL:", "+CMGW:", "+CSQ:", "+COPS:", "+CPMS:", "+CSMS:", "+CNMI:", "+CSCA:",
	"+CGMI:", "+CGMM:", "+CGMR:", "+CGSN:", "+CIMI:", "+CMEE:", "+CMGF:",
};

static bool stale_answer(const char *line, const char *pending_prefix)
{
	for (size_t i = 0; i < ARRAY_SIZE(answer_prefixes); i++) {
		if (strncmp(line, answer_prefixes[i], strlen(answer_prefixes[i])) == 0)
			return !pending_prefix || strcmp(pending_prefix, answer_prefixes[i]) != 0;
	}
	return false;
}

/* URCs whose PDU follows on the next line (TS 27.005 3.4.1, PDU mode). */
static const char *const urc_pdu_prefixes[] = { "+CMT:", "+CDS:" };

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_urc(const char *line)
{
	for (size_t i = 0; i < ARRAY_SIZE(urc_patterns); i++) {
		const struct urc_pattern *p = &urc_patterns[i];

		if (p->exact ? strcmp(line, p->text) == 0 : starts_with(line, p->text))
			return true;
	}
	return false;
}

/* The answer to AT+CREG? is "+CREG: <n>,<stat>[,...]"; the URC is
 * "+CREG: <stat>[,<lac>,<ci>...]" with <lac> quoted. So a second field of
 * bare digits marks the answer (TS 27.007 7.2; likewise CGREG, CEREG). */
static bool registration_answer(const char *line)
{
	const char *comma = strchr(line, ',');

	return comma && comma[1] >= '0' && comma[1] <= '9';
}

static bool final_code(const char *line, const char *prefix, enum at_final kind, struct at_result *r)
{
	const char *p;

	if (!starts_with(line, prefix))
		return false;
	r->final = kind;
	r->code = -1;
	p = line + strlen(prefix);
	while (*p == ' ')
		p++;
	if (*p >= '0' && *p <= '9') {
		int v = 0;

		while (*p >= '0' && *p <= '9' && v < 100000)
			v = v * 10 + (*p++ - '0');
		if (*p == '\0')
			r->code = v;
	}
	return true;
}

static bool is_final(const char *line, struct at_result *r)
{
	static const char *const errors[] = { "ERROR", "COMMAND NOT SUPPORT", "TOO MANY PARAMETERS" };
	static const char *const no_carrier[] = { "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE" };

	r->code = -1;
	if (strcmp(line, "OK") == 0 || strcmp(line, "0") == 0) { /* "0": V0 numeric OK */
		r->final = AT_OK;
		return true;
	}
	if (strcmp(line, "4") == 0) {
		r->final = AT_ERROR;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(errors); i++) {
		if (strcmp(line, errors[i]) == 0) { /* the Huawei words are its bare ERROR */
			r->final = AT_ERROR;
			return true;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(no_carrier); i++) {
		if (strcmp(line, no_carrier[i]) == 0) {
			r->final = AT_NO_CARRIER;
			return true;
		}
	}
	return final_code(line, "+CMS ERROR:", AT_CMS_ERROR, r) || final_code(line, "+CME ERROR:", AT_CME_ERROR, r);
}

enum at_line_kind at_classify(const char *line, const char *pending_prefix, struct at_result *final)
{
	struct at_result scratch;

	if (!final)
		final = &scratch;
	if (line[0] == '\0')
		return AT_LINE_EMPTY;
	if (is_final(line, final)) {
		snprintf(final->text, sizeof(final->text), "%s", line);
		return AT_LINE_FINAL;
	}
	if (pending_prefix && pending_prefix[0] && starts_with(line, pending_prefix)) {
		bool registration = strcmp(pending_prefix, "+CREG:") == 0 || strcmp(pending_prefix, "+CGREG:") == 0 ||
				    strcmp(pending_prefix, "+CEREG:") == 0;

		if (!registration || registration_answer(line))
			return AT_LINE_INFO;
	}
	for (size_t i = 0; i < ARRAY_SIZE(urc_pdu_prefixes); i++) {
		if (starts_with(line, urc_pdu_prefixes[i]))
			return AT_LINE_URC_PDU;
	}
	return is_urc(line) ? AT_LINE_URC : AT_LINE_INFO;
}

/* ---- transmit ----------------------------------------------------------- */

static void at_flush(struct at *a)
{
	while (a->out_len > 0) {
		ssize_t n = write(a->io.fd, a->out, a->out_len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				a->out_len = 0; /* the read side reports the loss */
				return;
			}
			break;
		}
		memmove(a->out, a->out + n, a->out_len - (size_t)n);
		a->out_len -= (size_t)n;
	}
	loop_fd_mod(a->loop, &a->io, EPOLLIN | (a->out_len ? EPOLLOUT : 0));
}

static void at_write(struct at *a, const char *s, size_t n)
{
	if (!a->attached)
		return;
	if (n > sizeof(a->out) - a->out_len) {
		log_warn("at: output buffer full, %zu bytes dropped", n);
		return;
	}
	memcpy(a->out + a->out_len, s, n);
	a->out_len += n;
	at_flush(a);
}

/* ---- the command in flight ---------------------------------------------- */

static void at_start_next(struct at *a)
{
	char buf[AT_CMD_MAX + 2];
	int n, timeout;

	if (a->busy || a->count == 0 || !a->attached || a->quiet)
		return;
	a->busy = true;
	a->stale_final = false;
	a->prompt_wait = a->q[a->head].has_pdu;
	a->pdu_sent = false;
	a->stats.commands++;
	n = snprintf(buf, sizeof(buf), "%s\r", a->q[a->head].line);
	if (strncasecmp(a->q[a->head].line, "AT+CPIN=", 8) == 0)
		log_debug("at: -> AT+CPIN=<hidden>"); /* a PIN stays out of the logs */
	else
		log_debug("at: -> %s", a->q[a->head].line);
	at_write(a, buf, (size_t)n);
	timeout = a->q[a->head].timeout_ms;
	if (a->prompt_wait && timeout > AT_PROMPT_MS)
		timeout = AT_PROMPT_MS;
	loop_timer_set(a->loop, &a->timer, timeout);
}

static void at_complete(struct at *a, const struct at_result *r)
{
	void (*on_done)(void *, const struct at_result *) = a->q[a->head].on_done;
	void *ctx = a->q[a->head].ctx;

	if (!a->quiet)
		loop_timer_cancel(a->loop, &a->timer);
	a->head = (a->head + 1) % AT_QUEUE_MAX;
	a->count--;
	a->busy = false;
	a->prompt_wait = false;
	if (on_done)
		on_done(ctx, r);
	at_start_next(a);
}

static void at_timer_cb(struct loop *l, struct loop_timer *t)
{
	struct at *a = container_of(t, struct at, timer);
	struct at_result r = { .final = AT_TIMEOUT, .code = -1, .text = "timeout" };

	(void)l;
	if (a->quiet) {
		int64_t left = a->quiet_until - loop_now();

		if (left > 0) {
			loop_timer_set(a->loop, &a->timer, left);
			return;
		}
		a->quiet = false;
		at_start_next(a);
		return;
	}
	if (!a->busy)
		return;
	log_warn("at: no answer to %s%s", a->q[a->head].line, a->prompt_wait ? " (no prompt)" : "");
	if (a->prompt_wait)
		at_write(a, ESC, 1); /* leave the PDU input mode if the modem is in it */
	a->stats.timeouts++;
	/* A late answer must not be taken for the next command's: wait until
	 * the modem has been silent for AT_QUIET_MS first. */
	a->quiet = true;
	a->quiet_ms = AT_QUIET_MS;
	a->quiet_until = loop_now() + AT_QUIET_MS;
	loop_timer_set(a->loop, &a->timer, AT_QUIET_MS);
	at_complete(a, &r);
}

static void at_prompt(struct at *a)
{
	char buf[AT_PDU_HEX_MAX + 2];
	int n = snprintf(buf, sizeof(buf), "%s" CTRL_Z, a->q[a->head].pdu);

	a->prompt_wait = false;
	a->pdu_sent = true;
	at_write(a, buf, (size_t)n);
	loop_timer_set(a->loop, &a->timer, a->q[a->head].timeout_ms);
}

/* ---- receive ------------------------------------------------------------ */

static bool looks_like_pdu(const char *line)
{
	size_t n = strspn(line, "0123456789ABCDEFabcdef");

	return n > 0 && line[n] == '\0';
}

static void at_line(struct at *a, const char *line)
{
	struct at_result r;
	enum at_line_kind kind;

	if (a->urc_wants_pdu) {
		if (looks_like_pdu(line)) {
			a->urc_wants_pdu = false;
			a->stats.urcs++;
			a->on_urc(a->ctx, a->urc_head, line);
			return;
		}
		if (at_classify(line, NULL, NULL) == AT_LINE_URC) {
			/* Another URC in between (a Huawei ^RSSI): the PDU may still come. */
			a->stats.urcs++;
			a->on_urc(a->ctx, line, NULL);
			return;
		}
		a->urc_wants_pdu = false;
		a->on_urc(a->ctx, a->urc_head, NULL); /* the PDU never came */
	}
	if (a->busy && (strcasecmp(line, a->q[a->head].line) == 0 ||
			(a->q[a->head].has_pdu && strcasecmp(line, a->q[a->head].pdu) == 0)))
		return; /* our own echo */
	kind = at_classify(line, a->busy && !a->quiet ? a->q[a->head].prefix : NULL, &r);
	switch (kind) {
	case AT_LINE_EMPTY:
		return;
	case AT_LINE_URC:
		a->stats.urcs++;
		log_debug("at: <- URC %s", line);
		a->on_urc(a->ctx, line, NULL);
		return;
	case AT_LINE_URC_PDU:
		snprintf(a->urc_head, sizeof(a->urc_head), "%s", line);
		a->urc_wants_pdu = true;
		return;
	case AT_LINE_FINAL:
		if (a->busy && !a->quiet && a->stale_final) {
			/* The final result of the stale answer: ours is still to come. */
			a->stale_final = false;
			break;
		}
		if (a->busy && !a->quiet) {
			log_debug("at: <- %s", line);
			at_complete(a, &r);
			return;
		}
		break;
	case AT_LINE_INFO:
		if (a->busy && !a->quiet && stale_answer(line, a->q[a->head].prefix[0] ? a->q[a->head].prefix : NULL)) {
			log_warn("at: stale answer \"%s\" during %s; its final result is skipped", line, a->q[a->head].line);
			a->stale_final = true;
			break;
		}
		if (a->busy && !a->quiet) {
			log_debug("at: <- %s", line);
			if (a->q[a->head].on_info)
				a->q[a->head].on_info(a->q[a->head].ctx, line);
			return;
		}
		break;
	}
	a->stats.unexpected++;
	log_debug("at: <- unexpected: %s", line);
	/* Answers still coming in keep the line from counting as silent;
	 * URCs (a Huawei's ^RSSI every second) do not. */
	if (a->quiet && a->quiet_until - loop_now() < a->quiet_ms)
		a->quiet_until = loop_now() + a->quiet_ms;
}

static void at_input(struct at *a, const char *buf, size_t n)
{
	for (size_t i = 0; i < n && a->attached; i++) {
		char c = buf[i];

		if (c == '>' && a->line_len == 0 && a->busy && a->prompt_wait && !a->quiet) {
			at_prompt(a);
			continue;
		}
		if (c == '\r' || c == '\n') {
			if (a->line_overlong) {
				a->stats.overlong++;
				a->line_overlong = false;
			} else if (a->line_len > 0) {
				a->line[a->line_len] = '\0';
				/* The space after "> " and leading blanks are no content. */
				a->line_len = 0;
				at_line(a, a->line + strspn(a->line, " "));
			}
			a->line_len = 0;
			continue;
		}
		if ((unsigned char)c < 0x20 || c == 0x7f)
			continue; /* NUL, Ctrl-Z echo and other controls carry nothing */
		if (a->line_len >= AT_LINE_MAX) {
			a->line_overlong = true;
			a->line_len = 0;
			continue;
		}
		if (!a->line_overlong)
			a->line[a->line_len++] = c;
	}
}

static void at_io_cb(struct loop *l, struct loop_fd *h, uint32_t revents)
{
	struct at *a = container_of(h, struct at, io);
	char buf[512];

	(void)l;
	if (revents & EPOLLOUT)
		at_flush(a);
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		ssize_t n = read(h->fd, buf, sizeof(buf));

		if (n > 0) {
			at_input(a, buf, (size_t)n);
			return;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		a->on_lost(a->ctx, n == 0 ? EPIPE : errno);
	}
}

/* ---- public ------------------------------------------------------------- */

void at_init(struct at *a, struct loop *l, void (*on_urc)(void *, const char *, const char *),
	     void (*on_lost)(void *, int), void *ctx)
{
	memset(a, 0, sizeof(*a));
	a->loop = l;
	loop_fd_init(&a->io, at_io_cb);
	loop_timer_init(&a->timer, at_timer_cb);
	a->on_urc = on_urc;
	a->on_lost = on_lost;
	a->ctx = ctx;
}

int at_attach(struct at *a, int fd)
{
	int rc = loop_fd_add(a->loop, &a->io, fd, EPOLLIN);

	if (rc < 0)
		return rc;
	a->attached = true;
	a->quiet = false;
	a->line_len = 0;
	a->line_overlong = false;
	a->urc_wants_pdu = false;
	a->out_len = 0;
	at_start_next(a);
	return 0;
}

void at_detach(struct at *a)
{
	struct at_result r = { .final = AT_CLOSED, .code = -1, .text = "line closed" };

	if (!a->attached)
		return;
	loop_fd_del(a->loop, &a->io);
	loop_timer_cancel(a->loop, &a->timer);
	a->attached = false;
	a->quiet = false;
	a->busy = false;
	a->prompt_wait = false;
	a->out_len = 0;
	while (a->count > 0) {
		void (*on_done)(void *, const struct at_result *) = a->q[a->head].on_done;
		void *ctx = a->q[a->head].ctx;

		a->head = (a->head + 1) % AT_QUEUE_MAX;
		a->count--;
		if (on_done)
			on_done(ctx, &r);
	}
}

int at_send(struct at *a, const struct at_req *req)
{
	unsigned slot;

	if (!a->attached)
		return -ENOTCONN;
	if (a->count >= AT_QUEUE_MAX)
		return -EBUSY;
	if (strlen(req->line) > AT_CMD_MAX || (req->pdu && strlen(req->pdu) > AT_PDU_HEX_MAX) ||
	    (req->prefix && strlen(req->prefix) >= sizeof(a->q[0].prefix)))
		return -EINVAL;
	slot = (a->head + a->count) % AT_QUEUE_MAX;
	snprintf(a->q[slot].line, sizeof(a->q[slot].line), "%s", req->line);
	snprintf(a->q[slot].prefix, sizeof(a->q[slot].prefix), "%s", req->prefix ? req->prefix : "");
	a->q[slot].has_pdu = req->pdu != NULL;
	snprintf(a->q[slot].pdu, sizeof(a->q[slot].pdu), "%s", req->pdu ? req->pdu : "");
	a->q[slot].timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : 5000;
	a->q[slot].on_info = req->on_info;
	a->q[slot].on_done = req->on_done;
	a->q[slot].ctx = req->ctx;
	a->count++;
	at_start_next(a);
	return 0;
}

void at_settle(struct at *a, int ms)
{
	if (!a->attached)
		return;
	a->quiet = true;
	a->quiet_ms = ms;
	a->quiet_until = loop_now() + ms;
	loop_timer_set(a->loop, &a->timer, ms);
}

bool at_idle(const struct at *a)
{
	return a->count == 0;
}
