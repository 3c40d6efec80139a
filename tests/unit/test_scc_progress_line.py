"""`scc`'s progress line: a bar and figures, drawn in place on a terminal only."""

from __future__ import annotations

import io

from scc.progress import ProgressLine, render


def test_a_bar_fills_with_the_share_done_and_shows_the_figures() -> None:
    assert render("redrive", 6, 24, "redriven 6") == "redrive [######------------------] 6/24  redriven 6"


def test_without_a_total_the_line_shows_a_count() -> None:
    assert render("settling", 3, None) == "settling 3"


def test_nothing_is_drawn_when_the_output_is_no_terminal() -> None:
    # Given a progress line over a pipe (CI, a file)
    stream = io.StringIO()
    line = ProgressLine(stream)

    # When it is shown and closed
    line.show("redrive", 1, 2, force=True)
    line.close()

    # Then nothing was written: the final figures are the command's output
    assert stream.getvalue() == ""


def test_on_a_terminal_each_draw_rewrites_the_line_and_close_ends_it() -> None:
    # Given a progress line drawn as on a terminal
    stream = io.StringIO()
    line = ProgressLine(stream, enabled=True)

    # When it is shown twice and closed
    line.show("redrive", 1, 2, force=True)
    line.show("redrive", 2, 2, force=True)
    line.close()

    # Then each draw went back to the line's start, and the line ends once
    assert stream.getvalue().count("\r\x1b[2K") == 2
    assert stream.getvalue().endswith("2/2\n")
