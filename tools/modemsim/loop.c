/* The simulator's event loop: poll() over registered fds, timers on the
 * monotonic clock. Handles live inside their owners; the loop allocates
 * nothing. */
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "modemsim.h"

int64_t ms_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ms_timer_cancel(struct ms_loop *l, struct ms_timer *t)
{
	struct ms_timer **pp;

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

void ms_timer_set(struct ms_loop *l, struct ms_timer *t, int64_t delay_ms)
{
	struct ms_timer **pp;

	ms_timer_cancel(l, t);
	if (delay_ms < 0)
		delay_ms = 0;
	t->due = ms_now_ms() + delay_ms;
	/* Equal due times keep their arming order. */
	for (pp = &l->timers; *pp && (*pp)->due <= t->due; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

void ms_fd_add(struct ms_loop *l, struct ms_fd *h)
{
	h->next = l->fds;
	l->fds = h;
}

void ms_fd_del(struct ms_loop *l, struct ms_fd *h)
{
	struct ms_fd **pp;

	for (pp = &l->fds; *pp; pp = &(*pp)->next) {
		if (*pp == h) {
			*pp = h->next;
			h->next = NULL;
			return;
		}
	}
}

static bool loop__registered(const struct ms_loop *l, const struct ms_fd *h)
{
	const struct ms_fd *p;

	for (p = l->fds; p; p = p->next)
		if (p == h)
			return true;
	return false;
}

static void loop__run_timers(struct ms_loop *l)
{
	int64_t now = ms_now_ms();
	/* Only what was due on entry: a callback arming a 0 ms timer waits
	 * for the next turn, so fds are not starved. */
	while (l->timers && l->timers->due <= now) {
		struct ms_timer *t = l->timers;

		l->timers = t->next;
		t->next = NULL;
		t->armed = false;
		t->cb(t);
	}
}

int ms_loop_run(struct ms_loop *l)
{
	while (!l->quit) {
		struct pollfd pfd[MS_LOOP_FDS_MAX];
		struct ms_fd *hs[MS_LOOP_FDS_MAX];
		nfds_t n = 0;
		int timeout = -1;
		struct ms_fd *h;

		for (h = l->fds; h && n < MS_LOOP_FDS_MAX; h = h->next) {
			pfd[n].fd = h->fd;
			pfd[n].events = h->events;
			pfd[n].revents = 0;
			hs[n++] = h;
		}
		if (l->timers) {
			int64_t d = l->timers->due - ms_now_ms();

			timeout = d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
		}
		int rc = poll(pfd, n, timeout);

		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nfds_t i = 0; i < n && !l->quit; i++) {
			/* A callback may have removed a later handle. */
			if (pfd[i].revents && loop__registered(l, hs[i]))
				hs[i]->cb(hs[i], pfd[i].revents);
		}
		if (!l->quit)
			loop__run_timers(l);
	}
	return 0;
}
