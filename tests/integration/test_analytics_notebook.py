"""examples/analytics.ipynb, executed headless with nbclient so it never rots.

It starts its own local backend; every cell must run without an error, and what it shows
must be there: DataFrames and models as HTML tables, the plots as PNG images.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "analytics.ipynb"
# Bounds the run: a cell that hangs fails the test instead of stalling `make test`.
CELL_TIMEOUT_SECONDS = 300


def outputs_of(notebook: nbformat.NotebookNode, mime: str) -> list[str]:
    return [
        output["data"][mime]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if mime in output.get("data", {})
    ]


def test_the_analytics_notebook_runs_headless() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    ).execute()
    html = "\n".join(outputs_of(notebook, "text/html"))
    assert "<caption>courses:listByInstructor</caption>" in html  # a pager's own table
    assert "<caption>Course</caption>" in html  # a model's table
    assert "completion_rate" in html
    assert "revenue_usd" in html
    assert "certificates" in html
    # client.reports: the roster, revenue and CE transcript tables
    assert "enrollment_status" in html
    assert "net_cents" in html
    assert "course_name" in html
    assert len(outputs_of(notebook, "image/png")) == 3
