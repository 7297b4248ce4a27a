#define _GNU_SOURCE /* asprintf */
/*
 * The smallest HTTP/1.1 client the CLI needs for `-u URL -t TOKEN`:
 * http:// only, one request per connection, Content-Length or
 * connection-close bodies, a time limit on every step. (HTTPS is for a
 * reverse proxy in front of smsgated; the CLI talks to it on the box.)
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

#define HTTP_CLIENT_TIMEOUT_MS 10000
#define HTTP_CLIENT_MAX (1024 * 1024)

static int wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, HTTP_CLIENT_TIMEOUT_MS);

	return n == 1 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

int cli_http(const char *url, const char *token, const char *method, const char *path, const char *body,
	     int *status, char **answer)
{
	char host[256], port[8] = "80", *req = NULL, *buf = NULL;
	const char *p, *hostend, *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	size_t len = 0, cap = 0, off = 0;
	int fd = -1, rc, n;

	if (strncmp(url, "http://", 7) != 0)
		return -EPROTONOSUPPORT;
	p = url + 7;
	hostend = p + strcspn(p, "/");
	colon = memchr(p, ':', (size_t)(hostend - p));
	if (p[0] == '[') /* [v6]:port */
		colon = memchr(p, ']', (size_t)(hostend - p)) ? strchr(memchr(p, ']', (size_t)(hostend - p)), ':') : NULL;
	if ((size_t)((colon ? colon : hostend) - p) >= sizeof(host))
		return -ENAMETOOLONG;
	snprintf(host, sizeof(host), "%.*s", (int)((colon ? colon : hostend) - p), p);
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	if (colon)
		snprintf(port, sizeof(port), "%.*s", (int)(hostend - colon - 1), colon + 1);
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0)
		return -EHOSTUNREACH;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		rc = -errno;
		goto out;
	}
	n = asprintf(&req,
		     "%s %s%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s%s%s%s%zu\r\n\r\n%s", method,
		     *hostend ? hostend : "", path, host, token ? "Authorization: Bearer " : "", token ? token : "",
		     token ? "\r\n" : "", body ? "Content-Type: application/json\r\nContent-Length: " : "Content-Length: ",
		     body ? strlen(body) : 0, body ? body : "");
	if (n < 0) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t sent = 0; sent < (size_t)n;) {
		ssize_t k;

		if ((rc = wait_fd(fd, POLLOUT)) < 0)
			goto out;
		k = write(fd, req + sent, (size_t)n - sent);
		if (k < 0) {
			rc = -errno;
			goto out;
		}
		sent += (size_t)k;
	}
	for (;;) {
		ssize_t k;

		if (len + 4096 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *g;

			if (ncap > HTTP_CLIENT_MAX) {
				rc = -EFBIG;
				goto out;
			}
			g = realloc(buf, ncap);
			if (!g) {
				rc = -ENOMEM;
				goto out;
			}
			buf = g;
			cap = ncap;
		}
		if ((rc = wait_fd(fd, POLLIN)) < 0)
			goto out;
		k = read(fd, buf + len, cap - len - 1);
		if (k < 0) {
			rc = -errno;
			goto out;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", status) != 1 || !strstr(buf, "\r\n\r\n")) {
		rc = -EPROTO;
		goto out;
	}
	off = (size_t)(strstr(buf, "\r\n\r\n") + 4 - buf);
	*answer = strdup(buf + off);
	rc = *answer ? 0 : -ENOMEM;
out:
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	free(req);
	free(buf);
	return rc;
}
