"""The supported-versions table in the README, the configuration reference and the
sandbox page is the registry's own (``airflow_versions.markdown_table()``), not a copy
typed by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mwaa_pause_resume.airflow_versions import SUPPORTED, markdown_table

ROOT = Path(__file__).resolve().parents[2]
START, END = "<!-- airflow-versions:start -->", "<!-- airflow-versions:end -->"
DOCS = ("README.md", "docs/configuration.md", "docs/sandbox.md")


def generated_block(text: str) -> str:
    """The text between the markers; exactly one pair must be there."""
    blocks = re.findall(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.DOTALL)
    assert len(blocks) == 1, f"expected one {START} ... {END} block, found {len(blocks)}"
    return str(blocks[0])


@pytest.mark.parametrize("doc", DOCS)
def test_docs_carry_the_generated_versions_table(doc: str) -> None:
    block = generated_block((ROOT / doc).read_text())
    assert block == markdown_table(), (
        f"{doc}: regenerate the block with `python -m mwaa_pause_resume.airflow_versions "
        "--markdown`"
    )


def test_a_stale_block_is_detected() -> None:
    stale = f"x\n{START}\n{markdown_table().replace(SUPPORTED[-1], '9.9.9')}\n{END}\n"
    assert generated_block(stale) != markdown_table()
    with pytest.raises(AssertionError, match="found 0"):
        generated_block("no markers here")
