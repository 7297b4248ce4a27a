/*
 * TS 27.005 commands and the network side of SMS: message storage (SM and
 * ME), +CNMI routing of SMS-DELIVERs and status reports, submission with
 * its delay and faults, status reports after a delay, and the messages
 * the control socket injects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "modemsim.h"

#define SMS_STAT_REC_UNREAD 0   /* TS 27.005 3.1 <stat> */
#define SMS_STAT_REC_READ   1
#define SMS_STAT_STO_UNSENT 2
#define SMS_STAT_STO_SENT   3
#define SMS_STAT_ALL        4
#define SMS_PENDING_MAX     256 /* messages the "network" holds for us */

static const char *const stat_names[] = { "REC UNREAD", "REC READ", "STO UNSENT", "STO SENT", "ALL" };

/* TS 27.005 3.2.5, and the TS 24.011 E.2 / TS 23.040 9.2.3.22 causes a
 * network returns (0..255). */
static const struct {
	int code;
	const char *text;
} cms_texts[] = {
	{ 1, "Unassigned (unallocated) number" },
	{ 8, "Operator determined barring" },
	{ 10, "Call barred" },
	{ 21, "Short message transfer rejected" },
	{ 27, "Destination out of service" },
	{ 28, "Unidentified subscriber" },
	{ 29, "Facility rejected" },
	{ 30, "Unknown subscriber" },
	{ 38, "Network out of order" },
	{ 41, "Temporary failure" },
	{ 42, "Congestion" },
	{ 47, "Resources unavailable, unspecified" },
	{ 50, "Requested facility not subscribed" },
	{ 69, "Requested facility not implemented" },
	{ 81, "Invalid short message transfer reference value" },
	{ 95, "Invalid message, unspecified" },
	{ 96, "Invalid mandatory information" },
	{ 97, "Message type non-existent or not implemented" },
	{ 98, "Message not compatible with short message protocol state" },
	{ 99, "Information element non-existent or not implemented" },
	{ 111, "Protocol error, unspecified" },
	{ 127, "Interworking, unspecified" },
	{ 300, "ME failure" },
	{ 301, "SMS service of ME reserved" },
	{ 302, "operation not allowed" },
	{ 303, "operation not supported" },
	{ 304, "invalid PDU mode parameter" },
	{ 305, "invalid text mode parameter" },
	{ 310, "SIM not inserted" },
	{ 311, "SIM PIN required" },
	{ 312, "PH-SIM PIN required" },
	{ 313, "SIM failure" },
	{ 314, "SIM busy" },
	{ 315, "SIM wrong" },
	{ 316, "SIM PUK required" },
	{ 317, "SIM PIN2 required" },
	{ 318, "SIM PUK2 required" },
	{ 320, "memory failure" },
	{ 321, "invalid memory index" },
	{ 322, "memory full" },
	{ 330, "SMSC address unknown" },
	{ 331, "no network service" },
	{ 332, "network timeout" },
	{ 340, "no +CNMA acknowledgement expected" },
	{ 500, "unknown error" },
};

const char *ms_cms_text(int code)
{
	for (size_t i = 0; i < MS_ARRAY_SIZE(cms_texts); i++)
		if (cms_texts[i].code == code)
			return cms_texts[i].text;
	return NULL;
}

/* A message the network could not hand over yet (not registered, or the
 * receiving memory full): the SMSC keeps it and retries, as real ones do. */
struct ms_pending_mt {
	struct ms_pending_mt *next;
	bool report;
	uint8_t len, tpdu_len;
	uint8_t pdu[SMS_PDU_MAX];
};

/* ---- storage ------------------------------------------------------------ */

static struct ms_mem *sms__mem(struct ms_modem *m, int which)
{
	return &m->mem[m->cpms[which]];
}

static unsigned sms__used(const struct ms_mem *mem)
{
	unsigned n = 0;

	for (unsigned i = 0; i < mem->cap; i++)
		n += mem->slot[i].used;
	return n;
}

static struct ms_slot *sms__slot(struct ms_modem *m, struct ms_mem *mem, long index)
{
	long i = index - (long)m->prof->first_index;

	if (i < 0 || i >= (long)mem->cap)
		return NULL;
	return &mem->slot[i];
}

static int sms__store(struct ms_modem *m, struct ms_mem *mem, const uint8_t *pdu, size_t len, size_t tpdu_len,
		      uint8_t stat)
{
	for (unsigned i = 0; i < mem->cap; i++) {
		struct ms_slot *s = &mem->slot[i];

		if (s->used)
			continue;
		s->used = true;
		s->stat = stat;
		s->len = (uint8_t)len;
		s->tpdu_len = (uint8_t)tpdu_len;
		memcpy(s->pdu, pdu, len);
		return (int)(i + m->prof->first_index);
	}
	return -ENOSPC;
}

int ms_sms_init(struct ms_modem *m)
{
	unsigned caps[MS_MEMS] = { m->cfg->sm_slots, m->cfg->me_slots };
	static const char *const names[MS_MEMS] = { "SM", "ME" };

	for (int i = 0; i < MS_MEMS; i++) {
		m->mem[i].name = names[i];
		m->mem[i].cap = caps[i];
		m->mem[i].slot = calloc(caps[i] ? caps[i] : 1, sizeof(struct ms_slot));
		if (!m->mem[i].slot)
			return -ENOMEM;
	}
	m->next_mr = m->cfg->first_mr;
	m->report_status = m->cfg->report_status;
	if (m->cfg->smsc && m->cfg->smsc[0] && sms_address_parse(&m->smsc, m->cfg->smsc) < 0)
		return -EINVAL;
	return 0;
}

void ms_sms_abort(struct ms_modem *m)
{
	loop_timer_cancel(m->loop, &m->send_timer);
	if (m->sub_log) {
		json_object_object_add(m->sub_log, "result", json_object_new_string("aborted"));
		ms_log_event(m->log, "submit", m->sub_log);
		m->sub_log = NULL;
	}
	m->sub_active = false;
}

