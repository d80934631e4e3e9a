"""Lookups by ID number through the HTTP API on the published 450k-household county (issue 7).

    .venv/bin/python -m benchmarks.serving_benchmark [--households 450000] [--rate 200] [--seconds 60]

Needs the database the linkage and publish benchmarks leave behind (`benchmarks.link_benchmark`,
then `benchmarks.publish_benchmark`). Starts `shouwang serve` as its own process on loopback, makes a
reader token, then this process sends `POST /v1/persons/lookup` at a fixed rate (open loop: request i
is due at start + i / rate, whatever earlier answers took) over keep-alive connections, and measures
each latency from the moment the request was due, so a slow answer also delays the ones queued
behind it (no coordinated omission). Nine in ten numbers belong to master persons, one in ten is a
well-formed number nobody has (a 404). The first seconds are a warm-up and not counted.

Target (issue 7): p99 <= 20 ms at 200 requests/s on 2 cores. The server's per-client rate limit is
raised for the run (SHOUWANG_API_RATE) so that the limiter, not the lookup, is not what is measured.
ID numbers stay in this process's memory; nothing here prints or writes them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
from sqlalchemy.engine import make_url

from benchmarks.common import ROOT, admin_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sample_numbers(engine, n: int, seed: int) -> list[str]:
    """n ID numbers to look up: 90 % of master persons, 10 % valid numbers that nobody has."""
    from shouwang.staging.standardize.ids import check_digit

    rng = random.Random(seed)
    with engine.connect() as conn:
        known = (
            conn.exec_driver_sql(
                "SELECT id_number FROM master.person WHERE length(id_number) = 18"
                " ORDER BY md5(person_id || %(s)s) LIMIT %(n)s",
                {"s": str(seed), "n": n},
            )
            .scalars()
            .all()
        )
        taken = set(known)
    numbers = list(known[: int(n * 0.9)])
    while len(numbers) < len(known[: int(n * 0.9)]) / 0.9:
        born = f"{rng.randint(1940, 2015)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        first17 = f"411328{born}9{rng.randint(0, 99):02d}"
        number = first17 + check_digit(first17)
        if number not in taken:
            numbers.append(number)
    rng.shuffle(numbers)
    return numbers


async def _load(
    port: int, token: str, numbers: list[str], rate: float, seconds: float, warmup: float
) -> dict:
    """Open-loop load over keep-alive HTTP/1.1 connections; latencies from each request's due time."""
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    opened = 0
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0

    async def one(i: int, due: float) -> None:
        nonlocal opened, errors
        body = json.dumps({"id_number": numbers[i % len(numbers)], "purpose": "benchmark"}).encode()
        request = (
            b"POST /v1/persons/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status = None
        for attempt in range(2):  # a kept-alive connection the server has closed meanwhile: one retry
            reused = bool(idle) and attempt == 0
            if reused:
                reader, writer = idle.pop()
            else:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                opened += 1
            try:
                writer.write(request)
                await writer.drain()
                status_line = await reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed by the server")
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                status = int(status_line.split()[1])
                break
            except (OSError, asyncio.IncompleteReadError, IndexError, ValueError):
                writer.close()
                if not reused:
                    break
        if status is None:
            errors += 1
            return
        done = time.perf_counter()
        idle.append((reader, writer))
        if due - start >= warmup:
            latencies.append(done - due)
            statuses[status] = statuses.get(status, 0) + 1

    loop_tasks = []
    start = time.perf_counter()
    total = int(rate * (seconds + warmup))
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        loop_tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*loop_tasks)
    elapsed = time.perf_counter() - start
    for _, writer in idle:
        writer.close()
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "requests_measured": len(latencies),
        "achieved_rate": round(total / elapsed, 1),
        "connections_opened": opened,
        "statuses": statuses,
        "errors": errors,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "p999_ms": pct(0.999),
        "max_ms": round(latencies[-1] * 1000, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=450_000)
    parser.add_argument("--seed", type=int, default=20210630)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds (after the warm-up)")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--url", help="another published warehouse (default: the linkage benchmark's)")
    args = parser.parse_args(argv)
    name = f"shouwang_bench_link_{args.households}_{args.seed}"
    url = args.url or make_url(admin_url()).set(database=name).render_as_string(hide_password=False)
    os.environ["SHOUWANG_HOME"] = tempfile.mkdtemp(prefix="shouwang_serving_bench_")
    from shouwang.db import get_engine
    from shouwang.db.migrate import upgrade
    from shouwang.serving.tokens import create_token

    engine = get_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        persons = conn.exec_driver_sql("SELECT count(*) FROM master.person_key").scalar_one()
        households = conn.exec_driver_sql("SELECT count(*) FROM master.household").scalar_one()
    if persons == 0:
        print("no published master: run benchmarks.link_benchmark and benchmarks.publish_benchmark first")
        return 2
    numbers = _sample_numbers(engine, 20_000, args.seed)
    token = create_token(engine, "serving-benchmark", "reader")
    port = _free_port()
    log_path = ROOT / "var" / "bench" / "serving_benchmark_server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SHOUWANG_DATABASE_URL": url,
        "SHOUWANG_API_RATE": "100000",
        "SHOUWANG_API_BURST": "100000",
    }
    with open(log_path, "w", encoding="utf-8") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "shouwang"), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    print(f"the API did not start; see {log_path}")
                    return 1
                time.sleep(0.3)
        proc = psutil.Process(server.pid)
        cpu0 = proc.cpu_times()
        result = asyncio.run(_load(port, token, numbers, args.rate, args.seconds, args.warmup))
        cpu1 = proc.cpu_times()
    finally:
        server.terminate()
        server.wait(timeout=30)
    out = {
        "master_households": households,
        "master_persons_with_id": persons,
        "rate": args.rate,
        "seconds": args.seconds,
        **result,
        "server_cpu_seconds": round(cpu1.user + cpu1.system - cpu0.user - cpu0.system, 1),
        "target_p99_ms": 20,
        "met": result["p99_ms"] <= 20 and result["errors"] == 0,
    }
    text = json.dumps(out, indent=1)
    print(text)
    (ROOT / "var" / "bench" / "serving_benchmark.json").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
