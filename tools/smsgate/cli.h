#ifndef SMSGATE_CLI_H
#define SMSGATE_CLI_H

/* Exit statuses: 0 done, 1 the input was refused (bad PDU, bad text,
 * bad number), 2 wrong usage. */
#define CLI_REFUSED 1
#define CLI_USAGE 2

int cli_pdu(int argc, char **argv);
int cli_send(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_check_config(int argc, char **argv);

#endif
