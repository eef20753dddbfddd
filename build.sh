#!/bin/sh
#
# pfkeykit: the README's two commands.
#
#   ./build.sh demo   install what is missing, build, run the main job
#   ./build.sh test   install what is missing, run the whole test suite:
#                     a -Werror build and every Kyua test, the same again
#                     under AddressSanitizer + UndefinedBehaviorSanitizer,
#                     and each libFuzzer target for FUZZ_SECONDS (30).
#
# Also: ./build.sh deps | build | clean.  Works as root or with sudo.

set -eu

TOP=$(cd "$(dirname "$0")" && pwd)
cd "$TOP"

# Debian 12 packages the build, the tests and the demo need.
DEBS="bmake byacc pkg-config libbsd-dev libssl-dev libedit-dev \
    libatf-dev atf-sh kyua mandoc clang libclang-rt-14-dev llvm \
    iproute2 iputils-ping kmod procps util-linux tmux \
    qemu-system-x86 busybox-static xz-utils tcpdump tshark iperf3 openssl"
# Intel IPsec-MB, the engine's second crypto backend, exists for x86-64 only.
[ "$(uname -m)" = x86_64 ] && DEBS="$DEBS libipsec-mb-dev"
# Real IKE peers for tests/ike_interop and bench/charon_bench.sh:
# strongSwan's charon and swanctl with the plugins ikelib.sh loads
# (openssl, x509, pem, pkcs1, pubkey, revocation, constraints,
# kernel-netlink, socket-default, vici: standard; curve25519: extra;
# kernel-libipsec: charon extra), nftables for the NAT topology, and what
# libreswan's pluto needs to run from its unpacked .deb (libreswan itself
# conflicts with strongSwan's packages: ikelib.sh fetches it with
# apt-get download): the NSS tools and the libraries ldd names.
DEBS="$DEBS strongswan-charon strongswan-swanctl \
    libstrongswan-standard-plugins libstrongswan-extra-plugins \
    libcharon-extra-plugins nftables libnss3-tools libnss3 libnspr4 \
    libunbound8 libldns3 libevent-core-2.1-7 libevent-pthreads-2.1-7 \
    libcurl3-nss libldap-2.5-0 libcap-ng0 libaudit1"

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
BMAKE="bmake -f BSDmakefile"

say() { printf '==> %s\n' "$*"; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root (or sudo) for: $*"
	fi
}

deps() {
	if ! command -v apt-get >/dev/null 2>&1; then
		command -v bmake >/dev/null 2>&1 || command -v make >/dev/null ||
		    die "no apt-get and no bmake: see README (FreeBSD)"
		return 0
	fi
	missing=
	for p in $DEBS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	say "installing:$missing"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
}

build() {
	say "build (warnings are errors)"
	$BMAKE WERROR=yes "$@" >build.log 2>&1 || {
		tail -40 build.log; die "build failed (build.log)"; }
}

# Run the Kyua suite of the tree in $1; print skips and failures with
# their reasons, and leave "total skipped broken failed" in $2.
kyua_run() {
	dir=$1 out=$2 db="$1/build/kyua.db"
	mkdir -p "$1/build"
	rm -f "$db"
	(cd "$dir/tests" && kyua test --results-file="$db" >/dev/null 2>&1) ||
	    true
	kyua report --results-file="$db" \
	    --results-filter=skipped,broken,failed | sed -n '/^===> Summary/q;p'
	kyua report --results-file="$db" | awk '
	    /^Test cases:/ {
		gsub(",", ""); print $3, $5, $10, $12 }' >"$out"
	[ -s "$out" ] || die "kyua produced no results in $dir"
}

fuzz() {
	say "fuzzing: each target ${FUZZ_SECONDS}s"
	(cd fuzz && $BMAKE all >../build/fuzz.log 2>&1) || {
		tail -30 build/fuzz.log; die "fuzz build failed"; }
	fail=0
	for t in fuzz/*_fuzz; do
		n=$(basename "$t" _fuzz)
		rm -rf "build/corpus/$n"
		mkdir -p "build/corpus/$n"
		cp fuzz/corpus/"$n"/* "build/corpus/$n/" 2>/dev/null || true
		if "$t" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
		    "build/corpus/$n" >"build/fuzz-$n.log" 2>&1; then
			runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
			    "build/fuzz-$n.log")
			say "fuzz $n: ${runs:-?} runs, no crash"
		else
			fail=1
			tail -30 "build/fuzz-$n.log"
			say "fuzz $n: CRASH (build/fuzz-$n.log)"
		fi
	done
	return $fail
}

# A copy of the working tree for the sanitizer build.
sancopy() {
	rm -rf build/san
	mkdir -p build/san
	tar --exclude=./build --exclude=./.git -cf - . | (cd build/san && tar xf -)
	(cd build/san && $BMAKE cleandir >/dev/null 2>&1 || true)
	# The reference peers (charon and pluto against each other in the
	# guest) run none of the project's code: the plain pass runs them.
	sed -i '/"peers_test"/d' build/san/tests/ike_interop/Kyuafile
	# racoon_test runs racoon-ng in the guest for minutes (TCG): the
	# plain pass runs it once.  The sanitizer build runs in the guest
	# too, by hand: kyua test racoon_test in build/san/tests/ike_interop
	# (a sanitizer report in racoon-ng's log fails the scenario).
	sed -i '/"racoon_test"/d' build/san/tests/ike_interop/Kyuafile
}

test_all() {
	deps
	mkdir -p build
	$BMAKE cleandir >/dev/null 2>&1 || true
	build
	say "kyua: plain build"
	kyua_run "$TOP" build/plain.res

	say "sanitizers: AddressSanitizer + UndefinedBehaviorSanitizer"
	sancopy
	(cd build/san && $BMAKE WERROR=yes CC=clang \
	    SANITIZE=address,undefined >build.log 2>&1) || {
		tail -40 build/san/build.log; die "sanitizer build failed"; }
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	LSAN_OPTIONS=suppressions="$TOP/tests/lsan.supp":print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    kyua_run "$TOP/build/san" build/san.res

	fuzzfail=0
	fuzz || fuzzfail=1

	read -r t1 s1 b1 f1 <build/plain.res
	read -r t2 s2 b2 f2 <build/san.res
	total=$((t1 + t2)) skipped=$((s1 + s2)) failed=$((b1 + f1 + b2 + f2))
	passed=$((total - skipped - failed))
	say "plain: $((t1 - s1 - b1 - f1)) passed, $((b1 + f1)) failed," \
	    "$s1 skipped; sanitizers: $((t2 - s2 - b2 - f2)) passed," \
	    "$((b2 + f2)) failed, $s2 skipped"
	[ $fuzzfail = 0 ] || say "a fuzzer crashed"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ] && [ $fuzzfail = 0 ]
}

demo() {
	deps
	build
	say "demo"
	exec ./demo.sh
}

case "${1:-}" in
deps)	deps ;;
build)	deps; shift; build "$@" ;;
test)	test_all ;;
demo)	demo ;;
clean)	$BMAKE cleandir; rm -rf build build.log ;;
*)	echo "usage: $0 demo | test | deps | build | clean" >&2; exit 2 ;;
esac
