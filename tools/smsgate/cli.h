#ifndef SMSGATE_CLI_H
#define SMSGATE_CLI_H

#include <stdbool.h>

#include <json-c/json.h>

#include "config.h"

/* Exit statuses: 0 done, 1 the input was refused (bad PDU, bad text,
 * bad number), 2 wrong usage. */
#define CLI_REFUSED 1
#define CLI_USAGE 2

#define CLI_DEFAULT_CONF "/etc/smsgate.conf"
#define CLI_FLAGS_MAX 4

/* Where smsgated is, for send, status and heartbeat: its config on this
 * machine (-c CONF, CLI_DEFAULT_CONF when not given), or its HTTP API
 * (-u URL, -t TOKEN). */
struct cli_target {
	const char *conf;
	const char *url;        /* NULL: not given */
	const char *token;      /* NULL: not given */
};

/* A long option without argument that a command adds (send's --flash). */
struct cli_flag {
	const char *name;
	bool *on;               /* set when given */
};

int cli_pdu(int argc, char **argv);
/* One HTTP request to smsgated (http:// only): 0 with the status and the
 * malloc'd body, or -errno. */
int cli_http(const char *url, const char *token, const char *method, const char *path, const char *body,
	     int *status, char **answer);
/* -c/-u/-t and the command's flags (up to CLI_FLAGS_MAX, ended by a NULL
 * name; flags may be NULL), then min_args to max_args operands (max_args
 * -1: no limit): the index of the first operand, or -EINVAL after
 * printing "usage: " usage. */
int cli_target_parse(struct cli_target *t, int argc, char **argv, const struct cli_flag *flags, int min_args,
		     int max_args, const char *usage);
/* The words of a TEXT (after NUMBER), joined by single spaces as a shell
 * user means them; malloc'd, NULL when out of memory. */
char *cli_join_words(int n, char **words);
/* The config as smsgated reads it: 0, or CLI_REFUSED after saying why. */
int cli_load_config(struct config *cfg, const char *path);
/* One request to t->url: 0 with the parsed JSON answer in *ans (the
 * caller puts it) when the HTTP status is ok_status; CLI_REFUSED after
 * saying why on stderr (the transport error, or the API's "error"). */
int cli_api(const struct cli_target *t, const char *method, const char *path, const char *body, int ok_status,
	    json_object **ans);
int cli_send(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_heartbeat(int argc, char **argv);
int cli_check_config(int argc, char **argv);
/* Started by a web server as a CGI program: answers on stdout, exits 0. */
int cli_cgi(int argc, char **argv);

#endif
