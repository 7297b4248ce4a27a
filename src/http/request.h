/*
 * A message request, from whichever door it came (JSON, a form, Kannel's
 * parameters), checked exactly as the dispatcher will read it: the
 * smstools3 file is built, parsed back with smsfile_parse and planned with
 * the part cap. Pure: no I/O, no libmicrohttpd, no logging (the fuzz
 * target runs it on arbitrary bytes).
 */
#ifndef SMSGATE_HTTP_REQUEST_H
#define SMSGATE_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "form.h"
#include "sms.h"

#define REQ_RECIPIENTS_MAX 16
#define REQ_CLIENT_ID_MAX 64
#define REQ_VALIDITY_MAX_MIN (63ul * 7 * 24 * 60) /* TS 23.040 9.2.3.12.1: 63 weeks at most */

/* Recipient groups ([group NAME] in the config): a name that starts with
 * a letter (so it never looks like a number) and its members, each a
 * number that passed req_check_number. */
#define REQ_GROUPS_MAX 16
#define REQ_GROUP_NAME_SIZE 32          /* 1 to 31 of A-Z a-z 0-9 _ . -, a letter first */
#define REQ_NUMBER_SIZE 24              /* '+', SMS_ADDR_DIGITS_MAX digits, NUL */

struct req_group {
	char name[REQ_GROUP_NAME_SIZE];
	char member[REQ_RECIPIENTS_MAX][REQ_NUMBER_SIZE];
	unsigned nmember;
};

/* Points into the caller's buffers (the JSON object, the form, the
 * groups after req_expand_groups). */
struct msg_req {
	const char *to[REQ_RECIPIENTS_MAX];
	size_t to_len[REQ_RECIPIENTS_MAX];
	unsigned nto;
	const char *text;
	size_t text_len;
	bool flash, report, high, ucs2;
	unsigned long validity_min;
	const char *client_id;
	char *conv;             /* a converted text (Kannel's charsets) that text points into; malloc'd */
};

/* One smstools3 file per recipient, checked. */
struct msg_files {
	char *data[REQ_RECIPIENTS_MAX];
	size_t len[REQ_RECIPIENTS_MAX];
	unsigned n;
	unsigned parts;
	enum sms_enc enc;
};

/* A number at the door: '+' and digits only, 1 to SMS_ADDR_DIGITS_MAX
 * digits. 0, or -EINVAL with a sentence in why. */
int req_check_number(const char *s, size_t len, char *why, size_t whylen);

/* A group name: 1 to 31 of A-Z a-z 0-9 _ . -, starting with a letter. */
bool req_group_name_valid(const char *s, size_t len);
/* The group called name (len bytes), or NULL. */
const struct req_group *req_group_find(const struct req_group *g, unsigned ngroups, const char *name, size_t len);
/* Replaces each recipient that names a group (it starts with a letter)
 * by the group's members, then drops repeated numbers (+49..., 0049...
 * and 49... are one number), keeping the first. m->to then points into g.
 * 0, or -EINVAL with why: an unknown group, more than REQ_RECIPIENTS_MAX
 * recipients. Numbers themselves are checked later, by req_prepare. */
int req_expand_groups(struct msg_req *m, const struct req_group *g, unsigned ngroups, char *why, size_t whylen);

/* The smstools3 file for one recipient (malloc'd, *len bytes), or NULL
 * when the text is not UTF-8 or memory is short. The number must have
 * passed req_check_number. */
char *req_build_file(const char *to, size_t to_len, const struct msg_req *m, size_t *len);

/* POST /api/v1/messages as JSON; m points into o. 0 or -EINVAL with why. */
int req_from_json(json_object *o, struct msg_req *m, char *why, size_t whylen);

struct msg_record;
/* A message's record as the API shows it (GET /api/v1/messages/ID, and
 * the data of the webhook events): sending_on names the modem it is on
 * right now, or NULL. */
json_object *req_record_json(const struct msg_record *rec, const char *sending_on);
/* An incoming/ file (name, its bytes NUL-terminated; they are changed) as
 * GET /api/v1/inbox and the sms.received event show it: file, from,
 * sent, received, modem, type (sms or status-report), text. */