void ms_sms_free(struct ms_modem *m)
{
	ms_sms_abort(m);
	while (m->reports) {
		struct ms_report *r = m->reports;

		m->reports = r->next;
		loop_timer_cancel(m->loop, &r->t);
		free(r);
	}
	while (m->pending_mt) {
		struct ms_pending_mt *p = m->pending_mt;

		m->pending_mt = p->next;
		free(p);
	}
	for (int i = 0; i < MS_MEMS; i++) {
		free(m->mem[i].slot);
		m->mem[i].slot = NULL;
	}
}

void ms_sms_defaults(struct ms_modem *m)
{
	m->cmgf = 0;
	m->csms = 0;
	m->csdh = 0;
	snprintf(m->cscs, sizeof(m->cscs), "IRA");
	m->csmp[0] = 17;        /* SUBMIT, relative VP */
	m->csmp[1] = 167;       /* 24 hours */
	m->csmp[2] = 0;
	m->csmp[3] = 0;
	memcpy(m->cnmi, m->prof->cnmi_default, sizeof(m->cnmi));
	m->cpms[0] = m->cpms[1] = m->cpms[2] = MS_MEM_SM;
}

/* ---- text mode representation ------------------------------------------- */

static void sms__time_text(char *dst, size_t dstlen, const struct sms_time *t)
{
	int q = t->tz_quarters < 0 ? -t->tz_quarters : t->tz_quarters;

	snprintf(dst, dstlen, "%02d/%02d/%02d,%02d:%02d:%02d%c%02d", t->year % 100, t->month, t->day, t->hour,
		 t->minute, t->second, t->tz_quarters < 0 ? '-' : '+', q);
}

/* The message text as a TE in text mode sees it: in the +CSCS character
 * set, or hex when the DCS is not 7-bit (TS 27.005 3.1 <data>). */
static int sms__text_out(const struct ms_modem *m, const struct sms_pdu *p, char *dst, size_t dstlen)
{
	uint8_t buf[4 * SMS_TEXT_MAX];
	ssize_t n;
	size_t o = 0, pos = 0;

	if (p->enc == SMS_ENC_8BIT || p->compressed)
		return hex_encode(dst, dstlen, p->data, p->data_len) < 0 ? -ENOBUFS : 0;
	if (p->enc == SMS_ENC_UCS2 || strcmp(m->cscs, "UCS2") == 0) {
		n = ucs2_from_utf8(buf, sizeof(buf), p->text, p->text_len, NULL);
		if (n < 0)
			return (int)n;
		return hex_encode(dst, dstlen, buf, (size_t)n) < 0 ? -ENOBUFS : 0;
	}
	while (pos < p->text_len) {
		uint32_t cp;
		uint8_t sept[2];

		if (utf8_next(p->text, p->text_len, &pos, &cp) < 0)
			return -EILSEQ;
		if (o + 3 > dstlen)
			return -ENOBUFS;
		if (strcmp(m->cscs, "GSM") == 0) {
			int k = gsm7_lookup(cp, sept);

			for (int i = 0; i < k; i++)
				dst[o++] = (char)sept[i];
		} else if (strcmp(m->cscs, "8859-1") == 0) {
			dst[o++] = cp < 256 ? (char)cp : '?';
		} else {
			dst[o++] = cp < 128 ? (char)cp : '?';
		}
	}
	dst[o] = '\0';
	return 0;
}

/* Text typed after a text-mode prompt, in the +CSCS set, to UTF-8. */
static int sms__text_in(const struct ms_modem *m, const char *in, size_t n, char *dst, size_t dstlen)
{
	size_t o = 0;

	if (strcmp(m->cscs, "UCS2") == 0) {
		uint8_t buf[MS_PROMPT_MAX / 2];
		ssize_t k = hex_decode(buf, sizeof(buf), in, n, NULL);

		if (k < 0)
			return (int)k;
		return ucs2_to_utf8(dst, dstlen, buf, (size_t)k, NULL) < 0 ? -ENOBUFS : 0;
	}
	if (strcmp(m->cscs, "GSM") == 0) {
		uint8_t sept[MS_PROMPT_MAX];

		for (size_t i = 0; i < n && i < sizeof(sept); i++)
			sept[i] = (uint8_t)in[i] == '\n' ? 0x0a : (uint8_t)in[i] & 0x7f;
		return gsm7_to_utf8(dst, dstlen, sept, n < sizeof(sept) ? n : sizeof(sept)) < 0 ? -ENOBUFS : 0;
	}
	for (size_t i = 0; i < n; i++) {
		int k = utf8_put(dst + o, dstlen - o - 1, (uint8_t)in[i]);

		if (k < 0)
			return k;
		o += (size_t)k;
	}
	dst[o] = '\0';
	return 0;
}

/* +CMGR / +CMGL header and body in text mode. */
static int sms__text_entry(struct ms_modem *m, const struct ms_slot *s, char *head, size_t headlen, char *body,
			   size_t bodylen)
{
	struct sms_pdu p;
	char t1[32], t2[32];

	if (sms_pdu_decode(&p, s->pdu, s->len, true) < 0)
		return -EINVAL;
	if (p.type == SMS_STATUS_REPORT) {
		sms__time_text(t1, sizeof(t1), &p.scts);
		sms__time_text(t2, sizeof(t2), &p.discharge);
		snprintf(head, headlen, "\"%s\",%d,%d,\"%s\",%d,\"%s\",\"%s\",%d", stat_names[s->stat], p.first_octet,
			 p.mr, p.addr.str, p.addr.toa, t1, t2, p.status);
		body[0] = '\0';
		return 1;       /* no body line */
	}
	if (p.type == SMS_DELIVER) {
		sms__time_text(t1, sizeof(t1), &p.scts);
		snprintf(head, headlen, "\"%s\",\"%s\",,\"%s\"", stat_names[s->stat], p.addr.str, t1);
	} else {
		snprintf(head, headlen, "\"%s\",\"%s\",", stat_names[s->stat], p.addr.str);
	}
	return sms__text_out(m, &p, body, bodylen);
}

/* ---- incoming ----------------------------------------------------------- */

