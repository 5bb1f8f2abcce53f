#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What "cmake --install --prefix /usr" puts on a Debian host, staged with
# DESTDIR: /usr/sbin/vifguardd and vifguardctl, the unit in
# /usr/lib/systemd/system (ExecStart=/usr/sbin/vifguardd), its journal
# catalog, /etc/vifguard/vifguard.conf (kept when changed locally) and the
# manual pages.  The pages render without groff warnings and document every
# option, command, config key and default the code has; the catalog compiles
# and explains every MESSAGE_ID of daemon/log.h; the installed binaries run.
# No root needed: nothing outside the staging directory changes (except the
# build tree's install_manifest.txt).
. "$VG_SOURCE_DIR/tests/lib/common.sh"
vg_require_cmd cmake man groff

export LC_ALL=C.UTF-8 MANWIDTH=80
unset MANPAGER PAGER MAN_KEEP_FORMATTING
stage=$(mktemp -d "${TMPDIR:-/tmp}/vgt-install.XXXXXX")
vg_cleanup_add rm -rf "$stage"
# man-db may read pages as its own user
chmod 755 "$stage"

install_log=$stage.log
vg_cleanup_add rm -f "$install_log"
vg_on_failure_add "sed 's/^/#   /' '$install_log' >&2"
stage_install() {
	DESTDIR=$stage cmake --install "$VG_BUILD_DIR" --prefix /usr >"$install_log" 2>&1
}

vg_check "cmake --install --prefix /usr with DESTDIR succeeds" stage_install

sbin=$stage/usr/sbin
unit=$stage/usr/lib/systemd/system/vifguard.service
catalog=$stage/usr/lib/systemd/catalog/vifguard.catalog
conf=$stage/etc/vifguard/vifguard.conf
man8=$stage/usr/share/man/man8
man5=$stage/usr/share/man/man5
pages=("$man8/vifguardd.8" "$man8/vifguardctl.8" "$man5/vifguard.conf.5")

# ---- where everything lands
for f in "$sbin/vifguardd" "$sbin/vifguardctl"; do
	vg_check "${f#"$stage"} is an executable file" test -f "$f" -a -x "$f"
done
metrics_units=("$stage/usr/lib/systemd/system/vifguard-metrics."{service,timer})
completions=("$stage/usr/share/bash-completion/completions/"{vifguardctl,vifguardd})
for f in "$unit" "$catalog" "$conf" "${pages[@]}" "${completions[@]}" "${metrics_units[@]}"; do
	vg_check "${f#"$stage"} installed" test -s "$f"
done
misplaced=$(cd "$stage" && find . \( -type f -o -type l \) |
	grep -Ev '^\./(usr/sbin/|usr/lib/systemd/(system|catalog)/|usr/share/(man|doc|bash-completion/completions)/|etc/vifguard/)')
vg_expect_eq "nothing outside /usr/sbin, /usr/lib/systemd, /usr/share/{man,doc,bash-completion}, /etc/vifguard" \
	"" "$misplaced"
vg_check "installed config is the shipped one" cmp -s "$VG_SOURCE_DIR/conf/vifguard.conf" "$conf"

# ---- the unit
vg_expect_eq "unit: ExecStart= is /usr/sbin/vifguardd" "/usr/sbin/vifguardd" \
	"$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")"
vg_check "unit: no unsubstituted @VARIABLES@" vg_not grep -q '@[A-Z_]*@' "$unit"
vg_check "metrics unit: runs /usr/sbin/vifguardctl metrics" \
	grep -q "^ExecStart=.*'/usr/sbin/vifguardctl metrics " "${metrics_units[0]}"