json_object *req_incoming_json(const char *name, char *buf);
/* ... as a form (to, text, flash, report, priority, validity, id). */
int req_from_form(const struct form *f, struct msg_req *m, char *why, size_t whylen);
/* Kannel's sendsms (to separated by spaces, coding, charset, mclass,
 * dlr-mask, priority, validity). 0, or -EINVAL with why worded as Kannel
 * words it. m->conv may be set even on failure: req_free. */
int req_from_kannel(const struct form *f, struct msg_req *m, char *why, size_t whylen);
void req_free(struct msg_req *m);

/* Checks every recipient and builds their files. 0, or -EINVAL with why
 * (nothing built), -ENOMEM. */
int req_prepare(const struct msg_req *m, unsigned max_parts, struct msg_files *out, char *why, size_t whylen);
void req_files_free(struct msg_files *out);

/* Every recipient starts with one of the nallow prefixes (allow_prefixes,
 * stride bytes apart; none: any). 0, or -EINVAL with why. */
int req_check_allowed(const struct msg_req *m, const char *prefixes, size_t stride, unsigned nallow, char *why,
		      size_t whylen);

/* The file name under status/ that remembers a client id's first answer. */
int req_client_file(const char *client_id, char *name, size_t n);

/* ---- tokens and the legacy endpoints ------------------------------------
 * Shared by smsgated's routes and the CGI front end (smsgate started by a
 * web server), so that both answer the same request with the same bytes. */

#define REQ_TOKEN_SIZE 129      /* up to 128 bytes and the NUL, as the config keeps them */
#define LEGACY_TEXT_TYPE "text/plain; charset=utf-8"
#define LEGACY_ANSWER_MAX 256
/* The answer when the files could not be made durable: never "done". */
#define LEGACY_NOT_STORED "The message could not be stored; try again.\n"

/* With no token configured everything is allowed (smsgated then listens on
 * loopback only). Otherwise one of: "Authorization: Bearer TOKEN", HTTP
 * Basic with the token as password (any user), token= in the parameters,
 * or, for Kannel's sendsms, password=. authorization is the header or NULL. */
bool req_authorized(const char (*tokens)[REQ_TOKEN_SIZE], unsigned ntokens, const char *authorization,
		    const struct form *f, bool kannel);

enum legacy_endpoint { LEGACY_SMS, LEGACY_SENDSMS };

struct legacy_in {
	enum legacy_endpoint ep;
	const char *method;             /* "GET", "HEAD", "POST", ... */
	const char *authorization;      /* the Authorization header, or NULL */
	const struct form *form;        /* the query, then an urlencoded body, decoded */
	const char (*tokens)[REQ_TOKEN_SIZE];
	unsigned ntokens;
	unsigned max_parts;
	const struct req_group *groups; /* [group NAME]: "phone"/"to" may name one */
	unsigned ngroups;
	/* allow_prefixes: nallow NUL-terminated prefixes, allow_stride bytes
	 * apart (smsfile_number_allowed); none: any number. */
	const char *allow;
	size_t allow_stride;
	unsigned nallow;
};

struct legacy_answer {
	unsigned status;
	bool refused;                   /* counts as refused (the daemon's counter) */
	const char *type;
	char body[LEGACY_ANSWER_MAX];
	/* Accepted (2xx): one smstools3 file per recipient, to be made durable
	 * before the answer goes out; n == 0 otherwise. legacy_answer_free. */
	struct msg_files files;
};

/* /cgi-bin/sms (the original CGI: phone, message) and /cgi-bin/sendsms
 * (Kannel): method, token, parameters and the message checked as the
 * dispatcher will read it. Fills a; 0, or -ENOMEM (no answer). */
int legacy_sms_request(const struct legacy_in *in, struct legacy_answer *a);
/* Turns a into the endpoint's refusal (400) with why, worded as that
 * endpoint words it; for a spool that refused the files. */
void legacy_refuse(struct legacy_answer *a, enum legacy_endpoint ep, const char *why);
void legacy_answer_free(struct legacy_answer *a);

#endif
