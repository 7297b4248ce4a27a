/*
 * GSM 7-bit default alphabet and extension table (TS 23.038 6.2.1 and
 * 6.2.1.1) and septet packing (TS 23.038 6.1.2.1.1, fill bits after a UDH
 * per TS 23.040 9.2.3.24). Tables of input / exact expected bytes, output
 * buffers pre-filled with a canary that must survive past the result.
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

/* TS 23.038 6.2.1: the default alphabet, septet -> Unicode (0x1B is ESC). */
static const uint32_t gsm7_default[128] = {
	0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, /* @ £ $ ¥ è é ù ì */
	0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5, /* ò Ç LF Ø ø CR Å å */
	0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, /* Δ _ Φ Γ Λ Ω Π Ψ */
	0x03A3, 0x0398, 0x039E, 0xFFFFFFFF, 0x00C6, 0x00E6, 0x00DF, 0x00C9, /* Σ Θ Ξ ESC Æ æ ß É */
	0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027, /* SP ! " # ¤ % & ' */
	0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
	0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, /* ¡ A.. */
	0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7, /* X Y Z Ä Ö Ñ Ü § */
	0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, /* ¿ a.. */
	0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0, /* x y z ä ö ñ ü à */
};

/* TS 23.038 6.2.1.1: the extension table, ESC + code -> Unicode. */
static const struct {
	uint8_t code;
	uint32_t cp;
	const char *utf8;
} gsm7_ext[] = {
	{ 0x0A, 0x000C, "\x0c" },       /* form feed (page break) */
	{ 0x14, 0x005E, "^" },
	{ 0x28, 0x007B, "{" },
	{ 0x29, 0x007D, "}" },
	{ 0x2F, 0x005C, "\\" },
	{ 0x3C, 0x005B, "[" },
	{ 0x3D, 0x007E, "~" },
	{ 0x3E, 0x005D, "]" },
	{ 0x40, 0x007C, "|" },
	{ 0x65, 0x20AC, "\xe2\x82\xac" }, /* € */
};

#define NEXT (sizeof gsm7_ext / sizeof gsm7_ext[0])

static size_t put_utf8(char *dst, uint32_t cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xC0 | cp >> 6);
		dst[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	dst[0] = (char)(0xE0 | cp >> 12);
	dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	dst[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

/* ---- gsm7_lookup ---------------------------------------------------------- */

static void test_lookup_default_table(void **state)
{
	(void)state;
	for (unsigned s = 0; s < 128; s++) {
		uint8_t out[2] = { CANARY, CANARY };
		int rc;

		if (s == GSM7_ESC)
			continue;
		rc = gsm7_lookup(gsm7_default[s], out);
		if (rc != 1 || out[0] != s)
			fail_msg("U+%04X: rc %d septet 0x%02X, want 1 septet 0x%02X", (unsigned)gsm7_default[s],
				 rc, out[0], s);
		if (out[1] != CANARY)
			fail_msg("U+%04X: second septet written for a 1-septet character",
				 (unsigned)gsm7_default[s]);
		assert_int_equal(gsm7_lookup(gsm7_default[s], NULL), 1);
	}
}

static void test_lookup_extension_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < NEXT; i++) {
		uint8_t out[2] = { CANARY, CANARY };
		int rc = gsm7_lookup(gsm7_ext[i].cp, out);

		if (rc != 2 || out[0] != GSM7_ESC || out[1] != gsm7_ext[i].code)
			fail_msg("U+%04X: rc %d septets %02X %02X, want 2: 1B %02X", (unsigned)gsm7_ext[i].cp, rc,
				 out[0], out[1], gsm7_ext[i].code);
		assert_int_equal(gsm7_lookup(gsm7_ext[i].cp, NULL), 2);
	}
}

