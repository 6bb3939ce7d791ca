"""unittest and Django integration: a fresh verifier per test, verified when the test ends."""

from __future__ import annotations

import sys
import unittest
from contextvars import Token
from typing import Any

from . import _guard, _recording, _registry, _settings, _validating
from ._current import install, uninstall
from ._sandbox import close_open, mark_surfaced
from ._verifier import StrictVerifier

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks

__all__ = ["BigfootMixin", "BigfootTestCase"]


def _is_isolated_async(test: object) -> bool:
    module = sys.modules.get("unittest.async_case")
    return module is not None and isinstance(test, module.IsolatedAsyncioTestCase)


class BigfootMixin:
    """Gives each test a fresh ``StrictVerifier`` and verifies it when the test ends.

    Put it before the test case class: ``class MyTest(BigfootMixin, unittest.IsolatedAsyncioTestCase)``.
    On ``IsolatedAsyncioTestCase`` the verifier is installed in ``asyncSetUp`` and verified in ``asyncTearDown``;
    on other test cases (Django's ``SimpleTestCase``/``TestCase``, whose async tests run through ``async_to_sync``)
    in ``setUp`` and ``tearDown``. Overrides that call ``super()`` compose with it. Problems found by verification
    are reported as a failure of the test; the verifier is uninstalled either way.

    Inside the test, each registered plugin is an attribute named by its hint name (``self.asyncpg_mock``),
    ``self.bigfoot_verifier`` is the verifier, and ``bigfoot.asyncpg_mock`` and ``with bigfoot:`` work as under
    pytest.
    """

    bigfoot_verifier: StrictVerifier
    _bigfoot_token: Token[StrictVerifier | None] | None = None
    _bigfoot_validate: str | None = None  # validate mode's target (see bigfoot._validating)

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes the test case lacks: the plugins, by hint name, created on first use.
        registration = _registry.find(name)
        if registration is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return registration.plugin_for(self._bigfoot_require())

    def __getstate__(self) -> dict[str, Any]:
        # Django's parallel runner pickles the test case with each failed subtest, after the test has ended: the
        # verifier (plugins, fakes, recorded callbacks) and its context token stay behind in the worker.
        parent = getattr(super(), "__getstate__", None)
        state = dict(parent() if parent is not None else self.__dict__)
        state.pop("bigfoot_verifier", None)
        state.pop("_bigfoot_token", None)
        return state

    def _bigfoot_require(self) -> StrictVerifier:
        verifier = self.__dict__.get("bigfoot_verifier")
        if verifier is None:
            from .errors import NoActiveVerifierError

            raise NoActiveVerifierError(
                f"{type(self).__name__} has no bigfoot verifier yet: it is installed in asyncSetUp (setUp on "
                "non-asyncio test cases). If you override that method, call super() first."
            )
        return verifier  # type: ignore[no-any-return]

    def _bigfoot_start(self) -> None:
        verifier = StrictVerifier()
        verifier.settings = _settings.for_unittest(self)  # first: a bad setting fails the test before anything starts
        verifier.hint_owner = "self"
        _recording.start_test(verifier, self)
        self._bigfoot_validate = _validating.start_test(verifier, self)
        self.bigfoot_verifier = verifier
        _guard.start(verifier)
        self._bigfoot_token = install(verifier)

    def _bigfoot_finish(self) -> None:
        token, self._bigfoot_token = self._bigfoot_token, None
        if token is None:
            return
        try:
            close_open(self.bigfoot_verifier)
            _guard.stop(self.bigfoot_verifier)
            self.bigfoot_verifier.verify_all()
            if self._bigfoot_validate is not None:
                _validating.finish_test(self.bigfoot_verifier, self, self._bigfoot_validate)
        finally:
            _guard.stop(self.bigfoot_verifier)
            uninstall(token)
            if self.bigfoot_verifier.record_target is not None:
                _recording.finish_test(self.bigfoot_verifier, self)

    def _callTestMethod(self, method: Any) -> None:
        try:
            super()._callTestMethod(method)  # type: ignore[misc]
        except BaseException as exc:
            # The test failed with it: unmocked calls inside (chained or in an exception group) were seen.
            verifier = self.__dict__.get("bigfoot_verifier")
            if verifier is not None:
                mark_surfaced(verifier, exc)
            raise

    def setUp(self) -> None:
        """Off ``IsolatedAsyncioTestCase``, install a fresh verifier (starting record or validate mode if on) for the
        test; then run the test case's own ``setUp``."""
        if not _is_isolated_async(self):
            self._bigfoot_start()
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        """Run the test case's own ``tearDown``; then, off ``IsolatedAsyncioTestCase``, close open sandboxes, verify,
        uninstall the verifier and write any recording."""
        try:
            super().tearDown()  # type: ignore[misc]
        finally:
            if not _is_isolated_async(self):
                self._bigfoot_finish()

    async def asyncSetUp(self) -> None:
        """Install a fresh verifier for the test (starting record or validate mode if on); then run the test case's own
        ``asyncSetUp``."""
        self._bigfoot_start()
        await super().asyncSetUp()  # type: ignore[misc]

    async def asyncTearDown(self) -> None:
        """Run the test case's own ``asyncTearDown``; then close open sandboxes, verify, uninstall the verifier and
        write any recording."""
        try:
            await super().asyncTearDown()  # type: ignore[misc]
        finally:
            self._bigfoot_finish()


class BigfootTestCase(BigfootMixin, unittest.IsolatedAsyncioTestCase):
    """An ``IsolatedAsyncioTestCase`` with bigfoot's verifier: see ``BigfootMixin``."""
