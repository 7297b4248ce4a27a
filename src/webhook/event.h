/*
 * What a webhook delivers: the event types and the JSON body.
 */
#ifndef SMSGATE_WEBHOOK_EVENT_H
#define SMSGATE_WEBHOOK_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

enum webhook_event {
	WEBHOOK_RECEIVED = 1u << 0,
	WEBHOOK_SENT = 1u << 1,
	WEBHOOK_DELIVERED = 1u << 2,
	WEBHOOK_FAILED = 1u << 3,
	WEBHOOK_ALARM = 1u << 4,        /* the gateway's own trouble (self-alarms, heartbeats) */
	WEBHOOK_ALL = (1u << 5) - 1,
};

/* "sms.sent" and back; -1 for an unknown name. */
const char *webhook_event_name(enum webhook_event e);
int webhook_event_parse(const char *name);

/* {"type":"sms.sent","timestamp":"2026-11-25T04:00:00Z","data":DATA},
 * malloc'd, its length in *len; NULL when out of memory. */
char *webhook_event_body(enum webhook_event type, int64_t when, json_object *data, size_t *len);

#endif
