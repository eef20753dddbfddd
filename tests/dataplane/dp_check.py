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

"""dp_check.py: check the ESP and AH that sadbd's data plane put on the
wire (a capture taken between the two endpoints) against the keys of the
setkey script that keyed them, with two oracles that owe nothing to the
engine:

  - this script's own decryption (python3-cryptography): AES-GCM with
    8/12/16-byte ICVs, ChaCha20-Poly1305 (RFC 7634), AES-CBC and AES-CTR
    (RFC 3686) or NULL with HMAC-SHA1/SHA2, AH with HMAC (RFC 4302 ICV
    over the immutable IP header fields), each with or without extended
    sequence numbers (RFC 4303 2.2.1: the high 32 bits in the AAD or
    after the data the ICV covers);
  - tshark (esp.enable_encryption_decode, the esp_sa table built as
    tests/kernel/esp_check.py builds it) for what it can check: AES-GCM,
    AES-CBC, AES-CTR and NULL with HMAC, without ESN.

Outer IP fragments (IPv4, IPv6 Fragment headers) are put back together
first, as the receiver's kernel does, and both oracles see the datagrams.

usage: dp_check.py [-n] [-v] [-T] [-u port,...] [-i net,...] PCAP CONF...
  -n  negative control: flip the first hex digit of every key; then no
      packet may pass either oracle, and every SA must have been checked
  -T  skip the tshark pass
  -u  UDP ports that carry ESP (RFC 3948; default 4500)
  -i  inner networks of tunnel-mode SAs (their inner packets must be
      between these); transport mode packets must be between the SA's
      own addresses
  -v  print every packet

Checks (positive run): every SA of CONF carried packets; every ESP/AH
packet has a known SPI, a good ICV under both oracles and decrypts to
well-formed padding and an ICMP echo/reply or TCP packet between the
expected addresses; each SA carried both ICMP and TCP; no packet between
the endpoints travelled in the clear.  Prints one line per SA, FAIL lines
and "dp_check: ok" (exit 0) or "dp_check: N failures" (exit 1).
"""

import getopt
import hashlib
import hmac
import ipaddress
import os
import struct
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "kernel"))
import sadb_cmp   # noqa: E402  (the setkey script reader)
import esp_check  # noqa: E402  (tshark's esp_sa table entries)

from cryptography.hazmat.primitives.ciphers import (  # noqa: E402
    Cipher, algorithms, modes)
from cryptography.hazmat.primitives.ciphers.aead import (  # noqa: E402
    ChaCha20Poly1305)
from cryptography.exceptions import InvalidTag  # noqa: E402

HASH = {"hmac-sha1": hashlib.sha1, "hmac-sha2-256": hashlib.sha256,
        "hmac-sha2-384": hashlib.sha384, "hmac-sha2-512": hashlib.sha512}
ICVLEN = {"hmac-sha1": 12, "hmac-sha2-256": 16, "hmac-sha2-384": 24,
          "hmac-sha2-512": 32}
GCM_ICV = {"aes-gcm-8": 8, "aes-gcm-12": 12, "aes-gcm-16": 16}
TSHARK_OK = set(esp_check.TSHARK_ENC) - {"3des-cbc", "des-cbc"}


def flip(key):
    return esp_check.flip(key)


# ----------------------------------------------------------------- pcap

