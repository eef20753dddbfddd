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

# dplib.sh: network namespaces, sadbd data planes and traffic for the data
# plane tests, on the host (root; no VM).  Sourced by the test programs.
#
# Topologies (namespace names carry a per-test prefix, kept in ./prefix
# so the cleanup finds them; every process started is recorded in
# ./pids and ended by its id):
#
#   dp_topo N [v6]	ns a -- veth -- ns obs (bridge br0, no addresses)
#			-- veth -- ns b; pair k (1..N) has 10.0.k.1 on a and
#			10.0.k.2 on b (with v6 also fd00:k::1, fd00:k::2),
#			permanent neighbours (nothing but our packets on the
#			wire).  Each of a and b has tun0 (multi-queue, MTU
#			1400) and the host-to-host routing of sadbd(8):
#			unmarked packets to the peer's addresses go into
#			tun0 (table 100), sadbd's marked ones to the wire.
#   dp_topo_gw		ns ha (10.1.0.2) -- ns a (gateway 10.1.0.1,
#			10.0.0.1, tun0) -- obs -- ns b (gateway 10.0.0.2,
#			10.2.0.1, tun0) -- ns hb (10.2.0.2); each gateway
#			routes the other side's network into tun0.
#
#   dp_sadbd NS [args]	start sadbd -d -J off -i tun0 with a socket of its
#			own in NS; args are added (-R, -T 1 ...)
#   dp_setkey NS args	setkey -B sadbd:<NS's socket> args
#   dp_capture_start / dp_capture_stop	tcpdump -w cap.pcap on br0 in obs
#   dp_ping NS SRC DST	two echoes, all answered (IPv4 or IPv6)
#   dp_tcp NSL NSC ADDR PORT SIZE	tcpx echo through ADDR
#   dp_stats NS		SIGUSR1, the counters into NS.stats
#   dp_counter NS NAME	a counter from NS.stats

DPSRC=$(atf_get_srcdir)
DPTOP=$DPSRC/../..
SADBD=$DPTOP/sadbd/sadbd
SETKEY=$DPTOP/setkey/setkey
TCPX=$DPSRC/tcpx
DP_MARK=0x5adb

dp_fail()
{
	atf_fail "$*"
}

# Skip (with the reason) only when namespaces or TUN cannot exist here.
dp_require()
{
	[ "$(id -u)" = 0 ] || atf_skip "needs root (network namespaces)"
	[ -c /dev/net/tun ] || atf_skip "no /dev/net/tun"
	for t in ip tcpdump tshark python3; do
		command -v $t >/dev/null 2>&1 || atf_skip "no $t"
	done
	python3 -c 'import cryptography' 2>/dev/null ||
	    atf_skip "no python3-cryptography"
	[ -x "$SADBD" ] && [ -x "$SETKEY" ] && [ -x "$TCPX" ] ||
	    dp_fail "sadbd, setkey or tcpx not built"
	echo "dp$$" > prefix
	P=$(cat prefix)
	ip netns add ${P}probe 2>/dev/null ||
	    atf_skip "cannot create network namespaces"
	ip netns del ${P}probe
}

dp_p()
{
	P=$(cat prefix)
}

dp_ns()
{
	dp_p
	ip netns add $P$1 || dp_fail "ip netns add $P$1"
	echo $1 >> nslist
	ip -n $P$1 link set lo up
	ip netns exec $P$1 sysctl -qw net.ipv4.conf.all.rp_filter=0
	ip netns exec $P$1 sysctl -qw net.ipv4.conf.default.rp_filter=0
}

dp_x()
{
	ns=$1
	shift
	ip netns exec $P$ns "$@"
}

# tun0 in NS, as an administrator prepares it for sadbd (sadbd(8)).
dp_tun()
{
	ip -n $P$1 tuntap add dev tun0 mode tun ${2:-multi_queue} ||
	    dp_fail "ip tuntap add in $1"
	ip -n $P$1 link set tun0 mtu 1400 up
	dp_x $1 sysctl -qw net.ipv4.conf.tun0.rp_filter=0
}

# The observer in the middle and two veths into it.
dp_wire()
{
	dp_ns obs
	dp_x obs sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	dp_x obs sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip -n ${P}obs link add br0 type bridge || dp_fail "no bridge"
	ip link add va netns $P$1 type veth peer name va-o netns ${P}obs ||
	    dp_fail "no veth"
	ip link add vb netns $P$2 type veth peer name vb-o netns ${P}obs ||
	    dp_fail "no veth"
	ip -n ${P}obs link set va-o master br0 up
	ip -n ${P}obs link set vb-o master br0 up
	ip -n ${P}obs link set br0 up
	ip -n $P$1 link set va up
	ip -n $P$2 link set vb up
}

