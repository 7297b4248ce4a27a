#include "outbox.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable.h"
#include "log.h"

#define SUFFIX ".json"

static int open_dir(int at, const char *name)
{
	int fd;

	if (mkdirat(at, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static bool event_name(const char *name, char id[OUTBOX_ID_LEN + 1])
{
	size_t n = strlen(name);

	if (n != OUTBOX_ID_LEN + strlen(SUFFIX) || strcmp(name + OUTBOX_ID_LEN, SUFFIX) != 0)
		return false;
	for (size_t i = 0; i < OUTBOX_ID_LEN; i++) {
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	}
	memcpy(id, name, OUTBOX_ID_LEN);
	id[OUTBOX_ID_LEN] = '\0';
	return true;
}

static int grow(struct outbox *o)
{
	if (o->head) {
		memmove(o->ids, o->ids + o->head, o->n * sizeof(*o->ids));
		o->head = 0;
	}
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		void *g = realloc(o->ids, cap * sizeof(*o->ids));

		if (!g)
			return -ENOMEM;
		o->ids = g;
		o->cap = cap;
	}
	return 0;
}

static int cmp_ids(const void *a, const void *b)
{
	return strcmp(a, b);
}

int outbox_open(struct outbox *o, int rootfd, const char *name, size_t max, unsigned sync)
{
	return outbox_open_in(o, rootfd, "webhooks", name, max, sync);
}

int outbox_open_in(struct outbox *o, int rootfd, const char *top_name, const char *name, size_t max, unsigned sync)
{
	int top = open_dir(rootfd, top_name), fd;
	DIR *d;
	struct dirent *e;

	memset(o, 0, sizeof(*o));
	o->dirfd = -1;
	o->max = max;
	o->sync = sync;
	if (top < 0)
		return top;
	fd = open_dir(top, name);
	close(top);
	if (fd < 0)
		return fd;
	o->dirfd = fd;
	d = dir_stream(o->dirfd);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char id[OUTBOX_ID_LEN + 1];

		if (strncmp(e->d_name, ".tmp.", 5) == 0) {
			unlinkat(o->dirfd, e->d_name, 0); /* a write a crash interrupted: never acknowledged */
			continue;
		}
		if (!event_name(e->d_name, id))
			continue;
		if (grow(o) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		memcpy(o->ids[o->n++], id, sizeof(id));
	}
	closedir(d);
	if (o->n)
		qsort(o->ids, o->n, sizeof(*o->ids), cmp_ids);
	return 0;
}

void outbox_close(struct outbox *o)
{
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->ids);
	memset(o, 0, sizeof(*o));
	o->dirfd = -1;
}

static void file_name(char out[OUTBOX_ID_LEN + sizeof(SUFFIX)], const char *id)
{
	snprintf(out, OUTBOX_ID_LEN + sizeof(SUFFIX), "%s" SUFFIX, id);
}

void outbox_pop(struct outbox *o)
{
	char name[OUTBOX_ID_LEN + sizeof(SUFFIX)];

	if (!o->n)
		return;
	file_name(name, o->ids[o->head]);
	if (unlinkat(o->dirfd, name, 0) < 0 && errno != ENOENT)
		log_warn("webhooks: cannot remove delivered event %s: %s", name, strerror(errno));
	o->head++;
	o->n--;
	if (!o->n)
		o->head = 0;
}

int outbox_add(struct outbox *o, const char *id, const char *body, size_t len)
{
	char name[OUTBOX_ID_LEN + sizeof(SUFFIX)];
	int rc;

	if (strlen(id) != OUTBOX_ID_LEN)
		return -EINVAL;
	if (o->head + o->n == o->cap && (rc = grow(o)) < 0)
		return rc;
	file_name(name, id);
	rc = durable_write(o->dirfd, name, body, len, o->sync | DURABLE_NOREPLACE);
	if (rc < 0)
		return rc;
	memcpy(o->ids[o->head + o->n++], id, OUTBOX_ID_LEN + 1);
	while (o->max && o->n > o->max) {
		log_error("webhooks: more than %zu events waiting; the oldest, %s, is dropped", o->max, o->ids[o->head]);
		outbox_pop(o);
		o->dropped++;
	}
	return 0;
}

ssize_t outbox_peek(struct outbox *o, const char **id, char **body)
{
	while (o->n) {
		char name[OUTBOX_ID_LEN + sizeof(SUFFIX)];
		ssize_t n;

		file_name(name, o->ids[o->head]);
		n = read_file_at(o->dirfd, name, OUTBOX_EVENT_MAX, body);
		if (n >= 0) {
			*id = o->ids[o->head];
			return n;
		}
		log_error("webhooks: event %s unreadable (%s); dropped", name, strerror((int)-n));
		outbox_pop(o);
		o->dropped++;
	}
	return -ENOENT;
}
