/*
 * smsgate heartbeat [-c CONF | -u URL [-t TOKEN]] NAME
 *
 * One beat of a dead-man's switch ([heartbeat NAME] in smsgated's config):
 * POST /api/v1/heartbeat/NAME. Without -u the URL and the token come from
 * the config's [http] (its first listen and token), which is what a cron
 * job on the gateway itself wants. Exits 0 when the beat was recorded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "cli.h"
#include "config.h"

#define USAGE "smsgate heartbeat [-c CONF | -u URL [-t TOKEN]] NAME"

/* http://ADDR:PORT of the first listen; a wildcard address is reached on loopback. */
static int url_from_config(const struct config *c, char *url, size_t n)
{
	const struct config_listen *l = &c->http.listen[0];
	const char *addr = l->addr;

	if (c->http.nlisten == 0)
		return -ENOENT;
	if (l->family == AF_INET6) {
		if (strcmp(addr, "::") == 0)
			addr = "::1";
		return (size_t)snprintf(url, n, "http://[%s]:%u", addr, l->port) < n ? 0 : -ENAMETOOLONG;
	}
	if (strcmp(addr, "0.0.0.0") == 0)
		addr = "127.0.0.1";
	return (size_t)snprintf(url, n, "http://%s:%u", addr, l->port) < n ? 0 : -ENAMETOOLONG;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONFIG_NAME_SIZE)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

int cli_heartbeat(int argc, char **argv)
{
	static struct config cfg;
	struct cli_target t;
	char path[128], confurl[80];
	const char *name;
	json_object *ans, *v;
	int i, rc;

	i = cli_target_parse(&t, argc, argv, NULL, 1, 1, USAGE);
	if (i < 0)
		return CLI_USAGE;
	name = argv[i];
	if (!name_ok(name)) {
		fprintf(stderr, "smsgate: bad heartbeat name '%s' (1 to %d of A-Z a-z 0-9 _ . -)\n", name,
			CONFIG_NAME_SIZE - 1);
		return CLI_REFUSED;
	}
	if (!t.url) {
		rc = cli_load_config(&cfg, t.conf);
		if (rc)
			return rc;
		if (url_from_config(&cfg, confurl, sizeof(confurl)) < 0) {
			fprintf(stderr, "smsgate: %s has no [http] listen; give -u URL\n", t.conf);
			return CLI_REFUSED;
		}
		t.url = confurl;
		if (!t.token && cfg.http.ntoken)
			t.token = cfg.http.token[0];
	}
	snprintf(path, sizeof(path), "/api/v1/heartbeat/%s", name);
	rc = cli_api(&t, "POST", path, NULL, 200, &ans);
	if (rc)
		return rc;
	printf("heartbeat %s: %s, every %lld s\n", name,
	       json_object_object_get_ex(ans, "state", &v) ? json_object_get_string(v) : "?",
	       json_object_object_get_ex(ans, "every", &v) ? (long long)json_object_get_int64(v) : 0LL);
	json_object_put(ans);
	return 0;
}
