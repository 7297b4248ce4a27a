#define _GNU_SOURCE /* syncfs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "queue.h"
#include "util.h"

static const char *const dir_names[SPOOL_NDIRS] = {
	[SPOOL_OUTGOING] = "outgoing", [SPOOL_QUEUE] = "queue",       [SPOOL_SENT] = "sent",
	[SPOOL_FAILED] = "failed",     [SPOOL_STATUS] = "status",     [SPOOL_INCOMING] = "incoming",
	[SPOOL_PARTS] = "parts",
};

const char *spool_dir_name(enum spool_dir d)
{
	return dir_names[d];
}

/* Removes ".tmp.*" files a crash left behind in one directory. */
static void spool_sweep_tmp(int dirfd)
{
	DIR *d = dir_stream(dirfd);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, ".tmp.", 5) == 0)
			unlinkat(dirfd, e->d_name, 0);
	}
	closedir(d);
}

int spool_open(struct spool *s, const char *path, char *why, size_t whylen)
{
	int root, err;

	for (int i = 0; i < SPOOL_NDIRS; i++)
		s->dir[i] = -1;
	s->root = -1;
	s->sync = 0;
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s", path) >= sizeof(s->path)) {
		snprintf(why, whylen, "spool path too long: %s", path);
		return -ENAMETOOLONG;
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		err = errno;
		snprintf(why, whylen, "%s: %s", path, strerror(err));
		return -err;
	}
	root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		err = errno;
		snprintf(why, whylen, "%s: %s", path, strerror(err));
		return -err;
	}
	for (int i = 0; i < SPOOL_NDIRS; i++) {
		if (mkdirat(root, dir_names[i], i == SPOOL_OUTGOING ? 0775 : 0755) < 0 && errno != EEXIST)
			goto fail;
		s->dir[i] = openat(root, dir_names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->dir[i] < 0)
			goto fail;
		/* Say so now, not at the first message: a read-only mount (even
		 * for root) or a spool owned by another user. */
		if (faccessat(root, dir_names[i], W_OK | X_OK, AT_EACCESS) < 0) {
			err = errno;
			snprintf(why, whylen, "%s/%s: not writable: %s", path, dir_names[i], strerror(err));
			goto fail_err;
		}
		spool_sweep_tmp(s->dir[i]);
	}
	if (faccessat(root, ".", W_OK | X_OK, AT_EACCESS) < 0) {
		err = errno;
		snprintf(why, whylen, "%s: not writable: %s", path, strerror(err));
		goto fail_err;
	}
	s->root = root;
	spool_sweep_tmp(root);
	return 0;
fail:
	err = errno;
	snprintf(why, whylen, "%s: %s", path, strerror(err));
fail_err:
	close(root);
	spool_close(s);
	return -err;
}

void spool_close(struct spool *s)
{
	if (s->root >= 0)
		close(s->root);
	s->root = -1;
	for (int i = 0; i < SPOOL_NDIRS; i++) {
		if (s->dir[i] >= 0)
			close(s->dir[i]);
		s->dir[i] = -1;
	}
}

void spool_new_id(char id[SPOOL_ID_LEN + 1])
{
	struct timespec ts;
	uint64_t ms;
	uint32_t rnd = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 12;
	/* 11 hex digits of milliseconds last until the year 2527. */
	snprintf(id, SPOOL_ID_LEN + 1, "%011" PRIx64 "%09" PRIx64, (uint64_t)(ms & 0xfffffffffffu),
		 (uint64_t)(((uint64_t)rnd << 4 | ((uint64_t)ts.tv_nsec & 0xf)) & 0xfffffffffu));
}

bool spool_id_valid(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == SPOOL_ID_LEN && s[n] == '\0';
}

static const char *const state_names[] = { "queued", "sending", "sent", "delivered", "failed", "cancelled",
					    "suppressed", "forwarded" };

