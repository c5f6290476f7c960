"""Benchmark plumbing: each benchmark records rows; `make bench` prints them as one table."""

from __future__ import annotations

import pytest

_ROWS: list[tuple[str, str, str, str]] = []


class BenchReport:
    def record(self, name: str, measured: float, unit: str, target: str = "", passed: bool | None = None) -> None:
        """Add a table row: what was measured, the figure and unit, the target and whether it was met."""
        verdict = "" if passed is None else ("ok" if passed else "MISSED")
        _ROWS.append((name, f"{measured:,.2f} {unit}", target, verdict))


@pytest.fixture
def bench() -> BenchReport:
    return BenchReport()


def pytest_terminal_summary(terminalreporter):
    if not _ROWS:
        return
    headers = ("benchmark", "measured", "target", "")
    widths = [max(len(r[i]) for r in [headers, *_ROWS]) for i in range(4)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    terminalreporter.write_sep("=", "benchmarks")
    terminalreporter.write_line(line.format(*headers))
    terminalreporter.write_line(line.format(*("-" * w for w in widths)))
    for row in _ROWS:
        terminalreporter.write_line(line.format(*row))
