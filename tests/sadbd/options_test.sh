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

# sadbd's command line, signals, pid file and socket file handling.  Every
# daemon runs in the test's work directory as whoever runs the tests.

sadbd_bin()
{
	echo "$(atf_get_srcdir)/../../sadbd/sadbd"
}

# Wait for a socket file (5 s).
wait_sock()
{
	i=0
	while [ ! -S "$1" ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && atf_fail "no socket $1 after 5 s"
		sleep 0.01
	done
}

# Wait for a process to end (10 s); its exit status in $status.
wait_pid()
{
	i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 1000 ] && atf_fail "pid $1 still running after 10 s"
		sleep 0.01
	done
}

atf_test_case version
version_head()
{
	atf_set "descr" "-V prints the version"
}
version_body()
{
	atf_check -s exit:0 -o match:'^sadbd [0-9]+\.[0-9]+\.[0-9]+$' \
	    "$(sadbd_bin)" -V
}

atf_test_case usage
usage_head()
{
	atf_set "descr" "bad options and arguments: usage and exit 1"
}
usage_body()
{
	atf_check -s exit:1 -e match:'^usage: sadbd' "$(sadbd_bin)" -X
	atf_check -s exit:1 -e match:'^usage: sadbd' "$(sadbd_bin)" -J sometimes
	atf_check -s exit:1 -e match:'^usage: sadbd' "$(sadbd_bin)" -F extra
	atf_check -s exit:1 -e match:'unknown group' "$(sadbd_bin)" -F \
	    -s ./sock -S ./state -g no-such-group-here
}

atf_test_case sigterm
sigterm_head()
{
	atf_set "descr" "SIGTERM: exit 0, socket and pid file removed"
}
sigterm_body()
{
	"$(sadbd_bin)" -F -s ./sock -S ./state -p ./pid 2>log &
	pid=$!
	wait_sock ./sock
	[ "$(cat ./pid)" = "$pid" ] || atf_fail "pid file: $(cat ./pid)"
	kill -TERM $pid
	wait $pid
	status=$?
	[ $status -eq 0 ] || { cat log; atf_fail "exit status $status"; }
	[ ! -e ./sock ] || atf_fail "socket left behind"
	[ ! -e ./pid ] || atf_fail "pid file left behind"
	# SIGINT too.
	"$(sadbd_bin)" -F -s ./sock -S ./state 2>log &
	pid=$!
	wait_sock ./sock
	kill -INT $pid
	wait $pid || atf_fail "exit status $? on SIGINT"
	[ ! -e ./sock ] || atf_fail "socket left behind after SIGINT"
}

atf_test_case sighup
sighup_head()
{
	atf_set "descr" "SIGHUP reopens the log and keeps serving"
}
sighup_body()
{
	"$(sadbd_bin)" -F -s ./sock -S ./state 2>log &
	pid=$!
	wait_sock ./sock
	kill -HUP $pid
	sleep 0.3
	kill -0 $pid || atf_fail "sadbd died on SIGHUP"
	grep -q 'clients' log || { cat log; atf_fail "no statistics logged"; }
	kill -TERM $pid
	wait $pid || atf_fail "exit status $?"
}

atf_test_case stale_socket
stale_socket_head()
{
	atf_set "descr" "a socket nobody answers on is replaced; a live one " \
	    "or a file that is no socket is not"
}
stale_socket_body()
{
	"$(sadbd_bin)" -F -s ./sock -S ./state 2>log1 &
	pid=$!
	wait_sock ./sock
	# A second daemon on a live socket: refused, the first unharmed.
	atf_check -s exit:1 -e match:'another daemon answers' \
	    "$(sadbd_bin)" -F -s ./sock -S ./state2
	kill -0 $pid || atf_fail "first daemon gone"
	# kill -9 leaves the socket file behind...
	kill -KILL $pid
	wait $pid 2>/dev/null
	[ -S ./sock ] || atf_fail "expected a stale socket"
	# ...which the next daemon replaces.
	"$(sadbd_bin)" -F -s ./sock -S ./state 2>log2 &
	pid=$!
	sleep 0.2
	wait_sock ./sock
	kill -0 $pid || { cat log2; atf_fail "did not start (stale socket)"; }
	grep -q 'stale' log2 || { cat log2; atf_fail "stale socket unlogged"; }
	kill -TERM $pid
	wait $pid || atf_fail "exit status $?"
	# Not a socket: refused, left alone.
	echo precious >./sock
	atf_check -s exit:1 -e match:'not a socket' \
	    "$(sadbd_bin)" -F -s ./sock -S ./state
	atf_check -o inline:"precious\n" cat ./sock
}

