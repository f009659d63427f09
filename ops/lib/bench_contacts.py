#!/usr/bin/env python3
"""Helpers of `ops/bench contacts` (standard library only).

Contact k (1..N) of bench tenant t (slug bench-crm-t) has the Indian mobile number
phone10(t, k); the seed SQL and the import files use the same formula, so the
files can match existing contacts and the searches find them.

  bench_contacts.py seed-sql CONTACTS CALLS
      Prints the SQL (run as the superuser) that fills every bench-crm-* tenant with
      CONTACTS contacts, its tag catalogue, CALLS calls over the last 90 days and
      their offers.
  bench_contacts.py requests KIND TENANTS CONTACTS TOKEN_DIR OUT
      Writes wrk's request file ("TOKEN PATH" lines) for KIND: list, stage-tag,
      phone, dashboard (owners' tokens) or dashboard-agent (agents' tokens).
      TOKEN_DIR holds owner-T.tokens and agents-T.tokens ("userId token" lines).
  bench_contacts.py probe BASE REQUESTS COUNT OUT_JSON
      Sends the first COUNT requests one at a time: statuses, items per answer and
      unloaded latency (that the scenario asks something sensible).
  bench_contacts.py measure NAME BASE REQUESTS CONNECTIONS THREADS DURATION THINK_MS NODE_PID POSTMASTER_PID OUT_JSON
      A 3 s warm-up, then wrk with ops/lib/bench_contacts.lua for DURATION (each
      connection pausing about THINK_MS before each request; 0: flat out), with the
      CPU the node, PostgreSQL and everything else used meanwhile.
  bench_contacts.py files TENANT CONTACTS ROWS OUT_PREFIX
      Writes OUT_PREFIX.csv, OUT_PREFIX.xlsx and OUT_PREFIX.expected.json: ROWS rows
      of new contacts, duplicates within the file, matches of existing contacts
      (some adding nothing) and bad phones, in mixed phone formats.
  bench_contacts.py import NAME BASE TOKEN FILE CONTENT_TYPE FILE_NAME NODE_PID POSTMASTER_PID OUT_JSON
      POSTs the file to /v1/contacts/imports and polls the job until it finishes.
  bench_contacts.py explain-sql KIND TENANT_ID [ARG...]
      Prints the statement the server runs for KIND (stage-tag STAGE TAG, phone
      DIGITS, dashboard, dashboard-agent USER_ID), as EXPLAIN (ANALYZE, BUFFERS).
  bench_contacts.py stage-tag-plans PSQL DATABASE_URL TENANT_ID OUT_JSON
      EXPLAIN ANALYZE of every stage+tag pair in the tenant's scope (each run twice,
      the second kept): execution time and plan shape, slowest first.
  bench_contacts.py report OUT_DIR MACHINE COMMAND WORK_DIR LOAD_BEFORE LOAD_AFTER
      Prints the Markdown summary and writes OUT_DIR/contacts.{md,json}.
"""
import csv
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from xml.sax.saxutils import escape

STAGES = [  # (stage, share of contacts)
    ("new", 0.30), ("contacted", 0.25), ("qualified", 0.15), ("proposal", 0.10),
    ("negotiation", 0.07), ("won", 0.08), ("lost", 0.05),
]
TAGS = [  # (tag, chance a contact has it); at most the first three a contact draws are kept
    ("vip", 0.10), ("hot-lead", 0.15), ("follow-up", 0.25), ("newsletter", 0.30), ("referral", 0.12),
    ("enterprise", 0.08), ("smb", 0.20), ("webinar", 0.15), ("trade-show", 0.06), ("do-not-call", 0.04),
]
SOURCES = [("website", 0.30), ("facebook", 0.20), ("google-ads", 0.15), ("whatsapp", 0.10), ("referral", 0.10),
           ("walk-in", 0.05), (None, 0.10)]
TEMPERATURES = [("hot", 0.10), ("warm", 0.30), ("cold", 0.40), ("dead", 0.05), (None, 0.15)]
FIRST = ["Aarav", "Vivaan", "Aditya", "Vihaan", "Arjun", "Sai", "Reyansh", "Krishna", "Ishaan", "Rohan",
         "Ananya", "Diya", "Aadhya", "Saanvi", "Pari", "Myra", "Ira", "Kavya", "Priya", "Meera",
         "Rahul", "Sneha", "Vikram", "Pooja", "Amit", "Neha", "Suresh", "Lakshmi", "Karthik", "Divya"]
LAST = ["Sharma", "Verma", "Iyer", "Nair", "Reddy", "Patel", "Shah", "Mehta", "Gupta", "Singh",
        "Kumar", "Rao", "Das", "Banerjee", "Chatterjee", "Joshi", "Kulkarni", "Desai", "Pillai", "Menon"]
