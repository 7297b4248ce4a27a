/* Alert-storm control (src/daemon/limit.c): exact verdicts over time with
 * an injected clock, bounded tables, the allow-list matcher. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/daemon/limit.c"

/* limit.c's neighbours in smsgated, not under test here. */
int gw_enqueue(struct gateway *gw, const char *id, const struct msg_record *rec, const struct outmsg *m)
{
	(void)gw, (void)id, (void)rec, (void)m;
	return 0;
}

void gw_finish_claimed(struct gateway *gw, struct msg_record *rec)
{
	(void)gw, (void)rec;
}

static struct gw_limit lim;
static char why[128];

#define S 1000 /* ms */

static enum gw_verdict check(const struct config_gateway *c, const char *to, const char *text, int64_t now)
{
	why[0] = '\0';
	return gw_limit_check(&lim, c, to, text, strlen(text), now, why, sizeof(why));
}

static void test_rate_window(void **state)
{
	struct config_gateway c = { .rate_limit = { 3, 60 } };
	int64_t t0 = 5 * S;

	(void)state;
	memset(&lim, 0, sizeof(lim));
	assert_int_equal(check(&c, "+491", "a", t0), GW_ADMIT);
	assert_int_equal(check(&c, "+491", "b", t0 + 10 * S), GW_ADMIT);
	assert_int_equal(check(&c, "+491", "c", t0 + 20 * S), GW_ADMIT);
	assert_int_equal(check(&c, "+491", "d", t0 + 30 * S), GW_SUPPRESS_RATE);
	assert_string_equal(why, "suppressed: rate limit of 3 per 1m reached for +491 (rate_limit)");
	assert_int_equal(check(&c, "+492", "d", t0 + 30 * S), GW_ADMIT); /* its own budget */
	/* A suppressed one does not count: the first leaves the window at t0+60 s. */
	assert_int_equal(check(&c, "+491", "e", t0 + 60 * S - 1), GW_SUPPRESS_RATE);
	assert_int_equal(check(&c, "+491", "f", t0 + 60 * S), GW_ADMIT);
	assert_int_equal(check(&c, "+491", "g", t0 + 65 * S), GW_SUPPRESS_RATE);
	assert_int_equal(check(&c, "+491", "h", t0 + 70 * S), GW_ADMIT);
	assert_int_equal(lim.suppressed_rate, 3);
	assert_int_equal(lim.suppressed_duplicate, 0);
}

static void test_duplicates(void **state)
{
	struct config_gateway c = { .suppress_duplicates = 600 };
	int64_t t0 = 5 * S;

	(void)state;
	memset(&lim, 0, sizeof(lim));
	assert_int_equal(check(&c, "+491", "disk full", t0), GW_ADMIT);
	assert_int_equal(check(&c, "+491", "disk full", t0 + 599 * S), GW_SUPPRESS_DUPLICATE);
	assert_string_equal(why, "suppressed: the same text to +491 within 10m (suppress_duplicates)");
	assert_int_equal(check(&c, "+491", "disk fulL", t0 + 1 * S), GW_ADMIT);
	assert_int_equal(check(&c, "+492", "disk full", t0 + 1 * S), GW_ADMIT);
	/* The window runs from the last one let through: once per window. */
	assert_int_equal(check(&c, "+491", "disk full", t0 + 600 * S), GW_ADMIT);
	assert_int_equal(check(&c, "+491", "disk full", t0 + 1199 * S), GW_SUPPRESS_DUPLICATE);
	assert_int_equal(lim.suppressed_duplicate, 2);
}

/* Both on: a duplicate is not counted against the rate; a rate-suppressed
 * text does not start a duplicate window. */
static void test_both(void **state)
{
	struct config_gateway c = { .rate_limit = { 1, 3600 }, .suppress_duplicates = 60 };

	(void)state;
	memset(&lim, 0, sizeof(lim));
	assert_int_equal(check(&c, "+491", "x", 1 * S), GW_ADMIT);
	assert_int_equal(check(&c, "+491", "x", 2 * S), GW_SUPPRESS_DUPLICATE);
	assert_int_equal(check(&c, "+491", "y", 3 * S), GW_SUPPRESS_RATE);
	assert_int_equal(check(&c, "+491", "y", 4 * S), GW_SUPPRESS_RATE);
	assert_int_equal(check(&c, "+491", "x", 120 * S), GW_SUPPRESS_RATE);
}

/* More recipients than slots: memory stays fixed, the stalest give way,
 * and the newest keep their budget exactly. */
static void test_bounded(void **state)
{
	struct config_gateway c = { .rate_limit = { 1, 3600 } };
	char to[24];

	(void)state;
	memset(&lim, 0, sizeof(lim));
	for (int i = 0; i < 4 * GW_LIMIT_RECIPIENTS; i++) {
		snprintf(to, sizeof(to), "+49%d", i);
		assert_int_equal(check(&c, to, "t", 10 * S + i), GW_ADMIT);
	}
	snprintf(to, sizeof(to), "+49%d", 4 * GW_LIMIT_RECIPIENTS - 1);
	assert_int_equal(check(&c, to, "u", 20 * S), GW_SUPPRESS_RATE);
}

static void test_off(void **state)
{
	struct config_gateway c = { 0 };

	(void)state;
	memset(&lim, 0, sizeof(lim));
	for (int i = 0; i < 100; i++)
		assert_int_equal(check(&c, "+491", "same", 1 * S), GW_ADMIT);
}

static void test_allow(void **state)
{
	static const char p[][CONFIG_PHONE_SIZE] = { "+49", "+43", "112" };

	(void)state;
	assert_true(smsfile_number_allowed("+4917012", 8, p[0], sizeof(p[0]), 3));
	assert_true(smsfile_number_allowed("004917012", 9, p[0], sizeof(p[0]), 3));
	assert_true(smsfile_number_allowed("4917012", 7, p[0], sizeof(p[0]), 3));
	assert_true(smsfile_number_allowed("+43699", 6, p[0], sizeof(p[0]), 3));
	assert_true(smsfile_number_allowed("112", 3, p[0], sizeof(p[0]), 3));
	assert_false(smsfile_number_allowed("+15551", 6, p[0], sizeof(p[0]), 3));
	assert_false(smsfile_number_allowed("017012", 6, p[0], sizeof(p[0]), 3));
	assert_false(smsfile_number_allowed("+4", 2, p[0], sizeof(p[0]), 3));
	assert_false(smsfile_number_allowed("", 0, p[0], sizeof(p[0]), 3));
	assert_true(smsfile_number_allowed("+15551", 6, p[0], sizeof(p[0]), 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_window), cmocka_unit_test(test_duplicates), cmocka_unit_test(test_both),
		cmocka_unit_test(test_bounded),     cmocka_unit_test(test_off),        cmocka_unit_test(test_allow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
