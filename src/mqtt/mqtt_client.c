#include "mqtt_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "mqtt_tls.h"
#include "resolve.h"
#include "util.h"

enum state {
	ST_BACKOFF,             /* waiting for the next attempt */
	ST_RESOLVING,           /* the broker's name is looked up, off the loop (resolve.c) */
	ST_CONNECTING,          /* TCP connect to one of its addresses in progress */
	ST_TLS,                 /* mqtts: the TLS handshake */
	ST_CONNACK,             /* CONNECT sent, waiting for CONNACK */
	ST_UP,
};

/* A QoS 1 publish of ours, encoded once, kept until its PUBACK. */
struct pub {
	struct pub *next;
	uint16_t id;
	bool sent;              /* on the current connection */
	uint64_t token;
	size_t len;
	uint8_t bytes[];
};

struct mqtt_client {
	struct loop *loop;
	const struct mqtt_client_ops *ops;
	void *ctx;

	char *host, *client_id, *username, *password, *will_topic, *will_payload;
	uint16_t port;
	unsigned keepalive;
	bool clean_session, will_retain, no_reconnect;
	unsigned backoff_min_ms, backoff_max_ms, backoff_ms;

	enum state st;
	struct loop_fd io;
	struct loop_timer timer;        /* back-off, lookup and connect timeouts, keepalive */
	uint16_t gen;                   /* connection generation, in every ack handle */
	uint16_t next_id;

	struct resolve res;
	struct addrinfo *addrs, *addr;  /* the broker's addresses; the one being tried */
	char addr_text[INET6_ADDRSTRLEN];
	char conn_error[128];           /* why the last address failed, for when none is left */

	struct mqtt_tls_creds *creds;   /* mqtts: what every connection trusts and shows */
	struct mqtt_tls *tls;           /* this connection's TLS session */
	char tls_desc[96];              /* its protocol and ciphers, for the log */
	char io_error[160];             /* why the last send or receive failed */

	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_off, out_len, out_cap;

	int64_t last_tx;                /* loop_now() of the last bytes sent */
	int64_t ping_sent;              /* 0: no PINGREQ outstanding */

	struct pub *pubs, **pubs_tail;
	size_t npubs;
	char last_error[160];
};

static void arm(struct mqtt_client *c);
static void drop(struct mqtt_client *c, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void drop_warn(struct mqtt_client *c, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* ---- the byte stream: TCP, or TLS over it ------------------------------- */

/* After a failed send(2) or recv(2) (errno set): -EAGAIN, or -errno with
 * c->io_error set to "what: reason". */
static ssize_t sock_failed(struct mqtt_client *c, const char *what)
{
	int err = errno;

	if (err == EAGAIN || err == EWOULDBLOCK)
		return -EAGAIN;
	snprintf(c->io_error, sizeof(c->io_error), "%s: %s", what, strerror(err));
	return -err;
}

/* Bytes sent (> 0), -EAGAIN, or another -errno with c->io_error set. */
static ssize_t io_send(struct mqtt_client *c, const uint8_t *p, size_t n)
{
	ssize_t rc;

	if (c->tls)
		return mqtt_tls_send(c->tls, p, n, c->io_error, sizeof(c->io_error));
	do {
		rc = send(c->io.fd, p, n, MSG_NOSIGNAL);
	} while (rc < 0 && errno == EINTR);
	return rc >= 0 ? rc : sock_failed(c, "send");
}

/* Bytes read (> 0), 0 when the broker closed, -EAGAIN, or another -errno
 * with c->io_error set. */
static ssize_t io_recv(struct mqtt_client *c, uint8_t *p, size_t n)
{
	ssize_t rc;

	if (c->tls)
		return mqtt_tls_recv(c->tls, p, n, c->io_error, sizeof(c->io_error));
	do {
		rc = recv(c->io.fd, p, n, 0);
	} while (rc < 0 && errno == EINTR);
	return rc >= 0 ? rc : sock_failed(c, "recv");
}

/* A send or receive failed (rc, with c->io_error): a TLS alert or a
 * record that does not decrypt is said as a warning, a lost connection
 * as what the broker being away normally is. */
static void io_failed(struct mqtt_client *c, ssize_t rc)
{
	if (rc == -EPROTO)
		drop_warn(c, "%s", c->io_error);
	else
		drop(c, "%s", c->io_error);
}

/* ---- output ------------------------------------------------------------- */

static int out_reserve(struct mqtt_client *c, size_t n)
{
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_cap - c->out_len >= n)
		return 0;
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
		if (c->out_cap - c->out_len >= n)
			return 0;
	}
	size_t cap = c->out_cap ? c->out_cap : 1024;

	while (cap - c->out_len < n)
		cap *= 2;
	uint8_t *g = realloc(c->out, cap);

	if (!g)
		return -ENOMEM;
	c->out = g;
	c->out_cap = cap;
	return 0;
}

