"""Realistic synthetic listing text at any size, for the benchmarks.

The text is in the numbered listing format that `feeds.parse.parse_listing` reads (the format of
examples/ilo-coop/pages): a month header line such as ``January 2023``, then that month's items,
numbered from 1, newest first::

      1. News

        Title of the item

        25 January 2023

        Summary paragraph.

Shape, measured from the five sample pages (50 items) and fixed here so the output never depends
on files that may change (``python benchmarks/synth.py --measure`` prints the figures again):

- 20-40 items a month, going back from a fixed end month (January 2023, the newest sample) as far
  as N items need (100k items reach back to the 1740s: ~3,300 months);
- categories with the sample frequencies (31/50 "News", 10/50 none, the rest rare);
- title and summary lengths drawn from the sample lengths (titles 20-167 characters, median 90;
  summaries 78-618, median 219), 10% of items without a summary;
- days drawn at random inside the month, so several items often share a day;
- words taken from the sample pages, including curly quotes and hyphenated words.

Deterministic: the same (n, seed) always gives the same text (`random.Random(seed)`).

Module use: ``listing_text(n, seed=0) -> str``; script use::

    python benchmarks/synth.py --sizes 1000,10000,100000 --out listings
"""

from __future__ import annotations

import argparse
import calendar
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

END_MONTH = (2023, 1)  # the newest month of the sample pages
MONTH_ITEMS = (20, 40)  # items a month, inclusive
NO_SUMMARY = 5 / 50  # items of the samples without a summary
HEADER = "News, stories and statements on cooperatives"

# Category -> items of the 50 sample items (None: no category line).
CATEGORIES: dict[str | None, int] = {
    "News": 31,
    None: 10,
    "Spotlight on Cooperatives": 2,
    "Article": 2,
    "Spotlight Interviews with Co-operators": 1,
    "Spotlight Interviews with Cooperators": 1,
    "Cooperatives": 1,
    "Decent work": 1,
    "Our impact, Their voices": 1,
}

# Lengths in characters of the sample titles (50) and summaries (45), sorted.
TITLE_LENGTHS = (
    20, 32, 41, 41, 41, 47, 47, 51, 53, 56, 57, 59, 64, 67, 74, 74, 76, 79, 79, 83, 84, 85, 86, 87, 89,
    90, 90, 90, 92, 96, 99, 102, 109, 109, 112, 113, 114, 114, 116, 119, 122, 122, 123, 126, 126, 128,
    128, 130, 148, 167,
)
SUMMARY_LENGTHS = (
    78, 132, 133, 134, 135, 150, 152, 158, 159, 159, 160, 162, 164, 177, 180, 181, 189, 195, 195, 198,
    209, 217, 219, 222, 232, 233, 239, 254, 258, 258, 263, 264, 290, 292, 304, 313, 339, 342, 347, 356,
    375, 473, 473, 528, 618,
)

