/*
 * TS 23.040 PDUs: SMS-SUBMIT encoding to exact bytes, SMS-DELIVER / SUBMIT /
 * STATUS-REPORT decoding, TP-VP (9.2.3.12.1), TP-SCTS (9.2.3.11) and
 * malformed input (every length checked, never a crash).
 *
 * Every expected PDU below was decoded by hand field by field; the comment
 * beside it says what each octet means.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sms.h"
#include "testutil.h"

static struct sms_plan plan;
static struct sms_pdu pdu;

/* ---- sms_address_parse ------------------------------------------------------ */

static void test_address_parse(void **state)
{
	struct {
		const char *in;
		int rc;
		uint8_t toa;
	} cases[] = {
		{ "+491701234567", 0, SMS_TOA_INTERNATIONAL },
		{ "491701234567", 0, SMS_TOA_UNKNOWN },
		{ "01701234567", 0, SMS_TOA_UNKNOWN },
		{ "1", 0, SMS_TOA_UNKNOWN },
		{ "+1", 0, SMS_TOA_INTERNATIONAL },
		{ "12345678901234567890", 0, SMS_TOA_UNKNOWN },         /* 20 digits */
		{ "+12345678901234567890", 0, SMS_TOA_INTERNATIONAL },
		{ "123456789012345678901", -EINVAL, 0 },                /* 21 digits */
		{ "+123456789012345678901", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "+", -EINVAL, 0 },
		{ "++49", -EINVAL, 0 },
		{ "49+170", -EINVAL, 0 },
		{ "+49 170", -EINVAL, 0 },
		{ " 4917", -EINVAL, 0 },
		{ "4917 ", -EINVAL, 0 },
		{ "4917\n", -EINVAL, 0 },
		{ "49a17", -EINVAL, 0 },
		{ "*100#", -EINVAL, 0 },
		{ "-4917", -EINVAL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sms_address a;
		int rc;

		memset(&a, 0, sizeof a);
		rc = sms_address_parse(&a, cases[i].in);
		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d want %d", cases[i].in, rc, cases[i].rc);
		if (rc == 0) {
			assert_int_equal(a.toa, cases[i].toa);
			assert_string_equal(a.str, cases[i].in);
		}
	}
}

/* ---- sms_submit_encode ------------------------------------------------------ */

#define TO_INTL "+491701234567"

struct enc_case {
	const char *name;
	const char *to;
	const char *smsc;
	bool report, flash;
	unsigned validity;
	uint8_t ref;
	const char *text;
	unsigned flags;
	unsigned nparts;
	unsigned part;
	size_t tpdu_len;
	const char *hex;
};

/* Texts built at run time: "a" * 161 etc. are spelled as a pattern. */
static char long_text[2048];

static const char *expand(const char *spec)
{
	/* "<count>*<unit>" pieces separated by '|', e.g. "152*a|1*€|10*b" */
	size_t n = 0;
	const char *p = spec;

	if (spec[0] != '#')
		return spec;
	p++;
	while (*p) {
		char *end;
		unsigned long count = strtoul(p, &end, 10);
		const char *unit = end + 1, *stop = strchr(unit, '|');
		size_t ul = stop ? (size_t)(stop - unit) : strlen(unit);

		assert_true(*end == '*');
		for (unsigned long r = 0; r < count; r++) {
			assert_true(n + ul < sizeof long_text);
			memcpy(long_text + n, unit, ul);
			n += ul;
		}
		p = stop ? stop + 1 : unit + ul;
	}
	long_text[n] = '\0';
	return long_text;
}

static const struct enc_case enc_cases[] = {
	/* 00 SMSC | 01 SUBMIT | 00 MR | 0C 91 947110325476 DA +491701234567 | 00 PID | 00 DCS |
	 * 05 UDL | E8329BFD06 "hello" */
	{ "hello", TO_INTL, NULL, false, false, 0, 0, "hello", 0, 1, 0, 18,
	  "00 01 00 0C91947110325476 00 00 05 E8329BFD06" },
	/* national number: TOA 81, 11 digits padded with F */
	{ "national", "01701234567", NULL, false, false, 0, 0, "hello", 0, 1, 0, 18,
	  "00 01 00 0B811007214365F7 00 00 05 E8329BFD06" },
	/* 20 digits, the most an address holds: DA length 14 */
	{ "20 digits", "+12345678901234567890", NULL, false, false, 0, 0, "hello", 0, 1, 0, 22,
	  "00 01 00 1491 21436587092143658709 00 00 05 E8329BFD06" },
	{ "20 digits national", "12345678901234567890", NULL, false, false, 0, 0, "hello", 0, 1, 0, 22,
	  "00 01 00 1481 21436587092143658709 00 00 05 E8329BFD06" },
	{ "odd digits", "+4917012345678", NULL, false, false, 0, 0, "hello", 0, 1, 0, 19,
	  "00 01 00 0D91947110325476F8 00 00 05 E8329BFD06" },
	/* SRR 0x20 */
	{ "report", TO_INTL, NULL, true, false, 0, 0, "hello", 0, 1, 0, 18,
	  "00 21 00 0C91947110325476 00 00 05 E8329BFD06" },
	/* VPF relative 0x10, VP A7 = 167 = 12 h + 24 * 30 min = 1 day */
	{ "validity 1 day", TO_INTL, NULL, false, false, 1440, 0, "hello", 0, 1, 0, 19,
	  "00 11 00 0C91947110325476 00 00 A7 05 E8329BFD06" },
	/* validity rounds up: 61 min -> VP 12 = 65 min */
	{ "validity 61 min", TO_INTL, NULL, false, false, 61, 0, "hello", 0, 1, 0, 19,
	  "00 11 00 0C91947110325476 00 00 0C 05 E8329BFD06" },
	/* class 0 (flash), GSM 7-bit: DCS 10 */
	{ "flash", TO_INTL, NULL, false, false, 0, 0, "hello", 0, 1, 0, 18,
	  "00 01 00 0C91947110325476 00 00 05 E8329BFD06" },
	/* UCS-2: DCS 08, UDL 0C octets, "Привет" */
	{ "ucs2", TO_INTL, NULL, false, false, 0, 0, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0, 1, 0,
	  25, "00 01 00 0C91947110325476 00 08 0C 041F04400438043204350442" },
	{ "forced ucs2", TO_INTL, NULL, false, false, 0, 0, "hello", SMS_PLAN_FORCE_UCS2, 1, 0, 23,
	  "00 01 00 0C91947110325476 00 08 0A 00680065006C006C006F" },
	{ "ucs2 emoji", TO_INTL, NULL, false, false, 0, 0, "a\xf0\x9f\x98\x80", 0, 1, 0, 19,
	  "00 01 00 0C91947110325476 00 08 06 0061D83DDE00" },
	/* SMSC field: 07 = TOA + 6 octets, 91, +491710760000 */
	{ "smsc", TO_INTL, "+491710760000", false, false, 0, 0, "hello", 0, 1, 0, 18,
	  "0791947101670000 01 00 0C91947110325476 00 00 05 E8329BFD06" },
	/* SRR + VPF + flash; VP 00 = 5 minutes */
	{ "report flash 5 min", TO_INTL, NULL, true, true, 5, 0, "hello", 0, 1, 0, 19,
	  "00 31 00 0C91947110325476 00 10 00 05 E8329BFD06" },
	/* "€5": ESC 65, 35 = 3 septets */
	{ "euro", TO_INTL, NULL, false, false, 0, 0, "\xe2\x82\xac" "5", 0, 1, 0, 16,
	  "00 01 00 0C91947110325476 00 00 03 9B720D" },
	{ "empty", TO_INTL, NULL, false, false, 0, 0, "", 0, 1, 0, 13,
	  "00 01 00 0C91947110325476 00 00 00" },
	/* 160 septets alone: UDL A0, 140 octets */
	{ "160 a", TO_INTL, NULL, false, false, 0, 0, "#160*a", 0, 1, 0, 153,
	  "0001000C919471103254760000A0E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87"
	  "C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E"
	  "87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C"
	  "0E87C3E170381C0E87C3" },
	{ "70 zhe", TO_INTL, NULL, false, false, 0, 0, "#70*\xd0\xb6", 0, 1, 0, 153,
	  "0001000C9194711032547600088C04360436043604360436043604360436043604360436043604360436043604360436"
	  "043604360436043604360436043604360436043604360436043604360436043604360436043604360436043604360436"
	  "043604360436043604360436043604360436043604360436043604360436043604360436043604360436043604360436"
	  "04360436043604360436" },
	/* 161 a: UDHI 0x40; UDL A0 = 7 header septets + 153; UDH 05 00 03 42 02 01;
	 * the text starts after 1 fill bit ('a' << 1 = C2) */
	{ "161 a part 1", TO_INTL, NULL, false, false, 0, 0x42, "#161*a", 0, 2, 0, 153,
	  "0041000C919471103254760000A0050003420201C2E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87"
	  "C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E"
	  "87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C"
	  "0E87C3E170381C0E87C3" },
	/* part 2: UDL 0F = 7 + 8 */
	{ "161 a part 2", TO_INTL, NULL, false, false, 0, 0x42, "#161*a", 0, 2, 1, 27,
	  "00 41 00 0C91947110325476 00 00 0F 050003420202 C2E170381C0E8701" },
	/* the euro (2 septets) would straddle septet 153: part 1 holds 152 (UDL 9F) */
	{ "straddle part 1", TO_INTL, NULL, false, false, 0, 0x07, "#152*a|1*\xe2\x82\xac|10*b", 0, 2, 0, 153,
	  "0041000C9194711032547600009F050003070201C2E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87"
	  "C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E"
	  "87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C"
	  "0E87C3E170381C0E8701" },
	/* part 2: ESC 65 + 10 b = 12 septets, UDL 13 */
	{ "straddle part 2", TO_INTL, NULL, false, false, 0, 0x07, "#152*a|1*\xe2\x82\xac|10*b", 0, 2, 1, 30,
	  "00 41 00 0C91947110325476 00 00 13 050003070202 3665B1582C168BC562B118" },
	/* UCS-2 multipart: UDL 8C = 6 + 134 */
	{ "71 zhe part 1", TO_INTL, NULL, false, false, 0, 0xFE, "#71*\xd0\xb6", 0, 2, 0, 153,
	  "0041000C9194711032547600088C050003FE020104360436043604360436043604360436043604360436043604360436"
	  "043604360436043604360436043604360436043604360436043604360436043604360436043604360436043604360436"
	  "043604360436043604360436043604360436043604360436043604360436043604360436043604360436043604360436"
	  "04360436043604360436" },
	{ "71 zhe part 2", TO_INTL, NULL, false, false, 0, 0xFE, "#71*\xd0\xb6", 0, 2, 1, 27,
	  "00 41 00 0C91947110325476 00 08 0E 050003FE0202 0436043604360436" },
	/* UDHI + SRR + VPF = 0x71, reference 0 is a valid reference */
	{ "161 a part 2, report, 1 day", TO_INTL, NULL, true, false, 1440, 0x00, "#161*a", 0, 2, 1, 28,
	  "00 71 00 0C91947110325476 00 00 A7 0F 050003000202 C2E170381C0E8701" },
	/* 307 a = 3 parts; the last one holds a single 'a' */
	{ "307 a part 3", TO_INTL, NULL, false, false, 0, 0x99, "#307*a", 0, 3, 2, 20,
	  "00 41 00 0C91947110325476 00 00 08 050003990303 C2" },
};

static void encode_case(const struct enc_case *c, bool flash_dcs_check)
{
	struct sms_submit_opts o;
	struct sms_address smsc;
	const char *t = expand(c->text);
	uint8_t buf[SMS_PDU_MAX + 16];
	uint8_t want[SMS_PDU_MAX + 16];
	size_t want_n, tpdu_len = 7777;
	ssize_t rc;

	(void)flash_dcs_check;
	memset(&o, 0, sizeof o);
	assert_int_equal(sms_address_parse(&o.to, c->to), 0);
	if (c->smsc) {
		assert_int_equal(sms_address_parse(&smsc, c->smsc), 0);
		o.smsc = &smsc;
	}
	o.report = c->report;
	o.flash = c->flash;
	o.validity_minutes = c->validity;
	o.concat_ref = c->ref;
	assert_int_equal(sms_plan_text(&plan, t, strlen(t), c->flags, 255, NULL), 0);
	if (plan.nparts != c->nparts)
		fail_msg("%s: nparts %u want %u", c->name, plan.nparts, c->nparts);

	want_n = unhex(want, sizeof want, c->hex);

	/* roomy buffer */
	memset(buf, CANARY, sizeof buf);
	rc = sms_submit_encode(buf, sizeof buf, &tpdu_len, &o, &plan, t, c->part);
	if (rc < 0)
		fail_msg("%s: rc %zd", c->name, rc);
	assert_hex_equal(buf, (size_t)rc, c->hex, c->name);
	assert_canary(buf, (size_t)rc, sizeof buf);
	if (tpdu_len != c->tpdu_len)
		fail_msg("%s: tpdu_len %zu want %zu", c->name, tpdu_len, c->tpdu_len);
	assert_true(tpdu_len <= SMS_TPDU_MAX);

	/* exact fit */
	memset(buf, CANARY, sizeof buf);
	rc = sms_submit_encode(buf, want_n, &tpdu_len, &o, &plan, t, c->part);
	if (rc != (ssize_t)want_n)
		fail_msg("%s: exact fit rc %zd want %zu", c->name, rc, want_n);
	assert_canary(buf, want_n, sizeof buf);

	/* one octet short, and a few other short sizes */
	for (size_t cap = 0; cap < want_n; cap += (cap + 1 < want_n - 1 ? 7 : 1)) {
		memset(buf, CANARY, sizeof buf);
		rc = sms_submit_encode(buf, cap, &tpdu_len, &o, &plan, t, c->part);
		if (rc != -ENOBUFS)
			fail_msg("%s: cap %zu rc %zd want -ENOBUFS", c->name, cap, rc);
		assert_canary(buf, cap, sizeof buf);
	}
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(sms_submit_encode(buf, want_n - 1, &tpdu_len, &o, &plan, t, c->part), -ENOBUFS);
	assert_canary(buf, want_n - 1, sizeof buf);
}

static void test_submit_encode_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof enc_cases / sizeof enc_cases[0]; i++) {
		struct enc_case c = enc_cases[i];

		/* the "flash" row differs from "hello" only by DCS 10 */
		if (strcmp(c.name, "flash") == 0) {
			c.flash = true;
			c.hex = "00 01 00 0C91947110325476 00 10 05 E8329BFD06";
		}
		encode_case(&c, false);
	}
}

