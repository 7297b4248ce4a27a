/* The receivers' payload to text (src/http/alerts.c) on any bytes. The
 * first byte picks the source (Alertmanager or Grafana) and the part cap
 * (1 to 4); the rest is parsed as JSON, as the route does. Whatever text
 * comes back must be valid UTF-8 without control characters other than
 * line breaks, without blanks at its ends, and within the part cap as the
 * codec plans it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "sms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok;
	json_object *o;
	struct sms_plan plan;
	enum alerts_source src;
	unsigned max_parts;
	char why[200], *text;
	size_t len, bad;
	int rc;

	if (size < 1 || size - 1 > INT32_MAX)
		return 0;
	src = data[0] & 1 ? ALERTS_GRAFANA : ALERTS_ALERTMANAGER;
	max_parts = 1u + ((data[0] >> 1) & 3u);
	tok = json_tokener_new();
	if (!tok)
		return 0;
	o = json_tokener_parse_ex(tok, (const char *)data + 1, (int)(size - 1));
	json_tokener_free(tok);
	if (!o)
		return 0;
	why[0] = '\0';
	rc = alerts_text(src, o, max_parts, &text, &len, why, sizeof(why));
	json_object_put(o);
	if (rc == -EINVAL || rc == -ENOMEM) {
		if (!why[0])
			abort();
		return 0;
	}
	if (rc != 0 || !text || strlen(text) != len || len == 0)
		abort();
	if (sms_plan_text(&plan, text, len, 0, max_parts, &bad) != 0)
		abort();
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f)
			abort();
	}
	if (text[0] == ' ' || text[0] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\n')
		abort();
	free(text);
	return 0;
}
