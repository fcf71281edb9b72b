#!/bin/sh
# Regenerates the legacy-encryption fixtures (OpenSSL 3 with the legacy
# provider, and a JDK's keytool). Run from this directory; the password of
# every file is CANARY-SECRET-legacy.
set -eu
PW=CANARY-SECRET-legacy
L="-provider legacy -provider default"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out plain.key
openssl req -x509 -new -key plain.key -subj "/CN=legacy-ca" -days 7300 -out ca.crt
openssl req -new -key plain.key -subj "/CN=legacy-node" -out node.csr
openssl x509 -req -in node.csr -CA ca.crt -CAkey plain.key -set_serial 7 -days 7300 -out node.crt
rm -f node.csr
# PKCS#8 keys under PKCS#5 v1.5 PBES1 and the PKCS#12 PBE schemes.
for v in PBE-MD5-DES PBE-SHA1-DES PBE-MD5-RC2-64 PBE-SHA1-RC2-64 PBE-SHA1-3DES PBE-SHA1-2DES \
	PBE-SHA1-RC2-128 PBE-SHA1-RC2-40 PBE-SHA1-RC4-128 PBE-SHA1-RC4-40; do
	openssl pkcs8 -topk8 -v1 $v -in plain.key -out "$v.key" -passout pass:$PW $L
done
# PKCS#12: certificates under RC2-40 (openssl -legacy) and RC2-128, key under 3DES.
openssl pkcs12 -export -legacy -in node.crt -inkey plain.key -certfile ca.crt -name node-alias -caname ca-alias \
	-passout pass:$PW -out openssl-legacy.p12
openssl pkcs12 -export $L -certpbe PBE-SHA1-RC2-128 -keypbe PBE-SHA1-3DES -macalg sha1 -in node.crt -inkey plain.key \
	-certfile ca.crt -name node-alias -caname ca-alias -passout pass:$PW -out openssl-rc2-128.p12
# keytool's legacy mode (Java 8's format: RC2-40 certificates, 3DES keys, SHA-1 MAC).
rm -f keytool-legacy-trust.p12 keytool-legacy.p12
keytool -J-Dkeystore.pkcs12.legacy -importcert -noprompt -alias my-ca -file ca.crt \
	-keystore keytool-legacy-trust.p12 -storetype PKCS12 -storepass $PW
keytool -J-Dkeystore.pkcs12.legacy -importcert -noprompt -alias other-ca -file node.crt \
	-keystore keytool-legacy-trust.p12 -storetype PKCS12 -storepass $PW
keytool -J-Dkeystore.pkcs12.legacy -importkeystore -srckeystore openssl-legacy.p12 -srcstoretype PKCS12 \
	-srcstorepass $PW -destkeystore keytool-legacy.p12 -deststoretype PKCS12 -deststorepass $PW
