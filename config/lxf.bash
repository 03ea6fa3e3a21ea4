# bash completion for lxf                                   -*- shell-script -*-
# SPDX-License-Identifier: Apache-2.0
#
# Commands and flags come from lxf itself (`lxf --help`, `lxf help CMD`),
# so this file never falls behind the command table; so do the column
# letters of `list -c`. Remotes come from `lxf remote list -f csv`,
# instance names from `lxf list R: -f csv -c n` (unqualified: the whole
# fleet's, unless the user chose a default remote), profile names for
# `profile add` from `lxf profile list R: -f csv`,
# image aliases from `lxf image alias list R: -f csv` (with a short
# timeout, so a dead remote does not freeze the shell).

_lxf_commands()
{
	# Lines of the "Commands:" block: "  image alias create     Create ...".
	"$1" --help 2>/dev/null | awk '
		/^Commands:/ { on = 1; next }
		on && /^$/ { exit }
		on { sub(/^  /, ""); sub(/  .*/, ""); print }'
}

_lxf_flags()
{
	"$1" help "${@:2}" 2>/dev/null | awk '
		/^Options:/ { on = 1; next }
		on { for (i = 1; i <= NF; i++) if ($i ~ /^--?[a-zA-Z]/) { f = $i; sub(/,$/, "", f); print f } }'
}

# Flags of CMD that take a value: "-c, --config KEY=VALUE" in the help.
_lxf_value_flags()
{
	"$1" help "${@:2}" 2>/dev/null | awk '
		/^Options:/ { on = 1; next }
		# The value name follows after one space, the help after several.
		on && /^ *(-[a-zA-Z], )?--?[a-zA-Z][a-zA-Z-]* [A-Z]/ {
			for (i = 1; i <= NF && $i ~ /^-/; i++) { f = $i; sub(/,$/, "", f); print f }
		}'
}

# The name the help gives FLAG's value ("FILE" in "-f, --file FILE"), if any.
_lxf_value_name()
{
	"$1" help "${@:3}" 2>/dev/null | awk -v f="$2" '
		/^Options:/ { on = 1; next }
		on && /^ *(-[a-zA-Z], )?--?[a-zA-Z][a-zA-Z-]* [A-Z]/ {
			hit = 0
			for (i = 1; i <= NF && $i ~ /^-/; i++) { g = $i; sub(/,$/, "", g); hit = hit || g == f }
			if (hit) { print $i; exit }
		}'
}

_lxf_remotes()
{
	"$1" remote list -f csv 2>/dev/null | awk -F, '{ sub(/ \(current\)$/, "", $1); print $1 }'
}

# Host groups (lxf remote group), and "@G" for each: a list of remotes.
_lxf_groups()
{
	"$1" remote group list -f csv 2>/dev/null | awk -F, '{ print $1 }'
}

_lxf_group_words()
{
	_lxf_groups "$1" | sed 's/^/@/'
}

_lxf_aliases()
{
	"$1" alias list -f csv 2>/dev/null | awk -F, '{ print $1 }'
}

_lxf_instances()
{
	# $2: a remote name, or empty: the default remote the user chose
	# (remote switch), else every remote of the fleet, as lxf resolves an
	# unqualified name.
	local target=${2:+$2:}
	if [[ -z $target ]]; then
		target=$("$1" remote get-default 2>/dev/null):
		[[ $target == local: ]] && target=
	fi
	timeout 3 "$1" list $target -f csv -c n 2>/dev/null | sort -u
}

# The column letters of lxf list -c, from its help: the list after the
# last ':' of the --columns line, or "  X  ..." / "  X - ..." lines of a
# column table.
_lxf_columns()
{
	"$1" help list 2>/dev/null | awk '
		/--columns/ { n = split($0, a, ":"); m = split(a[n], w, " ")
			for (i = 1; i <= m; i++) if (length(w[i]) == 1) print w[i] }
		/^ +[A-Za-z0-9]( +- | {2,})[A-Za-z]/ && !/^ +-/ { sub(/^ +/, ""); print substr($0, 1, 1) }' |
		sort -u
}

# Profile names of remote $2 (empty: every remote of the fleet).
_lxf_profiles()
{
	timeout 3 "$1" profile list ${2:+$2:} -f csv 2>/dev/null | awk -F, '{ print $2 }' | sort -u
}

# Pools as "R:POOL", and the custom volumes of pool $2 ("[R:]POOL").
_lxf_pools()
{
	timeout 3 "$1" storage list -f csv 2>/dev/null | awk -F, '{ print $1 ":" $2 }'
}

_lxf_volumes()
{
	timeout 3 "$1" storage volume list "$2" -f csv 2>/dev/null |
		awk -F, '$1 == "custom" { print $2 }'
}