static void sms__pdu_urc(struct ms_modem *m, const char *head, const uint8_t *pdu, size_t len)
{
	char hex[2 * SMS_PDU_MAX + 1], buf[2 * SMS_PDU_MAX + 64];
	int n;

	if (hex_encode(hex, sizeof(hex), pdu, len) < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%s\r\n%s", head, hex);
	if (n > 0 && (size_t)n < sizeof(buf))
		ms_urc(m, true, buf, (size_t)n);
}

static bool sms__can_receive(const struct ms_modem *m)
{
	return m->sim == MS_SIM_READY && (m->reg == 1 || m->reg == 5);
}

/* Routes a received TPDU (with its SMSC field) per +CNMI. Returns the
 * storage index, 0x10000 when routed to the TE directly, -ENOSPC when the
 * receiving memory is full, -EAGAIN when not registered. */
static int sms__receive(struct ms_modem *m, const uint8_t *pdu, size_t len, size_t tpdu_len, bool report)
{
	struct ms_mem *mem = sms__mem(m, 2);
	struct sms_pdu p;
	char head[96];
	int idx;

	if (!sms__can_receive(m))
		return -EAGAIN;
	if (sms_pdu_decode(&p, pdu, len, true) < 0)
		return -EINVAL;
	if (report) {
		/* TS 27.005 3.4.1 <ds> */
		if (m->cnmi[3] == 1) {
			if (m->cmgf == 1) {
				char t1[32], t2[32];

				sms__time_text(t1, sizeof(t1), &p.scts);
				sms__time_text(t2, sizeof(t2), &p.discharge);
				ms_urcf(m, true, "+CDS: %d,%d,\"%s\",%d,\"%s\",\"%s\",%d", p.first_octet, p.mr, p.addr.str,
					p.addr.toa, t1, t2, p.status);
			} else {
				snprintf(head, sizeof(head), "+CDS: %zu", tpdu_len);
				sms__pdu_urc(m, head, pdu, len);
			}
			return 0x10000;
		}
		if (m->cnmi[3] != 2)
			return 0x10001; /* not routed: the report is discarded */
		idx = sms__store(m, mem, pdu, len, tpdu_len, SMS_STAT_REC_UNREAD);
		if (idx >= 0)
			ms_urcf(m, true, "+CDSI: \"%s\",%d", mem->name, idx);
		return idx;
	}
	/* <mt> 2, and 3 for class 3, go straight to the TE. */
	if (m->cnmi[1] == 2 || (m->cnmi[1] == 3 && p.msg_class == 3)) {
		if (m->cmgf == 1) {
			char t1[32], body[4 * SMS_TEXT_MAX];
			sms__time_text(t1, sizeof(t1), &p.scts);
			if (sms__text_out(m, &p, body, sizeof(body)) < 0)
				return -EINVAL;
			ms_urcf(m, true, "+CMT: \"%s\",,\"%s\"\r\n%s", p.addr.str, t1, body);
		} else {
			snprintf(head, sizeof(head), "+CMT: ,%zu", tpdu_len);
			sms__pdu_urc(m, head, pdu, len);
		}
		return 0x10000;
	}
	idx = sms__store(m, mem, pdu, len, tpdu_len, SMS_STAT_REC_UNREAD);
	if (idx < 0) {
		if (m->prof->huawei)
			ms_urcf(m, false, "^SMMEMFULL:\"%s\"", mem->name);
		return idx;
	}
	if (m->cnmi[1] == 1 || m->cnmi[1] == 3)
		ms_urcf(m, true, "+CMTI: \"%s\",%d", mem->name, idx);
	return idx;
}

static int sms__pend(struct ms_modem *m, const uint8_t *pdu, size_t len, size_t tpdu_len, bool report)
{
	struct ms_pending_mt *p, **pp;
	unsigned n = 0;

	for (pp = &m->pending_mt; *pp; pp = &(*pp)->next)
		n++;
	if (n >= SMS_PENDING_MAX)
		return -ENOSPC;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->report = report;
	p->len = (uint8_t)len;
	p->tpdu_len = (uint8_t)tpdu_len;
	memcpy(p->pdu, pdu, len);
	*pp = p;
	return 0;
}

/* Delivers what the network held back, in order, as far as possible. */
void ms_sms_network_retry(struct ms_modem *m)
{
	while (m->pending_mt && ms_line_up(&m->line)) {
		struct ms_pending_mt *p = m->pending_mt;
		int r = sms__receive(m, p->pdu, p->len, p->tpdu_len, p->report);

		if (r == -EAGAIN || r == -ENOSPC)
			return;
		m->pending_mt = p->next;
		json_object *o = json_object_new_object();

		json_object_object_add(o, "index", json_object_new_int(r));
		ms_log_event(m->log, "retry", o);
		free(p);
	}
}

static void sms__now(struct sms_time *t)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	memset(t, 0, sizeof(*t));
	t->present = true;
	t->valid = true;
	t->year = tm.tm_year + 1900;
	t->month = tm.tm_mon + 1;
	t->day = tm.tm_mday;
	t->hour = tm.tm_hour;
	t->minute = tm.tm_min;
	t->second = tm.tm_sec;
	t->tz_quarters = (int)(tm.tm_gmtoff / 900);
}

/* Hands one PDU to the TE side, or to the network's queue; fills reply. */
static void sms__deliver_one(struct ms_modem *m, const uint8_t *pdu, size_t len, size_t tpdu_len, bool report,
			     json_object *parts)
{
	json_object *o = json_object_new_object(), *part = json_object_new_object();
	struct sms_pdu p;
	char hex[2 * SMS_PDU_MAX + 1];
	int r = -EAGAIN;

	/* What a client cannot see (dropped line, hung modem) waits at the SMSC. */
	if (ms_line_up(&m->line) && !m->hung && !m->pending_mt)
		r = sms__receive(m, pdu, len, tpdu_len, report);
	if (r == -EAGAIN || r == -ENOSPC) {
		int q = sms__pend(m, pdu, len, tpdu_len, report);

		json_object_object_add(part, "queued", json_object_new_boolean(q == 0));
		json_object_object_add(o, "queued", json_object_new_boolean(q == 0));
	} else if (r >= 0x10000) {
		json_object_object_add(part, "routed", json_object_new_string(r == 0x10000 ? "te" : "discarded"));
		json_object_object_add(o, "routed", json_object_new_string(r == 0x10000 ? "te" : "discarded"));
	} else if (r >= 0) {
		json_object_object_add(part, "index", json_object_new_int(r));
		json_object_object_add(part, "mem", json_object_new_string(sms__mem(m, 2)->name));
		json_object_object_add(o, "index", json_object_new_int(r));
	}
	if (hex_encode(hex, sizeof(hex), pdu, len) >= 0) {
		json_object_object_add(part, "pdu", json_object_new_string(hex));
		json_object_object_add(o, "pdu", json_object_new_string(hex));
	}
	if (sms_pdu_decode(&p, pdu, len, true) == 0)
		ms_log_pdu_fields(o, &p);
	ms_log_event(m->log, report ? "report" : "deliver", o);
	if (parts)
		json_object_array_add(parts, part);
	else
		json_object_put(part);
}

