/* A build without GnuTLS (-DSMSGATE_MQTT_TLS=OFF): mqtts:// is refused. */
#include "mqtt_tls.h"

#include <errno.h>
#include <stdio.h>

#include "mqtt_client.h"

bool mqtt_client_tls_available(void)
{
	return false;
}

static int no_tls(char *why, size_t whylen, const char *sentence)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", sentence);
	return -ENOTSUP;
}

int mqtt_tls_creds_new(struct mqtt_tls_creds **out, const char *ca_file, const char *cert_file,
		       const char *key_file, char *why, size_t whylen)
{
	(void)ca_file;
	(void)cert_file;
	(void)key_file;
	*out = NULL;
	return no_tls(why, whylen, "mqtts:// (TLS): this smsgated was built without GnuTLS");
}

void mqtt_tls_creds_free(struct mqtt_tls_creds *cr)
{
	(void)cr;
}

/* Never reached without credentials; here so that the client links. */
int mqtt_tls_new(struct mqtt_tls **out, struct mqtt_tls_creds *cr, int fd, const char *host, char *why,
		 size_t whylen)
{
	(void)cr;
	(void)fd;
	(void)host;
	*out = NULL;
	return no_tls(why, whylen, "no TLS in this build");
}

void mqtt_tls_free(struct mqtt_tls *t)
{
	(void)t;
}

int mqtt_tls_handshake(struct mqtt_tls *t, char *why, size_t whylen)
{
	(void)t;
	return no_tls(why, whylen, "no TLS in this build");
}

bool mqtt_tls_want_write(const struct mqtt_tls *t)
{
	(void)t;
	return false;
}

void mqtt_tls_describe(const struct mqtt_tls *t, char *buf, size_t len)
{
	(void)t;
	if (len)
		buf[0] = '\0';
}

ssize_t mqtt_tls_send(struct mqtt_tls *t, const void *p, size_t n, char *why, size_t whylen)
{
	(void)t;
	(void)p;
	(void)n;
	return no_tls(why, whylen, "no TLS in this build");
}

ssize_t mqtt_tls_recv(struct mqtt_tls *t, void *p, size_t n, char *why, size_t whylen)
{
	(void)t;
	(void)p;
	(void)n;
	return no_tls(why, whylen, "no TLS in this build");
}

void mqtt_tls_bye(struct mqtt_tls *t)
{
	(void)t;
}