dp_topo()
{
	n=$1
	v6=${2:-}
	dp_ns a
	dp_ns b
	dp_wire a b
	ma=$(dp_x a cat /sys/class/net/va/address)
	mb=$(dp_x b cat /sys/class/net/vb/address)
	dp_tun a
	dp_tun b
	for s in a b; do
		ip -n $P$s rule add not fwmark $DP_MARK table 100 pref 100
		[ -n "$v6" ] && ip -n $P$s -6 rule add not fwmark $DP_MARK \
		    table 100 pref 100
	done
	k=1
	while [ $k -le $n ]; do
		ip -n ${P}a addr add 10.0.$k.1/24 dev va
		ip -n ${P}b addr add 10.0.$k.2/24 dev vb
		ip -n ${P}a neigh replace 10.0.$k.2 lladdr $mb dev va \
		    nud permanent
		ip -n ${P}b neigh replace 10.0.$k.1 lladdr $ma dev vb \
		    nud permanent
		ip -n ${P}a route add 10.0.$k.2 dev tun0 src 10.0.$k.1 \
		    table 100
		ip -n ${P}b route add 10.0.$k.1 dev tun0 src 10.0.$k.2 \
		    table 100
		if [ -n "$v6" ]; then
			ip -n ${P}a addr add fd00:$k::1/64 dev va nodad
			ip -n ${P}b addr add fd00:$k::2/64 dev vb nodad
			ip -n ${P}a neigh replace fd00:$k::2 lladdr $mb \
			    dev va nud permanent
			ip -n ${P}b neigh replace fd00:$k::1 lladdr $ma \
			    dev vb nud permanent
			ip -n ${P}a route add fd00:$k::2 dev tun0 \
			    src fd00:$k::1 table 100
			ip -n ${P}b route add fd00:$k::1 dev tun0 \
			    src fd00:$k::2 table 100
		fi
		k=$((k + 1))
	done
}

dp_topo_gw()
{
	for s in ha a b hb; do
		dp_ns $s
	done
	dp_wire a b
	ip link add la netns ${P}a type veth peer name eth0 netns ${P}ha
	ip link add lb netns ${P}b type veth peer name eth0 netns ${P}hb
	ip -n ${P}a addr add 10.0.0.1/24 dev va
	ip -n ${P}b addr add 10.0.0.2/24 dev vb
	ip -n ${P}a addr add 10.1.0.1/24 dev la
	ip -n ${P}b addr add 10.2.0.1/24 dev lb
	ip -n ${P}ha addr add 10.1.0.2/24 dev eth0
	ip -n ${P}hb addr add 10.2.0.2/24 dev eth0
	for s in a b ha hb; do
		for i in $(dp_x $s ls /sys/class/net); do
			[ $i = lo ] || ip -n $P$s link set $i up
		done
	done
	ip -n ${P}ha route add default via 10.1.0.1
	ip -n ${P}hb route add default via 10.2.0.1
	ma=$(dp_x a cat /sys/class/net/va/address)
	mb=$(dp_x b cat /sys/class/net/vb/address)
	ip -n ${P}a neigh replace 10.0.0.2 lladdr $mb dev va nud permanent
	ip -n ${P}b neigh replace 10.0.0.1 lladdr $ma dev vb nud permanent
	for s in a b; do
		dp_x $s sysctl -qw net.ipv4.ip_forward=1
		dp_tun $s
	done
	# The tunnel endpoints are not inside the inner networks: no
	# marks needed, the other side's network simply goes to tun0.
	ip -n ${P}a route add 10.2.0.0/24 dev tun0
	ip -n ${P}b route add 10.1.0.0/24 dev tun0
}

# Start sadbd in NS; wait until it serves.
dp_sadbd()
{
	ns=$1
	shift
	# Not through dp_x: a backgrounded function is a subshell, and
	# its pid is not sadbd's ("ip netns exec" execs the program).
	ip netns exec $P$ns "$SADBD" -d -J off -s "$PWD/$ns.sock" -i tun0 \
	    "$@" >>$ns.log 2>&1 &
	pid=$!
	echo $pid > $ns.pid
	echo $pid >> pids
	echo $ns >> sadbds
	i=0
	until [ -S $ns.sock ] && grep -q 'listening on' $ns.log; do
		i=$((i + 1))
		if [ $i -gt 500 ] || ! kill -0 $pid 2>/dev/null; then
			cat $ns.log >&2
			dp_fail "sadbd in $ns did not start"
		fi
		sleep 0.01
	done
}

