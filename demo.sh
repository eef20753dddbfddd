#!/bin/sh
# The README's main job (run by ./build.sh demo after the build).
set -eu
cd "$(dirname "$0")"
for d in linux freebsd; do
	./examples/pfkeymsg -d "$d"
	echo
done
./examples/pfkeymsg -t \
    "out prio def + 10 ipsec esp/tunnel/192.0.2.1-198.51.100.1/unique:7" |
    sed -n '/^# as setkey/,$p'
