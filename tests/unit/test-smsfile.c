/*
 * The smstools3 message file format: outgoing files as smstools3's own
 * sendsms script and users write them, every error reason exactly, and
 * the writers byte for byte against files smsd 3.1.21 itself wrote
 * (tests/vectors/smstools3/, see regen.py there). Output buffers are
 * pre-filled with a canary that must survive past the returned length.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "smsfile.h"
#include "testutil.h"

#define BIG 8192

static char textbuf[BIG];

static int parse(struct smsfile_msg *m, const char *s, size_t n)
{
	memset(textbuf, CANARY, sizeof(textbuf));
	return smsfile_parse(m, s, n, textbuf, sizeof(textbuf));
}

#define PARSE_OK(m, lit) do { \
		int r_ = parse((m), (lit), sizeof(lit) - 1); \
		if (r_ != 0) \
			fail_msg("parse: %d %s", r_, (m)->reason); \
	} while (0)

/* ---- fixtures ------------------------------------------------------------- */

/* tests/vectors/smstools3/, found from this file's path */
static size_t fixture(const char *name, char *buf, size_t cap)
{
	char path[1024];
	const char *dir = __FILE__, *cut = strstr(dir, "unit/test-smsfile.c");
	FILE *f;
	size_t n;

	if (!cut)
		fail_msg("cannot find the vectors from %s", dir);
	snprintf(path, sizeof(path), "%.*svectors/smstools3/%s", (int)(cut - dir), dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

/* The value of header `name` in a file, NUL terminated into v. */
static const char *hdr(const char *file, const char *name, char *v, size_t cap)
{
	size_t nl = strlen(name);

	for (const char *p = file; *p && *p != '\n'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, name, nl) == 0 && p[nl] == ':' && p[nl + 1] == ' ') {
			const char *e = strchr(p, '\n');

			snprintf(v, cap, "%.*s", (int)(e - p - nl - 2), p + nl + 2);
			return v;
		}
		if (!strchr(p, '\n'))
			break;
	}
	fail_msg("no %s: header", name);
	return NULL;
}

