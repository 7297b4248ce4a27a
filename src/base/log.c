#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

/* The logger is the one piece of process-wide state below main.c: every
 * module logs, and passing a handle through all of them buys nothing. */
static struct {
	enum log_level level;
	unsigned sinks;
	char ident[32];
} log_cfg = { LOG_LVL_INFO, LOG_TO_STDERR, "smsgate" };

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_setup(const char *ident, enum log_level level, unsigned sinks)
{
	snprintf(log_cfg.ident, sizeof(log_cfg.ident), "%s", ident);
	log_cfg.level = level;
	log_cfg.sinks = sinks;
	if (sinks & LOG_TO_SYSLOG)
		openlog(log_cfg.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level level)
{
	log_cfg.level = level;
}

int log_level_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char buf[1024];
	va_list ap;

	if (level > log_cfg.level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap); /* a longer message is cut, never overrun */
	va_end(ap);
	if (log_cfg.sinks & LOG_TO_STDERR) {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s %s: %s\n", when, ts.tv_nsec / 1000000, log_cfg.ident, level_names[level],
			buf);
	}
	if (log_cfg.sinks & LOG_TO_SYSLOG)
		syslog(prio[level], "%s", buf);
}
