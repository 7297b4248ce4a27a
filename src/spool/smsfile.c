/*
 * The smstools3 message file format: parse what anyone drops into
 * outgoing/, write sent/, failed/ and incoming/ files the way smsd 3.1.21
 * writes them (fixtures in tests/vectors/smstools3/, made by running it).
 */
#include "smsfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define REASON_QUOTE_MAX 40 /* bytes of an offending value quoted in a reason */

/* ---- small helpers -------------------------------------------------------- */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Case-insensitive: s[0..n) equals the NUL-terminated word. */
static bool eq_word(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n && word[i]; i++)
		if (lower((unsigned char)s[i]) != lower((unsigned char)word[i]))
			return false;
	return i == n && word[i] == '\0';
}

/* Case-insensitive: s[0..n) begins with the word. */
static bool starts_word(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; word[i]; i++)
		if (i >= n || lower((unsigned char)s[i]) != lower((unsigned char)word[i]))
			return false;
	return true;
}

static void reason_set(struct smsfile_msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reason_set(struct smsfile_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(m->reason, sizeof(m->reason), fmt, ap); /* a cut reason is still a reason */
	va_end(ap);
}

/* A value fit to quote in a one-line reason: printable ASCII only, cut. */
static void quote(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == REASON_QUOTE_MAX) {
			dst[o++] = '.';
			dst[o++] = '.';
			dst[o++] = '.';
			break;
		}
		dst[o++] = (c < 0x20 || c >= 0x7f || c == '"') ? '?' : (char)c;
	}
	dst[o] = '\0';
}

static int invalid_value(struct smsfile_msg *m, const struct smsfile_header *h, const char *what)
{
	char q[REASON_QUOTE_MAX + 4];

	quote(q, sizeof(q), h->value, h->value_len);
	reason_set(m, "invalid %.*s \"%s\"%s", (int)h->name_len, h->name, q, what);
	return -EINVAL;
}

/* ---- header values -------------------------------------------------------- */

/* smsd's yesno(): 1/y/t/on is yes. Its other words mean no; we take only
 * the usual ones (0/n/f/off) and refuse the rest rather than guess. */
static int parse_bool(const char *v, size_t n)
{
	if (n == 0)
		return -1;
	switch (lower((unsigned char)v[0])) {
	case '1': case 'y': case 't':
		return 1;
	case '0': case 'n': case 'f':
		return 0;
	case 'o':
		if (n >= 2 && lower((unsigned char)v[1]) == 'n')
			return 1;
		if (n >= 3 && lower((unsigned char)v[1]) == 'f' && lower((unsigned char)v[2]) == 'f')
			return 0;
		return -1;
	default:
		return -1;
	}
}

/* Digits only, at most 9 of them. Returns the value or -1. */
static long parse_uint(const char *v, size_t n)
{
	long x = 0;

	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(v[i]))
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/* smsd's parse_validity(): a bare number 0..255 is the TP-VP itself;
 * "N unit" (unit min, hour, day, week, month, year; N defaults to 1) is
 * rounded down to the nearest TP-VP the way smsd does. "max" is ours:
 * 255, 63 weeks. Returns the TP-VP or -1. */
static int parse_validity(const char *v, size_t n)
{
	static const char *const units[] = { "min", "hour", "day", "week", "month", "year" };
	size_t i = 0, d;
	long num = 1;
	int unit = -1;

	if (eq_word(v, n, "max"))
		return 255;
	while (i < n && is_digit(v[i]))
		i++;
	d = i;
	if (d == n)
		return (num = parse_uint(v, n)) >= 0 && num <= 255 ? (int)num : -1;
	if (d > 0 && (num = parse_uint(v, d)) < 0)
		return -1;
	while (i < n && is_blank(v[i]))
		i++;
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++)
		if (starts_word(v + i, n - i, units[u]))
			unit = (int)u;
	if (unit < 0)
		return -1;
	for (size_t k = i; k < n; k++) /* "3 days", "2 Weeks": letters only after the number */
		if (!((v[k] >= 'a' && v[k] <= 'z') || (v[k] >= 'A' && v[k] <= 'Z')))
			return -1;
	if (num <= 0)
		return -1; /* smsd ignores "0 hour": we say so */

	/* TS 23.040 9.2.3.12.1 relative format, rounded down as smsd rounds */
	for (;;) {
		switch (unit) {
		case 0: /* minutes: 0..143 are (vp + 1) * 5 min */
			if (num <= 720)
				return num < 5 ? 0 : (int)(num / 5 - 1);
			num /= 60;
			unit = 1;
			continue;
		case 1: /* hours: 144..167 are 12 h + (vp - 143) * 30 min */
			if (num <= 12) {
				num *= 60;
				unit = 0;
				continue;
			}
			if (num <= 24)
				return (int)((num - 12) * 2 + 143);
			num /= 24;
			unit = 2;
			continue;
		case 2: /* days: 168..196 are (vp - 166) days */
			if (num < 2) {
				num = 24;
				unit = 1;
				continue;
			}
			if (num <= 34)
				return num <= 30 ? (int)(num + 166) : 30 + 166;
			num /= 7;
			unit = 3;
			continue;
		case 3: /* weeks: 197..255 are (vp - 192) weeks */
			if (num < 5) {
				num *= 7;
				unit = 2;
				continue;
			}
			return num <= 63 ? (int)(num + 192) : 255;
		case 4: /* months, as smsd counts them */
			num = num == 12 ? 365 : num * 30;
			unit = 2;
			continue;
		default: /* years */
			if (num == 1) {
				num = 52;
				unit = 3;
				continue;
			}
			return 255;
		}
	}
}

