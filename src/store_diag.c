/* store_diag.c: what stands between a user and the store file, said in
 * an operator's terms before SQLite says it in its own.
 *
 * SQLite reports a store it cannot write as "attempt to write a readonly
 * database", and a directory it cannot create the -wal and -shm files in
 * as "unable to open database file": true, but they send an operator
 * looking for damage. The usual causes are an owner or a mode (a store
 * created by root for a service user, a directory without write
 * permission) or a missing directory, and each has its own fix and its
 * own exit code (77, 73). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_int.h"

/* Writes the name of user UID into BUF (the number if it has none). */
static const char *
user_name(uid_t uid, char *buf, size_t len)
{
  struct passwd *pw = getpwuid(uid);

  if (pw && pw->pw_name)
    snprintf(buf, len, "%s", pw->pw_name);
  else
    snprintf(buf, len, "uid %lu", (unsigned long)uid);
  return buf;
}

/* Splits PATH's directory into DIR ("." when PATH has no slash). */
static int
dir_of(const char *path, char *dir, size_t len)
{
  const char *slash = strrchr(path, '/');
  size_t n;

  if (!slash) {
    snprintf(dir, len, ".");
    return 0;
  }
  n = slash == path ? 1 : (size_t)(slash - path);
  if (n >= len)
    return -1;
  memcpy(dir, path, n);
  dir[n] = '\0';
  return 0;
}

/* As root, a new store goes to the owner of its directory: an operator
 * who runs `shortmail sub add` as root before the service's first run
 * must not leave a store the service user cannot open. SQLite, when run
 * as root, gives the -wal and -shm files the owner of the database file,
 * so owning the file is enough. */
static enum sm_status
create_for_owner(const char *path, const struct stat *dsb, char *err,
                 size_t errlen)
{
  char who[64];
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

  if (fd < 0) {
    if (errno == EEXIST)
      return SM_OK;
    snprintf(err, errlen, "%s: cannot create the store: %s", path,
             strerror(errno));
    return errno == EACCES ? SM_ERR_NOPERM : SM_ERR_CANTCREAT;
  }
  if (fchown(fd, dsb->st_uid, dsb->st_gid) < 0) {
    snprintf(err, errlen, "%s: cannot give the new store to %s: %s", path,
             user_name(dsb->st_uid, who, sizeof(who)), strerror(errno));
    close(fd);
    unlink(path);
    return SM_ERR_NOPERM;
  }
  close(fd);
  log_info("%s: created for %s, the owner of its directory", path,
           user_name(dsb->st_uid, who, sizeof(who)));
  return SM_OK;
}

enum sm_status
store_diagnose(const char *path, int flags, char *err, size_t errlen)
{
  char dir[4096], me[64], owner[64];
  struct stat sb, dsb;
  uid_t euid = geteuid();
  int exists;

  if (!strcmp(path, ":memory:") || !*path)
    return SM_OK;
  if (dir_of(path, dir, sizeof(dir)) < 0) {
    snprintf(err, errlen, "%s: the path is too long", path);
    return SM_ERR_CONFIG;
  }
  if (stat(dir, &dsb) < 0) {
    if (errno == ENOENT) {
      snprintf(err, errlen,
               "%s: the store's directory %s does not exist; create it "
               "for the user shortmail runs as (mkdir -p %s; chown USER %s), "
               "or set [store] path",
               path, dir, dir, dir);
      return SM_ERR_CANTCREAT;
    }
    snprintf(err, errlen, "%s: cannot look at the directory %s: %s", path, dir,
             strerror(errno));
    return errno == EACCES ? SM_ERR_NOPERM : SM_ERR_IO;
  }
  if (!S_ISDIR(dsb.st_mode)) {
    snprintf(err, errlen, "%s: %s is not a directory", path, dir);
    return SM_ERR_CANTCREAT;
  }
  user_name(euid, me, sizeof(me));
  exists = stat(path, &sb) == 0;
  if (!exists && errno != ENOENT) {
    snprintf(err, errlen, "%s: cannot look at the store: %s", path,
             strerror(errno));
    return errno == EACCES ? SM_ERR_NOPERM : SM_ERR_IO;
  }
  if (!exists) {
    if (flags & STORE_READONLY) {
      snprintf(err, errlen,
               "%s: no store here yet (any command that writes creates it; "
               "`shortmail db migrate` does only that)",
               path);
      return SM_ERR_NOINPUT;
    }
    if (access(dir, W_OK | X_OK) < 0) {
      snprintf(err, errlen,
               "%s: cannot create the store: %s is owned by %s and not "
               "writable by %s, the user shortmail runs as",
               path, dir, user_name(dsb.st_uid, owner, sizeof(owner)), me);
      return SM_ERR_NOPERM;
    }
    if (euid == 0 && dsb.st_uid != 0)
      return create_for_owner(path, &dsb, err, errlen);
    return SM_OK;
  }
  if (S_ISDIR(sb.st_mode)) {
    snprintf(err, errlen,
             "%s: is a directory, not a store (set [store] path "
             "to a file name)",
             path);
    return SM_ERR_CONFIG;
  }
  if (access(path, (flags & STORE_READONLY) ? R_OK : R_OK | W_OK) < 0) {
    snprintf(err, errlen,
             "%s: the store is owned by %s (mode %03o) and %s cannot %s it; "
             "run shortmail as %s, or chown the store and its -wal and -shm "
             "files",
             path, user_name(sb.st_uid, owner, sizeof(owner)),
             (unsigned)(sb.st_mode & 0777), me,
             (flags & STORE_READONLY) ? "read" : "write", owner);
    return SM_ERR_NOPERM;
  }
  if (!(flags & STORE_READONLY) && access(dir, W_OK | X_OK) < 0) {
    char wal[4200];

    /* In WAL mode SQLite creates PATH-wal and PATH-shm next to the store
     * on every open; an existing, writable pair will do. */
    snprintf(wal, sizeof(wal), "%s-wal", path);
    if (access(wal, W_OK) < 0) {
      snprintf(err, errlen,
               "%s: the directory %s is not writable by %s, and SQLite must "
               "create %s-wal and %s-shm beside the store; make it writable "
               "(chown %s %s)",
               path, dir, me, path, path, me, dir);
      return SM_ERR_NOPERM;
    }
  }
  return SM_OK;
}
