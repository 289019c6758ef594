"""Every warning reaches the user once, as `feedletter: warning: …`, and changes no exit status."""

from __future__ import annotations

import re
import shutil

from tests.conftest import ROOT, run_cli

SETTINGS = """
[newsletter.lead]
"2022-11" = "A story of a month with no items"
"2022-12" = "No such story"

[[newsletter.sections]]
title = "News from the field"
categories = ["News", "Article", "Spotlight on Cooperative", "Nonexistent category"]
catch_all = true

[[newsletter.sections]]
title = "Shadowed"
categories = ["News"]
"""


def _site(tmp_path, extra: str = SETTINGS):
    shutil.copytree(ROOT / "examples" / "ilo-coop" / "pages", tmp_path / "pages")
    shutil.copytree(ROOT / "examples" / "ilo-coop" / "images", tmp_path / "images")  # the stories' pictures
    shutil.copy(ROOT / "examples" / "ilo-coop" / "stories.toml", tmp_path / "stories.toml")
    config = (ROOT / "examples" / "ilo-coop" / "feedletter.toml").read_text(encoding="utf-8")
    if "[[newsletter.sections]]" in extra:  # these sections instead of the example's
        config = re.sub(r"(?ms)^\[\[newsletter\.sections\]\].*?(?=^\[newsletter\.footer\])", "", config)
    config = config.replace("../../public", "public").replace("../../outbox", "outbox") + extra
    path = tmp_path / "feedletter.toml"
    path.write_text(config, encoding="utf-8")
    status, _, err = run_cli("--config", str(path), "ingest", *map(str, sorted((tmp_path / "pages").glob("*.txt"))))
    assert status == 0, err
    return str(path)


def warnings_of(err: str) -> list[str]:
    return [line.removeprefix("feedletter: warning: ") for line in err.splitlines()
            if line.startswith("feedletter: warning: ")]


def test_settings_that_name_nothing_are_told_once_by_build(tmp_path):
    config = _site(tmp_path)
    status, out, err = run_cli("--config", config, "build")
    assert status == 0 and out == ""
    told = warnings_of(err)
    assert "[newsletter.lead] 2022-11: no item is dated in 2022-11; it names nothing" in told
    assert ("[[newsletter.sections]] 'News from the field': no stored item has the category 'Spotlight on Cooperative'; "
            "did you mean 'Spotlight on Cooperatives'?") in told
    assert not any("Nonexistent" in w for w in told)  # no item has it yet: not a mistake
    assert any(w.startswith("[[newsletter.sections]] 'Shadowed': no item can reach this section") for w in told)
    assert "newsletter.lead.2022-12: no item of 2022-12 is titled 'No such story'; using the default lead" in told
    assert len(told) == len(set(told))
    status, _, err = run_cli("--config", config, "build")  # nothing changed: nothing told again
    assert status == 0 and err == ""


def test_the_newsletter_command_tells_what_its_issue_found(tmp_path):
    config = _site(tmp_path)
    status, _, err = run_cli("--config", config, "newsletter", "--month", "2022-12")
    assert status == 0
    assert warnings_of(err) == ["newsletter.lead.2022-12: no item of 2022-12 is titled 'No such story'; using the default lead"]


def test_run_tells_build_warnings_too(tmp_path):
    config = _site(tmp_path, SETTINGS + '\n[[sources]]\nname = "coop"\nlocation = "pages/000_28d58373e0df0093.txt"\n')
    status, _, err = run_cli("--config", config, "run")
    assert status == 0
    assert "[newsletter.lead] 2022-11: no item is dated in 2022-11; it names nothing" in warnings_of(err)


def test_the_example_sections_warn_of_nothing(tmp_path):
    config = _site(tmp_path, "")
    status, _, err = run_cli("--config", config, "build")
    assert status == 0 and err == ""
