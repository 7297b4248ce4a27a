/* Small macros every module uses. */
#ifndef SMSGATE_BASE_UTIL_H
#define SMSGATE_BASE_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))

/* Copies a string that must fit: -ENAMETOOLONG (dst untouched but for a
 * NUL) instead of silent truncation. */
static inline int str_copy(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen) {
		if (dstlen)
			dst[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

/* A character of the names the config and the topics allow (sections,
 * groups, heartbeats, MQTT client ids): A-Z a-z 0-9 _ . - */
static inline int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
	       c == '-';
}

#endif
