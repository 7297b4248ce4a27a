/*
 * The endpoints. Legacy ones answer plain text as their clients expect;
 * everything else answers JSON, errors as {"error": "..."}.
 *
 * Every message is checked at the door exactly as the dispatcher will read
 * it: the smstools3 file is built, parsed back with smsfile_parse and
 * planned with the part cap, and only then staged. A newline, letter or
 * control character in a number never reaches the spool.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "http_int.h"
#include "log.h"
#include "smsfile.h"
#include "util.h"

#define LEGACY_MISSING "The GET parameters \"message\" and/or \"phone\" are missing.\n"
#define RECIPIENTS_MAX 16
#define LIST_LIMIT_MAX 1000

struct msg_req {
	const char *to[RECIPIENTS_MAX];
	size_t to_len[RECIPIENTS_MAX];
	unsigned nto;
	const char *text;
	size_t text_len;
	bool flash, report, high, ucs2;
	unsigned long validity_min;
	const char *client_id;
};

struct msg_result {
	char ids[RECIPIENTS_MAX][SPOOL_ID_LEN + 1];
	unsigned parts;
	enum sms_enc enc;
};

/* A number at the door: '+' and digits only (the file parser then applies
 * smstools3's rules). Returns 0, or -EINVAL with a sentence. */
static int check_number(const char *s, size_t len, char *why, size_t whylen)
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

static char *build_file(const char *to, size_t to_len, const struct msg_req *m, size_t *len)
{
	size_t cap = m->text_len + 256;
	char *buf = malloc(cap);
	int n;

	if (!buf)
		return NULL;
	n = snprintf(buf, cap, "To: %.*s\n%s%s%s", (int)to_len, to, m->flash ? "Flash: yes\n" : "",
		     m->report ? "Report: yes\n" : "", m->high ? "Priority: high\n" : "");
	if (m->validity_min)
		n += snprintf(buf + n, cap - (size_t)n, "Validity: %lu min\n", m->validity_min);
	n += snprintf(buf + n, cap - (size_t)n, "Alphabet: %s\n\n", m->ucs2 ? "UCS2" : "UTF-8");
	if (m->ucs2) {
		/* The file carries the text as UTF-16BE, which forces UCS-2 on the air. */
		ssize_t k = ucs2_from_utf8((uint8_t *)buf + n, cap - (size_t)n, m->text, m->text_len, NULL);

		if (k < 0) {
			free(buf);
			return NULL;
		}
		*len = (size_t)n + (size_t)k;
		return buf;
	}
	memcpy(buf + n, m->text, m->text_len);
	*len = (size_t)n + m->text_len;
	return buf;
}

/* Checks and stages one message for each recipient. 0, or -EINVAL with why. */
static int stage_message(struct http_server *h, struct http_pending *p, const struct msg_req *m,
			 struct msg_result *res, char *why, size_t whylen)
{
	static struct smsfile_msg f;
	char *files[RECIPIENTS_MAX] = { 0 };
	size_t lens[RECIPIENTS_MAX];
	int rc = 0;

	if (m->nto == 0) {
		snprintf(why, whylen, "no recipient");
		return -EINVAL;
	}
	if (m->validity_min > 63ul * 7 * 24 * 60) {
		snprintf(why, whylen, "validity above 63 weeks");
		return -EINVAL;
	}
	for (unsigned i = 0; i < m->nto && rc == 0; i++) {
		size_t cap;
		char *text;

		rc = check_number(m->to[i], m->to_len[i], why, whylen);
		if (rc < 0)
			break;
		files[i] = build_file(m->to[i], m->to_len[i], m, &lens[i]);
		if (!files[i]) {
			snprintf(why, whylen, "the text is not valid UTF-8");
			rc = -EINVAL;
			break;
		}
		cap = SMSFILE_TEXT_CAP(lens[i]);
		text = malloc(cap);
		if (!text || smsfile_parse(&f, files[i], lens[i], text, cap) < 0) {
			snprintf(why, whylen, "%s", text ? f.reason : "out of memory");
			rc = -EINVAL;
		} else if (f.nparts > h->st.max_parts) {
			snprintf(why, whylen, "the text needs %u SMS parts; at most %u are allowed", f.nparts, h->st.max_parts);
			rc = -EINVAL;
		} else {
			res->parts = f.nparts;
			res->enc = f.enc;
		}
		free(text);
	}
	for (unsigned i = 0; i < m->nto && rc == 0; i++) {
		spool_new_id(res->ids[i]);
		rc = http_stage(h, p, res->ids[i], "queue", files[i], lens[i]);
		if (rc < 0)
			snprintf(why, whylen, "the spool refused the message: %s", strerror(-rc));
	}
	for (unsigned i = 0; i < m->nto; i++)
		free(files[i]);
	return rc;
}

