"""Identity-map healing as a decorator of workflows.

The identity map saves look-ups, but Salesforce may merge or delete a record behind it. When a
workflow fails because an Id it was given is gone, the entries it relied on are forgotten and it
runs once more, now with fresh look-ups. Any platform's workflow gets this by decoration.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from connector.crm.context import CrmServices
from connector.crm.policy import record_is_gone
from connector.observability import logger


def _forget_used(services: CrmServices) -> None:
    used = services.identities.used()
    logger.warning("identity map entries no longer valid in Salesforce: forgotten, retrying", extra={"n": len(used)})
    for kind, key in used:
        services.identities.forget(kind, key)


def heals_identity_map[E, S: CrmServices, R](workflow: Callable[[E, S], R]) -> Callable[[E, S], R]:
    """Run `workflow(event, services)`; if Salesforce says an Id it used is gone, forget the
    identity-map entries it read and run it once more."""

    @functools.wraps(workflow)
    def run(event: E, services: S) -> R:
        services.identities.begin()
        try:
            return workflow(event, services)
        except Exception as exc:
            if not record_is_gone(exc) or not services.identities.used():
                raise
        _forget_used(services)
        return workflow(event, services)

    return run


def heals_identity_map_in_batch[E, S: CrmServices, R](
    single: Callable[[E, S], R],
) -> Callable[[Callable[[Sequence[E], S], list[R | Exception]]], Callable[[Sequence[E], S], list[R | Exception]]]:
    """For a batch workflow returning a result or an error per event: the events whose error says an
    Id is gone are run again one by one (with `single`), after the batch's entries are forgotten."""

    healed_single = heals_identity_map(single)

    def decorate(
        many: Callable[[Sequence[E], S], list[R | Exception]],
    ) -> Callable[[Sequence[E], S], list[R | Exception]]:
        @functools.wraps(many)
        def run(events: Sequence[E], services: S) -> list[R | Exception]:
            services.identities.begin()
            results = many(events, services)
            gone = {i for i, result in enumerate(results) if record_is_gone(result)}
            if not gone:
                return results
            _forget_used(services)
            return [_guarded(healed_single, events[i], services) if i in gone else r for i, r in enumerate(results)]

        return run

    return decorate


def _guarded[E, S, R](workflow: Callable[[E, S], R], event: E, services: S) -> R | Exception:
    try:
        return workflow(event, services)
    except Exception as exc:  # one event's failure is its own result in a batch
        return exc
