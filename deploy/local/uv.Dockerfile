# Stand-in for ghcr.io/astral-sh/uv: the same two binaries at the image root, from PyPI.
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS fetch
ARG UV_VERSION=0.13.9
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir --quiet "uv==${UV_VERSION}"

FROM scratch
COPY --from=fetch /opt/uv/bin/uv /opt/uv/bin/uvx /
