/*
 * The control socket (--ctl PATH): a Unix stream socket taking one request
 * per line, either JSON {"argv": ["inject", "--from", "+49170", "hi"]} or
 * plain words ("hang"), and answering one JSON line {"ok": true, ...} or
 * {"ok": false, "error": "..."}. Also the client side: `smsgate-modemsim
 * ctl SOCKET COMMAND ARGS...`.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "modemsim.h"

#define CTL_ARGV_MAX    64
#define CTL_GARBAGE_MAX 4096
#define CTL_CLIENT_TIMEOUT_MS 10000

static const char *const sim_state_names[] = { "ready", "pin", "puk", "absent", "blocked" };

static int ctl__ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v > max)
		return -EINVAL;
	return 0;
}

static void ctl__err(json_object *reply, const char *msg)
{
	json_object_object_add(reply, "ok", json_object_new_boolean(false));
	json_object_object_add(reply, "error", json_object_new_string(msg));
}

static int ctl__inject(struct ms_modem *m, int argc, char **argv, json_object *reply)
{
	const char *from = "+491701234567";
	unsigned flags = 0;
	char text[4 * SMS_TEXT_MAX * 4];
	size_t o = 0;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strcmp(argv[i], "--ucs2") == 0)
			flags |= MS_INJ_UCS2;
		else if (strcmp(argv[i], "--flash") == 0)
			flags |= MS_INJ_FLASH;
		else if (strcmp(argv[i], "--reverse") == 0)
			flags |= MS_INJ_REVERSE;
		else if (strcmp(argv[i], "--shuffle") == 0)
			flags |= MS_INJ_SHUFFLE;
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strncmp(argv[i], "--", 2) == 0) {
			ctl__err(reply, "inject: unknown option");
			return -EINVAL;
		} else
			break;
	}
	if (i >= argc) {
		ctl__err(reply, "inject: no text");
		return -EINVAL;
	}
	for (; i < argc; i++) {
		int n = snprintf(text + o, sizeof(text) - o, "%s%s", o ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(text) - o) {
			ctl__err(reply, "inject: text too long");
			return -EMSGSIZE;
		}
		o += (size_t)n;
	}
	r = ms_sms_inject_text(m, from, text, flags, reply);
	if (r < 0) {
		ctl__err(reply, r == -EINVAL ? "inject: bad sender number"
			 : r == -EILSEQ ? "inject: text is not valid UTF-8"
			 : r == -EMSGSIZE ? "inject: more than 255 parts" : strerror(-r));
		return r;
	}
	return 0;
}

static void ctl__status(struct ms_modem *m, json_object *reply)
{
	json_object *mems = json_object_new_object();

	json_object_object_add(reply, "profile", json_object_new_string(m->prof->name));
	json_object_object_add(reply, "line", json_object_new_string(!ms_line_up(&m->line) ? "dropped"
									   : m->hung ? "hung" : "up"));
	if (ms_line_up(&m->line))
		json_object_object_add(reply, "tty", json_object_new_string(m->line.slave_path));
	json_object_object_add(reply, "sim", json_object_new_string(sim_state_names[m->sim]));
	json_object_object_add(reply, "reg", json_object_new_int(m->reg));
	json_object_object_add(reply, "cfun", json_object_new_int(m->cfun));
	json_object_object_add(reply, "echo", json_object_new_boolean(m->echo));
	json_object_object_add(reply, "cmee", json_object_new_int(m->cmee));
	json_object_object_add(reply, "cmgf", json_object_new_int(m->cmgf));
	json_object *cnmi = json_object_new_array();

	for (int i = 0; i < 5; i++)
		json_object_array_add(cnmi, json_object_new_int(m->cnmi[i]));
	json_object_object_add(reply, "cnmi", cnmi);
	for (int i = 0; i < MS_MEMS; i++) {
		unsigned used = 0;

		for (unsigned k = 0; k < m->mem[i].cap; k++)
			used += m->mem[i].slot[k].used;
		json_object *mo = json_object_new_object();

		json_object_object_add(mo, "used", json_object_new_int((int)used));
		json_object_object_add(mo, "total", json_object_new_int((int)m->mem[i].cap));
		json_object_object_add(mems, m->mem[i].name, mo);
	}
	json_object_object_add(reply, "mem", mems);
	json_object_object_add(reply, "next_mr", json_object_new_int(m->next_mr));
	json_object_object_add(reply, "out_dropped", json_object_new_int64((int64_t)m->line.out_dropped));
	json_object_object_add(reply, "cms_error_left", json_object_new_int((int)m->cms_count));
	json_object_object_add(reply, "delay_ms", json_object_new_int((int)m->delay_ms));
}

/* Runs one request; fills reply (which already says ok: true). */
static void ctl__exec(struct ms_modem *m, int argc, char **argv, json_object *reply)
{
	const char *cmd = argv[0];
	unsigned long a = 0, b = 0;

	json_object *o = json_object_new_array();

	for (int i = 0; i < argc; i++)
		json_object_array_add(o, json_object_new_string(argv[i]));
	json_object *ev = json_object_new_object();

	json_object_object_add(ev, "argv", o);
	ms_log_event(m->log, "ctl", ev);

	if (strcmp(cmd, "status") == 0) {
		ctl__status(m, reply);
	} else if (strcmp(cmd, "inject") == 0) {
		ctl__inject(m, argc, argv, reply);
	} else if (strcmp(cmd, "inject-pdu") == 0) {
		if (argc != 2 || ms_sms_inject_pdu(m, argv[1], reply) < 0)
			ctl__err(reply, "inject-pdu HEX: a DELIVER or STATUS-REPORT PDU with its SMSC field");
	} else if (strcmp(cmd, "report") == 0) {
		/* report MR NUMBER [STATUS] */
		if (argc < 3 || argc > 4 || ctl__ulong(argv[1], 255, &a) < 0 ||
		    (argc == 4 && ctl__ulong(argv[3], 255, &b) < 0) ||
		    ms_sms_inject_report(m, (uint8_t)a, argv[2], argc == 4 ? (uint8_t)b : m->report_status, reply) < 0)
			ctl__err(reply, "report MR NUMBER [STATUS]");
	} else if (strcmp(cmd, "drop") == 0) {
		if (argc > 2 || (argc == 2 && ctl__ulong(argv[1], 86400000, &a) < 0)) {
			ctl__err(reply, "drop [MS]");
			return;
		}
		ms_modem_drop(m);
		if (a)
			loop_timer_set(m->loop, &m->drop_timer, (int64_t)a);
	} else if (strcmp(cmd, "restore") == 0) {
		int r = ms_modem_restore(m);

		if (r < 0)
			ctl__err(reply, strerror(-r));
		else if (ms_line_up(&m->line))
			json_object_object_add(reply, "tty", json_object_new_string(m->line.slave_path));
	} else if (strcmp(cmd, "hang") == 0) {
		m->hung = true;
	} else if (strcmp(cmd, "power-cycle") == 0) {
		ms_modem_power_cycle(m);
	} else if (strcmp(cmd, "garbage") == 0) {
		uint8_t g[CTL_GARBAGE_MAX];
		char hex[2 * CTL_GARBAGE_MAX + 1];

		a = 32;
		if (argc > 2 || (argc == 2 && (ctl__ulong(argv[1], CTL_GARBAGE_MAX, &a) < 0 || a == 0))) {
			ctl__err(reply, "garbage [N] (1..4096)");
			return;
		}
		for (unsigned long i = 0; i < a; i++)
			g[i] = (uint8_t)ms_rand(m);
		ms_out(m, g, a);
		if (hex_encode(hex, sizeof(hex), g, a) >= 0)
			json_object_object_add(reply, "bytes", json_object_new_string(hex));
	} else if (strcmp(cmd, "cms-error") == 0) {
		b = 1;
		if (argc < 2 || argc > 3 || ctl__ulong(argv[1], 65535, &a) < 0 ||
		    (argc == 3 && ctl__ulong(argv[2], 1000000, &b) < 0)) {
			ctl__err(reply, "cms-error N [COUNT]");
			return;
		}
		m->cms_error = (int)a;
		m->cms_count = (unsigned)b;
	} else if (strcmp(cmd, "deregister") == 0) {
		a = 2;
		if (argc > 2 || (argc == 2 && (ctl__ulong(argv[1], 4, &a) < 0 || a == 1))) {
			ctl__err(reply, "deregister [STAT] (0, 2, 3 or 4)");
			return;
		}
		m->net_up = false;
		m->net_down_stat = (int)a;
		ms_gsm_network_changed(m);
	} else if (strcmp(cmd, "register") == 0) {
		if (argc > 2 || (argc == 2 && strcmp(argv[1], "roaming") != 0 && strcmp(argv[1], "home") != 0)) {
			ctl__err(reply, "register [home|roaming]");
			return;
		}
		m->net_up = true;
		m->roaming = argc == 2 && strcmp(argv[1], "roaming") == 0;
		ms_gsm_network_changed(m);
	} else if (strcmp(cmd, "sim-remove") == 0) {
		ms_gsm_sim_remove(m);
	} else if (strcmp(cmd, "sim-insert") == 0) {
		ms_gsm_sim_insert(m);
	} else if (strcmp(cmd, "delay") == 0) {
		if (argc != 2 || ctl__ulong(argv[1], 600000, &a) < 0) {
			ctl__err(reply, "delay MS");
			return;
		}
		m->delay_ms = (unsigned)a;
	} else if (strcmp(cmd, "report-status") == 0) {
		if (argc != 2 || ctl__ulong(argv[1], 255, &a) < 0) {
			ctl__err(reply, "report-status ST (TP-ST, 0..255)");
			return;
		}
		m->report_status = (uint8_t)a;
	} else if (strcmp(cmd, "csq") == 0) {
		if (argc != 2 || ctl__ulong(argv[1], 99, &a) < 0 || (a > 31 && a != 99)) {
			ctl__err(reply, "csq N (0..31, 99)");
			return;
		}
		m->csq = (int)a;
		if (m->prof->huawei && m->curc)
			ms_urcf(m, false, "^RSSI:%d", m->csq);
	} else if (strcmp(cmd, "urc") == 0) {
		if (argc != 2) {
			ctl__err(reply, "urc TEXT");
			return;
		}
		ms_urc(m, false, argv[1], strlen(argv[1]));
	} else {
		ctl__err(reply, "unknown command");
	}
}

