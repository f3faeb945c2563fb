# vmsilo-generator and vmsilo-launch --dry-run against golden files, for both
# hypervisors and every option group, and the exact errors for broken files.
# VMSILO_UPDATE_GOLDEN=1 rewrites the golden files (review the diff!).
source "$(dirname "$0")/lib.sh"
DATA=$VMSILO_SOURCE/tests/data
GEN=$B/tools/generator/vmsilo-generator
LAUNCH=$B/tools/launch/vmsilo-launch
export VMSILO_RUNTIME_DIR=/run/vmsilo
# the desktop user alice (uid 1000) and group vmsilo, read by the generator without NSS
export VMSILO_PASSWD_FILE=$DATA/accounts/passwd VMSILO_GROUP_FILE=$DATA/accounts/group

# Prints every generated file (symlinks as "-> target"), with the temp path hidden.
dump() { # dir
	(cd "$1" && find . -type f -o -type l | LC_ALL=C sort | while read -r f; do
		if [ -L "$f" ]; then echo "=== $f -> $(readlink "$f")"; else echo "=== $f"; cat "$f"; fi
	done) | sed "s|$T/etc|@CONFIGDIR@|g"
}

mkdir -p "$T/etc" "$T/out"
cp "$DATA"/vm/good/*.vm "$T/etc/"
VMSILO_CONFIG_DIR=$T/etc "$GEN" "$T/out" "$T/out" "$T/out" 2>"$T/gen.err" || { cat "$T/gen.err"; fail "generator failed"; }
# vault has a GPU, sound and no User=: its one warning is all the generator says
want_warning="vmsilo-generator: VM 'vault' has no [VM] User=: its GPU, sound and D-Bus proxy cannot reach the desktop session (they run as root without it; see units.md, \"Desktop session\")"
[ "$(cat "$T/gen.err")" = "$want_warning" ] || { cat "$T/gen.err"; fail "the generator said more or less than vault's warning"; }
dump "$T/out" >"$T/units.txt"
for vm in banking netvm vault; do
	VMSILO_CONFIG_DIR=$T/etc "$LAUNCH" --dry-run --cid 4242 "$vm" | sed "s|$T/etc|@CONFIGDIR@|g" >"$T/$vm.argv" ||
		fail "vmsilo-launch --dry-run $vm failed"
done

if [ "${VMSILO_UPDATE_GOLDEN:-}" = 1 ]; then
	mkdir -p "$DATA/golden"
	cp "$T/units.txt" "$DATA/golden/units.txt"
	for vm in banking netvm vault; do cp "$T/$vm.argv" "$DATA/golden/$vm.argv"; done
	echo "golden files rewritten in $DATA/golden"
fi
diff -u "$DATA/golden/units.txt" "$T/units.txt" || fail "generated units differ from tests/data/golden/units.txt"
pass "generated units equal the golden file ($(grep -c '^=== ' "$T/units.txt") files)"
for vm in banking netvm vault; do
	diff -u "$DATA/golden/$vm.argv" "$T/$vm.argv" || fail "vmsilo-launch --dry-run $vm differs from the golden file"
done
pass "vmsilo-launch --dry-run argv equal the golden files (cloud-hypervisor and crosvm)"

# the desktop session: banking (User=alice) runs its session sidecars as
# alice in group vmsilo; without the user or the group they stay root, with a
# warning naming what cannot work
grep -q '^User=alice$' "$T/out/vmsilo-banking-sound.service" || fail "banking's sound unit does not run as alice"
grep -q '^User=' "$T"/out/vmsilo-vault-*.service && fail "vault (no User=) got a User= line"
session_lines='^(User=|Group=vmsilo|UMask=|Environment=(XDG_RUNTIME_DIR|WAYLAND_DISPLAY|DBUS_SESSION)|ProtectHome=read-only|After=user@|SupplementaryGroups=)'
for case in user:"has User=alice, who is not in $T/passwd" group:"needs the group 'vmsilo', which is not in $T/group"; do
	printf 'root:x:0:0::/root:/bin/sh\n' >"$T/passwd"; printf 'root:x:0:\n' >"$T/group"
	[ "${case%%:*}" = user ] && cp "$DATA/accounts/group" "$T/group"
	[ "${case%%:*}" = group ] && cp "$DATA/accounts/passwd" "$T/passwd"
	rm -rf "$T/nos" && mkdir "$T/nos"
	VMSILO_PASSWD_FILE=$T/passwd VMSILO_GROUP_FILE=$T/group VMSILO_CONFIG_DIR=$T/etc "$GEN" "$T/nos" 2>"$T/err" ||
		fail "generator failed without the ${case%%:*}"
	grep -qF "VM 'banking' ${case#*:}: its GPU, sound and D-Bus proxy cannot reach the desktop session" "$T/err" ||
		{ cat "$T/err"; fail "no warning for banking without the ${case%%:*}"; }
	[ "$(grep -c "VM 'banking'" "$T/err")" = 1 ] || { cat "$T/err"; fail "not one warning per VM"; }
	grep -q "VM 'netvm'" "$T/err" && fail "netvm (no GPU, sound or D-Bus proxy) was warned about"
	grep -Eq "$session_lines" "$T"/nos/*.service && fail "session lines without the ${case%%:*}"
	# otherwise the units are the golden ones less the session lines
	diff <(grep -Ev "$session_lines" "$T/units.txt") <(dump "$T/nos") >/dev/null ||
		fail "without the ${case%%:*}, the units differ by more than the session lines"
done
pass "without the user or group vmsilo: one warning per VM naming what cannot reach the session; units as before"

# vmsilo-launch --prepare: the VM's directory and sound/ are root:vmsilo 0770
# when the group exists (also when the command socket unit made the directory
# first), 0755 as before when it does not
mkdir -p "$T/run/banking" && chmod 0755 "$T/run/banking"
VMSILO_RUNTIME_DIR=$T/run VMSILO_CONFIG_DIR=$T/etc "$LAUNCH" --prepare --cid 4242 banking 2>"$T/err" ||
	{ cat "$T/err"; fail "vmsilo-launch --prepare banking failed"; }
for d in banking banking/sound; do
	[ "$(stat -c '%a %u %g' "$T/run/$d")" = "770 0 983" ] || fail "$d: $(stat -c '%a %u %g' "$T/run/$d"), not 770 root:vmsilo"
done
VMSILO_GROUP_FILE=$T/group VMSILO_RUNTIME_DIR=$T/run VMSILO_CONFIG_DIR=$T/etc "$LAUNCH" --prepare --cid 4243 vault 2>"$T/err" ||
	{ cat "$T/err"; fail "vmsilo-launch --prepare vault failed"; }
[ "$(stat -c '%a %u %g' "$T/run/vault")" = "755 0 0" ] || fail "vault without group vmsilo: $(stat -c '%a %u %g' "$T/run/vault")"
pass "vmsilo-launch --prepare: the VM's directory and sound/ are root:vmsilo 0770 with the group, 0755 without"

# error fixtures: the exact message with file:line, and exit 1 from --check
for f in "$DATA"/vm/bad/*.vm; do
	name=$(basename "$f" .vm)
	rm -rf "$T/bad" && mkdir "$T/bad" && cp "$f" "$T/bad/"
	rc=0
	VMSILO_CONFIG_DIR=$T/bad "$GEN" --check 2>"$T/err" || rc=$?
	[ $rc = 1 ] || fail "$name: --check exited $rc"
	want="vmsilo-generator: skipping $(sed "s|@DIR@|$T/bad|" "$DATA/vm/bad/$name.err")"
	[ "$(cat "$T/err")" = "$want" ] || { echo "want: $want"; echo "got:  $(cat "$T/err")"; fail "$name: wrong message"; }
done
pass "$(ls "$DATA"/vm/bad/*.vm | wc -l) broken files give their exact file:line errors"

# a broken file never stops the others
cp "$DATA"/vm/bad/unknown-key.vm "$T/etc/"
rm -rf "$T/out2" && mkdir "$T/out2"
VMSILO_CONFIG_DIR=$T/etc "$GEN" "$T/out2" "$T/out2" "$T/out2" 2>"$T/err" || fail "generator failed with a broken file present"
grep -q "skipping .*unknown-key.vm:4" "$T/err" || fail "broken file not reported"
[ "$(dump "$T/out2")" = "$(cat "$T/units.txt")" ] || fail "a broken file changed the other VMs' units"
pass "a broken file is skipped and reported; the others are unchanged"

# cross-VM checks: a netvm that does not route
rm -rf "$T/x" && mkdir "$T/x" && cp "$DATA/vm/good/banking.vm" "$T/x/"
printf '[VM]\nKernel=/k\nRootDisk=/r\n' >"$T/x/netvm.vm"
rc=0; VMSILO_CONFIG_DIR=$T/x "$GEN" --check 2>"$T/err" || rc=$?
[ $rc = 1 ] && grep -q "Netvm=netvm, but $T/x/netvm.vm does not set IsNetvm=yes" "$T/err" || { cat "$T/err"; fail "netvm without IsNetvm"; }
pass "Netvm= must name a VM with IsNetvm=yes"

# CIDs: stable, unique, >= 3, pinned ones kept
for i in $(seq 1 50); do printf '[VM]\nKernel=/k\nRootDisk=/r\n' >"$T/x/vm$i.vm"; done
rm "$T/x/banking.vm"
rm -rf "$T/o1" "$T/o2" && mkdir "$T/o1" "$T/o2"
VMSILO_CONFIG_DIR=$T/x "$GEN" "$T/o1" "$T/o1" "$T/o1" 2>/dev/null
VMSILO_CONFIG_DIR=$T/x "$GEN" "$T/o2" "$T/o2" "$T/o2" 2>/dev/null
cids=$(grep -ho 'VMSILO_CID=[0-9]*' "$T"/o1/vmsilo-*-vm.service | sort)
[ "$(echo "$cids" | wc -l)" = 51 ] || fail "expected 51 VMs"
[ "$(echo "$cids" | sort -u | wc -l)" = 51 ] || fail "CIDs are not unique"
[ "$cids" = "$(grep -ho 'VMSILO_CID=[0-9]*' "$T"/o2/vmsilo-*-vm.service | sort)" ] || fail "CIDs are not stable"
echo "$cids" | awk -F= '$2 < 3 { exit 1 }' || fail "a CID below 3"
grep -q VMSILO_CID=77 "$T/out/vmsilo-netvm-vm.service" || fail "pinned CID not kept"
pass "51 VMs get unique, stable CIDs >= 3; pinned CIDs are kept"
