#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Debian package's life on a clean Debian 12, as an admin lives it:
# apt-get install, an upgrade to a second build with a higher version, remove
# and purge, in a root made by mmdebstrap from the host's Debian sources.
#
# Two rounds in the same root:
#  A. systemd "running" (/run/systemd/system exists; deb-systemd-invoke is
#     diverted to a stub that records what the maintainer scripts ask of
#     systemd): install enables and starts the units; the upgrade restarts the
#     daemon and never stops it first (its rules stay in force); the
#     unmodified conffile is replaced by the new one; remove stops the units
#     and keeps the conffile; purge leaves nothing named vifguard behind.
#  B. a plain chroot (systemd not running: nothing is started): the admin
#     edits the conffile, the upgrade with --force-confold keeps the edit and
#     puts the new file next to it; purge with the table in the kernel says
#     how to drop it, and removes /etc/vifguard with the admin's files.
#
# The first package is $VG_DEB (CI: the one scripts/build-deb.sh built and
# lintian checked) or, without it, built here from the committed tree by
# scripts/build-deb.sh.  The second is the same tree with a changelog entry
# (version <first>+lifecycle1) and one more comment line in the shipped
# vifguard.conf.
#
# Needs root and the Debian archive (mmdebstrap, apt-get in the root).  The
# root's tarball is cached in $VG_DEB_ROOT_CACHE (default
# /var/cache/vifguard/deb-lifecycle; empty: no cache), one per day and
# sources; the root itself is unpacked under ${TMPDIR:-/tmp}/vgt-deb.* and
# removed on exit.  Every command in the root runs in private mount and PID
# namespaces with its own /proc, so nothing stays mounted and no process
# outlives its step.
# shellcheck disable=SC2016,SC2317 # ${Field}: dpkg-query's; functions run through step and vg_check
. "$VG_SOURCE_DIR/tests/lib/common.sh"
vg_require_root
vg_require_cmd mmdebstrap dpkg-buildpackage dpkg-deb git unshare chroot timeout sha256sum

export LC_ALL=C.UTF-8
arch=$(dpkg --print-architecture)
t0=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/vgt-deb.XXXXXX")
vg_cleanup_add rm -rf --one-file-system "$work"
root=$work/root

# step NAME LIMIT CMD...: run CMD with its output in $work/NAME.log (shown
# when it fails); the commands it runs through bounded() and inroot() get
# LIMIT seconds each instead of 120.  CMD runs in the background so that an
# interrupt is handled at once (bash runs traps only between commands), and
# the cleanup stops what it started (timeout passes the signal on).
step_pid=
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1"); do
		echo "$c"
		descendants "$c"
	done
}
stop_step() {
	[ -n "$step_pid" ] || return 0
	# shellcheck disable=SC2046 # one pid a word
	kill -TERM $(descendants "$step_pid") 2>/dev/null
	wait "$step_pid"
}
vg_cleanup_add stop_step
step() {
	local name=$1 limit=$2 rc=0
	shift 2
	"$@" >"$work/$name.log" 2>&1 &
	step_pid=$!
	wait "$step_pid" || rc=$?
	step_pid=
	if [ "$rc" -ne 0 ]; then
		vg_log "$name failed (exit $rc$([ "$rc" -eq 124 ] && echo ", timed out after $limit s")):"
		tail -n 40 "$work/$name.log" | sed 's/^/#   /' >&2
	fi
	return "$rc"
}

bounded() {
	timeout -k 10 "${limit:-120}" "$@"
}

