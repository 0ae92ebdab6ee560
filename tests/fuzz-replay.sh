#!/bin/sh
# tests/fuzz-replay.sh: runs every fuzz target built in $top_builddir/fuzz
# on each file of its seed corpus, fuzz/corpus/NAME/, and expects exit 0.
# Without --enable-fuzzing the targets get their main() from fuzz/replay.c;
# with it they are libFuzzer binaries, which given files (not directories)
# run just those files. Either way the sanitizer build checks the seeds.
. "$top_srcdir/tests/lib.sh"

n=0
for bin in "$top_builddir"/fuzz/fuzz-*; do
  case $bin in *.o | *.c | *.log | *.trs) continue ;; esac
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  name=${bin##*/fuzz-}
  corpus=$top_srcdir/fuzz/corpus/$name
  n=$((n + 1))
  if [ ! -d "$corpus" ] || [ -z "$(ls "$corpus")" ]; then
    ok 1 "fuzz-$name: no seed corpus in fuzz/corpus/$name"
    continue
  fi
  seeds=$(ls "$corpus" | wc -l | tr -d ' ')
  "$bin" "$corpus"/* > "$T/fuzz-$name.log" 2>&1
  status=$?
  if [ "$status" -eq 0 ]; then
    ok 0 "fuzz-$name: $seeds seeds from fuzz/corpus/$name"
  else
    ok 1 "fuzz-$name: $seeds seeds from fuzz/corpus/$name (exit $status)"
    tail -40 "$T/fuzz-$name.log" | sed 's/^/#   /'
  fi
done
if [ "$n" -eq 0 ]; then
  ok 1 "no fuzz target built in $top_builddir/fuzz"
fi
done_testing
