"""Report files: `results.json` (everything, machine-readable) and `report.html` (one
self-contained page: pass-rate tables, then per dialog its transcript with tool calls, the
first unmet expectation highlighted and the monitor breaches)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from evals.results import Miss, RunResult, TurnRecord
from evals.summary import DialogSummary, RateRow, Summary

JSON_NAME = "results.json"
HTML_NAME = "report.html"


def write_reports(summary: Summary, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path, html_path = folder / JSON_NAME, folder / HTML_NAME
    json_path.write_text(json.dumps(as_json(summary), indent=1, default=str), encoding="utf-8")
    html_path.write_text(as_html(summary), encoding="utf-8")
    return json_path, html_path


# --- JSON ------------------------------------------------------------------------------------
def _rate(row: RateRow) -> dict[str, Any]:
    return {"name": row.name, "dialogs": row.dialogs, "runs": row.runs,
            "runs_passed": row.runs_passed, "rate": round(row.rate, 4),
            "dialogs_passed_all_runs": row.dialogs_passed_all, "pass_k": round(row.pass_k, 4)}


def as_json(summary: Summary) -> dict[str, Any]:
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": summary.model,
        "repeat": summary.repeat,
        "seconds": round(summary.seconds, 2),
        "passed": summary.passed,
        "overall": _rate(summary.overall),
        "by_rule": [_rate(r) for r in summary.by_rule],
        "by_tag": [_rate(r) for r in summary.by_tag],
        "dialogs": [
            {"id": d.id, "path": d.path, "title": d.title, "policy": list(d.policy),
             "tags": list(d.tags), "passed_all_runs": d.passed_all, "passes": d.passes,
             "runs": [r.as_dict() for r in d.runs]}
            for d in summary.dialogs
        ],
    }


# --- HTML ------------------------------------------------------------------------------------
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{padding:.2em .8em;text-align:left;
border-bottom:1px solid #ddd}th{background:#f3f3f3}
.pass{color:#11772a;font-weight:600}.fail{color:#b3261e;font-weight:600}
details.dialog{border:1px solid #ccc;border-radius:6px;margin:.6em 0;padding:.4em .8em}
details.dialog>summary{cursor:pointer}
.turn{border-left:3px solid #ccc;margin:.6em 0;padding:.2em .8em}
.turn.user{border-color:#3a6ea5}.turn.click{border-color:#8a5cc2}.turn.event{border-color:#999}
.said{font-weight:600}pre{white-space:pre-wrap;background:#f7f7f7;padding:.4em;margin:.3em 0}
.miss{background:#fff4e5;border:1px solid #f0b060;padding:.3em .6em;margin:.3em 0}
.first{background:#ffe0e0;border:2px solid #b3261e}
.breach{background:#fde7e9;border:1px solid #b3261e;padding:.3em .6em;margin:.3em 0}
.tool summary{font-family:monospace}.muted{color:#777}
"""


def as_html(summary: Summary) -> str:
    o = summary.overall
    head = (f"<h1>Rescind evals</h1><p>{o.dialogs_passed_all}/{o.dialogs} dialogs passed "
            f"({o.pass_k:.1%}), model <b>{escape(summary.model)}</b>, "
            f"{summary.repeat} run(s) each, {summary.seconds:.1f} s.</p>")
    body = [head, _failures(summary),
            _rate_table("Per policy rule", summary.by_rule, summary.repeat),
            _rate_table("Per tag", summary.by_tag, summary.repeat), "<h2>Dialogs</h2>"]
    body += [_dialog(d) for d in summary.dialogs]
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Rescind evals</title>"
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>")


def _failures(summary: Summary) -> str:
    failed = [d for d in summary.dialogs if not d.passed_all]
    if not failed:
        return "<p class='pass'>Every dialog passed.</p>"
    rows = "".join(
        f"<tr><td><a href='#{escape(d.id)}'>{escape(d.id)}</a></td>"
        f"<td>{escape(d.first_failure.first_problem() if d.first_failure else '')}</td></tr>"
        for d in failed)
    return f"<h2>Failures ({len(failed)})</h2><table><tr><th>dialog</th><th>first problem" \
           f"</th></tr>{rows}</table>"


