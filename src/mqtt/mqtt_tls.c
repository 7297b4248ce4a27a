/* mqtts:// with GnuTLS (see mqtt_tls.h). */
#include "mqtt_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "mqtt_client.h"
#include "util.h"

struct mqtt_tls_creds {
	gnutls_certificate_credentials_t x509;
};

struct mqtt_tls {
	gnutls_session_t s;
	size_t send_pending;    /* bytes of the send that returned -EAGAIN; 0: none */
	char host[];            /* GnuTLS keeps a pointer to the name it checks */
};

bool mqtt_client_tls_available(void)
{
	return true;
}

PRINTF_LIKE(3, 4)
static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

int mqtt_tls_creds_new(struct mqtt_tls_creds **out, const char *ca_file, const char *cert_file,
		       const char *key_file, char *why, size_t whylen)
{
	struct mqtt_tls_creds *cr = calloc(1, sizeof(*cr));
	int rc, n;

	*out = NULL;
	if (!cr || gnutls_certificate_allocate_credentials(&cr->x509) < 0) {
		free(cr);
		say(why, whylen, "TLS: out of memory");
		return -ENOMEM;
	}
	if (ca_file) {
		n = gnutls_certificate_set_x509_trust_file(cr->x509, ca_file, GNUTLS_X509_FMT_PEM);
		if (n <= 0) {
			say(why, whylen, "ca_file %s: %s", ca_file,
			    n < 0 ? gnutls_strerror(n) : "no PEM certificate in it");
			rc = -EINVAL;
			goto fail;
		}
	} else {
		n = gnutls_certificate_set_x509_system_trust(cr->x509);
		if (n <= 0) {
			say(why, whylen, "no ca_file, and the system trust store has no certificates (%s): "
				"install the CA certificates (ca-certificates) or set ca_file",
			    n < 0 ? gnutls_strerror(n) : "empty");
			rc = -ENOENT;
			goto fail;
		}
	}
	if (cert_file && key_file) {
		n = gnutls_certificate_set_x509_key_file2(cr->x509, cert_file, key_file, GNUTLS_X509_FMT_PEM, NULL, 0);
		if (n < 0) {
			say(why, whylen, "cert_file %s, key_file %s: %s", cert_file, key_file, gnutls_strerror(n));
			rc = -EINVAL;
			goto fail;
		}
	}
	*out = cr;
	return 0;
fail:
	mqtt_tls_creds_free(cr);
	return rc;
}

void mqtt_tls_creds_free(struct mqtt_tls_creds *cr)
{
	if (!cr)
		return;
	gnutls_certificate_free_credentials(cr->x509);
	free(cr);
}

static bool is_address(const char *host)
{
	unsigned char bin[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, bin) == 1 || inet_pton(AF_INET6, host, bin) == 1;
}

int mqtt_tls_new(struct mqtt_tls **out, struct mqtt_tls_creds *cr, int fd, const char *host, char *why,
		 size_t whylen)
{
	size_t hlen = strlen(host);
	struct mqtt_tls *t = calloc(1, sizeof(*t) + hlen + 1);
	const char *step;
	int rc;

	*out = NULL;
	if (!t || gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0) {
		free(t);
		say(why, whylen, "TLS: out of memory");
		return -ENOMEM;
	}
	memcpy(t->host, host, hlen + 1);
	step = "priorities";
	rc = gnutls_set_default_priority(t->s);
	if (rc >= 0) {
		step = "credentials";
		rc = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, cr->x509);
	}
	/* RFC 6066 3: SNI carries host names only, never an address. */
	if (rc >= 0 && !is_address(t->host)) {
		step = "server name";
		rc = gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, t->host, hlen);
	}
	if (rc < 0) {
		say(why, whylen, "TLS: %s: %s", step, gnutls_strerror(rc));
		mqtt_tls_free(t);
		return -EINVAL;
	}
	/* The handshake itself checks the chain against cr and the name (or
	 * address) against the certificate, and fails when either is wrong. */
	gnutls_session_set_verify_cert(t->s, t->host, 0);
	gnutls_transport_set_int(t->s, fd);
	/* The client's connect timer bounds the handshake, not GnuTLS. */
	gnutls_handshake_set_timeout(t->s, 0);
	*out = t;
	return 0;
}

void mqtt_tls_free(struct mqtt_tls *t)
{
	if (!t)
		return;
	gnutls_deinit(t->s);
	free(t);
}

