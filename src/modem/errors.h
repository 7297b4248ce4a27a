/* +CMS ERROR (TS 27.005 3.2.5, with TS 24.011 RP causes and TS 23.040
 * TP-FCS values below 300) and +CME ERROR (TS 27.007 9.2) numbers: names
 * and what a failed submit means for the message. */
#ifndef SMSGATE_MODEM_ERRORS_H
#define SMSGATE_MODEM_ERRORS_H

#include "at.h"

enum send_verdict {
	SEND_TEMPORARY = 0,     /* retry later, on any modem */
	SEND_MODEM,             /* this modem cannot send now (SIM, network, SMSC): retry elsewhere */
	SEND_PERMANENT,         /* the message itself is refused: fail it */
};

const char *send_verdict_name(enum send_verdict v);
/* NULL when the number is not in the standard's table. */
const char *cms_error_name(int code);
const char *cme_error_name(int code);
/* A verbose error text (CMEE=2) back to its number, or -1. */
int cms_error_code(const char *name);
int cme_error_code(const char *name);
/* Fills r->code from a verbose text where it is -1. */
void at_result_normalise(struct at_result *r);
enum send_verdict send_verdict_of(const struct at_result *r);
/* "+CMS ERROR 331: no network service", "timeout", ... */
int at_result_describe(char *dst, size_t dstlen, const struct at_result *r);

#endif
