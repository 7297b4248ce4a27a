#include <errno.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_EVENTS_PER_ROUND 32

int loop_init(struct loop *l)
{
	l->stop = false;
	l->timers = NULL;
	l->round = NULL;
	l->round_n = l->round_i = 0;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

void loop_close(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

int64_t loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void loop_fd_init(struct loop_fd *h, void (*cb)(struct loop *, struct loop_fd *, uint32_t))
{
	h->fd = -1;
	h->events = 0;
	h->cb = cb;
}

int loop_fd_add(struct loop *l, struct loop_fd *h, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	h->fd = fd;
	h->events = events;
	return 0;
}

int loop_fd_mod(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (h->fd < 0)
		return -EBADF;
	if (events == h->events)
		return 0;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, h->fd, &ev) < 0)
		return -errno;
	h->events = events;
	return 0;
}

void loop_fd_del(struct loop *l, struct loop_fd *h)
{
	if (h->fd < 0)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	h->fd = -1;
	h->events = 0;
	/* Its owner may free it once we return: nothing later in this round
	 * may reach it. */
	for (int i = l->round_i + 1; i < l->round_n; i++) {
		if (l->round[i].data.ptr == h)
			l->round[i].data.ptr = NULL;
	}
}

void loop_timer_init(struct loop_timer *t, void (*cb)(struct loop *, struct loop_timer *))
{
	t->next = NULL;
	t->armed = false;
	t->due = 0;
	t->cb = cb;
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	struct loop_timer **pp;

	if (!t->armed)
		return;
	for (pp = &l->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->armed = false;
}

void loop_timer_set(struct loop *l, struct loop_timer *t, int64_t delay_ms)
{
	struct loop_timer **pp;

	loop_timer_cancel(l, t);
	t->due = loop_now() + (delay_ms > 0 ? delay_ms : 0);
	/* Equal due times keep their arming order. */
	for (pp = &l->timers; *pp && (*pp)->due <= t->due; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

static void loop_fire_timers(struct loop *l)
{
	int64_t now = loop_now();

	/* A callback may arm or cancel any timer: take one at a time. */
	while (l->timers && l->timers->due <= now && !l->stop) {
		struct loop_timer *t = l->timers;

		l->timers = t->next;
		t->next = NULL;
		t->armed = false;
		t->cb(l, t);
	}
}

int loop_once(struct loop *l, int max_wait_ms)
{
	struct epoll_event ev[LOOP_EVENTS_PER_ROUND];
	int wait = max_wait_ms, n;

	if (l->timers) {
		int64_t left = l->timers->due - loop_now();

		if (left < 0)
			left = 0;
		if (wait < 0 || left < wait)
			wait = left > 60000 ? 60000 : (int)left;
	}
	n = epoll_wait(l->epfd, ev, LOOP_EVENTS_PER_ROUND, wait);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	l->round = ev;
	l->round_n = n;
	for (l->round_i = 0; l->round_i < n && !l->stop; l->round_i++) {
		struct loop_fd *h = ev[l->round_i].data.ptr;

		/* NULL: an earlier callback in this round unregistered it */
		if (h)
			h->cb(l, h, ev[l->round_i].events);
	}
	l->round = NULL;
	l->round_n = l->round_i = 0;
	loop_fire_timers(l);
	return 0;
}

int loop_run(struct loop *l)
{
	int rc = 0;

	while (!l->stop && rc == 0)
		rc = loop_once(l, -1);
	return rc;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
