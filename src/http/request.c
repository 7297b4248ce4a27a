#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "request.h"
#include "queue.h"
#include "smsfile.h"
#include "util.h"

int req_check_number(const char *s, size_t len, char *why, size_t whylen)
{
	size_t i = 0, digits = 0;

	if (len && s[0] == '+')
		i = 1;
	for (; i < len; i++, digits++) {
		if (s[i] < '0' || s[i] > '9') {
			snprintf(why, whylen, "invalid number: only digits and a leading '+' are allowed (found byte 0x%02X)",
				 (unsigned char)s[i]);
			return -EINVAL;
		}
	}
	if (digits == 0 || digits > SMS_ADDR_DIGITS_MAX) {
		snprintf(why, whylen, "invalid number: 1 to %d digits", SMS_ADDR_DIGITS_MAX);
		return -EINVAL;
	}
	return 0;
}

bool req_group_name_valid(const char *s, size_t len)
{
	if (len == 0 || len >= REQ_GROUP_NAME_SIZE || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < len; i++) {
		if (!name_char(s[i]))
			return false;
	}
	return true;
}

const struct req_group *req_group_find(const struct req_group *g, unsigned ngroups, const char *name, size_t len)
{
	for (unsigned i = 0; i < ngroups; i++) {
		if (strlen(g[i].name) == len && memcmp(g[i].name, name, len) == 0)
			return &g[i];
	}
	return NULL;
}

/* The digits that identify a number: an international one written with
 * '+', "00" or neither is the same number. */
static void number_key(const char *s, size_t len, const char **k, size_t *klen)
{
	if (len && s[0] == '+') {
		s++;
		len--;
	} else if (len >= 2 && s[0] == '0' && s[1] == '0') {
		s += 2;
		len -= 2;
	}
	*k = s;
	*klen = len;
}

static bool same_number(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ka, *kb;
	size_t la, lb;

	number_key(a, alen, &ka, &la);
	number_key(b, blen, &kb, &lb);
	return la == lb && memcmp(ka, kb, la) == 0;
}

int req_expand_groups(struct msg_req *m, const struct req_group *g, unsigned ngroups, char *why, size_t whylen)
{
	const char *to[REQ_RECIPIENTS_MAX];
	size_t to_len[REQ_RECIPIENTS_MAX];
	unsigned n = 0;

	for (unsigned i = 0; i < m->nto; i++) {
		const struct req_group *grp = NULL;
		unsigned count = 1;

		if (req_group_name_valid(m->to[i], m->to_len[i])) {
			grp = req_group_find(g, ngroups, m->to[i], m->to_len[i]);
			if (!grp) {
				snprintf(why, whylen, "unknown recipient group \"%.*s\" (no [group %.*s] in the config)",
					 (int)m->to_len[i], m->to[i], (int)m->to_len[i], m->to[i]);
				return -EINVAL;
			}
			count = grp->nmember;
		}
		for (unsigned k = 0; k < count; k++) {
			const char *s = grp ? grp->member[k] : m->to[i];
			size_t len = grp ? strlen(grp->member[k]) : m->to_len[i];
			bool dup = false;

			for (unsigned j = 0; j < n && !dup; j++)
				dup = same_number(to[j], to_len[j], s, len);
			if (dup)
				continue;
			if (n == REQ_RECIPIENTS_MAX) {
				snprintf(why, whylen, "more than %d recipients (groups included)", REQ_RECIPIENTS_MAX);
				return -EINVAL;
			}
			to[n] = s;
			to_len[n++] = len;
		}
	}
	memcpy(m->to, to, n * sizeof(to[0]));
	memcpy(m->to_len, to_len, n * sizeof(to_len[0]));
	m->nto = n;
	return 0;
}

#define FILE_HEAD_MAX 256 /* To:, Flash:, Report:, Priority:, Validity:, Alphabet: and the blank line */

