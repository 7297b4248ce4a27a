/* Internal to the codec: the checked cursor and the TPDU field helpers
 * that pdu.c builds on. */
#ifndef SMSGATE_CODEC_FIELDS_H
#define SMSGATE_CODEC_FIELDS_H

#include <errno.h>

#include "sms.h"

/* Every read of untrusted octets goes through this. */
struct cursor {
	const uint8_t *p;
	size_t len, pos;
};

static inline size_t cursor_left(const struct cursor *c)
{
	return c->len - c->pos;
}

static inline int cursor_u8(struct cursor *c, uint8_t *v)
{
	if (c->pos >= c->len)
		return -EINVAL;
	*v = c->p[c->pos++];
	return 0;
}

static inline int cursor_take(struct cursor *c, const uint8_t **p, size_t n)
{
	if (cursor_left(c) < n)
		return -EINVAL;
	*p = c->p + c->pos;
	c->pos += n;
	return 0;
}

ssize_t sms_put_address(uint8_t *dst, size_t dstlen, const struct sms_address *a);
ssize_t sms_put_smsc(uint8_t *dst, size_t dstlen, const struct sms_address *a);
ssize_t sms_put_time(uint8_t *dst, size_t dstlen, const struct sms_time *t);
int sms_get_address(struct cursor *c, struct sms_address *a);
int sms_get_smsc(struct cursor *c, struct sms_address *a);
int sms_get_time(struct cursor *c, struct sms_time *t);
void sms_dcs_parse(uint8_t dcs, enum sms_enc *enc, int *msg_class, bool *compressed);

#endif
