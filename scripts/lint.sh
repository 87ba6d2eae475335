#!/usr/bin/env bash
# Format and lint checks on C++ files, changing nothing: clang-format in check mode (.clang-format)
# and clang-tidy (.clang-tidy, with the dev preset's compile_commands.json; .cpp files only, since a
# header is checked through the files that include it).
#
#   scripts/lint.sh                  files changed against the merge-base with main (commits, staged,
#                                    unstaged and untracked files)
#   scripts/lint.sh --base REF       the same against the merge-base with REF
#   scripts/lint.sh --all            every tracked C++ file
#   scripts/lint.sh --list FILE      the files listed in FILE (one path a line; # starts a comment)
#   scripts/lint.sh FILE...          the files given
# Options: --format-only, --tidy-only, --build-dir DIR (default build/dev).
# Exit status: 0 when every check passes, 1 when one fails (each file named), 2 on a usage error.
set -euo pipefail
cd "$(dirname "$0")/.."

base=main
mode=changed
list=""
format=1
tidy=1
build_dir=build/dev
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base="${2:?--base needs a ref}"; shift 2 ;;
    --all) mode=all; shift ;;
    --list) mode=list; list="${2:?--list needs a file}"; shift 2 ;;
    --format-only) tidy=0; shift ;;
    --tidy-only) format=0; shift ;;
    --build-dir) build_dir="${2:?--build-dir needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "lint: unknown option $1" >&2; exit 2 ;;
    *) mode=given; files+=("$1"); shift ;;
  esac
done

is_cxx() { case "$1" in *.cpp|*.hpp|*.h|*.cc) return 0 ;; *) return 1 ;; esac; }

case "$mode" in
  all) mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cc') ;;
  list)
    [ -f "$list" ] || { echo "lint: no such list: $list" >&2; exit 2; }
    mapfile -t files < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$list" | grep -v '^$' || true) ;;
  changed)
    fork=$(git merge-base HEAD "$base" 2>/dev/null) || { echo "lint: no merge-base with $base (try --base REF or --all)" >&2; exit 2; }
    mapfile -t files < <({ git diff --name-only --diff-filter=ACMR "$fork"; git ls-files --others --exclude-standard; } | sort -u) ;;
  given) ;;
esac

selected=()
for f in "${files[@]}"; do
  is_cxx "$f" || continue
  [ -f "$f" ] || { [ "$mode" = list ] && { echo "lint: listed file is missing: $f" >&2; exit 1; }; continue; }
  selected+=("$f")
done
if [ ${#selected[@]} -eq 0 ]; then
  echo "lint: no C++ files to check"
  exit 0
fi

failed=0
if [ "$format" = 1 ]; then
  command -v clang-format >/dev/null || { echo "lint: clang-format is not installed (scripts/setup.sh)" >&2; exit 1; }
  bad=()
  for f in "${selected[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    failed=1
    for f in "${bad[@]}"; do echo "lint: clang-format: $f differs from .clang-format (clang-format -i $f)"; done
  fi
  echo "lint: clang-format checked ${#selected[@]} file(s), ${#bad[@]} differ"
fi
if [ "$tidy" = 1 ]; then
  command -v clang-tidy >/dev/null || { echo "lint: clang-tidy is not installed (scripts/setup.sh)" >&2; exit 1; }
  [ -f "$build_dir/compile_commands.json" ] || { echo "lint: $build_dir/compile_commands.json missing: configure first (scripts/build.sh dev)" >&2; exit 1; }
  sources=()
  for f in "${selected[@]}"; do case "$f" in *.cpp|*.cc) sources+=("$f") ;; esac; done
  if [ ${#sources[@]} -gt 0 ]; then
    # Every finding fails the check (.clang-tidy keeps WarningsAsErrors empty so that an editor's
    # clang-tidy shows findings as warnings). One clang-tidy per file, as many at once as there are
    # cores (clang-tidy itself checks its files one after another).
    jobs="${ADMIX_LINT_JOBS:-$(nproc)}"
    if ! printf '%s\0' "${sources[@]}" |
        xargs -0 -n 1 -P "$jobs" clang-tidy --quiet --warnings-as-errors='*' -p "$build_dir"; then
      failed=1
      echo "lint: clang-tidy found problems (above)"
    fi
    echo "lint: clang-tidy checked ${#sources[@]} source file(s)"
  fi
fi
exit "$failed"
