# vmsilo-dbus-proxy, tray end to end: a guest StatusNotifierItem with a
# dbusmenu (tests/helpers/sni-item.py) registers with the guest role acting as
# the guest's watcher; the host role exports it on the host bus, where a test
# watcher (tests/helpers/sni-watcher.py) records what it sees and clicks like a
# tray would. Real dbus-daemons; the host role runs under seccomp enforce.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dbus-proxy-lib.sh"

bg env DBUS_SESSION_BUS_ADDRESS=$HOST_BUS $PY "$H/sni-watcher.py" "$T/watcher"
wait_for_path "$T/watcher.ready"
start_host_proxy --tray
start_guest_proxy --tray
wait_for_name "$GUEST_BUS" org.kde.StatusNotifierWatcher
bg env DBUS_SESSION_BUS_ADDRESS=$GUEST_BUS $PY "$H/sni-item.py" "$T/item"
ITEM_PID=${PIDS[-1]}
wait_for_path "$T/item.ready"

wait_for_line "$T/watcher" '"event": "registered"'
w() { json_last "$T/watcher" "$1" "$2"; }
R='"event": "registered"'
[ "$(w "$R" 'e["title"]')" = "[testvm] Guest App" ] || fail "title not prefixed and cleaned: $(w "$R" 'e["title"]')"
[ "$(w "$R" 'e["tooltip"]')" = "[testvm] Tip" ] || fail "tooltip not prefixed"
[ "$(w "$R" 'e["id"]')" = "vmsilo-testvm-guest-app" ] || fail "id not namespaced"
[ "$(w "$R" 'e["icons"][0]["corner"]')" = ffff0000 ] || fail "icon has no VM-colored border"
[ "$(w "$R" 'e["icons"][0]["center"]')" = 80102030 ] || fail "icon inside the border changed"
pass "a guest tray item appears at the host watcher, prefixed, with a bordered icon"

menu=$(w "$R" '[(c["id"], c.get("label", c.get("type"))) for c in e["layout"]["children"]]')
[ "$menu" = "[(1, '_Open'), (2, 'separator'), (3, 'More'), (5, 'Check')]" ] || fail "menu not mirrored: $menu"
[ "$(w "$R" 'e["layout"]["children"][2]["children"][0]["label"]')" = Deep ] || fail "submenu not mirrored"
[ "$(w "$R" 'e["layout"]["children"][3]["toggle-state"]')" = 1 ] || fail "toggle state lost"
pass "the dbusmenu layout is mirrored"

svc=$(w "$R" 'e["service"]')
on_host dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher \
	org.vmsilo.Test.Click "string:$svc" int32:4 >/dev/null || fail "clicking failed"
wait_for_line "$T/item" '"call": "Event", "id": 4, "event": "clicked"'
pass "clicking a host menu item reaches the guest item's Event handler"

# what a tray sends the host item's menu directly: known ids reach the guest
# item, ids outside the mirrored tree do not (and get an error, as from
# libdbusmenu); the item logs every call it gets, so the absence is checkable
menu_call() { on_host gdbus call --session --dest "$svc" --object-path /MenuBar --method "com.canonical.dbusmenu.$1" "${@:2}"; }
! menu_call Event 99 clicked '<0>' 'uint32 0' >/dev/null 2>"$T/err" || fail "Event for unknown id 99 was accepted"
grep -q "no menu item 99" "$T/err" || fail "Event for an unknown id: $(cat "$T/err")"
out=$(menu_call EventGroup "[(98, 'clicked', <0>, uint32 0), (5, 'clicked', <0>, uint32 0), (-7, 'hovered', <0>, uint32 0)]") \
	|| fail "EventGroup failed"
[ "$out" = "([98, -7],)" ] || fail "EventGroup idErrors: $out"
wait_for_line "$T/item" '"call": "Event", "id": 5, "event": "clicked"'
! menu_call AboutToShow 97 >/dev/null 2>&1 || fail "AboutToShow for unknown id 97 was accepted"
[ "$(menu_call AboutToShow 3)" = "(false,)" ] || fail "AboutToShow 3 did not answer false"
wait_for_line "$T/item" '"call": "AboutToShow", "id": 3'
out=$(menu_call AboutToShowGroup "[1, 96]") || fail "AboutToShowGroup failed"
[ "$out" = "(@ai [], [96])" ] || fail "AboutToShowGroup answers $out"
wait_for_line "$T/item" '"call": "AboutToShow", "id": 1'
for id in 99 98 97 96 -7; do
	! grep -q "\"id\": $id[,}]" "$T/item" || fail "a menu call for unknown id $id reached the guest item"
done
grep -q "menu event clicked for unknown item 99 of guest tray item" "$T/host.log" || fail "unknown id not logged"
pass "menu Event, EventGroup, AboutToShow(Group) reach the guest only for ids in the mirrored menu"

on_host dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher \
	org.vmsilo.Test.Activate "string:$svc" >/dev/null || fail "activating failed"
wait_for_line "$T/item" '"call": "Activate", "x": 7, "y": 8'
pass "activating the host item activates the guest item"

item_call() { on_host gdbus call --session --dest "$svc" --object-path /StatusNotifierItem --method "org.kde.StatusNotifierItem.$1" "${@:2}"; }
item_call Scroll 120 horizontal >/dev/null || fail "Scroll failed"
wait_for_line "$T/item" '"call": "Scroll", "delta": 120, "orientation": "horizontal"'
item_call Scroll -- -2147483648 Vertical >/dev/null || fail "Scroll with a huge delta failed"
wait_for_line "$T/item" '"call": "Scroll", "delta": -1200, "orientation": "vertical"'
! item_call Scroll 5 diagonal >/dev/null 2>&1 || fail "Scroll with a bad orientation was accepted"
item_call Scroll 2147483647 vertical >/dev/null || fail "Scroll failed"
wait_for_line "$T/item" '"call": "Scroll", "delta": 1200, "orientation": "vertical"'
! grep -q '"diagonal"' "$T/item" || fail "a bad orientation reached the guest item"
[ "$(grep -c '"call": "Scroll"' "$T/item")" = 3 ] || fail "unexpected Scroll calls at the guest item"
pass "Scroll reaches the guest item with its orientation checked and its delta clamped to 1200"

on_guest dbus-send --session --print-reply --dest="org.kde.StatusNotifierItem-$ITEM_PID-1" \
	/StatusNotifierItem org.vmsilo.Test.SetTitle "string:Renamed <b>" >/dev/null || fail "renaming failed"
wait_for_line "$T/watcher" '"event": "updated".*"title": "\[testvm\] Renamed <b>"'
pass "a NewTitle in the guest updates the host item"

kill "$ITEM_PID"
wait_for_line "$T/watcher" "\"event\": \"unregistered\", \"service\": \"$svc\""
pass "removing the guest item unregisters it on the host"
grep -q "seccomp allow-list installed (enforce)" "$T/host.log" || fail "host role ran without seccomp"
stop_and_check_sanitizers