char *req_build_file(const char *to, size_t to_len, const struct msg_req *m, size_t *len)
{
	/* UCS2: UTF-16BE is at most twice the UTF-8 bytes (ASCII). */
	size_t cap = (m->ucs2 ? 2 * m->text_len : m->text_len) + FILE_HEAD_MAX, n;
	char *buf;
	int k;

	if (to_len > SMS_ADDR_DIGITS_MAX + 1)
		return NULL;
	buf = malloc(cap);
	if (!buf)
		return NULL;
	k = snprintf(buf, cap, "To: %.*s\n%s%s%s", (int)to_len, to, m->flash ? "Flash: yes\n" : "",
		     m->report ? "Report: yes\n" : "", m->high ? "Priority: high\n" : "");
	n = (size_t)k;
	if (m->validity_min)
		n += (size_t)snprintf(buf + n, cap - n, "Validity: %lu min\n", m->validity_min);
	n += (size_t)snprintf(buf + n, cap - n, "Alphabet: %s\n\n", m->ucs2 ? "UCS2" : "UTF-8");
	if (m->ucs2) {
		/* The file carries the text as UTF-16BE, which forces UCS-2 on the air. */
		ssize_t u = ucs2_from_utf8((uint8_t *)buf + n, cap - n, m->text, m->text_len, NULL);

		if (u < 0) {
			free(buf);
			return NULL;
		}
		*len = n + (size_t)u;
		return buf;
	}
	memcpy(buf + n, m->text, m->text_len);
	*len = n + m->text_len;
	return buf;
}

int req_prepare(const struct msg_req *m, unsigned max_parts, struct msg_files *out, char *why, size_t whylen)
{
	struct smsfile_msg f;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (m->nto == 0 || m->nto > REQ_RECIPIENTS_MAX) {
		snprintf(why, whylen, "no recipient");
		return -EINVAL;
	}
	if (m->validity_min > REQ_VALIDITY_MAX_MIN) {
		snprintf(why, whylen, "validity above 63 weeks");
		return -EINVAL;
	}
	for (unsigned i = 0; i < m->nto && rc == 0; i++) {
		size_t cap;
		char *text;

		rc = req_check_number(m->to[i], m->to_len[i], why, whylen);
		if (rc < 0)
			break;
		out->data[i] = req_build_file(m->to[i], m->to_len[i], m, &out->len[i]);
		out->n = i + 1;
		if (!out->data[i]) {
			snprintf(why, whylen, "the text is not valid UTF-8");
			rc = -EINVAL;
			break;
		}
		/* Read back as the dispatcher will: what it refuses is refused here. */
		cap = SMSFILE_TEXT_CAP(out->len[i]);
		text = malloc(cap);
		if (!text) {
			snprintf(why, whylen, "out of memory");
			rc = -ENOMEM;
		} else if (smsfile_parse(&f, out->data[i], out->len[i], text, cap) < 0) {
			snprintf(why, whylen, "%s", f.reason);
			rc = -EINVAL;
		} else if (f.nparts > max_parts) {
			snprintf(why, whylen, "the text needs %u SMS parts; at most %u are allowed", f.nparts, max_parts);
			rc = -EINVAL;
		} else {
			out->parts = f.nparts;
			out->enc = f.enc;
		}
		free(text);
	}
	if (rc < 0)
		req_files_free(out);
	return rc;
}

void req_files_free(struct msg_files *out)
{
	for (unsigned i = 0; i < out->n; i++)
		free(out->data[i]);
	out->n = 0;
}

void req_free(struct msg_req *m)
{
	free(m->conv);
	m->conv = NULL;
}

/* ---- JSON ---------------------------------------------------------------- */

static bool get_bool(json_object *o, const char *key, bool *out, char *why, size_t whylen)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return true;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(why, whylen, "\"%s\" must be true or false", key);
		return false;
	}
	*out = json_object_get_boolean(v);
	return true;
}

