"""The plugin registry (bigfoot._registry): registering, finding, lazy loading, and the secrets plugins declare."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

import pytest

import bigfoot
from bigfoot import BasePlugin, InvalidStateError, StepSpec, StrictVerifier, UnassertedInteractionsError, _registry
from bigfoot._render import call_args, mask_text
from bigfoot._secrets import Secret, seal_value

from .subprocess_plugin import REGISTRATION, SubprocessPlugin

MISSING_MODULE = "bigfoot_tests_no_such_library"


class EchoPlugin(BasePlugin):
    """A plugin that intercepts nothing: scripts and records only, as a plugin's own unit tests would use it."""

    hint_name: ClassVar[str] = "echo_mock"
    step_specs: ClassVar[Mapping[str, StepSpec]] = {"say": StepSpec("say")}

    def say(self, **fields: Any) -> None:
        session = self.take_session("say", fields)
        self.call(session, "say", fields)


@pytest.fixture
def cleanup() -> Iterator[Callable[[str], None]]:
    """Unregisters, after the test, the hint names the test registered."""
    names: list[str] = []
    yield names.append
    for name in names:
        if _registry.find(name) is not None:
            bigfoot.unregister_plugin(name)


def test_register_makes_the_hint_name_a_module_attribute_and_unregister_removes_it(
    cleanup: Callable[[str], None], bigfoot_verifier: StrictVerifier
) -> None:
    cleanup("echo_mock")
    registration = bigfoot.register_plugin(EchoPlugin)
    assert (registration.hint_name, registration.target, registration.requires) == ("echo_mock", EchoPlugin, None)
    assert repr(registration) == "<bigfoot plugin registration 'echo_mock'>"
    assert bigfoot.echo_mock is registration.proxy  # type: ignore[attr-defined]
    assert _registry.find("echo_mock") is registration and registration in _registry.registrations()
    assert bigfoot.register_plugin(EchoPlugin) is registration  # registering again is harmless
    bigfoot.echo_mock.new_session().expect("say")  # type: ignore[attr-defined]
    bigfoot.echo_mock.say(text="hi")  # type: ignore[attr-defined]
    assert isinstance(bigfoot_verifier.get_plugin(EchoPlugin), EchoPlugin)
    bigfoot.echo_mock.verifier.assert_interaction(bigfoot.echo_mock.source("say"), text="hi")  # type: ignore[attr-defined]
    bigfoot.unregister_plugin("echo_mock")
    assert _registry.find("echo_mock") is None
    with pytest.raises(AttributeError, match="module 'bigfoot' has no attribute 'echo_mock'"):
        bigfoot.echo_mock  # type: ignore[attr-defined]
    with pytest.raises(KeyError) as info:
        bigfoot.unregister_plugin("echo_mock")
    assert info.value.args == ("no plugin is registered under 'echo_mock'",)


def test_a_hint_name_is_taken_once(cleanup: Callable[[str], None]) -> None:
    with pytest.raises(ValueError) as info:
        bigfoot.register_plugin("elsewhere:Other", hint_name="subprocess_mock")
    assert str(info.value) == (
        "register_plugin(): the hint name 'subprocess_mock' is taken by "
        "<class 'tests.core.subprocess_plugin.SubprocessPlugin'>; choose another name or unregister that plugin first."
    )

    class Impostor(SubprocessPlugin):
        pass

    with pytest.raises(ValueError, match="the hint name 'subprocess_mock' is taken"):
        bigfoot.register_plugin(Impostor)
    assert bigfoot.subprocess_mock is REGISTRATION.proxy


def test_a_hint_name_must_be_an_identifier_that_agrees_with_the_class() -> None:
    with pytest.raises(ValueError) as info:
        bigfoot.register_plugin("somewhere:Plugin")
    assert str(info.value) == (
        "register_plugin(): a plugin needs a hint name that is a Python identifier (set hint_name on the class or "
        "pass hint_name=...), got None."
    )
    with pytest.raises(ValueError, match=r"identifier .*, got 'not-valid'\.$"):
        bigfoot.register_plugin("somewhere:Plugin", hint_name="not-valid")
    with pytest.raises(ValueError) as info:
        bigfoot.register_plugin(EchoPlugin, hint_name="other_mock")
    assert str(info.value) == (
        "register_plugin(): EchoPlugin.hint_name is 'echo_mock' but hint_name='other_mock' was given; they must agree."
    )
    assert _registry.find("other_mock") is None and _registry.find("echo_mock") is None


def test_a_plugin_given_as_module_and_class_is_imported_on_first_use(
    cleanup: Callable[[str], None], bigfoot_verifier: StrictVerifier
) -> None:
    cleanup("lazy_echo_mock")

    class LazyEcho(EchoPlugin):
        hint_name = "lazy_echo_mock"

    globals()["LazyEcho"] = LazyEcho  # reachable as "tests.core.test_registry:LazyEcho"
    try:
        registration = bigfoot.register_plugin("tests.core.test_registry:LazyEcho", hint_name="lazy_echo_mock")
        assert registration.target == "tests.core.test_registry:LazyEcho" and registration.available()
        assert registration.plugin_class() is LazyEcho
        assert isinstance(registration.plugin_for(bigfoot_verifier), LazyEcho)
        assert registration.patches() == []  # it intercepts nothing
    finally:
        del globals()["LazyEcho"]


