#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs on a fresh Debian machine (run as root):
# Debian's Chromium and build tools, the extension's npm dependencies (playwright-core among them),
# and code-server 4.100.3 (a real VS Code 1.100.3 workbench that runs on the machine's Node 20).
# Idempotent: every step checks first and is skipped when already done.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
extension_dir="$(dirname "$here")"
code_server_version="4.100.3"
ripgrep_cache_version="1.15.11"
ripgrep_asset="ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"

log() { printf '[vscode ci-setup] %s\n' "$*"; }
started=$SECONDS

apt_packages=(chromium build-essential pkg-config python3 libkrb5-dev libx11-dev libxkbfile-dev
    libsecret-1-dev ripgrep nodejs npm)
missing=()
for package in "${apt_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
# Node and npm may come from elsewhere than Debian; only install Debian's when there is none.
if command -v node >/dev/null && command -v npm >/dev/null; then
    filtered=()
    for package in "${missing[@]}"; do
        [[ "$package" == nodejs || "$package" == npm ]] || filtered+=("$package")
    done
    missing=("${filtered[@]}")
fi
if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" != 20 ]]; then
    log "code-server $code_server_version needs Node 20, found $(node --version)" >&2
    exit 1
fi

# The extension's dependencies: esbuild, vsce, the test runner's and playwright-core.
lock_stamp="$extension_dir/node_modules/.package-lock.sha256"
lock_hash="$(sha256sum "$extension_dir/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$lock_stamp" || "$(cat "$lock_stamp")" != "$lock_hash" ]]; then
    log "npm ci in vscode-extension"
    (cd "$extension_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$lock_hash" >"$lock_stamp"
fi

# A prefix of its own, not `npm install -g`: code-server's postinstall runs `npm install` inside
# lib/vscode, which inherits the global flag and then tears its own node_modules apart.
code_server_prefix="/opt/code-server-$code_server_version"
code_server="$code_server_prefix/node_modules/.bin/code-server"
installed_version() {
    [[ -d "$code_server_prefix/node_modules/code-server/lib/vscode/node_modules" ]] || return 0
    node -p "require('$code_server_prefix/node_modules/code-server/package.json').version" 2>/dev/null || true
}
if [[ "$(installed_version)" != "$code_server_version" ]]; then
    log "npm install code-server@$code_server_version into $code_server_prefix"
    # @vscode/ripgrep downloads rg during its postinstall; give it Debian's binary from its cache instead.
    ripgrep_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$ripgrep_cache_version"
    if [[ ! -f "$ripgrep_cache/$ripgrep_asset" ]]; then
        mkdir -p "$ripgrep_cache"
        staging="$(mktemp -d)"
        cp "$(command -v rg)" "$staging/rg"
        tar -C "$staging" -czf "$ripgrep_cache/$ripgrep_asset" rg
        rm -rf "$staging"
    fi
    rm -rf "$code_server_prefix"
    mkdir -p "$code_server_prefix"
    (cd "$code_server_prefix" && npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
        npm install --prefix "$code_server_prefix" --no-audit --no-fund --loglevel=error \
        "code-server@$code_server_version" >/dev/null)
fi
ln -sfn "$code_server" /usr/local/bin/code-server

log "ready in $((SECONDS - started)) s: code-server $(installed_version), $(chromium --version 2>/dev/null)"
