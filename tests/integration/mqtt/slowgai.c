/*
 * LD_PRELOAD shim for test_resolve.py: getaddrinfo() of one host name
 * (SLOWGAI_HOST) waits until the test lets it go, as a lookup waits on a
 * DNS server that does not answer. It appends a line to
 * SLOWGAI_DIR/entered (the test waits for that), then, if the FIFO
 * SLOWGAI_DIR/gate exists, opens it for reading, which blocks until the
 * test opens it for writing. The answer: the numeric addresses listed in
 * SLOWGAI_ANSWER (comma-separated, in that order; default 127.0.0.1). A
 * lookup with AI_NUMERICHOST never waits on DNS, so it is not held
 * either; every other lookup goes to the real getaddrinfo.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);

/* One list of every address in list, in order. glibc's freeaddrinfo frees
 * node by node, so lists joined end to end are freed as one. */
static int answer(gai_fn real, const char *list, const char *service, const struct addrinfo *h,
		  struct addrinfo **res)
{
	struct addrinfo *head = NULL, **tail = &head;
	char copy[1024], *save = NULL;
	int rc = EAI_NONAME;

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		rc = real(a, service, h, tail);
		if (rc != 0)
			break;
		while (*tail)
			tail = &(*tail)->ai_next;
	}
	if (rc != 0) {
		if (head)
			freeaddrinfo(head);
		return rc;
	}
	*res = head;
	return 0;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
	gai_fn real = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo");
	const char *slow = getenv("SLOWGAI_HOST"), *dir = getenv("SLOWGAI_DIR");
	struct addrinfo h = { 0 };
	char path[4096];
	int fd;

	if (!real)
		return EAI_SYSTEM;
	if (!slow || !dir || !node || strcmp(node, slow) != 0 || (hints && (hints->ai_flags & AI_NUMERICHOST)))
		return real(node, service, hints, res);
	snprintf(path, sizeof(path), "%s/entered", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, "1\n", 2) != 2)
			abort();
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/gate", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC); /* here the lookup waits */
	if (fd >= 0)
		close(fd);
	if (hints)
		h = *hints;
	h.ai_flags = (h.ai_flags & ~AI_ADDRCONFIG) | AI_NUMERICHOST;
	return answer(real, getenv("SLOWGAI_ANSWER") ? getenv("SLOWGAI_ANSWER") : "127.0.0.1", service, &h, res);
}
