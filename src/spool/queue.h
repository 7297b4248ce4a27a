/*
 * The spool directory tree and the state of each queued message.
 *
 *   outgoing/   anyone drops smstools3 files here (written elsewhere, renamed in)
 *   queue/      ID (the message file) and ID.st (its state), while pending
 *   sent/ failed/   smstools3 files with the added headers, when final
 *   status/     ID.st of final messages, for status lookups (retention applies)
 *   incoming/   received messages and status reports, smstools3 files
 *   parts/      received parts of concatenated messages until complete
 *
 * Every file is written with durable_write (temp, fsync, rename, directory
 * fsync); see docs/spool.md for the crash analysis.
 */
#ifndef SMSGATE_SPOOL_QUEUE_H
#define SMSGATE_SPOOL_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SPOOL_ID_LEN 20         /* hex: 11 of milliseconds, 9 random */
#define SPOOL_NAME_MAX 200
#define SPOOL_MR_MAX 255        /* one TP-MR per part */
#define SPOOL_FILE_MAX (256 * 1024) /* a queue file larger than this is refused */

enum spool_dir { SPOOL_OUTGOING, SPOOL_QUEUE, SPOOL_SENT, SPOOL_FAILED, SPOOL_STATUS, SPOOL_INCOMING,
		 SPOOL_PARTS, SPOOL_NDIRS };

struct spool {
	char path[256];
	int root;               /* the spool directory itself (status.json) */
	int dir[SPOOL_NDIRS];
	unsigned sync;          /* DURABLE_NOSYNC or 0 */
};

/* Creates the tree where missing and opens it. Returns 0 or -errno with a
 * sentence in why. Temporary files left by a crash are removed. */
int spool_open(struct spool *s, const char *path, char *why, size_t whylen);
void spool_close(struct spool *s);
const char *spool_dir_name(enum spool_dir d);

/* A new message ID: sortable by creation time, unique across processes. */
void spool_new_id(char id[SPOOL_ID_LEN + 1]);
bool spool_id_valid(const char *s);

enum msg_state {
	MSG_QUEUED = 0,
	MSG_SENDING,
	MSG_SENT,
	MSG_DELIVERED,
	MSG_FAILED,
	MSG_CANCELLED,
	MSG_SUPPRESSED,
	MSG_FORWARDED,          /* handed to the MQTT pool ([mqtt] forward): another gateway sends it */
};
const char *msg_state_name(enum msg_state s);
int msg_state_parse(const char *s);
bool msg_state_final(enum msg_state s);

struct msg_record {
	char id[SPOOL_ID_LEN + 1];
	char name[SPOOL_NAME_MAX + 1];  /* the file name for sent/ and failed/ */
	char final[SPOOL_NAME_MAX + SPOOL_ID_LEN + 2]; /* the name taken there; empty until it is decided */
	char to[24];
	enum msg_state state;
	bool report;                    /* a status report was requested */
	unsigned attempts;
	unsigned parts, parts_done;
	uint8_t mr[SPOOL_MR_MAX];
	char modem[32];
	char last_error[128];
	int report_status;              /* TP-ST of the last status report, -1 none */
	int64_t created, updated, sent_at, done_at, next_try; /* unix seconds; next_try 0 = now */
};

void msg_record_init(struct msg_record *r, const char *id);
/* Writes ID.st into dir (SPOOL_QUEUE or SPOOL_STATUS), durably unless
 * flags has DURABLE_NOSYNC. */
int msg_record_save(struct spool *s, enum spool_dir dir, const struct msg_record *r, unsigned flags);
/* Reads ID.st; -ENOENT when absent, -EINVAL when unreadable. */
int msg_record_load(struct spool *s, enum spool_dir dir, const char *id, struct msg_record *r);
/* The text form (for the API and tests): key: value lines. */
ssize_t msg_record_format(char *dst, size_t dstlen, const struct msg_record *r);
int msg_record_parse(struct msg_record *r, const char *text, size_t len);

/* Group commit: files staged under temporary names (written, not synced),
 * then made durable together with one syncfs(), renamed into place, and
 * each directory fsync'd once. What one fsync costs is paid once per batch
 * instead of once per message. */
struct spool_staged {
	enum spool_dir dir;
	char name[SPOOL_NAME_MAX + 1];
	char tmp[SPOOL_NAME_MAX + 32];
};

struct spool_batch {
	struct spool_staged *items;
	size_t n, cap;
};

int spool_stage(struct spool *s, struct spool_batch *b, enum spool_dir dir, const char *name, const void *data,
		size_t len);
/* Returns 0 when every staged file is durable under its name; on failure
 * none of them is (the temporaries are removed). The batch is emptied. */
int spool_commit(struct spool *s, struct spool_batch *b);
void spool_batch_free(struct spool_batch *b);

#endif
