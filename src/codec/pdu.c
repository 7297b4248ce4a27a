/* TS 23.040 9.2.2: SMS-SUBMIT, SMS-DELIVER and SMS-STATUS-REPORT TPDUs,
 * preceded by the SMSC address field as TS 27.005 3.1 PDU mode has it. */
#include <string.h>

#include "fields.h"

#define FO_MTI_DELIVER       0x00
#define FO_MTI_SUBMIT        0x01
#define FO_MTI_STATUS_REPORT 0x02
#define FO_MMS               0x04 /* DELIVER/STATUS-REPORT: no more messages waiting */
#define FO_VPF_RELATIVE      0x10
#define FO_SRR               0x20 /* SUBMIT: report request; DELIVER: SRI; STATUS-REPORT: SRQ */
#define FO_UDHI              0x40
#define FO_RP                0x80

#define UDH_CONCAT8_LEN 5 /* UDHL of IEI 00: 00 03 ref total seq */

const char *sms_type_name(enum sms_type t)
{
	switch (t) {
	case SMS_DELIVER: return "deliver";
	case SMS_SUBMIT: return "submit";
	case SMS_STATUS_REPORT: return "status-report";
	}
	return "unknown";
}

/* Header octets and fill bits before the septets of a 7-bit UD (9.2.3.24). */
static unsigned udh_fill_bits(size_t header_octets)
{
	return (unsigned)((7 - header_octets * 8 % 7) % 7);
}

static size_t udh_septets(size_t header_octets)
{
	return (header_octets * 8 + udh_fill_bits(header_octets)) / 7;
}

/* TP-UDL and TP-UD of one planned part, with a concatenation UDH when the
 * plan has several parts. Returns the octets written after dst. */
static ssize_t put_user_data(uint8_t *dst, size_t dstlen, const struct sms_plan *plan, const char *text,
			     unsigned part, uint8_t ref)
{
	uint8_t ud[SMS_UD_MAX];
	size_t hdr = 0, off = plan->start[part], len = plan->start[part + 1] - off, udl;
	ssize_t k;

	if (plan->nparts > 1) {
		ud[0] = UDH_CONCAT8_LEN;
		ud[1] = 0x00;
		ud[2] = 3;
		ud[3] = ref;
		ud[4] = (uint8_t)plan->nparts;
		ud[5] = (uint8_t)(part + 1);
		hdr = UDH_CONCAT8_LEN + 1;
	}
	if (plan->enc == SMS_ENC_GSM7) {
		uint8_t septets[SMS_GSM7_SINGLE];

		k = gsm7_from_utf8(septets, sizeof(septets) - udh_septets(hdr), text + off, len, NULL);
		if (k < 0)
			return k;
		udl = udh_septets(hdr) + (size_t)k;
		k = gsm7_pack(ud + hdr, sizeof(ud) - hdr, septets, (size_t)k, udh_fill_bits(hdr));
	} else {
		k = ucs2_from_utf8(ud + hdr, sizeof(ud) - hdr, text + off, len, NULL);
		udl = hdr + (size_t)k;
	}
	if (k < 0)
		return k;
	if (dstlen < 1 + hdr + (size_t)k)
		return -ENOBUFS;
	dst[0] = (uint8_t)udl;
	memcpy(dst + 1, ud, hdr + (size_t)k);
	return (ssize_t)(1 + hdr + (size_t)k);
}

static uint8_t dcs_for(enum sms_enc enc, bool flash)
{
	uint8_t dcs = enc == SMS_ENC_UCS2 ? 0x08 : enc == SMS_ENC_8BIT ? 0x04 : 0x00;

	return flash ? (uint8_t)(dcs | 0x10) : dcs; /* bit 4: class given; class 0 */
}

/* Appends with a running position; any failure sticks in *err. */
struct writer {
	uint8_t *p;
	size_t cap, pos;
	int err;
};

static void w_u8(struct writer *w, uint8_t v)
{
	if (w->err)
		return;
	if (w->pos >= w->cap) {
		w->err = -ENOBUFS;
		return;
	}
	w->p[w->pos++] = v;
}

