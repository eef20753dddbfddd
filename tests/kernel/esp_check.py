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

"""esp_check.py: decrypt a capture of guest_net.sh with tshark, using the
keys of the setkey script that keyed the guest, and check what came out.

usage: esp_check.py [-n] [-p] [-v] PCAP CONF
  -n  negative control: flip the first hex digit of every key; then no
      packet may pass its ICV, and some must be checked and fail
  -p  the SAs were installed through Linux af_key (HMAC-SHA2-256 has a
      96-bit ICV on the wire)
  -v  print every packet

Checks, per SA of CONF (the tshark oracle owes nothing to pfkeykit):
  - the SA carried packets, each with a good ICV (esp.icv_good);
  - each decrypted to what guest_net.sh sent: ICMP or ICMPv6 echo and
    TCP, right after the ESP header in transport mode, inside an inner
    IPv4 or IPv6 header between the networks behind the gateways
    (10.1.0.0/24, 10.2.0.0/24, fd01::/64, fd02::/64) in tunnel mode;
  - both echo directions and TCP are seen on each SA;
and on the wire as a whole: every IP packet between the endpoints is
ESP (no plaintext leaked past the policies), no ESP packet has an SPI
the script did not install.  Output: one line per SA, "FAIL ..." lines,
"esp_check: ok" or "esp_check: N failures"; exit status 1 on failure.
"""

import getopt
import ipaddress
import os
import subprocess
import sys

sys.dont_write_bytecode = True         # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sadb_cmp  # noqa: E402  (the setkey script reader)

TSHARK_ENC = {
    "aes-cbc": "AES-CBC [RFC3602]", "aes-ctr": "AES-CTR [RFC3686]",
    "3des-cbc": "TripleDES-CBC [RFC2451]", "des-cbc": "DES-CBC [RFC2405]",
    "null": "NULL",
    "aes-gcm-8": "AES-GCM with 8 octet ICV [RFC4106]",
    "aes-gcm-12": "AES-GCM with 12 octet ICV [RFC4106]",
    "aes-gcm-16": "AES-GCM with 16 octet ICV [RFC4106]",
}
TSHARK_AUTH = {
    ("hmac-sha1", 96): "HMAC-SHA-1-96 [RFC2404]",
    ("hmac-md5", 96): "HMAC-MD5-96 [RFC2403]",
    ("hmac-sha2-256", 128): "HMAC-SHA-256-128 [RFC4868]",
    ("hmac-sha2-256", 96): "HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]",
    ("hmac-sha2-384", 192): "HMAC-SHA-384-192 [RFC4868]",
    ("hmac-sha2-512", 256): "HMAC-SHA-512-256 [RFC4868]",
    ("hmac-ripemd160", 96): "MAC-RIPEMD-160-96 [RFC2857]",
}
INNER = [ipaddress.ip_network(n) for n in
         ("10.1.0.0/24", "10.2.0.0/24", "fd01::/64", "fd02::/64")]
ENDPOINTS = {"10.0.0.1", "10.0.0.2", "fd00::1", "fd00::2"}
FIELDS = ("frame.number", "frame.protocols", "esp.spi", "esp.icv_good", "esp.icv_bad",
          "ip.src", "ip.dst", "ip.proto", "ipv6.src", "ipv6.dst",
          "ipv6.nxt", "icmp.type", "icmpv6.type", "tcp.srcport")


def flip(key):
    """The key with its first hex digit changed (0 <-> 1, else -> 0)."""
    if not key:
        return key
    d = key[0]
    return ("1" if d == "0" else "0") + key[1:]


def uat(sa, negative):
    fam = "IPv6" if ":" in sa["src"] else "IPv4"
    enc = TSHARK_ENC[sa["enc"]]
    ek = sa["enc_key"]
    if sa["auth"] is None:
        auth, ak = "NULL", ""
    else:
        auth, ak = TSHARK_AUTH[(sa["auth"], sa["icv"])], sa["auth_key"]
    if negative:
        ek, ak = flip(ek), flip(ak)
    return ('uat:esp_sa:"%s","%s","%s","0x%08x","%s","%s","%s","%s"' %
            (fam, sa["src"], sa["dst"], sa["spi"], enc,
             "0x" + ek if ek else "", auth, "0x" + ak if ak else ""))


