#!/usr/bin/env python3
"""The report of ops/soak (standard library only).

  soak_report.py report OUT_DIR MACHINE COMMAND LOAD_BEFORE LOAD_AFTER
      Reads OUT_DIR/soak.csv (the sampler's rows), OUT_DIR/soak-minutes.jsonl (the load
      generator's minutes) and OUT_DIR/soak-loadgen.json (its final check, if it got
      that far); prints the Markdown and writes OUT_DIR/soak.{md,json}. LOAD_* are
      `uptime` lines taken around the load.

Whether a node "levels off" is judged on the samples taken under load, per node, for
RSS and for open fds: the least-squares slope over the second half of the load, and the
mean of the last third against the mean of the middle third. Both must be within the
thresholds below; a run shorter than MIN_MINUTES is not judged at all.
"""
import csv
import json
import os
import sys

from bench_text import fmt

# Growth allowed over the second half of the load. 0.2 MiB/min is 3 MiB over the last
# 15 minutes of a 30-minute soak; 0.2 fds/min is 3 fds. The fd count moves by a few
# with the connections open at the sampled instant, so its slope carries that noise;
# a leak of even one fd in 500 of the ~350 connections a node takes a minute is 0.7/min.
RSS_SLOPE_MAX = 0.2  # MiB per minute
RSS_STEP_MAX = 2.0  # MiB, last third's mean minus the middle third's
FDS_SLOPE_MAX = 0.2  # fds per minute
FDS_STEP_MAX = 2.0  # fds
MIN_MINUTES = 15
# After the cooldown a node should hold no more fds than before the load, give or take.
FDS_RETURN_SLACK = 2
NODES = ["node1", "node2"]
SPARKS = "▁▂▃▄▅▆▇█"


def read_samples(path):
    rows = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            def num(key):
                value = row.get(key) or ""
                return float(value) if value.strip() else None
            fds, pg = num("fds"), num("pg_connections")
            rows.setdefault(row["process"], []).append({
                "t": float(row["unix_time"]), "phase": row["phase"], "rss_mib": (num("rss_kib") or 0) / 1024
                if num("rss_kib") is not None else None, "fds": fds, "pg": pg,
                # The node's database pool grows and shrinks on its own (up to its maximum):
                # the fds besides it are the ones clients and files account for.
                "fds_without_pg": fds - pg if fds is not None and pg is not None else None,
                "load": num("load_1m"),
            })
    return rows


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def slope(points):
    """Least-squares slope of (x, y) points, or None with fewer than 3."""
    points = [(x, y) for x, y in points if y is not None]
    if len(points) < 3:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else None


def sparkline(values):
    values = [v for v in values if v is not None]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low or 1
    return "".join(SPARKS[min(len(SPARKS) - 1, int((v - low) / span * len(SPARKS)))] for v in values)


def judge(samples, start, end, key):
    """Slope over the second half (per minute) and last-third minus middle-third means."""
    minutes = (end - start) / 60
    points = [((s["t"] - start) / 60, s[key]) for s in samples if s["phase"] == "load" and start <= s["t"] <= end]
    second_half = [(x, y) for x, y in points if x >= minutes / 2]
    middle = [y for x, y in points if minutes / 3 <= x < 2 * minutes / 3]
    last = [y for x, y in points if x >= 2 * minutes / 3]
    m, l = mean(middle), mean(last)
    return {"slope_per_minute": slope(second_half), "middle_third_mean": m, "last_third_mean": l,
            "last_minus_middle": None if m is None or l is None else l - m, "samples": len(points)}


def levels(figures, slope_max, step_max):
    s, d = figures["slope_per_minute"], figures["last_minus_middle"]
    return s is not None and d is not None and s <= slope_max and d <= step_max


def merge_counts(into, counts):
    for key, value in counts.items():
        into[key] = into.get(key, 0) + value


