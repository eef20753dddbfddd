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

# The setkey console (-c on a terminal) driven through a pseudo-terminal:
# tmux runs it with a server of its own (a socket in the work directory),
# send-keys types, capture-pane reads the screen.  Each case starts its
# own sadbd and stops it, with the tmux server, in its cleanup.

SETKEY="$(atf_get_srcdir)/../../setkey/setkey"
SADBD="$(atf_get_srcdir)/../../sadbd/sadbd"

start_sadbd()
{
	"$SADBD" -J none -s "$PWD/sock" -S "$PWD/state" -p "$PWD/sadbd.pid" \
	    2>sadbd.err || atf_fail "sadbd did not start: $(cat sadbd.err)"
	make_sk
}

stop_all()
{
	if [ -S tmux.sock ]; then
		tmux -S "$PWD/tmux.sock" kill-server 2>/dev/null || true
	fi
	[ -f sadbd.pid ] || return 0
	pid=$(cat sadbd.pid 2>/dev/null)
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	return 0
}

# ./sk: setkey on this test's sadbd (a file, so that atf_check can run it).
make_sk()
{
	printf '#!/bin/sh\nexec "%s" -B "sadbd:%s/sock" "$@"\n' \
	    "$SETKEY" "$PWD" >sk
	chmod +x sk
}

T()
{
	tmux -S "$PWD/tmux.sock" "$@"
}

# Start the console in a fresh tmux; its exit status goes to ./done.
start_console()
{
	command -v tmux >/dev/null 2>&1 ||
	    atf_skip "tmux is not installed (it drives the console)"
	: >done.tmp
	rm -f done
	# the shell ignores ^C (setkey's own handler is set at its start),
	# so that it lives on to write the exit status
	T new-session -d -s sk -x 160 -y 60 \
	    "trap '' INT; SETKEY_HISTORY='$PWD/hist' '$SETKEY' \
	    -B 'sadbd:$PWD/sock' -c $*;
	    echo \$? >'$PWD/done.tmp'; mv '$PWD/done.tmp' '$PWD/done';
	    sleep 60" || atf_fail "tmux did not start"
	wait_last 'setkey>'
}

# The screen and its history, trailing blanks trimmed.
screen()
{
	T capture-pane -p -t sk -S -200 -J | sed 's/[[:space:]]*$//'
}

# For messages: the screen on one line (atf wants one).
oneline()
{
	screen | sed '/^$/d' | tr '\n' '|'
}

# Wait until the screen shows a fixed string (5 s).
wait_screen()
{
	i=0
	while ! screen | grep -qF -- "$1"; do
		i=$((i + 1))
		[ $i -gt 500 ] &&
		    atf_fail "the screen never showed \"$1\": $(oneline)"
		sleep 0.01
	done
}

# Wait until the last non-empty line of the screen is exactly $1.
wait_last()
{
	i=0
	while [ "$(screen | sed '/^$/d' | tail -n 1)" != "$1" ]; do
		i=$((i + 1))
		[ $i -gt 500 ] &&
		    atf_fail "the last line is not \"$1\": $(oneline)"
		sleep 0.01
	done
}

# Type text (literally; a final ';' escaped from tmux's own parser).
type_text()
{
	case "$1" in
	*\;)	T send-keys -t sk -l -- "${1%;}\\;" ;;
	*)	T send-keys -t sk -l -- "$1" ;;
	esac
}

key()
{
	T send-keys -t sk "$@"
}

# Type a line, press Enter.
line()
{
	type_text "$1"
	key Enter
}

clear_screen()
{
	key C-u
	T clear-history -t sk
	key C-l
	sleep 0.1
}

# End the tmux server and wait until it is gone, so that the next
# new-session does not reach a server on its way out.
kill_tmux()
{
	T kill-server 2>/dev/null || true
	i=0
	while T has-session 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 500 ] && atf_fail "tmux does not go away"
		sleep 0.01
	done
	rm -f tmux.sock
}

