/* Hex as modems print PDUs (TS 27.005 3.1: PDU mode, two IRA characters per octet). */
#include <errno.h>

#include "sms.h"

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

ssize_t hex_decode(uint8_t *dst, size_t dstlen, const char *hex, size_t len, size_t *bad)
{
	for (size_t i = 0; i < len; i++) {
		if (hex_digit(hex[i]) < 0) {
			if (bad)
				*bad = i;
			return -EINVAL;
		}
	}
	if (len % 2) {
		if (bad)
			*bad = len;
		return -EINVAL;
	}
	if (len / 2 > dstlen)
		return -ENOBUFS;
	for (size_t i = 0; i < len; i += 2)
		dst[i / 2] = (uint8_t)(hex_digit(hex[i]) << 4 | hex_digit(hex[i + 1]));
	return (ssize_t)(len / 2);
}

ssize_t hex_encode(char *dst, size_t dstlen, const uint8_t *src, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";

	if (dstlen < 2 * n + 1)
		return -ENOBUFS;
	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = digits[src[i] >> 4];
		dst[2 * i + 1] = digits[src[i] & 0x0f];
	}
	dst[2 * n] = '\0';
	return (ssize_t)(2 * n);
}
