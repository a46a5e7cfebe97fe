# Production image: gunicorn + the Flask API; PostgreSQL + PostGIS via DATABASE_URL.
#   docker build -t zhangshang .
#   docker run -e DATABASE_URL=postgresql+psycopg://... -e SECRET_KEY=... -p 8000:8000 zhangshang
# the PWA the app serves (pwa/dist), built apart: no node in the running image
FROM node:20-bookworm-slim AS pwa
WORKDIR /pwa
COPY pwa/package.json pwa/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY pwa/ ./
RUN npm run build

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    APP_ENV=production \
    SPATIALITE_LIBRARY_PATH=mod_spatialite \
    MEDIA_ROOT=/data/media

# SpatiaLite keeps the embedded engine usable in the image (single-box deployments)
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-mod-spatialite fonts-wqy-microhei postgresql-client ffmpeg \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY backend backend
COPY geo geo
COPY wsgi.py gunicorn.conf.py ./
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# the officers' app, and Leaflet for the residents' report page (its map pin)
COPY --from=pwa /pwa/dist pwa/dist
COPY --from=pwa /pwa/node_modules/leaflet/dist pwa/node_modules/leaflet/dist

RUN useradd --system --uid 10001 --home /app app \
 && mkdir -p /app/instance /data/media \
 && chown -R app /app/instance /data
USER app

EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
