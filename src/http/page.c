/*
 * The status page at /: one small HTML document built in memory from the
 * same JSON as /api/v1/status and the message records. No script, no
 * external assets, a few lines of CSS. Every value that comes from
 * outside (operator names, numbers, texts, errors, names) goes through
 * html_put(), which escapes it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "durable.h"
#include "http_int.h"
#include "smsfile.h"
#include "util.h"

#define PAGE_MESSAGES 20        /* the last messages shown */
#define PAGE_EXCERPT 80         /* bytes of each text shown */

struct page {
	char *p;
	size_t len, cap;
	bool failed;
};

static void grow(struct page *pg, size_t need)
{
	char *g;
	size_t cap;

	if (pg->failed || pg->len + need + 1 <= pg->cap)
		return;
	cap = (pg->cap + need + 1) * 2;
	g = realloc(pg->p, cap);
	if (!g) {
		pg->failed = true;
		return;
	}
	pg->p = g;
	pg->cap = cap;
}

/* Markup: our own constant text and numbers, never outside data. */
static void raw(struct page *pg, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void raw(struct page *pg, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		pg->failed = true;
		return;
	}
	grow(pg, (size_t)n);
	if (pg->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(pg->p + pg->len, pg->cap - pg->len, fmt, ap);
	va_end(ap);
	pg->len += (size_t)n;
}

/* Text, escaped for element content and quoted attribute values. */
static void html_put(struct page *pg, const char *s, size_t len)
{
	for (size_t i = 0; i < len && !pg->failed; i++) {
		const char *e = NULL;
		char c = s[i];

		switch (c) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: break;
		}
		if (e) {
			raw(pg, "%s", e);
		} else {
			grow(pg, 1);
			if (!pg->failed)
				pg->p[pg->len++] = c;
		}
	}
	if (pg->p && !pg->failed)
		pg->p[pg->len] = '\0';
}

static void html(struct page *pg, const char *s)
{
	html_put(pg, s ? s : "", s ? strlen(s) : 0);
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

static int64_t num(json_object *o, const char *key, bool *present)
{
	json_object *v;
	bool has = json_object_object_get_ex(o, key, &v) && v;

	if (present)
		*present = has;
	return has ? json_object_get_int64(v) : 0;
}

static void when(struct page *pg, int64_t secs)
{
	time_t t = (time_t)secs;
	struct tm tm;
	char buf[32];

	if (secs > 0 && localtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm))
		raw(pg, "%s", buf);
	else
		raw(pg, "&ndash;");
}

static const char *state_class(const char *s)
{
	if (!s)
		return "";
	if (!strcmp(s, "ready") || !strcmp(s, "sending") || !strcmp(s, "sent") || !strcmp(s, "delivered") ||
	    !strcmp(s, "ok"))
		return "ok";
	if (!strcmp(s, "failed") || !strcmp(s, "sim-locked") || !strcmp(s, "closed") || !strcmp(s, "silent") ||
	    !strcmp(s, "late") || !strcmp(s, "suppressed"))
		return "bad";
	return "wait";
}

static void modems(struct page *pg, json_object *st)
{
	json_object *arr;

	raw(pg, "<h2>Modems</h2>\n<table id=\"modems\"><tr><th>modem</th><th>state</th><th>signal</th>"
		"<th>operator</th><th>SIM</th><th>sent</th><th>last error</th></tr>\n");
	if (json_object_object_get_ex(st, "modems", &arr)) {
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *m = json_object_array_get_idx(arr, i);
			bool has_dbm;
			int64_t dbm = num(m, "dbm", &has_dbm);

			raw(pg, "<tr><td>");
			html(pg, str(m, "name"));
			raw(pg, "</td><td class=\"%s\">", state_class(str(m, "state")));
			html(pg, str(m, "state"));
			raw(pg, "</td><td>");
			if (has_dbm)
				raw(pg, "%lld dBm (CSQ %lld)", (long long)dbm, (long long)num(m, "csq", NULL));
			else
				raw(pg, "&ndash;");
			raw(pg, "</td><td>");
			html(pg, str(m, "operator"));
			raw(pg, "</td><td>");
			html(pg, str(m, "sim"));
			raw(pg, "</td><td>%lld</td><td>", (long long)num(m, "sent", NULL));
			html(pg, str(m, "last_error"));
			raw(pg, "</td></tr>\n");
		}
	}
	raw(pg, "</table>\n");
}

static void heartbeats(struct page *pg, json_object *st)
{
	json_object *arr;

	if (!json_object_object_get_ex(st, "heartbeats", &arr) || json_object_array_length(arr) == 0)
		return;
	raw(pg, "<h2>Heartbeats</h2>\n<table id=\"heartbeats\"><tr><th>name</th><th>state</th><th>last beat</th>"
		"<th>every</th><th>to</th></tr>\n");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *hb = json_object_array_get_idx(arr, i);

		raw(pg, "<tr><td>");
		html(pg, str(hb, "name"));
		raw(pg, "</td><td class=\"%s\">", state_class(str(hb, "state")));
		html(pg, str(hb, "state"));
		raw(pg, "</td><td>");
		when(pg, num(hb, "last_beat", NULL));
		raw(pg, "</td><td>%lld s</td><td>", (long long)num(hb, "every", NULL));
		html(pg, str(hb, "to"));
		raw(pg, "</td></tr>\n");
	}
	raw(pg, "</table>\n");
}

