"""The upkeep files agree with each other: tox runs what README.md tells a newcomer to run, covers every Python that
setup.cfg claims and the oldest asyncpg it accepts, and every tool that runs ruff runs the same release."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_command(name: str) -> str:
    """The fenced command between <!-- NAME --> and <!-- /NAME --> in README.md, as .ci/run reads it."""
    text = (ROOT / "README.md").read_text()
    found = re.search(rf"^<!-- {name} -->\n```\w*\n(?P<command>.*?)\n```\n<!-- /{name} -->$", text, re.M | re.S)
    assert found, f"README.md has no {name} block"
    return found["command"]


def tox_ini() -> configparser.ConfigParser:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini")
    return config


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def envlist() -> list[str]:
    return [env.strip() for env in tox_ini()["tox"]["envlist"].split(",")]


def readme_steps(command: str) -> list[str]:
    """The steps of a README command that follow its install step, as tox writes them (no `.venv/bin/` prefix)."""
    steps = [step.strip() for step in command.split("&&")]
    installs = [i for i, step in enumerate(steps) if "pip install" in step]
    assert installs, f"no install step in {command!r}"
    return [step.removeprefix(".venv/bin/") for step in steps[installs[-1] + 1 :]]


def test_readme_steps_after_install() -> None:
    # readme_steps on a command shaped like README's: only what follows the install step, without .venv/bin/
    steps = readme_steps("python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m mypy")
    assert steps == ["python -m mypy"]


def test_every_py3x_env_runs_exactly_the_readme_test_command() -> None:
    config = tox_ini()
    expected = readme_steps(readme_command("test-command"))
    assert expected, "README.md's test command runs nothing after installing"
    assert lines(config["testenv"]["commands"]) == expected
    python_envs = [env for env in envlist() if re.fullmatch(r"py3\d+", env)]
    assert python_envs
    for env in python_envs:  # none of them runs commands of its own
        section = f"testenv:{env}"
        assert not (config.has_section(section) and "commands" in config[section]), env


def test_the_asyncpg_envs_run_steps_of_the_readme_test_command() -> None:
    config = tox_ini()
    expected = readme_steps(readme_command("test-command"))
    asyncpg_envs = [env for env in envlist() if env.startswith("asyncpg-")]
    assert sorted(asyncpg_envs) == ["asyncpg-newest", "asyncpg-oldest"]
    for env in asyncpg_envs:
        commands = lines(config[f"testenv:{env}"]["commands"])
        assert commands and all(command in expected for command in commands), env


def test_tox_has_an_env_for_every_python_setup_cfg_claims() -> None:
    setup = configparser.ConfigParser(interpolation=None)
    setup.read(ROOT / "setup.cfg")
    claimed = re.findall(r"Programming Language :: Python :: 3\.(\d+)$", setup["metadata"]["classifiers"], re.M)
    assert claimed
    assert sorted(env for env in envlist() if re.fullmatch(r"py3\d+", env)) == sorted(f"py3{n}" for n in claimed)
    oldest = min(int(n) for n in claimed)
    assert setup["options"]["python_requires"] == f">=3.{oldest}"
    assert f'target-version = "py3{oldest}"' in (ROOT / "pyproject.toml").read_text()


def test_asyncpg_oldest_runs_the_floor_setup_cfg_declares() -> None:
    setup = configparser.ConfigParser(interpolation=None)
    setup.read(ROOT / "setup.cfg")
    extras = setup["options.extras_require"]
    floors = {name: re.findall(r"^asyncpg>=(\S+)$", extras[name], re.M) for name in ("asyncpg", "test", "docs")}
    assert all(len(found) == 1 for found in floors.values()), floors
    assert len({found[0] for found in floors.values()}) == 1, floors
    oldest = tox_ini()["testenv:asyncpg-oldest"]
    (pin,) = lines(oldest["deps"])
    assert pin.startswith("asyncpg=="), pin
    pinned = pin.removeprefix("asyncpg==")
    assert release(pinned) == release(floors["asyncpg"][0])
    assert f"!= '{pinned}'" in oldest["commands_pre"]  # and the env checks that the pin held


def release(version: str) -> tuple[int, ...]:
    """0.32 and 0.32.0 alike: (0, 32, 0)."""
    parts = tuple(int(part) for part in version.split("."))
    return parts + (0,) * (3 - len(parts))


def test_one_ruff_release_everywhere() -> None:
    setup = configparser.ConfigParser(interpolation=None)
    setup.read(ROOT / "setup.cfg")
    pins = {
        "setup.cfg test extra": re.findall(r"^ruff==(\S+)$", setup["options.extras_require"]["test"], re.M),
        "tox.ini lint env": re.findall(r"^ruff==(\S+)$", tox_ini()["testenv:lint"]["deps"], re.M),
        ".pre-commit-config.yaml": re.findall(
            r"repo: \S+/ruff-pre-commit\s+rev: v?(\S+)", (ROOT / ".pre-commit-config.yaml").read_text()
        ),
    }
    assert all(len(found) == 1 for found in pins.values()), pins
    assert len({found[0] for found in pins.values()}) == 1, pins
