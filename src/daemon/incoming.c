/*
 * Incoming: SMS-DELIVERs become smstools3 files in incoming/, written
 * durably before the modem may delete them from the SIM. Parts of a
 * concatenated message are kept in parts/ (durably, so the SIM slot can be
 * freed) until the set is complete, in any order, or until
 * incomplete_timeout, when what arrived is released with a note.
 * Status reports are matched to the sent message by reference and
 * recipient, recorded on it (delivered / failed) and written as
 * smstools3 report files.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "gateway.h"
#include "log.h"
#include "smsfile.h"
#include "util.h"

#define INCOMING_FILE_MAX (SMS_CONCAT_MAX * SMS_TEXT_MAX + 2048)
#define PART_MAX 2048

/* A received part as kept in parts/: the fields, then the text. */
struct part {
	struct smsfile_incoming in;
	struct sms_address from, smsc;
	bool has_smsc;
	uint16_t ref;
	uint8_t total, seq;
};

static void write_incoming(struct gateway *gw, const char *modem, const struct smsfile_incoming *in,
			   const struct modem_msg_ref *ref, struct modem *m)
{
	char *out = malloc(INCOMING_FILE_MAX), name[64], id[SPOOL_ID_LEN + 1];
	ssize_t n = out ? smsfile_write_incoming(out, INCOMING_FILE_MAX, in) : -ENOMEM;
	int rc;

	spool_new_id(id);
	snprintf(name, sizeof(name), "%.31s.%s", modem, id);
	rc = n < 0 ? (int)n : durable_write(gw->spool.dir[SPOOL_INCOMING], name, out, (size_t)n, gw->spool.sync);
	if (rc < 0) {
		/* Not released: it stays on the SIM and comes back at the next drain. */
		log_error("incoming message from %s not stored: %s; it stays on the SIM", in->from.str, strerror(-rc));
		free(out);
		return;
	}
	gw_event_received(gw, name, out, (size_t)n);
	free(out);
	if (ref && m)
		modem_release(m, ref);
	gw->received_total++;
	log_info("received from %s: incoming/%s (%zu bytes)", in->from.str, name, in->text_len);
	hooks_event(gw->hooks, "RECEIVED", "incoming", name, NULL);
	gw_status_write(gw);
}

static void part_name(char *dst, size_t n, const char *sender, uint16_t ref, uint8_t total, uint8_t seq)
{
	char hex[2 * SMS_ADDR_STR_MAX + 1];

	hex_encode(hex, sizeof(hex), (const uint8_t *)sender, strlen(sender));
	snprintf(dst, n, "%s-%u-%u-%u", hex, ref, total, seq);
}

/* "-DIGITS" at *p (at most 5 digits: the fields are 16 and 8 bits). */
static int dash_num(const char **p, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	int n = 0;

	if (*s++ != '-')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9' && n < 6; s++, n++)
		v = v * 10 + (unsigned)(*s - '0');
	if (n == 0 || n > 5)
		return -EINVAL;
	*out = v;
	*p = s;
	return 0;
}

