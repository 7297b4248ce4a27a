/*
 * Child programs (the eventhandler, a modem's reset_command) run without a
 * shell and without blocking the loop: posix_spawn, then a pidfd in the
 * loop tells us of the exit, so there is no SIGCHLD handler anywhere.
 * A time limit is a loop timer: SIGTERM to the child's process group, then
 * SIGKILL PROC_KILL_DELAY_MS later. The struct proc is embedded in its
 * owner, which gets it back in done() and uses container_of.
 *
 * The process must not ignore SIGCHLD (children would be reaped by the
 * kernel) nor call waitpid(-1, ...) elsewhere (it would steal the exit).
 */
#ifndef SMSGATE_BASE_PROC_H
#define SMSGATE_BASE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "loop.h"

/* From SIGTERM to SIGKILL when a child outlives its time limit. */
#define PROC_KILL_DELAY_MS 2000
/* How often the exit is polled for when the kernel has no pidfd_open
 * (Linux < 5.3, or a seccomp profile that refuses it). */
#define PROC_POLL_MS 100

/* Or'ed into the status given to done() when the child outlived its time
 * limit and was signalled. The W* macros of <sys/wait.h> apply to
 * PROC_WSTATUS(status). */
#define PROC_TIMED_OUT 0x10000
#define PROC_WSTATUS(status) ((status) & 0xffff)
/* Or'ed in when someone else reaped the child (a stray waitpid(-1)):
 * the status is unknown. */
#define PROC_LOST 0x20000

struct proc {
	pid_t pid;                      /* 0 when nothing runs */
	int pidfd;                      /* -1 when polling or idle */
	int signals;                    /* sent after the time limit: 0, 1 (TERM), 2 (KILL) */
	struct loop *loop;
	struct loop_fd exit_fd;         /* the pidfd: readable once the child exited */
	struct loop_timer timer;        /* time limit, then SIGKILL, or the poll */
	int64_t deadline;               /* loop_now() of the time limit; 0: none */
	void (*done)(struct proc *p, int status);
};

void proc_init(struct proc *p);

/* Starts argv[0] (a path: no PATH search) with argv, stdin from /dev/null,
 * stdout and stderr inherited, default signal dispositions and an empty
 * signal mask, in a process group of its own. done(p, status) is called
 * from the loop once it exited, with the waitpid() status, plus
 * PROC_TIMED_OUT when it was signalled for outliving timeout_ms
 * (<= 0: no limit). done may start p again. Returns 0, -EBUSY while p
 * runs, or -errno from the spawn (-ENOENT, -EACCES: nothing was started
 * and done will not be called). */
int proc_run(struct proc *p, struct loop *l, char *const argv[], int timeout_ms,
	     void (*done)(struct proc *p, int status));

bool proc_running(const struct proc *p);

/* Kills p's process group with SIGKILL and forgets it without calling
 * done (shutdown, or the owner goes away). The exit is reaped if it is
 * already there; otherwise the zombie is left to init. */
void proc_cancel(struct proc *p);

/* "exit 0", "exit 3", "killed by signal 9", "timed out, killed by signal 15"
 * for the owner's log line. Returns the length or -ENOBUFS. */
int proc_status_str(int status, char *buf, size_t len);

/* Splits line in place into words separated by spaces or tabs; "..."
 * quotes keep spaces (the quotes are dropped, "" is an empty word; no
 * backslash escapes). argv gets the words and a terminating NULL, so it
 * holds at most max - 1 words. Returns the number of words, -EINVAL for
 * an unterminated quote, -E2BIG for too many words. */
int proc_split(char *line, char **argv, size_t max);

#endif
