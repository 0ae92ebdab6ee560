/* test-outlog.c: the sender's journal of outcomes (outlog.h). What one
 * sender appends is what the next reads back; a journal whose sender
 * lives (it holds the lock, here a child process) is left alone, one
 * whose sender died is folded once and removed; a line cut by a death
 * and lines that are no outcome are not folded; a file that is no
 * journal stops recovery with its name. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "outlog.h"
#include "tap.h"
#include "util.h"

/* What a fold was given. */
struct seen {
  int calls;
  char owner[128];
  size_t n;
  struct store_result res[8];
  char reply[8][128];
  enum sm_status answer;
};

static enum sm_status
fold(void *ctx, const char *owner, const struct store_result *res, size_t n)
{
  struct seen *s = ctx;

  s->calls++;
  snprintf(s->owner, sizeof(s->owner), "%s", owner);
  s->n = n;
  for (size_t i = 0; i < n && i < 8; i++) {
    s->res[i] = res[i];
    snprintf(s->reply[i], sizeof(s->reply[i]), "%s", res[i].reply);
    s->res[i].reply = s->reply[i];
  }
  return s->answer;
}

static int
exists(const char *path)
{
  return access(path, F_OK) == 0;
}

static char *
slurp(const char *path)
{
  struct buf b = BUF_INIT(1 << 20);

  if (util_read_file(path, &b) != SM_OK)
    return NULL;
  return b.data ? b.data : strdup("");
}

static void
test_parse(void)
{
  char text[] = "shortmail outcomes 1 host:42\n"
                "7 s 250 1000 0 250 2.0.0 Ok: queued as 4XyZ\n"
                "8 d 451 1001 1301 451 4.3.0 try later\n"
                "9 x 250 1 0 bad outcome\n"
                "10 f 999 1002 0 \n"
                "-1 s 250 1 0 no id\n"
                "11 s 2500 1 0 code too large\n"
                "12 f 550 1003 0 cut by a dea";
  const char *owner;
  struct store_result *res;
  size_t n, bad;

  is_int(outlog_parse(text, strlen(text), &owner, &res, &n, &bad), SM_OK,
         "a journal parses");
  is_str(owner, "host:42", "its owner is the header's");
  is_int(n, 3, "three outcomes: the good lines");
  is_int(bad, 3, "three lines that are no outcome are counted");
  if (n == 3) {
    is_int(res[0].id, 7, "the first id");
    is_int(res[0].outcome, STORE_SENT, "s is sent");
    is_int(res[0].smtp_code, 250, "its code");
    is_int(res[0].at, 1000, "its time");
    is_str(res[0].reply, "250 2.0.0 Ok: queued as 4XyZ",
           "its reply, spaces and all");
    is_int(res[1].outcome, STORE_DEFERRED, "d is deferred");
    is_int(res[1].next, 1301, "with its next attempt");
    is_int(res[2].outcome, STORE_FAILED, "f is failed");
    is_str(res[2].reply, "", "an empty reason is kept empty");
  }
  free(res);

  {
    char bad_head[] = "shortmail outcomes 2 x\n1 s 250 1 0 ok\n";
    char no_owner[] = "shortmail outcomes 1 \n";
    char nul[] = "shortmail outcomes 1 h\n1 s 250 1 0 o\0k\n";

    is_int(outlog_parse(bad_head, strlen(bad_head), &owner, &res, &n, &bad),
           SM_ERR_DATA, "another version is no journal of ours");
    is_int(outlog_parse(no_owner, strlen(no_owner), &owner, &res, &n, &bad),
           SM_ERR_DATA, "a header without an owner is refused");
    is_int(outlog_parse(nul, sizeof(nul) - 1, &owner, &res, &n, &bad), SM_OK,
           "a NUL in a line: still a journal");
    is_int(n * 10 + bad, 1, "but that line is no outcome");
    free(res);
  }
}