/* ---- legacy ------------------------------------------------------------- */

static const struct form_param *param(const struct http_req *r, const char *name)
{
	return form_get(&r->form, name);
}

/* GET|POST /cgi-bin/sms?phone=P&message=M: the original CGI. */
static enum MHD_Result route_cgi_sms(struct http_server *h, struct MHD_Connection *c, struct http_req *r)
{
	const struct form_param *phone = param(r, "phone"), *message = param(r, "message");
	struct msg_req m = { 0 };
	struct msg_result res;
	struct http_pending *p;
	char why[160], answer[200];

	if (!phone || !message || !phone->value_len || !message->value_len) {
		h->refused++;
		return http_text(c, MHD_HTTP_BAD_REQUEST, LEGACY_MISSING);
	}
	m.to[0] = phone->value;
	m.to_len[0] = phone->value_len;
	m.nto = 1;
	m.text = message->value;
	m.text_len = message->value_len;
	p = calloc(1, sizeof(*p));
	if (!p)
		return MHD_NO;
	if (stage_message(h, p, &m, &res, why, sizeof(why)) < 0) {
		free(p);
		h->refused++;
		snprintf(answer, sizeof(answer), "Refused: %s.\n", why);
		return http_text(c, MHD_HTTP_BAD_REQUEST, answer);
	}
	return http_defer(h, c, r, p, MHD_HTTP_OK, "text/plain; charset=utf-8", strdup("done\n"));
}

/* Kannel's sendsms: to is a list separated by spaces; coding 2 or
 * charset UTF-16BE / UCS-2 means UCS-2; mclass 0 is flash; dlr-mask asks
 * for a report. */
static enum MHD_Result route_kannel(struct http_server *h, struct MHD_Connection *c, struct http_req *r)
{
	const struct form_param *to = param(r, "to"), *text = param(r, "text"), *coding = param(r, "coding"),
				*charset = param(r, "charset"), *mclass = param(r, "mclass"), *dlr = param(r, "dlr-mask"),
				*validity = param(r, "validity"), *priority = param(r, "priority");
	struct msg_req m = { 0 };
	struct msg_result res;
	struct http_pending *p;
	char why[160], *conv = NULL;
	size_t i = 0;

	if (!to || !to->value_len) {
		h->refused++;
		return http_text(c, MHD_HTTP_BAD_REQUEST, "Missing receiver number");
	}
	if (!text) {
		h->refused++;
		return http_text(c, MHD_HTTP_BAD_REQUEST, "Missing text");
	}
	while (i < to->value_len && m.nto < RECIPIENTS_MAX) {
		size_t start;

		while (i < to->value_len && to->value[i] == ' ')
			i++;
		start = i;
		while (i < to->value_len && to->value[i] != ' ')
			i++;
		if (i > start) {
			m.to[m.nto] = to->value + start;
			m.to_len[m.nto++] = i - start;
		}
	}
	if (m.nto == 0) {
		h->refused++;
		return http_text(c, MHD_HTTP_BAD_REQUEST, "Empty receiver number not allowed");
	}
	m.text = text->value;
	m.text_len = text->value_len;
	if ((coding && coding->value_len == 1 && coding->value[0] == '2') ||
	    (charset && (strncasecmp(charset->value, "UTF-16", 6) == 0 || strncasecmp(charset->value, "UCS-2", 5) == 0))) {
		m.ucs2 = true;
		if (charset && (strncasecmp(charset->value, "UTF-16", 6) == 0 || strncasecmp(charset->value, "UCS-2", 5) == 0)) {
			/* The text arrives as UTF-16BE octets. */
			size_t cap = text->value_len * 2 + 4;
			unsigned bad = 0;
			ssize_t n;

			conv = malloc(cap);
			n = conv ? ucs2_to_utf8(conv, cap, (const uint8_t *)text->value, text->value_len, &bad) : -ENOMEM;
			if (n < 0 || bad) {
				free(conv);
				h->refused++;
				return http_text(c, MHD_HTTP_BAD_REQUEST, "Invalid UTF-16 text");
			}
			m.text = conv;
			m.text_len = (size_t)n;
		}
	} else if (charset && (strncasecmp(charset->value, "ISO-8859-1", 10) == 0 ||
			       strncasecmp(charset->value, "latin1", 6) == 0)) {
		size_t cap = text->value_len * 2 + 1, o = 0;

		conv = malloc(cap);
		if (!conv)
			return MHD_NO;
		for (size_t k = 0; k < text->value_len; k++)
			o += (size_t)utf8_put(conv + o, cap - o, (unsigned char)text->value[k]);
		m.text = conv;
		m.text_len = o;
	}
	m.flash = mclass && mclass->value_len == 1 && mclass->value[0] == '0';
	m.report = dlr && dlr->value_len && strtol(dlr->value, NULL, 10) > 0;
	m.high = priority && priority->value_len && strtol(priority->value, NULL, 10) > 0;
	m.validity_min = validity && validity->value_len ? strtoul(validity->value, NULL, 10) : 0;
	p = calloc(1, sizeof(*p));
	if (!p) {
		free(conv);
		return MHD_NO;
	}
	if (stage_message(h, p, &m, &res, why, sizeof(why)) < 0) {
		free(p);
		free(conv);
		h->refused++;
		return http_text(c, MHD_HTTP_BAD_REQUEST, why);
	}
	free(conv);
	return http_defer(h, c, r, p, MHD_HTTP_ACCEPTED, "text/plain; charset=utf-8", strdup("0: Accepted for delivery"));
}