# Short words are frequent in real text; the sample vocabulary below holds only words of 3+ letters.
FUNCTION_WORDS = "the of and in on to for a with by at from as its".split()
VOCABULARY = tuple("""
ACTRAV ASEC About Academy Advisor Africa African Agenda Agriterra Akkar Algeria Alliance American
Among Ankara April Argentina Asia Asian Athens August Beirut Beqaa Bertoua Bishkek Body Bolivian
Brazil Business CIRIEC COOP COPAC COVID CSEND CSW Cadore Cahul Cambodia Cambodian Cameroon Catalyst
Centenary Centre Chair Champions Chiapas Chief Co-operative Co-operators Co-organized Colombia
Committee Conference Congo Consorzio Constituents Contributing Coop Cooperative Cooperatives
Copernico Council Countries Country Culture DIESIS DRC December Decent Democratic Development
Dialogue Director During ECLAC EMES ESCAP ESCAP’s EURICSE Eastern Economic Economy Effect Efimerida
Employment Engineer English-Japanese Enhancing Established Euclid Europe European Every Excluded
Farmer February Fifteen For Force Forum Founding Free Future GSEF GYF Gender Global Goals Governing
Government Greece Greek Group Hall Hanoi Hans Herath Honey How Hub ICA ICETT ILC ILO ILO's ILO’s ITC
ITC-ILO Innovation Interim International Interview Interviews Italian Italy JASID JTUC-RENGO JWCU
Japan Joint Journalism July June Karim Kenya Knowledge Kuala Kyrgyzstan LEP Labour Lanka Lanka’s
Latin Lebanon Lebanon’s Libya Lind Local Lozano Lumpur Luxembourg MTE Madagascar Malaysia Manager
Managing Manuel Mar March Marta Mateu Mauritania Mediterranean Member Metallurgy Mexico Michele
Mining Ministry Mission Molano Moldova More Morocco Movement Myanmar Nakano Nam National Nations
Neighbourhood Network Newsletter North-Lebanon North-West November OECD Office Organizing Osamu
PROSPECTS Partnership Passion Pellegrini People Pickers Pillar Portuguese Potential Project Putting
RIPESS Recycling Reflections Region Relation Representative Republic Research Rights Role Rural SDGs
SSE Sector Seminar Senior Session Since Social Society Solidaridad Solidarity South-South Southern
Spotlight Sri Start State Status Strengthening Summit Sustainable Syntakton Tanzania Task Taskforce
The Think This Timor-Leste ToT Toumi Trainers Training Tunisia Turin Turkey Twenty Two UNCTAD UNDESA
UNDP UNRISD UNTFSSE UNTFSSE-SEE Under Union Unit United Upali Viet Vietnamese Want Waste Wazo
Webinar What Where Women Work Workers Workers’ World Youth about academics academy achieving action
activating adaptation address advance advancing after against agenda agri-business agricultural aim
all also alternative amongst and approach are around article articles aspirations associated
attended auspices based basic basics been benefit benefited between board bondage bonded briefing
brought building business can capacities capacity carried chains challenges changing cheese child
closely co-hosts co-operators co-organise co-organized co-organizes coffee colleague colleagues
collective commenced communities community concerns conditions conducted conducting consortium
context continents contribution contributions cooperation cooperative cooperatives cotton countries
course created creation crises crisis crossed current daily day debt decent decided deficits design
develop developed development developments dialogues did discuss discussion district during
eNewsUpdate eNewsletter earthquake-affected economic economy edition editions elective electronic
eleven elimination employees engage engaged engagement enterprises entrepreneurship equity
essentially establish establishment eve event events experience experiences experts fair farmers
farmer’s features fight financial first fisheries fishermen focused for founding framework free from
funded future general get global good government have held help helps highlights his hold holds
honey host how human-centred impact implementation implemented implementing imposed improve improved
in-depth included includes including increasing increasingly institutions interpretation interviewed
interviews into introduce introduction issue item its job jobs journal journalists journalists' key
kick-off knowledge labour last latest launched leaders leading level livelihoods local localizing
major making management mark marketing marks master means meeting meetings member members
methodologies mining ministries model module modules month more multiple national needs new news
newsletter newspaper number observer occasion officials on-going online organiser organizations
organized organizing other others out over overcome pandemic paper parallel part participants
participated participates participation partner partners past paths people person persons pickers
pilot piloted pilots place plans policy possible post-crisis practice practices practitioner
pre-event present presentation presented presents previous principles prior processing production
programme progress project projects promote provide provided public-private put range recent
recognized recovery reflect refugees regular related relating relevant remotely repairing replaces
representatives resource restructuring robust role roles rural second sector selected self-learning
seminar series serve session seven share shares showcases side simultaneous situation six skills
slogan social socio-economic solidarity spoke stakeholders stand statistics strengthen stronger
summer supply support supported supports sustainable symposium taking ten-years than that the their
them these they this thoughts thousand through titled together ton took tools topics touching
towards trade trained trainers training transform translation two under undertakes union-supported
unionists unions upon uses using value values vanilla various version viable virtual virtually was
waste webinar well were where which who whom wider will with work workers’ working workshop
workshops world your
""".split())


@dataclass(frozen=True, slots=True)
class SynthItem:
    category: str | None
    title: str
    date: date
    summary: str | None


def _months_back(year: int, month: int) -> Iterator[tuple[int, int]]:
    while True:
        yield year, month
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


def _length(rng: random.Random, lengths: Sequence[int]) -> int:
    """A length like the samples': one of theirs, give or take 10%."""
    return max(12, round(rng.choice(lengths) * rng.uniform(0.9, 1.1)))


def _words(rng: random.Random, length: int) -> str:
    words: list[str] = []
    size = -1
    while size < length:
        word = rng.choice(FUNCTION_WORDS) if words and rng.random() < 0.3 else rng.choice(VOCABULARY)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)


def _title(rng: random.Random) -> str:
    text = _words(rng, _length(rng, TITLE_LENGTHS))
    return text[0].upper() + text[1:]


def _summary(rng: random.Random) -> str:
    target = _length(rng, SUMMARY_LENGTHS)
    sentences: list[str] = []
    size = 0
    while size < target:
        sentence = _words(rng, min(target - size, rng.randint(60, 160)))
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        size += len(sentences[-1]) + 1
    return " ".join(sentences)


