/*
 * smsgate status [-c CONF | -u URL [-t TOKEN]]: what smsgated last wrote to
 * status.json in its spool (modems, signal, registration, queue), readable
 * on the gateway with no HTTP, or the same from GET /api/v1/status. Exits 1
 * when no modem is ready or the file is stale (smsgated not running), so it
 * fits a cron or monitoring check.
 */
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
	static struct config cfg;
	struct cli_target t;
	char path[300];
	json_object *st, *modems;
	int ready = 0, rc;
	int64_t age;

	if (cli_target_parse(&t, argc, argv, NULL, 0, 0, "smsgate status [-c CONF | -u URL [-t TOKEN]]") < 0)
		return CLI_USAGE;
	if (t.url) {
		/* The same JSON as status.json, from a running smsgated. */
		rc = cli_api(&t, "GET", "/api/v1/status", NULL, 200, &st);
		if (rc)
			return rc;
	} else {
		rc = cli_load_config(&cfg, t.conf);
		if (rc)
			return rc;
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
