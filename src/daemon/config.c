#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "log.h"
#include "proc.h"
#include "sms.h"
#include "smsfile.h"
#include "util.h"

enum section { SEC_NONE, SEC_GATEWAY, SEC_HTTP, SEC_MODEM, SEC_WEBHOOK, SEC_GROUP, SEC_HEARTBEAT, SEC_MQTT };

enum type {
	T_PATH,         /* a file name: no '"' */
	T_FILE,         /* a T_PATH that names a regular file we can read, now */
	T_CMD,          /* a program and its arguments, "..." quoting (proc_split) */
	T_UINT,         /* decimal, min..max */
	T_LEVEL,        /* error|warn|info|debug */
	T_BOOL,         /* yes/no/true/false/on/off/1/0 */
	T_BAUD,         /* a standard rate */
	T_PIN,
	T_PHONE,
	T_LISTEN,       /* IPV4:PORT or [IPV6]:PORT, numeric */
	T_TOKEN,        /* printable ASCII without spaces or '"' */
	T_DURATION,     /* 0, or a number with s|m|h|d (seconds without a unit), min..max seconds */
	T_RATE,         /* 0, or N/DURATION: N in 1..CONFIG_RATE_MAX */
	T_PREFIXES,     /* comma-separated phone number prefixes */
	T_URL,          /* http://... or https://..., printable, no spaces */
	T_EVENTS,       /* webhook event names, comma-separated, or all */
	T_MEMBERS,      /* numbers separated by commas and/or spaces, each as at the door (req_check_number) */
	T_TEXT,         /* UTF-8 text for an SMS; '"' allowed inside */
	T_RCPT,         /* a phone number, or the name of a [group] (checked once the whole file is read) */
	T_MQTT_URL,     /* mqtt[s]://HOST[:PORT]; fills host, port and tls of struct config_mqtt */
	T_MQTT_NAME,    /* 1..64 of A-Z a-z 0-9 _ . - (a topic level, a client id); min 1: '/' allowed between */
};

#define REQUIRED 0x1u
#define NONZERO 0x2u    /* T_DURATION: 0 (off) is not a value here */

struct config_key {
	const char *name;
	enum section section;
	enum type type;
	unsigned min, max;
	size_t offset;          /* in the section's struct */
	size_t size;            /* of the field; of one element when repeatable */
	size_t count_offset;    /* repeatable: the element count (unsigned) */
	unsigned count_max;     /* repeatable: capacity; 0: given at most once */
	const char *def;        /* read like a value in the file; NULL: "" / 0 */
	unsigned flags;
};

#define FIELD(type, f) offsetof(type, f), sizeof(((type *)0)->f), 0, 0
#define ARRAY(type, f, n) offsetof(type, f), sizeof(((type *)0)->f[0]), offsetof(type, n), \
	(unsigned)ARRAY_SIZE(((type *)0)->f)
#define GW(f) FIELD(struct config_gateway, f)
#define HTTP(f) FIELD(struct config_http, f)
#define HTTP_ARRAY(f, n) ARRAY(struct config_http, f, n)
#define MODEM(f) FIELD(struct config_modem, f)
#define HOOK(f) FIELD(struct config_webhook, f)
#define GROUP(f) FIELD(struct req_group, f)
#define HB(f) FIELD(struct config_heartbeat, f)
#define MQTT(f) FIELD(struct config_mqtt, f)

