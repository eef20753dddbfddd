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

# charon_bench.sh: complete IKEv1 negotiations per second, strongSwan's
# charon against charon on this machine: the reference for racoon-ng <->
# racoon-ng.
#
#	sh bench/charon_bench.sh [-n NEGOTIATIONS] [-r ROUNDS] [-g GROUP]
#
# (root; network namespaces; python3.)  One negotiation is a main mode
# (PSK, IP identities, aes128-sha256 with the DH GROUP, modp2048 by
# default) and a quick mode (ESP aes128-sha256, no PFS) whose CHILD_SA is
# installed on both sides.  The host kernel has no ESP, so both charons use
# their kernel-libipsec backend (Debian's libcharon-extra-plugins): the SAs
# and policies go into charon's own userspace ESP, with a route into its
# TUN device, in place of the kernel's XFRM; no traffic is sent.
#
# The initiator, in namespace "i", has NEGOTIATIONS (1000) connections,
# each from an address of its own (10.1.x.y on one veth: distinct peers,
# as a responder meets them) with a tunnel of its own (10.3.x.y/32, on lo,
# to 10.2.0.0/24: kernel-libipsec refuses a tunnel that covers the peer's
# IKE address and needs a local address in it).  Once they are loaded,
# all are initiated at once through one vici connection ("initiate" with
# timeout -1 returns without waiting; one swanctl process per SA would
# cost more CPU than the negotiations).  The responder, in namespace "r"
# (10.1.255.254), has one connection for any peer.  Both daemons share
# the machine's cores (no pinning), log only level 0 and use a hashed
# IKE_SA table (ikesa_table_size 256, segments 16: the default is a
# single list, which makes every lookup linear in the number of SAs).
#
# The figure: NEGOTIATIONS / (the initiator's last "CHILD_SA ...
# established" - its first "initiating Main Mode"), both from its log
# (millisecond stamps); every one of the N must have completed within
# 120 s, and the responder must then list N installed CHILD_SAs, or the
# round fails.  The wall time from the first initiate request to the last
# CHILD_SA seen (polled every 0.1 s) is shown too.  Each of ROUNDS (3)
# rounds starts fresh daemons; the median rate is printed last, with the
# load average before and after: run it on an idle machine.
#
# The rate falls as NEGOTIATIONS grows: on a 2-vCPU AMD EPYC VM (Debian
# 12, strongSwan 5.9.8), with the CPUs otherwise idle, the medians were
# about 370/s at 300, 306/s at 1000 and 170/s at 3000 (every SA and
# address held makes some per-SA work dearer; not analysed further), and
# half of that while other jobs ran: compare daemons at the same N, same
# time.
#
# CHARON_BENCH_KEEP: keep the configurations and logs (and say where);
# CHARON_BENCH_LOG: charon's log level (0).

set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
IKE_SRC=$HERE/../tests/ike_interop
N=1000 ROUNDS=3 GROUP=modp2048
while getopts "g:n:r:" ch; do
	case $ch in
	g)	GROUP=$OPTARG ;;
	n)	N=$OPTARG ;;
	r)	ROUNDS=$OPTARG ;;
	*)	echo "usage: charon_bench.sh [-n N] [-r ROUNDS] [-g GROUP]" >&2
		exit 2 ;;
	esac
done
case $N in ''|*[!0-9]*) echo "charon_bench.sh: -n $N" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] && [ "$N" -le 60000 ] ||
    { echo "charon_bench.sh: -n 1..60000" >&2; exit 2; }

IKE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/charon_bench.XXXXXX")
export IKE_DIR
IKE_NSP=cb$$-
. "$IKE_SRC/ikelib.sh"
trap 'ike_cleanup
if [ -n "${CHARON_BENCH_KEEP:-}" ]; then
	echo "kept $IKE_DIR" >&2
else
	rm -rf "$IKE_DIR"
fi' EXIT
trap 'exit 1' HUP INT TERM

ike_require_netns
ike_require_charon
ike_require_libipsec
ike_init

R=10.1.255.254
# The i-th initiator address, 0-based: 10.1.0.1 ... (250 per /24).
iaddr() { echo "10.1.$(($1 / 250)).$(($1 % 250 + 1))"; }

