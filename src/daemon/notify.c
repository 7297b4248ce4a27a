/*
 * sd_notify(3) by hand: one AF_UNIX datagram per state change, sent
 * non-blocking. systemd reads the socket promptly; if it ever does not,
 * the datagram is dropped and logged rather than stalling the loop. A
 * failed notification is never fatal: the service manager's timeouts
 * (TimeoutStartSec, WatchdogSec) are the ones to act on it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

#define NOTIFY_MSG_MAX 512      /* our messages are short; systemd takes up to its pipe buffer */

static int notify_addr(struct notify *n, const char *path)
{
	size_t len = strlen(path);

	/* systemd hands out an absolute path or '@' for the abstract namespace. */
	if (path[0] != '/' && path[0] != '@')
		return -EINVAL;
	if (len < 2 || len > sizeof(n->addr.sun_path))
		return -ENAMETOOLONG;
	memset(&n->addr, 0, sizeof(n->addr));
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';
	/* The abstract name is exactly len bytes, with no terminator; a path
	 * may fill sun_path without one too. */
	n->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	return 0;
}

static int notify_send(struct notify *n, const char *msg, size_t len)
{
	if (n->fd < 0)
		return 0;
	if (sendto(n->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT, (const struct sockaddr *)&n->addr, n->addrlen) < 0) {
		int err = errno;

		if (!n->send_failed_logged) {
			log_warn("systemd notify: %s (further failures not logged)", strerror(err));
			n->send_failed_logged = true;
		}
		return -err;
	}
	return 0;
}

/* The keep-alive comes from the loop's own timer on purpose: if the loop
 * is stuck (a blocking call, an endless callback), the pings stop and
 * systemd's WatchdogSec kills and restarts us. A thread pinging on its
 * own would keep a dead daemon looking alive. */
static void notify_watchdog_cb(struct loop *l, struct loop_timer *t)
{
	struct notify *n = container_of(t, struct notify, watchdog);
	static const char ping[] = "WATCHDOG=1";

	notify_send(n, ping, sizeof(ping) - 1);
	loop_timer_set(l, t, n->watchdog_ms);
}

/* $WATCHDOG_USEC / 2, as sd_watchdog_enabled(3) advises; 0 when the
 * watchdog is off or meant for another process. */
static int64_t notify_watchdog_interval(void)
{
	const char *usec_s = getenv("WATCHDOG_USEC"), *pid_s = getenv("WATCHDOG_PID");
	unsigned long long usec, pid;
	char *end;

	if (!usec_s || !*usec_s)
		return 0;
	errno = 0;
	usec = strtoull(usec_s, &end, 10);
	if (errno || *end || usec == 0) {
		log_warn("systemd notify: WATCHDOG_USEC=%s ignored", usec_s);
		return 0;
	}
	if (pid_s && *pid_s) {
		errno = 0;
		pid = strtoull(pid_s, &end, 10);
		if (errno || *end || pid != (unsigned long long)getpid())
			return 0;
	}
	if (usec / 2000 == 0)
		return 1;
	return usec / 2000 > INT64_MAX ? INT64_MAX : (int64_t)(usec / 2000);
}

int notify_init(struct notify *n, struct loop *l)
{
	const char *path = getenv("NOTIFY_SOCKET");
	int rc = 0;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	n->loop = l;
	loop_timer_init(&n->watchdog, notify_watchdog_cb);
	if (!path || !*path)
		goto out;
	if ((rc = notify_addr(n, path)) < 0) {
		log_warn("systemd notify: NOTIFY_SOCKET=%s: %s", path, strerror(-rc));
		goto out;
	}
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd < 0) {
		rc = -errno;
		log_warn("systemd notify: socket: %s", strerror(-rc));
		goto out;
	}
	n->watchdog_ms = notify_watchdog_interval();
	if (n->watchdog_ms > 0) {
		log_info("systemd watchdog: a keep-alive every %" PRId64 " ms", n->watchdog_ms);
		loop_timer_set(l, &n->watchdog, n->watchdog_ms);
	}
out:
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return rc;
}

void notify_ready(struct notify *n, const char *fmt, ...)
{
	char msg[NOTIFY_MSG_MAX];
	static const char head[] = "READY=1\nSTATUS=";
	va_list ap;
	int len;

	if (n->fd < 0)
		return;
	memcpy(msg, head, sizeof(head));
	va_start(ap, fmt);
	len = vsnprintf(msg + sizeof(head) - 1, sizeof(msg) - (sizeof(head) - 1), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	/* A truncated STATUS is still a valid message; READY=1 matters. */
	notify_send(n, msg, strnlen(msg, sizeof(msg)));
}

void notify_reloading(struct notify *n)
{
	char msg[64];
	struct timespec ts;
	int len;

	if (n->fd < 0)
		return;
	/* MONOTONIC_USEC is required by Type=notify-reload (systemd 253) and
	 * ignored by older managers. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	len = snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
		       (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	if (len < 0 || (size_t)len >= sizeof(msg))
		return;
	notify_send(n, msg, (size_t)len);
}

void notify_stopping(struct notify *n)
{
	static const char msg[] = "STOPPING=1";

	notify_send(n, msg, sizeof(msg) - 1);
}

void notify_close(struct notify *n)
{
	if (n->loop)
		loop_timer_cancel(n->loop, &n->watchdog);
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
