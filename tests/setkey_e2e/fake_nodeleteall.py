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

# A fake PF_KEY peer on a sadbd-style socket (one client, Linux dialect)
# that behaves as Linux af_key does for deleteall: a DELETE without an SA
# extension is EINVAL.  It answers DUMP with four ESP SAs and DELETE with
# an echo, and logs what it was asked: setkey's fallback (dump, then one
# DELETE per SA of the pair) is what the test checks.
#
#   python3 fake_nodeleteall.py SOCKET LOG

import socket, struct, sys
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(path)
s.listen(1)
c, _ = s.accept()
def exts(m):
    off, out = 16, {}
    while off + 4 <= len(m):
        l, t = struct.unpack_from('<HH', m, off)
        if l == 0:
            break
        out[t] = m[off:off + l * 8]
        off += l * 8
    return out
def hdr(typ, err, satype, body, seq, pid):
    return struct.pack('<BBBBHHII', 2, typ, err, satype, 2 + len(body) // 8, 0, seq, pid) + body
def sa(spi):
    return struct.pack('<HH', 2, 1) + struct.pack('>I', spi) + struct.pack('<BBBBI', 0, 1, 0, 12, 0)
def addr(t, ip):
    return struct.pack('<HHBBH', 3, t, 255, 32, 0) + struct.pack('<H', socket.AF_INET) + struct.pack('>H', 0) + socket.inet_aton(ip) + b'\0' * 8
sas = [(0x100, '10.0.0.1', '10.0.0.2'), (0x101, '10.0.0.1', '10.0.0.2'), (0x102, '10.0.0.1', '10.0.0.3'), (0x103, '10.0.0.2', '10.0.0.1')]
with open(log, 'w') as f:
    while True:
        m = c.recv(65536)
        if not m:
            break
        v, typ, err, satype, ln, res, seq, pid = struct.unpack_from('<BBBBHHII', m)
        e = exts(m)
        if typ == 4 and 1 not in e:
            f.write('deleteall refused\n')
            c.send(hdr(4, 22, satype, b'', seq, pid))
        elif typ == 10:
            f.write('dump %d\n' % satype)
            for i, (spi, a, b) in enumerate(sas):
                body = sa(spi) + addr(5, a) + addr(6, b)
                c.send(hdr(10, 0, 3, body, len(sas) - 1 - i, pid))
        elif typ == 4:
            spi = struct.unpack_from('>I', e[1], 4)[0]
            f.write('delete 0x%x\n' % spi)
            c.send(hdr(4, 0, satype, m[16:], seq, pid))
        else:
            f.write('other %d\n' % typ)
            c.send(hdr(typ, 95, satype, b'', seq, pid))
        f.flush()
