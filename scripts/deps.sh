#!/bin/sh
# Installs the Debian 12 packages morgue needs that are missing.
# As root it runs apt-get; otherwise it says what it would install.
set -e
PKGS="gcc make pkg-config libsqlite3-dev libstemmer-dev libcriterion-dev
libutf8proc-dev libjansson-dev libxml2-dev zlib1g-dev sqlite3
libmicrohttpd-dev curl python3-xapian man-db groff-base bash-completion
g++ libxapian-dev xapian-tools"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "morgue needs these Debian packages:$missing" >&2
    echo "install them with: sudo apt-get install$missing" >&2
    exit 1
fi
echo "installing:$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