def synth_items(n: int, seed: int = 0, *, end: tuple[int, int] = END_MONTH) -> list[SynthItem]:
    """N items, newest first: 20-40 a month from `end` back (the oldest month gets the rest)."""
    rng = random.Random(seed)
    categories = list(CATEGORIES)
    weights = list(CATEGORIES.values())
    items: list[SynthItem] = []
    for year, month in _months_back(*end):
        if len(items) >= n:
            break
        count = min(rng.randint(*MONTH_ITEMS), n - len(items))
        last_day = calendar.monthrange(year, month)[1]
        days = sorted((rng.randint(1, last_day) for _ in range(count)), reverse=True)
        seen: set[tuple[int, str]] = set()
        for day in days:
            title = _title(rng)
            while (day, title.casefold()) in seen:  # parse_listing keeps one item per (date, title)
                title = _title(rng)
            seen.add((day, title.casefold()))
            category = rng.choices(categories, weights)[0]
            summary = None if rng.random() < NO_SUMMARY else _summary(rng)
            items.append(SynthItem(category, title, date(year, month, day), summary))
    return items


def render_listing(items: Sequence[SynthItem], *, header: str = HEADER) -> str:
    """Items (newest first) as listing text: a header line per month, numbering from 1 each month."""
    out = [header, ""]
    current: tuple[int, int] | None = None
    number = 0
    for item in items:
        if (item.date.year, item.date.month) != current:
            current = (item.date.year, item.date.month)
            number = 0
            out += [f"{item.date:%B %Y}", ""]
        number += 1
        if item.category:
            out += [f"  {number}. {item.category}", "", f"    {item.title}", ""]
        else:
            out += [f"  {number}. {item.title}", ""]
        out += [f"    {item.date.day} {item.date:%B %Y}", ""]
        if item.summary:
            out += [f"    {item.summary}", ""]
    return "\n".join(out)


def listing_text(n: int, seed: int = 0) -> str:
    """Listing text holding exactly N items (parse_listing: N items, 0 problems)."""
    return render_listing(synth_items(n, seed))


def check(text: str, n: int) -> None:
    """Raise if parse_listing does not read exactly N items and no problem from `text`."""
    from feeds.sources.listing import parse_listing

    result = parse_listing(text, source="synth")
    if len(result.items) != n or result.problems:
        first = f"; first: {result.problems[0]}" if result.problems else ""
        raise AssertionError(f"expected {n} items and 0 problems, parsed {len(result.items)} items and "
                             f"{len(result.problems)} problems{first}")


def measure(pages: Path) -> str:
    """The sample figures this module's constants were taken from."""
    from collections import Counter
    from statistics import median

    from feeds.sources.listing import parse_listing

    items = [item for page in sorted(pages.glob("*.txt"))
             for item in parse_listing(page.read_text(encoding="utf-8"), source=page.name).items]
    titles = sorted(len(item.title) for item in items)
    summaries = sorted(len(item.summary) for item in items if item.summary)
    days = Counter(item.date for item in items)
    return "\n".join([
        f"{len(items)} items",
        f"categories: {dict(Counter(item.category for item in items).most_common())}",
        f"title lengths: min {titles[0]}, median {median(titles)}, max {titles[-1]}: {titles}",
        f"summary lengths: min {summaries[0]}, median {median(summaries)}, max {summaries[-1]}: {summaries}",
        f"without summary: {len(items) - len(summaries)}",
        f"items sharing their day with another: {sum(c for c in days.values() if c > 1)}",
    ])


def main(argv: list[str] | None = None) -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description="Write synthetic listing files (listing-<N>.txt).")
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated item counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/data"), help="output directory")
    parser.add_argument("--no-check", action="store_true", help="skip the parse_listing check")
    parser.add_argument("--measure", action="store_true", help="print the sample pages' figures and exit")
    args = parser.parse_args(argv)
    if args.measure:
        print(measure(root / "examples" / "ilo-coop" / "pages"))
        return 0
    sys.path.insert(0, str(root))
    args.out.mkdir(parents=True, exist_ok=True)
    for n in (int(size.replace("_", "")) for size in args.sizes.split(",")):
        text = listing_text(n, args.seed)
        if not args.no_check:
            check(text, n)
        path = args.out / f"listing-{n}.txt"
        path.write_text(text, encoding="utf-8")
        print(f"{path}: {n} items, {len(text.encode()) / 1e6:.1f} MB" + ("" if args.no_check else ", parse check ok"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
