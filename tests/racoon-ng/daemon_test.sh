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

# racoon-ng and racoonctl on this host: on sadbd (the userspace SADB, no
# root needed for it) and on the kernel's XFRM in a network namespace of
# the test's own (the host kernel takes policies and raises ACQUIREs but
# has no ESP, so no SA is made there).  The daemon listens on loopback
# ports picked per test with -p/-P; every process a test starts is
# stopped by its pid in the cleanup.

top()
{
	echo "$(atf_get_srcdir)/../.."
}

RACOON="$(top)/racoon-ng/daemon/racoon-ng"
RACOONCTL="$(top)/racoon-ng/racoonctl/racoonctl"
SETKEY="$(top)/setkey/setkey"
SADBD="$(top)/sadbd/sadbd"
ACQ="$(atf_get_srcdir)/acquire_helper"
# racoon-ng with a test exchange layer (exchange_probe.c): what the frame
# delivers and does is logged as "probe: ...", whatever exchange layer the
# daemon itself has.
PROBE="$(atf_get_srcdir)/probe_helper"

# Ports for this test run (two per test, away from the well-known ones).
ports()
{
	base=$((20000 + ($$ % 5000) * 4))
	P1=$base
	P2=$((base + 1))
}

# Fail, with the daemons' logs on stderr and the reason on one line.
fail_log()
{
	for f in rn.log sadbd.log; do
		[ -f $f ] && { echo "--- $f"; tail -40 $f; } >&2
	done
	atf_fail "$(echo "$*" | tr '\n\t' '  ' | cut -c1-400)"
}

wait_for()
{
	i=0
	while ! eval "$1"; do
		i=$((i + 1))
		[ $i -gt ${2:-500} ] && fail_log "timed out waiting for: $1"
		sleep 0.01
	done
}

# A configuration: us on 127.0.0.1, a peer 127.0.0.2 with NAT-T.
mkconf()
{
	# racoonctl for atf_check (the work directory has no blanks).
	CTL="$RACOONCTL -s $PWD/ctl.sock"
	umask 077
	printf '127.0.0.2 a-secret-of-the-test\n' > psk.txt
	cat > r.conf <<EOF
path pre_shared_key "$PWD/psk.txt";
path pidfile "$PWD/racoon-ng.pid";
listen {
	isakmp 127.0.0.1;
	isakmp_natt 127.0.0.1;
	adminsock "$PWD/ctl.sock" "$(id -un)" "$(id -gn)" 0600;
}
remote 127.0.0.2 {
	exchange_mode main;
	nat_traversal on;
	generate_policy on;
	proposal {
		encryption_algorithm aes;
		hash_algorithm sha256;
		authentication_method pre_shared_key;
		dh_group modp2048;
	}
}
sainfo anonymous {
	encryption_algorithm aes;
	authentication_algorithm hmac_sha256;
}
EOF
}

start_sadbd()
{
	"$SADBD" -F -d -J off -s "$PWD/sadbd.sock" > sadbd.log 2>&1 &
	echo $! >> pids
	wait_for "[ -S sadbd.sock ]"
}

# racoon-ng in the foreground on the test's ports; more options follow.
start_racoon()
{
	ports
	"$RACOON" -F -d -f "$PWD/r.conf" -p $P1 -P $P2 "$@" > rn.log 2>&1 &
	RPID=$!
	echo $RPID >> pids
	wait_for "[ -S ctl.sock ] && grep -q 'keys of generation 1' rn.log"
}

ctl()
{
	"$RACOONCTL" -s "$PWD/ctl.sock" "$@"
}

sk()
{
	SADBD_SOCKET="$PWD/sadbd.sock" "$SETKEY" -B sadbd "$@"
}

# The children of the parent, by pid.
children()
{
	ps -o pid= --ppid $RPID | tr -d ' '
}

# Stop racoon-ng as an administrator would and check it went cleanly:
# exit status 0, and no sanitizer report from any of its processes (the
# children report leaks and errors into the same log when they exit).
stop_racoon()
{
	kill -TERM $RPID
	wait $RPID || fail_log "racoon-ng exited with $?"
	sleep 0.2
	grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error' rn.log &&
	    fail_log "a sanitizer report in rn.log"
	return 0
}

stop_all()
{
	[ -f pids ] || return 0
	for p in $(cat pids); do
		kill -TERM $p 2>/dev/null
	done
	sleep 0.2
	for p in $(cat pids); do
		kill -KILL $p 2>/dev/null
	done
	return 0
}

# ----------------------------------------------------------------------

atf_test_case options
options_head()
{
	atf_set "descr" "-n checks, -t prints the canonical configuration," \
	    "-V, bad options and a broken file are refused with file:line"
}
options_body()
{
	mkconf
	atf_check -s exit:0 -o empty -e empty "$RACOON" -n -f r.conf
	atf_check -s exit:0 -o match:'^listen \{' -o match:'remote "127.0.0.2"' \
	    -o match:'pre_shared_key' -e empty "$RACOON" -t -f r.conf
	# What -t prints parses again (and prints the same).
	"$RACOON" -t -f r.conf > canon.conf
	atf_check -s exit:0 -o file:canon.conf "$RACOON" -t -f canon.conf
	atf_check -s exit:0 -o match:'^racoon-ng [0-9]+\.[0-9]+\.[0-9]+$' \
	    "$RACOON" -V
	atf_check -s exit:1 -e match:'^usage: racoon-ng' "$RACOON" -X
	atf_check -s exit:1 -e match:'^usage: racoon-ng' "$RACOON" -n extra
	atf_check -s exit:1 -e match:'-p 0: too small' "$RACOON" -n -p 0 \
	    -f r.conf
	echo 'remote 127.0.0.3 { exchange_mode sideways; }' >> r.conf
	atf_check -s exit:1 -e match:'r.conf:[0-9]+:[0-9]+: .*sideways' \
	    "$RACOON" -n -f r.conf
	atf_check -s exit:1 -e match:'no-such.conf' "$RACOON" -n \
	    -f no-such.conf
	atf_check -s exit:1 -e match:'^usage: racoonctl' "$RACOONCTL"
	atf_check -s exit:1 -e match:'unknown command' "$RACOONCTL" bogus
	atf_check -s exit:1 -e match:'unknown protocol' "$RACOONCTL" ss xyz
	atf_check -s exit:1 -e match:'cannot reach racoon-ng' \
	    "$RACOONCTL" -s "$PWD/nothing.sock" ss esp
	atf_check -s exit:1 -e match:'no Mode-Config' "$RACOONCTL" vc gw
}

atf_test_case processes cleanup
processes_head()
{
	atf_set "descr" "three processes; as root the ike and ca processes" \
	    "are unprivileged, chrooted, without capabilities and new" \
	    "privileges, behind a system call filter; the parent keeps root"
	atf_set "timeout" "60"
}
processes_body()
{
	mkconf
	start_sadbd
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	kids=$(children)
	[ $(echo $kids | wc -w) -eq 2 ] || fail_log "children: '$kids'"
	[ "$(cat racoon-ng.pid)" = "$RPID" ] || fail_log "pid file"
	grep -q "ike pid" rn.log || fail_log "no start line"
	if [ "$(id -u)" != 0 ]; then
		for k in $kids; do
			[ "$(ps -o user= -p $k)" = "$(id -un)" ] ||
			    fail_log "child $k runs as $(ps -o user= -p $k)"
		done
		return 0
	fi
	[ "$(ps -o user= -p $RPID)" = root ] || fail_log "parent not root"
	# The default user _racoon, else nobody.
	if getent passwd _racoon >/dev/null; then u=_racoon; else u=nobody; fi
	for k in $kids; do
		[ "$(ps -o user= -p $k | tr -d ' ')" = $u ] ||
		    fail_log "child $k is $(ps -o user= -p $k), not $u"
		root=$(readlink /proc/$k/root)
		case $root in
		/var/empty|/var/run/racoon-ng.empty|/run/racoon-ng.empty) ;;
		/)	# The sanitizer pass: LeakSanitizer needs /proc.
			grep -q 'a sanitizer build: no chroot' rn.log ||
			    fail_log "child $k is not chrooted" ;;
		*) fail_log "child $k is not chrooted (root $root)" ;;
		esac
		grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$k/status ||
		    fail_log "child $k may gain privileges"
		grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/$k/status ||
		    fail_log "child $k has capabilities"
		grep -q '^CapPrm:[[:space:]]*0000000000000000' /proc/$k/status ||
		    fail_log "child $k has permitted capabilities"
		# The system call filter (not in the sanitizer pass).
		grep -q 'a sanitizer build: no system call filter' rn.log ||
		    grep -q '^Seccomp:[[:space:]]*2' /proc/$k/status ||
		    fail_log "child $k has no system call filter"
		# No sockets or files of the parent's came along.
		n=$(ls /proc/$k/fd | wc -l)
		[ $n -le 12 ] || fail_log "child $k holds $n descriptors"
	done
	# The parent's capabilities are intact (it binds and talks PF_KEY).
	grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/$RPID/status &&
	    fail_log "the parent lost its capabilities"
	# The ike process has the UDP sockets, the ca process none.
	ike=$(ps -o pid=,args= --ppid $RPID | awk '/ike/ { print $1 }')
	ca=$(ps -o pid=,args= --ppid $RPID | awk '/: ca/ { print $1 }')
	[ -n "$ike" ] && [ -n "$ca" ] || fail_log "process titles: $(ps -o \
	    args= --ppid $RPID)"
	grep -q "$(printf ':%04X ' $P1)" /proc/net/udp || fail_log "no socket"
	[ $(ls -l /proc/$ike/fd | grep -c socket) -ge 4 ] ||
	    fail_log "the ike process lacks its sockets"
	return 0
}
processes_cleanup()
{
	stop_all
}