/* "yy-mm-dd hh:mm:ss" of a fixture as a time_t (TZ is UTC in main()). */
static time_t date_of(const char *s)
{
	struct tm tm = { 0 };

	if (sscanf(s, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec) != 6)
		fail_msg("bad date %s", s);
	tm.tm_year += 100;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

static struct sms_time sctime_of(const char *s)
{
	struct sms_time t = { .present = true, .valid = true };

	if (sscanf(s, "%d-%d-%d %d:%d:%d", &t.year, &t.month, &t.day, &t.hour, &t.minute, &t.second) != 6)
		fail_msg("bad date %s", s);
	t.year += 2000;
	return t;
}

/* ---- outgoing: the forms smstools3 writes and documents -------------------- */

static void test_sendsms_plain(void **state)
{
	struct smsfile_msg m;
	char file[BIG];
	size_t n = fixture("sendsms-plain.in", file, sizeof(file));

	(void)state;
	assert_int_equal(parse(&m, file, n), 0);
	assert_string_equal(m.to.str, "+491701234567");
	assert_int_equal(m.to.toa, 0x91);
	assert_int_equal(m.alphabet, SMSFILE_ALPHA_NONE);
	assert_string_equal(m.text, "Hello from sendsms");
	assert_int_equal(m.text_len, 18);
	assert_canary(textbuf, 19, sizeof(textbuf));
	assert_int_equal(m.enc, SMS_ENC_GSM7);
	assert_int_equal(m.nparts, 1);
	assert_int_equal(m.report, -1);
	assert_false(m.flash);
	assert_false(m.has_validity);
	assert_int_equal(m.autosplit, 3);
	assert_int_equal(m.nheaders, 1);
	assert_memory_equal(m.headers[0].line, "To: 491701234567", 16);
	assert_int_equal(m.body_len, 18);
}

static void test_sendsms_ucs(void **state)
{
	struct smsfile_msg m;
	char file[BIG];
	size_t n = fixture("sendsms-ucs.in", file, sizeof(file));

	(void)state;
	assert_int_equal(parse(&m, file, n), 0);
	assert_int_equal(m.alphabet, SMSFILE_ALPHA_UCS2);
	assert_string_equal(m.text, "Привет €");
	assert_int_equal(m.plan_flags, SMS_PLAN_FORCE_UCS2);
	assert_int_equal(m.enc, SMS_ENC_UCS2);
}

static void test_iso_latin9(void **state)
{
	struct smsfile_msg m;
	char file[BIG];
	size_t n = fixture("iso.in", file, sizeof(file));

	(void)state;
	assert_int_equal(parse(&m, file, n), 0);
	assert_int_equal(m.alphabet, SMSFILE_ALPHA_ISO);
	assert_false(m.body_was_utf8);
	assert_string_equal(m.text, "Grüße € 5"); /* 0xA4 is € in ISO-8859-15 */
	/* every Latin-9 difference from Latin-1 */
	PARSE_OK(&m, "To: 1\nAlphabet: Latin-9\n\n\xa4\xa6\xa8\xb4\xb8\xbc\xbd\xbe\xa3\xff");
	assert_string_equal(m.text, "€ŠšŽžŒœŸ£ÿ");
}

static void test_utf8_report_headers(void **state)
{
	struct smsfile_msg m;
	char file[BIG];
	size_t n = fixture("utf8-report.in", file, sizeof(file));

	(void)state;
	assert_int_equal(parse(&m, file, n), 0);
	assert_int_equal(m.alphabet, SMSFILE_ALPHA_NONE);
	assert_true(m.body_was_utf8);
	assert_string_equal(m.text, "Grüße €"); /* trailing newline trimmed, as smsd sent it */
	assert_int_equal(m.report, 1);
	assert_false(m.flash);
	assert_true(m.priority_high);
	assert_true(m.has_validity);
	assert_int_equal(m.validity_vp, 167);
	assert_int_equal(m.validity_minutes, 1440); /* smsd sent validity_minutes 1440 too */
	assert_int_equal(m.nheaders, 6);
	assert_memory_equal(m.headers[5].name, "X-Custom", 8);
	assert_memory_equal(m.headers[5].value, "kept", 4);
	assert_int_equal(m.headers[5].value_len, 4);
}

static void test_alphabets(void **state)
{
	struct smsfile_msg m;

	(void)state;
	/* smsd reads three letters */
	PARSE_OK(&m, "To: 1\nAlphabet: UTF-8\n\nGrüße\n");
	assert_int_equal(m.alphabet, SMSFILE_ALPHA_UTF8);
	assert_string_equal(m.text, "Grüße");
	PARSE_OK(&m, "To: 1\nalphabet: utf8\n\nx");
	assert_int_equal(m.alphabet, SMSFILE_ALPHA_UTF8);
	PARSE_OK(&m, "To: 1\nAlphabet: ISO-8859-15\n\nx");
	assert_int_equal(m.alphabet, SMSFILE_ALPHA_ISO);
	PARSE_OK(&m, "To: 1\nAlphabet: Ansi\n\nx");
	assert_int_equal(m.alphabet, SMSFILE_ALPHA_ISO);
	PARSE_OK(&m, "To: 1\nAlphabet: Unicode\n\n\x00h\x00i");
	assert_int_equal(m.alphabet, SMSFILE_ALPHA_UCS2);
	assert_string_equal(m.text, "hi");
	assert_int_equal(m.enc, SMS_ENC_UCS2);
	PARSE_OK(&m, "To: 1\nAlphabet: Chinese\n\n\xfe\xff\xd8\x3d\xde\x00"); /* BOM, then a surrogate pair */
	assert_string_equal(m.text, "😀");
	PARSE_OK(&m, "To: 1\nAlphabet: UCS-2\n\n");
	assert_string_equal(m.text, "");
	/* GSM: the bytes are GSM 7-bit codes: 0x00 '@', ESC 'e' '€', 0x24 '¤' */
	PARSE_OK(&m, "To: 1\nAlphabet: GSM\n\n\x00\x1b\x65\x24 ok\n");
	assert_string_equal(m.text, "@€¤ ok\n");
	assert_int_equal(m.text_len, 10);
	/* ISO with UTF-8 inside is UTF-8 (smsd's outgoing_utf8 = yes) */
	PARSE_OK(&m, "To: 1\nAlphabet: ISO\n\nÄ \r\n\x1a");
	assert_true(m.body_was_utf8);
	assert_string_equal(m.text, "Ä");
	/* a text of blanks is not trimmed to nothing */
	PARSE_OK(&m, "To: 1\n\n \n");
	assert_string_equal(m.text, " \n");
	/* no body at all */
	PARSE_OK(&m, "To: 1\n");
	assert_string_equal(m.text, "");
	assert_int_equal(m.nparts, 1);
}

static void test_crlf_case_bom(void **state)
{
	struct smsfile_msg m;

	(void)state;
	PARSE_OK(&m, "\xEF\xBB\xBFto:+49 170 123-4567\r\nFLASH:   Yes  \r\nrePort: off\r\n\r\nHallo\r\nWelt\r\n");
	assert_string_equal(m.to.str, "+491701234567");
	assert_true(m.flash);
	assert_int_equal(m.report, 0);
	assert_string_equal(m.text, "Hallo\r\nWelt");
	assert_int_equal(m.headers[0].line_len, 19);
	assert_memory_equal(m.headers[1].value, "Yes", 3);
	assert_int_equal(m.headers[1].value_len, 3);
	/* a blank line of blanks ends the headers too */
	PARSE_OK(&m, "To: 1\n \t\nbody");
	assert_string_equal(m.text, "body");
}

struct number_case {
	const char *file;
	const char *str;
	uint8_t toa;
};

static void test_numbers(void **state)
{
	static const struct number_case cases[] = {
		{ "To: 491721234567\n\nx", "+491721234567", 0x91 },
		{ "To: +491721234567\n\nx", "+491721234567", 0x91 },
		{ "To: 00491721234567\n\nx", "+491721234567", 0x91 },
		{ "To: 358 12 345 6789\n\nx", "+358123456789", 0x91 },
		{ "To: 0170-1234567\n\nx", "01701234567", 0xA1 },
		{ "To: s1234\n\nx", "1234", 0x81 },
		{ "To: 12345678901234567890\n\nx", "+12345678901234567890", 0x91 },
		{ "To: 1234\nTo_TOA: national\n\nx", "1234", 0xA1 },
		{ "To: 1234\nTo_TOA: Unknown\n\nx", "1234", 0x81 },
		{ "To: s1234\nTo_TOA: international\n\nx", "+1234", 0x91 },
	};
	struct smsfile_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = parse(&m, cases[i].file, strlen(cases[i].file));

		if (r != 0)
			fail_msg("%s: %s", cases[i].file, m.reason);
		assert_string_equal(m.to.str, cases[i].str);
		assert_int_equal(m.to.toa, cases[i].toa);
	}
}

