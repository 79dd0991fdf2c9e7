"""The ``.env`` reader: the syntax the AWS sample's users write."""

from __future__ import annotations

from mwaa_pause_resume.config.dotenv import parse_dotenv


def test_quotes_comments_export_and_spacing() -> None:
    text = "\n".join(
        [
            "# a comment",
            "",
            "PLAIN=value",
            "export EXPORTED=yes",
            "SPACED = around equals ",
            "SINGLE='0 20 ? * MON-FRI *'",
            'DOUBLE="[a@example.com, b@example.com]"',
            "INLINE=value # trailing comment",
            "HASH=6#3",
            "SINGLE_LITERAL='a\\nb'",
            'DOUBLE_ESCAPES="a\\nb \\"q\\""',
            "QUOTED_COMMENT='x y' # after the quote",
            "EMPTY=",
        ]
    )
    parsed = parse_dotenv(text)
    assert parsed.problems == []
    assert parsed.values == {
        "PLAIN": "value",
        "EXPORTED": "yes",
        "SPACED": "around equals",
        "SINGLE": "0 20 ? * MON-FRI *",
        "DOUBLE": "[a@example.com, b@example.com]",
        "INLINE": "value",
        "HASH": "6#3",
        "SINGLE_LITERAL": "a\\nb",
        "DOUBLE_ESCAPES": 'a\nb "q"',
        "QUOTED_COMMENT": "x y",
        "EMPTY": "",
    }
    assert parsed.lines["PLAIN"] == 3


def test_multiline_double_quoted_value_and_last_assignment_wins() -> None:
    parsed = parse_dotenv('A="first\nsecond"\nB=1\nB=2\n')
    assert parsed.values == {"A": "first\nsecond", "B": "2"}
    assert parsed.lines["B"] == 4


def test_malformed_lines_are_problems_with_line_numbers() -> None:
    parsed = parse_dotenv("GOOD=1\nthis is not an assignment\nBAD='unclosed\nLAST=2\n", "x.env")
    assert parsed.values == {"GOOD": "1", "LAST": "2"}
    fields = [p.field for p in parsed.problems]
    assert fields == ["x.env line 2", "x.env line 3"]
    assert "never closed" in parsed.problems[1].message
    assert "KEY=VALUE" in parsed.problems[0].fix


def test_text_after_closing_quote_is_a_problem() -> None:
    parsed = parse_dotenv("A='x' y\n")
    assert parsed.values == {}
    assert "after the closing quote" in parsed.problems[0].message
