/*
 * smsgate as a CGI program (RFC 3875): installed as or linked to
 * /www/cgi-bin/sms under uhttpd, or under any web server that runs CGI.
 * It answers /cgi-bin/sms and Kannel's /cgi-bin/sendsms with the very
 * function smsgated's routes call (legacy_sms_request), so the same
 * request gets the same status, type and body from either door.
 *
 * An accepted message goes into the spool's outgoing/ with durable_write
 * (temp, fsync, rename, directory fsync) before "done" is written: smsgated
 * watches outgoing/ with inotify and takes it at once, and sweeps it at
 * start-up, so a message accepted while smsgated is down waits there.
 * queue/ would not do: smsgated learns of files there only when it starts.
 *
 * Which endpoint: the basename of SCRIPT_NAME ("sendsms" is Kannel's,
 * anything else the original "sms"), else PATH_INFO's last segment, else
 * argv[0]'s. The config: $SMSGATE_CONF or /etc/smsgate.conf ([gateway]
 * spool, max_parts and allow_prefixes, [http] token and max_body, the
 * [group NAME] sections: "phone"/"to" may name a group). Details of a failure go
 * to stderr, which web servers put in their error log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "config.h"
#include "durable.h"
#include "form.h"
#include "queue.h"
#include "request.h"

_Static_assert(sizeof(((struct config_http *)0)->token[0]) == REQ_TOKEN_SIZE, "token storage");

static const char *reason_phrase(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* RFC 3875 6.3: the Status header first (busybox httpd reads it only
 * there), the type, a blank line, the body. */
static int cgi_reply(unsigned status, const char *type, const char *body)
{
	printf("Status: %u %s\r\nContent-Type: %s\r\n\r\n%s", status, reason_phrase(status), type, body);
	return fflush(stdout) == 0 ? 0 : CLI_REFUSED;
}