static void ctl__close_client(struct ms_ctl_client *c)
{
	int fd = c->h.fd;

	loop_fd_del(c->ctl->m->loop, &c->h);
	close(fd);
	c->used = false;
	c->len = 0;
}

static void ctl__request(struct ms_ctl_client *c, char *line)
{
	struct ms_modem *m = c->ctl->m;
	char *argv[CTL_ARGV_MAX + 1];
	int argc = 0;
	json_object *req = NULL, *reply = json_object_new_object();
	const char *s;

	json_object_object_add(reply, "ok", json_object_new_boolean(true));
	if (line[0] == '{') {
		json_object *jargv;

		req = json_tokener_parse(line);
		if (!req || !json_object_object_get_ex(req, "argv", &jargv) || !json_object_is_type(jargv, json_type_array)) {
			ctl__err(reply, "expected {\"argv\": [...]}");
			goto reply;
		}
		for (size_t i = 0; i < json_object_array_length(jargv) && argc < CTL_ARGV_MAX; i++) {
			json_object *v = json_object_array_get_idx(jargv, i);

			if (!json_object_is_type(v, json_type_string)) {
				ctl__err(reply, "argv holds strings");
				goto reply;
			}
			argv[argc++] = (char *)json_object_get_string(v);
		}
	} else {
		char *save = NULL;

		for (char *w = strtok_r(line, " \t\r", &save); w && argc < CTL_ARGV_MAX; w = strtok_r(NULL, " \t\r", &save))
			argv[argc++] = w;
	}
	argv[argc] = NULL;
	if (argc == 0) {
		ctl__err(reply, "empty request");
		goto reply;
	}
	ctl__exec(m, argc, argv, reply);
reply:
	s = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(s);
	/* Replies are small and the socket buffer empty: a client that does
	 * not read them loses them, the loop never waits. */
	if (write(c->h.fd, s, n) != (ssize_t)n || write(c->h.fd, "\n", 1) != 1)
		ctl__close_client(c);
	json_object_put(reply);
	if (req)
		json_object_put(req);
}

