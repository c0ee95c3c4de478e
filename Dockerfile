# leadbot's image: `docker compose up` (compose.yaml) runs it as web workers, one scheduler and a one-shot migration.
# Two stages: the build tools and pip's cache stay in the first; the image holds Python, the virtualenv and a font.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/leadbot
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY api api
COPY scheduler scheduler
COPY sandbox sandbox
COPY migrations migrations
RUN /opt/leadbot/bin/pip install --no-cache-dir .

FROM python:3.11-slim
# The weekly chart draws Chinese names with a CJK font found at run time (bot/blocks/chart.py).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /srv/leadbot --create-home leadbot
COPY --from=build /opt/leadbot /opt/leadbot
ENV PATH=/opt/leadbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3000 \
    LEADBOT_HOST=0.0.0.0
WORKDIR /srv/leadbot
USER leadbot
EXPOSE 3000
# Whether this process can take Slack's requests: the database answers (HTTP mode and Socket Mode alike).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz/web' % os.environ.get('PORT', '3000'), timeout=4)"]
CMD ["leadbot", "serve"]
