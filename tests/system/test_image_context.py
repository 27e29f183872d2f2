"""The image, built the way Docker builds it, without a Docker engine.

The build context is made from the Dockerfile's COPY lines and .dockerignore (Docker's own matching
rules, from docker-py), and installed into a fresh virtualenv with the Dockerfile's RUN pip command
(ARG values substituted, /opt/advisory-watch pointing at the copy). Then every package imports, the
CLI runs and Airflow finds the plugin — or, with a package folder left out, the install fails.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from docker.utils.build import exclude_paths

from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
IMAGE_ROOT = "/opt/advisory-watch"


def _instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    lines = [
        line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _args() -> dict[str, str]:
    return {
        name: value
        for kind, rest in _instructions()
        if kind == "ARG" and "=" in rest
        for name, value in [rest.split("=", 1)]
    }


def _substitute(text: str) -> str:
    for name, value in _args().items():
        text = text.replace("${" + name + "}", value).replace("$" + name, value)
    return text


def _ignore_patterns(extra: tuple[str, ...] = ()) -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")] + list(extra)


def build_context(target: Path, *, also_ignore: tuple[str, ...] = ()) -> Path:
    """What the image's filesystem holds under /opt after the COPY lines; returns the project root."""
    included = set(exclude_paths(str(ROOT), _ignore_patterns(also_ignore)))
    for kind, rest in _instructions():
        if kind != "COPY":
            continue
        *sources, destination = [word for word in shlex.split(rest) if not word.startswith("--")]
        assert destination.startswith(IMAGE_ROOT), destination
        into = target / destination.removeprefix("/").rstrip("/")
        for source in sources:
            prefix = "" if source in (".", "./") else source.rstrip("/") + "/"
            for path in included:
                if (prefix and not (path == prefix.rstrip("/") or path.startswith(prefix))) or not (
                    ROOT / path
                ).is_file():
                    continue
                relative = path[len(prefix) :] if prefix else path
                (into / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / path, into / relative)
    return target / IMAGE_ROOT.removeprefix("/")


def _pip_command(project: Path, venv: Path) -> list[str]:
    [run] = [rest for kind, rest in _instructions() if kind == "RUN" and rest.startswith("pip install")]
    words = shlex.split(_substitute(run).replace(IMAGE_ROOT, str(project)))
    return [str(venv / "bin" / "python"), "-m", *words]


def _fresh_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADVISORY_WATCH_", "AIRFLOW"))}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900, **kwargs)


def test_the_context_holds_every_package_and_nothing_of_the_developers_tree(tmp_path):
    project = build_context(tmp_path)
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    for package in packages:
        assert (project / package.replace(".", "/") / "__init__.py").is_file(), package
    assert (project / "dags").is_dir() and (project / "pyproject.toml").is_file()
    for left_out in (".git", ".venv", "var", "tests", "bench"):
        assert not (project / left_out).exists(), left_out
    assert not list(project.rglob("__pycache__"))


def test_the_image_installs_as_the_dockerfile_does_and_airflow_finds_the_plugin(tmp_path):
    project = build_context(tmp_path / "image")
    venv = _fresh_venv(tmp_path / "venv")
    installed = _run(_pip_command(project, venv))
    assert installed.returncode == 0, installed.stderr[-3000:]
    python = str(venv / "bin" / "python")
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    imported = _run(
        [
            python,
            "-c",
            "import importlib, sys; [importlib.import_module(p) for p in sys.argv[1:]]",
            *packages,
        ],
        cwd=tmp_path,
    )
    assert imported.returncode == 0, imported.stderr[-3000:]
    # Installed, not read from the copy: the import works from anywhere.
    where = _run([python, "-c", "import history; print(history.__file__)"], cwd=tmp_path)
    assert str(venv) in where.stdout
    cli = _run([str(venv / "bin" / "advisory-watch"), "sources"], cwd=tmp_path)
    assert cli.returncode == 0 and "state-dept-feed" in cli.stdout, cli.stderr[-2000:]
    plugin = _run(
        [
            python,
            "-c",
            "from importlib.metadata import entry_points; "
            "[ep] = entry_points(group='airflow.plugins', name='advisory_watch'); print(ep.load().name)",
        ],
        cwd=tmp_path,
    )
    assert plugin.returncode == 0 and plugin.stdout.strip(), plugin.stderr[-2000:]


def test_a_context_without_a_package_folder_cannot_install(tmp_path):
    """The defect this guards against: an image whose context lacks a package pyproject.toml lists."""
    project = build_context(tmp_path / "image", also_ignore=("history",))
    assert not (project / "history").exists()
    venv = _fresh_venv(tmp_path / "venv")
    # --no-deps: the project's own build is what fails; resolving Airflow would only take longer.
    failed = _run([*_pip_command(project, venv), "--no-deps"])
    assert failed.returncode != 0
    assert "package directory 'history' does not exist" in failed.stdout + failed.stderr