const char *msg_state_name(enum msg_state s)
{
	return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

int msg_state_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_names); i++) {
		if (strcmp(s, state_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

bool msg_state_final(enum msg_state s)
{
	return s != MSG_QUEUED && s != MSG_SENDING;
}

void msg_record_init(struct msg_record *r, const char *id)
{
	memset(r, 0, sizeof(*r));
	str_copy(r->id, sizeof(r->id), id);
	str_copy(r->name, sizeof(r->name), id);
	r->report_status = -1;
	r->created = r->updated = (int64_t)time(NULL);
}

/* Appends with a running length; a full buffer sticks as -ENOBUFS. */
static void put(char *dst, size_t dstlen, size_t *n, int *err, const char *fmt, ...) PRINTF_LIKE(5, 6);

static void put(char *dst, size_t dstlen, size_t *n, int *err, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*err)
		return;
	va_start(ap, fmt);
	k = vsnprintf(dst + *n, dstlen - *n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= dstlen - *n) {
		*err = -ENOBUFS;
		return;
	}
	*n += (size_t)k;
}

ssize_t msg_record_format(char *dst, size_t dstlen, const struct msg_record *r)
{
	size_t n = 0;
	int err = 0;

	put(dst, dstlen, &n, &err, "Id: %s\nName: %s\nTo: %s\nState: %s\nReport: %s\nAttempts: %u\n", r->id, r->name,
	    r->to, msg_state_name(r->state), r->report ? "yes" : "no", r->attempts);
	put(dst, dstlen, &n, &err, "Parts: %u\nParts_done: %u\nMr:", r->parts, r->parts_done);
	for (unsigned i = 0; i < r->parts_done && i < SPOOL_MR_MAX; i++)
		put(dst, dstlen, &n, &err, " %u", r->mr[i]);
	put(dst, dstlen, &n, &err, "\nModem: %s\nLast_error: %s\nReport_status: %d\n", r->modem, r->last_error,
	    r->report_status);
	if (r->final[0])
		put(dst, dstlen, &n, &err, "Final: %s\n", r->final);
	put(dst, dstlen, &n, &err, "Created: %" PRId64 "\nUpdated: %" PRId64 "\nSent_at: %" PRId64 "\nDone_at: %" PRId64
	    "\nNext_try: %" PRId64 "\n", r->created, r->updated, r->sent_at, r->done_at, r->next_try);
	return err ? err : (ssize_t)n;
}

static int parse_i64(const char *v, int64_t *out)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		return -EINVAL;
	*out = x;
	return 0;
}

static int parse_uint(const char *v, unsigned max, unsigned *out)
{
	int64_t x;

	if (parse_i64(v, &x) < 0 || x < 0 || x > max)
		return -EINVAL;
	*out = (unsigned)x;
	return 0;
}

static int record_field(struct msg_record *r, const char *key, const char *v)
{
	int64_t x;

	if (strcmp(key, "Id") == 0)
		return spool_id_valid(v) ? str_copy(r->id, sizeof(r->id), v) : -EINVAL;
	if (strcmp(key, "Name") == 0)
		return str_copy(r->name, sizeof(r->name), v);
	if (strcmp(key, "To") == 0)
		return str_copy(r->to, sizeof(r->to), v);
	if (strcmp(key, "Final") == 0)
		return str_copy(r->final, sizeof(r->final), v);
	if (strcmp(key, "State") == 0) {
		int st = msg_state_parse(v);

		if (st < 0)
			return -EINVAL;
		r->state = (enum msg_state)st;
		return 0;
	}
	if (strcmp(key, "Report") == 0) {
		r->report = strcmp(v, "yes") == 0;
		return 0;
	}
	if (strcmp(key, "Attempts") == 0)
		return parse_uint(v, 1000000, &r->attempts);
	if (strcmp(key, "Parts") == 0)
		return parse_uint(v, SPOOL_MR_MAX, &r->parts);
	if (strcmp(key, "Parts_done") == 0)
		return parse_uint(v, SPOOL_MR_MAX, &r->parts_done);
	if (strcmp(key, "Mr") == 0) {
		unsigned i = 0;
		const char *p = v;

		while (*p && i < SPOOL_MR_MAX) {
			char *end;
			long m = strtol(p, &end, 10);

			if (end == p || m < 0 || m > 255)
				return -EINVAL;
			r->mr[i++] = (uint8_t)m;
			p = end + strspn(end, " ");
		}
		return 0;
	}
	if (strcmp(key, "Modem") == 0)
		return str_copy(r->modem, sizeof(r->modem), v);
	if (strcmp(key, "Last_error") == 0) {
		str_copy(r->last_error, sizeof(r->last_error), v); /* a cut reason is still a reason */
		return 0;
	}
	if (strcmp(key, "Report_status") == 0) {
		if (parse_i64(v, &x) < 0 || x < -1 || x > 255)
			return -EINVAL;
		r->report_status = (int)x;
		return 0;
	}
	if (strcmp(key, "Created") == 0)
		return parse_i64(v, &r->created);
	if (strcmp(key, "Updated") == 0)
		return parse_i64(v, &r->updated);
	if (strcmp(key, "Sent_at") == 0)
		return parse_i64(v, &r->sent_at);
	if (strcmp(key, "Done_at") == 0)
		return parse_i64(v, &r->done_at);
	if (strcmp(key, "Next_try") == 0)
		return parse_i64(v, &r->next_try);
	return 0; /* a newer version's field */
}

int msg_record_parse(struct msg_record *r, const char *text, size_t len)
{
	size_t pos = 0;

	msg_record_init(r, "");
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos), *colon;
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		char key[32], val[SPOOL_NAME_MAX + SPOOL_ID_LEN + 2];
		size_t klen, vlen;

		pos += n + (nl ? 1 : 0);
		colon = memchr(line, ':', n);
		if (!colon)
			return -EINVAL;
		klen = (size_t)(colon - line);
		vlen = n - klen - 1;
		if (vlen > 0 && colon[1] == ' ')
			colon++, vlen--;
		if (klen >= sizeof(key) || vlen >= sizeof(val) || memchr(colon + 1, '\0', vlen))
			return -EINVAL;
		memcpy(key, line, klen);
		key[klen] = '\0';
		memcpy(val, colon + 1, vlen);
		val[vlen] = '\0';
		if (record_field(r, key, val) < 0)
			return -EINVAL;
	}
	if (!spool_id_valid(r->id) || r->parts_done > r->parts)
		return -EINVAL;
	return 0;
}