atf_test_case show_flush cleanup
show_flush_head()
{
	atf_set "descr" "show-sa lists the SAs setkey added through sadbd" \
	    "(without keys), flush-sa removes them by type"
	atf_set "timeout" "60"
}
show_flush_body()
{
	mkconf
	start_sadbd
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	atf_check -s exit:0 -o inline:'No SAD entries.\n' $CTL show-sa esp
	sk -c <<'EOF' || fail_log "setkey"
add 127.0.0.1 127.0.0.2 esp 0x1001 -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha2-256 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff;
add 127.0.0.2 127.0.0.1 esp 0x1002 -m tunnel -E aes-gcm-16 0x00112233445566778899aabbccddeeff00112233;
add 127.0.0.1 127.0.0.2 ah 0x2001 -A hmac-sha1 0x0011223344556677889900112233445566778899;
EOF
	atf_check -s exit:0 -o save:esp.out $CTL ss esp
	grep -q '^127.0.0.1 127.0.0.2 $' esp.out || fail_log "no 1001 header"
	grep -q 'esp mode=any spi=4097(0x00001001)' esp.out ||
	    fail_log "no SA 0x1001: $(cat esp.out)"
	grep -q 'esp mode=tunnel spi=4098(0x00001002)' esp.out ||
	    fail_log "no SA 0x1002"
	grep -q 'E: aes-cbc (key not shown)' esp.out || fail_log "no E: line"
	grep -q 'A: hmac-sha2-256 (key not shown)' esp.out ||
	    fail_log "no A: line"
	grep -q 'E: aes-gcm-16 (key not shown)' esp.out ||
	    fail_log "no GCM line"
	grep -q '0011 2233\|00112233' esp.out && fail_log "a key was shown"
	grep -c 'spi=' esp.out | grep -qx 2 || fail_log "not 2 ESP SAs"
	atf_check -s exit:0 -o match:'ah mode=any spi=8193' $CTL ss ah
	atf_check -s exit:0 -o save:all.out $CTL ss ipsec
	grep -c 'spi=' all.out | grep -qx 3 || fail_log "not 3 SAs"
	# The shortcut and the long name agree.
	ctl show-sa esp | grep -v 'current:\|diff:' > long.out
	ctl ss esp | grep -v 'current:\|diff:' > short.out
	cmp -s long.out short.out || fail_log "ss and show-sa differ"
	# flush-sa esp: ESP gone (for setkey too), AH stays.
	atf_check -s exit:0 -o empty $CTL flush-sa esp
	atf_check -s exit:0 -o inline:'No SAD entries.\n' $CTL ss esp
	sk -D | grep -q 'esp mode' && fail_log "ESP left in sadbd"
	sk -D | grep -q 'ah mode' || fail_log "AH flushed too"
	atf_check -s exit:0 -o empty $CTL fs ipsec
	atf_check -s exit:0 -o inline:'No SAD entries.\n' $CTL ss ipsec
	grep -q 'control: flush-sa esp' rn.log || fail_log "flush not logged"
	# delete-sa between two hosts, both directions.
	sk -c <<'EOF' || fail_log "setkey"
add 127.0.0.1 127.0.0.2 esp 0x3001 -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha1 0x0011223344556677889900112233445566778899;
add 127.0.0.2 127.0.0.1 esp 0x3002 -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha1 0x0011223344556677889900112233445566778899;
add 127.0.0.1 127.0.0.3 esp 0x3003 -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha1 0x0011223344556677889900112233445566778899;
EOF
	atf_check -s exit:0 -o empty $CTL ds esp inet 127.0.0.2 127.0.0.1
	atf_check -s exit:0 -o save:left.out $CTL ss esp
	grep -q 'spi=12291' left.out || fail_log "0x3003 deleted too"
	grep -q 'spi=1228[9]\|spi=12290' left.out && fail_log "not deleted"
	atf_check -s exit:1 -e match:'no ESP SA between 127.0.0.2 and' \
	    $CTL ds esp inet 127.0.0.2 127.0.0.1
	atf_check -s exit:1 -e match:'not an inet address' \
	    $CTL ds esp inet ::1 127.0.0.1
	stop_racoon
}
show_flush_cleanup()
{
	stop_all
}

atf_test_case json cleanup
json_head()
{
	atf_set "descr" "-o json: every answer is JSON with the documented" \
	    "members (python3 -m json.tool parses it)"
	atf_set "timeout" "60"
}
json_body()
{
	command -v python3 >/dev/null || atf_skip "python3 is not installed"
	mkconf
	start_sadbd
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	sk -c <<'EOF' || fail_log "setkey"
add 127.0.0.1 127.0.0.2 esp 0x1001 -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha2-256 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff;
EOF
	for c in "ss esp" "ss ah" "ss ipsec" "ss isakmp" "sc" "fs ah" \
	    "rc"; do
		ctl -o json $c > j.out || fail_log "racoonctl -o json $c"
		python3 -m json.tool j.out > /dev/null ||
		    fail_log "not JSON from $c: $(cat j.out)"
	done
	ctl -o json ss esp > sa.json
	python3 - sa.json <<'EOF' || fail_log "members: $(cat sa.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "show-sa" and d["protocol"] == "esp", d
assert len(d["sa"]) == 1, d
sa = d["sa"][0]
assert sa["type"] == "sa" and sa["satype"] == "esp", sa
assert sa["spi"] == 0x1001 and sa["spi_hex"] == "0x00001001", sa
assert sa["src"]["address"] == "127.0.0.1", sa
assert sa["dst"]["address"] == "127.0.0.2", sa
assert sa["enc"] == "aes-cbc" and sa["auth"] == "hmac-sha2-256", sa
assert "enc_key" not in sa and "auth_key" not in sa, sa
EOF
	ctl -o json ss isakmp > isakmp.json
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert d["command"]=="show-sa" and d["protocol"]=="isakmp";
assert d["isakmp_sa"]==[]' isakmp.json || fail_log "isakmp JSON"
	# Failures are JSON too, and exit 1.
	atf_check -s exit:1 -o save:err.json -e match:'no ESP SA' \
	    $CTL -o json ds esp inet 127.0.0.9 127.0.0.2
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert d["status"]=="error" and d["error"]==3 and "no ESP SA" in d["message"]' \
	    err.json || fail_log "error JSON: $(cat err.json)"
	ctl -o json rc > rc.json
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert d["command"]=="reload-config" and d["status"]=="ok"' rc.json ||
	    fail_log "reload JSON: $(cat rc.json)"
	stop_racoon
}
json_cleanup()
{
	stop_all
}