/* Every key, once: name, section, type, range, storage, default, flags. */
static const struct config_key keys[] = {
	/* name                   section      type      min  max       storage                    default   flags */
	{ "spool",                SEC_GATEWAY, T_PATH,   0,   0,        GW(spool),                 NULL,     REQUIRED },
	{ "log_level",            SEC_GATEWAY, T_LEVEL,  0,   0,        GW(log_level),             "info",   0 },
	{ "eventhandler",         SEC_GATEWAY, T_PATH,   0,   0,        GW(eventhandler),          NULL,     0 },
	{ "eventhandler_timeout", SEC_GATEWAY, T_UINT,   1,   3600,     GW(eventhandler_timeout),  "60",     0 },
	{ "retry_max",            SEC_GATEWAY, T_UINT,   0,   1000,     GW(retry_max),             "10",     0 },
	{ "retry_base",           SEC_GATEWAY, T_UINT,   1,   3600,     GW(retry_base),            "30",     0 },
	{ "retry_cap",            SEC_GATEWAY, T_UINT,   1,   86400,    GW(retry_cap),             "1800",   0 },
	{ "max_parts",            SEC_GATEWAY, T_UINT,   1,   255,      GW(max_parts),             "10",     0 },
	{ "incomplete_timeout",   SEC_GATEWAY, T_UINT,   10,  604800,   GW(incomplete_timeout),    "3600",   0 },
	{ "keep_sent",            SEC_GATEWAY, T_UINT,   0,   10000000, GW(keep_sent),             "10000",  0 },
	{ "keep_failed",          SEC_GATEWAY, T_UINT,   0,   10000000, GW(keep_failed),           "10000",  0 },
	{ "keep_incoming",        SEC_GATEWAY, T_UINT,   0,   10000000, GW(keep_incoming),         "10000",  0 },
	{ "keep_days",            SEC_GATEWAY, T_UINT,   0,   3650,     GW(keep_days),             "30",     0 },
	{ "admin",                SEC_GATEWAY, T_RCPT,   0,   0,        GW(admin),                 NULL,     0 },
	{ "rate_limit",           SEC_GATEWAY, T_RATE,   1,   604800,   GW(rate_limit),            "0",      0 },
	{ "suppress_duplicates",  SEC_GATEWAY, T_DURATION, 1, 604800,   GW(suppress_duplicates),   "0",      0 },
	{ "allow_prefixes",       SEC_GATEWAY, T_PREFIXES, 0, 0,        GW(allow_prefixes),        NULL,     0 },
	{ "alarm_no_send",        SEC_GATEWAY, T_DURATION, 1, 604800,   GW(alarm_no_send),         "10m",    0 },
	{ "alarm_stuck",          SEC_GATEWAY, T_DURATION, 1, 604800,   GW(alarm_stuck),           "30m",    0 },
	{ "alarm_spool_full",     SEC_GATEWAY, T_UINT,   0,   100,      GW(alarm_spool_full),      "90",     0 },
	{ "alarm_resets",         SEC_GATEWAY, T_RATE,   1,   604800,   GW(alarm_resets),          "5/1h",   0 },
	{ "listen",               SEC_HTTP,    T_LISTEN, 0,   0,        HTTP_ARRAY(listen, nlisten), NULL,   0 },
	{ "token",                SEC_HTTP,    T_TOKEN,  0,   0,        HTTP_ARRAY(token, ntoken), NULL,     0 },
	{ "legacy_cgi",           SEC_HTTP,    T_BOOL,   0,   0,        HTTP(legacy_cgi),          "yes",    0 },
	{ "max_body",             SEC_HTTP,    T_UINT,   1024, 16777216, HTTP(max_body),           "65536",  0 },
	{ "tls_cert",             SEC_HTTP,    T_PATH,   0,   0,        HTTP(tls_cert),            NULL,     0 },
	{ "tls_key",              SEC_HTTP,    T_PATH,   0,   0,        HTTP(tls_key),             NULL,     0 },
	{ "alert_parts",          SEC_HTTP,    T_UINT,   1,   255,      HTTP(alert_parts),         "2",      0 },
	{ "device",               SEC_MODEM,   T_PATH,   0,   0,        MODEM(device),             NULL,     REQUIRED },
	{ "baud",                 SEC_MODEM,   T_BAUD,   0,   0,        MODEM(baud),               "115200", 0 },
	{ "pin",                  SEC_MODEM,   T_PIN,    0,   0,        MODEM(pin),                NULL,     0 },
	{ "smsc",                 SEC_MODEM,   T_PHONE,  0,   0,        MODEM(smsc),               NULL,     0 },
	{ "reset_command",        SEC_MODEM,   T_CMD,    0,   0,        MODEM(reset_command),      NULL,     0 },
	{ "submit_timeout",       SEC_MODEM,   T_UINT,   5,   600,      MODEM(submit_timeout),     "60",     0 },
	{ "poll_interval",        SEC_MODEM,   T_UINT,   1,   3600,     MODEM(poll_interval),      "30",     0 },
	{ "url",                  SEC_WEBHOOK, T_URL,    0,   0,        HOOK(url),                 NULL,     REQUIRED },
	{ "secret",               SEC_WEBHOOK, T_TOKEN,  0,   0,        HOOK(secret),              NULL,     0 },
	{ "events",               SEC_WEBHOOK, T_EVENTS, 0,   0,        HOOK(events),              "all",    0 },
	{ "timeout",              SEC_WEBHOOK, T_UINT,   1,   300,      HOOK(timeout),             "10",     0 },
	{ "retry_cap",            SEC_WEBHOOK, T_DURATION, 1, 86400,    HOOK(retry_cap),           "5m",     0 },
	{ "max_queued",           SEC_WEBHOOK, T_UINT,   1,   1000000,  HOOK(max_queued),          "10000",  0 },
	{ "members",              SEC_GROUP,   T_MEMBERS, 0,  0,        GROUP(member),             NULL,     REQUIRED },
	{ "to",                   SEC_HEARTBEAT, T_RCPT, 0,   0,        HB(to),                    NULL,     REQUIRED },
	{ "every",                SEC_HEARTBEAT, T_DURATION, 1, 31536000, HB(every),               NULL,     REQUIRED | NONZERO },
	{ "text",                 SEC_HEARTBEAT, T_TEXT, 0,   0,        HB(text),                  NULL,     0 },
	{ "url",                  SEC_MQTT,    T_MQTT_URL, 0, 0,        MQTT(url),                 NULL,     REQUIRED },
	{ "client_id",            SEC_MQTT,    T_MQTT_NAME, 0, 0,       MQTT(client_id),           NULL,     0 },
	{ "username",             SEC_MQTT,    T_TOKEN,  0,   0,        MQTT(username),            NULL,     0 },
	{ "password",             SEC_MQTT,    T_TOKEN,  0,   0,        MQTT(password),            NULL,     0 },
	{ "prefix",               SEC_MQTT,    T_MQTT_NAME, 1, 0,       MQTT(prefix),              "smsgate", 0 },
	{ "group",                SEC_MQTT,    T_MQTT_NAME, 0, 0,       MQTT(group),               "smsgate", 0 },
	{ "gateway",              SEC_MQTT,    T_MQTT_NAME, 0, 0,       MQTT(gateway),             NULL,     0 },
	{ "forward",              SEC_MQTT,    T_BOOL,   0,   0,        MQTT(forward),             "no",     0 },
	{ "forward_fallback",     SEC_MQTT,    T_DURATION, 1, 86400,    MQTT(forward_fallback),    "60s",    0 },
	{ "prefetch",             SEC_MQTT,    T_UINT,   1,   10000,    MQTT(prefetch),            "10",     0 },
	{ "takeover_after",       SEC_MQTT,    T_DURATION, 1, 86400,    MQTT(takeover_after),      "30s",    0 },
	{ "keepalive",            SEC_MQTT,    T_UINT,   5,   3600,     MQTT(keepalive),           "60",     0 },
	{ "max_queued",           SEC_MQTT,    T_UINT,   1,   1000000,  MQTT(max_queued),          "10000",  0 },
	{ "ca_file",              SEC_MQTT,    T_FILE,   0,   0,        MQTT(ca_file),             NULL,     0 },
	{ "cert_file",            SEC_MQTT,    T_FILE,   0,   0,        MQTT(cert_file),           NULL,     0 },
	{ "key_file",             SEC_MQTT,    T_FILE,   0,   0,        MQTT(key_file),            NULL,     0 },
};

#define NKEYS ARRAY_SIZE(keys)

static const unsigned baud_rates[] = { 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600 };

struct parser {
	struct config *c;
	const char *file;
	char *err;
	size_t errlen;
	unsigned line;
	enum section sec;
	void *base;                     /* the current section's struct */
	unsigned *seen;                 /* line of each key in the current section; 0: not given */
	char where[CONFIG_NAME_SIZE + 16]; /* "[modem usb0]" for messages */
	unsigned gw_line, http_line, mqtt_line;
	unsigned seen_gw[NKEYS], seen_http[NKEYS], seen_modem[CONFIG_MODEMS_MAX][NKEYS];
	unsigned seen_webhook[CONFIG_WEBHOOKS_MAX][NKEYS];
	unsigned seen_group[CONFIG_GROUPS_MAX][NKEYS], group_line[CONFIG_GROUPS_MAX];
	unsigned seen_heartbeat[CONFIG_HEARTBEATS_MAX][NKEYS];
	unsigned seen_mqtt[NKEYS];
	unsigned listen_line[CONFIG_LISTEN_MAX];
};

/* "FILE:LINE: reason". A message cut short by a small err buffer is still
 * the right message, so truncation is accepted here. */
PRINTF_LIKE(3, 4)
static int fail(struct parser *ps, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->err || !ps->errlen)
		return -EINVAL;
	n = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->file, line);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_digits(const char *s, size_t min, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9')
			return false;
	}
	return n >= min && n <= max;
}

/* Decimal digits only: no sign, no spaces, no hex. -ERANGE past 32 bits. */
static int parse_uint(const char *s, unsigned *out)
{
	unsigned long long v = 0;

	if (!is_digits(s, 1, SIZE_MAX))
		return -EINVAL;
	for (; *s; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 0xffffffffULL)
			return -ERANGE;
	}
	*out = (unsigned)v;
	return 0;
}

