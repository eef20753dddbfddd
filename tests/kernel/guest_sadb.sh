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

# Guest side of kernel_test:sadb_compare (runs under vmrun.sh with
# vmlib.sh and the sadb_*.conf scripts in /in).  The same scripts go into
# namespace X with setkey -B xfrm (plus sadb_xfrm.conf, what only XFRM
# carries) and into namespace P with setkey -B pfkey.  Each namespace is
# then dumped by setkey over both transports, as text and JSON, and by
# iproute2, into /out/X and /out/P (see sadb_cmp.py, which compares them
# on the host), and every SA is read back with `get' by the transport
# that did not install it: /out/X/get.pfkey, /out/P/get.xfrm.

set -u
. /in/vmlib.sh

cd /in
ip netns add X || vm_fail "ip netns add X"
ip netns add P || vm_fail "ip netns add P"
for f in sadb_transport.conf sadb_tunnel.conf sadb_xfrm.conf; do
	ip netns exec X setkey -B xfrm -f "$f" ||
	    vm_fail "setkey -B xfrm -f $f"
	echo "X: setkey -B xfrm -f $f"
done
for f in sadb_transport.conf sadb_tunnel.conf; do
	ip netns exec P setkey -B pfkey -f "$f" 2>/tmp/err ||
	    { cat /tmp/err >&2; vm_fail "setkey -B pfkey -f $f"; }
	echo "P: setkey -B pfkey -f $f"
done

# dump NS TRANSPORT: the four setkey views.
dump() {
	for o in "D:-D" "DP:-DP" "D.json:-D -o json" "DP.json:-DP -o json"; do
		# shellcheck disable=SC2086 # the options are a list
		ip netns exec "$1" setkey -B "$2" ${o#*:} >"/out/$1/$2.${o%%:*}" ||
		    vm_fail "$1: setkey -B $2 ${o#*:}"
	done
}
# gets NS TRANSPORT: `get' of every SA iproute2 lists, by TRANSPORT.
gets() {
	ip -n "$1" xfrm state | awk '
	    /^src / { s = $2; d = $4 }
	    /^\tproto / {
		p = $2 == "comp" ? "ipcomp" : $2
		print "get " s " " d " " p " " $4 ";"
	    }' >"/tmp/get.$1"
	ip netns exec "$1" setkey -B "$2" -f "/tmp/get.$1" >"/out/$1/get.$2" ||
	    vm_fail "$1: get by -B $2"
	echo "$1: $(grep -c . "/tmp/get.$1") SAs read back by -B $2"
}
for ns in X P; do
	mkdir -p "/out/$ns"
	dump "$ns" xfrm
	dump "$ns" pfkey
	ip -n "$ns" -s xfrm state >"/out/$ns/ip.state"
	ip -n "$ns" -s xfrm policy >"/out/$ns/ip.policy"
	echo "$ns: $(grep -c '^src' "/out/$ns/ip.state") SAs," \
	    "$(grep -c '^src' "/out/$ns/ip.policy") policies"
done
gets X pfkey
gets P xfrm
echo "sadb ok"