def pcap_frames(path):
    """(number, IP packet bytes) of an Ethernet or Linux cooked capture."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit("dp_check: %s: not a pcap file" % path)
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        e = ">"
    else:
        raise SystemExit("dp_check: %s: not a pcap file" % path)
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off, n = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        n += 1
        if linktype == 1:           # Ethernet
            if len(frame) < 14:
                continue
            et, p = struct.unpack(">H", frame[12:14])[0], frame[14:]
            while et == 0x8100 and len(p) >= 4:
                et, p = struct.unpack(">H", p[2:4])[0], p[4:]
        elif linktype == 113:       # Linux cooked
            if len(frame) < 16:
                continue
            et, p = struct.unpack(">H", frame[14:16])[0], frame[16:]
        elif linktype == 101:       # raw IP
            et, p = (0x86dd if frame[:1] and frame[0] >> 4 == 6
                     else 0x800), frame
        else:
            raise SystemExit("dp_check: link type %d" % linktype)
        if et in (0x800, 0x86dd):
            yield n, p


def split_gso(esp):
    """The ESP packets of a UDP GSO batch as the capture saw it (one frame:
    the datagrams of one size glued after one UDP header; the kernel cuts
    them where a real link needs it).  Packet k starts at k * size with
    the SPI and a sequence number above packet k - 1's (not always the
    next: another thread may have sent on the SA in between); returns
    the list (one packet if there is no such stride)."""
    if len(esp) < 16:
        return [esp]
    spi = esp[:4]
    seq0 = struct.unpack(">I", esp[4:8])[0]
    start = 16
    while True:
        size = esp.find(spi, start)
        if size < 0 or size + 8 > len(esp):
            return [esp]
        start = size + 1
        s1 = struct.unpack(">I", esp[size + 4:size + 8])[0]
        if not seq0 < s1 <= seq0 + 4096:
            continue
        out, prev = [], seq0 - 1
        for off in range(0, len(esp), size):
            c = esp[off:off + size]
            sq = struct.unpack(">I", c[4:8])[0] if len(c) >= 8 else -1
            if c[:4] != spi or not prev < sq <= prev + 4096:
                break
            out.append(c)
            prev = sq
        else:
            return out


def frag_of(p):
    """(key, offset, more, payload, header) of an IPv4 fragment or an IPv6
    packet with a Fragment header (the header as the reassembled datagram
    has it: the unfragmentable part, the Fragment header's next header in
    its place), or None."""
    if len(p) >= 20 and p[0] >> 4 == 4:
        hl = (p[0] & 15) * 4
        tl = struct.unpack(">H", p[2:4])[0]
        fo = struct.unpack(">H", p[6:8])[0]
        if not fo & 0x3fff or hl < 20 or tl < hl or tl > len(p):
            return None
        return ((4, p[12:16], p[16:20], p[9], p[4:6]), (fo & 0x1fff) * 8,
                bool(fo & 0x2000), p[hl:tl], p[:hl])
    if len(p) >= 40 and p[0] >> 4 == 6:
        tl = 40 + struct.unpack(">H", p[4:6])[0]
        off, nh, nhoff = 40, p[6], 6
        while nh in (0, 43, 60) and off + 8 <= tl:
            nhoff, nh, off = off, p[off], off + (p[off + 1] + 1) * 8
        if nh != 44 or off + 8 > tl or tl > len(p):
            return None
        fo = struct.unpack(">H", p[off + 2:off + 4])[0]
        hdr = bytearray(p[:off])
        hdr[nhoff] = p[off]
        return ((6, p[8:24], p[24:40], p[off + 4:off + 8]), fo & 0xfff8,
                bool(fo & 1), p[off + 8:tl], bytes(hdr))
    return None


def reassemble(frames):
    """The capture's packets with IP fragments (RFC 791, RFC 8200 4.5) put
    back together, each datagram numbered as its last fragment; overlaps
    and gaps leave a datagram out (its fragments then fail as packets in
    the clear)."""
    pending = {}
    for n, p in frames:
        f = frag_of(p)
        if f is None:
            yield n, p
            continue
        key, off, more, data, hdr = f
        d = pending.setdefault(key, {"parts": {}, "hdr": None,
                                     "total": None, "frames": []})
        d["parts"][off] = data
        d["frames"].append((n, p))
        if off == 0:
            d["hdr"] = hdr
        if not more:
            d["total"] = off + len(data)
        if d["hdr"] is None or d["total"] is None:
            continue
        body, pos = b"", 0
        for o in sorted(d["parts"]):
            if o != pos:
                break
            body += d["parts"][o]
            pos += len(d["parts"][o])
        if pos != d["total"]:
            continue
        del pending[key]
        h = bytearray(d["hdr"])
        if key[0] == 4:
            h[2:4] = struct.pack(">H", len(h) + len(body))
            h[6:8] = b"\0\0"
            h[10:12] = b"\0\0"
            ck = sum(struct.unpack(">%dH" % (len(h) // 2), bytes(h)))
            ck = (ck & 0xffff) + (ck >> 16)
            ck = (ck & 0xffff) + (ck >> 16)
            h[10:12] = struct.pack(">H", ~ck & 0xffff)
        else:
            h[4:6] = struct.pack(">H", len(h) - 40 + len(body))
        yield n, bytes(h) + body
    # Incomplete datagrams: their fragments as they are.
    for d in pending.values():
        for n, p in d["frames"]:
            yield n, p


def normalise(frames):
    """The capture's IP packets with GSO batches cut into datagrams, as
    (number, packet); every UDP datagram rebuilt with its own IP and UDP
    header."""
    n = 0
    for _, p in frames:
        ip = ip_parse(p)
        if ip is None or ip[3] != 17 or len(ip[5]) < ip[4] + 8:
            n += 1
            yield n, p
            continue
        ver, _, _, _, hl, pkt = ip
        udp, pay = pkt[hl:hl + 8], pkt[hl + 8:]
        parts = split_gso(pay) if len(pay) > 8 and \
            pay[:4] != b"\0\0\0\0" else [pay]
        for c in parts:
            h = bytearray(pkt[:hl])
            u = bytearray(udp)
            u[4:6] = struct.pack(">H", 8 + len(c))
            u[6:8] = b"\0\0"
            if ver == 4:
                h[2:4] = struct.pack(">H", hl + 8 + len(c))
                h[10:12] = b"\0\0"
                ck = sum(struct.unpack(">10H", bytes(h[:20])))
                ck = (ck & 0xffff) + (ck >> 16)
                ck = (ck & 0xffff) + (ck >> 16)
                h[10:12] = struct.pack(">H", ~ck & 0xffff)
            else:
                h[4:6] = struct.pack(">H", 8 + len(c))
            n += 1
            yield n, bytes(h) + bytes(u) + c


def write_pcap(path, packets):
    """A raw-IP capture (link type 101) of (number, packet)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535,
                            101))
        for n, p in packets:
            f.write(struct.pack("<IIII", n, 0, len(p), len(p)))
            f.write(p)


