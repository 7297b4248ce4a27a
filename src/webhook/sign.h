/*
 * Webhook signatures as the Standard Webhooks specification defines them
 * (www.standardwebhooks.com): headers webhook-id, webhook-timestamp (unix
 * seconds) and webhook-signature "v1,BASE64", where BASE64 is the
 * HMAC-SHA256 of "ID.TIMESTAMP.BODY" under the secret. A receiver checks
 * the HMAC and refuses timestamps too far from its clock (replays).
 * Pure: no allocation, no I/O.
 */
#ifndef SMSGATE_WEBHOOK_SIGN_H
#define SMSGATE_WEBHOOK_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WEBHOOK_KEY_MAX 128
#define WEBHOOK_SIG_SIZE 48             /* "v1," + 44 base64 characters + NUL */

/* The HMAC key of a configured secret: "whsec_BASE64" is decoded (the
 * specification's form, what its libraries expect); anything else is
 * used as its bytes. Returns the key length, or -EINVAL (bad base64 after
 * whsec_, or empty) / -ENOBUFS (longer than cap). */
ssize_t webhook_secret_key(uint8_t *key, size_t cap, const char *secret);

/* "v1,BASE64" into out (WEBHOOK_SIG_SIZE bytes). */
void webhook_sign(char out[WEBHOOK_SIG_SIZE], const uint8_t *key, size_t keylen, const char *id, int64_t timestamp,
		  const char *body, size_t len);

#endif
