# Plenary's one image: web, worker, beat, relay and the one-off migrate and demo
# services all run it (docker-compose.yml).  tests/ops/test_compose.py checks that
# every file copied here exists and every apt package exists in Debian bookworm.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (PDF outcome reports) needs Pango, HarfBuzz and fontconfig, and
# libharfbuzz-subset0 to embed only the glyphs a report uses.  Fonts: DejaVu for
# Latin, Greek and Cyrillic; Noto for Arabic, Hebrew, Devanagari and the other
# scripts participants write in; Noto CJK for Chinese, Japanese and Korean.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
        fonts-dejavu-core fonts-noto-core fonts-noto-ui-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, in their own layer, pinned by the constraints file.
COPY pyproject.toml ./
COPY requirements/constraints.txt requirements/constraints.txt
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -c requirements/constraints.txt -r /tmp/requirements.txt

# Then the project itself (.dockerignore keeps a local .env, and its key, out).
# No DJANGO_SECRET_KEY is baked in: the container refuses to start without one.
# Installed in place (-e) so that settings.BASE_DIR, templates and static files
# all resolve to /app.
COPY . .
RUN pip install -c requirements/constraints.txt --no-deps -e . \
    && DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --create-home --home-dir /home/plenary plenary \
    && mkdir -p /app/media \
    && chown plenary /app/media

USER plenary
EXPOSE 8000
# The web process by default; docker-compose.yml gives each service its command.
# No gunicorn access log: plenary/observability/middleware.py writes one line per request.
# The configuration bench/load/run.py measures: threads wait on PostgreSQL, not on the
# CPU; a connection per request, as behind the proxy that terminates TLS (a kept-alive
# connection stays with the worker that accepted it, and one worker can end up with most).
CMD ["gunicorn", "plenary.wsgi", "--config", "python:plenary.observability.gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", \
     "--worker-class", "gthread", "--threads", "8", "--keep-alive", "0"]
