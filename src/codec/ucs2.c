/* UCS-2 as phones really use it: UTF-16BE, with surrogate pairs for
 * characters beyond the BMP (emoji), TS 23.038 6.2.3 / ISO 10646. */
#include <errno.h>

#include "sms.h"

#define UCS2_REPLACEMENT 0xfffd

ssize_t ucs2_from_utf8(uint8_t *dst, size_t dstlen, const char *s, size_t len, size_t *bad)
{
	size_t pos = 0, n = 0;
	uint32_t cp;

	while (pos < len) {
		size_t at = pos;

		if (utf8_next(s, len, &pos, &cp) < 0) {
			if (bad)
				*bad = at;
			return -EILSEQ;
		}
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000, hi = 0xd800 | (v >> 10), lo = 0xdc00 | (v & 0x3ff);

			if (dstlen - n < 4)
				return -ENOBUFS;
			dst[n++] = (uint8_t)(hi >> 8);
			dst[n++] = (uint8_t)hi;
			dst[n++] = (uint8_t)(lo >> 8);
			dst[n++] = (uint8_t)lo;
		} else {
			if (dstlen - n < 2)
				return -ENOBUFS;
			dst[n++] = (uint8_t)(cp >> 8);
			dst[n++] = (uint8_t)cp;
		}
	}
	return (ssize_t)n;
}

ssize_t ucs2_to_utf8(char *dst, size_t dstlen, const uint8_t *src, size_t n, unsigned *replaced)
{
	size_t out = 0, i = 0;
	unsigned bad = 0;

	while (i < n) {
		uint32_t cp;
		int k;

		if (n - i < 2) {
			cp = 0xdc00; /* an odd trailing octet is as undecodable as a lone surrogate */
			i = n;
		} else {
			cp = (uint32_t)src[i] << 8 | src[i + 1];
			i += 2;
		}
		if (cp >= 0xd800 && cp <= 0xdbff && n - i >= 2) {
			uint32_t lo = (uint32_t)src[i] << 8 | src[i + 1];

			if (lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		/* U+0000 too: a NUL inside the text would cut it short for
		 * every C string and text file downstream. */
		if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0)
			cp = UCS2_REPLACEMENT, bad++;
		k = utf8_put(dst + out, dstlen - out, cp);
		if (k < 0)
			return -ENOBUFS;
		out += (size_t)k;
	}
	if (out >= dstlen)
		return -ENOBUFS;
	dst[out] = '\0';
	if (replaced)
		*replaced = bad;
	return (ssize_t)out;
}
