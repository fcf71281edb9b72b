#!/usr/bin/env bash
# debian-deps.sh WHY PKG:CMD...  — installs the Debian packages whose command
# (or file, when CMD is a path) is missing, saying why in one line; without
# root or sudo it says which to install and fails.
set -euo pipefail
why=$1
shift
need=()
for pc in "$@"; do
  pkg=${pc%%:*} cmd=${pc#*:}
  if [[ $cmd == /* ]]; then [ -e "$cmd" ] && continue; else command -v "$cmd" >/dev/null 2>&1 && continue; fi
  need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_cmd="sudo -n"
  else
    echo "debian-deps: to $why, install: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "debian-deps: to $why, install ${need[*]} (no apt-get here)" >&2
  exit 1
fi
echo "debian-deps: installing ${need[*]} to $why" >&2
$sudo_cmd apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${need[@]}" >&2
