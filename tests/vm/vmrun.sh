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

# vmrun.sh: run a script as root on a real IPsec-capable Linux kernel.
#
# usage: vmrun.sh [-v] [-m MEM] [-t TIMEOUT] [-f FILE[:GUESTPATH]]...
#                 [-k MODULE]... [-e NAME=VALUE]... [-o OUTDIR] SCRIPT [ARG...]
#
# The host kernel here has XFRM but no ESP, AH, IPComp or PF_KEY.  This
# boots Debian 12's own kernel (which has all of them) under qemu, TCG
# only (no KVM, no root needed), with an initramfs made of busybox, the
# kernel's network and crypto modules, a few host tools and pfkeykit's
# programs.  The guest runs SCRIPT ARG... as root, then powers off.
# vmrun.sh prints the script's stdout on its stdout and its stderr on its
# stderr (both at the end, stdout first), leaves what the script wrote
# under /out in OUTDIR, and exits with the script's exit status.  From
# vmrun.sh to the script's first line takes about 2.5 s.
#
# How a test uses it (tests/vm/vm_test.sh does exactly this):
#	vmrun.sh -o "$PWD/out" -f ./mytool -f vmlib.sh -e KEY=0x.. guest.sh a b
#	tshark -r out/esp.pcap ...
# where guest.sh is a script (#!/bin/sh is the host's dash, #!/bin/bash
# the host's bash) that finds mytool in PATH, vmlib.sh in /in, $KEY in
# its environment, and "a" "b" as its arguments.  vmlib.sh has the
# three-namespace topology (a - obs - b) and tcpdump helpers.
#
# Exit status: the script's own, or
#	124	the script ran out of time: TIMEOUT counts from the start and
#		the guest stops the script early enough to return its partial
#		output; or the guest hung and qemu was killed at TIMEOUT;
#	125	vmrun.sh failed: bad usage, no kernel or qemu, a kernel panic
#		or oops (the kernel runs with oops=panic), init could not run
#		the script.  The reason and the tail of the guest's console
#		go to stderr.  A kernel warning in a run that otherwise
#		finished is shown on stderr but does not change the status.
#
# Options:
#	-f FILE[:GUESTPATH]  put FILE into the guest: an executable file
#		goes to /usr/local/bin/NAME, any other file or a directory to
#		/in/NAME, unless GUESTPATH (absolute, no spaces) says where.
#		ELF files bring the shared libraries ldd names (sanitizer
#		builds work).  Repeat as needed.
#	-k MODULE  also put MODULE and what it needs into the initramfs and
#		load it before the script.  Most tests need no -k (below).
#	-e NAME=VALUE  set NAME in the script's environment.
#	-m MEM  guest memory in MiB (1024).
#	-o OUTDIR  the host directory behind /out (created if missing; the
#		guest sees what is already there).  Without -o, /out is a
#		scratch directory that is thrown away.
#	-t TIMEOUT  seconds for the whole run, boot included (300).
#	-v  copy the guest's console to stderr as it runs, with the kernel's
#		boot messages (no "quiet").
#	PFKEYKIT_VM_CACHE  the cache (below).
#	PFKEYKIT_VM_KERNEL  a kernel version to use instead of the one
#		linux-image-amd64 depends on (e.g. 6.1.0-56-amd64).
#	PFKEYKIT_VM_QEMU_ARGS  extra qemu arguments (e.g. "-smp 2").
#	PFKEYKIT_VM_APPEND  extra kernel arguments.  cryptomgr.notests
#		saves ~0.7 s when many algorithms are loaded, but the self
#		tests also guard against TCG mis-emulating AES-NI or AVX, so
#		they stay on by default.
#	PFKEYKIT_VM_KEEP  when set, keep the run's work directory (console,
#		initrd, qemu.log, the script's output) and say where.
#	PFKEYKIT_TOP  the tree whose setkey, sadbd and pfkeymsg go into the
#		guest (default: the one vmrun.sh is in).
#
# The guest environment:
#	- Debian 12's kernel (linux-image-amd64, 6.1), one CPU (-cpu max),
#	  MEM MiB; TCG is ~12x slower than the host for netlink work and
#	  25-40x for crypto: fine for function, useless for speed.
#	- PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
#	  with a merged /usr like Debian's.  /usr/local/sbin: setkey, sadbd;
#	  /usr/local/bin: pfkeymsg and the -f executables (pfkeykit's
#	  programs are included when they are built).  From the host, with
#	  their libraries: sh (dash), bash, ip, tc, bridge (iproute2, with
#	  netns and xfrm), tcpdump, timeout, sleep.  busybox provides every
#	  other command (awk, sed, grep, ping, nc, modprobe, ...); ash is
#	  busybox's shell.  Debian's static busybox runs its own applets
#	  before PATH, so it is not /bin/sh.  Anything else: -f it.
#	- Modules: all of crypto, AF_KEY, XFRM, ESP/AH/IPComp for IPv4 and
#	  IPv6, IP tunnels, bridge, VLAN, netfilter, tc, veth, tun, dummy,
#	  macvlan, ipvlan, vxlan, vrf, macsec, ifb.  /sbin/modprobe is
#	  busybox with a depmod'ed tree, so the kernel autoloads on demand:
#	  socket(PF_KEY) loads af_key, an ESP state loads esp4/esp6, an
#	  algorithm its crypto modules, `ip link add type veth` veth.
#	  Nothing is loaded before the script but 9p and the -k modules.
#	- Mounted: /proc, /sys, /dev (devtmpfs, with /dev/pts, /dev/shm,
#	  /dev/fd and /dev/net/tun), /tmp and /run (tmpfs; /run/netns for
#	  `ip netns`).  The
#	  root is the initramfs itself: writable, in RAM.
#	- The script is /vm/script and runs in /tmp as root, with stdin
#	  /dev/null, HOME=/root, TMPDIR=/tmp, LANG=C, PFKEYKIT_VM=1,
#	  VM_OUT=/out and the -e settings.  The host name is "vm"; lo is up;
#	  there is no other network device.  /etc has passwd and group (root,
#	  tcpdump, nobody), hosts, protocols and services; /var/run is /run
#	  (sadbd's socket and pid file), /var/db (sadbd's journal) exists.
#	- /out is a 9p share of OUTDIR: files appear on the host as they are
#	  written and are complete when the guest powers off.  Ownership
#	  cannot change there when vmrun.sh runs as a user (chown fails), so
#	  programs that chown their output (tcpdump -w) write under /tmp
#	  first; vmlib.sh's vm_capture_* do.
#
# How it works:
#	- vmkernel.sh fetches the kernel and a static busybox (see there).
#	- The initramfs is two cpio archives, concatenated: a base (busybox,
#	  host tools and their libraries, modules, init, /etc), cached under
#	  CACHE/initrd and keyed by the sha256 of this script, the kernel
#	  version, the module list and every file in it, so it is rebuilt
#	  (in ~1.5 s) only when a host package, the kernel or this script
#	  changes; and a small per-run part (the script and its settings,
#	  the -f files, pfkeykit's programs, libraries the base lacks).  The
#	  base is not compressed: gunzip under TCG costs 0.3-0.4 s a boot.
#	- qemu boots the uncompressed vmlinux through its PVH entry with
#	  -kernel/-initrd, one serial port as the console (a file in the
#	  run's work directory, shown when the guest fails), and two
#	  virtio-9p shares: vmret, the run's work directory, where init
#	  writes the script's stdout, stderr and exit status as they happen,
#	  and vmout, OUTDIR.  9p was chosen over framing data on a second
#	  serial port: it moves 4 MB in 0.1 s where the emulated 16550 takes
#	  6 s, output written before a panic survives, no encoding is
#	  needed, and it costs 0.2 s of boot (loading virtio_pci and 9p).
#	- init (a dash script, write_init below) mounts everything, loads
#	  the 9p modules, sources /vm/config (settings, arguments), runs the
#	  script under timeout(1) with what is left of TIMEOUT less 5 s,
#	  writes the status (or "timedout"), unmounts and powers off.  The
#	  kernel runs with panic=-1 oops=panic and qemu with -no-reboot, so
#	  a panic ends qemu at once; qemu runs under timeout(1) in case the
#	  guest hangs, in vmrun.sh's process group so that killing a test
#	  kills its qemu.
#
# The cache: PFKEYKIT_VM_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/
# pfkeykit/vm (outside the tree; vm_test.sh uses the user's real home,
# not kyua's scratch HOME).  kernel-VER/: vmlinux and modules, ~90 MB, one
# per kernel version; busybox/: only when no static busybox is installed;
# apt-kver: apt's last answer; initrd/base-KEY.cpio: ~38 MB each, the 6
# newest kept, none unused for 3 days.  rm -rf it to start afresh.
#
# Host needs: qemu-system-x86, xz-utils, apt-get and Debian's archive the
# first time (the kernel), busybox-static (else fetched), iproute2 and
# bash; tcpdump for captures.  Linux only: the guest runs host binaries.