def _rate_table(title: str, rows: list[RateRow], repeat: int) -> str:
    k = f"<th>pass^{repeat}</th>" if repeat > 1 else ""
    out = [f"<h2>{escape(title)}</h2><table><tr><th></th><th>dialogs</th><th>runs passed</th>"
           f"<th>rate</th>{k}</tr>"]
    for r in rows:
        pk = f"<td>{r.pass_k:.0%}</td>" if repeat > 1 else ""
        out.append(f"<tr><td>{escape(r.name)}</td><td>{r.dialogs}</td>"
                   f"<td>{r.runs_passed}/{r.runs}</td><td>{r.rate:.0%}</td>{pk}</tr>")
    return "".join(out) + "</table>"


def _dialog(d: DialogSummary) -> str:
    verdict = "<span class='pass'>PASS</span>" if d.passed_all else "<span class='fail'>FAIL</span>"
    counts = f" {d.passes}/{len(d.runs)}" if len(d.runs) > 1 else ""
    shown = d.first_failure or d.runs[0]
    opened = "" if d.passed_all else " open"
    labels = escape(" ".join([*d.policy, *d.tags]))
    parts = [f"<details class='dialog' id='{escape(d.id)}'{opened}><summary>{verdict}{counts} "
             f"<b>{escape(d.id)}</b>"
             f" — {escape(d.title)} <span class='muted'>{escape(d.path)} · {labels}</span>"
             "</summary>"]
    if len(d.runs) > 1:
        parts.append("<p>Runs: " + ", ".join(
            f"{r.run}: {'pass' if r.passed else 'fail'}" for r in d.runs) +
            f". Transcript of run {shown.run}.</p>")
    parts.append(_run(shown))
    return "".join(parts) + "</details>"


def _run(run: RunResult) -> str:
    first = run.misses[0] if run.misses else None
    parts: list[str] = []
    if run.error:
        parts.append(f"<div class='breach'>Error: {escape(run.error)}</div>")
    parts += [f"<div class='breach'>{escape(b.describe())}</div>" for b in run.breaches]
    for rec in run.turns:
        misses = [m for m in run.misses if m.turn == rec.index]
        parts.append(_turn(rec, misses, first))
    finals = [m for m in run.misses if m.turn is None]
    if finals:
        parts.append("<div class='turn'><span class='said'>final</span>"
                     + "".join(_miss(m, first) for m in finals) + "</div>")
    return "".join(parts)


def _turn(rec: TurnRecord, misses: list[Miss], first: Miss | None) -> str:
    label = {"user": "user", "click": "click", "event": "event"}.get(rec.kind, rec.kind)
    parts = [f"<div class='turn {escape(rec.kind)}'><span class='muted'>turn {rec.index} · "
             f"line {rec.line} · {escape(label)}</span> <span class='said'>"
             f"{escape(rec.said)}</span>"]
    for call in rec.tool_calls:
        args = escape(json.dumps(call.args, ensure_ascii=False))
        result = escape(json.dumps(call.result, indent=1, ensure_ascii=False))
        parts.append(f"<details class='tool'><summary>{escape(call.name)}({args})</summary>"
                     f"<pre>{result}</pre></details>")
    if rec.reply:
        parts.append(f"<pre>{escape(rec.reply)}</pre>")
    if rec.note:
        parts.append(f"<pre class='muted'>{escape(rec.note)}</pre>")
    if rec.changes:
        parts.append(f"<div class='muted'>store: {escape('; '.join(rec.changes))}</div>")
    parts += [_miss(m, first) for m in misses]
    return "".join(parts) + "</div>"


def _miss(m: Miss, first: Miss | None) -> str:
    cls = "miss first" if m is first else "miss"
    tag = "<b>first unmet expectation</b> · " if m is first else ""
    return (f"<div class='{cls}'>{tag}line {m.line} <b>{escape(m.check)}</b>: expected "
            f"{escape(m.expected)}; seen {escape(m.seen)}</div>")
