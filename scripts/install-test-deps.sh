#!/usr/bin/env bash
# Installs the Debian packages the test suites drive for real, when missing: redis-server (the
# Redis store's contract and multi-gateway tests; its sentinels run as `redis-server --sentinel`),
# redis-tools (redis-cli, which joins the test Cluster; redis-server depends on it), chromium
# (the browser suite) and python3-django (the Django admin conformance suite, run with Debian's
# /usr/bin/python3). npm never downloads a server or a browser. Uses sudo when not root.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
[ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -c 'import django' >/dev/null 2>&1 || missing+=(python3-django)
((${#missing[@]})) || exit 0
sudo=''
[ "$(id -u)" -eq 0 ] || sudo='sudo'
echo "installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
