"""The history browser: a server-rendered FastAPI app over the snapshot store (standalone or in Airflow)."""
