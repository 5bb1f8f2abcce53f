#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the real-Xen test world (tests/xen/) needs, on Debian 12, as root:
#  - installed: QEMU (it boots Xen) and kmod (dom0 is this machine's own root
#    shared over 9p, and its systemd, xen init script and the kernel's module
#    autoloading all run modprobe);
#  - unpacked, not installed, into a cache directory: the Xen hypervisor, the
#    Debian 6.1 kernel and a static busybox.  Installing a kernel or the
#    hypervisor would run initramfs and grub hooks on a machine that boots
#    neither, and busybox-static conflicts with busybox.
# Prints nothing and exits 0 when everything is already there.  Run again
# after an upgrade of xen-utils-4.17: the hypervisor must be the same build.
#
#   scripts/install-xen-world.sh [CACHE_DIR]   (default /var/cache/vifguard/xen-world)
set -euo pipefail

cache=${1:-${VG_XEN_CACHE:-/var/cache/vifguard/xen-world}}

if [ "$(id -u)" -ne 0 ]; then
	echo "install-xen-world.sh: run as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in qemu-system-x86 kmod; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
updated=
if [ "${#missing[@]}" -gt 0 ]; then
	echo "install-xen-world.sh: installing ${missing[*]}"
	apt-get update -q
	updated=1
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The hypervisor must match the toolstack that dom0 runs (xen-utils-4.17).
xen_ver=$(dpkg-query -W -f='${Version}' xen-utils-4.17)
# (the layout's version comes last: bump it when this script changes what it makes)
want="xen-hypervisor-4.17-amd64=$xen_ver busybox-static layout-2"
if [ -f "$cache/stamp" ] && [ "$(sed -n 1p "$cache/stamp")" = "$want" ]; then
	exit 0
fi

echo "install-xen-world.sh: unpacking Xen $xen_ver, the 6.1 kernel and busybox into $cache"
[ -n "$updated" ] || apt-get update -q
# linux-image-amd64 is a metapackage; unpack the kernel it points at.
kpkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
[ -n "$kpkg" ] || { echo "install-xen-world.sh: no kernel behind linux-image-amd64" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vg-xen-install.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
new=$cache.new
rm -rf "$new"
mkdir -p "$new/root" "$tmp/debs"
# apt's _apt user must be able to write the download directory.
chmod 777 "$tmp/debs"
(cd "$tmp/debs" && apt-get download -q "xen-hypervisor-4.17-amd64=$xen_ver" "$kpkg" busybox-static)
for d in "$tmp"/debs/*.deb; do
	dpkg-deb -x "$d" "$new/root"
done

kver=${kpkg#linux-image-}
# dpkg-deb -x does not run the kernel's postinst: make the module index here.
depmod -b "$new/root" "$kver"
# QEMU boots Xen's multiboot ELF directly, but not gzipped.
zcat "$new/root/boot/xen-4.17-amd64.gz" >"$new/xen"
# An uncompressed kernel for the PV guests: libxc then need not inflate the
# bzImage in emulation for every xl create (seconds each under TCG).  Debian
# compresses it with xz; its stream starts at the first xz magic.
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$new/root/boot/vmlinuz-$kver" | head -n1 | cut -d: -f1)
[ -n "$off" ] || { echo "install-xen-world.sh: no xz stream in the kernel image" >&2; exit 1; }
# xz stops with an error at the trailing data after the stream: check the ELF
tail -c +$((off + 1)) "$new/root/boot/vmlinuz-$kver" | xz -dc >"$new/vmlinux" 2>/dev/null || true
[ "$(head -c 4 "$new/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] ||
	{ echo "install-xen-world.sh: could not unpack the kernel image" >&2; exit 1; }
printf '%s\n' "$kver" >"$new/kernel-version"
printf '%s\n%s\n' "$want" "$kpkg" >"$new/stamp"
rm -rf "$cache"
mkdir -p "$(dirname "$cache")"
mv "$new" "$cache"
echo "install-xen-world.sh: done ($kpkg)"
