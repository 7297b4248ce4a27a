/* The receivers' texts (src/http/alerts.c) and recipient groups
 * (req_expand_groups, [group NAME] in the config): exact texts for the
 * documented payloads, the cut at the part cap measured as the air will
 * carry it, exact refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alerts.h"
#include "config.h"
#include "request.h"
#include "sms.h"

/* tests/vectors/webhooks/, found from this file's path */
static json_object *fixture(const char *name)
{
	char path[1024];
	const char *dir = __FILE__, *cut = strstr(dir, "unit/test-alerts.c");
	json_object *o;

	if (!cut)
		fail_msg("cannot find the vectors from %s", dir);
	snprintf(path, sizeof(path), "%.*svectors/webhooks/%s", (int)(cut - dir), dir, name);
	o = json_object_from_file(path);
	if (!o)
		fail_msg("cannot read %s", path);
	return o;
}

static char why[256];

/* The text for a payload, or fails with the refusal. */
static char *text_for(enum alerts_source src, json_object *o, unsigned max_parts)
{
	char *t = NULL;
	size_t n = 0;
	int rc = alerts_text(src, o, max_parts, &t, &n, why, sizeof(why));

	json_object_put(o);
	if (rc != 0)
		fail_msg("refused (%d): %s", rc, why);
	assert_int_equal(strlen(t), n);
	return t;
}

static void assert_text(enum alerts_source src, const char *json, unsigned max_parts, const char *want)
{
	json_object *o = json_tokener_parse(json);
	char *t;

	if (!o)
		fail_msg("bad test JSON: %s", json);
	t = text_for(src, o, max_parts);
	assert_string_equal(t, want);
	free(t);
}

static void assert_refused(enum alerts_source src, const char *json, const char *want)
{
	json_object *o = json_tokener_parse(json);
	char *t = (char *)"canary";
	size_t n = 7;

	assert_int_equal(alerts_text(src, o, 2, &t, &n, why, sizeof(why)), -EINVAL);
	assert_null(t);
	assert_int_equal(n, 0);
	assert_string_equal(why, want);
	json_object_put(o);
}

static unsigned parts_of(const char *t)
{
	struct sms_plan plan;
	size_t bad;

	assert_int_equal(sms_plan_text(&plan, t, strlen(t), 0, SMS_CONCAT_MAX, &bad), 0);
	return plan.nparts;
}

/* ---- the documented payloads ------------------------------------------------ */

static void test_alertmanager_firing_resolved(void **state)
{
	char *t;

	(void)state;
	t = text_for(ALERTS_ALERTMANAGER, fixture("alertmanager-firing.json"), 2);
	assert_string_equal(t, "FIRING 2: InstanceDown (critical)\nInstance db1:9100 down\nInstance db2:9100 down");
	free(t);
	t = text_for(ALERTS_ALERTMANAGER, fixture("alertmanager-resolved.json"), 2);
	assert_string_equal(t, "RESOLVED 2: InstanceDown (critical)\nInstance db1:9100 down\nInstance db2:9100 down");
	free(t);
}

static void test_grafana_documented(void **state)
{
	char *t;

	(void)state;
	t = text_for(ALERTS_GRAFANA, fixture("grafana-docs.json"), 2);
	assert_string_equal(t, "FIRING 2\n"
			       "High memory usage (zone=us-1): This alert was triggered for zone us-1\n"
			       "High CPU usage (zone=eu-1): This alert was triggered for zone eu-1");
	free(t);
}

static void test_single_alert(void **state)
{
	(void)state;
	/* One alert: its own labels are the common ones; no count. */
	assert_text(ALERTS_ALERTMANAGER,
		    "{\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"DiskFull\","
		    "\"instance\":\"nas:9100\",\"mountpoint\":\"/srv\",\"severity\":\"warning\"},"
		    "\"annotations\":{\"description\":\"Only 2% left\"}}]}",
		    2, "FIRING: DiskFull (warning)\nnas:9100: Only 2% left");
	/* No instance: the labels of its own say where; no summary: no colon. */
	assert_text(ALERTS_ALERTMANAGER,
		    "{\"status\":\"resolved\",\"commonLabels\":{\"alertname\":\"Backup\",\"team\":\"ops\"},"
		    "\"alerts\":[{\"labels\":{\"alertname\":\"Backup\",\"team\":\"ops\",\"job\":\"nightly\",\"site\":\"b\"}}]}",
		    2, "RESOLVED: Backup\njob=nightly, site=b");
}

