/*
 * UTF-8 (RFC 3629) and hex helpers of the codec: exact bytes, exact error
 * offsets, and output buffers pre-filled with a canary that must survive
 * past the returned length.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sms.h"
#include "testutil.h"

/* ---- utf8_next ------------------------------------------------------------ */

struct utf8_ok {
	const char *s;
	size_t len;
	uint32_t cp;
	size_t adv;
};

static const struct utf8_ok utf8_ok_cases[] = {
	{ "\x00", 1, 0x0000, 1 },
	{ "A", 1, 0x0041, 1 },
	{ "\x7f", 1, 0x007F, 1 },
	{ "\xc2\x80", 2, 0x0080, 2 },
	{ "\xc2\xa7", 2, 0x00A7, 2 },          /* § */
	{ "\xdf\xbf", 2, 0x07FF, 2 },
	{ "\xe0\xa0\x80", 3, 0x0800, 3 },
	{ "\xe2\x82\xac", 3, 0x20AC, 3 },      /* € */
	{ "\xed\x9f\xbf", 3, 0xD7FF, 3 },      /* last before the surrogates */
	{ "\xee\x80\x80", 3, 0xE000, 3 },      /* first after the surrogates */
	{ "\xef\xbf\xbd", 3, 0xFFFD, 3 },
	{ "\xef\xbf\xbf", 3, 0xFFFF, 3 },
	{ "\xf0\x90\x80\x80", 4, 0x10000, 4 },
	{ "\xf0\x9f\x98\x80", 4, 0x1F600, 4 }, /* 😀 */
	{ "\xf4\x8f\xbf\xbf", 4, 0x10FFFF, 4 },
	{ "AB", 2, 0x0041, 1 },                 /* only one code point consumed */
	{ "\xe2\x82\xac" "A", 4, 0x20AC, 3 },
};

static void test_utf8_next_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof utf8_ok_cases / sizeof utf8_ok_cases[0]; i++) {
		const struct utf8_ok *c = &utf8_ok_cases[i];
		size_t pos = 0;
		uint32_t cp = 0xDEADBEEF;
		int rc = utf8_next(c->s, c->len, &pos, &cp);

		if (rc != 0 || cp != c->cp || pos != c->adv)
			fail_msg("case %zu: rc %d cp U+%04X pos %zu, want 0 U+%04X %zu", i, rc,
				 (unsigned)cp, pos, (unsigned)c->cp, c->adv);
	}
}

static void test_utf8_next_walks_string(void **state)
{
	/* "a§€😀" */
	static const char s[] = "a\xc2\xa7\xe2\x82\xac\xf0\x9f\x98\x80";
	static const uint32_t want[] = { 0x61, 0xA7, 0x20AC, 0x1F600 };
	static const size_t want_pos[] = { 1, 3, 6, 10 };
	size_t pos = 0;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		uint32_t cp = 0;

		assert_int_equal(utf8_next(s, sizeof s - 1, &pos, &cp), 0);
		assert_int_equal(cp, want[i]);
		assert_int_equal(pos, want_pos[i]);
	}
	assert_int_equal(pos, sizeof s - 1);
}

struct utf8_bad {
	const char *s;
	size_t len;
	size_t bad;     /* offset of the first byte of the invalid sequence */
	const char *why;
};

