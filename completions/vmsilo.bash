# bash completion for vm-run, vm-start, vm-stop, vm-shell, vm-usb and vsock-connect.
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

# Completes the value of the option before the cursor; fails when that word takes no value.
_vmsilo_value()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	case ${COMP_WORDS[COMP_CWORD - 1]} in
	--log-level) mapfile -t COMPREPLY < <(compgen -W "error warn info debug trace" -- "$cur") ;;
	--timeout | --user | --cid) ;;
	--cwd | -w | --socket) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	--sysfs) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	*) return 1 ;;
	esac
}

# Sets words to the positional words before the cursor; $1 lists the options that take a value.
_vmsilo_positional()
{
	local i w
	words=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ " $1 " == *" $w "* ]]; then
			((i++))
		elif [[ $w != -* ]]; then
			words+=("$w")
		fi
	done
}

_vmsilo()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[0]##*/} words nonopt opts
	case $cmd in
	vm-run) opts="--pass-io -p --timeout --cwd --log-level --help --version" ;;
	vm-start) opts="--log-level --help --version" ;;
	vm-stop) opts="--all --log-level --help --version" ;;
	vm-shell) opts="--ssh --root --user --log-level --help --version" ;;
	vsock-connect) opts="--timeout --probe --cid --socket --log-level --help --version" ;;
	esac
	_vmsilo_value && return
	_vmsilo_positional "--timeout --cwd --user --log-level --cid --socket -w"
	nonopt=${#words[@]}
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

# vm-usb [list] | attach [--no-wait] [--configured] <vm> [<busid|vid:pid>] | detach <vm> <busid>
_vmsilo_usb()
{
	local cur=${COMP_WORDS[COMP_CWORD]} words
	_vmsilo_value && return
	_vmsilo_positional "--log-level --sysfs"
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "--no-wait --configured --sysfs --log-level --help --version" -- "$cur")
	elif [ ${#words[@]} -eq 0 ]; then
		mapfile -t COMPREPLY < <(compgen -W "list attach detach" -- "$cur")
	elif [ ${#words[@]} -eq 1 ] && [ "${words[0]}" != list ]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_vmsilo_vms)" -- "$cur")
	elif [ ${#words[@]} -eq 2 ] && [ "${words[0]}" = attach ]; then
		# bus ids and vid:pid of the plugged-in devices
		mapfile -t COMPREPLY < <(compgen -W "$(vm-usb list 2>/dev/null | awk 'NR > 1 { print $1; print $2 }')" -- "$cur")
	elif [ ${#words[@]} -eq 2 ] && [ "${words[0]}" = detach ]; then
		# the bus ids this VM holds
		mapfile -t COMPREPLY < <(compgen -W "$(vm-usb list 2>/dev/null | awk -v vm="${words[1]}" 'NR > 1 && $3 == vm { print $1 }')" -- "$cur")
	fi
}

complete -F _vmsilo vm-run vm-start vm-stop vm-shell vsock-connect
complete -F _vmsilo_usb vm-usb
