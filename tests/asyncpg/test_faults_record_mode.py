"""Record mode covers the Connection methods faults.py added: codec resets are recorded as steps and replay."""

from __future__ import annotations

from typing import Any

from bigfoot import StrictVerifier, _recording

from .test_record_mode import dsn_of, paste
from .test_record_mode_in_process import run

CODECS_TEST = """
import asyncio

import asyncpg
import bigfoot


async def work(ended):
    conn = await asyncpg.connect(host="db.invalid")
    conn.add_termination_listener(ended.append)
    await conn.set_builtin_type_codec("int4", schema="pg_catalog", codec_name="int4")
    await conn.reset_type_codec("int4", schema="pg_catalog")
    await conn.reload_schema_state()
    assert conn.get_reset_query().endswith("RESET ALL;")
    total = await conn.fetchval("SELECT 2 + 2")
    await conn.close()
    await asyncio.sleep(0)
    return conn, total


async def test_app():
    ended = []
    # RECORDED SCRIPT
    async with bigfoot:
        conn, total = await work(ended)
    # RECORDED ASSERTIONS
    assert total == 4 and ended == [conn]
"""


async def test_codec_resets_round_trip(postgres: dict[str, str]) -> None:
    recording = StrictVerifier()
    recording.record_target = dsn_of(postgres)
    await run(CODECS_TEST, recording)
    text: Any = _recording.render(recording, "test_app.py::test_app", partial=False)
    assert text is not None
    assert ".expect('set_builtin_type_codec')" in text and ".expect('reset_type_codec')" in text
    await run(paste(CODECS_TEST, text), StrictVerifier())
