#!/bin/sh
# install-deps.sh - install what osm needs to build, test and benchmark.
#
# Debian 12 / Ubuntu: apt-get (run as root).
# AlmaLinux / CloudLinux 8-9 (cPanel's platforms), the equivalent is:
#   dnf install -y epel-release && dnf config-manager --set-enabled crb
#   dnf install -y gcc make autoconf automake libtool pkgconf-pkg-config \
#       hiredis-devel redis libyaml-devel pcre2-devel libxml2-devel \
#       libpcap-devel libcap-devel libbpf-devel bpftool nftables libcmocka-devel jansson-devel zlib-devel clang compiler-rt \
#       perl-devel perl-ExtUtils-Embed perl-Safe \
#       swaks valgrind openssl-devel lighttpd chromium curl nodejs npm
#   (cPanel ships its own exim with ${dlfunc}; build the module against
#   the local_scan.h of that exim: ./configure --with-exim-include=DIR)
# libperl-dev (perl-devel) lets the report fuzz target embed perl to read
# the PERL payloads back; only that test program links it.
# exim4-daemon-heavy is the Debian exim with ${dlfunc}; the tests run
# private instances of it and never change the system's configuration.
set -eu
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps.sh: no apt-get; see the dnf list at the top of this script" >&2
	exit 1
fi
pkgs="build-essential autoconf automake libtool pkg-config
      libhiredis-dev redis-server libyaml-dev libpcre2-dev libxml2-dev
      libpcap-dev libcap-dev libbpf-dev bpftool libcmocka-dev libjansson-dev zlib1g-dev
      nftables iproute2
      clang libclang-rt-14-dev python3 python3-yaml libxml2-utils perl libperl-dev
      exim4-daemon-heavy exim4-dev swaks valgrind apache2 libapache2-mod-php
      libssl-dev lighttpd chromium curl"
# the web UI test drives chromium with playwright-core from npm
command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
if [ "${1:-}" = "--bench" ]; then
	pkgs="$pkgs postfwd policyd-rate-limit tcpdump"
fi
missing=""
for p in $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# Packaged servers (apache2, lighttpd, redis) are not started: the
	# tests run private instances, and two web servers would fight over
	# port 80 (policy-rc.d 101: "action forbidden", invoke-rc.d(8)).
	prc=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		prc=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' > "$prc" && chmod 755 "$prc"
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing || { [ -z "$prc" ] || rm -f "$prc"; exit 1; }
	[ -z "$prc" ] || rm -f "$prc"
fi
# Debian starts redis-server from its package; osm's tests and demo run
# their own instances on private sockets and never use that one.
