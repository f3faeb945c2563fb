# vsock-connect against the hybrid-vsock test peer standing in for cloud-hypervisor.
source "$(dirname "$0")/lib.sh"

export VMSILO_RUNTIME_DIR=$T/run
mkdir -p "$VMSILO_RUNTIME_DIR/demo"
SOCK=$VMSILO_RUNTIME_DIR/demo/vsock.socket
VC=$B/tools/vsock/vsock-connect

bg "$B/tests/helpers/hybrid-vsock-peer" --socket "$SOCK" \
	--echo 1234 --exec 2000 'sha256sum' --exec 2001 'echo hello; cat >/dev/null; echo after-eof' \
	--delay 3000 1.5 --echo 3000 --reply 4000 'NOPE\n'
wait_for_path "$SOCK"

# 1 byte round trip
out=$(printf 'x' | "$VC" demo 1234)
[ "$out" = x ] || fail "1-byte echo returned '$out'"
pass "1 byte echo"

# 10 MiB with checksum, through the echo port
head -c $((10 * 1024 * 1024)) /dev/urandom >"$T/big"
"$VC" demo 1234 <"$T/big" >"$T/big.out"
cmp -s "$T/big" "$T/big.out" || fail "10 MiB echo differs"
pass "10 MiB echo, checksum $(sha256sum <"$T/big" | cut -c1-16)"

# half-close: the guest reads to EOF, then answers; the answer must still arrive
want=$(sha256sum <"$T/big")
got=$("$VC" demo 2000 <"$T/big")
[ "$got" = "$want" ] || fail "half-close: guest sha256 '$got' != '$want'"
got=$(printf 'abc' | "$VC" demo 2001)
[ "$got" = $'hello\nafter-eof' ] || fail "output after stdin EOF lost: '$got'"
pass "half-close keeps output flowing after stdin EOF"

# explicit transport selection
out=$(printf 'y' | "$VC" --socket "$SOCK" anything 1234)
[ "$out" = y ] || fail "--socket echo returned '$out'"
pass "--socket"

# --probe: success, and refusal without a timeout
"$VC" --probe demo 1234 || fail "--probe on a listening port failed"
expect_fail 1 "port 9999 .*refused port 9999" "$VC" --probe demo 9999
pass "--probe success and refusal"

# --probe with --timeout: a port that appears after 1.5 s (a booting guest)
"$VC" --probe --timeout 20 demo 3000 || fail "--probe --timeout did not wait for a late port"
pass "--probe --timeout waits for a late port"

# --probe --timeout that runs out
expect_fail 1 "cannot connect to port 9998 of VM 'demo'" "$VC" --probe --timeout 0.5 demo 9998
pass "--probe --timeout gives up"

# refused port on a plain connection: exit 1, the port named
expect_fail 1 "port 9997" "$VC" demo 9997
# broken VMM reply: shown in the message
expect_fail 1 'unexpected handshake reply .*NOPE' "$VC" demo 4000
# VM not running
expect_fail 1 "VM 'ghost' is not running" "$VC" ghost 1234
# usage errors
expect_fail 2 "Usage" "$VC" demo
expect_fail 2 "invalid port" "$VC" demo 12x
expect_fail 2 "mutually exclusive" "$VC" --cid 3 --socket /x demo 1
expect_fail 2 "invalid --cid" "$VC" --cid 2 demo 1
"$VC" --help | grepq "Usage: vsock-connect" || fail "--help"
pass "error messages and exit codes"

# kernel vsock selected from a cid file (this machine has no vsock to reach)
mkdir -p "$VMSILO_RUNTIME_DIR/kvm"
echo 42 >"$VMSILO_RUNTIME_DIR/kvm/cid"
expect_fail 1 "CID 42 port 5000|AF_VSOCK" "$VC" kvm 5000
pass "cid file selects kernel vsock"
