/*
 * The systemd notify protocol (sd_notify(3)) without libsystemd: datagrams
 * to $NOTIFY_SOCKET telling the service manager that smsgated is ready,
 * reloading or stopping, and the watchdog keep-alive. Without
 * $NOTIFY_SOCKET every call is a no-op, so the daemon runs the same
 * everywhere else (procd, a shell, the tests).
 */
#ifndef SMSGATE_DAEMON_NOTIFY_H
#define SMSGATE_DAEMON_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "loop.h"
#include "util.h"

struct notify {
	int fd;                         /* -1: not under a service manager */
	struct sockaddr_un addr;
	socklen_t addrlen;
	struct loop *loop;
	struct loop_timer watchdog;
	int64_t watchdog_ms;            /* ping interval; 0: no watchdog */
	bool send_failed_logged;        /* one log line, not one per ping */
};

/* Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID, removes them from
 * the environment (children such as hooks must not speak for us), opens
 * the socket and arms the watchdog timer on l. Returns 0 (also when there
 * is nothing to notify) or -errno; on error n stays a no-op. */
int notify_init(struct notify *n, struct loop *l);
/* "READY=1\nSTATUS=<fmt>": at startup and after a reload. */
void notify_ready(struct notify *n, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* "RELOADING=1": before SIGHUP's reload (notify_ready() ends it). */
void notify_reloading(struct notify *n);
/* "STOPPING=1": at SIGTERM, before the grace period. */
void notify_stopping(struct notify *n);
void notify_close(struct notify *n);

#endif