def ip_parse(p):
    """(version, src, dst, proto, header length, packet) or None."""
    if len(p) >= 20 and p[0] >> 4 == 4:
        hl = (p[0] & 15) * 4
        tl = struct.unpack(">H", p[2:4])[0]
        if hl < 20 or tl < hl or tl > len(p):
            return None
        return (4, ipaddress.ip_address(p[12:16]),
                ipaddress.ip_address(p[16:20]), p[9], hl, p[:tl])
    if len(p) >= 40 and p[0] >> 4 == 6:
        tl = 40 + struct.unpack(">H", p[4:6])[0]
        if tl > len(p):
            return None
        return (6, ipaddress.ip_address(p[8:24]),
                ipaddress.ip_address(p[24:40]), p[6], 40, p[:tl])
    return None


# ------------------------------------------------------------ decryption

def split_key(sa, negative):
    ek = bytes.fromhex(flip(sa["enc_key"]) if negative else sa["enc_key"])
    ak = bytes.fromhex(flip(sa["auth_key"]) if negative else sa["auth_key"])
    return ek, ak


def esp_open(sa, esp, negative, hi=0):
    """The plaintext payload and next header of an ESP packet, or an
    error string; hi: the high half of the sequence number with ESN."""
    ek, ak = split_key(sa, negative)
    if len(esp) < 8:
        return "short ESP"
    spi, seq = esp[:4], esp[4:8]
    seqhi = struct.pack(">I", hi)
    enc = sa["enc"]
    if enc in GCM_ICV or enc == "chacha20-poly1305":
        icv = 16 if enc == "chacha20-poly1305" else GCM_ICV[enc]
        if len(esp) < 8 + 8 + icv:
            return "short ESP"
        iv, ct, tag = esp[8:16], esp[16:len(esp) - icv], esp[-icv:]
        aad = spi + seqhi + seq if sa["esn"] else spi + seq
        key, salt = ek[:-4], ek[-4:]
        try:
            if enc == "chacha20-poly1305":
                pt = ChaCha20Poly1305(key).decrypt(salt + iv, ct + tag, aad)
            else:
                d = Cipher(algorithms.AES(key),
                           modes.GCM(salt + iv, tag, min_tag_length=icv)
                           ).decryptor()
                d.authenticate_additional_data(aad)
                pt = d.update(ct) + d.finalize()
        except (InvalidTag, ValueError):
            return "ICV"
    else:
        icv = ICVLEN[sa["auth"]]
        ivlen = {"aes-cbc": 16, "aes-ctr": 8, "null": 0}[enc]
        if len(esp) < 8 + ivlen + icv:
            return "short ESP"
        covered = esp[:-icv] + (seqhi if sa["esn"] else b"")
        mac = hmac.new(ak, covered, HASH[sa["auth"]]).digest()[:icv]
        if not hmac.compare_digest(mac, esp[-icv:]):
            return "ICV"
        iv, ct = esp[8:8 + ivlen], esp[8 + ivlen:-icv]
        if enc == "aes-cbc":
            if len(ct) % 16:
                return "CBC length"
            d = Cipher(algorithms.AES(ek), modes.CBC(iv)).decryptor()
            pt = d.update(ct) + d.finalize()
        elif enc == "aes-ctr":
            key, nonce = ek[:-4], ek[-4:]
            d = Cipher(algorithms.AES(key),
                       modes.CTR(nonce + iv + b"\0\0\0\1")).decryptor()
            pt = d.update(ct) + d.finalize()
        else:
            pt = ct
    if len(pt) < 2:
        return "no trailer"
    padlen, nh = pt[-2], pt[-1]
    if padlen + 2 > len(pt):
        return "pad length"
    pad = pt[-2 - padlen:-2]
    if pad != bytes(range(1, padlen + 1)):
        return "padding bytes"
    return pt[:-2 - padlen], nh


