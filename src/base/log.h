/* Logging to stderr and/or syslog, with a level threshold. Log where a
 * decision is taken, not at every level of the call chain. */
#ifndef SMSGATE_BASE_LOG_H
#define SMSGATE_BASE_LOG_H

#include "util.h"

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

#define LOG_TO_STDERR 0x1u
#define LOG_TO_SYSLOG 0x2u

void log_setup(const char *ident, enum log_level level, unsigned sinks);
void log_set_level(enum log_level level);
/* "error", "warn", "info", "debug" -> level; -1 when unknown. */
int log_level_parse(const char *name);
void log_msg(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