static void test_lookup_well_known_pitfalls(void **state)
{
	uint8_t out[2];

	(void)state;
	/* 0x5F is the section sign, not the backtick or underscore */
	assert_int_equal(gsm7_lookup(0x00A7, out), 1);
	assert_int_equal(out[0], 0x5F);
	assert_int_equal(gsm7_lookup(0x0060, out), 0);   /* ` is not in GSM 7-bit */
	/* '_' is 0x11, '@' is 0x00, '$' is 0x02, '¤' is 0x24 */
	assert_int_equal(gsm7_lookup(0x005F, out), 1);
	assert_int_equal(out[0], 0x11);
	assert_int_equal(gsm7_lookup(0x0040, out), 1);
	assert_int_equal(out[0], 0x00);
	assert_int_equal(gsm7_lookup(0x0024, out), 1);
	assert_int_equal(out[0], 0x02);
	assert_int_equal(gsm7_lookup(0x00A4, out), 1);
	assert_int_equal(out[0], 0x24);
	/* 0x09 is capital C with cedilla */
	assert_int_equal(gsm7_lookup(0x00C7, out), 1);
	assert_int_equal(out[0], 0x09);
	/* form feed is in the extension table, LF and CR in the default one */
	assert_int_equal(gsm7_lookup(0x000C, out), 2);
	assert_int_equal(out[0], 0x1B);
	assert_int_equal(out[1], 0x0A);
	assert_int_equal(gsm7_lookup(0x000A, out), 1);
	assert_int_equal(out[0], 0x0A);
	assert_int_equal(gsm7_lookup(0x000D, out), 1);
	assert_int_equal(out[0], 0x0D);
	/* € is ESC 0x65, not 0x1B 0x65 in the default table's 'e' */
	assert_int_equal(gsm7_lookup(0x20AC, out), 2);
	assert_int_equal(out[1], 0x65);
	/* Greek capitals that look like Latin ones are not in the table as such */
	assert_int_equal(gsm7_lookup(0x0391, out), 0); /* Α ALPHA */
	/* ESC itself, TAB, NUL-free controls, DEL, NBSP are not characters of the alphabet */
	assert_int_equal(gsm7_lookup(0x001B, out), 0);
	assert_int_equal(gsm7_lookup(0x0009, out), 0);
	assert_int_equal(gsm7_lookup(0x007F, out), 0);
	assert_int_equal(gsm7_lookup(0x00A0, out), 0);
	assert_int_equal(gsm7_lookup(0x00E1, out), 0);   /* á */
	assert_int_equal(gsm7_lookup(0x0436, out), 0);   /* ж */
	assert_int_equal(gsm7_lookup(0x1F600, out), 0);  /* 😀 */
	assert_int_equal(gsm7_lookup(0xD800, out), 0);
	assert_int_equal(gsm7_lookup(0x110000, out), 0);
}

/* Exactly 127 code points map to one septet and 10 to an escape pair;
 * everything else (including "helpful" folds like ç -> Ç) is outside. */
static void test_lookup_nothing_else(void **state)
{
	unsigned ones = 0, twos = 0;

	(void)state;
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		int rc = gsm7_lookup(cp, NULL);

		if (rc == 1)
			ones++;
		else if (rc == 2)
			twos++;
		else if (rc != 0)
			fail_msg("U+%04X: rc %d", (unsigned)cp, rc);
	}
	assert_int_equal(ones, 127);
	assert_int_equal(twos, NEXT);
}

/* ---- gsm7_from_utf8 ------------------------------------------------------- */

static void test_from_utf8_table(void **state)
{
	struct {
		const char *s;
		const char *septets_hex;
	} cases[] = {
		{ "", "" },
		{ "hello", "68656C6C6F" },
		{ "@\xc2\xa3$\xc2\xa5", "00010203" },                    /* @£$¥ */
		{ "\xe2\x82\xac", "1B65" },                              /* € */
		{ "[x]", "1B3C781B3E" },
		{ "{\\}~^|", "1B281B2F1B291B3D1B141B40" },
		{ "a\x0c" "b", "611B0A62" },                             /* form feed */
		{ "\r\n", "0D0A" },
		{ "\xc2\xa7_\xc2\xa1\xc2\xbf", "5F114060" },             /* §_¡¿ */
		{ "\xc3\x87\xc3\x89\xc3\x9f\xc3\xa0", "091F1E7F" },      /* ÇÉßà */
		{ "\xce\x94\xce\xa6\xce\x93\xce\x9b\xce\xa9\xce\xa0\xce\xa8\xce\xa3\xce\x98\xce\x9e",
		  "1012131415161718191A" },                               /* ΔΦΓΛΩΠΨΣΘΞ */
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t buf[64];
		size_t want_n = strlen(cases[i].septets_hex) / 2;
		size_t bad = 9999;
		ssize_t rc;

		memset(buf, CANARY, sizeof buf);
		rc = gsm7_from_utf8(buf, want_n, cases[i].s, strlen(cases[i].s), &bad);
		if (rc != (ssize_t)want_n)
			fail_msg("case %zu: rc %zd want %zu", i, rc, want_n);
		assert_hex_equal(buf, want_n, cases[i].septets_hex, cases[i].s);
		assert_canary(buf, want_n, sizeof buf);
	}
}

