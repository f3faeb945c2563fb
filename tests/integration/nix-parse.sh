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