int req_from_json(json_object *o, struct msg_req *m, char *why, size_t whylen)
{
	json_object *to, *text, *v;

	if (!json_object_is_type(o, json_type_object)) {
		snprintf(why, whylen, "the body must be a JSON object");
		return -EINVAL;
	}
	if (!json_object_object_get_ex(o, "to", &to)) {
		snprintf(why, whylen, "\"to\" is missing");
		return -EINVAL;
	}
	if (json_object_is_type(to, json_type_string)) {
		m->to[0] = json_object_get_string(to);
		m->to_len[0] = (size_t)json_object_get_string_len(to);
		m->nto = 1;
	} else if (json_object_is_type(to, json_type_array)) {
		size_t n = json_object_array_length(to);

		if (n == 0 || n > REQ_RECIPIENTS_MAX) {
			snprintf(why, whylen, "\"to\" takes 1 to %d numbers", REQ_RECIPIENTS_MAX);
			return -EINVAL;
		}
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(to, i);

			if (!json_object_is_type(e, json_type_string)) {
				snprintf(why, whylen, "\"to\" must hold strings");
				return -EINVAL;
			}
			m->to[i] = json_object_get_string(e);
			m->to_len[i] = (size_t)json_object_get_string_len(e);
		}
		m->nto = (unsigned)n;
	} else {
		snprintf(why, whylen, "\"to\" must be a string or an array of strings");
		return -EINVAL;
	}
	if (!json_object_object_get_ex(o, "text", &text) || !json_object_is_type(text, json_type_string)) {
		snprintf(why, whylen, "\"text\" is missing or not a string");
		return -EINVAL;
	}
	m->text = json_object_get_string(text);
	m->text_len = (size_t)json_object_get_string_len(text);
	if (!get_bool(o, "flash", &m->flash, why, whylen) || !get_bool(o, "report", &m->report, why, whylen))
		return -EINVAL;
	if (json_object_object_get_ex(o, "priority", &v) && !json_object_is_type(v, json_type_null)) {
		const char *pr = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

		if (strcmp(pr, "high") == 0) {
			m->high = true;
		} else if (strcmp(pr, "normal") != 0) {
			snprintf(why, whylen, "\"priority\" is \"normal\" or \"high\"");
			return -EINVAL;
		}
	}
	if (json_object_object_get_ex(o, "validity", &v) && !json_object_is_type(v, json_type_null)) {
		int64_t s = json_object_get_int64(v);

		if (!json_object_is_type(v, json_type_int) || s <= 0) {
			snprintf(why, whylen, "\"validity\" is a positive number of seconds");
			return -EINVAL;
		}
		if ((uint64_t)s > REQ_VALIDITY_MAX_MIN * 60) {
			snprintf(why, whylen, "validity above 63 weeks");
			return -EINVAL;
		}
		m->validity_min = (unsigned long)((s + 59) / 60);
	}
	if (json_object_object_get_ex(o, "id", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(why, whylen, "\"id\" must be a string");
			return -EINVAL;
		}
		m->client_id = json_object_get_string(v);
	}
	return 0;
}

/* ---- forms --------------------------------------------------------------- */

static bool form_yes(const struct form *f, const char *name)
{
	const struct form_param *p = form_get(f, name);

	return p && p->value_len && (p->value[0] == '1' || p->value[0] == 't' || p->value[0] == 'y');
}