/* Well-formed UTF-8 (RFC 3629): no overlong forms, surrogates or values
 * past U+10FFFF. */
static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p, n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
		unsigned long cp = n == 0 ? c : n == 1 ? c & 0x1f : n == 2 ? c & 0x0f : c & 0x07;

		if (n > 3)
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

static int set_string(struct parser *ps, const struct config_key *k, char *slot, const char *v)
{
	size_t n = strlen(v);

	if (n >= k->size)
		return fail(ps, ps->line, "%s: longer than %zu bytes", k->name, k->size - 1);
	memcpy(slot, v, n + 1);
	return 0;
}

static int set_listen(struct parser *ps, const struct config_key *k, struct config_listen *out,
		      const char *v)
{
	char addr[CONFIG_ADDR_SIZE];
	const char *orig = v, *port;
	size_t alen;
	unsigned pnum;
	unsigned char bin[sizeof(struct in6_addr)];
	int family = AF_INET;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (!close || close[1] != ':')
			goto bad;
		family = AF_INET6;
		alen = (size_t)(close - v - 1);
		v++;
		port = close + 2;
	} else {
		const char *colon = strrchr(v, ':');

		if (!colon)
			goto bad;
		family = AF_INET;
		alen = (size_t)(colon - v);
		port = colon + 1;
	}
	if (alen == 0 || alen >= sizeof(addr))
		goto bad;
	memcpy(addr, v, alen);
	addr[alen] = '\0';
	if (inet_pton(family, addr, bin) != 1)
		goto bad;
	if (parse_uint(port, &pnum) == -EINVAL)
		goto bad;
	if (parse_uint(port, &pnum) < 0 || pnum < 1 || pnum > 65535)
		return fail(ps, ps->line, "%s: port %s is out of range 1..65535", k->name, port);
	out->family = family;
	out->port = (uint16_t)pnum;
	/* The canonical spelling, so that duplicates compare equal. */
	if (!inet_ntop(family, bin, out->addr, sizeof(out->addr)))
		goto bad;
	return 0;
bad:
	return fail(ps, ps->line, "%s: \"%s\" is not IPV4:PORT or [IPV6]:PORT (numeric address)",
		    k->name, orig);
}

/* "0", or digits with an optional unit s, m, h or d; 0 stays 0 (off),
 * anything else must lie in min..max seconds. */
static int parse_duration(struct parser *ps, const struct config_key *k, const char *v, unsigned *out)
{
	static const struct { char unit; unsigned secs; } units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char num[16];
	size_t n = strlen(v);
	unsigned mult = 1, u;

	if (n && n < sizeof(num) && (v[n - 1] < '0' || v[n - 1] > '9')) {
		mult = 0;
		for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
			if (v[n - 1] == units[i].unit)
				mult = units[i].secs;
		}
		n--;
	}
	if (!mult || n == 0 || n >= sizeof(num))
		return fail(ps, ps->line, "%s: \"%s\" is not a duration (a number with s, m, h or d)", k->name, v);
	memcpy(num, v, n);
	num[n] = '\0';
	if (parse_uint(num, &u) == -EINVAL)
		return fail(ps, ps->line, "%s: \"%s\" is not a duration (a number with s, m, h or d)", k->name, v);
	if (parse_uint(num, &u) < 0 || (u && (u > k->max / mult || u * mult < k->min)))
		return fail(ps, ps->line, "%s: %s is out of range %us..%us", k->name, v, k->min, k->max);
	*out = u * mult;
	return 0;
}

/* "0" (off) or N/DURATION. */
static int set_rate(struct parser *ps, const struct config_key *k, struct config_rate *out, const char *v)
{
	const char *slash = strchr(v, '/');
	char num[16];
	unsigned n, period;

	if (strcmp(v, "0") == 0) {
		out->count = out->period = 0;
		return 0;
	}
	if (!slash || slash == v || (size_t)(slash - v) >= sizeof(num))
		return fail(ps, ps->line, "%s: \"%s\" is not N/PERIOD (e.g. 10/1h) or 0", k->name, v);
	memcpy(num, v, (size_t)(slash - v));
	num[slash - v] = '\0';
	if (parse_uint(num, &n) == -EINVAL)
		return fail(ps, ps->line, "%s: \"%s\" is not N/PERIOD (e.g. 10/1h) or 0", k->name, v);
	if (n < 1 || n > CONFIG_RATE_MAX)
		return fail(ps, ps->line, "%s: %s messages is out of range 1..%d", k->name, num, CONFIG_RATE_MAX);
	if (parse_duration(ps, k, slash + 1, &period) < 0)
		return -EINVAL;
	if (period == 0)
		return fail(ps, ps->line, "%s: the period must not be 0", k->name);
	out->count = n;
	out->period = period;
	return 0;
}

/* "+49, +43, 0": each an optional '+' and 1 to 20 digits. */
static int set_prefixes(struct parser *ps, const struct config_key *k, struct config_prefixes *out, const char *v)
{
	out->n = 0;
	while (*v) {
		size_t len = strcspn(v, ",");
		const char *p = v, *end = v + len;
		char one[CONFIG_PHONE_SIZE];

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == p || (size_t)(end - p) >= sizeof(one))
			return fail(ps, ps->line, "%s: an empty or overlong prefix in \"%s\"", k->name, v);
		memcpy(one, p, (size_t)(end - p));
		one[end - p] = '\0';
		if (!is_digits(one[0] == '+' ? one + 1 : one, 1, 20))
			return fail(ps, ps->line, "%s: \"%s\" is not a number prefix (an optional '+' and digits)", k->name,
				    one);
		if (out->n >= CONFIG_PREFIXES_MAX)
			return fail(ps, ps->line, "%s: more than %d prefixes", k->name, CONFIG_PREFIXES_MAX);
		memcpy(out->p[out->n++], one, strlen(one) + 1);
		v += len;
		if (*v == ',')
			v++;
	}
	return 0;
}

static int set_url(struct parser *ps, const struct config_key *k, char *slot, const char *v)
{
	const char *host = strncmp(v, "http://", 7) == 0 ? v + 7 : strncmp(v, "https://", 8) == 0 ? v + 8 : NULL;

	if (!host)
		return fail(ps, ps->line, "%s: \"%s\" is not an http:// or https:// URL", k->name, v);
	if (!*host || *host == '/' || *host == ':')
		return fail(ps, ps->line, "%s: \"%s\" has no host", k->name, v);
	for (const char *p = v; *p; p++) {
		if (*p <= ' ' || *p > '~')
			return fail(ps, ps->line, "%s: only printable ASCII without spaces (write %%20)", k->name);
	}
	return set_string(ps, k, slot, v);
}

