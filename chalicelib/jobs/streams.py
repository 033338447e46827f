"""The table's stream consumer (deployed): folds each tenant's spilled counter ADDs into its counters.

A transaction that met another one on a counter shard sets its ADDs aside in a spill item (core/spill.py). Deployed
(`LEARNLOOP_COUNTER_FOLDING=stream`), the table's stream delivers each new spill item here (infra/template.yaml
filters the stream to them) and this folds that tenant's spill items. A fold deletes what it adds on condition the
items are still there, so a redelivered or split batch adds nothing twice; a fold that meets busy shards raises,
and the stream delivers the batch again.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

streams = Blueprint(__name__)

# Chalice names the event source from this; the stack's template points it at the table's own stream.
TABLE_STREAM = "arn:aws:dynamodb:us-east-1:000000000000:table/learnloop/stream/placeholder"


@streams.on_dynamodb_record(stream_arn=TABLE_STREAM, batch_size=100, starting_position="LATEST", name="counter-folder")
def fold_spilled_counters(event: Any) -> None:
    from ..core import counters  # deferred: cold start - the counters import storage, which an API request may not need

    for tenant_id in spilled_tenants(record.new_image for record in event):
        counters.fold(tenant_id)


def spilled_tenants(images: Any) -> list[str]:
    """The tenants of the spill items among stream images (DynamoDB JSON), each once, in order of arrival."""
    tenants: dict[str, None] = {}
    for image in images:
        if image and image.get("kind", {}).get("S") == "counter_spill" and "tenant_id" in image:
            tenants[image["tenant_id"]["S"]] = None
    return list(tenants)
