/* The pidfd_open(2) system call number, for C libraries whose headers
 * lack SYS_pidfd_open. Since Linux 5.3 new system calls take the same
 * number in every architecture's table, but MIPS numbers each ABI's table
 * from its own base (o32 4000, n64 5000, n32 6000: __NR_Linux), so the
 * o32 number is 4434, not 434. */
#ifndef SMSGATE_PIDFD_H
#define SMSGATE_PIDFD_H

#include <sys/syscall.h>

#ifndef SYS_pidfd_open
#if defined(__mips__)
#include <asm/unistd.h>
#define SYS_pidfd_open (__NR_Linux + 434)
#else
#define SYS_pidfd_open 434
#endif
#endif

#endif
