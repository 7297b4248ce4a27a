/*
 * UCS-2 / UTF-16BE conversions (TS 23.038 6.2.3, with UTF-16 surrogate
 * pairs for planes 1-16 as every handset sends them): exact octets, lone
 * surrogates and odd octets shown as U+FFFD and counted, canary bytes
 * past every result.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sms.h"
#include "testutil.h"

struct conv_case {
	const char *utf8;
	const char *ucs2_hex;
};

static const struct conv_case conv_cases[] = {
	{ "", "" },
	{ "A", "0041" },
	{ "hello", "00680065006C006C006F" },
	{ "\xc3\xa9", "00E9" },                                     /* é */
	{ "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", "041F04400438043204350442" }, /* Привет */
	{ "\xe2\x82\xac", "20AC" },                                 /* € */
	{ "\xe4\xbd\xa0\xe5\xa5\xbd", "4F60597D" },                 /* 你好 */
	{ "\xef\xbf\xbf", "FFFF" },
	{ "\xee\x80\x80", "E000" },                                 /* first private-use, not a surrogate */
	{ "\xed\x9f\xbf", "D7FF" },
	{ "\xf0\x90\x80\x80", "D800DC00" },                         /* U+10000 */
	{ "\xf0\x9f\x98\x80", "D83DDE00" },                         /* 😀 U+1F600 */
	{ "\xf0\x9f\x91\x8d", "D83DDC4D" },                         /* 👍 U+1F44D */
	{ "\xf4\x8f\xbf\xbf", "DBFFDFFF" },                         /* U+10FFFF */
	{ "a\xf0\x9f\x98\x80" "b", "0061D83DDE000062" },
	{ "\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa", "D83CDDE9D83CDDEA" }, /* 🇩🇪 */
};

static void test_from_utf8_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++) {
		const struct conv_case *c = &conv_cases[i];
		size_t want = strlen(c->ucs2_hex) / 2;
		uint8_t buf[64];
		size_t bad = 9999;
		ssize_t rc;

		/* exact fit */
		memset(buf, CANARY, sizeof buf);
		rc = ucs2_from_utf8(buf, want, c->utf8, strlen(c->utf8), &bad);
		if (rc != (ssize_t)want)
			fail_msg("case %zu: rc %zd want %zu", i, rc, want);
		assert_hex_equal(buf, want, c->ucs2_hex, c->utf8);
		assert_canary(buf, want, sizeof buf);

		/* one octet (and one code unit) short */
		if (want > 0) {
			memset(buf, CANARY, sizeof buf);
			assert_int_equal(ucs2_from_utf8(buf, want - 1, c->utf8, strlen(c->utf8), &bad), -ENOBUFS);
			assert_canary(buf, want - 1, sizeof buf);
			memset(buf, CANARY, sizeof buf);
			assert_int_equal(ucs2_from_utf8(buf, want - 2, c->utf8, strlen(c->utf8), &bad), -ENOBUFS);
			assert_canary(buf, want - 2, sizeof buf);
		}
	}
}

static void test_to_utf8_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++) {
		const struct conv_case *c = &conv_cases[i];
		uint8_t src[64];
		size_t n = unhex(src, sizeof src, c->ucs2_hex);
		size_t wl = strlen(c->utf8);
		unsigned replaced = 77;
		char buf[64];
		ssize_t rc;

		/* exact fit including the NUL */
		memset(buf, CANARY, sizeof buf);
		rc = ucs2_to_utf8(buf, wl + 1, src, n, &replaced);
		if (rc != (ssize_t)wl || memcmp(buf, c->utf8, wl + 1) != 0)
			fail_msg("case %zu (%s): rc %zd want %zu", i, c->ucs2_hex, rc, wl);
		assert_int_equal(replaced, 0);
		assert_canary(buf, wl + 1, sizeof buf);

		/* no room for the NUL */
		memset(buf, CANARY, sizeof buf);
		assert_int_equal(ucs2_to_utf8(buf, wl, src, n, NULL), -ENOBUFS);
		assert_canary(buf, wl, sizeof buf);
	}
}

static void test_to_utf8_replacements(void **state)
{
	struct {
		const char *ucs2_hex;
		const char *want;
		unsigned replaced;
	} cases[] = {
		{ "D83D", "\xef\xbf\xbd", 1 },                              /* lone high at the end */
		{ "DE00", "\xef\xbf\xbd", 1 },                              /* lone low */
		{ "D83D0041", "\xef\xbf\xbd" "A", 1 },                      /* high then BMP */
		{ "0041DE000042", "A\xef\xbf\xbd" "B", 1 },
		{ "DE00D83D", "\xef\xbf\xbd\xef\xbf\xbd", 2 },              /* reversed pair */
		{ "D83DD83DDE00", "\xef\xbf\xbd\xf0\x9f\x98\x80", 1 },      /* high, then a good pair */
		{ "D83DDE00DE00", "\xf0\x9f\x98\x80\xef\xbf\xbd", 1 },      /* good pair, then low */
		{ "004100", "A\xef\xbf\xbd", 1 },                           /* odd trailing octet */
		{ "41", "\xef\xbf\xbd", 1 },                                /* a single octet */
		{ "D83D00", "\xef\xbf\xbd\xef\xbf\xbd", 2 },                /* lone high, then odd octet */
		{ "FFFD", "\xef\xbf\xbd", 0 },                              /* a real U+FFFD is not a replacement */
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t src[16];
		size_t n = unhex(src, sizeof src, cases[i].ucs2_hex);
		size_t wl = strlen(cases[i].want);
		unsigned replaced = 77;
		char buf[32];
		ssize_t rc;

		memset(buf, CANARY, sizeof buf);
		rc = ucs2_to_utf8(buf, sizeof buf, src, n, &replaced);
		if (rc != (ssize_t)wl || memcmp(buf, cases[i].want, wl + 1) != 0 || replaced != cases[i].replaced)
			fail_msg("%s: rc %zd replaced %u, want %zu bytes, %u replaced", cases[i].ucs2_hex, rc, replaced,
				 wl, cases[i].replaced);
		assert_canary(buf, wl + 1, sizeof buf);
		/* replaced may be NULL */
		assert_int_equal(ucs2_to_utf8(buf, sizeof buf, src, n, NULL), (ssize_t)wl);
	}
}

