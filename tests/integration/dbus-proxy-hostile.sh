# vmsilo-dbus-proxy host role against a hostile guest: each crafted message
# (tests/helpers/dbus-proxy-hostile.c) must make the host hang up and log why,
# and nothing from it may reach the host bus, where a recording notification
# server listens. A valid message afterwards still goes through.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dbus-proxy-lib.sh"
HOSTILE=$B/tests/helpers/dbus-proxy-hostile

start_recorder
start_host_proxy

check() { # case log-pattern
	"$HOSTILE" "$SOCK" "$1" || fail "case $1: host did not hang up"
	wait_for_line "$T/host.log" "$2"
	pass "$1: host disconnected ($2)"
}
check oversized-string 'body is 100000 bytes, over the limit of 16384'
check bad-utf8 'body is not valid UTF-8'
check huge-pixmap 'hint image is 10000x10000, outside 1..256'
check length-mismatch 'hint image data is 1023 bytes, 16x16 ARGB32 needs 1024'
check deep-menu 'menu deeper than 8 levels'
check many-actions '10000 action strings, over the limit of 32'
check odd-actions 'odd action list'
check bad-action-key 'action key #0 does not match'
check unknown-type 'unknown message type 0x42'
check host-only-type 'sent ACTION_INVOKED, which only the host may send'
check bad-version 'protocol version 9, expected 1'
check trailing-bytes 'trailing bytes after NOTIFY'
check truncated-frame 'inside a message .truncated frame.'
check oversized-frame 'announced a message over 3145728 bytes'

"$HOSTILE" "$SOCK" valid || fail "the host hung up on a valid message"
wait_for_line "$T/rec" '"summary": "\[testvm\] GOOD"'
pass "after all that, a valid notification still goes through"

! grep -q EVIL "$T/rec" || fail "crafted data reached the host bus: $(grep EVIL "$T/rec")"
pass "nothing from a malformed message reached the host bus"