/* ---- REST --------------------------------------------------------------- */

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

static int msg_from_json(json_object *o, struct msg_req *m, char *why, size_t whylen)
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

		if (n == 0 || n > RECIPIENTS_MAX) {
			snprintf(why, whylen, "\"to\" takes 1 to %d numbers", RECIPIENTS_MAX);
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
		const char *pr = json_object_get_string(v);

		if (strcmp(pr, "high") == 0)
			m->high = true;
		else if (strcmp(pr, "normal") != 0) {
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
		m->validity_min = (unsigned long)((s + 59) / 60);
	}
	if (json_object_object_get_ex(o, "id", &v) && json_object_is_type(v, json_type_string))
		m->client_id = json_object_get_string(v);
	return 0;
}

static int msg_from_form(const struct http_req *r, struct msg_req *m, char *why, size_t whylen)
{
	const struct form_param *to = param(r, "to"), *text = param(r, "text"), *p;

	if (!to || !text) {
		snprintf(why, whylen, "\"to\" and \"text\" are required");
		return -EINVAL;
	}
	m->to[0] = to->value;
	m->to_len[0] = to->value_len;
	m->nto = 1;
	m->text = text->value;
	m->text_len = text->value_len;
	m->flash = (p = param(r, "flash")) && p->value_len && (p->value[0] == '1' || p->value[0] == 't' || p->value[0] == 'y');
	m->report = (p = param(r, "report")) && p->value_len && (p->value[0] == '1' || p->value[0] == 't' || p->value[0] == 'y');
	m->high = (p = param(r, "priority")) && p->value_len == 4 && memcmp(p->value, "high", 4) == 0;
	if ((p = param(r, "validity")) && p->value_len)
		m->validity_min = (strtoul(p->value, NULL, 10) + 59) / 60;
	return 0;
}

/* Idempotency: status/client-HEX holds the first answer for a client id. */
static int client_file(const char *client_id, char *name, size_t n)
{
	size_t len = strlen(client_id);

	if (len == 0 || len > 64)
		return -EINVAL;
	if (n < 8 + 2 * len + 1)
		return -ENOBUFS;
	memcpy(name, "client-", 7);
	hex_encode(name + 7, n - 7, (const uint8_t *)client_id, len);
	return 0;
}

static enum MHD_Result route_post_message(struct http_server *h, struct MHD_Connection *c, struct http_req *r)
{
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	struct msg_req m = { 0 };
	struct msg_result res = { 0 };
	json_object *body = NULL, *answer, *recips;
	struct http_pending *p;
	char why[200], cname[160] = "";
	const char *text;
	int rc;