atf_test_case reload cleanup
reload_head()
{
	atf_set "descr" "reload-config and SIGHUP load the file again; a" \
	    "broken file or PSK file keeps the configuration in force and" \
	    "says why"
	atf_set "timeout" "60"
}
reload_body()
{
	mkconf
	start_sadbd
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	ctl se > ev.out 2>&1 &
	echo $! >> pids
	wait_for "grep -q 'streams events' rn.log"
	atf_check -s exit:0 -o empty -e empty $CTL reload-config
	grep -q 'configuration 2 in force' rn.log || fail_log "not reloaded"
	cp r.conf good.conf
	echo 'remote 127.0.0.4 { bogus_statement on; }' >> r.conf
	atf_check -s exit:1 -e match:'r.conf:[0-9]+:[0-9]+: .*bogus' $CTL rc
	grep -q 'reload failed, the configuration in force stays' rn.log ||
	    fail_log "the failure was not logged"
	# Still running, still answering, the old sockets still bound.
	kill -0 $RPID || fail_log "racoon-ng died"
	atf_check -s exit:0 -o inline:'No SAD entries.\n' $CTL ss esp
	grep -q "$(printf ':%04X ' $P1)" /proc/net/udp ||
	    fail_log "the IKE socket went"
	# A PSK file others may read: refused the same way.
	cp good.conf r.conf
	chmod 644 psk.txt
	atf_check -s exit:1 -e match:'psk.txt' $CTL rc
	chmod 600 psk.txt
	# SIGHUP: the same as reload-config.
	kill -HUP $RPID
	wait_for "grep -q 'configuration 4 in force' rn.log"
	# A new listen address is opened on reload.
	sed -i 's/isakmp 127.0.0.1;/isakmp 127.0.0.1; isakmp 127.0.0.3;/' r.conf
	atf_check -s exit:0 $CTL rc
	wait_for "grep -q 'listening on 127.0.0.3' rn.log"
	wait_for "grep -q 'socket 3: udp ike 127.0.0.3' rn.log"
	wait_for "grep -q '^Configuration reloaded : ' ev.out"
	grep -q '^Configuration reload failed : .*bogus' ev.out ||
	    fail_log "no failure event: $(cat ev.out)"
	stop_racoon
}
reload_cleanup()
{
	stop_all
}

atf_test_case reload_log_level cleanup
reload_log_level_head()
{
	atf_set "descr" "a reload that changes the log statement changes" \
	    "the level of the ike and ca processes too, not only the parent's"
	atf_set "timeout" "60"
}
reload_log_level_body()
{
	mkconf
	sed -i '1i log notify;' r.conf
	start_sadbd
	ports
	"$RACOON" -F -f "$PWD/r.conf" -p $P1 -P $P2 \
	    -B "sadbd:$PWD/sadbd.sock" > rn.log 2>&1 &
	RPID=$!
	echo $RPID >> pids
	wait_for "[ -S ctl.sock ]"
	atf_check -s exit:0 -o empty -e empty $CTL reload-config
	# Level 0 everywhere: no debug line from any process.
	grep -q 'ike: configuration\|ca: keys of generation' rn.log &&
	    fail_log "debug lines at log notify"
	sed -i 's/^log notify;/log debug;/' r.conf
	atf_check -s exit:0 -o empty -e empty $CTL reload-config
	wait_for "grep -q 'ike: configuration 3 in force' rn.log"
	# The ca process commits the keys before it hears the new level.
	atf_check -s exit:0 -o empty -e empty $CTL reload-config
	wait_for "grep -q 'ike: configuration 4 in force' rn.log"
	wait_for "grep -q 'ca: keys of generation 4 in force' rn.log"
	sed -i 's/^log debug;/log notify;/' r.conf
	atf_check -s exit:0 -o empty -e empty $CTL reload-config
	atf_check -s exit:0 -o empty -e empty $CTL reload-config
	sleep 0.5
	grep -q 'ike: configuration [56]\|ca: keys of generation 6' \
	    rn.log && fail_log "the children still log at debug"
	stop_racoon
}
reload_log_level_cleanup()
{
	stop_all
}

atf_test_case afkey_limits cleanup
afkey_limits_head()
{
	atf_set "descr" "on Linux af_key (PFKEYKIT_TEST_AFKEY=1 here), an" \
	    "sainfo with AES-GCM or esn is refused at start and reload with" \
	    "its place; hmac_sha256 is warned about (96-bit ICV); other" \
	    "transports take all three"
	atf_set "timeout" "60"
}
afkey_limits_body()
{
	mkconf
	start_sadbd
	# hmac_sha256 (mkconf's sainfo): started, with the warning.
	export PFKEYKIT_TEST_AFKEY=1
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	unset PFKEYKIT_TEST_AFKEY
	grep -q 'r.conf:[0-9]*:[0-9]*: sainfo: Linux af_key truncates hmac_sha256 to a 96-bit ICV' \
	    rn.log || fail_log "no warning about hmac_sha256"
	# AES-GCM at reload: refused with the place, the old one stays.
	cp r.conf good.conf
	cat >> r.conf <<EOF
sainfo address 10.9.0.0/16 any address 10.8.0.0/16 any {
	encryption_algorithm aes_gcm_16 128;
	authentication_algorithm non_auth;
}
EOF
	atf_check -s exit:1 \
	    -e match:'r.conf:[0-9]+:[0-9]+: sainfo: Linux af_key cannot carry AEAD' \
	    $CTL reload-config
	stop_racoon
	# At start: refused, exit status 1, nothing left running.
	ports
	PFKEYKIT_TEST_AFKEY=1 "$RACOON" -F -f "$PWD/r.conf" -p $P1 -P $P2 \
	    -B "sadbd:$PWD/sadbd.sock" > start.out 2>&1 &&
	    fail_log "started with AES-GCM on af_key"
	grep -q 'cannot carry AEAD (AES-GCM); use -B xfrm' start.out ||
	    fail_log "start: $(cat start.out)"
	cp good.conf r.conf
	sed -i 's/^sainfo anonymous {/sainfo anonymous {\n\tesn on;/' r.conf
	PFKEYKIT_TEST_AFKEY=1 "$RACOON" -F -f "$PWD/r.conf" -p $P1 -P $P2 \
	    -B "sadbd:$PWD/sadbd.sock" > start.out 2>&1 &&
	    fail_log "started with esn on af_key"
	grep -q 'r.conf:[0-9]*:[0-9]*: sainfo: Linux af_key cannot carry extended sequence numbers' \
	    start.out || fail_log "start: $(cat start.out)"
	# The control: sadbd itself carries all of it.
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	grep -q 'af_key' rn.log && fail_log "af_key limits on sadbd"
	stop_racoon
}
afkey_limits_cleanup()
{
	stop_all
}

atf_test_case certificates cleanup
certificates_head()
{
	atf_set "descr" "the parent reads the remotes' certificates, CAs" \
	    "and CRLs at start and reload and hands them to the ike" \
	    "process as DER; a bad file stops the start or fails the" \
	    "reload, the key goes to the ca process"
	atf_set "timeout" "60"
}
certificates_body()
{
	sh "$(atf_get_srcdir)/cert/mkpki.sh" "$PWD/pki" > pki.log 2>&1 ||
	    atf_fail "mkpki.sh failed: $(tail -5 pki.log)"
	mkconf
	K="$PWD/pki"
	sed -i "s|^	exchange_mode main;|	exchange_mode main;\\
	certificate_type x509 \"$K/host2-chain.pem\" \"$K/host2.key\";\\
	ca_type x509 \"$K/cas.pem\";\\
	crl_file \"$K/root.crl\";\\
	peers_certfile x509 \"$K/host1.crt\";|" r.conf
	grep -q 'peers_certfile' r.conf || atf_fail "sed did not edit r.conf"
	cp r.conf good.conf
	start_sadbd
	# A CA file that holds no CA: the start stops, naming it.
	sed -i "s|ca_type x509 \"$K/cas.pem\"|ca_type x509 \"$K/host1.crt\"|" \
	    r.conf
	ports
	atf_check -s exit:1 -e match:'host1.crt' "$RACOON" -F -d \
	    -f "$PWD/r.conf" -p $P1 -P $P2 -B "sadbd:$PWD/sadbd.sock"
	cp good.conf r.conf
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	# host2-chain.pem: host2 and its intermediate; cas.pem: root and
	# intermediate; one CRL; the peer's certificate.
	wait_for "grep -q 'remote 127.0.0.2: our certificate, the peer.s \
certificate, 2 CAs, 1 CRLs' rn.log"
	# A CRL file that is not there: the reload fails, says why, and
	# the certificates in force stay.
	sed -i "s|crl_file \"$K/root.crl\"|crl_file \"$K/none.crl\"|" r.conf
	atf_check -s exit:1 -e match:'none.crl' $CTL rc
	grep -q 'reload failed, the configuration in force stays' rn.log ||
	    fail_log "the failure was not logged"
	# Both CRLs in one file, no peer's certificate: the new set.
	cat "$K/root.crl" "$K/inter.crl" > "$K/both.crl"
	sed -e "s|crl_file \"$K/root.crl\"|crl_file \"$K/both.crl\"|" \
	    -e '/peers_certfile/d' good.conf > r.conf
	atf_check -s exit:0 $CTL rc
	wait_for "grep -q 'remote 127.0.0.2: our certificate, 2 CAs, \
2 CRLs' rn.log"
	wait_for "grep -q 'keys of generation 2 in force' rn.log"
	grep -q 'no private key\|cannot sign' rn.log && fail_log "key refused"
	stop_racoon
}
certificates_cleanup()
{
	stop_all
}

