/* The serial line to a modem: raw termios, non-blocking, exclusive. */
#ifndef SMSGATE_MODEM_SERIAL_H
#define SMSGATE_MODEM_SERIAL_H

#include <stddef.h>

/* Opens path (O_NOCTTY|O_NONBLOCK|O_CLOEXEC), takes it exclusively
 * (TIOCEXCL: a second opener such as ModemManager gets EBUSY), sets raw
 * 8N1 at baud with no flow control, and drops stale input. Returns the
 * fd, or -errno with a sentence for the log in why. */
int serial_open(const char *path, unsigned baud, char *why, size_t whylen);
/* Whether baud is one termios knows. */
int serial_baud_valid(unsigned baud);

#endif
