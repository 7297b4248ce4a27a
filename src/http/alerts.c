#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "sms.h"

/* A growing text; on a failed allocation oom is set and the rest dropped. */
struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *g = realloc(b->p, cap);

		if (!g) {
			b->oom = true;
			return;
		}
		b->p = g;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void put_str(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* One value as one clean line: control characters and line breaks become
 * spaces, runs of spaces one, invalid UTF-8 '?', no blanks at the ends,
 * at most ALERTS_VALUE_MAX bytes (cut between characters). Payloads are
 * untrusted: this is all of them that reaches the text. */
static void put_clean(struct buf *b, const char *s, size_t n)
{
	size_t pos = 0, start = b->len, kept = 0;
	bool space = true; /* no leading blank */

	while (pos < n) {
		size_t at = pos;
		uint32_t cp;
		char u[4];
		int w;

		if (utf8_next(s, n, &pos, &cp) < 0) {
			cp = '?';
			pos = at + 1;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029)
			cp = ' ';
		if (cp == ' ') {
			if (space)
				continue;
			space = true;
		} else {
			space = false;
		}
		w = utf8_put(u, sizeof(u), cp);
		if (w < 0 || kept + (size_t)w > ALERTS_VALUE_MAX)
			break;
		put(b, u, (size_t)w);
		kept += (size_t)w;
	}
	while (!b->oom && b->len > start && b->p[b->len - 1] == ' ')
		b->p[--b->len] = '\0';
}

/* sep and the clean value, when anything is left of the value; sep only
 * when b has grown since start. */
static bool put_clean_after(struct buf *b, size_t start, const char *sep, const char *s, size_t n)
{
	struct buf t = { 0 };
	bool any;

	put_clean(&t, s, n);
	b->oom |= t.oom;
	any = t.len > 0;
	if (any) {
		if (b->len > start)
			put_str(b, sep);
		put(b, t.p, t.len);
	}
	free(t.p);
	return any;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] > ' ' && s[i] != 0x7f)
			return false;
	}
	return true;
}

static bool contains(const char *hay, size_t n, const char *needle, size_t m)
{
	for (size_t i = 0; m && i + m <= n; i++) {
		if (memcmp(hay + i, needle, m) == 0)
			return true;
	}
	return false;
}

static json_object *member(json_object *o, const char *key, enum json_type type)
{
	json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* A string member that holds more than blanks, or NULL. */
static const char *text_of(json_object *o, const char *key, size_t *len)
{
	json_object *v = member(o, key, json_type_string);

	if (!v)
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return blank(json_object_get_string(v), *len) ? NULL : json_object_get_string(v);
}

static bool same_value(json_object *common, const char *key, const char *v, size_t n)
{
	size_t cn;
	const char *c = text_of(common, key, &cn);

	return c && cn == n && memcmp(c, v, n) == 0;
}

struct group {
	json_object *common;            /* commonLabels (or the only alert's labels) */
	const char *name, *severity;    /* common to every alert, or NULL */
	size_t name_len, severity_len;
	bool mixed;                     /* firing and resolved alerts together */
};

/* What tells this alert from the others: its severity when that is not
 * common, and its instance or else up to ALERTS_WHERE_LABELS labels of
 * its own (not alertname, not severity, not shared by all). */
static void put_where(struct buf *b, json_object *labels, const struct group *g)
{
	struct json_object_iterator it, end;
	const char *s;
	size_t n, start = b->len;
	unsigned shown = 0;

	if (!g->severity && (s = text_of(labels, "severity", &n)))
		put_clean_after(b, start, ", ", s, n);
	if ((s = text_of(labels, "instance", &n)) && put_clean_after(b, start, ", ", s, n))
		return;
	if (!labels)
		return;
	it = json_object_iter_begin(labels);
	end = json_object_iter_end(labels);
	for (; !json_object_iter_equal(&it, &end) && shown < ALERTS_WHERE_LABELS; json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);
		json_object *v = json_object_iter_peek_value(&it);
		struct buf k = { 0 }, val = { 0 };

		if (strcmp(key, "alertname") == 0 || strcmp(key, "severity") == 0 ||
		    !json_object_is_type(v, json_type_string))
			continue;
		s = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
		if (same_value(g->common, key, s, n))
			continue;
		put_clean(&k, key, strlen(key));
		put_clean(&val, s, n);
		b->oom |= k.oom || val.oom;
		if (k.len && val.len) {
			if (b->len > start)
				put_str(b, ", ");
			put(b, k.p, k.len);
			put_str(b, "=");
			put(b, val.p, val.len);
			shown++;
		}
		free(k.p);
		free(val.p);
	}
}