static void test_mixed_and_severities(void **state)
{
	(void)state;
	/* Firing first, then the resolved ones, marked; severity per alert
	 * when not common; truncatedAlerts counts and shows as "+N more". */
	assert_text(ALERTS_ALERTMANAGER,
		    "{\"status\":\"firing\",\"truncatedAlerts\":2,\"commonLabels\":{\"alertname\":\"Latency\"},\"alerts\":["
		    "{\"status\":\"resolved\",\"labels\":{\"alertname\":\"Latency\",\"severity\":\"warning\",\"instance\":\"a\"},"
		    "\"annotations\":{\"summary\":\"p99 back to 80ms\"}},"
		    "{\"status\":\"firing\",\"labels\":{\"alertname\":\"Latency\",\"severity\":\"critical\",\"instance\":\"b\"},"
		    "\"annotations\":{\"summary\":\"p99 at 2.1s\"}}]}",
		    2, "FIRING 3, RESOLVED 1: Latency\ncritical, b: p99 at 2.1s\nresolved: warning, a: p99 back to 80ms\n+2 more");
}

static void test_untrusted_values_cleaned(void **state)
{
	(void)state;
	/* Line breaks, tabs, NUL and runs of blanks in values become one space;
	 * a blank value counts as none. */
	assert_text(ALERTS_ALERTMANAGER,
		    "{\"status\":\"firing\",\"alerts\":[{\"labels\":{\"alertname\":\" Disk\\r\\nFull \",\"instance\":\"  \"},"
		    "\"annotations\":{\"summary\":\"a\\tb\\u0000c   d\\n\"}}]}",
		    2, "FIRING: Disk Full\na b c d");
}

/* ---- the cut ------------------------------------------------------------------ */

static json_object *many(unsigned n)
{
	json_object *o = json_tokener_parse("{\"status\":\"firing\",\"commonLabels\":{\"alertname\":\"DiskFull\","
					    "\"severity\":\"warning\"},\"alerts\":[]}"),
		    *arr;

	json_object_object_get_ex(o, "alerts", &arr);
	for (unsigned i = 0; i < n; i++) {
		char a[256];

		snprintf(a, sizeof(a),
			 "{\"labels\":{\"alertname\":\"DiskFull\",\"severity\":\"warning\",\"instance\":\"srv%02u\"},"
			 "\"annotations\":{\"summary\":\"Disk /var on srv%02u is 97%% full\"}}",
			 i, i);
		json_object_array_add(arr, json_tokener_parse(a));
	}
	return o;
}

static void test_cut_whole_lines(void **state)
{
	char *t;

	(void)state;
	/* 1 part = 160 septets: 29 + 3 * 31 + 9 ("\n+27 more") = 131; a
	 * fourth line would make it 162. */
	t = text_for(ALERTS_ALERTMANAGER, many(30), 1);
	assert_string_equal(t, "FIRING 30: DiskFull (warning)\nDisk /var on srv00 is 97% full\n"
			       "Disk /var on srv01 is 97% full\nDisk /var on srv02 is 97% full\n+27 more");
	assert_int_equal(parts_of(t), 1);
	free(t);
	t = text_for(ALERTS_ALERTMANAGER, many(30), 2);
	assert_int_equal(parts_of(t), 2);
	/* 2 parts = 306 septets: 29 + 8 * 31 + 9 = 286. */
	assert_non_null(strstr(t, "\nDisk /var on srv07 is 97% full\n+22 more"));
	free(t);
	/* All of them fit: no "more". */
	t = text_for(ALERTS_ALERTMANAGER, many(3), 1);
	assert_null(strstr(t, "more"));
	free(t);
}

