/* Reading the parameters of an information line ("+CREG: 2,1,"1A2B"").
 * Fields are separated by commas outside double quotes. */
#ifndef SMSGATE_MODEM_AT_PARAMS_H
#define SMSGATE_MODEM_AT_PARAMS_H

#include <stddef.h>

/* Field idx (0-based) after the "+XXX:" prefix, unquoted, into dst.
 * Returns its length or -1 when absent or too long. */
int at_field(const char *line, unsigned idx, char *dst, size_t dstlen);
/* Field idx as a decimal integer; -1 when absent or not a number. */
int at_field_int(const char *line, unsigned idx, long *out);

#endif
