/* smsgate check-config: the config parsed exactly as smsgated will parse
 * it, so a bad edit is caught before a reload (SIGHUP) or a restart. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "config.h"

int cli_check_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	static struct config cfg;       /* some 10 KiB: off the stack */
	const char *path = CLI_DEFAULT_CONF;
	char err[512];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		default:
			fputs("usage: smsgate check-config [-c CONF]\n", stderr);
			return CLI_USAGE;
		}
	}
	if (optind != argc) {
		fputs("usage: smsgate check-config [-c CONF]\n", stderr);
		return CLI_USAGE;
	}
	if (config_load(&cfg, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return CLI_REFUSED;
	}
	printf("ok: %u modem%s, spool %s, %u listener%s\n", cfg.nmodem, cfg.nmodem == 1 ? "" : "s",
	       cfg.gateway.spool, cfg.http.nlisten, cfg.http.nlisten == 1 ? "" : "s");
	return 0;
}
