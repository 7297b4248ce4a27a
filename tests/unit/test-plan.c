/*
 * Text planning: GSM 7-bit or UCS-2 (TS 23.038), split into concatenated
 * parts (TS 23.040 9.2.3.24.1): 160 septets / 70 UTF-16 units alone, 153 /
 * 67 after the 6-octet concatenation header, never splitting an escape pair
 * (TS 23.038 6.2.1.1) or a surrogate pair, 1..255 parts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sms.h"

#define A "a"
#define B "b"
#define EURO "\xe2\x82\xac"       /* U+20AC, ESC 0x65 in GSM 7-bit: 2 septets, 3 bytes */
#define ZHE "\xd0\xb6"            /* U+0436 ж: 1 UTF-16 unit, 2 bytes */
#define EMOJI "\xf0\x9f\x98\x80"  /* U+1F600: surrogate pair, 4 bytes */

#define TEXT_CAP 120000
static char text[TEXT_CAP];
static struct sms_plan plan;

struct seg {
	const char *s;
	size_t repeat;
};

static size_t build(const struct seg *segs, size_t nsegs)
{
	size_t n = 0;

	for (size_t i = 0; i < nsegs && segs[i].s != NULL; i++) {
		size_t l = strlen(segs[i].s);

		for (size_t r = 0; r < segs[i].repeat; r++) {
			assert_true(n + l <= TEXT_CAP);
			memcpy(text + n, segs[i].s, l);
			n += l;
		}
	}
	return n;
}

#define MAXSTART 5

struct plan_case {
	const char *name;
	struct seg segs[4];
	unsigned flags;
	unsigned max_parts;
	int rc;
	enum sms_enc enc;
	unsigned nparts;
	size_t units;
	uint32_t start[MAXSTART]; /* start[0..nparts] when nparts < MAXSTART */
};

