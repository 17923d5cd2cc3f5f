# Stand-in for the official mongo image: SecantusDB (MongoDB wire protocol), the server `make dev`
# runs. It is a standalone that advertises a replica-set name, so clients connect with
# directConnection=true (the compose override sets that URL); every commit is synced to disk.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG SECANTUSDB_VERSION=0.7.0b3
RUN python3 -m venv /opt/secantus \
    && /opt/secantus/bin/pip install --no-cache-dir --quiet --pre "secantusdb==${SECANTUSDB_VERSION}" \
    && mkdir -p /data/db
VOLUME /data/db
EXPOSE 27017
ENTRYPOINT ["/opt/secantus/bin/secantusd-py", "--host", "0.0.0.0", "--port", "27017", \
            "--storage-path", "/data/db", "--sync-on-commit"]