atf_test_case pidfile_lock
pidfile_lock_head()
{
	atf_set "descr" "a second daemon with the same pid file is refused"
}
pidfile_lock_body()
{
	"$(sadbd_bin)" -F -s ./sock -S ./state -p ./pid 2>log &
	pid=$!
	wait_sock ./sock
	atf_check -s exit:1 -e match:'already running' \
	    "$(sadbd_bin)" -F -s ./sock2 -S ./state2 -p ./pid
	[ "$(cat ./pid)" = "$pid" ] || atf_fail "pid file: $(cat ./pid)"
	kill -TERM $pid
	wait $pid || atf_fail "exit status $?"
}

atf_test_case environment
environment_head()
{
	atf_set "descr" "SADBD_SOCKET names the socket; -s overrides it"
}
environment_body()
{
	SADBD_SOCKET="$(pwd)/envsock" "$(sadbd_bin)" -F -S ./state 2>log &
	pid=$!
	wait_sock ./envsock
	kill -TERM $pid
	wait $pid || atf_fail "exit status $?"
	SADBD_SOCKET="$(pwd)/envsock" "$(sadbd_bin)" -F -s ./sock \
	    -S ./state 2>log &
	pid=$!
	wait_sock ./sock
	[ ! -e ./envsock ] || atf_fail "-s did not override SADBD_SOCKET"
	kill -TERM $pid
	wait $pid || atf_fail "exit status $?"
}

atf_test_case daemon
daemon_head()
{
	atf_set "descr" "without -F: detaches once serving (relative paths " \
	    "work), writes the pid file, cleans up on SIGTERM"
}
daemon_body()
{
	atf_check -s exit:0 "$(sadbd_bin)" -s ./sock -S ./state -p ./pid
	# The parent returned only once the socket was listening.
	[ -S ./sock ] || atf_fail "no socket when the parent returned"
	pid=$(cat ./pid)
	kill -0 "$pid" || atf_fail "daemon $pid not running"
	# Detached: a session of its own.
	sid=$(ps -o sid= -p "$pid" | tr -d ' ')
	[ "$sid" = "$pid" ] || atf_fail "not a session leader ($sid)"
	kill -TERM "$pid"
	wait_pid "$pid"
	[ ! -e ./sock ] || atf_fail "socket left behind"
	[ ! -e ./pid ] || atf_fail "pid file left behind"
	# A start-up error is the parent's exit status.
	echo x >./notdir
	atf_check -s exit:1 -e ignore "$(sadbd_bin)" -s ./sock \
	    -S ./notdir/state -p ./pid
}

atf_test_case journal_modes
journal_modes_head()
{
	atf_set "descr" "-J full and none use the state directory; -J off " \
	    "does not touch it"
}
journal_modes_body()
{
	for mode in full none off; do
		rm -rf ./state
		"$(sadbd_bin)" -F -s ./sock -S ./state -J $mode 2>log &
		pid=$!
		wait_sock ./sock
		kill -TERM $pid
		wait $pid || atf_fail "-J $mode: exit status $?"
		if [ $mode = off ]; then
			[ ! -e ./state ] || atf_fail "-J off created ./state"
		else
			[ -d ./state ] || atf_fail "-J $mode: no ./state"
		fi
	done
}

atf_init_test_cases()
{
	atf_add_test_case version
	atf_add_test_case usage
	atf_add_test_case sigterm
	atf_add_test_case sighup
	atf_add_test_case stale_socket
	atf_add_test_case pidfile_lock
	atf_add_test_case environment
	atf_add_test_case daemon
	atf_add_test_case journal_modes
}