def ah_check(sa, ip, negative, hi=0):
    """(inner payload, next header) of an AH packet, or an error."""
    ver, _, _, _, hl, p = ip
    _, ak = split_key(sa, negative)
    ah = p[hl:]
    if len(ah) < 12:
        return "short AH"
    nh, alen = ah[0], (ah[1] + 2) * 4
    if alen > len(ah):
        return "AH length"
    icvlen = ICVLEN[sa["auth"]]
    icv = ah[12:12 + icvlen]
    hdr = bytearray(p[:hl])
    if ver == 4:
        hdr[1] = 0                  # TOS
        hdr[6:8] = b"\0\0"          # flags, fragment offset
        hdr[8] = 0                  # TTL
        hdr[10:12] = b"\0\0"        # checksum
    else:
        hdr[0] &= 0xf0              # traffic class, flow label
        hdr[1:4] = b"\0\0\0"
        hdr[7] = 0                  # hop limit
    zah = bytearray(ah[:alen])
    zah[12:alen] = bytes(alen - 12)
    covered = bytes(hdr) + bytes(zah) + ah[alen:] + \
        (struct.pack(">I", hi) if sa["esn"] else b"")
    mac = hmac.new(ak, covered, HASH[sa["auth"]]).digest()[:icvlen]
    if not hmac.compare_digest(mac, icv):
        return "ICV"
    return ah[alen:], nh