/* smsd's To: rules. "+49..." and "0049..." are international, bare digits
 * too ("international format without the leading +"); "0..." (one zero:
 * no E.164 number starts so) is national; "s..." is a short number
 * (TOA unknown). Spaces, tabs and '-' may group digits ("358 12 345
 * 6789"). To_TOA: overrides the type. Anything else is refused. */
static int parse_number(struct sms_address *a, const char *v, size_t n, int to_toa)
{
	char num[SMS_ADDR_DIGITS_MAX + 2];
	size_t i = 0, k = 0;
	bool intl, national = false;

	if (n > 0 && v[0] == 's') {
		intl = false;
		i = 1;
	} else if (n > 0 && v[0] == '+') {
		intl = true;
		i = 1;
	} else if (n > 1 && v[0] == '0' && v[1] == '0') {
		intl = true;
		i = 2;
	} else if (n > 0 && v[0] == '0') {
		intl = false;
		national = true;
	} else {
		intl = true;
	}
	if (to_toa >= 0) {
		intl = to_toa == 1;
		national = to_toa == 2;
	}
	if (intl)
		num[k++] = '+';
	for (; i < n; i++) {
		if (is_digit(v[i])) {
			if (k >= sizeof(num) - 1)
				return -EINVAL;
			num[k++] = v[i];
		} else if ((is_blank(v[i]) || v[i] == '-') && k > (intl ? 1u : 0u) && i + 1 < n && is_digit(v[i + 1])) {
			continue; /* a group separator between digits */
		} else {
			return -EINVAL;
		}
	}
	num[k] = '\0';
	if (sms_address_parse(a, num) < 0)
		return -EINVAL;
	if (national)
		a->toa = 0xA1; /* TON 2 national, NPI 1 */
	return 0;
}

/* ---- the body ------------------------------------------------------------- */

/* ISO-8859-15 0xA0..0xBF differs from Latin-1 in eight places. */
static uint32_t latin9(unsigned char c)
{
	switch (c) {
	case 0xA4: return 0x20AC; /* € */
	case 0xA6: return 0x0160; /* Š */
	case 0xA8: return 0x0161; /* š */
	case 0xB4: return 0x017D; /* Ž */
	case 0xB8: return 0x017E; /* ž */
	case 0xBC: return 0x0152; /* Œ */
	case 0xBD: return 0x0153; /* œ */
	case 0xBE: return 0x0178; /* Ÿ */
	default:   return c;
	}
}

/* Text may hold TAB, LF, CR, but no other C0/C1 control character. */
static bool is_control(uint32_t cp)
{
	return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7f && cp < 0xa0);
}

static int bad_control(struct smsfile_msg *m, uint32_t cp, size_t at)
{
	if (cp == 0)
		reason_set(m, "NUL byte in the text at byte %zu", at);
	else
		reason_set(m, "control character U+%04X in the text at byte %zu", (unsigned)cp, at);
	return -EINVAL;
}

static int no_room(struct smsfile_msg *m)
{
	reason_set(m, "text buffer too small");
	return -ENOBUFS;
}

/* Appends cp as UTF-8 to the text (one byte kept for the NUL). */
static int text_put(struct smsfile_msg *m, size_t cap, uint32_t cp)
{
	int r = utf8_put(m->text + m->text_len, cap - m->text_len - 1, cp);

	if (r == -ENOBUFS)
		return no_room(m);
	if (r < 0) {
		reason_set(m, "character U+%04X cannot be written as UTF-8", (unsigned)cp);
		return -EINVAL;
	}
	m->text_len += (size_t)r;
	return 0;
}