#ifdef SMSGATE_MQTT_TLS
#define MQTT_URL_FORMS "mqtt://HOST[:PORT] or mqtts://HOST[:PORT]"
#else
#define MQTT_URL_FORMS "mqtt://HOST[:PORT]"
#endif

/* mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (TLS, in a build with
 * GnuTLS), HOST a name, an IPv4 address or [IPv6]. */
static int set_mqtt_url(struct parser *ps, const struct config_key *k, struct config_mqtt *m, const char *v)
{
	bool tls = strncmp(v, "mqtts://", 8) == 0;
	const char *host = v + (tls ? 8 : 7), *end, *port = NULL;
	size_t hlen;
	unsigned p = tls ? 8883 : 1883; /* IANA: secure-mqtt, mqtt */

#ifndef SMSGATE_MQTT_TLS
	if (tls)
		return fail(ps, ps->line, "%s: mqtts:// (TLS) is not supported in this build; use mqtt:// "
			    "on a trusted network or through a TLS tunnel (docs/mqtt.md)", k->name);
#endif
	if (!tls && strncmp(v, "mqtt://", 7) != 0)
		return fail(ps, ps->line, "%s: \"%s\" is not " MQTT_URL_FORMS, k->name, v);
	if (*host == '[') {
		end = strchr(host, ']');
		if (!end)
			return fail(ps, ps->line, "%s: missing ']' in %s", k->name, v);
		host++;
		hlen = (size_t)(end - host);
		end++;
	} else {
		end = host + strcspn(host, ":/");
		hlen = (size_t)(end - host);
	}
	if (*end == ':')
		port = end + 1;
	else if (*end && strcmp(end, "/") != 0)
		return fail(ps, ps->line, "%s: unexpected \"%s\" after the host (mqtt://HOST[:PORT])", k->name, end);
	if (port) {
		char digits[8];
		size_t n = strcspn(port, "/");

		if (n == 0 || n >= sizeof(digits) || (port[n] && strcmp(port + n, "/") != 0))
			return fail(ps, ps->line, "%s: bad port in %s", k->name, v);
		memcpy(digits, port, n);
		digits[n] = '\0';
		if (parse_uint(digits, &p) < 0 || p < 1 || p > 65535)
			return fail(ps, ps->line, "%s: bad port in %s", k->name, v);
	}
	if (hlen == 0 || hlen >= sizeof(m->host))
		return fail(ps, ps->line, "%s: no host in %s", k->name, v);
	for (size_t i = 0; i < hlen; i++) {
		char ch = host[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '.' || ch == ':' || ch == '_'))
			return fail(ps, ps->line, "%s: bad host in %s", k->name, v);
	}
	if (set_string(ps, k, m->url, v) < 0)
		return -EINVAL;
	memcpy(m->host, host, hlen);
	m->host[hlen] = '\0';
	m->port = (uint16_t)p;
	m->tls = tls;
	return 0;
}

/* A topic level or client id; with slash (prefix), levels separated by
 * single '/', none empty. MQTT wildcards and '$' never. */
static int set_mqtt_name(struct parser *ps, const struct config_key *k, char *slot, const char *v, bool slash)
{
	size_t n = strlen(v);

	if (n > (slash ? CONFIG_MQTT_TOPIC_SIZE : CONFIG_MQTT_NAME_SIZE) - 1)
		return fail(ps, ps->line, "%s: longer than %d bytes", k->name,
			    (slash ? CONFIG_MQTT_TOPIC_SIZE : CONFIG_MQTT_NAME_SIZE) - 1);
	for (size_t i = 0; i < n; i++) {
		char ch = v[i];

		if (name_char(ch))
			continue;
		if (slash && ch == '/' && i > 0 && i + 1 < n && v[i + 1] != '/')
			continue;
		return fail(ps, ps->line, "%s: \"%s\" is not 1 to %d of A-Z a-z 0-9 _ . -%s", k->name, v,
			    (slash ? CONFIG_MQTT_TOPIC_SIZE : CONFIG_MQTT_NAME_SIZE) - 1,
			    slash ? " (levels separated by /)" : "");
	}
	return set_string(ps, k, slot, v);
}