set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=${PFKEYKIT_TOP:-$(cd "$HERE/../.." && pwd)}
PROG=vmrun.sh

# Host tools for the guest: required, then optional.
HOST_REQUIRED="bash ip"
HOST_OPTIONAL="tcpdump timeout sleep tc bridge"

# pfkeykit's programs (path in the tree, path in the guest).
PFKEYKIT_PROGS="setkey/setkey:/usr/local/sbin/setkey
sadbd/sadbd:/usr/local/sbin/sadbd
examples/pfkeymsg:/usr/local/bin/pfkeymsg"

# Modules in every guest, relative to lib/modules/VER/kernel: a
# directory means every module under it.  Dependencies are added.
MODULES_DEFAULT="crypto arch/x86/crypto lib/crypto net/key net/xfrm
net/ipv4 net/ipv6 net/bridge net/8021q net/netfilter net/sched net/9p
fs/9p drivers/virtio drivers/net/veth.ko drivers/net/tun.ko
drivers/net/dummy.ko drivers/net/macvlan.ko drivers/net/ipvlan
drivers/net/vxlan drivers/net/vrf.ko drivers/net/macsec.ko
drivers/net/ifb.ko"

die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 125; }
usage() {
	cat >&2 <<'EOF'
usage: vmrun.sh [-v] [-m MEM] [-t TIMEOUT] [-f FILE[:GUESTPATH]]...
                [-k MODULE]... [-e NAME=VALUE]... [-o OUTDIR] SCRIPT [ARG...]
EOF
	exit 125
}