# inroot [--offline] CMD...: CMD in the root, in private mount and PID
# namespaces (--offline: and an empty network namespace); its /proc goes
# with the namespace and --kill-child takes every process of the step along.
inroot() {
	local ns=(--mount --pid --fork --kill-child --mount-proc="$root/proc")
	if [ "$1" = --offline ]; then
		ns+=(--net)
		shift
	fi
	bounded unshare "${ns[@]}" chroot "$root" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

apt_opts=(-q -y -o Dpkg::Use-Pty=0)
apt_in() {
	local off=()
	if [ "$1" = --offline ]; then
		off=(--offline)
		shift
	fi
	inroot "${off[@]}" apt-get "${apt_opts[@]}" "$@"
}

# ---- the two packages
if [ -n "${VG_DEB:-}" ]; then
	deb1=$(realpath "$VG_DEB")
else
	vg_check "the first package builds (scripts/build-deb.sh)" \
		step build1 900 bounded "$VG_SOURCE_DIR/scripts/build-deb.sh" "$work/v1"
	deb1=$(find "$work/v1" -name "vifguard_*_$arch.deb" | head -n 1)
fi
[ -s "$deb1" ] || vg_skip "no package to test (VG_DEB=${VG_DEB:-})"
v1=$(dpkg-deb -f "$deb1" Version)
v2=$v1+lifecycle1
vg_log "first package: $deb1 ($v1), $((SECONDS - t0)) s"

mkdir "$work/v2src"
git -C "$VG_SOURCE_DIR" archive HEAD | tar -x -C "$work/v2src"
{
	printf 'vifguard (%s) unstable; urgency=medium\n\n' "$v2"
	printf '  * Package lifecycle test: the upgrade.\n\n'
	printf ' -- vifguard developers <vifguard@example.org>  %s\n\n' "$(date -R)"
	cat "$work/v2src/debian/changelog"
} >"$work/changelog" && mv "$work/changelog" "$work/v2src/debian/changelog"
echo "# (a comment line new in $v2)" >>"$work/v2src/conf/vifguard.conf"
build2() {
	DEB_BUILD_OPTIONS="nocheck noautodbgsym" bounded env -C "$work/v2src" dpkg-buildpackage -us -uc -b -j"$(nproc)"
}
vg_check "the second package ($v2) builds" step build2 900 build2
deb2=$work/vifguard_${v2}_$arch.deb
vg_check "$v2 is a higher version than $v1" dpkg --compare-versions "$v2" gt "$v1"

# the shipped conffiles, to compare with what lands in /etc
dpkg-deb -x "$deb1" "$work/x1"
dpkg-deb -x "$deb2" "$work/x2"
conf1=$work/x1/etc/vifguard/vifguard.conf
conf2=$work/x2/etc/vifguard/vifguard.conf
vg_check "the second package's conffile differs from the first's" vg_not cmp -s "$conf1" "$conf2"
vg_log "second package: $deb2, $((SECONDS - t0)) s"

# ---- the clean root: Debian 12 from the host's Debian sources
host_sources() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822 stanzas of type deb on a debian.org host, not disabled
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
			/(^|\n)URIs:[^\n]*[.\/]debian\.org/ && /(^|\n)Types:([^\n]*[ \t])?deb([ \t\n]|$)/ &&
			!/(^|\n)Enabled:[ \t]*no/' "$f"
	done >"$work/host.sources"
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		grep -E '^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[a-z+]+://[^/[:space:]]*debian\.org/' "$f" || true
	done >"$work/host.list"
}
host_sources
mirrors=()
for f in "$work/host.sources" "$work/host.list"; do
	[ -s "$f" ] && mirrors+=("$f")
done
# none: mmdebstrap's default, deb.debian.org with updates and security
vg_log "sources: ${mirrors[*]:-none, the default of mmdebstrap}"

cache=${VG_DEB_ROOT_CACHE-/var/cache/vifguard/deb-lifecycle}
key=$({ echo "bookworm important $arch 1"; cat "$work/host.sources" "$work/host.list"; } |
	sha256sum | cut -c1-16)
tarball=bookworm-$arch-$key-$(date -u +%Y%m%d).tar
make_root_tarball() {
	# mmdebstrap mounts /proc, /dev and /sys inside the root it builds: in
	# a private mount namespace they cannot outlive it
	TMPDIR=$work bounded unshare --mount --pid --fork --kill-child --mount-proc \
		mmdebstrap --variant=important bookworm "$work/base.tar" "${mirrors[@]}"
}
if [ -n "$cache" ] && [ -s "$cache/$tarball" ]; then
	vg_log "root: cached $cache/$tarball"
	base=$cache/$tarball
else
	vg_log "root: mmdebstrap bookworm (no cached root for today)"
	step mmdebstrap 900 make_root_tarball ||
		vg_skip "mmdebstrap could not build a Debian 12 root (is the archive reachable?)"
	base=$work/base.tar
	if [ -n "$cache" ] && mkdir -p "$cache"; then
		# atomic for a concurrent run; one tarball is kept
		cp "$base" "$cache/.$tarball.$$" && mv "$cache/.$tarball.$$" "$cache/$tarball" &&
			find "$cache" -maxdepth 1 -name 'bookworm-*.tar' ! -name "$tarball" -delete
		rm -f "$cache/.$tarball.$$"
	fi
