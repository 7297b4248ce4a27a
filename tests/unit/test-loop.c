/* The loop (src/base/loop.c): a callback may unregister and free the
 * owner of another handle that is ready in the same round, and that
 * handle's callback then never runs. With the handles on the heap, ASan
 * fails a run that touches the freed owner; without ASan the count of
 * calls does. */
#define _GNU_SOURCE /* pipe2 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <sys/epoll.h>

#include "loop.h"
#include "util.h"

struct owner {
	struct loop_fd h;
	int fds[2];
	struct owner *victim;   /* freed by this one's callback */
	int *calls;
};

static void owner_free(struct loop *l, struct owner *o)
{
	loop_fd_del(l, &o->h);
	close(o->fds[0]);
	close(o->fds[1]);
	free(o);
}

static void on_ready(struct loop *l, struct loop_fd *h, uint32_t ev)
{
	struct owner *o = container_of(h, struct owner, h);
	char c;

	(void)ev;
	(*o->calls)++;
	assert_int_equal(read(o->fds[0], &c, 1), 1);
	if (o->victim) {
		owner_free(l, o->victim);
		o->victim = NULL;
	}
}

static struct owner *owner_new(struct loop *l, int *calls)
{
	struct owner *o = calloc(1, sizeof(*o));

	assert_non_null(o);
	assert_int_equal(pipe(o->fds), 0);
	o->calls = calls;
	loop_fd_init(&o->h, on_ready);
	assert_int_equal(loop_fd_add(l, &o->h, o->fds[0], EPOLLIN), 0);
	assert_int_equal(write(o->fds[1], "x", 1), 1);
	return o;
}

/* Both ready in one round; whichever runs first frees the other. */
static void test_free_other_in_same_round(void **state)
{
	struct loop l;
	int calls_a = 0, calls_b = 0;
	struct owner *a, *b;

	(void)state;
	assert_int_equal(loop_init(&l), 0);
	a = owner_new(&l, &calls_a);
	b = owner_new(&l, &calls_b);
	a->victim = b;
	b->victim = a;
	assert_int_equal(loop_once(&l, 1000), 0);
	/* exactly one ran; the other was freed before its turn */
	assert_int_equal(calls_a + calls_b, 1);
	owner_free(&l, calls_a ? a : b);
	loop_close(&l);
}

/* A handle deleted and added again in the same round (a reconnect: a new
 * fd, not ready) is not called for the old fd's event of this round. */
struct renewer {
	struct loop_fd h;
	int fds[2];
	struct renewer *other;
	int calls;
};

static void renew(struct loop *l, struct renewer *r)
{
	loop_fd_del(l, &r->h);
	close(r->fds[0]);
	close(r->fds[1]);
	assert_int_equal(pipe2(r->fds, O_NONBLOCK), 0); /* nothing written: not ready */
	assert_int_equal(loop_fd_add(l, &r->h, r->fds[0], EPOLLIN), 0);
}

static void on_renew(struct loop *l, struct loop_fd *h, uint32_t ev)
{
	struct renewer *r = container_of(h, struct renewer, h);
	char c;

	(void)ev;
	r->calls++;
	/* called only when its own fd is readable */
	assert_int_equal(read(r->fds[0], &c, 1), 1);
	if (r->other) {
		renew(l, r->other);
		r->other->other = NULL;
		r->other = NULL;
	}
}

static void test_readd_in_same_round(void **state)
{
	struct loop l;
	struct renewer a = { .calls = 0 }, b = { .calls = 0 };

	(void)state;
	assert_int_equal(loop_init(&l), 0);
	for (struct renewer *r = &a; r; r = r == &a ? &b : NULL) {
		assert_int_equal(pipe2(r->fds, O_NONBLOCK), 0);
		loop_fd_init(&r->h, on_renew);
		assert_int_equal(loop_fd_add(&l, &r->h, r->fds[0], EPOLLIN), 0);
		assert_int_equal(write(r->fds[1], "x", 1), 1);
	}
	a.other = &b;
	b.other = &a;
	assert_int_equal(loop_once(&l, 1000), 0);
	assert_int_equal(a.calls + b.calls, 1);
	for (struct renewer *r = &a; r; r = r == &a ? &b : NULL) {
		loop_fd_del(&l, &r->h);
		close(r->fds[0]);
		close(r->fds[1]);
	}
	loop_close(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_other_in_same_round),
		cmocka_unit_test(test_readd_in_same_round),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
