#!/bin/sh
# checksrc.sh: the source rules CI holds every change to (README): no
# banned function and no locale character class (scripts/checksrc), and
# every C file as clang-format (the repo's .clang-format) writes it. The
# compiler's part (-Werror, warn_unused_result on buf_*) is in the
# build: scripts/test configures with --enable-werror.
. "$top_srcdir/tests/lib.sh"

"$top_srcdir/scripts/checksrc" > "$T/checksrc" 2>&1
st=$?
is "$st" 0 "scripts/checksrc finds no banned function or locale class"
[ "$st" -eq 0 ] || sed 's/^/#   /' "$T/checksrc" | head -20

# A probe that must be caught, so that the checker itself can fail.
mkdir "$T/src"
printf '#include <ctype.h>\nint f(char *b, const char *s) { strcpy(b, s); return isspace(*s); }\n' > "$T/src/probe.c"
"$top_srcdir/scripts/checksrc" "$T/src/probe.c" > "$T/probe" 2>&1
st=$?
is "$st" 1 "and it does catch them"
like "$T/probe" "strcpy is banned" "strcpy"
like "$T/probe" "<ctype.h> depends on the locale" "<ctype.h>"
like "$T/probe" "isspace depends on the locale" "isspace"

if command -v clang-format >/dev/null; then
  n=0
  : > "$T/unformatted"
  cd "$top_srcdir" || exit 1
  for f in src/*.c src/*.h tests/*.c tests/*.h fuzz/*.c bench/*.c; do
    n=$((n + 1))
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f" >> "$T/unformatted"
  done
  is "$(wc -l < "$T/unformatted" | tr -d ' ')" 0 "all $n C files are as clang-format writes them"
  sed 's/^/#   needs clang-format -i: /' "$T/unformatted" | head -20
else
  ok 1 "clang-format is installed (scripts/install-deps)"
fi
done_testing