# conf NAME ROLE: strongswan.conf and swanctl.conf for the initiator (i)
# or the responder (r).
conf()
{
	local d i a
	d=$IKE_DIR/$1
	rm -rf "$d"
	mkdir -p "$d/run" "$d/swanctl"
	for i in x509 x509ca x509crl x509ocsp x509aa x509ac private pubkey \
	    rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$d/swanctl/$i"
	done
	cat >"$d/strongswan.conf" <<EOF
charon {
	load_modular = no
	load = kernel-libipsec $(echo $IKE_CHARON_PLUGINS)
	install_virtual_ip = no
	install_routes = no
	ikesa_table_size = 256
	ikesa_table_segments = 16
	retransmit_timeout = 10.0
	retransmit_tries = 3
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
	}
	filelog {
		log {
			path = $d/charon.log
			time_format = %s
			time_add_ms = yes
			append = no
			flush_line = yes
			default = ${CHARON_BENCH_LOG:-0}
		}
	}
}
swanctl {
	load = $IKE_SWANCTL_PLUGINS
	socket = unix://$d/charon.vici
}
EOF
	{
		echo "connections {"
		if [ "$2" = r ]; then
			cat <<EOF
	r {
		version = 1
		local_addrs = $R
		remote_addrs = %any
		proposals = aes128-sha256-$GROUP
		unique = never
		mobike = no
		fragmentation = no
		dpd_delay = 0s
		local {
			auth = psk
			id = $R
		}
		remote {
			auth = psk
			id = %any
		}
		children {
			r {
				local_ts = 10.2.0.0/24
				remote_ts = 10.3.0.0/16
				esp_proposals = aes128-sha256
			}
		}
	}
EOF
		else
			i=0
			while [ $i -lt "$N" ]; do
				a=$(iaddr $i)
				cat <<EOF
	c$i {
		version = 1
		local_addrs = $a
		remote_addrs = $R
		proposals = aes128-sha256-$GROUP
		unique = never
		mobike = no
		fragmentation = no
		dpd_delay = 0s
		local {
			auth = psk
			id = $a
		}
		remote {
			auth = psk
			id = $R
		}
		children {
			c$i {
				local_ts = $(iaddr $i | sed 's/^10\.1\./10.3./')/32
				remote_ts = 10.2.0.0/24
				esp_proposals = aes128-sha256
			}
		}
	}
EOF
				i=$((i + 1))
			done
		fi
		echo "}"
		echo "secrets {"
		echo "	ike-any {"
		echo "		secret = \"charon-bench-psk-0123456789\""
		echo "	}"
		echo "}"
	} >"$d/swanctl/swanctl.conf"
}

# start NAME NS: charon in NS with NAME's configuration.
start()
{
	local d n
	d=$IKE_DIR/$1
	STRONGSWAN_CONF=$d/strongswan.conf
	export STRONGSWAN_CONF
	ike_bg "$2" "$d/charon.out" unshare -m --propagation private \
	    sh -c 'mount --bind "$1" /run && exec "$2"' sh "$d/run" \
	    "$IKE_CHARON"
	echo "$IKE_LASTPID" >"$d/pid"
	n=0
	until "$IKE_SWANCTL" --stats >/dev/null 2>&1; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 "$IKE_LASTPID" 2>/dev/null; then
			cat "$d/charon.out" >&2
			ike_fail "charon $1 did not start"
		fi
		sleep 0.1
	done
}

count() { grep -c 'CHILD_SA .* established' "$IKE_DIR/$1/charon.log" || true; }
installed()
{
	"$IKE_SWANCTL" --list-sas 2>/dev/null | grep -c ', INSTALLED, ' || true
}

# The topology: i and r on one veth, the initiator's N addresses.
ike_addns i r
ike_veth i vi r vr
ip -n "${IKE_NSP}r" addr add "$R/16" dev vr
ip -n "${IKE_NSP}i" link set vi up
ip -n "${IKE_NSP}r" link set vr up
{
	i=0
	while [ $i -lt "$N" ]; do
		echo "addr add $(iaddr $i)/16 dev vi"
		echo "addr add $(iaddr $i | sed 's/^10\.1\./10.3./')/32 dev lo"
		i=$((i + 1))
	done
} >"$IKE_DIR/addrs"
ip -n "${IKE_NSP}i" -batch "$IKE_DIR/addrs" ||
    ike_fail "cannot add the initiator's addresses"
