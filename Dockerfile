# studio-gateway image (first cut: the gateway alone on Debian 12).
# The CUDA llama-server build stage, non-root user, tini and HEALTHCHECK come
# with the container issue; until then mount or COPY a llama-server binary to
# /opt/llama-server.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/ scripts/
RUN scripts/install-deps.sh
COPY . .
RUN scripts/build.sh Release -DSTUDIO_BUILD_TESTS=OFF

FROM debian:12-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      libboost-json1.81.0 libboost-url1.81.0 libcurl4 libssl3 libspdlog1.10 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/bin/studio-gateway /usr/local/bin/studio-gateway
COPY catalog/ /opt/studio/catalog/
COPY config/ /opt/studio/config/
ENV STUDIO_DIR=/workspace/studio
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/studio-gateway"]
