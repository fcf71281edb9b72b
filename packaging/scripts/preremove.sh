#!/bin/sh
# esdoctor packages (deb prerm, rpm %preun): on removal (not upgrade) stop and
# disable the service. deb passes "remove", rpm passes 0 when erasing.
set -e
unit=@UNIT@
case "$1" in
  remove | 0)
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
      systemctl disable --now "$unit" >/dev/null 2>&1 || true
    fi
    ;;
esac
exit 0