struct validity_case {
	const char *value;
	int vp;
};

static void test_validity(void **state)
{
	/* smsd's parse_validity(), rounding down */
	static const struct validity_case cases[] = {
		{ "0", 0 }, { "167", 167 }, { "255", 255 }, { "3 min", 0 }, { "30 min", 5 },
		{ "90 minutes", 17 }, { "1 hour", 11 }, { "hour", 11 }, { "12 hours", 143 },
		{ "13 hour", 145 }, { "1 day", 167 }, { "3 days", 169 }, { "30 days", 196 },
		{ "32 days", 196 }, { "2 weeks", 180 }, { "5 weeks", 197 }, { "63 weeks", 255 },
		{ "1 month", 196 }, { "2 months", 200 }, { "12 month", 244 }, { "1 year", 244 },
		{ "2 years", 255 }, { "max", 255 }, { "1440 min", 167 }, { "2 Days", 168 },
	};
	struct smsfile_msg m;
	char file[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = snprintf(file, sizeof(file), "To: 1\nValidity: %s\n\nx", cases[i].value);
		int r = parse(&m, file, (size_t)n);

		if (r != 0)
			fail_msg("%s: %s", cases[i].value, m.reason);
		if (m.validity_vp != cases[i].vp)
			fail_msg("Validity: %s gave %d, not %d", cases[i].value, m.validity_vp, cases[i].vp);
		assert_int_equal(m.validity_minutes, sms_vp_to_minutes((uint8_t)cases[i].vp));
	}
}

