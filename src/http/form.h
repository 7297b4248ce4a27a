/* application/x-www-form-urlencoded as browsers, curl and busybox wget send
 * it: '+' is a space, %XX a byte. Values keep their length: "%00" is a NUL
 * byte inside the value, which validation then refuses, never a silent
 * cut. Pure functions over buffers. */
#ifndef SMSGATE_HTTP_FORM_H
#define SMSGATE_HTTP_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FORM_PARAMS_MAX 32
#define FORM_VALUE_MAX (64 * 1024)

struct form_param {
	char *name;
	size_t name_len;
	char *value;
	size_t value_len;
};

struct form {
	struct form_param p[FORM_PARAMS_MAX];
	size_t n;
};

/* Decodes src into dst (which may be src itself). Returns the decoded
 * length, or -EINVAL for a '%' not followed by two hex digits. */
ssize_t form_unescape(char *dst, const char *src, size_t len);
/* Splits and decodes buf in place ("a=1&b=2"); appends to f. buf has room
 * for len + 1 bytes: every name and value is NUL-terminated after its
 * length (a decoded "%00" inside stays, and value_len counts it). -E2BIG
 * when there are more than FORM_PARAMS_MAX parameters, -EINVAL for a bad
 * escape. */
int form_parse(struct form *f, char *buf, size_t len);
/* The last value of name (a repeated parameter: the last one counts, as in
 * the original CGI's table), or NULL. */
const struct form_param *form_get(const struct form *f, const char *name);
/* The sentence for a form_parse error, as the HTTP answers give it. */
const char *form_strerror(int rc);

#endif