static void test_to_utf8_empty(void **state)
{
	char buf[4];
	unsigned replaced = 5;

	(void)state;
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(ucs2_to_utf8(buf, 1, (const uint8_t *)"", 0, &replaced), 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(replaced, 0);
	assert_canary(buf, 1, sizeof buf);
	assert_int_equal(ucs2_to_utf8(buf, 0, (const uint8_t *)"", 0, NULL), -ENOBUFS);
}

static void test_to_utf8_pair_needs_four(void **state)
{
	static const uint8_t src[] = { 0xD8, 0x3D, 0xDE, 0x00 };
	char buf[8];

	(void)state;
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(ucs2_to_utf8(buf, 4, src, 4, NULL), -ENOBUFS);
	assert_canary(buf, 4, sizeof buf);
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(ucs2_to_utf8(buf, 5, src, 4, NULL), 4);
	assert_string_equal(buf, "\xf0\x9f\x98\x80");
	assert_canary(buf, 5, sizeof buf);
}

static void test_from_utf8_invalid(void **state)
{
	struct {
		const char *s;
		size_t len;
		size_t bad;
	} cases[] = {
		{ "\xff", 1, 0 },
		{ "ab\x80", 3, 2 },
		{ "\xd0\xb6\xed\xa0\xbd\xed\xb8\x80", 8, 2 },   /* CESU-8 surrogate pair */
		{ "x\xf0\x9f\x98", 4, 1 },                      /* truncated emoji */
		{ "\xc0\x80", 2, 0 },                           /* overlong */
		{ "ok\xf4\x90\x80\x80", 6, 2 },                 /* above U+10FFFF */
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t buf[32];
		size_t bad = 9999;
		ssize_t rc = ucs2_from_utf8(buf, sizeof buf, cases[i].s, cases[i].len, &bad);

		if (rc != -EILSEQ || bad != cases[i].bad)
			fail_msg("case %zu: rc %zd bad %zu, want -EILSEQ bad %zu", i, rc, bad, cases[i].bad);
	}
}

static void test_roundtrip_bmp_and_astral(void **state)
{
	(void)state;
	/* Every scalar value in steps, there and back. */
	for (uint32_t cp = 1; cp <= 0x10FFFF; cp += (cp < 0x3000 ? 1 : 97)) {
		char u[8];
		uint8_t w[8];
		char back[8];
		size_t ul, bad = 0;
		ssize_t wn;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		if (cp < 0x80) {
			u[0] = (char)cp;
			ul = 1;
		} else if (cp < 0x800) {
			u[0] = (char)(0xC0 | cp >> 6);
			u[1] = (char)(0x80 | (cp & 0x3F));
			ul = 2;
		} else if (cp < 0x10000) {
			u[0] = (char)(0xE0 | cp >> 12);
			u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u[2] = (char)(0x80 | (cp & 0x3F));
			ul = 3;
		} else {
			u[0] = (char)(0xF0 | cp >> 18);
			u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
			u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u[3] = (char)(0x80 | (cp & 0x3F));
			ul = 4;
		}
		wn = ucs2_from_utf8(w, sizeof w, u, ul, &bad);
		if (wn != (cp < 0x10000 ? 2 : 4))
			fail_msg("U+%04X: %zd octets", (unsigned)cp, wn);
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			uint16_t hi = (uint16_t)(0xD800 | v >> 10), lo = (uint16_t)(0xDC00 | (v & 0x3FF));

			if (w[0] != hi >> 8 || w[1] != (hi & 0xFF) || w[2] != lo >> 8 || w[3] != (lo & 0xFF))
				fail_msg("U+%04X: wrong surrogate pair", (unsigned)cp);
		} else if (w[0] != cp >> 8 || w[1] != (cp & 0xFF)) {
			fail_msg("U+%04X: wrong code unit", (unsigned)cp);
		}
		if (ucs2_to_utf8(back, sizeof back, w, (size_t)wn, NULL) != (ssize_t)ul || memcmp(back, u, ul) != 0)
			fail_msg("U+%04X: roundtrip failed", (unsigned)cp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_utf8_table),
		cmocka_unit_test(test_to_utf8_table),
		cmocka_unit_test(test_to_utf8_replacements),
		cmocka_unit_test(test_to_utf8_empty),
		cmocka_unit_test(test_to_utf8_pair_needs_four),
		cmocka_unit_test(test_from_utf8_invalid),
		cmocka_unit_test(test_roundtrip_bmp_and_astral),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