static void test_cut_mid_line_at_a_character(void **state)
{
	char json[2048], summary[1200] = "";
	char *t;

	(void)state;
	/* UCS-2 (Cyrillic): 70 units in one part; the cut ends with "...". */
	for (int i = 0; i < 200; i++)
		strcat(summary, "\xd0\x96"); /* U+0416 */
	snprintf(json, sizeof(json), "{\"status\":\"firing\",\"alerts\":[{\"labels\":{\"alertname\":\"X\"},"
		 "\"annotations\":{\"summary\":\"%s\"}}]}", summary);
	assert_text(ALERTS_ALERTMANAGER, json, 1,
		    "FIRING: X\n"
		    "\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96"
		    "\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96"
		    "\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96"
		    "\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96"
		    "\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96"
		    "\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96..."); /* 10 + 57 + 3 = 70 */
	/* GSM 7-bit with escapes: '{' is two septets and never split; 160 in one part. */
	memset(summary, 0, sizeof(summary));
	for (int i = 0; i < 100; i++)
		strcat(summary, "{");
	snprintf(json, sizeof(json), "{\"status\":\"firing\",\"alerts\":[{\"labels\":{\"alertname\":\"X\"},"
		 "\"annotations\":{\"summary\":\"%s\"}}]}", summary);
	json_object *o = json_tokener_parse(json);
	t = text_for(ALERTS_ALERTMANAGER, o, 1);
	/* "FIRING: X\n" 10 septets, "..." 3: 147 left, 73 braces of 2. */
	assert_int_equal(strlen(t), 10 + 73 + 3);
	assert_int_equal(parts_of(t), 1);
	assert_memory_equal(t + 83, "...", 3);
	free(t);
}

static void test_grafana_legacy(void **state)
{
	(void)state;
	assert_text(ALERTS_GRAFANA,
		    "{\"title\":\"[Alerting] Panel Title alert\",\"ruleId\":1,\"ruleName\":\"Panel Title alert\","
		    "\"state\":\"alerting\",\"message\":\"Notification Message\\nsecond line\",\"evalMatches\":[]}",
		    2, "[Alerting] Panel Title alert\nNotification Message second line");
	assert_text(ALERTS_GRAFANA, "{\"message\":\"only a message\"}", 2, "only a message");
	/* a title that cleans to nothing leaves the header to the message */
	assert_text(ALERTS_GRAFANA, "{\"title\":\" \\u0001 \",\"message\":\"the message\"}", 2, "the message");
	assert_text(ALERTS_GRAFANA, "{\"title\":\"the title\",\"message\":\"\\u0085 \\n\"}", 2, "the title");
	/* nothing at all once cleaned (a C1 control character, found by fuzz-alerts): refused, no empty SMS */
	assert_refused(ALERTS_GRAFANA, "{\"tid#le\":\"x\",\"message\":\"\\u008c\"}",
		       "\"title\" and \"message\" hold nothing to show");
	assert_refused(ALERTS_GRAFANA, "{\"title\":\"\\u0007\",\"message\":\"\\u2028\"}",
		       "\"title\" and \"message\" hold nothing to show");
}