# Stop the sadbd of each NS (SIGTERM), waiting for it to exit.
dp_sadbd_stop()
{
	for ns in "$@"; do
		pid=$(cat $ns.pid)
		kill $pid 2>/dev/null
		wait $pid 2>/dev/null
		rm -f $ns.pid $ns.sock
	done
}

# The end of a test body: stop every sadbd (SIGTERM: the data plane is
# taken down, keys wiped, memory freed) and fail on a sanitizer's report
# in any log (builds with SANITIZE=address,undefined).
dp_finish()
{
	for ns in $(sort -u sadbds 2>/dev/null); do
		[ -f $ns.pid ] && dp_sadbd_stop $ns
	done
	bad=
	for ns in $(sort -u sadbds 2>/dev/null); do
		grep -q 'Sanitizer\|runtime error' $ns.log && bad="$bad $ns.log"
	done
	[ -z "$bad" ] || { cat $bad; dp_fail "sanitizer report in $bad"; }
	return 0
}

dp_setkey()
{
	ns=$1
	shift
	dp_x $ns "$SETKEY" -B "sadbd:$PWD/$ns.sock" "$@"
}

dp_capture_start()
{
	# A large buffer (KiB): a lost fragment leaves its datagram whole
	# nowhere, and the oracle sees the rest as plaintext.
	ip netns exec ${P}obs tcpdump -Z root -U --immediate-mode -n -s 0 \
	    -B 65536 -i br0 -w cap.pcap >tcpdump.log 2>&1 &
	echo $! > tcpdump.pid
	echo $! >> pids
	i=0
	until grep -q 'listening on' tcpdump.log 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 500 ] && dp_fail "tcpdump did not start"
		sleep 0.01
	done
}

dp_capture_stop()
{
	sleep 0.3
	pid=$(cat tcpdump.pid)
	kill -INT $pid 2>/dev/null
	wait $pid 2>/dev/null
	[ -s cap.pcap ] || dp_fail "empty capture"
}

# Packets of cap.pcap that match a tcpdump filter.
dp_count()
{
	tcpdump -n -r cap.pcap "$1" 2>/dev/null | wc -l
}

dp_ping()
{
	case $3 in
	*:*)	f=-6 ;;
	*)	f=-4 ;;
	esac
	dp_x $1 ping $f -n -c 2 -i 0.2 -W 3 -I $2 $3 > ping.out 2>&1 ||
	    { cat ping.out; dp_fail "ping $2 -> $3 in $1 failed"; }
	grep -q ' 0% packet loss' ping.out ||
	    { cat ping.out; dp_fail "ping $2 -> $3 lost packets"; }
}

dp_tcp()
{
	rm -f tcpx.l tcpx.c
	ip netns exec $P$1 "$TCPX" -l $3 $4 > tcpx.l 2>&1 &
	lp=$!
	echo $lp >> pids
	i=0
	until grep -q listening tcpx.l; do
		i=$((i + 1))
		[ $i -gt 500 ] && dp_fail "tcpx did not listen on $3"
		sleep 0.01
	done
	dp_x $2 "$TCPX" $3 $4 $5 > tcpx.c 2>&1 ||
	    { cat tcpx.c tcpx.l; dp_fail "TCP to $3 port $4 failed"; }
	wait $lp || dp_fail "tcpx listener on $3 failed"
	grep -q "echoed intact" tcpx.c || dp_fail "TCP echo not intact"
}

dp_stats()
{
	ns=$1
	_dps_n=$(grep -c 'dataplane: tun_in=' $ns.log)
	kill -USR1 $(cat $ns.pid)
	i=0
	while [ $(grep -c 'dataplane: tun_in=' $ns.log) -le $_dps_n ]; do
		i=$((i + 1))
		[ $i -gt 300 ] && dp_fail "no counters from sadbd in $ns"
		sleep 0.01
	done
	sleep 0.1
	# The last report: from its header line on.
	awk '/dataplane: .*workers/ { buf = "" } { buf = buf $0 "\n" }
	    END { printf "%s", buf }' $ns.log > $ns.stats
}

dp_counter()
{
	v=$(tr ' ' '\n' < $1.stats | sed -n "s/^$2=//p" | head -1)
	[ -n "$v" ] || dp_fail "no counter $2 from $1"
	echo $v
}

# Counter NAME of NS compared: dp_expect NS NAME OP VALUE (test -OP).
dp_expect()
{
	v=$(dp_counter $1 $2)
	[ "$v" -$3 "$4" ] || { cat $1.stats; dp_fail "$1: $2=$v, expected" \
	    "-$3 $4"; }
}

