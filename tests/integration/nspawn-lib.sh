# Helpers for tests (and the demo) that run vmsilo under a real systemd as
# PID 1 in a systemd-nspawn container. Source after lib.sh.
#
#   nspawn_root               the cached Debian root (debootstrap once), shared by all such tests
#   nspawn_prepare            nspawn_root + the build staged in $T/stage
#   nspawn_boot NAME ARGS...  boots it (volatile overlay: the cache stays clean); sets CT_PID
#   in_ct CMD...              runs a command inside (all namespaces of its PID 1)
#   nspawn_stop               powers it off
#
# The build's prefix (default /usr/local) is bind-mounted into the container,
# so the generator lands in /usr/local/lib/systemd/system-generators, where
# systemd looks.

# bump the suffix when the package list changes, so caches are rebuilt
NSPAWN_CACHE=${VMSILO_NSPAWN_CACHE:-/var/cache/vmsilo/nspawn-bookworm-3}
# systemd as PID 1, the system bus, and a user manager with its own bus
# (systemd-run --user, as vmsilo-guest-cmd uses it, needs them)
NSPAWN_PACKAGES=systemd,systemd-sysv,dbus,libpam-systemd,dbus-user-session
NSPAWN_MIRROR=${VMSILO_DEBIAN_MIRROR:-http://deb.debian.org/debian}

nspawn_root() {
	need_root "systemd-nspawn and debootstrap"
	command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed (package systemd-container)"
	command -v debootstrap >/dev/null || skip "debootstrap is not installed"
	grep -qw overlay /proc/filesystems || skip "the kernel has no overlayfs for a volatile container root"
	if [ ! -x "$NSPAWN_CACHE/lib/systemd/systemd" ]; then
		echo "# building the container root in $NSPAWN_CACHE (once, about a minute)"
		mkdir -p "$(dirname "$NSPAWN_CACHE")"
		rm -rf "$NSPAWN_CACHE.tmp"
		# one test at a time builds it; the others wait for the lock
		(
			flock 9
			[ -x "$NSPAWN_CACHE/lib/systemd/systemd" ] && exit 0
			rm -rf "$NSPAWN_CACHE.tmp"
			debootstrap --variant=minbase --include=$NSPAWN_PACKAGES bookworm \
				"$NSPAWN_CACHE.tmp" "$NSPAWN_MIRROR" >"$T/debootstrap.log" 2>&1 &&
				mv "$NSPAWN_CACHE.tmp" "$NSPAWN_CACHE"
		) 9>"$NSPAWN_CACHE.lock" || true
		[ -x "$NSPAWN_CACHE/lib/systemd/systemd" ] ||
			skip "debootstrap failed (no Debian mirror reachable?): $(tail -1 "$T/debootstrap.log" 2>/dev/null)"
	fi
}

nspawn_prepare() {
	nspawn_root
	STAGE=$T/stage
	meson install -C "$B" --destdir "$STAGE" --no-rebuild --quiet >"$T/install.log" 2>&1 ||
		{ cat "$T/install.log"; fail "meson install into the stage failed"; }
	PREFIX=$(meson introspect "$B" --buildoptions | python3 -c \
		'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
}

# Boots the container; a container that dies while booting (seen rarely on a
# loaded machine) is reported and booted once more.
nspawn_boot() { # name, extra nspawn args
	local attempt
	for attempt in 1 2; do
		nspawn_try_boot "$@" && return 0
		echo "# the container died while booting (attempt $attempt); its console:" >&2
		sed 's/^/#   /' "$T/console-$1.log" >&2
	done
	fail "the container did not boot"
}

nspawn_try_boot() {
	local name=$1 i; shift
	systemd-nspawn -D "$NSPAWN_CACHE" --volatile=overlay --boot --register=no --keep-unit \
		--console=pipe -M "$name" --bind-ro="$STAGE$PREFIX:$PREFIX" "$@" \
		>"$T/console-$name.log" 2>&1 </dev/null &
	NSPAWN_PID=$!
	PIDS+=("$NSPAWN_PID")
	CT_PID=
	# up to 90 s: booting is quick, but a loaded machine can be slow
	for ((i = 0; i < 1800; i++)); do
		CT_PID=$(pgrep -P "$NSPAWN_PID" | head -1 || true)
		# is-system-running exits 1 when degraded: read its answer, not its status
		if [ -n "$CT_PID" ] &&
			[[ $(nsenter -t "$CT_PID" -a systemctl is-system-running 2>/dev/null || true) =~ running|degraded ]]; then
			return 0
		fi
		kill -0 "$NSPAWN_PID" 2>/dev/null || { wait "$NSPAWN_PID" 2>/dev/null; CT_PID=; return 1; }
		sleep 0.05
	done
	cat "$T/console-$name.log"
	fail "the container did not finish booting within 90 s"
}

in_ct() { nsenter -t "$CT_PID" -a "$@"; }

nspawn_stop() {
	[ -n "${CT_PID:-}" ] || return 0
	in_ct systemctl poweroff >/dev/null 2>&1 || true
	wait "$NSPAWN_PID" 2>/dev/null || true
	CT_PID=
}
