# Shouwang on the official Airflow image: the same pinned dependencies as the virtualenv.
FROM apache/airflow:3.3.2-python3.11

USER root
COPY --chown=airflow:root . /opt/shouwang
USER airflow
RUN pip install --no-cache-dir -c /opt/shouwang/constraints.txt -e /opt/shouwang

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/shouwang/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/shouwang/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False
