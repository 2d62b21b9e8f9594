# studio-gateway on a GPU pod: llama-server built with CUDA + the gateway.
#
# Build arguments (docker build --build-arg NAME=VALUE):
#   LLAMA_CPP_TAG       llama.cpp release tag to build llama-server from
#   CUDA_VERSION        CUDA toolkit of the build and runtime images
#   CUDA_ARCHITECTURES  GPU architectures compiled into llama-server
#                       (75 T4/RTX 20xx, 80 A100, 86 RTX 30xx/A10/A40, 89 L4/L40/RTX 40xx, 90 H100/H200)
#   STUDIO_UID          uid of the non-root user the gateway runs as
ARG CUDA_VERSION=12.6.3
ARG UBUNTU_VERSION=24.04

# --- Stage 1: llama-server with CUDA --------------------------------------------
FROM nvidia/cuda:${CUDA_VERSION}-devel-ubuntu${UBUNTU_VERSION} AS llama
ARG LLAMA_CPP_TAG=b6100
ARG CUDA_ARCHITECTURES="75;80;86;89;90"
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends git cmake ninja-build build-essential ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN git clone --depth 1 --branch "${LLAMA_CPP_TAG}" https://github.com/ggml-org/llama.cpp.git .
# Static llama/ggml libraries: one self-contained binary that needs only the
# CUDA runtime libraries of the final image (and the driver the host mounts).
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHITECTURES}" \
      -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
      -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,/usr/local/cuda/lib64/stubs -L/usr/local/cuda/lib64/stubs" \
 && cmake --build build --target llama-server -j"$(nproc)" \
 && install -m 0755 build/bin/llama-server /opt/llama-server

# --- Stage 2: studio-gateway, built with the README's commands ------------------
FROM debian:12 AS gateway
WORKDIR /src
COPY scripts/ scripts/
RUN scripts/install-deps.sh --build-only
COPY . .
# DT_RPATH $ORIGIN/../lib (not LD_LIBRARY_PATH): only the gateway loads the bundled
# Debian libraries; llama-server, its child, keeps the image's own.
RUN scripts/build.sh Release -DSTUDIO_BUILD_TESTS=OFF \
      -DCMAKE_BUILD_RPATH='$ORIGIN/../lib' -DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags \
 && scripts/bundle-libs.sh build/bin/studio-gateway /opt/studio/lib

# --- Final stage: CUDA runtime, two binaries, catalog, config, entrypoint -------
FROM nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu${UBUNTU_VERSION}
ARG STUDIO_UID=10001
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends tini curl ca-certificates libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid "${STUDIO_UID}" --home-dir /workspace --shell /usr/sbin/nologin studio \
 && mkdir -p /workspace/studio && chown -R studio /workspace
COPY --from=llama /opt/llama-server /opt/llama-server
COPY --from=gateway /src/build/bin/studio-gateway /opt/studio/bin/studio-gateway
COPY --from=gateway /opt/studio/lib/ /opt/studio/lib/
# Swagger UI assets for /swagger/ (npm's swagger-ui-dist, installed by the build),
# found by the gateway at <bin>/../share/studio-gateway/swagger-ui.
COPY --from=gateway /src/build/share/studio-gateway/ /opt/studio/share/studio-gateway/
COPY catalog/ /opt/studio/catalog/
COPY config/ /opt/studio/config/
COPY scripts/entrypoint.sh /opt/studio/scripts/entrypoint.sh
ENV STUDIO_DIR=/workspace/studio \
    STUDIO_HOST=0.0.0.0 \
    STUDIO_PORT=8000 \
    LLAMA_SERVER_BIN=/opt/llama-server \
    STUDIO_GATEWAY_BIN=/opt/studio/bin/studio-gateway
VOLUME ["/workspace/studio"]
EXPOSE 8000
USER studio
WORKDIR /workspace
# Readiness of the gateway itself (not of a model): 503 while draining.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${STUDIO_PORT}/api/v2/health" >/dev/null || exit 1
# tini is PID 1: forwards signals to the gateway and reaps zombies.
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/studio/scripts/entrypoint.sh"]