fi
mkdir "$root"
vg_check "the root unpacks" step unpack 300 bounded tar -x -C "$root" -f "$base"
rm -f "$work/base.tar"
vg_log "root ready, $((SECONDS - t0)) s"
vg_check "the root's /dev/null is a device (TMPDIR not nodev)" \
	inroot sh -c 'echo >/dev/null'

mkdir -p "$root/tmp/debs"
cp "$deb1" "$root/tmp/debs/v1.deb"
cp "$deb2" "$root/tmp/debs/v2.deb"
chmod -R a+rX "$root/tmp/debs"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

# What the maintainer scripts ask systemd to do, recorded: deb-systemd-invoke
# diverted (apt runs dpkg with its own PATH, so a stub earlier on PATH would
# not be seen).
requests=$root/var/log/unit-requests.log
divert_invoke() {
	inroot dpkg-divert --local --rename --divert /usr/bin/deb-systemd-invoke.real \
		--add /usr/bin/deb-systemd-invoke &&
		printf '#!/bin/sh\necho "deb-systemd-invoke $*" >>/var/log/unit-requests.log\n' \
			>"$root/usr/bin/deb-systemd-invoke" &&
		chmod 755 "$root/usr/bin/deb-systemd-invoke"
}
vg_check "deb-systemd-invoke diverted to a recorder" step divert 120 divert_invoke
: >"$requests"
requested() {
	grep -qE "^deb-systemd-invoke $1 .*\\<$2\\>" "$requests"
}

vg_on_failure_add "for f in '$work'/*.log '$requests'; do echo \"# ---- \$f\"; tail -n 25 \"\$f\"; done | sed 's/^/#   /' >&2"

vg_check "apt-get update in the root" step update 300 inroot apt-get -q update

status() {
	inroot dpkg-query -W -f='${db:Status-Abbrev} ${Version}' vifguard 2>/dev/null |
		awk '{ $1 = $1; print }'
}
files=(
	/usr/sbin/vifguardd /usr/sbin/vifguardctl
	/lib/systemd/system/vifguard.service
	/lib/systemd/system/vifguard-metrics.service /lib/systemd/system/vifguard-metrics.timer
	/etc/vifguard/vifguard.conf
	/usr/share/man/man8/vifguardd.8.gz /usr/share/man/man8/vifguardctl.8.gz
	/usr/share/man/man5/vifguard.conf.5.gz
	/usr/lib/systemd/catalog/vifguard.catalog
	/usr/share/bash-completion/completions/vifguardctl
	/usr/share/bash-completion/completions/vifguardd
	/usr/share/doc/vifguard/copyright /usr/share/doc/vifguard/vifguard.rules.yml
)
# owned FILE LIST: FILE is in the root, not empty, and in the package's LIST
owned() {
	test -s "$root$1" && grep -qx "$1" <<<"$2"
}
check_files() {
	local f listed
	listed=$(inroot dpkg-query -L vifguard)
	for f in "${files[@]}"; do
		vg_check "$1: $f installed and the package's" owned "$f" "$listed"
	done
}
dpkg_verify_clean() {
	local out l
	out=$(inroot dpkg -V vifguard 2>&1) && [ -z "$out" ] && return 0
	while read -r l; do vg_log "dpkg -V: $l"; done <<<"$out"
	return 1
}
wants() {
	test "$(readlink "$root/etc/systemd/system/$1.wants/$2")" = "/lib/systemd/system/$2"
}
check_enabled() {
	vg_check "$1: vifguard.service enabled (multi-user.target.wants link)" \
		wants multi-user.target vifguard.service
	vg_check "$1: vifguard-metrics.timer enabled (timers.target.wants link)" \
		wants timers.target vifguard-metrics.timer
	vg_check "$1: deb-systemd-helper's state has the vifguard.service link (purge removes it)" \
		grep -qx /etc/systemd/system/multi-user.target.wants/vifguard.service \
		"$root/var/lib/systemd/deb-systemd-helper-enabled/vifguard.service.dsh-also"
	vg_expect_eq "$1: vifguard-metrics.service enabled nowhere (the timer runs it)" "" \
		"$(find "$root/etc/systemd" -name vifguard-metrics.service)"
}
catalog_has() {
	inroot journalctl --list-catalog 8ea97c304aad412f86330343180baf00 2>/dev/null |
		grep -q 8ea97c304aad412f86330343180baf00
}
is_conffile() {
	inroot dpkg-query -W -f='${Conffiles}\n' vifguard |
		grep -q '^ /etc/vifguard/vifguard.conf [0-9a-f]\{32\}$'
}
audit_clean() {
	test -z "$(inroot dpkg --audit 2>&1)"
}

