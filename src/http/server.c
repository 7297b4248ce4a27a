/*
 * libmicrohttpd on our loop: each listener's epoll fd is a loop handle,
 * MHD's own timeouts a loop timer. Requests that accept messages stage
 * their files and are suspended; after MHD_run returns, the whole batch
 * is committed with one sync and their answers are released.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "durable.h"
#include "http_int.h"
#include "log.h"
#include "request.h"
#include "util.h"

#define HTTP_CONNECTIONS_MAX 64
#define HTTP_CONNECTION_TIMEOUT_S 10    /* a client that sends nothing is dropped */
#define HTTP_CONNECTION_MEMORY (32 * 1024) /* headers and MHD's buffers */
#define HTTP_DROP_MAX (1024 * 1024)     /* body bytes read and dropped for a 413 */

enum MHD_Result http_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

enum MHD_Result http_json(struct MHD_Connection *c, unsigned status, json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	json_object_put(o);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

enum MHD_Result http_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	json_object *o = json_object_new_object();
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "error", json_object_new_string(buf));
	return http_json(c, status, o);
}

_Static_assert(sizeof(((struct http_settings *)0)->tokens[0]) == REQ_TOKEN_SIZE, "token storage");

/* The rules live in request.c, shared with the CGI front end; with no
 * token, config allows only loopback listeners. */
bool http_authorized(struct http_server *h, struct MHD_Connection *c, const struct http_req *r)
{
	return req_authorized((const char (*)[REQ_TOKEN_SIZE])h->st.tokens, h->st.ntokens,
			      MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION), &r->form,
			      strncmp(r->url, "/cgi-bin/sendsms", 16) == 0);
}

/* ---- group commit ------------------------------------------------------- */

int http_stage(struct http_server *h, struct http_pending *p, const char *id, const char *dir_name, const char *data,
	       size_t len)
{
	enum spool_dir dir = strcmp(dir_name, "status") == 0 ? SPOOL_STATUS : SPOOL_QUEUE;
	int rc = spool_stage(h->spool, &h->batch, dir, id, data, len);

	if (rc == 0 && dir == SPOOL_QUEUE && p->nids < ARRAY_SIZE(p->ids))
		str_copy(p->ids[p->nids++], sizeof(p->ids[0]), id);
	return rc;
}

void http_unstage(struct http_server *h, struct http_pending *p, size_t mark)
{
	while (h->batch.n > mark) {
		struct spool_staged *it = &h->batch.items[--h->batch.n];

		unlinkat(h->spool->dir[it->dir], it->tmp, 0);
	}
	p->nids = 0;
}

enum MHD_Result http_defer(struct http_server *h, struct MHD_Connection *c, struct http_req *r,
			   struct http_pending *p, unsigned status, const char *type, char *answer)
{
	p->conn = c;
	p->req = r;
	p->next = NULL;
	r->status = (int)status;
	r->answer = answer;
	r->answer_type = type;
	r->suspended = true;
	*h->pending_tail = p;
	h->pending_tail = &p->next;
	MHD_suspend_connection(c);
	return MHD_YES;
}

/* Some of p's messages were finished at once by the daemon (suppressed):
 * a JSON answer says so per recipient, and at the top for the first (whose
 * id it carries); the client id's record likewise. Legacy answers stay as
 * they are: their clients know success or failure only, and the message
 * was accepted and recorded. */
static void restate(struct http_server *h, struct http_pending *p, const int *states)
{
	struct http_req *r = p->req;
	json_object *o, *recips;
	const char *text;

	if (!r->answer || !r->answer_type || strcmp(r->answer_type, "application/json") != 0)
		return;
	o = json_tokener_parse(r->answer);
	if (!o)
		return;
	if (states[0])
		json_object_object_add(o, "state", json_object_new_string(msg_state_name((enum msg_state)states[0])));
	if (json_object_object_get_ex(o, "recipients", &recips) && json_object_is_type(recips, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(recips) && i < p->nids; i++)
			json_object_object_add(json_object_array_get_idx(recips, i), "state",
					       json_object_new_string(states[i] ? msg_state_name((enum msg_state)states[i])
										: "queued"));
	}
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	free(r->answer);
	r->answer = strdup(text);
	if (p->client[0] && r->answer)
		durable_write(h->spool->dir[SPOOL_STATUS], p->client, r->answer, strlen(r->answer), h->spool->sync);
	json_object_put(o);
}

