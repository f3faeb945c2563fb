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

on_host dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher \
	org.vmsilo.Test.Activate "string:$svc" >/dev/null || fail "activating failed"
wait_for_line "$T/item" '"call": "Activate", "x": 7, "y": 8'
pass "activating the host item activates the guest item"

on_guest dbus-send --session --print-reply --dest="org.kde.StatusNotifierItem-$ITEM_PID-1" \
	/StatusNotifierItem org.vmsilo.Test.SetTitle "string:Renamed <b>" >/dev/null || fail "renaming failed"
wait_for_line "$T/watcher" '"event": "updated".*"title": "\[testvm\] Renamed <b>"'
pass "a NewTitle in the guest updates the host item"

kill "$ITEM_PID"
wait_for_line "$T/watcher" "\"event\": \"unregistered\", \"service\": \"$svc\""
pass "removing the guest item unregisters it on the host"
grep -q "seccomp allow-list installed (enforce)" "$T/host.log" || fail "host role ran without seccomp"
