"""Several processes, one set of figures: with `PROMETHEUS_MULTIPROC_DIR`, a scrape answered by any process shows
every process's counts, and gauges of live processes only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from arco_entrypoints.observability.metrics import MULTIPROCESS_DIR, ServiceMetrics

SERVER_PROCESS = """
import sys
from sqlalchemy.ext.asyncio import create_async_engine
from arco_entrypoints.observability.metrics import ServiceMetrics

metrics = ServiceMetrics()
metrics.observe_request("GET", "/v1/projects/{project_id}", "200", 0.02)
metrics.count_quota_refusal("projects")
metrics.watch_pool(create_async_engine("postgresql+asyncpg://arco@127.0.0.1/arco", pool_size=4), "app")
if sys.argv[1] == "stops":
    metrics.forget_process()
"""


def run_server_process(directory: Path, how: str) -> None:
    environment = {**os.environ, MULTIPROCESS_DIR: str(directory)}
    subprocess.run([sys.executable, "-c", SERVER_PROCESS, how], env=environment, check=True, timeout=60)


def test_a_scrape_adds_up_every_process_and_leaves_out_the_stopped_ones_gauges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for how in ("keeps-running", "keeps-running", "stops"):
        run_server_process(tmp_path, how)
    monkeypatch.setenv(MULTIPROCESS_DIR, str(tmp_path))
    figures = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(ServiceMetrics().exposition().decode())
        for sample in family.samples
    }
    labels = (("method", "GET"), ("route", "/v1/projects/{project_id}"), ("status", "200"))
    assert figures[("arco_http_request_duration_seconds_count", labels)] == 3
    assert figures[("arco_quota_refusals_total", (("resource", "projects"),))] == 3
    assert figures[("arco_database_pool_size", (("pool", "app"),))] == 8
