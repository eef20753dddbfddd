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

# sadbd's IKE relay (-K): IKE and ESP share the data plane's UDP port
# 4500.  relay_client stands in for the IKE daemon on each side: IKE-like
# datagrams (non-ESP marker + payload) go through one sadbd's relay to the
# peer's port 4500 and come out of the peer's relay with the right
# addresses and bytes, answers come back from port 4500, over IPv4 and
# IPv6, small and large, while ESP (ping through NAT-T SAs) flows on the
# same port; a plain UDP socket (a foreign IKE peer) reaches the relay
# client too.  Refused: malformed records (counted, sadbd and the
# connection survive), a second client, a client of another user (by the
# socket's mode, and by its credentials when the mode lets it in).  A
# client that does not read loses datagrams (counted) without slowing the
# data plane.  Without -K, IKE is dropped and counted as before.

. "$(atf_get_srcdir)/dplib.sh"

A=10.0.1.1
B=10.0.1.2
A6=fd00:1::1
B6=fd00:1::2
RC=$DPSRC/relay_client

# NAT-T SAs (UDP encapsulation, ports 4500) for pair 1, v4 only.
relay_setup()
{
	dp_pair 1 esp-udp gcm128
	dp_topo 1 ${1:-}
	[ -x "$RC" ] || dp_fail "relay_client not built"
}

key()
{
	dp_setkey $1 -f sa.conf || dp_fail "setkey sa.conf in $1"
	dp_setkey $1 -f sp.$1.conf || dp_fail "setkey sp.$1.conf in $1"
}

# relay_client in NS in the background: output into FILE.out; waits for
# its "ready" (the commands must start with: ready FILE.ready).
rc_bg()
{
	ns=$1
	f=$2
	shift 2
	rm -f $f.ready $f.out
	ip netns exec $P$ns "$RC" "$@" > $f.out 2>&1 &
	echo $! > $f.pid
	echo $! >> pids
	i=0
	until [ -f $f.ready ]; do
		i=$((i + 1))
		if [ $i -gt 500 ]; then
			cat $f.out
			dp_fail "relay_client $f did not connect"
		fi
		sleep 0.01
	done
}

rc_wait()
{
	wait $(cat $1.pid) || { cat $1.out; dp_fail "relay_client $1 failed"; }
}

# The line relay_client printed for a record: expect FILE LINE.
rc_expect()
{
	grep -qxF "$2" $1.out ||
	    { cat $1.out; dp_fail "$1: no line '$(echo "$2" | cut -c1-160)'"; }
}

# hex of an IKE-like payload: the non-ESP marker, then TEXT's bytes.
ikehex()
{
	printf '00000000%s' "$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')"
}

