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

#include "alerts.h"
#include "durable.h"
#include "http_int.h"
#include "log.h"
#include "request.h"
#include "smsfile.h"
#include "util.h"

#define LIST_LIMIT_MAX 1000

struct msg_result {
	char ids[REQ_RECIPIENTS_MAX][SPOOL_ID_LEN + 1];
	unsigned parts;
	enum sms_enc enc;
};

/* Checks and stages one message for each recipient: all or none. 0, or
 * -EINVAL with why. m->to holds numbers: req_expand_groups has run. */
static int stage_message(struct http_server *h, struct http_pending *p, const struct msg_req *m,
			 struct msg_result *res, char *why, size_t whylen)
{
	struct msg_files files;
	size_t mark = h->batch.n;
	int rc = req_prepare(m, h->st.max_parts, &files, why, whylen);

	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < m->nto; i++) {
		if (!smsfile_number_allowed(m->to[i], m->to_len[i], h->st.allow_prefixes[0],
					    sizeof(h->st.allow_prefixes[0]), h->st.nallow)) {
			snprintf(why, whylen, "number %.*s is not allowed (allow_prefixes)", (int)m->to_len[i], m->to[i]);
			req_files_free(&files);
			return -EINVAL;
		}
	}
	res->parts = files.parts;
	res->enc = files.enc;
	for (unsigned i = 0; i < files.n && rc == 0; i++) {
		spool_new_id(res->ids[i]);
		rc = http_stage(h, p, res->ids[i], "queue", files.data[i], files.len[i]);
		if (rc < 0)
			snprintf(why, whylen, "the spool refused the message: %s", strerror(-rc));
	}
	req_files_free(&files);
	if (rc < 0)
		http_unstage(h, p, mark); /* refused: none of its files may go out with the batch */
	return rc;
}

/* 202's body: the first message's id, state, parts and encoding, and each
 * recipient with its message id. */
static json_object *accepted_json(const struct msg_req *m, const struct msg_result *res)
{
	json_object *answer = json_object_new_object(), *recips = json_object_new_array();

	json_object_object_add(answer, "id", json_object_new_string(res->ids[0]));
	json_object_object_add(answer, "state", json_object_new_string("queued"));
	json_object_object_add(answer, "parts", json_object_new_int((int)res->parts));
	json_object_object_add(answer, "encoding", json_object_new_string(sms_enc_name(res->enc)));
	for (unsigned i = 0; i < m->nto; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "to", json_object_new_string_len(m->to[i], (int)m->to_len[i]));
		json_object_object_add(e, "id", json_object_new_string(res->ids[i]));
		json_object_array_add(recips, e);
	}
	json_object_object_add(answer, "recipients", recips);
	return answer;
}

/* ---- legacy ------------------------------------------------------------- */

static const struct form_param *param(const struct http_req *r, const char *name)
{
	return form_get(&r->form, name);
}

/* GET|POST /cgi-bin/sms (the original CGI) and /cgi-bin/sendsms (Kannel):
 * legacy_sms_request decides, as it does for the CGI front end; here its
 * files are staged for the group commit and the answer waits for it. */
static enum MHD_Result route_legacy(struct http_server *h, struct MHD_Connection *c, struct http_req *r, bool kannel)
{
	const struct legacy_in in = {
		.ep = kannel ? LEGACY_SENDSMS : LEGACY_SMS,
		.method = r->method,
		.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
		.form = &r->form,
		.tokens = (const char (*)[REQ_TOKEN_SIZE])h->st.tokens,
		.ntokens = h->st.ntokens,
		.max_parts = h->st.max_parts,
		.groups = h->st.groups,
		.ngroups = h->st.ngroups,
		.allow = h->st.allow_prefixes[0],
		.allow_stride = sizeof(h->st.allow_prefixes[0]),
		.nallow = h->st.nallow,
	};
	struct legacy_answer a;
	struct http_pending *p;
	size_t mark = h->batch.n;
	int rc = 0;

	if (legacy_sms_request(&in, &a) < 0)
		return MHD_NO;
	if (a.files.n == 0) {
		h->refused += a.refused;
		return http_text(c, a.status, a.body);
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		legacy_answer_free(&a);
		return MHD_NO;
	}
	for (unsigned i = 0; i < a.files.n && rc == 0; i++) {
		char id[SPOOL_ID_LEN + 1], why[160];

		spool_new_id(id);
		rc = http_stage(h, p, id, "queue", a.files.data[i], a.files.len[i]);
		if (rc < 0) {
			snprintf(why, sizeof(why), "the spool refused the message: %s", strerror(-rc));
			legacy_refuse(&a, in.ep, why);
		}
	}
	legacy_answer_free(&a);
	if (rc < 0) {
		http_unstage(h, p, mark); /* refused: none of its files may go out with the batch */
		free(p);
		h->refused++;
		return http_text(c, a.status, a.body);
	}
	return http_defer(h, c, r, p, a.status, a.type, strdup(a.body));
}