/* smsd trims trailing blanks and line ends (trim_text = yes, its default)
 * and Ctrl-Z (DOS EOF) from 8-bit texts, unless the text would be empty. */
static size_t trimmed_len(const char *s, size_t n)
{
	size_t k = n;

	while (k > 0 && s[k - 1] == 0x1a)
		k--;
	while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t' || s[k - 1] == '\n' || s[k - 1] == '\r'))
		k--;
	return k > 0 ? k : n;
}

/* No Alphabet, ISO, UTF-8. smsd (outgoing_utf8 = yes, its default) takes
 * UTF-8 even when the file says ISO: sendsms writes the shell's UTF-8
 * text with no Alphabet header. A body that is valid UTF-8 is read as
 * UTF-8, any other as ISO-8859-15; with Alphabet: UTF-8 it must be UTF-8. */
static int body_8bit(struct smsfile_msg *m, size_t cap)
{
	const char *b = m->body;
	size_t n = trimmed_len(m->body, m->body_len);
	int r;

	if (m->alphabet == SMSFILE_ALPHA_UTF8 || utf8_validate(b, n, NULL) == 0) {
		size_t pos = 0;
		uint32_t cp;

		m->body_was_utf8 = true;
		while (pos < n) {
			size_t at = pos;

			if (utf8_next(b, n, &pos, &cp) < 0) {
				reason_set(m, "text is not valid UTF-8 at byte %zu", pos);
				return -EINVAL;
			}
			if (is_control(cp))
				return bad_control(m, cp, at);
			if ((r = text_put(m, cap, cp)) < 0)
				return r;
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++) { /* ISO-8859-15, one byte a character */
		uint32_t cp = latin9((unsigned char)b[i]);

		if (is_control(cp))
			return bad_control(m, cp, i);
		if ((r = text_put(m, cap, cp)) < 0)
			return r;
	}
	return 0;
}

/* Alphabet: GSM: smsd sends the bytes as septets, unconverted. */
static int body_gsm(struct smsfile_msg *m, size_t cap)
{
	uint8_t septets[256];
	size_t done = 0;

	while (done < m->body_len) {
		size_t k = 0;
		ssize_t r;

		while (k < sizeof(septets) && done + k < m->body_len) {
			unsigned char c = (unsigned char)m->body[done + k];

			if (c > 0x7f) {
				reason_set(m, "byte 0x%02X at byte %zu is not in the GSM 7-bit alphabet", c, done + k);
				return -EINVAL;
			}
			septets[k++] = c;
		}
		/* never split an escape pair across two conversions */
		if (done + k < m->body_len && septets[k - 1] == GSM7_ESC) {
			size_t esc = 0;

			while (esc < k && septets[k - 1 - esc] == GSM7_ESC)
				esc++;
			if (esc % 2 == 1)
				k--;
		}
		r = gsm7_to_utf8(m->text + m->text_len, cap - m->text_len, septets, k);
		if (r < 0)
			return no_room(m);
		m->text_len += (size_t)r;
		done += k;
	}
	return 0;
}

/* Alphabet: UCS2: UTF-16BE; smstools3's scripts write it with iconv -t UNICODEBIG. */
static int body_ucs2(struct smsfile_msg *m, size_t cap)
{
	const unsigned char *b = (const unsigned char *)m->body;
	size_t n = m->body_len, i = 0;
	int r;

	if (n % 2) {
		reason_set(m, "UCS-2 text has an odd number of bytes (%zu)", n);
		return -EINVAL;
	}
	if (n >= 2 && b[0] == 0xfe && b[1] == 0xff)
		i = 2; /* byte order mark */
	else if (n >= 2 && b[0] == 0xff && b[1] == 0xfe) {
		reason_set(m, "UCS-2 text is little-endian (starts with FF FE); it must be big-endian");
		return -EINVAL;
	}
	for (; i < n; i += 2) {
		uint32_t cp = (uint32_t)b[i] << 8 | b[i + 1];
		size_t at = i;

		if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < n) {
			uint32_t lo = (uint32_t)b[i + 2] << 8 | b[i + 3];

			if (lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		if (cp >= 0xd800 && cp <= 0xdfff) {
			reason_set(m, "UCS-2 text has a lone surrogate at byte %zu", at);
			return -EINVAL;
		}
		if (is_control(cp))
			return bad_control(m, cp, at);
		if ((r = text_put(m, cap, cp)) < 0)
			return r;
	}
	return 0;
}

/* ---- the file ------------------------------------------------------------- */

enum known {
	K_TO, K_TO_TOA, K_FLASH, K_ALPHABET, K_REPORT, K_PRIORITY, K_VALIDITY, K_AUTOSPLIT,
	K_COUNT
};

static const char *const known_names[K_COUNT] = {
	[K_TO] = "To", [K_TO_TOA] = "To_TOA", [K_FLASH] = "Flash", [K_ALPHABET] = "Alphabet",
	[K_REPORT] = "Report", [K_PRIORITY] = "Priority", [K_VALIDITY] = "Validity",
	[K_AUTOSPLIT] = "Autosplit",
};

/* smstools3 headers that would make smsd send something other than the
 * text as written; ignoring them would send the wrong thing. */
static const struct {
	const char *name;
	bool unless_no;  /* accepted when its value is a no */
} unsupported[] = {
	{ "Binary", true }, { "Hex", true }, { "Voicecall", true }, { "Text_is_pdu", true },
	{ "System_message", true }, { "Ping", true }, { "Include", false }, { "Macro", false },
	{ "UDH-DATA", false }, { "UDH-DUMP", false },
};

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-';
}

/* Splits one header line (CR already cut) into name and value. */
static int header_split(struct smsfile_msg *m, struct smsfile_header *h, const char *line, size_t n,
			unsigned lineno)
{
	size_t i = 0, e;

	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)line[k];

		if (c == 0) {
			reason_set(m, "NUL byte in header line %u", lineno);
			return -EINVAL;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			reason_set(m, "control character 0x%02X in header line %u", c, lineno);
			return -EINVAL;
		}
	}
	while (i < n && name_char(line[i]))
		i++;
	if (i == 0 || i >= n || line[i] != ':') {
		reason_set(m, "header line %u is not \"Name: value\"", lineno);
		return -EINVAL;
	}
	h->line = line;
	h->line_len = n;
	h->name = line;
	h->name_len = i;
	i++;
	while (i < n && is_blank(line[i]))
		i++;
	e = n;
	while (e > i && is_blank(line[e - 1]))
		e--;
	h->value = line + i;
	h->value_len = e - i;
	return 0;
}

