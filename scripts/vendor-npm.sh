#!/usr/bin/env bash
# Refreshes the npm files vendored into the repository (nothing is fetched at run time, and
# no CDN is ever used): `npm pack` of a pinned version, then the files we use and their
# licences are copied in. Run by hand when upgrading; commit the result.
#   scripts/vendor-npm.sh            # the versions pinned below
#   AXE_VERSION=4.15.0 scripts/vendor-npm.sh
set -euo pipefail
AXE_VERSION="${AXE_VERSION:-4.14.1}"
JSQR_VERSION="${JSQR_VERSION:-1.4.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

vendor() {  # package version destination file...
  local package="$1" version="$2" dest="$3"; shift 3
  (cd "$work" && npm pack --silent "${package}@${version}" >/dev/null)
  local tgz; tgz="$(ls "$work"/*.tgz)"
  mkdir -p "$work/x" "$dest" && tar xzf "$tgz" -C "$work/x"
  for f in "$@"; do cp "$work/x/package/$f" "$dest/"; done
  echo "$version" > "$dest/VERSION"
  rm -rf "$work/x" "$tgz"
  echo "vendored ${package}@${version} into ${dest#"$root"/}"
}

# axe-core (MPL-2.0): the accessibility scan of the browser tests, injected by the test only.
vendor axe-core "$AXE_VERSION" "$root/tests/support/vendor/axe-core" \
  axe.min.js LICENSE LICENSE-3RD-PARTY.txt

# jsQR (Apache-2.0): decodes camera frames in the browser: the applicant's live QR scanning,
# and the staff app's counter scan of the reference on the declaration copy. Two copies, one
# per service (each serves only its own package's files), refreshed together.
for dest in services/intake/vssid_intake/app_static/vendor services/review/vssid_review/static/vendor; do
  vendor jsqr "$JSQR_VERSION" "$root/$dest" dist/jsQR.js LICENSE
done
