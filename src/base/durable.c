#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable.h"

int fsync_dir(int dirfd)
{
	return fsync(dirfd) < 0 ? -errno : 0;
}

int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int durable_write(int dirfd, const char *name, const void *data, size_t len, unsigned flags)
{
	static unsigned counter;
	char tmp[300];
	int fd, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".tmp.%ld.%u.%s", (long)getpid(), counter++, name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, data, len);
	if (rc == 0 && !(flags & DURABLE_NOSYNC) && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno; /* NFS and some full disks report here */
	if (rc == 0) {
		if (flags & DURABLE_NOREPLACE) {
			/* link() refuses an existing name where rename() would replace it. */
			if (linkat(dirfd, tmp, dirfd, name, 0) < 0)
				rc = -errno;
		} else if (renameat(dirfd, tmp, dirfd, name) < 0) {
			rc = -errno;
		}
	}
	if (rc < 0 || (flags & DURABLE_NOREPLACE))
		unlinkat(dirfd, tmp, 0);
	if (rc == 0 && !(flags & DURABLE_NOSYNC))
		rc = fsync_dir(dirfd);
	return rc;
}

int durable_move(int from_dirfd, const char *from, int to_dirfd, const char *to, unsigned flags)
{
	if (flags & DURABLE_NOREPLACE) {
		if (linkat(from_dirfd, from, to_dirfd, to, 0) < 0)
			return -errno;
		if (unlinkat(from_dirfd, from, 0) < 0)
			return -errno;
	} else if (renameat(from_dirfd, from, to_dirfd, to) < 0) {
		return -errno;
	}
	if (flags & DURABLE_NOSYNC)
		return 0;
	/* The new name first: a crash in between leaves the file in both
	 * places at worst, never in neither. */
	if (fsync(to_dirfd) < 0)
		return -errno;
	return fsync_dir(from_dirfd);
}

int durable_unlink(int dirfd, const char *name, unsigned flags)
{
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return (flags & DURABLE_NOSYNC) ? 0 : fsync_dir(dirfd);
}

DIR *dir_stream(int dirfd)
{
	int fd = dup(dirfd), err;
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	/* The dup shares dirfd's offset, which an earlier scan left at the end. */
	rewinddir(d);
	return d;
}

ssize_t read_file_at(int dirfd, const char *name, size_t max, char **out)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, err;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
		goto fail;
	}
	if ((size_t)st.st_size > max) {
		err = EFBIG;
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = ENOMEM;
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			goto fail;
		}
		if (n == 0)
			break; /* shrank while we read: take what is there */
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	return (ssize_t)got;
fail:
	free(buf);
	close(fd);
	return -err;
}
