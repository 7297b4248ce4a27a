/*
 * Files that survive a crash at any instant: written under a temporary
 * name, fsync'd, renamed into place, and the directory fsync'd, so a
 * reader sees either nothing or the whole file (the idiom of redis' rdb.c).
 */
#ifndef SMSGATE_BASE_DURABLE_H
#define SMSGATE_BASE_DURABLE_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define DURABLE_NOREPLACE 0x1u  /* fail with -EEXIST instead of replacing */
#define DURABLE_NOSYNC    0x2u  /* skip every fsync (tests, or data we can lose) */

/* Writes name in the directory dirfd. Returns 0 or -errno (-ENOSPC on a
 * full disk); on failure nothing is left behind under either name. */
int durable_write(int dirfd, const char *name, const void *data, size_t len, unsigned flags);
/* Moves a file between directories (the same file system) and fsyncs
 * both directories. */
int durable_move(int from_dirfd, const char *from, int to_dirfd, const char *to, unsigned flags);
/* Removes a file and fsyncs the directory; a missing file is success. */
int durable_unlink(int dirfd, const char *name, unsigned flags);
int fsync_dir(int dirfd);
/* write() until all of it is out (EINTR retried). 0 or -errno. */
int write_all(int fd, const char *p, size_t len);
/* A directory stream over dirfd, from its first entry, that leaves dirfd
 * open: closedir() closes only the stream. NULL with errno set. */
DIR *dir_stream(int dirfd);
/* Reads a whole regular file of at most max bytes into a malloc'd,
 * NUL-terminated buffer. -EFBIG when larger. */
ssize_t read_file_at(int dirfd, const char *name, size_t max, char **out);

#endif