/* A whole decimal number, nothing else. */
static bool form_ulong(const struct form_param *p, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!p->value_len)
		return false;
	for (size_t i = 0; i < p->value_len; i++) {
		unsigned long d = (unsigned long)(p->value[i] - '0');

		if (p->value[i] < '0' || p->value[i] > '9' || d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

int req_from_form(const struct form *f, struct msg_req *m, char *why, size_t whylen)
{
	const struct form_param *to = form_get(f, "to"), *text = form_get(f, "text"), *p;
	unsigned long secs;

	if (!to || !text) {
		snprintf(why, whylen, "\"to\" and \"text\" are required");
		return -EINVAL;
	}
	m->to[0] = to->value;
	m->to_len[0] = to->value_len;
	m->nto = 1;
	m->text = text->value;
	m->text_len = text->value_len;
	m->flash = form_yes(f, "flash");
	m->report = form_yes(f, "report");
	m->high = (p = form_get(f, "priority")) && p->value_len == 4 && memcmp(p->value, "high", 4) == 0;
	if ((p = form_get(f, "validity")) && p->value_len) {
		if (!form_ulong(p, REQ_VALIDITY_MAX_MIN * 60, &secs) || secs == 0) {
			snprintf(why, whylen, "\"validity\" is a positive number of seconds, at most 63 weeks");
			return -EINVAL;
		}
		m->validity_min = (secs + 59) / 60;
	}
	if ((p = form_get(f, "id")) && p->value_len)
		m->client_id = p->value;
	return 0;
}

/* ISO-8859-15 differs from Latin-1 in eight places. */
static uint32_t latin9(unsigned char c)
{
	switch (c) {
	case 0xA4: return 0x20AC;
	case 0xA6: return 0x0160;
	case 0xA8: return 0x0161;
	case 0xB4: return 0x017D;
	case 0xB8: return 0x017E;
	case 0xBC: return 0x0152;
	case 0xBD: return 0x0153;
	case 0xBE: return 0x0178;
	default: return c;
	}
}

enum kannel_charset { CS_UTF8, CS_UTF16BE, CS_LATIN1, CS_LATIN9, CS_UNKNOWN };

static enum kannel_charset charset_of(const struct form_param *p, bool ucs2)
{
	static const struct {
		const char *name;
		enum kannel_charset cs;
	} names[] = {
		{ "UTF-8", CS_UTF8 },          { "UTF8", CS_UTF8 },           { "UTF-16BE", CS_UTF16BE },
		{ "UTF-16", CS_UTF16BE },      { "UCS-2", CS_UTF16BE },       { "UCS-2BE", CS_UTF16BE },
		{ "UCS2", CS_UTF16BE },        { "ISO-8859-1", CS_LATIN1 },   { "ISO8859-1", CS_LATIN1 },
		{ "latin1", CS_LATIN1 },       { "ISO-8859-15", CS_LATIN9 },  { "ISO8859-15", CS_LATIN9 },
		{ "latin9", CS_LATIN9 },
	};

	/* Kannel: "UTF-8 if coding is 7 bits and UTF-16BE if coding is UCS-2". */
	if (!p || !p->value_len)
		return ucs2 ? CS_UTF16BE : CS_UTF8;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) == p->value_len && strncasecmp(p->value, names[i].name, p->value_len) == 0)
			return names[i].cs;
	}
	return CS_UNKNOWN;
}

int req_from_kannel(const struct form *f, struct msg_req *m, char *why, size_t whylen)
{
	const struct form_param *to = form_get(f, "to"), *text = form_get(f, "text"), *coding = form_get(f, "coding"),
				*mclass = form_get(f, "mclass"), *dlr = form_get(f, "dlr-mask"),
				*validity = form_get(f, "validity"), *priority = form_get(f, "priority");
	enum kannel_charset cs;
	unsigned long v;
	size_t i = 0;

	if (!to || !to->value_len) {
		snprintf(why, whylen, "Missing receiver number");
		return -EINVAL;
	}
	if (!text) {
		snprintf(why, whylen, "Missing text");
		return -EINVAL;
	}
	while (i < to->value_len) {
		size_t start;

		while (i < to->value_len && to->value[i] == ' ')
			i++;
		start = i;
		while (i < to->value_len && to->value[i] != ' ')
			i++;
		if (i == start)
			continue;
		if (m->nto == REQ_RECIPIENTS_MAX) {
			snprintf(why, whylen, "Too many receivers (at most %d)", REQ_RECIPIENTS_MAX);
			return -EINVAL;
		}
		m->to[m->nto] = to->value + start;
		m->to_len[m->nto++] = i - start;
	}
	if (m->nto == 0) {
		snprintf(why, whylen, "Empty receiver number not allowed");
		return -EINVAL;
	}
	if (coding && coding->value_len) {
		if (!form_ulong(coding, 2, &v)) {
			snprintf(why, whylen, "Invalid coding value (0, 1 or 2)");
			return -EINVAL;
		}
		m->ucs2 = v == 2;
	}
	m->text = text->value;
	m->text_len = text->value_len;
	cs = charset_of(form_get(f, "charset"), m->ucs2);
	if (cs == CS_UNKNOWN) {
		snprintf(why, whylen, "Unsupported charset (UTF-8, UTF-16BE, ISO-8859-1, ISO-8859-15)");
		return -EINVAL;
	}
	if (cs == CS_UTF16BE) {
		size_t cap = text->value_len * 2 + 4; /* 2 octets -> at most 3 bytes, a lone one -> U+FFFD */
		unsigned bad = 0;
		ssize_t n;

		m->conv = malloc(cap);
		if (!m->conv)
			return -ENOMEM;
		n = ucs2_to_utf8(m->conv, cap, (const uint8_t *)text->value, text->value_len, &bad);
		if (n < 0 || bad) {
			snprintf(why, whylen, "Invalid UTF-16 text");
			return -EINVAL;
		}
		m->text = m->conv;
		m->text_len = (size_t)n;
		m->ucs2 = true; /* a UTF-16 text goes out as UCS-2: nothing is lost to GSM 7-bit */
	} else if (cs == CS_LATIN1 || cs == CS_LATIN9) {
		size_t cap = text->value_len * 3 + 1, o = 0;

		m->conv = malloc(cap);
		if (!m->conv)
			return -ENOMEM;
		for (size_t k = 0; k < text->value_len; k++) {
			unsigned char c = (unsigned char)text->value[k];
			int w = utf8_put(m->conv + o, cap - o, cs == CS_LATIN9 ? latin9(c) : c);

			if (w < 0)
				return -ENOMEM;
			o += (size_t)w;
		}
		m->text = m->conv;
		m->text_len = o;
	}
	m->flash = mclass && mclass->value_len == 1 && mclass->value[0] == '0';
	m->report = dlr && form_ulong(dlr, 255, &v) && v > 0;
	m->high = priority && form_ulong(priority, 3, &v) && v > 0;
	if (validity && validity->value_len) {
		if (!form_ulong(validity, REQ_VALIDITY_MAX_MIN, &v)) {
			snprintf(why, whylen, "Invalid validity (minutes)");
			return -EINVAL;
		}
		m->validity_min = v;
	}
	return 0;
}