/* Sends what it can of the output. The bytes at out_off stay where a TLS
 * send that could not finish needs them again (mqtt_tls_send): they are
 * only moved, never changed, until sent. */
static void flush(struct mqtt_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = io_send(c, c->out + c->out_off, c->out_len - c->out_off);

		if (n == -EAGAIN || n == 0)
			break;
		if (n < 0) {
			io_failed(c, n);
			return;
		}
		c->out_off += (size_t)n;
		c->last_tx = loop_now();
	}
	uint32_t want = EPOLLIN | (c->out_off < c->out_len ? EPOLLOUT : 0);

	if (c->io.fd >= 0 && c->io.events != want)
		loop_fd_mod(c->loop, &c->io, want);
}

/* Appends a packet to the output and tries to send it. */
static int queue_bytes(struct mqtt_client *c, const uint8_t *p, size_t n)
{
	if (out_reserve(c, n) < 0)
		return -ENOMEM;
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	if (c->io.fd >= 0 && (c->st == ST_CONNACK || c->st == ST_UP))
		flush(c);
	return 0;
}

static int queue_small(struct mqtt_client *c, ssize_t n, const uint8_t *p)
{
	return n < 0 ? (int)n : queue_bytes(c, p, (size_t)n);
}

/* ---- connection --------------------------------------------------------- */

static void close_io(struct mqtt_client *c)
{
	mqtt_tls_free(c->tls);
	c->tls = NULL;
	if (c->io.fd >= 0) {
		int fd = c->io.fd;

		loop_fd_del(c->loop, &c->io);
		close(fd);
	}
	c->io.fd = -1;
	c->in_len = 0;
	c->out_off = c->out_len = 0;
	c->ping_sent = 0;
}

static void free_addrs(struct mqtt_client *c)
{
	if (c->addrs)
		freeaddrinfo(c->addrs);
	c->addrs = c->addr = NULL;
}

PRINTF_LIKE(3, 0)
static void vdrop(struct mqtt_client *c, bool warn, const char *fmt, va_list ap)
{
	bool was_up = c->st == ST_UP;

	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	resolve_cancel(c->loop, &c->res);
	free_addrs(c);
	close_io(c);
	for (struct pub *p = c->pubs; p; p = p->next)
		p->sent = false;
	c->st = ST_BACKOFF;
	c->gen++;
	if (was_up)
		c->backoff_ms = c->backoff_min_ms;
	if (c->no_reconnect) {
		log_msg(warn ? LOG_LVL_WARN : LOG_LVL_INFO, "mqtt: %s:%u as %s: %s", c->host, (unsigned)c->port,
			c->client_id, c->last_error);
		loop_timer_cancel(c->loop, &c->timer);
	} else {
		log_msg(was_up || warn ? LOG_LVL_WARN : LOG_LVL_INFO, "mqtt: %s:%u: %s; trying again in %u ms", c->host,
			(unsigned)c->port, c->last_error, c->backoff_ms);
		arm(c);
	}
	if (c->ops->down)
		c->ops->down(c->ctx, c->last_error);
}

/* The connection attempt (or the connection) is over; the next one after
 * the back-off. Logged as info while the broker is merely unreachable. */
static void drop(struct mqtt_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdrop(c, false, fmt, ap);
	va_end(ap);
}

/* The same, for what waiting will not mend (a certificate refused): a
 * warning each time. */
static void drop_warn(struct mqtt_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdrop(c, true, fmt, ap);
	va_end(ap);
}

