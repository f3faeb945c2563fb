# The NixOS module evaluated with nixpkgs' lib (from $VMSILO_NIXPKGS_LIB) and
# the stand-ins of tests/nix: the example configuration and an every-option
# configuration produce .vm files equal to the golden files under tests/data,
# which the C parser accepts; each assertion fires on its bad configuration
# with its message; duplicate CIDs and colors warn.
# VMSILO_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
source "$(dirname "$0")/lib.sh"
command -v nix-instantiate >/dev/null || skip "nix-instantiate is not installed (Debian: nix-bin)"
[ -n "${VMSILO_NIXPKGS_LIB:-}" ] || skip "VMSILO_NIXPKGS_LIB is not set (path to nixpkgs' lib directory)"
[ -f "$VMSILO_NIXPKGS_LIB/default.nix" ] || skip "VMSILO_NIXPKGS_LIB=$VMSILO_NIXPKGS_LIB has no default.nix"
export NIX_STATE_DIR=$T/nix-state NIX_LOG_DIR=$T/nix-log
S=$VMSILO_SOURCE
CHECK=$B/tests/helpers/vm-config-check

# evaluate CONFIG.nix: JSON of tests/nix/eval.nix on stdout
evaluate() {
	nix-instantiate --eval --strict --json "$S/tests/nix/eval.nix" \
		--arg libPath "$VMSILO_NIXPKGS_LIB" --arg configuration "$1"
}
# field JSON-FILE EXPR: a python expression over d
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# golden CONFIG.nix DIR: the generated .vm files equal DIR/*.vm
golden() {
	local config=$1 dir=$2 out=$T/out-$(basename "$2")
	evaluate "$config" >"$T/eval.json" || fail "$config does not evaluate"
	[ "$(field "$T/eval.json" 'len(d["failedAssertions"])')" = 0 ] \
		|| fail "$config fails assertions: $(field "$T/eval.json" 'd["failedAssertions"]')"
	mkdir -p "$out"
	python3 -c '
import json, sys, os
d = json.load(open(sys.argv[1]))
for name, text in d["etc"].items():
    open(os.path.join(sys.argv[2], name), "w").write(text)' "$T/eval.json" "$out"
	if [ -n "${VMSILO_UPDATE_GOLDEN:-}" ]; then
		mkdir -p "$dir"; rm -f "$dir"/*.vm; cp "$out"/*.vm "$dir"/
	fi
	diff -ru "$dir" "$out" || fail "generated .vm files differ from $dir"
	"$CHECK" "$out"/*.vm >/dev/null || fail "the C parser rejects a generated .vm file"
}

golden "$S/example/vms.nix" "$S/tests/data/nix-example"
pass "example configuration: .vm files equal tests/data/nix-example and load in C"
[ "$(field "$T/eval.json" 'len(d["warnings"])')" = 0 ] || fail "example warns: $(field "$T/eval.json" 'd["warnings"]')"
# has JSON EXPR GREP-ARGS...: the field's text matches
has() { local j=$1 e=$2; shift 2; field "$j" "$e" >"$T/field"; grep -q "$@" "$T/field"; }
has "$T/eval.json" 'd["generators"]["vmsilo"]' '/lib/systemd/system-generators/vmsilo-generator$' \
	|| fail "systemd.generators.vmsilo is not registered"
has "$T/eval.json" '"\n".join(d["tmpfiles"])' -x 'C /shared/banking/home - - - - /var/lib/vmsilo/home-template' \
	|| fail "banking's shared home is not seeded from the template"
if has "$T/eval.json" '"\n".join(d["tmpfiles"])' /shared/netvm/home; then
	fail "netvm has sharedHome = false but gets a home"
fi
has "$T/eval.json" 'd["polkit"]' 'subject.user == "alice"' || fail "polkit rule lacks the user"
has "$T/eval.json" 'd["bash"]' 'banking netvm vault' || fail "bash completion lacks the VM names"
pass "generator registered, homes seeded from the template, polkit and completion for the user"

golden "$S/tests/nix/all-options.nix" "$S/tests/data/nix-all-options"
pass "every-option configuration: .vm files equal tests/data/nix-all-options and load in C"

# bad NAME MESSAGE-REGEX: a configuration (stdin, a module body) fails with it
bad() {
	local name=$1 want=$2
	{ echo '{ pkgs, lib, ... }: {'; cat; echo '}'; } >"$T/$name.nix"
	evaluate "$T/$name.nix" >"$T/bad.json" 2>"$T/err" || { cat "$T/err" >&2; fail "$name: evaluation failed"; }
	field "$T/bad.json" '"\n".join(d["failedAssertions"])' >"$T/msgs"
	grep -qE -- "$want" "$T/msgs" || { cat "$T/msgs" >&2; fail "$name: no assertion matching /$want/"; }
	pass "assertion $name: $(grep -E -- "$want" "$T/msgs" | head -1 | cut -c1-90)..."
}
base='users.users.alice.uid = 1000; programs.vmsilo = { enable = true; user = "alice"; };'

bad no-uid 'needs an explicit uid: set users.users.alice.uid' <<<'
	programs.vmsilo = { enable = true; user = "alice"; nixosVms.a = {}; };'
bad host-name 'nixosVms.host: the VM name "host" is reserved' <<<"$base"'
	programs.vmsilo.nixosVms.host = {};'
bad netvm-not-netvm 'nixosVms.a.network.netvm = "b": that VM does not route for others; set programs.vmsilo.nixosVms.b.network.isNetvm = true' <<<"$base"'
	programs.vmsilo.nixosVms = { a.network.netvm = "b"; b.color = "red"; };'
bad netvm-missing 'nixosVms.a.network.netvm = "nope": no VM has that name' <<<"$base"'
	programs.vmsilo.nixosVms.a.network.netvm = "nope";'
bad host-and-bridge 'interfaces.wan: tap.hostAddress and tap.bridge exclude each other' <<<"$base"'
	programs.vmsilo.nixosVms.a.network.interfaces.wan.tap = { hostAddress = "10.0.0.1/24"; bridge = "br0"; };'
bad upstream 'interfaces.upstream: the name "upstream" is taken by the link that network.netvm creates' <<<"$base"'
	programs.vmsilo.nixosVms.a.network = { netvm = "host"; interfaces.upstream = {}; };'
bad acl-translate 'sharedDirectories.s: translateUid/translateGid do not work with POSIX ACLs; set posixAcl = false' <<<"$base"'
	programs.vmsilo.nixosVms.a.sharedDirectories.s = { path = "/x"; translateUid = "map:0:1000:1"; };'
bad bad-name 'nixosVms.Bad_VM: VM names are 1-64 lowercase' <<<"$base"'
	programs.vmsilo.nixosVms.Bad_VM = {};'
bad depends 'nixosVms.a.dependsOn: no VM is called "ghost"' <<<"$base"'
	programs.vmsilo.nixosVms.a.dependsOn = [ "ghost" ];'
bad disk-path 'additionalDisks.0: a disk needs a `path`' <<<"$base"'
	programs.vmsilo.nixosVms.a.additionalDisks = [ { ro = true; } ];'

# warnings: a pinned CID used twice, a color used twice
{ echo '{ ... }: {'; echo "$base"; echo 'programs.vmsilo.nixosVms = { a = { cid = 7; color = "red"; }; b = { cid = 7; color = "red"; }; c.color = "blue"; }; }'; } >"$T/dups.nix"
evaluate "$T/dups.nix" >"$T/dups.json" || fail "duplicate configuration does not evaluate"
field "$T/dups.json" '"\n".join(d["warnings"])' >"$T/warn"
grep -q 'pin the same vsock CID.*7 (a, b)' "$T/warn" || { cat "$T/warn"; fail "no duplicate-CID warning"; }
grep -q 'share a window color.*red (a, b)' "$T/warn" || { cat "$T/warn"; fail "no duplicate-color warning"; }
if grep -q blue "$T/warn"; then fail "a unique color was reported"; fi
pass "duplicate CIDs and colors warn, naming the VMs"

{ echo '{ ... }: {'; echo "$base"; echo 'programs.vmsilo.nixosVms.a.usbDevices = [ { vendorId = "1234"; productId = "abcd"; } ]; }'; } >"$T/usb.nix"
evaluate "$T/usb.nix" >"$T/usb.json" || fail "the usbDevices configuration does not evaluate"
field "$T/usb.json" '"\n".join(d["warnings"])' >"$T/usb-warn"
if grep -q . "$T/usb-warn"; then cat "$T/usb-warn"; fail "usbDevices warn"; fi
field "$T/usb.json" 'd["etc"]["a.vm"]' >"$T/usb.vm"
grep -qx 'USB=1234:abcd' "$T/usb.vm" || fail "usbDevices do not become USB="
[ "$(field "$T/usb.json" '" ".join(d["kernelModules"])')" = usbip-host ] || fail "the host does not load usbip-host"
pass "usbDevices become USB= lines without a warning; the host loads usbip-host"

# a value that would break the file's line structure is refused at evaluation
{ echo '{ ... }: {'; echo "$base"; echo 'programs.vmsilo.nixosVms.a.kernelParams = [ "a\nb" ]; }'; } >"$T/nl.nix"
expect_fail 1 'programs.vmsilo.nixosVms.a KernelParam: value' evaluate "$T/nl.nix"
pass "a newline inside a value is refused"

# The guest configuration (rootfs/configuration.nix): where the writable
# layer lives, and that every unit it enables without defining is shipped.
guest_eval() { # rootOverlay -> $T/guest-<overlay>.json
	nix-instantiate --eval --strict --json "$S/tests/nix/guest-eval.nix" \
		--arg libPath "$VMSILO_NIXPKGS_LIB" --argstr rootOverlay "$1" >"$T/guest-$1.json" \
		|| fail "the guest configuration does not evaluate with rootOverlay = $1"
}
guest_eval raw
guest_eval tmpfs
rw='d["fileSystems"]["/nix/.rw-store"]'
[ "$(field "$T/guest-raw.json" "$rw[\"device\"], $rw[\"fsType\"]")" = "/dev/vdb ext4" ] \
	|| fail "raw overlay: $(field "$T/guest-raw.json" "$rw")"
[ "$(field "$T/guest-tmpfs.json" "$rw[\"fsType\"]")" = tmpfs ] \
	|| fail "tmpfs overlay: $(field "$T/guest-tmpfs.json" "$rw")"
if grep -q /dev/vdb "$T/guest-tmpfs.json"; then fail "the tmpfs guest still expects /dev/vdb"; fi
[ "$(field "$T/guest-raw.json" 'd["fileSystems"]["/nix/store"]["overlay"]["upperdir"]')" = /nix/.rw-store/store ] \
	|| fail "the store overlay does not write into /nix/.rw-store"
[ "$(field "$T/guest-raw.json" 'd["initrdSystemd"]')" = True ] || fail "the guest initrd is not systemd's"
pass "guest rootOverlay: raw mounts /dev/vdb, tmpfs keeps the upper layer in RAM"
grep -q -- '^RootDisk=.*-tmpfs.erofs$' "$S/tests/data/nix-all-options/router.vm" \
	|| fail "the host module does not hand rootOverlay.type to the image builder"
grep -q '^KernelParam=init=/nix/store/.*/init$' "$S/tests/data/nix-example/banking.vm" \
	|| fail "the built image's VMs lack init= on the kernel command line"
grep -qx 'KernelParam=root=fstab' "$S/tests/data/nix-example/banking.vm" \
	|| fail "the built image's own kernel parameters are not passed on"
pass "the host module builds the image for the VM's overlay type and boots it with init= and its own parameters"
for kind in services sockets userServices; do
	suffix=.service; [ $kind = sockets ] && suffix=.socket
	for unit in $(field "$T/guest-raw.json" "' '.join(d[\"$kind\"])"); do
		[ -e "$S/rootfs/units/$unit$suffix" ] || [ -e "$S/rootfs/units/$unit$suffix.in" ] \
			|| fail "the guest enables $unit$suffix, which the package does not ship"
	done
done
pass "every unit the guest enables is shipped in rootfs/units: $(field "$T/guest-raw.json" "' '.join(d['services'] + d['sockets'] + d['userServices'])")"
enabled=$(field "$T/guest-raw.json" "'\n'.join(d['services'])")
for unit in vmsilo-guest-net vmsilo-guest-router; do
	grep -qx $unit <<<"$enabled" || fail "the guest does not enable $unit.service: $enabled"
done
pass "the guest enables its network units (vmsilo-guest-net, vmsilo-guest-router)"

# the built kernel in the form each VMM boots
{ echo '{ ... }: {'; echo "$base"; echo 'programs.vmsilo.nixosVms = { c.hypervisor = "crosvm"; h = {}; }; }'; } >"$T/kernels.nix"
evaluate "$T/kernels.nix" >"$T/kernels.json" || fail "the two-VMM configuration does not evaluate"
field "$T/kernels.json" 'd["etc"]["c.vm"]' >"$T/c.vm"
field "$T/kernels.json" 'd["etc"]["h.vm"]' >"$T/h.vm"
grep -qx 'Kernel=/nix/store/.*/bzImage' "$T/c.vm" || fail "crosvm does not get the bzImage"
grep -qx 'Kernel=/nix/store/.*/vmlinux' "$T/h.vm" || fail "cloud-hypervisor does not get vmlinux"
pass "the built kernel: vmlinux for cloud-hypervisor, bzImage for crosvm"

# The flake's outputs, with nixpkgs' lib and no packages: every harness in
# fuzz/ has an app, and the other output sets are there for both systems.
nix-instantiate --eval --strict --json --expr '
	let
	  lib = import '"$VMSILO_NIXPKGS_LIB"';
	  nixpkgs = { inherit lib; legacyPackages = lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] (s: {}); };
	  self = (import '"$S"'/flake.nix).outputs { inherit self nixpkgs; };
	in {
	  apps = builtins.attrNames self.apps.x86_64-linux;
	  sets = map (o: builtins.attrNames self.${o}.aarch64-linux) [ "packages" "checks" "devShells" ];
	  top = builtins.attrNames self;
	}' >"$T/flake.json" || fail "the flake's outputs do not evaluate"
want=$(cd "$S/fuzz" && ls fuzz-*.c | sed 's/\.c$//' | sort | tr '\n' ' ')
[ "$(field "$T/flake.json" '" ".join(sorted(d["apps"]))') " = "$want" ] \
	|| fail "flake apps $(field "$T/flake.json" 'd["apps"]') are not the harnesses $want"
[ "$(field "$T/flake.json" 'd["sets"]')" = "[['default'], ['build', 'tests'], ['default', 'fuzz']]" ] \
	|| fail "flake output sets: $(field "$T/flake.json" 'd["sets"]')"
[ "$(field "$T/flake.json" '" ".join(d["top"])')" = "apps checks devShells lib nixosModules packages" ] \
	|| fail "flake outputs: $(field "$T/flake.json" 'd["top"]')"
pass "flake: an app per fuzz harness ($(echo $want | wc -w)), packages, checks, devShells, lib, nixosModules"