int req_check_allowed(const struct msg_req *m, const char *prefixes, size_t stride, unsigned nallow, char *why,
		      size_t whylen)
{
	for (unsigned i = 0; i < m->nto; i++) {
		if (!smsfile_number_allowed(m->to[i], m->to_len[i], prefixes, stride, nallow)) {
			snprintf(why, whylen, "number %.*s is not allowed (allow_prefixes)", (int)m->to_len[i], m->to[i]);
			return -EINVAL;
		}
	}
	return 0;
}

int req_client_file(const char *client_id, char *name, size_t n)
{
	size_t len = strlen(client_id);

	if (len == 0 || len > REQ_CLIENT_ID_MAX)
		return -EINVAL;
	if (n < 8 + 2 * len + 1)
		return -ENOBUFS;
	memcpy(name, "client-", 7);
	return hex_encode(name + 7, n - 7, (const uint8_t *)client_id, len) < 0 ? -ENOBUFS : 0;
}

/* ---- tokens and the legacy endpoints -------------------------------------- */

/* Constant time over the longer length: no early exit on the first mismatch. */
static bool token_equal(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b), n = alen > blen ? alen : blen;
	unsigned diff = (unsigned)(alen ^ blen);

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned)(unsigned char)(i < alen ? a[i] : 0) ^ (unsigned)(unsigned char)(i < blen ? b[i] : 0);
	return diff == 0;
}