# ---- A: systemd running (recorded), conffile unmodified
mkdir -p "$root/run/systemd/system"
: >"$requests"
vg_check "A: apt-get install ./v1.deb (dependencies from the archive)" \
	step a-install 600 apt_in install ./tmp/debs/v1.deb
vg_expect_eq "A: installed" "ii $v1" "$(status)"
check_files "A"
quiet() {
	"$@" >/dev/null 2>&1
}
vg_check "A: vifguardd runs in the clean root (--version)" quiet inroot vifguardd --version
vg_check "A: vifguardd accepts the shipped configuration" quiet inroot vifguardd --check-config
vg_check "A: /etc/vifguard/vifguard.conf is a conffile" is_conffile
vg_check "A: the installed conffile is the first package's" cmp -s "$conf1" "$root/etc/vifguard/vifguard.conf"
vg_check "A: dpkg -V: every file as shipped" dpkg_verify_clean
vg_check "A: dpkg --audit: nothing half-done" audit_clean
check_enabled "A"
vg_check "A: install started vifguard.service" requested start vifguard.service
vg_check "A: install started vifguard-metrics.timer" requested start vifguard-metrics.timer
vg_check "A: install stopped nothing" vg_not grep -q '^deb-systemd-invoke stop' "$requests"
vg_check "A: systemd's trigger put the journal catalog in its database" catalog_has

# a metrics file as the timer writes it (the directory is node-exporter's)
mkdir -p "$root/var/lib/prometheus/node-exporter"
echo 'vifguard_enforcing 1' >"$root/var/lib/prometheus/node-exporter/vifguard.prom"

: >"$requests"
vg_check "A: apt-get install ./v2.deb upgrades" step a-upgrade 600 apt_in install ./tmp/debs/v2.deb
vg_expect_eq "A: upgraded" "ii $v2" "$(status)"
vg_check "A: dpkg.log: upgrade $v1 -> $v2" \
	grep -q " upgrade vifguard:$arch $v1 $v2\$" "$root/var/log/dpkg.log"
vg_check "A: the unmodified conffile is now the second package's" \
	cmp -s "$conf2" "$root/etc/vifguard/vifguard.conf"
vg_expect_eq "A: no .dpkg-dist/.dpkg-old next to it" "vifguard.conf" "$(ls "$root/etc/vifguard")"
vg_check "A: dpkg -V: every file as shipped" dpkg_verify_clean
vg_check "A: dpkg --audit: nothing half-done" audit_clean
check_files "A, upgraded"
check_enabled "A, upgraded"
vg_check "A: the upgrade restarted vifguard.service" requested restart vifguard.service
vg_check "A: the upgrade never stopped vifguard.service (its rules stay in force)" \
	vg_not requested stop vifguard.service
vg_check "A: the metrics file survived the upgrade" \
	test -s "$root/var/lib/prometheus/node-exporter/vifguard.prom"

: >"$requests"
vg_check "A: apt-get remove" step a-remove 300 apt_in --offline remove vifguard
vg_expect_eq "A: removed, configuration kept" "rc $v2" "$(status)"
vg_check "A: remove stopped vifguard.service" requested stop vifguard.service
vg_check "A: remove stopped vifguard-metrics.timer" requested stop vifguard-metrics.timer
vg_check "A: remove keeps the conffile" cmp -s "$conf2" "$root/etc/vifguard/vifguard.conf"
vg_check "A: remove removes the daemon" test ! -e "$root/usr/sbin/vifguardd"
vg_check "A: remove removes the stale metrics file" \
	test ! -e "$root/var/lib/prometheus/node-exporter/vifguard.prom"

: >"$requests"
vg_check "A: apt-get purge" step a-purge 300 apt_in --offline purge vifguard
vg_expect_eq "A: purged" "" "$(status | sed 's/^un$//')"
vg_expect_eq "A: nothing named *vifguard* left in the root" "" \
	"$(cd "$root" && find . -xdev -name '*vifguard*' ! -path './tmp/*')"
vg_check "A: purge (no table in the kernel) does not talk about the table" \
	vg_not grep -q 'nft delete table' "$work/a-purge.log"
