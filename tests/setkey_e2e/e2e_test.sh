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

# setkey end to end against sadbd: every test case starts its own daemon
# in its work directory (sadbd.pid there) and its cleanup stops it.  The
# dumps are compared with golden/ after masking what changes from run to
# run: times, "diff:", process ids.  Update a golden file by running the
# commands the failure shows (the masks are mask_text and mask_json).

SETKEY="$(atf_get_srcdir)/../../setkey/setkey"
SADBD="$(atf_get_srcdir)/../../sadbd/sadbd"
ALGTABLE="$(atf_get_srcdir)/algtable"
golden="$(atf_get_srcdir)/golden"

# Start sadbd in the work directory; it detaches when it serves.
start_sadbd()
{
	"$SADBD" -s "$PWD/sock" -S "$PWD/state" -p "$PWD/sadbd.pid" "$@" \
	    2>sadbd.err || atf_fail "sadbd did not start: $(cat sadbd.err)"
	make_sk
	[ -S sock ] || atf_fail "sadbd returned without a socket"
}

stop_sadbd()
{
	[ -f sadbd.pid ] || return 0
	pid=$(cat sadbd.pid 2>/dev/null)
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 500 ]; do
		i=$((i + 1))
		sleep 0.01
	done
}

# ./sk: setkey on this test's sadbd (a file, so that atf_check can run it).
make_sk()
{
	printf '#!/bin/sh\nexec "%s" -B "sadbd:%s/sock" "$@"\n' \
	    "$SETKEY" "$PWD" >sk
	chmod +x sk
}

# Times, the seconds since the SA was made and process ids vary.
mask_text()
{
	sed -E \
	    -e 's/(created|current|lastused|last): [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}/\1: TIME/g' \
	    -e 's/diff: [0-9]+\(s\)/diff: N(s)/' \
	    -e 's/([^s])pid=[0-9]+/\1pid=PID/g'
}

# Every line a JSON object (python3 parses it), keys sorted, the same
# things masked.
mask_json()
{
	python3 -c '
import json, sys
for n, line in enumerate(sys.stdin, 1):
    try:
        o = json.loads(line)
    except ValueError as e:
        sys.exit("line %d is not JSON: %s" % (n, e))
    if not isinstance(o, dict):
        sys.exit("line %d is not an object" % n)
    o.pop("pid", None)
    o.pop("timestamp", None)
    for k in ("sa", "sp"):
        if k in o:
            o[k].pop("pid", None)
    for x in (o, o.get("sa", {}), o.get("sp", {})):
        cur = x.get("lifetime", {}).get("current")
        if cur and cur.get("addtime"):
            cur["addtime"] = "TIME"
    print(json.dumps(o, sort_keys=True))
'
}

need_python()
{
	command -v python3 >/dev/null 2>&1 ||
	    atf_skip "python3 is needed to check the JSON output"
}

# ------------------------------------------------------------ load tests

# Compare what was produced with a golden file; with PFKEYKIT_REGEN set
# in the environment the golden file is rewritten instead (review the diff).
golden_check()
{
	if [ -n "${PFKEYKIT_REGEN:-}" ]; then
		cp "$2" "$1"
	fi
	atf_check -o file:"$1" cat "$2"
}

# Load golden/$1.conf, then compare -D and -DP in both styles and as
# JSON with the golden files.
load_common()
{
	n=$1
	need_python
	start_sadbd -J none
	atf_check -s exit:0 -o empty -e empty ./sk -f "$golden/$n.conf"
	for v in D DP; do
		case $v in
		D)	opt=-D ;;
		DP)	opt=-DP ;;
		esac
		./sk $opt >out || atf_fail "setkey $opt failed"
		mask_text <out >got
		golden_check "$golden/$n.$v" got
		./sk $opt -O freebsd >out || atf_fail "setkey $opt -O freebsd"
		mask_text <out >got
		golden_check "$golden/$n.$v.fb" got
		./sk $opt -o json >out || atf_fail "setkey $opt -o json failed"
		mask_json <out >got || atf_fail "bad JSON from $opt -o json"
		golden_check "$golden/$n.$v.json" got
	done
}

for n in tunnel transport aead natt ipv6 ipcomp; do
	eval "
atf_test_case load_$n cleanup
load_${n}_head() {
	atf_set descr 'golden/$n.conf loads; -D, -DP (ipsec-tools and' \
	    'FreeBSD styles, JSON) show it'
}
load_${n}_body() { load_common $n; }
load_${n}_cleanup() { stop_sadbd; }
"
done

# ------------------------------------------------------- SA statements

KEY16=0x00112233445566778899aabbccddeeff
KEY20=0x00112233445566778899aabbccddeeff00112233