static bool token_ok(const char (*tokens)[REQ_TOKEN_SIZE], unsigned ntokens, const char *t, size_t len)
{
	bool ok = false;

	for (unsigned i = 0; i < ntokens; i++)
		ok |= token_equal(t, len, tokens[i]);
	return ok;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* RFC 4648 section 4, padded; the length or -EINVAL, -ENOBUFS. */
static ssize_t b64_decode(uint8_t *dst, size_t dstlen, const char *src, size_t len)
{
	size_t o = 0;

	if (len % 4)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		unsigned pad = 0;

		for (unsigned k = 0; k < 4; k++) {
			if (src[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad || (v[k] = b64val(src[i + k])) < 0) {
				return -EINVAL;
			}
		}
		if (o + 3 - pad > dstlen)
			return -ENOBUFS;
		dst[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			dst[o++] = (uint8_t)(v[1] << 4 | v[2] >> 2);
		if (pad < 1)
			dst[o++] = (uint8_t)(v[2] << 6 | v[3]);
	}
	return (ssize_t)o;
}

#define BASIC_CREDENTIALS_MAX 512 /* "user:password" decoded */

bool req_authorized(const char (*tokens)[REQ_TOKEN_SIZE], unsigned ntokens, const char *authorization,
		    const struct form *f, bool kannel)
{
	const struct form_param *q;

	if (ntokens == 0)
		return true;
	if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0)
		return token_ok(tokens, ntokens, authorization + 7, strlen(authorization + 7));
	if (authorization && strncasecmp(authorization, "Basic ", 6) == 0) {
		/* Any user name: the token is the password. */
		uint8_t cred[BASIC_CREDENTIALS_MAX];
		const char *b = authorization + 6;
		ssize_t n;
		const uint8_t *colon;

		while (*b == ' ')
			b++;
		n = b64_decode(cred, sizeof(cred), b, strlen(b));
		colon = n > 0 ? memchr(cred, ':', (size_t)n) : NULL;
		return colon && token_ok(tokens, ntokens, (const char *)colon + 1, (size_t)(cred + n - colon - 1));
	}
	q = form_get(f, "token");
	if (!q && kannel)
		q = form_get(f, "password"); /* Kannel's clients carry it there */
	return q && token_ok(tokens, ntokens, q->value, q->value_len);
}

#define LEGACY_MISSING "The GET parameters \"message\" and/or \"phone\" are missing.\n"
#define LEGACY_WHY_MAX 160      /* the original CGI's sentence keeps the reason this short */
#define KANNEL_WHY_MAX 200

static void answer(struct legacy_answer *a, unsigned status, bool refused, const char *body)
{
	a->status = status;
	a->refused = refused;
	snprintf(a->body, sizeof(a->body), "%s", body);
}

void legacy_refuse(struct legacy_answer *a, enum legacy_endpoint ep, const char *why)
{
	a->status = 400;
	a->refused = true;
	if (ep == LEGACY_SMS)
		snprintf(a->body, sizeof(a->body), "Refused: %.*s.\n", LEGACY_WHY_MAX - 1, why);
	else
		snprintf(a->body, sizeof(a->body), "%.*s", KANNEL_WHY_MAX - 1, why);
}

int legacy_sms_request(const struct legacy_in *in, struct legacy_answer *a)
{
	bool get = strcmp(in->method, "GET") == 0 || strcmp(in->method, "HEAD") == 0;
	bool kannel = in->ep == LEGACY_SENDSMS;
	struct msg_req m = { 0 };
	char why[KANNEL_WHY_MAX];
	int rc;

	memset(a, 0, sizeof(*a));
	a->type = LEGACY_TEXT_TYPE;
	if (!get && strcmp(in->method, "POST") != 0) {
		answer(a, 405, false, "GET or POST\n");
		return 0;
	}
	if (!req_authorized(in->tokens, in->ntokens, in->authorization, in->form, kannel)) {
		answer(a, kannel ? 403 : 401, true,
		       kannel ? "Authorization failed for sendsms" : "Unauthorized: give the token.\n");
		return 0;
	}
	if (kannel) {
		rc = req_from_kannel(in->form, &m, why, sizeof(why));
	} else {
		const struct form_param *phone = form_get(in->form, "phone"), *message = form_get(in->form, "message");

		if (!phone || !message || !phone->value_len || !message->value_len) {
			answer(a, 400, true, LEGACY_MISSING);
			return 0;
		}
		m.to[0] = phone->value;
		m.to_len[0] = phone->value_len;
		m.nto = 1;
		m.text = message->value;
		m.text_len = message->value_len;
		rc = 0;
	}
	if (rc == 0)
		rc = req_expand_groups(&m, in->groups, in->ngroups, why, sizeof(why));
	if (rc == 0)
		rc = req_prepare(&m, in->max_parts, &a->files, why, sizeof(why));
	if (rc == 0 && (rc = req_check_allowed(&m, in->allow, in->allow_stride, in->nallow, why, sizeof(why))) < 0)
		req_files_free(&a->files);
	req_free(&m);
	if (rc == -ENOMEM && kannel)
		return -ENOMEM;
	if (rc < 0) {
		legacy_refuse(a, in->ep, why);
		return 0;
	}
	if (kannel)
		answer(a, 202, false, "0: Accepted for delivery");
	else
		answer(a, 200, false, "done\n");
	return 0;
}

void legacy_answer_free(struct legacy_answer *a)
{
	req_files_free(&a->files);
}

json_object *req_record_json(const struct msg_record *rec, const char *on)
{
	json_object *o = json_object_new_object(), *mrs = json_object_new_array();

	json_object_object_add(o, "id", json_object_new_string(rec->id));
	json_object_object_add(o, "to", json_object_new_string(rec->to));
	json_object_object_add(o, "state", json_object_new_string(on ? "sending" : msg_state_name(rec->state)));
	json_object_object_add(o, "parts", json_object_new_int((int)rec->parts));
	json_object_object_add(o, "parts_sent", json_object_new_int((int)rec->parts_done));
	json_object_object_add(o, "attempts", json_object_new_int((int)rec->attempts));
	json_object_object_add(o, "modem", on ? json_object_new_string(on)
					     : rec->modem[0] ? json_object_new_string(rec->modem) : NULL);
	for (unsigned i = 0; i < rec->parts_done; i++)
		json_object_array_add(mrs, json_object_new_int(rec->mr[i]));
	json_object_object_add(o, "references", mrs);
	json_object_object_add(o, "report", json_object_new_boolean(rec->report));
	json_object_object_add(o, "report_status", rec->report_status >= 0 ? json_object_new_int(rec->report_status) : NULL);
	json_object_object_add(o, "created", json_object_new_int64(rec->created));
	json_object_object_add(o, "updated", json_object_new_int64(rec->updated));
	json_object_object_add(o, "sent_at", rec->sent_at ? json_object_new_int64(rec->sent_at) : NULL);
	json_object_object_add(o, "done_at", rec->done_at ? json_object_new_int64(rec->done_at) : NULL);
	json_object_object_add(o, "last_error", rec->last_error[0] ? json_object_new_string(rec->last_error) : NULL);
	return o;
}

json_object *req_incoming_json(const char *name, char *buf)
{
	json_object *m = json_object_new_object();
	char *body, *from = NULL;
	bool intl = false;

	json_object_object_add(m, "file", json_object_new_string(name));
	body = strstr(buf, "\n\n");
	for (char *line = buf; line && (!body || line < body);) {
		char *nl = strchr(line, '\n'), *colon = strchr(line, ':');

		if (nl)
			*nl = '\0';
		if (colon && colon[1] == ' ') {
			*colon = '\0';
			if (strcmp(line, "From") == 0)
				from = colon + 2;
			else if (strcmp(line, "From_TOA") == 0)
				intl = strncmp(colon + 2, "91 ", 3) == 0;
			else if (strcmp(line, "Sent") == 0)
				json_object_object_add(m, "sent", json_object_new_string(colon + 2));
			else if (strcmp(line, "Received") == 0)
				json_object_object_add(m, "received", json_object_new_string(colon + 2));
			else if (strcmp(line, "Modem") == 0)
				json_object_object_add(m, "modem", json_object_new_string(colon + 2));
		}
		line = nl ? nl + 1 : NULL;
	}
	if (from) {
		/* smsd writes international numbers without their '+'; From_TOA says so. */
		char num[40];

		snprintf(num, sizeof(num), "%s%s", intl && from[0] != '+' ? "+" : "", from);
		json_object_object_add(m, "from", json_object_new_string(num));
	}
	/* smsd's status report files: the body starts so. */
	json_object_object_add(m, "type", json_object_new_string(body && strncmp(body + 2, "SMS STATUS REPORT\n", 18) == 0
								 ? "status-report" : "sms"));
	json_object_object_add(m, "text", json_object_new_string(body ? body + 2 : ""));
	return m;
}
