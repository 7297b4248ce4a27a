/* The calibration program of bench/size/size.py rss-guest: touches N
 * pages of fresh anonymous memory, says "ready" and waits for a signal.
 * Under qemu-user the guest's Rss must grow by exactly N pages. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	long page = sysconf(_SC_PAGESIZE);
	char *p = NULL;

	if (n > 0) {
		p = mmap(NULL, (size_t)(n * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
	}
	for (long i = 0; i < n; i++)
		p[i * page] = 1;
	printf("ready %ld\n", n);
	fflush(stdout);
	pause();
	return 0;
}