static void ctl__client_cb(struct loop *lp, struct loop_fd *h, uint32_t revents)
{
	struct ms_ctl_client *c = ms_container_of(h, struct ms_ctl_client, h);
	ssize_t r;
	char *nl;

	(void)lp;
	(void)revents;
	r = read(h->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (r <= 0) {
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		ctl__close_client(c);
		return;
	}
	c->len += (size_t)r;
	c->buf[c->len] = '\0';
	while (c->used && (nl = memchr(c->buf, '\n', c->len))) {
		size_t linelen = (size_t)(nl - c->buf);
		char line[MS_CTL_REQ_MAX];

		memcpy(line, c->buf, linelen);
		line[linelen] = '\0';
		memmove(c->buf, nl + 1, c->len - linelen - 1);
		c->len -= linelen + 1;
		ctl__request(c, line);
	}
	if (c->used && c->len >= sizeof(c->buf) - 1)
		ctl__close_client(c);
}

static void ctl__accept_cb(struct loop *lp, struct loop_fd *h, uint32_t revents)
{
	struct ms_ctl *ctl = ms_container_of(h, struct ms_ctl, h);
	int fd;

	(void)lp;
	(void)revents;
	fd = accept(h->fd, NULL, NULL);
	if (fd < 0)
		return;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (size_t i = 0; i < MS_CTL_CLIENTS_MAX; i++) {
		struct ms_ctl_client *c = &ctl->c[i];

		if (c->used)
			continue;
		c->ctl = ctl;
		c->len = 0;
		loop_fd_init(&c->h, ctl__client_cb);
		if (loop_fd_add(ctl->m->loop, &c->h, fd, EPOLLIN) < 0)
			break;
		c->used = true;
		return;
	}
	close(fd);
}

static int ctl__addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int ms_ctl_open(struct ms_ctl *ctl, struct ms_modem *m, const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, err;

	memset(ctl, 0, sizeof(*ctl));
	loop_fd_init(&ctl->h, ctl__accept_cb);
	ctl->m = m;
	ctl->path = path;
	err = ctl__addr(&sa, path);
	if (err < 0)
		return err;
	/* A stale socket from an earlier run, never anything else. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, MS_CTL_CLIENTS_MAX) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (loop_fd_add(m->loop, &ctl->h, fd, EPOLLIN) < 0) {
		close(fd);
		return -EIO;
	}
	return 0;
}

void ms_ctl_close(struct ms_ctl *ctl)
{
	int fd;

	if (ctl->h.fd < 0)
		return;
	for (size_t i = 0; i < MS_CTL_CLIENTS_MAX; i++)
		if (ctl->c[i].used)
			ctl__close_client(&ctl->c[i]);
	fd = ctl->h.fd;
	loop_fd_del(ctl->m->loop, &ctl->h);
	close(fd);
	unlink(ctl->path);
}

/* ---- the client: smsgate-modemsim ctl SOCKET COMMAND [ARGS...] ---------- */

int ms_ctl_client_main(int argc, char **argv)
{
	struct sockaddr_un sa;
	json_object *req, *arr, *rep = NULL, *ok;
	const char *s;
	char buf[MS_CTL_REQ_MAX];
	size_t len = 0;
	int fd, rc = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: smsgate-modemsim ctl SOCKET COMMAND [ARGS...]\n");
		return 2;
	}
	if (ctl__addr(&sa, argv[0]) < 0) {
		fprintf(stderr, "smsgate-modemsim ctl: socket path too long\n");
		return 2;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "smsgate-modemsim ctl: %s: %s\n", argv[0], strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	req = json_object_new_object();
	arr = json_object_new_array();
	for (int i = 1; i < argc; i++)
		json_object_array_add(arr, json_object_new_string(argv[i]));
	json_object_object_add(req, "argv", arr);
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (write(fd, s, strlen(s)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "smsgate-modemsim ctl: write: %s\n", strerror(errno));
		goto out;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, CTL_CLIENT_TIMEOUT_MS) <= 0) {
			fprintf(stderr, "smsgate-modemsim ctl: no answer\n");
			goto out;
		}
		r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0) {
			fprintf(stderr, "smsgate-modemsim ctl: connection closed\n");
			goto out;
		}
		len += (size_t)r;
		buf[len] = '\0';
		if (memchr(buf, '\n', len))
			break;
		if (len >= sizeof(buf) - 1)
			goto out;
	}
	fputs(buf, stdout);
	rep = json_tokener_parse(buf);
	if (rep && json_object_object_get_ex(rep, "ok", &ok) && json_object_get_boolean(ok))
		rc = 0;
out:
	json_object_put(req);
	if (rep)
		json_object_put(rep);
	close(fd);
	return rc;
}
