-- Separate databases for Airflow's metadata and for the snapshot store.
CREATE USER advisory WITH PASSWORD 'advisory';
CREATE DATABASE advisory_watch OWNER advisory;
