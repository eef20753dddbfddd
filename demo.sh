#!/bin/sh
#
# The README's main job, run by ./build.sh demo after the build: the
# userspace SADB as an ordinary user, with no kernel IPsec and no root.
#  1. start sadbd on a socket and state directory of our own;
#  2. load a site-to-site and a host-to-host configuration with setkey;
#  3. show the SAD and the SPD (setkey -D, -DP, and one SA as JSON);
#  4. kill -9 sadbd, start it again, and show nothing acknowledged is lost.
set -eu
cd "$(dirname "$0")"
top=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pfkeykit-demo.XXXXXX")
sock=$work/sadbd.sock
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

start_sadbd() {
	"$top/sadbd/sadbd" -F -s "$sock" -S "$work/state" 2>>"$work/sadbd.log" &
	pid=$!
	i=0
	while [ ! -S "$sock" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$work/sadbd.log"; exit 1; }
		sleep 0.05
	done
}
setkey() { "$top/setkey/setkey" -B "sadbd:$sock" "$@"; }

start_sadbd
echo "==> sadbd (pid $pid) as $(id -un), socket $sock, no root needed"
echo "==> setkey -f examples/gateways.conf"
setkey -f examples/gateways.conf
echo "==> setkey -D"
setkey -D
echo "==> setkey -DP"
setkey -DP
echo "==> setkey -D -o json (first SA)"
setkey -D -o json | head -n 1
before=$(setkey -D | grep -c 'spi=')

echo "==> kill -9 sadbd, start it again on the same state directory"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=
rm -f "$sock"
start_sadbd
after=$(setkey -D | grep -c 'spi=')
echo "SAs before the kill: $before, after the restart: $after"
[ "$before" = "$after" ] || { echo "demo: SAs were lost" >&2; exit 1; }
setkey -DP | grep -c 'spid=' | sed 's/^/policies after the restart: /'
echo "==> done"