static void test_priority_autosplit(void **state)
{
	struct smsfile_msg m;
	char file[1024];
	int n;

	(void)state;
	PARSE_OK(&m, "To: 1\nPriority: HIGH\n\nx");
	assert_true(m.priority_high);
	PARSE_OK(&m, "To: 1\nPriority: yes\n\nx");
	assert_true(m.priority_high);
	PARSE_OK(&m, "To: 1\nPriority: normal\n\nx");
	assert_false(m.priority_high);
	PARSE_OK(&m, "To: 1\nAutosplit: 0\n\nx");
	assert_int_equal(m.autosplit, 0);
	assert_int_equal(m.max_parts, 1);
	PARSE_OK(&m, "To: 1\nAutosplit: 2\n\nx");
	assert_int_equal(m.max_parts, SMS_CONCAT_MAX);
	/* 161 characters: two parts, which Autosplit: 0 refuses rather than cut */
	n = snprintf(file, sizeof(file), "To: 1\nAutosplit: 3\n\n%0161d", 0);
	assert_int_equal(parse(&m, file, (size_t)n), 0);
	assert_int_equal(m.nparts, 2);
	n = snprintf(file, sizeof(file), "To: 1\nAutosplit: 0\n\n%0161d", 0);
	assert_int_equal(parse(&m, file, (size_t)n), -EINVAL);
	assert_string_equal(m.reason, "text needs 2 SMS but Autosplit: 0 allows one");
}

static void test_unknown_headers_kept(void **state)
{
	struct smsfile_msg m;

	(void)state;
	PARSE_OK(&m, "From: me\nTo: 1\nUDH: false\nSMSC: 4917\nX-Foo:\nTo: 2\n\nx");
	assert_string_equal(m.to.str, "+2"); /* the last To: counts, as in smsd */
	assert_int_equal(m.nheaders, 6);
	assert_int_equal(m.headers[4].value_len, 0);
	assert_memory_equal(m.headers[4].line, "X-Foo:", 6);
}

struct error_case {
	const char *file;
	size_t len; /* 0: strlen */
	const char *reason;
};

static void test_errors(void **state)
{
	static const struct error_case cases[] = {
		{ "", 0, "empty file" },
		{ "\n\nHello", 0, "no To: header" },
		{ "From: x\n\nHello", 0, "no To: header" },
		{ "To:\n\nx", 0, "empty To: header" },
		{ "To: 12ab\n\nx", 0, "invalid number \"12ab\"" },
		{ "To: +\n\nx", 0, "invalid number \"+\"" },
		{ "To: s\n\nx", 0, "invalid number \"s\"" },
		{ "To: 49 \t 170\n\nx", 0, "invalid number \"49 ? 170\"" },
		{ "To: -49170\n\nx", 0, "invalid number \"-49170\"" },
		{ "To: 123456789012345678901\n\nx", 0, "invalid number \"123456789012345678901\"" },
		{ "To: 1\nTo_TOA: special\n\nx", 0, "invalid To_TOA \"special\" (unknown, international, national)" },
		{ "To: 1\nFlash: maybe\n\nx", 0, "invalid Flash \"maybe\" (yes or no)" },
		{ "To: 1\nReport:\n\nx", 0, "invalid Report \"\" (yes or no)" },
		{ "To: 1\nPriority: urgent\n\nx", 0, "invalid Priority \"urgent\" (high or normal)" },
		{ "To: 1\nValidity: soon\n\nx", 0,
		  "invalid Validity \"soon\" (0..255, max, or a number of min, hour, day, week, month, year)" },
		{ "To: 1\nValidity: 256\n\nx", 0,
		  "invalid Validity \"256\" (0..255, max, or a number of min, hour, day, week, month, year)" },
		{ "To: 1\nValidity: 0 hour\n\nx", 0,
		  "invalid Validity \"0 hour\" (0..255, max, or a number of min, hour, day, week, month, year)" },
		{ "To: 1\nAutosplit: 4\n\nx", 0, "invalid Autosplit \"4\" (0..3)" },
		{ "To: 1\nAlphabet: EBCDIC\n\nx", 0, "invalid Alphabet \"EBCDIC\"" },
		{ "To: 1\nAlphabet: binary\n\nx", 0, "binary messages are not supported" },
		{ "To: 1\nBinary: yes\n\nx", 0, "Binary: is not supported" },
		{ "To: 1\nHex: yes\n\n41", 0, "Hex: is not supported" },
		{ "To: 1\nVoicecall: yes\n\nTONE: 1", 0, "Voicecall: is not supported" },
		{ "To: 1\nInclude: /etc/passwd\n\n", 0, "Include: is not supported" },
		{ "To: 1\nMacro: @A@=b\n\n@A@", 0, "Macro: is not supported" },
		{ "To: 1\nAlphabet: UTF-8\n\n0123456789abcdef\xc3(", 0, "text is not valid UTF-8 at byte 16" },
		{ "To: 1\n\nab\x00" "cd", 8 + 5, "NUL byte in the text at byte 2" },
		{ "To: 1\n\nab\x01", 0, "control character U+0001 in the text at byte 2" },
		{ "To: 1\n\nwin\x80", 0, "control character U+0080 in the text at byte 3" },
		{ "To: 1\nAlphabet: GSM\n\nab\xe4", 0, "byte 0xE4 at byte 2 is not in the GSM 7-bit alphabet" },
		{ "To: 1\nAlphabet: UCS2\n\n\x00h\x00", 11 + 11 + 3, "UCS-2 text has an odd number of bytes (3)" },
		{ "To: 1\nAlphabet: UCS2\n\n\x00h\xdc\x00", 11 + 11 + 4, "UCS-2 text has a lone surrogate at byte 2" },
		{ "To: 1\nAlphabet: UCS2\n\n\xff\xfeh\x00", 22 + 4,
		  "UCS-2 text is little-endian (starts with FF FE); it must be big-endian" },
		{ "To: 1\nAlphabet: UCS2\n\n\x00\x07", 11 + 11 + 2, "control character U+0007 in the text at byte 0" },
		{ "To: 1\nX\x00Y: 2\n\nx", 16, "NUL byte in header line 2" },
		{ "To: 1\nX: \x1b[2J\n\nx", 0, "control character 0x1B in header line 2" },
		{ "Hello, this is not a header\n\nx", 0, "header line 1 is not \"Name: value\"" },
		{ "To 1\n\nx", 0, "header line 1 is not \"Name: value\"" },
		{ ": 1\n\nx", 0, "header line 1 is not \"Name: value\"" },
		{ "\x7f" "ELF\x02\x01\x01", 0, "control character 0x7F in header line 1" },
		{ "\x89PNG\r\n\x1a\n", 0, "header line 1 is not \"Name: value\"" },
	};
	struct smsfile_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].file);
		int r = parse(&m, cases[i].file, len);

		if (r != -EINVAL || strcmp(m.reason, cases[i].reason) != 0)
			fail_msg("case %zu: %d \"%s\", expected \"%s\"", i, r, m.reason, cases[i].reason);
	}
}

