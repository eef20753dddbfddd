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

# kernlib.sh: what the kernel test programs (sadb_test, net_test,
# event_test) share, sourced by each.  Each test case boots Debian's
# kernel once under qemu with tests/vm/vmrun.sh, runs a guest_*.sh script
# there with the tree's own setkey, sadbd, pfkeymsg and helpers, and
# judges what comes back on the host (python3 and tshark are host tools;
# the guest has neither).
#
# kernel_require [TOOL PACKAGE]...
#	skip unless qemu can run (not Linux, or no qemu and no way to install
#	it), fail when the tree is not built or a host tool is missing;
#	install the tools when root with apt-get (CI starts fresh).
# kernel_vm [-e NAME=VALUE]... [-m MEM] [-t TIMEOUT] SCRIPT [ARG...]
#	boot and run tests/kernel/SCRIPT; its stdout goes to ./out (and to
#	the test's stdout), its stderr to ./err, /out to ./out.d.  The
#	tree's programs and this directory's helpers and configurations go
#	in (-f).  Returns the script's exit status; a harness failure
#	(vmrun.sh's 124: out of time, 125: no kernel, a panic...) fails the
#	test.  Only a host where qemu cannot run at all skips
#	(kernel_require).

KSRC=$(atf_get_srcdir)
KTOP=$(cd "$KSRC/../.." && pwd)
VMRUN=$KTOP/tests/vm/vmrun.sh

# kernel_install COMMAND PACKAGE (tests/vm/vm_test.sh's vm_install).
kernel_install()
{
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "$2" >/dev/null 2>&1 ||
	    { apt-get update -qq >/dev/null 2>&1 &&
	    apt-get install -y -qq --no-install-recommends "$2" \
	    >/dev/null 2>&1; } || true
}

kernel_require()
{
	[ "$(uname -s)" = Linux ] ||
	    atf_skip "the VM harness runs Linux host tools in the guest"
	kernel_install qemu-system-x86_64 qemu-system-x86
	command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	    atf_skip "qemu-system-x86_64 is not installed and cannot be" \
	    "(Debian: apt-get install qemu-system-x86)"
	qemu-system-x86_64 --version >/dev/null 2>&1 ||
	    atf_skip "qemu-system-x86_64 does not run here"
	kernel_install xz xz-utils
	kernel_install python3 python3-minimal
	while [ $# -ge 2 ]; do
		kernel_install "$1" "$2"
		command -v "$1" >/dev/null 2>&1 ||
		    atf_fail "$1 is not installed (Debian: apt-get install $2)"
		shift 2
	done
	command -v python3 >/dev/null 2>&1 ||
	    atf_fail "python3 is not installed (Debian: apt-get install" \
	    "python3-minimal)"
	for p in setkey/setkey sadbd/sadbd examples/pfkeymsg \
	    tests/libpfkey/xfrm_sa_check tests/kernel/tcpx \
	    tests/kernel/pfkey_listen; do
		[ -x "$KTOP/$p" ] || atf_fail "$p is not built (bmake -f" \
		    "BSDmakefile at the top)"
	done
	# kyua gives each test a scratch HOME, which would refetch the
	# kernel every time: use the user's real cache (as vm_test does).
	if [ -z "${PFKEYKIT_VM_CACHE:-}" ]; then
		h=$(getent passwd "$(id -u)" | cut -d: -f6)
		[ -n "$h" ] && [ -d "$h" ] && [ -w "$h" ] || h=/tmp
		PFKEYKIT_VM_CACHE=${XDG_CACHE_HOME:-$h/.cache}/pfkeykit/vm
		export PFKEYKIT_VM_CACHE
	fi
}

kernel_vm()
{
	mem=1024 tmo=300 envs=
	while :; do
		case $1 in
		-e)	envs="$envs -e $2"; shift 2 ;;
		-m)	mem=$2; shift 2 ;;
		-t)	tmo=$2; shift 2 ;;
		*)	break ;;
		esac
	done
	script=$1
	shift
	# shellcheck disable=SC2086 # envs: NAME=VALUE without spaces
	set -- -m "$mem" -t "$tmo" -o "$PWD/out.d" $envs \
	    -f "$KTOP/setkey/setkey:/usr/local/sbin/setkey" \
	    -f "$KTOP/sadbd/sadbd:/usr/local/sbin/sadbd" \
	    -f "$KTOP/examples/pfkeymsg:/usr/local/bin/pfkeymsg" \
	    -f "$KTOP/tests/libpfkey/xfrm_sa_check" \
	    -f "$KSRC/tcpx" -f "$KSRC/pfkey_listen" \
	    -f "$KTOP/tests/vm/vmlib.sh" \
	    $(for c in "$KSRC"/*.conf; do printf ' -f %s' "$c"; done) \
	    "$KSRC/$script" "$@"
	rc=0
	PFKEYKIT_TOP=$KTOP "$VMRUN" "$@" >out 2>err || rc=$?
	cat out
	case $rc in
	124)	cat err >&2
		atf_fail "$script ran out of time (vmrun.sh -t $tmo)" ;;
	125)	cat err >&2
		atf_fail "the VM harness failed: $(grep 'vmrun.sh:' err |
		    head -1)" ;;
	esac
	[ -s err ] && cat err >&2
	return $rc
}

# kernel_fails FILE: fail with the FAIL lines of FILE, if it has any.
kernel_fails()
{
	if grep -q '^FAIL' "$1"; then
		atf_fail "$(grep -c '^FAIL' "$1") checks failed, the first:" \
		    "$(grep -m 1 '^FAIL' "$1" | cut -c6-)"
	fi
}
