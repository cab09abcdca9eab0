#!/usr/bin/env bash
# Installs the Debian packages the test suites drive for real, when missing: redis-server (the
# Redis store's contract and multi-gateway tests) and chromium (the browser suite). npm never
# downloads a server or a browser. Uses sudo when not root.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
((${#missing[@]})) || exit 0
sudo=''
[ "$(id -u)" -eq 0 ] || sudo='sudo'
echo "installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
