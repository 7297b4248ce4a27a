#include "webhook.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include <curl/curl.h>

#include "log.h"
#include "outbox.h"
#include "queue.h"
#include "sign.h"
#include "util.h"

#define SOCK_SLOTS 32           /* sockets curl may watch at once: a few per delivery in flight */
#define CONNECT_TIMEOUT_MS 10000

/* A socket curl asked us to watch. Slots are never freed while the loop
 * may still hold an event for them in the current round; a removed slot
 * only has its fd set to -1 (loop_fd_del), which the loop skips. */
struct sock_slot {
	struct loop_fd h;
	struct webhooks *w;
	bool used;
};

struct hook {
	struct webhooks *w;
	char *name, *url;
	uint8_t key[WEBHOOK_KEY_MAX];
	size_t keylen;                  /* 0: unsigned deliveries */
	unsigned events, timeout, retry_cap;
	struct outbox box;
	/* the delivery in flight */
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	char errbuf[CURL_ERROR_SIZE];
	/* after a failure */
	unsigned attempt;               /* failed attempts of the oldest event */
	struct loop_timer retry;
	/* counters */
	unsigned long long delivered, failed_attempts;
	int64_t last_success;
	char last_error[192];
};

struct webhooks {
	struct loop *loop;
	CURLM *multi;
	struct loop_timer timer;        /* curl's own timeouts */
	struct sock_slot socks[SOCK_SLOTS];
	struct hook *hooks;
	unsigned n;
};

bool webhooks_available(void)
{
	return true;
}

static void kick(struct hook *k);

static void finished(struct hook *k, CURLcode res)
{
	long status = 0;

	curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(k->w->multi, k->easy);
	curl_easy_cleanup(k->easy);
	curl_slist_free_all(k->headers);
	free(k->body);
	k->easy = NULL;
	k->headers = NULL;
	k->body = NULL;
	if (res == CURLE_OK && status >= 200 && status <= 299) {
		if (k->attempt)
			log_info("webhook %s: delivered again after %u failed attempt(s)", k->name, k->attempt);
		outbox_pop(&k->box);
		k->delivered++;
		k->attempt = 0;
		k->last_success = (int64_t)time(NULL);
		k->last_error[0] = '\0';
		kick(k);
		return;
	}
	if (res != CURLE_OK)
		snprintf(k->last_error, sizeof(k->last_error), "%.180s", k->errbuf[0] ? k->errbuf : curl_easy_strerror(res));
	else
		snprintf(k->last_error, sizeof(k->last_error), "HTTP status %ld", status);
	k->failed_attempts++;
	k->attempt++;
	{
		unsigned shift = k->attempt - 1 < 20 ? k->attempt - 1 : 20;
		uint64_t delay = (uint64_t)1 << shift;

		if (delay > k->retry_cap)
			delay = k->retry_cap;
		log_warn("webhook %s: delivery failed (%s); %zu event(s) waiting, next try in %" PRIu64 " s", k->name,
			 k->last_error, outbox_count(&k->box), delay);
		loop_timer_set(k->w->loop, &k->retry, (int64_t)delay * 1000);
	}
}

static void check_done(struct webhooks *w)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(w->multi, &left))) {
		struct hook *k = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&k);
		if (k)
			finished(k, msg->data.result);
	}
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

static struct curl_slist *header(struct curl_slist *l, const char *name, const char *value)
{
	char line[256];
	struct curl_slist *n;

	if (!l)
		return NULL;
	snprintf(line, sizeof(line), "%s:%s%s", name, *value ? " " : "", value);
	n = curl_slist_append(l, line);
	if (!n)
		curl_slist_free_all(l);
	return n;
}

/* Starts delivering the oldest event, unless one is in flight or a retry
 * is waiting for its time. */