atf_test_case events cleanup
events_head()
{
	atf_set "descr" "show-event streams an ACQUIRE sadbd raises for a" \
	    "policy without SA, and SA changes; the ike process gets the" \
	    "ACQUIRE with its policy; show-schedule lists its timers"
	atf_set "timeout" "60"
}
events_body()
{
	mkconf
	start_sadbd
	RACOON="$PROBE"
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	ctl show-event > ev.out 2>&1 &
	echo $! >> pids
	ctl -o json se > evj.out 2>&1 &
	echo $! >> pids
	wait_for "[ \$(grep -c 'streams events' rn.log) -eq 2 ]"
	sk -c <<'EOF' || fail_log "setkey"
spdadd 127.0.0.1 127.0.0.2 udp -P out ipsec esp/transport//require;
EOF
	"$ACQ" "$PWD/sadbd.sock" 127.0.0.1 127.0.0.2 17 ||
	    fail_log "acquire_helper"
	wait_for "grep -q '^ACQUIRE : 127.0.0.1 -> 127.0.0.2' ev.out"
	# The ike process got it, with the policy the parent found.
	wait_for "grep -q 'probe: ACQUIRE seq [0-9]* 127.0.0.1 -> 127.0.0.2 reqid 0 mode 1 spid [1-9]' rn.log"
	grep -q 'ACQUIRE seq [0-9]*: esp 127.0.0.1 -> 127.0.0.2, policy [1-9]' \
	    rn.log || fail_log "no policy id in the ACQUIRE"
	wait_for "grep -q '\"event\":\"acquire\"' evj.out"
	python3 - evj.out <<'EOF' || fail_log "JSON event: $(cat evj.out)"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
a = [e for e in ev if e["event"] == "acquire"]
assert a and a[0]["type"] == "event" and a[0]["code"] == 32, ev
assert a[0]["local"]["address"] == "127.0.0.1", a
assert a[0]["remote"]["address"] == "127.0.0.2", a
assert a[0]["satype"] == "esp" and a[0]["time"] > 1600000000, a
EOF
	# The ike process's timers.
	atf_check -s exit:0 -o match:'^index    tick     xtime    created$' \
	    -o match:'^[0-9]+ +(59|60) +[0-9]+ [0-9-]+ [0-9:]+ probe acquire 1$' \
	    $CTL show-schedule
	$CTL -o json sc > sc.json
	python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["timers"]
assert [x for x in t if x["what"]=="probe acquire 1" and
    55000 <= x["due_ms"] <= 60000], t' sc.json || fail_log "$(cat sc.json)"
	# SA changes are events too.
	sk -c <<'EOF' || fail_log "setkey"
add 127.0.0.1 127.0.0.2 esp 0x4001 -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha1 0x0011223344556677889900112233445566778899;
delete 127.0.0.1 127.0.0.2 esp 0x4001;
EOF
	wait_for "grep -q '^SA added : 127.0.0.1 -> 127.0.0.2 esp spi 0x00004001' \
	    ev.out"
	wait_for "grep -q '^SA deleted : 127.0.0.1 -> 127.0.0.2 esp spi 0x00004001' \
	    ev.out"
	atf_check -s exit:0 -o match:'^Destination +Cookies +Created$' \
	    $CTL ss isakmp
	stop_racoon
}
events_cleanup()
{
	stop_all
}

atf_test_case datagrams cleanup
datagrams_head()
{
	atf_set "descr" "the ike process reads both ports: datagrams reach" \
	    "the exchange layer with their addresses, the NAT-T marker" \
	    "stripped; keepalives and ESP on the NAT-T port do not"
	atf_set "timeout" "60"
}
datagrams_body()
{
	command -v python3 >/dev/null || atf_skip "python3 is not installed"
	mkconf
	start_sadbd
	RACOON="$PROBE"
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	python3 - $P1 $P2 <<'EOF' || fail_log "python"
import socket, struct, sys
p1, p2 = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 4999))
hdr = bytes(range(1, 9)) + bytes(8) + struct.pack("!BBBBII", 0, 0x10, 2, 0,
    0, 28)
s.sendto(hdr, ("127.0.0.1", p1))
s.sendto(b"not isakmp at all", ("127.0.0.1", p1))
# NAT-T: marker + header, a keepalive, an ESP-looking packet, a runt.
s.sendto(bytes(4) + hdr, ("127.0.0.1", p2))
s.sendto(b"\xff", ("127.0.0.1", p2))
s.sendto(b"\x00\x00\x10\x01" + bytes(40), ("127.0.0.1", p2))
s.sendto(b"\x00\x00", ("127.0.0.1", p2))
EOF
	wait_for "[ \$(grep -c 'probe: recv' rn.log) -ge 3 ]"
	sleep 0.2
	grep -q "probe: recv 28 bytes from 127.0.0.2\[4999\] to 127.0.0.1\[$P1\] natt 0 sock 1: 01020304" \
	    rn.log || fail_log "the IKE datagram"
	grep -q "probe: recv 17 bytes from 127.0.0.2\[4999\] to 127.0.0.1\[$P1\] natt 0 sock 1: 6e6f7420" \
	    rn.log || fail_log "the other datagram"
	grep -q "probe: recv 28 bytes from 127.0.0.2\[4999\] to 127.0.0.1\[$P2\] natt 1 sock 2: 01020304" \
	    rn.log || fail_log "the NAT-T datagram (marker not stripped?)"
	# Only those: the keepalive, the ESP and the runt went nowhere.
	[ $(grep -c 'probe: recv' rn.log) -eq 3 ] ||
	    fail_log "$(grep 'probe: recv' rn.log)"
	stop_racoon
}
datagrams_cleanup()
{
	stop_all
}

atf_test_case sigterm cleanup
sigterm_head()
{
	atf_set "descr" "SIGTERM: the three processes exit, the control" \
	    "socket and the pid file go, no SA is flushed"
	atf_set "timeout" "60"
}
sigterm_body()
{
	mkconf
	start_sadbd
	sk -c <<'EOF' || fail_log "setkey"
add 127.0.0.1 127.0.0.2 esp 0x1001 -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha1 0x0011223344556677889900112233445566778899;
EOF
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	kids=$(children)
	kill -TERM $RPID
	wait $RPID || fail_log "exit status $?"
	for k in $kids; do
		kill -0 $k 2>/dev/null && fail_log "child $k still runs"
	done
	[ ! -e ctl.sock ] || fail_log "control socket left behind"
	[ ! -e racoon-ng.pid ] || fail_log "pid file left behind"
	sk -D | grep -q 'spi=4097' || fail_log "an SA was flushed"
	# A second daemon on the same control socket is refused.
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	atf_check -s exit:1 -e match:'in use|already running' "$RACOON" -F \
	    -f "$PWD/r.conf" -p $((P1 + 2)) -P $((P1 + 3)) \
	    -B "sadbd:$PWD/sadbd.sock"
	kill -INT $RPID
	wait $RPID || fail_log "exit status $? on SIGINT"
	grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error' rn.log &&
	    fail_log "a sanitizer report in rn.log"
	return 0
}
sigterm_cleanup()
{
	stop_all
}

