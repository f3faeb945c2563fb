# vmsilo-guest-net against golden files: the networkd and resolved files it
# writes for the guest command lines that vmsilo-launch --dry-run gives the
# example netvm (a router, IsNetvm=yes) and its client banking (with an
# [Interface] of its own). Also: files written equal the --dry-run output,
# and malformed parameters are reported and skipped.
# VMSILO_UPDATE_GOLDEN=1 rewrites the golden file (review the diff!).
source "$(dirname "$0")/lib.sh"
DATA=$VMSILO_SOURCE/tests/data
LAUNCH=$B/tools/launch/vmsilo-launch
GN=$B/tools/guest-net/vmsilo-guest-net
export VMSILO_RUNTIME_DIR=/run/vmsilo VMSILO_CONFIG_DIR=$T/etc
mkdir -p "$T/etc"
cp "$DATA"/vm/good/*.vm "$T/etc/"

# cmdline VM: the guest's kernel command line, from the VMM's arguments
cmdline() {
	"$LAUNCH" --dry-run --cid 4242 "$1" | sed -n 's/^--params=//p; s/^--cmdline=//p' >"$T/$1.cmdline" \
		|| fail "vmsilo-launch --dry-run $1 failed"
	[ -s "$T/$1.cmdline" ] || fail "no kernel command line in vmsilo-launch's argv for $1"
}
for vm in netvm banking; do
	cmdline $vm
	echo "=== $vm"
	"$GN" --cmdline "$T/$vm.cmdline" --dry-run 2>"$T/$vm.err" || { cat "$T/$vm.err"; fail "$vm: vmsilo-guest-net failed"; }
	grep -q 'ignoring' "$T/$vm.err" && { cat "$T/$vm.err"; fail "$vm: parameters vmsilo-launch wrote were skipped"; }
done >"$T/guest-net.txt"
if [ "${VMSILO_UPDATE_GOLDEN:-}" = 1 ]; then
	cp "$T/guest-net.txt" "$DATA/golden/guest-net.txt"
	echo "golden file rewritten: $DATA/golden/guest-net.txt"
fi
diff -u "$DATA/golden/guest-net.txt" "$T/guest-net.txt" || fail "the files differ from tests/data/golden/guest-net.txt"
pass "networkd and resolved files for netvm and banking equal the golden file"

# the files written are the ones --dry-run shows, and nothing else is left
"$GN" --cmdline "$T/netvm.cmdline" --output-dir "$T/files/network" --resolved-dir "$T/files/resolved" 2>/dev/null \
	|| fail "writing the files failed"
"$GN" --cmdline "$T/netvm.cmdline" --output-dir "$T/files/network" --resolved-dir "$T/files/resolved" 2>/dev/null \
	|| fail "writing the files a second time failed"
(cd "$T/files" && for f in network/10-vmsilo-upstream.link network/10-vmsilo-upstream.network \
	network/10-vmsilo-banking.link network/10-vmsilo-banking.network resolved/vmsilo.conf; do
	echo "# $T/files/$f"; cat "$f"
done) | sed "s|^# $T/files/network/|# /run/systemd/network/|; s|^# $T/files/resolved/|# /run/systemd/resolved.conf.d/|" >"$T/written"
sed -n '/^=== netvm$/,/^=== /p' "$T/guest-net.txt" | grep -v '^=== ' >"$T/shown"
diff -u "$T/shown" "$T/written" || fail "the written files differ from --dry-run"
[ "$(find "$T/files" -type f | wc -l)" = 5 ] || fail "unexpected files: $(find "$T/files" -type f)"
[ "$(stat -c %a "$T/files/network/10-vmsilo-banking.network")" = 644 ] || fail "files are not mode 0644"
pass "the files written equal --dry-run's, mode 0644, no temporary files left"

# malformed entries: warned about with the reason, skipped; the rest applies
printf '%s ' 'vmsilo.ifname=eth0,02:00:00:00:00:01' 'vmsilo.ifname=bad*,02:00:00:00:00:02' \
	'vmsilo.addr=eth0,10.0.0.2/24' 'vmsilo.addr=eth0,10.0.0.300/24' 'vmsilo.dns=10.0.0.1' \
	$'vmsilo.dns=\x01' >"$T/bad.cmdline"
VMSILO_KERNEL_CMDLINE=$T/bad.cmdline "$GN" --dry-run >"$T/bad.out" 2>"$T/bad.err" \
	|| { cat "$T/bad.err"; fail "malformed entries made it fail"; }
grep -qF "ignoring vmsilo.ifname=bad*,02:00:00:00:00:02: an interface name takes only" "$T/bad.err" \
	|| { cat "$T/bad.err"; fail "no warning for a bad interface name"; }
grep -qF "ignoring vmsilo.addr=eth0,10.0.0.300/24: not an IPv4 or IPv6 address" "$T/bad.err" \
	|| { cat "$T/bad.err"; fail "no warning for a bad address"; }
grep -qF 'ignoring vmsilo.dns=\x01: not an IPv4 or IPv6 address' "$T/bad.err" \
	|| { cat "$T/bad.err"; fail "a control character reached the log unescaped"; }
grep -qx 'Address=10.0.0.2/24' "$T/bad.out" && grep -qx 'DNS=10.0.0.1' "$T/bad.out" \
	&& ! grep -q 'bad' "$T/bad.out" || { cat "$T/bad.out"; fail "the good entries were not kept"; }
pass "malformed parameters are reported (escaped) and skipped; the others apply"

"$GN" --help | grepq -- '--output-dir DIR' || fail "--help lacks --output-dir"
expect_fail 2 'unexpected argument' "$GN" extra
expect_fail 2 'Usage:' "$GN" --no-such-option
expect_fail 1 'reading the kernel command line' "$GN" --cmdline "$T/missing"
pass "--help, usage errors (exit 2), an unreadable command line (exit 1)"
