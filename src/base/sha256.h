/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for signing webhook
 * deliveries without a crypto library, and base64 (RFC 4648 section 4)
 * for the signature's text form. Pure: no allocation, no I/O.
 */
#ifndef SMSGATE_BASE_SHA256_H
#define SMSGATE_BASE_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SHA256_LEN 32
#define SHA256_BLOCK 64

struct sha256 {
	uint32_t h[8];
	uint64_t total;                 /* bytes hashed */
	uint8_t buf[SHA256_BLOCK];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);

/* HMAC-SHA256 over the concatenation of n pieces (so callers need not
 * join "id.timestamp.body" into one buffer). */
struct hmac_piece {
	const void *p;
	size_t len;
};
void hmac_sha256(const void *key, size_t keylen, const struct hmac_piece *pieces, size_t n,
		 uint8_t out[SHA256_LEN]);

/* Standard base64 with padding. Returns the length written (without the
 * NUL it adds), or -ENOBUFS. */
ssize_t base64_encode(char *dst, size_t dstlen, const void *src, size_t len);
/* Decodes standard base64 (padding optional, no whitespace). Returns the
 * byte count, -EINVAL for a character outside the alphabet or a bad
 * length, -ENOBUFS when dst is too small. */
ssize_t base64_decode(void *dst, size_t dstlen, const char *src, size_t len);

#endif
