#ifndef SMSGATE_CLI_H
#define SMSGATE_CLI_H

/* Exit statuses: 0 done, 1 the input was refused (bad PDU, bad text,
 * bad number), 2 wrong usage. */
#define CLI_REFUSED 1
#define CLI_USAGE 2

int cli_pdu(int argc, char **argv);
/* One HTTP request to smsgated (http:// only): 0 with the status and the
 * malloc'd body, or -errno. */
int cli_http(const char *url, const char *token, const char *method, const char *path, const char *body,
	     int *status, char **answer);
int cli_send(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_heartbeat(int argc, char **argv);
int cli_check_config(int argc, char **argv);
/* Started by a web server as a CGI program: answers on stdout, exits 0. */
int cli_cgi(int argc, char **argv);

#endif
