"""The history browser inside the Airflow 3 UI: a FastAPI app and a menu entry.

Airflow does not authenticate plugin apps, so every route requires an authenticated Airflow user
(the API server's JWT, from the UI's cookie or a bearer token) through Airflow's own ``get_user``.
Registered by the ``airflow.plugins`` entry point in pyproject.toml, so no plugins folder is needed.
"""

from __future__ import annotations

from airflow.api_fastapi.core_api.security import get_user
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends

from history.app import create_app

URL_PREFIX = "/advisory-watch"

app = create_app(dependencies=[Depends(get_user)], base_path=URL_PREFIX)


class AdvisoryWatchPlugin(AirflowPlugin):
    name = "advisory_watch"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "advisory-watch history"}]
    external_views = [
        {
            "name": "Advisory history",
            "href": URL_PREFIX.lstrip("/") + "/",
            "destination": "nav",
            "category": "browse",
            "url_route": "advisory-watch",
        }
    ]
