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

# Sequence numbers across restarts of sadbd's data plane: a sender killed
# with -9 and started again on its state directory goes on above every
# number it sent before (the journal reserves them ahead), so a receiver
# with a replay window takes its packets at once; a receiver killed and
# started again refuses packets older than the window's top it journaled.
# The numbers are read off the wire (tshark's esp.sequence) in the
# observer namespace.  Negative controls: with $SADBD_SEQ_RESERVE=0 the
# sender starts again at 1 and the receiver takes the old packets again.

. "$(atf_get_srcdir)/dplib.sh"

A=10.0.1.1
B=10.0.1.2
# SA a -> b: a's outbound, b's inbound (dp_pair).
SPI_AB=0x1001

# One pair, replay windows of 32 packets both ways.
setup()
{
	DP_REPLAY=32
	dp_pair 1 esp ${1:-gcm128}
	dp_topo 1
}

key()
{
	dp_setkey $1 -f sa.conf || dp_fail "setkey sa.conf in $1"
	dp_setkey $1 -f sp.$1.conf || dp_fail "setkey sp.$1.conf in $1"
}

# sadbd in NS with a journal in NS.state (fsync'ed); more arguments follow.
start_kept()
{
	_ns=$1
	shift
	dp_sadbd $_ns -J full -S "$PWD/$_ns.state" "$@"
}

# kill -9 the sadbd of NS; its socket file stays, as after a crash.
kill9()
{
	pid=$(cat $1.pid)
	kill -9 $pid
	wait $pid 2>/dev/null
	rm -f $1.pid $1.sock
	# The next start's log on its own (dp_sadbd waits for its line).
	mv $1.log $1.log.$(date +%s%N)
}

# dp_finish, and no sanitizer report in the logs of killed daemons.
finish()
{
	for f in *.log.*; do
		[ -f "$f" ] || continue
		grep -q 'Sanitizer\|runtime error' "$f" &&
		    { cat "$f"; dp_fail "sanitizer report in $f"; }
	done
	dp_finish
}

# Pings from a to b, N of them, quickly; all must be answered (within
# a deadline: a loaded machine may take more than two round trips for
# the last answer).
pings()
{
	dp_x a ping -n -c $1 -i 0.01 -w 10 -I $A $B > ping.out 2>&1 ||
	    { cat ping.out; dp_fail "ping $A -> $B failed"; }
	grep -q ' 0% packet loss' ping.out ||
	    { cat ping.out; dp_fail "ping $A -> $B lost packets"; }
}

# The sequence numbers of SPI in capture FILE into FILE.SPI.
seqs()
{
	python3 "$DPSRC/seq_check.py" seq $1 $2 > $1.$2 ||
	    dp_fail "seq_check.py seq $1 $2"
	[ -s $1.$2 ] || dp_fail "no ESP of SA $2 in $1"
}

# Minimum and maximum of a file of numbers.
nmin()
{
	sort -n $1 | head -1
}

nmax()
{
	sort -n $1 | tail -1
}

# Traffic with a capture into FILE: pings and a TCP echo from a to b.
traffic_into()
{
	dp_capture_start
	pings ${2:-20}
	dp_tcp b a $B ${3:-5001} 100000
	dp_capture_stop
	mv cap.pcap $1
}

# The seq= a dump of NS shows for SA SPI (hex, as printed).
dump_seq()
{
	dp_setkey $1 -D > dump.$1.out || dp_fail "setkey -D in $1"
	awk -v spi="$(printf '(0x%08x)' $2)" '
	    index($0, "spi=") && index($0, spi) { on = 1; next }
	    on && /seq=0x/ { sub(/.*seq=/, ""); sub(/ .*/, ""); print; exit }
	' dump.$1.out
}