/* Reads the header block; sets m->body. */
static int read_headers(struct smsfile_msg *m, const char *buf, size_t len, const struct smsfile_header *known[K_COUNT])
{
	size_t pos = 0;
	unsigned lineno = 0;

	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3; /* a UTF-8 byte order mark, as smsd skips it */
	while (pos < len) {
		const char *line = buf + pos;
		size_t left = len - pos, n = 0, next;
		const char *nl = memchr(line, '\n', left < SMSFILE_LINE_MAX + 2 ? left : SMSFILE_LINE_MAX + 2);
		struct smsfile_header *h;
		size_t k;
		int r;

		lineno++;
		if (nl) {
			n = (size_t)(nl - line);
			next = pos + n + 1;
		} else if (left > SMSFILE_LINE_MAX + 1) {
			reason_set(m, "header line %u is longer than %d bytes", lineno, SMSFILE_LINE_MAX);
			return -EINVAL;
		} else {
			n = left; /* the last line has no line ending: no body */
			next = len;
		}
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n > SMSFILE_LINE_MAX) {
			reason_set(m, "header line %u is longer than %d bytes", lineno, SMSFILE_LINE_MAX);
			return -EINVAL;
		}
		for (k = 0; k < n && is_blank(line[k]); k++)
			;
		if (k == n) { /* blank: the body follows */
			m->body = buf + next;
			m->body_len = len - next;
			return 0;
		}
		if (m->nheaders == SMSFILE_HEADERS_MAX) {
			reason_set(m, "more than %d header lines", SMSFILE_HEADERS_MAX);
			return -EINVAL;
		}
		h = &m->headers[m->nheaders];
		if ((r = header_split(m, h, line, n, lineno)) < 0)
			return r;
		m->nheaders++;
		for (int i = 0; i < K_COUNT; i++)
			if (eq_word(h->name, h->name_len, known_names[i]))
				known[i] = h; /* the last one counts, as in smsd */
		for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
			if (eq_word(h->name, h->name_len, unsupported[i].name) &&
			    (!unsupported[i].unless_no || parse_bool(h->value, h->value_len) != 0)) {
				reason_set(m, "%s: is not supported", unsupported[i].name);
				return -EINVAL;
			}
		pos = next;
	}
	m->body = buf + len;
	m->body_len = 0;
	return 0;
}

