# vmsilo-dbus-proxy, notifications end to end: notify-send on the guest bus ->
# guest role -> host role -> a recording notification server on the host bus
# (tests/helpers/notify-recorder.py), and close/action signals back to the
# guest client. Real dbus-daemons, real notify-send and gdbus.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dbus-proxy-lib.sh"
command -v notify-send >/dev/null || skip "notify-send (libnotify-bin) is not installed"
command -v gdbus >/dev/null || skip "gdbus (libglib2.0-bin) is not installed"

start_recorder
start_host_proxy
start_guest_proxy
wait_for_name "$GUEST_BUS" org.freedesktop.Notifications

# 1. summary prefix, whitelisted hints kept, guest x-vmsilo-* and unknown hints dropped, markup reduced
on_guest notify-send -u critical -c email.arrived -h string:x-vmsilo-vm:evil -h string:x-vmsilo-color:#00ff00 \
	-h string:desktop-entry:firefox -h int:x-unknown:5 "Hello" \
	'body <b>bold</b> <img src="file:///etc/shadow"/> <a href="javascript:alert(1)">js</a> <a href="https://example.org/">ok</a> <script>x</script>' \
	|| fail "notify-send failed"
wait_for_line "$T/rec" '"summary": "\[testvm\] Hello"'
e() { json_last "$T/rec" '"summary": "\[testvm\] Hello"' "$1"; }
[ "$(e 'e["hints"]["x-vmsilo-vm"]')" = testvm ] || fail "x-vmsilo-vm is not the host's: $(e 'e["hints"]')"
[ "$(e 'e["hints"]["x-vmsilo-color"]')" = "#ff0000" ] || fail "x-vmsilo-color is not the host's"
[ "$(e 'e["hints"]["urgency"]')" = 2 ] || fail "urgency lost"
[ "$(e 'e["hints"]["category"]')" = email.arrived ] || fail "category lost"
[ "$(e 'e["hints"]["desktop-entry"]')" = firefox ] || fail "desktop-entry lost"
[ "$(e '"x-unknown" in e["hints"]')" = False ] || fail "a hint outside the whitelist reached the host"
body=$(e 'e["body"]')
[ "$body" = 'body <b>bold</b>  js <a href="https://example.org/">ok</a> x' ] || fail "body not reduced to the safe subset: '$body'"
pass "notify-send reaches the host server as [testvm] <summary> with sanitized hints and body"

# 2. --wait: closing on the host reaches the guest client
on_guest timeout 20 notify-send --wait "Waiting" "close me" >"$T/wait.out" 2>&1 &
WAITER=$!
wait_for_line "$T/rec" '"summary": "\[testvm\] Waiting"'
hid=$(json_last "$T/rec" '"summary": "\[testvm\] Waiting"' 'e["id"]')
on_host dbus-send --session --dest=org.freedesktop.Notifications --type=method_call \
	/org/freedesktop/Notifications org.vmsilo.Test.EmitClosed "uint32:$hid" uint32:2
wait $WAITER || fail "notify-send --wait did not see its notification closed (rc $?)"
pass "a notification closed on the host closes it in the guest"

# 3. --action: invoking an action on the host reaches the guest client
on_guest timeout 20 notify-send --action=yes=Yes --action=no=No "Question" "yes or no" >"$T/action.out" 2>&1 &
ASKER=$!
wait_for_line "$T/rec" '"summary": "\[testvm\] Question"'
hid=$(json_last "$T/rec" '"summary": "\[testvm\] Question"' 'e["id"]')
[ "$(json_last "$T/rec" '"summary": "\[testvm\] Question"' 'e["actions"]')" = "['yes', 'Yes', 'no', 'No']" ] \
	|| fail "actions not forwarded"
# signals forged by another host bus connection, or for ids this VM never
# showed, must not reach the guest: the client would print "yes" and exit
on_host dbus-send --session --type=signal /org/freedesktop/Notifications \
	org.freedesktop.Notifications.ActionInvoked "uint32:$hid" string:yes
wait_for_line "$T/host.log" "ignored ActionInvoked for notification $hid from :"
on_host dbus-send --session --type=signal /org/freedesktop/Notifications \
	org.freedesktop.Notifications.NotificationClosed "uint32:$hid" uint32:2
wait_for_line "$T/host.log" "ignored NotificationClosed for notification $hid from :"
on_host dbus-send --session --dest=org.freedesktop.Notifications --type=method_call \
	/org/freedesktop/Notifications org.vmsilo.Test.EmitAction uint32:99999 string:yes
wait_for_line "$T/host.log" "ignored ActionInvoked for notification 99999 from :"
kill -0 $ASKER 2>/dev/null || fail "a forged signal ended the guest client: $(cat "$T/action.out")"
pass "forged ActionInvoked/NotificationClosed from another connection, or for a foreign id, are ignored"
on_host dbus-send --session --dest=org.freedesktop.Notifications --type=method_call \
	/org/freedesktop/Notifications org.vmsilo.Test.EmitAction "uint32:$hid" string:no
wait_for_line "$T/action.out" '^no$'
! grep -q '^yes$' "$T/action.out" || fail "a forged action reached the guest client"
on_host dbus-send --session --dest=org.freedesktop.Notifications --type=method_call \
	/org/freedesktop/Notifications org.vmsilo.Test.EmitClosed "uint32:$hid" uint32:2
wait $ASKER || fail "notify-send --action did not finish (rc $?)"
pass "an action invoked on the host reaches the guest client"

