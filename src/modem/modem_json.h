/*
 * A modem's state, identity and counters as JSON: one shape for
 * status.json, GET /api/v1/status and the driver's test harness.
 */
#ifndef SMSGATE_MODEM_MODEM_JSON_H
#define SMSGATE_MODEM_MODEM_JSON_H

#include <json-c/json.h>

#include "modem.h"

/* Adds to o: state, sim, registration, csq, dbm (null when unknown),
 * operator, manufacturer, model, imei, imsi, last_error and the counters
 * sent, send_failed, received, reports, reconnects, cfun_cycles, resets,
 * timeouts. */
void modem_status_json_add(json_object *o, const struct modem_status *s);

#endif
