#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of dom0's initramfs (busybox): the root is the test machine's own /,
# shared read-only over 9p, under an overlay whose upper layer is a tmpfs, so
# dom0 has every tool and build output of the machine and changes nothing on
# it.  The kernel's modules come from the unpacked package (a second share),
# results go back through a writable share at /xw.  Then systemd takes over
# as PID 1, as on a Debian Xen host.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() {
	echo "dom0-init: $*" >/dev/console
	# give the host's log a chance to show it, then stop (QEMU exits)
	sleep 2
	poweroff -f
}

# (cache=loose: the shared trees do not change while dom0 runs, and every
# uncached file access is a round trip through the emulated virtio ring.)
# 9p over virtio, overlayfs, and the entropy source (xl create otherwise
# waits ~10 s for the random pool): listed in load order by the host.
while read -r m; do
	insmod "/modules/$m" || fail "insmod $m"
done </modules/order

mkdir -p /lower /up /newroot
opts=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o "$opts,ro,cache=loose" vg-root /lower || fail "9p root"
mount -t tmpfs -o mode=0755 tmpfs /up || fail "tmpfs"
mkdir /up/u /up/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/up/u,workdir=/up/w /newroot ||
	fail "overlay"
mkdir -p /newroot/usr/lib/modules /newroot/xw
mount -t 9p -o "$opts,ro,cache=loose" vg-modules /newroot/usr/lib/modules || fail "9p modules"
mount -t 9p -o "$opts" vg-share /newroot/xw || fail "9p share"

# The world's units and a hostname; the machine's own units stay as they are
# but only what vg-xen.target pulls in starts.
cp /newroot/xw/units/* /newroot/etc/systemd/system/ || fail "units"
echo dom0 >/newroot/etc/hostname
# The machine's fstab is not dom0's.
: >/newroot/etc/fstab
# Under emulation every unit costs seconds: mask what a test dom0 does not
# need (udev among them: the test loads xen-netback itself, as udev would on
# its first backend device) and every generator but the one that turns
# Debian's /etc/init.d/xen into xen.service.
for u in systemd-udevd.service systemd-udev-trigger.service systemd-udevd-control.socket \
	systemd-udevd-kernel.socket systemd-timesyncd.service systemd-binfmt.service \
	proc-sys-fs-binfmt_misc.automount systemd-sysusers.service systemd-random-seed.service \
	systemd-journal-flush.service systemd-update-utmp.service systemd-tmpfiles-setup.service \
	systemd-tmpfiles-setup-dev.service systemd-pstore.service systemd-firstboot.service \
	systemd-machine-id-commit.service systemd-repart.service systemd-pcrphase.service \
	systemd-pcrphase-sysinit.service kmod-static-nodes.service systemd-remount-fs.service \
	sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
	sys-fs-fuse-connections.mount dev-hugepages.mount dev-mqueue.mount \
	cryptsetup.target integritysetup.target veritysetup.target \
	systemd-ask-password-console.path systemd-ask-password-wall.path \
	modprobe@configfs.service modprobe@dm_mod.service modprobe@efi_pstore.service \
	modprobe@fuse.service modprobe@loop.service modprobe@drm.service \
	timers.target dbus.socket dbus.service; do
	ln -sf /dev/null "/newroot/etc/systemd/system/$u"
done
mkdir -p /newroot/etc/systemd/system-generators
for g in /newroot/usr/lib/systemd/system-generators/*; do
	case ${g##*/} in
	systemd-sysv-generator) ;;
	*) ln -sf /dev/null "/newroot/etc/systemd/system-generators/${g##*/}" ;;
	esac
done
# A test machine that is a container says so with /.dockerenv; systemd would
# then believe dom0 is one too and ignore systemd.unit= on the command line.
rm -f /newroot/.dockerenv /newroot/run/.containerenv

umount /proc /sys
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot /lib/systemd/systemd