static void test_submit_encode_flash_ucs2(void **state)
{
	struct enc_case c;
	size_t i = 0;

	(void)state;
	while (strcmp(enc_cases[i].name, "ucs2") != 0)
		i++;
	c = enc_cases[i];
	c.flash = true;
	c.hex = "00 01 00 0C91947110325476 00 18 0C 041F04400438043204350442";
	encode_case(&c, true);
}

static void test_submit_encode_every_part_header(void **state)
{
	/* 1000 a = 7 parts: each has 05 00 03 REF 07 SEQ right after UDL */
	struct sms_submit_opts o;
	const char *t = expand("#1000*a");
	uint8_t buf[SMS_PDU_MAX];
	size_t tl;

	(void)state;
	memset(&o, 0, sizeof o);
	assert_int_equal(sms_address_parse(&o.to, "+491701234567"), 0);
	o.concat_ref = 0xC3;
	assert_int_equal(sms_plan_text(&plan, t, strlen(t), 0, 255, NULL), 0);
	assert_int_equal(plan.nparts, 7);
	for (unsigned p = 0; p < 7; p++) {
		ssize_t rc = sms_submit_encode(buf, sizeof buf, &tl, &o, &plan, t, p);
		/* 00 | 41 00 | 0C 91 x6 | 00 00 | UDL | UDH */
		size_t udl_at = 1 + 2 + 8 + 2;
		unsigned septets = p < 6 ? 153 : 1000 - 6 * 153;

		assert_true(rc > 0);
		assert_int_equal(buf[1], 0x41);
		assert_int_equal(buf[udl_at], 7 + septets);
		assert_int_equal(buf[udl_at + 1], 0x05);
		assert_int_equal(buf[udl_at + 2], 0x00);
		assert_int_equal(buf[udl_at + 3], 0x03);
		assert_int_equal(buf[udl_at + 4], 0xC3);
		assert_int_equal(buf[udl_at + 5], 7);
		assert_int_equal(buf[udl_at + 6], p + 1);
		assert_int_equal((size_t)rc, udl_at + 1 + 6 + (1 + 7 * septets + 7) / 8);
		assert_int_equal(tl, (size_t)rc - 1);
	}
	/* a part that does not exist */
	assert_true(sms_submit_encode(buf, sizeof buf, &tl, &o, &plan, t, 7) < 0);
}

