/*
 * Reassembly of concatenated parts (TS 23.040 9.2.3.24.1 / .8): any order,
 * repeats replace, a full table is -ENOSPC, sets expire by their oldest
 * part, missing parts are counted, and a too-small output frees nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sms.h"
#include "testutil.h"

#define NSLOTS 8
static struct sms_reasm_slot slots[NSLOTS];
static struct sms_reasm r;

static int setup(void **state)
{
	(void)state;
	memset(slots, 0x5A, sizeof slots); /* init must not rely on zeroed memory */
	sms_reasm_init(&r, slots, NSLOTS);
	return 0;
}

static size_t used_slots(void)
{
	size_t n = 0;

	for (size_t i = 0; i < r.nslots; i++)
		n += r.slots[i].used;
	return n;
}

static int add(const char *sender, uint16_t ref, uint8_t total, uint8_t seq, const char *text, int64_t now)
{
	return sms_reasm_add(&r, sender, ref, total, seq, text, strlen(text), now, 0);
}

static struct sms_reasm_key key_of(const char *sender, uint16_t ref, uint8_t total)
{
	struct sms_reasm_key k;

	memset(&k, 0, sizeof k);
	assert_true(strlen(sender) < sizeof k.sender);
	memcpy(k.sender, sender, strlen(sender) + 1);
	k.ref = ref;
	k.total = total;
	return k;
}

static void expect_take(const char *sender, uint16_t ref, uint8_t total, const char *want, unsigned want_missing)
{
	struct sms_reasm_key k = key_of(sender, ref, total);
	char buf[SMS_TEXT_MAX * 4];
	unsigned missing = 99;
	size_t wl = strlen(want);
	ssize_t rc;

	memset(buf, CANARY, sizeof buf);
	rc = sms_reasm_take(&r, &k, buf, sizeof buf, &missing);
	if (rc != (ssize_t)wl || memcmp(buf, want, wl + 1) != 0)
		fail_msg("take %s/%u/%u: rc %zd \"%s\", want \"%s\"", sender, ref, total, rc, rc >= 0 ? buf : "",
			 want);
	assert_int_equal(missing, want_missing);
	assert_canary(buf, wl + 1, sizeof buf);
}

/* every permutation of 3 parts */
static void test_any_order(void **state)
{
	static const uint8_t perms[6][3] = { { 1, 2, 3 }, { 1, 3, 2 }, { 2, 1, 3 }, { 2, 3, 1 }, { 3, 1, 2 }, { 3, 2, 1 } };
	static const char *texts[] = { "", "Hello, ", "w\xc3\xb6rld", " \xe2\x82\xac!" };

	for (size_t p = 0; p < 6; p++) {
		setup(state);
		for (size_t i = 0; i < 3; i++) {
			uint8_t seq = perms[p][i];
			int rc = add("+491701234567", 42, 3, seq, texts[seq], 100 + (int64_t)i);

			if (rc != (i == 2 ? 1 : 0))
				fail_msg("perm %zu, part %u: rc %d", p, seq, rc);
		}
		assert_int_equal(used_slots(), 3);
		expect_take("+491701234567", 42, 3, "Hello, w\xc3\xb6rld \xe2\x82\xac!", 0);
		assert_int_equal(used_slots(), 0);
	}
}

static void test_single_part_set(void **state)
{
	(void)state;
	assert_int_equal(add("+4911", 1, 1, 1, "only", 5), 1);
	expect_take("+4911", 1, 1, "only", 0);
	assert_int_equal(used_slots(), 0);
}

static void test_duplicates_replace(void **state)
{
	(void)state;
	assert_int_equal(add("+4911", 7, 2, 1, "first", 10), 0);
	assert_int_equal(add("+4911", 7, 2, 1, "again", 11), 0);  /* repeat: replaces, still incomplete */
	assert_int_equal(used_slots(), 1);
	assert_int_equal(add("+4911", 7, 2, 2, "+two", 12), 1);
	assert_int_equal(used_slots(), 2);
	/* a repeat of a part of a complete set keeps it complete */
	assert_int_equal(add("+4911", 7, 2, 2, "+TWO", 13), 1);
	assert_int_equal(used_slots(), 2);
	expect_take("+4911", 7, 2, "again+TWO", 0);
	assert_int_equal(used_slots(), 0);
}

