#!/usr/bin/env bash
# Prints the directory of a `go` command at least as new as go.mod asks.
# When `go` is missing or older, the pinned toolchain (go.mod's `go` line) is
# fetched once from the Go module proxy (golang.org/toolchain) into
# .cache/go/go<version> inside the project (gitignored) and that is printed.
# Messages go to stderr. Used by the Makefile (every target) and .ci/run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
want=$(awk '/^go /{print $2}' "$root/go.mod")
proxy=${GOTOOLCHAIN_PROXY:-https://proxy.golang.org}

# at_least A B: version A >= version B.
at_least() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$2" ]; }

if command -v go >/dev/null 2>&1; then
  have=$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null | sed 's/^go//; s/[^0-9.].*$//')
  if [ -n "$have" ] && at_least "$have" "$want"; then
    dirname "$(command -v go)"
    exit 0
  fi
  echo "go-toolchain: go ${have:-?} on the PATH is older than go.mod's $want" >&2
fi

dest="$root/.cache/go/go$want"
if [ -x "$dest/bin/go" ]; then
  echo "$dest/bin"
  exit 0
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "go-toolchain: no Go toolchain for $(uname -m); install Go $want by hand" >&2; exit 1 ;;
esac
os=$(uname -s | tr '[:upper:]' '[:lower:]')

# curl (or wget) to fetch, unzip to unpack: install them from Debian when missing.
"$root/scripts/debian-deps.sh" "fetch the Go $want toolchain" curl:curl unzip:unzip ca-certificates:/etc/ssl/certs/ca-certificates.crt >&2

mod="golang.org/toolchain@v0.0.1-go$want.$os-$arch"
url="$proxy/golang.org/toolchain/@v/v0.0.1-go$want.$os-$arch.zip"
mkdir -p "$root/.cache/go"
tmp=$(mktemp -d "$root/.cache/go/.fetch-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "go-toolchain: fetching Go $want ($os/$arch) from $proxy into .cache/go" >&2
curl -fsSL --retry 3 -o "$tmp/go.zip" "$url" >&2
(cd "$tmp" && unzip -q go.zip)
chmod +x "$tmp/$mod"/bin/* "$tmp/$mod"/pkg/tool/*/* 2>/dev/null || true
"$tmp/$mod/bin/go" version >&2
rm -rf "$dest"
mv "$tmp/$mod" "$dest"
echo "$dest/bin"
