"""What a Stripe webhook delivery costs next to the mutation it ends in.

    .venv/bin/python benchmarks/webhook_cost.py [--calls 200]

Starts the embedded local backend (temporary directory, a webhook secret), completes one
purchase, then in one run, alternating, redelivers its signed `checkout.session.completed`
event to `POST <site_url>/stripe/webhook` (an HTTP action: signature check with the `stripe`
package's SubtleCrypto provider, then `purchases:completeCheckoutSession`, which finds the
purchase complete and writes nothing) and calls `purchases:complete` for it through the SDK
(the same idempotent path without HTTP action or signature). Prints per-call latency (median,
p95) and calls per second side by side, and the ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from doctrina_sdk import LocalBackend

SECRET = "whsec_benchmark"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "stripe_webhook.py"


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("stripe_webhook_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def row(name: str, seconds: list[float]) -> str:
    p95 = statistics.quantiles(seconds, n=20)[-1]
    rate = len(seconds) / sum(seconds)
    return f"| {name} | {statistics.median(seconds) * 1000:.1f} | {p95 * 1000:.1f} | {rate:.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    calls = parser.parse_args().calls
    example = load_example()
    with (
        tempfile.TemporaryDirectory() as data_dir,
        LocalBackend.start(data_dir=data_dir, env={"STRIPE_WEBHOOK_SECRET": SECRET}) as backend,
        httpx.Client(timeout=30.0) as http,
    ):
        service = backend.client()
        course_id = example.publish_paid_course(service)
        buyer = service.users.create(first_name="Bench", last_name="Buyer", email="buyer@bench.example")
        purchase_id = service.acting_as(buyer.id).purchases.create_checkout(course_id=course_id).id
        payload = example.checkout_completed(purchase_id, "cs_bench")
        url = f"{backend.site_url}/stripe/webhook"

        def deliver() -> None:
            headers = {"Stripe-Signature": example.stripe_signature(payload, SECRET)}
            response = http.post(url, content=payload, headers=headers)
            assert response.status_code == 200, response.text

        def complete() -> None:
            service.purchases.complete(purchase_id, stripe_checkout_session_id="cs_bench")

        deliver()  # the first delivery completes the purchase; every later call finds it complete
        webhook: list[float] = []
        mutation: list[float] = []
        for _ in range(calls):
            webhook.append(timed(deliver))
            mutation.append(timed(complete))
    print(f"{calls} calls each, alternating, one sequential client")
    print("| path | median ms | p95 ms | calls/s |")
    print("|---|---|---|---|")
    print(row("webhook (HTTP action + signature + mutation)", webhook))
    print(row("purchases.complete (SDK mutation)", mutation))
    print(f"webhook / mutation median: {statistics.median(webhook) / statistics.median(mutation):.2f}x")


if __name__ == "__main__":
    main()