def inner_kind(payload, nh, sa, outer, inner_nets):
    """What a decrypted packet carried ('echo', 'reply', 'tcp';
    'fragment': a later fragment of an inner packet) or an error
    string."""
    if nh in (4, 41):
        if sa["mode"] != "tunnel":
            return "an IP packet inside a transport-mode SA"
        ip = ip_parse(payload)
        if ip is None:
            return "bad inner IP header"
        if not any(ip[1] in n for n in inner_nets) or \
                not any(ip[2] in n for n in inner_nets):
            return "inner %s -> %s outside %s" % (
                ip[1], ip[2], ",".join(str(n) for n in inner_nets))
        nh, payload = ip[3], ip[5][ip[4]:]
        # A tunnel carries the fragments a host or router made: a later
        # one has no upper-layer header, a first one its beginning.
        if ip[0] == 4 and struct.unpack(">H", ip[5][6:8])[0] & 0x1fff:
            return "fragment"
        if nh == 44 and len(payload) >= 8:
            if struct.unpack(">H", payload[2:4])[0] & 0xfff8:
                return "fragment"
            nh, payload = payload[0], payload[8:]
    elif sa["mode"] == "tunnel":
        return "transport payload in a tunnel-mode SA"
    if nh in (1, 58) and payload:
        return {8: "echo", 0: "reply", 128: "echo",
                129: "reply"}.get(payload[0], "icmp %d" % payload[0])
    if nh == 6 and len(payload) >= 20:
        return "tcp"
    return "next header %d" % nh


def open_esn(sa, s, kind, what, negative):
    """esp_open() or ah_check(); with ESN the high half of the sequence
    number is the SA's current one or, once the low half wrapped, the
    next (RFC 4303 appendix A2: the receiver infers it the same way)."""
    f = esp_open if kind == "esp" else ah_check
    hi = s.setdefault("hi", 0)
    r = f(sa, what, negative, hi)
    if isinstance(r, str) and sa["esn"]:
        r2 = f(sa, what, negative, hi + 1)
        if not isinstance(r2, str):
            s["hi"] = hi + 1
            s["wrapped"] = True
            return r2
    return r


def bundle(r, inner, src, dst, num, spi, bykey, seen, negative, inner_nets,
           fails, ts):
    """Check the ESP packet inside an AH packet (r: the AH result);
    returns what the AH SA carried in the end (the ESP's content)."""
    if len(inner) < 4 or (str(src), str(dst), struct.unpack(
            ">I", inner[:4])[0]) not in bykey:
        fails.append("frame %d: SA 0x%x: unknown ESP inside" % (num, spi))
        return "unknown ESP inside"
    ik = (str(src), str(dst), struct.unpack(">I", inner[:4])[0])
    isa, s = bykey[ik], seen[ik]
    s["n"] += 1
    if ts is not None and num in ts and ts[num][0] == ik[2] and \
            tshark_can(isa):
        s["ts"] += 1
        s["ts_good"] += ts[num][1]
        s["ts_bad"] += ts[num][2]
        if not negative and not ts[num][1]:
            fails.append("frame %d: SA 0x%x: tshark: ICV not good" %
                         (num, ik[2]))
    e = open_esn(isa, s, "esp", inner, negative)
    if isinstance(e, str):
        if not negative:
            fails.append("frame %d: SA 0x%x inside 0x%x: %s" %
                         (num, ik[2], spi, e))
        return r if isinstance(r, str) else e
    s["good"] += 1
    what = inner_kind(e[0], e[1], isa, (src, dst), inner_nets)
    if what in ("echo", "reply", "tcp"):
        s["inner"].add("icmp" if what != "tcp" else "tcp")
    elif what != "fragment" and not negative:
        fails.append("frame %d: SA 0x%x: %s" % (num, ik[2], what))
    return r if isinstance(r, str) else e


# ---------------------------------------------------------------- tshark

