/* Lookups off the loop (src/base/resolve.c): answers for "localhost" and a
 * numeric address, failures, the callback never inside resolve_start(),
 * and giving a lookup up at each point of its life (blocked in the
 * thread, finished but not yet seen by the loop, with its owner freed at
 * once), many times over. Under ASan a job or an answer freed twice, used
 * after its free, or never freed fails the run; waits are on conditions
 * (the callback ran, the thread entered its lookup, the threads are gone)
 * with a deadline. */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"
#include "resolve.h"
#include "util.h"

#define DEADLINE_MS 20000

static struct loop loop;

struct probe {
	struct resolve r;
	int calls, rc;
	struct addrinfo *ai;
};

static void on_answer(struct resolve *r, int rc, int err, struct addrinfo *ai)
{
	struct probe *p = container_of(r, struct probe, r);

	(void)err;
	p->calls++;
	p->rc = rc;
	if (p->ai)
		freeaddrinfo(p->ai);
	p->ai = ai;
}

static void probe_init(struct probe *p)
{
	memset(p, 0, sizeof(*p));
	resolve_init(&p->r, on_answer);
}

static void probe_clear(struct probe *p)
{
	if (p->ai)
		freeaddrinfo(p->ai);
	p->ai = NULL;
}

/* Runs the loop until *calls reaches want; fails after the deadline. */
static void run_until(const int *calls, int want)
{
	int64_t end = loop_now() + DEADLINE_MS;

	while (*calls < want) {
		if (loop_now() > end)
			fail_msg("no answer within %d ms", DEADLINE_MS);
		assert_int_equal(loop_once(&loop, 100), 0);
	}
}

static const struct addrinfo stream_hints = {
	.ai_socktype = SOCK_STREAM,
	.ai_flags = AI_NUMERICSERV,
};

static bool has_loopback(const struct addrinfo *ai, uint16_t port)
{
	for (; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			const struct sockaddr_in *a = (const void *)ai->ai_addr;

			if (ntohl(a->sin_addr.s_addr) == INADDR_LOOPBACK && ntohs(a->sin_port) == port)
				return true;
		} else if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const void *)ai->ai_addr;

			if (memcmp(&a->sin6_addr, &in6addr_loopback, sizeof(a->sin6_addr)) == 0 &&
			    ntohs(a->sin6_port) == port)
				return true;
		}
	}
	return false;
}

static void test_localhost(void **state)
{
	struct probe p;

	(void)state;
	probe_init(&p);
	assert_int_equal(resolve_start(&loop, &p.r, "localhost", "1883", &stream_hints), 0);
	/* never from inside resolve_start, however fast the lookup */
	assert_int_equal(p.calls, 0);
	assert_true(resolve_running(&p.r));
	assert_int_equal(resolve_start(&loop, &p.r, "localhost", "1883", &stream_hints), -EBUSY);
	run_until(&p.calls, 1);
	assert_int_equal(p.rc, 0);
	assert_true(has_loopback(p.ai, 1883));
	assert_false(resolve_running(&p.r));
	/* the callback may start the next one; r is reusable */
	assert_int_equal(resolve_start(&loop, &p.r, "localhost", "8883", &stream_hints), 0);
	run_until(&p.calls, 2);
	assert_int_equal(p.rc, 0);
	assert_true(has_loopback(p.ai, 8883));
	probe_clear(&p);
}

static void test_numeric_and_failures(void **state)
{
	struct addrinfo numeric = stream_hints;
	struct probe p;
	char longname[1100];

	(void)state;
	numeric.ai_flags |= AI_NUMERICHOST;
	probe_init(&p);
	assert_int_equal(resolve_start(&loop, &p.r, "192.0.2.7", "8883", &numeric), 0);
	run_until(&p.calls, 1);
	assert_int_equal(p.rc, 0);
	assert_non_null(p.ai);
	assert_null(p.ai->ai_next);
	assert_int_equal(p.ai->ai_family, AF_INET);
	assert_int_equal(ntohl(((const struct sockaddr_in *)(const void *)p.ai->ai_addr)->sin_addr.s_addr),
			 0xC0000207u);
	/* a name where only numbers are allowed: EAI_NONAME, no answer to free */
	assert_int_equal(resolve_start(&loop, &p.r, "broker.invalid", "8883", &numeric), 0);
	run_until(&p.calls, 2);
	assert_int_equal(p.rc, EAI_NONAME);
	assert_null(p.ai);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(resolve_start(&loop, &p.r, longname, "1", &stream_hints), -ENAMETOOLONG);
	assert_false(resolve_running(&p.r));
	probe_clear(&p);
}

/* A lookup that says it has started, then waits for its word. */
static int gate_entered[2], gate_open[2];

static int gated_lookup(const char *host, const char *service, const struct addrinfo *hints,
			struct addrinfo **res)
{
	char b = 'e';

	(void)host;
	if (write(gate_entered[1], &b, 1) != 1 || read(gate_open[0], &b, 1) != 1)
		return EAI_SYSTEM;
	return getaddrinfo("127.0.0.1", service, hints, res);
}

