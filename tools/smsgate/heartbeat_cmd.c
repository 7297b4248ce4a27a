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
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "cli.h"
#include "config.h"

#define USAGE "usage: smsgate heartbeat [-c CONF | -u URL [-t TOKEN]] NAME\n"

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
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "url", required_argument, NULL, 'u' },
					      { "token", required_argument, NULL, 't' },
					      { NULL, 0, NULL, 0 } };
	static struct config cfg;
	const char *conf = "/etc/smsgate.conf", *url = NULL, *token = NULL;
	char err[512], path[128], confurl[80], *answer = NULL;
	json_object *ans, *v;
	int c, rc, status = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:u:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'u': url = optarg; break;
		case 't': token = optarg; break;
		default: fputs(USAGE, stderr); return CLI_USAGE;
		}
	}
	if (argc - optind != 1) {
		fputs(USAGE, stderr);
		return CLI_USAGE;
	}
	if (!name_ok(argv[optind])) {
		fprintf(stderr, "smsgate: bad heartbeat name '%s' (1 to %d of A-Z a-z 0-9 _ . -)\n", argv[optind],
			CONFIG_NAME_SIZE - 1);
		return CLI_REFUSED;
	}
	if (!url) {
		if (config_load(&cfg, conf, err, sizeof(err)) < 0) {
			fprintf(stderr, "smsgate: %s\n", err);
			return CLI_REFUSED;
		}
		if (url_from_config(&cfg, confurl, sizeof(confurl)) < 0) {
			fprintf(stderr, "smsgate: %s has no [http] listen; give -u URL\n", conf);
			return CLI_REFUSED;
		}
		url = confurl;
		if (!token && cfg.http.ntoken)
			token = cfg.http.token[0];
	}
	snprintf(path, sizeof(path), "/api/v1/heartbeat/%s", argv[optind]);
	rc = cli_http(url, token, "POST", path, NULL, &status, &answer);
	if (rc < 0) {
		fprintf(stderr, "smsgate: %s: %s\n", url, strerror(-rc));
		return CLI_REFUSED;
	}
	ans = json_tokener_parse(answer);
	if (status == 200 && ans) {
		printf("heartbeat %s: %s, every %lld s\n", argv[optind],
		       json_object_object_get_ex(ans, "state", &v) ? json_object_get_string(v) : "?",
		       json_object_object_get_ex(ans, "every", &v) ? (long long)json_object_get_int64(v) : 0LL);
	} else {
		fprintf(stderr, "smsgate: refused (HTTP %d): %s\n", status,
			ans && json_object_object_get_ex(ans, "error", &v) ? json_object_get_string(v) : answer);
	}
	json_object_put(ans);
	free(answer);
	return status == 200 ? 0 : CLI_REFUSED;
}
