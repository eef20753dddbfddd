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

# setkey on the host's own kernel through XFRM netlink (no VM): what a
# kernel without ESP, AH and PF_KEY still does, policies and GETSPI, and
# the kernel's words for what it cannot do.  Every case runs in a network
# namespace of its own, made with unshare -n and entered with nsenter for
# each command, so the host's XFRM state is never touched; the namespace
# goes when its holder process is killed in the cleanup.  iproute2 reads
# the same state independently (xfrm_cmp.py compares field by field).
# Needs root; skips, saying why, without root, unshare or nsenter.

SETKEY="$(atf_get_srcdir)/../../setkey/setkey"
CMP="$(atf_get_srcdir)/xfrm_cmp.py"
golden="$(atf_get_srcdir)/golden"

KEY16=0x00112233445566778899aabbccddeeff
KEY20=0x00112233445566778899aabbccddeeff00112233

netns_prereq()
{
	[ "$(id -u)" = 0 ] ||
	    atf_skip "XFRM needs root (CAP_NET_ADMIN); running as $(id -un)"
	for t in unshare nsenter ip python3; do
		command -v $t >/dev/null 2>&1 ||
		    atf_skip "$t is not installed"
	done
}

# A network namespace for this case: ./ns runs a command in it, ./sk is
# setkey -B xfrm in it.
start_netns()
{
	netns_prereq
	unshare -n sleep 3600 &
	echo $! >netns.pid
	pid=$!
	# unshare execs sleep once the namespace is made
	i=0
	while [ "$(readlink /proc/$pid/ns/net 2>/dev/null)" = \
	    "$(readlink /proc/self/ns/net)" ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && atf_fail "unshare -n made no namespace"
		sleep 0.01
	done
	kill -0 $pid 2>/dev/null || atf_skip "unshare -n failed here"
	printf '#!/bin/sh\nexec nsenter -t %s -n "$@"\n' $pid >ns
	printf '#!/bin/sh\nexec nsenter -t %s -n "%s" -B xfrm "$@"\n' \
	    $pid "$SETKEY" >sk
	chmod +x ns sk
	./ns ip xfrm policy list >/dev/null 2>&1 ||
	    atf_skip "the kernel has no XFRM netlink (ip xfrm fails)"
	[ -z "$(./ns ip xfrm policy list)$(./ns ip xfrm state list)" ] ||
	    atf_fail "the new namespace is not empty"
}

stop_netns()
{
	[ -f netns.pid ] && kill "$(cat netns.pid)" 2>/dev/null
	for f in *.mon.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	return 0
}

# Whether this kernel has a PF_KEY socket (then the default is PF_KEY).
have_pfkey()
{
	python3 -c '
import socket, sys
try:
    socket.socket(15, socket.SOCK_RAW, 2).close()
except OSError:
    sys.exit(1)
'
}

# Times and process ids vary; policy ids are checked against ip instead.
mask_text()
{
	sed -E \
	    -e 's/(created|current|lastused|last): [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}/\1: TIME/g' \
	    -e 's/([^s])pid=[0-9]+/\1pid=PID/g' \
	    -e 's/spid=[0-9]+/spid=ID/'
}

golden_check()
{
	if [ -n "${PFKEYKIT_REGEN:-}" ]; then
		cp "$2" "$1"
	fi
	atf_check -o file:"$1" cat "$2"
}

# The kernel's words for an SA it refuses, from iproute2 ("Error: X."),
# or nothing when it takes the SA (which is then removed again).
ip_says()
{
	if ./ns ip xfrm state add "$@" 2>ip.err; then
		./ns ip xfrm state flush
		echo
	else
		sed -n 's/^Error: \(.*\)\.$/\1/p' ip.err
	fi
}

# ------------------------------------------------------------- policies

atf_test_case policies cleanup
policies_head()
{
	atf_set "descr" "a policy-only script loads through -B xfrm; -DP in" \
	    "both styles matches golden output and, field by field, ip xfrm"
}
policies_body()
{
	start_netns
	atf_check -s exit:0 -o empty -e empty ./sk -f "$golden/xfrm_pol.conf"
	./sk -DP >out || atf_fail "setkey -DP failed"
	mask_text <out >got
	golden_check "$golden/xfrm_pol.DP" got
	./sk -DP -O freebsd >out || atf_fail "setkey -DP -O freebsd failed"
	mask_text <out >got
	golden_check "$golden/xfrm_pol.DP.fb" got
	# 9 statements, 2 inbound ones with their fwd twins
	./sk -DP -o json >sp.json || atf_fail "setkey -DP -o json failed"
	./ns ip -s xfrm policy >ip.txt || atf_fail "ip xfrm policy failed"
	atf_check -o inline:"11 agree\n" python3 "$CMP" policy sp.json ip.txt
	# the comparison can fail: one priority changed in ip's output
	sed '0,/priority 2147483548/s//priority 2147483547/' ip.txt >bad.txt
	cmp -s ip.txt bad.txt && atf_fail "the negative control changed nothing"
	atf_check -s exit:1 -o match:"priority: setkey 2147483548, ip 2147483547" \
	    python3 "$CMP" policy sp.json bad.txt
	# "use" is what ip shows as "level use"; the rest require
	atf_check -o inline:"3\n" -x "./ns ip xfrm policy | grep -c 'level use'"
}
policies_cleanup()
{
	stop_netns
}

atf_test_case spd_update_delete cleanup
spd_update_delete_head()
{
	atf_set "descr" "spdupdate, spddelete (with the fwd twin of RFC" \
	    "mode), a missing policy, spdflush, as ip xfrm sees them"
}
spd_update_delete_body()
{
	start_netns
	cat >a.conf <<EOF
spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
spdadd 10.2.0.0/16 10.1.0.0/16 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
EOF
	atf_check -s exit:0 -o empty -e empty ./sk -f a.conf
	atf_check -o inline:"3\n" -x "./ns ip xfrm policy | grep -c '^src'"
	cat >u.conf <<EOF
spdupdate 10.1.0.0/16 10.2.0.0/16 any -P out prio high ipsec
	esp/tunnel/192.0.2.1-192.0.2.9/require;
spdupdate 10.2.0.0/16 10.1.0.0/16 any -P in ipsec
	esp/tunnel/192.0.2.2-192.0.2.1/use;
EOF
	atf_check -s exit:0 -o empty -e empty ./sk -f u.conf
	./ns ip xfrm policy >ip.txt
	grep -q 'dir out priority 1073741824' ip.txt ||
	    atf_fail "spdupdate did not change the priority: $(cat ip.txt)"
	grep -q 'tmpl src 192.0.2.1 dst 192.0.2.9' ip.txt ||
	    atf_fail "spdupdate did not change the template: $(cat ip.txt)"
	# the inbound policy and its fwd twin
	[ "$(grep -c 'level use' ip.txt)" = 2 ] ||
	    atf_fail "spdupdate did not change the levels: $(cat ip.txt)"
	./sk -DP -o json >sp.json
	./ns ip -s xfrm policy >ip.txt
	atf_check -o inline:"3 agree\n" python3 "$CMP" policy sp.json ip.txt
	cat >d.conf <<EOF
spddelete 10.2.0.0/16 10.1.0.0/16 any -P in;
spddelete 10.7.0.0/16 10.8.0.0/16 any -P out;
EOF
	atf_check -s exit:1 -o empty -e inline:"d.conf:2: spddelete: No entry\n" \
	    ./sk -f d.conf
	./ns ip xfrm policy >ip.txt
	[ "$(grep -c '^src' ip.txt)" = 1 ] ||
	    atf_fail "spddelete left the in or fwd policy: $(cat ip.txt)"
	grep -q 'dir out ' ip.txt || atf_fail "the out policy went: $(cat ip.txt)"
	echo "spdflush;" >f.conf
	atf_check -s exit:0 -o empty -e empty ./sk -f f.conf
	atf_check -o empty ./ns ip xfrm policy
	atf_check -s exit:0 -o inline:"No SPD entries.\n" -e empty ./sk -DP
}
spd_update_delete_cleanup()
{
	stop_netns
}

# ---------------------------------------------------------------- GETSPI

atf_test_case getspi cleanup
getspi_head()
{
	atf_set "descr" "getspi makes larval SAs: ip xfrm state shows each" \
	    "with the SPI setkey printed, its mode and reqid"
}
getspi_body()
{
	start_netns
	cat >g.conf <<EOF
getspi 192.0.2.1 192.0.2.2 esp 0 -m tunnel -u 7;
getspi 192.0.2.1 192.0.2.3 esp 0x1234;
getspi 2001:db8::1 2001:db8::2 esp 0;
EOF
	atf_check -s exit:0 -o save:out -e empty ./sk -f g.conf
	atf_check -o inline:"3\n" -x "grep -c 'state=larval' out"
	grep -q 'esp mode=transport spi=4660(0x00001234) ' out ||
	    atf_fail "getspi 0x1234 got another SPI: $(cat out)"
	for spi in $(sed -n 's/.* spi=[0-9]*(0x\([0-9a-f]*\)).*/\1/p' out); do
		./ns ip xfrm state | grep -q "proto esp spi 0x$spi " ||
		    atf_fail "SPI 0x$spi is not in ip xfrm state"
	done
	./ns ip xfrm state >ip.txt
	grep -A1 '^src 192.0.2.1 dst 192.0.2.2$' ip.txt |
	    grep -q 'reqid 7 mode tunnel' ||
	    atf_fail "mode or reqid lost: $(cat ip.txt)"
	./sk -D -o json >sa.json
	./ns ip -s xfrm state >ip.txt
	atf_check -o inline:"3 agree\n" python3 "$CMP" state sa.json ip.txt
}
getspi_cleanup()
{
	stop_netns
}

# ------------------------------------------------ what the kernel refuses

atf_test_case sa_errors cleanup
sa_errors_head()
{
	atf_set "descr" "an SA the kernel refuses fails at its FILE:LINE with" \
	    "the kernel's own words (no ESP here, no AEAD crypto); the" \
	    "policies around it are applied"
}
sa_errors_body()
{
	start_netns
	cat >s.conf <<EOF
spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
add 192.0.2.1 192.0.2.2 esp 0x1000 -m tunnel
	-E aes-cbc $KEY16 -A hmac-sha1 $KEY20;
add 192.0.2.1 192.0.2.2 esp 0x1001 -E aes-gcm-16 $KEY20;
add 192.0.2.1 192.0.2.2 esp 0x1002 -f esn -r 1024 -E aes-cbc $KEY16;
spdadd 10.3.0.0/16 10.4.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
EOF
	# what this kernel says to the same SAs through iproute2
	cbc=$(ip_says src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 \
	    mode tunnel enc 'cbc(aes)' $KEY16 auth-trunc 'hmac(sha1)' $KEY20 96)
	gcm=$(ip_says src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 \
	    aead 'rfc4106(gcm(aes))' $KEY20 128)
	esn=$(ip_says src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1002 \
	    flag esn replay-window 1024 enc 'cbc(aes)' $KEY16)
	[ -n "$cbc$gcm$esn" ] ||
	    atf_skip "this kernel takes all three SAs: nothing to refuse"
	./sk -f s.conf >out 2>err && atf_fail "exit status 0: $(cat err)"
	atf_check -o empty cat out
	: >want
	for l in "2 $cbc" "4 $gcm" "5 $esn"; do
		line=${l%% *}
		text=${l#* }
		[ -n "$text" ] || continue
		grep "^s.conf:$line: add: " err |
		    grep -qF "(kernel: $text)" ||
		    atf_fail "line $line: not \"(kernel: $text)\": $(cat err)"
		echo "$line" >>want
	done
	# nothing else, and no af_key refusal on xfrm
	sed -n 's/^s.conf:\([0-9]*\): add: .*/\1/p' err >lines
	atf_check -o file:want cat lines
	[ $(wc -l <err) = $(wc -l <want) ] || atf_fail "more errors: $(cat err)"
	grep -q 'af_key' err && atf_fail "af_key limits on xfrm: $(cat err)"
	atf_check -o inline:"2\n" -x "./ns ip xfrm policy | grep -c '^src'"
}
sa_errors_cleanup()
{
	stop_netns
}

# ------------------------------------------------------------ transports

atf_test_case pfkey_missing cleanup
pfkey_missing_head()
{
	atf_set "descr" "-B pfkey (and PFKEYKIT_BACKEND=pfkey) on a kernel" \
	    "without PF_KEY fails naming -B xfrm and -B sadbd"
}
pfkey_missing_body()
{
	start_netns
	have_pfkey && atf_skip "this kernel has PF_KEY (af_key)"
	atf_check -s exit:1 -o empty \
	    -e inline:"setkey: -B pfkey: the kernel has no PF_KEY socket (no af_key module); use -B xfrm for Linux XFRM or -B sadbd[:PATH] for the userspace SADB\n" \
	    ./ns "$SETKEY" -B pfkey -D
	atf_check -s exit:1 -o empty \
	    -e match:"^setkey: PFKEYKIT_BACKEND=pfkey: the kernel has no PF_KEY socket" \
	    -e match:"use -B xfrm" -e match:"-B sadbd" \
	    ./ns env PFKEYKIT_BACKEND=pfkey "$SETKEY" -DP
	echo "spdadd 10.1.0.0/16 10.2.0.0/16 any -P out discard;" >s.conf
	atf_check -s exit:1 -o empty -e match:"^setkey: -B pfkey: " \
	    ./ns "$SETKEY" -B pfkey -f s.conf
	atf_check -o empty ./ns ip xfrm policy
	atf_check -s exit:1 -o empty \
	    -e inline:"setkey: PFKEYKIT_BACKEND=bogus: use pfkey, xfrm or sadbd[:PATH]\n" \
	    ./ns env PFKEYKIT_BACKEND=bogus "$SETKEY" -D
}
pfkey_missing_cleanup()
{
	stop_netns
}

atf_test_case default_xfrm cleanup
default_xfrm_head()
{
	atf_set "descr" "without -B (and with -B auto) setkey uses XFRM on a" \
	    "Linux kernel without PF_KEY; an unprivileged user is told that" \
	    "XFRM needs root, not that it is missing"
}
default_xfrm_body()
{
	start_netns
	have_pfkey && atf_skip "this kernel has PF_KEY: that is the default"
	echo "spdadd 10.1.0.0/16 10.2.0.0/16 any -P out discard;" >s.conf
	atf_check -s exit:0 -o empty -e empty ./ns "$SETKEY" -f s.conf
	atf_check -o match:"dir out action block" ./ns ip xfrm policy
	atf_check -s exit:0 -o match:"^10.1.0.0/16\[any\] 10.2.0.0/16\[any\] 255$" \
	    -e match:"^transport: xfrm \(linux dialect\), the default$" \
	    ./ns "$SETKEY" -v -DP
	atf_check -s exit:0 -o match:"out prio def discard" -e empty \
	    ./ns "$SETKEY" -B auto -DP
	atf_check -s exit:0 -o match:"out prio def discard" -e empty \
	    ./ns env PFKEYKIT_BACKEND=xfrm "$SETKEY" -DP
	command -v setpriv >/dev/null 2>&1 || return 0
	id nobody >/dev/null 2>&1 || return 0
	atf_check -s exit:1 -o empty \
	    -e inline:"setkey: XFRM netlink: Operation not permitted; the kernel's transports need root, -B sadbd[:PATH] does not\n" \
	    ./ns setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$SETKEY" -DP
}
default_xfrm_cleanup()
{
	stop_netns
}

# ------------------------------------------------------------- monitor

# setkey -B xfrm -x in the namespace: $1 output, more options after.
start_monitor()
{
	out=$1
	shift
	./sk -x "$@" >"$out" 2>"$out.err" &
	echo $! >"$out.mon.pid"
	i=0
	while ! grep -q 'X_PROMISC' "$out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 500 ] && atf_fail "the monitor did not start: $(cat "$out.err")"
		sleep 0.01
	done
}

# Wait until $1 has $2 lines matching $3.
wait_for()
{
	i=0
	while [ "$(grep -c "$3" "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && atf_fail "no $2 \"$3\" in 5 s: $(cat "$1")"
		sleep 0.01
	done
}

atf_test_case monitor cleanup
monitor_head()
{
	atf_set "descr" "setkey -B xfrm -x (and -x -o json) shows the" \
	    "X_SPDADD and X_SPDDELETE of another setkey"
}
monitor_body()
{
	start_netns
	start_monitor mon
	start_monitor monj -o json
	cat >a.conf <<EOF
spdadd 10.1.0.0/16 10.2.0.0/16 tcp -P out prio 5 ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
EOF
	echo "spddelete 10.1.0.0/16 10.2.0.0/16 tcp -P out;" >d.conf
	atf_check -s exit:0 -o empty -e empty ./sk -f a.conf
	wait_for mon 1 'msg=X_SPDADD'
	atf_check -s exit:0 -o empty -e empty ./sk -f d.conf
	wait_for mon 1 'msg=X_SPDDELETE'
	wait_for monj 1 '"msgtype":"X_SPDDELETE"'
	stop_netns
	# each event with the policy, in the -DP format
	for m in X_SPDADD X_SPDDELETE; do
		grep -A3 "msg=$m satype=unspec errno=0 " mon >ev
		sed -n 2,4p ev >got
		cat >want <<'EOF'
10.1.0.0/16[any] 10.2.0.0/16[any] tcp
	out prio def + 5 ipsec
	esp/tunnel/192.0.2.1-192.0.2.2/require
EOF
		atf_check -o file:want cat got
	done
	python3 -c '
import json, sys
msgs = [json.loads(l) for l in open("monj")]
ev = [m for m in msgs if m.get("msgtype") in ("X_SPDADD", "X_SPDDELETE")]
if [m["msgtype"] for m in ev] != ["X_SPDADD", "X_SPDDELETE"]:
    sys.exit("events: %r" % [m["msgtype"] for m in ev])
for m in ev:
    sp = m["sp"]
    if sp["dir"] != "out" or sp["selector"]["proto"] != 6:
        sys.exit("wrong policy: %r" % sp)
' || atf_fail "JSON monitor output is wrong: $(cat monj)"
}
monitor_cleanup()
{
	stop_netns
}

atf_init_test_cases()
{
	atf_add_test_case policies
	atf_add_test_case spd_update_delete
	atf_add_test_case getspi
	atf_add_test_case sa_errors
	atf_add_test_case pfkey_missing
	atf_add_test_case default_xfrm
	atf_add_test_case monitor
}