static void test_from_utf8_every_character(void **state)
{
	(void)state;
	for (unsigned s = 0; s < 128; s++) {
		char u[4];
		uint8_t sep[4];
		size_t n, bad = 0;

		if (s == GSM7_ESC)
			continue;
		n = put_utf8(u, gsm7_default[s]);
		memset(sep, CANARY, sizeof sep);
		assert_int_equal(gsm7_from_utf8(sep, sizeof sep, u, n, &bad), 1);
		assert_int_equal(sep[0], s);
		assert_canary(sep, 1, sizeof sep);
	}
	for (size_t i = 0; i < NEXT; i++) {
		uint8_t sep[4];
		size_t bad = 0;

		memset(sep, CANARY, sizeof sep);
		assert_int_equal(gsm7_from_utf8(sep, sizeof sep, gsm7_ext[i].utf8, strlen(gsm7_ext[i].utf8), &bad), 2);
		assert_int_equal(sep[0], GSM7_ESC);
		assert_int_equal(sep[1], gsm7_ext[i].code);
		assert_canary(sep, 2, sizeof sep);
	}
}

static void test_from_utf8_errors(void **state)
{
	struct {
		const char *s;
		size_t len;
		ssize_t rc;
		size_t bad;
	} cases[] = {
		{ "a`b", 3, -EILSEQ, 1 },                       /* backtick is not GSM */
		{ "ab\xf0\x9f\x98\x80", 6, -EILSEQ, 2 },        /* emoji */
		{ "h\xc3\xa9llo \xd0\xb6", 9, -EILSEQ, 7 },     /* ж after é */
		{ "h\xffi", 3, -EILSEQ, 1 },                    /* invalid UTF-8 */
		{ "ok\xc0\x80", 4, -EILSEQ, 2 },                /* overlong */
		{ "\xe2\x82", 2, -EILSEQ, 0 },                  /* truncated € */
		{ "\t", 1, -EILSEQ, 0 },
		{ "\x1b" "e", 2, -EILSEQ, 0 },                  /* raw ESC must not smuggle an escape */
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t buf[16];
		size_t bad = 9999;
		ssize_t rc = gsm7_from_utf8(buf, sizeof buf, cases[i].s, cases[i].len, &bad);

		if (rc != cases[i].rc || bad != cases[i].bad)
			fail_msg("case %zu: rc %zd bad %zu, want %zd bad %zu", i, rc, bad, cases[i].rc,
				 cases[i].bad);
	}
}

static void test_from_utf8_nobufs(void **state)
{
	uint8_t buf[8];
	size_t bad = 0;

	(void)state;
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(gsm7_from_utf8(buf, 4, "hello", 5, &bad), -ENOBUFS);
	assert_canary(buf, 4, sizeof buf);

	/* an escape pair never gets half written at the end */
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(gsm7_from_utf8(buf, 2, "a\xe2\x82\xac", 4, &bad), -ENOBUFS);
	assert_canary(buf, 2, sizeof buf);

	memset(buf, CANARY, sizeof buf);
	assert_int_equal(gsm7_from_utf8(buf, 3, "a\xe2\x82\xac", 4, &bad), 3);
	assert_hex_equal(buf, 3, "611B65", "a€");
	assert_canary(buf, 3, sizeof buf);

	assert_int_equal(gsm7_from_utf8(buf, 0, "", 0, &bad), 0);
}

/* ---- gsm7_to_utf8 --------------------------------------------------------- */

static void test_to_utf8_every_default_septet(void **state)
{
	(void)state;
	for (unsigned s = 0; s < 128; s++) {
		char want[4], buf[8];
		uint8_t sep = (uint8_t)s;
		size_t n;

		if (s == GSM7_ESC)
			continue;
		n = put_utf8(want, gsm7_default[s]);
		memset(buf, CANARY, sizeof buf);
		if (gsm7_to_utf8(buf, n + 1, &sep, 1) != (ssize_t)n || memcmp(buf, want, n) != 0 || buf[n] != '\0')
			fail_msg("septet 0x%02X: want U+%04X", s, (unsigned)gsm7_default[s]);
		assert_canary(buf, n + 1, sizeof buf);
	}
}

