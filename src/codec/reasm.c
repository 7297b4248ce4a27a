/* Joining concatenated parts (TS 23.040 9.2.3.24.1) that arrive in any
 * order. A set is keyed by sender, reference and total count: the
 * reference alone repeats every 256 messages and is per sender. Storage
 * is the caller's array of slots, one part each. */
#include <errno.h>
#include <string.h>

#include "sms.h"

void sms_reasm_init(struct sms_reasm *r, struct sms_reasm_slot *slots, size_t nslots)
{
	r->slots = slots;
	r->nslots = nslots;
	memset(slots, 0, nslots * sizeof(*slots));
}

static bool slot_in_set(const struct sms_reasm_slot *s, const char *sender, uint16_t ref, uint8_t total)
{
	return s->used && s->ref == ref && s->total == total && strcmp(s->sender, sender) == 0;
}

int sms_reasm_add(struct sms_reasm *r, const char *sender, uint16_t ref, uint8_t total, uint8_t seq,
		  const char *text, size_t len, int64_t now, uint32_t cookie)
{
	struct sms_reasm_slot *free_slot = NULL, *slot = NULL;
	unsigned have = 0;

	if (total == 0 || seq == 0 || seq > total || len >= sizeof(r->slots[0].text) ||
	    strlen(sender) >= sizeof(r->slots[0].sender))
		return -EINVAL;
	for (size_t i = 0; i < r->nslots; i++) {
		struct sms_reasm_slot *s = &r->slots[i];

		if (!s->used) {
			if (!free_slot)
				free_slot = s;
		} else if (slot_in_set(s, sender, ref, total)) {
			if (s->seq == seq)
				slot = s; /* a repeat replaces the earlier copy */
			else
				have++;
		}
	}
	if (!slot)
		slot = free_slot;
	if (!slot)
		return -ENOSPC;
	memset(slot, 0, sizeof(*slot));
	slot->used = true;
	memcpy(slot->sender, sender, strlen(sender) + 1);
	slot->ref = ref;
	slot->total = total;
	slot->seq = seq;
	slot->arrived = now;
	slot->cookie = cookie;
	slot->len = len;
	memcpy(slot->text, text, len);
	slot->text[len] = '\0';
	return have + 1 == total ? 1 : 0;
}

ssize_t sms_reasm_take(struct sms_reasm *r, const struct sms_reasm_key *key, char *dst, size_t dstlen,
		       unsigned *missing)
{
	struct sms_reasm_slot *by_seq[SMS_CONCAT_MAX + 1] = { 0 };
	size_t out = 0;
	unsigned gaps = 0;
	bool found = false;

	for (size_t i = 0; i < r->nslots; i++) {
		struct sms_reasm_slot *s = &r->slots[i];

		if (slot_in_set(s, key->sender, key->ref, key->total)) {
			by_seq[s->seq] = s;
			found = true;
		}
	}
	if (!found)
		return -ENOENT;
	for (unsigned seq = 1; seq <= key->total; seq++) {
		if (!by_seq[seq]) {
			gaps++;
			continue;
		}
		if (dstlen - out <= by_seq[seq]->len)
			return -ENOBUFS;
		memcpy(dst + out, by_seq[seq]->text, by_seq[seq]->len);
		out += by_seq[seq]->len;
	}
	if (out >= dstlen)
		return -ENOBUFS;
	dst[out] = '\0';
	for (unsigned seq = 1; seq <= key->total; seq++) {
		if (by_seq[seq])
			memset(by_seq[seq], 0, sizeof(*by_seq[seq]));
	}
	if (missing)
		*missing = gaps;
	return (ssize_t)out;
}

int sms_reasm_expired(const struct sms_reasm *r, int64_t now, int64_t max_age, struct sms_reasm_key *key)
{
	const struct sms_reasm_slot *oldest = NULL;

	for (size_t i = 0; i < r->nslots; i++) {
		const struct sms_reasm_slot *s = &r->slots[i];

		if (s->used && now - s->arrived >= max_age && (!oldest || s->arrived < oldest->arrived))
			oldest = s;
	}
	if (!oldest)
		return 0;
	memcpy(key->sender, oldest->sender, sizeof(key->sender));
	key->ref = oldest->ref;
	key->total = oldest->total;
	return 1;
}