int ms_sms_inject_text(struct ms_modem *m, const char *from, const char *text, unsigned flags, json_object *reply)
{
	struct sms_plan plan;
	struct sms_deliver_opts o;
	unsigned order[SMS_CONCAT_MAX];
	json_object *parts;
	size_t bad;
	int r;

	memset(&o, 0, sizeof(o));
	if (sms_address_parse(&o.from, from) < 0)
		return -EINVAL;
	r = sms_plan_text(&plan, text, strlen(text), flags & MS_INJ_UCS2 ? SMS_PLAN_FORCE_UCS2 : 0, SMS_CONCAT_MAX,
			  &bad);
	if (r < 0)
		return r;
	o.smsc = m->smsc.str[0] ? &m->smsc : NULL;
	o.flash = flags & MS_INJ_FLASH;
	o.concat_ref = ++m->inject_ref;
	sms__now(&o.scts);
	for (unsigned i = 0; i < plan.nparts; i++)
		order[i] = (flags & MS_INJ_REVERSE) ? plan.nparts - 1 - i : i;
	if (flags & MS_INJ_SHUFFLE) {
		for (unsigned i = plan.nparts; i > 1; i--) {
			unsigned j = ms_rand(m) % i, t = order[i - 1];

			order[i - 1] = order[j];
			order[j] = t;
		}
	}
	parts = json_object_new_array();
	for (unsigned i = 0; i < plan.nparts; i++) {
		uint8_t pdu[SMS_PDU_MAX];
		size_t tpdu_len;
		ssize_t n = sms_deliver_encode(pdu, sizeof(pdu), &tpdu_len, &o, &plan, text, order[i]);

		if (n < 0) {
			json_object_put(parts);
			return (int)n;
		}
		sms__deliver_one(m, pdu, (size_t)n, tpdu_len, false, parts);
	}
	json_object_object_add(reply, "parts", parts);
	json_object_object_add(reply, "encoding", json_object_new_string(sms_enc_name(plan.enc)));
	json_object_object_add(reply, "ref", json_object_new_int(o.concat_ref));
	return 0;
}

int ms_sms_inject_pdu(struct ms_modem *m, const char *hex, json_object *reply)
{
	uint8_t pdu[SMS_PDU_MAX];
	struct sms_pdu p;
	ssize_t n = hex_decode(pdu, sizeof(pdu), hex, strlen(hex), NULL);
	json_object *parts;

	if (n < 1 || sms_pdu_decode(&p, pdu, (size_t)n, true) < 0 || p.type == SMS_SUBMIT)
		return -EINVAL;
	parts = json_object_new_array();
	sms__deliver_one(m, pdu, (size_t)n, (size_t)n - 1 - pdu[0], p.type == SMS_STATUS_REPORT, parts);
	json_object_object_add(reply, "parts", parts);
	return 0;
}

static void sms__report_send(struct ms_modem *m, uint8_t mr, const struct sms_address *to,
			     const struct sms_time *scts, uint8_t st, json_object *parts)
{
	struct sms_status_report_opts o;
	uint8_t pdu[SMS_PDU_MAX];
	size_t tpdu_len;
	ssize_t n;

	memset(&o, 0, sizeof(o));
	o.smsc = m->smsc.str[0] ? &m->smsc : NULL;
	o.mr = mr;
	o.recipient = *to;
	o.scts = *scts;
	sms__now(&o.discharge);
	o.status = st;
	n = sms_status_report_encode(pdu, sizeof(pdu), &tpdu_len, &o);
	if (n < 0) {
		fprintf(stderr, "smsgate-modemsim: status report: %s\n", strerror((int)-n));
		return;
	}
	sms__deliver_one(m, pdu, (size_t)n, tpdu_len, true, parts);
}

int ms_sms_inject_report(struct ms_modem *m, uint8_t mr, const char *to, uint8_t st, json_object *reply)
{
	struct sms_address a;
	struct sms_time scts;
	json_object *parts;

	if (sms_address_parse(&a, to) < 0)
		return -EINVAL;
	sms__now(&scts);
	parts = json_object_new_array();
	sms__report_send(m, mr, &a, &scts, st, parts);
	json_object_object_add(reply, "parts", parts);
	return 0;
}

