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

# Guest side of peers_test (runs under tests/vm/vmrun.sh through ikelib.sh's
# ike_vm): two IKEv1 peers negotiate scenario after scenario on Debian's
# kernel, traffic crosses their SAs, and the wire and the SAs come back in
# /out/SCENARIO/ for the host to judge with tshark (ike_judge).
#
# usage: guest_peers.sh KIND_A KIND_B SCENARIO...
#
# a (KIND_A, namespace a) initiates, b (KIND_B, namespace b) responds.  A
# scenario is a line "NAME KEY=VALUE..." of $IKE_SCENARIOS (/in/scenarios):
# the keys of ikelib.sh's ike_conf_pair (shared, or a:KEY=, b:KEY= for one
# side), and these:
#	topo=plain|nat	ike_topo (default) or ike_topo_nat (a behind a
#			masquerading NAT)
#	check=basic|dpd|rekey|refused	what is proven (basic):
#	  basic	  both sides hold an IPsec SA and two kernel ESP SAs; PINGS
#		  (5) echoes a -> b and b -> a cross, all answered; the
#		  kernels counted them on the SAs; a deletes and b's SAs go.
#	  dpd	  basic's SA and pings, then b is silenced (SIGSTOP): a must
#		  declare it dead by DPD and remove its SAs within
#		  DPD_LIMIT (40) s, and log why (a kind X may define
#		  ike_X_dpd_dead NAME, true when NAME shows the peer
#		  dead by DPD, instead of "dpd" in its log).
#	  rekey	  basic's SA, then a ping every 0.2 s runs over the phase 2
#		  rekey (set a:rekey=): new SPIs must replace the old ones on
#		  both sides, at most one echo may go unanswered, and the
#		  rekeyed SA carries traffic.
#	  refused the negotiation must fail (a wrong PSK, a revoked
#		  certificate): no IPsec SA and no kernel SA on either side.
#	pings=N		PINGS for this scenario
#	ka=KIND, kb=KIND	this scenario's kinds instead of KIND_A and
#			KIND_B (one run may then pair several kinds)
# Each scenario runs in a subshell on fresh namespaces and daemons, and
# reports "scenario NAME: ok" or "scenario NAME: FAIL reason"; a failure
# leaves the daemons' logs, the SAs and policies in /out/NAME/ and on
# stderr.  /out/NAME/ gets: wire.pcap (the observer's capture from before
# the initiation to the end of the traffic), xfrm.a, xfrm.b (ip xfrm
# state with keys; for rekey every SA seen during the run), a.log, b.log
# (the daemons'), time.* (seconds under TCG) and, for NAT, the NAT's
# conntrack.  "peers done" ends the run.
#
# IKE_EXTRA (a comma-separated list of files) is sourced after ikelib.sh:
# more peer kinds (ike_X_conf ... see ikelib.sh; ike_peers -x passes them).

set -u
. /in/ikelib.sh
for f in $(echo "${IKE_EXTRA:-}" | tr , ' '); do
	. "$f"
done

