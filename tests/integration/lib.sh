# Shared helpers for vmsilo's integration tests (sourced by bash).
# Exit 77 means "skipped" to meson; every skip states its reason.
set -euo pipefail

: "${VMSILO_BUILD:?run through meson test}"
B=$VMSILO_BUILD
T=$(mktemp -d /tmp/vmsilo-it.XXXXXX)
PIDS=()
CLEANUPS=()

cleanup() {
	local rc=$?
	for c in "${CLEANUPS[@]}"; do eval "$c" || true; done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
# grepq GREP-ARGS...: like grep -q at the end of a pipe, but reads all of its
# input, so that under pipefail the writer never dies of SIGPIPE when the
# match comes early (grep -q and grep >/dev/null both stop at the first one)
grepq() { [ "$(grep -c "$@")" -gt 0 ]; }

# Runs a command in the background and remembers it for cleanup.
bg() { "$@" & PIDS+=($!); }

wait_for_path() { # path [seconds]
	local i n=$(( ${2:-10} * 20 ))
	for ((i = 0; i < n; i++)); do [ -e "$1" ] && return 0; sleep 0.05; done
	fail "timed out waiting for $1"
}

# expect_fail CODE PATTERN cmd...: runs cmd, wants exit CODE and PATTERN on stderr.
expect_fail() {
	local code=$1 pattern=$2 rc=0; shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
	[ "$rc" = "$code" ] || { cat "$T/err" >&2; fail "$* exited $rc, expected $code"; }
	grep -qE -- "$pattern" "$T/err" || { cat "$T/err" >&2; fail "$*: stderr lacks /$pattern/"; }
}

need_root() { [ "$(id -u)" = 0 ] || skip "needs root ($1)"; }
