/* smsgate: the command-line tool. main() only dispatches. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage:\n"
	      "  smsgate send [-c CONF | -u URL [-t TOKEN]] [--flash] [--report] [--high] NUMBER TEXT...\n"
	      "  smsgate status [-c CONF | -u URL [-t TOKEN]]\n"
	      "  smsgate check-config -c CONF\n"
	      "  smsgate pdu decode [--json] [--no-smsc] HEX\n"
	      "  smsgate pdu encode [--ucs2] [--report] [--flash] [--smsc NUMBER] [--validity MINUTES]\n"
	      "                     [--max-parts N] [--ref N] NUMBER TEXT...\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "pdu") == 0)
		return cli_pdu(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return cli_send(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return cli_status(argc - 1, argv + 1);
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