/* part_name's inverse: 0, or -EINVAL for any other name. */
static int part_name_parse(const char *name, char *hex, size_t hexlen, unsigned *ref, unsigned *total, unsigned *seq)
{
	size_t n = 0;

	while ((name[n] >= '0' && name[n] <= '9') || (name[n] >= 'A' && name[n] <= 'F'))
		n++;
	if (n == 0 || n >= hexlen)
		return -EINVAL;
	memcpy(hex, name, n);
	hex[n] = '\0';
	name += n;
	if (dash_num(&name, ref) < 0 || dash_num(&name, total) < 0 || dash_num(&name, seq) < 0 || *name)
		return -EINVAL;
	return 0;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static void release_set(struct gateway *gw, const struct sms_reasm_key *key, const char *modem,
			const struct smsfile_incoming *proto)
{
	size_t cap = (size_t)key->total * SMS_TEXT_MAX + 128;
	char *text = malloc(cap);
	unsigned missing = 0;
	ssize_t n;
	struct smsfile_incoming in = *proto;

	if (!text)
		return;
	n = sms_reasm_take(&gw->reasm, key, text, cap, &missing);
	if (n < 0) {
		free(text);
		return;
	}
	if (missing) {
		/* What arrived is delivered rather than held forever; the gap is marked. */
		int k = snprintf(text + n, cap - (size_t)n, " [%u of %u parts missing]", missing, key->total);

		if (k > 0 && (size_t)k < cap - (size_t)n)
			n += k;
		log_warn("incomplete message from %s (reference %u): %u of %u parts missing", key->sender, key->ref, missing,
			 key->total);
	}
	in.text = text;
	in.text_len = (size_t)n;
	write_incoming(gw, modem, &in, NULL, NULL);
	for (unsigned seq = 1; seq <= key->total; seq++) {
		char name[160];

		part_name(name, sizeof(name), key->sender, key->ref, key->total, (uint8_t)seq);
		unlinkat(gw->spool.dir[SPOOL_PARTS], name, 0);
	}
	fsync_dir(gw->spool.dir[SPOOL_PARTS]);
	free(text);
}

/* parts/ files: "Modem: m\nFrom: f\nToa: 145\nSmsc: s\nSent: <7 octets hex>\nRef..\n\ntext" */
static int part_save(struct gateway *gw, const char *modem, const struct sms_pdu *p)
{
	char buf[PART_MAX], name[160], sent[40] = "";
	int n;

	if (p->scts.present)
		sms_time_format(sent, sizeof(sent), &p->scts);
	n = snprintf(buf, sizeof(buf), "Modem: %s\nFrom: %s\nToa: %u\nSmsc: %s\nSent: %s\nClass: %d\n\n%s", modem,
		     p->addr.str, p->addr.toa, p->smsc.str, sent, p->msg_class, p->text);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENOBUFS;
	part_name(name, sizeof(name), p->addr.str, p->udh.ref, p->udh.total, p->udh.seq);
	return durable_write(gw->spool.dir[SPOOL_PARTS], name, buf, (size_t)n, gw->spool.sync);
}

static void incoming_proto(struct smsfile_incoming *in, const struct sms_pdu *p, const char *modem,
			   const struct modem *m)
{
	memset(in, 0, sizeof(*in));
	in->from = p->addr;
	in->smsc = p->smsc.str[0] ? &p->smsc : NULL;
	in->sent = p->scts;
	in->received = time(NULL);
	in->modem = modem;
	in->imsi = m ? m->st.imsi : NULL;
	in->imei = m ? m->st.imei : NULL;
	in->report = p->srr;
	in->flash = p->msg_class == 0;
	in->text = p->text;
	in->text_len = p->text_len;
}

static void deliver(struct gateway *gw, struct modem *m, const struct sms_pdu *p, const struct modem_msg_ref *ref)
{
	struct smsfile_incoming in;
	int rc;

	incoming_proto(&in, p, m->cfg.name, m);
	if (!p->udh.concat || p->udh.total < 2) {
		if (p->enc == SMS_ENC_8BIT || p->compressed) {
			/* No text to show: the octets in hex, so nothing is dropped. */
			static char hex[2 * SMS_UD_MAX + 32];

			snprintf(hex, sizeof(hex), "[8-bit data] ");
			hex_encode(hex + strlen(hex), sizeof(hex) - strlen(hex), p->data, p->data_len);
			in.text = hex;
			in.text_len = strlen(hex);
		}
		write_incoming(gw, m->cfg.name, &in, ref, m);
		return;
	}
	rc = part_save(gw, m->cfg.name, p);
	if (rc < 0) {
		log_error("part %u/%u from %s not stored: %s; it stays on the SIM", p->udh.seq, p->udh.total, p->addr.str,
			  strerror(-rc));
		return;
	}
	modem_release(m, ref);
	rc = sms_reasm_add(&gw->reasm, p->addr.str, p->udh.ref, p->udh.total, p->udh.seq, p->text, p->text_len,
			   now_s(), 0);
	if (rc == -ENOSPC) {
		/* The oldest set goes out incomplete to make room. */
		struct sms_reasm_key key;

		if (sms_reasm_expired(&gw->reasm, now_s(), 0, &key) == 1)
			release_set(gw, &key, m->cfg.name, &in);
		rc = sms_reasm_add(&gw->reasm, p->addr.str, p->udh.ref, p->udh.total, p->udh.seq, p->text, p->text_len,
				   now_s(), 0);
	}
	if (rc == 1) {
		struct sms_reasm_key key = { .ref = p->udh.ref, .total = p->udh.total };

		str_copy(key.sender, sizeof(key.sender), p->addr.str);
		release_set(gw, &key, m->cfg.name, &in);
	}
}

static struct pending_report *report_match(struct gateway *gw, uint8_t mr, const char *to)
{
	/* Newest first: a reference repeats every 256 messages. */
	for (unsigned k = 1; k <= gw->nreports; k++) {
		struct pending_report *r = &gw->reports[(gw->reports_next + GW_REPORTS_MAX - k) % GW_REPORTS_MAX];
		const char *a = r->to[0] == '+' ? r->to + 1 : r->to, *b = to[0] == '+' ? to + 1 : to;

		if (r->id[0] && r->mr == mr && strcmp(a, b) == 0)
			return r;
	}
	return NULL;
}

static void status_report(struct gateway *gw, struct modem *m, const struct sms_pdu *p,
			  const struct modem_msg_ref *ref)
{
	struct smsfile_report rep = {
		.recipient = p->addr, .smsc = p->smsc.str[0] ? &p->smsc : NULL, .scts = p->scts, .received = time(NULL),
		.modem = m->cfg.name, .imsi = m->st.imsi, .imei = m->st.imei, .message_id = p->mr,
		.discharge = p->discharge, .status = p->status,
	};
	enum sms_status_class cls = sms_status_classify(p->status);
	struct pending_report *pr = report_match(gw, p->mr, p->addr.str);
	char *out = malloc(8192), name[64], id[SPOOL_ID_LEN + 1], msg_id[SPOOL_ID_LEN + 1] = "";
	ssize_t n = out ? smsfile_write_report(out, 8192, &rep) : -ENOMEM;
	int rc;

	if (pr)
		str_copy(msg_id, sizeof(msg_id), pr->id); /* for the event handler: the slot is freed below */
	spool_new_id(id);
	snprintf(name, sizeof(name), "%.31s.%s", m->cfg.name, id);
	rc = n < 0 ? (int)n : durable_write(gw->spool.dir[SPOOL_INCOMING], name, out, (size_t)n, gw->spool.sync);
	free(out);
	if (rc < 0) {
		log_error("status report for reference %u not stored: %s", p->mr, strerror(-rc));
		return;
	}
	if (pr && cls != SMS_ST_TRYING) {
		struct msg_record rec;

		if (msg_record_load(&gw->spool, SPOOL_STATUS, pr->id, &rec) == 0) {
			rec.report_status = p->status;
			rec.updated = now_s();
			if (cls == SMS_ST_DELIVERED) {
				if (rec.state == MSG_SENT)
					rec.state = MSG_DELIVERED;
			} else {
				rec.state = MSG_FAILED;
				snprintf(rec.last_error, sizeof(rec.last_error), "status report: %s (TP-ST %u)",
					 smsfile_status_text(p->status), p->status);
			}
			msg_record_save(&gw->spool, SPOOL_STATUS, &rec, 0);
			log_info("message %s: status report %u (%s)", rec.id, p->status, sms_status_class_name(cls));
			gw_event_message(gw, &rec);
		}
		pr->id[0] = '\0';
	} else if (!pr) {
		log_info("status report for reference %u to %s matches no message sent here", p->mr, p->addr.str);
	}
	modem_release(m, ref);
	hooks_event(gw->hooks, "REPORT", "incoming", name, msg_id[0] ? msg_id : NULL);
}

void gw_received(void *ctx, struct modem *m, const struct sms_pdu *pdu, const struct modem_msg_ref *ref)
{
	struct gw_modem *gm = ctx;

	if (pdu->type == SMS_STATUS_REPORT)
		status_report(gm->gw, m, pdu, ref);
	else
		deliver(gm->gw, m, pdu, ref);
}

static void reasm_timer_cb(struct loop *l, struct loop_timer *t)
{
	struct gateway *gw = container_of(t, struct gateway, reasm_timer);
	struct sms_reasm_key key;
	struct smsfile_incoming in;

	while (sms_reasm_expired(&gw->reasm, now_s(), gw->cfg.gateway.incomplete_timeout, &key) == 1) {
		memset(&in, 0, sizeof(in));
		in.received = time(NULL);
		in.from.toa = key.sender[0] == '+' ? SMS_TOA_INTERNATIONAL : SMS_TOA_UNKNOWN;
		str_copy(in.from.str, sizeof(in.from.str), key.sender);
		release_set(gw, &key, gw->nmodems ? gw->modems[0].m.cfg.name : "modem", &in);
	}
	loop_timer_set(l, t, 60000);
}

/* Parts kept in parts/ by an earlier run go back into the reassembly. */
int gw_incoming_start(struct gateway *gw)
{
	DIR *d = dir_stream(gw->spool.dir[SPOOL_PARTS]);
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *buf, *body, from[SMS_ADDR_STR_MAX] = "", hexname[2 * SMS_ADDR_STR_MAX + 1];
		unsigned ref, total, seq;
		ssize_t n;

		if (part_name_parse(e->d_name, hexname, sizeof(hexname), &ref, &total, &seq) < 0)
			continue;
		n = read_file_at(gw->spool.dir[SPOOL_PARTS], e->d_name, PART_MAX, &buf);
		if (n < 0)
			continue;
		body = strstr(buf, "\n\n");
		if (body && hex_decode((uint8_t *)from, sizeof(from) - 1, hexname, strlen(hexname), NULL) >= 0 &&
		    total >= 2 && total <= 255 && seq >= 1 && seq <= total && ref <= 0xffff)
			sms_reasm_add(&gw->reasm, from, (uint16_t)ref, (uint8_t)total, (uint8_t)seq, body + 2,
				      strlen(body + 2), now_s(), 0);
		free(buf);
	}
	closedir(d);
	loop_timer_init(&gw->reasm_timer, reasm_timer_cb);
	loop_timer_set(&gw->loop, &gw->reasm_timer, 60000);
	return 0;
}
