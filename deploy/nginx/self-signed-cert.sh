#!/bin/sh
# The `certs` service of docker-compose.yml: a self-signed certificate for local use, made once.
# Writes fullchain.pem and privkey.pem into TLS_DIR (the `tls` volume) unless both are already there:
# real certificates put there (or a host folder mounted instead, TLS_DIR in .env) are never touched.
# Names: TLS_HOSTNAME (default localhost), always with localhost and 127.0.0.1. Nothing is downloaded.
set -eu
dir="${TLS_DIR:-/tls}"
host="${TLS_HOSTNAME:-localhost}"
days="${TLS_SELF_SIGNED_DAYS:-365}"

if [ -s "$dir/fullchain.pem" ] && [ -s "$dir/privkey.pem" ]; then
    echo "certs: $dir already holds fullchain.pem and privkey.pem, kept"
    exit 0
fi

umask 077
work="$(mktemp -d "$dir/.new.XXXXXX")"
trap 'rm -rf "$work"' EXIT
san="DNS:$host,DNS:localhost,IP:127.0.0.1"
case "$host" in
    *[!0-9.]*) ;;
    *) san="IP:$host,DNS:localhost,IP:127.0.0.1" ;;
esac
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days "$days" \
    -subj "/CN=$host" -addext "subjectAltName=$san" -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=serverAuth" \
    -keyout "$work/privkey.pem" -out "$work/fullchain.pem"
chmod 600 "$work/privkey.pem"
chmod 644 "$work/fullchain.pem"
mv "$work/privkey.pem" "$dir/privkey.pem"
mv "$work/fullchain.pem" "$dir/fullchain.pem"
echo "certs: self-signed certificate for $san written to $dir (valid $days days)"
