#!/usr/bin/env bash
# System tools the tests use for real (no mocks): iptables/ip6tables (nf_tables and legacy),
# nftables, ipset, conntrack, unshare (util-linux), openssh-server, openssl (certificates for the
# fixture Kubernetes API server), chromium (the browser end-to-end tests drive /usr/bin/chromium
# through playwright-core). Debian 12 package names.
set -euo pipefail
pkgs=(iptables nftables ipset conntrack util-linux iproute2 openssh-server openssh-client openssl chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${pkgs[*]})"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "system packages missing: ${missing[*]}; run this script as root (sudo) or install them yourself" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages installed: ${missing[*]}"
