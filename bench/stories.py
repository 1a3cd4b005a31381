"""Story signatures on real press: how near-duplicates and hard non-duplicates score.

Builds pairs from real text of ../shared/data/real (never read at run time):

- true near-duplicates: real items re-rendered the ways syndication does it (title changed,
  teaser of the lead, diacritics stripped, a sentence or paragraph added or removed, credits
  such as "(TTXVN) -" and "Theo TTXVN" added), on the 14,444 RSS items (title + summary) of
  press_items_2026.jsonl and on the full articles of vntc_test_2000.jsonl (1,865 of three
  paragraphs or more); plus the real
  cross-outlet copies of the RSS data (the same title at two outlets);
- hard non-duplicates: different items of the same day naming the same province, the
  nearest different item of the same day by shared words, items sharing the first three
  title words (series such as "Giá vàng hôm nay ..."), VNTC articles of the same topic.

Prints exact Jaccard over a sweep of shingle size and lead length, then for the shipped
parameters the MinHash similarity percentiles per class, recall and false positives at several
thresholds, LSH candidate recall, speed, what same_story groups in the month of real items
(with samples to read) and what other parameters would group there.

    .venv/bin/python bench/stories.py [--sample N] [--no-sweep] [--show N]    # about 3 minutes
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config.models import Locality
from monitor.places.gazetteer import load_gazetteer
from monitor.places.matcher import REPORT_THRESHOLD, build_matcher
from monitor.places.normalize import fold
from monitor.stories import signature as sg

REAL = Path(__file__).resolve().parents[2] / "shared/data/real"
SEED = 20260823
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)


@dataclass(frozen=True)
class Doc:
    title: str
    body: str
    outlet: str = ""
    date: str = ""
    label: str = ""


@dataclass
class PairClass:
    name: str
    positive: bool
    pairs: list[tuple[Doc, Doc]]


# --- data ----------------------------------------------------------------------------------


def load_press() -> list[Doc]:
    docs = []
    for line in (REAL / "press_items_2026.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        title, _, body = row["text"].partition("\n")
        docs.append(Doc(title.strip(), body.strip(), row["outlet"], row["commit_date"]))
    return docs


def load_vntc() -> list[Doc]:
    docs = []
    for line in (REAL / "vntc_test_2000.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        lines = [s.strip() for s in row["text"].split("\n") if s.strip()]
        if len(lines) >= 4:
            docs.append(Doc(lines[0], "\n".join(lines[1:]), "VNTC", "", row["label"]))
    return docs


# --- syndication transforms ------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_PREFIXES = ("[Video] ", "Clip: ", "NÓNG: ", "[Ảnh] ", "Infographic: ")
_CREDITS_BEFORE = ("(TTXVN) - ", "(Chinhphu.vn) - ", "VOV.VN - ", "(Dân trí) - ", "TTO - ")
_CREDITS_AFTER = ("\nTheo TTXVN", " Theo TTXVN.", "\nNguồn: Báo Nhân Dân", " (Theo VnExpress)")


def sentences(body: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(body) if s]


def paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n") if p.strip()]


def retitle(title: str, rng: random.Random) -> str:
    """Change a title the way another desk does: cut a clause or words, add a label."""
    words = title.split()
    choice = rng.randrange(3)
    if choice == 0 and re.search(r"[,:]\s", title):
        head, tail = re.split(r"[,:]\s", title, maxsplit=1)
        title = head if len(head.split()) >= len(tail.split()) else tail.strip()
    elif len(words) > 5:
        for _ in range(2):
            del words[rng.randrange(len(words))]
        title = " ".join(words)
    if choice == 2 or rng.random() < 0.3:
        title = rng.choice(_PREFIXES) + title
    return title


def unaccent(text: str) -> str:
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)
    )
    return stripped.replace("đ", "d").replace("Đ", "D")


def credit(body: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        body = rng.choice(_CREDITS_BEFORE) + body
    return body + rng.choice(_CREDITS_AFTER)


def press_positives(docs: list[Doc], sample: int, rng: random.Random) -> list[PairClass]:
    """Syndicated re-renderings of RSS items (title + summary, 30-90 words)."""
    pool = [d for d in docs if len(sentences(d.body)) >= 2]
    chosen = rng.sample(pool, min(sample, len(pool)))
    other = rng.sample(pool, len(chosen))

    def make(name: str, change: Callable[[Doc, Doc], Doc]) -> PairClass:
        return PairClass(
            name, True, [(d, change(d, o)) for d, o in zip(chosen, other, strict=True)]
        )

    return [
        make("rss: title changed", lambda d, o: Doc(retitle(d.title, rng), d.body)),
        make("rss: credits added", lambda d, o: Doc(d.title, credit(d.body, rng))),
        make("rss: unaccented", lambda d, o: Doc(unaccent(d.title), unaccent(d.body))),
        make(
            "rss: last sentence removed",
            lambda d, o: Doc(d.title, " ".join(sentences(d.body)[:-1])),
        ),
        make(
            "rss: sentence added",
            lambda d, o: Doc(d.title, d.body + " " + sentences(o.body)[0]),
        ),
        make("rss: first sentence only", lambda d, o: Doc(d.title, sentences(d.body)[0])),
        make(
            "rss: syndicated (all of the above)",
            lambda d, o: Doc(
                retitle(d.title, rng),
                credit(" ".join(sentences(d.body)[:-1]) + " " + sentences(o.body)[0], rng),
            ),
        ),
        make(
            "rss: syndicated, unaccented",
            lambda d, o: Doc(unaccent(retitle(d.title, rng)), unaccent(credit(d.body, rng))),
        ),
    ]


def article_positives(docs: list[Doc], sample: int, rng: random.Random) -> list[PairClass]:
    """Syndicated re-renderings of full articles (VNTC, 160-1,000 words)."""
    chosen = rng.sample(docs, min(sample, len(docs)))
    other = rng.sample(docs, len(chosen))

    def make(name: str, change: Callable[[Doc, Doc], Doc]) -> PairClass:
        return PairClass(
            name, True, [(d, change(d, o)) for d, o in zip(chosen, other, strict=True)]
        )

    def lead(d: Doc) -> str:
        return paragraphs(d.body)[0]

    def drop_middle(d: Doc) -> str:
        paras = paragraphs(d.body)
        del paras[rng.randrange(1, len(paras))]
        return "\n".join(paras)

    def insert_after_lead(d: Doc, o: Doc) -> str:
        paras = paragraphs(d.body)
        return "\n".join([paras[0], paragraphs(o.body)[1], *paras[1:]])

    return [
        make("article: teaser (title + lead)", lambda d, o: Doc(d.title, lead(d))),
        make(
            "article: teaser, first sentence",
            lambda d, o: Doc(d.title, sentences(lead(d))[0]),
        ),
        make(
            "article: teaser, title changed, credit",
            lambda d, o: Doc(retitle(d.title, rng), credit(lead(d), rng)),
        ),
        make(
            "article: truncated to 3 paragraphs",
            lambda d, o: Doc(d.title, "\n".join(paragraphs(d.body)[:3])),
        ),
        make("article: paragraph removed", lambda d, o: Doc(d.title, drop_middle(d))),
        make(
            "article: paragraph appended",
            lambda d, o: Doc(d.title, d.body + "\n" + paragraphs(o.body)[1]),
        ),
        make(
            "article: paragraph after lead",
            lambda d, o: Doc(d.title, insert_after_lead(d, o)),
        ),
        make("article: unaccented", lambda d, o: Doc(unaccent(d.title), unaccent(d.body))),
        make(
            "article: unaccented teaser",
            lambda d, o: Doc(unaccent(d.title), unaccent(credit(lead(d), rng))),
        ),
    ]


def cross_outlet_copies(docs: list[Doc]) -> PairClass:
    """Real copies: the same title at two outlets, different summaries (mostly the same day)."""
    by_title: dict[str, list[Doc]] = defaultdict(list)
    for d in docs:
        by_title[fold(d.title)].append(d)
    pairs = [
        (a, b)
        for group in by_title.values()
        for a, b in combinations(group, 2)
        if a.outlet != b.outlet and a.body != b.body
    ]
    return PairClass("real: same title at 2 outlets", True, pairs)


def _days_apart(a: Doc, b: Doc) -> int:
    return abs(int(a.date.replace("-", "")) - int(b.date.replace("-", "")))


# --- hard non-duplicates ---------------------------------------------------------------------


def provinces_of(docs: list[Doc]) -> list[set[str]]:
    gazetteer = load_gazetteer()
    localities = [
        Locality(id=u.code, name=u.name, province=u.name) for u in gazetteer.provinces("current")
    ]
    matcher = build_matcher(localities, gazetteer)
    return [
        {
            m.locality
            for m in matcher.match(f"{d.title}\n{d.body}")
            if m.confidence >= REPORT_THRESHOLD
        }
        for d in docs
    ]


def _word_sets(docs: list[Doc]) -> list[frozenset[str]]:
    return [frozenset(fold(f"{d.title} {d.body}").split()) for d in docs]


def _jaccard(a: frozenset[str] | set[bytes], b: frozenset[str] | set[bytes]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def press_negatives(docs: list[Doc], limit: int, rng: random.Random) -> list[PairClass]:
    titles = [fold(d.title) for d in docs]
    words = _word_sets(docs)
    places = provinces_of(docs)

    def different(i: int, j: int) -> bool:
        return titles[i] != titles[j] and docs[i].body != docs[j].body

    by_day_place: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_day: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        by_day[d.date].append(i)
        for p in places[i]:
            by_day_place[(d.date, p)].append(i)

    same_place = [
        (i, j)
        for group in by_day_place.values()
        for i, j in combinations(group, 2)
        if different(i, j)
    ]
    same_place = rng.sample(same_place, min(limit, len(same_place)))

    # For each item, the different item of the same day sharing most words (by word Jaccard);
    # the same-place variant restricts the search to its province's items of that day.
    def nearest(groups: Iterable[list[int]]) -> set[tuple[int, int]]:
        found = set()
        for group in groups:
            for i in group:
                best = max(
                    (j for j in group if j != i and different(i, j)),
                    key=lambda j: _jaccard(words[i], words[j]),
                    default=None,
                )
                if best is not None:
                    found.add((min(i, best), max(i, best)))
        return found

    nearest_place = sorted(nearest(by_day_place.values()))
    nearest_day = sorted(nearest(by_day.values()))

    by_prefix: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(titles):
        head = t.split()[:3]
        if len(head) == 3:
            by_prefix[" ".join(head)].append(i)
    prefix = [
        (i, j)
        for group in by_prefix.values()
        for i, j in combinations(group[:40], 2)
        if different(i, j)
    ]
    prefix = rng.sample(prefix, min(limit, len(prefix)))

    def pairs(ij: list[tuple[int, int]]) -> list[tuple[Doc, Doc]]:
        return [(docs[i], docs[j]) for i, j in ij]

    return [
        PairClass("rss: same day, same province", False, pairs(same_place)),
        PairClass("rss: same day+province, most words", False, pairs(nearest_place)),
        PairClass("rss: same day, most shared words", False, pairs(nearest_day)),
        PairClass("rss: same first 3 title words", False, pairs(prefix)),
    ]


def article_negatives(docs: list[Doc], limit: int, rng: random.Random) -> list[PairClass]:
    words = _word_sets(docs)
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        by_label[d.label].append(i)
    same_topic = [(i, j) for g in by_label.values() for i, j in combinations(g, 2)]
    same_topic = rng.sample(same_topic, min(limit, len(same_topic)))
    nearest = set()
    for group in by_label.values():
        for i in group:
            j = max((j for j in group if j != i), key=lambda j: _jaccard(words[i], words[j]))
            nearest.add((min(i, j), max(i, j)))
    return [
        PairClass("article: same topic", False, [(docs[i], docs[j]) for i, j in same_topic]),
        PairClass(
            "article: same topic, most words",
            False,
            [(docs[i], docs[j]) for i, j in sorted(nearest)],
        ),
    ]


# --- measurement ---------------------------------------------------------------------------


def exact_scores(classes: list[PairClass], k: int, lead: int | None) -> dict[str, np.ndarray]:
    cache: dict[Doc, set[bytes]] = {}

    def sh(d: Doc) -> set[bytes]:
        if d not in cache:
            cache[d] = sg.shingles(d.title, d.body, k, lead_words=lead)
        return cache[d]

    return {c.name: np.array([_jaccard(sh(a), sh(b)) for a, b in c.pairs]) for c in classes}


def rates(classes: list[PairClass], verdicts: dict[str, np.ndarray]) -> dict[str, float]:
    """Recall per duplicate class (macro mean, worst), false-positive rate (worst), pooled."""
    recalls = [float(np.mean(verdicts[c.name])) for c in classes if c.positive]
    fprs = [float(np.mean(verdicts[c.name])) for c in classes if not c.positive]
    tp = sum(int(np.sum(verdicts[c.name])) for c in classes if c.positive)
    fp = sum(int(np.sum(verdicts[c.name])) for c in classes if not c.positive)
    positives = sum(len(c.pairs) for c in classes if c.positive)
    return {
        "macro": float(np.mean(recalls)),
        "worst": min(recalls),
        "fpr": max(fprs),
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / positives,
    }


def sweep(classes: list[PairClass]) -> None:
    print("\n== Exact Jaccard by shingle size k and lead length (body words hashed) ==")
    print("best t: the threshold with the highest macro recall over the duplicate classes whose")
    print("false-positive rate is at most 1% in every non-duplicate class")
    print(
        f"{'k':>3} {'lead':>5} {'best t':>7} {'macro rec':>10} {'worst rec':>10} {'worst FPR':>10}"
    )
    for k in (3, 4, 5):
        for lead in (30, 45, 60, 90, None):
            scores = exact_scores(classes, k, lead)
            best: tuple[float, dict[str, float]] | None = None
            for t in np.arange(0.3, 0.85, 0.05):
                r = rates(classes, {n: v >= t for n, v in scores.items()})
                if r["fpr"] <= 0.01 and (best is None or r["macro"] > best[1]["macro"]):
                    best = (float(t), r)
            if best:
                t, r = best
                print(
                    f"{k:>3} {lead or 'all':>5} {t:>7.2f} {r['macro']:>10.3f} {r['worst']:>10.3f} "
                    f"{r['fpr']:>10.4f}"
                )


@dataclass
class Scored:
    similarity: dict[str, np.ndarray]
    conflict: dict[str, np.ndarray]  # title numbers disagree
    same_title: dict[str, np.ndarray]  # one title key
    band_hit: dict[str, np.ndarray]  # share a (band, key)

    def verdicts(self, t: float, rules: bool = True) -> dict[str, np.ndarray]:
        if not rules:
            return {n: v >= t for n, v in self.similarity.items()}
        return {
            n: ~self.conflict[n] & (self.same_title[n] | (v >= t))
            for n, v in self.similarity.items()
        }


def score(classes: list[PairClass]) -> Scored:
    cache: dict[Doc, sg.Signature] = {}

    def sig(d: Doc) -> sg.Signature:
        if d not in cache:
            cache[d] = sg.signature(d.title, d.body)
        return cache[d]

    def each(f: Callable[[sg.Signature, sg.Signature], float | bool]) -> dict[str, np.ndarray]:
        return {c.name: np.array([f(sig(a), sig(b)) for a, b in c.pairs]) for c in classes}

    return Scored(
        each(sg.similarity),
        # At threshold 0 only conflicting title numbers can make same_story false.
        each(lambda a, b: not sg.same_story(a, b, threshold=0.0)),
        each(lambda a, b: a.title_key != bytes(8) and a.title_key == b.title_key),
        each(lambda a, b: bool(set(sg.band_keys(a)) & set(sg.band_keys(b)))),
    )


def report(classes: list[PairClass]) -> None:
    print(
        f"\n== Shipped: k={sg.SHINGLE_WORDS}, lead={sg.LEAD_WORDS} words, NUM_PERM={sg.NUM_PERM}, "
        f"BANDS={sg.BANDS} x ROWS={sg.ROWS}, THRESHOLD={sg.THRESHOLD} =="
    )
    scored = score(classes)
    same = scored.verdicts(sg.THRESHOLD)
    print(
        "\nMinHash similarity percentiles (p5 p25 p50 p75 p95); share with similarity ≥ THRESHOLD;"
    )
    print("share same_story (title rules included); of those, share found through a band")
    for c in classes:
        s = scored.similarity[c.name]
        p = np.percentile(s, [5, 25, 50, 75, 95])
        accepted = same[c.name]
        found = float(np.mean(scored.band_hit[c.name][accepted])) if accepted.any() else 1.0
        print(
            f"  {'dup' if c.positive else 'non'} {c.name:<40} n={len(s):>5}  "
            + " ".join(f"{v:.2f}" for v in p)
            + f"  ≥T {np.mean(s >= sg.THRESHOLD):6.1%}  same {np.mean(accepted):6.1%}"
            + f"  banded {found:6.1%}"
        )
    teaser = next(c for c in classes if c.name.startswith("article: teaser (title + lead)"))
    whole = exact_scores([teaser], sg.SHINGLE_WORDS, None)[teaser.name]
    lead = exact_scores([teaser], sg.SHINGLE_WORDS, sg.LEAD_WORDS)[teaser.name]
    print(
        f"teaser vs its full article, exact Jaccard median (p5): whole text {np.median(whole):.2f} "
        f"({np.percentile(whole, 5):.2f}), first {sg.LEAD_WORDS} body words "
        f"{np.median(lead):.2f} ({np.percentile(lead, 5):.2f})"
    )
    print("(non-duplicate 'most shared words' classes hold some true copies the data does not")
    print(" label: the same event rewritten by two outlets; see the corpus pairs below)")

    print("\nsame_story at several thresholds (pooled precision depends on the class sizes above)")
    print(
        f"{'t':>6} {'precision':>10} {'recall':>8} {'macro rec':>10} {'worst rec':>10} "
        f"{'worst FPR':>10}   similarity alone: {'precision':>9} {'recall':>7}"
    )
    for t in THRESHOLDS:
        r = rates(classes, scored.verdicts(t))
        alone = rates(classes, scored.verdicts(t, rules=False))
        mark = "  <- THRESHOLD" if abs(t - sg.THRESHOLD) < 1e-9 else ""
        print(
            f"{t:>6.2f} {r['precision']:>10.4f} {r['recall']:>8.3f} {r['macro']:>10.3f} "
            f"{r['worst']:>10.3f} {r['fpr']:>10.4f}   {'':>17} {alone['precision']:>9.4f} "
            f"{alone['recall']:>7.3f}{mark}"
        )

    accepted_pairs = sum(int(v.sum()) for v in same.values())
    banded = sum(int(scored.band_hit[n][v].sum()) for n, v in same.items())
    print(
        f"\nLSH candidate recall: of {accepted_pairs} pairs same_story accepts, {banded} share a "
        f"band key ({banded / accepted_pairs:.2%})"
    )
    print(
        f"S-curve P(share a band | s) = 1-(1-s^{sg.ROWS})^{sg.BANDS}: "
        + ", ".join(
            f"P({s:.1f})={1 - (1 - s**sg.ROWS) ** sg.BANDS:.3f}"
            for s in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
        )
    )


WINDOW_DAYS = 2


def corpus(docs: list[Doc], show: int) -> None:
    """The month's real items: speed, what the bands find, what same_story groups."""
    print(f"\n== The month of real items ({len(docs)}); window ±{WINDOW_DAYS} days ==")
    started = time.perf_counter()
    sigs = [sg.signature(d.title, d.body) for d in docs]
    elapsed = time.perf_counter() - started
    print(
        f"signatures: {len(docs) / elapsed:,.0f} per second; {len(sigs[0].to_bytes())} bytes each"
    )
    started = time.perf_counter()
    stored = [s.to_bytes() for s in sigs]
    keys = [sg.band_keys(s) for s in sigs]
    assert [sg.Signature.from_bytes(b) for b in stored] == sigs
    print(f"band keys + to_bytes: {len(docs) / (time.perf_counter() - started):,.0f} per second")

    day = _day_numbers(docs)
    index: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, ks in enumerate(keys):
        for key in ks:
            index[key].append(i)

    started = time.perf_counter()
    month_counts, window_counts = [], []
    found: set[tuple[int, int]] = set()
    banded_similar: set[tuple[int, int]] = set()
    for i, ks in enumerate(keys):
        candidates = {j for key in ks for j in index[key] if j != i}
        month_counts.append(len(candidates))
        candidates = {j for j in candidates if abs(day[i] - day[j]) <= WINDOW_DAYS}
        window_counts.append(len(candidates))
        for j in candidates:
            pair = (min(i, j), max(i, j))
            other = sg.Signature.from_bytes(stored[j])  # as read back from the database
            if sg.same_story(sigs[i], other):
                found.add(pair)
            if sg.similarity(sigs[i], other) >= sg.THRESHOLD:
                banded_similar.add(pair)
    per_item = (time.perf_counter() - started) / len(docs)
    print(
        f"lookup in memory + from_bytes + same_story per candidate: {per_item * 1e6:.0f} µs per "
        f"item; candidates per item in the window: mean {np.mean(window_counts):.2f}, p99 "
        f"{np.percentile(window_counts, 99):.0f}, max {max(window_counts)}; over the whole "
        f"month: mean {np.mean(month_counts):.2f}, max {max(month_counts)}"
    )

    matrix = np.stack([np.frombuffer(s.hashvalues, dtype="<u4") for s in sigs])
    empty = [s.empty for s in sigs]
    similar: set[tuple[int, int]] = set()
    for start in range(0, len(docs), 64):
        equal = (matrix[start : start + 64, None, :] == matrix[None, :, :]).sum(axis=2)
        for i, j in zip(*np.nonzero(equal >= sg.THRESHOLD * sg.NUM_PERM), strict=True):
            a, b = start + int(i), int(j)
            if a < b and not (empty[a] or empty[b]) and abs(day[a] - day[b]) <= WINDOW_DAYS:
                similar.add((a, b))
    print(
        f"pairs with similarity ≥ THRESHOLD in the window, by brute force: {len(similar)}; "
        f"found through the bands: {len(banded_similar)} ({len(banded_similar) / len(similar):.2%})"
    )

    def title(i: int) -> str:
        return fold(docs[i].title)

    def far(p: tuple[int, int]) -> bool:
        return abs(day[p[0]] - day[p[1]]) > 1

    by_title_key = [p for p in found if sg.similarity(sigs[p[0]], sigs[p[1]]) < sg.THRESHOLD]
    refused = [p for p in similar if not sg.same_story(sigs[p[0]], sigs[p[1]])]
    print(
        f"same_story pairs: {len(found)}: same title "
        f"{sum(title(a) == title(b) for a, b in found)}, "
        f"same outlet {sum(docs[a].outlet == docs[b].outlet for a, b in found)}, 2 days apart "
        f"{sum(far(p) for p in found)}; accepted by the title key alone "
        f"{len(by_title_key)}; refused by title numbers {len(refused)} (of them 2 days apart "
        f"{sum(far(p) for p in refused)})"
    )
    groups = _components(len(docs), found)
    sizes = Counter(len(g) for g in groups if len(g) > 1)
    print(f"stories of 2+ items: {sum(sizes.values())}; sizes {dict(sorted(sizes.items()))}")

    def print_pairs(label: str, pairs: list[tuple[int, int]]) -> None:
        print(f"\n{label} ({len(pairs)}; {min(show, len(pairs))} shown)")
        for i, j in pairs[:show]:
            print(
                f"  {sg.similarity(sigs[i], sigs[j]):.2f} [{docs[i].outlet} {docs[i].date}] "
                f"{docs[i].title[:75]}\n       [{docs[j].outlet} {docs[j].date}] "
                f"{docs[j].title[:75]}"
            )

    if show:
        rng = random.Random(SEED)
        different = sorted(p for p in found if title(p[0]) != title(p[1]))
        print_pairs(
            "same_story pairs with different titles, a sample to read",
            rng.sample(different, len(different)),
        )
        print_pairs("pairs refused by title numbers, a sample", rng.sample(refused, len(refused)))
        print_pairs(
            "pairs accepted by the title key alone, a sample",
            rng.sample(by_title_key, len(by_title_key)),
        )