# Quote a value for a guest shell.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

NL='
'
MEM=1024 TIMEOUT=300 OUTDIR='' VERBOSE=0 FILES='' KMODS='' ENVS=''
while getopts "e:f:k:m:o:t:v" ch; do
	case $ch in
	e)	case $OPTARG in
		[A-Za-z_]*=*) ;;
		*) die "-e wants NAME=VALUE: $OPTARG" ;;
		esac
		ENVS="$ENVS$OPTARG$NL" ;;
	f)	FILES="$FILES$OPTARG$NL" ;;
	k)	KMODS="$KMODS $OPTARG" ;;
	m)	MEM=$OPTARG ;;
	o)	OUTDIR=$OPTARG ;;
	t)	TIMEOUT=$OPTARG ;;
	v)	VERBOSE=1 ;;
	*)	usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
SCRIPT=$1
shift
[ -f "$SCRIPT" ] || die "no script $SCRIPT"
case $MEM in ''|*[!0-9]*) die "-m wants MiB: $MEM" ;; esac
case $TIMEOUT in ''|*[!0-9]*) die "-t wants seconds: $TIMEOUT" ;; esac
[ "$TIMEOUT" -ge 10 ] || die "-t $TIMEOUT: at least 10 s (the boot)"

QEMU=${PFKEYKIT_VM_QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null 2>&1 ||
    die "$QEMU not found (Debian: apt-get install qemu-system-x86)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmrun.XXXXXX") || die "mktemp failed"
