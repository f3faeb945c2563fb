# Every .nix file of the tree parses (nix-instantiate --parse). Needs nix only.
source "$(dirname "$0")/lib.sh"
command -v nix-instantiate >/dev/null || skip "nix-instantiate is not installed (Debian: nix-bin)"
export NIX_STATE_DIR=$T/nix-state NIX_LOG_DIR=$T/nix-log

S=${VMSILO_SOURCE:?}
mapfile -t files < <(cd "$S" && git ls-files -co --exclude-standard -- '*.nix' 2>/dev/null \
	|| find . -name '*.nix' -not -path './build*')
[ ${#files[@]} -gt 0 ] || fail "no .nix files found under $S"
n=0
for f in "${files[@]}"; do
	[ -f "$S/$f" ] || continue
	nix-instantiate --parse "$S/$f" >/dev/null 2>"$T/err" || { cat "$T/err" >&2; fail "$f does not parse"; }
	n=$((n + 1))
done
pass "$n .nix files parse"

# package.nix builds from a file set, not the whole tree: the meson build
# must configure from those paths alone, with every dependency it asks for
# among the package's inputs.
mapfile -t sources < <(python3 - "$S/package.nix" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
m = re.search(r'unions \[(.*?)\]', s, re.S)
print("\n".join(re.findall(r'\./([\w.-]+)', m.group(1))))
PY
)
[ ${#sources[@]} -gt 0 ] || fail "no file set found in package.nix"
mkdir -p "$T/pkgsrc"
for p in "${sources[@]}"; do cp -a "$S/$p" "$T/pkgsrc/"; done
meson setup "$T/pkgbuild" "$T/pkgsrc" >"$T/setup.log" 2>&1 \
	|| { tail -20 "$T/setup.log" >&2; fail "the meson build does not configure from package.nix's file set (${sources[*]})"; }
pass "the meson build configures from package.nix's file set: ${sources[*]}"
# pkg-config name -> nixpkgs attribute of the package that provides it
declare -A provider=([libsystemd]=systemd [cmocka]=cmocka [wayland-client]=wayland [wayland-server]=wayland
	[dbus-1]=dbus [json-c]=json_c [libnl-3.0]=libnl [libnl-route-3.0]=libnl [libnftnl]=libnftnl
	[libmnl]=libmnl [libseccomp]=libseccomp)
inputs=" $(sed -n 's/^ *buildInputs = \[\(.*\)\];/\1/p' "$S/package.nix") "
for dep in $(cd "$S" && git ls-files -co --exclude-standard -- 'meson.build' '*/meson.build' \
		| xargs grep -ho "dependency('[^']*'" | sed "s/dependency('//; s/'//" | sort -u); do
	[ -n "${provider[$dep]:-}" ] || fail "meson asks for $dep: add its nixpkgs package to package.nix and to this test's table"
	[[ "$inputs" == *" ${provider[$dep]} "* ]] || fail "meson asks for $dep, but package.nix's buildInputs lack ${provider[$dep]}"
done
pass "every meson dependency is among package.nix's buildInputs"