/* The verification status in GnuTLS's words ("The certificate is NOT
 * trusted. The certificate issuer is unknown."). */
static void verify_text(struct mqtt_tls *t, char *why, size_t whylen)
{
	unsigned status = gnutls_session_get_verify_cert_status(t->s);
	gnutls_datum_t text = { NULL, 0 };

	if (gnutls_certificate_verification_status_print(status, gnutls_certificate_type_get(t->s), &text, 0) < 0 ||
	    !text.data) {
		say(why, whylen, "the broker's certificate is refused (status 0x%x)", status);
		return;
	}
	while (text.size && (text.data[text.size - 1] == ' ' || text.data[text.size - 1] == '\0'))
		text.size--;
	say(why, whylen, "the broker's certificate is refused: %.*s", (int)text.size, (const char *)text.data);
	gnutls_free(text.data);
}

int mqtt_tls_handshake(struct mqtt_tls *t, char *why, size_t whylen)
{
	int rc;

	do {
		rc = gnutls_handshake(t->s);
	} while (rc < 0 && rc != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(rc));
	if (rc == 0)
		return 0;
	if (rc == GNUTLS_E_AGAIN)
		return -EAGAIN;
	if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		verify_text(t, why, whylen);
		return -EPROTO;
	}
	if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		/* the broker did not like us: often "Certificate is required" */
		say(why, whylen, "TLS handshake: the broker sent the alert \"%s\"",
		    gnutls_alert_get_name(gnutls_alert_get(t->s)));
		return -EPROTO;
	}
	if (rc == GNUTLS_E_PREMATURE_TERMINATION || rc == GNUTLS_E_PUSH_ERROR || rc == GNUTLS_E_PULL_ERROR) {
		say(why, whylen, "TLS handshake: the connection was closed (%s)", gnutls_strerror(rc));
		return -ECONNRESET;
	}
	say(why, whylen, "TLS handshake: %s", gnutls_strerror(rc));
	return -EPROTO;
}

bool mqtt_tls_want_write(const struct mqtt_tls *t)
{
	return gnutls_record_get_direction(t->s) == 1;
}

void mqtt_tls_describe(const struct mqtt_tls *t, char *buf, size_t len)
{
	char *d = gnutls_session_get_desc(t->s);

	snprintf(buf, len, "%s", d ? d : "?");
	gnutls_free(d);
}

ssize_t mqtt_tls_send(struct mqtt_tls *t, const void *p, size_t n, char *why, size_t whylen)
{
	ssize_t rc;

	/* GnuTLS wants the same call again after GNUTLS_E_AGAIN: it sends
	 * the record it had encrypted, and answers for those bytes. */
	if (t->send_pending && n >= t->send_pending)
		n = t->send_pending;
	do {
		rc = gnutls_record_send(t->s, p, n);
	} while (rc == GNUTLS_E_INTERRUPTED);
	if (rc == GNUTLS_E_AGAIN) {
		t->send_pending = n;
		return -EAGAIN;
	}
	t->send_pending = 0;
	if (rc >= 0)
		return rc;
	say(why, whylen, "TLS send: %s", gnutls_strerror((int)rc));
	return rc == GNUTLS_E_PUSH_ERROR ? -EPIPE : -EPROTO;
}

ssize_t mqtt_tls_recv(struct mqtt_tls *t, void *p, size_t n, char *why, size_t whylen)
{
	ssize_t rc;

	do {
		rc = gnutls_record_recv(t->s, p, n);
	} while (rc == GNUTLS_E_INTERRUPTED);
	if (rc >= 0)
		return rc;
	if (rc == GNUTLS_E_AGAIN)
		return -EAGAIN;
	/* TCP closed without close_notify: for MQTT, whose packets carry
	 * their own lengths, no different from a close_notify. */
	if (rc == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	if (rc == GNUTLS_E_REHANDSHAKE)
		say(why, whylen, "TLS: the broker asked for a renegotiation, which we do not do");
	else if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED)
		/* TLS 1.3: a broker that refuses our certificate says so after
		 * our side of the handshake is done, here */
		say(why, whylen, "TLS: the broker sent the alert \"%s\"", gnutls_alert_get_name(gnutls_alert_get(t->s)));
	else
		say(why, whylen, "TLS receive: %s", gnutls_strerror((int)rc));
	return -EPROTO;
}

void mqtt_tls_bye(struct mqtt_tls *t)
{
	(void)gnutls_bye(t->s, GNUTLS_SHUT_WR);
}