wait_done()
{
	i=0
	while [ ! -f done ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && atf_fail "setkey did not exit: $(oneline)"
		sleep 0.01
	done
}

KEY16=0x00112233445566778899aabbccddeeff

atf_test_case prompt_help cleanup
prompt_help_head()
{
	atf_set "descr" "the prompt, help and help COMMAND"
}
prompt_help_body()
{
	start_sadbd
	start_console
	line 'help'
	wait_screen 'Console commands'
	screen >s
	for w in 'add [-46n] SRC DST PROTO SPI [EXT ...] ALGS;' \
	    'spdadd [-46n] SRC[/PLEN][PORT] DST[/PLEN][PORT] UPPER -P POLICY;' \
	    'deleteall [-46n] SRC DST PROTO;' 'getspi [-46n]' 'spdflush;' \
	    'help [COMMAND]' 'quit, exit'; do
		grep -qF -- "$w" s || atf_fail "help lacks \"$w\": $(cat s)"
	done
	clear_screen
	line 'help add'
	wait_screen 'Compression (-C):'
	screen >s
	for w in 'add [-46n] SRC DST PROTO SPI [EXT ...] ALGS;' \
	    '-E ALG KEY [-A ALG KEY]' '-lh N / -ls N' '-m any|transport|tunnel' \
	    'chacha20-poly1305' 'aes-gcm-16' 'hmac-sha2-256' 'deflate'; do
		grep -qF -- "$w" s || atf_fail "help add lacks \"$w\": $(cat s)"
	done
	clear_screen
	line 'help spddelete'
	wait_screen 'only the direction of the policy counts'
	line 'help bogus'
	wait_screen 'help: no command "bogus"'
	line 'quit'
	wait_done
	atf_check -o inline:"0\n" cat done
}
prompt_help_cleanup()
{
	stop_all
}

atf_test_case multiline cleanup
multiline_head()
{
	atf_set "descr" "a statement over several lines (continuation" \
	    "prompt), two on one line, an error and the console goes on"
}
multiline_body()
{
	start_sadbd
	start_console
	line 'spdadd 10.1.0.0/16 10.2.0.0/16 any'
	wait_last '      >'
	line '    -P out ipsec # a comment; not the end'
	wait_last '      >'
	line '    esp/transport//require;'
	wait_last 'setkey>'
	atf_check -o match:'esp/transport//require' ./sk -DP
	line "add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $KEY16; get 10.0.0.1 10.0.0.2 esp 0x1000;"
	wait_screen 'E: aes-cbc  00112233 44556677 8899aabb ccddeeff'
	wait_last 'setkey>'
	# a failing statement: its error, and the prompt again
	line 'get 10.0.0.1 10.0.0.2 esp 0x9999;'
	wait_screen '(console):1: get: No entry'
	line 'add 10.0.0.1 10.0.0.2 esp 0x1001 -Q;'
	wait_screen '(console):1:34: unknown option "-Q"'
	line "add 10.0.0.1 10.0.0.2 esp 0x1002 -E aes-cbc $KEY16;"
	wait_last 'setkey>'
	atf_check -o match:'spi=4098' ./sk -D
	# ^C drops the line and the statement being typed
	line 'add 10.0.0.1 10.0.0.2 esp 0x1004'
	wait_last '      >'
	type_text '-E aes-cbc'
	key C-c
	wait_last 'setkey>'
	line "add 10.0.0.1 10.0.0.2 esp 0x1005 -E aes-cbc $KEY16;"
	wait_last 'setkey>'
	./sk -D >out
	grep -q 'spi=4101(' out || atf_fail "no SA after ^C: $(oneline)"
	grep -q 'spi=4100(' out && atf_fail "^C did not drop the statement"
	# Control-D with half a statement: it is not sent
	type_text 'add 10.0.0.1 10.0.0.2 esp 0x1003'
	key Enter
	key C-d
	wait_done
	screen | grep -qF 'was not sent' || atf_fail "no warning: $(oneline)"
	atf_check -o not-match:'spi=4099' ./sk -D
	# statements failed: the exit status says so
	atf_check -o inline:"1\n" cat done
}
multiline_cleanup()
{
	stop_all
}

atf_test_case completion cleanup
completion_head()
{
	atf_set "descr" "tab completes commands, protocols, options and" \
	    "algorithm names from the parser's keyword table"
}
completion_body()
{
	start_sadbd
	start_console
	type_text 'spda'
	key Tab
	wait_last 'setkey> spdadd'
	key C-u
	type_text 'add 10.0.0.1 10.0.0.2 ipc'
	key Tab
	wait_last 'setkey> add 10.0.0.1 10.0.0.2 ipcomp'
	key C-u
	type_text 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E chacha'
	key Tab
	wait_last 'setkey> add 10.0.0.1 10.0.0.2 esp 0x1000 -E chacha20-poly1305'
	key C-u
	# ambiguous: the common part, then the list
	type_text 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-gc'
	key Tab
	wait_last 'setkey> add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-gcm-'
	key Tab
	wait_screen 'aes-gcm-12  aes-gcm-16  aes-gcm-8'
	key C-u
	type_text 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc 0x00 -A hmac-sha2-5'
	key Tab
	wait_last 'setkey> add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc 0x00 -A hmac-sha2-512'
	key C-u
	type_text 'add 10.0.0.1 10.0.0.2 esp 0x1000 -natt_'
	key Tab
	wait_last 'setkey> add 10.0.0.1 10.0.0.2 esp 0x1000 -natt_mtu'
	key C-u
	type_text 'add 10.0.0.1 10.0.0.2 esp 0x1000 -m tu'
	key Tab
	wait_last 'setkey> add 10.0.0.1 10.0.0.2 esp 0x1000 -m tunnel'
	key C-u
	# the second line of a statement continues the first
	line 'add 10.0.0.1 10.0.0.2 esp 0x1000'
	type_text '-E 3de'
	key Tab
	wait_last '      > -E 3des-cbc'
	key C-u
	line ';'
	type_text 'help spdu'
	key Tab
	wait_last 'setkey> help spdupdate'
	key C-u
	line 'quit'
	wait_done
}
completion_cleanup()
{
	stop_all
}

atf_test_case history cleanup
history_head()
{
	atf_set "descr" "history is saved in SETKEY_HISTORY, mode 0600," \
	    "with key material replaced, and recalled in the next session"
}
history_body()
{
	start_sadbd
	# an older file with a wider mode is made private
	printf '_HiStOrY_V2_\nflush;\n' >hist
	chmod 0644 hist
	start_console
	line 'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/transport//require;'
	line 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc 0xfeedfacefeedfacefeedfacefeedface'
	line '    -A hmac-sha1 "SECRETKEY-20-bytes!!";'
	# refused by the parser, still no key in the history
	line 'add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-cbc 0xabad1deaabad1deaabad1dea;'
	line 'add 10.0.0.1 10.0.0.2 esp 0x1002 -E aes-cbc "SECRETKEY-not-16" # 0xc0ffeec0ffeec0ffeec0ffee'
	line ';'
	line 'add 10.0.0.1 10.0.0.2 ah 0x1003 -A hmac-sha1 0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef -ctx 1 1 "system_u:object_r:label";'
	wait_last 'setkey>'
	atf_check -o match:'spi=4096' ./sk -D
	line 'quit'
	wait_done
	atf_check -o inline:"600\n" stat -c %a hist
	if grep -i -e feedface -e SECRETKEY -e abad1dea -e c0ffee -e deadbeef hist; then
		atf_fail "key material in the history: $(cat hist)"
	fi
	for w in 'spdadd' 'esp/transport//require' 'hmac-sha1\040<key>' \
	    'aes-cbc\040<key>' 'system_u:object_r:label'; do
		grep -qF -- "$w" hist || atf_fail "history lacks $w: $(cat hist)"
	done
	grep -q '^flush;$' hist || atf_fail "the old history was lost"
	# the next session recalls the last statement
	rm -f done
	kill_tmux
	start_console
	key C-p
	wait_last 'setkey> add 10.0.0.1 10.0.0.2 ah 0x1003 -A hmac-sha1 <key> -ctx 1 1 "system_u:object_r:label";'
	key C-u
	line 'quit'
	wait_done
	# SETKEY_HISTORY set but empty: no file
	rm -f hist done
	kill_tmux
	T new-session -d -s sk -x 160 -y 60 \
	    "SETKEY_HISTORY= HOME='$PWD' '$SETKEY' -B 'sadbd:$PWD/sock' -c;
	    touch '$PWD/done'; sleep 60"
	wait_last 'setkey>'
	line 'flush;'
	line 'quit'
	wait_done
	[ -e hist ] && atf_fail "a history file although SETKEY_HISTORY is empty"
	[ -e .setkey_history ] && atf_fail "~/.setkey_history written"
	return 0
}
history_cleanup()
{
	stop_all
}

atf_test_case exit_statement cleanup
exit_statement_head()
{
	atf_set "descr" "exit; (the grammar's) runs what precedes it and" \
	    "ends the console"
}
exit_statement_body()
{
	start_sadbd
	start_console
	line "add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc $KEY16; exit;"
	wait_done
	atf_check -o inline:"0\n" cat done
	atf_check -o match:'spi=4096' ./sk -D
}
exit_statement_cleanup()
{
	stop_all
}

atf_init_test_cases()
{
	atf_add_test_case prompt_help
	atf_add_test_case multiline
	atf_add_test_case completion
	atf_add_test_case history
	atf_add_test_case exit_statement
}
