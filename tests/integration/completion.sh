#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bash completion: the files register their functions, and the functions
# offer commands, options, and the vifs and domains of a status file
# (a made-up one: no daemon, no root needed).
. "$VG_SOURCE_DIR/tests/lib/common.sh"

bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || vg_skip "bash-completion is not installed"

dir=$(mktemp -d "${TMPDIR:-/tmp}/vgt-completion.XXXXXX")
vg_cleanup_add rm -rf "$dir"
printf 'vifguard-status 1\ndaemon\tpid=1\ttable=vifguard\tready=1\tbackend=/x\n' >"$dir/status"
printf 'vif\tdomid=3\tdevid=0\tid=vif3.0\tport=web01\tdomain=web01\tstate=enforced\n' >>"$dir/status"
printf 'vif\tdomid=5\tdevid=0\tid=vif5.0\tport=vif5.0\temu=vif5.0-emu\tdomain=db01\tstate=enforced\n' \
	>>"$dir/status"
printf 'vif\tdomid=6\tdevid=1\tid=vif6.1\tport=vif6.1\tstate=rejected\n' >>"$dir/status"

# complete LINE: what the completion function offers for the last word of
# LINE (a trailing space: a new empty word), sorted, one per line; in a
# fresh bash with bash-completion loaded, as an interactive shell has it.
complete_line() {
	bash --norc --noprofile -c '
		. "$1"
		. "$2/completions/vifguardctl"
		. "$2/completions/vifguardd"
		read -ra COMP_WORDS <<<"$3"
		[[ $3 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$3
		COMP_POINT=${#3}
		fn=$(complete -p "${COMP_WORDS[0]}" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$bc" "$VG_SOURCE_DIR" "$1"
}

registered=$(bash --norc --noprofile -c '. "$1"; . "$2/completions/vifguardctl";
	. "$2/completions/vifguardd"; complete -p vifguardctl vifguardd' _ "$bc" "$VG_SOURCE_DIR")
vg_expect_eq "complete -p: both commands registered" \
	"complete -F _vifguardctl vifguardctl
complete -F _vifguardd vifguardd" "$registered"

vg_expect_eq "vifguardctl <TAB>: the commands" "metrics show status" \
	"$(complete_line 'vifguardctl ' | xargs)"
vg_expect_eq "vifguardctl --<TAB>: the options" "--help --json --runtime-dir" \
	"$(complete_line 'vifguardctl --' | xargs)"
vg_expect_eq "vifguardctl --json s<TAB>" "show status" \
	"$(complete_line 'vifguardctl --json s' | xargs)"
vg_expect_eq "show <TAB> with --runtime-dir: ports, ids and domains" \
	"db01 vif3.0 vif5.0 vif5.0-emu vif6.1 web01" \
	"$(complete_line "vifguardctl --runtime-dir $dir show " | xargs)"
vg_expect_eq "metrics v<TAB> with --runtime-dir=" "vif3.0 vif5.0 vif5.0-emu vif6.1" \
	"$(complete_line "vifguardctl --runtime-dir=$dir metrics v" | xargs)"
vg_expect_eq "show takes one argument only" "" \
	"$(complete_line "vifguardctl -d $dir show web01 " | xargs)"
vg_expect_eq "status takes no argument" "" \
	"$(complete_line "vifguardctl -d $dir status " | xargs)"
vg_expect_eq "an unreadable status file: no names, no error" "" \
	"$(complete_line "vifguardctl -d $dir/none show " 2>&1 | xargs)"
vg_expect_eq "vifguardd --<TAB>: its options (as --help lists them)" \
	"--check-config --config= --foreground --help --log-fields --print-ruleset --verbose --version" \
	"$(complete_line 'vifguardd --' | xargs)"
if [ -x "$VG_BUILD_DIR/daemon/vifguardd" ]; then
	vg_expect_eq "vifguardd: the completion knows every long option of --help" \
		"$("$VG_BUILD_DIR/daemon/vifguardd" --help | grep -o -- '--[a-z-]*=\?' | sort | xargs)" \
		"$(complete_line 'vifguardd --' | xargs)"
fi
vg_done
