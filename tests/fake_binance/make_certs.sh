#!/bin/sh
# Certificates for the fake Binance, made at test time: a CA, a server certificate for
# localhost and 127.0.0.1 signed by it, and one for a wrong host name (wrong.example).
# P-256 keys: made in milliseconds, where three RSA-2048 keys took seconds for every test
# binary (and the offline demo and the soak).
#   make_certs.sh DIR
set -eu
d=$1
mkdir -p "$d"
cd "$d"
key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
# shellcheck disable=SC2086
openssl req -x509 $key -days 2 -subj "/CN=depthlog test CA" -keyout ca.key -out ca.pem 2>/dev/null
make_cert() { # name subject-alt-names
    # shellcheck disable=SC2086
    openssl req $key -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" 2>/dev/null
    printf 'subjectAltName=%s\n' "$2" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
make_cert localhost "DNS:localhost,IP:127.0.0.1"
make_cert wrong.example "DNS:wrong.example"
