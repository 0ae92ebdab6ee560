/* tap.h: minimal TAP producer for C unit tests (automake's tap-driver
 * reads it). Each check prints "ok N - name" or "not ok N - name" with
 * what was expected and what came. */
#ifndef SM_TAP_H
#define SM_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static inline int
tap_ok(int cond, const char *file, int line, const char *name)
{
  tap_count++;
  printf("%s %d - %s\n", cond ? "ok" : "not ok", tap_count, name);
  if (!cond) {
    tap_failed++;
    printf("#   failed at %s:%d\n", file, line);
  }
  fflush(stdout);
  return cond;
}

static inline int
tap_is_str(const char *got, const char *want, const char *file, int line,
           const char *name)
{
  int cond =
      (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
  if (!tap_ok(cond, file, line, name)) {
    printf("#   got:  \"%s\"\n", got ? got : "(null)");
    printf("#   want: \"%s\"\n", want ? want : "(null)");
  }
  return cond;
}

static inline int
tap_is_int(intmax_t got, intmax_t want, const char *file, int line,
           const char *name)
{
  int cond = got == want;
  if (!tap_ok(cond, file, line, name))
    printf("#   got: %jd, want: %jd\n", got, want);
  return cond;
}

#define ok(cond, name) tap_ok(!!(cond), __FILE__, __LINE__, (name))
#define is_str(got, want, name)                                               \
  tap_is_str((got), (want), __FILE__, __LINE__, (name))
#define is_int(got, want, name)                                               \
  tap_is_int((intmax_t)(got), (intmax_t)(want), __FILE__, __LINE__, (name))
/* A step that builds a test's input (buf_puts, ...): 0 is success;
 * anything else fails the test at once, naming the step. */
static inline void
tap_must(int status, const char *file, int line, const char *what)
{
  if (status != 0) {
    tap_ok(0, file, line, what);
    printf("1..%d\n", tap_count);
    exit(1);
  }
}
#define must(x) tap_must((int)(x), __FILE__, __LINE__, #x)
#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"))

/* Ends the test: prints the plan, returns the exit status. */
static inline int
done_testing(void)
{
  printf("1..%d\n", tap_count);
  return tap_failed ? 1 : 0;
}

#endif
