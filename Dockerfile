# advisory-watch on the official Airflow image. Keep apache-airflow pinned to the base image's version,
# so installing the project never up- or downgrades Airflow inside the image.
# The whole project is copied (what is not needed is in .dockerignore): the package list lives in
# pyproject.toml alone, so a new package cannot be left out of the image
# (tests/test_image_context.py builds this context and installs it the way this file does).
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}
ARG AIRFLOW_VERSION
COPY --chown=airflow:root . /opt/advisory-watch/
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" /opt/advisory-watch
ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/advisory-watch/dags
