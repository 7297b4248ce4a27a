#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

#include "pidfd.h"

extern char **environ;

static void proc_exit_cb(struct loop *l, struct loop_fd *h, uint32_t revents);
static void proc_timer_cb(struct loop *l, struct loop_timer *t);

void proc_init(struct proc *p)
{
	p->pid = 0;
	p->pidfd = -1;
	p->signals = 0;
	p->loop = NULL;
	p->deadline = 0;
	p->done = NULL;
	loop_fd_init(&p->exit_fd, proc_exit_cb);
	loop_timer_init(&p->timer, proc_timer_cb);
}

bool proc_running(const struct proc *p)
{
	return p->pid > 0;
}

/* The whole group: a script's own children (sleep, a USB reset tool)
 * must not outlive it. The leader is not reaped yet, so its pid cannot
 * have been reused as anyone else's group. */
static void proc_signal(struct proc *p, int sig)
{
	if (killpg(p->pid, sig) < 0)
		kill(p->pid, sig);
}

static void proc_arm(struct proc *p)
{
	int64_t delay = -1;

	if (p->deadline) {
		delay = p->deadline - loop_now();
		if (delay < 0)
			delay = 0;
	}
	if (p->pidfd < 0 && (delay < 0 || delay > PROC_POLL_MS))
		delay = PROC_POLL_MS;
	if (delay >= 0)
		loop_timer_set(p->loop, &p->timer, delay);
	else
		loop_timer_cancel(p->loop, &p->timer);
}

static void proc_finish(struct proc *p, int status)
{
	void (*done)(struct proc *, int) = p->done;

	if (p->pidfd >= 0) {
		loop_fd_del(p->loop, &p->exit_fd);
		close(p->pidfd);
		p->pidfd = -1;
	}
	loop_timer_cancel(p->loop, &p->timer);
	if (p->signals)
		status |= PROC_TIMED_OUT;
	/* Idle before done() runs, so that it may start p again. */
	p->pid = 0;
	p->signals = 0;
	p->deadline = 0;
	p->done = NULL;
	if (done)
		done(p, status);
}

/* Reaps the child if it has exited; returns whether it had. */
static bool proc_reap(struct proc *p)
{
	siginfo_t si;
	int status = 0;

	/* Look first without reaping: stragglers of a timed-out group are
	 * killed while the leader still holds the group id. */
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
		if (errno == EINTR)
			return false;
		proc_finish(p, PROC_LOST);
		return true;
	}
	if (si.si_pid == 0)
		return false;
	if (p->signals)
		killpg(p->pid, SIGKILL);
	/* A zombie: this does not wait. */
	while (waitpid(p->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = PROC_LOST;
			break;
		}
	}
	proc_finish(p, status);
	return true;
}

static void proc_exit_cb(struct loop *l, struct loop_fd *h, uint32_t revents)
{
	struct proc *p = container_of(h, struct proc, exit_fd);

	(void)l;
	(void)revents;
	proc_reap(p);
}

static void proc_timer_cb(struct loop *l, struct loop_timer *t)
{
	struct proc *p = container_of(t, struct proc, timer);

	(void)l;
	if (p->pidfd < 0 && proc_reap(p))
		return;
	if (p->deadline && loop_now() >= p->deadline) {
		if (p->signals == 0) {
			proc_signal(p, SIGTERM);
			p->signals = 1;
			p->deadline = loop_now() + PROC_KILL_DELAY_MS;
		} else {
			proc_signal(p, SIGKILL);
			p->signals = 2;
			p->deadline = 0;
		}
	}
	proc_arm(p);
}

static int proc_spawn(pid_t *pid, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	int rc;

	rc = posix_spawn_file_actions_init(&fa);
	if (rc)
		return -rc;
	rc = posix_spawnattr_init(&attr);
	if (rc) {
		posix_spawn_file_actions_destroy(&fa);
		return -rc;
	}
	/* The daemon blocks the signals it reads from a signalfd and ignores
	 * SIGPIPE; both would be inherited across exec. */
	sigfillset(&all);
	sigemptyset(&none);
	rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!rc)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
							     POSIX_SPAWN_SETPGROUP);
	if (!rc)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&attr, &all);
	if (!rc)
		rc = posix_spawnattr_setpgroup(&attr, 0);
	/* glibc and musl report a failed exec here (ENOENT, EACCES). */
	if (!rc)
		rc = posix_spawn(pid, argv[0], &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -rc;
}

int proc_run(struct proc *p, struct loop *l, char *const argv[], int timeout_ms,
	     void (*done)(struct proc *p, int status))
{
	pid_t pid;
	int rc, fd;

	if (p->pid > 0)
		return -EBUSY;
	if (!argv || !argv[0] || !done)
		return -EINVAL;
	rc = proc_spawn(&pid, argv);
	if (rc < 0)
		return rc;
	p->pid = pid;
	p->loop = l;
	p->done = done;
	p->signals = 0;
	p->deadline = timeout_ms > 0 ? loop_now() + timeout_ms : 0;
	/* The pid stays ours until we reap it, so opening it late is safe. */
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0 && loop_fd_add(l, &p->exit_fd, fd, EPOLLIN) < 0) {
		close(fd);
		fd = -1;
	}
	p->pidfd = fd;
	proc_arm(p);
	return 0;
}

void proc_cancel(struct proc *p)
{
	int status;

	if (p->pid <= 0)
		return;
	proc_signal(p, SIGKILL);
	waitpid(p->pid, &status, WNOHANG);
	if (p->pidfd >= 0) {
		loop_fd_del(p->loop, &p->exit_fd);
		close(p->pidfd);
		p->pidfd = -1;
	}
	loop_timer_cancel(p->loop, &p->timer);
	p->pid = 0;
	p->signals = 0;
	p->deadline = 0;
	p->done = NULL;
}

int proc_status_str(int status, char *buf, size_t len)
{
	const char *pre = status & PROC_TIMED_OUT ? "timed out, " : "";
	int w = PROC_WSTATUS(status), n;

	if (status & PROC_LOST)
		n = snprintf(buf, len, "%sexit status lost", pre);
	else if (WIFEXITED(w))
		n = snprintf(buf, len, "%sexit %d", pre, WEXITSTATUS(w));
	else if (WIFSIGNALED(w))
		n = snprintf(buf, len, "%skilled by signal %d", pre, WTERMSIG(w));
	else
		n = snprintf(buf, len, "%sstatus 0x%x", pre, (unsigned)w);
	if (n < 0 || (size_t)n >= len)
		return -ENOBUFS;
	return n;
}

int proc_split(char *line, char **argv, size_t max)
{
	char *r = line, *w = line;
	size_t n = 0;

	if (max == 0)
		return -E2BIG;
	/* w never passes r: words only shrink as quotes are dropped. */
	for (;;) {
		bool quoted = false;

		while (*r == ' ' || *r == '\t')
			r++;
		if (!*r)
			break;
		if (n + 1 >= max)
			return -E2BIG;
		argv[n++] = w;
		while (*r && (quoted || (*r != ' ' && *r != '\t'))) {
			if (*r == '"')
				quoted = !quoted;
			else
				*w++ = *r;
			r++;
		}
		if (quoted)
			return -EINVAL;
		if (*r)
			r++;
		*w++ = '\0';
	}
	argv[n] = NULL;
	return (int)n;
}