TAILPID='' QPID=''
cleanup() {
	[ -z "$QPID" ] || kill "$QPID" 2>/dev/null || true
	[ -z "$TAILPID" ] || kill "$TAILPID" 2>/dev/null || true
	if [ -n "${PFKEYKIT_VM_KEEP:-}" ]; then
		echo "$PROG: kept $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 125' HUP INT TERM

kenv=$(sh "$HERE/vmkernel.sh") || die "vmkernel.sh failed"
eval "$kenv"
CACHE=${VM_KDIR%/*}

# ---------------------------------------------------------------------
# Manifests: one line per guest path, "f GUEST SRC" (a copy of a host
# file, symlinks followed), "so GUEST SRC" (the same, for a library ldd
# named), "d GUEST" (a directory), "l GUEST TARGET" (a symlink).  stage()
# makes a tree out of one.  Guest paths are absolute, without spaces;
# host paths may have anything but newlines.  Where two lines name one
# path, uniq_paths keeps the first kind in d f l so order.

# Canonical guest path: the guest has merged /usr like Debian 12.
canon() {
	case $1 in
	/bin/*|/sbin/*|/lib/*|/lib64/*) echo "/usr$1" ;;
	*) echo "$1" ;;
	esac
}

# ldd's libraries of an ELF file, one per line.
libs_of() {
	ldd "$1" 2>/dev/null | awk '
	    $2 == "=>" && $3 ~ /^\// { print $3; next }
	    $1 ~ /^\// { print $1 }' || true
}

is_elf() {
	[ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = "177ELF" ]
}

# add_file MANIFEST SRC GUEST: a file and, for ELF, its libraries.
add_file() {
	m=$1 src=$2 g=$(canon "$3")
	echo "f $g $src" >>"$m"
	if is_elf "$src"; then
		libs_of "$src" | while read -r lib; do
			echo "so $(canon "$lib") $lib" >>"$m"
		done
	fi
}

# One line per guest path, sorted.
uniq_paths() {
	LC_ALL=C sort -k2,2 -k1,1 "$@" | awk '!seen[$2]++'
}

# stage MANIFEST DIR: make the tree.
stage() {
	m=$1 d=$2
	mkdir -p "$d/usr/bin" "$d/usr/sbin" "$d/usr/lib" "$d/usr/lib64"
	for l in bin sbin lib lib64; do
		[ -e "$d/$l" ] || ln -s "usr/$l" "$d/$l"
	done
	while read -r kind g src; do
		case $kind in
		d)	mkdir -p "$d$g" ;;
		l)	mkdir -p "$d${g%/*}"
			ln -sfn "$src" "$d$g" ;;
		f|so)	mkdir -p "$d${g%/*}"
			if [ -d "$src" ]; then
				rm -rf "${d:?}$g"
				cp -RL "$src" "$d$g"
			else
				cp -L "$src" "$d$g"
			fi ;;
		esac
	done <"$m"
}

# cpio DIR FILE: a newc archive, every file owned by root.
mkcpio() {
	(cd "$1" && find . | LC_ALL=C sort |
	    "$VM_BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) >"$2"
}

# ---------------------------------------------------------------------
# The guest's init.  Settings come from /vm/config (the per-run part).

write_init() {
	cat <<'EOF'
#!/bin/sh
# pfkeykit vmrun.sh guest init: see vmrun.sh.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
say() { echo "vm-init: $*" >/dev/console; }
die() { say "$*"; sync; poweroff -f; sleep 5; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/netns /root /out /in /vm/ret
# devtmpfs makes /dev/net/tun only once tun is loaded; with the node
# there, opening it autoloads tun (char-major-10-200).
mkdir -p /dev/net
[ -e /dev/net/tun ] || mknod /dev/net/tun c 10 200
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
hostname vm
ip link set lo up

for m in virtio_pci 9pnet_virtio 9p; do
	modprobe "$m" || die "modprobe $m failed"
done
o=trans=virtio,version=9p2000.L,msize=262144,cache=none
mount -t 9p -o "$o" vmret /vm/ret || die "cannot mount the vmret share"
mount -t 9p -o "$o" vmout /out || die "cannot mount the vmout share"

VM_TIMEOUT=300 VM_MODULES=
. /vm/config || die "no /vm/config"
for m in $VM_MODULES; do
	modprobe "$m" || say "modprobe $m failed"
done

# Leave 5 s to return the output and power off.
up=$(cut -d. -f1 /proc/uptime)
left=$((VM_TIMEOUT - up - 5))
[ "$left" -gt 0 ] || left=1
cd /tmp
export HOME=/root TMPDIR=/tmp PFKEYKIT_VM=1 VM_OUT=/out LANG=C
# The inner sh writes the status only if the script ends by itself;
# timeout kills its whole process group otherwise.
timeout -k 2 "$left" /bin/sh -c '"$@"; echo $? >/tmp/.vm-status' sh \
    /vm/script "$@" </dev/null >/vm/ret/stdout 2>/vm/ret/stderr
if [ -f /tmp/.vm-status ]; then
	cp /tmp/.vm-status /vm/ret/status
else
	echo "$left" >/vm/ret/timedout
fi
sync
umount /out
umount /vm/ret
poweroff -f
sleep 5
EOF
}

# ---------------------------------------------------------------------
# The base archive: cached, keyed by its content.

base_manifest() {
	m=$1
	: >"$m"
	for d in /proc /sys /dev /tmp /run /root /out /in /vm /etc /mnt \
	    /var/db /var/lib /var/tmp; do
		echo "d $d" >>"$m"
	done
	echo "l /var/run /run" >>"$m"
	echo "f /usr/bin/busybox $VM_BUSYBOX" >>"$m"
	hostnames=
	for t in $HOST_REQUIRED $HOST_OPTIONAL; do
		p=$(command -v "$t" 2>/dev/null) || p=
		case $p in
		/*)	;;
		*)	case " $HOST_REQUIRED " in
			*" $t "*) die "$t is not installed on the host" ;;
			esac
			continue ;;
		esac
		r=$(readlink -f "$p")
		add_file "$m" "$r" "$p"
		hostnames="$hostnames $t"
	done
	# /bin/sh is the host's dash where there is one: Debian's static
	# busybox sh prefers its own applets to PATH (so `ip` in a script
	# would be busybox's ip, which knows no netns or xfrm).
	if p=$(command -v dash 2>/dev/null); then
		add_file "$m" "$(readlink -f "$p")" /usr/bin/dash
		echo "l /usr/bin/sh dash" >>"$m"
		hostnames="$hostnames sh"
	fi
	# busybox for everything else; host tools win.
	"$VM_BUSYBOX" --list-full | awk -v skip="$hostnames" '
	    BEGIN { n = split(skip, a, " "); for (i = 1; i <= n; i++) s[a[i]] }
	    {
		b = $0; sub(/.*\//, "", b)
		if (b in s) next
		p = "/" $0
		if (p ~ /^\/(bin|sbin|lib|lib64)\//) p = "/usr" p
		print "l", p, "/usr/bin/busybox"
	    }' >>"$m"
	echo "l /usr/sbin/modprobe /usr/bin/busybox" >>"$m"
	echo "l /usr/bin/env /usr/bin/busybox" >>"$m"
	for f in /etc/protocols /etc/services; do
		[ -f "$f" ] && echo "f $f $f" >>"$m"
	done
	echo "f /init $WORK/init" >>"$m"
	echo "f /etc/passwd $WORK/passwd" >>"$m"
	echo "f /etc/group $WORK/group" >>"$m"
	echo "f /etc/hosts $WORK/hosts" >>"$m"
	uniq_paths "$m" >"$m.s" && mv "$m.s" "$m"
}

# The module list: MODULES_DEFAULT and -k names, with their deps, as
# paths relative to the module directory.
module_list() {
	{
		for p in $MODULES_DEFAULT; do
			if [ -d "$VM_MODDIR/kernel/$p" ]; then
				(cd "$VM_MODDIR" && find "kernel/$p" -name '*.ko')
			elif [ -f "$VM_MODDIR/kernel/$p" ]; then
				echo "kernel/$p"
			fi
		done
		for k in $KMODS; do
			n=$(echo "$k" | tr - _)
			f=$(awk -F: -v n="$n" '{
			    b = $1; sub(/.*\//, "", b); sub(/\.ko$/, "", b)
			    gsub(/-/, "_", b)
			    if (b == n) { print $1; exit } }' \
			    "$VM_MODDIR/modules.dep")
			[ -n "$f" ] || die "no module $k in $VM_KVER" \
			    "(or builtin: see modules.builtin)"
			echo "$f"
		done
	} | awk -v dep="$VM_MODDIR/modules.dep" '
	    BEGIN {
		while ((getline l < dep) > 0) {
			i = index(l, ":")
			deps[substr(l, 1, i - 1)] = substr(l, i + 1)
		}
	    }
	    { want[$1] = 1 }
	    END {
		for (m in want) {
			if (!(m in deps)) continue
			out[m] = 1
			n = split(deps[m], d, " ")
			for (j = 1; j <= n; j++) out[d[j]] = 1
		}
		for (m in out) print m
	    }' | LC_ALL=C sort
}

build_base() {
	write_init >"$WORK/init"
	chmod 755 "$WORK/init"
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
	    'tcpdump:x:100:101:tcpdump:/nonexistent:/bin/false' \
	    'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
	    >"$WORK/passwd"
	printf '%s\n' 'root:x:0:' 'tcpdump:x:101:' 'nogroup:x:65534:' \
	    >"$WORK/group"
	printf '%s\n' '127.0.0.1 localhost' '::1 localhost' \
	    '127.0.1.1 vm' >"$WORK/hosts"
	base_manifest "$WORK/base.m"
	module_list >"$WORK/modules.m"

	# The key: this script (init, /etc), the manifest, the host files'
	# contents, the modules.
	key=$(
		echo "kernel $VM_KVER"
		sha256sum <"$0"
		cat "$WORK/base.m" "$WORK/modules.m" | sed "s,$WORK,WORK,"
		awk '$1 == "f" || $1 == "so" { sub(/^[fso]+ [^ ]* /, ""); print }' \
		    "$WORK/base.m" | grep -v "^$WORK/" | tr '\n' '\0' |
		    xargs -0 sha256sum
	) || die "cannot hash the base"
	key=$(printf '%s\n' "$key" | sha256sum | cut -c1-16)
	BASE="$CACHE/initrd/base-$key.cpio"
	if [ -f "$BASE" ]; then
		touch "$BASE"
		return 0
	fi
	# Keep 6 bases (the 5 newest and this one), none unused for 3
	# days: each host package update or edit of this script makes one.
	mkdir -p "$CACHE/initrd"
	find "$CACHE/initrd" -name 'base-*' -mtime +3 -exec rm -f {} + \
	    2>/dev/null || true
	ls -t "$CACHE"/initrd/base-*.cpio 2>/dev/null | tail -n +6 |
	    while read -r old; do rm -f "$old"; done
	b="$WORK/base"
	stage "$WORK/base.m" "$b"
	md="$b/usr/lib/modules/$VM_KVER"
	mkdir -p "$md"
	# shellcheck disable=SC2046 # module paths have no spaces
	(cd "$VM_MODDIR" && tar cf - $(cat "$WORK/modules.m") \
	    modules.builtin modules.builtin.modinfo modules.order) |
	    (cd "$md" && tar xf -) || die "cannot copy the modules"
	"$VM_BUSYBOX" depmod -b "$b" "$VM_KVER" || die "depmod failed"
	# Uncompressed: under TCG the kernel's gunzip costs 0.3-0.4 s of
	# every boot, and zstd or lz4 nearly as much.
	mkcpio "$b" "$BASE.$$" || die "cpio failed"
	# The kernel takes the next archive only at a 4-byte boundary;
	# it skips zeros between archives.
	pad=$(( (4 - $(wc -c <"$BASE.$$") % 4) % 4 ))
	head -c "$pad" /dev/zero >>"$BASE.$$"
	mv "$BASE.$$" "$BASE"
	rm -rf "$b"
}

# ---------------------------------------------------------------------
# The per-run archive.

build_run() {
	m="$WORK/run.m"
	: >"$m"
	echo "$PFKEYKIT_PROGS" | while IFS=: read -r src g; do
		[ -f "$TOP/$src" ] && [ -x "$TOP/$src" ] &&
		    add_file "$m" "$TOP/$src" "$g"
		true
	done
	while IFS= read -r spec; do
		[ -n "$spec" ] || continue
		src=$spec g=
		case $spec in
		*:/*)	src=${spec%:/*} g=/${spec##*:/} ;;
		esac
		[ -e "$src" ] || die "-f $src: no such file"
		src=$(readlink -f "$src")
		name=${src##*/}
		if [ -z "$g" ]; then
			if [ -f "$src" ] && [ -x "$src" ]; then
				g=/usr/local/bin/$name
			else
				g=/in/$name
			fi
		fi
		case $g in *[[:space:]]*) die "-f: no spaces in $g" ;; esac
		add_file "$m" "$src" "$g"
	done <<EOF