int msg_record_save(struct spool *s, enum spool_dir dir, const struct msg_record *r, unsigned flags)
{
	char buf[2048], name[SPOOL_ID_LEN + 4];
	ssize_t n = msg_record_format(buf, sizeof(buf), r);

	if (n < 0)
		return (int)n;
	snprintf(name, sizeof(name), "%s.st", r->id);
	return durable_write(s->dir[dir], name, buf, (size_t)n, s->sync | flags);
}

int msg_record_load(struct spool *s, enum spool_dir dir, const char *id, struct msg_record *r)
{
	char name[SPOOL_ID_LEN + 4], *text;
	ssize_t n;
	int rc;

	if (!spool_id_valid(id))
		return -EINVAL;
	snprintf(name, sizeof(name), "%s.st", id);
	n = read_file_at(s->dir[dir], name, 64 * 1024, &text);
	if (n < 0)
		return (int)n;
	rc = msg_record_parse(r, text, (size_t)n);
	free(text);
	return rc;
}

int spool_stage(struct spool *s, struct spool_batch *b, enum spool_dir dir, const char *name, const void *data,
		size_t len)
{
	static unsigned counter;
	struct spool_staged *it;
	int fd, rc;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct spool_staged *grown = realloc(b->items, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		b->items = grown;
		b->cap = cap;
	}
	it = &b->items[b->n];
	it->dir = dir;
	if (str_copy(it->name, sizeof(it->name), name) < 0)
		return -ENAMETOOLONG;
	snprintf(it->tmp, sizeof(it->tmp), ".tmp.%ld.b%u", (long)getpid(), counter++);
	fd = openat(s->dir[dir], it->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, data, len);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		unlinkat(s->dir[dir], it->tmp, 0);
		return rc;
	}
	b->n++;
	return 0;
}

static void batch_discard(struct spool *s, struct spool_batch *b, size_t from)
{
	for (size_t i = from; i < b->n; i++)
		unlinkat(s->dir[b->items[i].dir], b->items[i].tmp, 0);
	b->n = 0;
}

int spool_commit(struct spool *s, struct spool_batch *b)
{
	bool touched[SPOOL_NDIRS] = { false };
	int rc = 0;

	if (b->n == 0)
		return 0;
	if (!(s->sync & DURABLE_NOSYNC) && syncfs(s->root) < 0) {
		/* Without syncfs, every file on its own. */
		for (size_t i = 0; i < b->n && rc == 0; i++) {
			int fd = openat(s->dir[b->items[i].dir], b->items[i].tmp, O_RDONLY | O_CLOEXEC);

			if (fd < 0 || fsync(fd) < 0)
				rc = -errno;
			if (fd >= 0)
				close(fd);
		}
		if (rc < 0) {
			batch_discard(s, b, 0);
			return rc;
		}
	}
	for (size_t i = 0; i < b->n; i++) {
		struct spool_staged *it = &b->items[i];

		if (renameat(s->dir[it->dir], it->tmp, s->dir[it->dir], it->name) < 0) {
			rc = -errno;
			/* Nothing was answered yet: undo, so the batch is all or none. */
			for (size_t k = 0; k < i; k++)
				unlinkat(s->dir[b->items[k].dir], b->items[k].name, 0);
			batch_discard(s, b, i);
			return rc;
		}
		touched[it->dir] = true;
	}
	b->n = 0;
	if (s->sync & DURABLE_NOSYNC)
		return 0;
	for (int d = 0; d < SPOOL_NDIRS; d++) {
		if (touched[d] && fsync_dir(s->dir[d]) < 0)
			rc = -errno;
	}
	return rc;
}

void spool_batch_free(struct spool_batch *b)
{
	free(b->items);
	b->items = NULL;
	b->n = b->cap = 0;
}