def test_a_plugin_whose_library_is_missing_says_how_to_install_it(
    cleanup: Callable[[str], None], bigfoot_verifier: StrictVerifier
) -> None:
    cleanup("ghost_mock")
    cleanup("bare_ghost_mock")
    registration = bigfoot.register_plugin(
        f"{MISSING_MODULE}.plugin:GhostPlugin",
        hint_name="ghost_mock",
        requires=MISSING_MODULE,
        install_hint="pip install ghost-library",
    )
    assert not registration.available()
    with pytest.raises(ImportError) as info:
        bigfoot.ghost_mock.new_session()  # type: ignore[attr-defined]
    assert str(info.value) == (
        f"bigfoot.ghost_mock needs {MISSING_MODULE}, which is not installed. Install it with: pip install ghost-library"
    )
    bare = bigfoot.register_plugin(f"{MISSING_MODULE}:Ghost", hint_name="bare_ghost_mock", requires=MISSING_MODULE)
    with pytest.raises(ImportError) as info:
        bare.plugin_class()
    assert str(info.value) == (
        f"bigfoot.bare_ghost_mock needs {MISSING_MODULE}, which is not installed. "
        f"Install it with: pip install {MISSING_MODULE}"
    )
    # A missing library leaves the other plugins working: sandboxes open, and its plugin intercepts nothing.
    assert registration.patches() == []
    bigfoot.subprocess_mock.new_session().expect("run", returns=subprocess.CompletedProcess(["ls"], 0))
    with bigfoot:
        subprocess.run(["ls"])
    bigfoot.subprocess_mock.assert_run(popenargs=[["ls"]])


def test_registering_or_unregistering_while_a_sandbox_is_open_is_refused(cleanup: Callable[[str], None]) -> None:
    cleanup("echo_mock")
    with StrictVerifier().sandbox():
        with pytest.raises(InvalidStateError) as info:
            bigfoot.register_plugin(EchoPlugin)
        assert str(info.value) == ("register_plugin() cannot run while a sandbox is open; register plugins at import.")
        with pytest.raises(InvalidStateError) as info:
            bigfoot.unregister_plugin("subprocess_mock")
        assert str(info.value) == "unregister_plugin() cannot run while a sandbox is open."
    assert _registry.find("echo_mock") is None and _registry.find("subprocess_mock") is REGISTRATION


def test_secret_fields_are_masked_in_messages_and_leave_with_their_plugin(cleanup: Callable[[str], None]) -> None:
    cleanup("echo_mock")
    assert "env" in _registry.secret_fields() and "api_key" not in _registry.secret_fields()
    assert call_args({"api_key": "k", "env": {"A": "b"}, "env_none": None}) == "api_key='k', env='***', env_none=None"
    bigfoot.register_plugin(EchoPlugin, secret_fields={"api_key"})
    assert call_args({"api_key": "k", "env": None}) == "api_key='***', env=None"  # None hides nothing
    verifier = StrictVerifier()
    echo = EchoPlugin(verifier)
    echo.new_session().expect("say")
    echo.say(text="hi", api_key="k-123")
    with pytest.raises(UnassertedInteractionsError) as info:
        verifier.verify_all()
    assert str(info.value) == (
        "1 interaction(s) were not asserted. Assert them, in this order:\n"
        "    bigfoot.echo_mock.assert_say(text='hi', api_key='***')\n"
        "(Masked secrets show as '***': put the real value or unittest.mock.ANY there.)"
    )
    bigfoot.unregister_plugin("echo_mock")
    assert "api_key" not in _registry.secret_fields() and "env" in _registry.secret_fields()


def test_mask_text_of_every_plugin_is_applied(cleanup: Callable[[str], None]) -> None:
    cleanup("echo_mock")
    assert mask_text("run --token=abc --x") == "run --token=*** --x"
    assert call_args({"popenargs": [["run", "--token=abc"]]}) == "popenargs=[['run', '--token=***']]"
    bigfoot.register_plugin(EchoPlugin, mask_text=lambda text: text.replace("sesame", "***"))
    assert mask_text("open sesame --token=abc") == "open *** --token=***"
    assert _registry.find("echo_mock").mask_text("sesame") == "***"  # type: ignore[union-attr]
    assert REGISTRATION.mask_text("sesame") == "sesame"
    bigfoot.unregister_plugin("echo_mock")
    assert mask_text("open sesame") == "open sesame"


def test_a_text_found_clean_is_searched_again_once_a_plugin_masks_more(cleanup: Callable[[str], None]) -> None:
    cleanup("echo_mock")
    assert seal_value("text", "open sesame") == "open sesame"  # clean now, and remembered as clean
    assert type(seal_value("text", "open sesame")) is str
    bigfoot.register_plugin(EchoPlugin, mask_text=lambda text: text.replace("sesame", "***"))
    sealed = seal_value("text", "open sesame")
    assert type(sealed) is Secret and sealed == "open sesame" and repr(sealed) == "<masked 'open ***'>"
    bigfoot.unregister_plugin("echo_mock")
    assert type(seal_value("text", "open sesame")) is str


def test_numbers_are_not_text_and_hold_a_secret_only_in_a_secret_field(cleanup: Callable[[str], None]) -> None:
    cleanup("echo_mock")
    bigfoot.register_plugin(EchoPlugin, secret_fields={"pin"}, mask_text=lambda text: text.replace("1234", "***"))
    assert [type(seal_value("port", value)) for value in (1234, 12.34, True)] == [int, float, bool]
    sealed = seal_value("pin", 1234)
    assert type(sealed) is Secret and sealed == 1234 and repr(sealed) == "<masked '***'>"
    assert type(seal_value("ports", [1234])) is list and type(seal_value("ports", ["1234"])) is Secret
    assert call_args({"port": 1234, "ports": [1234], "names": ["1234"]}) == "port=1234, ports=[1234], names=['***']"