static const struct utf8_bad utf8_bad_cases[] = {
	{ "\x80", 1, 0, "lone continuation byte" },
	{ "\xbf", 1, 0, "lone continuation byte" },
	{ "\xc0\x80", 2, 0, "overlong NUL" },
	{ "\xc0\xaf", 2, 0, "overlong '/'" },
	{ "\xc1\xbf", 2, 0, "overlong 0x7F" },
	{ "\xe0\x80\x80", 3, 0, "overlong 3-byte" },
	{ "\xe0\x9f\xbf", 3, 0, "overlong U+07FF" },
	{ "\xf0\x80\x80\x80", 4, 0, "overlong 4-byte" },
	{ "\xf0\x8f\xbf\xbf", 4, 0, "overlong U+FFFF" },
	{ "\xed\xa0\x80", 3, 0, "surrogate U+D800" },
	{ "\xed\xbf\xbf", 3, 0, "surrogate U+DFFF" },
	{ "\xed\xa0\xbd\xed\xb8\x80", 6, 0, "CESU-8 pair" },
	{ "\xf4\x90\x80\x80", 4, 0, "U+110000" },
	{ "\xf5\x80\x80\x80", 4, 0, "lead F5" },
	{ "\xf8\x88\x80\x80\x80", 5, 0, "5-byte form" },
	{ "\xfc\x84\x80\x80\x80\x80", 6, 0, "6-byte form" },
	{ "\xfe", 1, 0, "FE" },
	{ "\xff", 1, 0, "FF" },
	{ "\xc2", 1, 0, "truncated 2-byte" },
	{ "\xe2\x82", 2, 0, "truncated 3-byte" },
	{ "\xf0\x9f\x98", 3, 0, "truncated 4-byte" },
	{ "\xc2" "A", 2, 0, "2-byte lead, ASCII follows" },
	{ "\xe2\x82" "A", 3, 0, "3-byte lead, ASCII in third" },
	{ "\xe2\xc2\xa7", 3, 0, "lead followed by lead" },
};

static void test_utf8_next_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof utf8_bad_cases / sizeof utf8_bad_cases[0]; i++) {
		const struct utf8_bad *c = &utf8_bad_cases[i];
		size_t pos = 0;
		uint32_t cp = 0;
		int rc = utf8_next(c->s, c->len, &pos, &cp);

		if (rc != -EILSEQ || pos != 0)
			fail_msg("case %zu (%s): rc %d pos %zu, want -EILSEQ pos 0", i, c->why, rc, pos);
	}
}

static void test_utf8_next_respects_len(void **state)
{
	/* The buffer holds a full "€" but len says only two bytes are ours. */
	static const char s[] = "x\xe2\x82\xac";
	size_t pos = 1;
	uint32_t cp = 0;

	(void)state;
	assert_int_equal(utf8_next(s, 3, &pos, &cp), -EILSEQ);
	assert_int_equal(pos, 1);
	pos = 1;
	assert_int_equal(utf8_next(s, 4, &pos, &cp), 0);
	assert_int_equal(cp, 0x20AC);
	assert_int_equal(pos, 4);
}

/* ---- utf8_validate -------------------------------------------------------- */

