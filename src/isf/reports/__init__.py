"""Reports: a run's points tables as one static HTML file with inline SVG charts."""

from isf.reports.html import ReportData, build_report, render_report, summarise

__all__ = ["ReportData", "build_report", "render_report", "summarise"]
