// Package certs is the certificate inspector: it loads every file an ssl
// setting names (PEM certificates and keys, PKCS#12 and JKS keystores and
// truststores) and reports it as an event.CertFile — format, whether the
// configured password opens it, and per certificate the subject, issuer,
// serial, SANs, validity, SHA-1/SHA-256 fingerprints, CA flag and whether
// the chain up to a self-issued CA is in the same file.
//
// Read is separate from parse: Load does the I/O (regular files only,
// 16 MiB at most) and Parse is pure, so the fuzz targets and tests drive
// Parse directly. Neither fails hard: every problem is an *Error naming the
// file and the cause, collected in Opened.Problems and rendered into
// CertFile.Error; the error return is set only when nothing at all could
// be read.
//
// What the content is decides how it is parsed (magic bytes: JKS
// 0xFEEDFEED, PKCS#12's DER header, PEM BEGIN lines, a bare DER
// certificate); what the setting expects (InferFormat, Elasticsearch's
// rule) is compared with it and a difference is reported.
//
// Names are printed as Java's X500Principal.getName() prints them, because
// that is the text Elasticsearch logs and the aggregator pairs on. The
// choices, from the JDK's AVA/RDN sources (see RFC2253):
//   - RDN order is reversed from the DER encoding (most specific first);
//     multi-valued RDNs keep their encoding order, joined by "+".
//   - Only CN, C, L, ST, O, OU, STREET, DC and UID get keywords. emailAddress
//     prints as "1.2.840.113549.1.9.1=#16…", serialNumber as "2.5.4.5=#13…"
//     (Go would say "SERIALNUMBER="), the hex being the DER of the value.
//   - Escaping: , = + < > # ; " \ get a backslash anywhere in a value (Java
//     escapes "=" and "#" although RFC 2253 does not require it), NUL is
//     "\00", leading and trailing spaces are escaped; other characters,
//     including non-ASCII, are written as they are.
//
// Secrets: passwords arrive as secret.Bytes and never appear in a
// CertFile, an error or a message; decrypted private keys stay inside
// Opened (PrivateKey, TLSCertificate) and are never marshaled. The package
// does not log.
package certs
