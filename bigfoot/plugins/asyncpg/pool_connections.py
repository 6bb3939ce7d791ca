"""The fake pool's physical connections, counted as asyncpg's pool counts them.

asyncpg's pool opens ``init_size`` connections when it is initialized, hands out an idle one on ``acquire`` (opening
a new one, up to ``max_size``, only when none is idle), keeps a released one open and idle, and runs ``init=`` once
per connection it opens. ``get_size()`` is the open connections, ``get_idle_size()`` the open ones not checked out.

The fake keeps the same counts without a server: a checkout is still one scripted session, which stands for the
physical connection it is given. ``init=`` runs in a checkout's session when that physical connection has not run it
yet: a connection opened for the checkout, one of the ``init_size`` opened at initialization on its first checkout,
or an idle one that ``expire_connections()`` marked for reconnection. A connection closed while checked out is gone,
as in asyncpg, and so is one released after ``expire_connections()`` (asyncpg closes it on its release);
``close()`` and ``terminate()`` leave none.
"""

from __future__ import annotations

from collections.abc import Hashable

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too


class PoolConnections:
    """Open connections of one fake pool: idle ones that ran ``init`` (``ready``), idle ones that must still run it
    (``fresh``), and for each checked-out one whether ``expire_connections()`` was called since it was taken."""

    __slots__ = ("open", "ready", "fresh", "out")

    def __init__(self) -> None:
        self.open = 0
        self.ready = 0
        self.fresh = 0
        self.out: dict[Hashable, bool] = {}  # checkout -> expired while out

    @property
    def idle(self) -> int:
        return self.ready + self.fresh

    def opened(self, count: int) -> None:
        """The pool was initialized: ``count`` connections are open and idle; init= has not run on them yet."""
        self.open = self.fresh = count

    def take(self, checkout: Hashable) -> bool:
        """A checkout gets a connection: an idle one if any (one that ran init first), else a new one.

        Returns whether ``init=`` must run on it.
        """
        self.out[checkout] = False
        if self.ready:
            self.ready -= 1
            return False
        if self.fresh:
            self.fresh -= 1
        else:
            self.open += 1
        return True

    def put_back(self, checkout: Hashable) -> None:
        """Released: the connection stays open and idle; expired while out, it is closed (asyncpg closes it on its
        release, and opens a new one, which runs init, for a later checkout)."""
        expired = self.out.pop(checkout, None)
        if expired is None:
            return
        if expired:
            self.open -= 1
        else:
            self.ready += 1

    def dropped(self, checkout: Hashable) -> None:
        """The checked-out connection was closed (or its init failed): the pool no longer has it."""
        if self.out.pop(checkout, None) is not None:
            self.open -= 1

    def expire(self) -> None:
        """``expire_connections()``: every connection reconnects, and runs init again, before its next use."""
        for checkout in self.out:
            self.out[checkout] = True
        self.fresh += self.ready
        self.ready = 0

    def closed(self) -> None:
        self.open = self.ready = self.fresh = 0
        self.out.clear()
