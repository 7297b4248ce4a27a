/* SHA-256 against FIPS 180-4's examples (one block, empty, two blocks, a
 * million 'a' fed in odd chunks), HMAC-SHA256 against RFC 4231, base64
 * against RFC 4648 section 10, and the bad inputs of the decoder. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"
#include "util.h"

static void hex(char out[2 * SHA256_LEN + 1], const uint8_t d[SHA256_LEN])
{
	for (int i = 0; i < SHA256_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_sha(const char *msg, const char *want)
{
	struct sha256 s;
	uint8_t d[SHA256_LEN];
	char got[2 * SHA256_LEN + 1];

	sha256_init(&s);
	sha256_update(&s, msg, strlen(msg));
	sha256_final(&s, d);
	hex(got, d);
	assert_string_equal(got, want);
}

static void test_fips_examples(void **state)
{
	(void)state;
	check_sha("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a_in_odd_chunks(void **state)
{
	static char a[1000];
	struct sha256 s;
	uint8_t d[SHA256_LEN];
	char got[2 * SHA256_LEN + 1];
	size_t left = 1000000, chunk = 1;

	(void)state;
	memset(a, 'a', sizeof(a));
	sha256_init(&s);
	while (left) {
		size_t n = chunk < left ? chunk : left;

		sha256_update(&s, a, n);
		left -= n;
		chunk = chunk * 7 % 997 + 1; /* 1..997: every offset within a block */
	}
	sha256_final(&s, d);
	hex(got, d);
	assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void check_hmac(const void *key, size_t keylen, const char *msg, const char *want)
{
	uint8_t d[SHA256_LEN];
	char got[2 * SHA256_LEN + 1];
	size_t half = strlen(msg) / 2;
	struct hmac_piece one[] = { { msg, strlen(msg) } };
	struct hmac_piece two[] = { { msg, half }, { msg + half, strlen(msg) - half } };

	hmac_sha256(key, keylen, one, 1, d);
	hex(got, d);
	assert_string_equal(got, want);
	hmac_sha256(key, keylen, two, 2, d);
	hex(got, d);
	assert_string_equal(got, want);
}

static void test_rfc4231(void **state)
{
	uint8_t k1[20], k6[131];

	(void)state;
	memset(k1, 0x0b, sizeof(k1));
	memset(k6, 0xaa, sizeof(k6));
	check_hmac(k1, sizeof(k1), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	check_hmac("Jefe", 4, "what do ya want for nothing?",
		   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* test case 6: a key longer than the block is hashed first */
	check_hmac(k6, sizeof(k6), "Test Using Larger Than Block-Size Key - Hash Key First",
		   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_base64_rfc4648(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char out[16];
	uint8_t back[16];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++) {
		assert_int_equal(base64_encode(out, sizeof(out), plain[i], strlen(plain[i])), strlen(coded[i]));
		assert_string_equal(out, coded[i]);
		assert_int_equal(base64_decode(back, sizeof(back), coded[i], strlen(coded[i])), strlen(plain[i]));
		assert_memory_equal(back, plain[i], strlen(plain[i]));
	}
	/* no room for the NUL; a character outside the alphabet; an impossible length */
	assert_int_equal(base64_encode(out, 8, "foobar", 6), -ENOBUFS);
	assert_int_equal(base64_decode(back, sizeof(back), "Zm9v\n", 5), -EINVAL);
	assert_int_equal(base64_decode(back, sizeof(back), "Zm9vY", 5), -EINVAL);
	assert_int_equal(base64_decode(back, sizeof(back), "Zm-v", 4), -EINVAL);
	assert_int_equal(base64_decode(back, 2, "Zm9v", 4), -ENOBUFS);
	/* unpadded input is accepted */
	assert_int_equal(base64_decode(back, sizeof(back), "Zg", 2), 1);
	assert_int_equal(back[0], 'f');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_examples),
		cmocka_unit_test(test_million_a_in_odd_chunks),
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_base64_rfc4648),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