def report(out_dir, machine, command, load_before, load_after):
    samples = read_samples(os.path.join(out_dir, "soak.csv"))
    minutes = [json.loads(line) for line in open(os.path.join(out_dir, "soak-minutes.jsonl")) if line.strip()]
    final_path = os.path.join(out_dir, "soak-loadgen.json")
    final = json.load(open(final_path)) if os.path.exists(final_path) else None
    start, end = minutes[0]["start_unix"], minutes[-1]["end_unix"]
    load_minutes = (end - start) / 60
    judged = load_minutes >= MIN_MINUTES

    result = {"machine": machine, "command": command, "load_before": load_before, "load_after": load_after,
              "load_minutes": round(load_minutes, 1), "judged": judged,
              "thresholds": {"rss_slope_mib_per_minute": RSS_SLOPE_MAX, "rss_last_minus_middle_mib": RSS_STEP_MAX,
                             "fds_slope_per_minute": FDS_SLOPE_MAX, "fds_last_minus_middle": FDS_STEP_MAX,
                             "min_minutes": MIN_MINUTES},
              "nodes": {}}
    errors = {}
    for index, name in enumerate(NODES):
        rows = samples.get(name, [])
        table = []
        for m in minutes:
            inside = [s for s in rows if m["start_unix"] <= s["t"] < m["end_unix"]]
            figures = m["nodes"][index]
            table.append({
                "minute": m["minute"], "rss_mib": mean(s["rss_mib"] for s in inside), "fds": mean(s["fds"] for s in inside),
                "pg_connections": mean(s["pg"] for s in inside), "requests": figures["requests_total"],
                "errors": figures["errors_total"], "connects": sum(figures["connects"].values()),
                "reconnects": figures["reconnects"], "events": figures["events_total"],
                "load_1m": mean(s["load"] for s in inside),
            })
            merge_counts(errors, {f"{name}: {k}": v for k, v in figures["errors"].items()})
        before = [s for s in rows if s["phase"] == "before"]
        cooldown = [s for s in rows if s["phase"] == "cooldown"]
        rss, fds = judge(rows, start, end, "rss_mib"), judge(rows, start, end, "fds")
        other_fds = judge(rows, start, end, "fds_without_pg")
        connects_per_minute = mean(r["connects"] for r in table) or 0
        fds_before, fds_after = mean(s["fds_without_pg"] for s in before), mean(s["fds_without_pg"] for s in cooldown[-3:])
        result["nodes"][name] = {
            "minutes": table, "rss": rss, "fds": fds, "fds_without_pg": other_fds,
            "rss_levels_off": levels(rss, RSS_SLOPE_MAX, RSS_STEP_MAX),
            "fds_level_off": levels(fds, FDS_SLOPE_MAX, FDS_STEP_MAX),
            "fds_without_pg_level_off": levels(other_fds, FDS_SLOPE_MAX, FDS_STEP_MAX),
            "realtime_connects_per_minute": connects_per_minute,
            # The smallest leak per real-time connection the RSS threshold would catch.
            "detectable_bytes_per_connection": RSS_SLOPE_MAX * 1048576 / connects_per_minute if connects_per_minute else None,
            "idle_before": {"rss_mib": mean(s["rss_mib"] for s in before), "fds": mean(s["fds"] for s in before),
                            "fds_without_pg": fds_before, "pg_connections": mean(s["pg"] for s in before)},
            "after_cooldown": {"rss_mib": mean(s["rss_mib"] for s in cooldown[-3:]),
                               "fds": mean(s["fds"] for s in cooldown[-3:]), "fds_without_pg": fds_after,
                               "pg_connections": mean(s["pg"] for s in cooldown[-3:])},
            "fds_back_to_idle": fds_before is not None and fds_after is not None
            and fds_after <= fds_before + FDS_RETURN_SLACK,
        }
    if final:
        for index, name in enumerate(NODES):
            merge_counts(errors, {f"{name} (settling): {k}": v for k, v in final["settle"]["nodes"][index]["errors"].items()})
    result["errors"] = errors
    result["errors_total"] = sum(errors.values())
    result["totals"] = {key: sum(m["nodes"][i][key] for m in minutes for i in range(len(NODES)))
                        for key in ["requests_total", "reconnects", "events_total", "rest_connections",
                                    "webhooks_sent", "webhooks_acknowledged", "tick_gaps_seen", "tick_repeats_seen"]}
    result["totals"]["ticks_committed"] = sum(m["ticks_committed"] for m in minutes)
    result["loadgen"] = final
    loadgen_rows = [s for s in samples.get("loadgen", []) if s["phase"] == "load" and start <= s["t"] <= end]
    result["loadgen_rss_mib"] = [loadgen_rows[0]["rss_mib"], loadgen_rows[-1]["rss_mib"]] if loadgen_rows else None
    pg_rows = samples.get("postgres", [])
    result["pg_connections_total"] = {"idle_before": mean(s["pg"] for s in pg_rows if s["phase"] == "before"),
                                      "max_under_load": max((s["pg"] or 0 for s in pg_rows if s["phase"] == "load"), default=None),
                                      "after_cooldown": mean(s["pg"] for s in pg_rows if s["phase"] == "cooldown")}
    lost = None
    if final:
        t, c = final["ticks"]["check"], final["webhooks"]["check"]
        lost = {"ticks_missing": t["missing"], "ticks_repeated": t["repeated"], "chats_missing": c["missing"],
                "chats_repeated": c["repeated"], "still_missing_after_settle": final["still_missing_after_settle"]}
    result["lost_events"] = lost

    text = markdown(result, minutes, final)
    print(text)
    with open(os.path.join(out_dir, "soak.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(out_dir, "soak.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)


def verdict_text(name, node, judged):
    rss, fds, other = node["rss"], node["fds"], node["fds_without_pg"]
    figures = (f"RSS {fmt(rss['slope_per_minute'], 3)} MiB/min over the second half, last third "
               f"{fmt(rss['last_minus_middle'], 2)} MiB vs the middle third; fds {fmt(fds['slope_per_minute'], 3)}/min, "
               f"{fmt(fds['last_minus_middle'], 2)}; fds besides PostgreSQL connections "
               f"{fmt(other['slope_per_minute'], 3)}/min, {fmt(other['last_minus_middle'], 2)}")
    if not judged:
        return f"{name}: not judged (a run shorter than {MIN_MINUTES} minutes); {figures}"
    words = [("RSS levels off" if node["rss_levels_off"] else "RSS **still growing**"),
             ("fds level off" if node["fds_level_off"] else "fds **still growing**"),
             ("fds besides PostgreSQL level off" if node["fds_without_pg_level_off"]
              else "fds besides PostgreSQL **still growing**")]
    return f"{name}: {', '.join(words)} ({figures})"


def markdown(result, minutes, final):
    lines = [f"Command: `{result['command']}` on {result['machine']}.",
             f"Load {result['load_minutes']} minutes. Machine load before: `{result['load_before'].strip()}`; "
             f"after: `{result['load_after'].strip()}`.", ""]
    if final:
        lines.append(
            f"Load: {final['clients']} real-time clients ({final['staff_clients']} agents, "
            f"{final['clients'] - final['staff_clients']} customers; {final['sse_clients']} SSE, the rest WebSocket), each "
            f"leaving after {final['stay_seconds'][0]:g}-{final['stay_seconds'][1]:g} s and resuming on the other node; "
            f"{final['tick_rate']:g} events/s to all of them; signed WhatsApp webhooks at {final['webhook_rate']:g}/s; "
            f"{final['rest_users']} REST users; token refresh every {final['refresh_minutes']:g} min.")
        lines.append("")
    lines.append("**Verdict** (thresholds: RSS ≤ %g MiB/min and last third ≤ %g MiB above the middle third; "
                 "fds ≤ %g/min and ≤ %g above):" % (RSS_SLOPE_MAX, RSS_STEP_MAX, FDS_SLOPE_MAX, FDS_STEP_MAX))
    lines.append("")
    for name, node in result["nodes"].items():
        lines.append("- " + verdict_text(name, node, result["judged"]))
        idle, after = node["idle_before"], node["after_cooldown"]
        lines.append(f"  - idle before the load: {fmt(idle['rss_mib'])} MiB, {fmt(idle['fds'], 0)} fds of which "
                     f"{fmt(idle['pg_connections'], 0)} PostgreSQL connections; after the cooldown: {fmt(after['rss_mib'])} "
                     f"MiB, {fmt(after['fds'], 0)} fds of which {fmt(after['pg_connections'], 0)} PostgreSQL connections "
                     f"(the other fds {'back to idle' if node['fds_back_to_idle'] else '**not back to idle**'})")
        if node["detectable_bytes_per_connection"]:
            lines.append(f"  - {fmt(node['realtime_connects_per_minute'], 0)} real-time connections a minute: the RSS "
                         f"threshold catches a leak of about {fmt(node['detectable_bytes_per_connection'], 0)} bytes per "
                         "connection or more")
    lines.append("")
    totals = result["totals"]
    lines.append(f"Totals: {fmt(totals['requests_total'])} HTTP requests, {fmt(totals['reconnects'])} real-time "
                 f"reconnects, {fmt(totals['events_total'])} events received, {fmt(totals['ticks_committed'])} ticks "
                 f"published, {fmt(totals['webhooks_acknowledged'])} of {fmt(totals['webhooks_sent'])} webhooks acknowledged, "
                 f"{fmt(result['errors_total'])} errors.")
    lost = result["lost_events"]
    if lost is None:
        lines.append("**The load generator did not finish: no end-of-run event check.**")
    else:
        clean = not any(lost.values())
        lines.append(f"Events lost or repeated across reconnects: ticks {lost['ticks_missing']} missing, "
                     f"{lost['ticks_repeated']} repeated; chat.message {lost['chats_missing']} missing, "
                     f"{lost['chats_repeated']} repeated" + ("" if clean else " **(see soak.json: loadgen.ticks.check)**")
                     + f" (live gap counter: {totals['tick_gaps_seen']} gaps, {totals['tick_repeats_seen']} repeats).")
    if result["errors"]:
        lines.append("")
        lines.append("Errors:")
        for key, count in sorted(result["errors"].items(), key=lambda kv: -kv[1]):
            lines.append(f"- {count} × {key}")
    lines.append("")
    for name, node in result["nodes"].items():
        table = node["minutes"]
        lines.append(f"### {name}")
        lines.append("")
        lines.append(f"RSS {sparkline([r['rss_mib'] for r in table])} "
                     f"({fmt(min(r['rss_mib'] or 0 for r in table))}–{fmt(max(r['rss_mib'] or 0 for r in table))} MiB)  ")
        lines.append(f"fds {sparkline([r['fds'] for r in table])} "
                     f"({fmt(min(r['fds'] or 0 for r in table), 0)}–{fmt(max(r['fds'] or 0 for r in table), 0)})")
        lines.append("")
        lines.append("| min | RSS MiB | fds | pg conns | requests | errors | connects | reconnects | events | load 1m |")
        lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in table:
            lines.append(f"| {r['minute']} | {fmt(r['rss_mib'])} | {fmt(r['fds'], 0)} | {fmt(r['pg_connections'], 1)} | "
                         f"{fmt(r['requests'])} | {fmt(r['errors'])} | {fmt(r['connects'])} | {fmt(r['reconnects'])} | "
                         f"{fmt(r['events'])} | {fmt(r['load_1m'], 2)} |")
        lines.append("")
    lines.append("Per minute: the means of that minute's samples (every few seconds) for RSS, fds and PostgreSQL "
                 "connections (this node's, from `ss`); the node's share of the load generator's counts. "
                 f"Load generator RSS {fmt(result['loadgen_rss_mib'][0]) if result['loadgen_rss_mib'] else 'n/a'} → "
                 f"{fmt(result['loadgen_rss_mib'][1]) if result['loadgen_rss_mib'] else 'n/a'} MiB; PostgreSQL "
                 f"connections to the database in all: {fmt(result['pg_connections_total']['idle_before'], 0)} idle, at "
                 f"most {fmt(result['pg_connections_total']['max_under_load'], 0)} under load (one is the load "
                 "generator's publisher).")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "report":
        report(*sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
