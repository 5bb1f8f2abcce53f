#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The real-Xen world: boots Debian's Xen 4.17 hypervisor under QEMU (KVM
# when the machine has it, TCG emulation otherwise) with Debian's 6.1 kernel
# as dom0 and as PV guests.  dom0 runs systemd as PID 1, Debian's xen init
# script (xenstored, xenconsoled), vifguard installed from its .deb (VG_DEB)
# or with `cmake --install`
# and started by its own unit; `xl create` makes real netback vifs that the
# real vif-bridge script bridges.  The checks themselves run inside dom0
# (dom0-test.sh, as a systemd service) and write TAP lines back through a 9p
# share; this script builds the boot images, runs QEMU, bounds it in time,
# relays the result and removes everything it made.
#
# Needs root, QEMU and the unpacked images of scripts/install-xen-world.sh.
# Environment: VG_XEN_CACHE (images), VG_XEN_TIMEOUT (seconds for the whole
# boot-to-verdict run, default 2100), VG_XEN_KEEP=1 (keep the temp dir).
. "$VG_SOURCE_DIR/tests/lib/common.sh"
set -e

[ "$(id -u)" -eq 0 ] || vg_skip "needs root"
vg_require_cmd qemu-system-x86_64 modprobe gzip
cache=${VG_XEN_CACHE:-/var/cache/vifguard/xen-world}
[ -s "$cache/stamp" ] || vg_skip "no Xen images in $cache: run scripts/install-xen-world.sh"
[ -x "$VG_BUILD_DIR/daemon/vifguardd" ] || vg_skip "vifguardd not built"
[ -x "$VG_BUILD_DIR/tests/tools/vgframe" ] || vg_skip "vgframe not built"
kver=$(cat "$cache/kernel-version")
mods=$cache/root/lib/modules/$kver
busybox=$cache/root/bin/busybox
vmlinuz=$cache/root/boot/vmlinuz-$kver
timeout_s=${VG_XEN_TIMEOUT:-2100}
t0=$(date +%s)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vgt-xen.XXXXXX")
# 9p serves dom0 as root: the share must be readable from inside
chmod 755 "$tmp"
qemu_pid=
stop_qemu() {
	[ -n "$qemu_pid" ] || return 0
	kill "$qemu_pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$qemu_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$qemu_pid" 2>/dev/null || true
	wait "$qemu_pid" 2>/dev/null || true
	qemu_pid=
}
if [ "${VG_XEN_KEEP:-}" = 1 ]; then
	vg_log "keeping $tmp"
else
	vg_cleanup_add rm -rf "$tmp"
fi
vg_cleanup_add stop_qemu

# mod_order MODULE...: the .ko files to insmod, dependencies first, once each.
mod_order() {
	local m
	for m in "$@"; do
		modprobe -D -d "$cache/root" -S "$kver" "$m" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++'
}

# cpio_of DIR OUT: a gzipped newc archive, as the kernel unpacks it.
cpio_of() {
	(cd "$1" && find . | "$busybox" cpio -o -H newc 2>/dev/null) | gzip -1 >"$2"
}

