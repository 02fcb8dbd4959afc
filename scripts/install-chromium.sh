#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser test (test/console/console.test.ts drives
# it through playwright-core at /usr/bin/chromium). Does nothing when chromium is already there.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