static void test_submit_roundtrip(void **state)
{
	/* Whatever we encode, our decoder reads back the same fields. */
	(void)state;
	for (size_t i = 0; i < sizeof enc_cases / sizeof enc_cases[0]; i++) {
		const struct enc_case *c = &enc_cases[i];
		struct sms_submit_opts o;
		struct sms_address smsc;
		const char *t = expand(c->text);
		uint8_t buf[SMS_PDU_MAX];
		size_t tl;
		ssize_t n;
		size_t want_len;

		memset(&o, 0, sizeof o);
		assert_int_equal(sms_address_parse(&o.to, c->to), 0);
		if (c->smsc) {
			assert_int_equal(sms_address_parse(&smsc, c->smsc), 0);
			o.smsc = &smsc;
		}
		o.report = c->report;
		o.validity_minutes = c->validity;
		o.concat_ref = c->ref;
		assert_int_equal(sms_plan_text(&plan, t, strlen(t), c->flags, 255, NULL), 0);
		n = sms_submit_encode(buf, sizeof buf, &tl, &o, &plan, t, c->part);
		assert_true(n > 0);
		memset(&pdu, 0, sizeof pdu);
		if (sms_pdu_decode(&pdu, buf, (size_t)n, true) != 0)
			fail_msg("%s: own PDU does not decode", c->name);
		assert_int_equal(pdu.type, SMS_SUBMIT);
		assert_true(pdu.has_smsc);
		assert_string_equal(pdu.addr.str, c->to);
		assert_int_equal(pdu.mr, 0);
		assert_int_equal(pdu.srr, c->report);
		assert_int_equal(pdu.vpf, c->validity ? 2 : 0);
		assert_int_equal(pdu.udh.concat, plan.nparts > 1);
		if (plan.nparts > 1) {
			assert_int_equal(pdu.udh.ref, c->ref);
			assert_int_equal(pdu.udh.total, plan.nparts);
			assert_int_equal(pdu.udh.seq, c->part + 1);
		}
		want_len = plan.start[c->part + 1] - plan.start[c->part];
		if (pdu.text_len != want_len || memcmp(pdu.text, t + plan.start[c->part], want_len) != 0)
			fail_msg("%s: text does not round-trip", c->name);
		if (c->smsc)
			assert_string_equal(pdu.smsc.str, c->smsc);
		/* and without the SMSC field */
		memset(&pdu, 0, sizeof pdu);
		assert_int_equal(sms_pdu_decode(&pdu, buf + ((size_t)n - tl), tl, false), 0);
		assert_false(pdu.has_smsc);
		assert_string_equal(pdu.addr.str, c->to);
	}
}

/* ---- sms_pdu_decode ---------------------------------------------------------- */

struct dec_case {
	const char *name;
	const char *hex;
	bool with_smsc;
	enum sms_type type;
	const char *smsc;               /* NULL: no SMSC field; "" : field 00 */
	uint8_t first_octet;
	bool udhi, srr, rp;
	int mr;                         /* -1: not checked */
	const char *addr;
	uint8_t toa;
	uint8_t pid, dcs;
	enum sms_enc enc;
	int msg_class;
	const char *text;               /* NULL: not checked */
	unsigned replaced;
	const char *scts;               /* formatted; NULL: not present */
	const char *discharge;
	int status;                     /* -1: not checked */
	bool udh_present, concat, concat16;
	uint16_t ref;
	uint8_t total, seq;
	bool prefixes_invalid;          /* every shorter prefix must be -EINVAL */
};

