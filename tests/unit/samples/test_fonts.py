"""Chinese fonts found through fontconfig, under a font layout of the test's making.

Each test points fontconfig (``FONTCONFIG_FILE``) at a configuration listing
one folder the test fills, so "only this font is installed" is real for
``fc-list`` and ``fc-match``, not a patched function.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from samples.canvas import load_font
from samples.errors import FontNotFoundError
from samples.fonts import FAMILIES, FontFace, find_face


@pytest.fixture(autouse=True)
def _fresh_lookup(fresh_fonts: None) -> None:
    """Every test looks the fonts up again, and leaves no answer behind for others."""


def system_fonts(pattern: str) -> set[str]:
    """The font files the machine's own fontconfig lists for ``pattern``."""
    fc_list = shutil.which("fc-list")
    assert fc_list, "fontconfig is installed (make fonts)"
    listed = subprocess.run(
        [fc_list, "--format", r"%{file}\n", pattern], capture_output=True, text=True, check=True
    )
    return set(listed.stdout.split())


def system_face(pattern: str) -> Path:
    listed = system_fonts(pattern)
    assert listed, f"no installed font matches {pattern!r} (run `make fonts`)"
    return Path(sorted(listed)[0])


def only_these_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *fonts: Path) -> Path:
    """Make fontconfig see exactly ``fonts`` (symlinked into one folder)."""
    folder = tmp_path / "fonts"
    folder.mkdir()
    for font in fonts:
        (folder / font.name).symlink_to(font)
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><dir>{folder}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    return folder


def noto_sans_cjk() -> Path:
    return system_face("Noto Sans CJK SC:style=Regular")


class TestFindFace:
    def test_every_family_resolves_with_one_cjk_font_anywhere(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        folder = only_these_fonts(tmp_path, monkeypatch, noto_sans_cjk())
        faces = {family: find_face(family) for family in FAMILIES}
        assert {face.path.parent for face in faces.values()} == {folder}
        # Serif and handwriting fall back to a face that covers Chinese.
        assert faces["kai"].family.startswith("Noto Sans")
        assert faces["sans"] == FontFace(
            path=folder / noto_sans_cjk().name, index=2, family="Noto Sans CJK SC", style="Regular"
        )

    def test_prefers_the_named_faces_when_installed(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        kai = system_face("AR PL UKai CN")
        only_these_fonts(tmp_path, monkeypatch, noto_sans_cjk(), kai)
        assert find_face("kai").family == "AR PL UKai CN"
        assert find_face("mono").family == "Noto Sans Mono CJK SC"

    def test_a_latin_font_is_not_taken_for_a_chinese_one(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        latin = sorted(system_fonts(":lang=en") - system_fonts(":lang=zh-cn"))
        assert latin, "fontconfig's own dependencies install a Latin font"
        only_these_fonts(tmp_path, monkeypatch, Path(latin[0]))
        with pytest.raises(FontNotFoundError, match="fonts-noto-cjk") as raised:
            find_face("sans")
        assert raised.value.fontconfig is True

    def test_without_fontconfig_names_its_package(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("PATH", str(tmp_path))
        with pytest.raises(FontNotFoundError, match="apt-get install fontconfig ") as raised:
            find_face("serif")
        assert raised.value.fontconfig is False

    def test_loads_the_face_inside_a_collection(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        only_these_fonts(tmp_path, monkeypatch, noto_sans_cjk())
        font = load_font("mono", 40)
        assert font.getname() == ("Noto Sans Mono CJK SC", "Regular")
