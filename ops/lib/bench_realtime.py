#!/usr/bin/env python3
"""Helpers of ops/bench's real-time part (standard library only).

  bench_realtime.py login BASE_URL TENANT PASSWORD EMAILS_FILE OUT
      Logs each user in once (POST /v1/auth/login, 8 at a time) and writes
      "userId accessToken" lines to OUT.
  bench_realtime.py report OUT_DIR MACHINE COMMAND TWO_NODE_JSON SINGLE_NODE_JSON [EXTRA_JSON...]
      Prints the Markdown summary and writes OUT_DIR/realtime.{md,json}.
"""
import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def login(base, tenant, password, emails_file, out):
    emails = [line.strip() for line in open(emails_file) if line.strip()]

    def one(email):
        body = json.dumps({"tenant": tenant, "email": email, "password": password}).encode()
        request = urllib.request.Request(
            base + "/v1/auth/login", data=body, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response)
        return answer["user"]["id"], answer["accessToken"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        pairs = list(pool.map(one, emails))
    with open(out, "w") as f:
        for user_id, token in pairs:
            f.write(f"{user_id} {token}\n")
    print(f"logged in {len(pairs)} users", file=sys.stderr)


def fmt(value, digits=1):
    if value is None:
        return "n/a"
    if isinstance(value, float) and digits == 0:
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def mark(ok):
    return "met" if ok else "**missed**"


def report(out_dir, machine, command, two_path, single_path, extra_paths):
    two = json.load(open(two_path))
    single = json.load(open(single_path)) if single_path and single_path != "-" else None
    extras = [json.load(open(p)) for p in extra_paths]
    rows = []

    def idle_rows(run, title):
        idle = run.get("idle")
        if not idle:
            return
        for node in idle["per_node"]:
            per = node.get("rss_per_connection_bytes")
            kb = per / 1024 if per is not None else None
            rows.append((
                f"RSS per idle connection, {title}, node {'AB'[node['node']]} "
                f"({fmt(node['connections'])} idle {run['transport']} connections)",
                f"{fmt(kb)} KiB (RSS {fmt(node['rss_before_bytes'] / 1048576)} → {fmt(node['rss_after_bytes'] / 1048576)} MiB)",
                "≤ 30 KB",
                mark(kb is not None and kb <= 30),
            ))

    # How many idle connections a node held: the largest run's count per node, and
    # whether every one of them was registered with its hub (heard a broadcast).
    biggest = max([two] + extras, key=lambda r: r["connect"]["connected"])
    held = biggest["registration"]["registered_per_node"]
    rows.append((
        "idle connections held per node",
        " + ".join(fmt(h) for h in held)
        + f" ({biggest['transport']}; {fmt(biggest['connect']['connected'])} of {fmt(biggest['clients_requested'])} "
        f"admitted, {fmt(sum(held))} registered)",
        "—",
        "",
    ))
    idle_rows(two, "two nodes")
    if single:
        idle_rows(single, "one node")
    for extra in extras:
        idle_rows(extra, extra.get("label", "extra"))

    def latency_rows(run, title, target):
        lat = run.get("latency")
        if not lat:
            return
        per_node = lat["per_node"]
        for node in per_node:
            d = node["latency_ms"]
            missing = node["expected"] - node["received"]
            rows.append((
                f"commit→receipt latency, {title}, clients on node {'AB'[node['node']]} "
                f"({fmt(node['clients'])} clients, {fmt(lat['rate_achieved'], 0)} events/s)",
                f"p50 {fmt(d.get('p50'))} ms, p99 {fmt(d.get('p99'))} ms, max {fmt(d.get('max'))} ms"
                + (f"; {fmt(missing)} of {fmt(node['expected'])} deliveries missing" if missing else ""),
                f"p99 ≤ {target} ms",
                mark(d.get("p99") is not None and d["p99"] <= target and missing == 0),
            ))

    if single:
        latency_rows(single, "one node (\"same node\")", 50)
    latency_rows(two, "two nodes (\"cross-node\")", 100)

    def fanout_rows(run, title):
        fan = run.get("fanout")
        if not fan:
            return
        last = fan["last_recipient_ms"]
        rows.append((
            f"one event to {fmt(fan['recipients'])} recipients, {title}: until the last has it "
            f"({fan['events']} events)",
            f"p50 {fmt(last.get('p50'))} ms, max {fmt(last.get('max'))} ms "
            f"(first recipient p50 {fmt(fan['first_recipient_ms'].get('p50'))} ms; "
            f"{fan['events_fully_delivered']}/{fan['events']} fully delivered)",
            "≤ 150 ms",
            mark(last.get("max") is not None and last["max"] <= 150 and fan["events_fully_delivered"] == fan["events"]),
        ))

    fanout_rows(two, "two nodes")
    if single:
        fanout_rows(single, "one node")

    steps = two.get("throughput") or []
    if steps:
        passed = [s for s in steps if s["passed"]]
        best = passed[-1] if passed else None
        if best:
            per = [n["deliveries_per_second"] for n in best["per_node"]]
            value = " / ".join(f"{fmt(p, 0)}" for p in per) + (
                f" per second (nodes {'/'.join('AB'[n['node']] for n in best['per_node'])}; "
                f"{fmt(best['rate_achieved'], 1)} broadcasts/s to {fmt(sum(n['clients'] for n in best['per_node']))} clients, "
                f"p99 {fmt(max(n['latency_ms'].get('p99', 0) for n in best['per_node']))} ms)"
            )
            ok = min(per) >= 20000
        else:
            value, ok = "no step passed", False
        failed = [s for s in steps if not s["passed"]]
        if failed:
            f = failed[0]
            value += (
                f"; next step ({fmt(f['rate_requested'], 0)} broadcasts/s) failed: "
                + ", ".join(
                    f"node {'AB'[n['node']]} {fmt(n['received'])}/{fmt(n['expected'])} delivered, "
                    f"{fmt(n['deliveries_per_second'], 0)}/s, p99 {fmt(n['latency_ms'].get('p99'))} ms"
                    for n in f["per_node"]
                )
                + (f", closes {f['closes']}" if f["closes"] else "")
            )
        rows.append(("sustained deliveries per node (highest passing step)", value, "≥ 20,000/s", mark(ok)))

    lines = ["| figure | measured | target | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    lines.append("")
    conn = two["connect"]
    lines.append(
        f"{machine}. Load generator ops/loadgen ({two['transport']}, {two['loadgen_threads']} event-loop threads, "
        f"{len(two['source_addresses'])} source addresses {two['source_addresses'][0]}–{two['source_addresses'][-1]}, "
        f"{two['users']} users), {two['publisher_connections']} publisher connections; "
        f"{fmt(conn['connected'])} clients connected in {fmt(conn['seconds'])} s ({fmt(conn['per_second'], 0)}/s)."
    )
    if steps:
        lines.append("")
        lines.append("| broadcasts/s | deliveries/s per node | p50 / p99 ms per node | CPU cores (nodes, PostgreSQL, loadgen) | passed |")
        lines.append("|---:|---|---|---|---|")
        for s in steps:
            cpu = s["cpu"]
            lines.append(
                f"| {fmt(s['rate_achieved'], 1)} | "
                + " / ".join(fmt(n["deliveries_per_second"], 0) for n in s["per_node"])
                + " | "
                + " / ".join(f"{fmt(n['latency_ms'].get('p50'))} / {fmt(n['latency_ms'].get('p99'))}" for n in s["per_node"])
                + f" | {' + '.join(fmt(c, 2) for c in cpu['nodes_cores'])}, {fmt(cpu['postgres_cores'], 2)}, "
                f"{fmt(cpu['loadgen_cores'], 2)} | {'yes' if s['passed'] else 'no'} |"
            )
    lines.append("")
    lines.append("CPU during each measured phase, in cores of 2 (others = every process not under test):")
    lines.append("")
    lines.append("| run, phase | nodes | PostgreSQL | load generator | kernel softirq | others | load average |")
    lines.append("|---|---|---:|---:|---:|---:|---:|")
    for run in [two, single]:
        if not run:
            continue
        phases = [("idle", run.get("idle")), ("latency", run.get("latency")), ("fan-out", run.get("fanout"))]
        phases += [(f"{s['rate_requested']:g} broadcasts/s", s) for s in run.get("throughput") or []]
        for name, phase in phases:
            if not phase or "cpu" not in phase:
                continue
            cpu = phase["cpu"]
            lines.append(
                f"| {run['label']}, {name} | {' + '.join(fmt(c, 2) for c in cpu['nodes_cores'])} | "
                f"{fmt(cpu['postgres_cores'], 2)} | {fmt(cpu['loadgen_cores'], 2)} | {fmt(cpu.get('softirq_cores'), 2)} | "
                f"{fmt(cpu.get('other_cores'), 2)} | "
                f"{fmt(cpu.get('load_average_1m'), 2)} |"
            )
    for run in [two, single]:
        lat = run and run.get("latency")
        if lat:
            tx = lat["publish_transaction_ms"]
            lines.append("")
            lines.append(
                f"{run['label']}: publisher transactions (BEGIN … COMMIT) p50 {fmt(tx.get('p50'))} ms, "
                f"p99 {fmt(tx.get('p99'))} ms; {fmt(lat['rate_achieved'], 0)} of {fmt(lat['rate_requested'], 0)} "
                f"events/s achieved; begin→receipt p50 {fmt(lat['begin_to_receipt_ms'].get('p50'))} ms, "
                f"p99 {fmt(lat['begin_to_receipt_ms'].get('p99'))} ms."
            )
    problems = []
    for run in [two, single] + extras:
        if not run:
            continue
        if run["connect"]["failed_attempts"]:
            problems.append(f"{run['label']}: failed connection attempts {run['connect']['failed_attempts']}")
        if run.get("closes_during_run"):
            problems.append(f"{run['label']}: connections closed during the run {run['closes_during_run']}")
        if run.get("publisher_errors"):
            problems.append(f"{run['label']}: publisher errors {run['publisher_errors'][:3]}")
    if problems:
        lines.append("")
        lines += [f"- {p}" for p in problems]
    lines.append("")
    lines.append(f"Command: `{command}`")
    text = "\n".join(lines)
    print(text)
    with open(f"{out_dir}/realtime.md", "w") as f:
        f.write(text + "\n")
    with open(f"{out_dir}/realtime.json", "w") as f:
        json.dump({"machine": machine, "command": command, "two_nodes": two, "one_node": single, "extra": extras}, f, indent=1)


if __name__ == "__main__":
    if sys.argv[1] == "login":
        login(*sys.argv[2:7])
    elif sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7:])
    else:
        sys.exit(__doc__)
