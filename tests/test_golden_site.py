"""The whole site and e-mail package that `make demo` writes, byte for byte.

The bundled ILO COOP sample site is run (its five pages and its stories with pictures read, then built) and its
December 2022 issue packaged by the real commands at a fixed clock; every file they write is compared
with tests/golden/site/. `pytest --update-golden` rewrites the golden tree after a
change that is meant to alter the output (read the diff first)."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import GOLDEN, ROOT, run_cli
from tests.feed_samples import output_tree

EXAMPLE = ROOT / "examples" / "ilo-coop"
GOLDEN_SITE = GOLDEN / "site"


@pytest.fixture(scope="module")
def demo_tree(tmp_path_factory) -> dict[str, bytes]:
    """public/ and outbox/ as the demo's commands write them, keyed 'public/…', 'outbox/…'."""
    site = tmp_path_factory.mktemp("demo")
    shutil.copytree(EXAMPLE / "pages", site / "pages")
    shutil.copytree(EXAMPLE / "images", site / "images")
    shutil.copy(EXAMPLE / "stories.toml", site / "stories.toml")
    config = (EXAMPLE / "feedletter.toml").read_text(encoding="utf-8")
    config = config.replace('output = "../../public"', 'output = "public"').replace(
        'outbox = "../../outbox"', 'outbox = "outbox"')
    (site / "feedletter.toml").write_text(config, encoding="utf-8")
    for command in (["run"], ["newsletter", "--month", "2022-12"]):
        status, _out, err = run_cli("--config", str(site / "feedletter.toml"), *command)
        assert status == 0, (command, err)
    return {f"{top}/{name}": data for top in ("public", "outbox") for name, data in output_tree(site / top).items()}


def test_the_demo_writes_the_golden_site(demo_tree, update_golden):
    if update_golden:
        shutil.rmtree(GOLDEN_SITE, ignore_errors=True)
        for name, data in demo_tree.items():
            (GOLDEN_SITE / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN_SITE / name).write_bytes(data)
        return
    golden = output_tree(GOLDEN_SITE)
    assert sorted(demo_tree) == sorted(golden), "the demo writes other files than the golden site holds"
    differing = [name for name in golden if demo_tree[name] != golden[name]]
    assert not differing, f"differ from tests/golden/site (pytest --update-golden to accept): {differing}"


def test_golden_site_matches_what_make_demo_documents():
    """README and Makefile promise these outputs; the golden tree must hold them."""
    names = set(output_tree(GOLDEN_SITE))
    for name in ("public/index.html", "public/feeds/items.atom", "public/feeds/digest.rss",
                 "public/feeds/items.json", "public/feeds/feeds.opml", "public/issues/2022-12.html",
                 "public/feeds/archive/items-2022-12.atom", "outbox/2022-12.eml", "outbox/2022-12.txt"):
        assert name in names, name