static void kick(struct hook *k)
{
	const char *id;
	char *body = NULL, ts[24], sig[WEBHOOK_SIG_SIZE];
	int64_t now = (int64_t)time(NULL);
	ssize_t n;
	struct curl_slist *h;
	CURL *e;

	if (k->easy || k->retry.armed)
		return;
	n = outbox_peek(&k->box, &id, &body);
	if (n < 0)
		return;
	snprintf(ts, sizeof(ts), "%" PRId64, now);
	h = curl_slist_append(NULL, "Content-Type: application/json");
	h = header(h, "Expect", ""); /* no 100-continue round trip */
	h = header(h, "webhook-id", id);
	h = header(h, "webhook-timestamp", ts);
	if (k->keylen) {
		webhook_sign(sig, k->key, k->keylen, id, now, body, (size_t)n);
		h = header(h, "webhook-signature", sig);
	}
	e = h ? curl_easy_init() : NULL;
	if (!e) {
		curl_slist_free_all(h);
		free(body);
		snprintf(k->last_error, sizeof(k->last_error), "out of memory");
		loop_timer_set(k->w->loop, &k->retry, 1000);
		return;
	}
	k->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, k->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)k);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)n);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "smsgate/" SMSGATE_VERSION);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)k->timeout * 1000);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(k->timeout * 1000 < CONNECT_TIMEOUT_MS ? k->timeout * 1000 : CONNECT_TIMEOUT_MS));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, k->errbuf);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	k->easy = e;
	k->headers = h;
	k->body = body;
	if (curl_multi_add_handle(k->w->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		curl_slist_free_all(h);
		free(body);
		k->easy = NULL;
		k->headers = NULL;
		k->body = NULL;
		snprintf(k->last_error, sizeof(k->last_error), "curl_multi_add_handle failed");
		loop_timer_set(k->w->loop, &k->retry, 1000);
	}
}

static void retry_cb(struct loop *l, struct loop_timer *t)
{
	struct hook *k = container_of(t, struct hook, retry);

	(void)l;
	kick(k);
}

static void sock_cb(struct loop *l, struct loop_fd *h, uint32_t revents)
{
	struct sock_slot *s = container_of(h, struct sock_slot, h);
	struct webhooks *w = s->w;
	int running, flags = 0;

	(void)l;
	if (revents & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (revents & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(w->multi, h->fd, flags, &running);
	check_done(w);
}

static void timer_cb(struct loop *l, struct loop_timer *t)
{
	struct webhooks *w = container_of(t, struct webhooks, timer);
	int running;

	(void)l;
	curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(w);
}

static int curl_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct webhooks *w = userp;
	struct sock_slot *s = socketp;
	uint32_t ev = (what == CURL_POLL_IN || what == CURL_POLL_INOUT ? EPOLLIN : 0) |
		      (what == CURL_POLL_OUT || what == CURL_POLL_INOUT ? EPOLLOUT : 0);

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			loop_fd_del(w->loop, &s->h);
			s->used = false;
			curl_multi_assign(w->multi, fd, NULL);
		}
		return 0;
	}
	if (s)
		return loop_fd_mod(w->loop, &s->h, ev) < 0 ? -1 : 0;
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		s = &w->socks[i];
		if (s->used)
			continue;
		loop_fd_init(&s->h, sock_cb);
		s->w = w;
		if (loop_fd_add(w->loop, &s->h, fd, ev) < 0)
			return -1;
		s->used = true;
		curl_multi_assign(w->multi, fd, s);
		return 0;
	}
	log_error("webhooks: more than %d sockets at once", SOCK_SLOTS);
	return -1;
}

static int curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct webhooks *w = userp;

	(void)multi;
	if (timeout_ms < 0)
		loop_timer_cancel(w->loop, &w->timer);
	else
		loop_timer_set(w->loop, &w->timer, timeout_ms);
	return 0;
}

