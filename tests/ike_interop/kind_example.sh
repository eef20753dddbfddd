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

# kind_example.sh: the shape of a library that adds a peer kind to
# ikelib.sh, here "example", which is charon under another name.
# peers_test:extra_kind runs it (ike_peers -x kind_example.sh example
# pluto psk_tunnel), proving the path a daemon under test takes: the
# library is put into the guest and sourced by guest_peers.sh after
# ikelib.sh, and ike_start, ike_initiate... dispatch on the kind written
# in $IKE_DIR/NAME/kind by ike_conf.
#
# Each function gets the instance NAME (a or b); ike_params NAME sets the
# scenario's parameters (P_ns, P_local, P_remote, P_lid, P_rid, P_auth,
# P_psk, P_pki/P_cert, P_mode, P_lnet, P_rnet, P_ike, P_esp, P_pfs,
# P_encap, P_dpd..., P_rekey, P_life, P_start: see ikelib.sh's ike_conf),
# and ike_conf has called it before ike_X_conf.  $IKE_DIR/NAME is the
# instance's directory, $IKE_DIR/NAME/run a run directory; start the
# daemon in namespace $(ike_ns "$P_ns") with ike_bg (which records the
# pid for ike_cleanup) and keep the pid in $IKE_DIR/NAME/pid (the dpd
# check stops it with SIGSTOP).
#
#	ike_X_conf NAME			write the configuration
#	ike_X_start NAME		start, load, return once it answers
#	ike_X_initiate NAME TIMEOUT	phase 1 and quick mode, 0 when done
#	ike_X_established NAME		true while an IPsec SA of the
#					connection is installed
#	ike_X_terminate NAME		delete the SAs (sending deletes)
#	ike_X_stop NAME			stop the daemon
#	ike_X_log NAME			print the log file's path
#	ike_X_why SCENARIO		(optional) a grep pattern of what it
#					logs when it refuses the scenario

ike_example_conf()		{ ike_charon_conf "$@"; }
ike_example_start()		{ ike_charon_start "$@"; }
ike_example_initiate()		{ ike_charon_initiate "$@"; }
ike_example_established()	{ ike_charon_established "$@"; }
ike_example_terminate()		{ ike_charon_terminate "$@"; }
ike_example_stop()		{ ike_charon_stop "$@"; }
ike_example_log()		{ ike_charon_log "$@"; }
ike_example_why()		{ ike_why charon "$1"; }