static int read_alphabet(struct smsfile_msg *m, const struct smsfile_header *h)
{
	if (!h) {
		m->alphabet = SMSFILE_ALPHA_NONE;
		return 0;
	}
	/* smsd reads the first three letters */
	if (starts_word(h->value, h->value_len, "gsm"))
		m->alphabet = SMSFILE_ALPHA_GSM;
	else if (starts_word(h->value, h->value_len, "iso") || starts_word(h->value, h->value_len, "lat") ||
		 starts_word(h->value, h->value_len, "ans"))
		m->alphabet = SMSFILE_ALPHA_ISO;
	else if (starts_word(h->value, h->value_len, "utf"))
		m->alphabet = SMSFILE_ALPHA_UTF8;
	else if (starts_word(h->value, h->value_len, "ucs") || starts_word(h->value, h->value_len, "uni") ||
		 starts_word(h->value, h->value_len, "chi"))
		m->alphabet = SMSFILE_ALPHA_UCS2;
	else if (starts_word(h->value, h->value_len, "bin")) {
		reason_set(m, "binary messages are not supported");
		return -EINVAL;
	} else
		return invalid_value(m, h, "");
	return 0;
}

static int read_fields(struct smsfile_msg *m, const struct smsfile_header *known[K_COUNT])
{
	const struct smsfile_header *h;
	int to_toa = -1, b;

	if ((h = known[K_TO_TOA])) {
		if (eq_word(h->value, h->value_len, "unknown"))
			to_toa = 0;
		else if (eq_word(h->value, h->value_len, "international"))
			to_toa = 1;
		else if (eq_word(h->value, h->value_len, "national"))
			to_toa = 2;
		else
			return invalid_value(m, h, " (unknown, international, national)");
	}
	if (!(h = known[K_TO])) {
		reason_set(m, "no To: header");
		return -EINVAL;
	}
	if (h->value_len == 0) {
		reason_set(m, "empty To: header");
		return -EINVAL;
	}
	if (parse_number(&m->to, h->value, h->value_len, to_toa) < 0) {
		char q[REASON_QUOTE_MAX + 4];

		quote(q, sizeof(q), h->value, h->value_len);
		reason_set(m, "invalid number \"%s\"", q);
		return -EINVAL;
	}
	if ((h = known[K_FLASH])) {
		if ((b = parse_bool(h->value, h->value_len)) < 0)
			return invalid_value(m, h, " (yes or no)");
		m->flash = b;
	}
	if ((h = known[K_REPORT])) {
		if ((b = parse_bool(h->value, h->value_len)) < 0)
			return invalid_value(m, h, " (yes or no)");
		m->report = b;
	}
	if ((h = known[K_PRIORITY])) {
		/* smsd: "high" or a yes is high; we also take the words for normal */
		if (eq_word(h->value, h->value_len, "high") || parse_bool(h->value, h->value_len) == 1)
			m->priority_high = true;
		else if (!(eq_word(h->value, h->value_len, "normal") || eq_word(h->value, h->value_len, "low") ||
			   parse_bool(h->value, h->value_len) == 0))
			return invalid_value(m, h, " (high or normal)");
	}
	if ((h = known[K_VALIDITY])) {
		int vp = parse_validity(h->value, h->value_len);

		if (vp < 0)
			return invalid_value(m, h, " (0..255, max, or a number of min, hour, day, week, month, year)");
		m->has_validity = true;
		m->validity_vp = (uint8_t)vp;
		m->validity_minutes = sms_vp_to_minutes((uint8_t)vp);
	}
	if ((h = known[K_AUTOSPLIT])) {
		long v = parse_uint(h->value, h->value_len);

		if (v < 0 || v > 3)
			return invalid_value(m, h, " (0..3)");
		m->autosplit = (unsigned)v;
	}
	return read_alphabet(m, known[K_ALPHABET]);
}

