"""Slugs: bounded, safe file names, kept once given so no category ever takes another's feed."""

from __future__ import annotations

from feeds.identity import category_key
from feeds.site_paths import category_path, category_slugs, slugify

SLUG_BYTES = 80
SAFE = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def labelled(*labels: str) -> dict[str, str]:
    return {category_key(label): label for label in labels}


def test_a_long_text_gives_a_bounded_slug_cut_on_a_word_with_a_hash():
    words = "cooperative " * 25  # 300 characters
    slug = slugify(words)
    assert len(slug.encode()) <= SLUG_BYTES and set(slug) <= SAFE
    stem, _, digest = slug.rpartition("-")
    assert len(digest) == 8 and all(word == "cooperative" for word in stem.split("-"))
    assert slugify(words + "x") != slug  # two long texts sharing a start stay apart
    assert slugify("A short title") == "a-short-title"


def test_one_long_word_is_cut_inside_it():
    slug = slugify("x" * 300)
    assert len(slug) <= SLUG_BYTES and slug.startswith("x" * 60)


def test_a_300_character_category_gets_a_file_name_under_255_bytes():
    labels = labelled("Néws " * 60, "News " * 60)
    slugs = category_slugs(labels, labels)
    assert len(set(slugs.values())) == 2
    for slug in slugs.values():
        assert len(slug.encode()) <= SLUG_BYTES and set(slug) <= SAFE
        assert len(category_path(slug, "json").rsplit("/", 1)[1].encode()) < 255


def test_short_slugs_stay_what_they_were():
    labels = labelled("News", "Café", "Кооперативы", "Spotlight: interviews with co-operators", "...")
    slugs = category_slugs(labels, labels)
    assert slugs["news"] == "news" and slugs["café"] == "cafe-850f7dc4"
    assert slugs["кооперативы"].startswith("category-") and slugs[""].startswith("category-")
    assert slugs["spotlightinterviewswithcooperators"] == "spotlight-interviews-with-co-operators"


def test_a_crafted_category_never_takes_a_slug_already_given():
    first = labelled("Néws")
    given = category_slugs(first, first)
    assert given == {"néws": "news-e8c3e197"}
    later = labelled("Néws", "news-e8c3e197")  # the crafted one's own slug is Néws's
    slugs = category_slugs(later, later, given)
    assert slugs["néws"] == "news-e8c3e197"
    assert slugs["newse8c3e197"] not in given.values()


def test_given_slugs_are_kept_whatever_arrives_later():
    given = {"news": "news", "events": "events-2"}
    labels = labelled("News", "Events", "Events!", "Agenda")
    slugs = category_slugs(labels, labels, given)
    assert slugs["news"] == "news" and slugs["events"] == "events-2" and slugs["agenda"] == "agenda"
    assert len(set(slugs.values())) == len(slugs)


def test_a_new_clash_between_new_categories_is_numbered_in_key_order():
    labels = {"newse8c3e197": "news-e8c3e197", "néws": "Néws"}
    slugs = category_slugs(labels, labels)
    assert slugs == {"newse8c3e197": "news-e8c3e197", "néws": "news-e8c3e197-2"}
