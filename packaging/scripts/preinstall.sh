#!/bin/sh
# esdoctor packages (deb preinst, rpm %pre): the system user esdoctor, in its
# own group and in the elasticsearch group (ES makes /etc/elasticsearch
# 02750 root:elasticsearch; the agent reads it through that group). The
# elasticsearch group is created when ES is not installed yet, as ES's own
# package would.
set -e
if ! getent group elasticsearch >/dev/null 2>&1; then
  groupadd --system elasticsearch
fi
if ! getent group esdoctor >/dev/null 2>&1; then
  groupadd --system esdoctor
fi
if ! getent passwd esdoctor >/dev/null 2>&1; then
  useradd --system --gid esdoctor --groups elasticsearch --home-dir /var/lib/esdoctor --no-create-home \
    --shell /usr/sbin/nologin --comment "esdoctor agent and aggregator" esdoctor
elif ! id -nG esdoctor | tr ' ' '\n' | grep -qx elasticsearch; then
  usermod --append --groups elasticsearch esdoctor
fi
exit 0
