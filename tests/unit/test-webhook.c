/* Webhook pieces without the network: the secret's forms, the Standard
 * Webhooks signature (the specification's own example), the event body
 * byte for byte, and the outbox on a real directory (order, restart,
 * leftovers of a crash, the max_queued cap, a damaged event). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "durable.h"
#include "event.h"
#include "outbox.h"
#include "sign.h"
#include "util.h"

static void test_secret_forms(void **state)
{
	uint8_t key[WEBHOOK_KEY_MAX];

	(void)state;
	/* whsec_ + base64: the decoded bytes */
	assert_int_equal(webhook_secret_key(key, sizeof(key), "whsec_AAECAwQ="), 5);
	assert_memory_equal(key, "\x00\x01\x02\x03\x04", 5);
	/* anything else: its own bytes */
	assert_int_equal(webhook_secret_key(key, sizeof(key), "correct-horse"), 13);
	assert_memory_equal(key, "correct-horse", 13);
	assert_int_equal(webhook_secret_key(key, sizeof(key), "whsec_not base64!"), -EINVAL);
	assert_int_equal(webhook_secret_key(key, sizeof(key), "whsec_"), -EINVAL);
	assert_int_equal(webhook_secret_key(key, sizeof(key), ""), -EINVAL);
	assert_int_equal(webhook_secret_key(key, 4, "12345"), -ENOBUFS);
}

static void test_standard_webhooks_example(void **state)
{
	/* The example of the Standard Webhooks specification's libraries. */
	static const char body[] = "{\"test\": 2432232314}";
	uint8_t key[WEBHOOK_KEY_MAX];
	char sig[WEBHOOK_SIG_SIZE];
	ssize_t n = webhook_secret_key(key, sizeof(key), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

	(void)state;
	assert_int_equal(n, 24);
	webhook_sign(sig, key, (size_t)n, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body));
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* one byte of the body changed: another signature */
	webhook_sign(sig, key, (size_t)n, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232315}",
		     strlen(body));
	assert_string_not_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

static void test_event_names_and_body(void **state)
{
	json_object *data = json_object_new_object();
	size_t len = 0;
	char *body;

	(void)state;
	assert_string_equal(webhook_event_name(WEBHOOK_RECEIVED), "sms.received");
	assert_string_equal(webhook_event_name(WEBHOOK_FAILED), "sms.failed");
	assert_int_equal(webhook_event_parse("sms.delivered"), WEBHOOK_DELIVERED);
	assert_int_equal(webhook_event_parse("sms.sent"), WEBHOOK_SENT);
	assert_int_equal(webhook_event_parse("SMS.SENT"), -1);
	json_object_object_add(data, "id", json_object_new_string("1a210e507f5100000001"));
	json_object_object_add(data, "text", json_object_new_string("a/b \"ü\""));
	body = webhook_event_body(WEBHOOK_SENT, 1795579782, data, &len);
	assert_string_equal(body, "{\"type\":\"sms.sent\",\"timestamp\":\"2026-11-25T04:09:42Z\","
				  "\"data\":{\"id\":\"1a210e507f5100000001\",\"text\":\"a/b \\\"ü\\\"\"}}");
	assert_int_equal(len, strlen(body));
	free(body);
	json_object_put(data);
}

struct box_fixture {
	char dir[64];
	int root;
};

static int box_setup(void **state)
{
	static struct box_fixture f;

	snprintf(f.dir, sizeof(f.dir), "/tmp/test-webhook-XXXXXX");
	if (!mkdtemp(f.dir))
		return -1;
	f.root = open(f.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = &f;
	return f.root < 0 ? -1 : 0;
}

static int box_teardown(void **state)
{
	struct box_fixture *f = *state;
	char cmd[96];

	close(f->root);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void expect_head(struct outbox *o, const char *want_id, const char *want_body)
{
	const char *id;
	char *body;

	assert_int_equal(outbox_peek(o, &id, &body), strlen(want_body));
	assert_string_equal(id, want_id);
	assert_string_equal(body, want_body);
	free(body);
}

static void test_outbox(void **state)
{
	struct box_fixture *f = *state;
	struct outbox o;
	const char *id;
	char *body, path[128];

	assert_int_equal(outbox_open(&o, f->root, "main", 3, 0), 0);
	assert_int_equal(outbox_peek(&o, &id, &body), -ENOENT);
	assert_int_equal(outbox_add(&o, "00000000000000000002", "two", 3), 0);
	assert_int_equal(outbox_add(&o, "00000000000000000003", "three", 5), 0);
	assert_int_equal(outbox_add(&o, "0000000000000000002", "short id", 8), -EINVAL);
	expect_head(&o, "00000000000000000002", "two");
	outbox_close(&o);

	/* a restart: the events are taken up in order; a crash's temporary file goes */
	snprintf(path, sizeof(path), "%s/webhooks/main/.tmp.1.0.00000000000000000009.json", f->dir);
	assert_int_equal(close(open(path, O_WRONLY | O_CREAT, 0644)), 0);
	snprintf(path, sizeof(path), "%s/webhooks/main/00000000000000000001.json", f->dir);
	{
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		fputs("one", fp);
		fclose(fp);
	}
	assert_int_equal(outbox_open(&o, f->root, "main", 3, 0), 0);
	assert_int_equal(outbox_count(&o), 3);
	expect_head(&o, "00000000000000000001", "one");
	outbox_pop(&o);
	expect_head(&o, "00000000000000000002", "two");
	snprintf(path, sizeof(path), "%s/webhooks/main/.tmp.1.0.00000000000000000009.json", f->dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/webhooks/main/00000000000000000001.json", f->dir);
	assert_int_equal(access(path, F_OK), -1);

	/* over max_queued (3): the oldest goes, counted */
	assert_int_equal(outbox_add(&o, "00000000000000000004", "four", 4), 0);
	assert_int_equal(outbox_add(&o, "00000000000000000005", "five", 4), 0);
	assert_int_equal(outbox_count(&o), 3);
	assert_int_equal(o.dropped, 1);
	expect_head(&o, "00000000000000000003", "three");

	/* a damaged event (here: not a regular file) is dropped, the next one comes */
	snprintf(path, sizeof(path), "%s/webhooks/main/00000000000000000003.json", f->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	expect_head(&o, "00000000000000000004", "four");
	assert_int_equal(o.dropped, 2);
	outbox_pop(&o);
	outbox_pop(&o);
	assert_int_equal(outbox_count(&o), 0);
	assert_int_equal(outbox_peek(&o, &id, &body), -ENOENT);
	outbox_close(&o);
	rmdir(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_forms),
		cmocka_unit_test(test_standard_webhooks_example),
		cmocka_unit_test(test_event_names_and_body),
		cmocka_unit_test_setup_teardown(test_outbox, box_setup, box_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
