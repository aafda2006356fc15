# giamngheo: one image for every role (api, scheduler, worker, migrate); docker-compose.yml picks the command.
#   docker build -t giamngheo .
#   docker run --env-file .env -p 8000:8000 giamngheo
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# DejaVu covers Vietnamese: the printed notices and posters embed it (core/printing.py).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# The app never runs as root: a system user without a login shell owns nothing but its home.
RUN groupadd --system --gid 10001 giamngheo \
 && useradd --system --uid 10001 --gid giamngheo --home-dir /app --shell /usr/sbin/nologin giamngheo

WORKDIR /app
# Exactly the committed lock (runtime dependencies, with hashes) first, so this layer is cached across code changes.
COPY requirements/runtime.txt /tmp/runtime.txt
RUN pip install --require-hashes -r /tmp/runtime.txt && rm /tmp/runtime.txt
COPY . /src
# The package goes to site-packages without resolving anything again; the curated content stays a plain folder
# the operators can mount over.
RUN pip install --no-deps --no-build-isolation /src \
 && cp -r /src/content /app/content \
 && mkdir -p /app/content/drafts \
 && rm -rf /src \
 && chown -R giamngheo:giamngheo /app

ENV ENVIRONMENT=production \
    LOG_FORMAT=json \
    CONTENT_DIR=/app/content

USER giamngheo
EXPOSE 8000

# slim has no curl: ask /healthz with the standard library. Compose overrides it for scheduler and worker.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# exec form: giamngheo is PID 1 and gets SIGTERM itself (it stops gracefully and exits 0).
CMD ["giamngheo", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-scheduler", "--no-worker"]