atf_test_case exchange cleanup
exchange_head()
{
	atf_set "descr" "IKE-like datagrams through both relays and back" \
	    "(IPv4 with the local address left to the routing, IPv6 with" \
	    "it given, 20000 bytes), a foreign peer's plain UDP socket" \
	    "reaching the relay, all while ESP flows on port 4500"
	atf_set "require.user" "root"
	atf_set "timeout" "90"
}
exchange_body()
{
	dp_require
	relay_setup v6
	dp_sadbd a -K "$PWD/a.relay"
	dp_sadbd b -K "$PWD/b.relay"
	for s in a b; do
		[ -S $s.relay ] || dp_fail "no relay socket $s.relay"
		[ "$(stat -c %a $s.relay)" = 600 ] ||
		    dp_fail "$s.relay has mode $(stat -c %a $s.relay)"
		grep -q "ike relay on $PWD/$s.relay for UDP port 4500" $s.log ||
		    dp_fail "sadbd in $s did not announce its relay"
	done
	key a
	key b
	dp_capture_start
	# ESP on port 4500 the whole time.
	dp_x a ping -n -c 30 -i 0.1 -W 3 -I $A $B > bgping.out 2>&1 &
	bgping=$!
	echo $bgping >> pids

	q1=$(ikehex "IKE_SA_INIT request v4")
	r1=$(ikehex "IKE_SA_INIT response v4")
	q2=$(ikehex "IKE_AUTH request v6")
	r2=$(ikehex "IKE_AUTH response v6")
	r3=$(ikehex "answer to a foreign peer")
	big=$(python3 -c 'print("00000000" +
	    bytes(i % 251 for i in range(20000)).hex())')
	rc_bg b rb -t 20000 "$PWD/b.relay" ready rb.ready \
	    recv reply $r1 recv reply $r2 recv reply 00000000 recv reply $r3
	ip netns exec ${P}a "$RC" -t 10000 "$PWD/a.relay" \
	    send 0.0.0.0 4500 $B 4500 $q1 recv \
	    send $A6 4500 $B6 4500 $q2 recv \
	    fill $A 4500 $B 4500 20000 recv > ra.out 2>&1 ||
	    { cat ra.out rb.out; dp_fail "relay_client in a failed"; }

	# The foreign peer: a plain socket on 10.0.1.1:4999 (marked: not
	# into tun0), IKE to B:4500, the answer from B:4500.
	dp_x a python3 - $B $(ikehex "from a foreign peer") <<'EOF' > foreign.out 2>&1 ||
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 36, 0x5adb)     # SO_MARK
s.bind(("10.0.1.1", 4999))
s.settimeout(5)
s.sendto(bytes.fromhex(sys.argv[2]), (sys.argv[1], 4500))
data, peer = s.recvfrom(65535)
print("answer from %s:%d %s" % (peer[0], peer[1], data.hex()))
EOF
	    { cat foreign.out rb.out; dp_fail "the foreign peer got no answer"; }
	rc_wait rb
	wait $bgping || { cat bgping.out; dp_fail "ping during IKE failed"; }
	grep -q ' 0% packet loss' bgping.out ||
	    { cat bgping.out; dp_fail "ping lost packets during IKE"; }
	dp_capture_stop

	# What each side's IKE daemon saw: addresses, ports, bytes.
	rc_expect rb "recv local=$B lport=4500 remote=$A rport=4500 len=$((${#q1} / 2)) payload=$q1"
	rc_expect ra "recv local=$A lport=4500 remote=$B rport=4500 len=$((${#r1} / 2)) payload=$r1"
	rc_expect rb "recv local=$B6 lport=4500 remote=$A6 rport=4500 len=$((${#q2} / 2)) payload=$q2"
	rc_expect ra "recv local=$A6 lport=4500 remote=$B6 rport=4500 len=$((${#r2} / 2)) payload=$r2"
	rc_expect rb "recv local=$B lport=4500 remote=$A rport=4500 len=20004 payload=$big"
	rc_expect ra "recv local=$A lport=4500 remote=$B rport=4500 len=4 payload=00000000"
	fp=$(ikehex "from a foreign peer")
	rc_expect rb "recv local=$B lport=4500 remote=$A rport=4999 len=$((${#fp} / 2)) payload=$fp"
	grep -qxF "answer from $B:4500 $r3" foreign.out ||
	    { cat foreign.out; dp_fail "the foreign peer's answer is wrong"; }

	# On the wire: IKE (marker) and ESP both on port 4500, IKE in the
	# clear (the relay never protects it).
	[ "$(dp_count "ip and udp src port 4500 and udp dst port 4500 and udp[8:4] = 0")" -ge 4 ] ||
	    dp_fail "IKE between the 4500 ports not on the wire"
	[ "$(dp_count "ip6 and udp port 4500")" -ge 2 ] ||
	    dp_fail "IPv6 IKE not on the wire"
	[ "$(dp_count "udp port 4500 and udp[8:4] = 0x1001")" -ge 30 ] ||
	    dp_fail "ESP of SA 0x1001 not on port 4500"
	[ "$(dp_count "udp src port 4500 and udp dst port 4999")" = 1 ] ||
	    dp_fail "the answer to the foreign peer not from port 4500"
	tcpdump -n -r cap.pcap -A 'udp[8:4] = 0' 2>/dev/null |
	    grep -q 'IKE_SA_INIT request v4' ||
	    dp_fail "the IKE payload is not on the wire as sent"

	dp_stats a
	dp_stats b
	dp_expect a relay_out eq 3
	dp_expect a relay_in eq 3
	dp_expect b relay_in eq 4
	dp_expect b relay_out eq 4
	for s in a b; do
		dp_expect $s relay_clients eq 1
		dp_expect $s relay_out_bad eq 0
		dp_expect $s relay_out_errors eq 0
		dp_expect $s relay_in_dropped eq 0
		dp_expect $s relay_in_noclient eq 0
		dp_expect $s ike_skipped eq 0
		dp_expect $s protected_in ge 30
		dp_expect $s bad_header eq 0
	done
	dp_finish
	# The socket goes with sadbd.
	[ ! -e a.relay ] && [ ! -e b.relay ] || dp_fail "relay socket left"
}
exchange_cleanup()
{
	dp_cleanup
}

