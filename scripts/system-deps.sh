#!/usr/bin/env bash
# Installs the Debian packages a Python dependency needs (libzbar0 for pyzbar) and, for tests,
# pdftotext (poppler-utils). As root it installs them; otherwise it prints the exact command.
set -euo pipefail
want=("$@")
missing=()
for pkg in "${want[@]}"; do
  case "$pkg" in
    libzbar0) ldconfig -p 2>/dev/null | grep -q 'libzbar\.so\.0' || missing+=("$pkg") ;;
    poppler-utils) command -v pdftotext >/dev/null 2>&1 || missing+=("$pkg") ;;
    *) dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg") ;;
  esac
done
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "missing system packages: ${missing[*]}" >&2
  echo "run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
