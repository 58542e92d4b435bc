"""Adding an audit check is one class and one register_check: it is rendered in every format."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import datafix as dfx
from datafix.auditing import CHECKS, Check, register_check


@pytest.fixture
def toy_check():
    @register_check
    class NegativeAmountCheck(Check):
        name = "negative_amount"
        title = "Negative amounts"
        graded = True
        indexed_tables = ("by_sign",)
        flagged_extras = {"amounts": "negative_amount_value"}

        def run(self, context):
            amount = context.features["amount"].to_numpy(dtype=float)
            is_issue = amount < 0
            table = pd.Series(is_issue).value_counts().rename_axis("negative").to_frame("rows")
            return self.result(
                issues=is_issue.sum(), total=len(amount), message=f"{int(is_issue.sum())} negative amounts",
                rows=self.row_columns(is_issue, np.where(is_issue, 0.0, 1.0), negative_amount_value=amount),
                tables={"by_sign": table},
            )

        def advice(self, result):
            return {"action": "check the sign convention of 'amount'", "fix": None}

        def table_note(self, result, table):
            return "rows by the sign of their amount"

    yield NegativeAmountCheck
    CHECKS.pop("negative_amount")


def test_a_check_registered_in_a_test_file_is_rendered_everywhere(toy_check, tmp_path):
    frame = pd.DataFrame({"amount": [5.0, -2.0, 3.0, -7.0, 1.0] * 4, "y": ["a", "b"] * 10})
    report = dfx.audit(frame, "y", checks=["negative_amount", "duplicates"])
    assert report.summary.set_index("check").loc["negative_amount", "issues"] == 8
    document = json.loads(report.to_json())
    entry = next(c for c in document["checks"] if c["name"] == "negative_amount")
    assert len(entry["rows"]) == 8 and set(entry["amounts"]) == {-2.0, -7.0}
    assert {"check": "negative_amount", "action": "check the sign convention of 'amount'", "fix": None} \
        in document["recommendations"]
    markdown = report.to_markdown()
    assert "## Negative amounts (`negative_amount`)" in markdown
    assert "by sign: rows by the sign of their amount" in markdown and "| negative |" in markdown
    page = report.to_html(tmp_path / "r.html")
    assert 'id="check-negative_amount"' in page and "check the sign convention" in page
    assert 'id="plot-score-histograms"' in page  # graded: its scores get a histogram
    assert "negative_amount" in repr(report)


def test_the_report_names_no_check():
    """The renderers and the JSON loop over checks: no comparison with, or lookup by, a check's name."""
    import ast
    import inspect

    from datafix.auditing import _render, report

    for module in (_render, report):
        tree = ast.parse(inspect.getsource(module))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Compare, ast.Subscript)):
                names = {c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
                assert not names & set(CHECKS), f"{module.__name__} special-cases {names & set(CHECKS)}"
