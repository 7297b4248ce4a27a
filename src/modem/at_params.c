#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "at_params.h"

int at_field(const char *line, unsigned idx, char *dst, size_t dstlen)
{
	const char *p = strchr(line, ':');
	unsigned field = 0;
	size_t n = 0;
	int quoted = 0;

	p = p ? p + 1 : line;
	while (*p == ' ')
		p++;
	for (; *p; p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (*p == ',' && !quoted) {
			if (field == idx)
				break;
			field++;
			continue;
		}
		if (field == idx) {
			if (n + 1 >= dstlen)
				return -1;
			dst[n++] = *p;
		}
	}
	if (field != idx)
		return -1;
	dst[n] = '\0';
	return (int)n;
}

int at_field_int(const char *line, unsigned idx, long *out)
{
	char buf[24], *end;
	long v;

	if (at_field(line, idx, buf, sizeof(buf)) <= 0)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}