atf_test_case refusals cleanup
refusals_head()
{
	atf_set "descr" "Malformed records are refused and counted (sadbd" \
	    "and the connection survive, a good record still passes); a" \
	    "second client and clients of another user are refused; no -K" \
	    "drops IKE as ike_skipped; -K without -i and a path in the way" \
	    "are start-up errors"
	atf_set "require.user" "root"
	atf_set "timeout" "90"
}
refusals_body()
{
	dp_require
	relay_setup
	# b's relay where another user can reach it (the test's directory
	# may not be searchable by others).
	RD=$(mktemp -d /tmp/pfk-relay.XXXXXX) || dp_fail "mktemp"
	echo "$RD" > relaydir
	chmod 0755 "$RD"
	dp_sadbd a -K "$PWD/a.relay"
	dp_sadbd b -K "$RD/b.relay"
	key a
	key b
	q=$(ikehex "after the bad ones")
	# b's client takes b's relay and waits for a's good record.
	rc_bg b rb -t 20000 "$RD/b.relay" ready rb.ready recv

	# A second client: closed at once; the first keeps the relay.
	ip netns exec ${P}b "$RC" -t 3000 "$RD/b.relay" eof > second.out \
	    2>&1 || { cat second.out; dp_fail "a second client was served"; }
	grep -q "refused pid [0-9]*: pid $(cat rb.pid) is connected" b.log ||
	    { cat b.log; dp_fail "no log line for the second client"; }
	# Another user: the mode (0600) keeps it out ...
	ip netns exec ${P}b "$RC" -u 65534 "$RD/b.relay" > other.out 2>&1 &&
	    dp_fail "uid 65534 connected to a 0600 socket"
	grep -q "Permission denied" other.out ||
	    { cat other.out; dp_fail "uid 65534: not EACCES"; }
	# ... and with the mode opened, its credentials do.
	chmod 0666 "$RD/b.relay"
	ip netns exec ${P}b "$RC" -t 3000 -u 65534 "$RD/b.relay" eof \
	    > other2.out 2>&1 ||
	    { cat other2.out; dp_fail "uid 65534 was served"; }
	chmod 0600 "$RD/b.relay"
	grep -q "refused pid [0-9]*: uid 65534 is neither root nor" b.log ||
	    { cat b.log; dp_fail "no log line for uid 65534"; }

	# a's client: every kind of bad record (paced: refusals are logged
	# at most five a second), then a good one on the same connection.
	h="0104000000000004119411940a000101000000000000000000000000"
	h="${h}0a000102000000000000000000000000"
	ip netns exec ${P}a "$RC" -t 3000 "$PWD/a.relay" \
	    raw "$(echo $h | sed 's/^01/02/')00000000" sleep 250 \
	    raw "$(echo $h | sed 's/^0104/0105/')00000000" sleep 250 \
	    raw "$(echo $h | cut -c1-80)" sleep 250 \
	    raw "$(echo $h | sed 's/^01040000/01040100/')00000000" sleep 250 \
	    raw "${h}0000000000" sleep 250 \
	    raw "$(echo $h | sed 's/00000004/00000008/')0000100100000001" \
	    sleep 250 \
	    raw "$(echo $h | sed 's/0a000102/e0000001/')00000000" sleep 250 \
	    raw "" sleep 250 \
	    rawlen 65572 sleep 250 \
	    send 0.0.0.0 4501 $B 4500 00000000 sleep 250 \
	    send 203.0.113.9 4500 $B 4500 00000000 sleep 250 \
	    alive send $A 4500 $B 4500 $q alive > ra.out 2>&1 ||
	    { cat ra.out; dp_fail "relay_client in a failed"; }
	rc_wait rb
	rc_expect rb "recv local=$B lport=4500 remote=$A rport=4500 len=$((${#q} / 2)) payload=$q"
	kill -0 $(cat a.pid) || dp_fail "sadbd in a died"
	dp_ping a $A $B
	dp_stats a
	dp_stats b
	dp_expect a relay_out_bad eq 11
	dp_expect a relay_out eq 1
	dp_expect a relay_clients eq 1
	dp_expect b relay_in eq 1
	dp_expect b relay_refused eq 2
	dp_expect b relay_clients eq 1
	for w in "unknown record version" "unknown address family" \
	    "record shorter than its header" "reserved flags" \
	    "payload length does not match" "payload neither an IKE" \
	    "remote address not a unicast" "empty" \
	    "longer than 65571 bytes" \
	    "local port 4501 is not the data plane's (4500)" \
	    "local address 203.0.113.9 is not one of this host's"; do
		grep -q "record from pid [0-9]* refused: $w" a.log ||
		    { cat a.log; dp_fail "no refusal '$w' logged"; }
	done

	# Without -K: dropped and counted as ike_skipped, no relay counters.
	dp_sadbd_stop b
	[ ! -e "$RD/b.relay" ] || dp_fail "b.relay left behind"
	dp_sadbd b
	key b
	dp_x a python3 - $B <<'EOF' || dp_fail "inject"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 36, 0x5adb)
