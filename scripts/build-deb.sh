#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the Debian package from the committed tree (git archive HEAD, so
# nothing of a build directory gets in) and check it with lintian: errors
# and warnings fail (every justified one has an override in debian/).
#   scripts/build-deb.sh [OUTDIR]     as root on Debian 12; default OUTDIR: build-deb/
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build-deb}")

need=()
for p in debhelper lintian dpkg-dev fakeroot bash-completion; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${need[@]}"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vg-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
git archive HEAD | tar -x -C "$work/src"
(cd "$work/src" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$work/build.log" 2>&1 || {
	tail -n 60 "$work/build.log"
	echo "build-deb: dpkg-buildpackage failed"
	exit 1
}
grep -E 'tests passed|tests failed' "$work/build.log" | tail -n 1 || true
mkdir -p "$out"
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
echo "build-deb: $(cd "$out" && ls ./*.deb)"
# lintian warns that it runs as root: that is not about the package.  Info
# tags are shown too; they do not fail.  (Its TMPDIR is ours: lintian leaves
# mldbm-elf-* files behind in it.)
TMPDIR=$work lintian --display-info --fail-on error,warning "$out"/*.changes 2>&1 |
	{ grep -v 'running with root privileges' || true; } | tee "$out/lintian.txt"
echo "build-deb: lintian: $(grep -c . "$out/lintian.txt" || true) tag(s), none an error or warning"
