# advisory-watch on the official Airflow image. Keep apache-airflow pinned to the base image's version,
# so installing the project never up- or downgrades Airflow inside the image.
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}
ARG AIRFLOW_VERSION
COPY --chown=airflow:root pyproject.toml README.md /opt/advisory-watch/
COPY --chown=airflow:root advisory_watch /opt/advisory-watch/advisory_watch
COPY --chown=airflow:root scrapers /opt/advisory-watch/scrapers
COPY --chown=airflow:root diffing /opt/advisory-watch/diffing
COPY --chown=airflow:root models /opt/advisory-watch/models
COPY --chown=airflow:root alerts /opt/advisory-watch/alerts
COPY --chown=airflow:root dags /opt/advisory-watch/dags
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" /opt/advisory-watch
ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/advisory-watch/dags