struct webhooks *webhooks_new(struct loop *loop, int rootfd, const struct webhook_target *t, unsigned n,
			      unsigned sync, char *why, size_t whylen)
{
	struct webhooks *w = calloc(1, sizeof(*w));
	int rc;

	if (!w || !(w->hooks = calloc(n ? n : 1, sizeof(*w->hooks)))) {
		free(w);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	w->loop = loop;
	loop_timer_init(&w->timer, timer_cb);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(w->multi = curl_multi_init())) {
		snprintf(why, whylen, "libcurl cannot start");
		webhooks_free(w);
		return NULL;
	}
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, curl_socket);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, curl_timer);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	for (unsigned i = 0; i < n; i++) {
		struct hook *k = &w->hooks[i];
		ssize_t kl = t[i].secret[0] ? webhook_secret_key(k->key, sizeof(k->key), t[i].secret) : 0;

		k->w = w;
		k->box.dirfd = -1;
		w->n = i + 1;
		loop_timer_init(&k->retry, retry_cb);
		if (kl < 0) {
			snprintf(why, whylen, "[webhook %s]: secret is not usable (whsec_ needs base64 after it)",
				 t[i].name);
			webhooks_free(w);
			return NULL;
		}
		k->keylen = (size_t)kl;
		k->name = strdup(t[i].name);
		k->url = strdup(t[i].url);
		k->events = t[i].events;
		k->timeout = t[i].timeout;
		k->retry_cap = t[i].retry_cap;
		if (!k->name || !k->url) {
			snprintf(why, whylen, "out of memory");
			webhooks_free(w);
			return NULL;
		}
		rc = outbox_open(&k->box, rootfd, t[i].name, t[i].max_queued, sync);
		if (rc < 0) {
			snprintf(why, whylen, "webhooks/%s: %s", t[i].name, strerror(-rc));
			webhooks_free(w);
			return NULL;
		}
		if (outbox_count(&k->box))
			log_info("webhook %s: %zu event(s) waiting from before", k->name, outbox_count(&k->box));
	}
	for (unsigned i = 0; i < n; i++)
		kick(&w->hooks[i]);
	return w;
}

void webhooks_free(struct webhooks *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->n; i++) {
		struct hook *k = &w->hooks[i];

		if (k->easy) {
			curl_multi_remove_handle(w->multi, k->easy);
			curl_easy_cleanup(k->easy);
		}
		curl_slist_free_all(k->headers);
		free(k->body);
		loop_timer_cancel(w->loop, &k->retry);
		outbox_close(&k->box);
		free(k->name);
		free(k->url);
		memset(k->key, 0, sizeof(k->key));
	}
	if (w->multi)
		curl_multi_cleanup(w->multi);
	for (unsigned i = 0; i < SOCK_SLOTS; i++) {
		if (w->socks[i].used)
			loop_fd_del(w->loop, &w->socks[i].h);
	}
	loop_timer_cancel(w->loop, &w->timer);
	free(w->hooks);
	free(w);
	curl_global_cleanup();
}

void webhooks_emit(struct webhooks *w, enum webhook_event type, json_object *data)
{
	char id[SPOOL_ID_LEN + 1], *body;
	size_t len = 0;
	bool wanted = false;

	if (!w)
		return;
	for (unsigned i = 0; i < w->n; i++)
		wanted |= (w->hooks[i].events & type) != 0;
	if (!wanted)
		return;
	spool_new_id(id);
	body = webhook_event_body(type, (int64_t)time(NULL), data, &len);
	for (unsigned i = 0; i < w->n; i++) {
		struct hook *k = &w->hooks[i];
		int rc;

		if (!(k->events & type))
			continue;
		rc = body ? outbox_add(&k->box, id, body, len) : -ENOMEM;
		if (rc < 0) {
			log_error("webhook %s: event %s %s lost: %s", k->name, webhook_event_name(type), id, strerror(-rc));
			k->box.dropped++;
			continue;
		}
		kick(k);
	}
	free(body);
}

unsigned webhooks_count(const struct webhooks *w)
{
	return w ? w->n : 0;
}

void webhooks_stats(const struct webhooks *w, unsigned i, struct webhook_stats *st)
{
	const struct hook *k = &w->hooks[i];

	st->name = k->name;
	st->queued = outbox_count(&k->box);
	st->delivered = k->delivered;
	st->failed_attempts = k->failed_attempts;
	st->dropped = k->box.dropped;
	st->last_success = k->last_success;
	st->last_error = k->last_error;
}