def tshark(pcap, sas, negative):
    cmd = ["tshark", "-n", "-r", pcap,
           "-o", "esp.enable_encryption_decode:TRUE",
           "-o", "esp.enable_authentication_check:TRUE"]
    for sa in sas.values():
        cmd += ["-o", uat(sa, negative)]
    cmd += ["-Y", "ip or ipv6", "-T", "fields", "-E", "separator=|",
            "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        sys.exit("esp_check: tshark failed: %s" % p.stderr.strip())
    for line in p.stdout.splitlines():
        v = line.split("|")
        yield {f: (v[i].split(",") if v[i] else [])
               for i, f in enumerate(FIELDS)}


def main():
    try:
        opts, args = getopt.getopt(sys.argv[1:], "npv")
    except getopt.GetoptError as e:
        sys.exit("esp_check: %s" % e)
    negative = pfkey = verbose = False
    for o, _ in opts:
        negative |= o == "-n"
        pfkey |= o == "-p"
        verbose |= o == "-v"
    if len(args) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    pcap, conf = args
    res = sadb_cmp.Result(False)
    sas, _ = sadb_cmp.read_conf([conf], "pfkey" if pfkey else "xfrm", res)
    bykey = {(s["src"], s["dst"], s["spi"]): s for s in sas.values()}
    seen = {k: {"n": 0, "good": 0, "bad": 0, "inner": set()} for k in bykey}
    fails = []
    for pk in tshark(pcap, sas, negative):
        # The IP headers in protocol order (outer first): under a wrong
        # key, garbage may dissect as a further header of either family.
        hdrs = [p for p in ":".join(pk["frame.protocols"]).split(":")
                if p in ("ip", "ipv6")]
        if not hdrs:
            continue

        def hdr(k):
            """(src, dst) of the k-th IP header."""
            f = hdrs[k]
            j = hdrs[:k].count(f)
            return (ipaddress.ip_address(pk[f + ".src"][j]),
                    ipaddress.ip_address(pk[f + ".dst"][j]))
        outer = tuple(str(a) for a in hdr(0))
        if verbose:
            print(" ".join("%s=%s" % (f, ",".join(v))
                           for f, v in pk.items() if v))
        if not pk["esp.spi"]:
            if outer[0] in ENDPOINTS or outer[1] in ENDPOINTS or any(
                    ipaddress.ip_address(a) in n for a in outer
                    for n in INNER):
                fails.append("frame %s: %s -> %s is not ESP" %
                             (pk["frame.number"][0], outer[0], outer[1]))
            continue
        spi = int(pk["esp.spi"][0], 16)
        k = (outer[0], outer[1], spi)
        if k not in bykey:
            fails.append("frame %s: ESP SPI 0x%x %s -> %s: no such SA" %
                         (pk["frame.number"][0], spi, outer[0], outer[1]))
            continue
        sa, s = bykey[k], seen[k]
        s["n"] += 1
        good = pk["esp.icv_good"][:1] == ["1"]
        s["good"] += good
        s["bad"] += pk["esp.icv_bad"][:1] == ["1"]
        if negative or not good:
            continue
        # What the ESP carried: after the outer header, in tunnel mode an
        # inner IP header between the inner networks.
        if sa["mode"] == "tunnel":
            if len(hdrs) < 2:
                fails.append("frame %s: SA 0x%x: no inner IP header" %
                             (pk["frame.number"][0], spi))
                continue
            isrc, idst = hdr(1)
            if not (any(isrc in n for n in INNER) and
                    any(idst in n for n in INNER)):
                fails.append("frame %s: SA 0x%x: inner %s -> %s" %
                             (pk["frame.number"][0], spi, isrc, idst))
        if pk["icmp.type"] or pk["icmpv6.type"]:
            t = (pk["icmp.type"] or pk["icmpv6.type"])[0]
            s["inner"].add({"8": "echo", "0": "reply", "128": "echo",
                            "129": "reply"}.get(t, "icmp " + t))
        elif pk["tcp.srcport"]:
            s["inner"].add("tcp")
        else:
            fails.append("frame %s: SA 0x%x: decrypted to neither ICMP "
                         "nor TCP" % (pk["frame.number"][0], spi))
    for k, s in sorted(seen.items(), key=lambda i: i[0][2]):
        sa = bykey[k]
        name = "SA 0x%x %s %s -> %s (%s%s)" % (
            k[2], sa["mode"], k[0], k[1], sa["enc"],
            "" if sa["auth"] is None else
            ", %s-%d" % (sa["auth"], sa["icv"]))
        print("%s: %d packets, %d ICV good, %d ICV bad, carried %s" %
              (name, s["n"], s["good"], s["bad"],
               " ".join(sorted(s["inner"])) or "-"))
        if s["n"] == 0:
            fails.append("%s: no packets" % name)
        elif negative:
            if s["good"]:
                fails.append("%s: %d packets passed the ICV under wrong "
                             "keys" % (name, s["good"]))
            if not s["bad"]:
                fails.append("%s: tshark checked no ICV under wrong keys"
                             % name)
        else:
            if s["good"] != s["n"]:
                fails.append("%s: %d of %d packets with a good ICV" %
                             (name, s["good"], s["n"]))
            # a -> b carries the echo requests, b -> a the replies.
            want = {"echo", "tcp"} if k[0] in ("10.0.0.1", "fd00::1") \
                else {"reply", "tcp"}
            if not want <= s["inner"]:
                fails.append("%s: carried %s, expected %s" %
                             (name, sorted(s["inner"]), sorted(want)))
    for f in fails:
        print("FAIL " + f)
    print("esp_check: " + ("%d failures" % len(fails) if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