static void w_field(struct writer *w, ssize_t k)
{
	if (w->err)
		return;
	if (k < 0)
		w->err = (int)k;
	else
		w->pos += (size_t)k;
}

static int plan_part_ok(const struct sms_plan *plan, unsigned part)
{
	return plan->nparts >= 1 && plan->nparts <= SMS_CONCAT_MAX && part < plan->nparts;
}

static ssize_t finish(struct writer *w, size_t smsc_len, size_t *tpdu_len)
{
	if (w->err)
		return w->err;
	if (tpdu_len)
		*tpdu_len = w->pos - smsc_len;
	return (ssize_t)w->pos;
}

ssize_t sms_submit_encode(uint8_t *pdu, size_t cap, size_t *tpdu_len, const struct sms_submit_opts *o,
			  const struct sms_plan *plan, const char *text, unsigned part)
{
	struct writer w = { pdu, cap, 0, 0 };
	size_t smsc_len;
	uint8_t fo = FO_MTI_SUBMIT;

	if (!plan_part_ok(plan, part))
		return -EINVAL;
	w_field(&w, sms_put_smsc(w.p, w.cap, o->smsc));
	smsc_len = w.pos;
	if (o->validity_minutes)
		fo |= FO_VPF_RELATIVE;
	if (o->report)
		fo |= FO_SRR;
	if (plan->nparts > 1)
		fo |= FO_UDHI;
	w_u8(&w, fo);
	w_u8(&w, 0); /* TP-MR: the modem assigns it */
	if (!w.err)
		w_field(&w, sms_put_address(w.p + w.pos, w.cap - w.pos, &o->to));
	w_u8(&w, 0); /* TP-PID: plain SME-to-SME */
	w_u8(&w, dcs_for(plan->enc, o->flash));
	if (o->validity_minutes)
		w_u8(&w, sms_vp_from_minutes(o->validity_minutes));
	if (!w.err)
		w_field(&w, put_user_data(w.p + w.pos, w.cap - w.pos, plan, text, part, o->concat_ref));
	return finish(&w, smsc_len, tpdu_len);
}

ssize_t sms_deliver_encode(uint8_t *pdu, size_t cap, size_t *tpdu_len, const struct sms_deliver_opts *o,
			   const struct sms_plan *plan, const char *text, unsigned part)
{
	struct writer w = { pdu, cap, 0, 0 };
	size_t smsc_len;
	uint8_t fo = FO_MTI_DELIVER | FO_MMS;

	if (!plan_part_ok(plan, part))
		return -EINVAL;
	w_field(&w, sms_put_smsc(w.p, w.cap, o->smsc));
	smsc_len = w.pos;
	if (o->status_report_indication)
		fo |= FO_SRR;
	if (plan->nparts > 1)
		fo |= FO_UDHI;
	w_u8(&w, fo);
	if (!w.err)
		w_field(&w, sms_put_address(w.p + w.pos, w.cap - w.pos, &o->from));
	w_u8(&w, 0);
	w_u8(&w, dcs_for(plan->enc, o->flash));
	if (!w.err)
		w_field(&w, sms_put_time(w.p + w.pos, w.cap - w.pos, &o->scts));
	if (!w.err)
		w_field(&w, put_user_data(w.p + w.pos, w.cap - w.pos, plan, text, part, o->concat_ref));
	return finish(&w, smsc_len, tpdu_len);
}

ssize_t sms_status_report_encode(uint8_t *pdu, size_t cap, size_t *tpdu_len,
				 const struct sms_status_report_opts *o)
{
	struct writer w = { pdu, cap, 0, 0 };
	size_t smsc_len;

	w_field(&w, sms_put_smsc(w.p, w.cap, o->smsc));
	smsc_len = w.pos;
	w_u8(&w, FO_MTI_STATUS_REPORT | FO_MMS);
	w_u8(&w, o->mr);
	if (!w.err)
		w_field(&w, sms_put_address(w.p + w.pos, w.cap - w.pos, &o->recipient));
	if (!w.err)
		w_field(&w, sms_put_time(w.p + w.pos, w.cap - w.pos, &o->scts));
	if (!w.err)
		w_field(&w, sms_put_time(w.p + w.pos, w.cap - w.pos, &o->discharge));
	w_u8(&w, o->status);
	return finish(&w, smsc_len, tpdu_len);
}