static void test_sets_are_separate(void **state)
{
	(void)state;
	/* same ref, different senders; same sender, different refs (16-bit);
	 * same sender and ref, different totals */
	assert_int_equal(add("+491", 5, 2, 1, "A1", 1), 0);
	assert_int_equal(add("+492", 5, 2, 2, "B2", 2), 0);
	assert_int_equal(add("+491", 0x0105, 2, 2, "C2", 3), 0);
	assert_int_equal(add("+491", 5, 3, 2, "D2", 4), 0);
	assert_int_equal(used_slots(), 4);
	assert_int_equal(add("+492", 5, 2, 1, "B1", 5), 1);
	expect_take("+492", 5, 2, "B1B2", 0);
	assert_int_equal(add("+491", 5, 2, 2, "A2", 6), 1);
	expect_take("+491", 5, 2, "A1A2", 0);
	assert_int_equal(used_slots(), 2);
	{
		struct sms_reasm_key k = key_of("+491", 5, 2);
		char buf[64];
		unsigned missing;

		assert_int_equal(sms_reasm_take(&r, &k, buf, sizeof buf, &missing), -ENOENT);
	}
	expect_take("+491", 0x0105, 2, "C2", 1);
	expect_take("+491", 5, 3, "D2", 2);
	assert_int_equal(used_slots(), 0);
}

static void test_missing_counted(void **state)
{
	(void)state;
	assert_int_equal(add("+4911", 9, 5, 1, "one ", 1), 0);
	assert_int_equal(add("+4911", 9, 5, 3, "three ", 2), 0);
	assert_int_equal(add("+4911", 9, 5, 5, "five", 3), 0);
	expect_take("+4911", 9, 5, "one three five", 2);
	assert_int_equal(used_slots(), 0);
}

static void test_invalid(void **state)
{
	char big[SMS_TEXT_MAX + 1];

	(void)state;
	assert_int_equal(add("+4911", 1, 3, 0, "x", 1), -EINVAL);    /* seq 0 */
	assert_int_equal(add("+4911", 1, 3, 4, "x", 1), -EINVAL);    /* seq > total */
	assert_int_equal(add("+4911", 1, 0, 0, "x", 1), -EINVAL);    /* total 0 */
	assert_int_equal(add("+4911", 1, 0, 1, "x", 1), -EINVAL);
	memset(big, 'x', sizeof big);
	assert_int_equal(sms_reasm_add(&r, "+4911", 1, 2, 1, big, SMS_TEXT_MAX, 1, 0), -EINVAL);
	assert_int_equal(used_slots(), 0);
	/* a sender that does not fit a slot (SMS_ADDR_STR_MAX with its NUL) */
	{
		char sender[SMS_ADDR_STR_MAX + 1];

		memset(sender, '1', sizeof sender);
		sender[SMS_ADDR_STR_MAX] = '\0';
		assert_int_equal(add(sender, 1, 2, 1, "x", 1), -EINVAL);
		sender[SMS_ADDR_STR_MAX - 1] = '\0';
		assert_int_equal(add(sender, 1, 2, 1, "x", 1), 0);
		expect_take(sender, 1, 2, "x", 1);
	}
	assert_int_equal(used_slots(), 0);
	/* the longest text of a part fits */
	assert_int_equal(sms_reasm_add(&r, "+4911", 1, 2, 1, big, SMS_TEXT_MAX - 1, 1, 0), 0);
	assert_int_equal(used_slots(), 1);
	/* 255 parts is a valid set */
	assert_int_equal(add("+4911", 2, 255, 255, "last", 1), 0);
}

static void test_nospc(void **state)
{
	char t[8] = "p0";

	(void)state;
	for (int i = 0; i < NSLOTS; i++) {
		t[1] = (char)('0' + i);
		assert_int_equal(add("+4911", (uint16_t)(100 + i), 2, 1, t, i), 0);
	}
	assert_int_equal(used_slots(), NSLOTS);
	assert_int_equal(add("+4911", 999, 2, 1, "no room", 50), -ENOSPC);
	/* a repeat of a stored part still fits: it replaces */
	assert_int_equal(add("+4911", 103, 2, 1, "P3", 51), 0);
	/* the second part of a stored set does not: no slot for it */
	assert_int_equal(add("+4911", 103, 2, 2, "x", 52), -ENOSPC);
	assert_int_equal(used_slots(), NSLOTS);
	/* taking a set frees its slot for the next one */
	expect_take("+4911", 103, 2, "P3", 1);
	assert_int_equal(add("+4911", 999, 2, 1, "room", 53), 0);
	assert_int_equal(used_slots(), NSLOTS);
}

