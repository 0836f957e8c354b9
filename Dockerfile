# motcua: one image for the web and worker processes (see docs/operations.md, "Containers").
# Debian slim, pinned Python dependencies, runs as an unprivileged user.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MOTCUA_VAR_DIR=/var/lib/motcua \
    STATIC_ROOT=/app/static \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    LOG_FORMAT=json \
    DEMO_IDP_ENABLED=false \
    DEMO_REGISTRY_ENABLED=false \
    PAYMENT_SANDBOX_ENABLED=false \
    DEMO_NATIONAL_ENABLED=false \
    PKI_DEMO=false
# The image is for production: the demo e-ID provider and registries are off (with DEBUG off,
# `motcua check --deploy` refuses them, ops.E001/E002/E004, results.W001); a demo container sets DEBUG=true DEMO_IDP_ENABLED=true.

# WeasyPrint (result PDFs) needs Pango and HarfBuzz; documents are set in DejaVu (Vietnamese) and Lohit Bengali
# (a Bengali installation: Pango shapes its conjuncts with HarfBuzz).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-lohit-beng-bengali \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /home/motcua --uid 10001 motcua \
 && install -d -o motcua -g motcua /var/lib/motcua /var/lib/motcua/media /tmp/prometheus

WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt
COPY pyproject.toml README.md ./
COPY motcua motcua
COPY procedures procedures
RUN pip install --no-deps -e . \
 && DATABASE_URL=sqlite:////tmp/build.sqlite3 SECRET_KEY=build-only DEMO_IDP_ENABLED=false \
    motcua collectstatic --noinput \
 && rm -f /tmp/build.sqlite3

USER motcua
EXPOSE 8000
# The web process; the worker runs the same image with `motcua db_worker` or `motcua rqworker default`.
CMD ["gunicorn", "-c", "python:motcua.ops.gunicorn", "--bind", "0.0.0.0:8000"]