/* ---- decoding ----------------------------------------------------------- */

/* 9.2.3.24: information elements; a concatenation IE with a zero or
 * out-of-range count is ignored (9.2.3.24.1), a length past the header
 * is malformed. */
static int parse_udh(struct sms_udh *h, const uint8_t *p, size_t udhl)
{
	size_t i = 0;

	while (i < udhl) {
		uint8_t iei, iedl;
		const uint8_t *d;

		if (udhl - i < 2)
			return -EINVAL;
		iei = p[i];
		iedl = p[i + 1];
		if (udhl - i - 2 < iedl)
			return -EINVAL;
		d = p + i + 2;
		if ((iei == 0x00 && iedl == 3) || (iei == 0x08 && iedl == 4)) {
			bool wide = iei == 0x08;
			uint16_t ref = wide ? (uint16_t)(d[0] << 8 | d[1]) : d[0];
			uint8_t total = d[wide ? 2 : 1], seq = d[wide ? 3 : 2];

			if (total != 0 && seq != 0 && seq <= total) {
				h->concat = true;
				h->concat16 = wide;
				h->ref = ref;
				h->total = total;
				h->seq = seq;
			}
		} else if (iei == 0x04 && iedl == 2) {
			h->ports = true;
			h->dst_port = d[0];
			h->src_port = d[1];
		} else if (iei == 0x05 && iedl == 4) {
			h->ports = true;
			h->dst_port = (uint16_t)(d[0] << 8 | d[1]);
			h->src_port = (uint16_t)(d[2] << 8 | d[3]);
		}
		i += 2u + iedl;
	}
	return 0;
}

static int decode_user_data(struct cursor *c, struct sms_pdu *out)
{
	uint8_t udl;
	const uint8_t *ud;
	size_t octets, hdr = 0;
	bool septets = out->enc == SMS_ENC_GSM7 && !out->compressed;

	if (cursor_u8(c, &udl) < 0)
		return -EINVAL;
	out->udl = udl;
	if (septets) {
		if (udl > SMS_GSM7_SINGLE)
			return -EINVAL;
		octets = (udl * 7u + 7) / 8;
	} else {
		if (udl > SMS_UD_MAX)
			return -EINVAL;
		octets = udl;
	}
	if (cursor_take(c, &ud, octets) < 0)
		return -EINVAL;
	if (out->udhi) {
		if (octets < 1 || (size_t)ud[0] + 1 > octets)
			return -EINVAL;
		hdr = (size_t)ud[0] + 1;
		out->udh.present = true;
		out->udh.length = ud[0];
		if (parse_udh(&out->udh, ud + 1, ud[0]) < 0)
			return -EINVAL;
	}
	if (septets) {
		uint8_t s[SMS_GSM7_SINGLE];
		size_t skip = hdr ? udh_septets(hdr) : 0;
		ssize_t n;

		if (skip > udl)
			return -EINVAL;
		n = gsm7_unpack(s, sizeof(s), ud + hdr, octets - hdr, udl - skip, udh_fill_bits(hdr));
		if (n < 0)
			return -EINVAL;
		n = gsm7_to_utf8(out->text, sizeof(out->text), s, (size_t)n);
		if (n < 0)
			return -EINVAL;
		out->text_len = (size_t)n;
		return 0;
	}
	out->data_len = octets - hdr;
	memcpy(out->data, ud + hdr, out->data_len);
	if (out->enc == SMS_ENC_UCS2 && !out->compressed) {
		ssize_t n = ucs2_to_utf8(out->text, sizeof(out->text), out->data, out->data_len, &out->replaced);

		if (n < 0)
			return -EINVAL;
		out->text_len = (size_t)n;
	}
	return 0;
}

