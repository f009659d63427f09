"""Text helpers the webhook benchmark reports share (bench_whatsapp.py, bench_payments.py)."""


def fmt(value, digits=1):
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def errors_text(step):
    parts = [f"{count} × HTTP {status}" for status, count in sorted(step["non_200"].items())]
    parts += [f"{count} × {kind}" for kind, count in sorted(step["failures"].items())]
    if step["unanswered"]:
        parts.append(f"{step['unanswered']} unanswered")
    if step["unsent"]:
        parts.append(f"{step['unsent']} never sent")
    return ", ".join(parts) or "none"
