/*
 * smsgate status [-c CONF]: what smsgated last wrote to status.json in its
 * spool (modems, signal, registration, queue), readable on the gateway
 * with no HTTP. Exits 1 when no modem is ready or the file is stale
 * (smsgated not running), so it fits a cron or monitoring check.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"
#include "config.h"

#define STATUS_STALE_S 120      /* smsgated rewrites it at least on every poll */

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

static int64_t num(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

int cli_status(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "url", required_argument, NULL, 'u' },
					      { "token", required_argument, NULL, 't' },
					      { NULL, 0, NULL, 0 } };
	static struct config cfg;
	const char *conf = "/etc/smsgate.conf", *url = NULL, *token = NULL;
	char err[512], path[300];
	json_object *st, *modems;
	int c, ready = 0;
	int64_t age;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:u:t:", opts, NULL)) != -1) {
		if (c == 'c')
			conf = optarg;
		else if (c == 'u')
			url = optarg;
		else if (c == 't')
			token = optarg;
		else
			return CLI_USAGE;
	}
	if (url) {
		/* The same JSON as status.json, from a running smsgated. */
		char *answer = NULL;
		int status = 0, rc = cli_http(url, token, "GET", "/api/v1/status", NULL, &status, &answer);

		if (rc < 0 || status != 200) {
			fprintf(stderr, "smsgate: %s: %s\n", url, rc < 0 ? strerror(-rc) : answer);
			free(answer);
			return CLI_REFUSED;
		}
		st = json_tokener_parse(answer);
		free(answer);
		if (!st) {
			fprintf(stderr, "smsgate: %s: not a status answer\n", url);
			return CLI_REFUSED;
		}
	} else {
		if (config_load(&cfg, conf, err, sizeof(err)) < 0) {
			fprintf(stderr, "smsgate: %s\n", err);
			return CLI_REFUSED;
		}
		snprintf(path, sizeof(path), "%s/status.json", cfg.gateway.spool);
		st = json_object_from_file(path);
		if (!st) {
			fprintf(stderr, "smsgate: %s: cannot read it (is smsgated running?)\n", path);
			return CLI_REFUSED;
		}
	}
	age = (int64_t)time(NULL) - num(st, "updated");
	printf("smsgated pid %lld, up %lld s, status %lld s old%s\n", (long long)num(st, "pid"),
	       (long long)num(st, "uptime"), (long long)age, age > STATUS_STALE_S ? " (STALE: is smsgated running?)" : "");
	printf("queue: %lld queued, %lld sent, %lld failed, %lld received\n", (long long)num(st, "queued"),
	       (long long)num(st, "sent"), (long long)num(st, "failed"), (long long)num(st, "received"));
	if (json_object_object_get_ex(st, "modems", &modems)) {
		for (size_t i = 0; i < json_object_array_length(modems); i++) {
			json_object *m = json_object_array_get_idx(modems, i);
			const char *state = str(m, "state");

			ready += strcmp(state, "ready") == 0 || strcmp(state, "sending") == 0;
			printf("modem %s: %s, SIM %s, registration %lld, signal %lld dBm (CSQ %lld), %s%s%s\n",
			       str(m, "name"), state, str(m, "sim")[0] ? str(m, "sim") : "?", (long long)num(m, "registration"),
			       (long long)num(m, "dbm"), (long long)num(m, "csq"),
			       str(m, "operator")[0] ? str(m, "operator") : "no operator",
			       str(m, "last_error")[0] ? "; last error: " : "", str(m, "last_error"));
		}
	}
	if (json_object_object_get_ex(st, "heartbeats", &modems)) {
		for (size_t i = 0; i < json_object_array_length(modems); i++) {
			json_object *hb = json_object_array_get_idx(modems, i);
			int64_t last = num(hb, "last_beat");

			printf("heartbeat %s: %s, every %lld s, ", str(hb, "name"), str(hb, "state"), (long long)num(hb, "every"));
			if (last)
				printf("last beat %lld s ago\n", (long long)(time(NULL) - last));
			else
				printf("no beat yet\n");
		}
	}
	json_object_put(st);
	return ready > 0 && age <= STATUS_STALE_S ? 0 : CLI_REFUSED;
}
