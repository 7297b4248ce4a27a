/* Small macros every module uses. */
#ifndef SMSGATE_BASE_UTIL_H
#define SMSGATE_BASE_UTIL_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))

#endif