int smsfile_parse(struct smsfile_msg *m, const char *buf, size_t len, char *text, size_t textcap)
{
	const struct smsfile_header *known[K_COUNT] = { 0 };
	struct sms_plan plan;
	size_t bad;
	int r;

	memset(m, 0, sizeof(*m));
	m->report = -1;
	m->autosplit = 3;
	m->text = text;
	if (!text || textcap == 0)
		return no_room(m);
	text[0] = '\0';
	if (len == 0 || !buf) {
		reason_set(m, "empty file");
		return -EINVAL;
	}
	if ((r = read_headers(m, buf, len, known)) < 0)
		return r;
	if ((r = read_fields(m, known)) < 0)
		return r;

	switch (m->alphabet) {
	case SMSFILE_ALPHA_GSM:
		r = body_gsm(m, textcap);
		break;
	case SMSFILE_ALPHA_UCS2:
		r = body_ucs2(m, textcap);
		m->plan_flags = SMS_PLAN_FORCE_UCS2; /* smsd sends it as UCS-2 as written */
		break;
	default:
		r = body_8bit(m, textcap);
		break;
	}
	if (r < 0)
		return r;
	text[m->text_len] = '\0';

	/* Autosplit 1 and 2 (plain or "1/3"-numbered parts) are sent
	 * concatenated like 3; 0 means one SMS only: a longer text is
	 * refused, never cut. */
	m->max_parts = m->autosplit == 0 ? 1 : SMS_CONCAT_MAX;
	r = sms_plan_text(&plan, m->text, m->text_len, m->plan_flags, m->max_parts, &bad);
	m->enc = plan.enc;
	m->nparts = plan.nparts;
	if (r == -EMSGSIZE) {
		if (m->autosplit == 0)
			reason_set(m, "text needs %u SMS but Autosplit: 0 allows one", plan.nparts);
		else
			reason_set(m, "text needs %u SMS, more than %d", plan.nparts, SMS_CONCAT_MAX);
		return -EINVAL;
	}
	if (r < 0) {
		reason_set(m, "text is not valid at byte %zu", bad); /* unreachable: checked above */
		return -EINVAL;
	}
	return 0;
}

/* ---- writers -------------------------------------------------------------- */

struct out {
	char *p;
	size_t cap, len;
	int err;
};

static void out_put(struct out *o, const void *s, size_t n)
{
	if (o->err || n == 0)
		return;
	if (n > o->cap - o->len) {
		o->err = -ENOBUFS;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o->err)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (r < 0)
		o->err = -EINVAL;
	else if ((size_t)r >= o->cap - o->len)
		o->err = -ENOBUFS;
	else
		o->len += (size_t)r;
}

