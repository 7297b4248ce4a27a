/*
 * A webhook's outbox: its events waiting for delivery, one file each in
 * spool/webhooks/NAME/ (ID.json, IDs sort by creation time), written with
 * the spool's discipline before anything else happens, so an event
 * survives a receiver that is down and a restart of smsgated. Oldest
 * first; removed once delivered (at least once: a crash between the
 * receiver's 2xx and the unlink delivers it again, with the same
 * webhook-id, for the receiver to ignore).
 */
#ifndef SMSGATE_WEBHOOK_OUTBOX_H
#define SMSGATE_WEBHOOK_OUTBOX_H

#include <stddef.h>
#include <sys/types.h>

#define OUTBOX_ID_LEN 20                /* spool IDs */
#define OUTBOX_EVENT_MAX (256 * 1024)   /* bytes of one event; bigger files are refused as damaged */

struct outbox {
	int dirfd;
	unsigned sync;                  /* 0, or DURABLE_NOSYNC (tests on tmpfs) */
	size_t max;                     /* events kept at most; the oldest goes first */
	char (*ids)[OUTBOX_ID_LEN + 1];
	size_t head, n, cap;            /* ids[head .. head+n) pending, oldest first */
	unsigned long long dropped;     /* pushed out by max, or unreadable */
};

/* Opens (creating) spool/webhooks/NAME below the spool's root directory and
 * takes up the events left there. Returns 0 or -errno. */
int outbox_open(struct outbox *o, int rootfd, const char *name, size_t max, unsigned sync);
/* The same below spool/TOP/NAME (the MQTT events: spool/mqtt/events). */
int outbox_open_in(struct outbox *o, int rootfd, const char *top, const char *name, size_t max, unsigned sync);
void outbox_close(struct outbox *o);

/* Writes a new event durably. Returns 0, or -errno (nothing queued). */
int outbox_add(struct outbox *o, const char *id, const char *body, size_t len);

static inline size_t outbox_count(const struct outbox *o)
{
	return o->n;
}

/* The oldest event's ID and body (malloc'd, NUL-terminated); -ENOENT when
 * empty. An unreadable event file is dropped with a log line and the next
 * one is returned. */
ssize_t outbox_peek(struct outbox *o, const char **id, char **body);
/* Removes the oldest event (delivered). */
void outbox_pop(struct outbox *o);

#endif
