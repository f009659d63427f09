#!/usr/bin/env python3
"""Helpers of ops/bench's payments part (standard library only).

  bench_payments.py configure BASE_URL OWNER_TOKEN STAND_IN_URL KEY_SECRET_FILE WEBHOOK_SECRET_FILE
      Sets the tenant's Razorpay account (PATCH /v1/settings as its owner: key id
      rzp_test_bench, key secret, webhook secret, and the stand-in as its base URL) and
      prints the webhook path the settings then show (integrations.razorpay.webhookPath).
  bench_payments.py report OUT_DIR MACHINE COMMAND RUN_JSON STAND_IN_STATS LOAD_BEFORE LOAD_AFTER
      Prints the Markdown summary and writes OUT_DIR/payments.{md,json}. RUN_JSON is a
      `loadgen payments` report, STAND_IN_STATS the stand-in's GET /stats answer; LOAD_*
      are `uptime` lines taken around the run.
"""
import json
import sys
import urllib.request

from bench_text import errors_text, fmt

KEY_ID = "rzp_test_bench"
# A step "kept up" when every delivery it stored was processed within this long after
# its last webhook was due: the backlog did not grow with the load.
KEPT_UP_MS = 1000


def configure(base, token, stand_in, key_secret_file, webhook_secret_file):
    body = {"integrations": {"razorpay": {
        "keyId": KEY_ID, "keySecret": open(key_secret_file).read().strip(),
        "webhookSecret": open(webhook_secret_file).read().strip(), "baseUrl": stand_in}}}
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    request = urllib.request.Request(base + "/v1/settings", data=json.dumps(body).encode(), headers=headers,
                                     method="PATCH")
    with urllib.request.urlopen(request, timeout=30):
        pass
    with urllib.request.urlopen(urllib.request.Request(base + "/v1/settings", headers=headers), timeout=30) as response:
        razorpay = json.load(response)["integrations"]["razorpay"]
    if razorpay.get("baseUrl") != stand_in or not razorpay.get("webhookPath"):
        sys.exit(f"the settings did not take: {razorpay}")
    print(razorpay["webhookPath"])


def cpu_text(cpu):
    """node, PostgreSQL, load generator, stand-in, others (cores)."""
    if not cpu:
        return "—"
    nodes = " + ".join(fmt(c, 2) for c in cpu["nodes_cores"])
    return (f"{nodes}, {fmt(cpu['postgres_cores'], 2)}, {fmt(cpu['loadgen_cores'], 2)}, "
            f"{fmt(cpu['livekit_cores'], 2)}, {fmt(cpu['other_cores'], 2)}")


def kept_up(step):
    d = step["deliveries"]
    last = d.get("last_processed_after_load_end_ms")
    return (step["caught_up"] and d["processed"] == d["stored"] and d["stored"] >= step["expected_stored"]
            and last is not None and last <= KEPT_UP_MS)


def applied_text(step):
    """Payments the step's events left authorized / captured, against the mix's expectation."""
    by = step["deliveries"].get("payments_by_status", {})
    return (f"{fmt(by.get('authorized', 0))} / {fmt(by.get('captured', 0))} "
            f"(expected {fmt(step['expected_authorized'])} / {fmt(step['expected_captured'])})")


def backlog_text(step, every=2.0):
    points, next_at = [], 0.0
    for t, count in step["backlog_timeline"]:
        if t >= next_at:
            points.append(f"{count:,.0f}")
            next_at = t + every
    while len(points) > 2 and points[-1] == "0" and points[-2] == "0":
        points.pop()
    return ", ".join(points)