atf_test_case xfrm cleanup
xfrm_head()
{
	atf_set "descr" "on Linux XFRM (a namespace of its own): per-socket" \
	    "bypass policies on every socket, ESP-in-UDP on the NAT-T one;" \
	    "a packet's ACQUIRE reaches show-event and the ike process;" \
	    "GETSPI and generated policies reach the kernel, UPDATE and ADD" \
	    "fail with the kernel's reason (the host kernel has no ESP)"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
xfrm_body()
{
	[ "$(uname -s)" = Linux ] || atf_skip "XFRM is Linux's"
	command -v unshare >/dev/null || atf_skip "no unshare(1)"
	command -v python3 >/dev/null || atf_skip "python3 is not installed"
	unshare -n true 2>/dev/null || atf_skip "cannot make a namespace"
	mkconf
	# Us and the peer on a veth: traffic over lo bypasses IPsec (lo's
	# noxfrm setting).
	sed -i 's/127\.0\.0\.1/10.99.0.1/g; s/127\.0\.0\.2/10.99.0.2/g' r.conf psk.txt
	ports
	cat > run.sh <<EOF
ip link set lo up
ip link add v0 type veth peer name v1 || exit 10
ip addr add 10.99.0.1/24 dev v0
ip link set v0 up
ip link set v1 up
PROBE_PEER_PORT=9 "$PROBE" -F -d -f "$PWD/r.conf" -p $P1 -P $P2 -B xfrm \\
    > rn.log 2>&1 &
echo \$! > rn.pid
i=0
until grep -q 'keys of generation 1' rn.log; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 11; sleep 0.01
done
ip xfrm policy list > socketpol.out
"$SETKEY" -B xfrm -c <<'EOS' || exit 12
spdadd 10.99.0.1 10.99.0.2 udp -P out ipsec esp/transport//unique:7;
EOS
"$RACOONCTL" -s "$PWD/ctl.sock" se > ev.out 2>&1 &
echo \$! > ev.pid
i=0
until grep -q 'streams events' rn.log; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 17; sleep 0.01
done
python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"x", ("10.99.0.2", 9))
except OSError:
    pass'
i=0
until grep -q 'probe: done' rn.log; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 13; sleep 0.01
done
ip xfrm policy list > pol.out
ip xfrm state list > state.out
"$RACOONCTL" -s "$PWD/ctl.sock" ss esp > ss.out || exit 14
"$RACOONCTL" -s "$PWD/ctl.sock" fs esp || exit 15
ip xfrm state list > flushed.out
kill \$(cat ev.pid)
kill -TERM \$(cat rn.pid)
wait \$(cat rn.pid) || exit 16
EOF
	unshare -n sh run.sh
	rc=$?
	[ $rc -eq 0 ] || fail_log "run.sh: exit $rc; $(cat ev.out 2>/dev/null)"
	grep -q 'transport xfrm' rn.log || fail_log "not on XFRM"
	# Two directions for each of the two sockets.
	[ $(grep -c 'socket in' socketpol.out) -eq 2 ] ||
	    fail_log "socket policies: $(cat socketpol.out)"
	[ $(grep -c 'socket out' socketpol.out) -eq 2 ] ||
	    fail_log "socket policies: $(cat socketpol.out)"
	grep -q '(ESP-in-UDP)' rn.log || fail_log "no UDP_ENCAP on 4500"
	grep -q '^ACQUIRE : 10.99.0.1 -> 10.99.0.2' ev.out ||
	    fail_log "$(cat ev.out)"
	# The ike process got it with the policy's reqid (7) and mode.
	grep -q 'probe: ACQUIRE seq [0-9]* 10.99.0.1 -> 10.99.0.2 reqid 7 mode 1 spid [1-9]' \
	    rn.log || fail_log "no ACQUIRE in the ike process"
	grep 'probe: ' rn.log > probe.out
	grep -q 'forged UPDATE: refused (1)' probe.out || fail_log "forged"
	spi=$(sed -n 's/.*GETSPI: ok: spi 0x\([0-9a-f]*\).*/\1/p' probe.out)
	[ -n "$spi" ] || fail_log "GETSPI: $(cat probe.out)"
	# The kernel has no ESP: refused with its words, nothing installed.
	grep -q 'probe: UPDATE: refused ([0-9]*): UPDATE: ' probe.out ||
	    fail_log "UPDATE: $(cat probe.out)"
	grep -q 'probe: ADD: refused ([0-9]*): ADD: ' probe.out ||
	    fail_log "ADD: $(cat probe.out)"
	grep -q 'policy out: ok' probe.out && grep -q 'policy in: ok' \
	    probe.out || fail_log "policies: $(cat probe.out)"
	grep -q 'send ike: ok' probe.out && grep -q 'send natt: ok' \
	    probe.out || fail_log "sends: $(cat probe.out)"
	# In the kernel: the allocated SPI's larval state, the policies.
	grep -q "proto esp spi 0x0*$spi " state.out ||
	    fail_log "no larval state 0x$spi: $(cat state.out)"
	grep -A1 'src 10.99.0.1/32 dst 10.99.0.2/32 proto tcp' pol.out |
	    grep -q 'dir out' || fail_log "no generated out policy"
	grep -A1 'src 10.99.0.2/32 dst 10.99.0.1/32 proto tcp' pol.out |
	    grep -q 'dir in' || fail_log "no generated in policy"
	# A tunnel's fwd policy, from the peer to us.
	awk '/^src /{if (b != "") print b; b = $0; next} {b = b " " $0}
	    END {print b}' pol.out | grep 'dir fwd' > fwd.out
	grep -q 'src 10.99.0.2/32 dst 10.99.0.1/32 proto tcp .*tmpl src 10.99.0.2 dst 10.99.0.1 .*mode tunnel' \
	    fwd.out || fail_log "no generated fwd policy: $(cat pol.out)"
	# show-sa through XFRM: the ACQUIRE's and GETSPI's larval SAs.
	grep -q "spi=$((0x$spi))(0x0*$spi)" ss.out &&
	    grep -q 'state=larval' ss.out || fail_log "$(cat ss.out)"
	grep -q 'proto esp' flushed.out && fail_log "flush-sa esp left SAs"
	grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error' rn.log &&
	    fail_log "a sanitizer report"
	return 0
}
xfrm_cleanup()
{
	[ -f rn.pid ] && kill -KILL $(cat rn.pid) 2>/dev/null
	[ -f ev.pid ] && kill -KILL $(cat ev.pid) 2>/dev/null
	return 0
}

atf_test_case relay cleanup
relay_head()
{
	atf_set "descr" "with sadbd's data plane owning port 4500 (sadbd" \
	    "-K), racoon-ng -K takes the port's IKE datagrams from the relay" \
	    "and the ike process reads them as from a socket of its own"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
relay_body()
{
	[ "$(uname -s)" = Linux ] || atf_skip "the test uses Linux's ip(8)"
	[ -c /dev/net/tun ] || atf_skip "no /dev/net/tun"
	command -v unshare >/dev/null || atf_skip "no unshare(1)"
	command -v python3 >/dev/null || atf_skip "python3 is not installed"
	unshare -n true 2>/dev/null || atf_skip "cannot make a namespace"
	mkconf
	ports
	# In a namespace of its own: sadbd's data plane binds port 4500 on
	# every address there.
	cat > run.sh <<EOF
ip link set lo up
ip tuntap add dev tun0 mode tun multi_queue || exit 10
ip link set tun0 up
"$SADBD" -F -d -J off -s "$PWD/sadbd.sock" -i tun0 -K "$PWD/relay.sock" \\
    > sadbd.log 2>&1 &
echo \$! > sadbd.pid
i=0
until [ -S relay.sock ] && [ -S sadbd.sock ]; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 11; sleep 0.01
done
"$PROBE" -F -d -f "$PWD/r.conf" -p $P1 -P 4500 \\
    -B "sadbd:$PWD/sadbd.sock" -K "$PWD/relay.sock" > rn.log 2>&1 &
echo \$! > rn.pid
i=0
until grep -q 'keys of generation 1' rn.log; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 12; sleep 0.01
done
python3 "$PWD/send.py" || exit 13
i=0
until grep -q 'probe: recv' rn.log; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 14; sleep 0.01
done
kill -TERM \$(cat rn.pid)
wait \$(cat rn.pid) || exit 15
kill -TERM \$(cat sadbd.pid)
wait \$(cat sadbd.pid)
EOF
	# To the data plane's port 4500: the non-ESP marker, then IKE.
	cat > send.py <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 0))
hdr = bytes(range(1, 9)) + bytes(8) + bytes([0, 0x10, 2, 0]) + bytes(4) + \
    (28).to_bytes(4, "big")