static void send_connect(struct mqtt_client *c)
{
	struct mqtt_connect k = {
		.client_id = { (const uint8_t *)c->client_id, strlen(c->client_id) },
		.clean_session = c->clean_session,
		.keepalive = (uint16_t)c->keepalive,
	};
	size_t need = 64 + strlen(c->client_id);
	uint8_t *buf;
	ssize_t n;

	if (c->will_topic) {
		k.has_will = true;
		k.will_qos = 1;
		k.will_retain = c->will_retain;
		k.will_topic = (struct mqtt_bytes){ (const uint8_t *)c->will_topic, strlen(c->will_topic) };
		k.will_payload = (struct mqtt_bytes){ (const uint8_t *)c->will_payload, strlen(c->will_payload) };
		need += k.will_topic.len + k.will_payload.len;
	}
	if (c->username) {
		k.has_username = true;
		k.username = (struct mqtt_bytes){ (const uint8_t *)c->username, strlen(c->username) };
		need += k.username.len;
	}
	if (c->password) {
		k.has_password = true;
		k.password = (struct mqtt_bytes){ (const uint8_t *)c->password, strlen(c->password) };
		need += k.password.len;
	}
	c->st = ST_CONNACK;
	loop_fd_mod(c->loop, &c->io, EPOLLIN);
	buf = malloc(need);
	n = buf ? mqtt_encode_connect(buf, need, &k) : -ENOMEM;
	if (n < 0 || queue_bytes(c, buf, (size_t)n) < 0) {
		free(buf);
		drop(c, "CONNECT: %s", strerror(n < 0 ? (int)-n : ENOMEM));
		return;
	}
	free(buf);
}

/* One step of the TLS handshake, each time the socket is ready the way
 * GnuTLS asked for. */
static void tls_step(struct mqtt_client *c)
{
	char why[sizeof(c->last_error)];
	int rc = mqtt_tls_handshake(c->tls, why, sizeof(why));

	if (rc == -EAGAIN) {
		loop_fd_mod(c->loop, &c->io, mqtt_tls_want_write(c->tls) ? EPOLLOUT : EPOLLIN);
		return;
	}
	if (rc < 0) {
		drop_warn(c, "%s", why);
		return;
	}
	mqtt_tls_describe(c->tls, c->tls_desc, sizeof(c->tls_desc));
	send_connect(c);
}

/* TCP is up: TLS first for mqtts, else CONNECT at once. */
static void start_session(struct mqtt_client *c)
{
	char why[sizeof(c->last_error)];

	free_addrs(c);
	c->tls_desc[0] = '\0';
	if (!c->creds) {
		send_connect(c);
		return;
	}
	if (mqtt_tls_new(&c->tls, c->creds, c->io.fd, c->host, why, sizeof(why)) < 0) {
		drop(c, "%s", why);
		return;
	}
	c->st = ST_TLS;
	tls_step(c);
}

/* The address of a, without the port, for messages. */
static void addr_text(const struct addrinfo *a, char *buf, size_t len)
{
	const void *bin = NULL;

	if (a->ai_family == AF_INET6)
		bin = &((const struct sockaddr_in6 *)(const void *)a->ai_addr)->sin6_addr;
	else if (a->ai_family == AF_INET)
		bin = &((const struct sockaddr_in *)(const void *)a->ai_addr)->sin_addr;
	if (!bin || !inet_ntop(a->ai_family, bin, buf, (socklen_t)len))
		snprintf(buf, len, "an address of family %d", a->ai_family);
}

/* Starts a non-blocking connect to c->addr, or to the first address after
 * it that does not fail at once; with none left, the attempt is over. */
static void try_addresses(struct mqtt_client *c)
{
	for (; c->addr; c->addr = c->addr->ai_next) {
		const struct addrinfo *a = c->addr;
		int fd, one = 1;

		addr_text(a, c->addr_text, sizeof(c->addr_text));
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(c->conn_error, sizeof(c->conn_error), "socket: %s", strerror(errno));
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
			snprintf(c->conn_error, sizeof(c->conn_error), "connect to %s: %s", c->addr_text, strerror(errno));
			close(fd);
			log_debug("mqtt: %s:%u: %s", c->host, (unsigned)c->port, c->conn_error);
			continue;
		}
		if (loop_fd_add(c->loop, &c->io, fd, EPOLLOUT) < 0) {
			close(fd);
			snprintf(c->conn_error, sizeof(c->conn_error), "cannot watch the socket");
			continue;
		}
		c->st = ST_CONNECTING;
		arm(c);
		return;
	}
	drop(c, "%s", c->conn_error);
}