$FILES
EOF
	{
		echo "VM_TIMEOUT=$TIMEOUT"
		echo "VM_MODULES=$(q "$KMODS")"
		printf 'set --'
		for a in "$@"; do
			printf ' %s' "$(q "$a")"
		done
		echo
		while IFS= read -r e; do
			[ -n "$e" ] || continue
			echo "export ${e%%=*}=$(q "${e#*=}")"
		done <<EOF
$ENVS
EOF
	} >"$WORK/config"
	cp "$SCRIPT" "$WORK/script"
	chmod 755 "$WORK/script"
	echo "f /vm/config $WORK/config" >>"$m"
	echo "f /vm/script $WORK/script" >>"$m"
	# Libraries the base already has stay out; a file given with -f
	# replaces what the base has at that path.
	awk 'NR == FNR { have[$2] = 1; next } $1 != "so" || !($2 in have)' \
	    "$WORK/base.m" "$m" | uniq_paths >"$m.s"
	r="$WORK/run"
	stage "$m.s" "$r"
	mkcpio "$r" "$WORK/run.cpio" || die "cpio failed"
	rm -rf "$r"
}

# ---------------------------------------------------------------------

build_base
build_run "$@"
cat "$BASE" "$WORK/run.cpio" >"$WORK/initrd" ||
    die "cannot write the initramfs (was $BASE pruned by another run?)"

