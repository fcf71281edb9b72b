#!/bin/sh
# esdoctor packages (deb postinst, rpm %post): enable the service, never
# start it (it needs /etc/esdoctor configured first: agent credentials, NATS
# URL). UNIT is substituted when the package is built.
set -e
unit=@UNIT@
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  systemctl enable "$unit" >/dev/null 2>&1 || true
fi
exit 0
