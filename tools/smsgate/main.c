/* smsgate: the command-line tool. main() only dispatches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage:\n"
	      "  smsgate send [-c CONF | -u URL [-t TOKEN]] [--flash] [--report] [--high] NUMBER|GROUP TEXT...\n"
	      "  smsgate status [-c CONF | -u URL [-t TOKEN]]\n"
	      "  smsgate heartbeat [-c CONF | -u URL [-t TOKEN]] NAME\n"
	      "  smsgate check-config -c CONF\n"
	      "  smsgate pdu decode [--json] [--no-smsc] HEX\n"
	      "  smsgate pdu encode [--ucs2] [--report] [--flash] [--smsc NUMBER] [--validity MINUTES]\n"
	      "                     [--max-parts N] [--ref N] NUMBER TEXT...\n",
	      f);
}

/* A web server starts CGI programs with GATEWAY_INTERFACE set (RFC 3875
 * 4.1.4), some with the words of a query without '=' as arguments. Under
 * its own name and with arguments, smsgate is the command-line tool run
 * from inside some CGI script; installed as a link (cgi-bin/sms) or with no
 * arguments, it is the CGI program. */
static int started_as_cgi(int argc, char **argv)
{
	const char *gi = getenv("GATEWAY_INTERFACE"), *slash;
	const char *name = argc > 0 && argv[0] ? argv[0] : "";

	if (!gi || !gi[0])
		return 0;
	slash = strrchr(name, '/');
	return argc < 2 || strcmp(slash ? slash + 1 : name, "smsgate") != 0;
}

int main(int argc, char **argv)
{
	if (started_as_cgi(argc, argv))
		return cli_cgi(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "pdu") == 0)
		return cli_pdu(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return cli_send(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return cli_status(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "heartbeat") == 0)
		return cli_heartbeat(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "check-config") == 0)
		return cli_check_config(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2)
		fprintf(stderr, "smsgate: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