static void test_to_utf8_every_extension(void **state)
{
	(void)state;
	for (size_t i = 0; i < NEXT; i++) {
		uint8_t sep[2] = { GSM7_ESC, gsm7_ext[i].code };
		size_t n = strlen(gsm7_ext[i].utf8);
		char buf[8];

		memset(buf, CANARY, sizeof buf);
		if (gsm7_to_utf8(buf, n + 1, sep, 2) != (ssize_t)n || memcmp(buf, gsm7_ext[i].utf8, n + 1) != 0)
			fail_msg("ESC 0x%02X: want U+%04X", gsm7_ext[i].code, (unsigned)gsm7_ext[i].cp);
		assert_canary(buf, n + 1, sizeof buf);
	}
}

static void test_to_utf8_escape_rules(void **state)
{
	struct {
		const char *septets_hex;
		const char *want;
	} cases[] = {
		{ "", "" },
		{ "68656C6C6F", "hello" },
		{ "1B41", "A" },                     /* unknown escape: the default-table char */
		{ "1B00", "@" },
		{ "1B09", "\xc3\x87" },              /* Ç */
		{ "1B5F", "\xc2\xa7" },              /* § */
		{ "1B61", "a" },
		{ "1B", " " },                       /* trailing ESC */
		{ "411B", "A " },
		{ "1B1B", " " },                     /* ESC ESC */
		{ "41421B1B", "AB " },
		{ "1B651B65", "\xe2\x82\xac\xe2\x82\xac" },
		{ "1B0A1B0A", "\x0c\x0c" },
		{ "411B3C421B3E43", "A[B]C" },
		{ "001B00", "@@" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t sep[16];
		size_t n = unhex(sep, sizeof sep, cases[i].septets_hex);
		size_t wl = strlen(cases[i].want);
		char buf[32];
		ssize_t rc;

		memset(buf, CANARY, sizeof buf);
		rc = gsm7_to_utf8(buf, sizeof buf, sep, n);
		if (rc != (ssize_t)wl || memcmp(buf, cases[i].want, wl + 1) != 0)
			fail_msg("septets %s: rc %zd, want \"%s\" (%zu)", cases[i].septets_hex, rc, cases[i].want, wl);
		assert_canary(buf, wl + 1, sizeof buf);
	}
}

static void test_to_utf8_nobufs(void **state)
{
	static const uint8_t hello[] = { 0x68, 0x65, 0x6C, 0x6C, 0x6F };
	static const uint8_t euro[] = { 0x1B, 0x65 };
	char buf[16];

	(void)state;
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(gsm7_to_utf8(buf, 6, hello, 5), 5);      /* exact fit with the NUL */
	assert_string_equal(buf, "hello");
	assert_canary(buf, 6, sizeof buf);

	memset(buf, CANARY, sizeof buf);
	assert_int_equal(gsm7_to_utf8(buf, 5, hello, 5), -ENOBUFS); /* no room for the NUL */
	assert_canary(buf, 5, sizeof buf);

	memset(buf, CANARY, sizeof buf);
	assert_int_equal(gsm7_to_utf8(buf, 3, euro, 2), -ENOBUFS);  /* € needs 3 + NUL */
	assert_canary(buf, 3, sizeof buf);

	memset(buf, CANARY, sizeof buf);
	assert_int_equal(gsm7_to_utf8(buf, 4, euro, 2), 3);
	assert_string_equal(buf, "\xe2\x82\xac");
	assert_canary(buf, 4, sizeof buf);

	memset(buf, CANARY, sizeof buf);
	assert_int_equal(gsm7_to_utf8(buf, 1, hello, 0), 0);
	assert_int_equal(buf[0], '\0');
	assert_canary(buf, 1, sizeof buf);
}

static void test_utf8_gsm7_roundtrip(void **state)
{
	/* Every character of both tables in one string, there and back. */
	char text[512];
	uint8_t sep[256];
	char back[512];
	size_t n = 0, bad = 0;
	ssize_t ns;

	(void)state;
	for (unsigned s = 0; s < 128; s++) {
		if (s != GSM7_ESC)
			n += put_utf8(text + n, gsm7_default[s]);
	}
	for (size_t i = 0; i < NEXT; i++)
		n += put_utf8(text + n, gsm7_ext[i].cp);
	ns = gsm7_from_utf8(sep, sizeof sep, text, n, &bad);
	assert_int_equal(ns, 127 + 2 * NEXT);
	assert_int_equal(gsm7_to_utf8(back, sizeof back, sep, (size_t)ns), (ssize_t)n);
	assert_memory_equal(back, text, n);
}

/* ---- gsm7_pack / gsm7_unpack ---------------------------------------------- */

struct pack_case {
	const char *text;       /* ASCII-only, so septet == byte */
	unsigned fill;
	const char *packed_hex;
};

static const struct pack_case pack_cases[] = {
	{ "hellohello", 0, "E8329BFD4697D9EC37" },      /* TS 23.040 / GSM 03.38 classic */
	{ "hellohello", 1, "D06536FB8D2EB3D96F" },
	{ "hellohello", 2, "A0CB6CF61B5D66B3DF" },
	{ "hellohello", 3, "4097D9EC37BACC66BF01" },
	{ "hellohello", 4, "802EB3D96F7499CD7E03" },
	{ "hellohello", 5, "005D66B3DFE8329BFD06" },
	{ "hellohello", 6, "00BACC66BFD16536FB0D" },
	{ "hello", 0, "E8329BFD06" },
	{ "1234567", 0, "31D98C56B3DD00" },             /* 49 bits -> 7 octets */
	{ "1234567", 1, "62B219AD66BB01" },             /* 50 bits -> 7 octets */
	{ "1234567", 6, "404C36A3D56C37" },             /* 55 bits -> 7 octets */
	{ "12345678", 0, "31D98C56B3DD70" },            /* 56 bits -> 7 octets */
	{ "12345678", 1, "62B219AD66BBE100" },          /* 57 bits -> 8 octets */
	{ "12345678", 2, "C464335ACD76C301" },
	{ "12345678", 3, "88C966B49AED8603" },
	{ "12345678", 4, "1093CD6835DB0D07" },
	{ "12345678", 5, "20269BD16AB61B0E" },
	{ "12345678", 6, "404C36A3D56C371C" },
	{ "A", 0, "41" },
	{ "A", 1, "82" },
	{ "A", 2, "0401" },
	{ "A", 6, "4010" },
	{ "", 0, "" },
};

static void test_pack_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof pack_cases / sizeof pack_cases[0]; i++) {
		const struct pack_case *c = &pack_cases[i];
		size_t n = strlen(c->text);
		size_t want = strlen(c->packed_hex) / 2;
		uint8_t buf[32];
		char what[64];
		ssize_t rc;

		snprintf(what, sizeof what, "pack \"%s\" fill %u", c->text, c->fill);
		/* exact fit */
		memset(buf, CANARY, sizeof buf);
		rc = gsm7_pack(buf, want, (const uint8_t *)c->text, n, c->fill);
		if (rc != (ssize_t)want)
			fail_msg("%s: rc %zd want %zu", what, rc, want);
		assert_hex_equal(buf, want, c->packed_hex, what);
		assert_canary(buf, want, sizeof buf);
		/* roomy */
		memset(buf, CANARY, sizeof buf);
		assert_int_equal(gsm7_pack(buf, sizeof buf, (const uint8_t *)c->text, n, c->fill), (ssize_t)want);
		assert_hex_equal(buf, want, c->packed_hex, what);
		assert_canary(buf, want, sizeof buf);
		/* one octet short */
		if (want > 0) {
			memset(buf, CANARY, sizeof buf);
			rc = gsm7_pack(buf, want - 1, (const uint8_t *)c->text, n, c->fill);
			if (rc != -ENOBUFS)
				fail_msg("%s in %zu octets: rc %zd want -ENOBUFS", what, want - 1, rc);
			assert_canary(buf, want - 1, sizeof buf);
		}
	}
}

