/*
 * Retention: flash is small, so sent/, failed/, incoming/ and status/ are
 * trimmed to keep_sent / keep_failed / keep_incoming files (the oldest go
 * first) and to keep_days of age, at start-up and then every hour. Only
 * final files are touched: queue/, outgoing/ and parts/ never.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "gateway.h"
#include "log.h"
#include "util.h"

#define RETENTION_INTERVAL_MS (3600 * 1000)

struct aged {
	char *name;
	time_t mtime;
};

static int by_age(const void *a, const void *b)
{
	const struct aged *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Trims one directory; returns the number of files removed. */
static unsigned trim_dir(int dirfd, unsigned keep, unsigned days)
{
	DIR *d = dir_stream(dirfd);
	struct aged *files = NULL;
	size_t n = 0, cap = 0, excess;
	time_t oldest = days ? time(NULL) - (time_t)days * 86400 : 0;
	struct dirent *e;
	unsigned removed = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.' || fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			struct aged *g = realloc(files, (cap = cap ? cap * 2 : 256) * sizeof(*files));

			if (!g)
				break;
			files = g;
		}
		files[n].name = strdup(e->d_name);
		if (!files[n].name)
			break;
		files[n++].mtime = st.st_mtime;
	}
	closedir(d);
	if (n)
		qsort(files, n, sizeof(*files), by_age);
	excess = keep && n > keep ? n - keep : 0;
	for (size_t i = 0; i < n; i++) {
		if ((i < excess || (oldest && files[i].mtime < oldest)) && unlinkat(dirfd, files[i].name, 0) == 0)
			removed++;
		free(files[i].name);
	}
	free(files);
	if (removed)
		fsync_dir(dirfd);
	return removed;
}

void gw_retention_run(struct gateway *gw)
{
	const struct config_gateway *c = &gw->cfg.gateway;
	unsigned sent = trim_dir(gw->spool.dir[SPOOL_SENT], c->keep_sent, c->keep_days);
	unsigned failed = trim_dir(gw->spool.dir[SPOOL_FAILED], c->keep_failed, c->keep_days);
	unsigned incoming = trim_dir(gw->spool.dir[SPOOL_INCOMING], c->keep_incoming, c->keep_days);
	/* Status records answer lookups for as long as the files they describe are kept. */
	unsigned keep_status = c->keep_sent && c->keep_failed ? c->keep_sent + c->keep_failed : 0;
	unsigned status = trim_dir(gw->spool.dir[SPOOL_STATUS], keep_status, c->keep_days);

	if (sent + failed + incoming + status)
		log_info("retention: removed %u sent, %u failed, %u incoming files and %u status records", sent, failed,
			 incoming, status);
}

static void retention_timer_cb(struct loop *l, struct loop_timer *t)
{
	struct gateway *gw = container_of(t, struct gateway, retention_timer);

	gw_retention_run(gw);
	loop_timer_set(l, t, RETENTION_INTERVAL_MS);
}

void gw_retention_start(struct gateway *gw)
{
	loop_timer_init(&gw->retention_timer, retention_timer_cb);
	loop_timer_set(&gw->loop, &gw->retention_timer, 0);
}
