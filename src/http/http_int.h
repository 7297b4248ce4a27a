/* Private to src/http: the request, the answer helpers, the routes. */
#ifndef SMSGATE_HTTP_INT_H
#define SMSGATE_HTTP_INT_H

#include <microhttpd.h>

#include "form.h"
#include "http.h"

struct http_listener {
	struct http_server *srv;
	struct MHD_Daemon *mhd;
	struct loop_fd fd;
	struct loop_timer timer;
};

/* An answer waiting for the group commit of its message files. */
struct http_pending {
	struct http_pending *next;
	struct MHD_Connection *conn;
	struct http_req *req;
	char ids[16][SPOOL_ID_LEN + 1];
	unsigned nids;
	char client[160];               /* status/client-HEX it records, or "" */
};

struct http_server {
	struct loop *loop;
	struct http_settings st;
	struct spool *spool;
	const struct http_ops *ops;
	void *ctx;
	struct http_listener l[HTTP_LISTEN_MAX];
	unsigned nl;
	struct spool_batch batch;
	struct http_pending *pending, **pending_tail;
	uint64_t requests, accepted, refused;
	char *tls_cert, *tls_key;       /* PEM, NULL for plain HTTP */
};

struct http_req {
	char method[8];
	char url[256];
	char *body;
	size_t body_len, body_cap;
	size_t dropped;                 /* body bytes beyond max_body, read and dropped */
	bool too_big;
	bool suspended;
	int status;                     /* the answer after the commit */
	char *answer;                   /* its body (malloc'd) */
	const char *answer_type;
	struct form form;               /* query and urlencoded body, decoded */
	char *form_buf;                 /* what form points into */
	char location[64];              /* a redirect (303) for the answer after the commit, or "" */
};

/* Answers now. */
enum MHD_Result http_text(struct MHD_Connection *c, unsigned status, const char *text);
enum MHD_Result http_json(struct MHD_Connection *c, unsigned status, json_object *o); /* takes o */
enum MHD_Result http_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Stages a message file in the batch; the answer waits for the commit. */
int http_stage(struct http_server *h, struct http_pending *p, const char *id, const char *dir_name,
	       const char *data, size_t len);
/* Removes what was staged after mark (h->batch.n before) for p. */
void http_unstage(struct http_server *h, struct http_pending *p, size_t mark);
enum MHD_Result http_defer(struct http_server *h, struct MHD_Connection *c, struct http_req *r,
			   struct http_pending *p, unsigned status, const char *type, char *answer);

bool http_authorized(struct http_server *h, struct MHD_Connection *c, const struct http_req *r);

/* routes.c */
enum MHD_Result http_route(struct http_server *h, struct MHD_Connection *c, struct http_req *r);
/* Message records, newest first: state want (-1: any), at most limit. */
json_object *http_list_messages(struct http_server *h, int want, unsigned long limit);

/* page.c: the status page at / (malloc'd HTML), or NULL. */
char *http_page(struct http_server *h, const struct http_req *r, size_t *len);

#endif
