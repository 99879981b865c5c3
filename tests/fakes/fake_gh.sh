#!/usr/bin/env bash
# A stand-in for the GitHub CLI (`gh`) in tests/test_github_setup.py: no network, no account. In bash rather than
# Python, because the setup script calls gh about fifty times a run and an interpreter's start-up would dominate.
#
# $FAKE_GH_DIR holds the scenario the test wrote and receives the calls:
#   routes/<METHOD>_<path, '/' as '%'>   the answer to one route: line 1 the HTTP status, line 2 the error message,
#                                        then the body; an unlisted GET answers 404, an unlisted change 200 with {}
#   signed-out                           present: `gh auth status` fails
#   calls/<00001...>                     one per `gh api` call: the method, the path, then the body read from stdin
# Like gh, an HTTP error prints the body on stdout and `gh: <message> (HTTP <status>)` on stderr, and exits 1.
set -u
dir=$FAKE_GH_DIR

if [ "${1:-}" = auth ] && [ "${2:-}" = status ]; then
  if [ -e "$dir/signed-out" ]; then
    echo "fake gh: not signed in" >&2
    exit 1
  fi
  echo "fake gh: signed in" >&2
  exit 0
fi
if [ "${1:-}" != api ]; then
  echo "fake gh: unsupported command $*" >&2
  exit 2
fi
shift

method="" path="" input="" fields=0
while [ $# -gt 0 ]; do
  case "$1" in
    --method | -X) method=${2^^}; shift 2 ;;
    --input) input=$2; shift 2 ;;
    -H | --header) shift 2 ;;
    -f | -F | --field | --raw-field) fields=1; shift 2 ;;
    --jq | -q) echo "fake gh: --jq is not supported (the script pipes to jq)" >&2; exit 2 ;;
    --paginate | --silent | -i | --include) shift ;;
    -*) echo "fake gh: unexpected flag $1" >&2; exit 2 ;;
    *) path=${1#/}; shift ;;
  esac
done
if [ -z "$method" ]; then
  if [ -n "$input" ] || [ "$fields" = 1 ]; then method=POST; else method=GET; fi
fi
# Builtins only from here (no command substitution, no external tool): the script calls gh ~50 times a run.
body=""
if [ "$input" = "-" ]; then IFS= read -r -d '' body || true; fi

[ -d "$dir/calls" ] || mkdir "$dir/calls"
count=0
if [ -f "$dir/count" ]; then read -r count < "$dir/count"; fi
count=$((count + 1))
echo "$count" > "$dir/count"
printf -v entry '%05d' "$count"
printf '%s\n%s\n%s' "$method" "$path" "$body" > "$dir/calls/$entry"

route="${method}_${path%%\?*}"
file="$dir/routes/${route//\//%}"
if [ -f "$file" ]; then
  { read -r status; read -r message; IFS= read -r -d '' answer || true; } < "$file"
elif [ "$method" = GET ]; then
  status=404 message="Not Found" answer='{"message": "Not Found"}'
else
  status=200 message="" answer='{}'
fi
if [ "$status" -ge 400 ]; then
  printf '%s\n' "$answer"
  echo "gh: ${message:-error} (HTTP $status)" >&2
  exit 1
fi
if [ "$status" != 204 ]; then printf '%s\n' "$answer"; fi
