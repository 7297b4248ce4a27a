/*
 * Monitoring webhooks to one short SMS text: Prometheus Alertmanager's
 * webhook (payload version 4) and Grafana's webhook contact point (the
 * same alerts[] plus title/message; the legacy Grafana payload with only
 * title/message/state is taken too).
 *
 * The text, exactly (docs/http.md, "Receivers"):
 *
 *   FIRING 2: InstanceDown (critical)          status, count when > 1, the common
 *   db1:9100: Instance db1:9100 is down        alertname and severity; then one line
 *   db2:9100: Instance db2:9100 is down        per alert: firing first, then resolved
 *
 * and it is cut to a number of SMS parts, measured with the codec's planner
 * (so GSM 7-bit escapes and UCS-2 count as they will on the air): whole
 * alert lines are dropped from the end for "+N more", and only when the
 * first line alone does not fit is it cut, at a character boundary, with
 * "...". Pure: no I/O, no logging (the fuzz target runs it).
 */
#ifndef SMSGATE_HTTP_ALERTS_H
#define SMSGATE_HTTP_ALERTS_H

#include <stddef.h>

#include <json-c/json.h>

enum alerts_source { ALERTS_ALERTMANAGER, ALERTS_GRAFANA };

#define ALERTS_VALUE_MAX 256    /* bytes kept of one label or annotation value */
#define ALERTS_WHERE_LABELS 3   /* distinguishing labels shown when an alert has no instance */

/* The text for a payload, cut to max_parts SMS parts (1..255): 0 with
 * *text (malloc'd, NUL-terminated, *len bytes of UTF-8), -EINVAL with why
 * for a payload that is not one, -ENOMEM. */
int alerts_text(enum alerts_source src, json_object *payload, unsigned max_parts, char **text, size_t *len,
		char *why, size_t whylen);

#endif
