/* The JSON-lines log: one object per line, written with one write(2) on
 * an O_APPEND fd so that a reader never sees half a line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "modemsim.h"

int ms_log_open(struct ms_log *lg, const char *path)
{
	lg->fd = -1;
	if (!path)
		return 0;
	lg->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	return lg->fd < 0 ? -errno : 0;
}

void ms_log_close(struct ms_log *lg)
{
	if (lg->fd >= 0)
		close(lg->fd);
	lg->fd = -1;
}

static void log__timestamp(char *dst, size_t dstlen)
{
	struct timeval tv;
	struct tm tm;
	char base[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	if (strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		base[0] = '\0';
	if ((size_t)snprintf(dst, dstlen, "%s.%03ldZ", base, (long)(tv.tv_usec / 1000)) >= dstlen)
		dst[0] = '\0';
}

void ms_log_event(struct ms_log *lg, const char *ev, json_object *obj)
{
	char ts[48];
	const char *s;
	size_t n;

	if (!obj)
		return;
	if (lg->fd < 0) {
		json_object_put(obj);
		return;
	}
	log__timestamp(ts, sizeof(ts));
	json_object *line = json_object_new_object();

	json_object_object_add(line, "ts", json_object_new_string(ts));
	json_object_object_add(line, "ev", json_object_new_string(ev));
	json_object_object_foreach(obj, key, val)
		json_object_object_add(line, key, json_object_get(val));
	json_object_put(obj);
	s = json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(s);
	/* One writev on an O_APPEND file: the line lands whole. */
	struct iovec iov[2] = { { (void *)s, n }, { "\n", 1 } };

	if (writev(lg->fd, iov, 2) < 0)
		fprintf(stderr, "smsgate-modemsim: log: %s\n", strerror(errno));
	json_object_put(line);
}

static json_object *log__time(const struct sms_time *t)
{
	char s[40];

	if (!t->present)
		return NULL;
	if (!t->valid || sms_time_format(s, sizeof(s), t) < 0)
		return json_object_new_string("invalid");
	return json_object_new_string(s);
}

void ms_log_pdu_fields(json_object *o, const struct sms_pdu *p)
{
	json_object_object_add(o, "type", json_object_new_string(sms_type_name(p->type)));
	if (p->has_smsc && p->smsc.str[0])
		json_object_object_add(o, "smsc", json_object_new_string(p->smsc.str));
	json_object_object_add(o, p->type == SMS_SUBMIT ? "to" : p->type == SMS_DELIVER ? "from" : "recipient",
			       json_object_new_string(p->addr.str));
	json_object_object_add(o, "toa", json_object_new_int(p->addr.toa));
	if (p->type == SMS_STATUS_REPORT) {
		json_object_object_add(o, "mr", json_object_new_int(p->mr));
		json_object_object_add(o, "status", json_object_new_int(p->status));
		json_object_object_add(o, "scts", log__time(&p->scts));
		json_object_object_add(o, "discharge", log__time(&p->discharge));
		return;
	}
	json_object_object_add(o, "pid", json_object_new_int(p->pid));
	json_object_object_add(o, "dcs", json_object_new_int(p->dcs));
	json_object_object_add(o, "enc", json_object_new_string(sms_enc_name(p->enc)));
	if (p->msg_class >= 0)
		json_object_object_add(o, "class", json_object_new_int(p->msg_class));
	json_object_object_add(o, "text", json_object_new_string_len(p->text, (int)p->text_len));
	if (p->enc == SMS_ENC_8BIT || p->compressed) {
		char hex[2 * SMS_UD_MAX + 1];

		if (hex_encode(hex, sizeof(hex), p->data, p->data_len) >= 0)
			json_object_object_add(o, "data", json_object_new_string(hex));
	}
	if (p->udh.present) {
		json_object *u = json_object_new_object();

		json_object_object_add(u, "length", json_object_new_int(p->udh.length));
		if (p->udh.concat) {
			json_object_object_add(u, "ref", json_object_new_int(p->udh.ref));
			json_object_object_add(u, "ref16", json_object_new_boolean(p->udh.concat16));
			json_object_object_add(u, "total", json_object_new_int(p->udh.total));
			json_object_object_add(u, "seq", json_object_new_int(p->udh.seq));
		}
		if (p->udh.ports) {
			json_object_object_add(u, "dst_port", json_object_new_int(p->udh.dst_port));
			json_object_object_add(u, "src_port", json_object_new_int(p->udh.src_port));
		}
		json_object_object_add(o, "udh", u);
	}
	if (p->type == SMS_SUBMIT) {
		json_object_object_add(o, "srr", json_object_new_boolean(p->srr));
		json_object_object_add(o, "vpf", json_object_new_int(p->vpf));
		if (p->vpf == 2)
			json_object_object_add(o, "validity_minutes",
					       json_object_new_int64((int64_t)sms_vp_to_minutes(p->vp[0])));
		else if (p->vpf == 3)
			json_object_object_add(o, "validity_until", log__time(&p->scts));
	} else {
		json_object_object_add(o, "sri", json_object_new_boolean(p->srr));
		json_object_object_add(o, "scts", log__time(&p->scts));
	}
	if (p->replaced)
		json_object_object_add(o, "replaced", json_object_new_int((int)p->replaced));
}