for doc in $(sed -n 's/^Documentation=//p' "$unit"); do
	case $doc in man:*) ;; *) continue ;; esac
	name=${doc#man:}
	sec=${name##*(}
	sec=${sec%)}
	name=${name%(*}
	vg_check "unit: Documentation=$doc is installed" test -s "$stage/usr/share/man/man$sec/$name.$sec"
done

# systemd-analyze verify resolves paths inside --root: a copy of the staged
# tree plus the host's units (sysinit.target, ...) and /bin/kill
# (ExecReload=); MANPATH points its Documentation= check at the staged pages.
verify_unit() {
	local vroot out rc
	vroot=$(mktemp -d "${TMPDIR:-/tmp}/vgt-install-verify.XXXXXX") || return 1
	vg_cleanup_add rm -rf "$vroot"
	cp -a "$stage/." "$vroot/" &&
		cp -a /usr/lib/systemd/system/. "$vroot/usr/lib/systemd/system/" &&
		mkdir -p "$vroot/bin" && cp /bin/kill /bin/sh "$vroot/bin/" || return 1
	out=$(MANPATH=$stage/usr/share/man SYSTEMD_LOG_LEVEL=notice \
		systemd-analyze verify --root="$vroot" vifguard.service vifguard-metrics.service \
			vifguard-metrics.timer 2>&1)
	rc=$?
	[ -z "$out" ] || printf '#   %s\n' "$out" >&2
	[ "$rc" -eq 0 ] && [ -z "$out" ]
}
if command -v systemd-analyze >/dev/null && [ -d /usr/lib/systemd/system ] &&
	systemd-analyze verify --help 2>/dev/null | grep -q -- '--root'; then
	vg_check "systemd-analyze verify: staged units clean (paths, keys, man pages)" verify_unit
else
	vg_log "systemd-analyze verify --root not available here: unit verification skipped"
fi

# ---- the installed binaries
help=$("$sbin/vifguardd" --help 2>&1)
vg_check "installed vifguardd --help" grep -q '^Usage: vifguardd' <<<"$help"
version=$("$sbin/vifguardd" --version | awk '{print $2}')
vg_check "installed vifguardd --version ($version)" test -n "$version"
vg_expect_eq "installed vifguardd --check-config -c <staged conf>" "$conf: ok" \
	"$("$sbin/vifguardd" --check-config -c "$conf" 2>&1)"
bad=$stage.bad.conf
vg_cleanup_add rm -f "$bad"
printf '[vifguard]\nno-ip = none\n' >"$bad"
"$sbin/vifguardd" --check-config -c "$bad" >/dev/null 2>&1
vg_expect_eq "vifguardd --check-config on a broken file: exit 1 (EXIT STATUS)" 1 "$?"
"$sbin/vifguardd" --no-such-option >/dev/null 2>&1
vg_expect_eq "vifguardd with an unknown option: exit 2 (EXIT STATUS)" 2 "$?"
ctl_help=$("$sbin/vifguardctl" --help 2>&1)
vg_check "installed vifguardctl --help" grep -q '^Usage: vifguardctl' <<<"$ctl_help"
"$sbin/vifguardctl" >/dev/null 2>&1
vg_expect_eq "vifguardctl without a command: exit 3 (EXIT STATUS)" 3 "$?"

# ---- the manual pages
lexgrog_ok() {
	lexgrog "$1" >/dev/null 2>&1
}
render() { # render PAGE [WIDTH]: plain text
	MANWIDTH=${2:-80} man -l "$1" 2>/dev/null
}
for page in "${pages[@]}"; do
	p=${page#"$stage"}
	warn=$(man -l --warnings "$page" 2>&1 >/dev/null)
	vg_expect_eq "$p: man -l --warnings prints nothing on stderr" "" "$warn"
	warn=$(groff -man -ww -z "$page" 2>&1)
	vg_expect_eq "$p: groff -man -ww -z prints nothing" "" "$warn"
	if command -v lexgrog >/dev/null; then
		vg_check "$p: NAME section parses (lexgrog, for whatis/apropos)" \
			lexgrog_ok "$page"
	fi
	width=$(render "$page" | wc -L)
	vg_check "$p: fits 80 columns ($width)" test "$width" -le 80
	vg_expect_eq "$p: .TH version is vifguardd's" "vifguard $version" \
		"$(sed -n 's/^\.TH [^"]*"[^"]*" "\([^"]*\)".*/\1/p' "$page")"
done

# Every option of --help is documented (long lines: nothing breaks inside a word).
d8=$(render "$man8/vifguardd.8" 1000)
opts=$(sed -nE 's/^ +((-[a-z], )?--[a-z][a-z-]*).*/\1/p' <<<"$help")
vg_check "vifguardd --help lists options" test -n "$opts"
while read -r opt; do
	vg_check "vifguardd.8 documents $opt" grep -qF -- "$opt" <<<"$d8"
done <<<"$opts"

ctl8=$(render "$man8/vifguardctl.8" 1000)
for opt in $(grep -oE -- '--[a-z][a-z-]*' <<<"$ctl_help" | sort -u) status show; do
	vg_check "vifguardctl.8 documents $opt" grep -qF -- "$opt" <<<"$ctl8"
done
# ... and the exit codes vifguardctl --help names
for code in 0 1 2 3; do
	vg_check "vifguardctl.8 documents exit status $code" \
		bash -c 'sed -n "/^EXIT STATUS/,/^[A-Z]/p" | grep -qE "^ +$1 "' _ "$code" <<<"$ctl8"
done

# Every section, key and default of the shipped config is documented.
c5=$(render "$man5/vifguard.conf.5" 1000)
for section in $(grep -oE '^\[[a-z]+\]' "$VG_SOURCE_DIR/conf/vifguard.conf"); do
	vg_check "vifguard.conf.5 documents section $section" grep -qF -- "SECTION $section" <<<"$c5"
done
while IFS='=' read -r key value; do
	vg_check "vifguard.conf.5 documents key $key" grep -qE -- "(^| |\{)$key=" <<<"$c5"
	[ -n "$value" ] || continue
	vg_check "vifguard.conf.5: $key defaults to $value" \
		grep -qiE -- "default:? $(sed 's/[*.]/\\&/g' <<<"$value")([ .,)]|$)" <<<"$c5"
done < <(sed -nE 's/^#([a-z][a-z0-9-]*)=(.*)$/\1=\2/p' "$VG_SOURCE_DIR/conf/vifguard.conf")

# ---- the journal catalog: one entry per MESSAGE_ID, nothing else, and it compiles
ids=$(sed -nE 's/^#define MSGID_[A-Z_]+ "([0-9a-f]{32})".*/\1/p' "$VG_SOURCE_DIR/daemon/log.h" | sort)
vg_check "daemon/log.h defines MESSAGE_IDs" test -n "$ids"
vg_expect_eq "catalog: exactly the MESSAGE_IDs of daemon/log.h" "$ids" \
	"$(sed -nE 's/^-- ([0-9a-f]{32})$/\1/p' "$catalog" | sort)"
for id in $ids; do
	vg_check "vifguardd.8 lists MESSAGE_ID $id" grep -q "$id" <<<"$d8"
	entry=$(awk -v id="$id" '/^-- / { on = ($2 == id) } on' "$catalog")
	for hdr in 'Subject: .' 'Defined-By: vifguard$' 'Support: .' \
		'Documentation: man:vifguardd\(8\)$'; do
		vg_check "catalog $id: has ${hdr%%:*}:" grep -qE "^$hdr" <<<"$entry"
	done
done
if command -v journalctl >/dev/null; then
	croot=$(mktemp -d "${TMPDIR:-/tmp}/vgt-install-catalog.XXXXXX")
	vg_cleanup_add rm -rf "$croot"
	mkdir -p "$croot/usr/lib/systemd/catalog"
	cp "$catalog" "$croot/usr/lib/systemd/catalog/"
	vg_check "journalctl --update-catalog compiles the catalog" \
		journalctl --root="$croot" --update-catalog
	listed=$(journalctl --root="$croot" --list-catalog 2>/dev/null |
		awk '$2 == "vifguard:" { print $1 }' | sort)
	vg_expect_eq "journalctl --list-catalog lists every MESSAGE_ID as vifguard's" "$ids" "$listed"
else
	vg_log "no journalctl: catalog compilation skipped"
fi

# ---- a second install keeps a locally changed config
echo '# changed by the operator' >>"$conf"
vg_check "second install succeeds" stage_install
vg_check "second install keeps the changed config" grep -q '^# changed by the operator' "$conf"
vg_check "second install puts the shipped config next to it (.new)" \
	cmp -s "$VG_SOURCE_DIR/conf/vifguard.conf" "$conf.new"
vg_check "install log says the config was kept" grep -q "Keeping: .*/etc/vifguard/vifguard.conf" \
	"$install_log"
vg_done