/* The address being tried failed (why): the next, if there is one. */
static void next_address(struct mqtt_client *c, const char *why)
{
	snprintf(c->conn_error, sizeof(c->conn_error), "connect to %s: %s", c->addr_text, why);
	close_io(c);
	if (c->addr)
		c->addr = c->addr->ai_next;
	if (c->addr)
		log_debug("mqtt: %s:%u: %s; trying the next address", c->host, (unsigned)c->port, c->conn_error);
	try_addresses(c);
}

static void on_resolved(struct resolve *r, int rc, int err, struct addrinfo *ai)
{
	struct mqtt_client *c = container_of(r, struct mqtt_client, res);

	if (rc != 0) {
		drop(c, "cannot resolve: %s", rc == EAI_SYSTEM ? strerror(err) : gai_strerror(rc));
		return;
	}
	c->addrs = c->addr = ai;
	snprintf(c->conn_error, sizeof(c->conn_error), "no address");
	try_addresses(c);
}

static void start_connect(struct mqtt_client *c)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char port[8];
	int rc;

	free_addrs(c);
	snprintf(c->conn_error, sizeof(c->conn_error), "no address");
	snprintf(port, sizeof(port), "%u", (unsigned)c->port);
	/* An address needs no lookup: no thread, no wait. */
	rc = getaddrinfo(c->host, port, &hints, &ai);
	if (rc == 0) {
		c->addrs = c->addr = ai;
		try_addresses(c);
		return;
	}
	if (rc != EAI_NONAME) {
		drop(c, "cannot resolve: %s", gai_strerror(rc));
		return;
	}
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	rc = resolve_start(c->loop, &c->res, c->host, port, &hints);
	if (rc < 0) {
		drop(c, "cannot resolve: %s", strerror(-rc));
		return;
	}
	c->st = ST_RESOLVING;
	arm(c);
}

static void on_connected(struct mqtt_client *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->io.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		next_address(c, strerror(err));
		return;
	}
	start_session(c);
}

/* ---- input -------------------------------------------------------------- */

static struct pub *take_pub(struct mqtt_client *c, uint16_t id)
{
	struct pub **pp = &c->pubs;

	for (; *pp; pp = &(*pp)->next) {
		struct pub *p = *pp;

		if (p->id != id)
			continue;
		*pp = p->next;
		if (c->pubs_tail == &p->next)
			c->pubs_tail = pp;
		c->npubs--;
		return p;
	}
	return NULL;
}

static void resend(struct mqtt_client *c)
{
	for (struct pub *p = c->pubs; p && c->st == ST_UP; p = p->next) {
		if (p->sent)
			continue;
		p->sent = true;
		if (queue_bytes(c, p->bytes, p->len) < 0)
			drop(c, "out of memory");
		p->bytes[0] |= 0x08;    /* 3.3.1.1: any later copy is a re-delivery */
	}
}

static void handle(struct mqtt_client *c, const struct mqtt_packet *pk)
{
	switch (pk->type) {
	case MQTT_CONNACK:
		if (c->st != ST_CONNACK) {
			drop(c, "a second CONNACK");
			return;
		}
		if (pk->u.connack.rc != MQTT_CONNACK_ACCEPTED) {
			drop(c, "the broker refused the connection: %s", mqtt_connack_str(pk->u.connack.rc));
			return;
		}
		c->st = ST_UP;
		c->backoff_ms = c->backoff_min_ms;
		c->last_error[0] = '\0';
		log_info("mqtt: connected to %s:%u as %s%s%s%s", c->host, (unsigned)c->port, c->client_id,
			 pk->u.connack.session_present ? " (session resumed)" : "", c->tls ? ", TLS " : "",
			 c->tls ? c->tls_desc : "");
		arm(c);
		if (c->ops->up)
			c->ops->up(c->ctx, pk->u.connack.session_present);
		resend(c);
		return;
	case MQTT_PUBLISH:
		if (c->st != ST_UP || pk->u.publish.qos > 1) {
			drop(c, c->st != ST_UP ? "PUBLISH before CONNACK" : "a QoS 2 PUBLISH (we subscribe with QoS 1)");
			return;
		}
		if (c->ops->message)
			c->ops->message(c->ctx, &pk->u.publish,
					pk->u.publish.qos ? (uint32_t)c->gen << 16 | pk->u.publish.packet_id : 0);
		return;
	case MQTT_PUBACK: {
		struct pub *p = take_pub(c, pk->u.packet_id);

		if (!p) {
			log_debug("mqtt: PUBACK for unknown packet %u", pk->u.packet_id);
			return;
		}
		uint64_t token = p->token;

		free(p);
		if (c->ops->published)
			c->ops->published(c->ctx, token);
		return;
	}
	case MQTT_SUBACK:
		for (size_t i = 0; i < pk->u.suback.count; i++) {
			if (pk->u.suback.codes[i] == MQTT_SUBACK_FAILURE) {
				drop(c, "the broker refused a subscription (its ACL?)");
				return;
			}
		}
		return;
	case MQTT_UNSUBACK:
		return;
	case MQTT_PINGRESP:
		c->ping_sent = 0;
		return;
	default:
		drop(c, "unexpected packet type %d from the broker", (int)pk->type);
		return;
	}
}

