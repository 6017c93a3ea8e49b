# syntax=docker/dockerfile:1
# The intake service: `intake serve` by default; `intake worker`, `intake db upgrade` and the
# other commands by naming them (the entrypoint is `intake`). deploy/compose.yaml runs them all.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- build: a virtualenv holding the package and its wheels --------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# The dependencies first, from the metadata alone, so a code change reuses this layer.
COPY pyproject.toml README.md ./
RUN python - <<'PY' > /tmp/requirements.txt
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
PY
RUN pip install --upgrade pip && pip install -r /tmp/requirements.txt
COPY api ./api
COPY intake ./intake
COPY storage ./storage
COPY verifiers ./verifiers
COPY ocr ./ocr
COPY samples ./samples
RUN pip install --no-deps .
# The PP-OCR models ship inside the rapidocr wheel (rapidocr/models/*.onnx) and the engine
# names them by path, so nothing is downloaded at run time. Loading them here fails the
# build when a model is missing, instead of the first upload in production.
RUN python -c "from ocr.engines.rapid import RapidOcrEngine; print(RapidOcrEngine(threads=1).version)"

# -- runtime: the virtualenv on a slim Python, as an unprivileged user ----------------------
FROM ${PYTHON_IMAGE} AS runtime
# No CJK fonts: OCR reads pixels and the reviewer pages are drawn by the browser. Only the
# sample generator (`intake samples`, a development tool) renders Chinese text.
RUN groupadd --system --gid 10001 intake \
    && useradd --system --uid 10001 --gid intake --home-dir /var/lib/intake --create-home \
       --shell /usr/sbin/nologin intake
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    INTAKE_DATA_DIR=/var/lib/intake \
    INTAKE_LOG_FORMAT=json
WORKDIR /var/lib/intake
USER intake:intake
# 8000: the API; 9187: a worker's metrics (INTAKE_WORKER_METRICS_PORT).
EXPOSE 8000 9187
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["intake"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