ALTERNATIVES = (
    (4, 45, 0.5),
    (4, 45, 0.55),
    (4, 30, 0.55),
    (4, 60, 0.5),
    (3, 45, 0.5),
    (5, 45, 0.5),
)


def alternatives(docs: list[Doc]) -> None:
    """What other shingle sizes, leads and thresholds would group in the same month."""
    print(
        f"\n== Alternatives on the month of real items (±{WINDOW_DAYS} days, through the bands) =="
    )
    print("series: different titles, same outlet, a day or more apart (instalments, mostly wrong)")
    print(f"{'k':>3} {'lead':>5} {'t':>5} {'pairs':>6} {'different titles':>17} {'series':>7}")
    day = _day_numbers(docs)
    for k, lead, t in ALTERNATIVES:
        sigs = [
            replace(
                sg.signature(d.title, d.body),
                hashvalues=sg.minhash(sg.shingles(d.title, d.body, k, lead_words=lead)),
            )
            for d in docs
        ]
        index: dict[tuple[int, str], list[int]] = defaultdict(list)
        for i, s in enumerate(sigs):
            for key in sg.band_keys(s):
                index[key].append(i)
        pairs = {
            (a, b)
            for ids in index.values()
            for a, b in combinations(sorted(set(ids)), 2)
            if abs(day[a] - day[b]) <= WINDOW_DAYS and sg.same_story(sigs[a], sigs[b], threshold=t)
        }
        different = [(a, b) for a, b in pairs if fold(docs[a].title) != fold(docs[b].title)]
        series = [
            (a, b) for a, b in different if docs[a].outlet == docs[b].outlet and day[a] != day[b]
        ]
        print(f"{k:>3} {lead:>5} {t:>5.2f} {len(pairs):>6} {len(different):>17} {len(series):>7}")