static const struct dec_case dec_cases[] = {
	/* SMSC +27381000015 | 04 DELIVER (MMS bit) | OA 0B C8 (TON 4 subscriber, NPI 8)
	 * 27838890001 | PID 00 | DCS 00 | SCTS 99-03-29 15:16:59 +8 quarters | UDL 0A "hellohello" */
	{ .name = "classic deliver", .hex = "07917283010010F5 04 0BC87238880900F1 00 00 99309251619580 0A E8329BFD4697D9EC37",
	  .with_smsc = true, .type = SMS_DELIVER, .smsc = "+27381000015", .first_octet = 0x04, .mr = -1,
	  .addr = "27838890001", .toa = 0xC8, .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hellohello",
	  .scts = "2099-03-29T15:16:59+02:00", .status = -1, .prefixes_invalid = true },
	/* SMSC +491710760000 | 04 | OA +491701234567 | 00 00 | SCTS 26-11-25 01:22:07 +04 quarters | "hello" */
	{ .name = "deliver", .hex = "0791947101670000 04 0C91947110325476 00 00 62115210227040 05 E8329BFD06",
	  .with_smsc = true, .type = SMS_DELIVER, .smsc = "+491710760000", .first_octet = 0x04, .mr = -1,
	  .addr = "+491701234567", .toa = 0x91, .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hello",
	  .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
	{ .name = "deliver, no SMSC field", .hex = "04 0C91947110325476 00 00 62115210227040 05 E8329BFD06",
	  .with_smsc = false, .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "+491701234567",
	  .toa = 0x91, .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hello", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .prefixes_invalid = true },
	/* empty SMSC field 00; RP 0x80 + SRI 0x20; national OA (TON 0) with odd digits; year 00 */
	{ .name = "deliver rp sri national", .hex = "00 A4 0B811007214365F7 00 00 00101010101000 05 E8329BFD06",
	  .with_smsc = true, .type = SMS_DELIVER, .smsc = "", .first_octet = 0xA4, .srr = true, .rp = true, .mr = -1,
	  .addr = "01701234567", .toa = 0x81, .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hello",
	  .scts = "2000-01-01T01:01:01+00:00", .status = -1, .prefixes_invalid = true },
	/* negative quarter-hour zone: 49 -> low nibble 9 = sign + tens 1, high nibble 4: -14 quarters = -03:30 */
	{ .name = "deliver tz -03:30", .hex = "04 0C91947110325476 00 00 62115210227049 05 E8329BFD06",
	  .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hello", .scts = "2026-11-25T01:22:07-03:30",
	  .status = -1, .prefixes_invalid = true },
	/* alphanumeric OA: 0E semi-octets, D0 (TON 5, NPI 0), "Vodafone" packed */
	{ .name = "alphanumeric Vodafone", .hex = "04 0ED0D637396C7EBBCB 00 00 62115210227040 02 E834",
	  .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "Vodafone", .toa = 0xD0,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hi", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .prefixes_invalid = true },
	/* 7 characters = 49 bits = 13 useful semi-octets (not 14: no trailing '@') */
	{ .name = "alphanumeric InfoSMS", .hex = "04 0DD049B7F93D6D4E01 00 00 62115210227040 02 E834",
	  .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "InfoSMS", .toa = 0xD0,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hi", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .prefixes_invalid = true },
	{ .name = "alphanumeric Info", .hex = "04 07D049B7F90D 00 00 62115210227040 02 E834",
	  .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "Info", .toa = 0xD0,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hi", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .prefixes_invalid = true },
	/* UCS-2 with a surrogate pair: DCS 08, UDL 06 */
	{ .name = "deliver ucs2 emoji", .hex = "04 0C91947110325476 00 08 62115210227040 06 0061D83DDE00",
	  .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0x08,
	  .enc = SMS_ENC_UCS2, .msg_class = -1, .text = "a\xf0\x9f\x98\x80", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .prefixes_invalid = true },
	/* lone high surrogate, then 'A' */
	{ .name = "deliver ucs2 lone surrogate", .hex = "04 0C91947110325476 00 08 62115210227040 04 D83D0041",
	  .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0x08,
	  .enc = SMS_ENC_UCS2, .msg_class = -1, .text = "\xef\xbf\xbd" "A", .replaced = 1,
	  .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
	/* odd UCS-2 UDL: the trailing octet becomes U+FFFD */
	{ .name = "deliver ucs2 odd udl", .hex = "04 0C91947110325476 00 08 62115210227040 03 004100",
	  .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0x08,
	  .enc = SMS_ENC_UCS2, .msg_class = -1, .text = "A\xef\xbf\xbd", .replaced = 1,
	  .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
	/* extension characters and '@' (septet 00) survive: ESC 65, 00 */
	{ .name = "deliver euro at", .hex = "04 0C91947110325476 00 00 62115210227040 03 9B3200",
	  .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "\xe2\x82\xac@", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .prefixes_invalid = true },
	/* concatenated: 44 (UDHI), UDL 0F = 7 + 8, UDH 05 00 03 2A 03 02, "part two" after 1 fill bit */
	{ .name = "deliver concat 8-bit ref", .hex = "44 0C91947110325476 00 00 62115210227040 0F 0500032A0302 E061391D44BFBF01",
	  .type = SMS_DELIVER, .first_octet = 0x44, .udhi = true, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "part two", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .udh_present = true, .concat = true, .ref = 0x2A, .total = 3, .seq = 2,
	  .prefixes_invalid = true },
	/* 16-bit reference IE 08: UDH is 7 octets = 8 septets, no fill; UDL 0B = 8 + 3 "abc" */
	{ .name = "deliver concat 16-bit ref", .hex = "44 0C91947110325476 00 00 62115210227040 0B 06080412340302 61F118",
	  .type = SMS_DELIVER, .first_octet = 0x44, .udhi = true, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "abc", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .udh_present = true, .concat = true, .concat16 = true, .ref = 0x1234, .total = 3, .seq = 2,
	  .prefixes_invalid = true },
	/* TS 23.040 9.2.3.24.1: seq 0 -> the IE is ignored */
	{ .name = "concat seq 0 ignored", .hex = "44 0C91947110325476 00 00 62115210227040 0F 0500032A0300 E061391D44BFBF01",
	  .type = SMS_DELIVER, .first_octet = 0x44, .udhi = true, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "part two", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .udh_present = true, .prefixes_invalid = true },
	{ .name = "concat total 0 ignored", .hex = "44 0C91947110325476 00 00 62115210227040 0F 0500032A0000 E061391D44BFBF01",
	  .type = SMS_DELIVER, .first_octet = 0x44, .udhi = true, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "part two", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .udh_present = true, .prefixes_invalid = true },
	{ .name = "concat seq > total ignored", .hex = "44 0C91947110325476 00 00 62115210227040 0F 0500032A0203 E061391D44BFBF01",
	  .type = SMS_DELIVER, .first_octet = 0x44, .udhi = true, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "part two", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .udh_present = true, .prefixes_invalid = true },
	{ .name = "concat16 seq > total ignored", .hex = "44 0C91947110325476 00 00 62115210227040 0B 06080412340203 61F118",
	  .type = SMS_DELIVER, .first_octet = 0x44, .udhi = true, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "abc", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .udh_present = true, .prefixes_invalid = true },
	/* seq == total is fine */
	{ .name = "concat last part", .hex = "44 0C91947110325476 00 00 62115210227040 0F 0500032A0303 E061391D44BFBF01",
	  .type = SMS_DELIVER, .first_octet = 0x44, .udhi = true, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "part two", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .udh_present = true, .concat = true, .ref = 0x2A, .total = 3, .seq = 3,
	  .prefixes_invalid = true },
	/* UCS-2 concatenated: UDL 0A = 6 + 4 */
	{ .name = "deliver ucs2 concat", .hex = "44 0C91947110325476 00 08 62115210227040 0A 050003FF0201 04360436",
	  .type = SMS_DELIVER, .first_octet = 0x44, .udhi = true, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .dcs = 0x08, .enc = SMS_ENC_UCS2, .msg_class = -1, .text = "\xd0\xb6\xd0\xb6",
	  .scts = "2026-11-25T01:22:07+01:00", .status = -1, .udh_present = true, .concat = true, .ref = 0xFF,
	  .total = 2, .seq = 1, .prefixes_invalid = true },
	/* class 0 GSM 7-bit (DCS 10) and (DCS F0) */
	{ .name = "flash 10", .hex = "04 0C91947110325476 00 10 62115210227040 02 E834", .type = SMS_DELIVER,
	  .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0x10, .enc = SMS_ENC_GSM7,
	  .msg_class = 0, .text = "hi", .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
	{ .name = "flash F0", .hex = "04 0C91947110325476 00 F0 62115210227040 02 E834", .type = SMS_DELIVER,
	  .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0xF0, .enc = SMS_ENC_GSM7,
	  .msg_class = 0, .text = "hi", .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
	{ .name = "class 1 GSM", .hex = "04 0C91947110325476 00 11 62115210227040 02 E834", .type = SMS_DELIVER,
	  .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0x11, .enc = SMS_ENC_GSM7,
	  .msg_class = 1, .text = "hi", .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
	{ .name = "class 2 GSM F2", .hex = "04 0C91947110325476 00 F2 62115210227040 02 E834", .type = SMS_DELIVER,
	  .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0xF2, .enc = SMS_ENC_GSM7,
	  .msg_class = 2, .text = "hi", .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
	{ .name = "flash ucs2 18", .hex = "04 0C91947110325476 00 18 62115210227040 02 0436", .type = SMS_DELIVER,
	  .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0x18, .enc = SMS_ENC_UCS2,
	  .msg_class = 0, .text = "\xd0\xb6", .scts = "2026-11-25T01:22:07+01:00", .status = -1,
	  .prefixes_invalid = true },
	/* TS 23.038 4, group 1110: message waiting, store, UCS-2 */
	{ .name = "mwi store ucs2 E0", .hex = "04 0C91947110325476 00 E0 62115210227040 02 0436", .type = SMS_DELIVER,
	  .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0xE0, .enc = SMS_ENC_UCS2,
	  .msg_class = -1, .text = "\xd0\xb6", .scts = "2026-11-25T01:22:07+01:00", .status = -1,
	  .prefixes_invalid = true },
	/* STATUS-REPORT: 00 SMSC | 06 (MTI 10, MMS) | MR 2A | RA +491701234567 | SCTS | DT 01:23:00 | ST 00 */
	{ .name = "status report delivered", .hex = "00 06 2A 0C91947110325476 62115210227040 62115210320040 00",
	  .with_smsc = true, .type = SMS_STATUS_REPORT, .smsc = "", .first_octet = 0x06, .mr = 0x2A,
	  .addr = "+491701234567", .toa = 0x91, .enc = SMS_ENC_GSM7, .msg_class = -1,
	  .scts = "2026-11-25T01:22:07+01:00", .discharge = "2026-11-25T01:23:00+01:00", .status = 0x00,
	  .prefixes_invalid = true },
	/* SRQ bit 0x20, permanent error 0x46, discharge in another zone (-00:15: 18) */
	{ .name = "status report failed", .hex = "0791947101670000 26 FF 0C91947110325476 62115210227040 62115210320018 46",
	  .with_smsc = true, .type = SMS_STATUS_REPORT, .smsc = "+491710760000", .first_octet = 0x26, .srr = true,
	  .mr = 0xFF, .addr = "+491701234567", .toa = 0x91, .enc = SMS_ENC_GSM7, .msg_class = -1,
	  .scts = "2026-11-25T01:22:07+01:00", .discharge = "2026-11-25T01:23:00-00:15", .status = 0x46,
	  .prefixes_invalid = true },
	/* TS 23.040 9.2.2.3: optional TP-PI 07 (PID, DCS, UDL present), then "hi" */
	{ .name = "status report with PI and UD",
	  .hex = "00 06 07 0C91947110325476 62115210227040 62115210320040 00 07 00 00 02 E834",
	  .with_smsc = true, .type = SMS_STATUS_REPORT, .smsc = "", .first_octet = 0x06, .mr = 0x07,
	  .addr = "+491701234567", .toa = 0x91, .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hi",
	  .scts = "2026-11-25T01:22:07+01:00", .discharge = "2026-11-25T01:23:00+01:00", .status = 0x00,
	  .prefixes_invalid = false },
	/* a SUBMIT as stored on a SIM: 11 (VPF relative), MR 00, DA, VP A7 */
	{ .name = "submit vp relative", .hex = "00 11 00 0C91947110325476 00 00 A7 05 E8329BFD06",
	  .with_smsc = true, .type = SMS_SUBMIT, .smsc = "", .first_octet = 0x11, .mr = 0, .addr = "+491701234567",
	  .toa = 0x91, .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hello", .status = -1,
	  .prefixes_invalid = true },
	/* 19: VPF absolute (11), MR 05; the VP is a time stamp */
	{ .name = "submit vp absolute", .hex = "19 05 0C91947110325476 00 00 62115210227040 05 E8329BFD06",
	  .type = SMS_SUBMIT, .first_octet = 0x19, .mr = 5, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hello", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .prefixes_invalid = true },
	/* 29: VPF enhanced (01) + SRR: 7 VP octets */
	{ .name = "submit vp enhanced", .hex = "29 06 0B811007214365F7 00 00 01000000000000 05 E8329BFD06",
	  .type = SMS_SUBMIT, .first_octet = 0x29, .srr = true, .mr = 6, .addr = "01701234567", .toa = 0x81,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hello", .status = -1, .prefixes_invalid = true },
	/* TS 23.040 9.2.3.1: a TPDU with the reserved MTI 11 is processed as an SMS-DELIVER */
	{ .name = "reserved MTI as deliver", .hex = "07 0C91947110325476 00 00 62115210227040 05 E8329BFD06",
	  .type = SMS_DELIVER, .first_octet = 0x07, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hello", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .prefixes_invalid = true },
	/* 8 septets fill exactly 7 octets */
	{ .name = "deliver 8 septets in 7 octets", .hex = "04 0C91947110325476 00 00 62115210227040 08 31D98C56B3DD70",
	  .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "12345678", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .prefixes_invalid = true },
	/* TS 23.040 9.1.2.3: semi-octets A and B are '*' and '#' */
	{ .name = "OA with * and #", .hex = "04 0481 1AB0 00 00 62115210227040 02 E834",
	  .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "*10#", .toa = 0x81,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hi", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .prefixes_invalid = true },
	/* UDHL 09: concat + 8-bit ports = 10 octets = 80 bits, 4 fill bits to septet 12; UDL 0E = 12 + 2 */
	{ .name = "GSM UDH of 10 octets, fill 4", .hex = "44 0C91947110325476 00 00 62115210227040 0E 09 0003110201 0402F0F1 804E03",
	  .type = SMS_DELIVER, .first_octet = 0x44, .udhi = true, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hi", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .udh_present = true, .concat = true, .ref = 0x11, .total = 2, .seq = 1,
	  .prefixes_invalid = true },
	/* UDHL 0B with an unknown empty IE 70: 12 octets = 96 bits, 2 fill bits to septet 14; UDL 10 = 14 + 2 */
	{ .name = "GSM UDH of 12 octets, fill 2", .hex = "44 0C91947110325476 00 00 62115210227040 10 0B 0003110201 0402F0F1 7000 A0D3",
	  .type = SMS_DELIVER, .first_octet = 0x44, .udhi = true, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1, .text = "hi", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .udh_present = true, .concat = true, .ref = 0x11, .total = 2, .seq = 1,
	  .prefixes_invalid = true },
	/* UCS-2 after a 7-octet UDH (16-bit reference): UDL 09 = 7 + 2 */
	{ .name = "ucs2 concat16", .hex = "44 0C91947110325476 00 08 62115210227040 09 06080412340201 0436",
	  .type = SMS_DELIVER, .first_octet = 0x44, .udhi = true, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .dcs = 0x08, .enc = SMS_ENC_UCS2, .msg_class = -1, .text = "\xd0\xb6", .scts = "2026-11-25T01:22:07+01:00",
	  .status = -1, .udh_present = true, .concat = true, .concat16 = true, .ref = 0x1234, .total = 2, .seq = 1,
	  .prefixes_invalid = true },
	/* TS 23.038 4: 01xx automatic deletion group, UCS-2 */
	{ .name = "auto-delete ucs2 48", .hex = "04 0C91947110325476 00 48 62115210227040 02 0436", .type = SMS_DELIVER,
	  .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0x48, .enc = SMS_ENC_UCS2,
	  .msg_class = -1, .text = "\xd0\xb6", .scts = "2026-11-25T01:22:07+01:00", .status = -1,
	  .prefixes_invalid = true },
	/* 1100 / 1101 message waiting (discard / store): default alphabet */
	{ .name = "mwi discard C0", .hex = "04 0C91947110325476 00 C0 62115210227040 02 E834", .type = SMS_DELIVER,
	  .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0xC0, .enc = SMS_ENC_GSM7,
	  .msg_class = -1, .text = "hi", .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
	{ .name = "mwi store D8", .hex = "04 0C91947110325476 00 D8 62115210227040 02 E834", .type = SMS_DELIVER,
	  .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0xD8, .enc = SMS_ENC_GSM7,
	  .msg_class = -1, .text = "hi", .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
	/* reserved coding group 10xx and reserved alphabet 11: read as the default alphabet */
	{ .name = "reserved group 80", .hex = "04 0C91947110325476 00 80 62115210227040 02 E834", .type = SMS_DELIVER,
	  .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0x80, .enc = SMS_ENC_GSM7,
	  .msg_class = -1, .text = "hi", .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
	{ .name = "reserved alphabet 0C", .hex = "04 0C91947110325476 00 0C 62115210227040 02 E834", .type = SMS_DELIVER,
	  .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91, .dcs = 0x0C, .enc = SMS_ENC_GSM7,
	  .msg_class = -1, .text = "hi", .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
	/* 160 septets, the most one DELIVER holds */
	{ .name = "deliver 160 septets",
	  .hex = "04 0C91947110325476 00 00 62115210227040 A0"
		 "E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87"
		 "C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E"
		 "87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C0E87C3E170381C"
		 "0E87C3E170381C0E87C3",
	  .type = SMS_DELIVER, .first_octet = 0x04, .mr = -1, .addr = "+491701234567", .toa = 0x91,
	  .enc = SMS_ENC_GSM7, .msg_class = -1,
	  .text = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  .scts = "2026-11-25T01:22:07+01:00", .status = -1, .prefixes_invalid = true },
};

static void check_decoded(const struct dec_case *c, const struct sms_pdu *p)
{
	char t[64];

	if (p->type != c->type)
		fail_msg("%s: type %d want %d", c->name, (int)p->type, (int)c->type);
	assert_int_equal(p->has_smsc, c->with_smsc);
	if (c->with_smsc)
		assert_string_equal(p->smsc.str, c->smsc);
	if (p->first_octet != c->first_octet)
		fail_msg("%s: first octet %02X want %02X", c->name, p->first_octet, c->first_octet);
	if (p->udhi != c->udhi || p->srr != c->srr || p->rp != c->rp)
		fail_msg("%s: udhi/srr/rp %d%d%d want %d%d%d", c->name, p->udhi, p->srr, p->rp, c->udhi, c->srr, c->rp);
	if (c->mr >= 0 && p->mr != c->mr)
		fail_msg("%s: mr %u want %d", c->name, p->mr, c->mr);
	if (strcmp(p->addr.str, c->addr) != 0 || p->addr.toa != c->toa)
		fail_msg("%s: addr \"%s\"/%02X want \"%s\"/%02X", c->name, p->addr.str, p->addr.toa, c->addr, c->toa);
	if (c->type != SMS_STATUS_REPORT || c->text) {
		if (p->pid != c->pid || p->dcs != c->dcs || p->enc != c->enc || p->msg_class != c->msg_class)
			fail_msg("%s: pid %02X dcs %02X enc %d class %d, want %02X %02X %d %d", c->name, p->pid, p->dcs,
				 (int)p->enc, p->msg_class, c->pid, c->dcs, (int)c->enc, c->msg_class);
	}
	if (c->text) {
		if (p->text_len != strlen(c->text) || strcmp(p->text, c->text) != 0)
			fail_msg("%s: text \"%s\" (%zu) want \"%s\"", c->name, p->text, p->text_len, c->text);
		if (p->replaced != c->replaced)
			fail_msg("%s: replaced %u want %u", c->name, p->replaced, c->replaced);
	}
	if (c->scts) {
		assert_true(p->scts.present);
		assert_true(p->scts.valid);
		assert_true(sms_time_format(t, sizeof t, &p->scts) > 0);
		if (strcmp(t, c->scts) != 0)
			fail_msg("%s: scts %s want %s", c->name, t, c->scts);
	} else if (p->scts.present) {
		fail_msg("%s: scts present but none in the PDU", c->name);
	}
	if (c->discharge) {
		assert_true(p->discharge.present);
		assert_true(sms_time_format(t, sizeof t, &p->discharge) > 0);
		if (strcmp(t, c->discharge) != 0)
			fail_msg("%s: discharge %s want %s", c->name, t, c->discharge);
	}
	if (c->status >= 0 && p->status != c->status)
		fail_msg("%s: status %02X want %02X", c->name, p->status, c->status);
	if (p->udh.present != c->udh_present || p->udh.concat != c->concat)
		fail_msg("%s: udh present %d concat %d, want %d %d", c->name, p->udh.present, p->udh.concat,
			 c->udh_present, c->concat);
	if (c->concat) {
		if (p->udh.concat16 != c->concat16 || p->udh.ref != c->ref || p->udh.total != c->total ||
		    p->udh.seq != c->seq)
			fail_msg("%s: concat16 %d ref %04X %u/%u, want %d %04X %u/%u", c->name, p->udh.concat16,
				 p->udh.ref, p->udh.seq, p->udh.total, c->concat16, c->ref, c->seq, c->total);
	}
}

static void test_decode_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof dec_cases / sizeof dec_cases[0]; i++) {
		const struct dec_case *c = &dec_cases[i];
		uint8_t buf[SMS_PDU_MAX + 8];
		size_t n = unhex(buf, sizeof buf, c->hex);
		int rc;

		memset(&pdu, 0x5A, sizeof pdu);
		rc = sms_pdu_decode(&pdu, buf, n, c->with_smsc);
		if (rc != 0)
			fail_msg("%s: rc %d", c->name, rc);
		check_decoded(c, &pdu);
	}
}

static void test_decode_classic_fields(void **state)
{
	/* The raw fields of the SCTS, not only their formatting. */
	uint8_t buf[64];
	size_t n = unhex(buf, sizeof buf, dec_cases[0].hex);

	(void)state;
	assert_int_equal(sms_pdu_decode(&pdu, buf, n, true), 0);
	assert_int_equal(pdu.scts.year, 2099);
	assert_int_equal(pdu.scts.month, 3);
	assert_int_equal(pdu.scts.day, 29);
	assert_int_equal(pdu.scts.hour, 15);
	assert_int_equal(pdu.scts.minute, 16);
	assert_int_equal(pdu.scts.second, 59);
	assert_int_equal(pdu.scts.tz_quarters, 8);
	assert_int_equal(pdu.udl, 10);
	assert_int_equal(pdu.smsc.toa, 0x91);
}

static void test_decode_tz_table(void **state)
{
	/* TS 23.040 9.2.3.11: the zone octet's first semi-octet (low nibble) is
	 * the tens digit, its bit 3 the sign; the high nibble is the units digit. */
	struct {
		const char *tz_hex;
		int quarters;
		const char *suffix;
	} cases[] = {
		{ "00", 0, "+00:00" }, { "40", 4, "+01:00" }, { "80", 8, "+02:00" }, { "23", 32, "+08:00" },
		{ "32", 23, "+05:45" }, { "18", -1, "-00:15" }, { "49", -14, "-03:30" }, { "8B", -38, "-09:30" },
		{ "8C", -48, "-12:00" }, { "65", 56, "+14:00" }, { "2B", -32, "-08:00" }, { "29", -12, "-03:00" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char hex[128], t[64], want[64];
		uint8_t buf[64];
		size_t n;

		snprintf(hex, sizeof hex, "04 0C91947110325476 00 00 621152102270%s 05 E8329BFD06", cases[i].tz_hex);
		n = unhex(buf, sizeof buf, hex);
		assert_int_equal(sms_pdu_decode(&pdu, buf, n, false), 0);
		if (pdu.scts.tz_quarters != cases[i].quarters)
			fail_msg("tz %s: %d quarters, want %d", cases[i].tz_hex, pdu.scts.tz_quarters, cases[i].quarters);
		assert_true(sms_time_format(t, sizeof t, &pdu.scts) > 0);
		snprintf(want, sizeof want, "2026-11-25T01:22:07%s", cases[i].suffix);
		if (strcmp(t, want) != 0)
			fail_msg("tz %s: %s, want %s", cases[i].tz_hex, t, want);
	}
}

static void test_decode_bad_bcd_time(void **state)
{
	/* month semi-octets 1,A: not a digit. The PDU still decodes. */
	uint8_t buf[64];
	size_t n = unhex(buf, sizeof buf, "04 0C91947110325476 00 00 62A15210227040 05 E8329BFD06");

	(void)state;
	assert_int_equal(sms_pdu_decode(&pdu, buf, n, false), 0);
	assert_true(pdu.scts.present);
	assert_false(pdu.scts.valid);
	assert_string_equal(pdu.text, "hello");
}

static void test_decode_8bit_and_ports(void **state)
{
	/* 44 UDHI | DCS 04 (8-bit) | UDL 0A = 7 + 3 | UDH 06 05 04 0B84 23F0 (WAP push ports) | 01 02 03 */
	uint8_t buf[64];
	size_t n = unhex(buf, sizeof buf, "44 0C91947110325476 00 04 62115210227040 0A 0605040B8423F0 010203");

	(void)state;
	assert_int_equal(sms_pdu_decode(&pdu, buf, n, false), 0);
	assert_int_equal(pdu.enc, SMS_ENC_8BIT);
	assert_int_equal(pdu.msg_class, -1);
	assert_true(pdu.udh.present);
	assert_int_equal(pdu.udh.length, 6);
	assert_false(pdu.udh.concat);
	assert_true(pdu.udh.ports);
	assert_int_equal(pdu.udh.dst_port, 0x0B84);
	assert_int_equal(pdu.udh.src_port, 0x23F0);
	assert_int_equal(pdu.udl, 10);
	assert_int_equal(pdu.data_len, 3);
	assert_memory_equal(pdu.data, "\x01\x02\x03", 3);

	/* 8-bit class 0 (F4), no UDH */
	n = unhex(buf, sizeof buf, "04 0C91947110325476 00 F4 62115210227040 04 DEADBEEF");
	assert_int_equal(sms_pdu_decode(&pdu, buf, n, false), 0);
	assert_int_equal(pdu.enc, SMS_ENC_8BIT);
	assert_int_equal(pdu.msg_class, 0);
	assert_int_equal(pdu.data_len, 4);
	assert_memory_equal(pdu.data, "\xde\xad\xbe\xef", 4);
	assert_false(pdu.udh.present);

	/* concat IE and 8-bit port IE 04 (8-bit ports) together */
	n = unhex(buf, sizeof buf, "44 0C91947110325476 00 04 62115210227040 0B 09 0003110201 0402F0F1 AA");
	assert_int_equal(sms_pdu_decode(&pdu, buf, n, false), 0);
	assert_true(pdu.udh.concat);
	assert_int_equal(pdu.udh.ref, 0x11);
	assert_int_equal(pdu.udh.total, 2);
	assert_int_equal(pdu.udh.seq, 1);
	assert_true(pdu.udh.ports);
	assert_int_equal(pdu.udh.dst_port, 0xF0);
	assert_int_equal(pdu.udh.src_port, 0xF1);
	assert_int_equal(pdu.data_len, 1);
	assert_int_equal(pdu.data[0], 0xAA);
}

static void test_decode_compressed(void **state)
{
	/* DCS 20: compressed GSM 7-bit; TP-UDL then counts octets (TS 23.040 9.2.3.16) */
	uint8_t buf[64];
	size_t n = unhex(buf, sizeof buf, "04 0C91947110325476 00 20 62115210227040 03 010203");

	(void)state;
	assert_int_equal(sms_pdu_decode(&pdu, buf, n, false), 0);
	assert_true(pdu.compressed);
	assert_int_equal(pdu.text_len, 0);
	assert_int_equal(pdu.data_len, 3);
	assert_memory_equal(pdu.data, "\x01\x02\x03", 3);
}

static void test_decode_truncated_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof dec_cases / sizeof dec_cases[0]; i++) {
		const struct dec_case *c = &dec_cases[i];
		uint8_t full[SMS_PDU_MAX + 8];
		size_t n = unhex(full, sizeof full, c->hex);

		for (size_t len = 0; len < n; len++) {
			/* a heap copy of exactly len bytes, so an over-read is caught by ASan */
			uint8_t *p = malloc(len ? len : 1);
			int rc;

			assert_non_null(p);
			memcpy(p, full, len);
			rc = sms_pdu_decode(&pdu, p, len, c->with_smsc);
			free(p);
			if (c->prefixes_invalid && rc != -EINVAL)
				fail_msg("%s truncated to %zu of %zu: rc %d, want -EINVAL", c->name, len, n, rc);
			if (!c->prefixes_invalid && rc != -EINVAL && rc != 0)
				fail_msg("%s truncated to %zu of %zu: rc %d", c->name, len, n, rc);
		}
	}
}

static void test_decode_malformed(void **state)
{
	struct {
		const char *name;
		const char *hex;
		bool with_smsc;
	} cases[] = {
		{ "empty, smsc", "", true },
		{ "empty", "", false },
		{ "smsc only", "00", true },
		{ "smsc length past end", "07919471", true },
		{ "smsc length 12", "0C91 9471016700000000000000 04 0C91947110325476 00 00 62115210227040 05 E8329BFD06", true },
		{ "smsc length FF",
		  "FF91 94710167000000000000000000000000000000000000000000000000000000000000000000000000000000000000", true },
		/* OA says 21 digits (11 octets are present) */
		{ "OA length 21", "04 1591 94711032547694711032F4 00 00 62115210227040 05 E8329BFD06", false },
		{ "OA length 21 alpha", "04 15D0 D637396C7EBBCBD637396C 00 00 62115210227040 05 E8329BFD06", false },
		{ "OA length FF",
		  "04 FF91 947110325476947110325476947110325476947110325476947110325476947110325476"
		  "947110325476947110325476947110325476947110325476947110325476947110325476 00 00 62115210227040 05 E8329BFD06",
		  false },
		{ "DA length 21", "01 00 1591 94711032547694711032F4 00 00 05 E8329BFD06", false },
		{ "RA length 21", "06 2A 1591 94711032547694711032F4 62115210227040 62115210320040 00", false },
		/* UDL 0A septets need 9 octets, 5 present */
		{ "UDL lies", "04 0C91947110325476 00 00 62115210227040 0A E8329BFD06", false },
		{ "UDL lies ucs2", "04 0C91947110325476 00 08 62115210227040 08 00410042", false },
		/* UDHL 0A runs past the 5 octets of UD */
		{ "UDHL past end", "44 0C91947110325476 00 00 62115210227040 05 0A00030102", false },
		/* UDHL 07 = 8 octets of header, but UDL 07 septets is only 7 octets */
		{ "UDHL past UDL", "44 0C91947110325476 00 00 62115210227040 07 0700030102010000000000", false },
		{ "UDHL past UDL ucs2", "44 0C91947110325476 00 08 62115210227040 04 0500030102010041", false },
		{ "UDHI with UDL 0", "44 0C91947110325476 00 00 62115210227040 00", false },
		{ "UDHI ucs2 with UDL 0", "44 0C91947110325476 00 08 62115210227040 00", false },
		{ "UDH in 8-bit past end", "44 0C91947110325476 00 04 62115210227040 03 050003", false },
		{ "VP absolute cut", "19 05 0C91947110325476 00 00 6211521022", false },
		{ "status report without ST", "06 2A 0C91947110325476 62115210227040 62115210320040", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t full[512];
		size_t n = unhex(full, sizeof full, cases[i].hex);
		uint8_t *p = malloc(n ? n : 1);
		int rc;

		assert_non_null(p);
		memcpy(p, full, n);
		rc = sms_pdu_decode(&pdu, p, n, cases[i].with_smsc);
		free(p);
		if (rc != -EINVAL)
			fail_msg("%s: rc %d, want -EINVAL", cases[i].name, rc);
	}
}

static void test_decode_udl_over_limit(void **state)
{
	/* TS 23.040 9.2.3.16: at most 160 septets / 140 octets, even if more bytes follow */
	uint8_t buf[256];
	size_t n;

	(void)state;
	n = unhex(buf, sizeof buf, "04 0C91947110325476 00 00 62115210227040 A1");
	memset(buf + n, 0x41, 150);
	assert_int_equal(sms_pdu_decode(&pdu, buf, n + 150, false), -EINVAL);
	n = unhex(buf, sizeof buf, "04 0C91947110325476 00 08 62115210227040 8D");
	memset(buf + n, 0x00, 150);
	assert_int_equal(sms_pdu_decode(&pdu, buf, n + 150, false), -EINVAL);
	n = unhex(buf, sizeof buf, "04 0C91947110325476 00 04 62115210227040 8D");
	memset(buf + n, 0x00, 150);
	assert_int_equal(sms_pdu_decode(&pdu, buf, n + 150, false), -EINVAL);
	/* 140 octets of UCS-2 is fine */
	n = unhex(buf, sizeof buf, "04 0C91947110325476 00 08 62115210227040 8C");
	for (size_t i = 0; i < 140; i += 2) {
		buf[n + i] = 0x00;
		buf[n + i + 1] = 0x41;
	}
	assert_int_equal(sms_pdu_decode(&pdu, buf, n + 140, false), 0);
	assert_int_equal(pdu.text_len, 70);
}

static void test_decode_ie_overrun(void **state)
{
	/* TS 23.040 9.2.3.24: each IE is IEI, IEDL, IEDL octets, all inside
	 * UDHL. An IE running past the header is an inconsistent PDU. */
	static const char *cases[] = {
		/* IE 00 claims 4 octets, the 5-octet UDH ends after 3 */
		"44 0C91947110325476 00 04 62115210227040 08 0500040102 AABBCC",
		/* port IE 05 claims 4 octets, 1 left in the header and in the input */
		"44 0C91947110325476 00 04 62115210227040 04 0305040B",
		/* a lone IEI with no IEDL */
		"44 0C91947110325476 00 04 62115210227040 02 0100",
		/* the same in a GSM 7-bit UD: UDHL 06, IE 00 claims 5 */
		"44 0C91947110325476 00 00 62115210227040 09 06000501020300 C2",
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t full[64];
		size_t n = unhex(full, sizeof full, cases[i]);
		uint8_t *p = malloc(n);
		int rc;

		assert_non_null(p);
		memcpy(p, full, n);
		rc = sms_pdu_decode(&pdu, p, n, false);
		free(p);
		if (rc != -EINVAL)
			fail_msg("case %zu: rc %d, want -EINVAL", i, rc);
	}
}

/* Mutations of valid PDUs must never crash, and any success must be sane. */
static uint32_t rng_state = 0x12345678;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void check_sane(int rc, const struct sms_pdu *p)
{
	if (rc == -EINVAL)
		return;
	if (rc != 0)
		fail_msg("unexpected rc %d", rc);
	assert_true(p->text_len < SMS_TEXT_MAX);
	assert_int_equal(p->text[p->text_len], '\0');
	assert_true(strlen(p->text) == p->text_len || memchr(p->text, '\0', p->text_len) != NULL);
	assert_true(p->data_len <= SMS_UD_MAX);
	assert_true(memchr(p->addr.str, '\0', sizeof p->addr.str) != NULL);
	assert_true(memchr(p->smsc.str, '\0', sizeof p->smsc.str) != NULL);
}

static void test_decode_mutations(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof dec_cases / sizeof dec_cases[0]; i++) {
		uint8_t full[SMS_PDU_MAX + 8];
		size_t n = unhex(full, sizeof full, dec_cases[i].hex);

		for (unsigned iter = 0; iter < 3000; iter++) {
			uint8_t m[SMS_PDU_MAX + 8];
			size_t len = n;
			uint8_t *p;
			int rc;

			memcpy(m, full, n);
			for (unsigned k = rnd() % 3 + 1; k > 0; k--) {
				size_t at = rnd() % n;

				if (rnd() & 1)
					m[at] = (uint8_t)rnd();
				else
					m[at] ^= (uint8_t)(1u << (rnd() % 8));
			}
			if (rnd() % 4 == 0)
				len = rnd() % (n + 1);
			p = malloc(len ? len : 1);
			assert_non_null(p);
			memcpy(p, m, len);
			rc = sms_pdu_decode(&pdu, p, len, dec_cases[i].with_smsc);
			free(p);
			check_sane(rc, &pdu);
		}
	}
	/* plain noise */
	for (unsigned iter = 0; iter < 50000; iter++) {
		size_t len = rnd() % 200;
		uint8_t *p = malloc(len ? len : 1);
		int rc;

		assert_non_null(p);
		for (size_t k = 0; k < len; k++)
			p[k] = (uint8_t)rnd();
		rc = sms_pdu_decode(&pdu, p, len, iter & 1);
		free(p);
		check_sane(rc, &pdu);
	}
}

/* ---- validity period ---------------------------------------------------------- */

static void test_vp_to_minutes(void **state)
{
	/* TS 23.040 9.2.3.12.1 */
	struct {
		uint8_t vp;
		unsigned long minutes;
	} cases[] = {
		{ 0, 5 }, { 1, 10 }, { 11, 60 }, { 142, 715 }, { 143, 720 },           /* (VP+1) * 5 min */
		{ 144, 750 }, { 145, 780 }, { 166, 1410 }, { 167, 1440 },              /* 12 h + (VP-143) * 30 min */
		{ 168, 2 * 1440 }, { 169, 3 * 1440 }, { 196, 30 * 1440 },              /* (VP-166) days */
		{ 197, 5 * 10080 }, { 198, 6 * 10080 }, { 254, 62 * 10080 }, { 255, 63 * 10080 }, /* (VP-192) weeks */
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (sms_vp_to_minutes(cases[i].vp) != cases[i].minutes)
			fail_msg("VP %u: %lu min, want %lu", cases[i].vp, sms_vp_to_minutes(cases[i].vp),
				 cases[i].minutes);
	}
}

static void test_vp_from_minutes(void **state)
{
	struct {
		unsigned long minutes;
		uint8_t vp;
	} cases[] = {
		{ 0, 0 }, { 1, 0 }, { 5, 0 }, { 6, 1 }, { 10, 1 }, { 11, 2 }, { 60, 11 }, { 61, 12 },
		{ 715, 142 }, { 716, 143 }, { 720, 143 }, { 721, 144 }, { 750, 144 }, { 751, 145 },
		{ 1410, 166 }, { 1411, 167 }, { 1440, 167 }, { 1441, 168 }, { 2880, 168 }, { 2881, 169 },
		{ 43199, 196 }, { 43200, 196 }, { 43201, 197 }, { 50400, 197 }, { 50401, 198 },
		{ 624960, 254 }, { 624961, 255 }, { 635040, 255 }, { 635041, 255 }, { 1000000, 255 },
		{ ULONG_MAX, 255 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (sms_vp_from_minutes(cases[i].minutes) != cases[i].vp)
			fail_msg("%lu min: VP %u, want %u", cases[i].minutes, sms_vp_from_minutes(cases[i].minutes),
				 cases[i].vp);
	}
}

static void test_vp_properties(void **state)
{
	(void)state;
	for (unsigned vp = 0; vp < 256; vp++)
		assert_int_equal(sms_vp_from_minutes(sms_vp_to_minutes((uint8_t)vp)), vp);
	for (unsigned vp = 1; vp < 256; vp++)
		assert_true(sms_vp_to_minutes((uint8_t)vp) > sms_vp_to_minutes((uint8_t)(vp - 1)));
	/* never earlier than asked, and the smallest such period */
	for (unsigned long m = 0; m <= 63 * 10080; m += (m < 3000 ? 1 : 59)) {
		uint8_t vp = sms_vp_from_minutes(m);

		if (sms_vp_to_minutes(vp) < m)
			fail_msg("%lu min -> VP %u = %lu min: expires early", m, vp, sms_vp_to_minutes(vp));
		if (vp > 0 && sms_vp_to_minutes((uint8_t)(vp - 1)) >= m)
			fail_msg("%lu min -> VP %u is not the smallest", m, vp);
	}
}

/* ---- times, names, status classes ------------------------------------------------ */

static void test_time_format(void **state)
{
	struct {
		struct sms_time t;
		const char *want;
	} cases[] = {
		{ { true, true, 2026, 11, 25, 1, 22, 7, 4 }, "2026-11-25T01:22:07+01:00" },
		{ { true, true, 2000, 1, 1, 0, 0, 0, 0 }, "2000-01-01T00:00:00+00:00" },
		{ { true, true, 2099, 12, 31, 23, 59, 59, -1 }, "2099-12-31T23:59:59-00:15" },
		{ { true, true, 2024, 2, 29, 12, 0, 0, -14 }, "2024-02-29T12:00:00-03:30" },
		{ { true, true, 2024, 2, 29, 12, 0, 0, 23 }, "2024-02-29T12:00:00+05:45" },
		{ { true, true, 2024, 2, 29, 12, 0, 0, -38 }, "2024-02-29T12:00:00-09:30" },
		{ { true, true, 2024, 2, 29, 12, 0, 0, -48 }, "2024-02-29T12:00:00-12:00" },
		{ { true, true, 2024, 2, 29, 12, 0, 0, 56 }, "2024-02-29T12:00:00+14:00" },
		{ { true, true, 2024, 2, 29, 12, 0, 0, 3 }, "2024-02-29T12:00:00+00:45" },
		{ { true, true, 2024, 2, 29, 12, 0, 0, -3 }, "2024-02-29T12:00:00-00:45" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[40];
		int rc;

		memset(buf, CANARY, sizeof buf);
		rc = sms_time_format(buf, 26, &cases[i].t);
		if (rc != 25 || strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: rc %d \"%.25s\" want \"%s\"", i, rc, buf, cases[i].want);
		assert_canary(buf, 26, sizeof buf);

		memset(buf, CANARY, sizeof buf);
		assert_int_equal(sms_time_format(buf, 25, &cases[i].t), -ENOBUFS);
		assert_canary(buf, 25, sizeof buf);
	}
}

static void test_status_classify(void **state)
{
	struct {
		uint8_t st;
		enum sms_status_class c;
	} cases[] = {
		{ 0x00, SMS_ST_DELIVERED }, { 0x01, SMS_ST_DELIVERED }, { 0x02, SMS_ST_DELIVERED },
		{ 0x1F, SMS_ST_DELIVERED }, { 0x20, SMS_ST_TRYING }, { 0x25, SMS_ST_TRYING },
		{ 0x3F, SMS_ST_TRYING }, { 0x40, SMS_ST_PERMANENT }, { 0x46, SMS_ST_PERMANENT },
		{ 0x5F, SMS_ST_PERMANENT }, { 0x60, SMS_ST_TEMPORARY }, { 0x65, SMS_ST_TEMPORARY },
		{ 0x7F, SMS_ST_TEMPORARY }, { 0x80, SMS_ST_RESERVED }, { 0xFF, SMS_ST_RESERVED },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (sms_status_classify(cases[i].st) != cases[i].c)
			fail_msg("ST %02X: class %d want %d", cases[i].st, (int)sms_status_classify(cases[i].st),
				 (int)cases[i].c);
	}
	for (int c = SMS_ST_DELIVERED; c <= SMS_ST_RESERVED; c++) {
		const char *name = sms_status_class_name((enum sms_status_class)c);

		assert_non_null(name);
		assert_true(name[0] != '\0');
	}
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(sms_type_name(SMS_DELIVER), "deliver");
	assert_string_equal(sms_type_name(SMS_SUBMIT), "submit");
	assert_string_equal(sms_type_name(SMS_STATUS_REPORT), "status-report");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_parse),
		cmocka_unit_test(test_submit_encode_table),
		cmocka_unit_test(test_submit_encode_flash_ucs2),
		cmocka_unit_test(test_submit_encode_every_part_header),
		cmocka_unit_test(test_submit_roundtrip),
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_decode_classic_fields),
		cmocka_unit_test(test_decode_tz_table),
		cmocka_unit_test(test_decode_bad_bcd_time),
		cmocka_unit_test(test_decode_8bit_and_ports),
		cmocka_unit_test(test_decode_compressed),
		cmocka_unit_test(test_decode_truncated_everywhere),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_decode_udl_over_limit),
		cmocka_unit_test(test_decode_ie_overrun),
		cmocka_unit_test(test_decode_mutations),
		cmocka_unit_test(test_vp_to_minutes),
		cmocka_unit_test(test_vp_from_minutes),
		cmocka_unit_test(test_vp_properties),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_status_classify),
		cmocka_unit_test(test_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
