#!/usr/bin/env python3
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

"""seq_check.py: the ESP sequence numbers and payloads a capture holds,
for the tests of sequence numbers across restarts (seq_test).

usage: seq_check.py seq PCAP SPI
         the sequence numbers of SA SPI (hex or decimal), one per line,
         in capture order, as tshark reads them (esp.sequence) after the
         UDP GSO batches of the capture are cut into datagrams (dp_check's
         normalisation: tshark would see the first datagram of a batch
         only)
       seq_check.py replay PCAP SPI SRC DST
         send the ESP payloads of SA SPI again, each as one UDP datagram
         from SRC:4500 to DST:4500 (run in the sender's namespace; the
         socket shares the port with sadbd's through SO_REUSEPORT and
         carries sadbd's mark, so the packets go to the wire as sadbd's
         do, not into the TUN device); prints the number sent
"""

import os
import socket
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dp_check  # noqa: E402  (pcap reading and GSO normalisation)

NATT_PORT = 4500
DP_MARK = 0x5adb
SO_MARK = getattr(socket, "SO_MARK", 36)


def normalised(pcap):
    return list(dp_check.normalise(dp_check.pcap_frames(pcap)))


def esp_payloads(pcap, spi):
    """The UDP payloads (ESP packets) of SA spi, in capture order."""
    out = []
    for _, p in normalised(pcap):
        ip = dp_check.ip_parse(p)
        if ip is None or ip[3] != 17:
            continue
        hl, pkt = ip[4], ip[5]
        pay = pkt[hl + 8:]
        if len(pay) >= 8 and int.from_bytes(pay[:4], "big") == spi:
            out.append(pay)
    return out


def cmd_seq(pcap, spi):
    with tempfile.TemporaryDirectory() as d:
        norm = os.path.join(d, "norm.pcap")
        dp_check.write_pcap(norm, normalised(pcap))
        r = subprocess.run(
            ["tshark", "-n", "-r", norm, "-Y", "esp.spi == %d" % spi,
             "-T", "fields", "-e", "esp.sequence"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False,
            universal_newlines=True)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            return 1
        for line in r.stdout.split():
            print(int(line, 0))
    return 0


def cmd_replay(pcap, spi, src, dst):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_MARK, DP_MARK)
    s.bind((src, NATT_PORT))
    n = 0
    for pay in esp_payloads(pcap, spi):
        s.sendto(pay, (dst, NATT_PORT))
        n += 1
    s.close()
    print(n)
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "seq":
        return cmd_seq(a[1], int(a[2], 0))
    if len(a) == 5 and a[0] == "replay":
        return cmd_replay(a[1], int(a[2], 0), a[3], a[4])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
