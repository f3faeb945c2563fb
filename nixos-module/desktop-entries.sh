#!/usr/bin/env bash
# desktop-entries.sh OUT VM PACKAGE...
# Builds one VM's host menu: every .desktop entry of the VM's packages,
# rewritten to run inside the VM through vm-run, filed under a menu folder of
# its own, plus the packages' icons. Used by desktop.nix; tested on its own.
set -euo pipefail
out=$1 vm=$2; shift 2

apps=$out/share/applications
mkdir -p "$apps" "$out/share/icons" "$out/share/pixmaps" \
	"$out/share/desktop-directories" "$out/etc/xdg/menus/applications-merged"

# Exec= gets vm-run in front and loses its field codes (%f, %U, ...): files
# and URLs on the host are not reachable from the guest. Name= shows the VM.
# TryExec= and DBusActivatable= would refer to the host and are dropped.
rewrite() {
	awk -v vm="$vm" '
	/^\[/ { entry = ($0 == "[Desktop Entry]"); print; if (entry) {
		print "Categories=X-vmsilo-" vm ";"; print "X-vmsilo-VM=" vm }; next }
	/^Exec=/ { cmd = substr($0, 6); gsub(/[ \t]*%[fFuUdDnNickvm]/, "", cmd);
		print "Exec=vm-run " vm " " cmd; next }
	/^(TryExec|DBusActivatable)=/ { next }
	entry && /^Categories=/ { next }
	entry && /^Name(\[[^]]*\])?=/ { sub(/=/, "=[" vm "] "); print; next }
	{ print }' "$1"
}

for pkg in "$@"; do
	if [ -d "$pkg/share/applications" ]; then
		for f in "$pkg"/share/applications/*.desktop; do
			[ -e "$f" ] || continue
			rewrite "$f" >"$apps/vmsilo-$vm-$(basename "$f")"
		done
	fi
	for d in icons pixmaps; do
		if [ -d "$pkg/share/$d" ]; then
			cp -rn --no-preserve=mode "$pkg/share/$d/." "$out/share/$d/"
		fi
	done
done

cat >"$out/share/desktop-directories/vmsilo-$vm.directory" <<DIR
[Desktop Entry]
Type=Directory
Name=VM: $vm
Icon=computer
DIR

cat >"$out/etc/xdg/menus/applications-merged/vmsilo-$vm.menu" <<MENU
<!DOCTYPE Menu PUBLIC "-//freedesktop//DTD Menu 1.0//EN"
 "http://www.freedesktop.org/standards/menu-spec/1.0/menu.dtd">
<Menu>
  <Name>Applications</Name>
  <Menu>
    <Name>vmsilo-$vm</Name>
    <Directory>vmsilo-$vm.directory</Directory>
    <Include><Category>X-vmsilo-$vm</Category></Include>
  </Menu>
</Menu>
MENU