static void test_nobufs_frees_nothing(void **state)
{
	struct sms_reasm_key k = key_of("+4911", 77, 2);
	char buf[32];
	unsigned missing = 0;

	(void)state;
	assert_int_equal(add("+4911", 77, 2, 2, "world", 1), 0);
	assert_int_equal(add("+4911", 77, 2, 1, "hello ", 2), 1);
	/* 11 bytes + NUL = 12 */
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(sms_reasm_take(&r, &k, buf, 11, &missing), -ENOBUFS);
	assert_canary(buf, 11, sizeof buf);
	assert_int_equal(used_slots(), 2);
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(sms_reasm_take(&r, &k, buf, 0, &missing), -ENOBUFS);
	assert_canary(buf, 0, sizeof buf);
	assert_int_equal(used_slots(), 2);
	/* exact fit */
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(sms_reasm_take(&r, &k, buf, 12, &missing), 11);
	assert_string_equal(buf, "hello world");
	assert_int_equal(missing, 0);
	assert_canary(buf, 12, sizeof buf);
	assert_int_equal(used_slots(), 0);
	assert_int_equal(sms_reasm_take(&r, &k, buf, sizeof buf, &missing), -ENOENT);
}

static void test_expiry(void **state)
{
	struct sms_reasm_key k;

	(void)state;
	memset(&k, 0, sizeof k);
	assert_int_equal(sms_reasm_expired(&r, 1000, 60, &k), 0);       /* empty table */
	assert_int_equal(add("+4911", 3, 3, 2, "b", 100), 0);
	assert_int_equal(add("+4911", 3, 3, 1, "a", 150), 0);
	/* the set's oldest part arrived at 100 */
	assert_int_equal(sms_reasm_expired(&r, 159, 60, &k), 0);
	assert_int_equal(sms_reasm_expired(&r, 160, 60, &k), 1);        /* 100 <= 160 - 60 */
	assert_string_equal(k.sender, "+4911");
	assert_int_equal(k.ref, 3);
	assert_int_equal(k.total, 3);
	/* expired() only reports; the caller takes (with the gap counted) */
	assert_int_equal(used_slots(), 2);
	expect_take(k.sender, k.ref, k.total, "ab", 1);
	assert_int_equal(sms_reasm_expired(&r, 10000, 60, &k), 0);
}

static void test_expiry_picks_the_old_set(void **state)
{
	struct sms_reasm_key k;

	(void)state;
	assert_int_equal(add("+young", 1, 2, 1, "y", 500), 0);
	assert_int_equal(add("+old", 2, 2, 1, "o", 100), 0);
	assert_int_equal(add("+young", 1, 2, 2, "z", 510), 1);
	memset(&k, 0, sizeof k);
	assert_int_equal(sms_reasm_expired(&r, 400, 300, &k), 1);
	assert_string_equal(k.sender, "+old");
	assert_int_equal(k.ref, 2);
	assert_int_equal(k.total, 2);
	expect_take("+old", 2, 2, "o", 1);
	assert_int_equal(sms_reasm_expired(&r, 400, 300, &k), 0);
	/* negative clocks work too (the caller's clock, any epoch) */
	assert_int_equal(add("+neg", 9, 2, 1, "n", -1000), 0);
	assert_int_equal(sms_reasm_expired(&r, -1, 998, &k), 1);
	assert_string_equal(k.sender, "+neg");
}

static void test_long_set(void **state)
{
	/* 8 slots, 8 parts of a 255-part set: 247 missing */
	char want[64] = "";
	size_t wl = 0;

	(void)state;
	for (int i = 8; i >= 1; i--) {
		char t[2] = { (char)('A' + i - 1), '\0' };

		assert_int_equal(add("+4911", 0xFFFF, 255, (uint8_t)(i * 30), t, i), 0);
	}
	for (int i = 1; i <= 8; i++)
		want[wl++] = (char)('A' + i - 1);
	want[wl] = '\0';
	expect_take("+4911", 0xFFFF, 255, want, 247);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_any_order, setup),
		cmocka_unit_test_setup(test_single_part_set, setup),
		cmocka_unit_test_setup(test_duplicates_replace, setup),
		cmocka_unit_test_setup(test_sets_are_separate, setup),
		cmocka_unit_test_setup(test_missing_counted, setup),
		cmocka_unit_test_setup(test_invalid, setup),
		cmocka_unit_test_setup(test_nospc, setup),
		cmocka_unit_test_setup(test_nobufs_frees_nothing, setup),
		cmocka_unit_test_setup(test_expiry, setup),
		cmocka_unit_test_setup(test_expiry_picks_the_old_set, setup),
		cmocka_unit_test_setup(test_long_set, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
