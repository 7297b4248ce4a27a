/* Event names and the body every delivery carries (the Standard Webhooks
 * payload shape: type, timestamp, data). */
#include <string.h>
#include <time.h>

#include "event.h"

static const char *const names[] = { "sms.received", "sms.sent", "sms.delivered", "sms.failed", "gateway.alarm" };

const char *webhook_event_name(enum webhook_event e)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (e == 1u << i)
			return names[i];
	}
	return "unknown";
}

int webhook_event_parse(const char *name)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0)
			return (int)(1u << i);
	}
	return -1;
}

char *webhook_event_body(enum webhook_event type, int64_t when, json_object *data, size_t *len)
{
	json_object *o = json_object_new_object();
	char ts[32];
	time_t t = (time_t)when;
	struct tm tm;
	const char *s;
	char *out = NULL;

	if (!o)
		return NULL;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(o, "type", json_object_new_string(webhook_event_name(type)));
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	json_object_object_add(o, "data", json_object_get(data));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s) {
		*len = strlen(s);
		out = strdup(s);
	}
	json_object_put(o);
	return out;
}