s.sendto(bytes(4) + hdr, ("127.0.0.1", 4500))
EOF
	unshare -n sh run.sh
	rc=$?
	[ $rc -eq 0 ] || fail_log "run.sh: exit $rc"
	grep -q "listening on sadbd's IKE relay for \*\[4500\]" rn.log ||
	    fail_log "the relay was not used"
	grep -q 'socket 2: sadbd relay nat-t' rn.log ||
	    fail_log "the ike process did not get the relay"
	# The parent bound no NAT-T socket of its own.
	grep -q 'listening on 127.0.0.1\[4500\]' rn.log &&
	    fail_log "port 4500 bound although the relay has it"
	# The datagram, marker stripped, from the peer's address and port,
	# to ours on the data plane's port, as a NAT-T datagram.
	grep -q 'probe: recv 28 bytes from 127.0.0.2\[[0-9]*\] to 127.0.0.1\[4500\] natt 1 sock 2: 01020304' \
	    rn.log || fail_log "the relayed datagram was not read"
	grep -q 'ike relay: client pid [0-9]* uid 0 connected' sadbd.log ||
	    fail_log "racoon-ng did not connect to the relay"
	grep -q 'relay_in=1 ' sadbd.log || fail_log "sadbd relayed nothing"
	grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error' rn.log sadbd.log &&
	    fail_log "a sanitizer report"
	return 0
}
relay_cleanup()
{
	[ -f rn.pid ] && kill -KILL $(cat rn.pid) 2>/dev/null
	[ -f sadbd.pid ] && kill -KILL $(cat sadbd.pid) 2>/dev/null
	return 0
}

atf_test_case relay_port cleanup
relay_port_head()
{
	atf_set "descr" "with the data plane and racoon-ng on a NAT-T port" \
	    "other than 4500 (sadbd -U, racoon-ng -P), the ike process learns" \
	    "the relay's port and sends through it from that port"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
relay_port_body()
{
	[ "$(uname -s)" = Linux ] || atf_skip "the test uses Linux's ip(8)"
	[ -c /dev/net/tun ] || atf_skip "no /dev/net/tun"
	command -v unshare >/dev/null || atf_skip "no unshare(1)"
	command -v python3 >/dev/null || atf_skip "python3 is not installed"
	unshare -n true 2>/dev/null || atf_skip "cannot make a namespace"
	mkconf
	ports
	NP=14500
	cat > run.sh <<EOF
ip link set lo up
ip tuntap add dev tun0 mode tun multi_queue || exit 10
ip link set tun0 up
python3 "$PWD/listen.py" > listen.out 2>&1 &
echo \$! > listen.pid
i=0
until [ -s listen.out ]; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 16; sleep 0.01
done
"$SADBD" -F -d -J off -s "$PWD/sadbd.sock" -i tun0 -U $NP \\
    -K "$PWD/relay.sock" > sadbd.log 2>&1 &
echo \$! > sadbd.pid
i=0
until [ -S relay.sock ] && [ -S sadbd.sock ]; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 11; sleep 0.01
done
PROBE_PEER_PORT=4999 "$PROBE" -F -d -f "$PWD/r.conf" -p $P1 -P $NP \\
    -B "sadbd:$PWD/sadbd.sock" -K "$PWD/relay.sock" > rn.log 2>&1 &
echo \$! > rn.pid
i=0
until grep -q 'keys of generation 1' rn.log; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 17; sleep 0.01
done
echo 'spdadd 127.0.0.1 127.0.0.2 udp -P out ipsec esp/transport//unique:7;' |
    SADBD_SOCKET="$PWD/sadbd.sock" "$SETKEY" -B sadbd -c || exit 18
"$ACQ" "$PWD/sadbd.sock" 127.0.0.1 127.0.0.2 17 || exit 19
i=0
until grep -q 'probe: send natt: ' rn.log; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 12; sleep 0.01
done
i=0
until grep -q 'from ' listen.out; do
	i=\$((i + 1)); [ \$i -gt 300 ] && break; sleep 0.01
done
kill -TERM \$(cat rn.pid)
wait \$(cat rn.pid) || exit 15
kill -TERM \$(cat sadbd.pid)
wait \$(cat sadbd.pid)
kill -TERM \$(cat listen.pid) 2>/dev/null
exit 0
EOF
	# The test's peer: what reaches 127.0.0.2[4999], and from where.
	cat > listen.py <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 4999))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(2048)
    print("from %s %d %s" % (a[0], a[1], d.hex()), flush=True)
EOF
	unshare -n sh run.sh
	rc=$?
	[ $rc -eq 0 ] || fail_log "run.sh: exit $rc"
	grep -q "socket 2: sadbd relay nat-t" rn.log ||
	    fail_log "the ike process did not get the relay"
	grep -q 'probe: send natt: ok' rn.log ||
	    fail_log "the send through the relay failed"
	# The non-ESP marker and the message, from the data plane's port.
	grep -qx "from 127.0.0.1 $NP 00000000$(printf probe-natt | od -An -tx1 |
	    tr -d ' \n')" listen.out ||
	    fail_log "not received from port $NP: $(cat listen.out)"
	grep -q 'relay_out=1 ' sadbd.log || fail_log "sadbd relayed nothing out"
	grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error' rn.log sadbd.log &&
	    fail_log "a sanitizer report"
	return 0
}
relay_port_cleanup()
{
	[ -f rn.pid ] && kill -KILL $(cat rn.pid) 2>/dev/null
	[ -f sadbd.pid ] && kill -KILL $(cat sadbd.pid) 2>/dev/null
	[ -f listen.pid ] && kill -KILL $(cat listen.pid) 2>/dev/null
	return 0
}

atf_test_case control_credentials cleanup
control_credentials_head()
{
	atf_set "descr" "the control socket checks the connecting process's" \
	    "credentials (SO_PEERCRED, SO_PEERGROUPS) besides its file mode:" \
	    "with mode 0666, root, members of its group (primary or" \
	    "supplementary) get in, another user outside the group does not"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
control_credentials_body()
{
	command -v setpriv >/dev/null || atf_skip "no setpriv(1)"
	getent passwd nobody >/dev/null || atf_skip "no user nobody"
	getent group nogroup >/dev/null || atf_skip "no group nogroup"
	getent group daemon >/dev/null || atf_skip "no group daemon"
	ng=$(getent group nogroup | cut -d: -f3)
	dg=$(getent group daemon | cut -d: -f3)
	# A directory everybody can reach (the work directory is 0700).
	U=$(mktemp -d /tmp/racoon-ng-test.XXXXXX) || atf_fail "mktemp"
	echo "$U" > udir
	chmod 755 "$U"
	cd "$U"
	mkconf
	sed -i "s/\"$(id -un)\" \"$(id -gn)\" 0600/\"root\" \"nogroup\" 0666/" \
	    r.conf
	grep -q '"root" "nogroup" 0666' r.conf || atf_fail "no adminsock line"
	chmod 644 r.conf
	start_sadbd
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	[ "$(stat -c %a ctl.sock)" = 666 ] || fail_log "mode $(stat -c %a ctl.sock)"
	as()
	{
		setpriv --reuid "$1" --regid "$2" $3 \
		    "$RACOONCTL" -s "$U/ctl.sock" ss isakmp
	}
	# root.
	"$RACOONCTL" -s "$U/ctl.sock" ss isakmp > root.out 2>&1 ||
	    fail_log "root refused: $(cat root.out)"
	# nobody in group nogroup, primary and supplementary.
	as nobody "$ng" --clear-groups > ng.out 2>&1 ||
	    fail_log "nobody:nogroup refused: $(cat ng.out)"
	as nobody "$dg" "--groups $ng" > sup.out 2>&1 ||
	    fail_log "nobody with nogroup beside refused: $(cat sup.out)"
	grep -q 'refused' rn.log && fail_log "a member was refused"
	# nobody outside the group: the mode lets it connect, its
	# credentials do not.
	as nobody "$dg" --clear-groups > out.out 2>&1 &&
	    fail_log "nobody:daemon got in: $(cat out.out)"
	wait_for "grep -q 'control: uid 65534 gid $dg refused' rn.log"
	as daemon "$dg" --clear-groups > d.out 2>&1 &&
	    fail_log "daemon:daemon got in: $(cat d.out)"
	wait_for "grep -q 'control: uid [0-9]* gid $dg refused: not root, the owner (uid 0) or in the group (gid $ng)' rn.log"
	# The daemon still serves root afterwards.
	"$RACOONCTL" -s "$U/ctl.sock" ss isakmp > root2.out 2>&1 ||
	    fail_log "root refused afterwards"
	stop_racoon
}
control_credentials_cleanup()
{
	[ -f udir ] || return 0
	U=$(cat udir)
	(cd "$U" 2>/dev/null && stop_all)
	case "$U" in
	/tmp/racoon-ng-test.*) rm -rf "$U" ;;
	esac
	return 0
}

