/* Any bytes as a config file: a result that obeys the table's limits, or
 * -EINVAL with one "FILE:LINE: reason" line; never a crash or an overrun. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t size, int nonempty)
{
	size_t n = strnlen(s, size);

	if (n == size || (nonempty && n == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	char err[128];
	size_t lines = 1;
	int rc;

	memset(err, 0x55, sizeof(err));
	rc = config_parse(&c, "f", (const char *)data, size, err, sizeof(err));
	if (rc < 0) {
		char *end;
		unsigned long line;

		if (rc != -EINVAL || strnlen(err, sizeof(err)) == sizeof(err) || strncmp(err, "f:", 2) != 0)
			abort();
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		line = strtoul(err + 2, &end, 10);
		if (line < 1 || line > lines || strncmp(end, ": ", 2) != 0 || strchr(err, '\n'))
			abort();
		return 0;
	}
	if (c.nmodem < 1 || c.nmodem > CONFIG_MODEMS_MAX || c.http.nlisten > CONFIG_LISTEN_MAX ||
	    c.http.ntoken > CONFIG_TOKENS_MAX)
		abort();
	check_str(c.gateway.spool, sizeof(c.gateway.spool), 1);
	check_str(c.gateway.eventhandler, sizeof(c.gateway.eventhandler), 0);
	check_str(c.gateway.admin, sizeof(c.gateway.admin), 0);
	if (c.gateway.retry_base > c.gateway.retry_cap || c.gateway.max_parts < 1 || c.gateway.max_parts > 255)
		abort();
	for (unsigned i = 0; i < c.http.nlisten; i++) {
		check_str(c.http.listen[i].addr, sizeof(c.http.listen[i].addr), 1);
		if (c.http.listen[i].port == 0)
			abort();
	}
	for (unsigned i = 0; i < c.http.ntoken; i++)
		check_str(c.http.token[i], sizeof(c.http.token[i]), 1);
	if (c.nheartbeat > CONFIG_HEARTBEATS_MAX || c.gateway.alarm_spool_full > 100)
		abort();
	for (unsigned i = 0; i < c.nheartbeat; i++) {
		const struct config_heartbeat *hb = &c.heartbeat[i];

		check_str(hb->name, sizeof(hb->name), 1);
		check_str(hb->to, sizeof(hb->to), 1);
		check_str(hb->text, sizeof(hb->text), 0);
		if (hb->every < 1)
			abort();
	}
	for (unsigned i = 0; i < c.nmodem; i++) {
		const struct config_modem *m = &c.modem[i];

		check_str(m->name, sizeof(m->name), 1);
		check_str(m->device, sizeof(m->device), 1);
		check_str(m->pin, sizeof(m->pin), 0);
		check_str(m->smsc, sizeof(m->smsc), 0);
		check_str(m->reset_command, sizeof(m->reset_command), 0);
		if (m->baud < 9600 || m->submit_timeout < 5 || m->poll_interval < 1)
			abort();
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(m->name, c.modem[j].name) == 0)
				abort();
		}
	}
	return 0;
}