static void commit(struct http_server *h)
{
	struct http_pending *p = h->pending;
	int rc;

	if (!p)
		return;
	rc = spool_commit(h->spool, &h->batch);
	if (rc < 0)
		log_error("http: accepting %s messages failed: %s", p->next ? "several" : "a", strerror(-rc));
	h->pending = NULL;
	h->pending_tail = &h->pending;
	while (p) {
		struct http_pending *next = p->next;
		struct http_req *r = p->req;
		struct MHD_Response *resp;

		if (rc == 0) {
			int states[ARRAY_SIZE(p->ids)];
			bool finished = false;

			for (unsigned i = 0; i < p->nids; i++) {
				states[i] = h->ops->enqueued(h->ctx, p->ids[i]);
				finished |= states[i] != 0;
			}
			if (finished)
				restate(h, p, states);
			h->accepted += p->nids;
		} else {
			/* Nothing of it is on disk: say so, never "accepted". */
			free(r->answer);
			r->answer = strdup(r->answer_type && strncmp(r->answer_type, "text", 4) == 0
						   ? LEGACY_NOT_STORED
						   : "{\"error\":\"the message could not be stored; try again\"}");
			r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
		}
		resp = MHD_create_response_from_buffer(r->answer ? strlen(r->answer) : 0, r->answer,
						       MHD_RESPMEM_MUST_FREE);
		r->answer = NULL;
		if (resp) {
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->answer_type);
			if (rc == 0 && r->location[0])
				MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
			MHD_queue_response(p->conn, (unsigned)r->status, resp);
			MHD_destroy_response(resp);
		}
		r->suspended = false;
		MHD_resume_connection(p->conn);
		free(p);
		p = next;
	}
	if (rc == 0 && h->ops->committed)
		h->ops->committed(h->ctx);
}

/* ---- requests ----------------------------------------------------------- */

/* MHD is told to leave %XX and '+' alone; form.c decodes with lengths. */
static size_t identity_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

struct collect {
	struct http_req *r;
	size_t len;
	int err;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				   const char *value, size_t value_size)
{
	struct collect *col = cls;
	char *dst;

	(void)kind;
	if (col->err)
		return MHD_NO;
	dst = col->r->form_buf + col->len;
	if (col->len)
		*dst++ = '&';
	memcpy(dst, key, key_size);
	dst += key_size;
	if (value) {
		*dst++ = '=';
		memcpy(dst, value, value_size);
		dst += value_size;
	}
	col->len = (size_t)(dst - col->r->form_buf);
	return MHD_YES;
}

static enum MHD_Result count_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				 const char *value, size_t value_size)
{
	(void)kind;
	(void)key;
	(void)value;
	*(size_t *)cls += key_size + value_size + 2;
	return MHD_YES;
}

static bool is_form_body(struct MHD_Connection *c)
{
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);

	return type && strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0;
}

/* The query and an urlencoded body, decoded into r->form. form_buf holds
 * the query, its terminator, the body and its terminator. */
static int parse_params(struct MHD_Connection *c, struct http_req *r)
{
	struct collect col = { r, 0, 0 };
	size_t need = 1;
	bool body = r->body_len && is_form_body(c);
	int rc;

	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, count_arg, &need);
	if (body)
		need += r->body_len + 1;
	r->form_buf = malloc(need);
	if (!r->form_buf)
		return -ENOMEM;
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_arg, &col);
	rc = form_parse(&r->form, r->form_buf, col.len);
	if (rc == 0 && body) {
		/* Body parameters come after the query's, so they win on a repeat. */
		char *b = r->form_buf + col.len + 1;

		memcpy(b, r->body, r->body_len);
		rc = form_parse(&r->form, b, r->body_len);
	}
	return rc;
}

