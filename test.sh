#!/usr/bin/env bash
# Runs the whole test suite, installing first what the tests need on a fresh
# Debian machine: Samba (the admin shares of a fleet of hosts), its client
# smbclient (reads the hosts that speak SMB 1 only), LibreOffice (opens and
# prints the workbook as an independent reader) with Carlito (Calibri's
# metric twin, so it lays the workbook out as Excel does), poppler-utils,
# and Debian's openpyxl (reads the workbook as csvkit and pandas do).
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v smbd >/dev/null || need+=(samba)
command -v smbpasswd >/dev/null || need+=(samba-common-bin)
command -v smbclient >/dev/null || need+=(smbclient)
command -v soffice >/dev/null || need+=(libreoffice-calc-nogui)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
fc-list 2>/dev/null | grep -q Carlito || need+=(fonts-crosextra-carlito)
/usr/bin/python3 -c 'import openpyxl' 2>/dev/null || need+=(python3-openpyxl)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "test.sh: gofmt, go vet, Windows build"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
GOOS=windows go build ./...

echo "test.sh: go test"
go test -count=1 -timeout 20m ./...
