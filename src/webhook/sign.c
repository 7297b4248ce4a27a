#include "sign.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sha256.h"

#define PREFIX "whsec_"

ssize_t webhook_secret_key(uint8_t *key, size_t cap, const char *secret)
{
	size_t n = strlen(secret);

	if (strncmp(secret, PREFIX, strlen(PREFIX)) == 0) {
		ssize_t k = base64_decode(key, cap, secret + strlen(PREFIX), n - strlen(PREFIX));

		return k == 0 ? -EINVAL : k;
	}
	if (n == 0)
		return -EINVAL;
	if (n > cap)
		return -ENOBUFS;
	memcpy(key, secret, n);
	return (ssize_t)n;
}

void webhook_sign(char out[WEBHOOK_SIG_SIZE], const uint8_t *key, size_t keylen, const char *id, int64_t timestamp,
		  const char *body, size_t len)
{
	char ts[24];
	uint8_t mac[SHA256_LEN];
	struct hmac_piece pieces[] = {
		{ id, strlen(id) }, { ".", 1 }, { ts, 0 }, { ".", 1 }, { body, len },
	};

	pieces[2].len = (size_t)snprintf(ts, sizeof(ts), "%" PRId64, timestamp);
	hmac_sha256(key, keylen, pieces, sizeof(pieces) / sizeof(pieces[0]), mac);
	memcpy(out, "v1,", 3);
	base64_encode(out + 3, WEBHOOK_SIG_SIZE - 3, mac, sizeof(mac));
}