def windows(docs: list[Doc]) -> None:
    """How the time window and the title rules change what is grouped in the month."""
    print("\n== Window and title rules on the month of real items (via the bands) ==")
    print("series: different titles, same outlet, different days (instalments, mostly wrong)")
    day = _day_numbers(docs)
    sigs = [sg.signature(d.title, d.body) for d in docs]
    index: dict[tuple[int, str], set[int]] = defaultdict(set)
    for i, s in enumerate(sigs):
        for key in sg.band_keys(s):
            index[key].add(i)
    candidates = {p for ids in index.values() for p in combinations(sorted(ids), 2)}
    rules: dict[str, Callable[[sg.Signature, sg.Signature], bool]] = {
        "similarity ≥ THRESHOLD": lambda a, b: sg.similarity(a, b) >= sg.THRESHOLD,
        "same_story": sg.same_story,
    }
    for window in (2, 7):
        for name, rule in rules.items():
            pairs = [
                (a, b)
                for a, b in candidates
                if abs(day[a] - day[b]) <= window and rule(sigs[a], sigs[b])
            ]
            different = [(a, b) for a, b in pairs if fold(docs[a].title) != fold(docs[b].title)]
            series = [
                (a, b)
                for a, b in different
                if docs[a].outlet == docs[b].outlet and day[a] != day[b]
            ]
            print(
                f"  ±{window} days, {name:<23} pairs {len(pairs):>4}, different titles "
                f"{len(different):>4}, series {len(series):>4}"
            )


