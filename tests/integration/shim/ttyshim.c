/*
 * Test scaffolding, LD_PRELOADed into gsm-utils: a pseudo-terminal has no
 * modem-control lines, so TIOCMGET/TIOCMSET/TIOCMBIS/TIOCMBIC fail with
 * ENOTTY there and gsmsendsms gives up ("clearing DTR failed"). Where the
 * real ioctl refuses one of those four, this keeps the lines in a
 * per-process word and succeeds, with CTS, DSR and CD always asserted, as
 * a USB modem's ACM port reports them. Every other ioctl is untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

static int lines = TIOCM_DTR | TIOCM_RTS;

int ioctl(int fd, unsigned long request, ...)
{
	static ioctl_fn real;
	va_list ap;
	void *arg;
	int r, *p;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	r = real(fd, request, arg);
	if (r == 0 || (errno != ENOTTY && errno != EINVAL))
		return r;
	p = arg;
	switch (request) {
	case TIOCMGET:
		*p = lines | TIOCM_CTS | TIOCM_DSR | TIOCM_CD;
		return 0;
	case TIOCMSET:
		lines = *p;
		return 0;
	case TIOCMBIS:
		lines |= *p;
		return 0;
	case TIOCMBIC:
		lines &= ~*p;
		return 0;
	default:
		return r;
	}
}
