/* Strict UTF-8 (RFC 3629): the only way text enters the codec. */
#include <errno.h>

#include "sms.h"

int utf8_next(const char *s, size_t len, size_t *pos, uint32_t *cp)
{
	const uint8_t *p = (const uint8_t *)s + *pos;
	size_t left = len - *pos;
	uint32_t c, min;
	size_t n;

	if (left == 0)
		return -EILSEQ;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		*pos += 1;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return -EILSEQ; /* continuation byte, C0/C1 overlong lead, F5..FF */
	}
	if (left < n)
		return -EILSEQ;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -EILSEQ;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -EILSEQ;
	*cp = c;
	*pos += n;
	return 0;
}

int utf8_put(char *dst, size_t dstlen, uint32_t cp)
{
	uint8_t *d = (uint8_t *)dst;
	size_t n;

	if (cp >= 0xd800 && cp <= 0xdfff)
		return -EINVAL;
	n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : cp <= 0x10ffff ? 4 : 0;
	if (n == 0)
		return -EINVAL;
	if (dstlen < n)
		return -ENOBUFS;
	switch (n) {
	case 1:
		d[0] = (uint8_t)cp;
		break;
	case 2:
		d[0] = (uint8_t)(0xc0 | (cp >> 6));
		d[1] = (uint8_t)(0x80 | (cp & 0x3f));
		break;
	case 3:
		d[0] = (uint8_t)(0xe0 | (cp >> 12));
		d[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (uint8_t)(0x80 | (cp & 0x3f));
		break;
	default:
		d[0] = (uint8_t)(0xf0 | (cp >> 18));
		d[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		d[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		d[3] = (uint8_t)(0x80 | (cp & 0x3f));
		break;
	}
	return (int)n;
}

int utf8_validate(const char *s, size_t len, size_t *bad)
{
	size_t pos = 0;
	uint32_t cp;

	while (pos < len) {
		if (utf8_next(s, len, &pos, &cp) < 0) {
			if (bad)
				*bad = pos;
			return -EILSEQ;
		}
	}
	return 0;
}