def _day_numbers(docs: list[Doc]) -> list[int]:
    """Days since the first crawl day, per item."""
    dates = [int(d.date.replace("-", "")) for d in docs]
    ordinal = {d: i for i, d in enumerate(sorted(set(dates)))}
    return [ordinal[d] for d in dates]


def _components(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    return list(groups.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=1000, help="items per synthetic class")
    parser.add_argument("--sweep", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--show", type=int, default=15, help="accepted pairs to print")
    args = parser.parse_args()
    rng = random.Random(SEED)

    press = load_press()
    vntc = load_vntc()
    started = time.perf_counter()
    classes = [
        *press_positives(press, args.sample, rng),
        *article_positives(vntc, args.sample // 2, rng),
        cross_outlet_copies(press),
        *press_negatives(press, 5 * args.sample, rng),
        *article_negatives(vntc, 2 * args.sample, rng),
    ]
    print(
        f"{len(press)} RSS items, {len(vntc)} full articles; pairs built in "
        f"{time.perf_counter() - started:.0f} s"
    )
    for c in classes:
        print(f"  {'dup' if c.positive else 'non'} {c.name:<40} {len(c.pairs):>6} pairs")
    if args.sweep:
        sweep(classes)
    report(classes)
    corpus(press, args.show)
    windows(press)
    alternatives(press)


if __name__ == "__main__":
    main()