static void sms__report_timer(struct loop *lp, struct loop_timer *t)
{
	struct ms_report *r = ms_container_of(t, struct ms_report, t);
	struct ms_modem *m = r->m;
	struct ms_report **pp;

	(void)lp;
	for (pp = &m->reports; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	sms__report_send(m, r->mr, &r->to, &r->scts, m->report_status, NULL);
	free(r);
}

static void sms__report_schedule(struct ms_modem *m, uint8_t mr, const struct sms_address *to)
{
	struct ms_report *r = calloc(1, sizeof(*r));

	if (!r)
		return;
	r->m = m;
	r->mr = mr;
	r->to = *to;
	sms__now(&r->scts);
	loop_timer_init(&r->t, sms__report_timer);
	r->next = m->reports;
	m->reports = r;
	loop_timer_set(m->loop, &r->t, m->cfg->report_delay_ms);
}

/* ---- submission --------------------------------------------------------- */

static void sms__send_timer(struct loop *lp, struct loop_timer *t)
{
	struct ms_modem *m = ms_container_of(t, struct ms_modem, send_timer);
	int res = m->sub_result;
	char rtext[48];

	(void)lp;
	m->sub_active = false;
	if (res == MS_OK)
		snprintf(rtext, sizeof(rtext), "ok");
	else
		snprintf(rtext, sizeof(rtext), "+CMS ERROR: %d", MS_CODE(res));
	json_object_object_add(m->sub_log, "result", json_object_new_string(rtext));
	ms_log_event(m->log, "submit", m->sub_log);
	m->sub_log = NULL;
	if (res == MS_OK) {
		if (m->sub_index >= 0) {
			struct ms_slot *s = sms__slot(m, sms__mem(m, 1), m->sub_index);

			if (s && s->used)
				s->stat = SMS_STAT_STO_SENT;
			ms_infof(m, "+CMSS: %d", m->sub_mr);
		} else {
			ms_infof(m, "+CMGS: %d", m->sub_mr);
		}
		if (m->sub_srr)
			sms__report_schedule(m, m->sub_mr, &m->sub_to);
	}
	ms_at_resume(m, res);
}

static unsigned sms__send_delay(struct ms_modem *m)
{
	unsigned d = m->cfg->send_delay_ms;

	if (m->delay_ms) {
		/* A slow network with jitter: +-25 %. */
		unsigned j = m->delay_ms / 2;

		d += m->delay_ms - m->delay_ms / 4 + (j ? ms_rand(m) % (j + 1) : 0);
	}
	return d;
}

/* Starts sending pdu (with its SMSC field). Returns MS_PENDING or an error. */
static int sms__submit(struct ms_modem *m, const uint8_t *pdu, size_t len, int index)
{
	struct sms_pdu p;
	char hex[2 * SMS_PDU_MAX + 1];
	json_object *o;
	int res = MS_OK;

	if (sms_pdu_decode(&p, pdu, len, true) < 0 || p.type != SMS_SUBMIT)
		return MS_CMS(CMS_BAD_PDU_PARAM);
	if (!(m->reg == 1 || m->reg == 5))
		res = MS_CMS(CMS_NO_NETWORK);
	else if (!p.smsc.str[0] && !m->smsc.str[0])
		res = MS_CMS(CMS_SMSC_UNKNOWN);
	else if (m->cms_count) {
		res = MS_CMS(m->cms_error);
		m->cms_count--;
	}
	o = json_object_new_object();
	if (hex_encode(hex, sizeof(hex), pdu, len) >= 0)
		json_object_object_add(o, "pdu", json_object_new_string(hex));
	ms_log_pdu_fields(o, &p);
	if (res == MS_OK) {
		uint8_t mr = m->next_mr++;

		m->sub_mr = m->prof->cmgs_zero ? 0 : mr;
		json_object_object_add(o, "mr", json_object_new_int(m->sub_mr));
	}
	m->sub_log = o;
	m->sub_result = res;
	m->sub_srr = p.srr;
	m->sub_to = p.addr;
	m->sub_index = index;
	m->sub_active = true;
	loop_timer_set(m->loop, &m->send_timer, sms__send_delay(m));
	return MS_PENDING;
}

/* Builds a SUBMIT from text-mode input and the +CSMP parameters. */
static ssize_t sms__text_submit(struct ms_modem *m, uint8_t *pdu, size_t cap)
{
	struct sms_plan plan;
	struct sms_submit_opts o;
	char text[4 * SMS_TEXT_MAX];
	size_t tpdu_len, bad;
	int r;

	if (m->at.poverflow || sms__text_in(m, m->at.pbuf, m->at.plen, text, sizeof(text)) < 0)
		return -EINVAL;
	r = sms_plan_text(&plan, text, strlen(text), m->csmp[3] == 8 ? SMS_PLAN_FORCE_UCS2 : 0, 1, &bad);
	if (r < 0)
		return r;
	memset(&o, 0, sizeof(o));
	o.to = m->at.prompt_da;
	o.report = m->csmp[0] & 0x20;
	if ((m->csmp[0] & 0x18) == 0x10)
		o.validity_minutes = (unsigned)sms_vp_to_minutes((uint8_t)m->csmp[1]);
	o.flash = (m->csmp[3] & 0x13) == 0x10;
	return sms_submit_encode(pdu, cap, &tpdu_len, &o, &plan, text, 0);
}

int ms_sms_prompt_done(struct ms_modem *m)
{
	uint8_t pdu[SMS_PDU_MAX];
	ssize_t n;
	size_t tlen = m->at.prompt_len;
	uint8_t full[SMS_PDU_MAX + 1];
	size_t flen;

	if (m->cmgf == 1) {
		n = sms__text_submit(m, full, sizeof(full));
		if (n < 0)
			return MS_CMS(CMS_BAD_TEXT_PARAM);
		flen = (size_t)n;
	} else {
		if (m->at.poverflow)
			return MS_CMS(CMS_BAD_PDU_PARAM);
		n = hex_decode(pdu, sizeof(pdu), m->at.pbuf, m->at.plen, NULL);
		if (n < 1)
			return MS_CMS(CMS_BAD_PDU_PARAM);
		/* TS 27.005 3.5.1: <length> counts the TPDU; an SMSC field
		 * may precede it or not. */
		if ((size_t)n == tlen) {
			full[0] = 0;
			memcpy(full + 1, pdu, (size_t)n);
			flen = (size_t)n + 1;
		} else if ((size_t)pdu[0] + 1 + tlen == (size_t)n) {
			memcpy(full, pdu, (size_t)n);
			flen = (size_t)n;
		} else {
			return MS_CMS(CMS_BAD_PDU_PARAM);
		}
	}
	if (m->at.prompt == MS_PROMPT_WRITE) {
		struct sms_pdu p;
		struct ms_mem *mem = sms__mem(m, 1);
		int idx;

		if (sms_pdu_decode(&p, full, flen, true) < 0)
			return MS_CMS(m->cmgf ? CMS_BAD_TEXT_PARAM : CMS_BAD_PDU_PARAM);
		idx = sms__store(m, mem, full, flen, flen - 1 - full[0], (uint8_t)m->at.prompt_stat);
		if (idx < 0)
			return MS_CMS(CMS_MEMORY_FULL);
		ms_infof(m, "+CMGW: %d", idx);
		return MS_OK;
	}
	return sms__submit(m, full, flen, -1);
}

/* ---- commands ----------------------------------------------------------- */

static int sms_csms(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	long v;

	switch (t) {
	case MS_CMD_SET:
		if (ms_arg_int(a, 0, 0, 1, &v) < 0)
			return MS_CMS(CMS_NOT_SUPPORTED);
		m->csms = (int)v;
		ms_infof(m, "+CSMS: 1,1,1");
		return MS_OK;
	case MS_CMD_READ:
		ms_infof(m, "+CSMS: %d,1,1,1", m->csms);
		return MS_OK;
	case MS_CMD_TEST:
		ms_infof(m, "+CSMS: (0,1)");
		return MS_OK;
	default:
		return MS_ERROR;
	}
}

/* A 0/1 setting (+CMGF, +CSDH): set, read, test; the bare command resets it to 0. */
static int sms__flag(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a, const char *name, int *flag)
{
	long v;

	switch (t) {
	case MS_CMD_SET:
		if (ms_arg_int(a, 0, 0, 1, &v) < 0)
			return MS_ERROR;
		*flag = (int)v;
		return MS_OK;
	case MS_CMD_READ:
		ms_infof(m, "%s: %d", name, *flag);
		return MS_OK;
	case MS_CMD_TEST:
		ms_infof(m, "%s: (0,1)", name);
		return MS_OK;
	default:
		*flag = 0;
		return MS_OK;
	}
}

static int sms_cmgf(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	return sms__flag(m, t, a, "+CMGF", &m->cmgf);
}

static int sms_csdh(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	return sms__flag(m, t, a, "+CSDH", &m->csdh);
}

static int sms_csca(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	const char *num;
	char buf[SMS_ADDR_STR_MAX + 1];
	long toa = 0;
	struct sms_address addr;

	switch (t) {
	case MS_CMD_READ:
		ms_infof(m, "+CSCA: \"%s\",%d", m->smsc.str, m->smsc.str[0] ? m->smsc.toa : 129);
		return MS_OK;
	case MS_CMD_TEST:
		return MS_OK;
	case MS_CMD_SET:
		break;
	default:
		return MS_ERROR;
	}
	num = ms_arg_str(a, 0);
	if (!num || ms_arg_int(a, 1, 0, 255, &toa) == -EINVAL)
		return MS_CMS(CMS_NOT_SUPPORTED);
	if (toa == 145 && num[0] != '+') {
		snprintf(buf, sizeof(buf), "+%s", num);
		num = buf;
	}
	if (sms_address_parse(&addr, num) < 0)
		return MS_CMS(CMS_NOT_SUPPORTED);
	m->smsc = addr;
	return MS_OK;
}

static int sms_csmp(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	long v;

	switch (t) {
	case MS_CMD_READ:
		ms_infof(m, "+CSMP: %d,%d,%d,%d", m->csmp[0], m->csmp[1], m->csmp[2], m->csmp[3]);
		return MS_OK;
	case MS_CMD_TEST:
		return MS_OK;
	case MS_CMD_SET:
		break;
	default:
		return MS_ERROR;
	}
	for (unsigned i = 0; i < 4 && i < a->n; i++) {
		int r = ms_arg_int(a, i, 0, 255, &v);

		if (r == -EINVAL)
			return MS_CMS(CMS_BAD_TEXT_PARAM);
		if (r == 0)
			m->csmp[i] = (int)v;
	}
	return MS_OK;
}

static int sms_cnmi(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	static const long hi[5] = { 3, 3, 3, 2, 1 };
	int v[5];

	switch (t) {
	case MS_CMD_READ:
		ms_infof(m, "+CNMI: %d,%d,%d,%d,%d", m->cnmi[0], m->cnmi[1], m->cnmi[2], m->cnmi[3], m->cnmi[4]);
		return MS_OK;
	case MS_CMD_TEST:
		ms_infof(m, "+CNMI: (0-3),(0-3),(0-3),(0-2),(0,1)");
		return MS_OK;
	case MS_CMD_SET:
		break;
	default:
		return MS_ERROR;
	}
	if (a->n > 5)
		return MS_CMS(CMS_NOT_SUPPORTED);
	memcpy(v, m->cnmi, sizeof(v));
	for (unsigned i = 0; i < 5; i++) {
		long x;
		int r = ms_arg_int(a, i, 0, hi[i], &x);

		if (r == -EINVAL)
			return MS_CMS(CMS_NOT_SUPPORTED);
		if (r == 0)
			v[i] = (int)x;
	}
	memcpy(m->cnmi, v, sizeof(v));
	/* <bfr> 1 clears the buffer, 0 flushes it when <mode> allows. */
	if (m->cnmi[4] == 1) {
		struct ms_urc **pp = &m->urc_head;

		m->urc_tail = NULL;
		while (*pp) {
			struct ms_urc *u = *pp;

			if (u->sms) {
				*pp = u->next;
				m->urc_count--;
				free(u);
			} else {
				m->urc_tail = u;
				pp = &u->next;
			}
		}
	}
	return MS_OK;
}

static int sms_cnma(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)m;
	(void)a;
	return t == MS_CMD_READ ? MS_ERROR : MS_OK;
}