# copy_with_libs BIN DESTDIR: a dynamic binary and the libraries ldd names.
copy_with_libs() {
	local bin=$1 dest=$2 lib
	mkdir -p "$dest/usr/bin" "$dest/lib" "$dest/lib64"
	cp "$bin" "$dest/usr/bin/"
	for lib in $(ldd "$bin" | awk '/=> \// { print $3 } /^\t\/lib64\// { print $1 }'); do
		case $lib in
		/lib64/*) cp -L "$lib" "$dest/lib64/" ;;
		*) cp -L "$lib" "$dest/lib/" ;;
		esac
	done
}

# ---- dom0's initramfs: busybox, the 9p/overlay/virtio-rng modules, /init
d=$tmp/dom0-initrd
mkdir -p "$d/bin" "$d/modules" "$d/proc" "$d/sys" "$d/dev"
cp "$busybox" "$d/bin/busybox"
cp "$VG_SOURCE_DIR/tests/xen/dom0-init.sh" "$d/init"
chmod 755 "$d/init"
for ko in $(mod_order virtio_pci 9pnet_virtio 9p overlay virtio-rng); do
	cp "$ko" "$d/modules/"
	basename "$ko" >>"$d/modules/order"
done
cpio_of "$d" "$tmp/dom0.cpio.gz"

# ---- the guests' initramfs: busybox, netfront, vgframe, xenstore clients
g=$tmp/guest-initrd
mkdir -p "$g/bin" "$g/modules" "$g/proc" "$g/sys" "$g/dev"
cp "$busybox" "$g/bin/busybox"
cp "$VG_SOURCE_DIR/tests/xen/guest-init.sh" "$g/init"
cp "$VG_SOURCE_DIR/tests/xen/guest-lib.sh" "$g/bin/guest-lib.sh"
chmod 755 "$g/init"
ko=$(mod_order xen-netfront)
[ "$(echo "$ko" | wc -l)" -eq 1 ] || { echo "xen-netfront has dependencies now: $ko" >&2; exit 1; }
cp "$ko" "$g/modules/"
copy_with_libs "$VG_BUILD_DIR/tests/tools/vgframe" "$g"
# one multi-call binary that looks at argv[0]
for c in read write watch; do
	copy_with_libs /usr/bin/xenstore-$c "$g"
done
# vifguard as the README installs it: the package when VG_DEB names one
# (CI builds it with scripts/build-deb.sh), else a tree configured for /usr
# (the daemon's configuration path is fixed at configure time), without the
# tests, on which dom0 runs `cmake --install`.
ib=
if [ -n "${VG_DEB:-}" ]; then
	[ -f "$VG_DEB" ] || { vg_failed "VG_DEB=$VG_DEB exists"; vg_done; }
	vg_log "dom0 installs the package $(basename "$VG_DEB")"
else
	ib=$tmp/build-install
	if ! { cmake -S "$VG_SOURCE_DIR" -B "$ib" -DCMAKE_INSTALL_PREFIX=/usr -DVIFGUARD_TESTS=OFF &&
		cmake --build "$ib" -j"$(nproc)"; } >"$tmp/build-install.log" 2>&1; then
		tail -n 20 "$tmp/build-install.log" >&2
		vg_failed "vifguard builds for /usr"
		vg_done
	fi
	vg_log "built vifguard for /usr: $(($(date +%s) - t0)) s"
fi
share=$tmp/share
mkdir -p "$share/units"
deb=
if [ -n "${VG_DEB:-}" ]; then
	cp "$VG_DEB" "$share/"
	deb=/xw/$(basename "$VG_DEB")
fi
cpio_of "$g" "$share/guest.cpio.gz"
# The guests' kernel: uncompressed, read through dom0's cached root share.
guest_kernel=$cache/vmlinux
[ -s "$guest_kernel" ] || vg_skip "no $guest_kernel: run scripts/install-xen-world.sh again"
cp "$VG_SOURCE_DIR"/tests/xen/units/* "$share/units/"
{
	printf 'VG_SOURCE_DIR=%q\nVG_BUILD_DIR=%q\n' "$VG_SOURCE_DIR" "$VG_BUILD_DIR"
	printf 'VG_XEN_SHARE=/xw\nVG_XEN_KVER=%q\nVG_XEN_T0=%q\n' "$kver" "$t0"
	printf 'VG_XEN_GUEST_KERNEL=%q\nVG_XEN_INSTALL_BUILD=%q\n' "$guest_kernel" "$ib"
	printf 'VG_XEN_DEB=%q\n' "$deb"
} >"$share/env"
chmod -R a+rX "$share"

# ---- boot: Xen's multiboot ELF as the kernel; dom0's kernel (with its
# command line) and initramfs as the two multiboot modules.
accel=(-accel tcg)
[ -w /dev/kvm ] && accel=(-accel kvm)
# No speculation mitigations: the emulated CPU is not the attack surface here,
# and every extra flush costs real time under TCG.
xen_args="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 bootscrub=false spec-ctrl=no"
dom0_args="console=hvc0 earlyprintk=xen quiet loglevel=4 mitigations=off systemd.unit=vg-xen.target"
vg_log "booting Xen (${accel[1]}) with dom0 $kver; log: $tmp/serial.log"
# +npt: nested paging gives Xen HAP, which PVH guests need (Debian builds
# Xen without shadow paging) and with it log-dirty mode for live migration.
qemu-system-x86_64 "${accel[@]}" -machine pc -cpu qemu64,+svm,+npt -m 4096 -smp 2 \
	-display none -monitor none -serial "file:$tmp/serial.log" -nic none -no-reboot \
	-device virtio-rng-pci \
	-virtfs "local,path=/,mount_tag=vg-root,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$mods/..,mount_tag=vg-modules,security_model=none,readonly=on" \
	-virtfs "local,path=$share,mount_tag=vg-share,security_model=none" \
	-kernel "$cache/xen" -append "$xen_args" \
	-initrd "$vmlinuz $dom0_args,$tmp/dom0.cpio.gz" \
	</dev/null >"$tmp/qemu.log" 2>&1 &
qemu_pid=$!

# The verdict: dom0-test.sh writes "done" last.  Bounded by timeout_s and
# by QEMU staying alive.
result=$share/result.tap
for ((i = 0; i < timeout_s * 2; i++)); do
	[ -e "$share/done" ] && break
	kill -0 "$qemu_pid" 2>/dev/null || break
	sleep 0.5
done
elapsed=$(($(date +%s) - t0))
if [ ! -e "$share/done" ]; then
	if kill -0 "$qemu_pid" 2>/dev/null; then
		vg_failed "the world finished within ${timeout_s}s (timed out after ${elapsed}s)"
	else
		vg_failed "QEMU ran until the end (it exited after ${elapsed}s: $(tail -n 3 "$tmp/qemu.log"))"
	fi
fi
stop_qemu
[ -e "$result" ] && cat "$result"
[ -e "$share/timings" ] && sed 's/^/# timing: /' "$share/timings" >&2
vg_log "total (QEMU start to teardown): $(($(date +%s) - t0)) s"

fails=$(grep -c '^not ok' "$result" 2>/dev/null || true)
passes=$(grep -c '^ok' "$result" 2>/dev/null || true)
if [ "${fails:-0}" -gt 0 ] || [ "$VG_FAIL" -gt 0 ] || [ "${passes:-0}" -eq 0 ]; then
	vg_log "serial console (last 60 lines):"
	tail -n 60 "$tmp/serial.log" | sed 's/^/#   /' >&2
	[ -e "$share/dom0-test.log" ] && tail -n 80 "$share/dom0-test.log" | sed 's/^/#   /' >&2
	[ -e "$share/journal-vifguard.txt" ] && vg_log "vifguard's journal (last 40 lines):" &&
		tail -n 40 "$share/journal-vifguard.txt" | sed 's/^/#   /' >&2
fi
VG_PASS=$((VG_PASS + ${passes:-0}))
VG_FAIL=$((VG_FAIL + ${fails:-0}))
set +e
vg_done
