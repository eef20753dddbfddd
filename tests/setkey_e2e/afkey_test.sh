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

# What setkey checks before sending on kernel transports, without a
# kernel: Linux af_key's limits and the REGISTER check of algorithms and
# key lengths.  setkey applies them on -B pfkey (af_key: both; FreeBSD:
# REGISTER) and -B xfrm (REGISTER key lengths); PFKEYKIT_TEST_AFKEY=1, a
# test-only hook, makes it treat any transport as Linux af_key, so here
# they run against sadbd and against fake_register.py, a fake kernel with
# a short algorithm list.  The real kernels are tests/kernel's business.

SETKEY="$(atf_get_srcdir)/../../setkey/setkey"
SADBD="$(atf_get_srcdir)/../../sadbd/sadbd"
FAKE="$(atf_get_srcdir)/fake_register.py"

K16=0x00112233445566778899aabbccddeeff
K20=${K16}00112233
K24=${K16}0011223344556677
K32=${K16}00112233445566778899aabbccddeeff
K36=${K32}00112233
K64=${K32}00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff

start_sadbd()
{
	"$SADBD" -J none -s "$PWD/sock" -S "$PWD/state" -p "$PWD/sadbd.pid" \
	    2>sadbd.err || atf_fail "sadbd did not start: $(cat sadbd.err)"
	printf '#!/bin/sh\nexec "%s" -B "sadbd:%s/sock" "$@"\n' \
	    "$SETKEY" "$PWD" >sk
	# the same with the hook: af_key's checks apply
	printf '#!/bin/sh\nPFKEYKIT_TEST_AFKEY=1 exec "%s" -B "sadbd:%s/sock" "$@"\n' \
	    "$SETKEY" "$PWD" >ak
	chmod +x sk ak
}

stop_sadbd()
{
	[ -f sadbd.pid ] && kill "$(cat sadbd.pid)" 2>/dev/null
	[ -f fake.pid ] && kill "$(cat fake.pid)" 2>/dev/null
	return 0
}

# The SPIs in a dump, one per line, in hex.
spis()
{
	./sk -D | sed -n 's/.* spi=[0-9]*(0x0*\([0-9a-f]*\)).*/\1/p' | sort
}