/* A header value must stay on its line. */
static bool field_ok(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool given(const char *s)
{
	return s && *s;
}

/* "Name: value\n", left out when the value is NULL or empty. */
static void out_field(struct out *o, const char *name, const char *value)
{
	if (!given(value))
		return;
	if (!field_ok(value)) {
		o->err = -EINVAL;
		return;
	}
	out_printf(o, "%s: %s\n", name, value);
}

static void out_date(struct out *o, const char *name, time_t t)
{
	char d[SMSFILE_DATE_MAX];

	if (smsfile_date(d, sizeof(d), t) < 0) {
		o->err = -EINVAL;
		return;
	}
	out_printf(o, "%s: %s\n", name, d);
}

/* The SC's wall clock as the PDU gave it: smsd prints its digits. */
static void out_sctime(struct out *o, const char *name, const struct sms_time *t)
{
	if (!t->present)
		return;
	out_printf(o, "%s: %02d-%02d-%02d %02d:%02d:%02d\n", name, ((t->year % 100) + 100) % 100,
		   t->month % 100, t->day % 100, t->hour % 100, t->minute % 100, t->second % 100);
}

static ssize_t out_end(struct out *o)
{
	return o->err ? o->err : (ssize_t)o->len;
}

static void out_headers(struct out *o, const struct smsfile_msg *m)
{
	for (size_t i = 0; i < m->nheaders && i < SMSFILE_HEADERS_MAX; i++) {
		out_put(o, m->headers[i].line, m->headers[i].line_len);
		out_put(o, "\n", 1);
	}
}

int smsfile_date(char *dst, size_t cap, time_t t)
{
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -EINVAL;
	if (cap < SMSFILE_DATE_MAX)
		return -ENOBUFS;
	/* smsd's default datetime_format, "%y-%m-%d %H:%M:%S" */
	if (snprintf(dst, cap, "%02d-%02d-%02d %02d:%02d:%02d", tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday,
		     tm.tm_hour, tm.tm_min, tm.tm_sec) != SMSFILE_DATE_MAX - 1)
		return -EINVAL;
	return SMSFILE_DATE_MAX - 1;
}

ssize_t smsfile_write_sent(char *dst, size_t cap, const struct smsfile_msg *m, const struct smsfile_sent *s)
{
	struct out o = { dst, cap, 0, 0 };

	/* smsd 3.1.21: Modem, Sent, Sending_time, Message_id, IMSI, IMEI */
	out_headers(&o, m);
	out_field(&o, "Modem", s->modem);
	out_date(&o, "Sent", s->sent);
	if (s->sending_time >= 0)
		out_printf(&o, "Sending_time: %ld\n", s->sending_time);
	if (s->message_id >= 0)
		out_printf(&o, "Message_id: %d\n", s->message_id);
	out_field(&o, "IMSI", s->imsi);
	out_field(&o, "IMEI", s->imei);
	out_put(&o, "\n", 1);
	out_put(&o, m->body, m->body_len);
	return out_end(&o);
}

static void out_failed(struct out *o, const struct smsfile_failed *f)
{
	/* smsd 3.1.21: Modem, IMSI, IMEI, Fail_reason, Failed, PDU */
	out_field(o, "Modem", f->modem);
	out_field(o, "IMSI", f->imsi);
	out_field(o, "IMEI", f->imei);
	out_field(o, "Fail_reason", given(f->reason) ? f->reason : "unknown");
	out_date(o, "Failed", f->failed);
	out_field(o, "PDU", f->pdu_hex);
}

ssize_t smsfile_write_failed(char *dst, size_t cap, const struct smsfile_msg *m, const struct smsfile_failed *f)
{
	struct out o = { dst, cap, 0, 0 };

	out_headers(&o, m);
	out_failed(&o, f);
	out_put(&o, "\n", 1);
	out_put(&o, m->body, m->body_len);
	return out_end(&o);
}

ssize_t smsfile_write_failed_raw(char *dst, size_t cap, const char *orig, size_t len, const struct smsfile_failed *f)
{
	struct out o = { dst, cap, 0, 0 };

	out_failed(&o, f);
	out_put(&o, orig, len);
	return out_end(&o);
}

int smsfile_toa_text(char *dst, size_t cap, uint8_t toa)
{
	static const char *const ton[8] = {
		"unknown", "international", "national", "network specific",
		"subsciber", /* sic: smsd's spelling, which scripts may match */
		"alphanumeric", "abbreviated", "reserved",
	};
	const char *npi;
	int r;

	switch (toa & 0x0f) {
	case 0:  npi = "unknown"; break;
	case 1:  npi = "ISDN/telephone"; break;
	case 3:  npi = "data"; break;
	case 4:  npi = "telex"; break;
	case 8:  npi = "national"; break;
	case 9:  npi = "private"; break;
	case 10: npi = "ERMES"; break;
	default: npi = ton[(toa >> 4) & 7]; break; /* smsd repeats the type word */
	}
	r = snprintf(dst, cap, "%02X %s, %s", toa, ton[(toa >> 4) & 7], npi);
	if (r < 0 || (size_t)r >= cap)
		return -ENOBUFS;
	return r;
}

const char *smsfile_status_text(uint8_t st)
{
	static const char *const text[128] = {
		[0] = "Ok,short message received by the SME",
		[1] = "Ok,short message forwarded by the SC to the SME but the SC is unable to confirm delivery",
		[2] = "Ok,short message replaced by the SC",
		[32] = "Still trying,congestion",
		[33] = "Still trying,SME busy",
		[34] = "Still trying,no response sendr SME", /* sic, as smsd writes it */
		[35] = "Still trying,service rejected",
		[36] = "Still trying,quality of service not available",
		[37] = "Still trying,error in SME",
		[64] = "Error,remote procedure error",
		[65] = "Error,incompatible destination",
		[66] = "Error,connection rejected by SME",
		[67] = "Error,not obtainable",
		[68] = "Error,quality of service not available",
		[69] = "Error,no interworking available",
		[70] = "Error,SM validity period expired",
		[71] = "Error,SM deleted by originating SME",
		[72] = "Error,SM deleted by SC administration",
		[73] = "Error,SM does not exist",
		[96] = "Error,congestion",
		[97] = "Error,SME busy",
		[98] = "Error,no response sendr SME",
		[99] = "Error,service rejected",
		[100] = "Error,quality of service not available",
		[101] = "Error,error in SME",
	};

	if (st < 128 && text[st])
		return text[st];
	if (st >= 48 && st <= 63) /* TS 23.040 9.2.3.15: values specific to each SC */
		return "Temporary error, SC specific, unknown";
	if ((st >= 80 && st <= 95) || (st >= 112 && st <= 127))
		return "Permanent error, SC specific, unknown";
	return "unknown";
}

/* From, From_TOA, From_SMSC, Sent, Received, Subject, Modem, IMSI, IMEI, Report */
static void out_received(struct out *o, const struct sms_address *from, const struct sms_address *smsc,
			 const struct sms_time *sent, time_t received, const char *modem, const char *imsi,
			 const char *imei, bool report)
{
	char toa[SMSFILE_TOA_TEXT_MAX];
	const char *num = from->str[0] == '+' ? from->str + 1 : from->str;

	if (!field_ok(from->str) || memchr(from->str, '\0', sizeof(from->str)) == NULL) {
		o->err = -EINVAL;
		return;
	}
	out_printf(o, "From: %s\n", num);
	if (smsfile_toa_text(toa, sizeof(toa), from->toa) < 0)
		o->err = -EINVAL;
	out_printf(o, "From_TOA: %s\n", toa);
	if (smsc && smsc->str[0] && memchr(smsc->str, '\0', sizeof(smsc->str)))
		out_field(o, "From_SMSC", smsc->str[0] == '+' ? smsc->str + 1 : smsc->str);
	out_sctime(o, "Sent", sent);
	out_date(o, "Received", received);
	out_field(o, "Subject", modem);
	out_field(o, "Modem", modem);
	out_field(o, "IMSI", imsi);
	out_field(o, "IMEI", imei);
	out_printf(o, "Report: %s\n", report ? "yes" : "no");
}

ssize_t smsfile_write_incoming(char *dst, size_t cap, const struct smsfile_incoming *in)
{
	struct out o = { dst, cap, 0, 0 };
	size_t pos = 0, chars = 0;
	uint32_t cp;

	if (in->text_len && !in->text)
		return -EINVAL;
	while (pos < in->text_len) { /* Length: counts characters */
		if (utf8_next(in->text, in->text_len, &pos, &cp) < 0 || cp == 0)
			return -EINVAL;
		chars++;
	}
	out_received(&o, &in->from, in->smsc, &in->sent, in->received, in->modem, in->imsi, in->imei,
		     in->report);
	if (in->flash)
		out_printf(&o, "Flash: yes\n");
	/* What smsd writes for a text it stored as UTF-8 (incoming_utf8 = yes):
	 * scripts that look at Alphabet: then read the body right. */
	out_printf(&o, "Alphabet: UTF-8\nLength: %zu\n\n", chars);
	out_put(&o, in->text, in->text_len);
	return out_end(&o);
}

ssize_t smsfile_write_report(char *dst, size_t cap, const struct smsfile_report *r)
{
	static const struct sms_time none = { 0 };
	struct out o = { dst, cap, 0, 0 };
	char body[256];
	struct out b = { body, sizeof(body), 0, 0 };
	const struct sms_time *d = &r->discharge;

	out_printf(&b, "SMS STATUS REPORT\nMessage_id: %u\nDischarge_timestamp: ", r->message_id);
	if (d->present)
		out_printf(&b, "%02d-%02d-%02d %02d:%02d:%02d", ((d->year % 100) + 100) % 100, d->month % 100,
			   d->day % 100, d->hour % 100, d->minute % 100, d->second % 100);
	out_printf(&b, "\nStatus: %u,%s", r->status, smsfile_status_text(r->status));
	if (b.err)
		return b.err;

	out_received(&o, &r->recipient, r->smsc, r->scts.present ? &r->scts : &none, r->received, r->modem,
		     r->imsi, r->imei, false);
	out_printf(&o, "Alphabet: UTF-8\nLength: %zu\nUDH: no\n\n", b.len);
	out_put(&o, body, b.len);
	return out_end(&o);
}

static bool starts_with(const char *s, size_t len, const char *prefix, size_t plen)
{
	return len >= plen && memcmp(s, prefix, plen) == 0;
}

bool smsfile_number_allowed(const char *num, size_t len, const char *prefixes, size_t stride, unsigned n)
{
	if (n == 0)
		return true;
	for (unsigned i = 0; i < n; i++) {
		const char *p = prefixes + (size_t)i * stride;
		size_t plen = strnlen(p, stride);

		if (plen == 0)
			continue;
		if (p[0] != '+') {
			if (starts_with(num, len, p, plen))
				return true;
			continue;
		}
		/* +CC: "+CC...", "00CC..." or "CC..." */
		if (starts_with(num, len, p, plen))
			return true;
		if (len >= 2 && num[0] == '0' && num[1] == '0' && starts_with(num + 2, len - 2, p + 1, plen - 1))
			return true;
		if (len && num[0] != '+' && num[0] != '0' && starts_with(num, len, p + 1, plen - 1))
			return true;
	}
	return false;
}