/* The beginning of a message's text, from its file (queue/, sent/ or
 * failed/), never cut inside a UTF-8 sequence. */
static void excerpt(struct page *pg, struct http_server *h, json_object *m)
{
	static struct smsfile_msg f; /* large; one page at a time on the loop */
	static struct msg_record rec;
	const char *id = str(m, "id");
	enum spool_dir dir = SPOOL_QUEUE;
	char *buf = NULL, *text = NULL;
	ssize_t n;

	if (!id || !spool_id_valid(id))
		return;
	/* A finished message: its record names its file in sent/ or failed/. */
	if (msg_record_load(h->spool, SPOOL_STATUS, id, &rec) == 0) {
		if (!rec.final[0])
			return;
		dir = rec.state == MSG_SENT || rec.state == MSG_DELIVERED ? SPOOL_SENT : SPOOL_FAILED;
	}
	n = read_file_at(h->spool->dir[dir], dir == SPOOL_QUEUE ? id : rec.final, 64 * 1024, &buf);
	if (n < 0)
		return;
	text = malloc(SMSFILE_TEXT_CAP((size_t)n));
	if (text && smsfile_parse(&f, buf, (size_t)n, text, SMSFILE_TEXT_CAP((size_t)n)) == 0) {
		size_t len = f.text_len;

		if (len > PAGE_EXCERPT) {
			len = PAGE_EXCERPT;
			while (len && ((unsigned char)f.text[len] & 0xc0) == 0x80)
				len--;
		}
		html_put(pg, f.text, len);
		if (len < f.text_len)
			raw(pg, "&hellip;");
	}
	free(text);
	free(buf);
}

static void messages(struct page *pg, struct http_server *h)
{
	json_object *arr = http_list_messages(h, -1, PAGE_MESSAGES);

	raw(pg, "<h2>Last messages</h2>\n<table id=\"messages\"><tr><th>time</th><th>to</th><th>state</th>"
		"<th>modem</th><th>text</th><th>error</th></tr>\n");
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *m = json_object_array_get_idx(arr, i);

		raw(pg, "<tr id=\"m-");
		html(pg, str(m, "id"));
		raw(pg, "\"><td>");
		when(pg, num(m, "created", NULL));
		raw(pg, "</td><td>");
		html(pg, str(m, "to"));
		raw(pg, "</td><td class=\"%s\">", state_class(str(m, "state")));
		html(pg, str(m, "state"));
		raw(pg, "</td><td>");
		html(pg, str(m, "modem"));
		raw(pg, "</td><td>");
		excerpt(pg, h, m);
		raw(pg, "</td><td>");
		html(pg, str(m, "last_error"));
		raw(pg, "</td></tr>\n");
	}
	raw(pg, "</table>\n");
	json_object_put(arr);
}

char *http_page(struct http_server *h, const struct http_req *r, size_t *len)
{
	struct page pg = { malloc(8192), 0, 8192, false };
	const struct form_param *queued = form_get(&r->form, "queued");
	json_object *st = h->ops->status(h->ctx);
	int64_t up = num(st, "uptime", NULL);

	if (!pg.p || !st) {
		free(pg.p);
		json_object_put(st);
		return NULL;
	}
	pg.p[0] = '\0';
	raw(&pg, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		 "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>smsgate</title>\n"
		 "<style>body{font:15px/1.4 system-ui,sans-serif;margin:1em auto;max-width:64em;padding:0 1em;color:#222}"
		 "h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.4em 0 .4em}"
		 "table{border-collapse:collapse;width:100%%}th,td{text-align:left;padding:.2em .5em;"
		 "border-bottom:1px solid #ddd;vertical-align:top}th{background:#f3f3f3;font-weight:600}"
		 ".ok{color:#080}.bad{color:#b00;font-weight:600}.wait{color:#a60}"
		 "form{display:grid;grid-template-columns:5em 1fr;gap:.5em;max-width:36em}"
		 "textarea{height:4em}.note{padding:.4em .6em;background:#e8f0fe}</style>\n"
		 "</head><body>\n<h1>smsgate</h1>\n");
	if (queued && spool_id_valid(queued->value)) {
		raw(&pg, "<p class=\"note\" id=\"note\">Message ");
		html(&pg, queued->value);
		raw(&pg, " queued.</p>\n");
	}
	raw(&pg, "<p id=\"summary\">up %lld h %lld min &middot; queue <b id=\"queued\">%lld</b> &middot; sent %lld "
		 "&middot; failed %lld &middot; received %lld</p>\n",
	    (long long)(up / 3600), (long long)(up % 3600 / 60), (long long)num(st, "queued", NULL),
	    (long long)num(st, "sent", NULL), (long long)num(st, "failed", NULL), (long long)num(st, "received", NULL));
	modems(&pg, st);
	heartbeats(&pg, st);
	messages(&pg, h);
	raw(&pg, "<h2>Send</h2>\n<form method=\"post\" action=\"/api/v1/messages\">"
		 "<input type=\"hidden\" name=\"return_to\" value=\"/\">\n"
		 "<label for=\"to\">To</label><input id=\"to\" name=\"to\" required placeholder=\"+491701234567\">\n"
		 "<label for=\"text\">Text</label><textarea id=\"text\" name=\"text\" required></textarea>\n"
		 "<span></span><button type=\"submit\" id=\"send\">Send</button></form>\n</body></html>\n");
	json_object_put(st);
	if (pg.failed) {
		free(pg.p);
		return NULL;
	}
	*len = pg.len;
	return pg.p;
}
