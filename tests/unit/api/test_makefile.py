"""``make fonts`` and ``make run`` as a fresh machine runs them.

``make fonts`` runs with ``dpkg`` and ``apt-get`` stand-ins first on the PATH:
the stand-in ``dpkg`` reports the packages the test says are installed, the
stand-in ``apt-get`` records what it was asked to do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
MAKE = shutil.which("make")
FONT_PACKAGES = ["fontconfig", "fonts-noto-cjk", "fonts-wqy-zenhei", "fonts-arphic-ukai"]

pytestmark = pytest.mark.skipif(
    MAKE is None and os.environ.get("CI") != "true", reason="make is not installed"
)

FAKE_DPKG = """#!/bin/sh
# dpkg -s PACKAGE, answered from $INSTALLED (installed) and $REMOVED (config files left).
[ "$1" = "-s" ] || exit 2
state=""
case " $INSTALLED " in *" $2 "*) state="install ok installed";; esac
case " $REMOVED " in *" $2 "*) state="deinstall ok config-files";; esac
if [ -n "$state" ]; then printf 'Package: %s\\nStatus: %s\\n' "$2" "$state"; exit 0; fi
echo "dpkg-query: package '$2' is not installed" >&2
exit 1
"""
FAKE_APT = """#!/bin/sh
echo "$*" >> "$APT_LOG"
"""


def run_make(
    tmp_path: Path, target: str, *, installed: list[str], removed: tuple[str, ...] = ()
) -> list[str]:
    """Run ``make TARGET``; returns the apt-get calls made."""
    assert MAKE is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, script in (("dpkg", FAKE_DPKG), ("apt-get", FAKE_APT)):
        (bin_dir / name).write_text(script, encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "apt.log"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "INSTALLED": " ".join(installed),
        "REMOVED": " ".join(removed),
        "APT_LOG": str(log),
    }
    done = subprocess.run(
        [MAKE, "-s", "-C", str(REPO), target],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


class TestFonts:
    def test_installs_only_the_missing_packages(self, tmp_path: Path) -> None:
        calls = run_make(tmp_path, "fonts", installed=["fontconfig", "fonts-noto-cjk"])
        assert calls == ["update -qq", "install -y -qq fonts-wqy-zenhei fonts-arphic-ukai"]

    def test_one_cjk_font_does_not_hide_the_others(self, tmp_path: Path) -> None:
        calls = run_make(tmp_path, "fonts", installed=["fonts-noto-cjk"])
        assert calls[-1] == "install -y -qq fontconfig fonts-wqy-zenhei fonts-arphic-ukai"

    def test_a_removed_package_counts_as_missing(self, tmp_path: Path) -> None:
        calls = run_make(
            tmp_path,
            "fonts",
            installed=["fontconfig", "fonts-noto-cjk", "fonts-wqy-zenhei"],
            removed=("fonts-arphic-ukai",),
        )
        assert calls[-1] == "install -y -qq fonts-arphic-ukai"

    def test_nothing_to_do_when_all_are_installed(self, tmp_path: Path) -> None:
        assert run_make(tmp_path, "fonts", installed=FONT_PACKAGES) == []


def dry_run(*args: str, env: dict[str, str] | None = None) -> str:
    """What ``make -n run`` would run (it runs nothing), without HOST/PORT unless given."""
    assert MAKE is not None
    base = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT")}
    done = subprocess.run(
        [MAKE, "-n", "-C", str(REPO), "run", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def serve_line(*args: str, env: dict[str, str] | None = None) -> str:
    (line,) = [line for line in dry_run(*args, env=env).splitlines() if "intake serve" in line]
    return line


class TestRun:
    def test_listens_on_localhost_8000_by_default(self) -> None:
        assert "intake serve --host 127.0.0.1 --port 8000 " in serve_line()

    def test_honours_host_and_port_from_the_environment(self) -> None:
        line = serve_line(env={"HOST": "192.0.2.7", "PORT": "9123"})
        assert "--host 192.0.2.7 --port 9123 " in line

    def test_honours_host_and_port_on_the_command_line(self) -> None:
        assert "--port 9124 " in serve_line("PORT=9124")

    def test_installs_the_fonts_first(self) -> None:
        planned = dry_run()
        assert "fonts-noto-cjk" in planned
        assert planned.index("dpkg -s") < planned.index("intake serve")

    def test_the_readme_says_how(self) -> None:
        readme = (REPO / "README.md").read_text(encoding="utf-8")
        assert "make run PORT=9000" in readme
        assert "HOST=0.0.0.0 PORT=9000 make run" in readme