vg_check "A: the catalog database no longer has vifguard's entries" vg_not catalog_has
vg_check "A: dpkg --audit: nothing half-done" audit_clean
vg_log "round A done, $((SECONDS - t0)) s"

# ---- B: a plain chroot (systemd not running), conffile edited by the admin
rm -rf "$root/run/systemd/system"
: >"$requests"
vg_check "B: apt-get install ./v1.deb" step b-install 600 apt_in install ./tmp/debs/v1.deb
vg_expect_eq "B: installed" "ii $v1" "$(status)"
vg_expect_eq "B: nothing asked of systemd" "" "$(grep vifguard "$requests")"
check_enabled "B"

sed -i 's/^#rate-limit-burst=10$/rate-limit-burst=20/' "$root/etc/vifguard/vifguard.conf"
cp "$root/etc/vifguard/vifguard.conf" "$work/admin.conf"
vg_check "B: the admin edited the conffile" vg_not cmp -s "$conf1" "$work/admin.conf"
vg_check "B: the admin's edit is a valid configuration" quiet inroot vifguardd --check-config
vg_expect_eq "B: dpkg -V names only the edited conffile" "??5?????? c /etc/vifguard/vifguard.conf" \
	"$(inroot dpkg -V vifguard 2>&1)"

vg_check "B: apt-get install ./v2.deb (--force-confdef --force-confold) upgrades" \
	step b-upgrade 600 apt_in -o Dpkg::Options::=--force-confdef \
	-o Dpkg::Options::=--force-confold install ./tmp/debs/v2.deb
vg_expect_eq "B: upgraded" "ii $v2" "$(status)"
vg_check "B: the admin's conffile survived the upgrade" \
	cmp -s "$work/admin.conf" "$root/etc/vifguard/vifguard.conf"
vg_check "B: the second package's conffile is next to it (.dpkg-dist)" \
	cmp -s "$conf2" "$root/etc/vifguard/vifguard.conf.dpkg-dist"
vg_expect_eq "B: dpkg records the second package's conffile" "$(md5sum <"$conf2" | cut -d' ' -f1)" \
	"$(inroot dpkg-query -W -f='${Conffiles}' vifguard | awk '$1 == "/etc/vifguard/vifguard.conf" { print $2 }')"
vg_expect_eq "B: dpkg -V names only the edited conffile" "??5?????? c /etc/vifguard/vifguard.conf" \
	"$(inroot dpkg -V vifguard 2>&1)"
vg_expect_eq "B: nothing asked of systemd" "" "$(grep vifguard "$requests")"

# the maintainer scripts dh_installsystemd generated, as installed
info=$root/var/lib/dpkg/info
stop_only_on_remove() {
	awk '/deb-systemd-invoke stop/ && $0 ~ /vifguard.service/ && prev !~ /"\$1" = remove/ { bad = 1 }
		{ prev = $0 } END { exit bad }' "$info/vifguard.prerm" "$info/vifguard.preinst"
}
vg_check "B: prerm/preinst stop vifguard.service only on remove, never on upgrade" stop_only_on_remove
vg_check "B: postinst restarts (not starts) on upgrade" grep -q '_dh_action=restart' "$info/vifguard.postinst"
vg_check "B: postrm says how to drop the table on purge" \
	grep -q 'nft delete table bridge vifguard' "$info/vifguard.postrm"

# purge while the table is in the kernel (an empty network namespace: not the host's)
purge_with_table() {
	inroot --offline sh -c 'nft add table bridge vifguard && exec apt-get "$@" purge vifguard' \
		sh "${apt_opts[@]}"
}
vg_check "B: apt-get purge (the table in the kernel)" step b-purge 300 purge_with_table
vg_check "B: purge says how to drop the table" \
	grep -q 'to drop it: nft delete table bridge vifguard' "$work/b-purge.log"
vg_expect_eq "B: purged" "" "$(status | sed 's/^un$//')"
vg_check "B: purge removes /etc/vifguard, the admin's file and .dpkg-dist too" test ! -e "$root/etc/vifguard"
vg_expect_eq "B: nothing named *vifguard* left in the root" "" \
	"$(cd "$root" && find . -xdev -name '*vifguard*' ! -path './tmp/*')"
vg_check "B: dpkg --audit: nothing half-done" audit_clean
vg_log "round B done, $((SECONDS - t0)) s"

vg_done