static void test_pack_bad_fill(void **state)
{
	uint8_t buf[16];

	(void)state;
	assert_int_equal(gsm7_pack(buf, sizeof buf, (const uint8_t *)"abc", 3, 7), -EINVAL);
	assert_int_equal(gsm7_pack(buf, sizeof buf, (const uint8_t *)"abc", 3, 8), -EINVAL);
	assert_int_equal(gsm7_unpack(buf, sizeof buf, (const uint8_t *)"\x00\x00\x00\x00", 4, 3, 7), -EINVAL);
}

static void test_unpack_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof pack_cases / sizeof pack_cases[0]; i++) {
		const struct pack_case *c = &pack_cases[i];
		size_t n = strlen(c->text);
		uint8_t packed[32], sep[32];
		size_t pn = unhex(packed, sizeof packed, c->packed_hex);
		ssize_t rc;

		/* exact output room */
		memset(sep, CANARY, sizeof sep);
		rc = gsm7_unpack(sep, n, packed, pn, n, c->fill);
		if (rc != (ssize_t)n || memcmp(sep, c->text, n) != 0)
			fail_msg("unpack %s fill %u: rc %zd", c->packed_hex, c->fill, rc);
		assert_canary(sep, n, sizeof sep);

		if (n > 0) {
			/* one septet of room too few */
			memset(sep, CANARY, sizeof sep);
			rc = gsm7_unpack(sep, n - 1, packed, pn, n, c->fill);
			if (rc != -ENOBUFS)
				fail_msg("unpack %s into %zu: rc %zd want -ENOBUFS", c->packed_hex, n - 1, rc);
			assert_canary(sep, n - 1, sizeof sep);
			/* one octet of input too few */
			rc = gsm7_unpack(sep, sizeof sep, packed, pn - 1, n, c->fill);
			if (rc != -EINVAL)
				fail_msg("unpack %s from %zu octets: rc %zd want -EINVAL", c->packed_hex, pn - 1, rc);
		}
	}
}