_lxf_images()
{
	# $2: a remote name, or empty for the default remote. Aliases only:
	# fingerprints are not typed by hand.
	local target=${2:+$2:}
	if [[ -z $target ]]; then
		target=$("$1" remote get-default 2>/dev/null):
	fi
	timeout 3 "$1" image alias list "$target" -f csv 2>/dev/null | awk -F, '{ print $1 }'
}

_lxf_snapshots()
{
	# $2: a remote name or empty (the default remote), $3: the instance.
	local target=${2:+$2:}
	if [[ -z $target ]]; then
		target=$("$1" remote get-default 2>/dev/null):
	fi
	timeout 3 "$1" query "$target/1.0/instances/$3/snapshots" 2>/dev/null |
		sed -n 's|.*/snapshots/\([^"/]*\)".*|\1|p'
}

# "R:" for every remote: where a new name or an image copy goes.
_lxf_remote_prefixes()
{
	local r
	while IFS= read -r r; do
		[[ -n $r ]] && printf '%s:\n' "$r"
	done < <(_lxf_remotes "$1")
}

_lxf()
{
	local cur="" prev="" lxf=${COMP_WORDS[0]}
	local -a all words
	# Split the line ourselves: bash breaks words at ':' (COMP_WORDBREAKS),
	# which would cut "remote:name" in two.
	local line=${COMP_LINE:0:COMP_POINT}
	read -ra all <<<"$line"
	if [[ $line == *[[:space:]] ]]; then
		words=("${all[@]:1}")
	else
		cur=${all[${#all[@]} - 1]}
		words=("${all[@]:1:${#all[@]}-2}")
	fi
	COMPREPLY=()
	# Global flags before the command (lxf --timeout SECS -q list ...).
	while ((${#words[@]} > 0)); do
		case ${words[0]} in
		--timeout)
			((${#words[@]} > 1)) || return # its value: a number
			words=("${words[@]:2}")
			;;
		--timeout=* | -q | --quiet) words=("${words[@]:1}") ;;
		*) break ;;
		esac
	done
	((${#words[@]} > 0)) && prev=${words[${#words[@]} - 1]}

	# After "--" (lxf exec NAME -- CMD) complete local commands and files.
	local w
	for w in "${words[@]}"; do
		if [[ $w == -- ]]; then
			COMPREPLY=($(compgen -c -- "$cur" | sort -u))
			return
		fi
	done

	# Global flags (--debug, --verbose, -q) come before the command, not in it.
	while ((${#words[@]} > 0)) && [[ ${words[0]} == -* ]]; do
		words=("${words[@]:1}")
	done

	# Which command do the words typed so far name (longest first)?
	local cmds cmd="" typed="" n=0 i
	cmds=$(_lxf_commands "$lxf")
	for ((i = 0; i < ${#words[@]} && i < 3; i++)); do
		typed+="${typed:+ }${words[i]}"
		if grep -qxF -- "$typed" <<<"$cmds"; then
			cmd=$typed
			n=$((i + 1))
		fi
	done

	if [[ -z $cmd ]]; then
		# Still typing the command: offer the next word of matching names.
		local prefix=""
		((${#words[@]} > 0)) && prefix="${words[*]} "
		local -a next=()
		while IFS= read -r line; do
			[[ $line == "$prefix"* ]] || continue
			line=${line#"$prefix"}
			next+=("${line%% *}")
		done <<<"$cmds"
		if ((${#words[@]} == 0)); then
			next+=(help --help --version --timeout --verbose --debug --quiet)
			# The user's own aliases (lxf-alias(1)) are commands too.
			next+=($(_lxf_aliases "$lxf"))
		fi
		COMPREPLY=($(compgen -W "${next[*]}" -- "$cur" | sort -u))
		return
	fi

	# A flag whose value the help calls FILE (plan -f FILE) takes a file;
	# -f is the output format elsewhere.
	# shellcheck disable=SC2086
	if [[ $prev == -* ]] && [[ $(_lxf_value_name "$lxf" "$prev" $cmd) == FILE ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	# Flags that take a value: leave the value alone (but --format, --type).
	case $prev in
	-f | --format)
		COMPREPLY=($(compgen -W "table csv json yaml compact" -- "$cur"))
		return
		;;
	--type)
		# monitor's event types; config trust add's certificate types.
		if [[ $cmd == "config trust add" ]]; then
			COMPREPLY=($(compgen -W "client metrics" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "lifecycle operation logging" -- "$cur"))
		fi
		return
		;;
	-s | --sort)
		[[ $cmd == top ]] && COMPREPLY=($(compgen -W "cpu mem net disk procs name" -- "$cur"))
		return
		;;
	--mode)
		# lxf move/copy/image copy: how the daemons exchange the instance or image.
		[[ $cmd == move || $cmd == copy || $cmd == "image copy" ]] &&
			COMPREPLY=($(compgen -W "pull push relay" -- "$cur"))
		return
		;;
	-c | --columns)
		# list -c: letters, typed one after another ("ns4"); elsewhere -c KEY=VALUE.
		if [[ $cmd == list ]]; then
			local l
			for l in $(_lxf_columns "$lxf"); do
				[[ $cur == *"$l"* ]] || COMPREPLY+=("$cur$l")
			done
			compopt -o nospace 2>/dev/null
		fi
		return
		;;
	--env | --cwd | --user | --group | --timeout | -p | --profile)
		return
		;;
	--password | --token | --name | --projects | --alias | --parallel)
		return
		;;
	--conf)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		# shellcheck disable=SC2086
		COMPREPLY=($(compgen -W "$(_lxf_flags "$lxf" $cmd)" -- "$cur"))
		return
	fi

	case $cmd in
	remote\ remove | remote\ rename | remote\ switch | remote\ set-url)
		COMPREPLY=($(compgen -W "$(_lxf_remotes "$lxf")" -- "$cur"))
		return
		;;
	remote\ group\ list | remote\ group\ ls)
		return
		;;
	remote\ group\ *)
		# GROUP (@ optional), then remotes for add and remove.
		if ((${#words[@]} == n)); then
			COMPREPLY=($(compgen -W "$(_lxf_groups "$lxf")" -- "$cur"))
		elif [[ $cmd == *add || $cmd == *remove || $cmd == *rm ]]; then
			COMPREPLY=($(compgen -W "$(_lxf_remotes "$lxf")" -- "$cur"))
		fi
		return
		;;
	remote\ list | remote\ ls)
		COMPREPLY=($(compgen -W "$(_lxf_remotes "$lxf") $(_lxf_group_words "$lxf")" -- "$cur"))
		return
		;;
	alias\ remove | alias\ rename)
		((${#words[@]} == n)) && COMPREPLY=($(compgen -W "$(_lxf_aliases "$lxf")" -- "$cur"))
		return
		;;
	remote\ add | remote\ get-default | remote\ import-lxc | version | alias\ *)
		return
		;;
	storage\ volume\ *)
		# [R:]POOL, then its volumes (delete: each), then attach/detach's instance.
		local npos=$((${#words[@]} - n))
		if ((npos == 0)); then
			COMPREPLY=($(compgen -W "$(_lxf_pools "$lxf")" -- "$cur"))
		elif ((npos == 1)) || [[ $cmd == "storage volume delete" ]]; then
			COMPREPLY=($(compgen -W "$(_lxf_volumes "$lxf" "${words[n]}")" -- "$cur"))
		elif ((npos == 2)) && [[ $cmd == *attach || $cmd == *detach ]]; then
			local pr=${words[n]}
			[[ $pr == *:* ]] && pr=${pr%%:*} || pr=""
			COMPREPLY=($(compgen -W "$(timeout 3 "$lxf" list ${pr:+$pr:} -c n -f csv 2>/dev/null)" -- "$cur"))
		fi
		return
		;;
	config\ trust\ list | config\ trust\ add)
		# "R:", and for add a certificate file.
		local -a rs=()
		local r
		while IFS= read -r r; do
			[[ -n $r ]] && rs+=("$r:")
		done < <(_lxf_remotes "$lxf")
		COMPREPLY=($(compgen -W "${rs[*]}" -- "$cur"))
		[[ $cmd == "config trust add" ]] && COMPREPLY+=($(compgen -f -- "$cur"))
		((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *: ]] && compopt -o nospace 2>/dev/null
		return
		;;
	esac

	# Which positional argument is cur (0: the first after the command)?
	# Values of flags that take one do not count.
	local pos=0 skip=0 vflags
	# shellcheck disable=SC2086
	vflags=$(_lxf_value_flags "$lxf" $cmd)
	for ((i = n; i < ${#words[@]}; i++)); do
		if ((skip)); then
			skip=0
		elif [[ ${words[i]} == -* ]]; then
			grep -qxF -- "${words[i]}" <<<"$vflags" && skip=1
		else
			pos=$((pos + 1))
		fi
	done

	# Image arguments, and the remote-only places after them.
	local what=instance
	case $cmd in
	launch | init)
		# IMAGE, then the new instance's [REMOTE:]NAME: only "R:" to offer.
		((pos == 0)) && what=image || what=remote
		;;
	image\ copy)
		((pos == 0)) && what=image || what=remote
		;;
	image\ export)
		((pos == 0)) && what=image || what=file
		;;
	image\ info | image\ delete | image\ edit | image\ alias\ delete)
		what=image
		;;
	image\ import | image\ list | image\ alias\ list | profile\ list | network\ list | \
		storage\ list | operation\ list | top)
		what=remote
		;;
	profile\ add | profile\ remove)
		# [R:]INSTANCE, then a profile of that instance's remote.
		((pos == 1)) && what=profile
		;;
	publish)
		# [R:]INSTANCE[/SNAP], then the target "R:".
		((pos == 0)) || what=remote
		;;
	export)
		# R:NAME (an instance backup, then its FILE) or remotes (the stack export).
		# First the remotes, and R:NAME once "R:" is typed.
		local first=${words[n]-}
		((pos == 0)) && [[ $cur == *:* ]] || what=remote
		[[ $first == *:?* ]] && ((pos == 1)) && what=file
		;;
	import)
		# [R:] FILE [NAME]
		((pos == 0)) && what=remote || what=file
		;;
	exec)
		# exec --all takes remotes and filters, not instances.
		[[ " ${words[*]} " == *" --all "* ]] && what=remote
		;;
	esac

	# "R:" and "R:NAME", or a bare name on the default remote.
	local -a cands=()
	if [[ $what == file ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	elif [[ $what == profile ]]; then
		local inst=${words[${#words[@]} - 1]} r=""
		[[ $inst == *:* ]] && r=${inst%%:*}
		COMPREPLY=($(compgen -W "$(_lxf_profiles "$lxf" "$r")" -- "$cur"))
		return
	elif [[ $what == remote ]]; then
		cands=($(_lxf_remote_prefixes "$lxf"))
		# The fleet lists and the stack export take @GROUP too.
		[[ $cmd =~ ^(image|profile|network|storage|operation)\ list$|^(export|top)$ ]] &&
			cands+=($(_lxf_group_words "$lxf"))
		COMPREPLY=($(compgen -W "${cands[*]}" -- "$cur"))
		[[ $cmd == image\ import ]] && ((pos == 0)) && COMPREPLY=($(compgen -f -- "$cur"))
		[[ $cmd == import ]] && ((pos == 0)) && COMPREPLY+=($(compgen -f -- "$cur"))
	elif [[ $what == image ]]; then
		if [[ $cur == *:* ]]; then
			local r=${cur%%:*} name
			while IFS= read -r name; do
				[[ -n $name ]] && cands+=("$r:$name")
			done < <(_lxf_images "$lxf" "$r")
		else
			cands=($(_lxf_remote_prefixes "$lxf") $(_lxf_images "$lxf" ""))
		fi
		COMPREPLY=($(compgen -W "${cands[*]}" -- "$cur"))
	elif [[ $cur == */* && $cmd =~ ^(move|copy|delete|rename|publish)$ ]]; then
		# "[R:]NAME/": the instance's snapshots.
		local inst=${cur%%/*} r="" snap
		[[ $inst == *:* ]] && r=${inst%%:*} && inst=${inst#*:}
		while IFS= read -r snap; do
			[[ -n $snap ]] && cands+=("${cur%%/*}/$snap")
		done < <(_lxf_snapshots "$lxf" "$r" "$inst")
		COMPREPLY=($(compgen -W "${cands[*]}" -- "$cur"))
	elif [[ $cur == *:* ]]; then
		local r=${cur%%:*} name
		while IFS= read -r name; do
			[[ -n $name ]] && cands+=("$r:$name")
		done < <(_lxf_instances "$lxf" "$r")
		COMPREPLY=($(compgen -W "${cands[*]}" -- "$cur"))
	else
		cands=($(_lxf_remote_prefixes "$lxf") $(_lxf_instances "$lxf" ""))
		[[ $cmd =~ ^(list|ls|monitor)$ ]] && cands+=($(_lxf_group_words "$lxf"))
		COMPREPLY=($(compgen -W "${cands[*]}" -- "$cur"))
	fi
	# "R:" goes on without a space, so the name can follow.
	if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *: ]]; then
		compopt -o nospace 2>/dev/null
	fi
	# bash replaces only the text after the last word break (':' or '@') of
	# cur: drop what precedes it.
	local colon_prefix="" brk p
	for brk in : @; do
		[[ $cur == *"$brk"* && $COMP_WORDBREAKS == *"$brk"* ]] || continue
		p=${cur%"${cur##*"$brk"}"}
		((${#p} > ${#colon_prefix})) && colon_prefix=$p
	done
	if [[ -n $colon_prefix ]]; then
		i=${#COMPREPLY[@]}
		while ((i-- > 0)); do
			COMPREPLY[i]=${COMPREPLY[i]#"$colon_prefix"}
		done
	fi
	: "$n"
}

complete -F _lxf lxf