atf_test_case add_get_delete cleanup
add_get_delete_head()
{
	atf_set "descr" "add, get prints it, delete, get fails naming its line"
}
add_get_delete_body()
{
	start_sadbd -J none
	cat >s.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x1000 -m transport -u 5
	-E aes-cbc $KEY16 -A hmac-sha1 $KEY20;
get 10.0.0.1 10.0.0.2 esp 0x1000;
delete 10.0.0.1 10.0.0.2 esp 0x1000;
get 10.0.0.1 10.0.0.2 esp 0x1000;
EOF
	./sk -f s.conf >out 2>err && atf_fail "exit status 0 after a failure"
	atf_check -o inline:"s.conf:5: get: No entry\n" cat err
	mask_text <out >got
	cat >want <<'EOF'
10.0.0.1 10.0.0.2 
	esp mode=transport spi=4096(0x00001000) reqid=5(0x00000005)
	E: aes-cbc  00112233 44556677 8899aabb ccddeeff
	A: hmac-sha1  00112233 44556677 8899aabb ccddeeff 00112233
	seq=0x00000000 replay=0 flags=0x00000040 state=mature 
	created: TIME	current: TIME
	diff: N(s)	hard: 0(s)	soft: 0(s)
	last:                     	hard: 0(s)	soft: 0(s)
	current: 0(bytes)	hard: 0(bytes)	soft: 0(bytes)
	allocated: 0	hard: 0	soft: 0
	sadb_seq=2 pid=PID refcnt=0
EOF
	atf_check -o file:want cat got
	atf_check -s exit:0 -o inline:"No SAD entries.\n" -e empty ./sk -D
	# delete of what is not there fails the same way
	echo "delete 10.0.0.1 10.0.0.2 esp 0x1000;" >d.conf
	atf_check -s exit:1 -o empty -e inline:"d.conf:1: delete: No entry\n" \
	    ./sk -f d.conf
}
add_get_delete_cleanup()
{
	stop_sadbd
}

atf_test_case add_exists cleanup
add_exists_head()
{
	atf_set "descr" "a second add of an SA fails with EEXIST at its line;" \
	    "the statements around it are applied"
}
add_exists_body()
{
	start_sadbd
	cat >s.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $KEY16;
add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-cbc $KEY16;
# the same SA again
add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $KEY16;
add 10.0.0.1 10.0.0.2 esp 0x1002 -E aes-cbc $KEY16;
EOF
	atf_check -s exit:1 -o empty -e inline:"s.conf:4: add: File exists\n" \
	    ./sk -f s.conf
	atf_check -o inline:"3\n" -x "'$SETKEY' -B sadbd:$PWD/sock -D |
	    grep -c '^	esp'"
}
add_exists_cleanup()
{
	stop_sadbd
}

atf_test_case getspi_update cleanup
getspi_update_head()
{
	atf_set "descr" "getspi makes a larval SA and prints it; update" \
	    "completes it"
}
getspi_update_body()
{
	start_sadbd -J none
	cat >s.conf <<EOF
getspi 10.0.0.1 10.0.0.2 esp 0x5000 -m tunnel -u 3;
EOF
	atf_check -s exit:0 -o save:out -e empty ./sk -f s.conf
	grep -q 'spi=20480(0x00005000) reqid=3' out ||
	    atf_fail "getspi did not print the SA: $(cat out)"
	grep -q 'state=larval' out || atf_fail "not larval: $(cat out)"
	cat >u.conf <<EOF
update 10.0.0.1 10.0.0.2 esp 0x5000 -m tunnel -u 3 -E aes-cbc $KEY16;
EOF
	atf_check -s exit:0 -o empty -e empty ./sk -f u.conf
	atf_check -o match:'state=mature' ./sk -D
	# getspi 0: any SPI of the default range
	echo "getspi 10.0.0.3 10.0.0.4 esp 0;" >g.conf
	atf_check -s exit:0 -o match:'state=larval' -e empty ./sk -f g.conf
	# update of an SA that is not there
	sed 's/0x5000/0x5001/' u.conf >u2.conf
	atf_check -s exit:1 -o empty -e inline:"u2.conf:1: update: No entry\n" \
	    ./sk -f u2.conf
}
getspi_update_cleanup()
{
	stop_sadbd
}

atf_test_case deleteall cleanup
deleteall_head()
{
	atf_set "descr" "deleteall removes the SAs of one address pair and" \
	    "SA type only"
}
deleteall_body()
{
	start_sadbd -J none
	cat >s.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $KEY16;
add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-cbc $KEY16;
add 10.0.0.1 10.0.0.2 esp 0x1002 -m tunnel -E aes-cbc $KEY16;
add 10.0.0.1 10.0.0.2 ah 0x1003 -A hmac-sha1 $KEY20;
add 10.0.0.1 10.0.0.3 esp 0x1004 -E aes-cbc $KEY16;
add 10.0.0.2 10.0.0.1 esp 0x1005 -E aes-cbc $KEY16;
EOF
	atf_check -s exit:0 ./sk -f s.conf
	echo "deleteall 10.0.0.1 10.0.0.2 esp;" >d.conf
	atf_check -s exit:0 -o empty -e empty ./sk -f d.conf
	./sk -D >out
	atf_check -o inline:"0x00001003\n0x00001004\n0x00001005\n" -x \
	    "grep -o 'spi=[0-9]*(0x[0-9a-f]*)' out | sed 's/.*(//; s/)//' |
	    sort"
	# nothing left to delete is no failure, as in both references
	atf_check -s exit:0 -o empty -e empty ./sk -f d.conf
}
deleteall_cleanup()
{
	stop_sadbd
}

