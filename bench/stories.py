"""Story signatures on real press: how near-duplicates and hard non-duplicates score.

Builds pairs from real text of ../shared/data/real (never read at run time):

- true near-duplicates: real items re-rendered the ways syndication does it (title changed,
  teaser of the lead, diacritics stripped, a sentence or paragraph added or removed, credits
  such as "(TTXVN) -" and "Theo TTXVN" added), on the 14,444 RSS items (title + summary) of
  press_items_2026.jsonl and on the 2,000 full articles of vntc_test_2000.jsonl; plus the real
  cross-outlet copies of the RSS data (the same title at two outlets);
- hard non-duplicates: different items of the same day naming the same province, the
  nearest different item of the same day by shared words, items sharing the first three
  title words (series such as "Giá vàng hôm nay ..."), VNTC articles of the same topic.

Prints exact Jaccard over a sweep of shingle size and lead length, then for the shipped
parameters the MinHash similarity percentiles per class, recall and false positives at several
thresholds, LSH candidate recall, what the threshold groups in the whole month of real items,
and speed.

    .venv/bin/python bench/stories.py [--sample N] [--sweep/--no-sweep]
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
from dataclasses import dataclass
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
    if choice == 0 and re.search(r"[,:]", title):
        head, tail = re.split(r"[,:]", title, maxsplit=1)
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


def cross_outlet_copies(docs: list[Doc]) -> tuple[PairClass, PairClass]:
    """Real copies: the same title at two outlets (same day, and days apart)."""
    by_title: dict[str, list[Doc]] = defaultdict(list)
    for d in docs:
        by_title[fold(d.title)].append(d)
    near: list[tuple[Doc, Doc]] = []
    apart: list[tuple[Doc, Doc]] = []
    for group in by_title.values():
        for a, b in combinations(group, 2):
            if a.outlet != b.outlet and a.body != b.body:
                (near if _days_apart(a, b) <= 1 else apart).append((a, b))
    return (
        PairClass("real: same title, 2 outlets, ≤1 day", True, near),
        PairClass("real: same title, 2 outlets, >1 day", True, apart),
    )


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


def minhash_scores(classes: list[PairClass]) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    cache: dict[Doc, sg.Signature] = {}

    def sig(d: Doc) -> sg.Signature:
        if d not in cache:
            cache[d] = sg.signature(d.title, d.body)
        return cache[d]

    scores = {
        c.name: np.array([sg.similarity(sig(a), sig(b)) for a, b in c.pairs]) for c in classes
    }
    lsh = {
        c.name: float(
            np.mean(
                [bool(set(sg.band_keys(sig(a))) & set(sg.band_keys(sig(b)))) for a, b in c.pairs]
            )
        )
        for c in classes
    }
    return scores, lsh


def summary_at(
    classes: list[PairClass], scores: dict[str, np.ndarray], t: float
) -> tuple[float, float, float, int]:
    """Macro recall over positive classes, worst positive recall, worst FPR, false pairs."""
    recalls = [float(np.mean(scores[c.name] >= t)) for c in classes if c.positive]
    fprs = [float(np.mean(scores[c.name] >= t)) for c in classes if not c.positive]
    false = sum(int(np.sum(scores[c.name] >= t)) for c in classes if not c.positive)
    return float(np.mean(recalls)), min(recalls), max(fprs), false


def sweep(classes: list[PairClass]) -> None:
    print("\n== Exact Jaccard by shingle size k and lead length (body words kept) ==")
    print("   'best t': the threshold with the highest macro recall whose worst false-positive")
    print("   rate over the non-duplicate classes is ≤ 1%")
    print(
        f"{'k':>3} {'lead':>5} {'best t':>7} {'macro rec':>10} {'worst rec':>10} {'worst FPR':>10}"
    )
    for k in (2, 3, 4, 5):
        for lead in (30, 45, 60, 80, 120, None):
            scores = exact_scores(classes, k, lead)
            best = None
            for t in np.arange(0.2, 0.85, 0.05):
                macro, worst, fpr, _ = summary_at(classes, scores, float(t))
                if fpr <= 0.01 and (best is None or macro > best[1]):
                    best = (float(t), macro, worst, fpr)
            if best:
                t, macro, worst, fpr = best
                print(
                    f"{k:>3} {lead or '-':>5} {t:>7.2f} {macro:>10.3f} {worst:>10.3f} {fpr:>10.4f}"
                )


def report(classes: list[PairClass]) -> None:
    print(
        f"\n== Shipped: k={sg.SHINGLE_WORDS}, lead={sg.LEAD_WORDS} words, "
        f"NUM_PERM={sg.NUM_PERM}, BANDS={sg.BANDS} x ROWS={sg.ROWS}, "
        f"THRESHOLD={sg.THRESHOLD} =="
    )
    scores, lsh = minhash_scores(classes)
    print("\nMinHash similarity percentiles (p5 p25 p50 p75 p95) and share ≥ THRESHOLD")
    for c in classes:
        s = scores[c.name]
        p = np.percentile(s, [5, 25, 50, 75, 95])
        kind = "dup" if c.positive else "non"
        print(
            f"  {kind} {c.name:<40} n={len(s):>5}  "
            + " ".join(f"{v:.2f}" for v in p)
            + f"   ≥T {np.mean(s >= sg.THRESHOLD):6.1%}  band hit {lsh[c.name]:6.1%}"
        )

    pos = np.concatenate([scores[c.name] for c in classes if c.positive])
    neg = np.concatenate([scores[c.name] for c in classes if not c.positive])
    print(f"\nPooled: {len(pos)} duplicate pairs, {len(neg)} non-duplicate pairs")
    print(
        f"{'t':>6} {'precision':>10} {'recall':>8} "
        f"{'macro rec':>10} {'worst rec':>10} {'worst FPR':>10}"
    )
    for t in THRESHOLDS:
        tp, fp = int(np.sum(pos >= t)), int(np.sum(neg >= t))
        macro, worst, fpr, _ = summary_at(classes, scores, t)
        precision = tp / (tp + fp) if tp + fp else 1.0
        mark = "  <- THRESHOLD" if abs(t - sg.THRESHOLD) < 1e-9 else ""
        print(
            f"{t:>6.2f} {precision:>10.4f} {tp / len(pos):>8.3f} {macro:>10.3f} "
            f"{worst:>10.3f} {fpr:>10.4f}{mark}"
        )

    # Candidate recall of the bands for pairs that the threshold accepts.
    accepted = [
        (a, b)
        for c in classes
        for (a, b), s in zip(c.pairs, scores[c.name], strict=True)
        if s >= sg.THRESHOLD
    ]
    hit = sum(
        bool(
            set(sg.band_keys(sg.signature(a.title, a.body)))
            & set(sg.band_keys(sg.signature(b.title, b.body)))
        )
        for a, b in accepted
    )
    print(
        f"\nLSH: of {len(accepted)} pairs with similarity ≥ THRESHOLD, {hit} share a band "
        f"({hit / len(accepted):.2%})"
    )
    print("S-curve P(share a band | s) = 1-(1-s^r)^b:")
    for s in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        print(f"  s={s:.1f}: {1 - (1 - s**sg.ROWS) ** sg.BANDS:.3f}")


def corpus(docs: list[Doc], show: int) -> None:
    """All pairs of the month's items: what the bands find, what the threshold groups."""
    print(f"\n== The whole month of real items ({len(docs)}) ==")
    started = time.perf_counter()
    sigs = [sg.signature(d.title, d.body) for d in docs]
    elapsed = time.perf_counter() - started
    print(
        f"signatures: {len(docs) / elapsed:,.0f} per second ({elapsed:.1f} s); "
        f"{len(sigs[0].to_bytes())} bytes each"
    )

    started = time.perf_counter()
    keys = [sg.band_keys(s) for s in sigs]
    print(f"band keys: {len(docs) / (time.perf_counter() - started):,.0f} items per second")

    index: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, ks in enumerate(keys):
        for key in ks:
            index[key].append(i)
    started = time.perf_counter()
    candidate_counts = []
    found: set[tuple[int, int]] = set()
    for i, ks in enumerate(keys):
        candidates = {j for key in ks for j in index[key] if j != i}
        candidate_counts.append(len(candidates))
        for j in candidates:
            if sg.same_story(sigs[i], sigs[j]):
                found.add((min(i, j), max(i, j)))
    per_lookup = (time.perf_counter() - started) / len(docs)
    counts = np.array(candidate_counts)
    print(
        f"lookup (in memory) + confirmation: {per_lookup * 1e6:.0f} µs per item; candidates per "
        f"item: mean {counts.mean():.2f}, p99 {np.percentile(counts, 99):.0f}, max {counts.max()}"
    )

    matrix = np.stack([np.frombuffer(s.to_bytes()[sg.HEADER_BYTES :], dtype="<u4") for s in sigs])
    empty = np.array([s.empty for s in sigs])
    brute: set[tuple[int, int]] = set()
    for start in range(0, len(docs), 64):
        block = matrix[start : start + 64]
        equal = (block[:, None, :] == matrix[None, :, :]).sum(axis=2) / sg.NUM_PERM
        for i, j in zip(*np.nonzero(equal >= sg.THRESHOLD), strict=True):
            a = start + int(i)
            if a < j and not empty[a] and not empty[j]:
                brute.add((a, int(j)))
    brute |= {p for p in found if p not in brute}  # title-key matches are not in the matrix
    print(
        f"pairs ≥ THRESHOLD by brute force: {len(brute)}; found through the bands: "
        f"{len(found & brute)} ({len(found & brute) / max(1, len(brute)):.2%})"
    )

    same_title = [p for p in found if fold(docs[p[0]].title) == fold(docs[p[1]].title)]
    same_outlet = [p for p in found if docs[p[0]].outlet == docs[p[1]].outlet]
    apart = [p for p in found if _days_apart(docs[p[0]], docs[p[1]]) > 1]
    print(
        f"same-story pairs: {len(found)}; with the same title {len(same_title)}, same outlet "
        f"{len(same_outlet)}, more than a day apart {len(apart)}"
    )
    groups = _components(len(docs), found)
    sizes = Counter(len(g) for g in groups if len(g) > 1)
    print(f"stories of 2+ items: {sum(sizes.values())}; sizes {dict(sorted(sizes.items()))}")
    others = sorted(
        (p for p in found if fold(docs[p[0]].title) != fold(docs[p[1]].title)),
        key=lambda p: sg.similarity(sigs[p[0]], sigs[p[1]]),
    )
    if show:
        print(f"\nlowest-similarity accepted pairs with different titles (of {len(others)}):")
        for i, j in others[:show]:
            print(
                f"  {sg.similarity(sigs[i], sigs[j]):.2f} [{docs[i].outlet} {docs[i].date}] "
                f"{docs[i].title[:70]}\n       "
                f"[{docs[j].outlet} {docs[j].date}] {docs[j].title[:70]}"
            )


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
        *cross_outlet_copies(press),
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


if __name__ == "__main__":
    main()