static void test_refusals(void **state)
{
	(void)state;
	assert_refused(ALERTS_ALERTMANAGER, "[1]", "the body must be a JSON object");
	assert_refused(ALERTS_ALERTMANAGER, "{\"status\":\"firing\"}", "\"alerts\" is missing or not an array");
	assert_refused(ALERTS_ALERTMANAGER, "{\"status\":\"firing\",\"alerts\":{}}", "\"alerts\" is missing or not an array");
	assert_refused(ALERTS_GRAFANA, "{\"status\":\"firing\",\"alerts\":5}", "\"alerts\" is missing or not an array");
	assert_refused(ALERTS_ALERTMANAGER, "{\"status\":\"firing\",\"alerts\":[]}", "\"alerts\" is empty");
	assert_refused(ALERTS_ALERTMANAGER, "{\"status\":\"boom\",\"alerts\":[{}]}",
		       "\"status\" must be \"firing\" or \"resolved\"");
	assert_refused(ALERTS_ALERTMANAGER, "{\"alerts\":[{}]}", "\"status\" must be \"firing\" or \"resolved\"");
	assert_refused(ALERTS_ALERTMANAGER, "{\"status\":\"firing\",\"alerts\":[1]}", "\"alerts\" must hold objects");
	assert_refused(ALERTS_GRAFANA, "{\"state\":\"ok\"}", "no \"alerts\", \"title\" or \"message\" in the payload");
	assert_refused(ALERTS_ALERTMANAGER, "{\"title\":\"x\"}", "\"alerts\" is missing or not an array");
}

/* ---- groups ------------------------------------------------------------------- */

static const struct req_group groups[] = {
	{ "oncall", { "+491701111111", "+491702222222" }, 2 },
	{ "ops", { "491702222222", "+491703333333" }, 2 },
};

static int expand(struct msg_req *m, const char *const *to, unsigned n)
{
	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < n; i++) {
		m->to[i] = to[i];
		m->to_len[i] = strlen(to[i]);
	}
	m->nto = n;
	why[0] = '\0';
	return req_expand_groups(m, groups, 2, why, sizeof(why));
}

static void assert_to(const struct msg_req *m, const char *const *want, unsigned n)
{
	assert_int_equal(m->nto, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(m->to_len[i], strlen(want[i]));
		assert_memory_equal(m->to[i], want[i], m->to_len[i]);
	}
}

static void test_groups_expand_dedupe(void **state)
{
	struct msg_req m;

	(void)state;
	assert_int_equal(expand(&m, (const char *const[]){ "oncall" }, 1), 0);
	assert_to(&m, (const char *const[]){ "+491701111111", "+491702222222" }, 2);
	/* 491702222222 is +491702222222: kept once, the first spelling wins;
	 * a number given twice, once. */
	assert_int_equal(expand(&m, (const char *const[]){ "0049170111111", "oncall", "ops", "00491703333333" }, 4), 0);
	assert_to(&m, (const char *const[]){ "0049170111111", "+491701111111", "+491702222222", "+491703333333" }, 4);
	/* Numbers stay as given, bad ones included: req_prepare refuses those. */
	assert_int_equal(expand(&m, (const char *const[]){ "12ab", "+4917" }, 2), 0);
	assert_to(&m, (const char *const[]){ "12ab", "+4917" }, 2);
}

static void test_groups_refused(void **state)
{
	struct msg_req m;
	const char *to[17];

	(void)state;
	assert_int_equal(expand(&m, (const char *const[]){ "+491700000000", "oncal" }, 2), -EINVAL);
	assert_string_equal(why, "unknown recipient group \"oncal\" (no [group oncal] in the config)");
	for (unsigned i = 0; i < 16; i++)
		to[i] = i % 2 ? "oncall" : "ops";
	assert_int_equal(expand(&m, to, 16), 0);
	assert_int_equal(m.nto, 3);
	static char nums[17][16];
	for (unsigned i = 0; i < 15; i++) {
		snprintf(nums[i], sizeof(nums[i]), "+4917000000%02u", i);
		to[i] = nums[i];
	}
	to[15] = "oncall";
	assert_int_equal(expand(&m, to, 16), -EINVAL);
	assert_string_equal(why, "more than 16 recipients (groups included)");
	assert_true(req_group_name_valid("a", 1));
	assert_true(req_group_name_valid("On-call_2.b", 11));
	assert_false(req_group_name_valid("2nd", 3));
	assert_false(req_group_name_valid("+49", 3));
	assert_false(req_group_name_valid("a b", 3));
	assert_false(req_group_name_valid("", 0));
	assert_false(req_group_name_valid("abcdefghijabcdefghijabcdefghijab", 32));
	assert_true(req_group_name_valid("abcdefghijabcdefghijabcdefghija", 31));
}

