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

# sadbd killed with -9 under a pipelined load of ADDs, then restarted on
# the same state directory: every SA whose ADD was acknowledged must be
# there (the journal's promise), and an SPI never sent must not.

# The daemon and the load client, next to this test in the build tree.
sadbd_bin()
{
	echo "$(atf_get_srcdir)/../../sadbd/sadbd"
}

loadclient_bin()
{
	echo "$(atf_get_srcdir)/loadclient"
}

loadclient()
{
	"$(loadclient_bin)" "$@"
}

require_sadbd()
{
	[ -x "$(sadbd_bin)" ] ||
	    atf_skip "sadbd/sadbd is not built yet"
	[ -x "$(atf_get_srcdir)/loadclient" ] ||
	    atf_fail "loadclient is not built (bmake in tests/sadbd)"
}

# start_sadbd LOG: run sadbd in the foreground on ./sock and ./state.
start_sadbd()
{
	"$(sadbd_bin)" -F -s "$PWD/sock" -S "$PWD/state" >>"$1" 2>&1 &
	echo $! >sadbd.pid
	# loadclient retries the connection until sadbd listens; just make
	# sure the daemon did not die at start.
	sleep 0.2
	if ! kill -0 "$(cat sadbd.pid)" 2>/dev/null; then
		cat "$1" >&2
		atf_fail "sadbd exited at start (log above)"
	fi
}

# SIGTERM: sadbd must stop cleanly (exit 0), sanitizers included.
stop_sadbd()
{
	[ -f sadbd.pid ] || return 0
	kill -TERM "$(cat sadbd.pid)"
	st=0
	wait "$(cat sadbd.pid)" || st=$?
	rm -f sadbd.pid
	if [ "$st" != 0 ]; then
		tail -40 sadbd.log
		atf_fail "sadbd exited with status $st on SIGTERM (log above)"
	fi
}

kill9_sadbd()
{
	kill -9 "$(cat sadbd.pid)"
	wait "$(cat sadbd.pid)" 2>/dev/null
	rm -f sadbd.pid
}

# One round: load from SPI $1 for $2 seconds, kill -9, restart, check
# every SPI acknowledged in this and the earlier rounds.
crash_round()
{
	base=$1 secs=$2 round=$3

	loadclient -s "$PWD/sock" -n 2000000 -b "$base" -w 256 \
	    add acked >"load$round.out" 2>&1 &
	lpid=$!
	sleep "$secs"
	kill9_sadbd
	# The client sees the connection drop and stops (exit 3).
	wait $lpid
	cat "load$round.out"
	n=$(wc -l <acked)
	[ "$n" -gt 0 ] || atf_fail "no ADD acknowledged before the kill"
	echo "round $round: $n SPIs acknowledged so far"

	start_sadbd sadbd.log
	if ! loadclient -s "$PWD/sock" check acked >missing 2>check.err; then
		cat check.err
		head -20 missing
		tail -30 sadbd.log
		atf_fail "round $round: $(wc -l <missing) acknowledged SAs" \
		    "missing after the restart"
	fi
	# The negative control: an SPI never sent is not there.
	atf_check -s exit:0 -o ignore -e ignore \
	    "$(loadclient_bin)" -s "$PWD/sock" absent 0x7ffffff0
}

atf_test_case kill9 cleanup
kill9_head()
{
	atf_set "descr" "kill -9 sadbd under load: no acknowledged SA lost"
	atf_set "timeout" "300"
}
kill9_body()
{
	require_sadbd
	start_sadbd sadbd.log
	crash_round 65536 0.5 1
	stop_sadbd
}
kill9_cleanup()
{
	[ -f sadbd.pid ] && kill -9 "$(cat sadbd.pid)" 2>/dev/null
	true
}

atf_test_case kill9_compacting cleanup
kill9_compacting_head()
{
	atf_set "descr" "kill -9 sadbd repeatedly while it compacts its" \
	    "journal: no acknowledged SA lost"
	atf_set "timeout" "600"
}
kill9_compacting_body()
{
	require_sadbd
	# Compact every 256 KiB of journal, so kills land mid-compaction.
	SADBD_COMPACT_BYTES=262144
	export SADBD_COMPACT_BYTES
	start_sadbd sadbd.log
	crash_round 65536 0.5 1
	crash_round 16777216 0.7 2
	crash_round 33554432 0.3 3
	stop_sadbd
	ls -l state
	ls state | grep -q '^snapshot\.' ||
	    atf_fail "no snapshot was written: compaction never ran"
}
kill9_compacting_cleanup()
{
	[ -f sadbd.pid ] && kill -9 "$(cat sadbd.pid)" 2>/dev/null
	true
}

atf_init_test_cases()
{
	atf_add_test_case kill9
	atf_add_test_case kill9_compacting
}