static enum MHD_Result too_big(struct http_server *h, struct MHD_Connection *c, struct http_req *r)
{
	r->too_big = true;
	h->refused++;
	return http_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body larger than %u bytes", h->st.max_body);
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				 const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_listener *l = cls;
	struct http_server *h = l->srv;
	struct http_req *r = *con_cls;
	const char *len;
	int rc;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		str_copy(r->method, sizeof(r->method), method);
		if (str_copy(r->url, sizeof(r->url), url) < 0)
			r->url[0] = '\0';
		*con_cls = r;
		h->requests++;
		if ((len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH)) &&
		    strtoull(len, NULL, 10) > h->st.max_body)
			return too_big(h, c, r); /* before reading any of it (and no 100 Continue) */
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		/* Too big without a Content-Length (chunked): MHD takes an answer
		 * only before the body or after all of it, so the rest is read and
		 * dropped, up to a point; beyond it the connection is cut. */
		if (r->too_big || r->body_len + n > h->st.max_body) {
			r->too_big = true;
			r->dropped += n;
			return r->dropped > HTTP_DROP_MAX ? MHD_NO : MHD_YES;
		}
		if (r->body_len + n + 1 > r->body_cap) {
			size_t cap = (r->body_len + n + 1) * 2;
			char *grown;

			if (cap > (size_t)h->st.max_body + 1)
				cap = (size_t)h->st.max_body + 1;
			grown = realloc(r->body, cap);
			if (!grown)
				return MHD_NO;
			r->body = grown;
			r->body_cap = cap;
		}
		memcpy(r->body + r->body_len, upload_data, n);
		r->body_len += n;
		r->body[r->body_len] = '\0';
		return MHD_YES;
	}
	if (r->suspended)
		return MHD_YES;
	if (r->too_big)
		return too_big(h, c, r);
	rc = parse_params(c, r);
	if (rc < 0) {
		h->refused++;
		return http_error(c, MHD_HTTP_BAD_REQUEST, "%s", form_strerror(rc));
	}
	return http_route(h, c, r);
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (!r)
		return;
	free(r->body);
	free(r->form_buf);
	free(r->answer);
	free(r);
	*con_cls = NULL;
}

/* ---- the loop ----------------------------------------------------------- */

static void listener_run(struct http_listener *l)
{
	MHD_UNSIGNED_LONG_LONG timeout;

	MHD_run(l->mhd);
	if (l->srv->pending) {
		commit(l->srv);
		MHD_run(l->mhd); /* push out the answers just released */
	}
	if (MHD_get_timeout(l->mhd, &timeout) == MHD_YES)
		loop_timer_set(l->srv->loop, &l->timer, (int64_t)(timeout < 60000 ? timeout : 60000));
	else
		loop_timer_cancel(l->srv->loop, &l->timer);
}

static void listener_fd_cb(struct loop *lp, struct loop_fd *fd, uint32_t revents)
{
	(void)lp;
	(void)revents;
	listener_run(container_of(fd, struct http_listener, fd));
}

static void listener_timer_cb(struct loop *lp, struct loop_timer *t)
{
	(void)lp;
	listener_run(container_of(t, struct http_listener, timer));
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("http: %s", buf);
}

