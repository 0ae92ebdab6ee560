/* replay.c: a main() for fuzz targets built without libFuzzer. It runs
 * LLVMFuzzerTestOneInput once on each file named, or on each file of each
 * directory named, so the seed corpus (and any crash input saved by a
 * fuzzing run) is exercised by `make check` in every build, including the
 * sanitizer one. Arguments starting with '-' are libFuzzer flags and are
 * ignored, so the same command line works with both kinds of binary. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Inputs larger than this are not seeds; refuse rather than swap. */
#define REPLAY_MAX_INPUT (64L * 1024 * 1024)

static long replay_count;

/* Runs one file; 0 on success, -1 if it cannot be read. The input goes
 * into a buffer of exactly its size, as libFuzzer does, so that
 * AddressSanitizer catches a read one byte past the end. */
static int
replay_file(const char *path)
{
  FILE *fp = fopen(path, "rb");
  uint8_t *data = NULL;
  long size;
  int rc = -1;

  if (!fp) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (fseek(fp, 0, SEEK_END) < 0 || (size = ftell(fp)) < 0 ||
      fseek(fp, 0, SEEK_SET) < 0) {
    fprintf(stderr, "replay: %s: cannot find its size\n", path);
    goto done;
  }
  if (size > REPLAY_MAX_INPUT) {
    fprintf(stderr, "replay: %s: %ld bytes, more than %ld\n", path, size,
            REPLAY_MAX_INPUT);
    goto done;
  }
  data = malloc(size ? (size_t)size : 1);
  if (!data) {
    fprintf(stderr, "replay: %s: out of memory\n", path);
    goto done;
  }
  if (size && fread(data, 1, (size_t)size, fp) != (size_t)size) {
    fprintf(stderr, "replay: %s: read error\n", path);
    goto done;
  }
  LLVMFuzzerTestOneInput(data, (size_t)size);
  replay_count++;
  rc = 0;
done:
  free(data);
  fclose(fp);
  return rc;
}

static int
name_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir, in name order so runs are repeatable. */
static int
replay_dir(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL, **tmp;
  size_t n = 0, cap = 0;
  int rc = 0;

  if (!d) {
    fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
    return -1;
  }
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      tmp = realloc(names, cap * sizeof(*names));
      if (!tmp) {
        rc = -1;
        break;
      }
      names = tmp;
    }
    if (!(names[n] = strdup(e->d_name))) {
      rc = -1;
      break;
    }
    n++;
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof(*names), name_cmp);
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(dir) + strlen(names[i]) + 2;
    char *path = malloc(len);
    struct stat sb;

    if (!path) {
      rc = -1;
    } else {
      snprintf(path, len, "%s/%s", dir, names[i]);
      if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && replay_file(path))
        rc = -1;
    }
    free(path);
    free(names[i]);
  }
  free(names);
  if (rc)
    fprintf(stderr, "replay: %s: could not read every input\n", dir);
  return rc;
}

int
main(int argc, char **argv)
{
  int failed = 0, ninputs = 0;

  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    struct stat sb;

    if (argv[i][0] == '-')
      continue;
    ninputs++;
    if (stat(argv[i], &sb) < 0) {
      fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
      failed = 1;
    } else if (S_ISDIR(sb.st_mode) ? replay_dir(argv[i])
                                   : replay_file(argv[i])) {
      failed = 1;
    }
  }
  if (!ninputs) {
    fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
    return 2;
  }
  fprintf(stderr, "replay: %ld inputs run from %d arguments%s\n", replay_count,
          ninputs, failed ? "; some could not be read" : "");
  return failed;
}