static int decode_dcs(struct cursor *c, struct sms_pdu *out)
{
	if (cursor_u8(c, &out->dcs) < 0)
		return -EINVAL;
	out->has_dcs = true;
	sms_dcs_parse(out->dcs, &out->enc, &out->msg_class, &out->compressed);
	return 0;
}

static int decode_deliver(struct cursor *c, struct sms_pdu *out)
{
	if (sms_get_address(c, &out->addr) < 0 || cursor_u8(c, &out->pid) < 0 || decode_dcs(c, out) < 0 ||
	    sms_get_time(c, &out->scts) < 0)
		return -EINVAL;
	return decode_user_data(c, out);
}

static int decode_submit(struct cursor *c, struct sms_pdu *out)
{
	const uint8_t *vp;

	out->vpf = (out->first_octet >> 3) & 3;
	if (cursor_u8(c, &out->mr) < 0 || sms_get_address(c, &out->addr) < 0 || cursor_u8(c, &out->pid) < 0 ||
	    decode_dcs(c, out) < 0)
		return -EINVAL;
	switch (out->vpf) {
	case 2:
		if (cursor_u8(c, &out->vp[0]) < 0)
			return -EINVAL;
		break;
	case 3: /* absolute: a time stamp */
		if (sms_get_time(c, &out->scts) < 0)
			return -EINVAL;
		memcpy(out->vp, c->p + c->pos - 7, 7);
		break;
	case 1: /* enhanced: 7 octets, kept raw */
		if (cursor_take(c, &vp, 7) < 0)
			return -EINVAL;
		memcpy(out->vp, vp, 7);
		break;
	default:
		break;
	}
	return decode_user_data(c, out);
}

static int decode_status_report(struct cursor *c, struct sms_pdu *out)
{
	uint8_t pi, ext;

	if (cursor_u8(c, &out->mr) < 0 || sms_get_address(c, &out->addr) < 0 || sms_get_time(c, &out->scts) < 0 ||
	    sms_get_time(c, &out->discharge) < 0 || cursor_u8(c, &out->status) < 0)
		return -EINVAL;
	/* 9.2.3.27: the optional parameter indicator and what it announces. */
	if (cursor_u8(c, &pi) < 0)
		return 0;
	for (ext = pi; ext & 0x80;) {
		if (cursor_u8(c, &ext) < 0)
			return -EINVAL;
	}
	if ((pi & 0x01) && cursor_u8(c, &out->pid) < 0)
		return -EINVAL;
	if ((pi & 0x02) && decode_dcs(c, out) < 0)
		return -EINVAL;
	if (pi & 0x04)
		return decode_user_data(c, out);
	return 0;
}

int sms_pdu_decode(struct sms_pdu *out, const uint8_t *pdu, size_t len, bool with_smsc)
{
	struct cursor c = { pdu, len, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	out->msg_class = -1;
	if (with_smsc) {
		if (sms_get_smsc(&c, &out->smsc) < 0)
			return -EINVAL;
		out->has_smsc = true;
	}
	if (cursor_u8(&c, &out->first_octet) < 0)
		return -EINVAL;
	out->udhi = out->first_octet & FO_UDHI;
	out->srr = out->first_octet & FO_SRR;
	out->rp = out->first_octet & FO_RP;
	out->mms = out->first_octet & FO_MMS;
	switch (out->first_octet & 3) {
	case FO_MTI_SUBMIT:
		out->type = SMS_SUBMIT;
		out->mms = false;
		rc = decode_submit(&c, out);
		break;
	case FO_MTI_STATUS_REPORT:
		out->type = SMS_STATUS_REPORT;
		out->rp = false;
		rc = decode_status_report(&c, out);
		break;
	default: /* 9.2.3.1: a reserved MTI is processed as an SMS-DELIVER */
		out->type = SMS_DELIVER;
		rc = decode_deliver(&c, out);
		break;
	}
	if (rc < 0) {
		int type = out->type;

		memset(out, 0, sizeof(*out));
		out->type = type;
		out->msg_class = -1;
	}
	return rc;
}