/* ---- REST --------------------------------------------------------------- */

/* The whole body is one JSON value (a NUL or trailing bytes are refused). */
static json_object *parse_json(const char *body, size_t len, const char **err)
{
	struct json_tokener *tok;
	json_object *o;
	size_t end;

	if (len > INT32_MAX) {
		*err = "too long";
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		*err = "out of memory";
		return NULL;
	}
	o = json_tokener_parse_ex(tok, body ? body : "", (int)len);
	if (!o) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		*err = json_tokener_error_desc(e == json_tokener_continue ? json_tokener_error_parse_eof : e);
		json_tokener_free(tok);
		return NULL;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < len && (body[end] == ' ' || body[end] == '\t' || body[end] == '\r' || body[end] == '\n'))
		end++;
	if (end != len) {
		json_object_put(o);
		*err = "unexpected bytes after the JSON value";
		return NULL;
	}
	return o;
}

static enum MHD_Result route_post_message(struct http_server *h, struct MHD_Connection *c, struct http_req *r)
{
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	struct msg_req m = { 0 };
	struct msg_result res = { 0 };
	json_object *body = NULL, *answer;
	struct http_pending *p;
	char why[200], cname[160] = "";
	const char *text;
	const struct form_param *back = NULL;
	int rc;

	if (type && strncasecmp(type, "application/json", 16) == 0) {
		const char *jerr = NULL;

		body = parse_json(r->body, r->body_len, &jerr);
		if (!body) {
			h->refused++;
			return http_error(c, MHD_HTTP_BAD_REQUEST, "invalid JSON: %s", jerr);
		}
		rc = req_from_json(body, &m, why, sizeof(why));
	} else if (!type || strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0) {
		rc = req_from_form(&r->form, &m, why, sizeof(why));
		/* The status page's form: back to the page, which shows the id. */
		back = param(r, "return_to");
		if (back && strcmp(back->value, "/") != 0) {
			h->refused++;
			return http_error(c, MHD_HTTP_BAD_REQUEST, "return_to may only be /");
		}
	} else {
		h->refused++;
		return http_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "send application/json or a urlencoded form");
	}
	if (rc == 0)
		rc = req_expand_groups(&m, h->st.groups, h->st.ngroups, why, sizeof(why));
	if (rc == 0 && m.client_id) {
		char *prev;

		if (req_client_file(m.client_id, cname, sizeof(cname)) < 0) {
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
		} else {
			/* The same id in this very batch: the same answer after the same commit. */
			for (struct http_pending *q = h->pending; q; q = q->next) {
				if (strcmp(q->client, cname) != 0 || !q->req->answer)
					continue;
				p = calloc(1, sizeof(*p));
				json_object_put(body);
				if (!p)
					return MHD_NO;
				return http_defer(h, c, r, p, MHD_HTTP_ACCEPTED, "application/json", strdup(q->req->answer));
			}
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
		if (back) {
			char msg[240];

			snprintf(msg, sizeof(msg), "Not sent: %s\n", why);
			return http_text(c, MHD_HTTP_BAD_REQUEST, msg);
		}
		return http_error(c, MHD_HTTP_BAD_REQUEST, "%s", why);
	}
	if (back) {
		char msg[64];

		snprintf(r->location, sizeof(r->location), "/?queued=%s", res.ids[0]);
		snprintf(msg, sizeof(msg), "queued %s\n", res.ids[0]);
		json_object_put(body);
		return http_defer(h, c, r, p, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", strdup(msg));
	}
	answer = accepted_json(&m, &res);
	text = json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (cname[0]) {
		str_copy(p->client, sizeof(p->client), cname);
		if (http_stage(h, p, cname, "status", text, strlen(text)) < 0)
			log_warn("http: client id %s not recorded; a repeat would be sent again", m.client_id);
	}
	rc = http_defer(h, c, r, p, MHD_HTTP_ACCEPTED, "application/json", strdup(text));
	json_object_put(answer);
	json_object_put(body);
	return rc;
}

/* POST /api/v1/alertmanager?to=... and /api/v1/grafana?to=...: the
 * payload becomes one short text (alerts.c), cut to alert_parts, sent to
 * each number or group in "to" through the same checks, limits and group
 * commit as any message. */
static enum MHD_Result route_receiver(struct http_server *h, struct MHD_Connection *c, struct http_req *r,
				      enum alerts_source src)
{
	const struct form_param *to = param(r, "to");
	struct msg_req m = { 0 };
	struct msg_result res = { 0 };
	struct http_pending *p = NULL;
	json_object *body, *answer;
	const char *jerr = NULL;
	char why[200], *text = NULL;
	size_t text_len = 0, i = 0;
	unsigned cap = h->st.alert_parts < h->st.max_parts ? h->st.alert_parts : h->st.max_parts;
	enum MHD_Result ret;
	int rc = 0;

	if (!to || !to->value_len) {
		h->refused++;
		return http_error(c, MHD_HTTP_BAD_REQUEST, "\"to\" is required in the URL: ?to=NUMBER or ?to=GROUP");
	}
	/* Several, separated by commas or spaces. */
	while (i < to->value_len && rc == 0) {
		size_t start;

		while (i < to->value_len && (to->value[i] == ',' || to->value[i] == ' '))
			i++;
		start = i;
		while (i < to->value_len && to->value[i] != ',' && to->value[i] != ' ')
			i++;
		if (i == start)
			break;
		if (m.nto == REQ_RECIPIENTS_MAX) {
			snprintf(why, sizeof(why), "\"to\" takes 1 to %d numbers or groups", REQ_RECIPIENTS_MAX);
			rc = -EINVAL;
			break;
		}
		m.to[m.nto] = to->value + start;
		m.to_len[m.nto++] = i - start;
	}
	if (rc == 0 && m.nto == 0) {
		snprintf(why, sizeof(why), "\"to\" is required in the URL: ?to=NUMBER or ?to=GROUP");
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = req_expand_groups(&m, h->st.groups, h->st.ngroups, why, sizeof(why));
	if (rc < 0) {
		h->refused++;
		return http_error(c, MHD_HTTP_BAD_REQUEST, "%s", why);
	}
	body = parse_json(r->body, r->body_len, &jerr);
	if (!body) {
		h->refused++;
		return http_error(c, MHD_HTTP_BAD_REQUEST, "invalid JSON: %s", jerr);
	}
	rc = alerts_text(src, body, cap, &text, &text_len, why, sizeof(why));
	json_object_put(body);
	if (rc == -ENOMEM)
		return MHD_NO;
	if (rc == 0) {
		m.text = text;
		m.text_len = text_len;
		p = calloc(1, sizeof(*p));
		rc = p ? stage_message(h, p, &m, &res, why, sizeof(why)) : -ENOMEM;
	}
	if (rc < 0) {
		free(p);
		free(text);
		h->refused++;
		if (rc == -ENOMEM)
			return MHD_NO;
		return http_error(c, MHD_HTTP_BAD_REQUEST, "%s", why);
	}
	answer = accepted_json(&m, &res);
	json_object_object_add(answer, "text", json_object_new_string_len(text, (int)text_len));
	ret = http_defer(h, c, r, p, MHD_HTTP_ACCEPTED, "application/json",
			 strdup(json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)));
	json_object_put(answer);
	free(text);
	return ret;
}

static json_object *record_json(struct http_server *h, const struct msg_record *rec, bool pending)
{
	return req_record_json(rec, pending ? h->ops->sending_on(h->ctx, rec->id) : NULL);
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
json_object *http_list_messages(struct http_server *h, int want, unsigned long limit)
{
	json_object *arr = json_object_new_array();
	char **names = NULL;
	size_t n = 0, cap = 0;

	for (int d = 0; d < 2; d++) {
		DIR *dir = dir_stream(h->spool->dir[d ? SPOOL_STATUS : SPOOL_QUEUE]);
		struct dirent *e;

		if (!dir)
			continue;
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
			if ((names[n] = strdup(id)))
				n++;
		}
		closedir(dir);
	}
	if (n)
		qsort(names, n, sizeof(*names), names_desc); /* names is NULL when there is none */
	for (size_t i = 0; i < n && json_object_array_length(arr) < limit; i++) {
		struct msg_record rec;
		bool pending;

		if ((i && strcmp(names[i], names[i - 1]) == 0) || find_record(h, names[i], &rec, &pending) < 0)
			continue;
		if (want >= 0 && (int)rec.state != want)
			continue;
		json_object_array_add(arr, record_json(h, &rec, pending));
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return arr;
}

static enum MHD_Result route_list(struct http_server *h, struct MHD_Connection *c, const struct http_req *r)
{
	const struct form_param *st = param(r, "state"), *lim = param(r, "limit");
	unsigned long limit = lim && lim->value_len ? strtoul(lim->value, NULL, 10) : 50;
	json_object *o;
	int want = -1;

	if (st && st->value_len && (want = msg_state_parse(st->value)) < 0)
		return http_error(c, MHD_HTTP_BAD_REQUEST, "unknown state");
	if (limit == 0 || limit > LIST_LIMIT_MAX)
		limit = LIST_LIMIT_MAX;
	o = json_object_new_object();
	json_object_object_add(o, "messages", http_list_messages(h, want, limit));
	return http_json(c, MHD_HTTP_OK, o);
}

/* Received messages, newest first, from incoming/ (smstools3 files). */
static enum MHD_Result route_inbox(struct http_server *h, struct MHD_Connection *c, const struct http_req *r)
{
	const struct form_param *lim = param(r, "limit");
	unsigned long limit = lim && lim->value_len ? strtoul(lim->value, NULL, 10) : 50;
	json_object *arr = json_object_new_array(), *o;
	DIR *dir = dir_stream(h->spool->dir[SPOOL_INCOMING]);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (limit == 0 || limit > LIST_LIMIT_MAX)
		limit = LIST_LIMIT_MAX;
	if (dir) {
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
			if ((names[n] = strdup(e->d_name)))
				n++;
		}
		closedir(dir);
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
		char *buf;
		ssize_t len = read_file_at(h->spool->dir[SPOOL_INCOMING], names[i], 256 * 1024, &buf);
		json_object *m;

		if (len < 0)
			continue;
		m = req_incoming_json(names[i], buf);
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

/* A browser sends Origin with a cross-site POST; one whose host is not
 * ours is some other page using the browser's credentials for this one
 * (Basic auth is remembered; with no token, loopback is all it takes). */
static bool cross_site(struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *sep;

	if (!origin)
		return false;
	sep = strstr(origin, "://");
	return !host || !sep || strcmp(sep + 3, host) != 0;
}

static enum MHD_Result route_page(struct http_server *h, struct MHD_Connection *c, const struct http_req *r)
{
	size_t len;
	char *page = http_page(h, r, &len);
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!page)
		return http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	resp = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(page);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
								 "form-action 'self'; frame-ancestors 'none'");
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result route_heartbeat(struct http_server *h, struct MHD_Connection *c, const char *name)
{
	json_object *o = NULL;
	int rc = h->ops->heartbeat ? h->ops->heartbeat(h->ctx, name, &o) : -ENOENT;

	if (rc == -ENOENT)
		return http_error(c, MHD_HTTP_NOT_FOUND, "no heartbeat %s", name);
	if (rc < 0 || !o) {
		json_object_put(o);
		return http_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the beat could not be recorded: %s", strerror(-rc));
	}
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
	if (h->st.legacy_cgi && (strcmp(u, "/cgi-bin/sms") == 0 || strcmp(u, "/cgi-bin/sendsms") == 0))
		return route_legacy(h, c, r, strcmp(u, "/cgi-bin/sendsms") == 0);
	if (!get && cross_site(c)) {
		h->refused++;
		return http_error(c, MHD_HTTP_FORBIDDEN, "cross-site request refused (Origin is not this host)");
	}
	if (!http_authorized(h, c, r)) {
		struct MHD_Response *resp;
		bool page = strcmp(u, "/") == 0;
		const char *msg = page ? "The status page needs the token: any user name, the token as password.\n"
				       : "{\"error\":\"a token is required: Authorization: Bearer TOKEN\"}";
		enum MHD_Result ret;

		h->refused++;
		resp = MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, page ? "text/plain; charset=utf-8"
										 : "application/json");
		/* A browser asks for Basic credentials; API clients know Bearer. */
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					page ? "Basic realm=\"smsgate\", charset=\"UTF-8\"" : "Bearer realm=\"smsgate\"");
		ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (strcmp(u, "/") == 0 && get)
		return route_page(h, c, r);
	if (strncmp(u, "/api/v1/heartbeat/", 18) == 0) {
		if (get || post)
			return route_heartbeat(h, c, u + 18);
		return http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST");
	}
	if (strcmp(u, "/api/v1/messages") == 0) {
		if (post)
			return route_post_message(h, c, r);
		if (get)
			return route_list(h, c, r);
		return http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST");
	}
	if (strcmp(u, "/api/v1/alertmanager") == 0 || strcmp(u, "/api/v1/grafana") == 0) {
		if (post)
			return route_receiver(h, c, r, u[8] == 'a' ? ALERTS_ALERTMANAGER : ALERTS_GRAFANA);
		return http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "POST");
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
