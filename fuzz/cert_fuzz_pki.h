/*
 * Copyright (c) 2026 The pfkeykit developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * cert_fuzz_pki.h: the trusted side of cert_fuzz, from the test PKI of
 * tests/racoon-ng/cert/mkpki.sh (made once; openssl output, public
 * material only): the root and intermediate CA certificates and their
 * CRLs (root.crl revokes `revoked'), and the unrelated `other' CA,
 * which has no CRL.  The CRLs were issued at
 * CERT_FUZZ_PKI_TIME and expire 30 days later; the CAs are valid from
 * 2000 to ten years after it.  Regenerate with mkpki.sh DIR, then paste
 * DIR/root.crt, inter.crt, other.crt, root.crl, inter.crl here and set the time to
 * the CRLs' lastUpdate (openssl crl -in DIR/root.crl -noout -lastupdate),
 * and rewrite corpus/cert (see cert_fuzz.c).
 */

#ifndef CERT_FUZZ_PKI_H
#define CERT_FUZZ_PKI_H

/* 2026-11-27 16:04:46 UTC */
#define CERT_FUZZ_PKI_TIME	1795795486

static const char pki_root_crt[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDVzCCAj+gAwIBAgICEAAwDQYJKoZIhvcNAQELBQAwPDELMAkGA1UEBhMCREUx\n"
    "FjAUBgNVBAoMDXBma2V5a2l0IHRlc3QxFTATBgNVBAMMDFRlc3QgUm9vdCBDQTAe\n"
    "Fw0wMDAxMDEwMDAwMDBaFw0zNjExMjcxNjA0NDNaMDwxCzAJBgNVBAYTAkRFMRYw\n"
    "FAYDVQQKDA1wZmtleWtpdCB0ZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3QgQ0EwggEi\n"
    "MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCeB7XgnYscKeStsJf7cKvm2P6H\n"
    "pvzsJn1/OlJkuFiO8hZ4GddMTkbFISB1HQPmOc7kaDVZYd0BU+YLwHfwJsT4ZiEt\n"
    "WIQe+KADaNVIeFK0jFYn3hEeoQXCn1N+MNodzEn0LicatEv6jE9fMVTs/XiYlXIX\n"
    "Ptu23VXPCSaTrrT1rH/wjdEQ6cIdTFpKWUnmAfzgXmJhUBQiRTd/SwxhZYRAPOCl\n"
    "RzP/6ssDPsROWFt2vLPug3jR1l4BxmNybnMM5Y6lR+Vobw5jSfav6qkHJu9kSMtX\n"
    "pM/meoitK4IyDyPuPX8IYfst5GSJK6u7ha6P5LK+tNb7jxEbwOBNg6rDMO+TAgMB\n"
    "AAGjYzBhMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQW\n"
    "BBSINacL0YTCUuqHFCDt719QgffikDAfBgNVHSMEGDAWgBSINacL0YTCUuqHFCDt\n"
    "719QgffikDANBgkqhkiG9w0BAQsFAAOCAQEAIpgyWy1sRnww6SqB30Bq0SrS/F6d\n"
    "9heIz5eKwaEFYzVbXV1F8KKX2Y5Tw8BQHg+9eMKC/DpzaEI81RODnFAu1sGBPkAj\n"
    "DbkfQOrOtxlS64164yH3+fUMUMyJuJ/X2aNZyfuX8Vf0VhTHVpL9HVqsPjfHjEWi\n"
    "Pxeod2rSlcW/3nv9jfMbJB1LUPwSHOGyWbaOuD7ZrKIRt8b4FHVdIOphO4A6/DFc\n"
    "yar2Fo1eYZhZfL/BBLJAUAMYl87FjiT7Zh4AQtzcBCKJELj5fbRt6qUhVCLiDkA3\n"
    "epS698hl1CiTTt2SJ94ofFkTJFOAzSrb0TDIB245ov8Pe7CGNkNPI+meTw==\n"
    "-----END CERTIFICATE-----\n";

static const char pki_inter_crt[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDYjCCAkqgAwIBAgICEAEwDQYJKoZIhvcNAQELBQAwPDELMAkGA1UEBhMCREUx\n"
    "FjAUBgNVBAoMDXBma2V5a2l0IHRlc3QxFTATBgNVBAMMDFRlc3QgUm9vdCBDQTAe\n"
    "Fw0wMDAxMDEwMDAwMDBaFw0zNjExMjcxNjA0NDNaMEQxCzAJBgNVBAYTAkRFMRYw\n"
    "FAYDVQQKDA1wZmtleWtpdCB0ZXN0MR0wGwYDVQQDDBRUZXN0IEludGVybWVkaWF0\n"
    "ZSBDQTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAJmlJQUEjhII2BTS\n"
    "7BDD07hKenvswia+ZD8VARf40sALnWtYMTSHiRmJi9Jis00h2jKG1kwxkc1ADpe0\n"
    "VY+chMV87uZ1Kd6m0xDgDWpkyJOPVWYtXnTSqEc1BNKHilRdoZVmbact+WEwVZ1a\n"
    "tODyzypk5Je/yYR8txBhh3hR8tKq17DSwmtaFoUSkxK06t1Hu1c/9GQcoZpzksjO\n"
    "/S71arxbcztAbqovDI1ytuGPhiB98ogVh2aMQWy1M1yNQ9jZQhpPuQgj45vf62CP\n"
    "/su5frcwzg5S8HykB74ODMDlZA6BATvnVGmlxWxlDCvoGU6h31czQ7lEkToQcuP2\n"
    "PXfuqSkCAwEAAaNmMGQwEgYDVR0TAQH/BAgwBgEB/wIBADAOBgNVHQ8BAf8EBAMC\n"
    "AQYwHQYDVR0OBBYEFHN1t2GG+PotmYzCLDBaMx2qXdzqMB8GA1UdIwQYMBaAFIg1\n"
    "pwvRhMJS6ocUIO3vX1CB9+KQMA0GCSqGSIb3DQEBCwUAA4IBAQAjaNsPkGh0GxG3\n"
    "4LkfL4odK6Vk2lm/Sh47G+FPQihGHWdbjPBpeEwH0d4rsaXUy367R6L4J5FR9yjq\n"
    "G29pNtNaNjssFb3iGR38ZRcY9PljKhnaRgGsAvRLONN2axGcDjVnLxeC6MCOtSIT\n"
    "8TSqDC2F9zE9nVulIPvjQhjkz9LwakwBNTOm/uMVw47no+HFd1jp1ymWK9J9/nXO\n"
    "VR+8XNdluz3WO+KXJ4V27cfh6xsuj7HXzqFE+ngo4EgM3lFNBe/udWHR9OdLz58a\n"
    "pXZnH187H2ueRfHZN6t3/RXsK0bluzT/YdhU46sdGmFE1I0yXooA4FSyUlTaeR3M\n"
    "dDQGfttq\n"
    "-----END CERTIFICATE-----\n";

static const char pki_other_crt[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDPzCCAiegAwIBAgICEAAwDQYJKoZIhvcNAQELBQAwMDELMAkGA1UEBhMCREUx\n"
    "DjAMBgNVBAoMBU90aGVyMREwDwYDVQQDDAhPdGhlciBDQTAeFw0wMDAxMDEwMDAw\n"
    "MDBaFw0zNjExMjcxNjA0NDNaMDAxCzAJBgNVBAYTAkRFMQ4wDAYDVQQKDAVPdGhl\n"
    "cjERMA8GA1UEAwwIT3RoZXIgQ0EwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\n"
    "AoIBAQDJCerk7FnWBgiRa672y36WpfXROqpzJ8N7wLtYgCTAacyA4e6825TeL7Pt\n"
    "q9q2RuuE4VwjBGcP+8gxHE1nC3EHV6WlGa7WW/8Uir40iqbxEoOeNEv0g27AyzNd\n"
    "IaLs1cKB1Kx6WamW3voTakA4IruoRjJqrFZxwkg2xs+kBZGLFm+vBd0ikCGRz0ir\n"
    "Mhrf6ATx1eg/51gzqgURK9pBDfVJzE/Mm5M+THCcXWG7t4mDxz9ItKD/wOEGUn7P\n"
    "u8xDzEJ75bABIkZPOUvtzwbNg9FQ/WL7zlZH+42rBywWAMfbbrWuFYdNrSfiOH84\n"
    "GRTCFF6SsWoG9R6hr+YaaEAAEfOxAgMBAAGjYzBhMA8GA1UdEwEB/wQFMAMBAf8w\n"
    "DgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBRKTxjQ5QL5cCiB5AAS+gmLi8Zo5jAf\n"
    "BgNVHSMEGDAWgBRKTxjQ5QL5cCiB5AAS+gmLi8Zo5jANBgkqhkiG9w0BAQsFAAOC\n"
    "AQEAk3VdVNDVuCP1TVZu4olUGUAu1ExQzSWmhVgWkOCVS5mrFJ+jxJPoxICPzgrB\n"
    "tsd6+tsK5VLHEKAvo7vo2jIPX+tl5Ndj6dOwXk3nQzvevvh/jmC2e3uD8fvgLZQN\n"
    "y/1J9e7/Vq34Cu1I2aOPKjJZLYKzP/6tJ0s9LFUWrLwObHJjKtZB6WIn8xSvEBsT\n"
    "zOX9eaABjYp1o6dfrn8z55c2OTYC5q8qlLTAn6y/cF0suuA0yXNRpdO/tORQVlBn\n"
    "6V79lFo1xaepzPmcCYxvjDs/aSKAH0xUSHrBFcrLiuynrRCwt2TtW3o8TEcGhYr6\n"
    "VTM8W7fQ5ypf9Yh2TDE9jyfIfA==\n"
    "-----END CERTIFICATE-----\n";

static const char pki_root_crl[] =
    "-----BEGIN X509 CRL-----\n"
    "MIIBrTCBlgIBATANBgkqhkiG9w0BAQsFADA8MQswCQYDVQQGEwJERTEWMBQGA1UE\n"
    "CgwNcGZrZXlraXQgdGVzdDEVMBMGA1UEAwwMVGVzdCBSb290IENBFw0yNjExMjcx\n"
    "NjA0NDZaFw0yNjEyMjcxNjA0NDZaMBUwEwICEAYXDTI2MTEyNzE2MDQ0NlqgDzAN\n"
    "MAsGA1UdFAQEAgIQADANBgkqhkiG9w0BAQsFAAOCAQEAM7DG/nEHk/sqsxAAqM2X\n"
    "3ruZad5+iRXG95THm1cdMKE5d3BYgefCFFAjmxMJeZGnYCDshAxPvtdQzvcwwlE5\n"
    "E24p9AkYpUYHqIEpCIOT291cjnqT1kHx1iQr1QgFI1YjeMFJQatVI1yXCpzYpz/w\n"
    "4r17oDGLKK4pfW7IGbirZcLPPy6yHlWQwtAoYG/EfhfSETjHpQQm0hHmtN6a/Pxs\n"
    "/2WnxaMxmvt9rHK2+wI7z/xsvEyx1hqTxkeVELce0wy4grRYhuoySxudXmL79Jb8\n"
    "Sg1JpLspulyywPj3NX/eUQ0tLHncDlvjM57VgFjr4h7CtUYa6EJCrPw5uYUsGPfv\n"
    "uA==\n"
    "-----END X509 CRL-----\n";

static const char pki_inter_crl[] =
    "-----BEGIN X509 CRL-----\n"
    "MIIBnjCBhwIBATANBgkqhkiG9w0BAQsFADBEMQswCQYDVQQGEwJERTEWMBQGA1UE\n"
    "CgwNcGZrZXlraXQgdGVzdDEdMBsGA1UEAwwUVGVzdCBJbnRlcm1lZGlhdGUgQ0EX\n"
    "DTI2MTEyNzE2MDQ0NloXDTI2MTIyNzE2MDQ0NlqgDzANMAsGA1UdFAQEAgIQADAN\n"
    "BgkqhkiG9w0BAQsFAAOCAQEAjqUgsKj/GlMqQMsCSpH7TXGJ74rAZ3yf7ab8FRh7\n"
    "1xdbZ2i3096PoLXbkkKck2j0oc2WlKV7dHO9GuJmq9VPo0HMbpCAtB08yi7Y2Kn0\n"
    "wOXGv5AVT719k1VPhA7CFZFY7I3SFIGEXuW9fftU+Vb3TOFiT/6HFlEh2BvP+Yy/\n"
    "LRFJOcwh/cHIOQimmGnpJpTHmbS2EuYFmIXx/S52YEx7Mn5C9G/P6BzKWHVNJ7SW\n"
    "/0/XQaP4eBkuG4p9IhVSd73oCdwYweYlQpFo7aQ+0Yw9LaVat1RTrYV9bewfrldL\n"
    "gqaxlpQP3O6rH2NR2Tl8ob0fLyRR27VS1ClHZ7B2OgptCw==\n"
    "-----END X509 CRL-----\n";

#endif /* CERT_FUZZ_PKI_H */