static void
test_write_read(const char *dir)
{
  char store[512], path[600], err[SM_ERRLEN] = "";
  struct outlog *lg = NULL;
  struct store_result r1 = {5, STORE_SENT, 250, 100, 0, "250 ok\r\nmore"};
  struct store_result r2 = {6, STORE_DEFERRED, 421, 101, 400, "421 busy"};
  const struct store_result *got;
  struct seen seen = {0};
  size_t n = 9, recovered = 9;
  char *text;

  snprintf(store, sizeof(store), "%s/a.db", dir);
  snprintf(path, sizeof(path), "%s-outcomes.%ld", store, (long)getpid());
  must(outlog_open(store, "me:1", &lg, err, sizeof(err)));
  ok(exists(path), "the journal is STORE-outcomes.PID");
  is_int(outlog_add(lg, &r1, err, sizeof(err)), SM_OK, "an outcome is added");
  is_int(outlog_add(lg, &r2, err, sizeof(err)), SM_OK, "and another");
  got = outlog_results(lg, &n);
  is_int(n, 2, "both are held for the fold");
  is_str(n == 2 ? got[0].reply : "", "250 ok  more",
         "a reply's line break becomes spaces");
  text = slurp(path);
  is_str(text,
         "shortmail outcomes 1 me:1\n5 s 250 100 0 250 ok  more\n"
         "6 d 421 101 400 421 busy\n",
         "the file holds a header and a line per outcome");
  free(text);

  /* Locked by this process: recovery leaves it alone. */
  is_int(outlog_recover(store, fold, &seen, &recovered, err, sizeof(err)),
         SM_OK, "recovery beside a live journal succeeds");
  is_int(seen.calls * 10 + (int)recovered, 0, "and folds nothing of it");

  is_int(outlog_clear(lg, err, sizeof(err)), SM_OK, "the journal is emptied");
  got = outlog_results(lg, &n);
  is_int(n, 0, "nothing is held after it");
  text = slurp(path);
  is_str(text, "shortmail outcomes 1 me:1\n", "only the header is left");
  free(text);
  must(outlog_add(lg, &r2, err, sizeof(err)));
  text = slurp(path);
  is_str(text, "shortmail outcomes 1 me:1\n6 d 421 101 400 421 busy\n",
         "an outcome after the clear follows the header");
  free(text);
  must(outlog_clear(lg, err, sizeof(err)));
  outlog_close(lg);
  ok(!exists(path), "an empty journal is removed at close");

  /* Closed with outcomes in it (the store failed): it stays. */
  must(outlog_open(store, "me:2", &lg, err, sizeof(err)));
  must(outlog_add(lg, &r1, err, sizeof(err)));
  outlog_close(lg);
  ok(exists(path), "a journal that still holds outcomes stays at close");
  seen.answer = SM_ERR_TEMP;
  is_int(outlog_recover(store, fold, &seen, &recovered, err, sizeof(err)),
         SM_ERR_TEMP, "a fold that fails stops recovery");
  ok(strstr(err, path) != NULL, "and the error names the journal");
  ok(exists(path), "which stays for a later try");
  seen.answer = SM_OK;
  seen.calls = 0;
  is_int(outlog_recover(store, fold, &seen, &recovered, err, sizeof(err)),
         SM_OK, "then recovery succeeds");
  is_int(recovered, 1, "one outcome recovered");
  is_str(seen.owner, "me:2", "folded for the dead sender's claims");
  is_int(seen.res[0].id, 5, "the right row");
  ok(!exists(path), "and the journal is gone");
  seen.calls = 0;
  must(outlog_recover(store, fold, &seen, &recovered, err, sizeof(err)));
  is_int(seen.calls, 0, "a second recovery folds nothing");
}

/* A child opens a journal and writes outcomes, then either waits (alive)
 * or is killed. */