def report(out_dir, machine, command, run_path, stats_path, load_before, load_after):
    run = json.load(open(run_path))
    try:
        stand_in = json.load(open(stats_path))
    except (OSError, ValueError):
        stand_in = None
    steps, orders = run["webhook_steps"], run["order_steps"]
    lines = [f"### Signed Razorpay webhooks → 200, one node ({run['step_seconds']:g} s per rate, "
             f"{fmt(run['payments_seeded'])} payments seeded over {fmt(run['contacts'])} contacts)", ""]
    lines.append("| offered/s | acks/s | ack p50 / p99 / max ms | ack p99 on the wire ms | errors | stored / expected | "
                 "backlog at load end / max | last processed after load end s | processing wait p50 / p99 ms | "
                 "payments authorized / captured | commits/s (load) | CPU cores: node, PostgreSQL, load gen, stand-in, "
                 "others | load avg | ack p99 ≤ 20 ms | kept up |")
    lines.append("|---:|---:|---|---:|---|---|---|---:|---|---|---:|---|---:|---|---|")
    for s in steps:
        a, d = s["ack_from_due_ms"], s["deliveries"]
        last = d.get("last_processed_after_load_end_ms")
        lines.append(
            f"| {fmt(s['rate_requested'], 0)} | {fmt(s['acks_per_second'])} | {fmt(a.get('p50'))} / {fmt(a.get('p99'))} / "
            f"{fmt(a.get('max'))} | {fmt(s['ack_on_wire_ms'].get('p99'))} | {errors_text(s)} | {fmt(d['stored'])} / "
            f"{fmt(s['expected_stored'])} | {fmt(s['backlog_at_load_end'])} / {fmt(s['backlog_max'])} | "
            f"{fmt(last / 1000 if last is not None else None, 2)} | {fmt(d.get('wait_p50_ms'))} / "
            f"{fmt(d.get('wait_p99_ms'))} | {applied_text(s)} | {fmt(s['commits_per_second_load'], 0)} | "
            f"{cpu_text(s['cpu_load'])} | {fmt(s['cpu_load']['load_average_1m'], 2)} | "
            f"{'yes' if s['passed_ack'] else 'no'} | {'yes' if kept_up(s) else 'no'} |")
    lines.append("")
    acked = [s["rate_requested"] for s in steps if s["passed_ack"]]
    both = [s["rate_requested"] for s in steps if s["passed_ack"] and kept_up(s)]
    at_1000 = next((s for s in steps if s["rate_requested"] == 1000), None)
    lines.append(
        "Highest offered rate acknowledged with p99 ≤ 20 ms (no errors, ≥ 95% of the offered rate achieved): "
        + (f"**{fmt(max(acked), 0)}/s**" if acked else "**none**")
        + (f"; at 1,000/s the ack p99 was {fmt(at_1000['ack_from_due_ms'].get('p99'))} ms (target ≤ 20 ms: "
           f"{'met' if at_1000['passed_ack'] else '**missed**'})" if at_1000 else "")
        + ". Highest at which processing also kept up (every delivery processed within "
        + f"{KEPT_UP_MS / 1000:g} s of the last webhook): " + (f"**{fmt(max(both), 0)}/s**" if both else "**none**") + ".")
    lines.append("")
    lines.append("Processing after the load (unprocessed `razorpay_deliveries` every 2 s from the step's start; "
                 "CPU and commit rate while it drained; notes processing left on deliveries):")
    lines.append("")
    for s in steps:
        d = s["deliveries"]
        notes = ", ".join(f"{n} × “{t}”" for t, n in d.get("notes", {}).items()) or "none"
        lines.append(
            f"- {fmt(s['rate_requested'], 0)}/s: {backlog_text(s)}; processed during the load "
            f"{fmt(d['processed_during_load'])} of {fmt(d['stored'])} "
            f"({fmt(d['processed_during_load'] / max(s['seconds'], 1e-9), 0)}/s); settled in {fmt(s['settle_seconds'])} s"
            + (f" at {fmt(s['commits_per_second_drain'], 0)} commits/s, CPU {cpu_text(s['cpu_drain'])}"
               if s.get("cpu_drain") else "")
            + f"; most attempts {d['most_attempts']}; notes: {notes}; sent by kind: "
            + ", ".join(f"{k} {fmt(v)}" for k, v in sorted(s["sent_by_kind"].items())) + ".")
    lines.append("")
    lines.append(
        "The mix, per ten webhooks: 2 `payment.authorized` (created → authorized), 5 `payment.captured` (created → "
        "captured), 1 `payment.captured` of an order authorized earlier in the ten (authorized → captured), 1 redelivery "
        "of a `payment.captured` (same `X-Razorpay-Event-Id` and body: acknowledged, not stored), 1 `order.paid` of an "
        "order already captured (a new event id: stored and processed, nothing changes). The payments they name were "
        "inserted beforehand with SQL as the superuser (state `created`, 29,900 paise), a fresh set per step. Every "
        "body is the §2.4 envelope signed with the tenant's webhook secret.")
    lines.append("")

    lines.append(f"### Order creation: `POST /v1/payments/orders` against the local Razorpay stand-in "
                 f"({run['order_step_seconds']:g} s per rate)")
    lines.append("")
    lines.append("| offered/s | 201/s | p50 ms | p90 ms | p99 ms | max ms | p99 on the wire ms | errors | payments stored | "
                 "CPU cores: node, PostgreSQL, load gen, stand-in, others | load avg |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|")
    for s in orders:
        a = s["ack_from_due_ms"]
        lines.append(
            f"| {fmt(s['rate_requested'], 0)} | {fmt(s['acks_per_second'])} | {fmt(a.get('p50'))} | {fmt(a.get('p90'))} | "
            f"{fmt(a.get('p99'))} | {fmt(a.get('max'))} | {fmt(s['ack_on_wire_ms'].get('p99'))} | {errors_text(s)} | "
            f"{fmt(s['deliveries'].get('payments_stored'))} | {cpu_text(s['cpu_load'])} | "
            f"{fmt(s['cpu_load']['load_average_1m'], 2)} |")
    samples = [x for s in orders for x in s.get("error_samples", [])][:3]
    lines.append("")
    if samples:
        lines.append("First error answers: " + "; ".join(f"`{x}`" for x in samples))
        lines.append("")
    lines.append(
        "Each order: the owner's token, an `Idempotency-Key` unique per request, `{\"contactId\", \"amount\": 29900}` "
        f"over {fmt(run['contacts'])} contacts; the node reads the tenant's credentials, makes the order on the stand-in "
        "(`loadgen razorpay`: HTTP Basic checked, 200 with an order entity at once, so no real provider's round trip is "
        "included) and stores the payment with its timeline entry. "
        + (f"Stand-in: {json.dumps(stand_in)}." if stand_in else "Stand-in statistics unavailable."))
    lines.append("")
    lines.append(
        "Latency is timed from when each request was due on the open-loop schedule to its answer (time waiting for a "
        "connection or for the load generator's CPU counts against the server); \"on the wire\" from when it was written. "
        "\"last processed after load end\": the newest `processed_at` of the step's deliveries minus the time its last "
        "webhook was due; \"processing wait\": `processed_at - received_at`. Backlog: `SELECT count(*) FROM "
        "razorpay_deliveries WHERE processed_at IS NULL` as the superuser every 250 ms. Each step starts once the "
        f"previous one has been processed. Keep-alive connections: up to {run['max_connections']} from "
        f"{', '.join(run['source_addresses'])}; one load generator thread. CPU \"others\" is the rest of the machine "
        "(other sessions' builds and tests, kernel time).")
    lines.append("")
    lines.append(f"{machine}. Load average before: `{load_before.strip()}`; after: `{load_after.strip()}`.")
    lines.append("")
    lines.append(f"Command: `{command}`")
    text = "\n".join(lines)
    print(text)
    with open(f"{out_dir}/payments.md", "w") as f:
        f.write(text + "\n")
    with open(f"{out_dir}/payments.json", "w") as f:
        json.dump({"machine": machine, "command": command, "load_before": load_before.strip(),
                   "load_after": load_after.strip(), "highest_rate_ack_p99_20ms": max(acked, default=None),
                   "highest_rate_ack_and_processing": max(both, default=None), "kept_up_ms": KEPT_UP_MS,
                   "stand_in": stand_in, "run": run}, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "configure":
        configure(*sys.argv[2:7])
    elif len(sys.argv) == 9 and sys.argv[1] == "report":
        report(*sys.argv[2:9])
    else:
        sys.exit(__doc__)
