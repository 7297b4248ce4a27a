/* The build without libcurl: [webhook] sections are refused at start. */
#include <stdio.h>

#include "webhook.h"

bool webhooks_available(void)
{
	return false;
}

struct webhooks *webhooks_new(struct loop *loop, int rootfd, const struct webhook_target *t, unsigned n,
			      unsigned sync, char *why, size_t whylen)
{
	(void)loop;
	(void)rootfd;
	(void)sync;
	if (n)
		snprintf(why, whylen, "[webhook %s]: this smsgated was built without webhooks (libcurl)", t[0].name);
	else
		snprintf(why, whylen, "no webhooks");
	return NULL;
}

void webhooks_free(struct webhooks *w)
{
	(void)w;
}

void webhooks_emit(struct webhooks *w, enum webhook_event type, json_object *data)
{
	(void)w;
	(void)type;
	(void)data;
}

unsigned webhooks_count(const struct webhooks *w)
{
	(void)w;
	return 0;
}

void webhooks_stats(const struct webhooks *w, unsigned i, struct webhook_stats *st)
{
	(void)w;
	(void)i;
	(void)st;
}