/* "NAME (WHERE): SUMMARY", each piece only when there is one. */
static void put_alert(struct buf *b, json_object *alert, const struct group *g, bool resolved)
{
	json_object *labels = member(alert, "labels", json_type_object);
	json_object *ann = member(alert, "annotations", json_type_object);
	struct buf where = { 0 };
	const char *s, *sum;
	size_t n, start, sum_len = 0, mark = b->len;

	if (!(sum = text_of(ann, "summary", &sum_len)) && !(sum = text_of(ann, "description", &sum_len)))
		sum = text_of(ann, "message", &sum_len);
	if (g->mixed && resolved)
		put_str(b, "resolved: ");
	start = b->len;
	if (!g->name && (s = text_of(labels, "alertname", &n)))
		put_clean(b, s, n);
	put_where(&where, labels, g);
	b->oom |= where.oom;
	/* "Instance db1:9100 down" says where already. */
	if (where.len && sum && contains(sum, sum_len, where.p, where.len))
		where.len = 0;
	if (where.len) {
		if (b->len > start)
			put_str(b, " (");
		put(b, where.p, where.len);
		if (b->len > start + where.len)
			put_str(b, ")");
	}
	free(where.p);
	if (sum)
		put_clean_after(b, start, ": ", sum, sum_len);
	if (b->len == start && b->p) {
		b->len = mark; /* nothing to show: no "resolved: " alone */
		b->p[mark] = '\0';
	}
}

/* ---- the cut -------------------------------------------------------------- */

static bool fits(const char *t, size_t n, unsigned max_parts)
{
	struct sms_plan plan;
	size_t bad;

	return sms_plan_text(&plan, t, n, 0, max_parts, &bad) == 0;
}

struct lines {
	struct buf text;                /* header, then each line */
	size_t header;                  /* header bytes */
	size_t *end;                    /* line i ends at end[i] in text */
	unsigned n;
	unsigned long unlisted;         /* alerts left out by the sender (truncatedAlerts) */
};

/* The header, the first k lines and "+N more" for the rest. */
static void compose(struct buf *out, const struct lines *l, unsigned k, bool more)
{
	unsigned long rest = l->n - k + l->unlisted;

	out->len = 0;
	put(out, l->text.p, k ? l->end[k - 1] : l->header);
	if (more && rest) {
		char m[32];

		snprintf(m, sizeof(m), "%s+%lu more", out->len ? "\n" : "", rest);
		put_str(out, m);
	}
}

static int cut(const struct lines *l, unsigned max_parts, struct buf *out)
{
	struct buf tail = { 0 };
	size_t lo = 0, hi, best = 0;
	unsigned k;

	compose(out, l, l->n, true);
	if (out->oom || fits(out->p, out->len, max_parts))
		return out->oom ? -ENOMEM : 0;
	/* Whole lines from the end: the largest k that fits with "+N more". */
	for (k = 1; k < l->n; k++) {
		compose(out, l, k, true);
		if (!fits(out->p, out->len, max_parts))
			break;
	}
	if (k > 1) {
		compose(out, l, k - 1, true);
		return out->oom ? -ENOMEM : 0;
	}
	/* Not even the first line: it is cut between two characters, the
	 * longest prefix that fits with "..." (and "+N more"). */
	k = l->n ? 1 : 0;
	compose(&tail, l, k, true);
	compose(out, l, k, false);
	if (out->oom || tail.oom) {
		free(tail.p);
		return -ENOMEM;
	}
	{
		const char *more = tail.p + out->len;
		size_t more_len = tail.len - out->len;
		struct buf try = { 0 };

		hi = out->len;
		while (lo <= hi) {
			size_t mid = lo + (hi - lo) / 2, at = mid, end;

			while (at > 0 && ((unsigned char)out->p[at] & 0xC0) == 0x80)
				at--; /* back to the start of a character */
			end = at;
			while (end > 0 && (out->p[end - 1] == ' ' || out->p[end - 1] == '\n'))
				end--;
			try.len = 0;
			put(&try, out->p, end);
			put_str(&try, "...");
			put(&try, more, more_len);
			if (try.oom)
				break;
			if (fits(try.p, try.len, max_parts)) {
				best = at;
				lo = mid + 1;
			} else {
				if (mid == 0)
					break;
				hi = mid - 1;
			}
		}
		while (best > 0 && (out->p[best - 1] == ' ' || out->p[best - 1] == '\n'))
			best--;
		try.len = 0;
		put(&try, out->p, best);
		put_str(&try, "...");
		put(&try, more, more_len);
		free(out->p);
		*out = try;
	}
	free(tail.p);
	return out->oom ? -ENOMEM : 0;
}

/* ---- payloads ------------------------------------------------------------- */

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), -EINVAL)

static void end_line(struct lines *l, size_t before)
{
	size_t *g;

	if (l->text.len == before + 1) {
		l->text.len = before; /* an alert with nothing to show: no empty line */
		l->text.p[before] = '\0';
		return;
	}
	g = realloc(l->end, (l->n + 1) * sizeof(*l->end));
	if (!g) {
		l->text.oom = true;
		return;
	}
	l->end = g;
	l->end[l->n++] = l->text.len;
}