mkdir -p "$WORK/ret"
if [ -n "$OUTDIR" ]; then
	mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"
	OUTDIR=$(cd "$OUTDIR" && pwd)
else
	OUTDIR="$WORK/out"
	mkdir -p "$OUTDIR"
fi
# qemu's option syntax doubles commas.
qpath() { printf '%s' "$1" | sed 's/,/,,/g'; }

: >"$WORK/console"
QUIET=quiet
if [ "$VERBOSE" = 1 ]; then
	QUIET=
	tail -n +1 -f "$WORK/console" >&2 &
	TAILPID=$!
fi
# --foreground keeps timeout (and so qemu) in our process group: a test
# runner that kills the group on its own timeout kills qemu too.
qrc=0
share() {
	echo "local,path=$(qpath "$2"),mount_tag=$1,security_model=none,id=$1"
}
# shellcheck disable=SC2086 # PFKEYKIT_VM_QEMU_ARGS is a list
timeout --foreground -k 5 "$TIMEOUT" \
    "$QEMU" -accel tcg -cpu max -m "$MEM" -smp 1 \
    -nographic -no-reboot -nodefaults \
    -serial "file:$(qpath "$WORK/console")" \
    -kernel "$(qpath "$VM_VMLINUX")" -initrd "$(qpath "$WORK/initrd")" \
    -append "console=ttyS0 $QUIET panic=-1 oops=panic ${PFKEYKIT_VM_APPEND:-}" \
    -virtfs "$(share vmret "$WORK/ret")" \
    -virtfs "$(share vmout "$OUTDIR")" \
    ${PFKEYKIT_VM_QEMU_ARGS:-} </dev/null >"$WORK/qemu.log" 2>&1 &
