#!/usr/bin/env python3
"""Report of ops/bench's call set-up part (standard library only).

  bench_calls.py report OUT_DIR MACHINE COMMAND TWO_NODE_JSON ONE_NODE_JSON LOAD_BEFORE LOAD_AFTER
      Prints the Markdown summary and writes OUT_DIR/calls.{md,json}. The JSON files
      are `loadgen calls` reports; LOAD_* are `uptime` lines taken around the runs.
"""
import json
import sys


def fmt(value, digits=1):
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def errors_text(step):
    """Every kind of error in a step, or "none"."""
    parts = [f"{count} × POST {kind}" for kind, count in sorted(step["non_201"].items())]
    if step["ringing_missing"]:
        parts.append(f"{step['ringing_missing']} × 201 without call.ringing")
    if step["ringing_wrong_agent"]:
        parts.append(f"{step['ringing_wrong_agent']} × ringing on another agent")
    parts += [f"{count} × decline {kind}" for kind, count in sorted(step["decline_errors"].items())]
    if step["posts_unanswered"]:
        parts.append(f"{step['posts_unanswered']} POSTs unanswered at the end")
    if step["declines_unanswered"]:
        parts.append(f"{step['declines_unanswered']} declines unanswered at the end")
    unsent = step["calls_due"] - step["calls_sent"]
    if unsent:
        parts.append(f"{unsent} calls never sent (no agent came free in time)")
    return ", ".join(parts) or "none"


def cpu_text(cpu):
    nodes = " + ".join(fmt(c, 2) for c in cpu["nodes_cores"])
    return (f"{nodes}, {fmt(cpu['postgres_cores'], 2)}, {fmt(cpu['loadgen_cores'], 2)}, "
            f"{fmt(cpu['livekit_cores'], 2)}, {fmt(cpu['other_cores'], 2)}")


def bare_text(step):
    """The bare route's p99 at the step's rate, per node (timed from due, as the set-ups'
    POSTs are, measured right after the step settled), and the set-up p99 as a multiple
    of the highest of them."""
    bares = [b for b in step.get("bare") or [] if b.get("ack_from_due_ms", {}).get("p99") is not None]
    if not bares:
        return "—"
    p99s = [b["ack_from_due_ms"]["p99"] for b in bares]
    setup = step["setup_ms"].get("p99")
    ratio = f", {setup / max(p99s):.0f}×" if setup is not None and max(p99s) > 0 else ""
    errors = sum(b.get("errors", 0) for b in bares)
    broken = f" ({errors} errors)" if errors else ""
    return f"{' / '.join(fmt(p) for p in p99s)}{ratio}{broken}"