/* alerts[] as Alertmanager (and Grafana's unified alerting) sends it. */
static int from_alerts(json_object *payload, json_object *alerts, struct lines *l, char *why, size_t whylen)
{
	size_t na = json_object_array_length(alerts), sl;
	json_object *status = member(payload, "status", json_type_string), *v;
	const char *st = status ? json_object_get_string(status) : "";
	bool group_resolved;
	unsigned long nfiring = 0, nresolved = 0;
	struct group g = { 0 };
	char count[64];

	if (strcmp(st, "firing") != 0 && strcmp(st, "resolved") != 0)
		return WHY("\"status\" must be \"firing\" or \"resolved\"");
	group_resolved = st[0] == 'r';
	if (na == 0)
		return WHY("\"alerts\" is empty");
	for (size_t i = 0; i < na; i++) {
		json_object *a = json_object_array_get_idx(alerts, i), *as;

		if (!json_object_is_type(a, json_type_object))
			return WHY("\"alerts\" must hold objects");
		as = member(a, "status", json_type_string);
		if (as ? strcmp(json_object_get_string(as), "resolved") == 0 : group_resolved)
			nresolved++;
		else
			nfiring++;
	}
	/* Alertmanager's max_alerts and Grafana cut alerts[] and say how many. */
	if ((v = member(payload, "truncatedAlerts", json_type_int)) && json_object_get_int64(v) > 0) {
		l->unlisted = (unsigned long)json_object_get_int64(v);
		if (group_resolved)
			nresolved += l->unlisted;
		else
			nfiring += l->unlisted;
	}
	g.common = member(payload, "commonLabels", json_type_object);
	if (!g.common && na == 1)
		g.common = member(json_object_array_get_idx(alerts, 0), "labels", json_type_object);
	g.name = text_of(g.common, "alertname", &g.name_len);
	if (!g.name)
		g.name = text_of(member(payload, "groupLabels", json_type_object), "alertname", &g.name_len);
	g.severity = text_of(g.common, "severity", &g.severity_len);
	g.mixed = nfiring && nresolved;

	if (nfiring) {
		snprintf(count, sizeof(count), nfiring > 1 || g.mixed ? "FIRING %lu" : "FIRING", nfiring);
		put_str(&l->text, count);
	}
	if (nresolved) {
		snprintf(count, sizeof(count), nresolved > 1 || g.mixed ? "%sRESOLVED %lu" : "%sRESOLVED",
			 nfiring ? ", " : "", nresolved);
		put_str(&l->text, count);
	}
	if (g.name)
		put_clean_after(&l->text, 0, ": ", g.name, g.name_len);
	if (g.severity && put_clean_after(&l->text, 0, " (", g.severity, g.severity_len))
		put_str(&l->text, ")");
	l->header = l->text.len;
	/* Firing first: they are what someone has to act on. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < na; i++) {
			json_object *a = json_object_array_get_idx(alerts, i), *as = member(a, "status", json_type_string);
			bool resolved = as ? strcmp(json_object_get_string(as), "resolved") == 0 : group_resolved;

			if (resolved != (pass == 1))
				continue;
			sl = l->text.len;
			put_str(&l->text, "\n");
			put_alert(&l->text, a, &g, resolved);
			end_line(l, sl);
		}
	}
	return 0;
}

/* Grafana before unified alerting: title, message, state. */
static int from_legacy_grafana(json_object *payload, struct lines *l, char *why, size_t whylen)
{
	const char *title, *message;
	size_t tl, ml, sl;

	title = text_of(payload, "title", &tl);
	message = text_of(payload, "message", &ml);
	if (!title && !message)
		return WHY("no \"alerts\", \"title\" or \"message\" in the payload");
	/* The title is the header; without one (or one that cleans to
	 * nothing) the message is. */
	if (title)
		put_clean(&l->text, title, tl);
	if (l->text.len == 0 && message) {
		put_clean(&l->text, message, ml);
		message = NULL;
	}
	l->header = l->text.len;
	if (message) {
		sl = l->text.len;
		if (put_clean_after(&l->text, 0, "\n", message, ml))
			end_line(l, sl);
	}
	if (l->text.len == 0)
		return WHY("\"title\" and \"message\" hold nothing to show");
	return 0;
}

int alerts_text(enum alerts_source src, json_object *payload, unsigned max_parts, char **text, size_t *len,
		char *why, size_t whylen)
{
	struct lines l = { 0 };
	struct buf out = { 0 };
	json_object *alerts;
	int rc;

	*text = NULL;
	*len = 0;
	if (!json_object_is_type(payload, json_type_object))
		return WHY("the body must be a JSON object");
	if (max_parts < 1 || max_parts > SMS_CONCAT_MAX)
		return WHY("the part cap is 1 to %d", SMS_CONCAT_MAX);
	alerts = member(payload, "alerts", json_type_array);
	if (alerts)
		rc = from_alerts(payload, alerts, &l, why, whylen);
	else if (src == ALERTS_GRAFANA && !json_object_object_get_ex(payload, "alerts", NULL))
		rc = from_legacy_grafana(payload, &l, why, whylen);
	else
		rc = WHY("\"alerts\" is missing or not an array");
	if (rc == 0 && l.text.oom)
		rc = -ENOMEM;
	if (rc == 0)
		rc = cut(&l, max_parts, &out);
	free(l.text.p);
	free(l.end);
	if (rc < 0) {
		free(out.p);
		if (rc == -ENOMEM)
			snprintf(why, whylen, "out of memory");
		return rc;
	}
	*text = out.p;
	*len = out.len;
	return 0;
}