/* "all", or event names separated by commas and/or blanks. */
static int set_events(struct parser *ps, const struct config_key *k, unsigned *slot, const char *v)
{
	char copy[CONFIG_LINE_MAX + 1], *save = NULL;
	unsigned mask = 0;

	if (strcmp(v, "all") == 0) {
		*slot = WEBHOOK_ALL;
		return 0;
	}
	snprintf(copy, sizeof(copy), "%s", v);
	for (char *w = strtok_r(copy, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
		int e = webhook_event_parse(w);

		if (e < 0)
			return fail(ps, ps->line,
				    "%s: unknown event \"%s\" (sms.received, sms.sent, sms.delivered, sms.failed, gateway.alarm, or all)",
				    k->name, w);
		mask |= (unsigned)e;
	}
	if (!mask)
		return fail(ps, ps->line, "%s: no event", k->name);
	*slot = mask;
	return 0;
}

/* "+4917..., +4916... 0170..." into a group (base): each number checked
 * as at the door; a repeat is kept once. */
static int set_members(struct parser *ps, const struct config_key *k, struct req_group *g, const char *v)
{
	g->nmember = 0;
	while (*v) {
		size_t len = strcspn(v, ", \t");
		char why[128];
		bool dup = false;

		if (len) {
			if (req_check_number(v, len, why, sizeof(why)) < 0)
				return fail(ps, ps->line, "%s: \"%.*s\": %s", k->name, (int)len, v, why);
			for (unsigned i = 0; i < g->nmember && !dup; i++)
				dup = strlen(g->member[i]) == len && memcmp(g->member[i], v, len) == 0;
			if (!dup && g->nmember >= REQ_RECIPIENTS_MAX)
				return fail(ps, ps->line, "%s: more than %d numbers", k->name, REQ_RECIPIENTS_MAX);
			if (!dup) {
				memcpy(g->member[g->nmember], v, len);
				g->member[g->nmember++][len] = '\0';
			}
		}
		v += len;
		v += strspn(v, ", \t");
	}
	if (g->nmember == 0)
		return fail(ps, ps->line, "%s: no number", k->name);
	return 0;
}

static int set_value(struct parser *ps, const struct config_key *k, void *base, const char *v)
{
	char *slot = (char *)base + k->offset;
	unsigned *count = NULL, u;
	int rc = -EINVAL, lvl;

	if (!*v)
		return fail(ps, ps->line, "%s: empty value", k->name);
	if (k->type != T_CMD && k->type != T_TEXT && strchr(v, '"'))
		return fail(ps, ps->line, "%s: stray '\"' in %s", k->name, v);
	if (k->count_max) {
		count = (unsigned *)(void *)((char *)base + k->count_offset);
		if (*count >= k->count_max)
			return fail(ps, ps->line, "%s: given more than %u times", k->name, k->count_max);
		slot += *count * k->size;
	}

	switch (k->type) {
	case T_PATH:
		rc = set_string(ps, k, slot, v);
		break;
	case T_FILE: {
		/* Read when the config is: a typo is FILE:LINE at start (and in
		 * check-config), not a connection failing later. stat(), never
		 * open(): a path may name a FIFO or a device. */
		struct stat st;

		if (stat(v, &st) < 0 || (S_ISREG(st.st_mode) && access(v, R_OK) < 0))
			return fail(ps, ps->line, "%s: %s: %s", k->name, v, strerror(errno));
		if (!S_ISREG(st.st_mode))
			return fail(ps, ps->line, "%s: %s is not a file", k->name, v);
		rc = set_string(ps, k, slot, v);
		break;
	}
	case T_CMD: {
		char copy[CONFIG_CMD_SIZE], *argv[CONFIG_CMD_ARGS_MAX + 1];

		rc = set_string(ps, k, slot, v);
		if (rc < 0)
			break;
		memcpy(copy, v, strlen(v) + 1);
		rc = proc_split(copy, argv, ARRAY_SIZE(argv));
		if (rc == -E2BIG)
			rc = fail(ps, ps->line, "%s: more than %d words", k->name, CONFIG_CMD_ARGS_MAX);
		else if (rc < 0)
			rc = fail(ps, ps->line, "%s: unterminated quote", k->name);
		else if (rc == 0 || !argv[0][0])
			rc = fail(ps, ps->line, "%s: no program", k->name);
		else
			rc = 0;
		break;
	}
	case T_UINT:
		rc = parse_uint(v, &u);
		if (rc == -EINVAL)
			return fail(ps, ps->line, "%s: \"%s\" is not a number", k->name, v);
		if (rc < 0 || u < k->min || u > k->max)
			return fail(ps, ps->line, "%s: %s is out of range %u..%u", k->name, v, k->min, k->max);
		*(unsigned *)(void *)slot = u;
		break;
	case T_LEVEL:
		lvl = log_level_parse(v);
		if (lvl < 0)
			return fail(ps, ps->line, "%s: \"%s\" is not one of error, warn, info, debug", k->name, v);
		*(enum log_level *)(void *)slot = (enum log_level)lvl;
		rc = 0;
		break;
	case T_BOOL: {
		static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };
		int b = -1;

		for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
			if (strcmp(v, yes[i]) == 0)
				b = 1;
			else if (strcmp(v, no[i]) == 0)
				b = 0;
		}
		if (b < 0)
			return fail(ps, ps->line, "%s: \"%s\" is not yes or no (true/false, on/off, 1/0)", k->name, v);
		*(bool *)slot = b;
		rc = 0;
		break;
	}
	case T_BAUD:
		rc = parse_uint(v, &u);
		if (rc == -EINVAL)
			return fail(ps, ps->line, "%s: \"%s\" is not a number", k->name, v);
		rc = -ERANGE;
		for (size_t i = 0; i < ARRAY_SIZE(baud_rates); i++) {
			if (baud_rates[i] == u)
				rc = 0;
		}
		if (rc < 0)
			return fail(ps, ps->line,
				    "%s: %s is not one of 9600 19200 38400 57600 115200 230400 460800 921600",
				    k->name, v);
		*(unsigned *)(void *)slot = u;
		break;
	case T_PIN:
		if (!is_digits(v, 4, 8))
			return fail(ps, ps->line, "%s: \"%s\" is not 4 to 8 digits", k->name, v);
		rc = set_string(ps, k, slot, v);
		break;
	case T_PHONE:
		if (!is_digits(v[0] == '+' ? v + 1 : v, 1, 20))
			return fail(ps, ps->line, "%s: \"%s\" is not a phone number (an optional '+' and 1 to 20 digits)",
				    k->name, v);
		rc = set_string(ps, k, slot, v);
		break;
	case T_LISTEN:
		rc = set_listen(ps, k, (struct config_listen *)(void *)slot, v);
		if (rc == 0 && *count < CONFIG_LISTEN_MAX)
			ps->listen_line[*count] = ps->line;
		break;
	case T_TOKEN:
		for (const char *p = v; *p; p++) {
			if (*p <= ' ' || *p > '~')
				return fail(ps, ps->line, "%s: only printable ASCII without spaces", k->name);
		}
		rc = set_string(ps, k, slot, v);
		break;
	case T_DURATION:
		rc = parse_duration(ps, k, v, (unsigned *)(void *)slot);
		if (rc == 0 && (k->flags & NONZERO) && *(unsigned *)(void *)slot == 0)
			return fail(ps, ps->line, "%s: must be more than 0", k->name);
		break;
	case T_RATE:
		rc = set_rate(ps, k, (struct config_rate *)(void *)slot, v);
		break;
	case T_PREFIXES:
		rc = set_prefixes(ps, k, (struct config_prefixes *)(void *)slot, v);
		break;
	case T_URL:
		rc = set_url(ps, k, slot, v);
		break;
	case T_EVENTS:
		rc = set_events(ps, k, (unsigned *)(void *)slot, v);
		break;
	case T_MEMBERS:
		rc = set_members(ps, k, base, v);
		break;
	case T_RCPT:
		if (!is_digits(v[0] == '+' ? v + 1 : v, 1, 20) && !req_group_name_valid(v, strlen(v)))
			return fail(ps, ps->line,
				    "%s: \"%s\" is neither a phone number (an optional '+' and 1 to 20 digits) nor a group name",
				    k->name, v);
		rc = set_string(ps, k, slot, v);
		break;
	case T_TEXT:
		if (!utf8_valid(v))
			return fail(ps, ps->line, "%s: not valid UTF-8", k->name);
		rc = set_string(ps, k, slot, v);
		break;
	case T_MQTT_URL:
		rc = set_mqtt_url(ps, k, base, v);
		break;
	case T_MQTT_NAME:
		rc = set_mqtt_name(ps, k, slot, v, k->min == 1);
		break;
	}
	if (rc == 0 && count)
		(*count)++;
	return rc;
}

/* The defaults of one section's keys into base. They are read exactly as
 * the file would be, so they obey the table's ranges. */
static void apply_defaults(enum section sec, void *base)
{
	struct parser dummy = { .file = "(defaults)" };

	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].section == sec && keys[i].def)
			set_value(&dummy, &keys[i], base, keys[i].def);
	}
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	apply_defaults(SEC_GATEWAY, &c->gateway);
	apply_defaults(SEC_HTTP, &c->http);
}

static void rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

static char *ltrim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Cuts a ';' or '#' comment that starts the text or follows whitespace,
 * outside "..." quotes, then trailing whitespace. -EINVAL: a quote is
 * left open. */
