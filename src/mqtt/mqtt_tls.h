/*
 * TLS under the MQTT client (mqtts://), private to src/mqtt. GnuTLS in
 * mqtt_tls.c (what libmicrohttpd already brings to a router with HTTPS:
 * OpenWrt's libmicrohttpd-ssl); mqtt_tls_none.c when built without it
 * (-DSMSGATE_MQTT_TLS=OFF), where every start is refused with the reason.
 *
 * Non-blocking throughout: on a non-blocking socket each call does what it
 * can and returns -EAGAIN, and mqtt_tls_want_write() says which way the
 * socket must become ready before the same call is made again. Errors
 * come back as -errno with the words for a log line in why.
 */
#ifndef SMSGATE_MQTT_TLS_H
#define SMSGATE_MQTT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What every connection of one client trusts and shows: read once, when
 * the client is made, so a reconnect reads no file. */
struct mqtt_tls_creds;
/* One TLS connection over one socket. */
struct mqtt_tls;

/* ca_file: the CAs the broker's certificate must chain to, PEM (NULL: the
 * system's trust store); cert_file and key_file: our certificate and its
 * unencrypted key, PEM, both or neither. 0, -ENOTSUP (a build without
 * TLS), -ENOENT (no CA anywhere), -EINVAL (a file unusable), -ENOMEM. */
int mqtt_tls_creds_new(struct mqtt_tls_creds **out, const char *ca_file, const char *cert_file,
		       const char *key_file, char *why, size_t whylen);
void mqtt_tls_creds_free(struct mqtt_tls_creds *cr);

/* A client session on fd (connected, non-blocking) that checks the
 * broker's certificate against cr and host (a DNS name, also sent as
 * SNI, or an IPv4/IPv6 address, matched against the certificate's IP
 * addresses). 0, -ENOMEM, -EINVAL. */
int mqtt_tls_new(struct mqtt_tls **out, struct mqtt_tls_creds *cr, int fd, const char *host, char *why,
		 size_t whylen);
void mqtt_tls_free(struct mqtt_tls *t);

/* 0 when the handshake is done and the certificate accepted, -EAGAIN,
 * -EPROTO (why: GnuTLS's reason, the verification status text for a
 * certificate refused), -ECONNRESET. */
int mqtt_tls_handshake(struct mqtt_tls *t, char *why, size_t whylen);
/* After -EAGAIN: the socket must be writable (else readable). */
bool mqtt_tls_want_write(const struct mqtt_tls *t);
/* The protocol and cipher suite, for a log line. */
void mqtt_tls_describe(const struct mqtt_tls *t, char *buf, size_t len);

/* Bytes of p taken (> 0), or -EAGAIN, -EPIPE, -EPROTO. After -EAGAIN the
 * next call must start with the same bytes (more may follow them): the
 * record that did not go out whole is sent first. */
ssize_t mqtt_tls_send(struct mqtt_tls *t, const void *p, size_t n, char *why, size_t whylen);
/* Bytes read (> 0), 0 when the broker closed the connection, -EAGAIN,
 * -EPROTO. Keep calling until -EAGAIN: decrypted bytes may wait inside
 * the session with nothing left on the socket. */
ssize_t mqtt_tls_recv(struct mqtt_tls *t, void *p, size_t n, char *why, size_t whylen);

/* A close_notify if it can go out at once; never waits. */
void mqtt_tls_bye(struct mqtt_tls *t);

#endif
