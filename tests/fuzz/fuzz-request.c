/* A message request as the HTTP layer reads it, on any bytes. The first
 * byte picks the door (JSON body, REST form, Kannel form); the rest is the
 * body. Whatever req_prepare accepts must come back from smsfile_parse as
 * exactly what was asked: the same recipient, no header line the request
 * did not ask for (a newline in a number or a text never forges one), the
 * part cap kept. */
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "smsfile.h"

#define MAX_PARTS 10

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_files(const struct msg_req *m, const struct msg_files *out)
{
	static struct smsfile_msg f;

	if (out->n != m->nto || out->parts == 0 || out->parts > MAX_PARTS)
		abort();
	for (unsigned i = 0; i < out->n; i++) {
		size_t cap = SMSFILE_TEXT_CAP(out->len[i]), want = 2u + m->flash + m->report + m->high + (m->validity_min > 0);
		char *text = malloc(cap);
		const char *to = m->to[i];
		size_t to_len = m->to_len[i];

		if (smsfile_parse(&f, out->data[i], out->len[i], text, cap) < 0)
			abort();
		/* To: and Alphabet: plus the options asked for, nothing else. */
		if (f.nheaders != want || f.flash != m->flash || (f.report == 1) != m->report ||
		    f.priority_high != m->high || f.nparts != out->parts)
			abort();
		/* smsd's rules: "+49..", "0049.." and bare "49.." are all +49..;
		 * "0..." is national. The digits are the asked-for ones. */
		const char *got = f.to.str[0] == '+' ? f.to.str + 1 : f.to.str;

		if (to[0] == '+') {
			to++;
			to_len--;
		} else if (f.to.str[0] == '+' && to_len > 2 && to[0] == '0' && to[1] == '0') {
			to += 2;
			to_len -= 2;
		}
		if (strlen(got) != to_len || memcmp(got, to, to_len) != 0)
			abort();
		free(text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_req m = { .nto = 0 };
	struct msg_files out;
	char why[200];
	json_object *o = NULL;
	char *buf;
	struct form f = { .n = 0 };
	int rc = -1;

	if (size < 1)
		return 0;
	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0: {
		struct json_tokener *tok = json_tokener_new();

		o = json_tokener_parse_ex(tok, buf, (int)(size - 1));
		json_tokener_free(tok);
		if (o)
			rc = req_from_json(o, &m, why, sizeof(why));
		break;
	}
	case 1:
		if (form_parse(&f, buf, size - 1) == 0)
			rc = req_from_form(&f, &m, why, sizeof(why));
		break;
	default:
		if (form_parse(&f, buf, size - 1) == 0)
			rc = req_from_kannel(&f, &m, why, sizeof(why));
		break;
	}
	if (rc == 0 && m.client_id) {
		char name[160];

		req_client_file(m.client_id, name, sizeof(name));
	}
	if (rc == 0 && req_prepare(&m, MAX_PARTS, &out, why, sizeof(why)) == 0) {
		check_files(&m, &out);
		req_files_free(&out);
	}
	req_free(&m);
	json_object_put(o);
	free(buf);
	return 0;
}
