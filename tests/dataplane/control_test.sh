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

# sadbd's data plane and its SADB: ACQUIRE for traffic without an SA and
# the packets held until the SA comes, byte lifetimes turned into EXPIRE
# and deletion (and raised on a live SA by UPDATE), the current byte
# counts in DUMP, bad packets counted and not delivered (garbage, unknown
# SPI, replay, IKE, keepalives), the policy actions (discard, bypass, an
# inbound packet its policy does not want), SAs brought back by the
# journal, the command line, a TUN device sadbd makes itself, and an
# unprivileged sadbd on a prepared device.

. "$(atf_get_srcdir)/dplib.sh"

A=10.0.1.1
B=10.0.1.2

# Pair 1, GCM both ways; SAs in sa.conf, policies in sp.[ab].conf.
pair1()
{
	dp_pair 1 esp ${1:-gcm128}
	dp_topo 1
}

key()
{
	dp_setkey $1 -f ${2:-sa.conf} || dp_fail "setkey ${2:-sa.conf} in $1"
	dp_setkey $1 -f sp.$1.conf || dp_fail "setkey sp.$1.conf in $1"
}

# setkey -x in NS into mon.out, once it listens.
monitor()
{
	rm -f mon.out
	ip netns exec $P$1 "$SETKEY" -B "sadbd:$PWD/$1.sock" -x > mon.out \
	    2>&1 &
	echo $! >> pids
	echo $! > mon.pid
	i=0
	until grep -q X_PROMISC mon.out 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 500 ] && dp_fail "setkey -x did not start"
		sleep 0.01
	done
}

