/* Large-file interfaces on every target: on 32-bit glibc (mipsel, mips,
 * armhf) off_t and ino_t are 32-bit unless _FILE_OFFSET_BITS=64, and then
 * readdir() fails with EOVERFLOW on entries with a large inode number or
 * directory offset, which ended the spool scans early (found by the mipsel
 * build under qemu: files in outgoing/ and status/ went unseen). */
#include <dirent.h>
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
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

static void test_types_are_64_bit(void **state)
{
	(void)state;
	assert_int_equal(sizeof(off_t), 8);
	assert_int_equal(sizeof(ino_t), 8);
}

/* A directory of many entries is read to the end, every name once. */
static void test_readdir_sees_every_entry(void **state)
{
	char dir[] = "/tmp/smsgate-lfs-XXXXXX";
	char path[64];
	int seen[200] = { 0 };
	struct dirent *e;
	DIR *d;
	int n = 0, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 200; i++) {
		assert_true((size_t)snprintf(path, sizeof(path), "%s/f%03d", dir, i) < sizeof(path));
		fd = open(path, O_CREAT | O_WRONLY, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	d = opendir(dir);
	assert_non_null(d);
	errno = 0;
	while ((e = readdir(d))) {
		int i;

		if (e->d_name[0] != 'f')
			continue;
		i = (int)strtol(e->d_name + 1, NULL, 10);
		assert_true(i >= 0 && i < 200);
		seen[i]++;
		n++;
	}
	assert_int_equal(errno, 0);
	closedir(d);
	assert_int_equal(n, 200);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(seen[i], 1);
		assert_true((size_t)snprintf(path, sizeof(path), "%s/f%03d", dir, i) < sizeof(path));
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_are_64_bit),
		cmocka_unit_test(test_readdir_sees_every_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
