# ARCO's image: the API (the default command) and, with `arco worker` as the command, the background worker.
# It carries no database and no Redis: it connects to the PostgreSQL and Redis named by its environment
# (docs/deploy.md lists every variable). Build with `docker build -t arco .`.

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/arco
COPY pyproject.toml README.md ./
COPY src ./src
# The project alone, without the `embedded` extra: production never runs the embedded servers.
RUN /opt/arco/bin/pip install --no-cache-dir .

FROM ${PYTHON_IMAGE} AS runtime
# A numeric id, so that an orchestrator can check the container does not run as root (runAsNonRoot).
RUN useradd --system --uid 10001 --user-group --no-log-init --create-home --home-dir /home/arco arco
COPY --from=build /opt/arco /opt/arco
ENV PATH=/opt/arco/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ARCO_ENV=production
USER 10001:10001
WORKDIR /home/arco
EXPOSE 8000
# The API on a database `arco migrate` has prepared; WEB_CONCURRENCY sets the number of server processes.
# ARCO reads X-Forwarded-For itself, from ARCO_TRUSTED_PROXIES only, so uvicorn must not rewrite the address.
CMD ["uvicorn", "arco_entrypoints.asgi:create", "--factory", "--host", "0.0.0.0", "--port", "8000", \
     "--no-server-header", "--no-proxy-headers"]
