/* Addresses on the way out: alphanumeric senders are GSM 7-bit packed
 * (TS 23.040 9.1.2.5), and a digit string with anything but digits is
 * refused instead of being written as garbled semi-octets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sms.h"

static ssize_t deliver_from(const struct sms_address *from, uint8_t *pdu, size_t cap)
{
	struct sms_deliver_opts o = { .from = *from, .scts = { .present = true, .valid = true, .year = 2026,
							      .month = 11, .day = 25, .hour = 1, .minute = 2 } };
	struct sms_plan plan;
	size_t tpdu;

	assert_int_equal(sms_plan_text(&plan, "hi", 2, 0, 1, NULL), 0);
	return sms_deliver_encode(pdu, cap, &tpdu, &o, &plan, "hi", 0);
}

static void test_alphanumeric_sender(void **state)
{
	struct sms_address from = { .toa = 0xd0, .str = "Bank" };
	uint8_t pdu[SMS_PDU_MAX];
	char hex[2 * SMS_PDU_MAX + 1];
	struct sms_pdu p;
	ssize_t n;

	(void)state;
	n = deliver_from(&from, pdu, sizeof(pdu));
	assert_true(n > 0);
	hex_encode(hex, sizeof(hex), pdu, 8);
	/* SMSC 00, first octet 04, 4 septets = 7 semi-octets, TOA D0, "Bank" packed. */
	assert_string_equal(hex, "000407D0C2B07B0D");
	assert_int_equal(sms_pdu_decode(&p, pdu, (size_t)n, true), 0);
	assert_string_equal(p.addr.str, "Bank");
	assert_int_equal(p.addr.toa, 0xd0);
	assert_string_equal(p.text, "hi");
}

static void test_eleven_characters_is_the_limit(void **state)
{
	struct sms_address ok = { .toa = 0xd0, .str = "ABCDEFGHIJK" }, too_long = { .toa = 0xd0, .str = "ABCDEFGHIJKL" };
	uint8_t pdu[SMS_PDU_MAX];
	struct sms_pdu p;
	ssize_t n;

	(void)state;
	n = deliver_from(&ok, pdu, sizeof(pdu));
	assert_true(n > 0);
	assert_int_equal(sms_pdu_decode(&p, pdu, (size_t)n, true), 0);
	assert_string_equal(p.addr.str, "ABCDEFGHIJK");
	assert_int_equal(deliver_from(&too_long, pdu, sizeof(pdu)), -EINVAL);
}

static void test_non_digits_refused(void **state)
{
	struct sms_address bad = { .toa = 0x81, .str = "12ab" }, alpha_bad = { .toa = 0xd0, .str = "日本" };
	uint8_t pdu[SMS_PDU_MAX];

	(void)state;
	assert_int_equal(deliver_from(&bad, pdu, sizeof(pdu)), -EINVAL);
	assert_int_equal(deliver_from(&alpha_bad, pdu, sizeof(pdu)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alphanumeric_sender),
		cmocka_unit_test(test_eleven_characters_is_the_limit),
		cmocka_unit_test(test_non_digits_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
