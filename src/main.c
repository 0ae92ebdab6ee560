/* main.c: `shortmail`, every command (dispatch.h). */
#include "config.h"

#include "cmd.h"
#include "dispatch.h"
#include "feed.h"
#include "http.h"
#include "inbound.h"

static const struct cmd_def *const commands[] = {
    &cmd_ingest_def,  &cmd_receive_def,     &cmd_fetch_def,
    &cmd_digest_def,  &cmd_preview_def,     &cmd_send_def,
    &cmd_queue_def,   &cmd_summaries_def,   &cmd_db_def,
    &cmd_sub_def,     &cmd_config_def,      &cmd_serve_def,
    &cmd_bounces_def, &cmd_post_def,        &cmd_comments_def,
    &cmd_stats_def,   &cmd_dkim_record_def, &cmd_help_def,
};

static void
init(void)
{
  http_global_init();
  feed_global_init();
  inbound_global_init();
}

static void
cleanup(void)
{
  feed_global_cleanup();
  http_global_cleanup();
}

int
main(int argc, char **argv)
{
  static const struct dispatch d = {
      .prog = "shortmail",
      .cmds = commands,
      .ncmds = sizeof(commands) / sizeof(commands[0]),
      .init = init,
      .cleanup = cleanup,
  };

  return dispatch_main(&d, argc, argv);
}