/* {"error": "..."} exactly as smsgated's http_error serialises it. */
static int cgi_error(unsigned status, const char *why)
{
	json_object *o = json_object_new_object();
	int rc;

	if (!o)
		return cgi_reply(500, LEGACY_TEXT_TYPE, "out of memory\n");
	json_object_object_add(o, "error", json_object_new_string(why));
	rc = cgi_reply(status, "application/json",
		       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return rc;
}

static const char *basename_of(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "";
}

static enum legacy_endpoint cgi_endpoint(const char *argv0)
{
	const char *script = basename_of(getenv("SCRIPT_NAME")), *info = getenv("PATH_INFO");

	if (strcmp(script, "sendsms") == 0)
		return LEGACY_SENDSMS;
	if (strcmp(script, "sms") == 0)
		return LEGACY_SMS;
	if (info && info[0])
		return strcmp(basename_of(info), "sendsms") == 0 ? LEGACY_SENDSMS : LEGACY_SMS;
	return strcmp(basename_of(argv0), "sendsms") == 0 ? LEGACY_SENDSMS : LEGACY_SMS;
}

static int read_exact(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

/* A whole decimal number (CONTENT_LENGTH); -EINVAL otherwise. */
static int parse_length(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (~0ull - 9) / 10)
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Each file into outgoing/ as cgi-ID, durably; all or (as far as smsgated
 * has not already taken one) none. 0 or -errno. */
static int cgi_enqueue(const char *spool, const struct msg_files *files)
{
	char path[CONFIG_PATH_SIZE + 16], names[REQ_RECIPIENTS_MAX][SPOOL_ID_LEN + 8];
	unsigned done = 0;
	int dir, rc = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/outgoing", spool) >= sizeof(path))
		return -ENAMETOOLONG;
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		rc = -errno;
		fprintf(stderr, "smsgate: %s: %s (is the spool set up and writable for the web server?)\n", path,
			strerror(errno));
		return rc;
	}
	/* A rename, not a link: smsgated's inotify watch sees IN_MOVED_TO. */
	for (; done < files->n; done++) {
		char id[SPOOL_ID_LEN + 1];

		spool_new_id(id);
		snprintf(names[done], sizeof(names[done]), "cgi-%s", id);
		rc = durable_write(dir, names[done], files->data[done], files->len[done], 0);
		if (rc < 0) {
			fprintf(stderr, "smsgate: %s/%s: %s\n", path, names[done], strerror(-rc));
			break;
		}
	}
	if (rc < 0) {
		while (done-- > 0)
			durable_unlink(dir, names[done], 0);
	}
	close(dir);
	return rc;
}

int cli_cgi(int argc, char **argv)
{
	static struct config cfg;
	const char *conf = getenv("SMSGATE_CONF"), *query = getenv("QUERY_STRING"), *type = getenv("CONTENT_TYPE");
	const char *method = getenv("REQUEST_METHOD");
	struct legacy_in in = { .ep = cgi_endpoint(argc > 0 ? argv[0] : NULL) };
	struct legacy_answer a;
	static struct form form;
	unsigned long long body_len = 0;
	size_t qlen;
	char err[512], *buf;
	int rc;

	if (!conf || !conf[0])
		conf = CLI_DEFAULT_CONF;
	if (config_load(&cfg, conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "smsgate: %s\n", err);
		return cgi_reply(500, LEGACY_TEXT_TYPE, "The SMS gateway is not configured; see the web server's error log.\n");
	}
	/* RFC 3875 4.1.2: CONTENT_LENGTH is set when there is a body. */
	if (getenv("CONTENT_LENGTH") && getenv("CONTENT_LENGTH")[0] &&
	    parse_length(getenv("CONTENT_LENGTH"), &body_len) < 0)
		return cgi_reply(400, LEGACY_TEXT_TYPE, "Bad Content-Length\n");
	if (body_len > cfg.http.max_body) {
		snprintf(err, sizeof(err), "request body larger than %u bytes", cfg.http.max_body);
		return cgi_error(413, err);
	}
	query = query ? query : "";
	qlen = strlen(query);
	/* The query, its terminator, the body, its terminator: form.c decodes
	 * in place and NUL-terminates each value. */
	buf = malloc(qlen + 1 + (size_t)body_len + 1);
	if (!buf)
		return cgi_reply(500, LEGACY_TEXT_TYPE, "out of memory\n");
	memcpy(buf, query, qlen);
	if (body_len && read_exact(STDIN_FILENO, buf + qlen + 1, (size_t)body_len) < 0) {
		free(buf);
		return cgi_reply(400, LEGACY_TEXT_TYPE, "The request body ended early.\n");
	}
	rc = form_parse(&form, buf, qlen);
	/* As smsgated: only an urlencoded body holds parameters; they come
	 * after the query's, so they win on a repeat. */
	if (rc == 0 && body_len && type && strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0)
		rc = form_parse(&form, buf + qlen + 1, (size_t)body_len);
	if (rc < 0) {
		free(buf);
		return cgi_error(400, form_strerror(rc));
	}
	in.method = method ? method : "GET";
	in.authorization = getenv("HTTP_AUTHORIZATION");
	in.form = &form;
	in.tokens = (const char (*)[REQ_TOKEN_SIZE])cfg.http.token;
	in.ntokens = cfg.http.ntoken;
	in.max_parts = cfg.gateway.max_parts;
	in.allow = cfg.gateway.allow_prefixes.p[0];
	in.allow_stride = sizeof(cfg.gateway.allow_prefixes.p[0]);
	in.nallow = cfg.gateway.allow_prefixes.n;
	in.groups = cfg.group;
	in.ngroups = cfg.ngroup;
	if (legacy_sms_request(&in, &a) < 0) {
		free(buf);
		return cgi_reply(500, LEGACY_TEXT_TYPE, "out of memory\n");
	}
	free(buf);
	if (a.files.n && cgi_enqueue(cfg.gateway.spool, &a.files) < 0) {
		legacy_answer_free(&a);
		return cgi_reply(503, LEGACY_TEXT_TYPE, LEGACY_NOT_STORED);
	}
	legacy_answer_free(&a);
	return cgi_reply(a.status, a.type, a.body);
}
