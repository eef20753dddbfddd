#!/bin/sh
#
# Copyright (c) 2026 The pfkeykit developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#

# vmkernel.sh: fetch Debian's kernel and a static busybox into the VM cache
# and say where they are.  vmrun.sh calls it; see the comment at the top of
# vmrun.sh for the whole picture.
#
# usage: vmkernel.sh
#
# Prints shell assignments on stdout, for eval:
#	VM_KVER='6.1.0-56-amd64'		the kernel version (uname -r)
#	VM_KDIR='CACHE/kernel-6.1.0-56-amd64'	the kernel's cache directory
#	VM_VMLINUX='VM_KDIR/vmlinux'		uncompressed ELF, for PVH boot
#	VM_MODDIR='VM_KDIR/lib/modules/VER'	modules, with modules.dep
#	VM_BUSYBOX='/bin/busybox'		a static busybox
#
# The kernel comes from Debian's archive: `apt-get download` of
# linux-image-amd64 and of the linux-image-VER it depends on, unpacked with
# dpkg-deb -x, so no root is needed.  The bzImage's xz payload is unpacked
# into vmlinux, an ELF with a PVH note: qemu jumps straight into it, which
# boots in half the time of the bzImage through the BIOS.  modules.dep and
# modules.alias are made with `busybox depmod`, so kmod is not needed.
# Hardware drivers and most filesystems are dropped (see prune()): the
# cache holds about 90 MB per kernel.
#
# Cache: PFKEYKIT_VM_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/pfkeykit/vm.
# Entries are keyed by kernel version and made under a temporary name and
# renamed into place, so concurrent runs do not see half an entry.  A run
# reuses the entry of the version apt says linux-image-amd64 depends on;
# when apt knows nothing (no package lists, and not root to fetch them) it
# uses the newest kernel already in the cache.  PFKEYKIT_VM_KERNEL=VER pins
# a version.  Delete the directory to start afresh.
#
# busybox: the installed one if it is static (Debian's busybox-static),
# else busybox-static is downloaded and unpacked into the cache.

set -eu

die() { printf 'vmkernel.sh: %s\n' "$*" >&2; exit 1; }

CACHE=${PFKEYKIT_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/pfkeykit/vm}
mkdir -p "$CACHE" || die "cannot create cache $CACHE"
CACHE=$(cd "$CACHE" && pwd)

# Quote a value for eval.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# A scratch directory in the cache, removed on exit.
TMPD=
cleanup() { [ -z "$TMPD" ] || rm -rf "$TMPD"; }
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
scratch() {
	TMPD=$(mktemp -d "$CACHE/.tmp.XXXXXX") || die "mktemp in $CACHE failed"
}

# apt-get download NAME into the current directory; its log is kept for
# the error message.
download() {
	if ! apt-get download "$1" >dl.log 2>&1; then
		grep -v unsandboxed dl.log >&2 || true
		die "apt-get download $1 failed"
	fi
}

# What linux-image-amd64 depends on, as a version: 6.1.0-56-amd64.
apt_kver() {
	apt-cache depends linux-image-amd64 2>/dev/null |
	    sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' |
	    head -1
}

newest_cached() {
	ls -d "$CACHE"/kernel-*/vmlinux 2>/dev/null | sed 's,/vmlinux$,,' |
	    sed 's,.*/kernel-,,' | sort -V | tail -1
}

pick_kver() {
	if [ -n "${PFKEYKIT_VM_KERNEL:-}" ]; then
		echo "$PFKEYKIT_VM_KERNEL"
		return
	fi
	# apt-cache takes 0.5 s: ask it again only when the package lists
	# changed since it last answered.
	stamp="$CACHE/apt-kver"
	lists=/var/lib/apt/lists
	if [ -s "$stamp" ] && [ -d "$lists" ] &&
	    [ -n "$(find "$stamp" -newer "$lists" 2>/dev/null)" ] &&
	    [ -f "$CACHE/kernel-$(cat "$stamp")/vmlinux" ]; then
		cat "$stamp"
		return
	fi
	v=$(apt_kver)
	if [ -n "$v" ]; then
		echo "$v" >"$stamp.$$" && mv "$stamp.$$" "$stamp"
	fi
	if [ -z "$v" ] && [ "$(id -u)" = 0 ] && [ -z "$(newest_cached)" ]; then
		# A fresh machine: no package lists yet.
		apt-get update -qq >/dev/null 2>&1 || true
		v=$(apt_kver)
	fi
	[ -n "$v" ] || v=$(newest_cached)
	[ -n "$v" ] || die "apt knows no linux-image-amd64 and the cache" \
	    "is empty: run apt-get update as root"
	echo "$v"
}

