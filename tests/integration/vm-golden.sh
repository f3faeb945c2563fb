# Every golden .vm file under tests/data is accepted by the C parser that all
# vmsilo programs share (the NixOS module's output must load as written).
source "$(dirname "$0")/lib.sh"
CHECK=$B/tests/helpers/vm-config-check
# tests/data/vm/bad holds files that must fail; the generator's golden test checks those
mapfile -t files < <(find "$VMSILO_SOURCE/tests/data" -path '*/vm/bad' -prune -o -name '*.vm' -print | sort)
[ ${#files[@]} -gt 0 ] || fail "no golden .vm files under tests/data"
"$CHECK" "${files[@]}" || fail "the parser rejects a golden .vm file"
pass "${#files[@]} golden .vm files load with vm_config_load"

# and the checker itself does reject a broken file, naming file and line
mkdir -p "$T/bad"
printf '[VM]\nKernel=/k\nRootDisk=/r\nMemory=lots\n' >"$T/bad/broken.vm"
expect_fail 1 'broken.vm:4' "$CHECK" "$T/bad/broken.vm"
pass "a broken file is rejected with file:line"