static const struct plan_case cases[] = {
	{ "empty", { { "", 1 } }, 0, 255, 0, SMS_ENC_GSM7, 1, 0, { 0, 0 } },
	{ "hello", { { "hello", 1 } }, 0, 255, 0, SMS_ENC_GSM7, 1, 5, { 0, 5 } },
	{ "160 a", { { A, 160 } }, 0, 255, 0, SMS_ENC_GSM7, 1, 160, { 0, 160 } },
	{ "161 a", { { A, 161 } }, 0, 255, 0, SMS_ENC_GSM7, 2, 161, { 0, 153, 161 } },
	{ "305 a", { { A, 305 } }, 0, 255, 0, SMS_ENC_GSM7, 2, 305, { 0, 153, 305 } },
	{ "306 a", { { A, 306 } }, 0, 255, 0, SMS_ENC_GSM7, 2, 306, { 0, 153, 306 } },
	{ "307 a", { { A, 307 } }, 0, 255, 0, SMS_ENC_GSM7, 3, 307, { 0, 153, 306, 307 } },
	{ "458 a", { { A, 458 } }, 0, 255, 0, SMS_ENC_GSM7, 3, 458, { 0, 153, 306, 458 } },
	{ "459 a", { { A, 459 } }, 0, 255, 0, SMS_ENC_GSM7, 3, 459, { 0, 153, 306, 459 } },
	{ "460 a", { { A, 460 } }, 0, 255, 0, SMS_ENC_GSM7, 4, 460, { 0, 153, 306, 459, 460 } },
	{ "158 a + euro = 160 septets", { { A, 158 }, { EURO, 1 } }, 0, 255, 0, SMS_ENC_GSM7, 1, 160, { 0, 161 } },
	{ "159 a + euro = 161 septets", { { A, 159 }, { EURO, 1 } }, 0, 255, 0, SMS_ENC_GSM7, 2, 161,
	  { 0, 153, 162 } },
	{ "euro straddles septet 153", { { A, 152 }, { EURO, 1 }, { B, 10 } }, 0, 255, 0, SMS_ENC_GSM7, 2, 164,
	  { 0, 152, 165 } },
	{ "euro ends exactly at 153", { { A, 151 }, { EURO, 1 }, { B, 10 } }, 0, 255, 0, SMS_ENC_GSM7, 2, 163,
	  { 0, 154, 164 } },
	{ "306 septets but 3 parts", { { A, 152 }, { EURO, 1 }, { B, 152 } }, 0, 255, 0, SMS_ENC_GSM7, 3, 306,
	  { 0, 152, 306, 307 } },
	{ "80 euro", { { EURO, 80 } }, 0, 255, 0, SMS_ENC_GSM7, 1, 160, { 0, 240 } },
	{ "81 euro", { { EURO, 81 } }, 0, 255, 0, SMS_ENC_GSM7, 2, 162, { 0, 228, 243 } },
	{ "form feed is 2 septets", { { "\x0c", 1 } }, 0, 255, 0, SMS_ENC_GSM7, 1, 2, { 0, 1 } },
	{ "CR LF", { { "a\r\nb", 1 } }, 0, 255, 0, SMS_ENC_GSM7, 1, 4, { 0, 4 } },
	{ "all GSM specials", { { "@\xc2\xa3$\xc2\xa5\xc3\xa8\xc3\xa9\xce\x94\xc2\xa7{}[]~|^\\", 1 } }, 0, 255, 0,
	  SMS_ENC_GSM7, 1, 8 + 2 * 8, { 0, 22 } },
	{ "70 zhe", { { ZHE, 70 } }, 0, 255, 0, SMS_ENC_UCS2, 1, 70, { 0, 140 } },
	{ "71 zhe", { { ZHE, 71 } }, 0, 255, 0, SMS_ENC_UCS2, 2, 71, { 0, 134, 142 } },
	{ "133 zhe", { { ZHE, 133 } }, 0, 255, 0, SMS_ENC_UCS2, 2, 133, { 0, 134, 266 } },
	{ "134 zhe", { { ZHE, 134 } }, 0, 255, 0, SMS_ENC_UCS2, 2, 134, { 0, 134, 268 } },
	{ "135 zhe", { { ZHE, 135 } }, 0, 255, 0, SMS_ENC_UCS2, 3, 135, { 0, 134, 268, 270 } },
	{ "200 zhe", { { ZHE, 200 } }, 0, 255, 0, SMS_ENC_UCS2, 3, 200, { 0, 134, 268, 400 } },
	{ "201 zhe", { { ZHE, 201 } }, 0, 255, 0, SMS_ENC_UCS2, 3, 201, { 0, 134, 268, 402 } },
	{ "202 zhe", { { ZHE, 202 } }, 0, 255, 0, SMS_ENC_UCS2, 4, 202, { 0, 134, 268, 402, 404 } },
	{ "emoji straddles unit 67", { { ZHE, 66 }, { EMOJI, 1 }, { ZHE, 10 } }, 0, 255, 0, SMS_ENC_UCS2, 2, 78,
	  { 0, 132, 156 } },
	{ "emoji ends exactly at 67", { { ZHE, 65 }, { EMOJI, 1 }, { ZHE, 10 } }, 0, 255, 0, SMS_ENC_UCS2, 2, 77,
	  { 0, 134, 154 } },
	{ "68 zhe + emoji = 70 units", { { ZHE, 68 }, { EMOJI, 1 } }, 0, 255, 0, SMS_ENC_UCS2, 1, 70, { 0, 140 } },
	{ "69 zhe + emoji = 71 units", { { ZHE, 69 }, { EMOJI, 1 } }, 0, 255, 0, SMS_ENC_UCS2, 2, 71,
	  { 0, 134, 142 } },
	{ "35 emoji", { { EMOJI, 35 } }, 0, 255, 0, SMS_ENC_UCS2, 1, 70, { 0, 140 } },
	{ "36 emoji", { { EMOJI, 36 } }, 0, 255, 0, SMS_ENC_UCS2, 2, 72, { 0, 132, 144 } },
	{ "one non-GSM char makes UCS-2", { { "hello ", 1 }, { ZHE, 1 } }, 0, 255, 0, SMS_ENC_UCS2, 1, 7, { 0, 8 } },
	{ "backtick is not GSM", { { "`", 1 } }, 0, 255, 0, SMS_ENC_UCS2, 1, 1, { 0, 1 } },
	{ "a + emoji", { { "a" EMOJI, 1 } }, 0, 255, 0, SMS_ENC_UCS2, 1, 3, { 0, 5 } },
	{ "euro in UCS-2 is one unit", { { ZHE EURO, 1 } }, 0, 255, 0, SMS_ENC_UCS2, 1, 2, { 0, 5 } },
	{ "forced UCS-2", { { "hello", 1 } }, SMS_PLAN_FORCE_UCS2, 255, 0, SMS_ENC_UCS2, 1, 5, { 0, 5 } },
	{ "forced UCS-2, 71 a", { { A, 71 } }, SMS_PLAN_FORCE_UCS2, 255, 0, SMS_ENC_UCS2, 2, 71, { 0, 67, 71 } },
	{ "forced UCS-2, empty", { { "", 1 } }, SMS_PLAN_FORCE_UCS2, 255, 0, SMS_ENC_UCS2, 1, 0, { 0, 0 } },
	{ "forced UCS-2, euro", { { EURO, 1 } }, SMS_PLAN_FORCE_UCS2, 255, 0, SMS_ENC_UCS2, 1, 1, { 0, 3 } },
	/* the 255-part ceiling (TS 23.040 9.2.3.24.1) */
	{ "255 GSM parts", { { A, 153 * 255 } }, 0, 255, 0, SMS_ENC_GSM7, 255, 153 * 255, { 0, 153, 306, 459, 612 } },
	{ "256 GSM parts", { { A, 153 * 255 + 1 } }, 0, 255, -EMSGSIZE, SMS_ENC_GSM7, 256, 153 * 255 + 1, { 0 } },
	{ "255 UCS-2 parts", { { ZHE, 67 * 255 } }, 0, 255, 0, SMS_ENC_UCS2, 255, 67 * 255, { 0, 134, 268, 402, 536 } },
	{ "256 UCS-2 parts", { { ZHE, 67 * 255 + 1 } }, 0, 255, -EMSGSIZE, SMS_ENC_UCS2, 256, 67 * 255 + 1, { 0 } },
	{ "max_parts above 255 is capped", { { A, 153 * 255 + 1 } }, 0, 1000, -EMSGSIZE, SMS_ENC_GSM7, 256,
	  153 * 255 + 1, { 0 } },
	{ "way above the cap reports the count", { { A, 100000 } }, 0, 255, -EMSGSIZE, SMS_ENC_GSM7, 654, 100000,
	  { 0 } },
	{ "max_parts 3, 3 needed", { { A, 459 } }, 0, 3, 0, SMS_ENC_GSM7, 3, 459, { 0, 153, 306, 459 } },
	{ "max_parts 3, 4 needed", { { A, 460 } }, 0, 3, -EMSGSIZE, SMS_ENC_GSM7, 4, 460, { 0 } },
	{ "max_parts 1, 1 needed", { { A, 160 } }, 0, 1, 0, SMS_ENC_GSM7, 1, 160, { 0, 160 } },
	{ "max_parts 1, 2 needed", { { A, 161 } }, 0, 1, -EMSGSIZE, SMS_ENC_GSM7, 2, 161, { 0 } },
	{ "max_parts 1, 71 UCS-2", { { ZHE, 71 } }, 0, 1, -EMSGSIZE, SMS_ENC_UCS2, 2, 71, { 0 } },
	{ "max_parts 2, straddle makes 3", { { A, 152 }, { EURO, 1 }, { B, 152 } }, 0, 2, -EMSGSIZE, SMS_ENC_GSM7,
	  3, 306, { 0 } },
};

