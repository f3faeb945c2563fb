# bash completion for vm-run, vm-start, vm-stop, vm-shell and vsock-connect.
# VM names come from the .vm files in $VMSILO_CONFIG_DIR (default /etc/vmsilo).

_vmsilo_vms()
{
	local dir=${VMSILO_CONFIG_DIR:-/etc/vmsilo} f
	for f in "$dir"/*.vm; do
		[ -e "$f" ] || continue
		f=${f##*/}
		printf '%s\n' "${f%.vm}"
	done
}

_vmsilo()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[0]##*/} i word nonopt=0 opts
	case $cmd in
	vm-run) opts="--pass-io -p --timeout --cwd --log-level --help --version" ;;
	vm-start) opts="--log-level --help --version" ;;
	vm-stop) opts="--all --log-level --help --version" ;;
	vm-shell) opts="--ssh --root --user --log-level --help --version" ;;
	vsock-connect) opts="--timeout --probe --cid --socket --log-level --help --version" ;;
	esac
	# count the positional words before the cursor
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		case $word in
		--timeout | --cwd | --user | --log-level | --cid | --socket | -w) ((i++)) ;;
		-*) ;;
		*) ((nonopt++)) ;;
		esac
	done
	case ${COMP_WORDS[COMP_CWORD - 1]} in
	--log-level)
		mapfile -t COMPREPLY < <(compgen -W "error warn info debug trace" -- "$cur")
		return ;;
	--timeout | --user | --cid) return ;;
	--cwd | -w | --socket)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	elif [ "$nonopt" -eq 0 ] || [[ $cmd == vm-start || $cmd == vm-stop ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_vmsilo_vms)" -- "$cur")
	elif [ "$cmd" = vm-run ] && [ "$nonopt" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -c -- "$cur")
	elif [ "$cmd" = vm-run ]; then
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
}

complete -F _vmsilo vm-run vm-start vm-stop vm-shell vsock-connect