[ $# -ge 3 ] || ike_fail "usage: guest_peers.sh KIND_A KIND_B SCENARIO..."
KA=$1 KB=$2
shift 2
SCEN=${IKE_SCENARIOS:-/in/scenarios}
[ -f "$SCEN" ] || ike_fail "no scenario file $SCEN"
DPD_LIMIT=${DPD_LIMIT:-40}

now() { cut -d' ' -f1 /proc/uptime; }
# mark WHAT: a time stamp in the scenario's trace.
mark() { echo "$(now) $*" >>"$O/trace"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# keep DIR: the daemons' logs into DIR.
keep()
{
	for n in a b; do
		l=$(ike_log $n 2>/dev/null) && [ -f "$l" ] && cp "$l" "$1/$n.log"
	done
	return 0
}

# bad DIR MESSAGE: show what there is to see and fail the scenario.
bad()
{
	o=$1
	shift
	keep "$o"
	{
		for n in a b; do
			echo "---- $n: ip xfrm state / policy"
			ip -n "$(ike_ns $n)" xfrm state
			ip -n "$(ike_ns $n)" xfrm policy
			l=$(ike_log $n 2>/dev/null) && [ -f "$l" ] &&
			    { echo "---- $n: log tail"; tail -30 "$l"; }
		done
		echo "---- xfrm_stat (non-zero)"
		grep -v '[[:space:]]0$' /proc/net/xfrm_stat
	} >"$o/failure.txt" 2>&1
	cat "$o/failure.txt" >&2
	ike_fail "$*"
}

# esp_sas NS: the number of ESP SAs in the kernel of NS (not the larval
# states of its ACQUIREs, SPI 0, which a refused initiator keeps).
esp_sas()
{
	ip -n "$(ike_ns "$1")" xfrm state |
	    awk '$1 == "proto" && $2 == "esp" && $4 != "0x00000000" { n++ }
	    END { print n + 0 }'
}

# spis NS: the SPIs of NS's ESP SAs, sorted, on one line.
spis()
{
	ip -n "$(ike_ns "$1")" xfrm state |
	    awk '$1 == "proto" && $2 == "esp" { print $4 }' | sort | tr '\n' ' '
}

# counted NS WANT: each ESP SA of NS counted at least WANT packets.
counted()
{
	ip -n "$(ike_ns "$1")" -s xfrm state >"$O/xfrm-stats.$1"
	awk -v want="$2" '
	/^[ \t]*lifetime current:/ { cur = 1; next }
	cur && match($0, /[0-9]+\(packets\)/) {
		got[++k] = substr($0, RSTART, RLENGTH - 9) + 0; cur = 0 }
	END {	if (k != 2) exit 1
		for (i = 1; i <= k; i++) if (got[i] < want) exit 1 }' \
	    "$O/xfrm-stats.$1"
}

# scenario NAME KEY=VALUE...: run one (in a subshell: ike_fail ends it).
scenario()
{
	name=$1
	shift
	O=/out/$name
	mkdir -p "$O"
	topo=plain check=basic pings=5
	keys=
	for kv; do
		case $kv in
		topo=*)	topo=${kv#topo=} ;;
		check=*) check=${kv#check=} ;;
		pings=*) pings=${kv#pings=} ;;
		ka=*)	KA=${kv#ka=} ;;
		kb=*)	KB=${kv#kb=} ;;
		*)	keys="$keys $(ike_q "$kv")" ;;
		esac
	done
	case $topo in
	nat)	ike_topo_nat ;;
	plain)	ike_topo ;;
	*)	ike_fail "$name: topo=$topo" ;;
	esac
	eval "ike_conf_pair $KA $KB $keys"
	mode=$(. "$IKE_DIR/a/params"; echo "${P_mode:-tunnel}")
	if [ "$mode" = transport ]; then
		srca=$IKE_A dstb=$IKE_B srcb=$IKE_B dsta=$IKE_A
		[ "$topo" = nat ] && srca=$IKE_APRIV
	else
		srca=$IKE_AIN dstb=$IKE_BIN srcb=$IKE_BIN dsta=$IKE_AIN
	fi

	mark topo
	t0=$(now)
	ike_start b
	mark started b
	ike_start a
	mark started a
	echo "$(elapsed "$t0")" >"$O/time.start"

	ike_capture_start "$O/wire.pcap"
	mark capturing
	t0=$(now)
	if [ "$check" = refused ]; then
		if ike_initiate a 8; then
			bad "$O" "a could initiate: the negotiation should fail"
		fi
		sleep 1
		for n in a b; do
			ike_established $n && bad "$O" "$n holds an IPsec SA"
			[ "$(esp_sas $n)" = 0 ] ||
			    bad "$O" "$n: ESP SAs in the kernel"
		done
		ike_capture_stop
		keep "$O"
		return 0
	fi
	ike_initiate a || bad "$O" "a ($KA) could not initiate"
	ike_wait a || bad "$O" "a ($KA) holds no IPsec SA"
	ike_wait b || bad "$O" "b ($KB) holds no IPsec SA"
	mark established
	echo "$(elapsed "$t0")" >"$O/time.initiate"
	for n in a b; do
		c=$(esp_sas $n)
		[ "$c" = 2 ] || bad "$O" "$n: $c ESP SAs in the kernel, not 2"
	done
	[ "$topo" = nat ] && ip -n "$(ike_ns b)" xfrm state |
	    grep -q 'encap type espinudp' ||
	    { [ "$topo" = nat ] && bad "$O" "b: no ESP in UDP behind a NAT"; }

	t0=$(now)
	ike_ping a "$srca" "$dstb" "$pings" >"$O/ping.ab" ||
	    bad "$O" "ping a -> b failed: $(tail -2 "$O/ping.ab")"
	ike_ping b "$srcb" "$dsta" "$pings" >"$O/ping.ba" ||
	    bad "$O" "ping b -> a failed: $(tail -2 "$O/ping.ba")"
	echo "$(elapsed "$t0")" >"$O/time.ping"
	mark pinged
	for n in a b; do
		# Requests one way and replies the other, in both pings.
		counted $n $((pings * 2)) || bad "$O" "$n: the kernel did" \
		    "not count $((pings * 2)) packets on each SA"
		ike_xfrm $n "$O/xfrm.$n"
	done

	case $check in
	basic)
		ike_capture_stop
		ike_terminate a || bad "$O" "a ($KA) could not terminate"
		ike_wait_gone a 10 || bad "$O" "a ($KA) still holds its SA"
		ike_wait_gone b 20 ||
		    bad "$O" "b ($KB) kept its IPsec SA after the delete"
		mark deleted
		;;
	dpd)
		t0=$(now)
		kill -STOP "$(cat "$IKE_DIR/b/pid")" ||
		    bad "$O" "cannot stop b"
		if ! ike_wait_gone a "$DPD_LIMIT"; then
			kill -CONT "$(cat "$IKE_DIR/b/pid")"
			bad "$O" "a did not declare b dead in $DPD_LIMIT s"
		fi
		echo "$(elapsed "$t0")" >"$O/time.dpd"
		mark dead
		# Before b runs again (a may bring the connection back up).
		c=$(esp_sas a)
		kill -CONT "$(cat "$IKE_DIR/b/pid")"
		ike_capture_stop
		[ "$c" = 0 ] || bad "$O" "a: $c kernel ESP SAs left after DPD"
		if command -v "ike_${KA}_dpd_dead" >/dev/null 2>&1; then
			"ike_${KA}_dpd_dead" a ||
			    bad "$O" "a ($KA) does not show b dead by DPD"
		else
			grep -q -i 'dpd' "$(ike_log a)" ||
			    bad "$O" "a's log says nothing of DPD"
		fi
		;;
	rekey)
		before=$(spis a)
		# Every SA seen, with keys, for the host's decryption.
		( while :; do
			ip -n "$(ike_ns a)" xfrm state >>"$O/xfrm.a"
			ip -n "$(ike_ns b)" xfrm state >>"$O/xfrm.b"
			sleep 0.5
		done ) &
		dumper=$!
		echo "$dumper" >>"$IKE_DIR/pids"
		t0=$(now)
		lim=$(. "$IKE_DIR/a/params"; echo $((${P_life:-0} + 30)))
		ip netns exec "$(ike_ns a)" ping -n -i 0.2 -c $((lim * 5)) \
		    -W 2 -I "$srca" "$dstb" >"$O/ping.rekey" 2>&1 &
		pp=$!
		# Until both sides hold new SAs and none of the old ones
		# (deleted or expired: set a:life= for that), then 2 s more
		# of traffic on the new ones.
		while :; do
			sleep 1
			na=$(spis a) nb=$(spis b)
			old=no
			for s in $before; do
				case " $na $nb " in *" $s "*) old=yes ;; esac
			done
			[ $old = no ] && [ -n "$na" ] && [ "$na" = "$nb" ] &&
			    break
			if ! kill -0 $pp 2>/dev/null; then
				kill $dumper
				bad "$O" "no complete rekey in $lim s" \
				    "(SPIs before: $before; now a: $na b: $nb)"
			fi
		done
		echo "$(elapsed "$t0")" >"$O/time.rekey"
		sleep 2
		kill -INT $pp
		wait $pp
		kill $dumper
		ike_capture_stop
		echo "$before -> $(spis a)" >"$O/spis"
		awk '/packets transmitted/ { t = $1; r = $4 }
		    END { if (t < 10 || t - r > 1) exit 1 }' "$O/ping.rekey" ||
		    bad "$O" "ping over the rekey: $(grep transmitted \
		    "$O/ping.rekey")"
		ike_wait a 5 || bad "$O" "a lost its SA at the rekey"
		ike_wait b 5 || bad "$O" "b lost its SA at the rekey"
		ike_ping a "$srca" "$dstb" 2 >"$O/ping.after" ||
		    bad "$O" "no traffic over the rekeyed SA"
		;;
	*)	ike_fail "$name: check=$check" ;;
	esac
	if [ "$topo" = nat ]; then
		ike_nsexec nat cat /proc/net/nf_conntrack >"$O/conntrack" \
		    2>/dev/null || true
	fi
	keep "$O"
	ike_stop a
	mark stopped a
	ike_stop b
	mark stopped b
	keep "$O"
	return 0
}

for s; do
	line=$(awk -v n="$s" '$1 == n { print; exit }' "$SCEN")
	[ -n "$line" ] || { echo "scenario $s: FAIL not in $SCEN"; continue; }
	t1=$(now)
	# shellcheck disable=SC2086 # KEY=VALUE words without blanks
	( scenario $line ) >"/tmp/scenario.$s" 2>&1
	r=$?
	cat "/tmp/scenario.$s" >&2
	ike_cleanup
	echo "$(elapsed "$t1")" >"/out/$s/time.total"
	if [ $r = 0 ]; then
		echo "scenario $s: ok"
	else
		echo "scenario $s: FAIL $(grep -m 1 '^FAIL' "/tmp/scenario.$s" |
		    cut -c7-)"
	fi
done
echo "peers done"