static void check_case(const struct plan_case *c)
{
	size_t len = build(c->segs, 4);
	size_t bad = 9999;
	int rc;

	memset(&plan, 0xA5, sizeof plan);
	rc = sms_plan_text(&plan, text, len, c->flags, c->max_parts, &bad);
	if (rc != c->rc)
		fail_msg("%s: rc %d want %d", c->name, rc, c->rc);
	if (plan.nparts != c->nparts)
		fail_msg("%s: nparts %u want %u", c->name, plan.nparts, c->nparts);
	if (rc != 0)
		return;
	if (plan.enc != c->enc)
		fail_msg("%s: enc %d want %d", c->name, (int)plan.enc, (int)c->enc);
	if (plan.units != c->units)
		fail_msg("%s: units %zu want %zu", c->name, plan.units, c->units);
	if (c->nparts < MAXSTART) {
		for (unsigned i = 0; i <= c->nparts; i++) {
			if (plan.start[i] != c->start[i])
				fail_msg("%s: start[%u] = %u want %u", c->name, i, (unsigned)plan.start[i],
					 (unsigned)c->start[i]);
		}
	} else {
		for (unsigned i = 0; i < MAXSTART; i++) {
			if (plan.start[i] != c->start[i])
				fail_msg("%s: start[%u] = %u want %u", c->name, i, (unsigned)plan.start[i],
					 (unsigned)c->start[i]);
		}
		if (plan.start[c->nparts] != len)
			fail_msg("%s: start[nparts] = %u want %zu", c->name, (unsigned)plan.start[c->nparts], len);
	}
}

static void test_plan_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_case(&cases[i]);
}

static void test_plan_255_parts_layout(void **state)
{
	static const struct seg s[] = { { A, 153 * 255 } };
	size_t len = build(s, 1);

	(void)state;
	assert_int_equal(sms_plan_text(&plan, text, len, 0, 255, NULL), 0);
	assert_int_equal(plan.nparts, 255);
	for (unsigned i = 0; i <= 255; i++)
		assert_int_equal(plan.start[i], 153 * i);
}

