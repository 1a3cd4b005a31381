"""Build monitor/places/data/common_words.json: unit names that are also everyday words.

Run ``.venv/bin/python -m monitor.places.build_common_words CORPUS.jsonl ...`` (JSON lines with
a ``text`` field; we used the VNTC news corpus, MIT, and the 2026 press sample). The corpus is
read only here, at build time; the service reads the small generated list.

Two lists come out:
- ``lowercase``: names written in lower case in running text at least three times, i.e. used
  as words ("hòa bình", "thống nhất"). In text without case (all lower, ALL CAPS) such a name
  needs context before it counts as a place.
- ``folded``: unaccented names that other words produce when their accents are dropped at
  three times and at least as often as the places ("cho don" ← "chờ đón"). Unaccented, it needs
  context too; other unaccented names ("sa huynh") stand on their own. A few spellings that
  formal news rarely shows but social posts do ("que minh" ← "quê mình") are added by hand.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import ahocorasick

from monitor.places.gazetteer import load_gazetteer
from monitor.places.matcher import _FOLD_TABLE, _WORD, _whole_word
from monitor.places.normalize import fold, normalize, normalize_with_offsets

DATA_FILE = Path(__file__).parent / "data" / "common_words.json"
# Everyday phrases of social posts that fold onto unit names ("quê mình", "chờ đón", "cho ra").
SOCIAL_SPELLINGS = {"que minh", "cho don", "cho ra", "tam duong", "ban cong"}
MIN_LOWERCASE = 3
MIN_OTHER_WORDS = 3


def build(corpora: list[Path]) -> dict[str, list[str]]:
    gazetteer = load_gazetteer()
    names = {normalize(u.name) for u in gazetteer.units.values() if not u.name.isdigit()}
    by_fold: dict[str, set[str]] = defaultdict(set)
    for name in names:
        by_fold[fold(name)].add(name)
    accented, unaccented = ahocorasick.Automaton(), ahocorasick.Automaton()
    for name in names:
        accented.add_word(name, name)
    for key in by_fold:
        unaccented.add_word(key, key)
    accented.make_automaton()
    unaccented.make_automaton()

    lowercase: Counter[str] = Counter()
    other_words: Counter[str] = Counter()
    own_words: Counter[str] = Counter()
    for path in corpora:
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line).get("text") or ""
            norm, offsets = normalize_with_offsets(text)
            folded = norm.translate(_FOLD_TABLE)
            for end, name in accented.iter(norm):
                start = end - len(name) + 1
                if not _whole_word(norm, start, end + 1):
                    continue
                surface = text[offsets[start] : offsets[end] + 1]
                if any(w[:1].islower() for w in _WORD.findall(surface)):
                    lowercase[name] += 1
            for end, key in unaccented.iter(folded):
                start = end - len(key) + 1
                if not _whole_word(folded, start, end + 1):
                    continue
                if norm[start : end + 1] in by_fold[key]:
                    own_words[key] += 1
                else:
                    other_words[key] += 1
    return {
        "lowercase": sorted(n for n, c in lowercase.items() if c >= MIN_LOWERCASE),
        # Ambiguous when other words give this spelling at least as often as the places do.
        "folded": sorted(
            {k for k, c in other_words.items() if c >= MIN_OTHER_WORDS and c >= own_words[k]}
            | SOCIAL_SPELLINGS
        ),
    }


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    result = build([Path(a) for a in argv])
    DATA_FILE.write_text(json.dumps(result, ensure_ascii=False, indent=0) + "\n", "utf-8")
    print(f"{DATA_FILE}: {len(result['lowercase'])} lowercase, {len(result['folded'])} folded")


if __name__ == "__main__":
    main(sys.argv[1:])