static int sms__mem_by_name(const char *s)
{
	if (strcasecmp(s, "SM") == 0)
		return MS_MEM_SM;
	if (strcasecmp(s, "ME") == 0)
		return MS_MEM_ME;
	return -1;
}

static int sms_cpms(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	char buf[160];
	size_t o = 0;
	enum ms_mem_id want[3];

	switch (t) {
	case MS_CMD_READ:
		ms_infof(m, "+CPMS: \"%s\",%u,%u,\"%s\",%u,%u,\"%s\",%u,%u", sms__mem(m, 0)->name,
			 sms__used(sms__mem(m, 0)), sms__mem(m, 0)->cap, sms__mem(m, 1)->name,
			 sms__used(sms__mem(m, 1)), sms__mem(m, 1)->cap, sms__mem(m, 2)->name,
			 sms__used(sms__mem(m, 2)), sms__mem(m, 2)->cap);
		return MS_OK;
	case MS_CMD_TEST:
		ms_infof(m, "+CPMS: (\"SM\",\"ME\"),(\"SM\",\"ME\"),(\"SM\",\"ME\")");
		return MS_OK;
	case MS_CMD_SET:
		break;
	default:
		return MS_ERROR;
	}
	if (a->n > 3 || !ms_arg_str(a, 0))
		return MS_CMS(CMS_NOT_ALLOWED);
	memcpy(want, m->cpms, sizeof(want));
	for (unsigned i = 0; i < a->n; i++) {
		const char *s = ms_arg_str(a, i);
		int id;

		if (!s)
			continue;
		id = sms__mem_by_name(s);
		if (id < 0)
			return MS_CMS(CMS_NOT_ALLOWED);
		want[i] = (enum ms_mem_id)id;
	}
	memcpy(m->cpms, want, sizeof(want));
	for (int i = 0; i < 3; i++) {
		int n = snprintf(buf + o, sizeof(buf) - o, "%s%u,%u", i ? "," : "", sms__used(sms__mem(m, i)),
				 sms__mem(m, i)->cap);

		if (n < 0 || (size_t)n >= sizeof(buf) - o)
			return MS_ERROR;
		o += (size_t)n;
	}
	ms_infof(m, "+CPMS: %s", buf);
	return MS_OK;
}

