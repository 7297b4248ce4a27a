#define _GNU_SOURCE /* pipe2 */
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "util.h"

#define RESOLVE_HOST_MAX 1024           /* NI_MAXHOST less its NUL; RFC 1035 names are 253 */
#define RESOLVE_SERVICE_MAX 32

/* One lookup, shared by the loop and the thread (see resolve.h). Written
 * by the thread before it drops its reference (release), read by the
 * loop after it drops its own (acquire): the reference count is the only
 * synchronisation, and it is enough. */
struct resolve_job {
	atomic_uint refs;               /* 2 at the start: the loop's and the thread's */
	int wfd;                        /* the pipe's write end: only the thread closes it */
	resolve_lookup_fn lookup;
	struct addrinfo hints;
	int rc, err;
	struct addrinfo *ai;
	char *service;                  /* in names[], after host */
	char host[];
};

static void job_free(struct resolve_job *j)
{
	if (j->ai)
		freeaddrinfo(j->ai);
	free(j);
}

/* Drops one reference: true when it was the last (the caller frees). */
static bool job_put(struct resolve_job *j)
{
	return atomic_fetch_sub_explicit(&j->refs, 1, memory_order_acq_rel) == 1;
}

static void *resolve_thread(void *arg)
{
	struct resolve_job *j = arg;
	int wfd = j->wfd;

	/* what `top -H` and the tests see */
	pthread_setname_np(pthread_self(), RESOLVE_THREAD_NAME);
	errno = 0;
	j->rc = j->lookup(j->host, j->service, &j->hints, &j->ai);
	j->err = errno;
	if (j->rc != 0)
		j->ai = NULL;
	/* From here on j may be the loop's to free: only wfd, a copy, is used. */
	if (job_put(j))
		job_free(j);    /* given up: the answer goes nowhere */
	close(wfd);             /* end-of-file on the read end: the loop looks */
	return NULL;
}

static void detach(struct loop *l, struct resolve *r)
{
	int fd = r->fd.fd;

	loop_fd_del(l, &r->fd);
	if (fd >= 0)
		close(fd);
	r->job = NULL;
}

static void on_done(struct loop *l, struct loop_fd *h, uint32_t revents)
{
	struct resolve *r = container_of(h, struct resolve, fd);
	struct resolve_job *j = r->job;
	struct addrinfo *ai;
	int rc, err;
	char b;

	(void)revents;
	if (read(h->fd, &b, 1) != 0)
		return; /* not end-of-file yet (EAGAIN): the thread is still looking */
	detach(l, r);
	/* The thread dropped its reference before it closed the pipe: this
	 * one is the last, and its acquire makes the answer visible here. */
	(void)job_put(j);
	rc = j->rc;
	err = j->err;
	ai = j->ai;
	j->ai = NULL;
	job_free(j);
	errno = err;
	r->cb(r, rc, err, ai);
}

void resolve_init(struct resolve *r, void (*cb)(struct resolve *, int, int, struct addrinfo *))
{
	loop_fd_init(&r->fd, on_done);
	r->job = NULL;
	r->cb = cb;
	r->lookup = NULL;
}

int resolve_start(struct loop *l, struct resolve *r, const char *host, const char *service,
		  const struct addrinfo *hints)
{
	size_t hlen = strlen(host), slen = service ? strlen(service) : 0;
	struct resolve_job *j = NULL;
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	int fds[2] = { -1, -1 }, rc;

	if (r->job)
		return -EBUSY;
	if (hlen > RESOLVE_HOST_MAX || slen > RESOLVE_SERVICE_MAX)
		return -ENAMETOOLONG;
	j = calloc(1, sizeof(*j) + hlen + 1 + slen + 1);
	if (!j)
		return -ENOMEM;
	memcpy(j->host, host, hlen + 1);
	j->service = j->host + hlen + 1;
	if (service)
		memcpy(j->service, service, slen + 1);
	if (hints) {
		j->hints.ai_flags = hints->ai_flags;
		j->hints.ai_family = hints->ai_family;
		j->hints.ai_socktype = hints->ai_socktype;
		j->hints.ai_protocol = hints->ai_protocol;
	}
	j->lookup = r->lookup ? r->lookup : getaddrinfo;
	atomic_init(&j->refs, 2);
	/* O_CLOEXEC: a child of ours (hooks) must not hold the write end
	 * open, or end-of-file would wait for it. */
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = -errno;
		goto fail;
	}
	j->wfd = fds[1];
	rc = loop_fd_add(l, &r->fd, fds[0], EPOLLIN);
	if (rc < 0)
		goto fail;
	/* The thread takes no signal: they are the main thread's (signalfd). */
	rc = -pthread_attr_init(&attr);
	if (rc < 0)
		goto fail_fd;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&t, &attr, resolve_thread, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc < 0)
		goto fail_fd;
	r->job = j;
	return 0;
fail_fd:
	loop_fd_del(l, &r->fd);
fail:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(j);
	return rc;
}

void resolve_cancel(struct loop *l, struct resolve *r)
{
	struct resolve_job *j = r->job;

	if (!j)
		return;
	detach(l, r);
	if (job_put(j))
		job_free(j);    /* the thread was done: its answer is ours to drop */
}