static void
test_other_process(const char *dir)
{
  char store[512], path[600], err[SM_ERRLEN] = "";
  int go[2], ready[2];
  pid_t pid;
  char c, *text;
  struct seen seen = {0};
  size_t recovered = 0;

  snprintf(store, sizeof(store), "%s/b.db", dir);
  must(pipe(go) || pipe(ready));
  pid = fork();
  must(pid < 0);
  if (pid == 0) {
    struct outlog *lg;
    struct store_result r = {41, STORE_SENT, 250, 7, 0, "250 queued"};

    if (outlog_open(store, "child:9", &lg, err, sizeof(err)) != SM_OK ||
        outlog_add(lg, &r, err, sizeof(err)) != SM_OK)
      _exit(1);
    if (write(ready[1], "r", 1) != 1)
      _exit(1);
    if (read(go[0], &c, 1) != 1)
      _exit(1);
    _exit(0); /* dies without folding or closing */
  }
  must(read(ready[0], &c, 1) != 1);
  snprintf(path, sizeof(path), "%s-outcomes.%ld", store, (long)pid);
  is_int(outlog_recover(store, fold, &seen, &recovered, err, sizeof(err)),
         SM_OK, "another live sender's journal: no error");
  is_int(seen.calls, 0, "and it is not folded while its sender lives");
  ok(exists(path), "nor removed");
  /* The child dies; a line cut by its death follows the whole one. */
  must(write(go[1], "g", 1) != 1);
  waitpid(pid, NULL, 0);
  {
    int fd = open(path, O_WRONLY | O_APPEND);

    must(fd < 0);
    must(write(fd, "42 s 250 8 0 250 que", 20) != 20);
    close(fd);
  }
  is_int(outlog_recover(store, fold, &seen, &recovered, err, sizeof(err)),
         SM_OK, "once it died, its journal is recovered");
  is_int(seen.calls, 1, "folded once");
  is_str(seen.owner, "child:9", "with its owner");
  is_int(seen.n, 1, "its whole line only, not the one its death cut");
  is_int(seen.res[0].id, 41, "the right row");
  ok(!exists(path), "and removed");

  /* A file under a journal's name that is none. */
  snprintf(path, sizeof(path), "%s-outcomes.77", store);
  must(util_write_file(path, "garbage\n", 8, err, sizeof(err)));
  is_int(outlog_recover(store, fold, &seen, &recovered, err, sizeof(err)),
         SM_ERR_DATA, "a file that is no journal stops recovery");
  ok(strstr(err, path) != NULL, "and the message names it");
  ok(exists(path), "it is left for the operator to look at");
  unlink(path);
  /* An empty journal: a sender that has not locked it yet (left alone),
   * or one that died before its header, long ago (removed). */
  snprintf(path, sizeof(path), "%s-outcomes.78", store);
  must(util_write_file(path, "", 0, err, sizeof(err)));
  is_int(outlog_recover(store, fold, &seen, &recovered, err, sizeof(err)),
         SM_OK, "an empty journal is no error");
  ok(exists(path), "a new empty one is left to its sender");
  {
    struct timespec old[2] = {{0, UTIME_OMIT}, {time(NULL) - 3600, 0}};

    must(utimensat(AT_FDCWD, path, old, 0));
  }
  must(outlog_recover(store, fold, &seen, &recovered, err, sizeof(err)));
  ok(!exists(path), "an empty one an hour old is removed");
  /* Names that are not a journal's are not looked at. */
  snprintf(path, sizeof(path), "%s-outcomes.77.old", store);
  must(util_write_file(path, "garbage\n", 8, err, sizeof(err)));
  is_int(outlog_recover(store, fold, &seen, &recovered, err, sizeof(err)),
         SM_OK, "a name that is no journal's is not read");
  unlink(path);
  /* A dead sender's journal with this process's id is not overwritten
   * by outlog_open. */
  {
    struct outlog *lg = NULL;

    snprintf(path, sizeof(path), "%s-outcomes.%ld", store, (long)getpid());
    must(util_write_file(path, "shortmail outcomes 1 old:1\n9 s 250 1 0 ok\n",
                         42, err, sizeof(err)));
    is_int(outlog_open(store, "me:3", &lg, err, sizeof(err)), SM_ERR_TEMP,
           "a journal in the way is not overwritten");
    ok(strstr(err, path) != NULL, "the message names it");
    text = slurp(path);
    is_str(text, "shortmail outcomes 1 old:1\n9 s 250 1 0 ok\n",
           "and it is as it was");
    free(text);
    unlink(path);
  }
  close(go[0]);
  close(go[1]);
  close(ready[0]);
  close(ready[1]);
}

int
main(void)
{
  char dir[] = "/tmp/test-outlog.XXXXXX";

  must(mkdtemp(dir) == NULL);
  test_parse();
  test_write_read(dir);
  test_other_process(dir);
  rmdir(dir);
  return done_testing();
}