static void test_unpack_fewer_than_available(void **state)
{
	/* The 8th septet of "12345678" lives in the top bit-run of octet 7;
	 * asking for 7 must not invent or need anything past octet 7. */
	static const uint8_t p[] = { 0x31, 0xD9, 0x8C, 0x56, 0xB3, 0xDD, 0x70 };
	uint8_t sep[8];

	(void)state;
	memset(sep, CANARY, sizeof sep);
	assert_int_equal(gsm7_unpack(sep, sizeof sep, p, sizeof p, 7, 0), 7);
	assert_memory_equal(sep, "1234567", 7);
	assert_canary(sep, 7, sizeof sep);
	assert_int_equal(gsm7_unpack(sep, sizeof sep, p, sizeof p, 8, 0), 8);
	assert_memory_equal(sep, "12345678", 8);
	assert_int_equal(gsm7_unpack(sep, sizeof sep, p, 6, 7, 0), -EINVAL);
}

static void test_pack_roundtrip_all_fills(void **state)
{
	uint8_t sep[160], packed[141], back[160];

	(void)state;
	for (size_t i = 0; i < sizeof sep; i++)
		sep[i] = (uint8_t)((i * 37 + 11) & 0x7F);
	for (unsigned fill = 0; fill <= 6; fill++) {
		for (size_t n = 0; n <= 160; n++) {
			size_t want = (fill + 7 * n + 7) / 8;
			ssize_t rc;

			if (n == 0 && fill != 0)
				continue;
			if (want > sizeof packed)
				continue;
			memset(packed, CANARY, sizeof packed);
			rc = gsm7_pack(packed, sizeof packed, sep, n, fill);
			if (rc != (ssize_t)want)
				fail_msg("pack n=%zu fill=%u: rc %zd want %zu", n, fill, rc, want);
			assert_canary(packed, want, sizeof packed);
			/* fill bits are zero */
			if (fill && (packed[0] & ((1u << fill) - 1)) != 0)
				fail_msg("fill bits not zero: n=%zu fill=%u", n, fill);
			memset(back, CANARY, sizeof back);
			assert_int_equal(gsm7_unpack(back, sizeof back, packed, want, n, fill), (ssize_t)n);
			assert_memory_equal(back, sep, n);
		}
	}
	/* 160 septets fill 0 = 140 octets, the maximum TP-UD */
	assert_int_equal(gsm7_pack(packed, 140, sep, 160, 0), 140);
	/* 153 septets after a 6-octet UDH: fill 1, 134 octets */
	assert_int_equal(gsm7_pack(packed, 134, sep, 153, 1), 134);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_default_table),
		cmocka_unit_test(test_lookup_extension_table),
		cmocka_unit_test(test_lookup_well_known_pitfalls),
		cmocka_unit_test(test_lookup_nothing_else),
		cmocka_unit_test(test_from_utf8_table),
		cmocka_unit_test(test_from_utf8_every_character),
		cmocka_unit_test(test_from_utf8_errors),
		cmocka_unit_test(test_from_utf8_nobufs),
		cmocka_unit_test(test_to_utf8_every_default_septet),
		cmocka_unit_test(test_to_utf8_every_extension),
		cmocka_unit_test(test_to_utf8_escape_rules),
		cmocka_unit_test(test_to_utf8_nobufs),
		cmocka_unit_test(test_utf8_gsm7_roundtrip),
		cmocka_unit_test(test_pack_table),
		cmocka_unit_test(test_pack_bad_fill),
		cmocka_unit_test(test_unpack_table),
		cmocka_unit_test(test_unpack_fewer_than_available),
		cmocka_unit_test(test_pack_roundtrip_all_fills),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