/* ---- [group NAME] in the config ----------------------------------------------- */

static struct config cfg;

#define HEAD "[gateway]\nspool = /tmp/s\n\n[modem a]\ndevice = /dev/x\n\n"

static int parse(const char *text, char *err, size_t n)
{
	return config_parse(&cfg, "t.conf", text, strlen(text), err, n);
}

static void test_config_groups(void **state)
{
	char err[256] = "";

	(void)state;
	if (parse(HEAD "[group oncall]\nmembers = +491701111111, +491702222222 0170333,,  +491701111111\n"
		       "[group ops]\nmembers=+43660123\n", err, sizeof(err)) != 0)
		fail_msg("refused: %s", err);
	assert_int_equal(cfg.ngroup, 2);
	assert_string_equal(cfg.group[0].name, "oncall");
	assert_int_equal(cfg.group[0].nmember, 3);
	assert_string_equal(cfg.group[0].member[0], "+491701111111");
	assert_string_equal(cfg.group[0].member[1], "+491702222222");
	assert_string_equal(cfg.group[0].member[2], "0170333");
	assert_string_equal(cfg.group[1].name, "ops");
	assert_string_equal(cfg.group[1].member[0], "+43660123");
	assert_int_equal(cfg.http.alert_parts, 2);
}

static void test_config_group_errors(void **state)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ HEAD "[group]\nmembers = 1\n", "t.conf:7: [group] needs a name: [group NAME]" },
		{ HEAD "[group 112]\nmembers = 1\n",
		  "t.conf:7: bad group name \"112\" (a letter, then up to 30 of A-Z a-z 0-9 _ . -: it must not look like a number)" },
		{ HEAD "[group +49]\n", "t.conf:7: bad group name \"+49\" (a letter, then up to 30 of A-Z a-z 0-9 _ . -: it must not look like a number)" },
		{ HEAD "[group a]\nmembers = 1\n[group a]\n", "t.conf:9: duplicate group \"a\" (first on line 7)" },
		{ HEAD "[group a]\n", "t.conf:7: [group a] has no members" },
		{ HEAD "[group a]\nmembers = +4917x\n",
		  "t.conf:8: members: \"+4917x\": invalid number: only digits and a leading '+' are allowed (found byte 0x78)" },
		{ HEAD "[group a]\nmembers = 1, +\n", "t.conf:8: members: \"+\": invalid number: 1 to 20 digits" },
		{ HEAD "[group a]\nmembers = ,\n", "t.conf:8: members: no number" },
		{ HEAD "[group a]\nmembers = 1\nmembers = 2\n", "t.conf:9: duplicate key \"members\" in [group a] (first on line 8)" },
		{ HEAD "[group a]\nmembers = 1\nto = 2\n", "t.conf:9: unknown key \"to\" in [group a]" },
		{ HEAD "[group a]\nmembers = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", "t.conf:8: members: more than 16 numbers" },
		{ "[gateway]\nspool = /s\nallow_prefixes = +49\n[modem a]\ndevice = /d\n[group a]\nmembers = +491, +4366\n",
		  "t.conf:7: [group a]: +4366 is not in allow_prefixes" },
		{ HEAD "[http]\nalert_parts = 0\n", "t.conf:8: alert_parts: 0 is out of range 1..255" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";

		if (parse(bad[i].text, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", bad[i].text);
		assert_string_equal(err, bad[i].err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alertmanager_firing_resolved),
		cmocka_unit_test(test_grafana_documented),
		cmocka_unit_test(test_single_alert),
		cmocka_unit_test(test_mixed_and_severities),
		cmocka_unit_test(test_untrusted_values_cleaned),
		cmocka_unit_test(test_cut_whole_lines),
		cmocka_unit_test(test_cut_mid_line_at_a_character),
		cmocka_unit_test(test_grafana_legacy),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_groups_expand_dedupe),
		cmocka_unit_test(test_groups_refused),
		cmocka_unit_test(test_config_groups),
		cmocka_unit_test(test_config_group_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
