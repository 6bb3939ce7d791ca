"""unittest and Django integration: a fresh verifier per test, verified when the test ends."""

from __future__ import annotations

import contextlib
import sys
import unittest
from collections.abc import Iterator
from contextvars import Token
from typing import Any

from . import _guard, _recording, _registry, _settings, _validating
from ._current import install, uninstall
from ._findings import after_failure
from ._frames import hide_frames, start_at
from ._sandbox import close_open, mark_surfaced
from ._verifier import StrictVerifier

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

__all__ = ["BigfootMixin", "BigfootTestCase"]


def _bases_in_order(cls: type) -> str:
    """``cls``'s bases as they should be written: those that bring the mixin first."""
    mixed = [base for base in cls.__bases__ if issubclass(base, BigfootMixin)]
    others = [base for base in cls.__bases__ if base not in mixed]
    return ", ".join(base.__name__ for base in mixed + others)


def _add_to_report(result: object, test: Any, failure: BaseException, found: str) -> None:
    """Append ``found`` to the text ``result`` keeps for ``failure``, the failure of ``test``'s body.

    The standard results keep each failure as text made when it was reported, before verification ran, so the note
    added to the exception (which later formatting shows) is appended to that text too.
    """
    kinds = ["failures" if isinstance(failure, test.failureException) else "errors", "expectedFailures"]
    for kind in kinds:
        entries = getattr(result, kind, None)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if isinstance(entry, tuple) and len(entry) == 2 and entry[0] is test and isinstance(entry[1], str):
                if found not in entry[1]:
                    separator = "" if entry[1].endswith("\n") else "\n"
                    entries[index] = (test, f"{entry[1]}{separator}{found}\n")
                return


def _drop_plugins(attributes: dict[str, Any]) -> None:
    """Take the test's plugins, which ``BigfootMixin.__getattr__`` keeps by hint name, out of ``attributes``."""
    for registration in _registry.registrations():
        attributes.pop(registration.hint_name, None)


def _is_isolated_async(test: object) -> bool:
    module = sys.modules.get("unittest.async_case")
    return module is not None and isinstance(test, module.IsolatedAsyncioTestCase)


if sys.version_info >= (3, 11):

    class _FindingsAfterRun:
        """Nothing: a failure's text gets verification's findings during teardown (see ``_bigfoot_verify``). An
        override of ``run()`` would put a frame under every task and callback of the test, which asyncio's debug mode
        (unittest's) walks each time."""

else:

    class _FindingsAfterRun:
        """Python 3.10 reports a failure after the test has run (its exceptions take no notes), so verification's
        findings are added to the failure's text then."""

        _bigfoot_failure: BaseException | None
        _bigfoot_found: str | None

        def run(self, result: unittest.TestResult | None = None) -> unittest.TestResult | None:
            """``TestCase.run``; verification's findings about a test whose body failed are added to that failure."""
            outcome: unittest.TestResult | None = super().run(result)  # type: ignore[misc]
            failure, found = self._bigfoot_failure, self._bigfoot_found
            self._bigfoot_failure = self._bigfoot_found = None
            if failure is not None and found is not None:
                _add_to_report(result if result is not None else outcome, self, failure, found)
            return outcome