static const char *sms__alpha(const struct ms_modem *m)
{
	return m->prof->quoted_empty_alpha ? "\"\"" : "";
}

static int sms__stat_arg(const struct ms_modem *m, const struct ms_args *a, int *stat)
{
	const char *s;
	long v;

	if (!a || a->n == 0 || !a->a[0].present) {
		*stat = m->cmgf ? -1 : SMS_STAT_REC_UNREAD;
		if (*stat < 0)
			*stat = SMS_STAT_REC_UNREAD;
		return 0;
	}
	if (m->cmgf == 0)
		return ms_arg_int(a, 0, 0, 4, &v) < 0 ? -EINVAL : (*stat = (int)v, 0);
	s = ms_arg_str(a, 0);
	if (!a->a[0].quoted)
		return -EINVAL;
	for (int i = 0; i < 5; i++) {
		if (strcasecmp(s, stat_names[i]) == 0) {
			*stat = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int sms_cmgl(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	struct ms_mem *mem = sms__mem(m, 0);
	bool any = false;
	int stat;

	if (t == MS_CMD_TEST) {
		if (m->cmgf)
			ms_infof(m, "+CMGL: (\"REC UNREAD\",\"REC READ\",\"STO UNSENT\",\"STO SENT\",\"ALL\")");
		else
			ms_infof(m, "+CMGL: (0-4)");
		return MS_OK;
	}
	if (t == MS_CMD_READ)
		return MS_ERROR;
	if (sms__stat_arg(m, a, &stat) < 0)
		return m->cmgf ? MS_CMS(CMS_BAD_TEXT_PARAM) : MS_CMS(CMS_BAD_PDU_PARAM);
	for (unsigned i = 0; i < mem->cap; i++) {
		struct ms_slot *s = &mem->slot[i];
		char hex[2 * SMS_PDU_MAX + 1], head[160], body[4 * SMS_TEXT_MAX];
		unsigned idx = i + m->prof->first_index;

		if (!s->used || (stat != SMS_STAT_ALL && s->stat != stat))
			continue;
		/* One information block: header once, entries separated by <cr><lf>. */
		if (!any && m->verbose)
			ms_outf(m, "%c%c", m->s[3], m->s[4]);
		any = true;
		if (m->cmgf == 0) {
			if (hex_encode(hex, sizeof(hex), s->pdu, s->len) < 0)
				continue;
			ms_outf(m, "+CMGL: %u,%u,%s,%u\r\n%s\r\n", idx, s->stat, sms__alpha(m), s->tpdu_len, hex);
		} else {
			int r = sms__text_entry(m, s, head, sizeof(head), body, sizeof(body));

			if (r < 0)
				continue;
			if (r == 1)
				ms_outf(m, "+CMGL: %u,%s\r\n", idx, head);
			else
				ms_outf(m, "+CMGL: %u,%s\r\n%s\r\n", idx, head, body);
		}
		if (s->stat == SMS_STAT_REC_UNREAD)
			s->stat = SMS_STAT_REC_READ;
	}
	return MS_OK;
}

static int sms_cmgr(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	struct ms_slot *s;
	long idx;
	char hex[2 * SMS_PDU_MAX + 1];

	if (t == MS_CMD_TEST)
		return MS_OK;
	if (t != MS_CMD_SET || ms_arg_int(a, 0, 0, 100000, &idx) < 0)
		return MS_ERROR;
	s = sms__slot(m, sms__mem(m, 0), idx);
	if (!s || !s->used)
		return MS_CMS(CMS_INVALID_INDEX);
	if (m->cmgf == 0) {
		if (hex_encode(hex, sizeof(hex), s->pdu, s->len) < 0)
			return MS_CMS(CMS_NOT_ALLOWED);
		ms_infof(m, "+CMGR: %u,%s,%u\r\n%s", s->stat, sms__alpha(m), s->tpdu_len, hex);
	} else {
		char head[160], body[4 * SMS_TEXT_MAX];
		int r = sms__text_entry(m, s, head, sizeof(head), body, sizeof(body));

		if (r < 0)
			return MS_CMS(CMS_NOT_ALLOWED);
		if (r == 1)
			ms_infof(m, "+CMGR: %s", head);
		else
			ms_infof(m, "+CMGR: %s\r\n%s", head, body);
	}
	if (s->stat == SMS_STAT_REC_UNREAD)
		s->stat = SMS_STAT_REC_READ;
	return MS_OK;
}

static int sms_cmgd(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	struct ms_mem *mem = sms__mem(m, 0);
	long idx = 0, flag = 0;
	int r;

	if (t == MS_CMD_TEST) {
		char buf[4096];
		size_t o = 0;

		for (unsigned i = 0; i < mem->cap; i++) {
			int n;

			if (!mem->slot[i].used)
				continue;
			n = snprintf(buf + o, sizeof(buf) - o, "%s%u", o ? "," : "", i + m->prof->first_index);
			if (n < 0 || (size_t)n >= sizeof(buf) - o)
				return MS_ERROR;
			o += (size_t)n;
		}
		ms_infof(m, "+CMGD: (%.*s),(0-4)", (int)o, buf);
		return MS_OK;
	}
	if (t != MS_CMD_SET)
		return MS_ERROR;
	r = ms_arg_int(a, 1, 0, 4, &flag);
	if (r == -EINVAL)
		return MS_ERROR;
	if (ms_arg_int(a, 0, 0, 100000, &idx) < 0 && flag == 0)
		return MS_ERROR;
	if (flag == 0) {
		struct ms_slot *s = sms__slot(m, mem, idx);

		if (!s)
			return MS_CMS(CMS_INVALID_INDEX);
		s->used = false;
	} else {
		/* 1: read; 2: read and sent; 3: and unsent; 4: all. */
		for (unsigned i = 0; i < mem->cap; i++) {
			struct ms_slot *s = &mem->slot[i];

			if (s->used && (flag == 4 || s->stat == SMS_STAT_REC_READ ||
					(flag >= 2 && s->stat == SMS_STAT_STO_SENT) ||
					(flag >= 3 && s->stat == SMS_STAT_STO_UNSENT)))
				s->used = false;
		}
	}
	loop_timer_set(m->loop, &m->retry_timer, 0);
	return MS_OK;
}

static int sms_cmgs(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	long len, toa = 0;

	if (t == MS_CMD_TEST)
		return MS_OK;
	if (t != MS_CMD_SET)
		return MS_ERROR;
	if (m->cmgf == 0) {
		if (ms_arg_int(a, 0, 1, SMS_TPDU_MAX, &len) < 0 || a->n > 1)
			return MS_CMS(CMS_BAD_PDU_PARAM);
		m->at.prompt_len = (unsigned)len;
	} else {
		const char *da = ms_arg_str(a, 0);
		char buf[SMS_ADDR_STR_MAX + 1];

		if (!da || !a->a[0].quoted || ms_arg_int(a, 1, 0, 255, &toa) == -EINVAL)
			return MS_CMS(CMS_BAD_TEXT_PARAM);
		if (toa == 145 && da[0] != '+') {
			snprintf(buf, sizeof(buf), "+%s", da);
			da = buf;
		}
		if (sms_address_parse(&m->at.prompt_da, da) < 0)
			return MS_CMS(CMS_BAD_TEXT_PARAM);
	}
	ms_prompt_start(m, MS_PROMPT_SEND);
	return MS_PENDING;
}

static int sms_cmgw(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	long len = 0, stat = SMS_STAT_STO_UNSENT;

	if (t == MS_CMD_TEST)
		return MS_OK;
	if (t == MS_CMD_READ)
		return MS_ERROR;
	if (m->cmgf == 0) {
		if (ms_arg_int(a, 0, 1, SMS_TPDU_MAX, &len) < 0 || ms_arg_int(a, 1, 0, 3, &stat) == -EINVAL)
			return MS_CMS(CMS_BAD_PDU_PARAM);
		m->at.prompt_len = (unsigned)len;
	} else {
		const char *da = ms_arg_str(a, 0);
		const char *st = ms_arg_str(a, 2);

		memset(&m->at.prompt_da, 0, sizeof(m->at.prompt_da));
		if (da && sms_address_parse(&m->at.prompt_da, da) < 0)
			return MS_CMS(CMS_BAD_TEXT_PARAM);
		if (st) {
			stat = -1;
			for (int i = 0; i < 4; i++)
				if (strcasecmp(st, stat_names[i]) == 0)
					stat = i;
			if (stat < 0)
				return MS_CMS(CMS_BAD_TEXT_PARAM);
		}
	}
	m->at.prompt_stat = (int)stat;
	ms_prompt_start(m, MS_PROMPT_WRITE);
	return MS_PENDING;
}

static int sms_cmss(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	struct ms_slot *s;
	long idx;

	if (t == MS_CMD_TEST)
		return MS_OK;
	if (t != MS_CMD_SET || ms_arg_int(a, 0, 0, 100000, &idx) < 0)
		return MS_ERROR;
	s = sms__slot(m, sms__mem(m, 1), idx);
	if (!s || !s->used)
		return MS_CMS(CMS_INVALID_INDEX);
	return sms__submit(m, s->pdu, s->len, (int)idx);
}

static int sms_ok(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a)
{
	(void)m;
	(void)t;
	(void)a;
	return MS_OK;
}

static void sms__retry_timer(struct loop *lp, struct loop_timer *t)
{
	(void)lp;
	ms_sms_network_retry(ms_container_of(t, struct ms_modem, retry_timer));
}

void ms_sms_timers_init(struct ms_modem *m)
{
	loop_timer_init(&m->send_timer, sms__send_timer);
	loop_timer_init(&m->retry_timer, sms__retry_timer);
}

const struct ms_cmd ms_sms_cmds[] = {
	{ "+CSMS", sms_csms, 0 },
	{ "+CMGF", sms_cmgf, 0 },
	{ "+CSDH", sms_csdh, 0 },
	{ "+CSCA", sms_csca, MS_F_SMS },
	{ "+CSMP", sms_csmp, 0 },
	{ "+CNMI", sms_cnmi, 0 },
	{ "+CNMA", sms_cnma, 0 },
	{ "+CPMS", sms_cpms, MS_F_SMS },
	{ "+CMGL", sms_cmgl, MS_F_SMS },
	{ "+CMGR", sms_cmgr, MS_F_SMS },
	{ "+CMGD", sms_cmgd, MS_F_SMS },
	{ "+CMGS", sms_cmgs, MS_F_SMS },
	{ "+CMGW", sms_cmgw, MS_F_SMS },
	{ "+CMSS", sms_cmss, MS_F_SMS },
	{ "+CMMS", sms_ok, 0 },
	{ "+CSCB", sms_ok, 0 },
	{ "+CSAS", sms_ok, 0 },
	{ "+CRES", sms_ok, 0 },
};
const size_t ms_sms_ncmds = MS_ARRAY_SIZE(ms_sms_cmds);