# The fake kernel (mode $1) on ./fake.sock, logging to ./fake.log.
start_fake()
{
	command -v python3 >/dev/null 2>&1 ||
	    atf_skip "python3 runs the fake kernel"
	python3 "$FAKE" "$PWD/fake.sock" "$PWD/fake.log" "$1" &
	echo $! >fake.pid
	i=0
	while [ ! -S fake.sock ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && atf_fail "the fake kernel did not start"
		sleep 0.01
	done
}

# The fake's log once setkey has closed the socket.
fake_done()
{
	wait "$(cat fake.pid)" 2>/dev/null
	rm -f fake.pid
}

# ------------------------------------------------------ af_key's limits

atf_test_case afkey_refusals cleanup
afkey_refusals_head()
{
	atf_set "descr" "over af_key, AEAD, ESN, replay windows beyond 255" \
	    "and IP-TFS are refused before sending, naming FILE:LINE, the" \
	    "feature and -B xfrm; the rest of the script is applied"
}
afkey_refusals_body()
{
	start_sadbd
	cat >gw.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $K16 -A hmac-sha1 $K20;
add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-gcm-16 $K20;
add 10.0.0.1 10.0.0.2 esp 0x1002 -E aes-gcm-8 $K20;
add 10.0.0.1 10.0.0.2 esp 0x1003 -E aes-ccm-12 ${K16}001122;
add 10.0.0.1 10.0.0.2 esp 0x1004 -E null-aes-gmac $K20;
add 10.0.0.1 10.0.0.2 esp 0x1005
	-E chacha20-poly1305 $K36;
add 10.0.0.1 10.0.0.2 esp 0x1006 -f esn -E aes-cbc $K16;
add 10.0.0.1 10.0.0.2 esp 0x1007 -esn -E aes-cbc $K16;
add 10.0.0.1 10.0.0.2 esp 0x1008 -r 256 -E aes-cbc $K16;
add 10.0.0.1 10.0.0.2 esp 0x1009 -m iptfs -E aes-cbc $K16;
add 10.0.0.1 10.0.0.2 esp 0x100a -ctx 1 1 "system_u:object_r:ipsec_spd_t:s0" -E aes-cbc $K16;
update 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-gcm-16 $K20;
getspi 10.0.0.1 10.0.0.3 esp 0 -m iptfs;
spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/iptfs/10.0.0.1-10.0.0.2/require;
spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require;
add 10.0.0.1 10.0.0.2 esp 0x100b -r 255 -E 3des-cbc $K24;
EOF
	cat >want <<'EOF'
gw.conf:2: add: Linux af_key cannot carry AEAD (aes-gcm-16); use -B xfrm
gw.conf:3: add: Linux af_key cannot carry AEAD (aes-gcm-8); use -B xfrm
gw.conf:4: add: Linux af_key cannot carry AEAD (aes-ccm-12); use -B xfrm
gw.conf:5: add: Linux af_key cannot carry AEAD (null-aes-gmac); use -B xfrm
gw.conf:6: add: Linux af_key cannot carry AEAD (chacha20-poly1305); use -B xfrm
gw.conf:8: add: Linux af_key cannot carry extended sequence numbers (-f esn); use -B xfrm
gw.conf:9: add: Linux af_key cannot carry extended sequence numbers (-f esn); use -B xfrm
gw.conf:10: add: Linux af_key cannot carry a replay window of 256 packets (its field holds 255, and it keeps 32); use -B xfrm
gw.conf:11: add: Linux af_key cannot carry IP-TFS mode (-m iptfs); use -B xfrm
gw.conf:13: update: Linux af_key cannot carry AEAD (aes-gcm-16); use -B xfrm
gw.conf:14: getspi: Linux af_key cannot carry IP-TFS mode (-m iptfs); use -B xfrm
gw.conf:15: spdadd: Linux af_key cannot carry IP-TFS mode (iptfs); use -B xfrm
gw.conf:17: add: warning: Linux af_key keeps a replay window of 32 packets, not 255; use -B xfrm for 255
EOF
	atf_check -s exit:1 -o empty -e file:want ./ak -f gw.conf
	# what was not refused was sent: 0x1000, the context, 0x100b
	spis >got
	atf_check -o inline:"1000\n100a\n100b\n" cat got
	atf_check -o match:"esp/tunnel/10.0.0.1-10.0.0.2/require" \
	    -o not-match:"iptfs" ./sk -DP
}
afkey_refusals_cleanup()
{
	stop_sadbd
}

atf_test_case afkey_warnings cleanup
afkey_warnings_head()
{
	atf_set "descr" "over af_key, HMAC-SHA2-256 (96-bit ICV) and windows" \
	    "of 33 to 255 packets (cut to 32) are warnings, in full once and" \
	    "then counted; the SAs are sent and the exit status is 0"
}
afkey_warnings_body()
{
	start_sadbd
	cat >w.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x2000 -r 32 -E aes-cbc $K16 -A hmac-sha1 $K20;
add 10.0.0.1 10.0.0.2 esp 0x2001 -E aes-cbc $K16 -A hmac-sha256 $K32;
add 10.0.0.1 10.0.0.2 ah 0x2002 -A hmac-sha2-256 $K32;
add 10.0.0.1 10.0.0.2 esp 0x2003 -r 64 -E aes-cbc $K16;
add 10.0.0.1 10.0.0.2 esp 0x2004 -E aes-cbc $K16 -A hmac-sha256 $K32;
add 10.0.0.1 10.0.0.2 esp 0x2005 -r 33 -E aes-cbc $K16 -A hmac-sha384 ${K32}${K16#0x};
EOF
	cat >want <<'EOF'
w.conf:2: add: warning: Linux af_key truncates hmac-sha2-256 to a 96-bit ICV; peers that use RFC 4868's 128 bits drop every packet; use -B xfrm for 128
w.conf:4: add: warning: Linux af_key keeps a replay window of 32 packets, not 64; use -B xfrm for 64
setkey: warning: 2 more statements with hmac-sha2-256, which af_key truncates to 96 bits
setkey: warning: 1 more statement with a replay window that af_key cuts to 32 packets
EOF
	atf_check -s exit:0 -o empty -e file:want ./ak -f w.conf
	spis >got
	atf_check -o inline:"2000\n2001\n2002\n2003\n2004\n2005\n" cat got
	# sadbd itself keeps what was asked
	atf_check -o match:"replay=64 " ./sk -D
}
afkey_warnings_cleanup()
{
	stop_sadbd
}

atf_test_case afkey_only_there cleanup
afkey_only_there_head()
{
	atf_set "descr" "the af_key checks are af_key's: sadbd takes AEAD, ESN," \
	    "large windows and IP-TFS from the same statements"
}
afkey_only_there_body()
{
	start_sadbd
	cat >s.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x3000 -E aes-gcm-16 $K20;
add 10.0.0.1 10.0.0.2 esp 0x3001 -f esn -r 1024 -E aes-cbc $K16 -A hmac-sha256 $K32;
add 10.0.0.1 10.0.0.2 esp 0x3002 -m iptfs -E chacha20-poly1305 $K36;
EOF
	atf_check -s exit:0 -o empty -e empty ./sk -f s.conf
	spis >got
	atf_check -o inline:"3000\n3001\n3002\n" cat got
	./sk -D -o json >out
	grep -q '"spi":12289,.*"replay":1024,.*"esn":true' out ||
	    atf_fail "window or ESN lost: $(cat out)"
	grep -q '"enc":"aes-gcm-16"' out || atf_fail "AEAD lost: $(cat out)"
	# a hook value other than 1 is no hook
	echo "add 10.0.0.1 10.0.0.2 esp 0x3003 -E aes-gcm-16 $K20;" >t.conf
	atf_check -s exit:0 -o empty -e empty \
	    env PFKEYKIT_TEST_AFKEY=yes ./sk -f t.conf
}
afkey_only_there_cleanup()
{
	stop_sadbd
}

# ------------------------------------------------------------ REGISTER

atf_test_case register_check cleanup
register_check_head()
{
	atf_set "descr" "one REGISTER (SA type 0) before the SAs; an" \
	    "algorithm the kernel does not list, or a key outside its bits" \
	    "(with the salt or without, as FreeBSD counts), is refused at" \
	    "its line naming what the kernel has; an ACQUIRE and another" \
	    "process's REGISTER reply are ignored"
}
register_check_body()
{
	start_fake list
	cat >r.conf <<EOF
spdadd 10.1.0.0/16 10.2.0.0/16 any -P out discard;
add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $K16 -A hmac-sha1 $K20;
add 10.0.0.1 10.0.0.2 esp 0x1001
	-E aes-cbc $K32;
add 10.0.0.1 10.0.0.2 esp 0x1002 -E blowfish-cbc $K16;
add 10.0.0.1 10.0.0.2 ah 0x1003 -A hmac-sha512 $K64;
add 10.0.0.1 10.0.0.2 esp 0x1004 -E 3des-cbc $K24 -A hmac-md5 $K16;
add 10.0.0.1 10.0.0.2 esp 0x1005 -E null -A hmac-sha1 $K20;
add 10.0.0.1 10.0.0.2 esp 0x1006 -E aes-cbc $K16 -A hmac-sha1 $K20;
add 10.0.0.1 10.0.0.2 esp 0x1007 -E aes-ctr $K20;
add 10.0.0.1 10.0.0.2 esp 0x1008 -E aes-ctr ${K24}00112233;
add 10.0.0.1 10.0.0.2 esp 0x1009 -E aes-ctr $K36;
EOF
	cat >want <<'EOF'
r.conf:3: add: the kernel takes a key of 128 bits for aes-cbc, not 256 (its REGISTER reply)
r.conf:5: add: the kernel has no encryption algorithm blowfish-cbc (its REGISTER lists: 3des-cbc, null, aes-cbc, aes-ctr)
r.conf:6: add: the kernel has no authentication algorithm hmac-sha2-512 (its REGISTER lists: hmac-md5, hmac-sha1)
r.conf:12: add: the kernel takes a key of 128 to 192 bits for aes-ctr, with or without its 32-bit salt, not 288 (its REGISTER reply)
EOF
	atf_check -s exit:1 -o empty -e file:want env PFKEYKIT_TEST_AFKEY=1 \
	    "$SETKEY" -B "sadbd:$PWD/fake.sock" -f r.conf
	fake_done
	atf_check -o inline:"register 0\nspdadd\nadd 0x1000\nadd 0x1004\nadd 0x1005\nadd 0x1006\nadd 0x1007\nadd 0x1008\n" \
	    cat fake.log
}
register_check_cleanup()
{
	stop_sadbd
}

atf_test_case register_eexist cleanup
register_eexist_head()
{
	atf_set "descr" "EEXIST to REGISTER (a socket registered before) is" \
	    "no error: nothing is said and every SA is sent"
}
register_eexist_body()
{
	start_fake eexist
	cat >r.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $K16;
add 10.0.0.1 10.0.0.2 esp 0x1001 -E blowfish-cbc $K16;
EOF
	atf_check -s exit:0 -o empty -e empty env PFKEYKIT_TEST_AFKEY=1 \
	    "$SETKEY" -B "sadbd:$PWD/fake.sock" -f r.conf
	fake_done
	atf_check -o inline:"register 0\nadd 0x1000\nadd 0x1001\n" cat fake.log
}
register_eexist_cleanup()
{
	stop_sadbd
}

atf_test_case register_error cleanup
register_error_head()
{
	atf_set "descr" "another error to REGISTER: a warning that nothing" \
	    "was checked, and every SA is sent"
}
register_error_body()
{
	start_fake einval
	echo "add 10.0.0.1 10.0.0.2 esp 0x1001 -E blowfish-cbc $K16;" >r.conf
	atf_check -s exit:0 -o empty \
	    -e inline:"setkey: warning: algorithms not checked against the kernel's: REGISTER: Invalid argument\n" \
	    env PFKEYKIT_TEST_AFKEY=1 "$SETKEY" -B "sadbd:$PWD/fake.sock" \
	    -f r.conf
	fake_done
	atf_check -o inline:"register 0\nadd 0x1001\n" cat fake.log
}
register_error_cleanup()
{
	stop_sadbd
}

atf_test_case register_when cleanup
register_when_head()
{
	atf_set "descr" "no REGISTER on sadbd (its list is the parser's" \
	    "table), nor for a script without SAs"
}
register_when_body()
{
	start_fake list
	cat >r.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x1001 -E blowfish-cbc $K16;
EOF
	atf_check -s exit:0 -o empty -e empty \
	    "$SETKEY" -B "sadbd:$PWD/fake.sock" -f r.conf
	fake_done
	atf_check -o inline:"add 0x1001\n" cat fake.log
	rm -f fake.sock
	start_fake list
	echo "spdadd 10.1.0.0/16 10.2.0.0/16 any -P out discard;" >p.conf
	atf_check -s exit:0 -o empty -e empty env PFKEYKIT_TEST_AFKEY=1 \
	    "$SETKEY" -B "sadbd:$PWD/fake.sock" -f p.conf
	fake_done
	atf_check -o inline:"spdadd\n" cat fake.log
}
register_when_cleanup()
{
	stop_sadbd
}

atf_init_test_cases()
{
	atf_add_test_case afkey_refusals
	atf_add_test_case afkey_warnings
	atf_add_test_case afkey_only_there
	atf_add_test_case register_check
	atf_add_test_case register_eexist
	atf_add_test_case register_error
	atf_add_test_case register_when
}
