"""The soak's events: N bodies of every live sync event type over a set of entities, each entity
seen in several versions, with duplicate deliveries, in shuffled order.

Every entity's expected end state is its newest version (last-writer-wins by `occurred_at`); each
version carries a marker the verifier reads back from Salesforce (a customer's last name, an
order's status, a conversation's last message), so an older version winning shows as stale.
Versions of one entity never share an `occurred_at` (ties are their own defect, not what this
measures). Loyalty commands are left out: a command is answered, not retried, and its end state
lives in the loyalty platform, not in Salesforce; their fault behaviour is issue 10's e2e tests'.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[1] / "events"
DUPLICATE_SHARE = 0.10

# kind -> (share of the events, most versions per entity)
MIX: dict[str, tuple[float, int]] = {
    "customer": (0.25, 3),
    "optin": (0.08, 2),
    "order": (0.25, 3),
    "case": (0.10, 1),
    "chat": (0.10, 1),
    "offline_message": (0.05, 1),
    "conversation": (0.17, 3),
}
ORDER_STATUSES = ("new", "open", "completed", "cancelled")


@dataclass
class Entity:
    """One business entity and the bodies of its versions, oldest first."""

    kind: str
    key: str
    versions: list[dict[str, Any]] = field(default_factory=list)
    # An order's customer (a soak customer's number), when it has one.
    customer_no: str | None = None

    @property
    def newest(self) -> dict[str, Any]:
        return self.versions[-1]


@dataclass
class Plan:
    run_id: str
    entities: list[Entity]
    deliveries: list[dict[str, Any]]  # bodies in sending order, duplicates included

    @property
    def events(self) -> int:
        return sum(len(entity.versions) for entity in self.entities)


def _example(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / f"{name}.json").read_text()))


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Builder:
    def __init__(self, run_id: str, rng: random.Random) -> None:
        self.run_id = run_id
        self.rng = rng
        # Versions are minutes apart, recent (the storefront's replication window counts from
        # them) and never in the future.
        self.start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
        self.customers: list[str] = []

    def body(self, name: str, index: int, version: int, data: dict[str, Any]) -> dict[str, Any]:
        body = _example(name)
        body["event_id"] = f"soak-{self.run_id}-{name}-{index}-{version}"
        body["occurred_at"] = _at(self.start + timedelta(minutes=version, seconds=index % 50))
        body["data"] = data
        return body

    def customer(self, index: int, versions: int) -> Entity:
        customer_no = f"S{self.run_id}{index:06d}"
        self.customers.append(customer_no)
        entity = Entity("customer", customer_no)
        for version in range(versions):
            base = _example("customer.registered")["data"]
            base["customer"].update(
                customer_no=customer_no,
                customer_id=f"cid{self.run_id}{index}",
                email=f"soak.{self.run_id}.c{index}@example.com",
                first_name="Soak",
                last_name=f"Version{version}",
            )
            name = "customer.registered" if version == 0 else "customer.updated"
            entity.versions.append(self.body(name, index, version, base))
        return entity

    def optin(self, index: int, versions: int) -> Entity:
        email = f"soak.{self.run_id}.n{index}@example.com"
        entity = Entity("optin", email)
        for version in range(versions):
            data = {**_example("customer.opted_in")["data"], "email": email, "opted_in": version % 2 == 0}
            entity.versions.append(self.body("customer.opted_in", index, version, data))
        return entity

    def order(self, index: int, versions: int) -> Entity:
        order_no = f"SO{self.run_id}{index:06d}"
        # Half the orders are a soak customer's (some arrive before the registration does).
        customer_no = self.rng.choice(self.customers) if self.customers and index % 2 == 0 else None
        entity = Entity("order", order_no, customer_no=customer_no)
        for version in range(versions):
            order = _example("order.created")["data"]["order"]
            order.update(order_no=order_no, status=ORDER_STATUSES[version % len(ORDER_STATUSES)])
            order["order_total"] = 10 + index % 90
            if customer_no:
                number = customer_no[len(f"S{self.run_id}") :].lstrip("0") or "0"
                email = f"soak.{self.run_id}.c{int(number)}@example.com"
                order["customer_info"] = {"customer_no": customer_no, "email": email, "customer_name": "Soak"}
            else:
                order["customer_info"] = {"email": f"soak.{self.run_id}.g{index}@example.com", "customer_name": "Soak"}
            name = "order.created" if version == 0 else "order.updated"
            entity.versions.append(self.body(name, index, version, {"site_id": "RefArch", "order": order}))
        return entity

    def case(self, index: int, _versions: int) -> Entity:
        data = _example("contact_us.submitted")["data"]
        data["case"].update(
            email=f"soak.{self.run_id}.k{index}@example.com",
            first_name="Soak",
            last_name="Case",
            subject=f"Soak case {index}",
            order_no=None,
        )
        body = self.body("contact_us.submitted", index, 0, data)
        return Entity("case", body["event_id"], versions=[body])

    def chat(self, index: int, _versions: int) -> Entity:
        chat_id = f"soak-{self.run_id}-chat-{index}"
        data = _example("chat.ended")["data"]
        data.update(chat_id=chat_id)
        data["visitor"].update(email=f"soak.{self.run_id}.h{index}@example.com", name="Soak Visitor")
        return Entity("chat", chat_id, versions=[self.body("chat.ended", index, 0, data)])

    def offline_message(self, index: int, _versions: int) -> Entity:
        message_id = f"soak-{self.run_id}-off-{index}"
        data = _example("offline_message.received")["data"]
        data.update(message_id=message_id)
        data["visitor"].update(email=f"soak.{self.run_id}.m{index}@example.com", name="Soak Visitor")
        return Entity("offline_message", message_id, versions=[self.body("offline_message.received", index, 0, data)])

    def conversation(self, index: int, versions: int) -> Entity:
        conversation_id = f"soak-{self.run_id}-conv-{index}"
        entity = Entity("conversation", conversation_id)
        for version in range(versions):
            name = "conversation.routed" if version == 0 else "conversation.replied"
            data = _example(name)["data"]
            body = self.body(name, index, version, data)
            data.update(
                conversation_id=conversation_id,
                salesforce_contact_id=None,
                previous_conversations=[],
                user={"id": f"su-{self.run_id}-{index}", "handle": f"@soak{self.run_id}{index}", "name": "Soak"},
                # The user's Contact, created in the org before the soak (`soak.run`): a reply to
                # a user matched to none is ignored, which would leave nothing to verify.
                last_message={"time": body["occurred_at"], "text": f"message {version}"},
            )
            entity.versions.append(body)
        return entity


def plan(events: int, seed: int = 11, run_id: str | None = None) -> Plan:
    """About `events` events (whole entities), then 10% duplicate deliveries, all shuffled."""
    rng = random.Random(seed)
    run_id = run_id or f"{rng.randrange(16**6):06x}"
    builder = _Builder(run_id, rng)
    entities: list[Entity] = []
    # Customers first, so that orders can name them; the shuffle decides what arrives first.
    for kind, (share, most) in MIX.items():
        budget, index = max(1, round(events * share)), 0
        while budget > 0:
            versions = min(budget, rng.randint(1, most))
            entity = getattr(builder, kind)(index, versions)
            entities.append(entity)
            budget -= len(entity.versions)
            index += 1
    bodies = [body for entity in entities for body in entity.versions]
    duplicates = rng.sample(bodies, round(len(bodies) * DUPLICATE_SHARE))
    deliveries = bodies + duplicates
    rng.shuffle(deliveries)
    return Plan(run_id, entities, deliveries)
