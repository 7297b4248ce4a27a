/*
 * Intake: files dropped into outgoing/ (smstools3's convention: written
 * elsewhere and renamed in, or closed after writing) are seen at once by
 * inotify, checked, and claimed into queue/ by a rename; a bad file goes
 * to failed/ with the reason and never stalls the queue. At start-up the
 * queue left by the last run is taken up again, then outgoing/ is swept.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "gateway.h"
#include "log.h"
#include "smsfile.h"
#include "util.h"

#define EMPTY_GRACE_MS 2000     /* an empty file in outgoing/ is refused after this long */

void outmsg_free(struct outmsg *m)
{
	free(m->text);
	m->text = NULL;
	m->text_len = 0;
}

static int64_t id_created(const char *id)
{
	char ms[12];

	memcpy(ms, id, 11);
	ms[11] = '\0';
	return (int64_t)(strtoull(ms, NULL, 16) / 1000);
}

/* Parses a spool file; *text (malloc'd) holds the UTF-8 that f points into. */
static int parse_file(const char *buf, size_t len, struct smsfile_msg *f, char **text, char *why, size_t whylen)
{
	size_t cap = SMSFILE_TEXT_CAP(len);

	*text = malloc(cap);
	if (!*text) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	if (smsfile_parse(f, buf, len, *text, cap) < 0) {
		snprintf(why, whylen, "%s", f->reason);
		free(*text);
		*text = NULL;
		return -EINVAL;
	}
	return 0;
}

/* The parsed file into what the dispatcher needs. */
/* "Pool: yes", which the MQTT pool's intake writes (pool_intake.c). */
static bool from_pool(const struct smsfile_msg *f)
{
	for (size_t i = 0; i < f->nheaders; i++) {
		const struct smsfile_header *h = &f->headers[i];

		if (h->name_len == 4 && strncasecmp(h->name, "Pool", 4) == 0)
			return h->value_len == 3 && strncasecmp(h->value, "yes", 3) == 0;
	}
	return false;
}

static int outmsg_from_file(const char *id, const char *buf, size_t len, struct outmsg *m, char *why,
			    size_t whylen)
{
	static struct smsfile_msg f; /* large; one at a time on the loop */
	char *text;
	int rc = parse_file(buf, len, &f, &text, why, whylen);

	if (rc < 0)
		return rc;
	memset(m, 0, sizeof(*m));
	str_copy(m->to, sizeof(m->to), f.to.str);
	/* The text moves to the start of its buffer, which m then owns. */
	memmove(text, f.text, f.text_len);
	text[f.text_len] = '\0';
	m->text = text;
	m->text_len = f.text_len;
	m->flash = f.flash;
	m->report = f.report == 1;
	m->high = f.priority_high;
	m->plan_flags = f.plan_flags;
	m->max_parts = f.max_parts;
	m->validity_minutes = f.has_validity ? (unsigned)f.validity_minutes : 0;
	m->from_pool = from_pool(&f);
	if (id && m->validity_minutes)
		m->expires = id_created(id) + (int64_t)m->validity_minutes * 60;
	return 0;
}

int gw_load_message(struct gateway *gw, const char *id, struct outmsg *m, char *why, size_t whylen)
{
	char *buf;
	ssize_t n = read_file_at(gw->spool.dir[SPOOL_QUEUE], id, SPOOL_FILE_MAX, &buf);
	int rc;

	if (n < 0) {
		snprintf(why, whylen, "queue file unreadable: %s", strerror((int)-n));
		return (int)n;
	}
	rc = outmsg_from_file(id, buf, (size_t)n, m, why, whylen);
	free(buf);
	return rc;
}

static bool ignored_name(const char *name)
{
	size_t n = strlen(name);

	/* Hidden and temporary files, and smstools3's lock files. */
	return name[0] == '.' || (n > 5 && strcmp(name + n - 5, ".LOCK") == 0) || n > SPOOL_NAME_MAX;
}

static void empty_timer_cb(struct loop *l, struct loop_timer *t)
{
	struct gateway *gw = container_of(t, struct gateway, empty_timer);

	(void)l;
	gw_intake_sweep(gw);
}

/* An empty file is usually not a message yet: smstools3's sendsms makes
 * its name with mktemp in outgoing/ (an empty file, closed) and then
 * renames the message over it. It is refused only once it has stayed
 * empty for EMPTY_GRACE_MS; until then another look is scheduled. */