def tshark_pass(pcap, sas, ports, negative):
    """frame number -> (spi, icv_good) for the SAs tshark can check."""
    cmd = ["tshark", "-n", "-r", pcap,
           "-o", "esp.enable_encryption_decode:TRUE",
           "-o", "esp.enable_authentication_check:TRUE"]
    for p in ports:
        if p != 4500:
            cmd += ["-d", "udp.port==%d,udpencap" % p]
    for sa in sas:
        cmd += ["-o", esp_check.uat(sa, negative)]
    cmd += ["-Y", "esp", "-T", "fields", "-E", "separator=|",
            "-e", "frame.number", "-e", "esp.spi", "-e", "esp.icv_good",
            "-e", "esp.icv_bad"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        sys.exit("dp_check: tshark failed: %s" % p.stderr.strip())
    res = {}
    for line in p.stdout.splitlines():
        v = line.split("|")
        if len(v) < 4 or not v[1]:
            continue
        res[int(v[0])] = (int(v[1].split(",")[0], 16),
                          v[2].split(",")[:1] == ["1"],
                          v[3].split(",")[:1] == ["1"])
    return res


def tshark_can(sa):
    return (sa["proto"] == "esp" and not sa["esn"] and
            sa["enc"] in TSHARK_OK and
            (sa["auth"] is None or (sa["auth"], sa["icv"]) in
             esp_check.TSHARK_AUTH))


# ------------------------------------------------------------------ main

def main():
    try:
        opts, args = getopt.getopt(sys.argv[1:], "nvTu:i:")
    except getopt.GetoptError as e:
        sys.exit("dp_check: %s" % e)
    negative = verbose = False
    use_tshark = True
    ports = [4500]
    inner_nets = []
    for o, v in opts:
        if o == "-n":
            negative = True
        elif o == "-v":
            verbose = True
        elif o == "-T":
            use_tshark = False
        elif o == "-u":
            ports = [int(x) for x in v.split(",")]
        elif o == "-i":
            inner_nets = [ipaddress.ip_network(x) for x in v.split(",")]
    if len(args) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    pcap, confs = args[0], args[1:]
    res = sadb_cmp.Result(False)
    sas, _ = sadb_cmp.read_conf(confs, "xfrm", res)
    bykey = {(s["src"], s["dst"], s["spi"]): s for s in sas.values()}
    ends = {ipaddress.ip_address(s[a]) for s in sas.values()
            for a in ("src", "dst")}
    seen = {k: {"n": 0, "good": 0, "ts": 0, "ts_good": 0, "ts_bad": 0,
                "inner": set()} for k in bykey}
    packets = list(normalise(reassemble(pcap_frames(pcap))))
    norm = pcap + ".split"
    write_pcap(norm, packets)
    ts = {}
    if use_tshark:
        ts = tshark_pass(norm, [s for s in sas.values() if tshark_can(s)],
                         ports, negative)
    fails = []
    for num, frame in packets:
        ip = ip_parse(frame)
        if ip is None:
            continue
        ver, src, dst, proto, hl, p = ip
        body = p[hl:]
        kind = None
        if proto == 17 and len(body) >= 8 and \
                (struct.unpack(">H", body[2:4])[0] in ports or
                 struct.unpack(">H", body[0:2])[0] in ports):
            pay = body[8:]
            if len(pay) == 1 and pay[0] == 0xff:
                continue                # NAT-T keepalive
            if len(pay) >= 4 and pay[:4] == b"\0\0\0\0":
                continue                # IKE
            kind, esp = "esp", pay
        elif proto == 50:
            kind, esp = "esp", body
        elif proto == 51:
            kind = "ah"
        elif src in ends and dst in ends:
            fails.append("frame %d: %s -> %s protocol %d in the clear" %
                         (num, src, dst, proto))
            continue
        else:
            continue
        hdr = esp if kind == "esp" else body[4:]
        if len(hdr) < 4:
            fails.append("frame %d: %s packet too short" % (num, kind))
            continue
        spi = struct.unpack(">I", hdr[:4])[0]
        k = (str(src), str(dst), spi)
        if k not in bykey:
            fails.append("frame %d: %s SPI 0x%x %s -> %s: no such SA" %
                         (num, kind, spi, src, dst))
            continue
        sa, s = bykey[k], seen[k]
        if sa["proto"] != kind:
            fails.append("frame %d: SA 0x%x is %s, packet is %s" %
                         (num, spi, sa["proto"], kind))
            continue
        s["n"] += 1
        r = open_esn(sa, s, kind, esp if kind == "esp" else ip, negative)
        if kind == "ah" and len(body) >= 12 and body[0] == 50:
            # A bundle: ESP inside AH (which does not encrypt), checked
            # on its own whatever the AH ICV said.
            r = bundle(r, body[(body[1] + 2) * 4:], src, dst, num, spi,
                       bykey, seen, negative, inner_nets, fails,
                       ts if use_tshark else None)
        if num in ts and use_tshark and tshark_can(sa):
            s["ts"] += 1
            s["ts_good"] += ts[num][1]
            s["ts_bad"] += ts[num][2]
            if not negative and not ts[num][1]:
                fails.append("frame %d: SA 0x%x: tshark: ICV not good" %
                             (num, spi))
        if verbose:
            print("frame %d: %s 0x%x %s -> %s: %s" %
                  (num, kind, spi, src, dst,
                   r if isinstance(r, str) else "ok"))
        if isinstance(r, str):
            if not negative:
                fails.append("frame %d: SA 0x%x: %s" % (num, spi, r))
            continue
        s["good"] += 1
        if negative:
            continue
        what = inner_kind(r[0], r[1], sa, (src, dst), inner_nets)
        if what == "fragment":
            continue
        if what not in ("echo", "reply", "tcp"):
            fails.append("frame %d: SA 0x%x: %s" % (num, spi, what))
            continue
        s["inner"].add("icmp" if what != "tcp" else "tcp")
    for k, s in sorted(seen.items(), key=lambda i: i[0][2]):
        sa = bykey[k]
        name = "%s SA 0x%x %s %s -> %s (%s%s%s)" % (
            sa["proto"], k[2], sa["mode"], k[0], k[1], sa["enc"] or "",
            "" if sa["auth"] is None else
            "%s%s" % (", " if sa["enc"] else "", sa["auth"]),
            ", esn" if sa["esn"] else "")
        print("%s: %d packets, %d decrypted, tshark %d checked %d good; "
              "carried %s%s" % (name, s["n"], s["good"], s["ts"],
                                s["ts_good"],
                                " ".join(sorted(s["inner"])) or "-",
                                "; sequence numbers past 2^32"
                                if s.get("wrapped") else ""))
        if s["n"] == 0:
            fails.append("%s: no packets" % name)
            continue
        if tshark_can(sa) and use_tshark and s["ts"] != s["n"]:
            fails.append("%s: tshark checked %d of %d packets" %
                         (name, s["ts"], s["n"]))
        if negative:
            if s["good"]:
                fails.append("%s: %d packets passed under wrong keys" %
                             (name, s["good"]))
            if s["ts_good"]:
                fails.append("%s: tshark passed %d packets under wrong "
                             "keys" % (name, s["ts_good"]))
            # Garbage that dissects as a malformed packet stops tshark
            # before it reports the ICV: some must be reported bad.
            if tshark_can(sa) and use_tshark and s["ts_bad"] == 0:
                fails.append("%s: tshark checked no ICV under wrong keys" %
                             name)
        else:
            if s["good"] != s["n"]:
                fails.append("%s: %d of %d packets good" %
                             (name, s["good"], s["n"]))
            if s["inner"] != {"icmp", "tcp"}:
                fails.append("%s: carried %s, expected ICMP and TCP" %
                             (name, sorted(s["inner"])))
    for f in fails:
        print("FAIL " + f)
    print("dp_check: " + ("%d failures" % len(fails) if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
