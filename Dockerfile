# planwatch's container image: the service, its worker and its command line.
#
#   docker build -t planwatch .
#   docker run --read-only --tmpfs /tmp -v planwatch-data:/data -p 8000:8000 planwatch
#
# Two stages on Debian 12 (bookworm, whose Python is 3.11): the first builds the wheel with
# GOV.UK Frontend's assets in it (setup.py copies them from node_modules) and installs it,
# with the locked dependencies the service needs (checked against their hashes), into a
# virtual environment; the second is that environment with the Debian packages the service
# calls (WeasyPrint's Pango, ocrmypdf and Tesseract, pg_dump), run as a user without
# privileges. Only /data (and /tmp) need to be writable: the image runs with a read-only root.
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates nodejs npm python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# GOV.UK Frontend, exactly as package-lock.json pins it (axe-core, for the tests, is left out).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
# The locked packages the service needs (deploy/runtime-lock.py picks them from the lock
# file), then the wheel, built without fetching anything more than its build requirements.
COPY requirements/lock.txt requirements/lock.txt
COPY pyproject.toml setup.py README.md ./
COPY deploy/runtime-lock.py deploy/runtime-lock.py
RUN python3 deploy/runtime-lock.py requirements/lock.txt pyproject.toml postgres > /tmp/runtime.txt \
    && python3 -m venv /opt/planwatch \
    && /opt/planwatch/bin/pip install --no-cache-dir --disable-pip-version-check --quiet \
        --require-hashes --no-deps -r /tmp/runtime.txt
COPY src src
RUN /opt/planwatch/bin/pip wheel --no-cache-dir --disable-pip-version-check --quiet \
        --no-deps -w /wheels . \
    && /opt/planwatch/bin/pip install --no-cache-dir --disable-pip-version-check --quiet \
        --no-deps /wheels/planwatch-*.whl \
    && /opt/planwatch/bin/pip check \
    && /opt/planwatch/bin/pip uninstall --yes --quiet pip \
    && /opt/planwatch/bin/python -m compileall -q /opt/planwatch
# The assets, collected and compressed once here rather than by each server as it starts
# (a throwaway data folder: its secret key is made for this step alone and deleted).
RUN PLANWATCH_DATA_DIR=/tmp/collect PLANWATCH_STATIC_ROOT=/opt/planwatch/static \
        /opt/planwatch/bin/planwatch manage collectstatic --no-input --verbosity 0 \
    && rm -rf /tmp/collect

FROM ${DEBIAN_IMAGE}
# Pango and HarfBuzz for WeasyPrint's PDF reports (with Liberation Sans, the Arial they name),
# ocrmypdf and English Tesseract for scanned plans, PostgreSQL's client for `planwatch
# backup`, tini to pass signals on and reap children.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates python3 \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 \
        ocrmypdf tesseract-ocr tesseract-ocr-eng \
        postgresql-client tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 planwatch \
    && useradd --system --uid 10001 --gid planwatch --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin planwatch \
    && mkdir /data \
    && chown planwatch:planwatch /data
COPY --from=build /opt/planwatch /opt/planwatch

# Everything the service writes goes to /data (database when SQLite, files when not in an
# object store, metrics) or /tmp: caches that libraries keep (fontconfig's,
# Tesseract's) go to /tmp, and Python writes no bytecode beside the installed code.
ENV PATH=/opt/planwatch/bin:$PATH \
    PLANWATCH_DATA_DIR=/data \
    PLANWATCH_STATIC_ROOT=/opt/planwatch/static \
    PLANWATCH_COLLECT_STATIC=off \
    HOME=/data \
    XDG_CACHE_HOME=/tmp/cache \
    TMPDIR=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# The load balancer's check too: the database answers and the file store takes a file.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["tini", "--", "planwatch"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