static int cut_comment(char *s)
{
	bool quoted = false;

	for (char *p = s; *p; p++) {
		if (*p == '"') {
			quoted = !quoted;
		} else if (!quoted && (*p == ';' || *p == '#') && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	if (quoted)
		return -EINVAL;
	rtrim(s);
	return 0;
}

static bool valid_modem_name(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		if (!name_char(s[n]))
			return false;
	}
	return n >= 1 && n < CONFIG_NAME_SIZE;
}

static int open_modem(struct parser *ps, const char *name)
{
	struct config *c = ps->c;
	struct config_modem *m;

	if (!*name)
		return fail(ps, ps->line, "[modem] needs a name: [modem NAME]");
	if (!valid_modem_name(name))
		return fail(ps, ps->line, "bad modem name \"%s\" (1 to %d of A-Z a-z 0-9 _ . -)", name,
			    CONFIG_NAME_SIZE - 1);
	for (unsigned i = 0; i < c->nmodem; i++) {
		if (strcmp(c->modem[i].name, name) == 0)
			return fail(ps, ps->line, "duplicate modem \"%s\" (first on line %d)", name,
				    c->modem[i].line);
	}
	if (c->nmodem >= CONFIG_MODEMS_MAX)
		return fail(ps, ps->line, "more than %d [modem] sections", CONFIG_MODEMS_MAX);
	m = &c->modem[c->nmodem];
	memset(m, 0, sizeof(*m));
	apply_defaults(SEC_MODEM, m);
	memcpy(m->name, name, strlen(name) + 1);
	m->line = (int)ps->line;
	ps->seen = ps->seen_modem[c->nmodem];
	ps->base = m;
	ps->sec = SEC_MODEM;
	snprintf(ps->where, sizeof(ps->where), "[modem %s]", name);
	c->nmodem++;
	return 0;
}

static int open_webhook(struct parser *ps, const char *name)
{
	struct config *c = ps->c;
	struct config_webhook *w;

	if (!*name)
		return fail(ps, ps->line, "[webhook] needs a name: [webhook NAME]");
	if (!valid_modem_name(name))
		return fail(ps, ps->line, "bad webhook name \"%s\" (1 to %d of A-Z a-z 0-9 _ . -)", name,
			    CONFIG_NAME_SIZE - 1);
	if (name[0] == '.')
		return fail(ps, ps->line, "bad webhook name \"%s\" (it names a directory: no leading '.')", name);
	for (unsigned i = 0; i < c->nwebhook; i++) {
		if (strcmp(c->webhook[i].name, name) == 0)
			return fail(ps, ps->line, "duplicate webhook \"%s\" (first on line %d)", name,
				    c->webhook[i].line);
	}
	if (c->nwebhook >= CONFIG_WEBHOOKS_MAX)
		return fail(ps, ps->line, "more than %d [webhook] sections", CONFIG_WEBHOOKS_MAX);
	w = &c->webhook[c->nwebhook];
	memset(w, 0, sizeof(*w));
	apply_defaults(SEC_WEBHOOK, w);
	memcpy(w->name, name, strlen(name) + 1);
	w->line = (int)ps->line;
	ps->seen = ps->seen_webhook[c->nwebhook];
	ps->base = w;
	ps->sec = SEC_WEBHOOK;
	snprintf(ps->where, sizeof(ps->where), "[webhook %s]", name);
	c->nwebhook++;
	return 0;
}

static int open_group(struct parser *ps, const char *name)
{
	struct config *c = ps->c;
	struct req_group *g;

	if (!*name)
		return fail(ps, ps->line, "[group] needs a name: [group NAME]");
	if (!req_group_name_valid(name, strlen(name)))
		return fail(ps, ps->line,
			    "bad group name \"%s\" (a letter, then up to %d of A-Z a-z 0-9 _ . -: it must not look like a number)",
			    name, REQ_GROUP_NAME_SIZE - 2);
	for (unsigned i = 0; i < c->ngroup; i++) {
		if (strcmp(c->group[i].name, name) == 0)
			return fail(ps, ps->line, "duplicate group \"%s\" (first on line %u)", name, ps->group_line[i]);
	}
	if (c->ngroup >= CONFIG_GROUPS_MAX)
		return fail(ps, ps->line, "more than %d [group] sections", CONFIG_GROUPS_MAX);
	g = &c->group[c->ngroup];
	memset(g, 0, sizeof(*g));
	memcpy(g->name, name, strlen(name) + 1);
	ps->group_line[c->ngroup] = ps->line;
	ps->seen = ps->seen_group[c->ngroup];
	ps->base = g;
	ps->sec = SEC_GROUP;
	snprintf(ps->where, sizeof(ps->where), "[group %s]", name);
	c->ngroup++;
	return 0;
}

static int open_heartbeat(struct parser *ps, const char *name)
{
	struct config *c = ps->c;
	struct config_heartbeat *hb;

	if (!*name)
		return fail(ps, ps->line, "[heartbeat] needs a name: [heartbeat NAME]");
	if (!valid_modem_name(name))
		return fail(ps, ps->line, "bad heartbeat name \"%s\" (1 to %d of A-Z a-z 0-9 _ . -)", name,
			    CONFIG_NAME_SIZE - 1);
	for (unsigned i = 0; i < c->nheartbeat; i++) {
		if (strcmp(c->heartbeat[i].name, name) == 0)
			return fail(ps, ps->line, "duplicate heartbeat \"%s\" (first on line %d)", name,
				    c->heartbeat[i].line);
	}
	if (c->nheartbeat >= CONFIG_HEARTBEATS_MAX)
		return fail(ps, ps->line, "more than %d [heartbeat] sections", CONFIG_HEARTBEATS_MAX);
	hb = &c->heartbeat[c->nheartbeat];
	memset(hb, 0, sizeof(*hb));
	memcpy(hb->name, name, strlen(name) + 1);
	hb->line = (int)ps->line;
	ps->seen = ps->seen_heartbeat[c->nheartbeat];
	ps->base = hb;
	ps->sec = SEC_HEARTBEAT;
	snprintf(ps->where, sizeof(ps->where), "[heartbeat %s]", name);
	c->nheartbeat++;
	return 0;
}

/* s: the line from '[', comment cut and trimmed. */
static int parse_section(struct parser *ps, char *s)
{
	char *close = strchr(s, ']'), *name, *arg;
	unsigned *first;

	if (!close)
		return fail(ps, ps->line, "missing ']' in section header");
	if (close[1])
		return fail(ps, ps->line, "unexpected text after ']': %s", ltrim(close + 1));
	*close = '\0';
	name = ltrim(s + 1);
	rtrim(name);
	arg = name + strcspn(name, " \t");
	if (*arg)
		*arg++ = '\0';
	arg = ltrim(arg);

	if (strcmp(name, "modem") == 0)
		return open_modem(ps, arg);
	if (strcmp(name, "webhook") == 0)
		return open_webhook(ps, arg);
	if (strcmp(name, "group") == 0)
		return open_group(ps, arg);
	if (strcmp(name, "heartbeat") == 0)
		return open_heartbeat(ps, arg);
	if (strcmp(name, "gateway") == 0) {
		ps->sec = SEC_GATEWAY;
		ps->base = &ps->c->gateway;
		ps->seen = ps->seen_gw;
		first = &ps->gw_line;
	} else if (strcmp(name, "http") == 0) {
		ps->sec = SEC_HTTP;
		ps->base = &ps->c->http;
		ps->seen = ps->seen_http;
		first = &ps->http_line;
	} else if (strcmp(name, "mqtt") == 0) {
		if (!*arg && !ps->c->mqtt.line) {
			apply_defaults(SEC_MQTT, &ps->c->mqtt);
			ps->c->mqtt.enabled = true;
			ps->c->mqtt.line = (int)ps->line;
		}
		ps->sec = SEC_MQTT;
		ps->base = &ps->c->mqtt;
		ps->seen = ps->seen_mqtt;
		first = &ps->mqtt_line;
	} else {
		if (*arg)
			return fail(ps, ps->line, "unknown section [%s %s]", name, arg);
		return fail(ps, ps->line, "unknown section [%s]", name);
	}
	if (*arg)
		return fail(ps, ps->line, "[%s] takes no name", name);
	if (*first)
		return fail(ps, ps->line, "duplicate section [%s] (first on line %u)", name, *first);
	*first = ps->line;
	snprintf(ps->where, sizeof(ps->where), "[%s]", name);
	return 0;
}

static int parse_key(struct parser *ps, char *s)
{
	char *eq = strchr(s, '='), *key, *val;
	size_t vlen;

	if (!eq)
		return fail(ps, ps->line, "missing '=' in \"%s\"", s);
	*eq = '\0';
	key = s;
	rtrim(key);
	val = ltrim(eq + 1);
	if (!*key)
		return fail(ps, ps->line, "missing key before '='");
	if (ps->sec == SEC_NONE)
		return fail(ps, ps->line, "key \"%s\" outside any section", key);
	/* "..." keeps ';', '#' and outer spaces; the quotes go. */
	vlen = strlen(val);
	if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"' && !memchr(val + 1, '"', vlen - 2)) {
		val[vlen - 1] = '\0';
		val++;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &keys[i];

		if (k->section != ps->sec || strcmp(k->name, key) != 0)
			continue;
		if (ps->seen[i] && !k->count_max)
			return fail(ps, ps->line, "duplicate key \"%s\" in %s (first on line %u)", key, ps->where,
				    ps->seen[i]);
		if (!ps->seen[i])
			ps->seen[i] = ps->line;
		return set_value(ps, k, ps->base, val);
	}
	return fail(ps, ps->line, "unknown key \"%s\" in %s", key, ps->where);
}