atf_test_case unprivileged cleanup
unprivileged_head()
{
	atf_set "descr" "racoon-ng, sadbd and racoonctl run by a user who is" \
	    "not root: on unprivileged ports, with nothing to drop"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
unprivileged_body()
{
	command -v setpriv >/dev/null || atf_skip "no setpriv(1)"
	getent passwd nobody >/dev/null || atf_skip "no user nobody"
	# A directory nobody can reach (the work directory is root's, 0700).
	U=$(mktemp -d /tmp/racoon-ng-test.XXXXXX) || atf_fail "mktemp"
	echo "$U" > udir
	chmod 755 "$U"
	cd "$U"
	mkconf
	sed -i "s/\"$(id -un)\" \"$(id -gn)\" 0600/\"nobody\" \"$(id -gn nobody)\" 0600/" \
	    r.conf
	ports
	cat > run.sh <<EOF
"$SADBD" -F -J off -s "$U/sadbd.sock" > sadbd.log 2>&1 &
echo \$! > sadbd.pid
i=0
until [ -S sadbd.sock ]; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 10; sleep 0.01
done
"$RACOON" -F -d -f "$U/r.conf" -p $P1 -P $P2 -B "sadbd:$U/sadbd.sock" \\
    > rn.log 2>&1 &
echo \$! > rn.pid
i=0
until grep -q 'keys of generation 1' rn.log; do
	i=\$((i + 1)); [ \$i -gt 500 ] && exit 11; sleep 0.01
done
SADBD_SOCKET="$U/sadbd.sock" "$SETKEY" -B sadbd -c <<'EOS' || exit 12
add 127.0.0.1 127.0.0.2 esp 0x1001 -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha1 0x0011223344556677889900112233445566778899;
EOS
"$RACOONCTL" -s "$U/ctl.sock" ss esp > ss.out || exit 13
ps -o user= --ppid \$(cat rn.pid) > users.out
kill -TERM \$(cat rn.pid)
wait \$(cat rn.pid) || exit 14
kill -TERM \$(cat sadbd.pid)
wait \$(cat sadbd.pid)
EOF
	chown -R nobody "$U"
	setpriv --reuid nobody --regid "$(id -g nobody)" --clear-groups \
	    sh run.sh
	rc=$?
	[ $rc -eq 0 ] || fail_log "run.sh: exit $rc"
	grep -q 'not running as root' rn.log || fail_log "no notice"
	grep -q 'spi=4097' ss.out || fail_log "no SA: $(cat ss.out)"
	[ "$(sort -u users.out | tr -d ' ')" = nobody ] ||
	    fail_log "children: $(cat users.out)"
	[ ! -e ctl.sock ] || fail_log "control socket left"
	return 0
}
unprivileged_cleanup()
{
	[ -f udir ] || return 0
	U=$(cat udir)
	for f in "$U/rn.pid" "$U/sadbd.pid"; do
		[ -f "$f" ] && kill -KILL $(cat "$f") 2>/dev/null
	done
	case "$U" in
	/tmp/racoon-ng-test.*) rm -rf "$U" ;;
	esac
	return 0
}

atf_test_case parent_checks cleanup
parent_checks_head()
{
	atf_set "descr" "through the real frame (probe_helper: the daemon" \
	    "with a test exchange layer), forged requests of the ike process" \
	    "are refused and honest ones reach sadbd: GETSPI, UPDATE with" \
	    "NAT-T, reqid and jittered soft lifetimes, ADD, generated" \
	    "policies, INITIAL-CONTACT; the ca process computes prf(psk)" \
	    "and signs with the certificate_type key; the parent's" \
	    "certificates, CAs and CRLs reach the ike process"
	atf_set "timeout" "60"
}
parent_checks_body()
{
	command -v python3 >/dev/null || atf_skip "python3 is not installed"
	mkconf
	# Certificates for the ike process and a key for the ca process;
	# the peer's certificate (peers_certfile) is a revoked one.
	sh "$(atf_get_srcdir)/cert/mkpki.sh" "$PWD/pki" > pki.log 2>&1 ||
	    atf_fail "mkpki.sh failed: $(tail -5 pki.log)"
	K="$PWD/pki"
	sed -i "s|^	exchange_mode main;|	exchange_mode main;\\
	certificate_type x509 \"$K/host2-chain.pem\" \"$K/host2.key\";\\
	ca_type x509 \"$K/cas.pem\";\\
	crl_file \"$K/root.crl\";\\
	peers_certfile x509 \"$K/revoked.crt\";|" r.conf
	grep -q 'peers_certfile' r.conf || atf_fail "sed did not edit r.conf"
	start_sadbd
	RACOON="$(atf_get_srcdir)/probe_helper"
	ports
	# A peer listening on 127.0.0.2 for what the probe sends.
	python3 - $((P1 + 2)) > peer.out 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", int(sys.argv[1])))
s.settimeout(20)
print("ready", flush=True)
for i in range(2):
    data, src = s.recvfrom(2048)
    print("%s %d %s" % (src[0], src[1], data.hex()), flush=True)
EOF
	echo $! >> pids
	wait_for "grep -q ready peer.out"
	PROBE_PEER_PORT=$((P1 + 2))
	export PROBE_PEER_PORT
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	sk -c <<'EOF' || fail_log "setkey"
spdadd 127.0.0.1 127.0.0.2 udp -P out ipsec esp/transport//unique:7;
EOF
	"$ACQ" "$PWD/sadbd.sock" 127.0.0.1 127.0.0.2 17 ||
	    fail_log "acquire_helper"
	wait_for "grep -q 'probe: done' rn.log"
	grep 'probe: ' rn.log > probe.out
	expect()
	{
		grep -qE "^ike: probe: $1" probe.out ||
		    fail_log "no 'probe: $1' in: $(cat probe.out)"
	}
	expect 'forged UPDATE: refused \(1\): SPI 0x00000777 was not allocated'
	expect 'GETSPI: ok: spi 0x'
	expect 'UPDATE with SHA1: refused \(1\): integrity algorithm hmac-sha1 is not allowed by the configuration'
	expect 'UPDATE: ok'
	expect 'ADD: ok'
	expect 'second ADD: refused \(1\): .*has its outbound SA already'
	expect 'ADD to a stranger: refused \(1\): no remote allows the peer 127.0.0.9'
	expect 'policy out: ok'
	expect 'policy in: ok'
	expect 'policy fwd: ok'
	expect 'ADD with NAT-OA: refused \(22\): NAT-OA without NAT-T'
	expect 'foreign tunnel policy: refused \(1\): tunnel endpoints'
	expect 'PRF of an unknown peer: refused \(2\)'
	expect 'SIGN: ok: 256 bytes'
	expect 'SIGN for a remote without a key: refused \(2\)'
	expect 'certs: ours C=DE, O=pfkeykit test, OU=gateways, CN=gw2.example.org \(2 in chain\), 2 CAs, 1 CRLs, the peer.s given'
	expect 'our certificate: ok'
	expect 'the peer.s certificate: refused \([0-9]+\): .*is revoked'
	expect 'signature: ok'
	expect 'changed signature: refused \(1\)'
	expect 'send ike: ok'
	expect 'send natt: ok'
	expect 'endpoint of another family: refused \(2\)'
	# From the IKE port as it is; from the NAT-T port after the marker.
	wait_for "[ \$(wc -l < peer.out) -ge 3 ]"
	grep -qx "127.0.0.1 $P1 $(printf probe-ike | od -An -tx1 | tr -d ' \n')" \
	    peer.out || fail_log "IKE port: $(cat peer.out)"
	grep -qx "127.0.0.1 $P2 00000000$(printf probe-natt | od -An -tx1 |
	    tr -d ' \n')" peer.out || fail_log "NAT-T port: $(cat peer.out)"
	grep -q 'refused UPDATE from the ike process: SPI 0x00000777' rn.log ||
	    fail_log "the parent did not log the forged UPDATE"
	# SKEYID-style prf(PSK, data): HMAC-SHA1 with the test's PSK.
	want=$(python3 -c 'import hmac; print(hmac.new(
b"a-secret-of-the-test", b"nonces", "sha1").hexdigest())')
	expect "PRF: ok: $want"
	grep -q "$want" psk.txt && fail_log "test bug"
	# The PSK never reached the log.
	grep -q 'a-secret-of-the-test' rn.log && fail_log "the PSK was logged"
	spi=$(sed -n 's/.*GETSPI: ok: spi 0x\([0-9a-f]*\).*/\1/p' probe.out)
	sk -D -o json > sa.json
	python3 - sa.json $spi $P2 <<'EOF' || fail_log "SAs: $(cat sa.json)"