static void test_limits(void **state)
{
	static char file[3 * SMSFILE_LINE_MAX];
	struct smsfile_msg m;
	size_t n;
	char small[8];

	(void)state;
	/* a header line of exactly SMSFILE_LINE_MAX bytes is fine, one more is not */
	n = (size_t)snprintf(file, sizeof(file), "To: 1\nX: ");
	memset(file + n, 'a', SMSFILE_LINE_MAX - 3);
	n += SMSFILE_LINE_MAX - 3;
	memcpy(file + n, "\r\n\nx", 4);
	assert_int_equal(parse(&m, file, n + 4), 0);
	assert_int_equal(m.headers[1].line_len, SMSFILE_LINE_MAX);
	file[n] = 'a';
	assert_int_equal(parse(&m, file, n + 4), -EINVAL);
	assert_string_equal(m.reason, "header line 2 is longer than 4096 bytes");
	/* the same without any line ending */
	assert_int_equal(parse(&m, file, n + 1), -EINVAL);
	assert_string_equal(m.reason, "header line 2 is longer than 4096 bytes");

	/* 64 header lines are kept, 65 are refused */
	n = 0;
	for (int i = 0; i < SMSFILE_HEADERS_MAX; i++)
		n += (size_t)snprintf(file + n, sizeof(file) - n, "To: %d\n", i + 1);
	n += (size_t)snprintf(file + n, sizeof(file) - n, "\nx");
	assert_int_equal(parse(&m, file, n), 0);
	assert_string_equal(m.to.str, "+64");
	n = 0;
	for (int i = 0; i <= SMSFILE_HEADERS_MAX; i++)
		n += (size_t)snprintf(file + n, sizeof(file) - n, "To: %d\n", i + 1);
	assert_int_equal(parse(&m, file, n), -EINVAL);
	assert_string_equal(m.reason, "more than 64 header lines");

	/* the text buffer is the caller's: too small is -ENOBUFS, never an overrun */
	memset(small, CANARY, sizeof(small));
	assert_int_equal(smsfile_parse(&m, "To: 1\n\n1234567", 14, small, 7), -ENOBUFS);
	assert_string_equal(m.reason, "text buffer too small");
	assert_canary(small, 7, sizeof(small));
	assert_int_equal(smsfile_parse(&m, "To: 1\n\n1234567", 14, small, 8), 0);
	assert_string_equal(small, "1234567");
	assert_int_equal(smsfile_parse(&m, "To: 1\nAlphabet: GSM\n\n\x1b\x65\x1b\x65", 25, small, 6), -ENOBUFS);
	assert_int_equal(smsfile_parse(&m, "To: 1\nAlphabet: GSM\n\n\x1b\x65\x1b\x65", 25, small, 7), 0);
	assert_string_equal(small, "€€");
	/* a 256-part text is refused */
	{
		static char big[20 + 256 * 153 + 1];
		int k = snprintf(big, sizeof(big), "To: 1\n\n");

		memset(big + k, 'a', 255 * 153 + 1);
		n = (size_t)k + 255 * 153 + 1;
		static char tb[SMSFILE_TEXT_CAP(sizeof(big))];
		assert_int_equal(smsfile_parse(&m, big, n, tb, sizeof(tb)), -EINVAL);
		assert_string_equal(m.reason, "text needs 256 SMS, more than 255");
		assert_int_equal(smsfile_parse(&m, big, n - 1, tb, sizeof(tb)), 0);
		assert_int_equal(m.nparts, 255);
	}
}