QPID=$!
wait "$QPID" || qrc=$?
QPID=
if [ -n "$TAILPID" ]; then
	sleep 0.2
	kill "$TAILPID" 2>/dev/null || true
	TAILPID=
fi

[ -f "$WORK/ret/stdout" ] && cat "$WORK/ret/stdout"
[ -f "$WORK/ret/stderr" ] && cat "$WORK/ret/stderr" >&2

console_tail() {
	echo "---- guest console (last 40 lines) ----" >&2
	tr -d '\r' <"$WORK/console" | grep -av 'SeaBIOS\|Booting from' |
	    tail -n 40 >&2
	if [ -s "$WORK/qemu.log" ]; then
		echo "---- qemu ----" >&2
		tail -n 20 "$WORK/qemu.log" >&2
	fi
}

if [ -f "$WORK/ret/status" ]; then
	# A kernel warning that did not kill the guest is worth a word.
	if grep -aq 'Call Trace:' "$WORK/console"; then
		echo "$PROG: the guest kernel logged a warning:" >&2
		tr -d '\r' <"$WORK/console" | grep -a -B 2 -A 30 -m 1 \
		    'WARNING:\|BUG:\|Call Trace:' >&2 || true
	fi
	st=$(cat "$WORK/ret/status")
	case $st in ''|*[!0-9]*) die "bad status from the guest: $st" ;; esac
	exit "$st"
fi
if [ -f "$WORK/ret/timedout" ]; then
	echo "$PROG: $SCRIPT timed out (-t $TIMEOUT; it had" \
	    "$(cat "$WORK/ret/timedout") s after the boot)" >&2
	exit 124
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "$PROG: the guest hung: qemu killed after $TIMEOUT s" >&2
	console_tail
	exit 124
fi
if grep -aq 'Kernel panic' "$WORK/console"; then
	echo "$PROG: the guest kernel panicked" >&2
else
	echo "$PROG: the guest stopped without an exit status" \
	    "(qemu exit $qrc)" >&2
fi
console_tail
exit 125