dp_check()
{
	python3 "$DPSRC/dp_check.py" "$@" > check.out 2>&1
	cat check.out
	grep -q '^dp_check: ok$' check.out ||
	    dp_fail "dp_check $*: $(grep -m 1 '^FAIL' check.out)"
}

# Positive and negative (wrong keys) oracle runs over cap.pcap.
dp_check_both()
{
	dp_check "$@"
	dp_check -n "$@"
}

dp_cleanup()
{
	[ -f prefix ] || return 0
	P=$(cat prefix)
	if [ -f pids ]; then
		for pid in $(cat pids); do
			kill $pid 2>/dev/null
		done
		sleep 0.2
		for pid in $(cat pids); do
			kill -9 $pid 2>/dev/null
		done
	fi
	if [ -f nslist ]; then
		for n in $(cat nslist); do
			ip netns del $P$n 2>/dev/null
		done
	fi
	return 0
}

# A setkey script for pair k: SAs both ways and the policies of side s
# (a or b).  dp_pair K PROTO ALG [v6] appends to sa.conf, sp.a.conf and
# sp.b.conf; the SPIs are 0x1000+K (a->b) and 0x2000+K (b->a); replay
# windows of $DP_REPLAY packets (64).
dp_pair()
{
	k=$1
	proto=$2
	alg=$3
	sfx=${4:-}
	if [ "$sfx" = v6 ]; then
		_pa=fd00:$k::1
		_pb=fd00:$k::2
	else
		_pa=10.0.$k.1
		_pb=10.0.$k.2
	fi
	ab=$(printf '0x%x' $((0x1000 + k)))
	ba=$(printf '0x%x' $((0x2000 + k)))
	kab=$(dp_key "$alg" 1$k)
	kba=$(dp_key "$alg" 2$k)
	cat >> sa.conf <<EOF
add $_pa $_pb $proto $ab -m transport -r ${DP_REPLAY:-64} $kab;
add $_pb $_pa $proto $ba -m transport -r ${DP_REPLAY:-64} $kba;
EOF
	pr=$(echo $proto | sed 's/-udp//')
	cat >> sp.a.conf <<EOF
spdadd $_pa $_pb any -P out ipsec $pr/transport//require;
spdadd $_pb $_pa any -P in ipsec $pr/transport//require;
EOF
	cat >> sp.b.conf <<EOF
spdadd $_pb $_pa any -P out ipsec $pr/transport//require;
spdadd $_pa $_pb any -P in ipsec $pr/transport//require;
EOF
}

# The algorithm arguments of an SA with keys derived from SEED; ALG is
# one of the names below.
dp_key()
{
	_ke=$(printf '%s' "$2-$1" | sha512sum | cut -c1-128)
	_ka=$(printf '%s' "$2+$1" | sha512sum | cut -c1-128)
	case $1 in
	gcm128)	echo "-E aes-gcm-16 $(_k e 40)" ;;
	gcm256)	echo "-E aes-gcm-16 $(_k e 72)" ;;
	gcm12)	echo "-E aes-gcm-12 $(_k e 40)" ;;
	gcm8)	echo "-E aes-gcm-8 $(_k e 40)" ;;
	cbcsha1) echo "-E aes-cbc $(_k e 32) -A hmac-sha1 $(_k a 40)" ;;
	cbcsha256) echo "-E aes-cbc $(_k e 64) -A hmac-sha2-256 $(_k a 64)" ;;
	cbcsha384) echo "-E aes-cbc $(_k e 48) -A hmac-sha2-384 $(_k a 96)" ;;
	cbcsha512) echo "-E aes-cbc $(_k e 32) -A hmac-sha2-512 $(_k a 128)" ;;
	ctrsha256) echo "-E aes-ctr $(_k e 40) -A hmac-sha2-256 $(_k a 64)" ;;
	nullsha256) echo "-E null -A hmac-sha2-256 $(_k a 64)" ;;
	chacha)	echo "-E chacha20-poly1305 $(_k e 72)" ;;
	ahsha1)	echo "-A hmac-sha1 $(_k a 40)" ;;
	ahsha256) echo "-A hmac-sha2-256 $(_k a 64)" ;;
	ahsha384) echo "-A hmac-sha2-384 $(_k a 96)" ;;
	ahsha512) echo "-A hmac-sha2-512 $(_k a 128)" ;;
	*)	dp_fail "dp_key: $1" ;;
	esac
}

# The first N hex digits of dp_key's encryption (e) or integrity (a) seed.
_k()
{
	if [ $1 = e ]; then
		echo "0x$(echo $_ke | cut -c1-$2)"
	else
		echo "0x$(echo $_ka | cut -c1-$2)"
	fi
}