/* ---- writers, against smsd's own files ------------------------------------- */

static const char IMSI[] = "001010123456789", IMEI[] = "356938035643809";

/* Writes with every too-small capacity (-ENOBUFS, canary intact), then
 * with room, and compares with want. */
#define CHECK_WRITER(call_with, want, wantlen) do { \
		static char out_[BIG + 16]; \
		ssize_t r_; \
		for (size_t cap_ = 0; cap_ < (wantlen); cap_ += 1 + cap_ / 7) { \
			memset(out_, CANARY, sizeof(out_)); \
			char *dst_ = out_; size_t dcap_ = cap_; \
			r_ = call_with; \
			assert_int_equal(r_, -ENOBUFS); \
			assert_canary(out_, cap_, sizeof(out_)); \
		} \
		memset(out_, CANARY, sizeof(out_)); \
		{ \
			char *dst_ = out_; size_t dcap_ = BIG; \
			r_ = call_with; \
		} \
		if (r_ < 0) \
			fail_msg("writer: %zd", r_); \
		if ((size_t)r_ != (wantlen) || memcmp(out_, (want), (wantlen)) != 0) \
			fail_msg("got (%zd)\n%.*s\nwant (%zu)\n%.*s", r_, (int)r_, out_, (size_t)(wantlen), \
				 (int)(wantlen), (want)); \
		assert_canary(out_, (size_t)r_, sizeof(out_)); \
	} while (0)

static void sent_case(const char *in, const char *want_name, int message_id)
{
	static char file[BIG], want[BIG];
	char v[64];
	struct smsfile_msg m;
	size_t n = fixture(in, file, sizeof(file)), wn = fixture(want_name, want, sizeof(want));
	struct smsfile_sent s = { .modem = "GSM1", .imsi = IMSI, .imei = IMEI, .message_id = message_id };

	assert_int_equal(parse(&m, file, n), 0);
	s.sent = date_of(hdr(want, "Sent", v, sizeof(v)));
	s.sending_time = strtol(hdr(want, "Sending_time", v, sizeof(v)), NULL, 10);
	CHECK_WRITER(smsfile_write_sent(dst_, dcap_, &m, &s), want, wn);
}

static void test_write_sent(void **state)
{
	(void)state;
	sent_case("sendsms-plain.in", "sent-sendsms-plain", -1);
	sent_case("sendsms-ucs.in", "sent-sendsms-ucs", -1);
	sent_case("iso.in", "sent-iso", -1);
	sent_case("utf8-report.in", "sent-utf8-report", 0);
	sent_case("report-fail.in", "sent-report-fail", 4);
}