int http_start(struct http_server **out, struct loop *lp, const struct http_settings *st, struct spool *spool,
	       const struct http_ops *ops, void *ctx, char *why, size_t whylen)
{
	struct http_server *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->loop = lp;
	h->st = *st;
	h->spool = spool;
	h->ops = ops;
	h->ctx = ctx;
	h->pending_tail = &h->pending;
	h->st.tls_cert_pem = h->st.tls_key_pem = NULL;
	if (st->tls_cert_pem) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(why, whylen, "HTTPS: this libmicrohttpd was built without TLS");
			free(h);
			return -ENOTSUP;
		}
		h->tls_cert = strdup(st->tls_cert_pem);
		h->tls_key = strdup(st->tls_key_pem);
		if (!h->tls_cert || !h->tls_key) {
			free(h->tls_cert);
			free(h->tls_key);
			free(h);
			return -ENOMEM;
		}
	}
	for (unsigned i = 0; i < st->nlisten; i++) {
		struct http_listener *l = &h->l[h->nl];
		struct sockaddr_storage ss = { 0 };
		const union MHD_DaemonInfo *info;
		unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

		if (st->listen[i].family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			a->sin6_family = AF_INET6;
			a->sin6_port = htons(st->listen[i].port);
			inet_pton(AF_INET6, st->listen[i].addr, &a->sin6_addr);
			flags |= MHD_USE_IPv6;
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			a->sin_family = AF_INET;
			a->sin_port = htons(st->listen[i].port);
			inet_pton(AF_INET, st->listen[i].addr, &a->sin_addr);
		}
		l->srv = h;
		{
			/* The logger first, so that MHD's complaints about the rest reach it. */
			struct MHD_OptionItem o[] = {
				{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL },
				{ MHD_OPTION_SOCK_ADDR, 0, &ss },
				{ MHD_OPTION_CONNECTION_LIMIT, HTTP_CONNECTIONS_MAX, NULL },
				{ MHD_OPTION_CONNECTION_TIMEOUT, HTTP_CONNECTION_TIMEOUT_S, NULL },
				{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONNECTION_MEMORY, NULL },
				{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed_cb, h },
				{ MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)identity_unescape, NULL },
				{ h->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, h->tls_cert },
				{ h->tls_key ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, h->tls_key },
				{ MHD_OPTION_END, 0, NULL },
			};

			l->mhd = MHD_start_daemon(flags | (h->tls_cert ? MHD_USE_TLS : 0), st->listen[i].port, NULL, NULL,
						  access_cb, l, MHD_OPTION_ARRAY, o, MHD_OPTION_END);
		}
		if (!l->mhd) {
			snprintf(why, whylen, "cannot listen on %s%s%s:%u (%s)", st->listen[i].family == AF_INET6 ? "[" : "",
				 st->listen[i].addr, st->listen[i].family == AF_INET6 ? "]" : "", st->listen[i].port,
				 h->tls_cert ? "in use, not an address of this host, or tls_cert/tls_key unusable: "
					       "not PEM, or the key does not match the certificate"
					     : "in use, or not an address of this host");
			http_stop(h);
			return -EADDRINUSE;
		}
		info = MHD_get_daemon_info(l->mhd, MHD_DAEMON_INFO_EPOLL_FD);
		loop_fd_init(&l->fd, listener_fd_cb);
		loop_timer_init(&l->timer, listener_timer_cb);
		if (!info || loop_fd_add(lp, &l->fd, info->epoll_fd, EPOLLIN) < 0) {
			snprintf(why, whylen, "libmicrohttpd without epoll");
			MHD_stop_daemon(l->mhd);
			http_stop(h);
			return -ENOTSUP;
		}
		h->nl++;
		log_info("http: listening on %s%s%s:%u%s%s", st->listen[i].family == AF_INET6 ? "[" : "", st->listen[i].addr,
			 st->listen[i].family == AF_INET6 ? "]" : "", st->listen[i].port, h->tls_cert ? " (HTTPS)" : "",
			 st->ntokens ? "" : " (no token: loopback only)");
	}
	*out = h;
	return 0;
}

void http_update(struct http_server *h, const struct http_settings *st)
{
	bool same = st->nlisten == h->st.nlisten;

	for (unsigned i = 0; same && i < st->nlisten; i++)
		same = st->listen[i].family == h->st.listen[i].family && st->listen[i].port == h->st.listen[i].port &&
		       strcmp(st->listen[i].addr, h->st.listen[i].addr) == 0;
	/* The listeners are bound already. Tokens checked against other
	 * addresses than these must not apply to these (no token is allowed
	 * only on loopback): all or nothing. */
	if (!same) {
		log_warn("http: listen changed: the HTTP settings stay as they were until smsgated restarts");
		return;
	}
	memcpy(h->st.tokens, st->tokens, sizeof(h->st.tokens));
	h->st.ntokens = st->ntokens;
	h->st.legacy_cgi = st->legacy_cgi;
	h->st.max_body = st->max_body;
	h->st.max_parts = st->max_parts;
	memcpy(h->st.allow_prefixes, st->allow_prefixes, sizeof(h->st.allow_prefixes));
	h->st.nallow = st->nallow;
	h->st.alert_parts = st->alert_parts;
	memcpy(h->st.groups, st->groups, sizeof(h->st.groups));
	h->st.ngroups = st->ngroups;
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	for (unsigned i = 0; i < h->nl; i++) {
		loop_fd_del(h->loop, &h->l[i].fd);
		loop_timer_cancel(h->loop, &h->l[i].timer);
		MHD_stop_daemon(h->l[i].mhd);
	}
	spool_batch_free(&h->batch);
	if (h->tls_key)
		explicit_bzero(h->tls_key, strlen(h->tls_key));
	free(h->tls_key);
	free(h->tls_cert);
	free(h);
}