static void wait_entered(void)
{
	struct pollfd pfd = { .fd = gate_entered[0], .events = POLLIN };
	char b;

	assert_int_equal(poll(&pfd, 1, DEADLINE_MS), 1);
	assert_int_equal(read(gate_entered[0], &b, 1), 1);
}

static void open_gate(void)
{
	char b = 'o';

	assert_int_equal(write(gate_open[1], &b, 1), 1);
}

/* Lookup threads alive (by their name: a sanitizer's or an emulator's
 * own threads do not count), -1 when /proc cannot tell. */
static int lookup_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue; /* ended while we looked */
		if (fgets(comm, sizeof(comm), f) && strcmp(comm, RESOLVE_THREAD_NAME "\n") == 0)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Every lookup thread has ended (so has freed what it had to). */
static void wait_threads_gone(void)
{
	int64_t end = loop_now() + DEADLINE_MS;
	int n;

	while ((n = lookup_threads()) > 0) {
		struct pollfd none = { .fd = -1 };

		if (loop_now() > end)
			fail_msg("%d lookup threads still running", n);
		poll(&none, 1, 10); /* the threads end by themselves; nothing to wait on but their count */
	}
}

static void test_cancel(void **state)
{
	struct probe *p = malloc(sizeof(*p));
	struct probe q;

	(void)state;
	/* given up while the thread is inside its lookup, the owner freed at
	 * once: the thread must not touch it, and frees the job itself */
	probe_init(p);
	p->r.lookup = gated_lookup;
	assert_int_equal(resolve_start(&loop, &p->r, "gated", "1", &stream_hints), 0);
	wait_entered();
	resolve_cancel(&loop, &p->r);
	assert_false(resolve_running(&p->r));
	free(p);
	open_gate();
	wait_threads_gone();

	/* given up after the thread finished, before the loop saw it: the
	 * loop frees job and answer */
	probe_init(&q);
	q.r.lookup = gated_lookup;
	assert_int_equal(resolve_start(&loop, &q.r, "gated", "1", &stream_hints), 0);
	wait_entered();
	open_gate();
	wait_threads_gone();
	resolve_cancel(&loop, &q.r);
	assert_int_equal(loop_once(&loop, 0), 0);
	assert_int_equal(q.calls, 0);

	/* cancelling nothing is nothing */
	resolve_cancel(&loop, &q.r);

	/* after a cancel the handle is free for the next lookup, which answers */
	q.r.lookup = NULL;
	assert_int_equal(resolve_start(&loop, &q.r, "localhost", "1", &stream_hints), 0);
	run_until(&q.calls, 1);
	assert_int_equal(q.rc, 0);
	probe_clear(&q);
}

static void test_many(void **state)
{
	enum { SEQ = 200, CANCELLED = 200, PARALLEL = 16 };
	struct probe p, par[PARALLEL];
	int answered = 0;

	(void)state;
	probe_init(&p);
	for (int i = 0; i < SEQ; i++) {
		assert_int_equal(resolve_start(&loop, &p.r, "localhost", "1883", &stream_hints), 0);
		run_until(&p.calls, i + 1);
		assert_int_equal(p.rc, 0);
	}
	probe_clear(&p);
	/* started and given up at once: each thread is at some random point */
	for (int i = 0; i < CANCELLED; i++) {
		struct probe *h = malloc(sizeof(*h));

		probe_init(h);
		assert_int_equal(resolve_start(&loop, &h->r, "localhost", "1883", &stream_hints), 0);
		if (i % 2)
			assert_int_equal(loop_once(&loop, 0), 0);
		resolve_cancel(&loop, &h->r);
		probe_clear(h); /* an answer only if the loop saw it before the cancel */
		free(h);
	}
	for (int i = 0; i < PARALLEL; i++) {
		probe_init(&par[i]);
		assert_int_equal(resolve_start(&loop, &par[i].r, "localhost", "1883", &stream_hints), 0);
	}
	for (int64_t end = loop_now() + DEADLINE_MS; answered < PARALLEL;) {
		if (loop_now() > end)
			fail_msg("%d of %d parallel lookups answered", answered, PARALLEL);
		assert_int_equal(loop_once(&loop, 100), 0);
		answered = 0;
		for (int i = 0; i < PARALLEL; i++)
			answered += par[i].calls;
	}
	for (int i = 0; i < PARALLEL; i++) {
		assert_int_equal(par[i].calls, 1);
		assert_int_equal(par[i].rc, 0);
		assert_true(has_loopback(par[i].ai, 1883));
		probe_clear(&par[i]);
	}
	wait_threads_gone();
}

static int setup(void **state)
{
	(void)state;
	if (loop_init(&loop) < 0 || pipe(gate_entered) < 0 || pipe(gate_open) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	loop_close(&loop);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_localhost),
		cmocka_unit_test(test_numeric_and_failures),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