static void test_utf8_validate(void **state)
{
	struct {
		const char *s;
		size_t len;
		int rc;
		size_t bad;
	} cases[] = {
		{ "", 0, 0, 0 },
		{ "hello", 5, 0, 0 },
		{ "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 16, 0, 0 },
		{ "abc\xff" "def", 7, -EILSEQ, 3 },
		{ "h\xc3\xa9\xc3", 4, -EILSEQ, 3 },           /* truncated at the very end */
		{ "abc\xe2\x82" "A", 6, -EILSEQ, 3 },
		{ "\xf0\x9f\x98\x80" "x\xed\xa0\x80", 8, -EILSEQ, 5 },
		{ "ok\xc0\x80", 4, -EILSEQ, 2 },
		{ "ab\xff", 2, 0, 0 },                         /* the bad byte is past len */
		{ "\xe2\x82\xac\x80", 4, -EILSEQ, 3 },        /* stray continuation after a full char */
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t bad = 9999;
		int rc = utf8_validate(cases[i].s, cases[i].len, &bad);

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d want %d", i, rc, cases[i].rc);
		if (rc != 0 && bad != cases[i].bad)
			fail_msg("case %zu: bad %zu want %zu", i, bad, cases[i].bad);
	}
}

/* ---- utf8_put ------------------------------------------------------------- */

static void test_utf8_put(void **state)
{
	struct {
		uint32_t cp;
		const char *want;
		int n;
	} cases[] = {
		{ 0x00, "\x00", 1 },
		{ 0x41, "A", 1 },
		{ 0x7F, "\x7f", 1 },
		{ 0x80, "\xc2\x80", 2 },
		{ 0xA7, "\xc2\xa7", 2 },
		{ 0x7FF, "\xdf\xbf", 2 },
		{ 0x800, "\xe0\xa0\x80", 3 },
		{ 0x20AC, "\xe2\x82\xac", 3 },
		{ 0xD7FF, "\xed\x9f\xbf", 3 },
		{ 0xE000, "\xee\x80\x80", 3 },
		{ 0xFFFD, "\xef\xbf\xbd", 3 },
		{ 0xFFFF, "\xef\xbf\xbf", 3 },
		{ 0x10000, "\xf0\x90\x80\x80", 4 },
		{ 0x1F600, "\xf0\x9f\x98\x80", 4 },
		{ 0x10FFFF, "\xf4\x8f\xbf\xbf", 4 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[8];
		int rc;

		/* Exact fit succeeds and touches nothing after it. */
		memset(buf, CANARY, sizeof buf);
		rc = utf8_put(buf, (size_t)cases[i].n, cases[i].cp);
		if (rc != cases[i].n)
			fail_msg("U+%04X: rc %d want %d", (unsigned)cases[i].cp, rc, cases[i].n);
		assert_memory_equal(buf, cases[i].want, (size_t)cases[i].n);
		assert_canary(buf, (size_t)cases[i].n, sizeof buf);

		/* Roomy buffer: same bytes, nothing past them. */
		memset(buf, CANARY, sizeof buf);
		assert_int_equal(utf8_put(buf, sizeof buf, cases[i].cp), cases[i].n);
		assert_memory_equal(buf, cases[i].want, (size_t)cases[i].n);
		assert_canary(buf, (size_t)cases[i].n, sizeof buf);

		/* One byte short. */
		memset(buf, CANARY, sizeof buf);
		rc = utf8_put(buf, (size_t)cases[i].n - 1, cases[i].cp);
		if (rc != -ENOBUFS)
			fail_msg("U+%04X in %d bytes: rc %d want -ENOBUFS", (unsigned)cases[i].cp,
				 cases[i].n - 1, rc);
		assert_canary(buf, (size_t)cases[i].n - 1, sizeof buf);
	}
}

static void test_utf8_put_invalid(void **state)
{
	static const uint32_t bad[] = { 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0x110000, 0xFFFFFFFF };
	char buf[8];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(buf, CANARY, sizeof buf);
		assert_int_equal(utf8_put(buf, sizeof buf, bad[i]), -EINVAL);
	}
}

static void test_utf8_roundtrip_all(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		char buf[4];
		size_t pos = 0;
		uint32_t back = 0;
		int n;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n = utf8_put(buf, sizeof buf, cp);
		if (n < 1 || n > 4)
			fail_msg("utf8_put U+%04X: %d", (unsigned)cp, n);
		if (utf8_next(buf, (size_t)n, &pos, &back) != 0 || back != cp || pos != (size_t)n)
			fail_msg("roundtrip U+%04X failed", (unsigned)cp);
	}
}

/* ---- hex_decode ----------------------------------------------------------- */

static void test_hex_decode(void **state)
{
	struct {
		const char *hex;
		const char *want;
		ssize_t n;
	} cases[] = {
		{ "", "", 0 },
		{ "00", "\x00", 1 },
		{ "ff", "\xff", 1 },
		{ "FF", "\xff", 1 },
		{ "0123456789abcdef", "\x01\x23\x45\x67\x89\xab\xcd\xef", 8 },
		{ "0123456789ABCDEF", "\x01\x23\x45\x67\x89\xab\xcd\xef", 8 },
		{ "aBcD", "\xab\xcd", 2 },
		{ "E8329BFD4697D9EC37", "\xe8\x32\x9b\xfd\x46\x97\xd9\xec\x37", 9 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t buf[16];
		size_t len = strlen(cases[i].hex);
		ssize_t rc;

		memset(buf, CANARY, sizeof buf);
		rc = hex_decode(buf, (size_t)cases[i].n, cases[i].hex, len, NULL);
		if (rc != cases[i].n)
			fail_msg("case %zu: rc %zd want %zd", i, rc, cases[i].n);
		assert_memory_equal(buf, cases[i].want, (size_t)cases[i].n);
		assert_canary(buf, (size_t)cases[i].n, sizeof buf);

		if (cases[i].n > 0) {
			memset(buf, CANARY, sizeof buf);
			assert_int_equal(hex_decode(buf, (size_t)cases[i].n - 1, cases[i].hex, len, NULL),
					 -ENOBUFS);
			assert_canary(buf, (size_t)cases[i].n - 1, sizeof buf);
		}
	}
}

static void test_hex_decode_invalid(void **state)
{
	struct {
		const char *hex;
		size_t bad;
	} cases[] = {
		{ "0g", 1 },
		{ "g0", 0 },
		{ " 00 ", 0 },
		{ "00 1", 2 },
		{ "0011zz", 4 },
		{ "0x00", 1 },
		{ "00\n1", 2 },
		{ "-1", 0 },
		{ "12:4", 2 },
	};
	static const char *odd[] = { "0", "000", "E8329BFD4697D9EC3" };
	uint8_t buf[16];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t bad = 9999;
		ssize_t rc = hex_decode(buf, sizeof buf, cases[i].hex, strlen(cases[i].hex), &bad);

		if (rc != -EINVAL || bad != cases[i].bad)
			fail_msg("\"%s\": rc %zd bad %zu, want -EINVAL bad %zu", cases[i].hex, rc, bad,
				 cases[i].bad);
		/* bad may be NULL */
		assert_int_equal(hex_decode(buf, sizeof buf, cases[i].hex, strlen(cases[i].hex), NULL),
				 -EINVAL);
	}
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		size_t bad = 0;

		assert_int_equal(hex_decode(buf, sizeof buf, odd[i], strlen(odd[i]), &bad), -EINVAL);
		assert_int_equal(hex_decode(buf, sizeof buf, odd[i], strlen(odd[i]), NULL), -EINVAL);
	}
}