# Unpack the xz payload of a bzImage: try each xz magic until one gives
# an ELF (the extract-vmlinux method).
extract_vmlinux() {
	img=$1 out=$2
	for off in $(LC_ALL=C grep -abo "$(printf '\3757zXZ')" "$img" |
	    cut -d: -f1); do
		tail -c +$((off + 1)) "$img" |
		    xz -dc --single-stream >"$out" 2>/dev/null || true
		if [ "$(head -c 4 "$out" | od -An -c | tr -d ' ')" = \
		    "177ELF" ]; then
			return 0
		fi
	done
	die "no xz-compressed ELF in $img"
}

# Keep what a network test can want: all of net/, crypto/, lib/, arch/;
# virtual network devices, virtio, 9p and overlayfs; no hardware drivers.
prune() {
	for d in "$1"/*; do
		case ${d##*/} in
		arch|crypto|lib|net|drivers|fs|kernel|mm|block|virt) ;;
		*) rm -rf "$d" ;;
		esac
	done
	for d in "$1"/drivers/*; do
		case ${d##*/} in
		net|virtio|char|block|crypto) ;;
		*) rm -rf "$d" ;;
		esac
	done
	for d in "$1"/drivers/net/*; do
		case ${d##*/} in
		ethernet|wireless|usb|can|wwan|ieee802154|phy|mdio|pcs|arcnet|\
		fddi|hamradio|plip|slip|wan|ipa|fjes|hyperv|xen-netback) \
			rm -rf "$d" ;;
		esac
	done
	for d in "$1"/fs/*; do
		case ${d##*/} in
		9p|netfs|fscache|overlayfs|fuse) ;;
		*) rm -rf "$d" ;;
		esac
	done
}

fetch_kernel() {
	kver=$1 kdir="$CACHE/kernel-$1"
	[ -f "$kdir/vmlinux" ] && return 0
	# busybox's xzcat cannot stop at the end of the payload.
	command -v xz >/dev/null 2>&1 ||
	    die "xz not found (Debian: apt-get install xz-utils)"
	command -v apt-get >/dev/null 2>&1 || die "no apt-get: cannot" \
	    "fetch linux-image-$kver (or set PFKEYKIT_VM_KERNEL)"
	echo "vmkernel.sh: fetching linux-image-$kver into $CACHE" >&2
	scratch
	(
		cd "$TMPD"
		download "linux-image-$kver"
		dpkg-deb -x linux-image-"$kver"_*.deb root ||
		    die "dpkg-deb -x linux-image-$kver failed"
		rm -f ./*.deb
		m=root/lib/modules/$kver
		[ -d "$m/kernel" ] || die "no modules in linux-image-$kver"
		prune "$m/kernel"
		mkdir -p k/lib/modules
		mv "$m" k/lib/modules/"$kver"
		extract_vmlinux root/boot/vmlinuz-"$kver" k/vmlinux
		cp root/boot/config-"$kver" k/config
		"$BUSYBOX" depmod -b k "$kver" ||
		    die "busybox depmod failed for $kver"
		echo "$kver" >k/version
	)
	# Publish atomically; a concurrent run may have won the race.
	mv "$TMPD/k" "$kdir" 2>/dev/null || [ -f "$kdir/vmlinux" ] ||
	    die "cannot create $kdir"
	rm -rf "$TMPD"
	TMPD=
}

is_static() {
	[ -x "$1" ] && ! ldd "$1" >/dev/null 2>&1
}

fetch_busybox() {
	for b in /bin/busybox /usr/bin/busybox; do
		if is_static "$b"; then
			BUSYBOX=$b
			return 0
		fi
	done
	BUSYBOX="$CACHE/busybox/busybox"
	[ -x "$BUSYBOX" ] && return 0
	command -v apt-get >/dev/null 2>&1 ||
	    die "no static busybox and no apt-get to fetch busybox-static"
	echo "vmkernel.sh: fetching busybox-static into $CACHE" >&2
	scratch
	(
		cd "$TMPD"
		download busybox-static
		dpkg-deb -x busybox-static_*.deb root ||
		    die "dpkg-deb -x busybox-static failed"
		mkdir b
		mv root/bin/busybox b/busybox 2>/dev/null ||
		    mv root/usr/bin/busybox b/busybox ||
		    die "no busybox in busybox-static"
		is_static b/busybox || die "busybox-static is not static"
	)
	mv "$TMPD/b" "$CACHE/busybox" 2>/dev/null || [ -x "$BUSYBOX" ] ||
	    die "cannot create $CACHE/busybox"
	rm -rf "$TMPD"
	TMPD=
}

fetch_busybox
KVER=$(pick_kver)
fetch_kernel "$KVER"
KDIR="$CACHE/kernel-$KVER"
# Mark it used, for whoever prunes old kernels by hand.
touch "$KDIR/version" 2>/dev/null || true

echo "VM_KVER=$(q "$KVER")"
echo "VM_KDIR=$(q "$KDIR")"
echo "VM_VMLINUX=$(q "$KDIR/vmlinux")"
echo "VM_MODDIR=$(q "$KDIR/lib/modules/$KVER")"
echo "VM_BUSYBOX=$(q "$BUSYBOX")"
