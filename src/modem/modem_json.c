#include "modem_json.h"

static void add_count(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

void modem_status_json_add(json_object *o, const struct modem_status *s)
{
	json_object_object_add(o, "state", json_object_new_string(modem_state_name(s->state)));
	json_object_object_add(o, "sim", json_object_new_string(s->sim));
	json_object_object_add(o, "registration", json_object_new_int(s->reg));
	json_object_object_add(o, "csq", json_object_new_int(s->csq));
	json_object_object_add(o, "dbm", s->dbm ? json_object_new_int(s->dbm) : NULL);
	json_object_object_add(o, "operator", json_object_new_string(s->operator_name));
	json_object_object_add(o, "manufacturer", json_object_new_string(s->manufacturer));
	json_object_object_add(o, "model", json_object_new_string(s->model));
	json_object_object_add(o, "imei", json_object_new_string(s->imei));
	json_object_object_add(o, "imsi", json_object_new_string(s->imsi));
	json_object_object_add(o, "last_error", json_object_new_string(s->last_error));
	add_count(o, "sent", s->sent);
	add_count(o, "send_failed", s->send_failed);
	add_count(o, "received", s->received);
	add_count(o, "reports", s->reports);
	add_count(o, "reconnects", s->reconnects);
	add_count(o, "cfun_cycles", s->cfun_cycles);
	add_count(o, "resets", s->resets);
	add_count(o, "timeouts", s->timeouts);
}
