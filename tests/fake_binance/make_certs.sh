#!/bin/sh
# Certificates for the fake Binance, made at test time: a CA, a server certificate for
# localhost and 127.0.0.1 signed by it, and one for a wrong host name (wrong.example).
#   make_certs.sh DIR
set -eu
d=$1
mkdir -p "$d"
cd "$d"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=depthlog test CA" \
    -keyout ca.key -out ca.pem 2>/dev/null
make_cert() { # name subject-alt-names
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" 2>/dev/null
    printf 'subjectAltName=%s\n' "$2" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
make_cert localhost "DNS:localhost,IP:127.0.0.1"
make_cert wrong.example "DNS:wrong.example"
