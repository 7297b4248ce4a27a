/* Any bytes as a query string or urlencoded body: form_unescape and
 * form_parse return an error or a consistent result (lengths within the
 * input, every name and value NUL-terminated at its length, nothing
 * written past len + 1), never crash or overrun. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

#define CANARY 0xA5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_unescape(const uint8_t *data, size_t size)
{
	char *dst = malloc(size + 16), *again = malloc(size + 16), *enc = malloc(3 * size + 1);
	ssize_t n, m;

	memset(dst, CANARY, size + 16);
	n = form_unescape(dst, (const char *)data, size);
	if (n >= 0) {
		if ((size_t)n > size)
			abort();
		for (size_t i = (size_t)n; i < size + 16; i++)
			if ((uint8_t)dst[i] != CANARY)
				abort();
		/* Every byte as %XX decodes back to the same bytes. */
		for (ssize_t i = 0; i < n; i++)
			snprintf(enc + 3 * i, 4, "%%%02X", (uint8_t)dst[i]);
		m = form_unescape(again, enc, 3 * (size_t)n);
		if (m != n || memcmp(again, dst, (size_t)n) != 0)
			abort();
	}
	free(dst);
	free(again);
	free(enc);
}

static void check_parse(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 17);
	struct form f = { .n = 0 };
	int rc;

	memcpy(buf, data, size);
	memset(buf + size, CANARY, 17);
	rc = form_parse(&f, buf, size);
	for (size_t i = size + 1; i < size + 17; i++)
		if ((uint8_t)buf[i] != CANARY)
			abort();
	if (rc == 0) {
		if (f.n > FORM_PARAMS_MAX)
			abort();
		for (size_t i = 0; i < f.n; i++) {
			const struct form_param *p = &f.p[i];

			if (p->name < buf || p->name + p->name_len > buf + size || p->value < buf ||
			    p->value + p->value_len > buf + size || p->name[p->name_len] != '\0' ||
			    p->value[p->value_len] != '\0')
				abort();
			/* The last parameter of a name is the one form_get finds. */
			if (memchr(p->name, '\0', p->name_len) == NULL) {
				const struct form_param *g = form_get(&f, p->name);

				if (!g || g < p || g->name_len != p->name_len || memcmp(g->name, p->name, p->name_len) != 0)
					abort();
			}
		}
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_unescape(data, size);
	check_parse(data, size);
	return 0;
}
