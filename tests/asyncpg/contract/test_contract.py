"""Every scenario, against a real PostgreSQL and against bigfoot: what the code observes must be the same."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from bigfoot import StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin

from .scenarios import SCENARIOS, Database


async def _settle(channel: str, payload: str) -> None:
    # The real server delivers the NOTIFY on its own; give it a moment to arrive over the socket.
    await asyncio.sleep(0.2)


def run_real(name: str, params: dict[str, str]) -> list[object]:
    db = Database(params, _settle)
    asyncio.run(SCENARIOS[name][1](db))
    return db.observations


def run_fake(name: str, params: dict[str, str]) -> list[object]:
    script, run = SCENARIOS[name]
    verifier = StrictVerifier()
    plugin = AsyncpgPlugin(verifier)
    script(plugin)

    async def deliver(channel: str, payload: str) -> None:
        await plugin.notify(channel, payload)

    db = Database(params, deliver)

    async def in_sandbox() -> None:
        async with verifier.sandbox():
            await run(db)

    contextvars.Context().run(asyncio.run, in_sandbox())
    # The script must be exactly what the code used: no unused step, no unmocked call.
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()
    return db.observations


def test_there_are_at_least_twenty_scenarios() -> None:
    assert len(SCENARIOS) >= 20


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_observes_the_same(name: str, postgres: dict[str, str]) -> None:
    real = run_real(name, postgres)
    fake = run_fake(name, postgres)
    assert real, "the scenario observed nothing"
    for (label, seen_real), (fake_label, seen_fake) in zip(real, fake, strict=True):
        assert (fake_label, seen_fake) == (label, seen_real)
    assert len(fake) == len(real)