atf_test_case deleteall_fallback cleanup
deleteall_fallback_head()
{
	atf_set "descr" "a kernel that refuses DELETE without an SA (Linux" \
	    "af_key): deleteall dumps and deletes the pair's SAs one by one"
}
deleteall_fallback_body()
{
	need_python
	python3 "$(atf_get_srcdir)/fake_nodeleteall.py" "$PWD/fake.sock" \
	    "$PWD/fake.log" &
	echo $! >fake.pid
	i=0
	while [ ! -S fake.sock ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && atf_fail "the fake peer did not start"
		sleep 0.01
	done
	echo "deleteall 10.0.0.1 10.0.0.2 esp;" >d.conf
	atf_check -s exit:0 -o empty -e empty \
	    "$SETKEY" -B "sadbd:$PWD/fake.sock" -f d.conf
	wait "$(cat fake.pid)"
	atf_check -o inline:"deleteall refused\ndump 3\ndelete 0x100\ndelete 0x101\n" \
	    cat fake.log
}
deleteall_fallback_cleanup()
{
	[ -f fake.pid ] && kill "$(cat fake.pid)" 2>/dev/null
	return 0
}

atf_test_case flush_proto cleanup
flush_proto_head()
{
	atf_set "descr" "flush PROTO removes that SA type only; -F and -FP" \
	    "remove everything"
}
flush_proto_body()
{
	start_sadbd -J none
	cat >s.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $KEY16;
add 10.0.0.1 10.0.0.2 ah 0x1001 -A hmac-sha1 $KEY20;
add 10.0.0.1 10.0.0.2 ipcomp 0x1002 -C deflate;
spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/transport//require;
flush esp;
EOF
	atf_check -s exit:0 -o empty -e empty ./sk -f s.conf
	./sk -D >out
	grep -q '^	esp ' out && atf_fail "flush esp left an esp SA"
	grep -q '^	ah ' out || atf_fail "flush esp took the ah SA"
	grep -q '^	ipcomp ' out || atf_fail "flush esp took the ipcomp SA"
	echo "flush ah; dump ah;" >f.conf
	atf_check -s exit:0 -o inline:"No SAD entries.\n" -e empty \
	    ./sk -f f.conf
	atf_check -o match:'^	ipcomp ' ./sk -D
	atf_check -s exit:0 -o empty -e empty ./sk -F
	atf_check -s exit:0 -o inline:"No SAD entries.\n" -e empty ./sk -D
	atf_check -o match:'spid=' ./sk -DP
	atf_check -s exit:0 -o empty -e empty ./sk -FP
	atf_check -s exit:0 -o inline:"No SPD entries.\n" -e empty ./sk -DP
	# as statements
	printf 'spdflush;\nspddump;\nflush;\ndump;\n' >e.conf
	atf_check -s exit:0 -o inline:"No SPD entries.\nNo SAD entries.\n" \
	    -e empty ./sk -f e.conf
}
flush_proto_cleanup()
{
	stop_sadbd
}

# ------------------------------------------------------ SPD statements

atf_test_case spd_update_delete cleanup
spd_update_delete_head()
{
	atf_set "descr" "spdupdate replaces a policy keeping its id," \
	    "spddelete removes it, a second spddelete fails at its line"
}
spd_update_delete_body()
{
	start_sadbd -J none
	cat >a.conf <<'EOF'
spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/transport//require;
EOF
	atf_check -s exit:0 -o empty -e empty ./sk -f a.conf
	id=$(./sk -DP | sed -n 's/.*spid=\([0-9]*\).*/\1/p')
	[ -n "$id" ] || atf_fail "no spid"
	cat >u.conf <<'EOF'
spdupdate 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/use;
# spdupdate of a new selector adds it
spdupdate 10.3.0.0/16 10.4.0.0/16 any -P out discard;
EOF
	atf_check -s exit:0 -o empty -e empty ./sk -f u.conf
	./sk -DP >out
	grep -q 'esp/tunnel/192.0.2.1-192.0.2.2/use' out ||
	    atf_fail "spdupdate did not replace: $(cat out)"
	grep -q "spid=$id " out || atf_fail "spdupdate changed the id"
	grep -q 'out prio def discard' out ||
	    atf_fail "spdupdate did not add: $(cat out)"
	cat >d.conf <<'EOF'
spddelete 10.1.0.0/16 10.2.0.0/16 any -P out;
spddelete 10.1.0.0/16 10.2.0.0/16 any -P out;
EOF
	atf_check -s exit:1 -o empty -e inline:"d.conf:2: spddelete: No entry\n" \
	    ./sk -f d.conf
	atf_check -o not-match:'10.1.0.0/16' ./sk -DP
	# spdadd of an existing policy
	echo 'spdadd 10.3.0.0/16 10.4.0.0/16 any -P out none;' >x.conf
	atf_check -s exit:1 -o empty -e inline:"x.conf:1: spdadd: File exists\n" \
	    ./sk -f x.conf
}
spd_update_delete_cleanup()
{
	stop_sadbd
}

atf_test_case rfc_fwd cleanup
rfc_fwd_head()
{
	atf_set "descr" "Linux RFC mode (-r, the default): an in policy gets" \
	    "a fwd twin (unique becomes require), spdupdate and spddelete act" \
	    "on it too; -k does not"
}
rfc_fwd_body()
{
	[ "$(uname -s)" = Linux ] ||
	    atf_skip "fwd policies are Linux's (sadbd speaks the host dialect)"
	start_sadbd -J none
	cat >a.conf <<'EOF'
spdadd 10.2.0.0/16 10.1.0.0/16 any -P in ipsec
	esp/tunnel/192.0.2.2-192.0.2.1/unique:7;
spdadd 10.2.0.0/16 10.1.0.0/16 any -P out ipsec
	esp/tunnel/192.0.2.1-192.0.2.2/unique:8;
EOF
	atf_check -s exit:0 -o empty -e empty ./sk -f a.conf
	./sk -DP >out
	atf_check -o inline:"1\n" -x "grep -c '	in prio def ipsec' out"
	atf_check -o inline:"1\n" -x "grep -c '	fwd prio def ipsec' out"
	atf_check -o inline:"1\n" -x "grep -c '	out prio def ipsec' out"
	# the twin: require, no reqid
	grep -A1 '	fwd ' out | grep -q 'esp/tunnel/192.0.2.2-192.0.2.1/require' ||
	    atf_fail "the fwd twin is not require: $(cat out)"
	grep -A1 '	in ' out | grep -q '/unique:7' ||
	    atf_fail "the in policy lost unique:7: $(cat out)"
	# spdupdate updates both
	cat >u.conf <<'EOF'
spdupdate 10.2.0.0/16 10.1.0.0/16 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/use;
EOF
	atf_check -s exit:0 -o empty -e empty ./sk -f u.conf
	atf_check -o inline:"2\n" -x \
	    "'$SETKEY' -B sadbd:$PWD/sock -DP | grep -c '192.0.2.2-192.0.2.1/use'"
	# spddelete takes both; a second one fails twice at its line
	echo 'spddelete 10.2.0.0/16 10.1.0.0/16 any -P in;' >d.conf
	atf_check -s exit:0 -o empty -e empty ./sk -f d.conf
	atf_check -o not-match:'	(in|fwd) ' ./sk -DP
	atf_check -s exit:1 -o empty -e save:err ./sk -f d.conf
	atf_check -o inline:"2\n" -x "grep -c '^d.conf:1: spddelete: No entry' err"
	grep -q 'fwd policy' err || atf_fail "the twin's error does not say so"
	# -k: the kernel's semantics, no twin
	echo 'spdadd 10.5.0.0/16 10.6.0.0/16 any -P in none;' >k.conf
	atf_check -s exit:0 -o empty -e empty ./sk -k -f k.conf
	atf_check -o not-match:'	fwd ' ./sk -DP
	# -r after -k turns it back on
	echo 'spdadd 10.7.0.0/16 10.8.0.0/16 any -P in none;' >r.conf
	atf_check -s exit:0 -o empty -e empty ./sk -k -r -f r.conf
	atf_check -o match:'	fwd prio def none' ./sk -DP
}
rfc_fwd_cleanup()
{
	stop_sadbd
}

# ------------------------------------------------------- key lengths

atf_test_case keylen_parser
keylen_parser_head()
{
	atf_set "descr" "every algorithm of libpfkey's table: its key sizes" \
	    "parse, sizes beside them are refused naming the algorithm"
}
keylen_parser_body()
{
	"$ALGTABLE" -k >algs || atf_fail "algtable failed"
	[ $(wc -l <algs) -ge 30 ] || atf_fail "too few algorithms: $(cat algs)"
	spi=4096
	while read -r kind name dialect rest; do
		good=${rest%%/*}
		bad=${rest#*/}
		for bits in $good BAD $bad; do
			[ "$bits" = BAD ] && { isbad=1; continue; }
			spi=$((spi + 1))
			key=
			if [ "$bits" -gt 0 ]; then
				key=0x$(head -c $((bits / 8)) /dev/zero |
				    od -An -tx1 -v | tr -d ' \n' |
				    tr 0 a)
			fi
			case $kind in
			enc)	stmt="add 10.0.0.1 10.0.0.2 esp $spi -E $name $key;" ;;
			auth)
				case $name in
				tcp-md5) stmt="add 10.0.0.1 10.0.0.2 tcp $spi -A $name $key;" ;;
				*) stmt="add 10.0.0.1 10.0.0.2 ah $spi -A $name $key;" ;;
				esac ;;
			esac
			echo "$stmt" >in
			rc=0
			PFKEYKIT_DIALECT=$dialect "$SETKEY" -n -f in >out \
			    2>err || rc=$?
			if [ -z "${isbad:-}" ]; then
				[ $rc = 0 ] || atf_fail "$dialect $name" \
				    "$bits bits refused: $(head -n 1 err)"
			else
				[ $rc = 1 ] || atf_fail "$dialect $name" \
				    "$bits bits accepted"
				grep -q "key for $name must be" err ||
				    atf_fail "$name $bits bits: $(head -n 1 err)"
			fi
		done
		isbad=
	done <algs
}