atf_test_case kill9_sender cleanup
kill9_sender_head()
{
	atf_set "descr" "A sender's sadbd killed with -9 and started again" \
	    "on its state directory sends above every number it sent" \
	    "before: the receiver (replay window 32) takes it at once"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
kill9_sender_body()
{
	dp_require
	setup
	start_kept a
	dp_sadbd b
	key a
	key b
	traffic_into before.pcap 20 5001
	seqs before.pcap $SPI_AB
	max0=$(nmax before.pcap.$SPI_AB)
	[ "$(wc -l < before.pcap.$SPI_AB)" -ge 20 ] ||
	    dp_fail "fewer than 20 packets of SA $SPI_AB before the kill"

	kill9 a
	start_kept a
	grep -q 'data plane on tun0.* 2 SAs' a.log || dp_fail "SAs not restored"
	# The dump shows where the SA goes on from, not 0.
	shown=$(dump_seq a $SPI_AB)
	[ -n "$shown" ] || { cat dump.a.out; dp_fail "no seq= for $SPI_AB"; }
	[ $((shown)) -gt $max0 ] || { cat dump.a.out; dp_fail "a shows" \
	    "seq=$shown for $SPI_AB after the restart, not above $max0"; }
	# At once: the first echoes must all be answered.
	traffic_into after.pcap 20 5002
	seqs after.pcap $SPI_AB
	min1=$(nmin after.pcap.$SPI_AB)
	echo "SA $SPI_AB: before the kill up to $max0; after it from $min1"
	[ $min1 -gt $max0 ] || dp_fail "after the restart SA $SPI_AB sent" \
	    "$min1, not above $max0 sent before"

	dp_stats b
	dp_expect b in_replay eq 0
	dp_expect b in_auth eq 0
	dp_expect b protected_in gt 0
	dp_stats a
	dp_expect a seq_wait eq 0
	finish
}
kill9_sender_cleanup()
{
	dp_cleanup
}

atf_test_case kill9_sender_unreserved cleanup
kill9_sender_unreserved_head()
{
	atf_set "descr" "Negative control: with \$SADBD_SEQ_RESERVE=0 the" \
	    "same restart sends from 1 again and the receiver drops it as" \
	    "replayed"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
kill9_sender_unreserved_body()
{
	dp_require
	setup
	export SADBD_SEQ_RESERVE=0
	start_kept a
	unset SADBD_SEQ_RESERVE
	dp_sadbd b
	key a
	key b
	traffic_into before.pcap 40 5001
	seqs before.pcap $SPI_AB
	max0=$(nmax before.pcap.$SPI_AB)
	[ $max0 -gt 32 ] || dp_fail "SA $SPI_AB: $max0 packets, not past" \
	    "the window of 32"

	kill9 a
	export SADBD_SEQ_RESERVE=0
	start_kept a
	unset SADBD_SEQ_RESERVE
	grep -q 'data plane on tun0.* 2 SAs' a.log || dp_fail "SAs not restored"
	dp_capture_start
	dp_x a ping -n -c 3 -i 0.2 -W 1 -I $A $B > ping.out 2>&1
	dp_capture_stop
	cat ping.out
	grep -q ' 100% packet loss' ping.out ||
	    dp_fail "the receiver took numbers it had seen"
	seqs cap.pcap $SPI_AB
	min1=$(nmin cap.pcap.$SPI_AB)
	echo "SA $SPI_AB: before the kill up to $max0; after it from $min1"
	# Back at the start: 1, or a little above when the restarted tun0
	# sent something of its own before the capture began.
	[ $min1 -le 4 ] && [ $min1 -lt $max0 ] ||
	    dp_fail "without reservations the SA went on from $min1," \
	    "not from the start"
	dp_stats b
	dp_expect b in_replay ge 3
	finish
}
kill9_sender_unreserved_cleanup()
{
	dp_cleanup
}

atf_test_case renewals cleanup
renewals_head()
{
	atf_set "descr" "Reservations of 64 numbers run out and are renewed" \
	    "while traffic flows; after each of two kill -9 the SA goes" \
	    "on above what it sent, skipping at most about one reservation" \
	    "(one worker, then two)"
	atf_set "require.user" "root"
	atf_set "timeout" "180"
}
renewals_body()
{
	dp_require
	setup cbcsha256
	export SADBD_SEQ_STEP=64
	# Rounds 1 and 2 with one worker (single-writer SAs), 3 with two.
	start_kept a -T 1
	dp_sadbd b
	key a
	key b
	prev=0
	for round in 1 2 3; do
		traffic_into cap$round.pcap 100 $((5000 + round))
		seqs cap$round.pcap $SPI_AB
		lo=$(nmin cap$round.pcap.$SPI_AB)
		hi=$(nmax cap$round.pcap.$SPI_AB)
		n=$(wc -l < cap$round.pcap.$SPI_AB)
		echo "round $round: SA $SPI_AB sent $n packets, $lo .. $hi"
		[ $lo -gt $prev ] || dp_fail "round $round: SA $SPI_AB sent" \
		    "$lo, not above $prev of the round before"
		dp_stats a
		waits=$(dp_counter a seq_wait)
		# Tickets that used no number: refused, or failed output.
		lost=$((waits + $(dp_counter a out_errors) + \
		    $(dp_counter a send_errors)))
		recs=$(sed -n 's/.*sequence numbers: step 64, \([0-9]*\) records.*/\1/p' a.stats)
		echo "round $round: $recs sequence records, seq_wait=$waits"
		[ "${recs:-0}" -ge $((n / 64)) ] || dp_fail "round $round:" \
		    "$recs records for $n packets with a step of 64"
		if [ $round -gt 1 ]; then
			# The restart goes on from the last reservation: at
			# most a step past the tickets taken before it.
			gap=$((lo - prev))
			echo "round $round: the restart skipped $((gap - 1))"
			[ $gap -le $((64 + 1 + lost0)) ] || dp_fail "round" \
			    "$round: $gap numbers skipped by the restart"
		fi
		prev=$hi
		lost0=$lost
		[ $round = 3 ] && break
		kill9 a
		start_kept a -T $round
	done
	# A clean stop loses nothing either.
	dp_sadbd_stop a
	start_kept a
	traffic_into cap4.pcap 10 5009
	seqs cap4.pcap $SPI_AB
	[ $(nmin cap4.pcap.$SPI_AB) -gt $prev ] || dp_fail "after a clean" \
	    "restart SA $SPI_AB went back below $prev"
	unset SADBD_SEQ_STEP
	dp_stats b
	dp_expect b in_replay eq 0
	finish
}
renewals_cleanup()
{
	dp_cleanup
}

# Replay, after b's restart, what a sent before it; count what b takes.
replay_after_restart()
{
	traffic_into before.pcap 20 5001
	# The sweep journals the window's top within a second.
	sleep 1.5
	dp_stats b
	in0=$(dp_counter b protected_in)
	kill9 b
	start_kept b
	grep -q 'data plane on tun0.* 2 SAs' b.log || dp_fail "SAs not restored"
	sent=$(dp_x a python3 "$DPSRC/seq_check.py" replay before.pcap \
	    $SPI_AB $A $B) || dp_fail "seq_check.py replay"
	echo "replayed $sent packets of SA $SPI_AB"
	[ "$sent" -ge 20 ] || dp_fail "only $sent packets to replay"
	sleep 0.5
	dp_stats b
}

atf_test_case kill9_receiver cleanup
kill9_receiver_head()
{
	atf_set "descr" "A receiver's sadbd killed with -9 and started" \
	    "again refuses the packets sent before the kill (older than" \
	    "the window's top it journaled), and traffic goes on"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
kill9_receiver_body()
{
	dp_require
	setup
	dp_sadbd a
	start_kept b
	key a
	key b
	replay_after_restart
	dp_expect b in_replay ge $sent
	dp_expect b protected_in eq 0
	# The dump of b shows its window's top for the inbound SA: the
	# last number it had taken (not the reservation of 2^21 every SA
	# holds).
	seqs before.pcap $SPI_AB
	max0=$(nmax before.pcap.$SPI_AB)
	shown=$(dump_seq b $SPI_AB)
	[ -n "$shown" ] && [ $((shown)) -ge $max0 ] &&
	    [ $((shown)) -lt 2097152 ] || { cat dump.b.out;
	    dp_fail "b shows seq=$shown for $SPI_AB, not $max0"; }
	pings 5
	finish
}
kill9_receiver_cleanup()
{
	dp_cleanup
}

atf_test_case kill9_receiver_unreserved cleanup
kill9_receiver_unreserved_head()
{
	atf_set "descr" "Negative control: with \$SADBD_SEQ_RESERVE=0 the" \
	    "restarted receiver takes the old packets again"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
kill9_receiver_unreserved_body()
{
	dp_require
	setup
	export SADBD_SEQ_RESERVE=0
	dp_sadbd a
	start_kept b
	key a
	key b
	replay_after_restart
	unset SADBD_SEQ_RESERVE
	dp_expect b protected_in ge $sent
	dp_expect b in_replay eq 0
	finish
}
kill9_receiver_unreserved_cleanup()
{
	dp_cleanup
}

atf_test_case held cleanup
held_head()
{
	atf_set "descr" "A packet held for its SA waits for the SA's first" \
	    "reservation to be committed, then leaves (not dropped)"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
held_body()
{
	dp_require
	setup
	start_kept a
	dp_sadbd b
	key b
	dp_setkey a -f sp.a.conf || dp_fail "policies in a"
	rm -f mon.out
	ip netns exec ${P}a "$SETKEY" -B "sadbd:$PWD/a.sock" -x > mon.out \
	    2>&1 &
	echo $! >> pids
	i=0
	until grep -q X_PROMISC mon.out 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 500 ] && dp_fail "setkey -x did not start"
		sleep 0.01
	done
	dp_x a ping -n -c 1 -W 8 -I $A $B > ping.out 2>&1 &
	pp=$!
	i=0
	until grep -q 'msg=ACQUIRE' mon.out; do
		i=$((i + 1))
		[ $i -gt 500 ] && { cat mon.out; dp_fail "no ACQUIRE"; }
		sleep 0.01
	done
	dp_setkey a -f sa.conf || dp_fail "setkey sa.conf in a"
	wait $pp || { cat ping.out; dp_fail "the held packet did not pass"; }
	dp_stats a
	dp_expect a hold_sent ge 1
	dp_expect a hold_expired eq 0
	# It was tried before the SA's reservation was durable, and waited.
	dp_expect a seq_wait ge 1
	finish
}
held_cleanup()
{
	dp_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case kill9_sender
	atf_add_test_case kill9_sender_unreserved
	atf_add_test_case renewals
	atf_add_test_case kill9_receiver
	atf_add_test_case kill9_receiver_unreserved
	atf_add_test_case held
}
