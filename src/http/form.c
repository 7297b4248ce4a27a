#include <errno.h>
#include <string.h>

#include "form.h"
#include "sms.h"

ssize_t form_unescape(char *dst, const char *src, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (src[i] == '+') {
			dst[o++] = ' ';
		} else if (src[i] == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = hex_digit(src[i + 1])) < 0 || (lo = hex_digit(src[i + 2])) < 0)
				return -EINVAL;
			dst[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			dst[o++] = src[i];
		}
	}
	return (ssize_t)o;
}

int form_parse(struct form *f, char *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		char *start = buf + pos, *amp = memchr(start, '&', len - pos), *eq;
		size_t n = amp ? (size_t)(amp - start) : len - pos;
		ssize_t k, v;

		pos += n + 1;
		if (n == 0)
			continue;
		if (f->n == FORM_PARAMS_MAX)
			return -E2BIG;
		eq = memchr(start, '=', n);
		k = form_unescape(start, start, eq ? (size_t)(eq - start) : n);
		if (k < 0)
			return -EINVAL;
		v = eq ? form_unescape(eq + 1, eq + 1, n - (size_t)(eq + 1 - start)) : 0;
		if (v < 0)
			return -EINVAL;
		/* Decoding only shrinks: each terminator lands on a byte of its own
		 * raw text, on the '=', the '&' or buf[len]. */
		start[k] = '\0';
		f->p[f->n].name = start;
		f->p[f->n].name_len = (size_t)k;
		f->p[f->n].value = eq ? eq + 1 : start + k;
		f->p[f->n].value_len = (size_t)v;
		f->p[f->n].value[v] = '\0';
		f->n++;
	}
	return 0;
}

const struct form_param *form_get(const struct form *f, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = f->n; i-- > 0;) {
		if (f->p[i].name_len == len && memcmp(f->p[i].name, name, len) == 0)
			return &f->p[i];
	}
	return NULL;
}

const char *form_strerror(int rc)
{
	return rc == -E2BIG ? "too many parameters" : "malformed %-escape in the parameters";
}