static bool empty_too_young(struct gateway *gw, const struct stat *st)
{
	struct timespec now;
	int64_t changed, age;

	clock_gettime(CLOCK_REALTIME, &now);
	changed = (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
	if ((int64_t)st->st_ctim.tv_sec * 1000 + st->st_ctim.tv_nsec / 1000000 > changed)
		changed = (int64_t)st->st_ctim.tv_sec * 1000 + st->st_ctim.tv_nsec / 1000000;
	age = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 - changed;
	if (age >= EMPTY_GRACE_MS)
		return false;
	if (!gw->empty_timer.armed || gw->empty_timer.due > loop_now() + EMPTY_GRACE_MS - age)
		loop_timer_set(&gw->loop, &gw->empty_timer, EMPTY_GRACE_MS - age + 10);
	return true;
}

/* The rename is the claim: the file is in exactly one place at any
 * instant, and what is read afterwards is what was claimed (a writer may
 * replace the name in outgoing/ at any moment). A file that cannot be
 * sent goes from queue/ to failed/ with the reason, under its own name. */
static void claim(struct gateway *gw, const char *name)
{
	struct msg_record rec;
	struct outmsg m;
	struct stat st;
	char id[SPOOL_ID_LEN + 1], why[192], *buf = NULL;
	ssize_t n;
	int rc;

	if (ignored_name(name))
		return;
	if (fstatat(gw->spool.dir[SPOOL_OUTGOING], name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
		return; /* already claimed (two events for one file), or a directory */
	if (S_ISREG(st.st_mode) && st.st_size == 0 && empty_too_young(gw, &st))
		return;
	spool_new_id(id);
	rc = durable_move(gw->spool.dir[SPOOL_OUTGOING], name, gw->spool.dir[SPOOL_QUEUE], id, DURABLE_NOSYNC);
	if (rc == -ENOENT)
		return;
	if (rc < 0) {
		log_error("outgoing/%s: cannot move it into the queue: %s", name, strerror(-rc));
		return;
	}
	msg_record_init(&rec, id);
	str_copy(rec.name, sizeof(rec.name), name);
	n = read_file_at(gw->spool.dir[SPOOL_QUEUE], id, SPOOL_FILE_MAX, &buf);
	if (n < 0) {
		snprintf(why, sizeof(why), "%s",
			 n == -EFBIG ? "file too large" : n == -EINVAL || n == -ELOOP ? "not a regular file"
										   : strerror((int)-n));
	} else if (outmsg_from_file(id, buf, (size_t)n, &m, why, sizeof(why)) == 0) {
		free(buf);
		str_copy(rec.to, sizeof(rec.to), m.to);
		rec.report = m.report;
		/* Not fsync'd: after a crash a lost record only loses the file name. */
		msg_record_save(&gw->spool, SPOOL_QUEUE, &rec, DURABLE_NOSYNC);
		log_debug("outgoing/%s claimed as %s for %s", name, id, m.to);
		/* The limits and the allow-list (limit.c): queued, or finished at once. */
		if (gw_admit(gw, id, &rec, &m) < 0)
			log_error("message %s: out of memory; it is taken up at the next start", id);
		outmsg_free(&m);
		gw_dispatch(gw);
		return;
	}
	free(buf);
	log_warn("outgoing/%s refused: %s", name, why);
	rec.state = MSG_FAILED;
	rec.done_at = rec.updated;
	str_copy(rec.last_error, sizeof(rec.last_error), why);
	gw->failed_total++;
	gw_finish_claimed(gw, &rec);
}

static void inotify_cb(struct loop *l, struct loop_fd *h, uint32_t revents)
{
	struct gateway *gw = container_of(h, struct gateway, inotify);
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	(void)l;
	(void)revents;
	while ((n = read(h->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				gw_intake_sweep(gw);
			else if (ev->len && !(ev->mask & IN_ISDIR))
				claim(gw, ev->name);
			p += sizeof(*ev) + ev->len;
		}
	}
}

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted (IDs sort by creation time). */
static int list_dir(int dirfd, char ***out, size_t *count)
{
	DIR *d = dir_stream(dirfd);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!grown)
				goto oom;
			names = grown;
		}
		if (!(names[n] = strdup(e->d_name)))
			goto oom;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), names_cmp); /* names is NULL when the directory is empty */
	*out = names;
	*count = n;
	return 0;
oom:
	while (n)
		free(names[--n]);
	free(names);
	closedir(d);
	return -ENOMEM;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void gw_intake_sweep(struct gateway *gw)
{
	char **names;
	size_t n;

	if (list_dir(gw->spool.dir[SPOOL_OUTGOING], &names, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		claim(gw, names[i]);
	free_names(names, n);
}

int gw_intake_start(struct gateway *gw)
{
	char path[300];
	int fd;

	snprintf(path, sizeof(path), "%s/outgoing", gw->spool.path);
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (inotify_add_watch(fd, path, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	loop_fd_init(&gw->inotify, inotify_cb);
	loop_timer_init(&gw->empty_timer, empty_timer_cb);
	if (loop_fd_add(&gw->loop, &gw->inotify, fd, EPOLLIN) < 0) {
		close(fd);
		return -EIO;
	}
	/* Files that arrived while we were down, after the watch exists. */
	gw_intake_sweep(gw);
	return 0;
}

int gw_recover_queue(struct gateway *gw)
{
	char **names;
	size_t n;
	int rc = list_dir(gw->spool.dir[SPOOL_QUEUE], &names, &n);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const char *name = names[i];
		size_t len = strlen(name);
		struct msg_record rec;
		struct outmsg m;
		char why[192];

		if (len == SPOOL_ID_LEN + 3 && strcmp(name + SPOOL_ID_LEN, ".st") == 0) {
			char id[SPOOL_ID_LEN + 1];

			memcpy(id, name, SPOOL_ID_LEN);
			id[SPOOL_ID_LEN] = '\0';
			/* A record without its message: the message was finished;
			 * a forwarded one has no other trace, its record goes on. */
			if (!bsearch(&(const char *){ id }, names, n, sizeof(*names), names_cmp)) {
				if (msg_record_load(&gw->spool, SPOOL_QUEUE, id, &rec) == 0 && rec.state == MSG_FORWARDED)
					durable_move(gw->spool.dir[SPOOL_QUEUE], name, gw->spool.dir[SPOOL_STATUS], name,
						     gw->spool.sync);
				else
					durable_unlink(gw->spool.dir[SPOOL_QUEUE], name, DURABLE_NOSYNC);
			}
			continue;
		}
		if (!spool_id_valid(name))
			continue;
		/* Finished just before a crash: its final files are there already. */
		if (msg_record_load(&gw->spool, SPOOL_STATUS, name, &rec) == 0 && msg_state_final(rec.state)) {
			durable_unlink(gw->spool.dir[SPOOL_QUEUE], name, gw->spool.sync);
			continue;
		}
		if (msg_record_load(&gw->spool, SPOOL_QUEUE, name, &rec) < 0)
			msg_record_init(&rec, name);
		if (msg_state_final(rec.state)) {
			/* Finished, but its final files could not be written then. */
			gw_finish_claimed(gw, &rec);
			continue;
		}
		if (gw_load_message(gw, name, &m, why, sizeof(why)) < 0) {
			/* A crash between the claim and the check of the file, or a
			 * damaged file: to failed/ with the reason. */
			log_warn("queue/%s refused: %s", name, why);
			rec.state = MSG_FAILED;
			str_copy(rec.last_error, sizeof(rec.last_error), why);
			gw->failed_total++;
			gw_finish_claimed(gw, &rec);
			continue;
		}
		gw_enqueue(gw, name, &rec, &m);
		outmsg_free(&m);
	}
	free_names(names, n);
	return 0;
}

/* smstools3 keeps the dropped file's name; a name taken already gets the ID. */
static int final_name_pick(struct gateway *gw, enum spool_dir dir, struct msg_record *rec)
{
	struct stat st;

	if (rec->final[0])
		return 0;
	if (fstatat(gw->spool.dir[dir], rec->name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return str_copy(rec->final, sizeof(rec->final), rec->name);
	snprintf(rec->final, sizeof(rec->final), "%s.%s", rec->name, rec->id);
	return 0;
}

/* A message the pool took: no sent/ or failed/ file here (the gateway
 * that sends it writes its own). The record says forwarded before the
 * message leaves queue/, so a crash in between finishes it the same way
 * instead of forwarding it again. */
static int finish_forwarded(struct gateway *gw, struct msg_record *rec)
{
	char qname[SPOOL_ID_LEN + 4];
	int rc = msg_record_save(&gw->spool, SPOOL_QUEUE, rec, gw->spool.sync);

	if (rc < 0)
		return rc;
	if (unlinkat(gw->spool.dir[SPOOL_QUEUE], rec->id, 0) < 0 && errno != ENOENT)
		return -errno;
	snprintf(qname, sizeof(qname), "%s.st", rec->id);
	rc = durable_move(gw->spool.dir[SPOOL_QUEUE], qname, gw->spool.dir[SPOOL_STATUS], qname, gw->spool.sync);
	if (rc < 0)
		log_warn("status/%s: %s", qname, strerror(-rc));
	return 0;
}

int gw_finish_files(struct gateway *gw, const struct modem *m, struct msg_record *rec, const char *reason)
{
	static struct smsfile_msg f;
	enum spool_dir dir = rec->state == MSG_SENT || rec->state == MSG_DELIVERED ? SPOOL_SENT : SPOOL_FAILED;
	const char *modem = m ? m->cfg.name : rec->modem, *imsi = m ? m->st.imsi : "", *imei = m ? m->st.imei : "";
	char *buf = NULL, *out = NULL, *text = NULL, qname[SPOOL_ID_LEN + 4], why[SMSFILE_REASON_MAX];
	unsigned sync = gw->spool.sync;
	ssize_t n, k;
	size_t cap;
	int rc;

	if (rec->state == MSG_FORWARDED)
		return finish_forwarded(gw, rec);
	n = read_file_at(gw->spool.dir[SPOOL_QUEUE], rec->id, SPOOL_FILE_MAX, &buf);
	if (n == -ENOENT || (n < 0 && dir == SPOOL_SENT))
		return (int)n;
	if (n < 0) {
		n = 0; /* too large, or not a file: the reason says why, without its bytes */
		free(buf);
		buf = NULL;
	}
	cap = (size_t)n + 1024;
	out = malloc(cap);
	if (!out) {
		free(buf);
		return -ENOMEM;
	}
	if (buf && parse_file(buf, (size_t)n, &f, &text, why, sizeof(why)) == 0) {
		struct smsfile_sent s = {
			.modem = modem, .sent = time(NULL), .sending_time = -1, .imsi = imsi, .imei = imei,
			.message_id = rec->parts_done ? rec->mr[rec->parts_done - 1] : -1,
		};
		struct smsfile_failed fl = {
			.modem = modem, .imsi = imsi, .imei = imei, .failed = time(NULL),
			.reason = reason ? reason : msg_state_name(rec->state),
		};

		/* smsd's layout: the original headers, the added ones, the text. */
		k = dir == SPOOL_SENT ? smsfile_write_sent(out, cap, &f, &s) : smsfile_write_failed(out, cap, &f, &fl);
	} else {
		struct smsfile_failed fl = {
			.modem = modem, .imsi = imsi, .imei = imei, .failed = time(NULL),
			.reason = reason ? reason : msg_state_name(rec->state),
		};

		/* No header block to extend: the added lines first, then the bytes as they were. */
		k = smsfile_write_failed_raw(out, cap, buf ? buf : "", (size_t)n, &fl);
	}
	free(text);
	free(buf);
	if (k < 0) {
		free(out);
		return (int)k;
	}
	/* The decision first: from here on a crash finishes this message
	 * under this name at the next start instead of sending it again. */
	rc = final_name_pick(gw, dir, rec);
	if (rc == 0)
		rc = msg_record_save(&gw->spool, SPOOL_QUEUE, rec, sync);
	if (rc == 0)
		rc = durable_write(gw->spool.dir[dir], rec->final, out, (size_t)k, sync);
	free(out);
	if (rc < 0)
		return rc;
	/* The record moves to status/, then the message leaves queue/; one
	 * directory sync each at the end (a record in status/ that says
	 * finished is what recovery trusts). */
	snprintf(qname, sizeof(qname), "%s.st", rec->id);
	rc = durable_move(gw->spool.dir[SPOOL_QUEUE], qname, gw->spool.dir[SPOOL_STATUS], qname, DURABLE_NOSYNC);
	if (rc < 0)
		log_warn("status/%s: %s", qname, strerror(-rc));
	if (unlinkat(gw->spool.dir[SPOOL_QUEUE], rec->id, 0) < 0)
		return -errno;
	if (!(sync & DURABLE_NOSYNC) && (fsync_dir(gw->spool.dir[SPOOL_STATUS]) < 0 ||
					 fsync_dir(gw->spool.dir[SPOOL_QUEUE]) < 0))
		log_warn("message %s: syncing status/ and queue/: %s", rec->id, strerror(errno));
	return 0; /* the final file is in place: done, whatever the directory sync said */
}