	if (type && strncasecmp(type, "application/json", 16) == 0) {
		enum json_tokener_error jerr;

		body = json_tokener_parse_verbose(r->body ? r->body : "", &jerr);
		if (!body) {
			h->refused++;
			return http_error(c, MHD_HTTP_BAD_REQUEST, "invalid JSON: %s", json_tokener_error_desc(jerr));
		}
		rc = msg_from_json(body, &m, why, sizeof(why));
	} else if (!type || strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0) {
		rc = msg_from_form(r, &m, why, sizeof(why));
	} else {
		h->refused++;
		return http_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "send application/json or a urlencoded form");
	}
	if (rc == 0 && m.client_id) {
		char *prev;

		if (client_file(m.client_id, cname, sizeof(cname)) < 0) {
			snprintf(why, sizeof(why), "\"id\" is 1 to 64 characters");
			rc = -EINVAL;
		} else if (read_file_at(h->spool->dir[SPOOL_STATUS], cname, 64 * 1024, &prev) >= 0) {
			/* The same client id again: the first answer, and nothing new. */
			struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(prev), prev, MHD_RESPMEM_MUST_FREE);
			enum MHD_Result ret;

			json_object_put(body);
			if (!resp)
				return MHD_NO;
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
			ret = MHD_queue_response(c, MHD_HTTP_ACCEPTED, resp);
			MHD_destroy_response(resp);
			return ret;
		}
	}
	p = rc == 0 ? calloc(1, sizeof(*p)) : NULL;
	if (rc == 0 && !p)
		rc = -ENOMEM;
	if (rc == 0)
		rc = stage_message(h, p, &m, &res, why, sizeof(why));
	if (rc < 0) {
		free(p);
		json_object_put(body);
		h->refused++;
		return http_error(c, MHD_HTTP_BAD_REQUEST, "%s", why);
	}
	answer = json_object_new_object();
	json_object_object_add(answer, "id", json_object_new_string(res.ids[0]));
	json_object_object_add(answer, "state", json_object_new_string("queued"));
	json_object_object_add(answer, "parts", json_object_new_int((int)res.parts));
	json_object_object_add(answer, "encoding", json_object_new_string(sms_enc_name(res.enc)));
	recips = json_object_new_array();
	for (unsigned i = 0; i < m.nto; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "to", json_object_new_string_len(m.to[i], (int)m.to_len[i]));
		json_object_object_add(e, "id", json_object_new_string(res.ids[i]));
		json_object_array_add(recips, e);
	}
	json_object_object_add(answer, "recipients", recips);
	text = json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (cname[0])
		http_stage(h, p, cname, "status", text, strlen(text));
	rc = http_defer(h, c, r, p, MHD_HTTP_ACCEPTED, "application/json", strdup(text));
	json_object_put(answer);
	json_object_put(body);
	return rc;
}

