# nixos-module/desktop-entries.sh, which desktop.nix runs for each VM: the
# guest packages' desktop entries become host entries that start the program
# through vm-run, filed in the VM's own menu folder, with the icons copied.
source "$(dirname "$0")/lib.sh"
P=$T/firefox
mkdir -p "$P/share/applications" "$P/share/icons/hicolor/48x48/apps"
echo png >"$P/share/icons/hicolor/48x48/apps/firefox.png"
cat >"$P/share/applications/firefox.desktop" <<'ENTRY'
[Desktop Entry]
Type=Application
Name=Firefox
Name[de]=Firefox Browser
TryExec=firefox
Exec=firefox --name firefox %U
Icon=firefox
Categories=Network;WebBrowser;
DBusActivatable=false

[Desktop Action new-window]
Name=New Window
Exec=firefox --new-window %u
ENTRY
bash "$VMSILO_SOURCE/nixos-module/desktop-entries.sh" "$T/out" banking "$P" || fail "script failed"
E=$T/out/share/applications/vmsilo-banking-firefox.desktop
[ -f "$E" ] || fail "no rewritten entry"
grep -qx 'Exec=vm-run banking firefox --name firefox' "$E" || { cat "$E"; fail "Exec not rewritten"; }
grep -qx 'Exec=vm-run banking firefox --new-window' "$E" || fail "action Exec not rewritten"
grep -qx 'Name=\[banking\] Firefox' "$E" && grep -qx 'Name\[de\]=\[banking\] Firefox Browser' "$E" || fail "Name not marked"
grep -qx 'Name=New Window' "$E" || fail "action Name changed"
grep -qx 'Categories=X-vmsilo-banking;' "$E" || fail "not in the VM's category"
[ "$(grep -c '^Categories=' "$E")" = 1 ] || fail "original Categories kept"
if grep -qE '^(TryExec|DBusActivatable)=' "$E"; then fail "host-only keys kept"; fi
pass "entry rewritten to vm-run, named and categorised for the VM"
[ -f "$T/out/share/icons/hicolor/48x48/apps/firefox.png" ] || fail "icon not copied"
grep -q '<Category>X-vmsilo-banking</Category>' "$T/out/etc/xdg/menus/applications-merged/vmsilo-banking.menu" \
	|| fail "no menu folder"
grep -qx 'Name=VM: banking' "$T/out/share/desktop-directories/vmsilo-banking.directory" || fail "no directory entry"
pass "icons copied, menu folder and directory entry written"