# The responder answers every address: permanent neighbours.
mi=$(ike_mac i vi)
{
	i=0
	while [ $i -lt "$N" ]; do
		echo "neigh replace $(iaddr $i) lladdr $mi dev vr nud permanent"
		i=$((i + 1))
	done
} >"$IKE_DIR/neigh"
ip -n "${IKE_NSP}r" -batch "$IKE_DIR/neigh"
ike_neigh i vi "$R" r vr
ip -n "${IKE_NSP}r" addr add 10.2.0.1/32 dev lo

cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
echo "charon_bench: $N IKEv1 negotiations (main mode PSK" \
    "aes128-sha256-$GROUP + quick mode ESP aes128-sha256, CHILD_SA" \
    "installed by kernel-libipsec), $ROUNDS rounds"
echo "machine: $(nproc) CPUs, $cpu; $($IKE_CHARON --version 2>/dev/null |
    head -1 || echo charon)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

conf r r
conf i i
rates=
round=1
while [ $round -le "$ROUNDS" ]; do
	start r r
	"$IKE_SWANCTL" --load-all --noprompt \
	    --file "$IKE_DIR/r/swanctl/swanctl.conf" >/dev/null ||
	    ike_fail "cannot load the responder"
	start i i
	"$IKE_SWANCTL" --load-all --noprompt \
	    --file "$IKE_DIR/i/swanctl/swanctl.conf" >/dev/null ||
	    ike_fail "cannot load the initiator"
	w1=$(date +%s.%N)
	python3 - "$IKE_DIR/i/charon.vici" "$N" <<'EOF' ||
# Initiate c0 ... cN-1.  The vici wire format: a 32-bit big-endian length,
# then the packet: its type (0: CMD_REQUEST, 1: CMD_RESPONSE), for a
# request the command's name (8-bit length, name), then the message's
# elements (3: KEY_VALUE: 8-bit key length, key, 16-bit value length,
# value).
import socket
import struct
import sys

def kv(k, v):
    return bytes([3, len(k)]) + k.encode() + struct.pack(">H", len(v)) + \
        v.encode()

def recv(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            sys.exit("vici: connection closed")
        b += c
    return b

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
for i in range(int(sys.argv[2])):
    body = kv("child", "c%d" % i) + kv("timeout", "-1") + \
        kv("init-limits", "no")
    p = bytes([0, len("initiate")]) + b"initiate" + body
    s.sendall(struct.pack(">I", len(p)) + p)
    (n,) = struct.unpack(">I", recv(s, 4))
    r = recv(s, n)
    if r[0] != 1 or kv("success", "yes") not in r:
        sys.exit("vici: initiate c%d: %r" % (i, r))
EOF
	    ike_fail "cannot initiate through vici"
	n=0
	until [ "$(count i)" -ge "$N" ]; do
		n=$((n + 1))
		[ $n -le 1200 ] || ike_fail "round $round: $(count i) of $N" \
		    "negotiations completed in 120 s"
		sleep 0.1
	done
	w2=$(date +%s.%N)
	# The responder installed every CHILD_SA too.
	STRONGSWAN_CONF=$IKE_DIR/r/strongswan.conf
	export STRONGSWAN_CONF
	n=0
	until [ "$(installed)" -ge "$N" ]; do
		n=$((n + 1))
		[ $n -le 100 ] || ike_fail "round $round: the responder" \
		    "installed $(installed) of $N CHILD_SAs"
		sleep 0.1
	done
	# First initiation to last CHILD_SA, from the initiator's log.
	r=$(awk -v n="$N" '
	    /initiating Main Mode/ && t0 == "" { t0 = $1 }
	    /CHILD_SA .* established/ { t1 = $1 }
	    END { printf "%.1f %.3f", n / (t1 - t0), t1 - t0 }' \
	    "$IKE_DIR/i/charon.log")
	set -- $r
	echo "round $round: $1 negotiations/s ($N in $2 s; wall" \
	    "$(echo "$w1 $w2" | awk '{ printf "%.2f", $2 - $1 }') s from" \
	    "the first initiate request)"
	rates="$rates $1"
	ike_kill "$(cat "$IKE_DIR/i/pid")"
	ike_kill "$(cat "$IKE_DIR/r/pid")"
	round=$((round + 1))
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median: $(echo $rates | tr ' ' '\n' | sort -n |
    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') negotiations/s"
