#!/usr/bin/env bash
# `make test-containers`: the system in containers, on a machine with no image registry.
#   1. a Docker engine (started here, and stopped at the end, if none answers)
#   2. the images: a debootstrap base, stand-ins for nats/mongo/mailpit, vssid-backend
#   3. docker-compose.yml + deploy/local/compose.local.yml up, one declaration end to end
#   4. pytest --stack=containers (NATS and MongoDB in containers started by the tests)
#   5. compose down, the engine stopped if this script started it
# Exit 3 means "no Docker engine can be started here" (needs root); anything else is a result.
set -euo pipefail
cd "$(dirname "$0")/.."

DOCKER=/usr/bin/docker
LOCAL=.data/local
PROJECT=vssid-local
mkdir -p "$LOCAL"
say() { printf '[containers] %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
    say "cannot start a Docker engine: not root"
    exit 3
fi
scripts/system-deps.sh docker.io debootstrap docker-compose

started_engine=""
if ! "$DOCKER" info >/dev/null 2>&1; then
    say "starting dockerd"
    setsid /usr/sbin/dockerd --storage-driver=overlay2 --pidfile="$PWD/$LOCAL/dockerd.pid" \
        --exec-root="$PWD/$LOCAL/dockerd-exec" >"$LOCAL/dockerd.log" 2>&1 &
    started_engine=yes
    for _ in $(seq 60); do "$DOCKER" info >/dev/null 2>&1 && break; sleep 1; done
    if ! "$DOCKER" info >/dev/null 2>&1; then
        say "dockerd did not start; its log:"
        tail -20 "$LOCAL/dockerd.log"
        exit 3
    fi
fi

# Debian's docker-compose is v1.29, which refuses the top-level `name:` of the compose spec;
# the project name is given with -p instead.
sed '/^name:/d' docker-compose.yml >"$LOCAL/docker-compose.yml"
compose() {
    docker-compose --project-directory . -p "$PROJECT" --env-file .secrets/nats.env \
        -f "$LOCAL/docker-compose.yml" -f deploy/local/compose.local.yml "$@"
}

cleanup() {
    local rc=$?
    if [ -f .secrets/nats.env ]; then
        [ $rc -ne 0 ] && compose logs --no-color --tail=40 >"$LOCAL/compose-failure.log" 2>&1 \
            && say "compose logs: $LOCAL/compose-failure.log"
        compose down -v --remove-orphans >/dev/null 2>&1 || true
    fi
    if [ -n "$started_engine" ] && [ -f "$LOCAL/dockerd.pid" ]; then
        say "stopping dockerd"
        kill "$(cat "$LOCAL/dockerd.pid")" 2>/dev/null || true
        for _ in $(seq 30); do [ -f "$LOCAL/dockerd.pid" ] || break; sleep 1; done
    fi
    exit $rc
}
trap cleanup EXIT

deploy/local/build-images.sh

.venv/bin/vssid nats deploy-config --dir .secrets >/dev/null
VSSID_SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))')
export VSSID_SECRET_KEY
say "compose up"
started=$(date +%s)
compose up -d --no-build
for _ in $(seq 180); do
    if curl -fsS http://127.0.0.1:8080/ready >/dev/null 2>&1 \
        && curl -fsS http://127.0.0.1:8081/ready >/dev/null 2>&1; then
        break
    fi
    sleep 1
done
curl -fsS http://127.0.0.1:8080/ready && echo
curl -fsS http://127.0.0.1:8081/ready && echo
say "ready after $(($(date +%s) - started)) s"

say "one declaration end to end through the containers"
token=$(compose exec -T review vssid operators add --agency 4802 --name "Lê Thị Hạnh" | tail -1)
VSSID_COMPOSE_OPERATOR_TOKEN=$token .venv/bin/pytest -q -p no:cacheprovider \
    tests/containers/test_compose_smoke.py
compose down -v --remove-orphans >/dev/null

say "pytest --stack=containers"
export VSSID_TEST_NATS_IMAGE=vssid-local/nats:latest VSSID_TEST_MONGO_IMAGE=vssid-local/mongo:latest
export TESTCONTAINERS_CONNECTION_MODE=docker_host TESTCONTAINERS_RYUK_DISABLED=true
export DOCKER_HOST=unix:///var/run/docker.sock
# By default the contract's walk through the system and the NATS permission attacks (what the
# containers change); VSSID_CONTAINER_TESTS="tests/integration tests/e2e" runs everything (about
# as long as `make test` again).
.venv/bin/pytest -q --stack=containers ${VSSID_CONTAINER_TESTS:-tests/e2e/test_walking_skeleton.py \
    tests/e2e/test_attacks_nats.py tests/e2e/test_intake_contract.py tests/e2e/test_review_contract.py}
