# vsock-proxy: listen-path mode and systemd socket activation (Accept=yes and no).
source "$(dirname "$0")/lib.sh"

export VMSILO_RUNTIME_DIR=$T/run
mkdir -p "$VMSILO_RUNTIME_DIR/demo"
SOCK=$VMSILO_RUNTIME_DIR/demo/vsock.socket
VP=$B/tools/vsock/vsock-proxy
VC=$B/tools/vsock/vsock-connect

bg "$B/tests/helpers/hybrid-vsock-peer" --socket "$SOCK" --echo 22 --exec 23 'sha256sum'
wait_for_path "$SOCK"

# a unix client for the proxy's socket: vsock-connect's --socket mode would do a
# CONNECT handshake, so use socat when present, else python
uclient() { # path
	if command -v socat >/dev/null; then socat -t 30 - "UNIX-CONNECT:$1"
	else python3 -c 'import socket,sys,os
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
d=sys.stdin.buffer.read(); s.sendall(d); s.shutdown(socket.SHUT_WR)
while True:
  b=s.recv(65536)
  if not b: break
  sys.stdout.buffer.write(b)' "$1"; fi
}

bg "$VP" "$T/ssh.sock" demo 22
wait_for_path "$T/ssh.sock"
for i in 1 2 3; do
	out=$(echo "conn $i" | uclient "$T/ssh.sock")
	[ "$out" = "conn $i" ] || fail "listen mode connection $i returned '$out'"
done
pass "listen-path mode serves several connections"

head -c 3000000 /dev/urandom >"$T/data"
got=$(uclient "$T/ssh.sock" <"$T/data" | sha256sum)
[ "$got" = "$(sha256sum <"$T/data")" ] || fail "listen mode corrupted 3 MB"
pass "listen-path mode carries 3 MB intact"

command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate not installed"

bg systemd-socket-activate -E VMSILO_RUNTIME_DIR -l "$T/act.sock" "$VP" demo 23
wait_for_path "$T/act.sock"
got=$(uclient "$T/act.sock" <"$T/data")
[ "$got" = "$(sha256sum <"$T/data")" ] || fail "socket-activated (listening) proxy: '$got'"
pass "socket-activated with a listening socket"

bg systemd-socket-activate -E VMSILO_RUNTIME_DIR --accept -l "$T/acc.sock" "$VP" demo 22
wait_for_path "$T/acc.sock"
out=$(echo accepted | uclient "$T/acc.sock")
[ "$out" = accepted ] || fail "Accept=yes proxy returned '$out'"
pass "socket-activated with Accept=yes"

expect_fail 2 "not socket-activated" "$VP" demo 22
expect_fail 2 "invalid VM name" "$VP" host 22
pass "usage errors"