import json, sys
sas = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
spi, natt = int(sys.argv[2], 16), int(sys.argv[3])
by = {s["spi"]: s for s in sas}
i, o = by[spi], by[0x5001]
assert len(sas) == 2, sas
assert i["src"]["address"] == "127.0.0.2" and i["dst"]["address"] == "127.0.0.1"
assert o["src"]["address"] == "127.0.0.1" and o["dst"]["address"] == "127.0.0.2"
for s in (i, o):
    assert s["state"] == "mature" and s["mode"] == "transport", s
    assert s["reqid"] == 7, s
    assert s["enc"] == "aes-cbc" and s["auth"] == "hmac-sha2-256", s
    lt = s["lifetime"]
    assert lt["hard"]["addtime"] == 3600 and lt["hard"]["bytes"] == 1000000
    # The parent's soft lifetimes: 80 to 90 % of the hard ones.
    assert 2880 <= lt["soft"]["addtime"] <= 3240, lt
    assert 800000 <= lt["soft"]["bytes"] <= 900000, lt
assert i["natt"]["type"] == 2 and i["natt"]["sport"] == 4500, i
assert i["natt"]["dport"] == natt, i
# NAT-OA (RFC 3947 5.2): Linux's one OA is the peer's original address.
assert i["natt"]["oa"] == "192.168.7.2" and "oar" not in i["natt"], i
assert "natt" not in o, o
EOF
	sk -DP > sp.out
	grep -q '^127.0.0.1\[any\] 127.0.0.2\[any\] tcp' sp.out &&
	    grep -q '^127.0.0.2\[any\] 127.0.0.1\[any\] tcp' sp.out ||
	    fail_log "generated policies: $(cat sp.out)"
	# establish-sa -w waits for the event (the probe sends it at once).
	atf_check -s exit:0 \
	    -o match:'^Phase 2 established : 127.0.0.1 -> 127.0.0.2 esp spi 0x00004242' \
	    $CTL es -w esp inet 127.0.0.1 127.0.0.2
	# racoon's phase 1 listing (the probe has one made-up SA).
	atf_check -s exit:0 -o save:ph1.out $CTL ss isakmp
	grep -qE '^127.0.0.2.500 +0102030405060708:1112131415161718 2023-11-1[45] ' \
	    ph1.out || fail_log "$(cat ph1.out)"
	atf_check -s exit:0 \
	    -o match:'0102030405060708:1112131415161718  9 I 10 M ' \
	    $CTL -l ss isakmp
	$CTL -o json ss isakmp > ph1.json
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["isakmp_sa"]
assert len(s)==1 and s[0]["cookies"]=="0102030405060708:1112131415161718"
assert s[0]["remote"]=={"address":"127.0.0.2","port":500} and s[0]["phase2"]==2' \
	    ph1.json || fail_log "$(cat ph1.json)"
	# delete-sa isakmp: INITIAL-CONTACT, then the policies go.
	atf_check -s exit:0 $CTL ds isakmp inet 127.0.0.1 127.0.0.2
	wait_for "grep -q 'probe: deleted' rn.log"
	grep 'probe: ' rn.log > probe.out
	expect 'INITIAL-CONTACT: ok: .*\(count 2\)'
	expect 'policy out deleted: ok'
	expect 'policy in deleted: ok'
	expect 'policy fwd deleted: ok'
	expect 'policy deleted twice: refused \(1\): not a policy racoon-ng generated'
	sk -D | grep -q 'esp mode' && fail_log "SAs left: $(sk -D)"
	sk -DP | grep -q ' tcp' && fail_log "policies left"
	sk -DP | grep -q ' udp' || fail_log "the administrator's policy went"
	stop_racoon
}
parent_checks_cleanup()
{
	stop_all
}

atf_test_case wildcard cleanup
wildcard_head()
{
	atf_set "descr" "without listen addresses: wildcard sockets of both" \
	    "families on both ports; each datagram's local address comes" \
	    "from the packet (IPv4 and IPv6), and answers leave from it;" \
	    "-4 leaves IPv6 out"
	atf_set "timeout" "60"
}
wildcard_body()
{
	command -v python3 >/dev/null || atf_skip "python3 is not installed"
	python3 -c 'import socket; s = socket.socket(socket.AF_INET6,
socket.SOCK_DGRAM); s.bind(("::1", 0))' 2>/dev/null || atf_skip "no ::1"
	mkconf
	sed -i '/isakmp 127.0.0.1;/d; /isakmp_natt 127.0.0.1;/d' r.conf
	start_sadbd
	ports
	# A peer on 127.0.0.2 for the probe's answers.
	python3 - $((P1 + 2)) > peer.out 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", int(sys.argv[1])))
s.settimeout(20)
print("ready", flush=True)
for i in range(2):
    data, src = s.recvfrom(2048)
    print("%s %d %s" % (src[0], src[1], data.hex()), flush=True)
EOF
	echo $! >> pids
	wait_for "grep -q ready peer.out"
	PROBE_PEER_PORT=$((P1 + 2))
	export PROBE_PEER_PORT
	RACOON="$PROBE"
	start_racoon -B "sadbd:$PWD/sadbd.sock"
	for a in "0.0.0.0\[$P1\]" "0.0.0.0\[$P2\] (ESP-in-UDP)\|0.0.0.0\[$P2\]$" \
	    "::\[$P1\]" "::\[$P2\]"; do
		grep -q "listening on $a" rn.log || fail_log "not on $a"
	done
	python3 - $P1 $P2 <<'EOF' || fail_log "python"
import socket, sys
p1, p2 = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 4999))
s.sendto(b"four", ("127.0.0.3", p1))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.bind(("::1", 4999))
s6.sendto(b"six!", ("::1", p1))
s6.sendto(bytes(4) + b"six!", ("::1", p2))
EOF
	wait_for "[ \$(grep -c 'probe: recv' rn.log) -ge 3 ]"
	grep -q "probe: recv 4 bytes from 127.0.0.2\[4999\] to 127.0.0.3\[$P1\] natt 0" \
	    rn.log || fail_log "IPv4 local address"
	grep -q "probe: recv 4 bytes from ::1\[4999\] to ::1\[$P1\] natt 0" \
	    rn.log || fail_log "IPv6 local address"
	grep -q "probe: recv 4 bytes from ::1\[4999\] to ::1\[$P2\] natt 1" \
	    rn.log || fail_log "IPv6 NAT-T"
	# The probe answers from 127.0.0.1 through the wildcard sockets.
	sk -c <<'EOF' || fail_log "setkey"
spdadd 127.0.0.1 127.0.0.2 udp -P out ipsec esp/transport//require;
EOF
	"$ACQ" "$PWD/sadbd.sock" 127.0.0.1 127.0.0.2 17 ||
	    fail_log "acquire_helper"
	wait_for "[ \$(wc -l < peer.out) -ge 3 ]"
	grep -qx "127.0.0.1 $P1 $(printf probe-ike | od -An -tx1 | tr -d ' \n')" \
	    peer.out || fail_log "IKE port: $(cat peer.out)"
	grep -q "^127.0.0.1 $P2 00000000" peer.out ||
	    fail_log "NAT-T port: $(cat peer.out)"
	stop_racoon
	# -4: the IPv4 sockets alone.
	rm -f rn.log
	RACOON="$PROBE"
	start_racoon -B "sadbd:$PWD/sadbd.sock" -4
	grep -q "listening on ::" rn.log && fail_log "-4 listened on IPv6"
	grep -q "listening on 0.0.0.0\[$P1\]" rn.log || fail_log "no IPv4"
	stop_racoon
}
wildcard_cleanup()
{
	stop_all
}

atf_init_test_cases()
{
	atf_add_test_case options
	atf_add_test_case processes
	atf_add_test_case show_flush
	atf_add_test_case json
	atf_add_test_case reload
	atf_add_test_case reload_log_level
	atf_add_test_case afkey_limits
	atf_add_test_case certificates
	atf_add_test_case events
	atf_add_test_case datagrams
	atf_add_test_case sigterm
	atf_add_test_case xfrm
	atf_add_test_case relay
	atf_add_test_case relay_port
	atf_add_test_case unprivileged
	atf_add_test_case control_credentials
	atf_add_test_case parent_checks
	atf_add_test_case wildcard
}