static void test_hex_decode_respects_len(void **state)
{
	uint8_t buf[4];

	(void)state;
	memset(buf, CANARY, sizeof buf);
	/* only the first two characters belong to the input */
	assert_int_equal(hex_decode(buf, sizeof buf, "41zz", 2, NULL), 1);
	assert_int_equal(buf[0], 0x41);
	assert_canary(buf, 1, sizeof buf);
}

/* ---- hex_encode ----------------------------------------------------------- */

static void test_hex_encode(void **state)
{
	struct {
		const char *src;
		size_t n;
		const char *want;
	} cases[] = {
		{ "", 0, "" },
		{ "\x00", 1, "00" },
		{ "\xff", 1, "FF" },
		{ "\x01\x23\x45\x67\x89\xab\xcd\xef", 8, "0123456789ABCDEF" },
		{ "\xe8\x32\x9b\xfd\x46\x97\xd9\xec\x37", 9, "E8329BFD4697D9EC37" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[32];
		size_t want_len = 2 * cases[i].n;
		ssize_t rc;

		/* Exact fit: 2n characters and the NUL. */
		memset(buf, CANARY, sizeof buf);
		rc = hex_encode(buf, want_len + 1, (const uint8_t *)cases[i].src, cases[i].n);
		assert_int_equal(rc, (ssize_t)want_len);
		assert_string_equal(buf, cases[i].want);
		assert_canary(buf, want_len + 1, sizeof buf);

		/* No room for the NUL. */
		memset(buf, CANARY, sizeof buf);
		assert_int_equal(hex_encode(buf, want_len, (const uint8_t *)cases[i].src, cases[i].n),
				 -ENOBUFS);
		assert_canary(buf, want_len, sizeof buf);
	}
}

static void test_hex_roundtrip(void **state)
{
	uint8_t src[256], back[256];
	char hex[513];

	(void)state;
	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (uint8_t)i;
	assert_int_equal(hex_encode(hex, sizeof hex, src, sizeof src), 512);
	assert_int_equal(hex_decode(back, sizeof back, hex, 512, NULL), 256);
	assert_memory_equal(src, back, sizeof src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_next_valid),
		cmocka_unit_test(test_utf8_next_walks_string),
		cmocka_unit_test(test_utf8_next_invalid),
		cmocka_unit_test(test_utf8_next_respects_len),
		cmocka_unit_test(test_utf8_validate),
		cmocka_unit_test(test_utf8_put),
		cmocka_unit_test(test_utf8_put_invalid),
		cmocka_unit_test(test_utf8_roundtrip_all),
		cmocka_unit_test(test_hex_decode),
		cmocka_unit_test(test_hex_decode_invalid),
		cmocka_unit_test(test_hex_decode_respects_len),
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_hex_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
