/* test-names.c: the name tables of the states that travel as words (a
 * reader's status and frequency in the store, receive's outcome in the
 * log): every value has one name, names are distinct, and each reads
 * back to its value. */
#include "config.h"

#include <string.h>

#include "model.h"
#include "receive.h"
#include "tap.h"

int
main(void)
{
  /* The words the schema's CHECK constraints allow (db/0001). */
  static const char *const statuses[] = {"pending", "confirmed",
                                         "unsubscribed", "disabled"};
  static const char *const freqs[] = {"weekly", "daily"};

  for (int i = 0; i < MODEL_NSTATUS; i++) {
    is_str(model_status_name((enum model_status)i), statuses[i],
           "a status's name is the schema's word");
    is_int(model_status_parse(statuses[i]), i, "and reads back");
  }
  is_int(model_status_parse("Confirmed"), -1, "names are exact");
  is_int(model_status_parse(NULL), -1, "no name");
  is_int(model_status_parse_anycase("Confirmed"), MODEL_CONFIRMED,
         "any case: Confirmed");
  is_int(model_status_parse_anycase("UNSUBSCRIBED"), MODEL_UNSUBSCRIBED,
         "any case: UNSUBSCRIBED");
  is_int(model_status_parse_anycase("confirme"), -1,
         "any case, still whole names");
  is_int(model_status_parse_anycase(NULL), -1, "any case: no name");
  is_str(model_status_name((enum model_status)MODEL_NSTATUS), "?",
         "out of range");
  for (int i = 0; i < MODEL_NFREQUENCY; i++) {
    is_str(model_frequency_name((enum model_frequency)i), freqs[i],
           "a frequency's name is the schema's word");
    is_int(model_frequency_parse(freqs[i]), i, "and reads back");
  }
  is_int(model_frequency_parse("monthly"), -1, "no such frequency");
  is_int(model_frequency_parse_anycase("Daily"), MODEL_DAILY,
         "any case: Daily");
  is_int(model_frequency_parse_anycase("Monthly"), -1,
         "any case: no such frequency");

  int distinct = 1, named = 1;
  for (int i = 0; i < RECEIVE_NOUTCOMES; i++) {
    const char *a = receive_outcome_name((enum receive_outcome)i);
    named &= strcmp(a, "?") != 0 && *a;
    for (int j = 0; j < i; j++)
      distinct &=
          strcmp(a, receive_outcome_name((enum receive_outcome)j)) != 0;
  }
  ok(named, "every receive outcome has a name");
  ok(distinct, "and no two share one");
  is_str(receive_outcome_name(RECEIVE_COMMAND), "command",
         "commands by mail, to the request address or in a reply, are one "
         "outcome");
  is_str(receive_outcome_name(RECEIVE_QUARANTINED), "quarantined",
         "quarantined");
  return done_testing();
}