class BigfootMixin(_FindingsAfterRun):
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
    _bigfoot_failure: BaseException | None = None  # what the test's body failed with, if it did
    _bigfoot_found: str | None = None  # what verification then found, for the failure's report
    _bigfoot_raised: BaseException | None = None  # the error verification raised for a body that passed

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        mro = cls.__mro__
        if unittest.TestCase in mro and mro.index(unittest.TestCase) < mro.index(BigfootMixin):
            # The test case's setUp/asyncSetUp does not call super(), so the mixin would never run.
            raise TypeError(
                f"{cls.__name__}: BigfootMixin must come before the test case class in the bases, or it never runs: "
                f"write class {cls.__name__}({_bases_in_order(cls)})."
            )

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes the test case lacks: the plugins, by hint name, created on first use. The test's
        # plugin is then kept as an attribute until the test ends (see _bigfoot_finish), so later uses of
        # `self.asyncpg_mock` find it as any attribute is found, without failing a lookup first.
        registration = _registry.find(name)
        if registration is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        plugin = registration.plugin_for(self._bigfoot_require())
        self.__dict__[name] = plugin
        return plugin

    def __getstate__(self) -> dict[str, Any]:
        # Django's parallel runner pickles the test case with each failed subtest, after the test has ended: the
        # verifier (plugins, fakes, recorded callbacks) and its context token stay behind in the worker.
        parent = getattr(super(), "__getstate__", None)
        state = dict(parent() if parent is not None else self.__dict__)
        state.pop("bigfoot_verifier", None)
        state.pop("_bigfoot_token", None)
        _drop_plugins(state)
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
            self._bigfoot_verify()
            if self._bigfoot_validate is not None:
                _validating.finish_test(self.bigfoot_verifier, self, self._bigfoot_validate)
        finally:
            _guard.stop(self.bigfoot_verifier)
            uninstall(token)
            try:
                if self.bigfoot_verifier.record_target is not None:
                    _recording.finish_test(self.bigfoot_verifier, self)
            finally:
                _drop_plugins(self.__dict__)
                self.bigfoot_verifier._release()  # nothing of the test is left in reference cycles
                if sys.version_info >= (3, 11):
                    self._bigfoot_failure = None  # reported (run() reads it after the test on Python 3.10)

    def _bigfoot_verify(self) -> None:
        """Verify; when the body has failed, what verification finds goes to that failure's report instead."""
        failure = self._bigfoot_failure
        if failure is None:
            try:
                self.bigfoot_verifier.verify_all()
            except BaseException as error:
                self._bigfoot_raised = error  # reported without a traceback: see _callTearDown
                raise
            return
        found = after_failure(self.bigfoot_verifier)
        if found is None:
            return
        if sys.version_info >= (3, 11):
            # Shown wherever the failure is formatted from now on; unittest has formatted it already (it reports a
            # failure as it happens), so the text it keeps gets the note too.
            failure.add_note(found)
            result = getattr(getattr(self, "_outcome", None), "result", None)
            if result is not None:
                _add_to_report(result, self, failure, found)
        else:
            self._bigfoot_found = found  # Python 3.10 formats the failure after the test: see run()

    def _bigfoot_failed(self, exc: BaseException) -> None:
        # The test failed with it: unmocked calls inside (chained or in an exception group) were seen.
        verifier = self.__dict__.get("bigfoot_verifier")
        if verifier is not None:
            mark_surfaced(verifier, exc)
        hide_frames(exc)

    def _callTestMethod(self, method: Any) -> None:
        try:
            super()._callTestMethod(method)  # type: ignore[misc]
        except BaseException as exc:
            self._bigfoot_failed(exc)
            start_at(exc, method)
            if not isinstance(exc, unittest.SkipTest):
                self._bigfoot_failure = exc
            raise exc  # with the traceback as hide_frames left it (a bare raise would restore it on 3.10)

    def _callTearDown(self) -> None:
        try:
            super()._callTearDown()  # type: ignore[misc]
        except BaseException as exc:
            hide_frames(exc)
            if exc is self._bigfoot_raised:
                exc.__traceback__ = None  # found at the end of the test: no line of it to point at
            raise exc  # with the traceback as hide_frames left it (a bare raise would restore it on 3.10)
        finally:
            self._bigfoot_raised = None

    @contextlib.contextmanager
    def subTest(self, *args: Any, **params: Any) -> Iterator[None]:
        """``TestCase.subTest``; an unmocked call that fails a subtest is reported by that subtest only."""
        with super().subTest(*args, **params):  # type: ignore[misc]
            try:
                yield
            except BaseException as exc:
                self._bigfoot_failed(exc)
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
