/*
 * What the unit tests share: output buffers pre-filled with a canary byte
 * that must survive past the result, and the tests' own hex reader, so
 * that the codec's tests do not lean on hex_decode (the code under test).
 */
#ifndef SMSGATE_TESTUTIL_H
#define SMSGATE_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#define CANARY 0xA5

/* Fails the test unless buf[from..to) still holds CANARY. */
void assert_canary(const void *buf, size_t from, size_t to);
/* Hex digits to bytes, spaces allowed for readability; at most cap bytes.
 * Fails the test on anything else. */
size_t unhex(uint8_t *dst, size_t cap, const char *hex);
/* Fails the test, showing both in hex, unless got[0..n) is want_hex. */
void assert_hex_equal(const uint8_t *got, size_t n, const char *want_hex, const char *what);

#endif
