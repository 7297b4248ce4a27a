/*
 * smsgate send -c CONF [--flash] [--report] [--high] NUMBER|GROUP TEXT...
 *
 * On the gateway itself the message goes straight into the spool's
 * outgoing/ as an smstools3 file, written durably (temp, fsync, rename),
 * so it is accepted even while smsgated is down: the daemon picks it up
 * when it (re)starts. The number and the text are checked first; nothing
 * is written for a refused message. A group ([group NAME] in the config)
 * gives one file per member.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "config.h"
#include "durable.h"
#include "queue.h"
#include "request.h"
#include "sms.h"

/* -u URL: POST /api/v1/messages to a running smsgated. */
static int send_http(const char *url, const char *token, int argc, char **argv, bool flash, bool report, bool high)
{
	json_object *o = json_object_new_object(), *ans;
	size_t len = 0;
	char *text, *answer = NULL;
	int status = 0, rc;

	for (int i = 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	text = malloc(len + 1);
	if (!text)
		return CLI_REFUSED;
	text[0] = '\0';
	for (int i = 1, off = 0; i < argc; i++)
		off += snprintf(text + off, len + 1 - (size_t)off, "%s%s", i > 1 ? " " : "", argv[i]);
	json_object_object_add(o, "to", json_object_new_string(argv[0]));
	json_object_object_add(o, "text", json_object_new_string(text));
	json_object_object_add(o, "flash", json_object_new_boolean(flash));
	json_object_object_add(o, "report", json_object_new_boolean(report));
	json_object_object_add(o, "priority", json_object_new_string(high ? "high" : "normal"));
	rc = cli_http(url, token, "POST", "/api/v1/messages", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
		      &status, &answer);
	json_object_put(o);
	free(text);
	if (rc < 0) {
		fprintf(stderr, "smsgate: %s: %s\n", url, strerror(-rc));
		return CLI_REFUSED;
	}
	ans = json_tokener_parse(answer);
	if (status == 202 && ans) {
		json_object *v;

		printf("queued %s (%s)\n", json_object_object_get_ex(ans, "id", &v) ? json_object_get_string(v) : "?",
		       json_object_object_get_ex(ans, "encoding", &v) ? json_object_get_string(v) : "?");
	} else {
		json_object *v;

		fprintf(stderr, "smsgate: refused (HTTP %d): %s\n", status,
			ans && json_object_object_get_ex(ans, "error", &v) ? json_object_get_string(v) : answer);
	}
	json_object_put(ans);
	free(answer);
	return status == 202 ? 0 : CLI_REFUSED;
}

int cli_send(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "flash", no_argument, NULL, 'f' },
		{ "report", no_argument, NULL, 'r' },       { "high", no_argument, NULL, 'H' },
		{ "url", required_argument, NULL, 'u' },    { "token", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	static struct config cfg;
	const char *conf = "/etc/smsgate.conf", *url = NULL, *token = NULL;
	bool flash = false, report = false, high = false;
	struct sms_address to;
	struct sms_plan plan;
	char err[512], id[SPOOL_ID_LEN + 1], names[REQ_RECIPIENTS_MAX][SPOOL_ID_LEN + 8], *text, *file;
	const char *nums[REQ_RECIPIENTS_MAX];
	unsigned nnum, done;
	size_t len = 0, bad = 0, cap;
	bool group;
	int c, rc, dir, n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:u:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'u': url = optarg; break;
		case 't': token = optarg; break;
		case 'f': flash = true; break;
		case 'r': report = true; break;
		case 'H': high = true; break;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: smsgate send [-c CONF | -u URL [-t TOKEN]] [--flash] [--report] [--high] NUMBER|GROUP TEXT...\n");
		return CLI_USAGE;
	}
	if (url)
		return send_http(url, token, argc - optind, argv + optind, flash, report, high);
	group = req_group_name_valid(argv[optind], strlen(argv[optind]));
	if (!group && sms_address_parse(&to, argv[optind]) < 0) {
		fprintf(stderr, "smsgate: invalid number '%s': use +<country><number>, national digits or a group name\n",
			argv[optind]);
		return CLI_REFUSED;
	}
	if (config_load(&cfg, conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "smsgate: %s\n", err);
		return CLI_REFUSED;
	}
	if (group) {
		/* [group NAME]: one file per member, each checked at config load. */
		const struct req_group *g = req_group_find(cfg.group, cfg.ngroup, argv[optind], strlen(argv[optind]));

		if (!g) {
			fprintf(stderr, "smsgate: unknown recipient group \"%s\" (no [group %s] in %s)\n", argv[optind],
				argv[optind], conf);
			return CLI_REFUSED;
		}
		for (unsigned i = 0; i < g->nmember; i++)
			nums[i] = g->member[i];
		nnum = g->nmember;
	} else {
		nums[0] = to.str;
		nnum = 1;
	}
	for (int i = optind + 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	cap = len + 128;
	file = malloc(cap);
	text = malloc(len + 1);
	if (!file || !text) {
		free(file);
		free(text);
		return CLI_REFUSED;
	}
	text[0] = '\0';
	for (int i = optind + 1, off = 0; i < argc; i++)
		off += snprintf(text + off, len + 1 - (size_t)off, "%s%s", i > optind + 1 ? " " : "", argv[i]);
	rc = sms_plan_text(&plan, text, strlen(text), 0, cfg.gateway.max_parts, &bad);
	if (rc == -EILSEQ) {
		fprintf(stderr, "smsgate: the text is not valid UTF-8 (byte %zu)\n", bad);
		goto refused;
	}
	if (rc == -EMSGSIZE) {
		fprintf(stderr, "smsgate: the text needs %u parts; the gateway allows %u (max_parts)\n", plan.nparts,
			cfg.gateway.max_parts);
		goto refused;
	}
	if ((size_t)snprintf(err, sizeof(err), "%s/outgoing", cfg.gateway.spool) >= sizeof(err)) {
		fprintf(stderr, "smsgate: spool path too long\n");
		goto refused;
	}
	dir = open(err, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		fprintf(stderr, "smsgate: %s: %s (is the spool set up? smsgated creates it)\n", err, strerror(errno));
		goto refused;
	}
	/* All or none: a failure takes back the files already written. */
	for (done = 0; done < nnum; done++) {
		n = snprintf(file, cap, "To: %s\n%s%s%sAlphabet: UTF-8\n\n%s", nums[done], flash ? "Flash: yes\n" : "",
			     report ? "Report: yes\n" : "", high ? "Priority: high\n" : "", text);
		spool_new_id(id);
		snprintf(names[done], sizeof(names[done]), "send-%s", id);
		rc = durable_write(dir, names[done], file, (size_t)n, 0);
		if (rc < 0) {
			fprintf(stderr, "smsgate: %s/%s: %s\n", err, names[done], strerror(-rc));
			while (done-- > 0)
				durable_unlink(dir, names[done], 0);
			close(dir);
			goto refused;
		}
	}
	close(dir);
	for (unsigned i = 0; i < nnum; i++)
		printf("queued %s/%s (%u part%s, %s)%s%s\n", err, names[i], plan.nparts, plan.nparts == 1 ? "" : "s",
		       sms_enc_name(plan.enc), group ? " to " : "", group ? nums[i] : "");
	free(file);
	free(text);
	return 0;
refused:
	free(file);
	free(text);
	return CLI_REFUSED;
}
