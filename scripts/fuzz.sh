#!/bin/sh
# scripts/fuzz.sh: `make fuzz`. Builds the fuzz targets with clang's
# libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer in a build
# directory of their own, then runs each target for FUZZ_SECONDS (30 by
# default) on a scratch copy of its seed corpus (new inputs never land in
# the source tree).
#
# Environment:
#   FUZZ_SECONDS   seconds per target (default 30)
#   FUZZ_ONLY      names to run, e.g. "feed conf" (default: every
#                  target in the Makefile's FUZZ_TARGETS)
#   FUZZ_BUILDDIR  where to build (default ./build-fuzz)
#   FUZZ_ARGS      extra libFuzzer flags, e.g. "-max_len=65536"
#   CC             the compiler (default clang)
#
# Exits 1 if a target crashed, and says where the crashing input is; it
# can be replayed with `build-fuzz/fuzz/fuzz-NAME FILE`, and added to
# fuzz/corpus/NAME/ once fixed so `make check` keeps replaying it.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${FUZZ_BUILDDIR:-$PWD/build-fuzz}
seconds=${FUZZ_SECONDS:-30}
cc=${CC:-clang}
jobs=$(nproc 2>/dev/null || echo 2)

case $seconds in
'' | *[!0-9]*)
  echo "fuzz.sh: FUZZ_SECONDS must be a number of seconds" >&2
  exit 2
  ;;
esac
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "fuzz.sh: $cc not found: install clang (and libclang-rt-dev)" >&2
  exit 2
fi

mkdir -p "$builddir"
cd "$builddir"
if [ ! -f Makefile ]; then
  echo "fuzz.sh: configuring in $builddir"
  "$srcdir/configure" -q CC="$cc" \
    CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined" \
    --enable-fuzzing
fi

# A build directory kept from an older tree first remakes its Makefile
# (configure.ac or a mk/*.am changed): that rerun of config.status
# prints to stdout, which must not land in the list below.
make -s Makefile > /dev/null
# The targets are what the mk/*.am fragments list in FUZZ_TARGETS.
# shellcheck disable=SC2016 # $(FUZZ_TARGETS) is for make, not the shell
all=$(printf 'fuzz-sh-print:\n\t@echo $(FUZZ_TARGETS)\n' |
  make -s -f Makefile -f - fuzz-sh-print)
targets=
for b in $all; do
  t=${b##*/fuzz-}
  if [ -n "${FUZZ_ONLY:-}" ]; then
    case " $FUZZ_ONLY " in *" $t "*) ;; *) continue ;; esac
  fi
  targets="$targets $t"
done
if [ -z "$targets" ]; then
  echo "fuzz.sh: no fuzz target to run (FUZZ_TARGETS: $all)" >&2
  exit 2
fi
bins=
for t in $targets; do bins="$bins fuzz/fuzz-$t"; done
echo "fuzz.sh: building$bins"
# db_sql.c is a BUILT_SOURCE, which only `all` and `check` make first.
make -s -j"$jobs" src/db_sql.c
# shellcheck disable=SC2086 # a list of targets
make -s -j"$jobs" $bins

scratch=$(mktemp -d "${TMPDIR:-/tmp}/shortmail-fuzz.XXXXXX")
failed=0
for t in $targets; do
  bin=$builddir/fuzz/fuzz-$t
  work=$scratch/$t
  mkdir -p "$work/corpus" "$work/artifacts"
  if [ -d "$srcdir/fuzz/corpus/$t" ]; then
    cp -R "$srcdir/fuzz/corpus/$t/." "$work/corpus/"
  fi
  dict=
  [ -f "$srcdir/fuzz/$t.dict" ] && dict="-dict=$srcdir/fuzz/$t.dict"
  echo "fuzz.sh: fuzz-$t for $seconds s (log: $work/fuzz.log)"
  # shellcheck disable=SC2086 # FUZZ_ARGS and dict are lists of flags
  if (cd "$work" && "$bin" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" $dict ${FUZZ_ARGS:-} \
    corpus) > "$work/fuzz.log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' \
      "$work/fuzz.log" | sed "s/^/fuzz.sh: fuzz-$t: /" || true
    echo "fuzz.sh: fuzz-$t: no crash; $(ls "$work/corpus" | wc -l | tr -d ' ') inputs in its corpus"
  else
    failed=1
    echo "fuzz.sh: fuzz-$t: CRASH" >&2
    tail -40 "$work/fuzz.log" >&2
    for a in "$work"/artifacts/*; do
      [ -f "$a" ] && echo "fuzz.sh: fuzz-$t: crashing input: $a" >&2
    done
    echo "fuzz.sh: replay with: $bin INPUT" >&2
  fi
done
if [ "$failed" -eq 0 ]; then
  rm -rf "$scratch"
else
  echo "fuzz.sh: inputs and logs kept in $scratch" >&2
fi
exit "$failed"