atf_test_case keylen_daemon cleanup
keylen_daemon_head()
{
	atf_set "descr" "sadbd takes every key size the parser takes for" \
	    "the host dialect; an SA it refuses fails at its line"
}
keylen_daemon_body()
{
	start_sadbd -J none
	"$ALGTABLE" -k >algs || atf_fail "algtable failed"
	host=$(PFKEYKIT_DIALECT=host "$SETKEY" -V >/dev/null; uname -s)
	case $host in
	Linux)	host=linux ;;
	*)	host=freebsd ;;
	esac
	spi=4096
	: >s.conf
	while read -r kind name dialect rest; do
		[ "$dialect" = "$host" ] || continue
		good=${rest%%/*}
		for bits in $good; do
			spi=$((spi + 1))
			key=
			[ "$bits" -gt 0 ] && key=0x$(head -c $((bits / 8)) \
			    /dev/zero | od -An -tx1 -v | tr -d ' \n' | tr 0 b)
			case $kind/$name in
			enc/null)
				# null needs authentication (see below)
				echo "add 10.0.0.1 10.0.0.2 esp $spi -E null $key -A hmac-sha1 $KEY20;" ;;
			enc/*)	echo "add 10.0.0.1 10.0.0.2 esp $spi -E $name $key;" ;;
			auth/*)	echo "add 10.0.0.1 10.0.0.2 ah $spi -A $name $key;" ;;
			esac >>s.conf
		done
	done <algs
	n=$(wc -l <s.conf)
	[ "$n" -ge 30 ] || atf_fail "only $n statements"
	atf_check -s exit:0 -o empty -e empty ./sk -f s.conf
	atf_check -o inline:"$n\n" -x "'$SETKEY' -B sadbd:$PWD/sock -D -o json |
	    wc -l | tr -d ' '"
	# The parser takes ESP with null encryption and no authentication
	# (the references do); sadbd refuses it (sad_entry_check): the
	# daemon's error comes back for that statement's line.
	cat >r.conf <<EOF
add 10.9.0.1 10.9.0.2 esp 0x9001 -E aes-cbc $KEY16;
add 10.9.0.1 10.9.0.2 esp 0x9002 -E null;
add 10.9.0.1 10.9.0.2 esp 0x9003 -E aes-cbc $KEY16;
EOF
	atf_check -s exit:0 -o ignore -e empty "$SETKEY" -n -f r.conf
	atf_check -s exit:1 -o empty -e inline:"r.conf:2: add: Invalid argument\n" \
	    ./sk -f r.conf
	./sk -D >out
	grep -q 'spi=36865(' out || atf_fail "0x9001 missing"
	grep -q 'spi=36866(' out && atf_fail "0x9002 was added"
	grep -q 'spi=36867(' out || atf_fail "0x9003 missing"
}
keylen_daemon_cleanup()
{
	stop_sadbd
}

# ------------------------------------------------------------ lifetimes

# Start a monitor in the background: setkey -x $@ > $out.
start_monitor()
{
	out=$1
	shift
	./sk -x "$@" >"$out" 2>"$out.err" &
	echo $! >"$out.pid"
	# the monitor has joined when its X_PROMISC comes back
	i=0
	while ! grep -q 'X_PROMISC' "$out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 500 ] && atf_fail "the monitor did not start"
		sleep 0.01
	done
}

stop_monitors()
{
	for f in *.pid; do
		[ -f "$f" ] && [ "$f" != sadbd.pid ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
	done
}

atf_test_case lifetimes_expire cleanup
lifetimes_expire_head()
{
	atf_set "descr" "an SA with -ls 1 -lh 2: setkey -x (and -x -o json)" \
	    "shows the soft then the hard EXPIRE, and the SA is gone"
	atf_set "timeout" 60
}
lifetimes_expire_body()
{
	need_python
	start_sadbd -J none
	start_monitor mon
	start_monitor monj -o json
	cat >s.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x1000 -ls 1 -lh 2 -E aes-cbc $KEY16;
EOF
	atf_check -s exit:0 -o empty -e empty ./sk -f s.conf
	i=0
	while [ $(grep -c 'msg=EXPIRE' mon) -lt 2 ]; do
		i=$((i + 1))
		[ $i -gt 1000 ] && atf_fail "no two EXPIREs in 10 s: $(cat mon)"
		sleep 0.01
	done
	sleep 0.2
	stop_monitors
	# soft (state dying, soft lifetime only) before hard
	awk '/msg=EXPIRE/ { e++ } e == 1 && /soft: 1\(s\)/ { s = 1 }
	    e == 2 && /hard: 2\(s\)/ { h = 1 }
	    END { exit !(e == 2 && s && h) }' mon ||
	    atf_fail "not soft then hard: $(cat mon)"
	grep -q 'msg=ADD satype=esp' mon || atf_fail "no ADD in the monitor"
	atf_check -s exit:0 -o inline:"No SAD entries.\n" ./sk -D
	# JSON: the same messages, soft lifetime then hard
	mask_json <monj >j || atf_fail "bad JSON from -x -o json"
	python3 -c '
import json, sys
msgs = [json.loads(l) for l in open("j")]
exp = [m for m in msgs if m.get("msgtype") == "EXPIRE"]
if len(exp) != 2:
    sys.exit("%d EXPIREs" % len(exp))
lt = [m["sa"]["lifetime"] for m in exp]
if "soft" not in lt[0] or "hard" in lt[0]:
    sys.exit("first EXPIRE is not the soft one: %r" % lt[0])
if "hard" not in lt[1]:
    sys.exit("second EXPIRE is not the hard one: %r" % lt[1])
if exp[0]["sa"]["spi"] != 4096 or exp[0]["sa"]["state"] != "dying":
    sys.exit("wrong SA in the soft EXPIRE: %r" % exp[0]["sa"])
' || atf_fail "JSON monitor output is wrong: $(cat monj)"
}
lifetimes_expire_cleanup()
{
	stop_monitors
	stop_sadbd
}

atf_test_case monitor_options cleanup
monitor_options_head()
{
	atf_set "descr" "-xx prints epoch time stamps, -H a hex dump of each" \
	    "message; a monitor ends on SIGTERM with status 0"
}
monitor_options_body()
{
	start_sadbd -J none
	# start_monitor gives one -x: this is -xx -H
	start_monitor mon -x -H
	echo 'flush esp;' >f.conf
	atf_check -s exit:0 -o empty -e empty ./sk -f f.conf
	i=0
	while ! grep -q 'msg=FLUSH satype=esp' mon; do
		i=$((i + 1))
		[ $i -gt 500 ] && atf_fail "no FLUSH: $(tr '\n' '|' <mon)"
		sleep 0.01
	done
	kill -TERM "$(cat mon.pid)"
	wait "$(cat mon.pid)" || atf_fail "the monitor exited with status $?"
	rm mon.pid
	# each message: the time stamp, the hex dump, the summary, a blank
	grep -B2 'msg=FLUSH satype=esp' mon | head -n 2 >m
	head -n 1 m | grep -Eq '^[0-9]+\.[0-9]{6} $' ||
	    atf_fail "not an epoch time stamp: $(head -n 1 m)"
	sed -n 2p m | grep -Eq '^00000000: 02 09 00 03 02 00 00 00 ' ||
	    atf_fail "not a hex dump of the FLUSH: $(sed -n 2p m)"
	# -x alone: hh:mm:ss.usec, no dump
	start_monitor mon2
	atf_check -s exit:0 -o empty -e empty ./sk -f f.conf
	i=0
	while ! grep -q 'msg=FLUSH satype=esp' mon2; do
		i=$((i + 1))
		[ $i -gt 500 ] && atf_fail "no FLUSH in -x"
		sleep 0.01
	done
	grep -B1 'msg=FLUSH satype=esp' mon2 | head -n 1 |
	    grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} $' ||
	    atf_fail "not a hh:mm:ss.usec time stamp: $(head -n 3 mon2)"
}
monitor_options_cleanup()
{
	stop_monitors
	stop_sadbd
}

# ---------------------------------------------------------- pipelining

atf_test_case pipeline_20k cleanup
pipeline_20k_head()
{
	atf_set "descr" "20000 adds load pipelined with every reply matched;" \
	    "an error in statement N reports line N"
	atf_set "timeout" 300
}
pipeline_20k_body()
{
	# the default journal: fdatasync per commit
	start_sadbd
	awk 'BEGIN { for (i = 0; i < 20000; i++)
	    printf("add 10.%d.%d.1 10.255.0.1 esp %d -E aes-cbc 0x%032x;\n",
	    int(i / 256), i % 256, 65536 + i, i) }' >load.conf
	# -v prints every message sent and received
	./sk -v -f load.conf >out 2>err || atf_fail "load failed: $(tail err)"
	atf_check -o inline:"20000\n" -x "grep -c '^send: ADD' err"
	atf_check -o inline:"20000\n" -x \
	    "grep -c '^recv: ADD satype=esp errno=0 seq=[0-9]* pid=' err"
	grep -v -e '^transport: ' -e '^send: ' -e '^recv: ' -e '^  ' err &&
	    atf_fail "errors"
	atf_check -o inline:"20000\n" -x "'$SETKEY' -B sadbd:$PWD/sock -D -o json |
	    wc -l | tr -d ' '"
	# again, with the SA of line 1 inserted at line 12346: all but that
	# one fail with EEXIST; now with a fresh database...
	atf_check -s exit:0 -o empty -e empty ./sk -F
	head -n 1 load.conf >dup
	sed '12345r dup' load.conf >bad.conf
	atf_check -s exit:1 -o empty -e inline:"bad.conf:12346: add: File exists\n" \
	    ./sk -f bad.conf
	atf_check -o inline:"20000\n" -x "'$SETKEY' -B sadbd:$PWD/sock -D -o json |
	    wc -l | tr -d ' '"
}
pipeline_20k_cleanup()
{
	stop_sadbd
}

atf_test_case syntax_error cleanup
syntax_error_head()
{
	atf_set "descr" "a script with a syntax error applies nothing"
}
syntax_error_body()
{
	start_sadbd -J none
	cat >s.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $KEY16;
spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/transport//require;
add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-cbc $KEY16 -Q;
add 10.0.0.1 10.0.0.2 esp 0x1002 -E aes-cbc $KEY16;
EOF
	atf_check -s exit:1 -o empty -e save:err ./sk -f s.conf
	grep -q '^s.conf:3:[0-9]*: ' err || atf_fail "no error at line 3: $(cat err)"
	grep -q 'nothing was applied' err || atf_fail "no summary: $(cat err)"
	atf_check -s exit:0 -o inline:"No SAD entries.\n" -e empty ./sk -D
	atf_check -s exit:0 -o inline:"No SPD entries.\n" -e empty ./sk -DP
	# also from standard input and as file arguments
	atf_check -s exit:1 -o empty -e match:'^\(stdin\):3:' -x \
	    "'$SETKEY' -B sadbd:$PWD/sock -f - <s.conf"
	atf_check -s exit:1 -o empty -e match:'^s.conf:3:' ./sk s.conf
	atf_check -s exit:0 -o inline:"No SAD entries.\n" -e empty ./sk -D
}
syntax_error_cleanup()
{
	stop_sadbd
}

# ------------------------------------------------------------ options

atf_test_case dump_options cleanup
dump_options_head()
{
	atf_set "descr" "-a, -l, -p, -v and dump PROTO"
	atf_set "timeout" 60
}
dump_options_body()
{
	start_sadbd -J none
	cat >s.conf <<EOF
add 10.0.0.1[500] 10.0.0.2[4500] esp-udp 0x1000 -E aes-cbc $KEY16;
add 10.0.0.1 10.0.0.2 ah 0x1001 -A hmac-sha1 $KEY20;
spdadd 10.1.0.0/16[80] 10.2.0.0/16 tcp -P out ipsec esp/tunnel/10.0.0.1[4500]-10.0.0.2[4500]/require;
EOF
	atf_check -s exit:0 ./sk -f s.conf
	# -a also shows dead SAs; sadbd never keeps one, so the same
	./sk -D | mask_text >d
	./sk -D -a | mask_text >da
	atf_check -o file:d cat da
	# -p: ports of the tunnel endpoints
	atf_check -o match:'esp/tunnel/10.0.0.1\[4500\]-10.0.0.2\[4500\]/require' \
	    ./sk -DP -p
	atf_check -o not-match:'\[4500\]-' ./sk -DP
	# dump PROTO
	echo 'dump ah;' >a.conf
	./sk -f a.conf >out
	grep -q '^	ah ' out || atf_fail "dump ah shows no ah SA"
	grep -q '^	esp' out && atf_fail "dump ah shows an esp SA"
	# -l: the short form every second until interrupted
	./sk -D -l >loop 2>&1 &
	pid=$!
	sleep 2.5
	kill -INT $pid
	wait $pid || atf_fail "setkey -D -l exit status $?"
	head -n 1 loop | grep -q '^time p   s spi      ltime   src -> dst' ||
	    atf_fail "no header: $(cat loop)"
	[ $(grep -c ' esp M 00001000 ' loop) -ge 2 ] ||
	    atf_fail "not repeated: $(cat loop)"
	# -v: what goes over the wire, on standard error
	atf_check -s exit:0 -o ignore -e match:'^send: DUMP' \
	    -e match:'^recv: DUMP' ./sk -v -D
}
dump_options_cleanup()
{
	stop_sadbd
}

atf_test_case transports cleanup
transports_head()
{
	atf_set "descr" "-B sadbd, SADBD_SOCKET, PFKEYKIT_BACKEND; a" \
	    "missing daemon is an error naming the socket"
}
transports_body()
{
	start_sadbd -J none
	echo "add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $KEY16;" >s.conf
	atf_check -s exit:0 -o empty -e empty env SADBD_SOCKET="$PWD/sock" \
	    "$SETKEY" -B sadbd -f s.conf
	atf_check -s exit:0 -o match:'spi=4096' env \
	    PFKEYKIT_BACKEND="sadbd:$PWD/sock" "$SETKEY" -D
	atf_check -s exit:1 -o empty -e match:"cannot reach sadbd at $PWD/nosock" \
	    "$SETKEY" -B "sadbd:$PWD/nosock" -D
	atf_check -s exit:1 -o empty -e match:'-B bogus' "$SETKEY" -B bogus -D
	atf_check -s exit:0 -o match:'^setkey \(pfkeykit\) [0-9.]+$' \
	    "$SETKEY" -V
	atf_check -s exit:1 -o empty -e match:'^usage:' "$SETKEY"
}
transports_cleanup()
{
	stop_sadbd
}

atf_test_case stdin_batch cleanup
stdin_batch_head()
{
	atf_set "descr" "-c on a non-terminal reads a script from stdin"
}
stdin_batch_body()
{
	start_sadbd -J none
	printf 'add 10.0.0.1 10.0.0.2 esp 0x1000\n  -E aes-cbc %s;\nget 10.0.0.1 10.0.0.2 esp 0x1001;\n' \
	    "$KEY16" >s.conf
	atf_check -s exit:1 -o empty -e inline:"(stdin):3: get: No entry\n" \
	    -x "'$SETKEY' -B sadbd:$PWD/sock -c <s.conf"
	atf_check -o match:'spi=4096' ./sk -D
}
stdin_batch_cleanup()
{
	stop_sadbd
}

# ------------------------------------------------------- unprivileged

unpriv_prereq()
{
	[ "$(id -u)" = 0 ] || atf_skip "switching to nobody needs root"
	command -v setpriv >/dev/null 2>&1 ||
	    atf_skip "setpriv(1) (util-linux) is not installed"
	id nobody >/dev/null 2>&1 || atf_skip "no user nobody"
	getent group nogroup >/dev/null 2>&1 || atf_skip "no group nogroup"
}

# A command prefix (atf_check runs programs, not functions).
AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"

atf_test_case unprivileged cleanup
unprivileged_head()
{
	atf_set "descr" "a client outside the socket's group may dump (no" \
	    "keys) but not change anything; the refusal names the line"
	atf_set "require.user" "root"
}
unprivileged_body()
{
	unpriv_prereq
	# a directory nobody can reach: the work directory may be 0700
	pub=$(mktemp -d /tmp/setkey-e2e.XXXXXX)
	echo "$pub" >pubdir
	chmod 0755 "$pub"
	"$SADBD" -J none -s "$pub/sock" -S "$PWD/state" -p "$PWD/sadbd.pid" ||
	    atf_fail "sadbd did not start"
	chmod 0666 "$pub/sock"
	echo "add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $KEY16;" >"$pub/s.conf"
	chmod 0644 "$pub/s.conf"
	atf_check -s exit:0 "$SETKEY" -B "sadbd:$pub/sock" -f "$pub/s.conf"
	# read-only: the SA without its key
	atf_check -s exit:0 -o match:'spi=4096' -o not-match:'00112233' \
	    $AS_NOBODY "$SETKEY" -B "sadbd:$pub/sock" -D
	sed 's/0x1000/0x1001/' "$pub/s.conf" >"$pub/t.conf"
	chmod 0644 "$pub/t.conf"
	atf_check -s exit:1 -o empty \
	    -e inline:"$pub/t.conf:1: add: Operation not permitted\n" \
	    $AS_NOBODY "$SETKEY" -B "sadbd:$pub/sock" -f "$pub/t.conf"
	atf_check -s exit:1 -e match:'Operation not permitted' \
	    $AS_NOBODY "$SETKEY" -B "sadbd:$pub/sock" -F
	# the monitor needs promiscuous mode, which is for the privileged
	atf_check -s exit:1 -o empty \
	    -e match:'cannot enter promiscuous mode: Operation not permitted' \
	    $AS_NOBODY "$SETKEY" -B "sadbd:$pub/sock" -x
}
unprivileged_cleanup()
{
	stop_sadbd
	[ -f pubdir ] && rm -rf "$(cat pubdir)"
	return 0
}

atf_test_case normal_user_daemon cleanup
normal_user_daemon_head()
{
	atf_set "descr" "sadbd and setkey both run as a normal user"
	atf_set "require.user" "root"
}
normal_user_daemon_body()
{
	unpriv_prereq
	pub=$(mktemp -d /tmp/setkey-e2e.XXXXXX)
	echo "$pub" >pubdir
	chown nobody:nogroup "$pub"
	chmod 0700 "$pub"
	$AS_NOBODY "$SADBD" -J none -s "$pub/sock" -S "$pub/state" \
	    -p "$pub/sadbd.pid" || atf_fail "sadbd did not start as nobody"
	cp "$pub/sadbd.pid" sadbd.pid
	cat >s.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-gcm-16 $KEY20;
spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/transport//require;
EOF
	$AS_NOBODY sh -c "cat > '$pub/s.conf'" <s.conf
	atf_check -s exit:0 -o empty -e empty \
	    $AS_NOBODY "$SETKEY" -B "sadbd:$pub/sock" -f "$pub/s.conf"
	# the daemon's own user is privileged: keys are shown
	atf_check -s exit:0 -o match:'E: aes-gcm-16  00112233' \
	    $AS_NOBODY "$SETKEY" -B "sadbd:$pub/sock" -D
	atf_check -s exit:0 -o match:'spid=' \
	    $AS_NOBODY "$SETKEY" -B "sadbd:$pub/sock" -DP
}
normal_user_daemon_cleanup()
{
	stop_sadbd
	[ -f pubdir ] && rm -rf "$(cat pubdir)"
	return 0
}

# --------------------------------------------------------- the manual

atf_test_case man_algorithms
man_algorithms_head()
{
	atf_set "descr" "setkey.8's algorithm table is libpfkey's"
}
man_algorithms_body()
{
	page="$(atf_get_srcdir)/../../man/setkey.8"
	[ -f "$page" ] || atf_fail "no $page"
	"$ALGTABLE" -m >want || atf_fail "algtable failed"
	sed -n '/^\.\\" BEGIN ALGORITHMS/,/^\.\\" END ALGORITHMS/p' "$page" |
	    sed -e '1d' -e '$d' | grep '^\.It ' | grep -v '^\.It Sy Name ' >got
	[ -s got ] || atf_fail "no table between the markers in setkey.8"
	atf_check -o file:want cat got
}

atf_init_test_cases()
{
	for n in tunnel transport aead natt ipv6 ipcomp; do
		atf_add_test_case load_$n
	done
	atf_add_test_case add_get_delete
	atf_add_test_case add_exists
	atf_add_test_case getspi_update
	atf_add_test_case deleteall
	atf_add_test_case deleteall_fallback
	atf_add_test_case flush_proto
	atf_add_test_case spd_update_delete
	atf_add_test_case rfc_fwd
	atf_add_test_case keylen_parser
	atf_add_test_case keylen_daemon
	atf_add_test_case lifetimes_expire
	atf_add_test_case monitor_options
	atf_add_test_case pipeline_20k
	atf_add_test_case syntax_error
	atf_add_test_case dump_options
	atf_add_test_case transports
	atf_add_test_case stdin_batch
	atf_add_test_case unprivileged
	atf_add_test_case normal_user_daemon
	atf_add_test_case man_algorithms
}