static json_object *record_json(struct http_server *h, const struct msg_record *rec, bool pending)
{
	json_object *o = json_object_new_object(), *mrs = json_object_new_array();
	const char *on = pending ? h->ops->sending_on(h->ctx, rec->id) : NULL;

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

/* The record wherever it is: final (status/), or pending (queue/, whose
 * record may not exist yet: then it is queued and the file says to whom). */
static int find_record(struct http_server *h, const char *id, struct msg_record *rec, bool *pending)
{
	static struct smsfile_msg f;
	char *buf, *text;
	ssize_t n;

	*pending = false;
	if (msg_record_load(h->spool, SPOOL_STATUS, id, rec) == 0)
		return 0;
	*pending = true;
	if (msg_record_load(h->spool, SPOOL_QUEUE, id, rec) == 0)
		return 0;
	n = read_file_at(h->spool->dir[SPOOL_QUEUE], id, SPOOL_FILE_MAX, &buf);
	if (n < 0)
		return -ENOENT;
	msg_record_init(rec, id);
	text = malloc(SMSFILE_TEXT_CAP((size_t)n));
	if (text && smsfile_parse(&f, buf, (size_t)n, text, SMSFILE_TEXT_CAP((size_t)n)) == 0) {
		str_copy(rec->to, sizeof(rec->to), f.to.str);
		rec->parts = f.nparts;
		rec->report = f.report == 1;
	}
	free(text);
	free(buf);
	return 0;
}

static enum MHD_Result route_get_message(struct http_server *h, struct MHD_Connection *c, const char *id)
{
	struct msg_record rec;
	bool pending;

	if (!spool_id_valid(id) || find_record(h, id, &rec, &pending) < 0)
		return http_error(c, MHD_HTTP_NOT_FOUND, "no message %s", id);
	return http_json(c, MHD_HTTP_OK, record_json(h, &rec, pending));
}

static enum MHD_Result route_delete_message(struct http_server *h, struct MHD_Connection *c, const char *id)
{
	int rc = spool_id_valid(id) ? h->ops->cancel(h->ctx, id) : -ENOENT;

	if (rc == -ENOENT)
		return http_error(c, MHD_HTTP_NOT_FOUND, "no queued message %s", id);
	if (rc == -EBUSY)
		return http_error(c, MHD_HTTP_CONFLICT, "message %s is with a modem already or finished", id);
	if (rc < 0)
		return http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cancel failed: %s", strerror(-rc));
	return route_get_message(h, c, id);
}

static int names_desc(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Newest first: IDs sort by creation time. */
static enum MHD_Result route_list(struct http_server *h, struct MHD_Connection *c, const struct http_req *r)
{
	const struct form_param *st = param(r, "state"), *lim = param(r, "limit");
	unsigned long limit = lim && lim->value_len ? strtoul(lim->value, NULL, 10) : 50;
	json_object *arr = json_object_new_array(), *o;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int want = -1;

	if (st && st->value_len && (want = msg_state_parse(st->value)) < 0) {
		json_object_put(arr);
		return http_error(c, MHD_HTTP_BAD_REQUEST, "unknown state");
	}
	if (limit == 0 || limit > LIST_LIMIT_MAX)
		limit = LIST_LIMIT_MAX;
	for (int d = 0; d < 2; d++) {
		int fd = dup(h->spool->dir[d ? SPOOL_STATUS : SPOOL_QUEUE]);
		DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;

		if (!dir) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		rewinddir(dir);
		while ((e = readdir(dir))) {
			size_t len = strlen(e->d_name);
			char id[SPOOL_ID_LEN + 1];

			if (len < SPOOL_ID_LEN)
				continue;
			memcpy(id, e->d_name, SPOOL_ID_LEN);
			id[SPOOL_ID_LEN] = '\0';
			if (!spool_id_valid(id) || (len != SPOOL_ID_LEN && strcmp(e->d_name + SPOOL_ID_LEN, ".st") != 0))
				continue;
			if (n == cap) {
				char **g = realloc(names, (cap = cap ? cap * 2 : 256) * sizeof(*names));

				if (!g)
					break;
				names = g;
			}
			names[n++] = strdup(id);
		}
		closedir(dir);
	}
	qsort(names, n, sizeof(*names), names_desc);
	for (size_t i = 0; i < n && json_object_array_length(arr) < limit; i++) {
		struct msg_record rec;
		bool pending;

		if ((i && strcmp(names[i], names[i - 1]) == 0) || !names[i] || find_record(h, names[i], &rec, &pending) < 0)
			continue;
		if (want >= 0 && (int)rec.state != want)
			continue;
		json_object_array_add(arr, record_json(h, &rec, pending));
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	o = json_object_new_object();
	json_object_object_add(o, "messages", arr);
	return http_json(c, MHD_HTTP_OK, o);
}

/* Received messages, newest first, from incoming/ (smstools3 files). */
static enum MHD_Result route_inbox(struct http_server *h, struct MHD_Connection *c, const struct http_req *r)
{
	const struct form_param *lim = param(r, "limit");
	unsigned long limit = lim && lim->value_len ? strtoul(lim->value, NULL, 10) : 50;
	json_object *arr = json_object_new_array(), *o;
	int fd = dup(h->spool->dir[SPOOL_INCOMING]);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (limit == 0 || limit > LIST_LIMIT_MAX)
		limit = LIST_LIMIT_MAX;
	if (dir) {
		rewinddir(dir);
		while ((e = readdir(dir))) {
			const char *dot = strrchr(e->d_name, '.');

			if (e->d_name[0] == '.' || !dot || !spool_id_valid(dot + 1))
				continue;
			if (n == cap) {
				char **g = realloc(names, (cap = cap ? cap * 2 : 256) * sizeof(*names));

				if (!g)
					break;
				names = g;
			}
			names[n++] = strdup(e->d_name);
		}
		closedir(dir);
	} else if (fd >= 0) {
		close(fd);
	}
	/* Sort by the ID after the modem name. */
	for (size_t i = 1; i < n; i++) {
		for (size_t k = i; k > 0 && strcmp(strrchr(names[k - 1], '.'), strrchr(names[k], '.')) < 0; k--) {
			char *t = names[k];

			names[k] = names[k - 1];
			names[k - 1] = t;
		}
	}
	for (size_t i = 0; i < n && json_object_array_length(arr) < limit; i++) {
		char *buf, *body;
		ssize_t len = read_file_at(h->spool->dir[SPOOL_INCOMING], names[i], 256 * 1024, &buf);
		json_object *m;

		if (len < 0)
			continue;
		m = json_object_new_object();
		json_object_object_add(m, "file", json_object_new_string(names[i]));
		body = strstr(buf, "\n\n");
		for (char *line = buf; line && (!body || line < body);) {
			char *nl = strchr(line, '\n'), *colon = strchr(line, ':');

			if (nl)
				*nl = '\0';
			if (colon && colon[1] == ' ') {
				*colon = '\0';
				if (strcmp(line, "From") == 0 || strcmp(line, "Sent") == 0 || strcmp(line, "Received") == 0 ||
				    strcmp(line, "Modem") == 0 || strcmp(line, "Status") == 0 || strcmp(line, "Message_id") == 0) {
					char key[32];

					snprintf(key, sizeof(key), "%s", line);
					key[0] = (char)(key[0] | 0x20);
					json_object_object_add(m, key, json_object_new_string(colon + 2));
				}
			}
			line = nl ? nl + 1 : NULL;
		}
		json_object_object_add(m, "type", json_object_new_string(json_object_object_get_ex(m, "status", NULL)
										   ? "status-report" : "sms"));
		json_object_object_add(m, "text", json_object_new_string(body ? body + 2 : ""));
		json_object_array_add(arr, m);
		free(buf);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	o = json_object_new_object();
	json_object_object_add(o, "messages", arr);
	return http_json(c, MHD_HTTP_OK, o);
}

enum MHD_Result http_route(struct http_server *h, struct MHD_Connection *c, struct http_req *r)
{
	bool get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0, post = strcmp(r->method, "POST") == 0;
	const char *u = r->url;

	if (strcmp(u, "/healthz") == 0 && get) {
		char why[200];

		if (h->ops->health(h->ctx, why, sizeof(why)) == 0)
			return http_text(c, MHD_HTTP_OK, "ok\n");
		strncat(why, "\n", sizeof(why) - strlen(why) - 1);
		return http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, why);
	}
	if (h->st.legacy_cgi && (strcmp(u, "/cgi-bin/sms") == 0 || strcmp(u, "/cgi-bin/sendsms") == 0)) {
		bool kannel = u[9] == 's' && u[10] == 'e';

		if (!get && !post)
			return http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST\n");
		if (!http_authorized(h, c, r)) {
			h->refused++;
			return http_text(c, kannel ? MHD_HTTP_FORBIDDEN : MHD_HTTP_UNAUTHORIZED,
					 kannel ? "Authorization failed for sendsms" : "Unauthorized: give the token.\n");
		}
		return kannel ? route_kannel(h, c, r) : route_cgi_sms(h, c, r);
	}
	if (!http_authorized(h, c, r)) {
		struct MHD_Response *resp;
		const char *msg = "{\"error\":\"a token is required: Authorization: Bearer TOKEN\"}";
		enum MHD_Result ret;

		h->refused++;
		resp = MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"smsgate\"");
		ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (strcmp(u, "/api/v1/messages") == 0) {
		if (post)
			return route_post_message(h, c, r);
		if (get)
			return route_list(h, c, r);
		return http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST");
	}
	if (strncmp(u, "/api/v1/messages/", 17) == 0) {
		if (get)
			return route_get_message(h, c, u + 17);
		if (strcmp(r->method, "DELETE") == 0)
			return route_delete_message(h, c, u + 17);
		return http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or DELETE");
	}
	if (strcmp(u, "/api/v1/inbox") == 0 && get)
		return route_inbox(h, c, r);
	if (strcmp(u, "/api/v1/status") == 0 && get)
		return http_json(c, MHD_HTTP_OK, h->ops->status(h->ctx));
	if (strcmp(u, "/metrics") == 0 && get) {
		char *text = h->ops->metrics(h->ctx);
		struct MHD_Response *resp;
		enum MHD_Result ret;

		if (!text)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
		ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	return http_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint: %s %s", r->method, u);
}
