"""What verification finds, in words: the unmocked calls a test's code swallowed, and the report of a test that had
already failed.

When the test's body has failed, verification runs all the same, but its findings are often consequences of that
failure (a step left unused because the code stopped early, interactions the test never reached the assertions of).
The runners then add them to the failure's report (``after_failure``) instead of failing the test a second time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._render import bullet_list
from .errors import BigfootError

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._verifier import StrictVerifier
    from .errors import UnmockedInteractionError

AFTER_FAILURE = "After the failure above, bigfoot's verification also found (often a consequence of it):"
"""The first line of the findings added to a failed test's report."""


def _first_line(error: UnmockedInteractionError) -> str:
    return str(error).split("\n", 1)[0]


def unmocked_section(swallowed: Sequence[UnmockedInteractionError], first: UnmockedInteractionError | None) -> str:
    """The verification report's part on the unmocked calls the code swallowed.

    ``first`` is the test's first unmocked call, swallowed or not. The calls made after it (a ``conn.close()`` in a
    ``finally``, a transaction's rollback) are listed as its likely consequences, one line each, not as new problems.
    """
    if first is None:
        first = swallowed[0]
    later = [error for error in swallowed if error is not first]
    if first in swallowed:
        text = f"{len(swallowed)} unmocked call(s) were made and swallowed by the code under test:\n{first}"
        if later:
            text = (
                f"An unmocked call was made and swallowed by the code under test:\n{first}\n"
                f"It was followed by {len(later)} call(s) made after it (likely cleanup), unmocked too:\n"
                + bullet_list(_first_line(error) for error in later)
            )
        return text
    return (
        f"The unmocked call that reached the test ({_first_line(first)}) was followed by {len(later)} call(s) made "
        "after it (likely cleanup), unmocked too and swallowed by the code under test:\n"
        + bullet_list(_first_line(error) for error in later)
    )


def after_failure(verifier: StrictVerifier) -> str | None:
    """Verify the verifier of a test that has already failed; what verification found, as text for that failure's
    report, or None when it found nothing."""
    try:
        verifier.verify_all()
    except BigfootError as error:
        return f"{AFTER_FAILURE}\n{type(error).__name__}: {error}"
    return None
