/* test-conf.c: the configuration parser: defaults, values, errors that
 * name file:line. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "tap.h"

static void
bad(const char *text, const char *want_msg)
{
  struct conf c;
  char err[SM_ERRLEN] = "";
  char name[300];

  snprintf(name, sizeof(name), "rejected: %s", want_msg);
  is_int(conf_parse(&c, "t.conf", text, err, sizeof(err)), SM_ERR_CONFIG,
         name);
  if (!ok(strstr(err, want_msg) != NULL, "message names the fault"))
    diag("message was: %s", err);
}

int
main(void)
{
  struct conf c;
  char err[SM_ERRLEN] = "";

  is_int(conf_parse(&c, "t.conf", "", err, sizeof(err)), SM_OK,
         "empty file: defaults");
  is_str(c.list.address, "digest@lists.example.org", "default list address");
  is_str(c.list.local, "digest", "local part derived");
  is_str(c.list.domain, "lists.example.org", "domain derived");
  is_int(c.list.weekday, 1, "default weekday is monday");
  is_int(c.smtp.port, 25, "default smtp port");
  is_int(c.smtp.starttls, CONF_TLS_IF_OFFERED, "default starttls");
  is_int(c.feed.max_size, 64L * 1024 * 1024, "default max_size");
  ok(c.smtp.user == NULL, "no default smtp user");
  conf_free(&c);

  is_int(conf_parse(&c, "t.conf",
                    "# comment\n"
                    "[list]\n"
                    "address = papers@lists.example.net\n"
                    "  name = Paper digest  \n"
                    "weekday = Friday\n"
                    "\n"
                    "[site]\nurl = https://example.net/\n"
                    "[feed]\nmax_size = 2M\ntimeout = 5\n"
                    "[smtp]\nstarttls = required\nuser = bot\n"
                    "[log]\nsyslog = yes\nlevel = debug\n",
                    err, sizeof(err)),
         SM_OK, "full file parses");
  is_str(c.list.local, "papers", "address local part");
  is_str(c.list.name, "Paper digest", "value trimmed");
  is_int(c.list.weekday, 5, "weekday case-insensitive");
  is_str(c.site.url, "https://example.net", "site url loses trailing /");
  is_int(c.feed.max_size, 2 * 1024 * 1024, "size suffix M");
  is_int(c.feed.timeout, 5, "number");
  is_int(c.smtp.starttls, CONF_TLS_REQUIRED, "enum value");
  is_str(c.smtp.user, "bot", "optional string set");
  is_int(c.log.syslog, 1, "bool yes");
  conf_free(&c);

  bad("[list]\nadress = x@y\n", "t.conf:2: unknown key \"adress\" in [list]");
  bad("[lists]\n", "t.conf:1: unknown section [lists]");
  bad("address = x@y\n", "t.conf:1: key \"address\" outside any [section]");
  bad("[smtp]\nport = 70000\n", "t.conf:2: port: 70000 is outside 1..65535");
  bad("[smtp]\nport = 25x\n", "t.conf:2: port: \"25x\" is not a whole number");
  bad("[smtp]\nstarttls = maybe\n",
      "t.conf:2: starttls: \"maybe\" is not one");
  bad("[log]\nsyslog = perhaps\n", "syslog: \"perhaps\" is not yes or no");
  bad("[list]\nweekday = someday\n", "\"someday\" is not a day of the week");
  bad("\n\n[feed]\nthis line has no equals\n",
      "t.conf:4: expected \"key = value\"");
  bad("[list\n", "t.conf:1: malformed section header");
  bad("[list]\naddress = digest+x@example.org\n", "is not a plain address");
  bad("[list]\naddress = nodomain\n", "is not a plain address");
  bad("[site]\nurl = ftp://x\n", "must start with https://");
  bad("[feed]\nmax_size = 99G\n", "larger than the maximum");
  bad("[feed]\ntimeout =\n", "t.conf:2: timeout: empty value");

  is_int(conf_load(&c, "/nonexistent/shortmail.conf", 1, err, sizeof(err)),
         SM_ERR_CONFIG, "a named file that does not exist is an error");
  ok(strstr(err, "/nonexistent/shortmail.conf") != NULL,
     "message names the file");
  is_int(conf_load(&c, "/nonexistent/shortmail.conf", 0, err, sizeof(err)),
         SM_OK, "an absent default file means defaults");
  conf_free(&c);
  return done_testing();
}
