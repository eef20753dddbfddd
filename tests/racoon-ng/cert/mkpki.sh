#!/bin/sh
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
# mkpki.sh DIR: the test PKI of cert_test, made with openssl(1) only (the
# library under test plays no part in it).  Works with OpenSSL 3.0.
#
#   root        Test Root CA (self-signed)
#   inter       Test Intermediate CA, issued by root (pathlen 0)
#   other       Other CA (self-signed), unrelated to root
#   host1       gw1.example.org by root: SANs DNS, IPv4, IPv6, email
#   host2       gw2.example.org by inter (host2-chain.pem: + inter)
#   hostec      gw-ec.example.org by root, ECDSA P-256 (hostec384,
#               hostec521: P-384, P-521)
#   revoked     by root, on root.crl
#   expired     by root, valid 2020-2021
#   notyet      by root, valid from 3 years from now on
#   badku       by root, keyUsage keyEncipherment only
#   otherhost   by other
#   fakeca      a certificate "issued" by host1 (not a CA)
#   hostnoku    by root, no keyUsage and no SAN
#   hosted      by root, an Ed25519 key (not an IKEv1 signature key)
#   root.crl    revokes `revoked'; root-expired.crl: the same, expired
#   inter.crl   empty, for the intermediate
#   capath/     root, inter and root.crl under their hashed names
# plus DER forms, a PKCS #7 bundle, keys of unsupported types and an
# encrypted key.

set -eu
umask 077

out=${1:?usage: mkpki.sh DIR}
mkdir -p "$out"
cd "$out"

cat > openssl.cnf <<'EOF'
[ ca ]
default_ca		= CA_default
[ CA_default ]
dir			= $ENV::CADIR
database		= $dir/index.txt
new_certs_dir		= $dir/new
serial			= $dir/serial
crlnumber		= $dir/crlnumber
default_md		= sha256
default_days		= 3650
default_crl_days	= 30
policy			= policy_any
unique_subject		= no
copy_extensions		= none
preserve		= yes
[ policy_any ]
countryName		= optional
organizationName	= optional
organizationalUnitName	= optional
commonName		= supplied
[ req ]
distinguished_name	= req_dn
string_mask		= utf8only
[ req_dn ]
[ v3_ca ]
basicConstraints	= critical,CA:TRUE
keyUsage		= critical,keyCertSign,cRLSign
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid:always
[ v3_inter ]
basicConstraints	= critical,CA:TRUE,pathlen:0
keyUsage		= critical,keyCertSign,cRLSign
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid:always
[ host1 ]
basicConstraints	= CA:FALSE
keyUsage		= digitalSignature,keyEncipherment
subjectAltName		= DNS:gw1.example.org,IP:192.0.2.1,IP:2001:db8::1,email:admin@example.org,DNS:*.wild.example.org
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid
[ host2 ]
basicConstraints	= CA:FALSE
keyUsage		= digitalSignature
subjectAltName		= DNS:gw2.example.org,IP:192.0.2.2
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid
[ hostec ]
basicConstraints	= CA:FALSE
keyUsage		= digitalSignature
subjectAltName		= DNS:gw-ec.example.org
[ plain ]
basicConstraints	= CA:FALSE
keyUsage		= digitalSignature,nonRepudiation
subjectAltName		= DNS:$ENV::SAN
[ badku ]
basicConstraints	= CA:FALSE
keyUsage		= keyEncipherment
subjectAltName		= DNS:badku.example.org
[ noku ]
basicConstraints	= CA:FALSE
EOF

O="/C=DE/O=pfkeykit test"
# openssl.cnf reads both when it is loaded, whatever the command.
CADIR=.
SAN=none.example.org
export CADIR SAN

key() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$1.key" 2>/dev/null
}

# newca NAME: the database of a CA
newca() {
	mkdir -p "ca-$1/new"
	: > "ca-$1/index.txt"
	echo 1000 > "ca-$1/serial"
	echo 1000 > "ca-$1/crlnumber"
}

# issue CA NAME SUBJECT EXTENSIONS [openssl ca options]
issue() {
	ca=$1 name=$2 subj=$3 ext=$4
	shift 4
	openssl req -new -config openssl.cnf -key "$name.key" -subj "$subj" \
	    -out "$name.csr"
	CADIR=ca-$ca openssl ca -batch -notext -config openssl.cnf \
	    -cert "$ca.crt" -keyfile "$ca.key" -extensions "$ext" \
	    -in "$name.csr" -out "$name.crt" "$@" 2>/dev/null
	rm -f "$name.csr"
}

# future N: the time N years from now, as openssl ca -enddate takes it.
future() {
	date -u -d "+$1 years" +%Y%m%d%H%M%SZ 2>/dev/null ||
	    date -u -v+"$1"y +%Y%m%d%H%M%SZ
}
# CAs are valid from 2000 so that verifying at a past date (the expired
# certificate's lifetime) tests the end entity alone.
CASTART=20000101000000Z
CAEND=$(future 10)