CITIES = ["Mumbai", "Delhi", "Bengaluru", "Hyderabad", "Chennai", "Kolkata", "Pune", "Ahmedabad", "Jaipur", "Kochi"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def phone10(tenant, k):
    """The 10-digit mobile number of contact k of tenant t: starts 6-9, distinct for
    every (tenant, k) with k < 1,000,000 (48271 is prime, so the product is a
    permutation modulo 10^9)."""
    m = tenant * 1_000_000 + k
    return f"{6 + m % 4}{(m * 48271) % 1_000_000_000:09d}"


def sql_phone10(tenant, k):
    m = f"({tenant}::bigint * 1000000 + {k})"
    return f"((6 + {m} % 4)::text || lpad((({m} * 48271) % 1000000000)::text, 9, '0'))"


def sql_pick(r, choices, quote=True):
    """CASE picking a value by the cumulative shares in `choices` for uniform r."""
    parts, total = [], 0.0
    for value, share in choices[:-1]:
        total += share
        parts.append(f"WHEN {r} < {total:.4f} THEN {sql_literal(value) if quote else value}")
    last = choices[-1][0]
    return f"CASE {' '.join(parts)} ELSE {sql_literal(last) if quote else last} END"


def sql_literal(value):
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def sql_array(values):
    return "ARRAY[" + ", ".join(sql_literal(v) for v in values) + "]::text[]"


def seed_sql(contacts, calls):
    contacts, calls = int(contacts), int(calls)
    tags = ", ".join(f"CASE WHEN random() < {p} THEN '{t}' END" for t, p in TAGS)
    return f"""
SELECT setseed(0.42);
CREATE TEMP TABLE bench_tenants AS
SELECT t.id AS tenant_id, substring(t.slug FROM '^bench-crm-([0-9]+)$')::int AS t,
       (SELECT array_agg(u.id ORDER BY u.email) FROM users u WHERE u.tenant_id = t.id AND u.role = 'agent') AS agents,
       (SELECT array_agg(u.id ORDER BY u.email) FROM users u WHERE u.tenant_id = t.id AND u.role = 'customer') AS customers,
       (SELECT u.id FROM users u WHERE u.tenant_id = t.id AND u.role = 'owner' ORDER BY u.email LIMIT 1) AS owner_id
FROM tenants t WHERE t.slug ~ '^bench-crm-[0-9]+$';

INSERT INTO tags (tenant_id, name, color)
SELECT b.tenant_id, x.name, '#3366cc' FROM bench_tenants b CROSS JOIN unnest({sql_array([t for t, _ in TAGS])}) AS x(name);

-- Contacts: created over the last two years, more of them recently (a fifth in
-- the last 30 days); 90% owned by one of the tenant's agents.
INSERT INTO contacts (id, tenant_id, name, phone, email, source, stage, temperature, score, tags, owner_id,
                      custom_fields, created_by, created_at, updated_at)
SELECT gen_random_uuid(), s.tenant_id, s.first || ' ' || s.last, '+91' || s.phone10,
       CASE WHEN s.r_email < 0.6 THEN lower(s.first) || '.' || lower(s.last) || s.k || '@example.test' END,
       {sql_pick('s.r_source', SOURCES)},
       {sql_pick('s.r_stage', STAGES)},
       {sql_pick('s.r_temperature', TEMPERATURES)},
       floor(s.r_score * 101)::int,
       (array_remove(ARRAY[{tags}], NULL))[1:3],
       CASE WHEN s.r_owner < 0.9 THEN s.agents[1 + floor(s.r_owner / 0.9 * cardinality(s.agents))::int] END,
       CASE WHEN s.r_city < 0.5 THEN jsonb_build_object('City', ({sql_array(CITIES)})[1 + floor(s.r_city * 20)::int])
            ELSE '{{}}'::jsonb END,
       s.owner_id, s.created_at, s.created_at + (now() - s.created_at) * s.r_update
FROM (
  SELECT b.tenant_id, b.agents, b.owner_id, g.k,
         ({sql_array(FIRST)})[1 + floor(random() * {len(FIRST)})::int] AS first,
         ({sql_array(LAST)})[1 + floor(random() * {len(LAST)})::int] AS last,
         {sql_phone10('b.t', 'g.k')} AS phone10,
         random() AS r_email, random() AS r_source, random() AS r_stage, random() AS r_temperature,
         random() AS r_score, random() AS r_owner, random() AS r_city, random() AS r_update,
         now() - power(random(), 2) * interval '730 days' AS created_at
  FROM bench_tenants b CROSS JOIN generate_series(1, {contacts}) AS g(k)
) s;

-- Calls over the last 90 days: customers calling in, most answered by an agent.
INSERT INTO calls (id, tenant_id, status, strategy, caller_id, caller_type, callee_id, callee_type, room,
                   created_at, answered_at, ended_at, duration_seconds, end_reason)
SELECT s.id, s.tenant_id, s.status, 'round-robin', s.customers[1 + floor(s.r_customer * cardinality(s.customers))::int],
       'customer', CASE WHEN s.status = 'ended' THEN s.agent END, 'staff', 'bench-' || s.id, s.created_at,
       CASE WHEN s.status = 'ended' THEN s.created_at + interval '8 seconds' END,
       s.created_at + interval '8 seconds' + CASE WHEN s.status = 'ended' THEN s.duration * interval '1 second' ELSE interval '0' END,
       CASE WHEN s.status = 'ended' THEN s.duration END,
       CASE s.status WHEN 'ended' THEN 'completed' WHEN 'missed' THEN 'missed' WHEN 'declined' THEN 'declined' ELSE 'cancelled' END
FROM (
  SELECT x.*, {sql_pick('x.r_status', [('ended', 0.70), ('missed', 0.20), ('declined', 0.05), ('cancelled', 0.05)])} AS status
  FROM (
    SELECT gen_random_uuid() AS id, b.tenant_id, b.customers, random() AS r_customer, random() AS r_status,
           b.agents[1 + floor(random() * cardinality(b.agents))::int] AS agent,
           20 + floor(random() * 880)::int AS duration,
           now() - random() * interval '90 days' AS created_at
    FROM bench_tenants b CROSS JOIN generate_series(1, {calls})
  ) x
) s;

-- The offer behind each call: to the agent who answered, or to one who did not.
INSERT INTO call_offers (call_id, tenant_id, user_id, state, offered_at)
SELECT c.id, c.tenant_id, coalesce(c.callee_id, b.agents[1 + floor(random() * cardinality(b.agents))::int]),
       CASE c.status WHEN 'ended' THEN 'accepted' WHEN 'missed' THEN 'missed' WHEN 'declined' THEN 'declined'
                     ELSE 'cancelled' END,
       c.created_at
FROM calls c JOIN bench_tenants b ON b.tenant_id = c.tenant_id;
"""


def read_tokens(path):
    pairs = []
    for line in open(path):
        parts = line.split()
        if len(parts) == 2:
            pairs.append(parts)
    return pairs


def requests_file(kind, tenants, contacts, token_dir, out):
    tenants, contacts = int(tenants), int(contacts)
    rng = random.Random(f"requests-{kind}")
    lines = []
    for t in range(1, tenants + 1):
        owner = read_tokens(f"{token_dir}/owner-{t}.tokens")[0][1]
        if kind == "list":
            lines.append((owner, "/v1/contacts?limit=50"))
        elif kind == "stage-tag":
            for stage, _ in STAGES:
                for tag, _ in TAGS:
                    lines.append((owner, f"/v1/contacts?stage={stage}&tag={tag}&limit=50"))
        elif kind == "phone":
            # What someone types to find a caller: the first or the last 6 to 10
            # digits of a number the tenant has, sometimes with the trunk 0 or the
            # country code in front (the search matches a phone by how it starts or
            # ends, not by digits in the middle).
            for _ in range(300):
                digits = phone10(t, rng.randint(1, contacts))
                length = rng.randint(6, 10)
                r = rng.random()
                if r < 0.45:
                    q = digits[:length]
                elif r < 0.9:
                    q = digits[10 - length:]
                else:
                    q = rng.choice(["0", "91", "%2B91"]) + digits[:length]
                lines.append((owner, f"/v1/contacts?q={q}&limit=50"))
        elif kind == "dashboard":
            lines.append((owner, "/v1/dashboard"))
        elif kind == "dashboard-agent":
            for _, token in read_tokens(f"{token_dir}/agents-{t}.tokens"):
                lines.append((token, "/v1/dashboard"))
        else:
            sys.exit(f"unknown request kind {kind}")
    rng.shuffle(lines)
    with open(out, "w") as f:
        for token, path in lines:
            f.write(f"{token} {path}\n")


def http(method, url, token, body=None, content_type=None, timeout=120):
    headers = {"authorization": f"Bearer {token}"}
    if content_type:
        headers["content-type"] = content_type
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def probe(base, requests_path, count, out):
    lines = [line.split() for line in open(requests_path) if line.strip()][: int(count)]
    statuses, items, latencies = {}, [], []
    for token, path in lines:
        started = time.perf_counter()
        status, body = http("GET", base + path, token)
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status == 200:
            answer = json.loads(body)
            if isinstance(answer, dict) and isinstance(answer.get("items"), list):
                items.append(len(answer["items"]))
    result = {
        "requests": len(lines), "statuses": statuses,
        "items": {"answers": len(items), "empty": sum(1 for n in items if n == 0),
                  "mean": sum(items) / len(items) if items else None, "max": max(items) if items else None},
        "unloaded_ms": {"p50": percentile(latencies, 50), "p90": percentile(latencies, 90), "max": max(latencies)},
    }
    json.dump(result, open(out, "w"), indent=1)
    bad = {k: v for k, v in statuses.items() if not k.startswith("2")}
    if bad:
        print(f"probe of {requests_path}: answers {statuses}; first: {body[:300]!r}", file=sys.stderr)


def cpu_snapshot(node_pid, postmaster_pid):
    """CPU seconds so far of the node, of PostgreSQL (the postmaster and its
    children) and of the whole machine (busy and total)."""
    tick = os.sysconf("SC_CLK_TCK")

    def process_seconds(pid, reaped=False):
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            seconds = int(fields[11]) + int(fields[12])  # utime, stime
            if reaped:  # cutime, cstime: children that have exited (backends come and go)
                seconds += int(fields[13]) + int(fields[14])
            return seconds / tick
        except (OSError, IndexError):
            return 0.0

    def children(pid):
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if fields[1] == str(pid):
                    found.append(int(entry))
        return found

    postgres = process_seconds(postmaster_pid, reaped=True) + sum(process_seconds(p) for p in children(postmaster_pid))
    cpu = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    idle = cpu[3] + cpu[4]  # idle, iowait
    return {"time": time.monotonic(), "node": process_seconds(node_pid), "postgres": postgres,
            "machine_busy": (sum(cpu[:8]) - idle) / tick, "machine_total": sum(cpu[:8]) / tick}


def cpu_used(before, after):
    wall = after["time"] - before["time"]
    node = (after["node"] - before["node"]) / wall
    postgres = (after["postgres"] - before["postgres"]) / wall
    busy = (after["machine_busy"] - before["machine_busy"]) / wall
    return {"seconds": round(wall, 2), "node_cores": round(node, 2), "postgres_cores": round(postgres, 2),
            "other_cores": round(busy - node - postgres, 2), "machine_busy_cores": round(busy, 2),
            "load_average_1m": float(open("/proc/loadavg").read().split()[0])}


def measure(name, base, requests_path, connections, threads, duration, think_ms, node_pid, postmaster_pid, out):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_contacts.lua")
    env = dict(os.environ, BENCH_REQUESTS=requests_path, BENCH_THINK_MS=str(think_ms))
    # wrk's default 2 s timeout would drop the slowest answers from the percentiles.
    args = ["wrk", "-t", str(threads), "-c", str(connections), "--timeout", "30s", "-s", script]
    subprocess.run(args + ["-d", "3s", base], env=env, check=True, stdout=subprocess.DEVNULL)  # warm-up
    before = cpu_snapshot(node_pid, postmaster_pid)
    run = subprocess.run(args + ["-d", duration, base], env=env, check=True, capture_output=True, text=True)
    after = cpu_snapshot(node_pid, postmaster_pid)
    figures = None
    for line in run.stdout.splitlines():
        if line.startswith("{"):
            figures = json.loads(line)
    if figures is None:
        sys.exit(f"wrk printed no figures for {name}:\n{run.stdout}\n{run.stderr}")
    lat = figures["latency_us"]
    seconds = figures["duration_us"] / 1e6
    result = {
        "name": name, "connections": int(connections), "threads": int(threads), "duration": duration,
        "think_ms": int(think_ms),
        "requests": figures["requests"], "rps": figures["requests"] / seconds,
        "p50_ms": lat["p50"] / 1000, "p90_ms": lat["p90"] / 1000, "p99_ms": lat["p99"] / 1000,
        "p999_ms": lat["p999"] / 1000, "max_ms": lat["max"] / 1000, "mean_ms": lat["mean"] / 1000,
        "non_2xx": figures["errors"]["status"],
        "socket_errors": {k: v for k, v in figures["errors"].items() if k != "status"},
        "cpu": cpu_used(before, after),
    }
    json.dump(result, open(out, "w"), indent=1)
    print(f"{name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
          f"non-2xx {result['non_2xx']}, cpu {result['cpu']}", file=sys.stderr)


# ---- import files -----------------------------------------------------------

def phone_format(p, style):
    return [f"{p[:5]} {p[5:]}", f"+91-{p[:5]}-{p[5:]}", f"0{p}", f"+91 {p[:5]} {p[5:]}", p, f"91{p}"][style]


def import_rows(tenant, contacts, rows):
    """The file's rows (header first) and what the import should report."""
    tenant, contacts, rows = int(tenant), int(contacts), int(rows)
    rng = random.Random(f"import-{tenant}")
    bad = rows // 200            # 0.5%: no usable phone
    enrich = rows * 8 // 100     # 8%: existing contacts, the row adds an email and a tag
    unchanged = rows * 2 // 100  # 2%: existing contacts, the row adds nothing
    duplicates = rows * 2 // 100  # 2%: a second row for a new contact, another format
    fresh = rows - bad - enrich - unchanged - duplicates
    existing = rng.sample(range(1, contacts + 1), enrich + unchanged)
    body = []

    def person():
        first, last = rng.choice(FIRST), rng.choice(LAST)
        return first, last, f"{first} {last}"

    new_numbers = []
    for i in range(fresh):
        number = phone10(tenant, 500_001 + i)
        new_numbers.append(number)
        first, last, name = person()
        email = f"{first.lower()}.{last.lower()}.{i}@leads.test" if rng.random() < 0.6 else ""
        # Tags: none, one, or two separated by ", " (a quoted CSV field) or "; ".
        tag = ""
        if rng.random() < 0.6:
            picked = rng.sample([t for t, _ in TAGS], 2 if rng.random() < 0.3 else 1)
            tag = rng.choice([", ", "; "]).join(picked)
        body.append([name, ("phone", number, rng.randrange(6)), email, rng.choice(["website", "facebook", "expo", ""]),
                     rng.choice([s for s, _ in STAGES]), tag, rng.choice(CITIES)])
    for number in rng.sample(new_numbers, duplicates):
        first, last, name = person()
        body.append([name, ("phone", number, rng.randrange(6)), f"dup.{number}@leads.test", "", "", "follow-up", ""])
    for k in existing[:enrich]:
        first, last, name = person()
        body.append([name, ("phone", phone10(tenant, k), rng.randrange(6)), f"import.{k}@leads.test", "", "", "imported", ""])
    for k in existing[enrich:]:
        body.append([f"Known {k}", ("phone", phone10(tenant, k), rng.randrange(6)), "", "", "", "", ""])
    for i in range(bad):
        body.append([f"Bad Phone {i}", ("text", rng.choice(["12345", "", "n/a", "98765"])), "", "", "", "", ""])
    rng.shuffle(body)
    expected = {"rows": rows, "created": fresh, "merged": enrich + duplicates, "merged_with_existing": enrich,
                "merged_within_file": duplicates, "skipped": unchanged, "failed": bad}
    return ["Name", "Phone", "Email", "Source", "Stage", "Tags", "City"], body, expected


def cell_text(value):
    if isinstance(value, tuple):
        return phone_format(value[1], value[2]) if value[0] == "phone" else value[1]
    return value


def write_csv(path, header, body):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        for row in body:
            writer.writerow([cell_text(v) for v in row])


def column_letter(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_xlsx(path, header, body):
    """A workbook as Excel writes one: shared strings, and a plain 10-digit phone
    typed into a cell as a number."""
    shared, order, uses = {}, [], [0]

    def string_index(text):
        uses[0] += 1
        if text not in shared:
            shared[text] = len(order)
            order.append(text)
        return shared[text]

    rows_xml = []
    for r, row in enumerate([header] + body, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{column_letter(c)}{r}"
            if isinstance(value, tuple) and value[0] == "phone" and value[2] == 4:
                cells.append(f'<c r="{ref}"><v>{value[1]}</v></c>')
                continue
            text = cell_text(value)
            if text:
                cells.append(f'<c r="{ref}" t="s"><v>{string_index(text)}</v></c>')
        rows_xml.append(f'<row r="{r}">{"".join(cells)}</row>')
    last = f"{column_letter(len(header) - 1)}{len(body) + 1}"
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", head + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
            '</Types>'))
        z.writestr("_rels/.rels", head + (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", head + (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", head + (
            f'<Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>'))
        z.writestr("xl/sharedStrings.xml", head + (
            f'<sst xmlns="{main}" count="{uses[0]}" uniqueCount="{len(order)}">'
            + "".join(f"<si><t>{escape(s)}</t></si>" for s in order) + "</sst>"))
        z.writestr("xl/worksheets/sheet1.xml", head + (
            f'<worksheet xmlns="{main}"><dimension ref="A1:{last}"/><sheetData>' + "".join(rows_xml)
            + "</sheetData></worksheet>"))


def files(tenant, contacts, rows, prefix):
    header, body, expected = import_rows(tenant, contacts, rows)
    write_csv(prefix + ".csv", header, body)
    write_xlsx(prefix + ".xlsx", header, body)
    expected["csv_bytes"] = os.path.getsize(prefix + ".csv")
    expected["xlsx_bytes"] = os.path.getsize(prefix + ".xlsx")
    json.dump(expected, open(prefix + ".expected.json", "w"), indent=1)


def run_import(name, base, token, path, content_type, file_name, node_pid, postmaster_pid, out, timeout=900):
    data = open(path, "rb").read()
    result = {"name": name, "file_bytes": len(data), "content_type": content_type}
    before = cpu_snapshot(node_pid, postmaster_pid)
    started = time.monotonic()
    status, body = http("POST", f"{base}/v1/contacts/imports?fileName={file_name}", token, data, content_type, timeout=300)
    result["post_seconds"] = time.monotonic() - started
    result["post_status"] = status
    if status != 202:
        result["error"] = body.decode(errors="replace")[:2000]
        json.dump(result, open(out, "w"), indent=1)
        print(f"{name}: POST answered {status}: {result['error'][:300]}", file=sys.stderr)
        return
    job = json.loads(body)
    polls = 0
    while job.get("status") not in ("completed", "failed") and time.monotonic() - started < timeout:
        time.sleep(0.2)
        status, body = http("GET", f"{base}/v1/contacts/imports/{job['id']}", token)
        polls += 1
        if status == 200:
            job = json.loads(body)
    result["wall_seconds"] = time.monotonic() - started
    result["cpu"] = cpu_used(before, cpu_snapshot(node_pid, postmaster_pid))
    result["polls"] = polls
    job["failures"] = job.get("failures", [])[:20]
    result["job"] = job
    print(f"{name}: {job.get('status')} in {result['wall_seconds']:.1f} s (POST {result['post_seconds']:.1f} s): "
          f"created {job.get('created')}, merged {job.get('merged')}, skipped {job.get('skipped')}, "
          f"failed {job.get('failed')}", file=sys.stderr)
    json.dump(result, open(out, "w"), indent=1)


# ---- EXPLAIN ----------------------------------------------------------------

# As ContactStore.columns, ContactQuery.page and Dashboard.figures build them
# (values inline: the server's unnamed statements are planned with the values).
CONTACT_COLUMNS = """c.id, c.name, c.phone, c.email, c.source, c.stage, c.temperature, c.score, c.tags, c.owner_id,
        c.custom_fields::text, c.customer_user_id, c.created_by, c.created_at, c.updated_at, c.deleted_at"""


def explain_sql(kind, tenant_id, *args):
    def page(conditions):
        return (f"SELECT {CONTACT_COLUMNS} FROM contacts c\nWHERE " + " AND ".join(
            [f"c.tenant_id = '{tenant_id}'", "c.deleted_at IS NULL"] + conditions)
            + "\nORDER BY c.created_at DESC, c.id DESC\nLIMIT 51")

    if kind == "stage-tag":
        # ContactQuery with a stage and a tag, newest first: the stage's rows of the
        # tag in contact_tags in index order, each joined to its contact
        # (migrations/0014 and 0015).
        sql = (f"SELECT {CONTACT_COLUMNS} FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id AND c.tenant_id = ct.tenant_id\n"
               f"WHERE c.tenant_id = '{tenant_id}' AND c.deleted_at IS NULL AND c.stage = {sql_literal(args[0])}\n"
               f"  AND ct.tenant_id = '{tenant_id}' AND ct.tag = {sql_literal(args[1])} AND ct.stage = {sql_literal(args[0])}\n"
               "ORDER BY ct.created_at DESC, ct.contact_id DESC\nLIMIT 51")
    elif kind == "phone":
        # ContactQuery.phoneCondition: the digits as typed, reversed, and after the
        # country code (trunk zeros dropped), each a range ":" closes.
        digits = args[0]

        def between(column, prefix):
            return f"(c.{column} >= {sql_literal(prefix)} AND c.{column} < {sql_literal(prefix + ':')})"
        alternatives = [between("phone_digits", digits), between("phone_digits_reversed", digits[::-1])]
        national = digits.lstrip("0")
        if national:
            alternatives.append(between("phone_digits", "91" + national))
        sql = page(["(" + " OR ".join(alternatives) + ")"])
    elif kind == "list":
        sql = page([])
    elif kind in ("dashboard", "dashboard-agent", "dashboard-calls", "dashboard-calls-agent"):
        # Dashboard+Rollups.swift: the pipeline, and the whole UTC days of the last 30
        # days from the call rollups (the partial days at the ends are read from calls).
        own = f"'{args[0]}'" if kind.endswith("agent") else None
        if kind.startswith("dashboard-calls"):
            scope = own if kind.endswith("agent") else "'00000000-0000-0000-0000-000000000000'"
            sql = f"""SELECT coalesce(sum(calls), 0)::int8, coalesce(sum(answered), 0)::int8, coalesce(sum(missed), 0)::int8,
       coalesce(sum(timed), 0)::int8, coalesce(sum(seconds), 0)::int8
FROM call_rollups
WHERE tenant_id = '{tenant_id}' AND user_id = {scope}
  AND day >= (now() AT TIME ZONE 'UTC')::date - 29 AND day < (now() AT TIME ZONE 'UTC')::date"""
        else:
            narrowed = f" AND owner_id = {own}" if own else ""
            sql = f"""SELECT dimension, key, sum(contacts)::int8 FROM contact_rollups
WHERE tenant_id = '{tenant_id}' AND dimension IN ('stage', 'temperature', 'source'){narrowed}
GROUP BY dimension, key"""
    else:
        sys.exit(f"unknown explain kind {kind}")
    # ContactService.list rules out sorts and hash or merge joins for a tag walk.
    settings = "SET enable_sort = off; SET enable_hashjoin = off; SET enable_mergejoin = off;\n" if kind == "stage-tag" else ""
    return f"{settings}EXPLAIN (ANALYZE, BUFFERS)\n{sql};"


def stage_tag_plans(psql, database_url, tenant_id, out):
    def explain(sql):
        script = (f"BEGIN;\n\\o /dev/null\nSELECT set_config('switchboard.tenant_id', '{tenant_id}', true);\n\\o\n"
                  f"{sql}\nCOMMIT;\n")
        run = subprocess.run([psql, database_url, "-qAt", "-v", "ON_ERROR_STOP=1"], input=script,
                             capture_output=True, text=True, check=True)
        return json.loads(run.stdout)[0]

    def shape(node):
        name = node["Node Type"] + (f" ({node['Index Name']})" if node.get("Index Name") else "")
        return [name] + [part for child in node.get("Plans", []) for part in shape(child)]

    plans = []
    for stage, _ in STAGES:
        for tag, _ in TAGS:
            sql = explain_sql("stage-tag", tenant_id, stage, tag).replace(
                "EXPLAIN (ANALYZE, BUFFERS)", "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)")
            explain(sql)
            plan = explain(sql)
            plans.append({"stage": stage, "tag": tag, "execution_ms": plan["Execution Time"],
                          "rows": plan["Plan"].get("Actual Rows"), "plan": " → ".join(shape(plan["Plan"]))})
    plans.sort(key=lambda p: -p["execution_ms"])
    json.dump(plans, open(out, "w"), indent=1)


# ---- report -----------------------------------------------------------------

def fmt(value, digits=1):
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return None


KINDS = [  # (requests file, title, p99 target ms or None)
    ("stage-tag", "`GET /v1/contacts?stage=…&tag=…&limit=50` (7 stages × 10 tags, owner)", 20),
    ("phone", "`GET /v1/contacts?q=<first or last 6–10 digits>&limit=50` (phone search, owner)", 20),
    ("dashboard", "`GET /v1/dashboard` as owner (tenant figures)", 100),
    ("dashboard-agent", "`GET /v1/dashboard` as agent (own figures)", 100),
    ("list", "`GET /v1/contacts?limit=50` (no filter, owner; for comparison)", None),
]
# (run, requests file, how the load was offered, p99 target applies)
SCENARIOS = [(kind + suffix, kind, title, target if suffix != "-1" else None, suffix)
             for kind, title, target in KINDS for suffix in ("", "-paced", "-1")]


# Shorter pauses for 32 connections (BENCH_CONTACTS_THINK_STEPS, ms): between the
# paced run and flat out, to find the highest request rate that keeps the p99 target.
THINK_STEPS = [int(x) for x in os.getenv("BENCH_CONTACTS_THINK_STEPS", "").split(",") if x.strip()]


def how(run):
    if run["connections"] == 1:
        return "1 connection (no queueing)"
    if run.get("think_ms"):
        return f"{run['connections']} connections, ~{run['think_ms']} ms pause between a connection's requests"
    return f"{run['connections']} connections flat out"


def report(out_dir, machine, command, work, load_before, load_after):
    seed = load(f"{work}/contacts-seed.json") or {}
    runs = {name: load(f"{work}/contacts-run-{name}.json") for name, *_ in SCENARIOS}
    bare = load(f"{work}/contacts-run-bare.json")
    runs.update({f"{kind}-paced-{t}": load(f"{work}/contacts-run-{kind}-paced-{t}.json")
                 for kind, _, target in KINDS if target is not None for t in THINK_STEPS})
    probes = {kind: load(f"{work}/contacts-probe-{kind}.json") for kind, *_ in KINDS}
    imports = {name: load(f"{work}/contacts-import-{name}.json") for name in ("csv", "xlsx")}
    expected = load(f"{work}/contacts-import.expected.json") or {}
    explains = {}
    for entry in sorted(os.listdir(work)):
        m = re.match(r"contacts-explain-(.+)\.txt$", entry)
        if m:
            explains[m.group(1)] = open(f"{work}/{entry}").read().rstrip()
    lines = []
    tenants, contacts = seed.get("tenants"), seed.get("contacts_per_tenant")
    lines.append(f"### Contacts: {fmt(tenants)} tenants × {fmt(contacts)} contacts")
    lines.append("")
    lines.append("| scenario | target | measured | met? |")
    lines.append("|---|---|---|---|")

    def run_ok(run):
        return run["non_2xx"] == 0 and not any(run["socket_errors"].values())

    for name, kind, title, target, _ in SCENARIOS:
        run = runs.get(name)
        if not run:
            continue
        errors = f"non-2xx {fmt(run['non_2xx'])}"
        socket = {k: v for k, v in run["socket_errors"].items() if v}
        if socket:
            errors += f", socket errors {socket}"
        measured = f"p99 {fmt(run['p99_ms'])} ms (p50 {fmt(run['p50_ms'])} ms, {fmt(run['rps'], 0)} req/s; {errors})"
        if bare and run["connections"] == bare["connections"] and not run.get("think_ms") and bare["p99_ms"] > 0:
            measured += (f"; {run['p99_ms'] / bare['p99_ms']:.1f}× the bare route's p99, "
                         f"{run['rps'] / bare['rps']:.2f}× its requests/s")
        if target is None:
            lines.append(f"| {title}, {how(run)} | — | {measured} | — |")
        else:
            met = run["p99_ms"] <= target and run_ok(run)
            lines.append(f"| {title}, {how(run)} | p99 ≤ {target} ms, no errors | {measured} | "
                         f"{'yes' if met else '**no**'} |")
    for name, title in (("csv", "CSV"), ("xlsx", ".xlsx")):
        result = imports.get(name)
        target = "≤ 30 s from POST to completed"
        if result is None:
            continue
        if result.get("post_status") != 202:
            lines.append(f"| import of {fmt(expected.get('rows'))} rows, {title} ({fmt(result['file_bytes'] / 1e6)} MB) | "
                         f"{target} | not run: POST answered {result.get('post_status')} "
                         f"({_short(result.get('error'))}) | n/a |")
            continue
        job = result["job"]
        done = job.get("status") == "completed"
        measured = (f"{fmt(result['wall_seconds'])} s, {job.get('status')} (POST answered 202 after "
                    f"{fmt(result['post_seconds'])} s); created {fmt(job.get('created'))}, merged {fmt(job.get('merged'))}, "
                    f"skipped {fmt(job.get('skipped'))}, failed {fmt(job.get('failed'))}")
        lines.append(f"| import of {fmt(job.get('totalRows'))} rows, {title} ({fmt(result['file_bytes'] / 1e6)} MB) | "
                     f"{target} | {measured} | {'yes' if done and result['wall_seconds'] <= 30 else '**no**'} |")
    lines.append("")
    if bare:
        lines.append(f"The run's own baseline, `GET /health/live` (no authentication, no database) at {bare['connections']} "
                     f"connections flat out just before the scenarios: {fmt(bare['rps'], 0)} req/s, p50 "
                     f"{fmt(bare['p50_ms'])} ms, p99 {fmt(bare['p99_ms'])} ms (CPU cores: node "
                     f"{fmt(bare['cpu']['node_cores'], 2)}, other {fmt(bare['cpu']['other_cores'], 2)}). The flat-out rows "
                     "above give their p99 and requests/s as multiples of it.")
        lines.append("")

    lines.append("#### Load runs")
    lines.append("")
    lines.append("| scenario | load | requests/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | "
                 "CPU cores: node, PostgreSQL, other (wrk + rest of machine) | load avg | answers (probe) |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|")
    for name, kind, title, _, suffix in SCENARIOS:
        run = runs.get(name)
        if not run:
            continue
        cpu = run["cpu"]
        probe_text = ""
        p = probes.get(kind) if suffix == "" else None
        if p:
            items = p["items"]
            probe_text = (f"{p['requests']} sent one at a time: {p['statuses']}; items mean {fmt(items['mean'])}, "
                          f"{items['empty']} empty; unloaded p50 {fmt(p['unloaded_ms']['p50'])} ms")
            if items["answers"] == 0:
                probe_text = (f"{p['requests']} sent one at a time: {p['statuses']}; "
                              f"unloaded p50 {fmt(p['unloaded_ms']['p50'])} ms")
        lines.append(f"| {title} | {how(run)} | {fmt(run['rps'], 0)} | {fmt(run['p50_ms'])} | {fmt(run['p90_ms'])} | "
                     f"{fmt(run['p99_ms'])} | {fmt(run['max_ms'])} | {fmt(run['non_2xx'])} | "
                     f"{fmt(cpu['node_cores'], 2)}, {fmt(cpu['postgres_cores'], 2)}, {fmt(cpu['other_cores'], 2)} | "
                     f"{fmt(cpu['load_average_1m'], 2)} | {probe_text} |")
    lines.append("")

    ladder = [(kind, title, target) for kind, title, target in KINDS if target is not None]
    if THINK_STEPS and ladder:
        lines.append("#### From pauses to flat out: the highest rate within the p99 target")
        lines.append("")
        lines.append("The paced run and shorter pauses (BENCH_CONTACTS_THINK_STEPS), then flat out, each with "
                     "BENCH_CONTACTS_CONNECTIONS connections; a connection pauses 0.5–1.5 times the given time, "
                     "at random, before each request.")
        lines.append("")
        lines.append("| scenario | pause between a connection's requests | requests/s | p50 ms | p99 ms | non-2xx | "
                     "CPU cores: node, PostgreSQL, other | within target |")
        lines.append("|---|---|---:|---:|---:|---:|---|---|")
        for kind, title, target in ladder:
            steps = [(f"{kind}-paced", None)] + [(f"{kind}-paced-{t}", t) for t in THINK_STEPS] + [(kind, 0)]
            best = None
            for name, pause in steps:
                run = runs.get(name)
                if not run:
                    continue
                cpu = run["cpu"]
                within = run["p99_ms"] <= target and run_ok(run)
                if within and (best is None or run["rps"] > best["rps"]):
                    best = run
                shown = f"~{run['think_ms']} ms" if run.get("think_ms") else "none (flat out)"
                lines.append(f"| {title} | {shown} | {fmt(run['rps'], 0)} | {fmt(run['p50_ms'])} | {fmt(run['p99_ms'])} | "
                             f"{fmt(run['non_2xx'])} | {fmt(cpu['node_cores'], 2)}, {fmt(cpu['postgres_cores'], 2)}, "
                             f"{fmt(cpu['other_cores'], 2)} | {'yes' if within else 'no'} |")
            verdict = (f"**{fmt(best['rps'], 0)} req/s** (p99 {fmt(best['p99_ms'])} ms)" if best
                       else "none of these rates")
            lines.append(f"| {title}: highest rate with p99 ≤ {target} ms | | {verdict} | | | | | |")
        lines.append("")

    if any(imports.values()):
        lines.append("#### Imports")
        lines.append("")
        lines.append(f"The file ({fmt(expected.get('rows'))} rows, `Name,Phone,Email,Source,Stage,Tags,City`, phones as "
                     "`98765 43210`, `+91-98765-43210`, `09876543210`, `+91 98765 43210`, `9876543210` (a number cell in "
                     "the .xlsx), `919876543210`) is meant to give: created "
                     f"{fmt(expected.get('created'))}, merged {fmt(expected.get('merged'))} "
                     f"({fmt(expected.get('merged_with_existing'))} into existing contacts, "
                     f"{fmt(expected.get('merged_within_file'))} within the file), skipped {fmt(expected.get('skipped'))} "
                     f"(existing contacts the row adds nothing to), failed {fmt(expected.get('failed'))} (no usable phone). "
                     f"Each format goes to its own tenant of {fmt(contacts)} seeded contacts, on the node the load runs "
                     "used, one import at a time and no other requests.")
        lines.append("")
        for name in ("csv", "xlsx"):
            result = imports.get(name)
            if not result or result.get("post_status") != 202:
                continue
            job, cpu = result["job"], result["cpu"]
            lines.append(f"- {name}: POST → `{job.get('status')}` {fmt(result['wall_seconds'])} s (polled every 0.2 s; "
                         f"{fmt(result['file_bytes'] / 1e6)} MB uploaded and read before the 202 in "
                         f"{fmt(result['post_seconds'])} s); CPU cores meanwhile: node {fmt(cpu['node_cores'], 2)}, PostgreSQL "
                         f"{fmt(cpu['postgres_cores'], 2)}, other {fmt(cpu['other_cores'], 2)}; "
                         f"first failures: {json.dumps(job.get('failures', [])[:3])}"
                         + (f"; error: {job.get('error')}" if job.get("error") else ""))
        lines.append("")

    sweep = load(f"{work}/contacts-stage-tag-plans.json")
    if sweep:
        times = sorted(p["execution_ms"] for p in sweep)
        lines.append(f"#### Every stage+tag pair in tenant 1 (EXPLAIN ANALYZE, {len(sweep)} pairs)")
        lines.append("")
        lines.append(f"Execution time: median {fmt(percentile(times, 50))} ms, p90 {fmt(percentile(times, 90))} ms, "
                     f"max {fmt(times[-1])} ms. Slowest:")
        lines.append("")
        lines.append("| stage + tag | ms | rows | plan |")
        lines.append("|---|---:|---:|---|")
        for p in sweep[:6]:
            lines.append(f"| {p['stage']} + {p['tag']} | {fmt(p['execution_ms'])} | {p['rows']} | {p['plan']} |")
        fastest = sweep[-1]
        lines.append(f"| (fastest) {fastest['stage']} + {fastest['tag']} | {fmt(fastest['execution_ms'])} | "
                     f"{fastest['rows']} | {fastest['plan']} |")
        lines.append("")

    if explains:
        lines.append("#### Query plans (EXPLAIN (ANALYZE, BUFFERS) on the seeded data, as the server's role in tenant 1)")
        lines.append("")
        for name, text in explains.items():
            lines.append(f"<details><summary>{name}: {_plan_summary(text)}</summary>")
            lines.append("")
            lines.append("```")
            lines.append(text)
            lines.append("```")
            lines.append("</details>")
            lines.append("")

    lines.append(f"Seeded: {fmt(seed.get('contacts'))} contacts ({fmt(contacts)} per tenant; stages "
                 + ", ".join(f"{s} {int(p * 100)}%" for s, p in STAGES) + "; 0–3 of 10 tags; 90% owned by one of "
                 f"{fmt(seed.get('agents_per_tenant'))} agents per tenant), {fmt(seed.get('calls'))} calls in the last "
                 f"90 days, in {fmt(seed.get('seconds'))} s (insert) + {fmt(seed.get('vacuum_seconds'))} s (VACUUM ANALYZE); "
                 f"contacts table {seed.get('table_size', 'n/a')} with its indexes.")
    lines.append("")
    lines.append(f"wrk -t{_first(runs, 'threads')} with ops/lib/bench_contacts.lua (each request the next of a shuffled "
                 f"list over the 10 tenants' tokens), {_first(runs, 'duration')} per scenario after a 3 s warm-up; one node. "
                 f"{machine}: the node, PostgreSQL (fsync off) and wrk share the 2 cores, and the machine was "
                 f"also running other work (\"other\" CPU above includes it). Load average before: `{load_before.strip()}`; "
                 f"after: `{load_after.strip()}`.")
    lines.append("")
    lines.append(f"Command: `{command}`")
    text = "\n".join(lines)
    print(text)
    with open(f"{out_dir}/contacts.md", "w") as f:
        f.write(text + "\n")
    with open(f"{out_dir}/contacts.json", "w") as f:
        json.dump({"machine": machine, "command": command, "load_before": load_before.strip(),
                   "load_after": load_after.strip(), "seed": seed, "runs": runs, "probes": probes,
                   "imports": imports, "import_expected": expected, "explain": explains,
                   "stage_tag_plans": sweep}, f, indent=1)


def _short(text, limit=160):
    text = (text or "").replace("\n", " ").replace("|", "/")
    return text if len(text) <= limit else text[:limit] + "…"


def _first(runs, key):
    for run in runs.values():
        if run:
            return run[key]
    return "n/a"


def _plan_summary(text):
    lines = text.splitlines()
    top = lines[0].strip() if lines else ""
    top = re.sub(r"\s*\(cost=[^)]*\)", "", top)
    execution = next((l.strip() for l in lines if l.strip().startswith("Execution Time")), "")
    return f"{top}; {execution}".replace("<", "&lt;")


if __name__ == "__main__":
    command, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "seed-sql" and len(args) == 2:
        print(seed_sql(*args))
    elif command == "requests" and len(args) == 5:
        requests_file(*args)
    elif command == "probe" and len(args) == 4:
        probe(*args)
    elif command == "measure" and len(args) == 10:
        measure(*args)
    elif command == "files" and len(args) == 4:
        files(*args)
    elif command == "import" and len(args) == 9:
        run_import(*args)
    elif command == "explain-sql" and len(args) >= 2:
        print(explain_sql(*args))
    elif command == "stage-tag-plans" and len(args) == 4:
        stage_tag_plans(*args)
    elif command == "report" and len(args) == 6:
        report(*args)
    else:
        sys.exit(__doc__)