static void on_readable(struct mqtt_client *c)
{
	for (;;) {
		if (c->in_cap - c->in_len < 4096) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 8192;
			uint8_t *g;

			if (cap > MQTT_CLIENT_PACKET_MAX + 2 * MQTT_FIXED_HEADER_MAX + 4096)
				cap = MQTT_CLIENT_PACKET_MAX + 2 * MQTT_FIXED_HEADER_MAX + 4096;
			if (cap <= c->in_cap) {
				drop(c, "input buffer full");
				return;
			}
			g = realloc(c->in, cap);
			if (!g) {
				drop(c, "out of memory");
				return;
			}
			c->in = g;
			c->in_cap = cap;
		}
		/* Until EAGAIN: TLS may hold decrypted bytes with none left on
		 * the socket, and epoll would not say so. */
		ssize_t n = io_recv(c, c->in + c->in_len, c->in_cap - c->in_len);

		if (n == -EAGAIN)
			return;
		if (n == 0) {
			drop(c, "the broker closed the connection");
			return;
		}
		if (n < 0) {
			io_failed(c, n);
			return;
		}
		c->in_len += (size_t)n;

		size_t off = 0;
		uint16_t gen = c->gen;

		while (gen == c->gen) {
			struct mqtt_frame f;
			struct mqtt_packet pk;
			int rc = mqtt_frame(c->in + off, c->in_len - off, MQTT_CLIENT_PACKET_MAX, &f);

			if (rc == 0)
				break;
			if (rc == -EMSGSIZE) {
				drop(c, "a packet larger than %d bytes", MQTT_CLIENT_PACKET_MAX);
				return;
			}
			if (rc < 0 || mqtt_decode(&f, &pk) < 0) {
				drop(c, "a malformed packet");
				return;
			}
			off += f.total;
			handle(c, &pk);
		}
		if (gen != c->gen)
			return; /* dropped while handling: the buffers are reset */
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

static void on_io(struct loop *l, struct loop_fd *h, uint32_t revents)
{
	struct mqtt_client *c = container_of(h, struct mqtt_client, io);

	(void)l;
	if (c->st == ST_CONNECTING) {
		on_connected(c);
		return;
	}
	if (c->st == ST_TLS) {
		tls_step(c);
		return;
	}
	if (revents & EPOLLOUT)
		flush(c);
	if (c->io.fd >= 0 && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		on_readable(c);
}

/* ---- timers ------------------------------------------------------------- */

static void arm(struct mqtt_client *c)
{
	int64_t now = loop_now(), due;

	switch (c->st) {
	case ST_BACKOFF:
		loop_timer_set(c->loop, &c->timer, c->backoff_ms);
		return;
	case ST_RESOLVING:
		loop_timer_set(c->loop, &c->timer, MQTT_CLIENT_RESOLVE_TIMEOUT_MS);
		return;
	case ST_CONNECTING: /* for each address; the handshakes share the last one's */
	case ST_TLS:
	case ST_CONNACK:
		loop_timer_set(c->loop, &c->timer, MQTT_CLIENT_CONNECT_TIMEOUT_MS);
		return;
	case ST_UP:
		if (!c->keepalive) {
			loop_timer_cancel(c->loop, &c->timer);
			return;
		}
		/* a PINGREQ well before the broker's 1.5 x keepalive; an
		 * unanswered one for keepalive seconds ends the connection */
		due = c->ping_sent ? c->ping_sent + c->keepalive * 1000ll : c->last_tx + c->keepalive * 750ll;
		loop_timer_set(c->loop, &c->timer, due > now ? due - now : 0);
		return;
	}
}

static void on_timer(struct loop *l, struct loop_timer *t)
{
	struct mqtt_client *c = container_of(t, struct mqtt_client, timer);
	uint8_t b[2];

	(void)l;
	switch (c->st) {
	case ST_BACKOFF:
		c->backoff_ms = c->backoff_ms * 2 > c->backoff_max_ms ? c->backoff_max_ms : c->backoff_ms * 2;
		start_connect(c);
		return;
	case ST_RESOLVING:
		/* The thread carries on until the system resolver gives up; its
		 * answer, if any, is dropped (resolve_cancel, in drop). */
		drop(c, "no answer from the resolver within %d s", MQTT_CLIENT_RESOLVE_TIMEOUT_MS / 1000);
		return;
	case ST_CONNECTING:
		next_address(c, "timed out");
		return;
	case ST_TLS:
	case ST_CONNACK:
		drop(c, c->st == ST_TLS ? "TLS handshake timed out" : "no CONNACK");
		return;
	case ST_UP:
		if (c->ping_sent && loop_now() - c->ping_sent >= c->keepalive * 1000ll) {
			drop(c, "no PINGRESP within %u s", c->keepalive);
			return;
		}
		if (!c->ping_sent && loop_now() - c->last_tx >= c->keepalive * 750ll) {
			c->ping_sent = loop_now();
			queue_small(c, mqtt_encode_empty(b, sizeof(b), MQTT_PINGREQ), b);
			if (c->st != ST_UP)
				return;
		}
		arm(c);
		return;
	}
}

/* ---- API ---------------------------------------------------------------- */

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

struct mqtt_client *mqtt_client_open(struct loop *l, const struct mqtt_client_config *cfg,
				     const struct mqtt_client_ops *ops, void *ctx, char *why, size_t whylen)
{
	struct mqtt_client *c = calloc(1, sizeof(*c));
	bool oom = false;

	if (!c) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	c->loop = l;
	c->ops = ops;
	c->ctx = ctx;
	c->host = dup_or_null(cfg->host, &oom);
	c->client_id = dup_or_null(cfg->client_id, &oom);
	c->username = dup_or_null(cfg->username, &oom);
	c->password = dup_or_null(cfg->password, &oom);
	c->will_topic = dup_or_null(cfg->will_topic, &oom);
	c->will_payload = dup_or_null(cfg->will_topic ? (cfg->will_payload ? cfg->will_payload : "") : NULL, &oom);
	loop_fd_init(&c->io, on_io);
	loop_timer_init(&c->timer, on_timer);
	resolve_init(&c->res, on_resolved);
	if (oom || !c->host || !c->client_id) {
		snprintf(why, whylen, "out of memory");
		mqtt_client_free(c);
		return NULL;
	}
	/* The files are read here, once: a reconnect reads nothing. */
	if (cfg->tls && mqtt_tls_creds_new(&c->creds, cfg->ca_file, cfg->cert_file, cfg->key_file, why, whylen) < 0) {
		mqtt_client_free(c);
		return NULL;
	}
	c->port = cfg->port;
	c->keepalive = cfg->keepalive;
	c->clean_session = cfg->clean_session;
	c->will_retain = cfg->will_retain;
	c->no_reconnect = cfg->no_reconnect;
	c->backoff_min_ms = cfg->backoff_min_ms ? cfg->backoff_min_ms : 1000;
	c->backoff_max_ms = cfg->backoff_max_ms > c->backoff_min_ms ? cfg->backoff_max_ms : c->backoff_min_ms;
	c->backoff_ms = c->backoff_min_ms;
	c->pubs_tail = &c->pubs;
	c->next_id = 1;
	c->st = ST_BACKOFF;
	loop_timer_set(l, &c->timer, 0);
	return c;
}

struct mqtt_client *mqtt_client_new(struct loop *l, const struct mqtt_client_config *cfg,
				    const struct mqtt_client_ops *ops, void *ctx)
{
	char why[256];
	struct mqtt_client *c = mqtt_client_open(l, cfg, ops, ctx, why, sizeof(why));

	if (!c)
		log_error("mqtt: %s", why);
	return c;
}

void mqtt_client_free(struct mqtt_client *c)
{
	if (!c)
		return;
	if (c->st == ST_UP && c->io.fd >= 0) {
		/* best effort, never waiting: a clean DISCONNECT discards the will */
		static const uint8_t disconnect[2] = { MQTT_DISCONNECT << 4, 0 };

		flush(c);
		if (c->io.fd >= 0 && c->out_off == c->out_len)
			(void)io_send(c, disconnect, sizeof(disconnect));
		if (c->tls)
			mqtt_tls_bye(c->tls);
	}
	resolve_cancel(c->loop, &c->res);
	free_addrs(c);
	close_io(c);
	mqtt_tls_creds_free(c->creds);
	loop_timer_cancel(c->loop, &c->timer);
	while (c->pubs) {
		struct pub *p = c->pubs;

		c->pubs = p->next;
		free(p);
	}
	free(c->in);
	free(c->out);
	free(c->host);
	free(c->client_id);
	free(c->username);
	free(c->password);
	free(c->will_topic);
	free(c->will_payload);
	free(c);
}

bool mqtt_client_up(const struct mqtt_client *c)
{
	return c->st == ST_UP;
}

size_t mqtt_client_inflight(const struct mqtt_client *c)
{
	return c->npubs;
}

static uint16_t new_id(struct mqtt_client *c)
{
	for (;;) {
		uint16_t id = c->next_id++;
		bool used = false;

		if (c->next_id == 0)
			c->next_id = 1;
		for (struct pub *p = c->pubs; p && !used; p = p->next)
			used = p->id == id;
		if (!used)
			return id;
	}
}

int mqtt_client_publish(struct mqtt_client *c, const char *topic, const void *payload, size_t len, uint8_t qos,
			bool retain, uint64_t token)
{
	size_t tlen = strlen(topic);
	struct mqtt_publish p = {
		.topic = { (const uint8_t *)topic, tlen },
		.payload = { payload, len },
		.qos = qos,
		.retain = retain,
	};
	size_t size;
	struct pub *e;
	ssize_t n;

	if (qos > 1 || !mqtt_topic_valid(topic, tlen))
		return -EINVAL;
	size = mqtt_publish_size(tlen, len, qos);
	if (size > MQTT_REMAINING_MAX)
		return -EMSGSIZE;
	if (qos == 0) {
		uint8_t *buf;

		if (c->st != ST_UP)
			return -ENOTCONN;
		buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		n = mqtt_encode_publish(buf, size, &p);
		n = n < 0 ? n : queue_bytes(c, buf, (size_t)n);
		free(buf);
		return n < 0 ? (int)n : 0;
	}
	if (c->npubs >= 65000)
		return -ENOBUFS; /* packet identifiers are 16 bits */
	e = malloc(sizeof(*e) + size);
	if (!e)
		return -ENOMEM;
	p.packet_id = new_id(c);
	n = mqtt_encode_publish(e->bytes, size, &p);
	if (n < 0) {
		free(e);
		return (int)n;
	}
	e->next = NULL;
	e->id = p.packet_id;
	e->sent = false;
	e->token = token;
	e->len = (size_t)n;
	*c->pubs_tail = e;
	c->pubs_tail = &e->next;
	c->npubs++;
	if (c->st == ST_UP)
		resend(c);
	return 0;
}

int mqtt_client_unpublish(struct mqtt_client *c, uint64_t token)
{
	for (struct pub *p = c->pubs; p; p = p->next) {
		if (p->token == token) {
			free(take_pub(c, p->id));
			return 0;
		}
	}
	return -ENOENT;
}

static int sub(struct mqtt_client *c, const char *filter, bool subscribe, uint8_t qos)
{
	uint8_t buf[MQTT_FIXED_HEADER_MAX + 2 + 2 + 1024 + 1];
	ssize_t n;

	if (c->st != ST_UP)
		return -ENOTCONN;
	n = subscribe ? mqtt_encode_subscribe(buf, sizeof(buf), new_id(c), filter, qos)
		      : mqtt_encode_unsubscribe(buf, sizeof(buf), new_id(c), filter);
	if (n == -ENOBUFS)
		return -EINVAL;
	return queue_small(c, n, buf);
}

int mqtt_client_subscribe(struct mqtt_client *c, const char *filter, uint8_t qos)
{
	return sub(c, filter, true, qos);
}

int mqtt_client_unsubscribe(struct mqtt_client *c, const char *filter)
{
	return sub(c, filter, false, 0);
}

void mqtt_client_puback(struct mqtt_client *c, uint32_t ack)
{
	uint8_t b[4];

	if (!ack || c->st != ST_UP || (uint16_t)(ack >> 16) != c->gen)
		return;
	queue_small(c, mqtt_encode_ack(b, sizeof(b), MQTT_PUBACK, (uint16_t)ack), b);
}