static void test_write_failed(void **state)
{
	static char file[BIG], want[BIG], out[BIG];
	char v[128], pdu[128];
	struct smsfile_msg m;
	size_t n = fixture("fail.in", file, sizeof(file)), wn = fixture("failed-fail", want, sizeof(want));
	struct smsfile_failed f = { .modem = "GSM1", .imsi = IMSI, .imei = IMEI };
	ssize_t r;

	(void)state;
	assert_int_equal(parse(&m, file, n), 0);
	f.reason = hdr(want, "Fail_reason", v, sizeof(v));
	f.failed = date_of(hdr(want, "Failed", pdu, sizeof(pdu)));
	f.pdu_hex = hdr(want, "PDU", pdu, sizeof(pdu));
	CHECK_WRITER(smsfile_write_failed(dst_, dcap_, &m, &f), want, wn);

	/* a file that did not parse: the added headers, then its bytes as they were */
	f = (struct smsfile_failed){ .reason = "invalid number \"12ab\"", .failed = 0 };
	r = smsfile_write_failed_raw(out, sizeof(out), "To: 12ab\n\nx", 11, &f);
	assert_int_equal(r, 72);
	assert_memory_equal(out, "Fail_reason: invalid number \"12ab\"\nFailed: 70-01-01 00:00:00\nTo: 12ab\n\nx", 72);

	/* a field may not forge a header line */
	f.modem = "GSM1\nTo: 110";
	assert_int_equal(smsfile_write_failed(out, sizeof(out), &m, &f), -EINVAL);
}

static struct smsfile_incoming incoming_of(const char *want, char *v1, char *v2)
{
	struct smsfile_incoming in = { .modem = "GSM1", .imsi = IMSI, .imei = IMEI };
	char v[64];

	in.sent = sctime_of(hdr(want, "Sent", v, sizeof(v)));
	in.received = date_of(hdr(want, "Received", v, sizeof(v)));
	snprintf(v1, 32, "+%s", hdr(want, "From", v, sizeof(v)));
	if (sms_address_parse(&in.from, v1) < 0)
		fail_msg("bad From");
	if (strncmp(hdr(want, "From_TOA", v, sizeof(v)), "81", 2) == 0) {
		snprintf(in.from.str, sizeof(in.from.str), "%s", v1 + 1);
		in.from.toa = 0x81;
	}
	snprintf(v2, 32, "+%s", hdr(want, "From_SMSC", v, sizeof(v)));
	return in;
}

static void incoming_case(const char *name, const char *text, bool flash)
{
	static char want[BIG];
	char from[32], smsc_s[32];
	size_t wn = fixture(name, want, sizeof(want));
	struct smsfile_incoming in = incoming_of(want, from, smsc_s);
	struct sms_address smsc;

	assert_int_equal(sms_address_parse(&smsc, smsc_s), 0);
	in.smsc = &smsc;
	in.text = text;
	in.text_len = strlen(text);
	in.flash = flash;
	CHECK_WRITER(smsfile_write_incoming(dst_, dcap_, &in), want, wn);
}

static void test_write_incoming(void **state)
{
	static char want[BIG], out[BIG];
	char from[32], smsc_s[32];
	struct sms_address smsc;
	struct smsfile_incoming in;
	size_t wn;
	ssize_t r;

	(void)state;
	incoming_case("incoming-text", "Antwort über smsd [ok]", false);
	incoming_case("incoming-text.decode", "Antwort über smsd [ok]", false);
	incoming_case("incoming-flash", "Flash!", true);

	/* a UCS-2 message: smsd with decode_unicode_text = yes writes the same
	 * file, except that its Length: counts bytes (14); ours counts
	 * characters, as smstools3's documentation says */
	wn = fixture("incoming-ucs2.decode", want, sizeof(want));
	in = incoming_of(want, from, smsc_s);
	assert_int_equal(sms_address_parse(&smsc, smsc_s), 0);
	in.smsc = &smsc;
	in.text = "Ответ €";
	in.text_len = strlen(in.text);
	r = smsfile_write_incoming(out, sizeof(out), &in);
	assert_true(r > 0);
	{
		char *a = strstr(want, "Length: 14\n"), *b = strstr(out, "Length: 7\n");

		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal(a - want, b - out);
		assert_memory_equal(want, out, (size_t)(a - want));
		assert_string_equal(a + 11, b + 10);
		assert_int_equal((size_t)r, wn - 1);
	}

	/* no SMSC, no SC time, an alphanumeric sender */
	in = (struct smsfile_incoming){ .modem = "m", .received = 0, .text = "", .text_len = 0 };
	in.from.toa = 0xD0;
	snprintf(in.from.str, sizeof(in.from.str), "%s", "Bank");
	r = smsfile_write_incoming(out, sizeof(out), &in);
	assert_int_equal(r, 132);
	assert_memory_equal(out, "From: Bank\nFrom_TOA: D0 alphanumeric, unknown\nReceived: 70-01-01 00:00:00\n"
			    "Subject: m\nModem: m\nReport: no\nAlphabet: UTF-8\nLength: 0\n\n", 132);
	in.text = "a\xff";
	in.text_len = 2;
	assert_int_equal(smsfile_write_incoming(out, sizeof(out), &in), -EINVAL);
}

