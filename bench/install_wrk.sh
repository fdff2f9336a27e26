#!/bin/sh
# Installs the wrk HTTP load generator from Debian's packages when it is missing; the HTTP bench calls it
# itself. The package lists are refreshed only when the first install fails for want of them.
set -eu

if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=""
else
    as_root="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $as_root apt-get install -y --no-install-recommends wrk; then
    $as_root apt-get update
    $as_root apt-get install -y --no-install-recommends wrk
fi
command -v wrk >/dev/null