static int parse_line(struct parser *ps, const char *text, size_t len)
{
	char buf[CONFIG_LINE_MAX + 1], *s;

	if (len && text[len - 1] == '\r')
		len--;
	/* A byte order mark, as some editors write. */
	if (ps->line == 1 && len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (len > CONFIG_LINE_MAX)
		return fail(ps, ps->line, "line longer than %d bytes", CONFIG_LINE_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(ps, ps->line, "control character 0x%02x", ch);
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	s = ltrim(buf);
	if (cut_comment(s) < 0)
		return fail(ps, ps->line, "unterminated quote");
	if (!*s)
		return 0;
	if (*s == '[')
		return parse_section(ps, s);
	return parse_key(ps, s);
}

static int missing_keys(struct parser *ps, enum section sec, const unsigned *seen, unsigned line,
			const char *where)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].section == sec && (keys[i].flags & REQUIRED) && !seen[i])
			return fail(ps, line, "%s has no %s", where, keys[i].name);
	}
	return 0;
}

/* The index in keys[] (and so in a section's seen[]) of a key of that
 * section: a name alone is ambiguous, retry_cap and max_queued are keys of
 * several sections. A key not in the table is a bug; it gives 0, a wrong
 * line number in a message but never a read outside seen[]. */
static size_t key_index(enum section sec, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].section == sec && strcmp(keys[i].name, name) == 0)
			return i;
	}
	return 0;
}

