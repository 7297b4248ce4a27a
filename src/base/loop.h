/*
 * The event loop: epoll over file descriptors plus monotonic one-shot
 * timers. Handles are embedded in their owners (callbacks get the handle
 * back and use container_of); the loop allocates nothing per handle.
 */
#ifndef SMSGATE_BASE_LOOP_H
#define SMSGATE_BASE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;

struct loop_fd {
	int fd;                 /* -1 when not registered */
	uint32_t events;        /* EPOLLIN / EPOLLOUT as registered */
	void (*cb)(struct loop *l, struct loop_fd *h, uint32_t revents);
};

struct loop_timer {
	struct loop_timer *next;        /* sorted list, soonest first */
	int64_t due;                    /* loop_now() milliseconds */
	bool armed;
	void (*cb)(struct loop *l, struct loop_timer *t);
};

struct epoll_event;

struct loop {
	int epfd;
	bool stop;
	struct loop_timer *timers;
	/* The round being dispatched: loop_fd_del clears a handle's later
	 * events in it, since its owner may be freed right after. */
	struct epoll_event *round;
	int round_n, round_i;
};

int loop_init(struct loop *l);
void loop_close(struct loop *l);
/* Milliseconds on the monotonic clock. */
int64_t loop_now(void);

void loop_fd_init(struct loop_fd *h, void (*cb)(struct loop *, struct loop_fd *, uint32_t));
int loop_fd_add(struct loop *l, struct loop_fd *h, int fd, uint32_t events);
int loop_fd_mod(struct loop *l, struct loop_fd *h, uint32_t events);
/* Unregisters (the fd itself stays open: its owner closes it). */
void loop_fd_del(struct loop *l, struct loop_fd *h);

void loop_timer_init(struct loop_timer *t, void (*cb)(struct loop *, struct loop_timer *));
/* (Re)arms t to fire once after delay_ms. */
void loop_timer_set(struct loop *l, struct loop_timer *t, int64_t delay_ms);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* One round: waits at most max_wait_ms (-1: until an event or timer),
 * dispatches what is ready. Returns 0 or -errno from epoll_wait. */
int loop_once(struct loop *l, int max_wait_ms);
/* Runs until loop_stop(). */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