static void test_plan_invalid_utf8(void **state)
{
	struct {
		const char *s;
		size_t len;
		unsigned flags;
		size_t bad;
	} bad_cases[] = {
		{ "abc\xff" "def", 7, 0, 3 },
		{ "h\xc3\xa9\xc3", 4, 0, 3 },                                  /* truncated at the end */
		{ ZHE ZHE ZHE "\xed\xa0\x80", 9, 0, 6 },                       /* encoded surrogate */
		{ "ok\xc0\xaf", 4, 0, 2 },                                     /* overlong */
		{ "\x80", 1, 0, 0 },
		{ "hello\xf4\x90\x80\x80", 9, SMS_PLAN_FORCE_UCS2, 5 },
		{ EMOJI "\xf0\x9f\x98", 7, 0, 4 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		size_t bad = 9999;
		int rc = sms_plan_text(&plan, bad_cases[i].s, bad_cases[i].len, bad_cases[i].flags, 255, &bad);

		if (rc != -EILSEQ || bad != bad_cases[i].bad)
			fail_msg("case %zu: rc %d bad %zu, want -EILSEQ bad %zu", i, rc, bad, bad_cases[i].bad);
	}

	/* deep into a long text: the offset is exact, not part-relative */
	{
		static const struct seg s[] = { { A, 1000 } };
		size_t len = build(s, 1), bad = 0;

		text[777] = (char)0xC3;
		assert_int_equal(sms_plan_text(&plan, text, len, 0, 255, &bad), -EILSEQ);
		assert_int_equal(bad, 777);
	}
}

/* ---- independent check of any plan: every part fits, is greedy, is cut
 * on a character boundary, and the parts cover the text. ---------------- */

static size_t units_of(enum sms_enc enc, const char *s, size_t len)
{
	static uint8_t scratch[4096];
	size_t bad = 0;
	ssize_t n;

	if (enc == SMS_ENC_GSM7) {
		n = gsm7_from_utf8(scratch, sizeof scratch, s, len, &bad);
		assert_true(n >= 0);
		return (size_t)n;
	}
	n = ucs2_from_utf8(scratch, sizeof scratch, s, len, &bad);
	assert_true(n >= 0);
	return (size_t)n / 2;
}

static size_t next_char_len(const char *s)
{
	unsigned char c = (unsigned char)s[0];

	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static void check_plan_properties(const char *what, size_t len)
{
	size_t limit_one, limit_many, total = 0;

	assert_int_equal(sms_plan_text(&plan, text, len, 0, 255, NULL), 0);
	limit_one = plan.enc == SMS_ENC_GSM7 ? SMS_GSM7_SINGLE : SMS_UCS2_SINGLE;
	limit_many = plan.enc == SMS_ENC_GSM7 ? SMS_GSM7_CONCAT : SMS_UCS2_CONCAT;
	if (plan.start[0] != 0 || plan.start[plan.nparts] != len)
		fail_msg("%s: parts do not cover the text", what);
	for (unsigned i = 0; i < plan.nparts; i++) {
		size_t a = plan.start[i], b = plan.start[i + 1];
		size_t u = units_of(plan.enc, text + a, b - a);
		size_t limit = plan.nparts == 1 ? limit_one : limit_many;

		total += u;
		if (b <= a && !(plan.nparts == 1 && len == 0))
			fail_msg("%s: part %u is empty", what, i);
		if (b < len && ((unsigned char)text[b] & 0xC0) == 0x80)
			fail_msg("%s: part %u ends inside a UTF-8 sequence", what, i);
		if (u > limit)
			fail_msg("%s: part %u has %zu units > %zu", what, i, u, limit);
		/* greedy: the next character would not have fitted */
		if (i + 1 < plan.nparts && u + units_of(plan.enc, text + b, next_char_len(text + b)) <= limit)
			fail_msg("%s: part %u (%zu units) could have taken the next character", what, i, u);
	}
	if (total != plan.units)
		fail_msg("%s: units %zu but parts sum to %zu", what, plan.units, total);
}

static void test_plan_properties_mixed(void **state)
{
	/* escape pairs and surrogate pairs at every phase relative to the boundary */
	(void)state;
	for (size_t lead = 140; lead <= 160; lead++) {
		struct seg s[] = { { A, lead }, { EURO "x" EURO EURO "[]", 40 } };

		check_plan_properties("gsm7 mixed", build(s, 2));
	}
	for (size_t lead = 55; lead <= 70; lead++) {
		struct seg s[] = { { ZHE, lead }, { EMOJI "x" EMOJI EMOJI ZHE, 40 } };

		check_plan_properties("ucs2 mixed", build(s, 2));
	}
}

static void test_enc_names(void **state)
{
	(void)state;
	assert_string_equal(sms_enc_name(SMS_ENC_GSM7), "gsm7");
	assert_string_equal(sms_enc_name(SMS_ENC_8BIT), "8bit");
	assert_string_equal(sms_enc_name(SMS_ENC_UCS2), "ucs2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_table),
		cmocka_unit_test(test_plan_255_parts_layout),
		cmocka_unit_test(test_plan_invalid_utf8),
		cmocka_unit_test(test_plan_properties_mixed),
		cmocka_unit_test(test_enc_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
