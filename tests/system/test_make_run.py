"""The README's first command as a user meets it: `make run` on a fresh folder.

Airflow comes up with its metadata on the embedded PostgreSQL (port 5432 taken by another server),
its UI on loopback only; a backfill created through the REST API v2 exactly as the UI creates it runs
over three past days and fills the snapshot store, which `advisory-watch serve` then shows with no
setting; a backfill started by clicking through the DAG's page in headless Chromium succeeds; `make run`
killed with SIGKILL starts again with no manual step; ^C stops Airflow and the database. Real processes
throughout; every upstream (the feed, the workbook, the Wayback Machine) is a fixture server on
127.0.0.1, so no traffic leaves the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import (
    ARCHIVE,
    FEED_1008,
    FEED_PATH,
    FEED_URL,
    ROOT,
    SCREENSHOTS,
    UPSTREAMS,
    WORKBOOK,
    WORKBOOK_PATH,
)

pytestmark = pytest.mark.airflow

DAG = "state_dept_advisories"
# Three past days of the hourly feed DAG: 72 runs, each taking the latest capture of its last 24 h.
THREE_DAYS = ("2026-01-05T00:00:00Z", "2026-01-07T23:00:00Z")
HOURLY_RUNS = 72
# The archived days those runs read (the fake archive dates each capture 12:00 UTC).
CAPTURED = ["2026-01-04T12:00:00", "2026-01-05T12:00:00", "2026-01-06T12:00:00", "2026-01-07T12:00:00"]


@dataclass
class MakeRun:
    """One `make run` process group, its folder and its UI."""

    home: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.home.parent / f"make-run-{self.starts}.log"

    def start(self) -> None:
        self.starts += 1
        output = self.log.open("wb")
        self.process = subprocess.Popen(
            ["make", "-s", "run"],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 300) -> float:
        """Seconds until the UI answers and the scheduler reports healthy."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"make run exited {self.process.returncode}:\n{self.said()[-4000:]}")
            if "make run: Airflow is starting" not in self.said():
                time.sleep(1)  # set-up not done: what answers on the port may still be an earlier run's
                continue
            try:
                health = httpx.get(f"{self.base}/api/v2/monitor/health", timeout=2)
                if health.status_code == 200 and health.json()["scheduler"]["status"] == "healthy":
                    return time.monotonic() - began
            except (httpx.TransportError, ValueError, KeyError, TypeError):
                pass
            time.sleep(1)
        raise AssertionError(f"make run not ready in {timeout} s:\n{self.said()[-4000:]}")

    def said(self) -> str:
        return self.log.read_text(errors="replace")

    def headers(self) -> dict[str, str]:
        passwords = self.home / "airflow" / "simple_auth_manager_passwords.json.generated"
        password = json.loads(passwords.read_text())["admin"]
        answer = httpx.post(f"{self.base}/auth/token", json={"username": "admin", "password": password})
        return {"authorization": f"Bearer {answer.json()['access_token']}"}

    def backfill_runs(self) -> list[dict]:
        answer = httpx.get(
            f"{self.base}/api/v2/dags/{DAG}/dagRuns",
            params={"run_type": "backfill", "limit": 200},
            headers=self.headers(),
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["dag_runs"]

    def active_backfills(self) -> list[dict]:
        """Backfills of the DAG that Airflow still counts as running (it refuses another until none)."""
        answer = httpx.get(
            f"{self.base}/api/v2/backfills",
            params={"dag_id": DAG, "limit": 100},
            headers=self.headers(),
            timeout=30,
        )
        answer.raise_for_status()
        return [b for b in answer.json()["backfills"] if b["completed_at"] is None]

    def signal_group(self, signum: int, wait: float = 120) -> float:
        """Send ``signum`` to make and everything in its process group; seconds until make has exited."""
        assert self.process is not None
        began = time.monotonic()
        os.killpg(self.process.pid, signum)
        self.process.wait(timeout=wait)
        return time.monotonic() - began

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.signal_group(signal.SIGINT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        _stop_database_of(self.home)


def _stop_database_of(home: Path) -> None:
    """Whatever a failed test left: the embedded server of this folder is stopped."""
    subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "airflow-standalone", "--stop-leftovers"],
        env={**os.environ, "ADVISORY_WATCH_HOME": str(home)},
        capture_output=True,
        timeout=120,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def port_5432_taken() -> Iterator[None]:
    """Another PostgreSQL's port: these machines run one there; where none does, a listener holds it."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 5432))
        holder.listen()
    except OSError:
        pass  # taken already (the machine's own PostgreSQL)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", 5432)) == 0
    yield
    holder.close()


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    from advisory_watch.fixture_server import FixtureServer

    routes = {FEED_PATH: FEED_1008, WORKBOOK_PATH: WORKBOOK}
    with FixtureServer(routes=routes, wayback={FEED_URL: ARCHIVE}) as server:
        yield server.url


@pytest.fixture(scope="module")
def make_run(tmp_path_factory, upstream, port_5432_taken) -> Iterator[MakeRun]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    folder = tmp_path_factory.mktemp("make-run")
    home = folder / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADVISORY_WATCH_", "AIRFLOW"))}
    env.update(
        ADVISORY_WATCH_HOME=str(home),
        AIRFLOW_HOME=str(home / "airflow"),
        AIRFLOW__API__PORT=str(_free_port()),
        ADVISORY_WATCH_URL_REWRITE=",".join(f"{u}={upstream}" for u in UPSTREAMS),
    )
    run = MakeRun(home=home, port=int(env["AIRFLOW__API__PORT"]), env=env)
    run.start()
    try:
        yield run
    finally:
        run.stop()


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (IPv4, from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def _wait_for_runs(run: MakeRun, count: int, timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = run.backfill_runs()
        if len(runs) >= count and all(r["state"] in {"success", "failed"} for r in runs):
            return runs
        time.sleep(5)
    raise AssertionError(
        f"backfill runs not done in {timeout} s: {[r['state'] for r in run.backfill_runs()]}"
    )


def test_make_run_starts_airflow_on_the_embedded_postgres_with_the_ui_on_loopback(make_run):
    seconds = make_run.wait_ready()
    print(f"make run ready in {seconds:.0f} s")
    said = make_run.said()
    assert "embedded PostgreSQL for Airflow's metadata" in said, said[-3000:]
    assert _listening_addresses(make_run.port) == {"127.0.0.1"}
    # The metadata server listens on its socket in var/postgres and on no TCP port at all.
    pid = int((make_run.home / "postgres" / "postmaster.pid").read_text().split()[0])
    assert (make_run.home / "postgres" / ".s.PGSQL.5432").is_socket()
    import psutil

    assert not [c for c in psutil.Process(pid).net_connections(kind="inet")]
    health = httpx.get(f"{make_run.base}/api/v2/monitor/health").json()
    assert health["metadatabase"]["status"] == "healthy"


def test_a_rest_backfill_over_three_past_days_runs_and_fills_the_store(make_run):
    """POST /api/v2/backfills with the body the UI's Backfill form sends; every run succeeds; the
    history browser, started with no setting, shows the captured moments newest first."""
    make_run.wait_ready()
    began = time.monotonic()
    answer = httpx.post(
        f"{make_run.base}/api/v2/backfills",
        headers=make_run.headers(),
        json={
            "dag_id": DAG,
            "from_date": THREE_DAYS[0],
            "to_date": THREE_DAYS[1],
            "run_backwards": False,
            "dag_run_conf": {"notify": "none"},
            "reprocess_behavior": "none",
            "max_active_runs": 10,
        },
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    runs = _wait_for_runs(make_run, HOURLY_RUNS, timeout=900)
    print(f"{len(runs)} backfill runs done in {time.monotonic() - began:.0f} s")
    assert len(runs) == HOURLY_RUNS
    assert {r["state"] for r in runs} == {"success"}

    # The store the DAGs wrote is the one every command reads by default: serve it with no setting.
    env = {k: v for k, v in make_run.env.items() if k != "ADVISORY_WATCH_DATABASE_URL"}
    port = _free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "advisory_watch.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        snapshots = _get_json(f"http://127.0.0.1:{port}/api/snapshots?source=state-dept-feed")
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    archived = [s["observed_at"][:19] for s in snapshots if s["provenance"] == "archive"]
    assert sorted(set(archived)) == CAPTURED
    assert archived == sorted(archived, reverse=True)  # the history, newest first
    health = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "health", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert "state-dept-feed" in health.stdout, health.stderr


def _get_json(url: str, timeout: float = 60) -> list[dict]:
    """Every row of a paged API list, following its next links (waiting for the server to answer)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = httpx.get(url, timeout=10)
            answer.raise_for_status()
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    rows = answer.json()
    while "next" in answer.links:
        answer = httpx.get(answer.links["next"]["url"], timeout=10)
        answer.raise_for_status()
        rows += answer.json()
    return rows


def test_a_backfill_started_from_the_dag_page_in_the_browser_succeeds(make_run, browser):
    """Log in, open the DAG, Trigger → Backfill, pick a range, Run Backfill; the Runs tab shows them
    succeed. Screenshots: the filled form and the finished runs."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    make_run.wait_ready()
    # Airflow allows one running backfill per DAG and marks a finished one complete on a 30 s
    # scheduler timer, so the REST test's backfill may still count as running for up to 30 s after
    # its last run succeeded; the form would then be refused ("Another backfill is running").
    _wait_until(lambda: not make_run.active_backfills(), timeout=120)
    before = {r["dag_run_id"] for r in make_run.backfill_runs()}
    passwords = make_run.home / "airflow" / "simple_auth_manager_passwords.json.generated"
    browser.get(make_run.base + "/")
    _wait_until(lambda: browser.find_elements(By.NAME, "username"))
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(json.loads(passwords.read_text())["admin"])
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_until(lambda: "/auth/login" not in browser.current_url)

    browser.get(f"{make_run.base}/dags/{DAG}")
    _wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "button[aria-label='Trigger Dag']"))
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Trigger Dag']").click()
    _wait_until(lambda: browser.find_elements(By.XPATH, "//*[normalize-space(text())='Backfill']"))
    browser.find_element(By.XPATH, "//*[normalize-space(text())='Backfill']").click()
    _wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "[data-testid=datetime-input]"))

    def pick(which: int, day: str, hour: str) -> None:
        browser.find_elements(By.CSS_SELECTOR, "[data-testid=datetime-input]")[which].click()
        opened = "[data-scope=popover][data-part=content][data-state=open] input"
        _wait_until(lambda: len(browser.find_elements(By.CSS_SELECTOR, opened)) >= 2)
        date_field, time_field = browser.find_elements(By.CSS_SELECTOR, opened)[:2]
        for field, value in ((date_field, day), (time_field, hour)):
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(Keys.BACKSPACE)
            field.send_keys(value)
        time_field.send_keys(Keys.ESCAPE)
        _wait_until(lambda: not browser.find_elements(By.CSS_SELECTOR, opened))

    pick(0, "2026/01/08", "00:00")
    pick(1, "2026/01/08", "05:00")
    _wait_until(lambda: browser.find_elements(By.XPATH, "//*[contains(text(), 'runs will be triggered')]"))
    preview = browser.find_element(By.XPATH, "//*[contains(text(), 'runs will be triggered')]").text
    assert preview.startswith("6 runs"), preview
    active = browser.find_element(By.NAME, "max_active_runs")
    active.send_keys(Keys.CONTROL, "a")
    active.send_keys("3")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "airflow-backfill-form.png"))
    browser.find_element(By.XPATH, "//button[normalize-space(.)='Run Backfill']").click()
    # A refused form shows Airflow's reason in a toast and creates nothing: fail with that reason.
    try:
        _wait_until(make_run.active_backfills, timeout=60)
    except AssertionError:
        raise AssertionError(f"the UI created no backfill; the page says: {_refusal(browser)}") from None

    runs = _wait_for_runs(make_run, len(before) + 6, timeout=600)
    started = [r for r in runs if r["dag_run_id"] not in before]
    assert sorted(r["logical_date"][:13] for r in started) == [f"2026-01-08T0{h}" for h in range(6)]
    assert {r["state"] for r in started} == {"success"}
    # ... and the person sees them succeed on the DAG's Runs tab.
    browser.get(f"{make_run.base}/dags/{DAG}/runs")
    _wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "tbody tr"))
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "tbody tr")]
    for run in started:
        row = next(r for r in rows if run["dag_run_id"].replace("+00:00", "") in r.replace("\n", ""))
        assert "Success" in row and "Backfill" in row, row
    browser.save_screenshot(str(SCREENSHOTS / "airflow-backfill-runs.png"))


def _refusal(browser) -> str:  # noqa: ANN001 - a selenium WebDriver
    """The text of the toasts and alerts on the page (Airflow's reason when it refuses a form)."""
    from selenium.webdriver.common.by import By

    shown = browser.find_elements(By.CSS_SELECTOR, "[data-type=error], [role=alert]")
    return " | ".join(e.text for e in shown if e.text.strip())


def _wait_until(condition, timeout: float = 30) -> None:  # noqa: ANN001 - any callable
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen in {timeout} s")
        time.sleep(0.25)


def test_sigkill_then_make_run_again_needs_no_manual_step_and_ctrl_c_stops_everything(make_run):
    """Last: it replaces the module's process. SIGKILL to make's whole group leaves Airflow (in its own
    session) and the database behind; the next `make run` ends the one, reuses the other, and keeps the
    metadata (the backfills are still there). ^C then stops everything, database included."""
    make_run.wait_ready()
    backfills_before = len(make_run.backfill_runs())
    make_run.signal_group(signal.SIGKILL)
    make_run.start()
    seconds = make_run.wait_ready()
    print(f"ready again after SIGKILL in {seconds:.0f} s")
    said = make_run.said()
    assert "reusing the embedded PostgreSQL a killed run left running" in said, said[-3000:]
    assert "stopping the Airflow left running by a make run that was killed" in said, said[-3000:]
    assert len(make_run.backfill_runs()) == backfills_before

    stopped_in = make_run.signal_group(signal.SIGINT)
    print(f"^C stopped make run in {stopped_in:.0f} s")
    assert make_run.process is not None and make_run.process.returncode in {0, 2, -signal.SIGINT}
    said = make_run.said()
    assert "stopped the embedded PostgreSQL" in said, said[-3000:]
    assert not (make_run.home / "postgres" / "postmaster.pid").exists()
    leftovers = subprocess.run(["pgrep", "-f", str(make_run.home)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == "", leftovers.stdout