# Certificate authorities.
for k in root inter other host1 host2 revoked expired notyet badku \
    otherhost fakeca hostnoku; do
	key "$k"
done
newca root
newca inter
newca other
for c in root other; do
	if [ $c = root ]; then s="$O/CN=Test Root CA"; else
		s="/C=DE/O=Other/CN=Other CA"; fi
	openssl req -new -config openssl.cnf -key $c.key -subj "$s" \
	    -out $c.csr
	CADIR=ca-$c openssl ca -batch -notext -config openssl.cnf -selfsign \
	    -keyfile $c.key -extensions v3_ca -startdate $CASTART \
	    -enddate "$CAEND" -in $c.csr -out $c.crt 2>/dev/null
	rm -f $c.csr
done
issue root inter "$O/CN=Test Intermediate CA" v3_inter \
    -startdate $CASTART -enddate "$CAEND"

# End entities.
issue root host1 "$O/OU=gateways/CN=gw1.example.org" host1
issue inter host2 "$O/OU=gateways/CN=gw2.example.org" host2
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out hostec.key
issue root hostec "$O/CN=gw-ec.example.org" hostec
for c in 384 521; do
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-$c \
	    -out hostec$c.key
	issue root hostec$c "$O/CN=gw-ec$c.example.org" hostec
	openssl pkey -in hostec$c.key -pubout -out hostec$c.pub
done
SAN=revoked.example.org issue root revoked "$O/CN=revoked.example.org" plain
SAN=expired.example.org issue root expired "$O/CN=expired.example.org" \
    plain -startdate 200101000000Z -enddate 210101000000Z
SAN=notyet.example.org issue root notyet "$O/CN=notyet.example.org" \
    plain -startdate "$(future 3)" -enddate "$(future 4)"
issue root badku "$O/CN=badku.example.org" badku
issue root hostnoku "$O/CN=noku.example.org" noku
openssl genpkey -algorithm ed25519 -out hosted.key
SAN=ed.example.org issue root hosted "$O/CN=ed.example.org" plain
SAN=gw.other.example issue other otherhost "/C=DE/O=Other/CN=gw.other.example" \
    plain

# A "CA" that is an end entity: host1 signs fakeca.
openssl req -new -config openssl.cnf -key fakeca.key \
    -subj "$O/CN=fake.example.org" -out fakeca.csr
SAN=fake.example.org openssl x509 -req -in fakeca.csr -CA host1.crt \
    -CAkey host1.key -set_serial 77 -days 30 -sha256 -extfile openssl.cnf \
    -extensions plain -out fakeca.crt 2>/dev/null
rm -f fakeca.csr

# CRLs: revoked is on root's; an expired copy; an empty one of inter.
CADIR=ca-root openssl ca -config openssl.cnf -cert root.crt -keyfile root.key \
    -revoke revoked.crt 2>/dev/null
CADIR=ca-root openssl ca -config openssl.cnf -cert root.crt -keyfile root.key \
    -gencrl -out root.crl 2>/dev/null
CADIR=ca-root openssl ca -config openssl.cnf -cert root.crt -keyfile root.key \
    -gencrl -crl_lastupdate 20200101000000Z \
    -crl_nextupdate 20200201000000Z -out root-expired.crl 2>/dev/null
CADIR=ca-inter openssl ca -config openssl.cnf -cert inter.crt \
    -keyfile inter.key -gencrl -out inter.crl 2>/dev/null

# Bundles and other forms.
cat host2.crt inter.crt > host2-chain.pem
cat root.crt inter.crt > cas.pem
openssl x509 -in host1.crt -outform DER -out host1.der
openssl x509 -in root.crt -outform DER -out root.der
openssl x509 -in inter.crt -outform DER -out inter.der
openssl x509 -in host2.crt -outform DER -out host2.der
openssl pkey -in host1.key -outform DER -out host1.key.der
openssl crl -in root.crl -outform DER -out root.crl.der
openssl crl2pkcs7 -nocrl -certfile host2.crt -certfile inter.crt \
    -outform DER -out host2-chain.p7b
openssl pkey -in host1.key -pubout -out host1.pub
openssl pkey -in hostec.key -pubout -out hostec.pub
openssl pkey -in host1.key -aes128 -passout pass:secret -out host1-enc.key
cp hosted.key ed25519.key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 \
    -out rsa512.key 2>/dev/null
cat host1.crt host1.key > host1-with-key.pem

# A hashed directory as `path certificate' has it (keys sit beside).
mkdir capath
cp root.crt capath/root.pem
cp inter.crt capath/inter.pem
cp root.crl capath/root-crl.pem
cp host1.crt host1.key capath/
openssl rehash capath 2>/dev/null
# host1.crt is linked too: an end entity the store must skip.

echo ok > done