static void report_case(const char *name, uint8_t mr, uint8_t st)
{
	static char want[BIG];
	char from[32], smsc_s[32], v[64];
	size_t wn = fixture(name, want, sizeof(want));
	struct smsfile_incoming in = incoming_of(want, from, smsc_s);
	struct sms_address smsc;
	struct smsfile_report rep = { .recipient = in.from, .scts = in.sent, .received = in.received,
				      .modem = "GSM1", .imsi = IMSI, .imei = IMEI, .message_id = mr, .status = st };
	const char *body = strstr(want, "\n\n");

	assert_int_equal(sms_address_parse(&smsc, smsc_s), 0);
	rep.smsc = &smsc;
	assert_non_null(body);
	rep.discharge = sctime_of(hdr(body + 2, "Discharge_timestamp", v, sizeof(v)));
	CHECK_WRITER(smsfile_write_report(dst_, dcap_, &rep), want, wn);
}

static void test_write_report(void **state)
{
	(void)state;
	report_case("incoming-report-ok", 0, 0);
	report_case("incoming-report-fail", 4, 70);
	report_case("incoming-report-ok.decode", 0, 0);
}

static void test_texts(void **state)
{
	char b[SMSFILE_TOA_TEXT_MAX];

	(void)state;
	assert_string_equal(smsfile_status_text(0), "Ok,short message received by the SME");
	assert_string_equal(smsfile_status_text(34), "Still trying,no response sendr SME");
	assert_string_equal(smsfile_status_text(38), "unknown");
	assert_string_equal(smsfile_status_text(50), "Temporary error, SC specific, unknown");
	assert_string_equal(smsfile_status_text(70), "Error,SM validity period expired");
	assert_string_equal(smsfile_status_text(90), "Permanent error, SC specific, unknown");
	assert_string_equal(smsfile_status_text(101), "Error,error in SME");
	assert_string_equal(smsfile_status_text(120), "Permanent error, SC specific, unknown");
	assert_string_equal(smsfile_status_text(200), "unknown");

	assert_int_equal(smsfile_toa_text(b, sizeof(b), 0x91), 32);
	assert_string_equal(b, "91 international, ISDN/telephone");
	smsfile_toa_text(b, sizeof(b), 0x81);
	assert_string_equal(b, "81 unknown, ISDN/telephone");
	smsfile_toa_text(b, sizeof(b), 0xA1);
	assert_string_equal(b, "A1 national, ISDN/telephone");
	smsfile_toa_text(b, sizeof(b), 0xC9);
	assert_string_equal(b, "C9 subsciber, private");
	smsfile_toa_text(b, sizeof(b), 0x92); /* a reserved NPI repeats the type word, as in smsd */
	assert_string_equal(b, "92 international, international");
	assert_int_equal(smsfile_toa_text(b, 32, 0x91), -ENOBUFS);

	assert_int_equal(smsfile_date(b, sizeof(b), 1795571818), 17);
	assert_string_equal(b, "26-11-25 01:56:58");
	assert_int_equal(smsfile_date(b, 17, 0), -ENOBUFS);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sendsms_plain),
		cmocka_unit_test(test_sendsms_ucs),
		cmocka_unit_test(test_iso_latin9),
		cmocka_unit_test(test_utf8_report_headers),
		cmocka_unit_test(test_alphabets),
		cmocka_unit_test(test_crlf_case_bom),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_priority_autosplit),
		cmocka_unit_test(test_unknown_headers_kept),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_write_sent),
		cmocka_unit_test(test_write_failed),
		cmocka_unit_test(test_write_incoming),
		cmocka_unit_test(test_write_report),
		cmocka_unit_test(test_texts),
	};

	setenv("TZ", "UTC", 1); /* smsd wrote the fixtures in UTC; local times are written in TZ */
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
