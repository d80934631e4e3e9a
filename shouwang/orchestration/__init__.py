"""Orchestration: what Airflow needs to run the pipeline, kept out of the DAG files.

    schedules -> registry cadences to Airflow timetables (pure, no Airflow needed to test)
    assets    -> the Airflow Asset each feed's staging data is published as
    tasks     -> the callables the DAG tasks run (heavy imports happen inside them)

DAG files under dags/ stay thin: they read the registry and wire these together. Nothing here
imports pandas, SQLAlchemy or Great Expectations at module level, so DAG parsing stays cheap.
"""