static bool is_loopback(const struct config_listen *l)
{
	unsigned char bin[sizeof(struct in6_addr)];

	if (inet_pton(l->family, l->addr, bin) != 1)
		return false;
	if (l->family == AF_INET)
		return bin[0] == 127;
	/* ::1, or 127.x.y.z mapped (::ffff:127.0.0.1) */
	return memcmp(bin, in6addr_loopback.s6_addr, 16) == 0 ||
	       (memcmp(bin, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 && bin[12] == 127);
}

/* What no single line shows: required keys, and keys that contradict. */
static int check_whole(struct parser *ps, unsigned last_line)
{
	const struct config *c = ps->c;
	const struct config_http *h = &c->http;
	char where[CONFIG_NAME_SIZE + 16];
	int rc;

	if (!ps->gw_line)
		return fail(ps, last_line, "no [gateway] section (spool is required)");
	rc = missing_keys(ps, SEC_GATEWAY, ps->seen_gw, ps->gw_line, "[gateway]");
	for (unsigned i = 0; rc == 0 && i < c->nmodem; i++) {
		snprintf(where, sizeof(where), "[modem %s]", c->modem[i].name);
		rc = missing_keys(ps, SEC_MODEM, ps->seen_modem[i], (unsigned)c->modem[i].line, where);
	}
	for (unsigned i = 0; rc == 0 && i < c->nwebhook; i++) {
		snprintf(where, sizeof(where), "[webhook %s]", c->webhook[i].name);
		rc = missing_keys(ps, SEC_WEBHOOK, ps->seen_webhook[i], (unsigned)c->webhook[i].line, where);
	}
	for (unsigned i = 0; rc == 0 && i < c->ngroup; i++) {
		snprintf(where, sizeof(where), "[group %s]", c->group[i].name);
		rc = missing_keys(ps, SEC_GROUP, ps->seen_group[i], ps->group_line[i], where);
	}
	for (unsigned i = 0; rc == 0 && i < c->nheartbeat; i++) {
		snprintf(where, sizeof(where), "[heartbeat %s]", c->heartbeat[i].name);
		rc = missing_keys(ps, SEC_HEARTBEAT, ps->seen_heartbeat[i], (unsigned)c->heartbeat[i].line, where);
	}
	if (rc == 0 && c->mqtt.enabled)
		rc = missing_keys(ps, SEC_MQTT, ps->seen_mqtt, (unsigned)c->mqtt.line, "[mqtt]");
	if (rc < 0)
		return rc;
	if (c->mqtt.password[0] && !c->mqtt.username[0])
		return fail(ps, ps->seen_mqtt[key_index(SEC_MQTT, "password")], "[mqtt] has a password but no username");
	if (c->mqtt.enabled) {
		static const char *const tls_keys[] = { "ca_file", "cert_file", "key_file" };
		const struct config_mqtt *m = &c->mqtt;

		for (size_t i = 0; i < ARRAY_SIZE(tls_keys); i++) {
			unsigned l = ps->seen_mqtt[key_index(SEC_MQTT, tls_keys[i])];

			if (l && !m->tls)
				return fail(ps, l, "[mqtt] %s is for TLS, and url is not mqtts://", tls_keys[i]);
		}
		if (!m->cert_file[0] != !m->key_file[0])
			return fail(ps, ps->seen_mqtt[key_index(SEC_MQTT, m->cert_file[0] ? "cert_file" : "key_file")],
				    "[mqtt] has %s but no %s: a client certificate needs both",
				    m->cert_file[0] ? "cert_file" : "key_file", m->cert_file[0] ? "key_file" : "cert_file");
	}
	if (!h->tls_cert[0] != !h->tls_key[0]) {
		unsigned l = ps->seen_http[key_index(SEC_HTTP, h->tls_cert[0] ? "tls_cert" : "tls_key")];

		return fail(ps, l, "[http] has %s but no %s: HTTPS needs both", h->tls_cert[0] ? "tls_cert" : "tls_key",
			    h->tls_cert[0] ? "tls_key" : "tls_cert");
	}
	/* A member the allow-list refuses would be refused at every send. */
	for (unsigned i = 0; i < c->ngroup; i++) {
		const struct req_group *g = &c->group[i];

		for (unsigned j = 0; j < g->nmember; j++) {
			if (!smsfile_number_allowed(g->member[j], strlen(g->member[j]), c->gateway.allow_prefixes.p[0],
						    sizeof(c->gateway.allow_prefixes.p[0]), c->gateway.allow_prefixes.n))
				return fail(ps, ps->seen_group[i][key_index(SEC_GROUP, "members")],
					    "[group %s]: %s is not in allow_prefixes", g->name, g->member[j]);
		}
	}
	/* admin and a heartbeat's to: a number, or a group defined somewhere in the file. */
	if (c->gateway.admin[0] && req_group_name_valid(c->gateway.admin, strlen(c->gateway.admin)) &&
	    !req_group_find(c->group, c->ngroup, c->gateway.admin, strlen(c->gateway.admin)))
		return fail(ps, ps->seen_gw[key_index(SEC_GATEWAY, "admin")], "admin: no [group %s] in the file", c->gateway.admin);
	for (unsigned i = 0; i < c->nheartbeat; i++) {
		const char *to = c->heartbeat[i].to;

		if (req_group_name_valid(to, strlen(to)) && !req_group_find(c->group, c->ngroup, to, strlen(to)))
			return fail(ps, ps->seen_heartbeat[i][key_index(SEC_HEARTBEAT, "to")],
				    "[heartbeat %s] to: no [group %s] in the file", c->heartbeat[i].name, to);
	}
	if (c->nmodem == 0)
		return fail(ps, last_line, "no [modem NAME] section");
	if (c->gateway.retry_base > c->gateway.retry_cap) {
		unsigned lb = ps->seen_gw[key_index(SEC_GATEWAY, "retry_base")];
		unsigned lc = ps->seen_gw[key_index(SEC_GATEWAY, "retry_cap")];

		return fail(ps, lb > lc ? lb : lc, "retry_base (%u) is greater than retry_cap (%u)",
			    c->gateway.retry_base, c->gateway.retry_cap);
	}
	for (unsigned i = 0; i < c->nmodem; i++) {
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(c->modem[i].device, c->modem[j].device) == 0)
				return fail(ps, ps->seen_modem[i][key_index(SEC_MODEM, "device")],
					    "[modem %s] has the device of [modem %s]: %s", c->modem[i].name,
					    c->modem[j].name, c->modem[i].device);
		}
	}
	for (unsigned i = 0; i < c->nheartbeat; i++) {
		const struct config_heartbeat *hb = &c->heartbeat[i];
		struct sms_plan plan;
		size_t bad;

		if (hb->text[0] && sms_plan_text(&plan, hb->text, strlen(hb->text), 0, c->gateway.max_parts, &bad) < 0)
			return fail(ps, ps->seen_heartbeat[i][key_index(SEC_HEARTBEAT, "text")],
				    "[heartbeat %s] text needs %u parts; max_parts allows %u", hb->name, plan.nparts,
				    c->gateway.max_parts);
	}
	for (unsigned i = 0; i < h->nlisten; i++) {
		const struct config_listen *l = &h->listen[i];
		char text[CONFIG_ADDR_SIZE + 8];

		if (l->family == AF_INET6)
			snprintf(text, sizeof(text), "[%s]:%u", l->addr, l->port);
		else
			snprintf(text, sizeof(text), "%s:%u", l->addr, l->port);
		for (unsigned j = 0; j < i; j++) {
			if (h->listen[j].family == l->family && h->listen[j].port == l->port &&
			    strcmp(h->listen[j].addr, l->addr) == 0)
				return fail(ps, ps->listen_line[i], "listen %s given twice (first on line %u)", text,
					    ps->listen_line[j]);
		}
		/* DESIGN.md: with no token, only loopback addresses may be listened on. */
		if (h->ntoken == 0 && !is_loopback(l))
			return fail(ps, ps->listen_line[i], "listen %s is not a loopback address and [http] has no token",
				    text);
	}
	return 0;
}

int config_parse(struct config *c, const char *filename, const char *text, size_t len, char *err,
		 size_t errlen)
{
	struct parser parser, *ps = &parser;
	size_t pos = 0;
	int rc = 0;

	memset(ps, 0, sizeof(*ps));
	if (err && errlen)
		err[0] = '\0';
	config_defaults(c);
	ps->c = c;
	ps->file = filename;
	ps->err = err;
	ps->errlen = errlen;
	ps->sec = SEC_NONE;
	while (pos < len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		ps->line++;
		rc = parse_line(ps, text + pos, n);
		pos += n + (nl ? 1 : 0);
	}
	if (rc == 0)
		rc = check_whole(ps, ps->line ? ps->line : 1);
	return rc;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	for (;;) {
		ssize_t n;

		if (!buf || len == cap) {
			char *nb;

			if (buf)
				cap *= 2;
			if (cap > CONFIG_FILE_MAX + 1)
				cap = CONFIG_FILE_MAX + 1;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX) {
			rc = -EFBIG;
			goto fail;
		}
	}
	close(fd);
	rc = config_parse(c, path, buf, len, err, errlen);
	free(buf);
	return rc;
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}
