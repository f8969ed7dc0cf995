/* testee32: a static i386 program for the live test of 32-bit syscalls on x86_64.
 *
 * Built with `gcc -m32 -static`. Every call is a literal `int $0x80`, so the kernel sees the
 * i386 ABI (AUDIT_ARCH_I386, i386 numbers) whatever libc would have done. Beyond the execve
 * that starts it (and whatever startup libc makes before main), it makes exactly:
 *   getppid (i386 nr 64) three times, uname (122) once, exit_group (252) with status 0.
 * The numbers are spelled out rather than taken from <asm/unistd_32.h> on purpose: the test
 * is about them.
 */

enum {
  kNrGetppid = 64,
  kNrUname = 122,
  kNrExitGroup = 252,
};

static long Int80(long nr, long arg1) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(arg1) : "memory");
  return ret;
}

/* struct new_utsname: six fields of 65 bytes. */
static char utsname[6 * 65];

int main(void) {
  for (int i = 0; i < 3; ++i) Int80(kNrGetppid, 0);
  if (Int80(kNrUname, (long)utsname) != 0) Int80(kNrExitGroup, 1);
  Int80(kNrExitGroup, 0);
  return 1; /* not reached */
}
