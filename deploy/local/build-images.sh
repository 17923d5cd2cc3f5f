#!/usr/bin/env bash
# Build every image the system needs without an image registry: a Debian base from debootstrap,
# stand-ins for nats, mongo and mailpit, and the vssid-backend image on that base.
#
#   deploy/local/build-images.sh            # all of it (the base is cached under .data/local/)
#
# Needs root, debootstrap and Debian's own docker client (/usr/bin/docker from docker.io: the
# static client some machines put first on PATH has no BuildKit, and the Dockerfile needs it
# for RUN --mount). Builds reach Debian and PyPI only.
set -euo pipefail
cd "$(dirname "$0")/../.."

DOCKER=${DOCKER:-/usr/bin/docker}
CACHE=${VSSID_LOCAL_CACHE:-.data/local}
SUITE=bookworm
MIRROR=${VSSID_DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE=vssid-local/base:$SUITE
export DOCKER_BUILDKIT=1

say() { printf '[images] %s\n' "$*"; }

build_base() {
    if "$DOCKER" image inspect "$BASE" >/dev/null 2>&1; then
        say "base $BASE already built"
        return
    fi
    local root="$CACHE/rootfs" tarball="$CACHE/rootfs.tar"
    mkdir -p "$CACHE"
    if [ ! -f "$tarball" ]; then
        say "debootstrap $SUITE (minbase) into $root"
        rm -rf "$root"
        # python3 and libzbar0 are what the services need at run time; wget serves healthchecks.
        debootstrap --variant=minbase \
            --include=ca-certificates,python3,python3-venv,libzbar0,wget \
            "$SUITE" "$root" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1
        # A host behind a TLS-inspecting egress proxy trusts extra CAs: the images must too,
        # or pip/uv/apt over https fail inside the builds.
        if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
            cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
            chroot "$root" update-ca-certificates >/dev/null
        fi
        # The upstream python image keeps its interpreter in /usr/local/bin; so does this base,
        # so the same Dockerfile (and its venv's interpreter path) works on both.
        ln -sf /usr/bin/python3 "$root/usr/local/bin/python3"
        ln -sf /usr/bin/python3 "$root/usr/local/bin/python"
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
        tar -C "$root" -cf "$tarball" .
        rm -rf "$root"
    fi
    say "docker import $BASE"
    "$DOCKER" import \
        --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/bin/bash"]' \
        "$tarball" "$BASE" >/dev/null
}

build() {  # build <tag> <dockerfile> [build args...]
    local tag=$1 file=$2
    shift 2
    local log="$CACHE/build-${tag//[\/:]/_}.log"
    say "build $tag"
    if ! "$DOCKER" build --progress=plain -t "$tag" -f "$file" --build-arg "BASE_IMAGE=$BASE" \
        "$@" . >"$log" 2>&1; then
        say "build of $tag failed; the end of $log:"
        tail -30 "$log"
        return 1
    fi
}

build_base
build vssid-local/uv:latest deploy/local/uv.Dockerfile
build vssid-local/nats:latest deploy/local/nats.Dockerfile
build vssid-local/mongo:latest deploy/local/mongo.Dockerfile
build vssid-backend:local deploy/Dockerfile \
    --build-arg "UV_IMAGE=vssid-local/uv:latest"
build vssid-local/mailpit:latest deploy/local/mailpit.Dockerfile
say "done: $BASE vssid-local/{uv,nats,mongo,mailpit} vssid-backend:local"
