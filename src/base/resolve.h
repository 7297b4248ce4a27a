/*
 * Host name lookups off the loop. getaddrinfo() waits on DNS: seconds
 * when a server is slow, the resolver's whole timeout and retry budget
 * (resolv.conf: 5 s x 2 attempts per server by default) when one is gone.
 * Here it runs in a detached thread, and the loop learns that it is done
 * through a pipe whose write end the thread closes: the read end sees
 * end-of-file. Nothing is ever written to the pipe, so there is no
 * SIGPIPE to fear and no descriptor the thread could write to after the
 * loop closed it.
 *
 * The loop and the thread share one heap job counted twice; whoever lets
 * go last frees it. So a lookup can be given up at any moment (its owner
 * is freed, or a timer decides it took too long) without waiting for the
 * thread: the thread finishes its getaddrinfo, frees the answer and the
 * job, and ends. A given-up lookup still costs a thread until the system
 * resolver gives up itself; a caller that starts lookups on a back-off
 * (mqtt_client) therefore has at most a few running at once.
 *
 * Why not getaddrinfo_a(): glibc only, and OpenWrt has musl. Why not
 * c-ares: one more library in a 10 MiB flash for one lookup per connection
 * attempt, and a second resolver configuration (nsswitch, /etc/hosts,
 * search domains) that could disagree with the system's. glibc and musl
 * both have a thread-safe getaddrinfo.
 */
#ifndef SMSGATE_BASE_RESOLVE_H
#define SMSGATE_BASE_RESOLVE_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>

#include "loop.h"

#define RESOLVE_THREAD_NAME "resolve"    /* each lookup thread's name (/proc/PID/task/TID/comm) */

struct resolve_job;

typedef int (*resolve_lookup_fn)(const char *host, const char *service, const struct addrinfo *hints,
				 struct addrinfo **res);

/* Embedded in its owner; the callback gets it back (container_of). */
struct resolve {
	struct loop_fd fd;              /* the read end of the running job's pipe */
	struct resolve_job *job;        /* NULL: no lookup running */
	/* On the loop, once per resolve_start() that was not cancelled:
	 * rc 0 with the answer (the callee's, for freeaddrinfo), or an EAI_*
	 * code for gai_strerror() and ai NULL; with EAI_SYSTEM, err is the
	 * lookup's errno. The callback may start another lookup. */
	void (*cb)(struct resolve *r, int rc, int err, struct addrinfo *ai);
	/* What runs in the thread: getaddrinfo when NULL. A test puts a
	 * lookup here that waits for its word, to cancel one mid-way. */
	resolve_lookup_fn lookup;
};

void resolve_init(struct resolve *r, void (*cb)(struct resolve *, int, int, struct addrinfo *));

/* Starts looking host up (service: a port number or name; hints: only
 * ai_flags, ai_family, ai_socktype and ai_protocol are read, and copied).
 * The callback runs later, from the loop, never from inside this call.
 * 0, -EBUSY (a lookup of r is running), -ENAMETOOLONG, -ENOMEM, or the
 * -errno of pipe2/epoll_ctl/pthread_create. */
int resolve_start(struct loop *l, struct resolve *r, const char *host, const char *service,
		  const struct addrinfo *hints);

/* Gives up the running lookup, if any: its callback never runs, and the
 * thread frees what is left when it is done. Never waits. */
void resolve_cancel(struct loop *l, struct resolve *r);

static inline bool resolve_running(const struct resolve *r)
{
	return r->job != NULL;
}

#endif
