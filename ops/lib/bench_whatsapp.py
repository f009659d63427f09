#!/usr/bin/env python3
"""Helpers of ops/bench's WhatsApp part (standard library only).

  bench_whatsapp.py configure BASE_URL OWNER_TOKEN PHONE_NUMBER_ID APP_SECRET_FILE
      Sets the tenant's WhatsApp number (PATCH /v1/settings as its owner: phone number
      id, access token, app secret, verify token) and prints the webhook path the
      settings then show (integrations.whatsapp.webhookPath).
  bench_whatsapp.py report OUT_DIR MACHINE COMMAND RUN_JSON LOAD_BEFORE LOAD_AFTER
      Prints the Markdown summary and writes OUT_DIR/whatsapp.{md,json}. RUN_JSON is a
      `loadgen webhooks` report; LOAD_* are `uptime` lines taken around the run.
"""
import json
import sys
import urllib.request

from bench_text import errors_text, fmt

# A step "kept up" when every delivery it stored was processed within this long after
# its last webhook was due: the backlog did not grow with the load.
KEPT_UP_MS = 1000


def configure(base, token, phone_number_id, secret_file):
    secret = open(secret_file).read().strip()
    body = {"integrations": {"whatsapp": {
        "phoneNumberId": phone_number_id, "accessToken": "bench-access-token",
        "appSecret": secret, "verifyToken": "bench-verify-token"}}}
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    request = urllib.request.Request(base + "/v1/settings", data=json.dumps(body).encode(), headers=headers,
                                     method="PATCH")
    with urllib.request.urlopen(request, timeout=30) as response:
        settings = json.load(response)
    path = settings.get("integrations", {}).get("whatsapp", {}).get("webhookPath")
    if not path:
        request = urllib.request.Request(base + "/v1/settings", headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            path = json.load(response)["integrations"]["whatsapp"]["webhookPath"]
    print(path)


def cpu_text(cpu):
    if not cpu:
        return "—"
    nodes = " + ".join(fmt(c, 2) for c in cpu["nodes_cores"])
    return f"{nodes}, {fmt(cpu['postgres_cores'], 2)}, {fmt(cpu['loadgen_cores'], 2)}, {fmt(cpu['other_cores'], 2)}"


def bare_text(step):
    """The bare route's p99 at the step's rate (timed from due, as the acks are) and the
    step's ack p99 as a multiple of it."""
    bare = step.get("bare")
    if not bare or bare["ack_from_due_ms"].get("p99") is None:
        return "—"
    p99 = bare["ack_from_due_ms"]["p99"]
    ack = step["ack_from_due_ms"].get("p99")
    ratio = f", {ack / p99:.1f}×" if ack is not None and p99 > 0 else ""
    broken = f" ({bare['errors']} errors)" if bare.get("errors") else ""
    return f"{fmt(p99)}{ratio}{broken}"


def kept_up(step):
    d = step["deliveries"]
    last = d.get("last_processed_after_load_end_ms")
    return (step["caught_up"] and d["processed"] == d["stored"] and d["stored"] >= step["answered_200"]
            and last is not None and last <= KEPT_UP_MS)


def backlog_text(step, every=2.0):
    """The unprocessed count every `every` s from the step's start until it reached 0."""
    points, next_at = [], 0.0
    for t, count in step["backlog_timeline"]:
        if t >= next_at:
            points.append(f"{count:,.0f}")
            next_at = t + every
    while len(points) > 2 and points[-1] == "0" and points[-2] == "0":
        points.pop()
    return ", ".join(points)


def report(out_dir, machine, command, run_path, load_before, load_after):
    run = json.load(open(run_path))
    steps = run["steps"]
    lines = []
    lines.append(f"### Signed webhooks → 200, one node ({run['agents']} agents on WebSockets, "
                 f"{fmt(run['senders'])} distinct senders, {run['step_seconds']:g} s per rate)")
    lines.append("")
    lines.append("| offered/s | acks/s | senders new / known | ack p50 / p99 / max ms | ack p99 on the wire ms | "
                 "bare route p99 ms, ack p99 ÷ it | errors | "
                 "backlog at load end / max | last processed after load end s | processing wait p50 / p99 ms | "
                 "commits/s (load) | CPU cores: node, PostgreSQL, load gen, others | load avg | ack p99 ≤ 20 ms |")
    lines.append("|---:|---:|---|---|---:|---|---|---|---:|---|---:|---|---:|---|")
    for s in steps:
        a, d = s["ack_from_due_ms"], s["deliveries"]
        last = d.get("last_processed_after_load_end_ms")
        lines.append(
            f"| {fmt(s['rate_requested'], 0)} | {fmt(s['acks_per_second'])} | {fmt(s['new_senders'])} / "
            f"{fmt(s['known_senders'])} | {fmt(a.get('p50'))} / {fmt(a.get('p99'))} / {fmt(a.get('max'))} | "
            f"{fmt(s['ack_on_wire_ms'].get('p99'))} | {bare_text(s)} | {errors_text(s)} | {fmt(s['backlog_at_load_end'])} / "
            f"{fmt(s['backlog_max'])} | {fmt(last / 1000 if last is not None else None, 2)} | "
            f"{fmt(d.get('wait_p50_ms'))} / {fmt(d.get('wait_p99_ms'))} | {fmt(s['commits_per_second_load'], 0)} | "
            f"{cpu_text(s['cpu_load'])} | {fmt(s['cpu_load']['load_average_1m'], 2)} | "
            f"{'yes' if s['passed_ack'] else 'no'} |")
    lines.append("")
    acked = [s for s in steps if s["passed_ack"]]
    both = [s for s in steps if s["passed_ack"] and kept_up(s)]
    best = max((s["rate_requested"] for s in acked), default=None)
    best_both = max((s["rate_requested"] for s in both), default=None)
    lines.append(
        "Highest offered rate acknowledged with p99 ≤ 20 ms (no errors, ≥ 95% of the offered rate achieved): "
        + (f"**{fmt(best, 0)}/s**" if best is not None else "**none**")
        + f" (target ≥ 2,000/s: {'met' if best is not None and best >= 2000 else '**missed**'}). "
        + "Highest at which processing also kept up (every delivery processed within "
        + f"{KEPT_UP_MS / 1000:g} s of the last webhook): "
        + (f"**{fmt(best_both, 0)}/s**" if best_both is not None else "**none**") + ".")
    lines.append("")

    lines.append(f"### Webhook POST → `chat.message` on the agents' sockets ({run['agents']} agents, each gets every message)")
    lines.append("")
    lines.append("| offered/s | events received / expected | p50 ms | p99 ms | max ms | first agent p99 ms | p99 ≤ 50 ms |")
    lines.append("|---:|---|---:|---:|---:|---:|---|")
    for s in steps:
        k = s["socket_ms"]
        ok = k.get("p99") is not None and k["p99"] <= 50 and s["events_missing"] == 0
        lines.append(
            f"| {fmt(s['rate_requested'], 0)} | {fmt(s['events_received'])} / {fmt(s['events_expected'])}"
            + (f" ({s['events_duplicate']} duplicate)" if s["events_duplicate"] else "")
            + f" | {fmt(k.get('p50'))} | {fmt(k.get('p99'))} | {fmt(k.get('max'))} | "
            f"{fmt(s['socket_first_agent_ms'].get('p99'))} | {'yes' if ok else 'no'} |")
    lines.append("")

    lines.append("Processing after the load (the backlog of unprocessed deliveries every 2 s from the step's start; "
                 "CPU and commit rate while it drained):")
    lines.append("")
    for s in steps:
        if s["backlog_max"] <= 0 and (s["deliveries"].get("last_processed_after_load_end_ms") or 0) <= KEPT_UP_MS:
            continue
        d = s["deliveries"]
        lines.append(
            f"- {fmt(s['rate_requested'], 0)}/s: {backlog_text(s)}; processed during the load "
            f"{fmt(d['processed_during_load'])} of {fmt(d['stored'])} "
            f"({fmt(d['processed_during_load'] / max(s['seconds'], 1e-9), 0)}/s); drained in "
            f"{fmt(s['settle_seconds'])} s at {fmt(s['commits_per_second_drain'], 0)} commits/s, CPU "
            f"{cpu_text(s['cpu_drain'])}; messages stored {fmt(d.get('messages_stored'))}, "
            f"deliveries with an error {fmt(d['with_error'])}.")
    lines.append("")
    warm = run.get("warmup")
    if warm:
        lines.append(f"Warm-up before the steps: {fmt(warm['rate_requested'], 0)}/s for {warm['seconds']:g} s "
                     f"({fmt(warm['answered_200'])} webhooks). Senders: message n comes from sender n mod "
                     f"{fmt(run['senders'])}, so the first {fmt(run['senders'])} webhooks of the run create a contact and a "
                     "conversation each and every later one finds them.")
        lines.append("")
    lines.append(
        "Acknowledgement latency is timed from when each webhook was due on the open-loop schedule to its 200 "
        "(so time waiting for a connection or for the load generator's CPU counts against the server); \"on the "
        "wire\" from when it was written. Socket latency: from when the webhook POST was written to the read that "
        "carried its `chat.message` (matched by `providerMessageId`). \"last processed after load end\": the newest "
        "`processed_at` of the step's deliveries minus the time its last webhook was due; \"processing wait\": "
        "`processed_at - received_at`. Backlog: `SELECT count(*) FROM whatsapp_deliveries WHERE processed_at IS "
        "NULL` as the superuser every 250 ms. Each step starts once the previous one has been processed. "
        "\"Bare route\": after each step has settled, the same rate for the same time against `GET /health/live` "
        "(no authentication, no database) on the same connections, timed the same way: what this machine gave "
        "the simplest route at that rate in this run. "
        f"Keep-alive connections: up to {run['max_connections']} from {', '.join(run['source_addresses'])}; one "
        "load generator thread.")
    lines.append("")
    closes = run.get("closes_during_run") or {}
    lines.append(f"WebSocket closes during the run: {closes or 'none'}; chat.message events not from this run: "
                 f"{run.get('foreign_chat_messages', 0)}.")
    lines.append("")
    lines.append(f"{machine}. Load average before: `{load_before.strip()}`; after: `{load_after.strip()}`.")
    lines.append("")
    lines.append(f"Command: `{command}`")
    text = "\n".join(lines)
    print(text)
    with open(f"{out_dir}/whatsapp.md", "w") as f:
        f.write(text + "\n")
    with open(f"{out_dir}/whatsapp.json", "w") as f:
        json.dump({"machine": machine, "command": command, "load_before": load_before.strip(),
                   "load_after": load_after.strip(), "highest_rate_ack_p99_20ms": best,
                   "highest_rate_ack_and_processing": best_both, "kept_up_ms": KEPT_UP_MS, "run": run}, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "configure":
        configure(*sys.argv[2:6])
    elif len(sys.argv) == 8 and sys.argv[1] == "report":
        report(*sys.argv[2:8])
    else:
        sys.exit(__doc__)
