/* The serial line: a pty pair whose slave side clients open (through the
 * --link symlink), and a ring of output that never blocks the loop.
 *
 * The simulator holds its own slave fd ("keeper") for two reasons: without
 * it the master reports POLLHUP continuously whenever no client has the
 * slave open, and the slave's termios would fall back to cooked mode with
 * ECHO between clients, so that our own answers would come back to us as
 * input. Dropping the line closes both, which the client sees as HUP/EIO,
 * as when a USB stick is pulled. */
/* posix_openpt, grantpt, unlockpt, ptsname are XSI. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "modemsim.h"

static void line__flush(struct ms_line *l);

static void line__cb(struct loop *lp, struct loop_fd *h, uint32_t revents)
{
	struct ms_line *l = ms_container_of(h, struct ms_line, h);

	(void)lp;
	if (revents & EPOLLOUT)
		line__flush(l);
	if (l->master < 0)
		return;
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		uint8_t buf[4096];
		ssize_t r = read(l->master, buf, sizeof(buf));

		if (r > 0)
			l->on_input(l, buf, (size_t)r);
		/* EAGAIN / EIO: with the keeper open, HUP is not expected;
		 * nothing to do but wait for the next event. */
	}
}

int ms_line_init(struct ms_line *l, struct loop *loop, const char *link, size_t out_cap)
{
	memset(l, 0, sizeof(*l));
	l->master = -1;
	l->keeper = -1;
	l->link = link;
	l->loop = loop;
	l->out_cap = out_cap ? out_cap : MS_OUT_CAP_DEFAULT;
	l->out = malloc(l->out_cap);
	if (!l->out)
		return -ENOMEM;
	loop_fd_init(&l->h, line__cb);
	return 0;
}

static int line__relink(struct ms_line *l)
{
	char tmp[4096];
	struct stat st;

	if (!l->link)
		return 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", l->link, (long)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	/* Never replace something that is not a symlink (a user's file). */
	if (lstat(l->link, &st) == 0 && !S_ISLNK(st.st_mode))
		return -EEXIST;
	unlink(tmp);
	if (symlink(l->slave_path, tmp) < 0)
		return -errno;
	if (rename(tmp, l->link) < 0) {
		int e = errno;

		unlink(tmp);
		return -e;
	}
	return 0;
}

int ms_line_open(struct ms_line *l)
{
	struct termios tio;
	const char *name;
	int step = 0, err;

	l->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (l->master < 0)
		goto fail;
	step = 1;
	if (grantpt(l->master) < 0 || unlockpt(l->master) < 0)
		goto fail;
	step = 2;
	name = ptsname(l->master);
	if (!name || (size_t)snprintf(l->slave_path, sizeof(l->slave_path), "%s", name) >= sizeof(l->slave_path)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	step = 3;
	l->keeper = open(l->slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (l->keeper < 0)
		goto fail;
	step = 4;
	if (tcgetattr(l->keeper, &tio) < 0)
		goto fail;
	cfmakeraw(&tio);
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	if (tcsetattr(l->keeper, TCSANOW, &tio) < 0)
		goto fail;
	step = 5;
	err = line__relink(l);
	if (err < 0) {
		errno = -err;
		goto fail;
	}
	if (loop_fd_add(l->loop, &l->h, l->master, EPOLLIN | (l->out_len ? EPOLLOUT : 0)) < 0)
		goto fail;
	return 0;
fail:
	err = errno ? errno : EIO;
	fprintf(stderr, "smsgate-modemsim: opening the pty failed at step %d: %s\n", step, strerror(err));
	if (l->keeper >= 0)
		close(l->keeper);
	if (l->master >= 0)
		close(l->master);
	l->keeper = l->master = -1;
	return -err;
}

void ms_line_close(struct ms_line *l)
{
	if (l->master < 0)
		return;
	loop_fd_del(l->loop, &l->h);
	if (l->link) {
		char target[sizeof(l->slave_path)];
		ssize_t n = readlink(l->link, target, sizeof(target) - 1);

		/* Only our own link: another simulator may have taken the name. */
		if (n > 0) {
			target[n] = '\0';
			if (strcmp(target, l->slave_path) == 0)
				unlink(l->link);
		}
	}
	close(l->keeper);
	close(l->master);
	l->keeper = l->master = -1;
	/* A new device starts with an empty line. */
	l->out_head = l->out_len = 0;
}

void ms_line_free(struct ms_line *l)
{
	ms_line_close(l);
	free(l->out);
	l->out = NULL;
}

bool ms_line_up(const struct ms_line *l)
{
	return l->master >= 0;
}

static void line__flush(struct ms_line *l)
{
	while (l->out_len && l->master >= 0) {
		size_t chunk = l->out_cap - l->out_head;

		if (chunk > l->out_len)
			chunk = l->out_len;
		ssize_t w = write(l->master, l->out + l->out_head, chunk);

		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			break;  /* EAGAIN: nobody reads; EPOLLOUT tells us when to go on */
		}
		l->out_head = (l->out_head + (size_t)w) % l->out_cap;
		l->out_len -= (size_t)w;
	}
	if (l->h.fd >= 0 && l->h.events != (EPOLLIN | (l->out_len ? EPOLLOUT : 0u)))
		loop_fd_mod(l->loop, &l->h, EPOLLIN | (l->out_len ? EPOLLOUT : 0u));
}

void ms_line_write(struct ms_line *l, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	if (l->master < 0)
		return;
	if (n > l->out_cap) {
		/* Only the newest out_cap bytes can survive anyway. */
		l->out_dropped += n - l->out_cap;
		p += n - l->out_cap;
		n = l->out_cap;
	}
	if (l->out_len + n > l->out_cap) {
		size_t drop = l->out_len + n - l->out_cap;

		/* Oldest first: a modem's buffer overruns the same way. */
		l->out_head = (l->out_head + drop) % l->out_cap;
		l->out_len -= drop;
		l->out_dropped += drop;
	}
	for (size_t i = 0; i < n; i++)
		l->out[(l->out_head + l->out_len + i) % l->out_cap] = p[i];
	l->out_len += n;
	line__flush(l);
}