# Wait (5 s) until mon.out has N lines matching a pattern.
mon_wait()
{
	i=0
	while [ "$(grep -c "$1" mon.out)" -lt "${2:-1}" ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && { cat mon.out; dp_fail "setkey -x: no $1"; }
		sleep 0.01
	done
}

atf_test_case acquire cleanup
acquire_head()
{
	atf_set "descr" "A require policy without SA: the packet raises" \
	    "ACQUIRE (setkey -x) and waits; the SA added then lets it" \
	    "through.  Without an SA, ACQUIRE is rate-limited and held" \
	    "packets expire after a second"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
acquire_body()
{
	dp_require
	pair1
	dp_sadbd a
	dp_sadbd b
	key b
	dp_setkey a -f sp.a.conf || dp_fail "policies in a"
	monitor a
	dp_x a ping -n -c 1 -W 8 -I $A $B > ping.out 2>&1 &
	pp=$!
	mon_wait 'msg=ACQUIRE satype=esp'
	grep -A1 'msg=ACQUIRE' mon.out | grep -q "[[:space:]]$A $B " ||
	    { cat mon.out; dp_fail "ACQUIRE without the SA's addresses"; }
	# The inbound SA first, as key managers do: the held packet leaves
	# with the outbound one, and its answer must find its SA.
	tac sa.conf > sa.in-first.conf
	dp_setkey a -f sa.in-first.conf || dp_fail "setkey sa.conf in a"
	wait $pp || { cat ping.out; dp_fail "the held packet did not pass"; }
	dp_stats a
	dp_expect a no_sa_held ge 1
	dp_expect a hold_sent ge 1
	dp_expect a hold_expired eq 0

	# Without an SA: one ACQUIRE a second per flow, packets expire.
	dp_setkey a -c <<EOF || dp_fail "flush"
flush;
EOF
	sleep 1.1
	n0=$(grep -c 'msg=ACQUIRE' mon.out)
	dp_x a ping -n -c 10 -i 0.05 -W 1 -I $A $B > /dev/null 2>&1
	sleep 1.3
	n1=$(grep -c 'msg=ACQUIRE' mon.out)
	[ $((n1 - n0)) -ge 1 ] && [ $((n1 - n0)) -le 3 ] ||
	    dp_fail "$((n1 - n0)) ACQUIREs for 10 packets in 1.5 s"
	dp_stats a
	dp_expect a hold_expired ge 10
	dp_finish
}
acquire_cleanup()
{
	dp_cleanup
}

atf_test_case lifetime cleanup
lifetime_head()
{
	atf_set "descr" "Byte lifetimes (-bs 3000 -bh 6000) counted by the" \
	    "engine: soft then hard EXPIRE in setkey -x, the SA deleted;" \
	    "DUMP shows the bytes of the other SA"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
lifetime_body()
{
	dp_require
	pair1
	sed "s/^add $A $B esp 0x1001 -m transport/& -bs 3000 -bh 6000/" \
	    sa.conf > sa.a.conf
	grep -q -- '-bh 6000' sa.a.conf || dp_fail "sed"
	dp_sadbd a
	dp_sadbd b
	key a sa.a.conf
	key b
	monitor a
	dp_x a ping -n -c 8 -i 0.1 -s 1000 -W 1 -I $A $B > ping.out 2>&1
	mon_wait 'msg=EXPIRE' 2
	grep -A8 'msg=EXPIRE' mon.out > exp.out
	grep -q 'spi=4097(0x00001001)' exp.out ||
	    { cat mon.out; dp_fail "EXPIRE of another SA"; }
	grep -q 'soft: 3000(bytes)' exp.out ||
	    { cat mon.out; dp_fail "no soft byte EXPIRE"; }
	grep -q 'hard: 6000(bytes)' exp.out ||
	    { cat mon.out; dp_fail "no hard byte EXPIRE"; }
	grep -q 'state=dying' exp.out || dp_fail "soft EXPIRE: not dying"
	# The first EXPIRE is the soft one.
	sed -n '/msg=EXPIRE/,/(bytes)/p' mon.out | grep '(bytes)' | head -1 |
	    grep -q 'soft: 3000' || dp_fail "hard EXPIRE before soft"
	dp_setkey a -D > dump.out
	grep -q 'spi=4097(0x00001001)' dump.out &&
	    dp_fail "the SA outlived its hard byte lifetime"
	grep -q 'spi=8193(0x00002001)' dump.out ||
	    dp_fail "the inbound SA went too"
	# The inbound SA's current bytes: the echo replies that came back.
	cur=$(grep -A8 'spi=8193' dump.out | sed -n \
	    's/.*current: \([0-9]*\)(bytes).*/\1/p')
	[ -n "$cur" ] && [ "$cur" -ge 3000 ] ||
	    { cat dump.out; dp_fail "DUMP: current bytes $cur"; }
	dp_stats a
	dp_expect a in_expired eq 0
	dp_finish
}
lifetime_cleanup()
{
	dp_cleanup
}

# The byte lifetimes of SA 0x1001 in ns a raised by UPDATE before they
# are reached; sadbd in a runs with the given worker options.
lifetime_update_run()
{
	dp_require
	pair1
	sed "s/^add $A $B esp 0x1001 -m transport/& -bs 3000 -bh 6000/" \
	    sa.conf > sa.a.conf
	grep "^add $A $B esp 0x1001 " sa.a.conf |
	    sed 's/^add /update /; s/-bs 3000 -bh 6000/-bs 9000 -bh 12000/' \
	    > update.conf
	grep -q -- '-bh 12000' update.conf || dp_fail "sed"
	dp_sadbd a "$@"
	dp_sadbd b
	key a sa.a.conf
	key b
	monitor a
	# 1028-byte echo requests: 2 now (2056 bytes), 10 after the UPDATE.
	dp_x a ping -n -c 2 -i 0.1 -s 1000 -W 1 -I $A $B > ping1.out 2>&1 ||
	    { cat ping1.out; dp_fail "ping before the UPDATE"; }
	dp_setkey a -f update.conf || dp_fail "setkey update"
	dp_setkey a -D > dump1.out
	grep -A8 'spi=4097(0x00001001)' dump1.out | grep -q 'hard: 12000' ||
	    { cat dump1.out; dp_fail "DUMP: not the new hard limit"; }
	dp_x a ping -n -c 10 -i 0.1 -s 1000 -W 1 -I $A $B > ping2.out 2>&1
	mon_wait 'msg=EXPIRE' 2
	sleep 0.3
	[ "$(grep -c 'msg=EXPIRE' mon.out)" -eq 2 ] ||
	    { cat mon.out; dp_fail "not two EXPIREs"; }
	grep -A8 'msg=EXPIRE' mon.out > exp.out
	grep -q 'spi=4097(0x00001001)' exp.out ||
	    { cat mon.out; dp_fail "EXPIRE of another SA"; }
	grep -q 'soft: 9000(bytes)' exp.out ||
	    { cat mon.out; dp_fail "no soft EXPIRE at the new limit"; }
	grep -q 'hard: 12000(bytes)' exp.out ||
	    { cat mon.out; dp_fail "no hard EXPIRE at the new limit"; }
	grep -q -e 'soft: 3000(bytes)' -e 'hard: 6000(bytes)' exp.out &&
	    { cat mon.out; dp_fail "an EXPIRE names the old limits"; }
	# The first is the soft one; each came with its limit reached.
	sed -n '/msg=EXPIRE/,/(bytes)/p' mon.out | grep '(bytes)' | head -1 |
	    grep -q 'soft: 9000' || { cat mon.out; dp_fail "hard EXPIRE first"; }
	for cur in $(sed -n 's/.*current: \([0-9]*\)(bytes).*/\1/p' exp.out)
	do
		[ "$cur" -ge 9000 ] ||
		    { cat mon.out; dp_fail "EXPIRE at $cur bytes"; }
	done
	# Traffic went on past the old hard limit (it would have stopped
	# after the 6th request): all 12, and the engine refused none.
	grep -q '10 received' ping2.out ||
	    { cat ping2.out; dp_fail "requests lost after the UPDATE"; }
	dp_stats a
	dp_expect a out_errors eq 0
	dp_expect a protected_out ge 12
	dp_setkey a -D > dump2.out
	grep -q 'spi=4097(0x00001001)' dump2.out &&
	    dp_fail "the SA outlived its new hard byte lifetime"
	dp_finish
}

atf_test_case lifetime_update cleanup
lifetime_update_head()
{
	atf_set "descr" "UPDATE raises a live SA's byte lifetimes (-bs 3000" \
	    "-bh 6000 to 9000/12000) before they are reached: traffic goes" \
	    "on past the old hard limit, the EXPIREs come at the new ones;" \
	    "one worker, so single-writer engine SAs"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
lifetime_update_body()
{
	lifetime_update_run -T 1
}
lifetime_update_cleanup()
{
	dp_cleanup
}

atf_test_case lifetime_update_workers cleanup
lifetime_update_workers_head()
{
	atf_set "descr" "As lifetime_update with two workers (engine SAs" \
	    "that several threads may send on)"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
lifetime_update_workers_body()
{
	lifetime_update_run -T 2
}
lifetime_update_workers_cleanup()
{
	dp_cleanup
}

atf_test_case lifetime_update_lower cleanup
lifetime_update_lower_head()
{
	atf_set "descr" "UPDATE lowers a live SA's hard byte lifetime below" \
	    "the bytes it carried: a hard EXPIRE at once, without more" \
	    "traffic, and the SA deleted"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
lifetime_update_lower_body()
{
	dp_require
	pair1
	sed "s/^add $A $B esp 0x1001 -m transport/& -bs 30000 -bh 60000/" \
	    sa.conf > sa.a.conf
	grep "^add $A $B esp 0x1001 " sa.a.conf |
	    sed 's/^add /update /; s/-bs 30000 -bh 60000/-bs 1000 -bh 2000/' \
	    > update.conf
	grep -q -- '-bh 2000' update.conf || dp_fail "sed"
	dp_sadbd a
	dp_sadbd b
	key a sa.a.conf
	key b
	monitor a
	dp_x a ping -n -c 2 -i 0.1 -s 1000 -W 1 -I $A $B > ping.out 2>&1 ||
	    { cat ping.out; dp_fail "ping"; }
	# Let the byte count reach the SAD (each second), then lower.
	sleep 1.2
	grep -q 'msg=EXPIRE' mon.out && { cat mon.out; dp_fail "early EXPIRE"; }
	dp_setkey a -f update.conf || dp_fail "setkey update"
	mon_wait 'msg=EXPIRE'
	grep -A8 'msg=EXPIRE' mon.out > exp.out
	grep -q 'spi=4097(0x00001001)' exp.out ||
	    { cat mon.out; dp_fail "EXPIRE of another SA"; }
	grep -q 'current: 2056(bytes).*hard: 2000(bytes)' exp.out ||
	    { cat mon.out; dp_fail "not the hard EXPIRE at 2056 bytes"; }
	dp_setkey a -D > dump.out
	grep -q 'spi=4097(0x00001001)' dump.out &&
	    dp_fail "the SA outlived its lowered hard byte lifetime"
	dp_finish
}
lifetime_update_lower_cleanup()
{
	dp_cleanup
}

# Send UDP payloads (hex) from ns a to B:4500, marked so they leave.
inject_udp()
{
	dp_x a python3 - "$B" "$@" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 36, 0x5adb)     # SO_MARK
s.bind(("", 4999))
for h in sys.argv[2:]:
    s.sendto(bytes.fromhex(h), (sys.argv[1], 4500))
EOF
}

atf_test_case sequence cleanup
sequence_head()
{
	atf_set "descr" "Sequence numbers starting near 2^32" \
	    "(SADBD_DP_SEQ_START): an ESN SA carries on past 2^32 (the wire" \
	    "checks with the high half 1), a 32-bit SA is used up and" \
	    "deleted with a hard EXPIRE, and ACQUIRE follows"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
sequence_body()
{
	dp_require
	# Pair 2 with ESN first (the capture checks it alone), then pair 1.
	cat > sa.conf <<EOF
add 10.0.2.1 10.0.2.2 esp 0x1002 -m transport -r 64 -f esn $(dp_key cbcsha256 61);
add 10.0.2.2 10.0.2.1 esp 0x2002 -m transport -r 64 -f esn $(dp_key gcm128 62);
EOF
	cp sa.conf sa2.conf
	cat >> sp.a.conf <<EOF
spdadd 10.0.2.1 10.0.2.2 any -P out ipsec esp/transport//require;
spdadd 10.0.2.2 10.0.2.1 any -P in ipsec esp/transport//require;
EOF
	cat >> sp.b.conf <<EOF
spdadd 10.0.2.2 10.0.2.1 any -P out ipsec esp/transport//require;
spdadd 10.0.2.1 10.0.2.2 any -P in ipsec esp/transport//require;
EOF
	dp_pair 1 esp gcm128
	dp_topo 2
	# Sent numbers continue from 2^32 - 16.
	export SADBD_DP_SEQ_START=0xfffffff0
	dp_sadbd a
	dp_sadbd b
	unset SADBD_DP_SEQ_START
	key a
	key b
	monitor a
	dp_capture_start
	dp_x a ping -n -c 24 -i 0.05 -W 2 -I 10.0.2.1 10.0.2.2 > ping2.out 2>&1 ||
	    { cat ping2.out; dp_fail "ESN SA: ping across 2^32 failed"; }
	grep -q ' 0% packet loss' ping2.out ||
	    { cat ping2.out; dp_fail "ESN SA: packets lost across 2^32"; }
	dp_tcp b a 10.0.2.2 5002 20000
	dp_capture_stop
	dp_check cap.pcap sa2.conf
	grep -q 'SA 0x1002 .*past 2^32' check.out ||
	    dp_fail "the ESN SA 0x1002 did not pass 2^32 on the wire"
	grep -q 'SA 0x2002 .*past 2^32' check.out ||
	    dp_fail "the ESN SA 0x2002 did not pass 2^32 on the wire"
	dp_check -n cap.pcap sa2.conf
	# Pair 1: 15 numbers left, then the SA is used up.
	dp_x a ping -n -c 20 -i 0.05 -W 1 -I $A $B > ping1.out 2>&1
	grep -q '^20 packets transmitted, 15 received' ping1.out ||
	    { cat ping1.out; dp_fail "not 15 packets before the end"; }
	mon_wait 'msg=EXPIRE'
	grep -A8 'msg=EXPIRE' mon.out > exp.out
	grep -q 'spi=4097(0x00001001)' exp.out ||
	    { cat mon.out; dp_fail "no EXPIRE of SA 0x1001"; }
	grep -q 'current:.*hard: 0(bytes)' exp.out ||
	    { cat mon.out; dp_fail "not a hard EXPIRE"; }
	mon_wait 'msg=ACQUIRE'
	dp_setkey a -D > dump.out
	grep -q 'spi=4097(0x00001001)' dump.out &&
	    dp_fail "the used-up SA is still there"
	dp_stats a
	dp_expect a out_errors ge 1
	dp_finish
}
sequence_cleanup()
{
	dp_cleanup
}

atf_test_case bad_packets cleanup
bad_packets_head()
{
	atf_set "descr" "Garbage ESP with a known SPI (UDP and raw), an" \
	    "unknown SPI, a replayed packet, IKE, keepalives and a runt" \
	    "are counted and nothing reaches the TUN device"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
bad_packets_body()
{
	dp_require
	# Pair 1 with NAT-T: over UDP although both have raw sockets;
	# pair 2 without, for raw garbage.
	dp_pair 1 esp-udp gcm128
	dp_pair 2 esp cbcsha256
	dp_topo 2
	dp_sadbd a -R
	dp_sadbd b -R
	key a
	key b
	dp_capture_start
	dp_ping a $A $B
	dp_capture_stop
	# An ESP packet of SA 0x1001 that b has taken, to replay.
	replay=$(DPSRC=$DPSRC python3 -c '
import os, sys
sys.path.insert(0, os.environ["DPSRC"])
import dp_check
for n, p in dp_check.pcap_frames("cap.pcap"):
    ip = dp_check.ip_parse(p)
    pay = ip[5][ip[4] + 8:] if ip and ip[3] == 17 else b""
    if pay[:4] == bytes.fromhex("00001001"):
        print(pay.hex())
        break
')
	[ -n "$replay" ] || dp_fail "no ESP packet of SA 0x1001 captured"
	dp_stats b
	tun0=$(dp_counter b tun_out)
	ip netns exec ${P}b tcpdump -U -n -i tun0 -w tun.pcap >tcpdump2.log \
	    2>&1 &
	echo $! >> pids
	tp=$!
	i=0
	until grep -q "listening on" tcpdump2.log 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 500 ] && dp_fail "tcpdump on tun0 did not start"
		sleep 0.01
	done
	junk=$(head -c 96 /dev/urandom | od -An -tx1 | tr -d ' \n')
	inject_udp "0000100100000400$junk" "deadbeef00000001$junk" \
	    "00000000$junk" ff 010203 "$replay" || dp_fail "inject"
	# Raw ESP (protocol 50): garbage for SA 0x1002; and plain ESP for
	# the NAT-T SA 0x1001, which wants it in UDP (as Linux does).
	dp_x a python3 - 10.0.2.2 "0000100200000401$junk" \
	    "0000100100000401$junk" <<'EOF' || dp_fail "raw"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
s.setsockopt(socket.SOL_SOCKET, 36, 0x5adb)
s.sendto(bytes.fromhex(sys.argv[2]), (sys.argv[1], 0))
s.sendto(bytes.fromhex(sys.argv[3]), ("10.0.1.2", 0))
EOF
	sleep 0.5
	kill -INT $tp
	wait $tp
	dp_stats b
	dp_expect b tun_out eq $tun0
	dp_expect b in_auth eq 2
	dp_expect b in_proto eq 1
	dp_expect b bad_spi eq 1
	dp_expect b in_replay eq 1
	dp_expect b ike_skipped eq 1
	dp_expect b keepalives eq 1
	dp_expect b bad_header eq 1
	grep 'dataplane: sa esp 0x00001001' b.stats | tail -1 |
	    grep -q 'drop_proto=1 drop_replay=1 drop_auth=1 ' ||
	    { cat b.stats; dp_fail "SA 0x1001's own counters"; }
	grep 'dataplane: sa esp 0x00001002' b.stats | tail -1 |
	    grep -q 'drop_proto=0 drop_replay=0 drop_auth=1 ' ||
	    { cat b.stats; dp_fail "SA 0x1002's own counters"; }
	[ "$(tcpdump -n -r tun.pcap 2>/dev/null | wc -l)" = 0 ] ||
	    dp_fail "something reached b's tun0"
	# Still working afterwards.
	dp_ping a $A $B
	dp_finish
}
bad_packets_cleanup()
{
	dp_cleanup
}

atf_test_case policy cleanup
policy_head()
{
	atf_set "descr" "Policy actions: discard drops (counted); none" \
	    "bypasses in the clear with -R and is dropped without; a" \
	    "protected packet whose inbound policy is not ipsec is dropped"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
policy_body()
{
	dp_require
	# NAT-T SAs: ESP over UDP for both, raw sockets only in a.
	dp_pair 1 esp-udp gcm128
	dp_topo 1
	dp_sadbd a -R
	dp_sadbd b
	key a
	key b
	dp_ping a $A $B
	# discard
	dp_setkey a -c <<EOF || dp_fail "spdupdate discard"
spdupdate $A $B any -P out discard;
EOF
	dp_x a ping -n -c 1 -W 1 -I $A $B >/dev/null 2>&1 &&
	    dp_fail "ping passed a discard policy"
	dp_stats a
	dp_expect a discarded ge 1
	# An inbound packet that came through an SA its policy does not
	# ask for: b's inbound policy for a's traffic says none.
	dp_setkey a -c <<EOF || dp_fail "spdupdate ipsec"
spdupdate $A $B any -P out ipsec esp/transport//require;
EOF
	dp_setkey b -c <<EOF || dp_fail "spdupdate none"
spdupdate $A $B any -P in none;
EOF
	dp_x a ping -n -c 1 -W 1 -I $A $B >/dev/null 2>&1 &&
	    dp_fail "ping passed an inbound policy of none"
	dp_stats b
	dp_expect b in_policy_mismatch ge 1
	# none: a (with -R) sends in the clear; b (without) drops.
	dp_setkey a -c <<EOF || dp_fail "spdupdate none in a"
spdupdate $A $B any -P out none;
EOF
	dp_capture_start
	dp_x a ping -n -c 1 -W 1 -I $A $B >/dev/null 2>&1
	dp_capture_stop
	dp_stats a
	dp_expect a bypass_sent ge 1
	[ "$(tcpdump -n -r cap.pcap "icmp and src $A" 2>/dev/null |
	    wc -l)" -ge 1 ] || dp_fail "no ICMP in the clear from a"
	# b answers through its tun0 and its ipsec policy: the reply is
	# protected; now let b bypass too, without -R: dropped.
	dp_setkey b -c <<EOF || dp_fail "spdupdate none in b"
spdupdate $B $A any -P out none;
EOF
	dp_x a ping -n -c 1 -W 1 -I $A $B >/dev/null 2>&1 &&
	    dp_fail "a reply bypassed without -R"
	dp_stats b
	dp_expect b bypass_dropped ge 1
	# No policy at all: not the engine's; dropped.
	dp_setkey b -c <<EOF || dp_fail "spdflush"
spdflush;
EOF
	dp_x b ping -n -c 1 -W 1 -I $B $A >/dev/null 2>&1
	dp_stats b
	dp_expect b no_policy ge 1
	dp_finish
}
policy_cleanup()
{
	dp_cleanup
}

atf_test_case restart cleanup
restart_head()
{
	atf_set "descr" "SAs and policies replayed from the journal at start" \
	    "become engine SAs: traffic flows after a restart without" \
	    "re-keying; FLUSH empties the engine"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
restart_body()
{
	dp_require
	# b keeps its replay window (64): the SA brought back goes on above
	# the numbers it sent (sadbd(8), Sequence numbers across restarts;
	# seq_test has the details).
	pair1
	dp_sadbd a -J none -S "$PWD/a.state"
	dp_sadbd b
	key a
	key b
	dp_ping a $A $B
	dp_sadbd_stop a
	dp_sadbd a -J none -S "$PWD/a.state"
	grep -q 'data plane on tun0.* 2 SAs' a.log || dp_fail "SAs not restored"
	dp_ping a $A $B
	dp_tcp b a $B 5001 50000
	dp_setkey a -c <<EOF || dp_fail "flush"
flush;
EOF
	dp_stats a
	grep -q '2 workers, 0 SAs' a.stats || dp_fail "FLUSH left engine SAs"
	dp_finish
}
restart_cleanup()
{
	dp_cleanup
}

atf_test_case options cleanup
options_head()
{
	atf_set "descr" "The data plane's options: bad values refused;" \
	    "sadbd makes the TUN device it is given if missing (and it" \
	    "goes with sadbd); a single-queue device takes several workers"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
options_body()
{
	dp_require
	atf_check -s exit:1 -e match:'-T 0' "$SADBD" -T 0 -i x
	atf_check -s exit:1 -e match:'-U 0' "$SADBD" -U 0 -i x
	atf_check -s exit:1 -e match:'-M junk' "$SADBD" -M junk -i x
	atf_check -s exit:1 -e match:'^usage' "$SADBD" -E nonesuch -i x
	atf_check -s exit:1 -e match:'not an interface name' "$SADBD" \
	    -F -i abcdefghijklmnopqrstuvwxyz
	dp_ns a
	dp_x a ip link show dptun9 >/dev/null 2>&1 && dp_fail "dptun9 exists"
	ip netns exec ${P}a "$SADBD" -d -J off -s "$PWD/a.sock" -i dptun9 \
	    >a.log 2>&1 &
	pid=$!
	echo $pid >> pids
	echo $pid > a.pid
	i=0
	until grep -q 'listening on' a.log; do
		i=$((i + 1))
		[ $i -gt 500 ] && { cat a.log; dp_fail "no start"; }
		sleep 0.01
	done
	dp_x a ip link show dptun9 > link.out || dp_fail "no dptun9"
	grep -q 'dptun9' link.out || dp_fail "no dptun9"
	dp_sadbd_stop a
	dp_x a ip link show dptun9 >/dev/null 2>&1 &&
	    dp_fail "dptun9 outlived sadbd"
	# A persistent single-queue device and two workers: one queue.
	ip -n ${P}a tuntap add dev tun0 mode tun
	dp_sadbd a -T 2
	grep -q 'not a multi-queue device' a.log || dp_fail "no warning"
	grep -q '2 workers, 1 TUN queues' a.log || dp_fail "queues"
	dp_finish
}
options_cleanup()
{
	dp_cleanup
}

atf_test_case unprivileged cleanup
unprivileged_head()
{
	atf_set "descr" "sadbd as user nobody on a TUN device made for it" \
	    "(ip tuntap add ... user nobody) with -M 0 carries traffic;" \
	    "the mark, raw sockets and a foreign device are refused with" \
	    "the reason"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
unprivileged_body()
{
	dp_require
	command -v setpriv >/dev/null || atf_skip "no setpriv"
	pair1
	# tun0 in a belongs to nobody (made by root, as sadbd(8) says).
	ip -n ${P}a link del tun0
	ip -n ${P}a tuntap add dev tun0 mode tun multi_queue user nobody
	ip -n ${P}a link set tun0 mtu 1400 up
	ip -n ${P}a route add $B dev tun0 src $A table 100
	# Without the mark, sadbd's own packets must be kept from tun0 by
	# user: its uid's packets use the main table.
	ip -n ${P}a rule add uidrange 65534-65534 table main pref 50
	mkdir -m 0777 run
	# This host's /dev/net/tun may be root's only: a private mount
	# namespace gets a node of its own that nobody may open.
	mknod -m 0666 tundev c 10 200 || dp_fail "mknod"
	unpriv()
	{
		ip netns exec ${P}a unshare -m --propagation private sh -c \
		    "mount --bind '$PWD/tundev' /dev/net/tun && exec setpriv \
		    --reuid=65534 --regid=65534 --clear-groups '$SADBD' -d \
		    -J off -s '$PWD/run/a.sock' $*"
	}
	unpriv -i tun0 > u1.log 2>&1 && dp_fail "the mark without privilege"
	grep -q 'SO_MARK.*CAP_NET_ADMIN' u1.log ||
	    { cat u1.log; dp_fail "no reason for the mark"; }
	unpriv -i tun0 -M 0 -R > u2.log 2>&1 && dp_fail "raw without privilege"
	grep -q 'CAP_NET_RAW' u2.log || { cat u2.log; dp_fail "no reason"; }
	ip -n ${P}a tuntap add dev tunr mode tun user root
	unpriv -i tunr -M 0 > u3.log 2>&1 && dp_fail "root's device"
	grep -q 'CAP_NET_ADMIN' u3.log || { cat u3.log; dp_fail "no reason"; }
	unpriv -i tun0 -M 0 > a.log 2>&1 &
	echo $! >> pids
	echo $! > a.pid
	echo a >> sadbds
	i=0
	until [ -S run/a.sock ] && grep -q 'listening on' a.log; do
		i=$((i + 1))
		[ $i -gt 500 ] && { cat a.log; dp_fail "no start"; }
		sleep 0.01
	done
	ln -s run/a.sock a.sock
	dp_sadbd b
	key a
	key b
	dp_ping a $A $B
	dp_tcp b a $B 5001 50000
	dp_finish
}
unprivileged_cleanup()
{
	dp_cleanup
}

atf_test_case keepalive cleanup
keepalive_head()
{
	atf_set "descr" "RFC 3948 NAT-keepalives: sent from the local end of" \
	    "every UDP-encapsulated (esp-udp) SA to its peer and counted there" \
	    "without disturbing traffic; none for SAs without NAT-T"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
keepalive_body()
{
	dp_require
	pair1
	# The same SAs with NAT-T encapsulation (ports 4500).
	sed -E 's/^add ([0-9.]+) ([0-9.]+) esp /add \1[4500] \2[4500] esp-udp /' \
	    sa.conf > sa.natt.conf
	[ "$(grep -c esp-udp sa.natt.conf)" = 2 ] || dp_fail "sed"
	SADBD_KEEPALIVE_MS=300
	export SADBD_KEEPALIVE_MS
	dp_sadbd a
	dp_sadbd b
	key a
	key b
	# Negative control: plain SAs (UDP by default, but no NAT-T) get
	# no keepalives.
	sleep 1
	dp_stats a
	dp_expect a keepalives_sent eq 0
	dp_setkey a -F || dp_fail "flush a"
	dp_setkey b -F || dp_fail "flush b"
	dp_setkey a -f sa.natt.conf || dp_fail "setkey sa.natt.conf in a"
	dp_setkey b -f sa.natt.conf || dp_fail "setkey sa.natt.conf in b"
	sleep 1.5
	dp_x a ping -n -c 2 -i 0.2 -W 2 -I 10.0.1.1 10.0.1.2 > ping.out 2>&1 ||
	    { cat ping.out; dp_fail "no traffic over the NAT-T SAs"; }
	dp_stats a
	dp_stats b
	# Each side sends from its outbound SA only (the inbound one's
	# source is the peer's): about one every 300 ms.
	dp_expect a keepalives_sent ge 3
	dp_expect b keepalives_sent ge 3
	dp_expect b keepalives ge 3
	dp_expect a keepalives ge 3
	dp_expect a bad_header eq 0
	dp_expect b bad_header eq 0
	dp_expect b in_auth eq 0
	dp_finish
}
keepalive_cleanup()
{
	dp_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case acquire
	atf_add_test_case lifetime
	atf_add_test_case lifetime_update
	atf_add_test_case lifetime_update_workers
	atf_add_test_case lifetime_update_lower
	atf_add_test_case sequence
	atf_add_test_case bad_packets
	atf_add_test_case policy
	atf_add_test_case restart
	atf_add_test_case options
	atf_add_test_case unprivileged
	atf_add_test_case keepalive
}
