#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

void assert_canary(const void *buf, size_t from, size_t to)
{
	const uint8_t *p = buf;

	for (size_t i = from; i < to; i++) {
		if (p[i] != CANARY)
			fail_msg("canary overwritten at offset %zu (0x%02x)", i, p[i]);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t unhex(uint8_t *dst, size_t cap, const char *hex)
{
	size_t n = 0;
	int hi = -1;

	for (const char *p = hex; *p; p++) {
		int v;

		if (*p == ' ')
			continue;
		v = hexval(*p);
		assert_true(v >= 0);
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < cap);
		dst[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_true(hi < 0);
	return n;
}

static void to_hex(char *dst, size_t dstlen, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < dstlen; i++)
		snprintf(dst + 2 * i, 3, "%02X", p[i]);
	dst[2 * i] = '\0';
}

void assert_hex_equal(const uint8_t *got, size_t n, const char *want_hex, const char *what)
{
	uint8_t want[1024];
	size_t wn = unhex(want, sizeof want, want_hex);

	if (wn != n || memcmp(got, want, n) != 0) {
		char g[2100], w[2100];

		to_hex(g, sizeof g, got, n);
		to_hex(w, sizeof w, want, wn);
		fail_msg("%s:\n got  %s\n want %s", what, g, w);
	}
}