def report(out_dir, machine, command, two_path, one_path, load_before, load_after):
    two = json.load(open(two_path))
    one = json.load(open(one_path))
    lines = []

    lines.append(f"### Two nodes: `POST /v1/calls` → `call.ringing` ({two['agents']} agents, "
                 f"{' + '.join(str(n) for n in two['agents_per_node'])} per node; {two['customers']} customers)")
    lines.append("")
    lines.append("| offered/s | calls before | set-ups/s | set-ups | p50 ms | p99 ms | max ms | same node p99 | "
                 "cross-node p99 | POST answer p50 / p99 ms | sent late p99 ms | bare route p99 ms per node, "
                 "set-up p99 ÷ it | errors |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|")
    for s in two["steps"]:
        d = s["setup_ms"]
        lines.append(
            f"| {fmt(s['rate_requested'], 0)} | {fmt(s['calls_made_before_step'])} | {fmt(s['setups_per_second'])} | "
            f"{fmt(s['setups'])} | {fmt(d.get('p50'))} | "
            f"{fmt(d.get('p99'))} | {fmt(d.get('max'))} | {fmt(s['setup_same_node_ms'].get('p99'))} | "
            f"{fmt(s['setup_cross_node_ms'].get('p99'))} | {fmt(s['post_round_trip_ms'].get('p50'))} / "
            f"{fmt(s['post_round_trip_ms'].get('p99'))} | {fmt(s['lateness_ms'].get('p99'))} | {bare_text(s)} | "
            f"{errors_text(s)} |")
    lines.append("")
    target = two["steps"][0] if two["steps"] else None
    if target:
        p99 = target["setup_ms"].get("p99")
        met = p99 is not None and p99 <= 50 and target["errors"] == 0 and target["passed"]
        lines.append(f"Target p99 ≤ 50 ms at {fmt(target['rate_requested'], 0)} set-ups/s: "
                     f"{'met' if met else '**missed**'} (p99 {fmt(p99)} ms).")
        lines.append("")

    lines.append(f"### One node: sustained set-up rate ({one['agents']} agents, all on the node)")
    lines.append("")
    lines.append("| offered/s | calls before | set-ups/s | non-201 answers | other errors | p50 / p99 ms | POST answer p99 ms | "
                 "sent late p99 ms | bare route p99 ms, set-up p99 ÷ it | CPU cores: node, PostgreSQL, load gen, "
                 "LiveKit stand-in, others | load avg | passed |")
    lines.append("|---:|---:|---:|---|---|---|---:|---:|---|---|---:|---|")
    for s in one["steps"]:
        d = s["setup_ms"]
        non201 = sum(s["non_201"].values())
        others = dict(s, non_201={})
        lines.append(
            f"| {fmt(s['rate_requested'], 0)} | {fmt(s['calls_made_before_step'])} | {fmt(s['setups_per_second'])} | "
            f"{fmt(non201)} | {errors_text(others)} | "
            f"{fmt(d.get('p50'))} / {fmt(d.get('p99'))} | {fmt(s['post_round_trip_ms'].get('p99'))} | "
            f"{fmt(s['lateness_ms'].get('p99'))} | {bare_text(s)} | {cpu_text(s['cpu'])} | "
            f"{fmt(s['cpu']['load_average_1m'], 2)} | "
            f"{'yes' if s['passed'] else 'no'} |")
    passed = [s for s in one["steps"] if s["passed"]]
    lines.append("")
    lines.append("Sustained on one node (highest step with ≥ 95% of the offered rate achieved and no error): "
                 + (f"**{fmt(passed[-1]['rate_requested'], 0)} set-ups/s**" if passed else "**no step passed**") + ".")
    lines.append("")

    lines.append("CPU during the two-node run, cores of 2 (nodes, PostgreSQL, load generator, LiveKit stand-in, others): "
                 + "; ".join(f"{fmt(s['rate_requested'], 0)}/s: {cpu_text(s['cpu'])}, load avg "
                             f"{fmt(s['cpu']['load_average_1m'], 2)}" for s in two["steps"]) + ".")
    lines.append("")
    for run in (two, one):
        closes = run.get("closes_during_run") or {}
        lk = run.get("livekit_requests")
        lines.append(
            f"{run['label']}: agents connected in {fmt(run['connect']['seconds'])} s, all available after "
            f"{fmt(run['connect']['all_available_after_seconds'])} s; WebSocket closes during the run: "
            f"{closes or 'none'}; LiveKit stand-in requests: {lk}.")
    lines.append("")
    lines.append("\"calls before\": calls the run had made before the step (warm-up included); each run starts "
                 "from the same history of finished calls (BENCH_CALLS_HISTORY, 5,000), vacuumed and analysed. "
                 "\"bare route\": `GET /health/live` (no authentication, no database) at the step's rate, shared over "
                 "the nodes as the POSTs were, for up to 10 s once the step's calls have settled: the run's own baseline.")
    lines.append("")
    lines.append(f"{machine}. Load average before: `{load_before.strip()}`; after: `{load_after.strip()}`.")
    lines.append("")
    lines.append(f"Command: `{command}`")
    text = "\n".join(lines)
    print(text)
    with open(f"{out_dir}/calls.md", "w") as f:
        f.write(text + "\n")
    with open(f"{out_dir}/calls.json", "w") as f:
        json.dump({"machine": machine, "command": command, "load_before": load_before.strip(),
                   "load_after": load_after.strip(), "two_nodes": two, "one_node": one}, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) == 9 and sys.argv[1] == "report":
        report(*sys.argv[2:9])
    else:
        sys.exit(__doc__)