s.bind(("10.0.1.1", 4999))
s.sendto(bytes(4) + b"IKE without a relay", (sys.argv[1], 4500))
EOF
	sleep 0.3
	dp_stats b
	dp_expect b ike_skipped eq 1
	grep -q 'relay_in=' b.stats && dp_fail "relay counters without -K"

	# Start-up errors: -K without -i; a file in the way.
	"$SADBD" -d -J off -s "$PWD/x.sock" -K "$PWD/x.relay" > x.out 2>&1 &&
	    dp_fail "-K without -i accepted"
	grep -q "the IKE relay needs the data plane" x.out ||
	    { cat x.out; dp_fail "-K without -i: no reason given"; }
	: > y.relay
	dp_x a "$SADBD" -d -J off -s "$PWD/y.sock" -i tun9 -U 4599 \
	    -K "$PWD/y.relay" > y.out 2>&1 &&
	    dp_fail "a regular file as the relay socket accepted"
	grep -q "y.relay exists and is not a socket" y.out ||
	    { cat y.out; dp_fail "file in the way: no reason given"; }
	dp_finish
}
refusals_cleanup()
{
	dp_cleanup
	[ -f relaydir ] && rm -rf "$(cat relaydir)"
	return 0
}

atf_test_case slow_client cleanup
slow_client_head()
{
	atf_set "descr" "A relay client that does not read: IKE datagrams" \
	    "beyond its backlog are dropped and counted, ESP keeps flowing," \
	    "and the client then reads what was kept"
	atf_set "require.user" "root"
	atf_set "timeout" "90"
}
slow_client_body()
{
	dp_require
	relay_setup
	dp_sadbd a -K "$PWD/a.relay"
	dp_sadbd b -K "$PWD/b.relay"
	key a
	key b
	# Before any client: counted as relay_in_noclient.
	dp_x a python3 - $B 3 <<'EOF' > flood0.out 2>&1 || dp_fail "inject"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 36, 0x5adb)
s.bind(("10.0.1.1", 4999))
for i in range(int(sys.argv[2])):
    s.sendto(bytes(4) + i.to_bytes(4, "big") + bytes(8000), (sys.argv[1], 4500))
EOF
	rc_bg b rb -t 20000 "$PWD/b.relay" ready rb.ready sleep 5000 recv recv
	dp_x a ping -n -c 30 -i 0.1 -W 3 -I $A $B > bgping.out 2>&1 &
	bgping=$!
	echo $bgping >> pids
	# 800 datagrams of 8 KiB: far more than the client's backlog.
	dp_x a python3 - $B 800 <<'EOF' > flood.out 2>&1 || dp_fail "flood"
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 36, 0x5adb)
s.bind(("10.0.1.1", 4999))
for i in range(int(sys.argv[2])):
    s.sendto(bytes(4) + i.to_bytes(4, "big") + bytes(8000), (sys.argv[1], 4500))
    if i % 50 == 49:
        time.sleep(0.02)
EOF
	wait $bgping || { cat bgping.out; dp_fail "ping during the flood"; }
	grep -q ' 0% packet loss' bgping.out ||
	    { cat bgping.out; dp_fail "ping lost packets during the flood"; }
	rc_wait rb
	# The first two kept are the flood's first two.
	grep -q "^recv local=$B lport=4500 remote=$A rport=4999 len=8008 payload=0000000000000000" rb.out ||
	    { cut -c1-120 rb.out; dp_fail "the first datagram kept is not the first sent"; }
	grep -q "^recv .* payload=0000000000000001" rb.out ||
	    { cut -c1-120 rb.out; dp_fail "the second datagram kept is not the second sent"; }
	dp_stats b
	dp_expect b relay_in_noclient eq 3
	dp_expect b relay_in_dropped ge 100
	dp_expect b relay_in ge 2
	inn=$(dp_counter b relay_in)
	drop=$(dp_counter b relay_in_dropped)
	[ $((inn + drop)) -le 800 ] || dp_fail "more relayed than sent"
	dp_expect b ike_skipped eq 0
	dp_expect b in_auth eq 0
	dp_finish
}
slow_client_cleanup()
{
	dp_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case exchange
	atf_add_test_case refusals
	atf_add_test_case slow_client
}
