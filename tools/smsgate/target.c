/*
 * What the commands share: where smsgated is (its config on this machine,
 * or its HTTP API), how its JSON answers are read, the words of a TEXT.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CLI_FLAG_VAL 0x100      /* getopt_long's value of flags[0]; past every short option */

int cli_target_parse(struct cli_target *t, int argc, char **argv, const struct cli_flag *flags, int min_args,
		     int max_args, const char *usage)
{
	struct option opts[3 + CLI_FLAGS_MAX + 1] = {
		{ "config", required_argument, NULL, 'c' },
		{ "url", required_argument, NULL, 'u' },
		{ "token", required_argument, NULL, 't' },
	};
	int c, nflags = 0, nargs;

	for (; flags && flags[nflags].name; nflags++) {
		if (nflags == CLI_FLAGS_MAX)
			return -EINVAL;
		opts[3 + nflags] = (struct option){ flags[nflags].name, no_argument, NULL, CLI_FLAG_VAL + nflags };
	}
	t->conf = CLI_DEFAULT_CONF;
	t->url = NULL;
	t->token = NULL;
	optind = 1;
	/* '+': the options end at the first operand, so a word of TEXT may start with '-'. */
	while ((c = getopt_long(argc, argv, "+c:u:t:", opts, NULL)) != -1) {
		if (c == 'c')
			t->conf = optarg;
		else if (c == 'u')
			t->url = optarg;
		else if (c == 't')
			t->token = optarg;
		else if (c >= CLI_FLAG_VAL && c < CLI_FLAG_VAL + nflags)
			*flags[c - CLI_FLAG_VAL].on = true;
		else
			goto usage;
	}
	nargs = argc - optind;
	if (nargs >= min_args && (max_args < 0 || nargs <= max_args))
		return optind;
usage:
	fprintf(stderr, "usage: %s\n", usage);
	return -EINVAL;
}

char *cli_join_words(int n, char **words)
{
	size_t len = 1;
	char *text, *p;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	text = malloc(len);
	if (!text)
		return NULL;
	p = text;
	for (int i = 0; i < n; i++) {
		size_t k = strlen(words[i]);

		if (i)
			*p++ = ' ';
		memcpy(p, words[i], k);
		p += k;
	}
	*p = '\0';
	return text;
}

int cli_load_config(struct config *cfg, const char *path)
{
	char err[512];

	if (config_load(cfg, path, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "smsgate: %s\n", err);
	return CLI_REFUSED;
}

int cli_api(const struct cli_target *t, const char *method, const char *path, const char *body, int ok_status,
	    json_object **ans)
{
	char *answer = NULL;
	int status = 0, rc = cli_http(t->url, t->token, method, path, body, &status, &answer);
	json_object *o, *v;

	*ans = NULL;
	if (rc < 0) {
		fprintf(stderr, "smsgate: %s: %s\n", t->url, strerror(-rc));
		return CLI_REFUSED;
	}
	o = json_tokener_parse(answer);
	if (status != ok_status) {
		fprintf(stderr, "smsgate: refused (HTTP %d): %s\n", status,
			o && json_object_object_get_ex(o, "error", &v) ? json_object_get_string(v) : answer);
		rc = CLI_REFUSED;
	} else if (!o) {
		fprintf(stderr, "smsgate: %s: not a JSON answer: %s\n", t->url, answer);
		rc = CLI_REFUSED;
	} else {
		*ans = o;
		o = NULL;
	}
	json_object_put(o);
	free(answer);
	return rc;
}