# 4. CloseNotification from the guest closes the host notification
out=$(on_guest gdbus call --session --dest org.freedesktop.Notifications --object-path /org/freedesktop/Notifications \
	--method org.freedesktop.Notifications.Notify app 0 '' Closable body '[]' '{}' 0)
gid=$(echo "$out" | sed -E 's/.*uint32 ([0-9]+).*/\1/')
wait_for_line "$T/rec" '"summary": "\[testvm\] Closable"'
hid=$(json_last "$T/rec" '"summary": "\[testvm\] Closable"' 'e["id"]')
on_guest gdbus call --session --dest org.freedesktop.Notifications --object-path /org/freedesktop/Notifications \
	--method org.freedesktop.Notifications.CloseNotification "$gid" >/dev/null
wait_for_line "$T/rec" "\"call\": \"CloseNotification\", \"id\": $hid}"
pass "CloseNotification in the guest closes the host notification"

# 5. image-data: 40x40 RGBA, scaled never, bordered in the VM color (2 px), inside untouched
pixels=$($PY -c 'print(", ".join(["byte 0x10, byte 0x20, byte 0x30, byte 0x80"] * 1600))')
on_guest gdbus call --session --dest org.freedesktop.Notifications --object-path /org/freedesktop/Notifications \
	--method org.freedesktop.Notifications.Notify app 0 '' Picture body '[]' \
	"{'image-data': <(40, 40, 160, true, 8, 4, [$pixels])>}" 0 >/dev/null
wait_for_line "$T/rec" '"summary": "\[testvm\] Picture"'
img() { json_last "$T/rec" '"summary": "\[testvm\] Picture"' "e['hints']['image-data']['$1']"; }
[ "$(img width)x$(img height) $(img channels) $(img len)" = "40x40 4 6400" ] || fail "image-data layout changed"
[ "$(img corner)" = ff0000ff ] || fail "no VM-colored border: corner $(img corner)"
[ "$(img center)" = 10203080 ] || fail "the picture inside the border changed: $(img center)"
pass "image-data arrives with a border in the VM color"

# 6. replacing keeps the host notification
out=$(on_guest gdbus call --session --dest org.freedesktop.Notifications --object-path /org/freedesktop/Notifications \
	--method org.freedesktop.Notifications.Notify app 0 '' First body '[]' '{}' 0)
gid=$(echo "$out" | sed -E 's/.*uint32 ([0-9]+).*/\1/')
wait_for_line "$T/rec" '"summary": "\[testvm\] First"'
hid=$(json_last "$T/rec" '"summary": "\[testvm\] First"' 'e["id"]')
on_guest gdbus call --session --dest org.freedesktop.Notifications --object-path /org/freedesktop/Notifications \
	--method org.freedesktop.Notifications.Notify app "$gid" '' Second body '[]' '{}' 0 >/dev/null
wait_for_line "$T/rec" '"summary": "\[testvm\] Second"'
[ "$(json_last "$T/rec" '"summary": "\[testvm\] Second"' 'e["replaces_id"]')" = "$hid" ] || fail "replaces_id not mapped"
pass "replaces_id maps to the host notification"

grep -q "seccomp allow-list installed (enforce)" "$T/host.log" || fail "host role ran without seccomp"
kill -0 "${PIDS[@]: -1}" 2>/dev/null || fail "guest role died"
pass "host role served everything under its seccomp allow-list"

# a host-to-guest message type the guest does not know (from a newer host) is
# skipped, not a reason to hang up (docs/dbus-proxy-protocol.md, Versioning);
# the "host" here is a few lines of python speaking the frame format
start_bus SPARE
$PY - "$T/fakehost.sock" >"$T/fakehost.out" 2>&1 <<'PYEOF' &
import socket, struct, sys, time
srv = socket.socket(socket.AF_UNIX)
srv.bind(sys.argv[1])
srv.listen(1)
srv.settimeout(10)
c, _ = srv.accept()
for payload in (bytes([1, 0x9f, 0, 0, 0, 1]), bytes([1, 0xfe])):
    c.sendall(struct.pack(">I", len(payload)) + payload)
time.sleep(1)
c.settimeout(0.2)
try:
    print("closed" if c.recv(1) == b"" else "data")
except socket.timeout:
    print("open")
PYEOF
FAKEHOST=$!
wait_for_path "$T/fakehost.sock"
bg env DBUS_SESSION_BUS_ADDRESS=$SPARE_BUS "$PROXY" guest --connect-unix "$T/fakehost.sock" --timeout 10 \
	--log-level debug 2>>"$T/guest2.log"
wait $FAKEHOST || fail "the fake host failed: $(cat "$T/fakehost.out")"
[ "$(cat "$T/fakehost.out")" = open ] || fail "the guest hung up on unknown host message types: $(cat "$T/guest2.log")"
grep -q "ignoring host message type 0x9f" "$T/guest2.log" || fail "unknown type 0x9f not logged"
grep -q "ignoring host message type 0xfe" "$T/guest2.log" || fail "unknown type 0xfe not logged"
pass "the guest role skips host-to-guest message types it does not know"

# usage errors
expect_fail 2 "needs --vm and --color" "$PROXY" host --vm testvm
expect_fail 2 "invalid --color" "$PROXY" host --vm testvm --color red
expect_fail 2 "invalid VM name" "$PROXY" host --vm 'Bad Name' --color '#000000'
expect_fail 2 "unknown role" "$PROXY" middle
pass "usage errors"
stop_and_check_sanitizers
