"""The topics officers are asked to watch, and the tone scale, as one versioned taxonomy.

A label says what an item is about, not who is right: it sends the item to a person. The
definitions here are the ones the training data was written against; a model artefact records
the taxonomy id it was built for, and the service refuses one built for another.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    id: str
    name_vi: str
    name_en: str
    definition: str
    # Recall-first operating point: thresholds are the highest that keep this recall on
    # validation data (missing an item is worse than a false alarm).
    min_recall: float


LABELS: tuple[Label, ...] = (
    Label(
        id="sovereignty",
        name_vi="Chủ quyền lãnh thổ, biên giới",
        name_en="Territorial sovereignty and borders",
        definition=(
            "Vietnam's territorial sovereignty or borders: the East Sea (Biển Đông), Hoàng Sa, "
            "Trường Sa, maritime zones, foreign vessels harassing or detaining fishermen, the "
            "land border and border markers, maps or claims (the nine-dash line), defence of "
            "territory. Not: seaside tourism, seafood prices, a boundary dispute between two "
            "communes, weather at sea."
        ),
        min_recall=0.9,
    ),
    Label(
        id="human_rights",
        name_vi="Nhân quyền, dân chủ, tôn giáo, dân tộc",
        name_en="Human rights, democracy, religion, ethnicity",
        definition=(
            "Human rights, democracy, freedom of religion or belief, ethnic minority rights or "
            "policy, freedom of speech and press, treatment of detainees, or assessments of "
            "these, critical or official, when framed in rights terms. Not: an ordinary temple "
            "festival; a welfare handout with no rights framing."
        ),
        min_recall=0.85,
    ),
    Label(
        id="distortion",
        name_vi="Thông tin sai sự thật, xuyên tạc",
        name_en="False or distorting information",
        definition=(
            "False, unverified or distorting information: rumours, fake news, doctored photos, "
            "fabricated or alarmist claims spread online, and official corrections or debunks "
            "of such claims. A post that itself spreads an alarmist, unverifiable claim counts."
        ),
        min_recall=0.9,
    ),
)

LABEL_IDS: tuple[str, ...] = tuple(label.id for label in LABELS)

TONES: tuple[str, ...] = ("negative", "neutral", "positive")
TONE_NAMES_VI = {"negative": "tiêu cực", "neutral": "trung tính", "positive": "tích cực"}


def label(label_id: str) -> Label:
    for candidate in LABELS:
        if candidate.id == label_id:
            return candidate
    raise KeyError(f'unknown topic "{label_id}" (expected one of: {", ".join(LABEL_IDS)})')


def taxonomy_id() -> str:
    """A short, stable fingerprint of the labels, their definitions and the tone scale."""
    payload = json.dumps(
        {"labels": [(lab.id, lab.definition) for lab in LABELS], "tones": TONES},
        ensure_ascii=False,
        sort_keys=True,
    )
    return "topics-" + hashlib.sha256(payload.encode()).hexdigest()[:12]
