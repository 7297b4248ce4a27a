/* smsgated --demo: its own smsgate-modemsim and a config in a fresh
 * directory, so a newcomer sees it work without hardware. */
#ifndef SMSGATE_DAEMON_DEMO_H
#define SMSGATE_DAEMON_DEMO_H

#include <stddef.h>
#include <sys/types.h>

struct demo {
	char dir[256];
	char config_path[300];
	pid_t sim;
};

int demo_prepare(struct demo *d, const char *argv0, char *err, size_t errlen);
void demo_announce(const struct demo *d);
void demo_finish(struct demo *d);

#endif
